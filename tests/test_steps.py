"""Steps as data: every declared step reads its own builder's command back; typed variants map to the same step
and key; replay answers by step and key; what is not a step is refused."""

from __future__ import annotations

import pytest

from swarmlab.commands.bounds import Vocabulary
from swarmlab.commands.steps import STEPS, Where, admit, key_of, recognise
from swarmlab.errors import CommandFailed, NotRecorded, ParseError
from swarmlab.i18n import _
from swarmlab.lab import Lab
from swarmlab.transport.base import Transport
from swarmlab.transport.recording import Writer
from swarmlab.transport.replay import ReplayTransport
from swarmlab.transport.result import CommandResult

# one set of arguments per step: enough to build its command
SAMPLES: dict[str, dict[str, object]] = {
    "network_ls": {}, "network_create": {"name": "mynet"}, "network_inspect": {"name": "mynet", "verbose": True},
    "node_ls": {}, "service_ls": {}, "service_create": {"name": "web", "image": "swarmlab/whoami:1", "network": "mynet",
                                         "replicas": 2},
    "service_ps": {"name": "web"}, "service_inspect": {"name": "web", "format": "{{json .Endpoint.VirtualIPs}}"},
    "scale": {"name": "web", "replicas": 3}, "container_ls": {"service": "client"},
    "container_of": {"service": "client"}, "requests": {"container": "abc123", "n": 5},
    "ping": {"container": "abc123"}, "nslookup": {"container": "abc", "name": "tasks.web"}, "netns_ls": {},
    "lb_ip_a": {"namespace": "lb_abc"}, "lb_mangle": {"namespace": "lb_abc"}, "lb_nat": {"namespace": "lb_abc"},
    "lb_ipvs": {"namespace": "lb_abc"}, "lb_ipvs_stats": {"namespace": "lb_abc"},
    "lb_ipvs_conns": {"namespace": "lb_abc"}, "ipvs_all": {}, "ingress_mangle": {}, "ingress_ipvs": {},
    "host_ingress_nat": {}, "mesh_request": {"port": 8080}, "kill_task": {"container": "abc123"},
    "reset_list": {"what": "service"}, "reset": {"what": "service", "id": "abc"}, "versions": {"which": "docker"},
    "sandbox_of": {"container": "abc123"}, "lb_conntrack": {"namespace": "lb_abc"}, "captures_running": {},
    "capture_start": {"capture": "web-lb", "bpf": "tcp port 80 and net 10.0.1.0/24", "namespace": "lb_abc"},
    "capture_stop": {"capture": "web-lb", "pid": 1234}, "listening": {},
}


def test_every_step_has_a_sample() -> None:
    assert set(SAMPLES) == set(STEPS)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_reads_its_own_command_back(name: str) -> None:
    step = STEPS[name]
    command = step.command(**SAMPLES[name])
    got = recognise(command)
    assert got is not None and got[0].name == name, command
    assert step.title and _(step.title, "zh") != step.title  # a title, and its Chinese in the catalog


OWNS_ABC123 = Vocabulary(containers=lambda: {"abc123"})  # a lab whose swarm reports container abc123 on the node


@pytest.mark.parametrize(("typed", "step", "args"), [
    ("sudo nsenter --net=/var/run/docker/netns/lb_abc iptables -t mangle -nvL", "lb_mangle", {"namespace": "lb_abc"}),
    ("sudo nsenter --net=/var/run/docker/netns/lb_abc iptables -L -n -v -t mangle", "lb_mangle",
     {"namespace": "lb_abc"}),
    ("sudo nsenter --net=/var/run/docker/netns/lb_abc ipvsadm -L -n --stats", "lb_ipvs_stats",
     {"namespace": "lb_abc"}),
    ("sudo nsenter --net=/var/run/docker/netns/lb_abc ipvsadm -Lnc", "lb_ipvs_conns", {"namespace": "lb_abc"}),
    ("sudo nsenter --net=/var/run/docker/netns/ingress_sbox ipvsadm -Ln", "ingress_ipvs",
     {"namespace": "ingress_sbox"}),
    ("docker exec abc123 wget -qO- http://web", "requests", {"container": "abc123", "target": "web", "n": 1}),
    ("docker container exec -it abc123 curl web", "requests", {"container": "abc123", "target": "web", "n": 1}),
    ("docker exec abc123 ping -c 2 web", "ping", {"container": "abc123", "target": "web", "count": 2}),
    ("docker service create --name web --network mynet --replicas 2 swarmlab/whoami:1", "service_create",
     {"name": "web", "network": "mynet", "replicas": 2}),
    ("docker service create --name webpub --replicas 2 --publish published=8080,target=80 swarmlab/whoami:1",
     "service_create", {"name": "webpub", "publish": "8080:80"}),
    ("docker service create --name webauto --publish target=80 swarmlab/whoami:1", "service_create",
     {"name": "webauto", "publish": ":80"}),
    ("docker service inspect -f '{{json .Endpoint.Ports}}' webauto", "service_inspect",
     {"name": "webauto", "format": "{{json .Endpoint.Ports}}"}),
    ("wget -qO- http://127.0.0.1:30001", "mesh_request", {"port": 30001}),
    ("sudo ss -ltnp", "listening", {}), ("sudo ss -tlpn", "listening", {}),
    ("sudo ls /var/run/docker/netns/", "netns_ls", {}),
    ("docker network inspect --verbose mynet", "network_inspect", {"name": "mynet", "verbose": True}),
    ("sudo nsenter --net=/var/run/docker/netns/lb_abc conntrack -L", "lb_conntrack", {"namespace": "lb_abc"}),
    ("docker inspect -f '{{.NetworkSettings.SandboxKey}}' abc123", "sandbox_of", {"container": "abc123"}),
])
def test_typed_variants_map_to_the_step(typed: str, step: str, args: dict[str, object]) -> None:
    got = admit(typed, OWNS_ABC123)
    assert got is not None and got[0].name == step
    assert {k: got[1][k] for k in args} == args


