"""The VIP chain: service -> VIP -> network -> lb namespace / endpoint -> mark -> IPVS service -> real servers ->
tasks -> nodes, joined from the parsed outputs of ONE node (marks and lb endpoints differ per node: each node's
chain is built from that node's own outputs, never another's).

`NodeView` holds what one node showed; `chain_rows(service, view)` joins it. Anything the outputs do not show is
left empty (<NA>), never guessed: the seed chapter, for instance, never shows which real server is which task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from swarmlab.parsers._text import records_frame
from swarmlab.parsers.ip_addr import Interface
from swarmlab.parsers.iptables import Ruleset
from swarmlab.parsers.ipvsadm import IPVSTable
from swarmlab.parsers.netns_ls import NetnsEntry, find_lb_namespace, lb_namespace_for
from swarmlab.parsers.network_inspect import NetworkInfo
from swarmlab.parsers.network_ls import Network
from swarmlab.parsers.service_ps import Task

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = {
    "node": "string", "service": "string", "vip": "string", "network": "string", "network_id": "string",
    "lb_namespace": "string", "lb_endpoint_ip": "string", "mark": "Int64", "mark_hex": "string",
    "mark_rule": "boolean",
    "ipvs_service": "string", "scheduler": "string", "real_server": "string", "forward": "string",
    "weight": "Int64", "task": "string", "task_node": "string", "container_id": "string",
}


class ChainRow(TypedDict, total=False):
    """One row of the chain (the keys of COLUMNS; tests check they agree): None where the outputs do not show it."""

    node: str
    service: str
    vip: str | None
    network: str
    network_id: str | None
    lb_namespace: str | None
    lb_endpoint_ip: str | None
    mark: int | None
    mark_hex: str | None
    mark_rule: bool | None
    ipvs_service: str
    scheduler: str | None
    real_server: str
    forward: str | None
    weight: int | None
    task: str | None
    task_node: str | None
    container_id: str | None


@dataclass
class NodeView:
    """What one node's commands printed, parsed. Every part is optional."""

    node: str
    network_name: str = "mynet"
    networks: list[Network] = field(default_factory=list)  # docker network ls
    inspect: NetworkInfo | None = None  # docker network inspect [-v] <network> on this node
    netns: list[NetnsEntry] = field(default_factory=list)  # ls /var/run/docker/netns
    lb_addresses: list[Interface] = field(default_factory=list)  # ip a in the lb namespace
    marks: Ruleset | None = None  # iptables -nvL -t mangle in the lb namespace
    ipvs: IPVSTable | None = None  # ipvsadm -Ln in the lb namespace
    tasks: list[Task] = field(default_factory=list)  # docker service ps <service> (from a manager)
    resolved_vip: dict[str, str] = field(default_factory=dict)  # service -> address `ping`/`nslookup` answered

    @property
    def network_id(self) -> str | None:
        if self.inspect and self.inspect.id:
            return self.inspect.id
        return next((n.id for n in self.networks if n.name == self.network_name), None)

    @property
    def lb_namespace(self) -> str | None:
        net_id = self.network_id
        if not net_id:
            return None
        if not self.netns:
            return lb_namespace_for(net_id)
        return find_lb_namespace(net_id, self.netns)


def vip_of(service: str, view: NodeView) -> str | None:
    """The service's VIP on this network: network inspect -v, else what DNS/ping answered (a VIP answers ping)."""
    if view.inspect:
        svc = next((s for s in view.inspect.services if s.name == service), None)
        if svc and svc.vip:
            return svc.vip
    return view.resolved_vip.get(service)


def chain_rows(service: str, view: NodeView) -> list[ChainRow]:
    vip = vip_of(service, view)
    base: ChainRow = {"node": view.node, "service": service, "vip": vip, "network": view.network_name,
                      "network_id": view.network_id, "lb_namespace": view.lb_namespace}
    endpoint = view.inspect.lb_endpoint if view.inspect else None
    base["lb_endpoint_ip"] = endpoint.ip if endpoint else _endpoint_from_addresses(view.lb_addresses)
    rule = next((r for r in view.marks.marks() if r.destination == vip), None) if view.marks and vip else None
    mark = rule.mark if rule else None
    if mark is None and view.inspect:  # LocalLBIndex is the mark too
        svc = next((s for s in view.inspect.services if s.name == service), None)
        mark = svc.mark if svc else None
    # `mark` may come from LocalLBIndex alone: Docker numbers the load balancer even where no rule is programmed
    # (a kernel without IPVS). `mark_rule` says whether a MARK rule for the VIP is really in the mangle table.
    base["mark"], base["mark_hex"] = mark, hex(mark) if mark is not None else None
    base["mark_rule"] = rule is not None if view.marks is not None else None
    ipvs_service = view.ipvs.service(mark) if view.ipvs and mark is not None else None
    if ipvs_service is None:
        return [base]
    base["ipvs_service"] = f"{ipvs_service.protocol} {ipvs_service.virtual}"
    base["scheduler"] = ipvs_service.scheduler
    by_ip = _tasks_by_ip(service, view)
    rows = []
    for real in ipvs_service.reals:
        task_name, container = by_ip.get(real.address, (None, None))
        task_node = next((t.node for t in view.tasks if task_name and task_name.startswith(t.name + ".")), None)
        row = base.copy()
        row["real_server"], row["forward"], row["weight"] = real.address, real.forward, real.weight
        row["task"], row["task_node"], row["container_id"] = task_name, task_node, container
        rows.append(row)
    return rows


def _endpoint_from_addresses(interfaces: list[Interface]) -> str | None:
    """In the lb namespace, eth0's one address that is not a /32 VIP is the lb endpoint."""
    for iface in interfaces:
        if iface.name == "eth0":
            own = [a.address for a in iface.addresses if a.family == "inet" and not a.vip]
            return own[0] if len(own) == 1 else None
    return None


def _tasks_by_ip(service: str, view: NodeView) -> dict[str, tuple[str, str | None]]:
    """task IP -> (task container name, container id), from network inspect -v Tasks and Containers."""
    out: dict[str, tuple[str, str | None]] = {}
    if not view.inspect:
        return out
    containers = {e.name: e.key for e in view.inspect.endpoints if e.kind == "task"}
    svc = next((s for s in view.inspect.services if s.name == service), None)
    for t in svc.tasks if svc else []:
        if t.endpoint_ip:
            key = containers.get(t.name)
            out[t.endpoint_ip] = (t.name, key[:12] if key else None)
    for e in view.inspect.endpoints:  # tasks local to this node also show in Containers
        if e.kind == "task" and e.service == service and e.ip and e.ip not in out:
            out[e.ip] = (e.name, e.key[:12])
    return out


def vip_chain(service: str, views: list[NodeView]) -> pd.DataFrame:
    """One row per (node, real server), for every node given; columns in COLUMNS."""
    return records_frame([row for v in views for row in chain_rows(service, v)], COLUMNS)
