"""ping, per packet: real captures of iputils, busybox and GNU inetutils (tests/fixtures/local-ping-debian12,
SOURCE.md there) and the peers' (tests/fixtures/peer-jc). Replies carry the responder's address and name apart;
every unanswered sequence number is a row of its own kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmlab.errors import ParseError
from swarmlab.parsers import ping
from swarmlab.parsers.transcript import split_fixture

LOCAL = Path(__file__).parent / "fixtures" / "local-ping-debian12"
PEER = Path(__file__).parent / "fixtures" / "peer-jc"


def capture(name: str) -> ping.PingResult:
    section = split_fixture((LOCAL / name).read_text())[0]
    return ping.parse(section.output)


def rows(r: ping.PingResult) -> list[tuple[object, ...]]:
    return [("reply", e.seq, e.from_ip, e.from_name, e.duplicate) if isinstance(e, ping.Reply)
            else ("unanswered", e.seq, e.reason, e.from_ip, e.printed) for e in r.responses]


def test_reverse_dns_name_and_address_are_apart() -> None:
    r = capture("iputils-name.txt")  # `64 bytes from localhost (127.0.0.1): icmp_seq=1 ...`
    assert rows(r) == [("reply", 1, "127.0.0.1", "localhost", False), ("reply", 2, "127.0.0.1", "localhost", False)]
    frame = ping.frame(r)
    assert list(frame["from_ip"]) == ["127.0.0.1"] * 2 and list(frame["from_name"]) == ["localhost"] * 2
    assert (r.destination, r.destination_ip, r.flavour) == ("localhost", "127.0.0.1", "iputils")


def test_O_D_p_timestamps_pattern() -> None:
    r = capture("iputils-O-D-p.txt")
    assert r.pattern == "0xabcd" and [e.seq for e in r.replies] == [1, 2, 3]
    assert all(e.timestamp is not None and e.timestamp > 1.7e9 for e in r.replies)
    assert (r.transmitted, r.received, r.time_ms) == (3, 3, 446)


def test_no_answer_yet_rows_then_the_one_only_the_statistics_tell() -> None:
    r = capture("iputils-O-no-answer.txt")
    assert rows(r) == [("unanswered", 1, "no answer yet", None, True), ("unanswered", 2, "no answer yet", None, True),
                       ("unanswered", 3, "no answer yet", None, True), ("unanswered", 4, "no reply", None, False)]
    assert (r.transmitted, r.received, r.loss_percent) == (4, 0, 100.0)
    frame = ping.frame(r)
    assert list(frame["kind"]) == ["unanswered"] * 4 and list(frame["printed"]) == [True, True, True, False]


def test_unreachable_errors_and_pipe_alone_on_its_line() -> None:
    r = capture("iputils-unreachable.txt")
    assert rows(r) == [("unanswered", s, "Destination Host Unreachable", "198.51.100.1", True) for s in (1, 2, 3, 4)]
    assert (r.errors, r.pipe, r.rtt_avg) == (4, 4, None)


def test_source_interface_and_size() -> None:
    r = capture("iputils-s-I.txt")  # `PING 127.0.0.1 (127.0.0.1) from 127.0.0.1 lo: 1400(1428) bytes of data.`
    assert (r.source_ip, r.interface, r.data_bytes) == ("127.0.0.1", "lo", 1400)
    assert [e.bytes for e in r.replies] == [1408, 1408]


@pytest.mark.parametrize(("name", "flavour", "seqs"), [
    ("iputils-ping6.txt", "iputils", [1, 2]), ("busybox-ping6.txt", "busybox", [0, 1]),
    ("busybox-ip.txt", "busybox", [0, 1]), ("inetutils-ip.txt", "inetutils", [0, 1]),
])
def test_ipv6_and_each_flavour(name: str, flavour: str, seqs: list[int]) -> None:
    r = capture(name)
    assert r.flavour == flavour and [e.seq for e in r.replies] == seqs and not r.unanswered


def test_busybox_loss_is_per_packet_from_the_statistics() -> None:
    r = capture("busybox-loss.txt")
    assert rows(r) == [("unanswered", s, "no reply", None, False) for s in (0, 1, 2)]


def test_inetutils_unreachable_with_and_without_the_header_dump() -> None:
    plain = capture("inetutils-unreachable.txt")  # no sequence numbers printed: one row per line, no extra rows
    assert rows(plain) == [("unanswered", None, "Destination Host Unreachable", "198.51.100.1", True)] * 3
    verbose = capture("inetutils-unreachable-v.txt")  # -v: the dump's `ICMP: ... seq 0x0001` numbers them
    assert [(e.seq, e.reason) for e in verbose.unanswered] == [(0, "Destination Host Unreachable"),
                                                               (1, "Destination Host Unreachable")]


def test_broadcast_warning_and_errors_printed_by_ping() -> None:
    assert capture("iputils-broadcast.txt").warnings == ["WARNING: pinging broadcast address"]
    failed = capture("iputils-6-name.txt")
    assert (failed.error, failed.destination, failed.responses) == (
        "localhost: Address family for hostname not supported", None, [])


def test_duplicates_are_flagged_and_counted() -> None:
    r = ping.parse((PEER / "centos-7.7" / "ping6-ip-dup.out").read_text())
    dups = [e for e in r.replies if e.duplicate]
    assert len(dups) == r.duplicates == 4 and {e.from_ip for e in dups} == {"fe80::feae:34ff:fea1:3a80%ens33"}


def test_destination_ip_is_what_the_name_resolved_to() -> None:
    """The lab reads `destination_ip` as the VIP that `ping web` resolved; ping6's `name(rname (ip))` form too."""
    r = ping.parse((PEER / "centos-7.7" / "ping6-hostname-O-p.out").read_text())
    assert (r.destination, r.destination_ip) == ("www.cnn.com", "2a04:4e42:2d::323")


