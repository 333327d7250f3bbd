"""df by its header, service endpoints (published ports), and the dispatcher built from the parsers' declarations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from swarmlab.errors import ParseError
from swarmlab.parsers import _commands, dispatch, ping, service_inspect, system
from swarmlab.parsers.dispatch import PARSERS, kind_of, parse_output
from swarmlab.parsers.transcript import split_fixture

FIXTURES = Path(__file__).parent / "fixtures"
RIG = FIXTURES / "rig-parsers-docker20"


def section(rel: str) -> tuple[str, str]:
    s = split_fixture((FIXTURES / rel).read_text())[0]
    return s.command or "", s.output


# --- df ---------------------------------------------------------------------------------------------------

def test_df_h_with_du_line_keeps_its_reading() -> None:
    command, text = section("vm-ipvs-docker20/df.txt")
    assert parse_output(command, text).value == [
        {"filesystem": "/dev/vda", "size": "7.8G", "used": "1.2G", "avail": "6.2G", "use": "17%", "mounted_on": "/"},
        {"size": "131M", "path": "/var/lib/docker"}]


@pytest.mark.parametrize(("name", "keys"), [
    ("df-T.txt", ["filesystem", "type", "blocks_1k", "used", "avail", "use", "mounted_on"]),
    ("df-h.txt", ["filesystem", "size", "used", "avail", "use", "mounted_on"]),
    ("df-i.txt", ["filesystem", "inodes", "iused", "ifree", "iuse", "mounted_on"]),
    ("df-P.txt", ["filesystem", "blocks_1024", "used", "avail", "use", "mounted_on"]),
    ("busybox-df.txt", ["filesystem", "blocks_1k", "used", "avail", "use", "mounted_on"]),
    ("busybox-df-h.txt", ["filesystem", "size", "used", "avail", "use", "mounted_on"]),
])
def test_df_layouts_on_the_rig_by_header(name: str, keys: list[str]) -> None:
    command, text = section(f"rig-parsers-docker20/{name}")
    parsed = parse_output(command, text).value
    rows = [r for r in parsed if "error" not in r]
    assert rows and all(list(r) == keys for r in rows)
    complaints = [r["error"] for r in parsed if "error" in r]  # busybox: the rig's node namespaces' mounts
    assert complaints == ([] if not name.startswith("busybox") else
                          [f"{p}: No such file or directory" for p in ("/run/netns", "/run/netns/swarm-worker2",
                                                                       "/run/netns/swarm-manager",
                                                                       "/run/netns/swarm-worker1")])
    root = next(r for r in rows if r["mounted_on"] == "/")
    assert root["filesystem"] == "/dev/vda"
    if "type" in keys:
        assert root["type"] == "ext4"  # -T: a shifted column would put ext4 under blocks


def test_df_T_columns_are_not_shifted() -> None:
    _, text = section("rig-parsers-docker20/df-T.txt")
    for row in system.parse_df(text):
        assert row["blocks_1k"].isdigit() and row["use"].endswith("%") and not row["type"].isdigit()


@pytest.mark.parametrize("header", ["Filesystem Size Used Avail Use% Mounted on Extra",
                                    "Filesystem Type Blocks Used Available Use% Mounted on"])
def test_df_unknown_header_is_a_parse_error(header: str) -> None:
    with pytest.raises(ParseError) as info:
        system.parse_df(f"{header}\n/dev/vda ext4 8154588 1132280 6586496 15% /\n")
    assert (info.value.line_no, "unknown column" in info.value.reason) == (1, True)


def test_df_row_with_a_missing_column_is_refused() -> None:
    with pytest.raises(ParseError) as info:
        system.parse_df("Filesystem     Type     1K-blocks    Used Available Use% Mounted on\n"
                        "/dev/vda       ext4       8154588 1132280   15% /\n")
    assert info.value.line_no == 2


# --- service endpoints --------------------------------------------------------------------------------------

WEBAPP = json.loads((FIXTURES / "captured" / "service_inspect" / "02-docker-labs-webapp-17.09.txt").read_text())[0]


def test_full_inspect_gives_published_ports_and_ports_frame() -> None:
    svc = service_inspect.parse(json.dumps([WEBAPP]))
    frame = service_inspect.ports_frame(svc)
    assert [tuple(r) for r in frame[["service", "protocol", "target", "published", "mode"]].itertuples(index=False)] \
        == [("webapp_web", "tcp", 8080, 8080, "ingress"), ("webapp_web", "tcp", 9990, 9990, "ingress")]
    assert str(frame["published"].dtype) == "Int64" and frame["name"].isna().all()


@pytest.mark.parametrize("fragment", [".Endpoint.Ports", ".Endpoint.Spec"])
def test_endpoint_fragments_give_ports_not_invented_defaults(fragment: str) -> None:
    # what `{{json .Endpoint.Ports}}` / `{{json .Endpoint.Spec}}` print: Go's compact JSON of that field of the
    # real inspect above (same keys, same order)
    value = WEBAPP["Endpoint"]["Ports"] if fragment.endswith("Ports") else WEBAPP["Endpoint"]["Spec"]
    command = f"docker service inspect -f '{{{{json {fragment}}}}}' webapp_web"
    parsed = parse_output(command, json.dumps(value, separators=(",", ":")))
    svc = parsed.value[0]
    assert [str(p) for p in svc.published] == ["8080:8080/tcp", "9990:9990/tcp"]
    assert svc.endpoint_mode == ("vip" if fragment.endswith("Spec") else None)  # Ports alone do not tell the mode


def test_null_ports_need_the_command_to_say_what_was_asked() -> None:
    ports = parse_output("docker service inspect -f '{{json .Endpoint.Ports}}' web", "null").value[0]
    assert (ports.published, ports.endpoint_mode) == ([], None)
    with pytest.raises(ParseError):
        service_inspect.parse("null")
    # a kind named (kind=) gets the declaration of that kind that matches the command, fragment included
    named = parse_output("docker service inspect -f '{{json .Endpoint.Ports}}' web", "null", kind="service_inspect")
    assert named.value[0].published == []


@pytest.mark.parametrize("text", ['[{"Protocol": "tcp"}]', '{"Foo": 1}', '[{"Foo": 1}]', '"vip"',
                                  '[{"TargetPort": "80"}]'])
def test_unknown_shapes_are_parse_errors(text: str) -> None:
    with pytest.raises(ParseError):
        parse_output("docker service inspect -f '{{json .Endpoint.Ports}}' web", text)


@pytest.mark.parametrize("name", ["service-inspect-web-endpoint-ports.txt", "service-inspect-web-endpoint-spec.txt",
                                  "service-inspect-web-endpoint.txt"])
def test_rig_endpoint_fragments(name: str) -> None:
    command, text = section(f"rig-parsers-docker20/{name}")
    svc = parse_output(command, text).value[0]
    assert svc.published == []  # the chapter's web publishes no port
    if not name.endswith("ports.txt"):
        assert svc.endpoint_mode == "vip"


def test_the_published_ports_fragment_is_framed_as_ports_not_vips() -> None:
    """`.Endpoint.Ports` used to get the VIP frame (always empty): its own frame now. The fragment is what
    `{{json .Endpoint.Ports}}` prints for the captured service (its Endpoint.Ports, compact JSON)."""
    captured = json.loads((FIXTURES / "captured/service_inspect/02-docker-labs-webapp-17.09.txt").read_text())
    fragment = json.dumps(captured[0]["Endpoint"]["Ports"], separators=(",", ":"))
    parsed = parse_output("docker service inspect -f '{{json .Endpoint.Ports}}' webapp", fragment)
    frame = parsed.frame
    assert frame is not None and list(frame.columns[:4]) == ["service", "protocol", "target", "published"]
    assert [(r.target, r.published, r.mode) for r in frame.itertuples()] == [(8080, 8080, "ingress"),
                                                                             (9990, 9990, "ingress")]
    whole = parse_output("docker service inspect -f '{{json .Endpoint}}' webapp",
                         json.dumps(captured[0]["Endpoint"])).frame
    assert whole is not None and "vip" in whole.columns  # the whole Endpoint stays the VIPs' frame


# --- the dispatcher -----------------------------------------------------------------------------------------

def test_every_parser_module_that_declares_what_it_reads_is_found() -> None:
    found = {m.__name__.rsplit(".", 1)[1] for _, m in dispatch.DECLARED}
    assert {"ping", "iptables", "ipvsadm", "whoami", "service_inspect", "system"} <= found
    assert "transcript" not in found  # no READS: the dispatcher does not read transcripts, it reads their commands
    assert PARSERS["ping"][0] is PARSERS["ping"].parse is ping.parse  # parse function first, as before


@pytest.mark.parametrize(("command", "kind"), [
    ("ping6 -c 2 ::1", "ping"), ("busybox ping -c 2 127.0.0.1", "ping"),
    ("nsenter --net=/var/run/docker/netns/lb_x iptables -t mangle -nvL --line-numbers", "iptables"),
    ("df -T", "df"), ("docker service inspect -f '{{json .Endpoint.Ports}}' web", "service_inspect"),
    ("docker service inspect -f '{{json .Spec.Name}}' web", "json"),
    ("docker exec c sh -c 'for i in $(seq 3); do wget -qO- http://web/; done' | sort | uniq -c", "whoami_counts"),
    ("iptables -t nat -A PREROUTING -j DROP", None),  # not a listing
])
def test_commands_find_their_parser(command: str, kind: str | None) -> None:
    assert kind_of(command) == kind


def test_iptables_table_comes_from_the_command() -> None:
    text = "Chain PREROUTING (policy ACCEPT)\ntarget     prot opt source               destination\n"
    for command, table in [("iptables -t nat -L", "nat"), ("iptables --table=raw -L", "raw"),
                           ("iptables -L", "filter")]:
        assert parse_output(command, text).value.chains[0].table == table


def test_two_modules_declaring_the_same_command_fail_at_import() -> None:
    class A:
        READS: ClassVar = [_commands.Reads(str.split, None, "a", (("ping",),))]

    class B:
        READS: ClassVar = [_commands.Reads(str.split, None, "b", (("ping",),))]

    with pytest.raises(ImportError, match="both declare 'ping'"):
        dispatch._collect((A, B))  # type: ignore[arg-type]
    dispatch._collect((A,))  # type: ignore[arg-type]  # alone it is fine


def test_equally_specific_claims_are_an_error_not_an_order(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = _commands.Reads(str.split, None, "other", (("ping",),), when=(r"-c",))
    rival = _commands.Reads(str.split, None, "rival", (("ping",),), when=(r"\d",))
    monkeypatch.setattr(dispatch, "DECLARED", [*dispatch.DECLARED, (extra, ping), (rival, ping)])
    with pytest.raises(ParseError, match="ambiguous"):
        kind_of("ping -c 2 web")
    with pytest.raises(ImportError, match="is read by"):
        monkeypatch.setattr(dispatch, "DECLARED", [*dispatch.DECLARED[:-1]])
        dispatch._check_examples()


# --- the rig's captures of the commands -------------------------------------------------------------

def test_rig_lb_namespace_iptables_with_line_numbers() -> None:
    """`iptables --line-numbers` inside the lb_ namespace: the VIP marks (0x100 web, 0x101 client) with their
    numbers; iptables 1.8.9 prints the protocol as a number with -n (`0` = all, 6 = tcp, 17 = udp)."""
    verbose = parse_output(*section("rig-parsers-docker20/lb-iptables-mangle-nvL-line-numbers.txt")).value
    assert [(r.table, r.chain, r.num, r.pkts, r.target, r.prot, r.destination, r.mark) for r in verbose.marks()] == [
        ("mangle", "INPUT", 1, 0, "MARK", "0", "10.0.1.2", 0x100),
        ("mangle", "INPUT", 2, 0, "MARK", "0", "10.0.1.7", 0x101)]
    named = parse_output(*section("rig-parsers-docker20/lb-iptables-mangle-L-line-numbers.txt")).value
    assert [(r.num, r.prot, r.source, r.mark_hex) for r in named.rules] == [(1, "all", "anywhere", "0x100"),
                                                                            (2, "all", "anywhere", "0x101")]
    nat = parse_output(*section("rig-parsers-docker20/lb-iptables-nat-nL-line-numbers.txt")).value
    assert [(r.chain, r.num, r.target, r.options) for r in nat.rules if r.chain == "POSTROUTING"] == [
        ("POSTROUTING", 1, "DOCKER_POSTROUTING", ""), ("POSTROUTING", 2, "SNAT", "ipvs to:10.0.1.6")]
    assert {c.table for c in nat.chains} == {"nat"}


def test_rig_pings_on_loopback() -> None:
    from swarmlab.parsers import ping

    odp = parse_output(*section("rig-parsers-docker20/ping-O-D-p.txt")).value
    assert (odp.pattern, [r.seq for r in odp.replies], odp.unanswered) == ("0xabcd", [1, 2, 3], [])
    assert all(r.timestamp is not None for r in odp.replies)
    named = parse_output(*section("rig-parsers-docker20/ping-name.txt")).value
    assert {(r.from_ip, r.from_name) for r in named.replies} == {("127.0.0.1", "localhost")}
    six = parse_output(*section("rig-parsers-docker20/ping6-loopback.txt")).value
    assert (six.destination_ip, [r.from_ip for r in six.replies]) == ("::1", ["::1", "::1"])
    assert isinstance(six, ping.PingResult)
