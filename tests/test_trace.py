"""Following one request (swarmlab.lab.trace) on the real trace recording: the hop table, each of its checks in a
case where it fails, the parsers' errors, the commands' bounds, and the CLI."""

from __future__ import annotations

import copy
import dataclasses
import shlex

import pytest

from swarmlab import recordings
from swarmlab.cli import main
from swarmlab.commands import chapter as c
from swarmlab.errors import InvalidName, ParseError
from swarmlab.i18n import _
from swarmlab.lab import Lab
from swarmlab.lab.trace import RULES, WORDS, Trace, follow
from swarmlab.parsers import conntrack, tcpdump


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    lab = Lab.connect("replay", recording=recordings.get(recordings.TRACE))
    return {"web": lab.trace_request("web"), "webrr": lab.trace_request("webrr")}


def _ip(addr: str) -> str:
    return addr.rsplit(":", 1)[0]


def test_the_vip_trace_follows_the_syn_and_the_syn_ack_through_every_point(traces: dict[str, Trace]) -> None:
    t = traces["web"]
    assert t.ok, t.checks_frame().to_string()
    assert [(h.way, h.role, h.direction) for h in t.hops] == [
        ("request", "client", "Out"), ("request", "lb", "In"), ("request", "lb", "Out"),
        ("request", "underlay", "Out"), ("request", "task", "In"),
        ("reply", "task", "Out"), ("reply", "underlay", "In"), ("reply", "lb", "In"), ("reply", "lb", "Out"),
        ("reply", "client", "In")]
    # the values come from the recording's own docker network inspect -v, not from this test
    net = t.network
    web = next(s for s in net.services if s.name == "web")
    client_ip = next(e.ip for e in net.endpoints if e.service == "client")
    lb_ip = net.lb_endpoint.ip if net.lb_endpoint else None
    task_ips = {x.endpoint_ip for x in web.tasks}
    first, lb_in, lb_out, under, task_in = t.hops[:5]
    assert _ip(first.src) == client_ip and _ip(first.dst) == web.vip == t.vip
    assert (lb_in.src, lb_in.dst) == (first.src, first.dst) and lb_in.rule == "mark"
    assert _ip(lb_out.src) == lb_ip and _ip(lb_out.dst) in task_ips and lb_out.rule == "ipvs+snat"
    assert {f for f, _, _ in lb_out.changed} == {"src", "dst"}
    assert under.outer.endswith(f"VNI {net.vni}") and under.rule == "vxlan" and net.vni == 4097
    assert (task_in.src, task_in.dst) == (lb_out.src, lb_out.dst) and task_in.rule == "unvxlan"
    assert t.answer is not None and _ip(task_in.dst) in t.answer.ips and t.answer.remote_addr == lb_ip
    back = t.hops[8]
    assert (_ip(back.src), _ip(back.dst)) == (web.vip, client_ip) and back.rule == "unnat"
    assert t.rules["fwm"] == str(web.mark) and t.rules["mark"].endswith(f"MARK set {hex(web.mark or 0)}")


def test_the_dnsrr_trace_shows_no_rewrite_and_no_lb(traces: dict[str, Trace]) -> None:
    t = traces["webrr"]
    assert t.ok and t.mode == "dnsrr" and t.vip is None
    assert "lb" not in {h.role for h in t.hops}
    assert all(not any(f in ("src", "dst") for f, _, _ in h.changed) for h in t.hops)
    assert t.hops[0].dst == t.hops[2].dst and t.hops[0].src == t.hops[2].src
    assert t.answer is not None and t.answer.remote_addr == t.client_ip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_hop_table_speaks_both_languages(traces: dict[str, Trace], lang: str) -> None:
    frame = traces["web"].frame(lang)
    assert len(frame) == 10 and "{" not in "".join(frame.astype(str).values.ravel())
    assert all(_(w, "zh") != w for w in (*WORDS.values(), *RULES.values()))  # message ids, each translated
    if lang == "zh":
        assert frame.columns[1] == "方向" and frame.iloc[2, 10].startswith("IPVS（FWM 256")


def _broken(t: Trace, **changes: object) -> Trace:
    b = copy.deepcopy(t)
    b.hops, b.checks = [], []
    for name, value in changes.items():
        setattr(b, name, value)
    follow(b)
    return b


def _failed(t: Trace) -> set[str]:
    return {c.what for c in t.checks if not c.ok}


def test_each_check_fails_when_its_evidence_disagrees(traces: dict[str, Trace]) -> None:
    t = traces["web"]
    assert _failed(_broken(t)) == set(), "re-following the same packets passes"
    other = dataclasses.replace(t.answer, ips=["10.0.1.250"]) if t.answer else None
    assert _failed(_broken(t, answer=other)) == {"the task that received it answered"}
    spoofed = dataclasses.replace(t.answer, remote_addr=t.client_ip) if t.answer else None
    assert _failed(_broken(t, answer=spoofed)) == {"the task saw the lb endpoint as the client"}
    assert "the client sent it to the VIP" in _failed(_broken(t, vip="10.0.1.77"))
    assert "the task saw the lb endpoint as the client" in _failed(_broken(t, lb_endpoint="10.0.1.250"))
    assert _failed(_broken(t, connections=[])) == {"ipvsadm -Lnc shows the same connection"}
    wrong_nat = [dataclasses.replace(e, reply_dst=t.client_ip or "") for e in t.conntrack]
    assert _failed(_broken(t, conntrack=wrong_nat)) == {"conntrack shows the same NAT"}
    other_net = dataclasses.replace(t.network, vni=4098)
    assert _failed(_broken(t, network=other_net)) == {
        "between the nodes it travelled in VXLAN with the network's VNI"}
    lost = [dataclasses.replace(p, result=None) if p.role == "task" else p for p in t.points]
    assert _failed(_broken(t, points=lost)) == {"a task received the request"}
    silent = [dataclasses.replace(p, result=None) if p.role == "client" else p for p in t.points]
    broken = _broken(t, points=silent)
    assert not broken.ok and broken.hops == [] and _failed(broken) == {"the client sent a request"}