@pytest.mark.parametrize("typed", [
    "ping 8.8.8.8", "docker exec abc ping -c 2 8.8.8.8", "docker exec abc wget -qO- http://8.8.8.8",
    "docker exec abc nslookup example.com", "curl http://10.0.0.1", "docker service rm web", "docker swarm leave",
    "rm -rf /", "sudo nsenter --net=/var/run/docker/netns/lb_abc sh", "sudo nsenter --net=/etc/passwd ip a",
    "sudo nsenter --net=/var/run/docker/netns/lb_abc iptables -F", "docker exec abc ping -c 1000 web",
    "docker service ls -q --filter label=swarmlab.lab=1",  # lab plumbing, not for students
    "docker network ls; rm -rf /", "docker service ps 'web; rm -rf /'",
    "sudo nsenter --net=/var/run/docker/netns/lb_abc conntrack -F",  # flushing the table is not looking at it
    "sudo tcpdump -i any", "pgrep -a tcpdump || true",  # captures are the lab's (bounded, cleaned up), not typed
    "sh -c 'kill -INT 1 2>/dev/null; cat /tmp/swarmlab-capture-web-lb.out'",
    "sudo ss -ltnpK", "sudo ss -ltnp dport = :22", "sudo ss -ltn",  # -K kills sockets; only the lesson's form
    "wget -qO- http://127.0.0.1:29999", "wget -qO- http://127.0.0.1:32768",  # outside swarm's dynamic range
    "docker service create --name webauto --publish published=8081,target=80 swarmlab/whoami:1",
    "docker service create --name webpub --replicas 2 --publish target=80 swarmlab/whoami:1",
])
def test_what_is_no_step_is_refused(typed: str) -> None:
    assert recognise(typed, typed_only=True) is None


def test_replay_keys_ignore_incidental_flags() -> None:
    built = STEPS["service_create"].command(name="web", image="swarmlab/whoami:1", network="mynet", replicas=2)
    assert key_of(built) == key_of("docker service create --name web --network mynet --replicas 2 x/y:1")
    assert key_of("docker service ps web") != key_of("docker service ps client")
    assert key_of("nsenter --net=/var/run/docker/netns/lb_a ipvsadm -Ln") != \
        key_of("nsenter --net=/var/run/docker/netns/lb_b ipvsadm -Ln")


def test_where_and_privilege_are_declared_on_the_step() -> None:
    privileged = {n for n, s in STEPS.items() if s.privileged}
    assert {"netns_ls", "lb_ip_a", "lb_mangle", "lb_nat", "lb_ipvs", "lb_ipvs_conns", "ingress_ipvs",
            "host_ingress_nat"} <= privileged
    assert not STEPS["service_ls"].privileged and not STEPS["requests"].privileged
    assert STEPS["requests"].where is Where.CLIENT and STEPS["service_ps"].where is Where.MANAGER


def _recording(tmp_path, entries: list[tuple[str, str, str, int]]):  # type: ignore[no-untyped-def]
    path = tmp_path / "r.jsonl"
    w = Writer(path, {"title": "t", "manager": "m", "swarm_nodes": ["m"], "nodes": ["m"]})
    for node, command, out, code in entries:
        w.add(CommandResult(node, command, out.encode(), b"boom\n" if code else b"", code))
    w.close()
    return path


