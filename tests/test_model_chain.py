"""The VIP chain, joined from real outputs: the seed chapter's own numbers, and a real 3-node capture."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from swarmlab.model.chain import COLUMNS, NodeView, chain_rows, vip_chain
from swarmlab.parsers import ip_addr, iptables, ipvsadm, netns_ls, network_inspect, network_ls, ping, service_ps
from swarmlab.parsers.transcript import rst_code_blocks, split_shell
from tests.test_seed_chapter import SEED

FIX = Path(__file__).parent / "fixtures"


def body(rel: str) -> str:
    return "\n".join(ln for ln in (FIX / rel).read_text().splitlines() if not ln.startswith("###"))


def seed_view() -> NodeView:
    sections = [s for _, b in rst_code_blocks(SEED.read_text()) for s in split_shell(b)]

    def out(cmd: str, nth: int = 0) -> str:
        return [s for s in sections if s.command == cmd][nth].output

    fragment = next(s.output for s in sections if s.output.lstrip().startswith('"Containers"'))
    return NodeView(
        node="swarm-manager", networks=network_ls.parse(out("docker network ls")),
        inspect=network_inspect.parse(fragment)[0], netns=netns_ls.parse(out("sudo ls /var/run/docker/netns/")),
        lb_addresses=ip_addr.parse(out("ip a")), marks=iptables.parse(out("iptables -nvL -t mangle"), "mangle"),
        ipvs=ipvsadm.parse(out("ipvsadm")), tasks=service_ps.parse(out("docker service ps web")),
        resolved_vip={"web": ping.parse(out("ping web -c 2")).destination_ip})


def test_the_seed_chain_row() -> None:
    frame = vip_chain("web", [seed_view()])
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 2
    first = frame.iloc[0]
    assert (first.service, first.vip, first.network, first.network_id, first.lb_namespace, first.lb_endpoint_ip) == (
        "web", "10.0.1.30", "mynet", "lpirdge00y3j", "lb_lpirdge00", "10.0.1.37")
    assert (first.mark, first.mark_hex, first.ipvs_service, first.scheduler) == (262, "0x106", "FWM 262", "rr")
    assert list(frame.real_server) == ["10.0.1.31", "10.0.1.32"]
    assert set(frame.forward) == {"Masq"} and set(frame.weight) == {1}
    assert frame.task.isna().all(), "the seed never shows which address is which task: left empty, not guessed"


def test_the_client_service_has_its_own_mark() -> None:
    view = seed_view()
    view.resolved_vip["client"] = "10.0.1.35"
    rows = chain_rows("client", view)
    assert [(r["mark"], r["real_server"]) for r in rows] == [(263, "10.0.1.36")]


def test_a_three_node_capture_names_tasks_and_nodes() -> None:
    view = NodeView(
        node="swarmvm",
        inspect=network_inspect.parse(body("vm-ipvs-docker20/multinode-network-inspect-mynet-v.txt"))[0],
        netns=netns_ls.parse(body("vm-ipvs-docker20/multinode-node1-netns-ls.txt")),
        ipvs=next(iter(ipvsadm.parse_per_namespace(body("vm-ipvs-docker20/multinode-node1-lb-ipvsadm.txt")).values())),
        tasks=service_ps.parse(body("vm-ipvs-docker20/multinode-service-ps-web.txt")))
    frame = vip_chain("web", [view])
    assert len(frame) == 6 and set(frame.vip) == {"10.0.1.2"} and set(frame.mark) == {256}
    assert frame.lb_namespace.iloc[0] == "lb_z7vyly9zq"
    assert frame.task.notna().all() and frame.task_node.notna().all()
    per_node = frame.groupby("task_node").size().to_dict()
    assert per_node == {"swarmvm": 2, "sw2": 1, "sw3": 3}
    # a node's network inspect lists only its own containers: ids are known for node1's tasks only, and they are
    # exactly the web containers the same capture listed on node1
    listed = (FIX / "vm-ipvs-docker20/multinode-web-containers-per-node.txt").read_text().splitlines()[0].split()
    local = frame[frame.task_node == "swarmvm"]
    assert set(local.container_id) == set(listed[3:])
    assert frame[frame.task_node != "swarmvm"].container_id.isna().all()
    web1 = frame[frame.task.str.startswith("web.1.")].iloc[0]
    assert (web1.real_server, web1.task_node, web1.container_id) == ("10.0.1.4", "swarmvm", "0b421dfc5e9d")


def test_an_empty_view_gives_one_row_of_blanks() -> None:
    frame = vip_chain("web", [NodeView(node="n")])
    assert len(frame) == 1 and pd.isna(frame.vip.iloc[0]) and pd.isna(frame.mark.iloc[0])