@pytest.mark.parametrize(("text", "line_no"), [
    ("PING web (10.0.1.30): 56 data bytes\n64 bytes from 10.0.1.30: seq=0 ttl=64 time=0.044 ms trailing\n", 2),
    ("64 bytes from 10.0.1.30: seq=0 ttl=64 time=0.044 ms\n", 1),  # a reply before any PING line
    ("PING web (10.0.1.30): 56 data bytes\nPING web (10.0.1.30): 56 data bytes\n", 2),
    ("PING web (10.0.1.30): 56 data bytes\n--- web ping statistics ---\n2 packets transmitted, two received\n", 3),
])
def test_what_is_not_ping_output_is_refused_at_its_line(text: str, line_no: int) -> None:
    with pytest.raises(ParseError) as info:
        ping.parse(text)
    assert (info.value.kind, info.value.line_no) == ("ping", line_no)


CAPTURES = sorted([*LOCAL.glob("*.txt"), *(Path(__file__).parent / "fixtures" / "rig-parsers-docker20").glob("*.txt")])


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truncations_of_the_captures_give_a_reading_or_a_parse_error(path: Path) -> None:
    from swarmlab.parsers.dispatch import parse_output

    s = split_fixture(path.read_text())[0]
    text = s.output
    refused = 0
    for cut in sorted({0, *range(1, len(text), 7)}):
        try:
            parse_output(s.command or "", text[:cut])
        except ParseError:
            refused += 1
    assert refused > 0  # at least the empty output and a cut first line are refused
    parse_output(s.command or "", text)  # and the whole capture reads


def test_jc_on_these_captures_agrees_on_statistics_and_replies_except_where_the_text_says_otherwise() -> None:
    """jc as a second opinion on our own captures. Where it differs the raw text wins: jc reads busybox's
    `64 bytes from ::1:` as address '1', drops `no answer yet` rows when no reply came, drops every `From X
    icmp_seq=N Destination Host Unreachable` row, and raises IndexError on iputils' one-line error."""
    jc = pytest.importorskip("jc")
    for path in CAPTURES:
        s = split_fixture(path.read_text())[0]
        if "ping" not in (s.command or ""):  # the rig folder holds df, iptables, inspect captures too
            continue
        ours = ping.parse(s.output)
        if path.name == "iputils-6-name.txt":
            with pytest.raises(IndexError):
                jc.parse("ping", s.output, quiet=True)
            continue
        theirs = jc.parse("ping", s.output, quiet=True)
        assert (theirs["packets_transmitted"], theirs["packets_received"]) == (ours.transmitted, ours.received)
        replies = [(r["icmp_seq"], r["response_ip"]) for r in theirs["responses"] if r["type"] == "reply"]
        expected = [(r.seq, r.from_ip) for r in ours.replies]
        if path.name == "busybox-ping6.txt":
            expected = [(seq, "1") for seq, _ in expected]  # jc's reading of '::1:'; the text says ::1
        assert replies == expected, path.name
    no_answer = jc.parse("ping", split_fixture((LOCAL / "iputils-O-no-answer.txt").read_text())[0].output, quiet=True)
    assert no_answer["responses"] == [] and len(capture("iputils-O-no-answer.txt").unanswered) == 4