def test_replay_answers_by_step_and_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _recording(tmp_path, [("m", "nsenter --net=/var/run/docker/netns/lb_x iptables -nvL -t mangle", "A\n", 0)])
    t = ReplayTransport(path, key=key_of)
    assert t.run("m", "nsenter --net=/var/run/docker/netns/lb_x iptables -t mangle -L -n -v").stdout == "A\n"
    with pytest.raises(NotRecorded, match="not in the recording") as info:
        t.run("m", "nsenter --net=/var/run/docker/netns/lb_y iptables -nvL -t mangle")
    assert info.value.asked == "[m] 'nsenter --net=/var/run/docker/netns/lb_y iptables -nvL -t mangle'"
    assert info.value.node == "m" and str(info.value).startswith(info.value.asked + " is not in the recording")
    exact = ReplayTransport(path)  # without the step keys: exact strings only
    with pytest.raises(NotRecorded):
        exact.run("m", "nsenter --net=/var/run/docker/netns/lb_x iptables -t mangle -L -n -v")


def test_a_replay_answers_a_batch_step_by_step_and_the_lab_takes_one_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The lab sends a node's readings as one batch, live or replayed alike (`Transport.run_many`): a recording
    answers each as recorded, and one it lacks is a result holding `NotRecorded`, the others answered."""
    from swarmlab.commands import steps as st

    path = _recording(tmp_path, [("m", st.NETNS_LS.command(), "lb_abc\n", 0)])
    t = ReplayTransport(path, key=key_of)
    assert t.replays and not Transport.replays
    got = t.run_many("m", [(st.IPVS_ALL.command(), "ipvs_all"), (st.NETNS_LS.command(), "netns_ls")])
    assert isinstance(got[0].error, NotRecorded) and got[1].stdout == "lb_abc\n" and got[1].error is None
    lab = Lab(t, "replay", manager="m", swarm_nodes=["m"])
    assert lab.replaying and not lab.live
    ipvs, netns = lab._run_together("m", (st.IPVS_ALL, {}), (st.NETNS_LS, {}))
    assert ipvs.not_recorded and ipvs.note.startswith("not in this recording: [m]") and ipvs.value is None
    assert netns.error is None and [e.name for e in netns.value or []] == ["lb_abc"]


def test_a_recorded_failure_fails_as_it_did_live(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _recording(tmp_path, [("m", "docker service ps web", "", 1)])
    lab = Lab(ReplayTransport(path, key=key_of), "replay", manager="m", swarm_nodes=["m"])
    with pytest.raises(CommandFailed, match="boom"):
        lab.tasks("web")


def test_asking_a_replay_for_more_requests_than_it_holds_says_so() -> None:
    from swarmlab import recordings

    lab = Lab.connect("replay", recording=recordings.get("seed-docker-tips"))
    sample = lab.sample_requests(100)
    held = int(sample.summary["count"].sum())
    assert held < 100
    assert any(f"holds only {held} answers" in note for note in sample.notes)


def test_the_connection_table_parser_reads_the_rig_capture() -> None:
    from pathlib import Path

    from swarmlab.commands.output import parse_output
    from swarmlab.parsers import ipvs_connections

    text = (Path(__file__).parent / "fixtures/rig-ipvs-docker20/lb-ipvsadm-Lnc.txt").read_text().split("\n", 1)[1]
    parsed = parse_output("nsenter --net=/var/run/docker/netns/lb_7y757jodw ipvsadm -Lnc", text)
    assert parsed.kind == "lb_ipvs_conns"  # the step that reads the command line, with its own parse and frame
    f = parsed.frame
    assert list(f.state) == ["TIME_WAIT"] * 4 and set(f.source) == {"10.0.1.8"} and set(f.virtual) == {"10.0.1.2"}
    assert sorted(set(f.destination)) == ["10.0.1.3", "10.0.1.4"] and f.expire_s.iloc[0] == 24
    for cut in range(1, len(text.splitlines())):
        broken = "\n".join(text.splitlines()[:cut]) + "\nTCP garbage"
        with pytest.raises(ParseError, match="line"):
            ipvs_connections.parse(broken)


def test_the_published_ports_read_as_ports_through_their_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`docker service inspect -f '{{json .Endpoint.Ports}}'` run as a step (`Lab.run` on a replay, `Lab.recorded`)
    and read back from its command line (`parse_output`) is framed as the published ports, not the VIPs: the
    step's arguments choose the reading. The fragment is what `{{json .Endpoint.Ports}}` prints for a captured
    service (its Endpoint.Ports, compact JSON); `null` is the rig's capture for a service publishing none."""
    import dataclasses
    import json
    from pathlib import Path

    from swarmlab.commands import steps as st
    from swarmlab.commands.output import parse_output
    from swarmlab.parsers import service_inspect

    fixtures = Path(__file__).parent / "fixtures"
    captured = json.loads((fixtures / "captured/service_inspect/02-docker-labs-webapp-17.09.txt").read_text())
    fragment = json.dumps(captured[0]["Endpoint"]["Ports"], separators=(",", ":"))
    fmt = "{{json .Endpoint.Ports}}"
    webapp, web = (st.SERVICE_INSPECT.command(name=n, format=fmt) for n in ("webapp", "web"))
    assert web == "docker service inspect -f '{{json .Endpoint.Ports}}' web"  # the rig capture's command
    path = _recording(tmp_path, [("m", webapp, fragment + "\n", 0), ("m", web, "null\n", 0)])
    lab = Lab(ReplayTransport(path, key=key_of), "replay", manager="m", swarm_nodes=["m"])
    ports = lab.run(st.SERVICE_INSPECT, name="webapp", format=fmt)
    assert ports.frame is not None and list(ports.frame.columns[:4]) == ["service", "protocol", "target", "published"]
    assert [(r.target, r.published, r.mode) for r in ports.frame.itertuples()] == [(8080, 8080, "ingress"),
                                                                                 (9990, 9990, "ingress")]
    none = lab.run(st.SERVICE_INSPECT, name="web", format=fmt)  # `null`: no port, read because the format says so
    assert none.note == "" and none.value is not None and none.value[0].published == []
    assert none.frame is not None and list(none.frame.columns) == list(ports.frame.columns) and none.frame.empty
    recorded = lab.recorded(st.SERVICE_INSPECT, "m") or []
    assert [len(r.frame) for r in recorded if r.frame is not None] == [2, 0]
    assert "published" in recorded[1].frame.columns  # type: ignore[union-attr]
    read = parse_output(webapp, fragment)
    assert read.kind == "service_inspect" and read.frame is not None and list(read.frame.published) == [8080, 9990]
    # the check can fail: read without the arguments, the same output is framed as VIPs (and `null` is refused)
    unaware = dataclasses.replace(st.SERVICE_INSPECT, reads=None).reading(webapp)
    assert unaware.frame is service_inspect.vips_frame and "published" not in unaware.frame(unaware.parse(fragment))
    with pytest.raises(ParseError):
        unaware.parse("null")


