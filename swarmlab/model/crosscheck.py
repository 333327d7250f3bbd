"""The CLI's readings against the Docker Engine API's, field by field: the CLI is a client of the API, so for the
same swarm every reading must agree. A disagreement names the field, the node, both values and where each came
from.

Fields (for one service on the lab network):

* `vip` (manager): `docker service inspect` VirtualIPs vs `GET /services`;
* `vip (network -v)` per node: `docker network inspect -v` Services[svc].VIP vs `GET /networks/NET?verbose=true`;
* `task node` per running task: `docker service ps` NODE vs `GET /tasks` NodeID (-> hostname via `/nodes`);
* `task ip` per running task: the task's endpoint in `docker network inspect -v` (whichever node lists it) vs its
  NetworksAttachments address in `GET /tasks`;
* `lb endpoint` per node: the `lb-NET` endpoint's IP in `docker network inspect -v` vs the API's;
  `lb endpoint in ip a`: that IP is an address of the node's lb_ namespace (`ip addr`);
* `mark` per node: the API's LocalLBIndex vs the MARK that `iptables -t mangle` sets for the VIP (as the CLI
  reads the VIP), and vs the FWM of the `ipvsadm` service whose real servers are the service's tasks (as
  `docker network inspect -v` lists their IPs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.parsers.engine_api import ApiTask
    from swarmlab.parsers.ip_addr import Interface
    from swarmlab.parsers.iptables import Ruleset
    from swarmlab.parsers.ipvsadm import IPVSTable
    from swarmlab.parsers.network_inspect import NetworkInfo
    from swarmlab.parsers.service_inspect import ServiceInfo
    from swarmlab.parsers.service_ps import Task


@dataclass(frozen=True)
class Check:
    field: str
    node: str
    cli: str
    api: str
    cli_source: str
    api_source: str

    @property
    def agree(self) -> bool:
        return self.cli == self.api and self.cli != ""

    def __str__(self) -> str:
        verdict = "agree" if self.agree else "DISAGREE"
        return (f"{self.field} on {self.node}: {verdict}: CLI {self.cli or '(nothing)'} ({self.cli_source}), "
                f"API {self.api or '(nothing)'} ({self.api_source})")


@dataclass
class Readings:
    """What one side read. The kernel's readings (marks, IPVS, addresses) are shell commands: only the CLI has them."""

    services: list[ServiceInfo]
    tasks: list[Task] | list[ApiTask]
    networks: Mapping[str, NetworkInfo | None]  # node -> the lab network as that node's dockerd has it (verbose)
    marks: Mapping[str, Ruleset | None] | None = None
    ipvs: Mapping[str, Mapping[str, IPVSTable] | None] | None = None  # node -> {namespace path: table}
    addresses: Mapping[str, list[Interface] | None] | None = None


def _vip(service: str, network: NetworkInfo | None) -> str:
    if network is None:
        return ""
    s = next((x for x in network.services if x.name == service), None)
    return (s.vip or "") if s else ""


def _lb_ip(network: NetworkInfo | None) -> str:
    lb = network.lb_endpoint if network is not None else None
    return (lb.ip or "") if lb else ""


def _mark_of(service: str, network: NetworkInfo | None) -> int | None:
    if network is None:
        return None
    s = next((x for x in network.services if x.name == service), None)
    return s.mark if s else None


def _running(tasks: Iterable[Any]) -> dict[str, Any]:
    """Running tasks by `service.slot` name (history rows and tasks not running left out)."""
    return {t.name: t for t in tasks if not t.history and t.state == "Running"}