def test_the_checks_say_what_they_found_in_chinese_too(traces: dict[str, Trace]) -> None:
    """Lesson 10's zh self-check and table: every finding (passing or failing) has its Chinese words; the
    addresses in it are the same as in English."""
    import re

    t = traces["web"]
    lost = _broken(t, points=[dataclasses.replace(p, result=None) if p.role == "task" else p for p in t.points])
    silent = _broken(t, points=[dataclasses.replace(p, result=None) if p.role == "client" else p for p in t.points])
    wrong = _broken(t, connections=[], network=dataclasses.replace(t.network, vni=4098))
    checks = [check for x in (t, traces["webrr"], lost, silent, wrong) for check in x.checks]
    assert len({check.what for check in checks}) >= 10 and any(not check.ok for check in checks)
    for check in checks:
        zh, en = check.told("zh"), check.told("en")
        assert re.search(r"[\u4e00-\u9fff]", zh) and zh != en, check.what
        assert re.findall(r"\d+\.\d+\.\d+\.\d+", zh) == re.findall(r"\d+\.\d+\.\d+\.\d+", en), check.what
    frame = t.checks_frame("zh")
    assert not any(w in " ".join(frame["细节"]) for w in ("entr(ies)", "sighting", "delivered", "lb out"))


def test_the_dnsrr_checks_fail_on_a_rewrite(traces: dict[str, Trace]) -> None:
    t = copy.deepcopy(traces["webrr"])
    task = next(p for p in t.points if p.role == "task" and p.packets)
    assert task.result is not None
    task.result.value = [dataclasses.replace(k, src="10.0.1.250") if k.syn else k for k in task.packets]
    assert _failed(_broken(t)) == {"no rewrite: the task saw the packet as the client sent it"}
    lb = next(p for p in t.points if p.role == "lb")
    client = next(p for p in t.points if p.role == "client")
    lb.result = copy.deepcopy(client.result)  # as if the lb namespace had seen the client's SYN
    assert "the lb namespace saw nothing of it" in _failed(_broken(t))


def test_the_parsers_name_the_line_they_cannot_read() -> None:
    with pytest.raises(ParseError, match="line 2"):
        tcpdump.parse("1.0 eth0  Out IP 10.0.1.8.1 > 10.0.1.2.80: Flags [S], seq 1, win 1, length 0\ngarbage\n")
    with pytest.raises(ParseError, match="carries"):
        tcpdump.parse("1.0 eth0  Out IP 10.99.0.12.1 > 10.99.0.11.4789: VXLAN, flags [I] (0x08), vni 4097\n")
    with pytest.raises(ParseError, match="neither a TCP nor a UDP"):
        tcpdump.parse("1.0 eth0  Out IP 10.0.1.8.1 > 10.0.1.2.80: ICMP echo request, id 1, seq 1, length 64\n")
    with pytest.raises(ParseError, match=r"src=\.\.\. twice"):
        conntrack.parse("tcp      6 113 TIME_WAIT src=10.0.1.8 dst=10.0.1.2 sport=1 dport=80 [ASSURED]\n")
    udp = conntrack.parse("udp      17 29 src=10.0.1.8 dst=10.0.1.2 sport=5 dport=53 [UNREPLIED] src=10.0.1.2 "
                          "dst=10.0.1.8 sport=53 dport=5 mark=0 use=1\n")
    assert udp[0].state is None and udp[0].flags == "UNREPLIED" and udp[0].reply_sport == 53


def test_captures_are_bounded_and_only_take_names_and_safe_filters() -> None:
    start = c.capture_start("web-lb", "tcp port 80 and net 10.0.1.0/24", "lb_abc")
    script = shlex.split(start)[2]
    assert f"timeout {c.CAPTURE_SECONDS} tcpdump" in script and f"-c {c.CAPTURE_PACKETS}" in script
    with pytest.raises(ValueError, match="unsafe capture filter"):
        c.capture_start("web-lb", "tcp port 80; rm -rf /")
    with pytest.raises(InvalidName):
        c.capture_start("../etc", "tcp port 80")
    with pytest.raises(InvalidName):
        c.capture_start("web-lb", "tcp", "lb_x; reboot")


def test_cli_trace_prints_the_hop_table_and_its_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace"]) == 0
    out = capsys.readouterr().out
    assert "VIP 10.0.1.2" in out and out.count("\nok ") == 7 and "NO " not in out
    assert main(["trace", "--service", "webrr", "--lang", "zh"]) == 0
    assert "dnsrr: no VIP" in capsys.readouterr().out
    assert main(["trace", "--recording", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no bundled recording 'nope'" in err
