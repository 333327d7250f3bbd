"""The sequence diagram of one traced request, drawn from the real (replayed) trace recording of the Debian 13 rig:
one request to web (VIP: IPVS DNAT + SNAT in the lb namespace, VXLAN between the nodes) and one to webrr (dnsrr: no
lb namespace, no rewrite). What the picture states, which fields it highlights, that it fits its figure, and that a
Chinese picture renders every glyph."""

from __future__ import annotations

import copy
import dataclasses
import os
import warnings
from pathlib import Path
from typing import Any

import pytest

from swarmlab import recordings, viz
from swarmlab.i18n import t
from swarmlab.lab import Lab
from swarmlab.lab.trace import Check, Trace
from swarmlab.viz import fonts
from swarmlab.viz.i18n import UnknownLanguage
from swarmlab.viz.palette import VERMILION
from tests.test_viz import has_cjk, texts

LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    lab = Lab.connect(mode="replay", recording=recordings.get("rig-trace-debian13"))
    vip = lab.trace_request("web")       # in the recording's order: a replay walks it
    dnsrr = lab.trace_request("webrr")
    assert vip.mode == "vip" and dnsrr.mode == "dnsrr" and vip.ok and dnsrr.ok
    return {"vip": vip, "dnsrr": dnsrr}


def packet_texts(fig: Any) -> list[Any]:
    return [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("seq.packet.")]


def highlighted(fig: Any) -> list[str]:
    """The packet fields drawn as changed: bold and red."""
    return [t.get_text() for t in packet_texts(fig)
            if t.get_fontweight() == "bold" and t.get_color() == VERMILION]


def changed_in(trace: Trace) -> list[str]:
    """What the hop table says changed, hop by hop, in the order the picture draws it (source, destination, outer)."""
    out: list[str] = []
    for hop in trace.hops:
        kinds = {what: after for what, _, after in hop.changed}
        out += [kinds[k] for k in ("src", "dst") if k in kinds]
        if "wrapped" in kinds:
            out.append(hop.outer)
    return out


