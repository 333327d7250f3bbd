"""The pictures straight from a Lab: the inputs each picture needs, gathered from the chapter's own commands.

    viz.topology_of(lab, highlight="mark", lang="zh")     # the client's node, its address, every node's address
    viz.allocation_of(lab, lang="zh", highlight="10.0.4.9")

A node whose `docker network inspect -v` is not to be had (live: no task on the network there, so the network is
not attached; replay: not recorded) is left out of the allocation and has no address in the topology.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swarmlab.errors import SwarmlabError
from swarmlab.viz.allocation import allocation_rows, vip_allocation
from swarmlab.viz.topology import topology

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.lab import Lab
    from swarmlab.parsers.network_inspect import NetworkInfo


def inspects(lab: Lab) -> dict[str, NetworkInfo]:
    """node -> its `docker network inspect -v <network>`, for every node that has one (one command per node)."""
    out: dict[str, NetworkInfo] = {}
    for node in lab.swarm_nodes:
        try:
            nets = lab.inspect_network(node).value or []
        except SwarmlabError:
            continue
        if nets:
            out[node] = nets[0]
    return out


def node_addresses(chain: pd.DataFrame, nets: dict[str, NetworkInfo], client: str | None = None) -> dict[str, str]:
    """node -> underlay address: a task's "Host IP" (inspect -v) joined to its node (the chain's task_node); the
    client's node from the client service's one task."""
    host_ip = {t.name: t.host_ip for net in nets.values() for s in net.services for t in s.tasks if t.host_ip}
    out: dict[str, str] = {}
    for task, node in zip(chain.get("task", []), chain.get("task_node", []), strict=True):
        if isinstance(task, str) and isinstance(node, str) and task in host_ip:
            out.setdefault(node, str(host_ip[task]))
    clients = {str(t.host_ip) for net in nets.values() for s in net.services if s.name == "client" for t in s.tasks
               if t.host_ip}
    if client and len(clients) == 1:
        out.setdefault(client, clients.pop())
    return out


def topology_inputs(lab: Lab, service: str = "web") -> dict[str, Any]:
    """viz.topology's arguments for `service` as the client sees it: the chain, the client's node, task and
    address, the subnet, every node and its address.

    One pass over the nodes, the same commands as `lab.vip_chain(service)` (a replay walks its recording in
    order: asking a node twice would move on to a later state)."""
    from swarmlab.model.chain import vip_chain

    client = lab.client_node()
    views = []
    for node in lab.lb_nodes():
        try:
            views.append(lab.view(node, service))
        except SwarmlabError:
            continue
    chain = vip_chain(service, views)
    nets = {v.node: v.inspect for v in views if v.inspect is not None}
    net = nets.get(client)
    me = next((e for e in net.endpoints if e.service == "client"), None) if net else None
    return {"chain": chain, "client": client, "client_ip": me.ip if me else None,
            "client_task": f"client.{me.slot}" if me and me.slot else None,
            "subnet": net.subnet if net else None, "nodes": lab.swarm_nodes,
            "node_ips": node_addresses(chain, nets, client), "source": lab.label}


def topology_of(lab: Lab, service: str = "web", **kw: Any) -> Any:
    """viz.topology for `service` as the client sees it; `kw` goes to viz.topology (lang, highlight, ...)."""
    return topology(**{**topology_inputs(lab, service), **kw})


def allocation_of(lab: Lab, **kw: Any) -> Any:
    """viz.vip_allocation of every node's inspect (every lb endpoint); `kw` goes to viz.vip_allocation."""
    nets = inspects(lab)
    subnet = next((n.subnet for n in nets.values() if n.subnet), None)
    return vip_allocation(allocation_rows(nets), **{"subnet": subnet, "source": lab.label, **kw})
