"""The seed chapter's own outputs, read from the RST exactly as the course shows them: the chain it teaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmlab.parsers import (
    container_ls,
    ip_addr,
    iptables,
    ipvsadm,
    netns_ls,
    network_inspect,
    network_ls,
    ping,
    service_ls,
    service_ps,
    whoami,
)
from swarmlab.parsers.netns_ls import lb_namespace_for
from swarmlab.parsers.transcript import Section, rst_code_blocks, split_shell

SEED = Path(__file__).parent / "fixtures" / "seed" / "internal_lb_vip.rst"


@pytest.fixture(scope="module")
def sections() -> list[Section]:
    out: list[Section] = []
    for _, block in rst_code_blocks(SEED.read_text()):
        found = split_shell(block)
        for s in found:
            if s.command is None and s.output.lstrip().startswith('"Containers"'):
                s.command = "docker network inspect mynet"  # the chapter quotes this output without its prompt
        out.extend(found)
    return out


def output_of(sections: list[Section], command: str, nth: int = 0) -> str:
    return [s for s in sections if s.command == command][nth].output


def test_the_transcript_has_the_chapters_commands(sections: list[Section]) -> None:
    commands = [s.command for s in sections]
    assert commands[:5] == ["docker network ls",
                            "docker service create --name web --network mynet --replicas 2 containous/whoami",
                            "docker service ls", "docker service ps web",
                            "docker service create --name client --network mynet xiaopeng163/net-box:latest "
                            "ping 8.8.8.8"]
    assert commands.count("curl web") == 3
    assert {"ping web -c 2", "sudo ls /var/run/docker/netns/", "ip a", "iptables -nvL -t mangle", "ipvsadm",
            "docker network inspect mynet"} <= set(commands)


def test_the_vip_chain_of_the_seed(sections: list[Section]) -> None:
    pinged = ping.parse(output_of(sections, "ping web -c 2"))
    assert (pinged.destination, pinged.destination_ip, pinged.received) == ("web", "10.0.1.30", 2)
    vip = pinged.destination_ip

    rules = iptables.parse(output_of(sections, "iptables -nvL -t mangle"), "mangle")
    mark_rule = next(r for r in rules.marks() if r.destination == vip)
    assert (mark_rule.chain, mark_rule.mark_hex, mark_rule.mark, mark_rule.pkts) == ("INPUT", "0x106", 262, 72)

    table = ipvsadm.parse(output_of(sections, "ipvsadm"))
    service = table.service(mark_rule.mark)
    assert service is not None and service.scheduler == "rr"
    assert [(r.address, r.port, r.forward, r.weight) for r in service.reals] == [
        ("10.0.1.31", "0", "Masq", 1), ("10.0.1.32", "0", "Masq", 1)]
    assert table.marks == [262, 263]


def test_the_lb_namespace_and_endpoint(sections: list[Section]) -> None:
    mynet = next(n for n in network_ls.parse(output_of(sections, "docker network ls")) if n.name == "mynet")
    assert mynet.id == "lpirdge00y3j" and lb_namespace_for(mynet.id) == "lb_lpirdge00"
    entries = netns_ls.parse(output_of(sections, "sudo ls /var/run/docker/netns/"))
    lb = [e for e in entries if e.kind == "lb"]
    assert [(e.name, e.network_prefix) for e in lb] == [("lb_lpirdge00", "lpirdge00")]
    assert mynet.id.startswith(lb[0].network_prefix)

    net = network_inspect.parse(output_of(sections, "docker network inspect mynet"))[0]
    assert net.fragment and net.lb_endpoint is not None
    assert (net.lb_endpoint.key, net.lb_endpoint.name, net.lb_endpoint.ip) == ("lb-mynet", "mynet-endpoint",
                                                                               "10.0.1.37")
    client = next(e for e in net.endpoints if e.kind == "task")
    assert (client.service, client.slot, client.ip) == ("client", 1, "10.0.1.36")

    interfaces = ip_addr.parse(output_of(sections, "ip a"))
    eth0 = next(i for i in interfaces if i.name == "eth0")
    assert [(a.address, a.prefix) for a in eth0.addresses] == [("10.0.1.37", 24), ("10.0.1.30", 32),
                                                               ("10.0.1.35", 32)]
    assert eth0.vips == ["10.0.1.30", "10.0.1.35"]


def test_round_robin_answers_and_snat(sections: list[Section]) -> None:
    answers = [whoami.parse(output_of(sections, "curl web", i))[0] for i in range(3)]
    assert [(a.hostname, a.task_ip) for a in answers] == [("6039865a1e5d", "10.0.1.32"),
                                                          ("c3b3e99b9bb1", "10.0.1.31"),
                                                          ("6039865a1e5d", "10.0.1.32")]
    assert {a.remote_addr for a in answers} == {"10.0.1.37"}  # SNAT to the lb endpoint
    assert [a.remote_port for a in answers] == [40972, 40974, 40976]


def test_services_tasks_and_the_client_container(sections: list[Section]) -> None:
    services = service_ls.parse(output_of(sections, "docker service ls", 1))
    assert [(s.name, s.running, s.desired) for s in services] == [("client", 1, 1), ("web", 2, 2)]
    tasks = service_ps.parse(output_of(sections, "docker service ps web"))
    assert [(t.name, t.node, t.state) for t in tasks] == [("web.1", "swarm-worker1", "Running"),
                                                           ("web.2", "swarm-worker2", "Running")]
    client = container_ls.parse(output_of(sections, "docker container ls"))[0]
    assert (client.id, client.command, client.service, client.task_id) == (
        "36dce35d56e8", "ping 8.8.8.8", "client", "sg9b3dqrgru4f14k2tpxzg2ei")
