"""One request followed packet by packet on the rig's real swarm (tcpdump in real namespaces, real IPVS, real
VXLAN): the hop table against Docker's own state, the replay of its recording, and no capture left behind, also
when the request fails or a capture cannot start. The trace itself runs on both rigs (`both_rigs`); the failures
and dnsrr on the Debian 13 rig only (each trace costs about 20 s under emulation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from swarmlab.errors import SwarmlabError
from swarmlab.inventory import Inventory
from swarmlab.lab import Lab
from swarmlab.lab import trace as trace_mod

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def lab(both_rigs: Inventory) -> Iterator[Lab]:
    with Lab.connect("live", inventory=both_rigs) as lab:
        lab.create_services()
        yield lab


@pytest.fixture(scope="module")
def lab13(rig13: Inventory) -> Iterator[Lab]:
    with Lab.connect("live", inventory=rig13) as lab:
        lab.create_services()
        yield lab


def _captures_left(lab: Lab) -> dict[str, str]:
    found = {n: lab.run("captures_running", n).output.strip() for n in lab.swarm_nodes}
    return {n: out for n, out in found.items() if out}


def _ip(addr: str) -> str:
    return addr.rsplit(":", 1)[0]


def test_one_request_followed_matches_the_swarm_and_replays_exactly(lab: Lab, both_rigs: Inventory,
                                                                    tmp_path: Any) -> None:
    path = tmp_path / "trace.jsonl"
    with Lab.connect("record", inventory=both_rigs, record_to=path, provenance={"title": "trace"}) as rec:
        live = rec.trace_request("web")
    assert live.ok, live.checks_frame().to_string()
    net = lab.inspect_network(live.client_node).value[0]
    web = next(s for s in net.services if s.name == "web")
    assert live.vip == web.vip and live.lb_endpoint == net.lb_endpoint.ip and net.vni and live.network.vni == net.vni
    lb_out = next(h for h in live.hops if h.role == "lb" and h.direction == "Out" and h.way == "request")
    assert _ip(lb_out.src) == net.lb_endpoint.ip and _ip(lb_out.dst) in {t.endpoint_ip for t in web.tasks}
    # the real server that answered: its whoami hostname is the container id of the task the SYN reached
    answered = live.answered_by
    assert answered is not None and answered.task and live.answer is not None
    containers = lab.containers(answered.node, "web").value or []
    assert live.answer.hostname in {x.id for x in containers if x.names == answered.task}
    crossed = [h for h in live.hops if h.outer]
    if answered.node != live.client_node:
        assert crossed and all(h.outer.endswith(f"VNI {net.vni}") for h in crossed)
    else:
        assert not crossed
    assert _captures_left(lab) == {}
    with Lab.connect("replay", recording=path) as replay:
        again = replay.trace_request("web")
    assert again.frame("en").equals(live.frame("en")) and again.frame("zh").equals(live.frame("zh"))
    assert [c.__dict__ for c in again.checks] == [c.__dict__ for c in live.checks]


def test_a_request_that_fails_is_still_traced_and_leaves_no_capture(lab13: Lab) -> None:
    lab = lab13
    node = lab.client_node()
    namespace = lab.lb_namespace(node)
    vip = next(s.vip for s in lab.inspect_network(node).value[0].services if s.name == "web")
    rule = f"nsenter --net=/var/run/docker/netns/{namespace} iptables -{{}} INPUT -d {vip}/32 -p tcp -j DROP"
    lab.transport.run(node, rule.format("I"), sudo=True, check=True, timeout=30)
    try:
        broken = lab.trace_request("web")
    finally:
        lab.transport.run(node, rule.format("D"), sudo=True, check=True, timeout=30)
    assert not broken.ok and broken.answer is not None and not broken.answer.ok
    failed = {c.what for c in broken.checks if not c.ok}
    assert failed == {"a task received the request"}, broken.checks_frame().to_string()
    lb_seen = [(h.role, h.direction) for h in broken.hops]
    assert lb_seen[:2] == [("client", "Out"), ("lb", "In")] and ("lb", "Out") not in lb_seen, \
        "the SYN reached the VIP and was dropped there: nothing left the lb namespace"
    assert _captures_left(lab) == {}


def test_a_capture_that_cannot_start_stops_the_others(lab13: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = lab13
    real = trace_mod._sandbox
    _, client_container = lab.client_container()

    def sandbox(lab_: Lab, node: str, container: str) -> str:
        name = real(lab_, node, container)
        return name if container == client_container else "gone1234abcd"  # a task's namespace that is not there

    monkeypatch.setattr(trace_mod, "_sandbox", sandbox)
    with pytest.raises(SwarmlabError, match="did not start"):
        lab.trace_request("web")
    assert _captures_left(lab) == {}


def test_a_dnsrr_request_is_not_rewritten(lab13: Lab) -> None:
    lab = lab13
    lab.create_dnsrr()
    try:
        rr = lab.trace_request("webrr")
    finally:
        lab.transport.run(lab.manager, "docker service rm webrr", timeout=60)
    assert rr.ok and rr.mode == "dnsrr", rr.checks_frame().to_string()
    assert rr.answer is not None and rr.answer.remote_addr == rr.client_ip
    assert not any(h.role == "lb" for h in rr.hops) and _captures_left(lab) == {}