def test_a_command_a_step_reads_is_read_by_that_step_and_the_rest_by_the_parsers() -> None:
    """One grammar per command line: a step's command is read as the step declares (the lab's version query is
    text only, though the dispatcher would split `docker version -f` into lines); a transcript's command no step
    covers goes to the parsers' declarations."""
    from swarmlab.commands.output import parse_output
    from swarmlab.parsers import dispatch

    version = "docker version --format '{{.Server.Version}}'"
    assert recognise(version) is not None and dispatch.parse_output(version, "20.10.24\n").value == ["20.10.24"]
    stepped = parse_output(version, "20.10.24\n")
    assert (stepped.kind, stepped.value, stepped.frame) == ("versions", None, None)
    bare = parse_output("ipvsadm -Ln", "IP Virtual Server version 1.2.1 (size=4096)\n"
                                        "Prot LocalAddress:Port Scheduler Flags\n"
                                        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
    assert recognise("ipvsadm -Ln") is None and bare.kind == "ipvsadm" and bare.value.services == []
    with pytest.raises(ParseError, match="no parser"):
        parse_output("docker run -d busybox", "abc")
def test_the_socket_parser_reads_the_rig_capture_and_names_a_bad_line() -> None:
    from pathlib import Path

    from swarmlab.errors import ParseError
    from swarmlab.parsers import ss
    from swarmlab.parsers.dispatch import parse_output

    text = (Path(__file__).parent / "fixtures/rig-ipvs-docker26/ss-ltnp.txt").read_text().split("\n", 1)[1]
    parsed = parse_output("ss -ltnp", text)
    assert parsed.kind == "ss"
    f = parsed.frame
    assert list(f.port) == [22, 30000, 7946] and list(f.process) == ["sshd", "dockerd", "dockerd"]
    assert list(f.address) == ["10.99.0.11", "*", "*"] and list(f.recv_q) == [0, 0, 0] and f.pid.iloc[1] == 344
    plain = (Path(__file__).parent / "fixtures/rig-ipvs-docker26/ss-ltn.txt").read_text().split("\n", 1)[1]
    assert [(x.port, x.process) for x in ss.parse(plain)] == [(22, None), (30000, None), (7946, None)]
    lines = text.splitlines()
    for i, bad in [(1, "LISTEN 0 4096 *:30000"), (2, "LISTEN x 4096 *:30000 *:*"),
                   (3, 'LISTEN 0 4096 *:30000 *:* users:(oops)'), (2, "LISTEN 0 4096 *:* *:*")]:
        with pytest.raises(ParseError, match=f"line {i + 1}"):
            ss.parse("\n".join([*lines[:i], bad]))
