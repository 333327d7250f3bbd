"""Bad input gives one ParseError naming the command kind, the line number and the line; never a traceback wall."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmlab.errors import ParseError
from swarmlab.parsers import (
    ip_addr,
    iptables,
    ipvsadm,
    netns_ls,
    network_inspect,
    nslookup,
    ping,
    service_inspect,
    service_ps,
    whoami,
)
from swarmlab.parsers.dispatch import kind_of, parse_output

CAPTURED = Path(__file__).parent / "fixtures" / "captured"
SEED_IPVSADM = (CAPTURED / "ipvsadm" / "04-docker-tips-ingress.txt").read_text()


def test_ipvsadm_error_names_kind_line_and_text() -> None:
    broken = SEED_IPVSADM.replace("  -> 10.0.0.7:0                   Masq    1      0          0",
                                  "  -> 10.0.0.7:0                   Masq    one    0          0")
    with pytest.raises(ParseError) as info:
        ipvsadm.parse(broken)
    err = info.value
    assert (err.kind, err.line_no) == ("ipvsadm", 6) and "Masq    one" in (err.line or "")
    assert str(err).startswith("cannot parse `ipvsadm` output at line 6:")


@pytest.mark.parametrize(("parser", "text", "kind", "line_no"), [
    (ipvsadm.parse, "FWM  256 rr\n", "ipvsadm", 1),
    (ipvsadm.parse, "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
                    "FWM  abc rr\n", "ipvsadm", 3),
    (iptables.parse, " 72  4995 MARK all\n", "iptables", 1),
    (iptables.parse, "Chain INPUT (policy ACCEPT 1 packets, 2 bytes)\n pkts bytes target prot opt in out source "
                     "destination\n  x  4995 MARK all -- * * 0.0.0.0/0 10.0.1.30\n", "iptables", 3),
    (ip_addr.parse, "    inet 10.0.1.30/32 scope global eth0\n", "ip addr", 1),
    (ip_addr.parse, "1: lo: <UP> mtu 65536\n    inet 10.0.1.999/32 scope global lo\n", "ip addr", 2),
    (service_ps.parse, "ID NAME\n", "docker service ps", 1),
    (netns_ls.parse, "lb_x ../etc\n", "ls /var/run/docker/netns", 1),
    (ping.parse, "PING web (10.0.1.30): 56 data bytes\nsomething else\n", "ping", 2),
    (nslookup.parse, "Server: 127.0.0.11\nhello\n", "nslookup", 2),
    (whoami.parse, "Hostname: a\nRemoteAddr: 10.0.1.37\n", "whoami", 2),
    (network_inspect.parse, '[{"Name": "mynet",\n "Containers": 3}]', "docker network inspect", None),
    (service_inspect.parse, "[{\n  oops\n}]", "docker service inspect", 2),
])
def test_each_parser_reports_where(parser, text: str, kind: str, line_no: int | None) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParseError) as info:
        parser(text)
    assert info.value.kind == kind and info.value.line_no == line_no


def test_non_text_input_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        ipvsadm.parse(None)  # type: ignore[arg-type]


def test_dispatch_names_the_command_it_cannot_parse() -> None:
    assert kind_of("docker run -d busybox") is None
    with pytest.raises(ParseError, match="no parser for this command"):
        parse_output("docker run -d busybox", "abc")


def test_jc_was_tried_first_and_gets_these_fixtures_wrong() -> None:
    """Decision record (iptables.py, ping.py docstrings): if jc starts reading these, reconsider using it."""
    jc = pytest.importorskip("jc")
    with pytest.raises(IndexError):
        jc.parse("iptables", (CAPTURED / "iptables_mangle" / "02-docker-tips-lb-mynet.txt").read_text(), quiet=True)
    iputils = (CAPTURED / "ping" / "02-docker-labs-iputils-vip.txt").read_text().replace("\r\n", "\n")
    replies = jc.parse("ping", iputils, quiet=True)["responses"]
    assert {r["type"] for r in replies} == {"unparsable_line"}
    ours = ping.parse(iputils)
    assert [r.seq for r in ours.replies] == [1, 2, 3, 4, 5]


def test_whoami_v4_mapped_remote_addr_is_plain_ipv4() -> None:
    answer = whoami.parse("Hostname: a\nIP: 10.0.1.3\nRemoteAddr: ::ffff:10.0.1.9:43210\nGET / HTTP/1.1\n")[0]
    assert (answer.remote_addr, answer.remote_port) == ("10.0.1.9", 43210)


def test_ip_netns_ids_are_read() -> None:
    text = (CAPTURED.parent / "rig-ipvs-docker20" / "rig-ip-netns.txt").read_text()
    entries = netns_ls.parse("\n".join(ln for ln in text.splitlines() if not ln.startswith("###")))
    assert [(e.name, e.netns_id) for e in entries] == [("swl-ipvs-scratch", None), ("swarm-worker1", 2),
                                                       ("swarm-manager", 1), ("swarm-worker2", 0)]
