"""The pictures, drawn from real (replayed) data, in both languages: what each one states, not how it looks pixel by
pixel; and a Chinese picture renders every glyph with the CJK font (a missing glyph fails)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from swarmlab import recordings, viz
from swarmlab.i18n import catalog
from swarmlab.lab import Lab
from swarmlab.model.chain import NodeView, vip_chain
from swarmlab.parsers import ipvsadm, network_inspect, service_ps
from swarmlab.viz import fonts
from swarmlab.viz.i18n import TEXT, UnknownLanguage

FIX = Path(__file__).parent / "fixtures" / "vm-ipvs-docker20"
LANGS = ("en", "zh")


def texts(fig) -> str:  # type: ignore[no-untyped-def]
    out = [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]
    out += [t.get_text() for t in fig.texts] + ([fig._suptitle.get_text()] if fig._suptitle else [])
    out += [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    out += [ax.get_xlabel() + "\n" + ax.get_ylabel() for ax in fig.axes]
    legend = [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    out += [t.get_text() for lg in legend for t in lg.get_texts()]
    return "\n".join(out)


def body(name: str) -> str:
    return "\n".join(ln for ln in (FIX / name).read_text().splitlines() if not ln.startswith("###"))


def has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


@pytest.fixture(scope="module")
def seed_lab() -> Lab:
    return Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))


@pytest.fixture(scope="module")
def rig_lab() -> Lab:
    return Lab.connect(mode="replay", recording=recordings.get("rig-session"))  # Docker 20.10: the values below


@pytest.fixture(scope="module")
def rig_sample(rig_lab: Lab):  # type: ignore[no-untyped-def]
    return rig_lab.sample_requests(1000)


@pytest.fixture(scope="module")
def rig_nets(rig_lab: Lab) -> dict[str, network_inspect.NetworkInfo]:
    return {n: rig_lab.inspect_network(n).value[0] for n in rig_lab.swarm_nodes}


@pytest.fixture(scope="module")
def rig_topology_args() -> dict[str, object]:
    # a Lab of its own: a replay walks its recording in order, and other fixtures move it on
    args = viz.topology_inputs(Lab.connect(mode="replay", recording=recordings.get("rig-session")))
    del args["source"]
    return args


# -- the distribution ------------------------------------------------------------------------------------------


def test_distribution_states_counts_share_and_deviation(seed_lab: Lab, tmp_path: Path) -> None:
    fig = viz.distribution(seed_lab.sample_requests(3).summary, source="replay: seed")
    shown = texts(fig)
    assert "largest deviation 33.3%" in shown and "even share: 1.5" in shown
    assert "6039865a1e5d\n10.0.1.32" in shown and "replay: seed" in shown
    fig.savefig(tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 5000


def test_distribution_strip_shows_alternation_and_every_repeat(rig_lab: Lab, rig_sample) -> None:  # type: ignore[no-untyped-def]
    sample = rig_sample
    assert viz.repeats_at(sample.answers)[:3] == [412, 416, 419] and len(viz.repeats_at(sample.answers)) == 21
    fig = viz.distribution(sample, source=rig_lab.label)
    strip = fig.axes[0]
    assert strip.get_title() == ("Who answered each request (requests 382-441 of 1000): round robin alternates "
                                 "A-B-A-B")  # the window opens 30 requests before the first repeat
    xs, ys = strip.lines[0].get_data()
    assert list(xs[:4]) == [382, 383, 384, 385] and len(set(ys[:4])) == 2 and ys[0] != ys[1]
    shown = texts(fig)
    assert "21 repeat(s) in 1000 requests: 412, 416, 419" in shown and "repeat (same backend twice)" in shown
    assert "A  fee5343ca278\n10.0.4.4" in shown and "B  8a79c43c1f81\n10.0.4.3" in shown  # order of first answer
    assert "504" in shown and "496" in shown and "largest deviation 0.8%" in shown


def test_distribution_without_repeats_says_strict_alternation(rig_lab: Lab) -> None:
    fig = viz.distribution(rig_lab.sample_requests(8), lang="zh")
    shown = texts(fig)
    assert "8 个请求中没有重复：严格交替" in shown and "全部 8 个" in shown and "请求序号" in shown
    strip_y = fig.axes[0].lines[0].get_data()[1]
    assert [int(y) for y in strip_y] == [0, 1, 0, 1, 0, 1, 0, 1]


def test_distribution_repeat_is_marked_where_it_happened() -> None:
    answers = pd.DataFrame({"seq": [1, 2, 3, 4, 5], "ok": [True] * 5,
                            "hostname": ["a", "b", "b", "a", "b"], "task_ip": ["10.0.0.3", "10.0.0.4", "10.0.0.4",
                                                                               "10.0.0.3", "10.0.0.4"]})
    summary = pd.DataFrame({"hostname": ["a", "b"], "task_ip": ["10.0.0.3", "10.0.0.4"], "count": [2, 3]})
    assert viz.repeats_at(answers) == [3]
    shown = texts(viz.distribution(summary, answers=answers))
    assert "1 repeat(s) in 5 requests: 3" in shown


# -- the allocation --------------------------------------------------------------------------------------------


def test_allocation_in_address_order_with_roles() -> None:
    net = network_inspect.parse(body("multinode-network-inspect-mynet-v.txt"))[0]
    rows = viz.allocation_rows(net)
    assert [r["address"] for r in rows][:4] == ["10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"]
    assert {r["role"] for r in rows} == {"gateway", "vip", "task", "lb endpoint"}
    assert next(r for r in rows if r["address"] == "10.0.1.2")["label"] == "VIP web"
    shown = texts(viz.vip_allocation(rows, subnet=net.subnet))
    assert "10.0.1.0/24" in shown and ".5\nlb-mynet" in shown and "allocation order" in shown


def test_allocation_has_every_nodes_lb_endpoint_in_order(rig_nets: dict[str, network_inspect.NetworkInfo]) -> None:
    one = viz.allocation_rows(rig_nets["swarm-manager"])
    assert [r["address"] for r in one if r["role"] == "lb endpoint"] == ["10.0.4.5"]  # one node sees only its own
    rows = viz.allocation_rows(rig_nets)
    assert [(r["address"], r["role"], r.get("node")) for r in rows] == [
        ("10.0.4.1", "gateway", None), ("10.0.4.2", "vip", None), ("10.0.4.3", "task", None),
        ("10.0.4.4", "task", None), ("10.0.4.5", "lb endpoint", "swarm-manager"),
        ("10.0.4.6", "lb endpoint", "swarm-worker1"), ("10.0.4.7", "vip", None), ("10.0.4.8", "task", None),
        ("10.0.4.9", "lb endpoint", "swarm-worker2")]
    assert [r["order"] for r in rows] == [str(i) for i in range(1, 10)]
    en = texts(viz.vip_allocation(rows, "10.0.4.0/24", highlight="10.0.4.9"))
    assert ".9\nlb-mynet\non swarm-worker2" in en and ".6\nlb-mynet\non swarm-worker1" in en
    assert "VIP of web" in en and "lb endpoint" in en
    zh = texts(viz.vip_allocation(rows, "10.0.4.0/24", lang="zh"))
    assert ".9\nlb-mynet\n位于 swarm-worker2" in zh and "web 的 VIP" in zh and "负载均衡端点" in zh
    assert "10.0.4.0/24 上的地址，按分配顺序" in zh and "网关" in zh


def test_allocation_of_a_lab_asks_every_node() -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("rig-session"))
    shown = texts(viz.allocation_of(lab, lang="en", highlight="10.0.4.9"))
    assert all(f".{i}\nlb-mynet\non {n}" in shown for i, n in ((5, "swarm-manager"), (6, "swarm-worker1"),
                                                                (9, "swarm-worker2")))
    assert "10.0.4.0/24" in shown and "replay: rig-session.jsonl" in shown


def test_empty_inputs_draw_a_message() -> None:
    assert "no answered requests" in texts(viz.distribution(pd.DataFrame()))
    assert "no addresses" in texts(viz.vip_allocation([]))
    assert "没有得到响应的请求" in texts(viz.distribution(pd.DataFrame(), lang="zh"))
    assert "没有 VIP 链" in texts(viz.topology(pd.DataFrame(), lang="zh"))


# -- the topology ----------------------------------------------------------------------------------------------


def test_topology_follows_the_clients_node(rig_topology_args: dict[str, object]) -> None:
    shown = texts(viz.topology(**rig_topology_args))  # type: ignore[arg-type]
    assert "node swarm-worker2 (the client's)" in shown and "client container client.1" in shown
    assert "eth0 10.0.4.8/24" in shown and "DNS 127.0.0.11: web -> 10.0.4.2" in shown
    assert "eth0 10.0.4.9/24 + 10.0.4.2/32 (VIP)" in shown
    assert "mangle INPUT  -d 10.0.4.2  MARK set 0x106 (= 262)" in shown  # worker2's mark, not the manager's 0x10d
    assert "IPVS FWM 262 rr (round robin) -> 10.0.4.3, 10.0.4.4" in shown
    assert "nat POSTROUTING  SNAT src -> 10.0.4.9" in shown and "sees RemoteAddr 10.0.4.9" in shown
    assert "task web.1" in shown and "eth0 10.0.4.3/24" in shown and "task web.2" in shown
    assert "overlay network mynet 10.0.4.0/24: VXLAN between the nodes" in shown
    # the other nodes' lb namespaces, with their own marks, are not on this path
    assert "lb_1yrvy526i\neth0 10.0.4.5/24\nMARK 0x10d (= 269)\nnot on this path" in shown
    assert "MARK 0x10a (= 266)" in shown
    assert "host 10.99.0.12 (VXLAN end)" in shown and "host 10.99.0.10 (VXLAN end)" in shown


def test_topology_of_a_lab_is_the_same_picture(rig_topology_args: dict[str, object]) -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("rig-session"))
    shown = texts(viz.topology_of(lab, lang="zh", highlight="dns"))
    assert shown == texts(viz.topology(**rig_topology_args, lang="zh", highlight="dns",  # type: ignore[arg-type]
                                       source=lab.label))
    assert "主机 10.99.0.11（VXLAN 隧道端点）" in shown
    assert "第 2 步：Docker 内置 DNS（127.0.0.11）把 web 解析为虚拟IP 10.0.4.2" in shown
    assert rig_topology_args["node_ips"] == {"swarm-manager": "10.99.0.10", "swarm-worker1": "10.99.0.11",
                                             "swarm-worker2": "10.99.0.12"}


def test_topology_in_chinese(rig_topology_args: dict[str, object]) -> None:
    shown = texts(viz.topology(**rig_topology_args, lang="zh", highlight="mark"))  # type: ignore[arg-type]
    assert "节点 swarm-worker2（client 所在）" in shown and "client 容器 client.1" in shown
    assert "lb_1yrvy526i（负载均衡命名空间）" in shown and "IPVS FWM 262 rr（轮询） -> 10.0.4.3, 10.0.4.4" in shown
    assert "overlay 网络 mynet 10.0.4.0/24：节点之间走 VXLAN" in shown and "任务 web.1" in shown
    assert "第 5 步：mangle 表 INPUT 链给发往 10.0.4.2 的数据包打上防火墙标记 0x106 = 262" in shown
    assert "不在此路径上" in shown


def test_topology_highlight_marks_only_that_step(rig_topology_args: dict[str, object]) -> None:
    from swarmlab.viz.topology import HL_FACE

    def highlighted(fig) -> list[str]:  # type: ignore[no-untyped-def]
        ax = fig.axes[0]
        faces = [p for p in ax.patches if p.get_linewidth() >= 3.0]
        return [t.get_text() for t in ax.texts if any(p.contains_point(ax.transData.transform(t.get_position()))
                                                       for p in faces)]

    plain = viz.topology(**rig_topology_args)  # type: ignore[arg-type]
    assert highlighted(plain) == []
    snat = viz.topology(**rig_topology_args, highlight="snat")  # type: ignore[arg-type]
    assert any("SNAT src -> 10.0.4.9" in t for t in highlighted(snat))
    assert not any("MARK set" in t for t in highlighted(snat))
    assert "Step 7: nat POSTROUTING rewrites the source to the lb endpoint 10.0.4.9 (SNAT)" in texts(snat)
    assert sum(1 for p in snat.axes[0].patches if p.get_facecolor()[:3] == pytest.approx(
        tuple(int(HL_FACE[i:i + 2], 16) / 255 for i in (1, 3, 5)))) == 1
    with pytest.raises(ValueError, match="highlight='nat': one of client, dns, vip"):
        viz.topology(**rig_topology_args, highlight="nat")  # type: ignore[arg-type]
    by_number = viz.topology(**rig_topology_args, highlight=6)  # type: ignore[arg-type]
    assert "Step 6: IPVS service FWM 262 picks the next real server" in texts(by_number)


def test_topology_greys_a_node_with_no_client_and_no_task(rig_topology_args: dict[str, object]) -> None:
    args = {**rig_topology_args, "nodes": [*rig_topology_args["nodes"], "swarm-worker3"]}  # type: ignore[misc]
    shown = texts(viz.topology(**args))  # type: ignore[arg-type]
    assert "node swarm-worker3" in shown and "no task of web, no client: not on this path" in shown
    assert "node swarm-manager" in shown and shown.count("no task of web") == 1  # nodes with a task are on it


def test_topology_draws_the_chain_and_admits_unknowns(seed_lab: Lab) -> None:
    shown = texts(viz.topology(seed_lab.vip_chain("web"), client="swarm-manager"))
    assert "eth0 10.0.1.37 + 10.0.1.30/32 (VIP)" in shown and "MARK set 0x106 (= 262)" in shown
    assert "IPVS FWM 262 rr (round robin) -> 10.0.1.31, 10.0.1.32" in shown
    assert "10.0.1.31 (?)" in shown
    assert "not on this path" not in shown  # which node runs which task is unknown: nothing is greyed out


def test_topology_of_three_nodes_names_tasks() -> None:
    view = NodeView(node="swarmvm", inspect=network_inspect.parse(body("multinode-network-inspect-mynet-v.txt"))[0],
                    ipvs=next(iter(ipvsadm.parse_per_namespace(body("multinode-node1-lb-ipvsadm.txt")).values())),
                    tasks=service_ps.parse(body("multinode-service-ps-web.txt")))
    shown = texts(viz.topology(vip_chain("web", [view])))
    assert "task web.1" in shown and "eth0 10.0.1.4" in shown and "node sw3" in shown and "node swarmvm" in shown
    assert "How web is load-balanced" in shown and "+3 more" in shown


def test_topology_without_ipvs_stops_at_ipvs() -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("rig-no-ipvs"))
    chain = lab.vip_chain("web")
    shown = texts(viz.topology(chain, client=lab.client_node(), highlight="ipvs"))
    assert "mangle INPUT: no MARK rule for 10.0.1.2" in shown and "IPVS: no FWM service for this mark" in shown
    assert "nat POSTROUTING: not reached" in shown and "Step 6: IPVS: no FWM service for this mark" in shown
    assert "MARK set" not in shown and "LocalLBIndex 256, no MARK" in shown


# -- languages and the CJK font ---------------------------------------------------------------------------------


def test_both_languages_have_the_same_words() -> None:
    zh = {k: catalog("zh").gettext(v) for k, v in TEXT.items()}
    # terminal words and addresses only (the same in both, Chinese punctuation aside), and the chapter's own name
    # for the client service (the lessons write "client" in both languages)
    commands_only = {"topo.task eth0", "topo.client eth0", "topo.ipvs", "topo.dns", "topo.lb eth0", "topo.mark",
                     "client"}
    assert [k for k in zh if not has_cjk(zh[k])] == [k for k in zh if k in commands_only]
    assert not any(has_cjk(v) for v in TEXT.values())


def test_an_unknown_language_is_one_clear_error(rig_lab: Lab) -> None:
    with pytest.raises(UnknownLanguage, match="lang='fr': the course speaks 'zh' and 'en'"):
        viz.distribution(rig_lab.sample_requests(3), lang="fr")


def all_pictures(sample, nets: dict[str, network_inspect.NetworkInfo], args: dict[str, object], lang: str):  # type: ignore[no-untyped-def]
    return [viz.distribution(sample, source="replay", lang=lang),
            viz.vip_allocation(viz.allocation_rows(nets), "10.0.4.0/24", "replay", lang=lang),
            viz.topology(**args, lang=lang, highlight="mark", source="replay")]  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
def test_every_picture_labels_in_its_language(lang: str, rig_sample, rig_nets, rig_topology_args) -> None:  # type: ignore[no-untyped-def]
    for fig in all_pictures(rig_sample, rig_nets, rig_topology_args, lang):
        titles = "\n".join([ax.get_title() for ax in fig.axes] + ([fig._suptitle.get_text()] if fig._suptitle
                                                                   else []))
        assert has_cjk(titles) == (lang == "zh"), titles


@pytest.mark.parametrize("lang", LANGS)
def test_no_glyph_is_missing(lang: str, rig_sample, rig_nets, rig_topology_args, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """matplotlib warns "Glyph ... missing from font(s)" and draws a box: here that warning is an error."""
    if os.environ.get("CI") == "true" or lang == "zh":
        assert fonts.cjk_font(), f"no CJK font: {fonts.INSTALL_HINT}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, fig in enumerate(all_pictures(rig_sample, rig_nets, rig_topology_args, lang)):
            fig.savefig(tmp_path / f"{lang}-{i}.png")


def test_without_a_cjk_font_the_glyph_check_fails(monkeypatch: pytest.MonkeyPatch, rig_lab: Lab) -> None:
    """The glyph test can fail: hide every CJK font and a Chinese picture warns, first that no font was found,
    then that glyphs are missing."""
    monkeypatch.setattr(fonts, "CJK_CANDIDATES", ("No Such CJK Font",))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.warns(fonts.CJKFontMissing, match="fonts-noto-cjk"):
            fig = viz.distribution(rig_lab.sample_requests(8), lang="zh")
        with warnings.catch_warnings(), pytest.raises(UserWarning, match=r"missing from (current )?font"):
            warnings.simplefilter("error")
            fig.savefig(Path(os.devnull), format="png")
    finally:
        fonts.cjk_font.cache_clear()


def test_the_cjk_font_is_installed_wherever_the_lab_runs() -> None:
    root = Path(__file__).parent.parent
    apt = (root / "run").read_text().split('APT_PACKAGES="', 1)[1].split('"', 1)[0].split()
    assert "fonts-noto-cjk" in apt  # tests and CI (`./run tests` as root)
    assert (root / "binder" / "apt.txt").read_text().split() == ["fonts-noto-cjk"]  # Binder (repo2docker)
    assert "fonts-noto-cjk" in (root / "docs" / "pictures.md").read_text()  # a local install
    assert fonts.CJK_CANDIDATES[0] == "Noto Sans CJK SC"  # what fonts-noto-cjk provides, tried first


def test_a_cjk_font_installed_after_matplotlibs_font_cache_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]  # a cache from before the font
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    fonts.cjk_font.cache_clear()
    try:
        assert fonts.cjk_font() == "Noto Sans CJK SC"
    finally:
        fonts.cjk_font.cache_clear()


def test_topology_lists_many_tasks_one_line_each_inside_their_node(rig_topology_args: dict[str, object]) -> None:
    chain = rig_topology_args["chain"]
    assert isinstance(chain, pd.DataFrame)
    row = chain[chain.node == "swarm-worker2"].iloc[0]
    many = pd.DataFrame([{**row.to_dict(), "real_server": f"10.0.4.{20 + i}", "task": f"web.{i + 1}.x",
                          "task_node": "swarm-worker1"} for i in range(7)])  # seven tasks on one node
    fig = viz.topology(**{**rig_topology_args, "chain": many})  # type: ignore[arg-type]
    lines = [t for t in fig.axes[0].texts if t.get_text().startswith("web.")]
    assert [t.get_text() for t in lines] == [f"web.{i + 1}  10.0.4.{20 + i}/24" for i in range(7)]
    assert all(13 < t.get_position()[1] < 60 for t in lines)  # inside the node's box, above the overlay
    assert "IPVS FWM 262 rr (round robin) -> 10.0.4.20, 10.0.4.21, 10.0.4.22 +4 more" in texts(fig)


def test_a_crowded_allocation_spreads_its_labels_over_four_rows() -> None:
    rows = [{"address": f"10.0.4.{i}", "role": "task", "label": f"web.{i}"} for i in range(2, 14)]
    heights = {round(t.xyann[1], 2) for t in viz.vip_allocation(rows).axes[0].texts}
    assert heights == {0.42, -0.42, 0.7, -0.7}
    assert {round(t.xyann[1], 2) for t in viz.vip_allocation(rows[:9]).axes[0].texts} == {0.42, -0.42}


def test_a_chinese_pictures_footer_is_chinese(rig_lab: Lab) -> None:
    from swarmlab.viz.i18n import footer

    label = "replay: rig-session.jsonl (docker 26.1.5, kernel 6.12; recorded 2026-11-27)"
    assert footer(label, "zh") == "回放：rig-session.jsonl（Docker 26.1.5，内核 6.12；录制于 2026-11-27）"
    assert footer(label, "en") == label and footer("live: n1, n2", "zh") == "实时：n1, n2"
    shown = texts(viz.distribution(rig_lab.sample_requests(6), source=rig_lab.label, lang="zh"))
    assert footer(rig_lab.label, "zh") in shown and rig_lab.label not in shown