def compare(service: str, network_name: str, cli: Readings, api: Readings) -> list[Check]:
    net = next((n for n in api.networks.values() if n is not None and n.id), None)
    net_id = net.id if net else None
    checks: list[Check] = []

    def cli_service_vip() -> str:
        s = next((x for x in cli.services if x.name == service), None)
        return next((v.vip for v in s.vips if net_id and v.network_id == net_id), "") if s else ""

    def api_service_vip() -> str:
        s = next((x for x in api.services if x.name == service), None)
        return next((v.vip for v in s.vips if net_id and v.network_id == net_id), "") if s else ""

    manager = next(iter(api.networks), "")
    checks.append(Check(f"vip of {service} on {network_name}", manager, cli_service_vip(), api_service_vip(),
                        f"docker service inspect {service}", "GET /services"))
    for node in api.networks:
        if api.networks.get(node) is None and cli.networks.get(node) is None:
            continue  # neither has the network there: the node runs no task on it (nothing to compare)
        checks.append(Check(f"vip of {service} (network -v)", node, _vip(service, cli.networks.get(node)),
                            _vip(service, api.networks.get(node)), f"docker network inspect -v {network_name}",
                            f"GET /networks/{network_name}?verbose=true"))

    cli_tasks = {k: v for k, v in _running(cli.tasks).items() if v.service == service}
    api_tasks = {k: v for k, v in _running(api.tasks).items() if v.service == service}
    cli_ips = {t.name.rsplit(".", 1)[0] if t.name.count(".") >= 2 else t.name: t.endpoint_ip
               for n in cli.networks.values() if n is not None
               for s in n.services if s.name == service for t in s.tasks}
    for name in sorted(set(cli_tasks) | set(api_tasks)):
        c, a = cli_tasks.get(name), api_tasks.get(name)
        checks.append(Check(f"node of task {name}", manager, c.node if c else "", a.node if a else "",
                            f"docker service ps {service}", "GET /tasks + GET /nodes"))
        checks.append(Check(f"ip of task {name} on {network_name}", manager, cli_ips.get(name) or "",
                            (a.addresses.get(network_name) or "") if a else "",
                            f"docker network inspect -v {network_name} (every node)", "GET /tasks"))

    for node, api_net in api.networks.items():
        if api_net is None and cli.networks.get(node) is None:
            continue
        lb_ip = _lb_ip(api_net)  # api_net may be None here: the CLI has the network, the API not (a disagreement)
        checks.append(Check("lb endpoint", node, _lb_ip(cli.networks.get(node)), lb_ip,
                            f"docker network inspect -v {network_name}", f"GET /networks/{network_name}"))
        ifaces = (cli.addresses or {}).get(node)
        if ifaces is not None:
            has = lb_ip and any(a.address == lb_ip for i in ifaces for a in i.addresses)
            checks.append(Check("lb endpoint in the lb namespace", node, lb_ip if has else "", lb_ip,
                                "ip addr (lb_ namespace)", f"GET /networks/{network_name}"))
        mark = _mark_of(service, api_net)
        shown = str(mark) if mark is not None else ""
        cli_net = cli.networks.get(node)
        cli_vip = _vip(service, cli_net)  # the CLI side reads only what the CLI printed
        ruleset = (cli.marks or {}).get(node)
        if ruleset is not None:
            set_for_vip = [r.mark for r in ruleset.marks() if cli_vip and r.destination.split("/")[0] == cli_vip]
            checks.append(Check(f"mark of {service} (iptables)", node, str(set_for_vip[0]) if set_for_vip else "",
                                shown, "iptables -t mangle (lb_ namespace): MARK set for the VIP",
                                f"LocalLBIndex in GET /networks/{network_name}?verbose=true"))
        tables = (cli.ipvs or {}).get(node)
        if tables is not None and net_id:
            ns = f"lb_{net_id[:9]}"
            table = next((t for path, t in tables.items() if path.rsplit("/", 1)[-1] == ns), None)
            # the FWM service whose real servers are the service's tasks, as `docker network inspect -v` lists them
            task_ips = {t.endpoint_ip for x in (cli_net.services if cli_net else []) if x.name == service
                        for t in x.tasks if t.endpoint_ip}
            fwms = [v.mark for v in (table.services if table else [])
                    if v.mark is not None and task_ips and {r.address for r in v.reals} == task_ips]
            checks.append(Check(f"mark of {service} (ipvsadm)", node, str(fwms[0]) if len(fwms) == 1 else "", shown,
                                "ipvsadm -Ln (lb_ namespace): the FWM whose real servers are the tasks",
                                f"LocalLBIndex in GET /networks/{network_name}?verbose=true"))
    return checks


def frame(checks: list[Check]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([{"field": c.field, "node": c.node, "cli": c.cli, "api": c.api, "agree": c.agree,
                          "cli_source": c.cli_source, "api_source": c.api_source} for c in checks],
                        columns=["field", "node", "cli", "api", "agree", "cli_source", "api_source"])


def disagreements(checks: list[Check]) -> list[str]:
    """Every check that does not agree, each naming its field, node and both readings."""
    return [str(c) for c in checks if not c.agree]