def layout_problems(fig: Any) -> list[str]:
    """Texts outside the figure (clipped) and texts drawn over each other (more than a pixel and a half)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    arts = [t for ax in fig.axes for t in ax.texts] + list(fig.texts)
    arts += [t for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in dict.fromkeys(arts) if t.get_text().strip()]
    out = [f"clipped: {s!r}" for s, b in boxes
           if b.x0 < 0 or b.y0 < 0 or b.x1 > fig.bbox.width or b.y1 > fig.bbox.height]
    for i, (s, b) in enumerate(boxes):
        for s2, b2 in boxes[i + 1:]:
            if min(b.x1, b2.x1) - max(b.x0, b2.x0) > 1.5 and min(b.y1, b2.y1) - max(b.y0, b2.y0) > 1.5:
                out.append(f"overlap: {s!r} / {s2!r}")
    return out


def test_the_vip_request_at_every_capture_point(traces: dict[str, Trace]) -> None:
    fig = viz.sequence(traces["vip"], source="replay: rig-trace-debian13")
    shown = texts(fig)
    assert "One request to web through the VIP 10.0.1.2: the packet at every capture point" in shown
    # the lifelines, in path order, with where they are and their addresses
    heads = [t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("seq.head.")]
    assert heads == ["client task", "swarm-worker2 · ns 38c9a3390211", "eth0 10.0.1.8",
                     "lb namespace lb_1uvz95ta2", "on swarm-worker2", "VIP 10.0.1.2", "lb endpoint 10.0.1.9",
                     "underlay (VXLAN)", "swarm-worker2 ↔ swarm-manager", "eth0 10.99.0.12 ↔ 10.99.0.10",
                     "VNI 4097, UDP 4789",
                     "web task (real server)", "swarm-manager · ns aab2d36b6fc3", "web.2 · eth0 10.0.1.4"]
    # one arrow per hop after the first of each way, written source -> destination as tcpdump saw it there
    pieces = packet_texts(fig)
    sources = [t.get_text() for t in pieces if t.get_gid() == "seq.packet.src"]
    destinations = [t.get_text() for t in pieces if t.get_gid() == "seq.packet.dst"]
    followed = [h for h in traces["vip"].hops if h.rule not in ("sent", "answer")]
    assert list(zip(sources, destinations, strict=True)) == [(h.src, h.dst) for h in followed]
    assert len(sources) == 8
    assert "VXLAN, VNI 4097\n10.99.0.12:44748 → 10.99.0.10:4789" in shown
    assert "VXLAN, VNI 4097\n10.99.0.10:55931 → 10.99.0.12:4789" in shown
    # the rules that changed it, at the side
    assert "mangle INPUT MARK set 0x100: the VIP is local here" in shown
    assert "IPVS FWM 256 (rr): destination → real server (DNAT)\nnat POSTROUTING SNAT to:10.0.1.9:" in shown
    assert "conntrack and IPVS undo the NAT:\nsource → VIP, destination → client" in shown
    assert shown.count("vxlan0 wraps it in VXLAN: VNI 4097, UDP 4789") == 2
    assert shown.count("VXLAN header removed") == 2 and "delivered unchanged" in shown
    assert "replay: rig-trace-debian13" in shown


def test_the_highlighted_fields_are_exactly_the_changed_ones(traces: dict[str, Trace]) -> None:
    vip, dnsrr = traces["vip"], traces["dnsrr"]
    shown = highlighted(viz.sequence(vip))
    # the lb namespace's Out: destination VIP -> task, source client -> lb endpoint; the reply undoes both
    assert [s for s in shown if "VXLAN" not in s] == ["10.0.1.9:39348", "10.0.1.4:80", "10.0.1.2:80",
                                                      "10.0.1.8:39348"]
    assert [s.split("\n")[1] for s in shown if "VXLAN" in s] == [h.outer.split(" VNI")[0] for h in vip.hops
                                                                 if h.outer]
    assert [s.split("\n")[-1] for s in shown] == [c.split(" VNI")[0] for c in changed_in(vip)]
    # dnsrr: no address is rewritten; only the VXLAN wrapping between the nodes is new
    plain = highlighted(viz.sequence(dnsrr, lang="zh"))
    assert len(plain) == 2 and all(s.startswith("VXLAN 封装，VNI 4097\n") for s in plain)
    assert [s.split("\n")[-1] for s in plain] == [c.split(" VNI")[0] for c in changed_in(dnsrr)]


def test_the_highlight_follows_the_hop_table_not_the_layout(traces: dict[str, Trace]) -> None:
    """The check above can fail: a trace whose lb namespace changed nothing highlights nothing there."""
    untouched = copy.deepcopy(traces["vip"])
    for hop in untouched.hops:
        if hop.role == "lb":
            hop.changed = []
    shown = highlighted(viz.sequence(untouched))
    assert "10.0.1.4:80" not in shown and "10.0.1.2:80" not in shown
    assert shown != highlighted(viz.sequence(traces["vip"]))
    assert len(shown) == 2  # the two VXLAN headers are still new where they appear


def test_dnsrr_has_no_lb_on_the_path(traces: dict[str, Trace]) -> None:
    fig = viz.sequence(traces["dnsrr"])
    shown = texts(fig)
    assert "One request to webrr (dnsrr, no VIP)" in shown
    assert "lb namespace lb_1uvz95ta2" in shown and "not on the path (no VIP)" in shown
    assert "webrr task" in shown and "real server" not in shown and "VIP 10.0.1" not in shown
    lb_head = [t for t in fig.axes[0].texts if t.get_gid() == "seq.head.lb"]
    assert all(t.get_color() != "#222222" for t in lb_head)  # greyed out
    pieces = packet_texts(fig)
    assert [t.get_text() for t in pieces if t.get_gid() == "seq.packet.src"] == [
        "10.0.1.8:56494", "10.0.1.8:56494", "10.0.1.11:80", "10.0.1.11:80"]  # the client's own address throughout
    assert "IPVS" not in shown and "SNAT" not in shown and "MARK" not in shown


def test_in_chinese(traces: dict[str, Trace]) -> None:
    shown = texts(viz.sequence(traces["vip"], lang="zh"))
    assert "一个发往 web 的请求，经由虚拟IP（VIP）10.0.1.2：每个抓包点看到的数据包" in shown
    for words in ("client 任务", "负载均衡命名空间 lb_1uvz95ta2", "虚拟IP（VIP）10.0.1.2", "负载均衡端点 10.0.1.9",
                  "底层网络（VXLAN）", "VNI 4097，UDP 端口 4789", "web 任务（真实服务器）", "请求  TCP SYN",
                  "响应  TCP SYN-ACK", "IPVS FWM 256（rr 轮询）：目的地址 → 真实服务器（DNAT）",
                  "源地址 → 负载均衡端点", "vxlan0 做 VXLAN 封装", "去掉 VXLAN 封装", "橙色粗体：在这一跳被改写"):
        assert words in shown, words
    assert "不在路径上（没有 VIP）" in texts(viz.sequence(traces["dnsrr"], lang="zh"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", ["vip", "dnsrr"])
def test_every_glyph_is_there_every_text_fits_and_none_overlaps(traces: dict[str, Trace], which: str,
                                                                 lang: str) -> None:
    """matplotlib warns "Glyph ... missing from font(s)" and draws a box: here that warning is an error (the
    drawing below renders every text with the Agg backend)."""
    if os.environ.get("CI") == "true" or lang == "zh":
        assert fonts.cjk_font(), f"no CJK font: {fonts.INSTALL_HINT}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = viz.sequence(traces[which], lang=lang, source="replay: rig-trace-debian13.jsonl")
        assert layout_problems(fig) == []
    assert has_cjk(fig._suptitle.get_text()) == (lang == "zh")
    assert 10 <= fig.get_size_inches()[0] <= 12  # notebook width


def test_the_layout_check_can_fail(traces: dict[str, Trace]) -> None:
    fig = viz.sequence(traces["vip"])
    ax = fig.axes[0]
    ax.text(11.9, 3.0, "a note that runs off the edge")
    first = next(t for t in ax.texts if t.get_gid() == "seq.packet.src")
    ax.text(*first.get_position(), "over it", va="bottom")
    found = layout_problems(fig)
    assert any(p.startswith("clipped: 'a note that runs off") for p in found)
    assert any("'over it'" in p for p in found)


def test_without_a_cjk_font_the_glyph_check_fails(monkeypatch: pytest.MonkeyPatch, traces: dict[str, Trace]) -> None:
    """The glyph check can fail: hide every CJK font and a Chinese sequence warns, first that no font was found,
    then that glyphs are missing."""
    monkeypatch.setattr(fonts, "CJK_CANDIDATES", ("No Such CJK Font",))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.warns(fonts.CJKFontMissing, match="fonts-noto-cjk"):
            fig = viz.sequence(traces["dnsrr"], lang="zh")
        with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
            warnings.simplefilter("error")
            fig.savefig(Path(os.devnull), format="png")
    finally:
        fonts.cjk_font.cache_clear()


def test_an_unknown_language_is_one_clear_error(traces: dict[str, Trace]) -> None:
    with pytest.raises(UnknownLanguage, match="lang='fr': the course speaks 'zh' and 'en'"):
        viz.sequence(traces["vip"], lang="fr")


def test_a_trace_that_followed_nothing_says_why(traces: dict[str, Trace]) -> None:
    lost = dataclasses.replace(traces["vip"], hops=[], checks=[
        Check(t("the client sent a request"), False, t("no SYN leaving the client's namespace was captured"))])
    assert "no packet followed: no SYN leaving the client's namespace was captured" in texts(viz.sequence(lost))
    assert "没有跟踪到数据包" in texts(viz.sequence(lost, lang="zh"))
