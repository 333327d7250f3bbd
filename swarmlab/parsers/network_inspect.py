"""`docker network inspect NET` and `docker network inspect -v NET` -> the network, its endpoints, services.

Our own parser. The endpoints (`Containers`) hold the tasks and, since 18.06, the network's load-balancer
endpoint: key `lb-<network NAME>`, name `<network name>-endpoint` (`ingress-sbox` / `ingress-endpoint` on the
ingress network), while its namespace is named after the network ID (`lb_<9 chars of id>`). With `-v`,
`Services` maps each service to its VIP, `LocalLBIndex` (the firewall mark on this node) and its tasks.
Real output from the seed chapter (the excerpt it quotes; such a fragment is read too)::

    "Containers": {
    "36dce35d56e87d43d08c5b9a94678fe789659cb3b1a5c9ddccd7de4b26e8d588": {
        "Name": "client.1.sg9b3dqrgru4f14k2tpxzg2ei",
        "EndpointID": "e8972d0091afaaa091886799aca164b742ca93408377d9ee599bdf91188416c1",
        "MacAddress": "02:42:0a:00:01:24",
        "IPv4Address": "10.0.1.36/24",
        "IPv6Address": ""
    },
    "lb-mynet": {
        "Name": "mynet-endpoint",
        ...
        "IPv4Address": "10.0.1.37/24",

Frames: `endpoints_frame()` network, key, name, kind (task | lb | ingress-sbox | container), endpoint_id, mac,
ip, prefix (Int64), service, slot (Int64), task_id; `services_frame()` network, service, vip, mark (Int64 =
LocalLBIndex), ports; `tasks_frame()` network, service, task, endpoint_ip, host_ip; `networks_frame()` id, name,
driver, scope, subnet, gateway, ingress (boolean), created, lb_namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers import _json
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.container_ls import _TASK
from swarmlab.parsers.netns_ls import lb_namespace_for

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker network inspect"


@dataclass
class Endpoint:
    key: str
    name: str
    kind: str
    endpoint_id: str | None
    mac: str | None
    ip: str | None
    prefix: int | None
    service: str | None = None
    slot: int | None = None
    task_id: str | None = None


@dataclass
class ServiceTask:
    name: str
    endpoint_id: str | None
    endpoint_ip: str | None
    host_ip: str | None


@dataclass
class NetworkService:
    name: str
    vip: str | None
    mark: int | None
    ports: list[str]
    tasks: list[ServiceTask]


@dataclass
class NetworkInfo:
    id: str | None = None
    name: str | None = None
    driver: str | None = None
    scope: str | None = None
    subnet: str | None = None
    gateway: str | None = None
    ingress: bool | None = None
    created: str | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    services: list[NetworkService] = field(default_factory=list)
    peers: list[tuple[str, str]] = field(default_factory=list)
    fragment: bool = False
    vni: int | None = None  # the overlay's VXLAN id (Options: com.docker.network.driver.overlay.vxlanid_list)

    @property
    def lb_namespace(self) -> str | None:
        return lb_namespace_for(self.id) if self.id and not self.ingress else "ingress_sbox" if self.ingress else None

    @property
    def lb_endpoint(self) -> Endpoint | None:
        return next((e for e in self.endpoints if e.kind in ("lb", "ingress-sbox")), None)


VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list"


def parse(text: str) -> list[NetworkInfo]:
    data, fragment = _json.load(text, KIND)
    if fragment:
        data = [data]
    nets = _json.lst(data, KIND, "the top level") if isinstance(data, list) else [data]
    return [_network(_json.obj(n, KIND, "a network"), fragment) for n in nets]


def _network(n: dict[str, Any], fragment: bool) -> NetworkInfo:
    ipam = n.get("IPAM") or {}
    configs = _json.lst(ipam.get("Config") if isinstance(ipam, dict) else None, KIND, "IPAM.Config")
    first = configs[0] if configs and isinstance(configs[0], dict) else {}
    net = NetworkInfo(n.get("Id"), n.get("Name"), n.get("Driver"), n.get("Scope"), first.get("Subnet"),
                      first.get("Gateway"), n.get("Ingress"), n.get("Created"), fragment=fragment)
    options = n.get("Options") or {}
    vnis = str(_json.obj(options, KIND, "Options").get(VXLAN_OPTION) or "").split(",")[0]
    if vnis:
        if not vnis.isdigit():
            raise ParseError(KIND, f"{VXLAN_OPTION} is not a number: {vnis!r}")
        net.vni = int(vnis)
    if net.ingress is None and net.name == "ingress":
        net.ingress = True
    containers = n.get("Containers") or {}
    for key, c in _json.obj(containers, KIND, "Containers").items():
        net.endpoints.append(_endpoint(key, _json.obj(c, KIND, f"Containers[{key}]")))
    for p in _json.lst(n.get("Peers"), KIND, "Peers"):
        p = _json.obj(p, KIND, "a peer")
        net.peers.append((str(p.get("Name")), str(p.get("IP"))))
    for name, s in _json.obj(n.get("Services") or {}, KIND, "Services").items():
        s = _json.obj(s, KIND, f"Services[{name}]")
        tasks = []
        for t in _json.lst(s.get("Tasks"), KIND, "Tasks"):
            t = _json.obj(t, KIND, "a task")
            info = t.get("Info") or {}
            tasks.append(ServiceTask(str(t.get("Name")), t.get("EndpointID"), t.get("EndpointIP"),
                                     info.get("Host IP") if isinstance(info, dict) else None))
        vip = s.get("VIP")
        mark = s.get("LocalLBIndex")
        if mark is not None and (isinstance(mark, bool) or not isinstance(mark, int)):
            raise ParseError(KIND, f"LocalLBIndex of {name!r} is not a number: {mark!r}")
        net.services.append(NetworkService(name, None if vip in (None, "", "<nil>") else str(vip), mark or None,
                                           [str(p) for p in _json.lst(s.get("Ports"), KIND, "Ports")], tasks))
    return net


def _endpoint(key: str, c: dict[str, Any]) -> Endpoint:
    name = str(c.get("Name", ""))
    cidr = c.get("IPv4Address") or ""
    ip, _, prefix = str(cidr).partition("/")
    if prefix and not prefix.isdigit():
        raise ParseError(KIND, f"bad IPv4Address {cidr!r} for {key}")
    if key.startswith("lb-"):
        kind = "lb"
    elif key == "ingress-sbox":
        kind = "ingress-sbox"
    else:
        kind = "task" if _TASK.fullmatch(name) else "container"
    m = _TASK.fullmatch(name)
    slot = m.group("slot") if m else None
    return Endpoint(key, name, kind, c.get("EndpointID"), c.get("MacAddress"), ip or None,
                    int(prefix) if prefix else None, m.group("service") if m else None,
                    int(slot) if slot and slot.isdigit() else None, m.group("task") if m else None)


def _nets(text_or_nets: str | list[NetworkInfo]) -> list[NetworkInfo]:
    return parse(text_or_nets) if isinstance(text_or_nets, str) else text_or_nets


def endpoints_frame(text_or_nets: str | list[NetworkInfo]) -> pd.DataFrame:
    dtypes = {"network": "string", "key": "string", "name": "string", "kind": "string", "endpoint_id": "string",
              "mac": "string", "ip": "string", "prefix": "Int64", "service": "string", "slot": "Int64",
              "task_id": "string"}
    return records_frame([{"network": n.name, **e.__dict__} for n in _nets(text_or_nets) for e in n.endpoints],
                         dtypes)


def services_frame(text_or_nets: str | list[NetworkInfo]) -> pd.DataFrame:
    dtypes = {"network": "string", "service": "string", "vip": "string", "mark": "Int64", "ports": "string"}
    return records_frame([{"network": n.name, "service": s.name, "vip": s.vip, "mark": s.mark,
                           "ports": ",".join(s.ports)} for n in _nets(text_or_nets) for s in n.services], dtypes)


def tasks_frame(text_or_nets: str | list[NetworkInfo]) -> pd.DataFrame:
    dtypes = {"network": "string", "service": "string", "task": "string", "endpoint_ip": "string",
              "host_ip": "string"}
    return records_frame([{"network": n.name, "service": s.name, "task": t.name, "endpoint_ip": t.endpoint_ip,
                           "host_ip": t.host_ip} for n in _nets(text_or_nets) for s in n.services for t in s.tasks],
                         dtypes)


def networks_frame(text_or_nets: str | list[NetworkInfo]) -> pd.DataFrame:
    dtypes = {"id": "string", "name": "string", "driver": "string", "scope": "string", "subnet": "string",
              "gateway": "string", "ingress": "boolean", "created": "string", "lb_namespace": "string"}
    return records_frame([{"id": n.id, "name": n.name, "driver": n.driver, "scope": n.scope, "subnet": n.subnet,
                           "gateway": n.gateway, "ingress": n.ingress, "created": n.created,
                           "lb_namespace": n.lb_namespace} for n in _nets(text_or_nets)], dtypes)


frame = endpoints_frame

FORMAT = r"(?:\s-f\s|\s-f\S|--format)"

READS = [Reads(parse, endpoints_frame, "network_inspect", (("docker", "network", "inspect"),),
               unless=(FORMAT,), examples=("docker network inspect -v mynet",))]
