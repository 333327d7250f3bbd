"""`docker service inspect SVC` (and `-f '{{json .Endpoint}}'`, `-f '{{json .Endpoint.VirtualIPs}}'`) -> services.

Our own parser. A service in VIP mode has one VirtualIP per network it is attached to (ingress included when it
publishes ports in ingress mode); a dnsrr service has none. Real output, Docker 17.03 (`... | jq`,
fixtures/captured/service_inspect/04)::

    [
      {
        "NetworkID": "ocxfcb33q6vhqv3j5b2zxk4cr",
        "Addr": "192.168.200.2/24"
      }
    ]

`services_frame()` columns: id, name, mode (replicated | global), replicas (Int64), image, endpoint_mode (vip |
dnsrr; <NA> when only an empty Endpoint.Spec was shown), ports (string 'published:target/proto').
`vips_frame()`: service, network_id, vip, prefix (Int64).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers import _json
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker service inspect"


@dataclass
class VirtualIP:
    network_id: str
    vip: str
    prefix: int | None


@dataclass
class ServiceInfo:
    id: str | None = None
    name: str | None = None
    mode: str | None = None
    replicas: int | None = None
    image: str | None = None
    endpoint_mode: str | None = "vip"
    ports: list[str] = field(default_factory=list)
    vips: list[VirtualIP] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    fragment: bool = False


def parse(text: str) -> list[ServiceInfo]:
    data, fragment = _json.load(text, KIND)
    if isinstance(data, dict) and "ID" not in data and ("VirtualIPs" in data or "Spec" in data):
        return [_endpoint_only(data, fragment)]  # {{json .Endpoint}} or a quoted "VirtualIPs" fragment
    if isinstance(data, list) and all(isinstance(v, dict) and "Addr" in v for v in data) and data:
        return [ServiceInfo(vips=[_vip(v) for v in data])]  # {{json .Endpoint.VirtualIPs}}
    if isinstance(data, list) and data and all(isinstance(v, list) for v in data):
        # {{json .Endpoint.VirtualIPs}} for several services: one list per line, in the order asked
        return [ServiceInfo(vips=[_vip(v) for v in doc]) for doc in data]
    items = _json.lst(data, KIND, "the top level")
    return [_service(_json.obj(s, KIND, "a service")) for s in items]


def _vip(v: Any) -> VirtualIP:
    v = _json.obj(v, KIND, "a VirtualIP")
    addr = str(v.get("Addr", ""))
    ip, _, prefix = addr.partition("/")
    if not ip or (prefix and not prefix.isdigit()):
        raise ParseError(KIND, f"bad VirtualIP address {addr!r}")
    return VirtualIP(str(v.get("NetworkID", "")), ip, int(prefix) if prefix else None)


def _ports(items: Any) -> list[str]:
    out = []
    for p in _json.lst(items, KIND, "Ports"):
        p = _json.obj(p, KIND, "a port")
        out.append(f"{p.get('PublishedPort', '')}:{p.get('TargetPort', '')}/{p.get('Protocol', 'tcp')}")
    return out


def _endpoint_only(endpoint: dict[str, Any], fragment: bool) -> ServiceInfo:
    spec = endpoint.get("Spec") or {}
    vips = _json.lst(endpoint.get("VirtualIPs"), KIND, "VirtualIPs")
    # Endpoint.Spec may be empty (a dnsrr service's is): then only VirtualIPs tell, and only when present
    mode = spec.get("Mode") if isinstance(spec, dict) else None
    return ServiceInfo(endpoint_mode=str(mode) if mode else ("vip" if vips else None),
                       ports=_ports(endpoint.get("Ports")),
                       vips=[_vip(v) for v in vips], fragment=fragment)


def _service(s: dict[str, Any]) -> ServiceInfo:
    spec = _json.obj(s.get("Spec") or {}, KIND, "Spec")
    mode_spec = spec.get("Mode") or {}
    mode = next(iter(mode_spec), None) if isinstance(mode_spec, dict) else None
    replicas = (mode_spec.get("Replicated") or {}).get("Replicas") if mode == "Replicated" else None
    task = spec.get("TaskTemplate") or {}
    image = ((task.get("ContainerSpec") or {}).get("Image")) if isinstance(task, dict) else None
    endpoint = s.get("Endpoint") or {}
    endpoint_spec = spec.get("EndpointSpec") or (endpoint.get("Spec") if isinstance(endpoint, dict) else {}) or {}
    networks = [str(n.get("Target")) for n in (task.get("Networks") or spec.get("Networks") or [])
                if isinstance(n, dict)]
    return ServiceInfo(
        id=s.get("ID"), name=spec.get("Name"), mode=mode.lower() if mode else None,
        replicas=replicas if isinstance(replicas, int) else None, image=image,
        endpoint_mode=str(endpoint_spec.get("Mode") or "vip"),
        ports=_ports(endpoint.get("Ports") if isinstance(endpoint, dict) else None),
        vips=[_vip(v) for v in _json.lst(endpoint.get("VirtualIPs") if isinstance(endpoint, dict) else None,
                                         KIND, "VirtualIPs")],
        networks=networks)


def _services(text_or_services: str | list[ServiceInfo]) -> list[ServiceInfo]:
    return parse(text_or_services) if isinstance(text_or_services, str) else text_or_services


def services_frame(text_or_services: str | list[ServiceInfo]) -> pd.DataFrame:
    dtypes = {"id": "string", "name": "string", "mode": "string", "replicas": "Int64", "image": "string",
              "endpoint_mode": "string", "ports": "string"}
    return records_frame([{"id": s.id, "name": s.name, "mode": s.mode, "replicas": s.replicas, "image": s.image,
                           "endpoint_mode": s.endpoint_mode, "ports": ",".join(s.ports)}
                          for s in _services(text_or_services)], dtypes)


def vips_frame(text_or_services: str | list[ServiceInfo]) -> pd.DataFrame:
    dtypes = {"service": "string", "network_id": "string", "vip": "string", "prefix": "Int64"}
    return records_frame([{"service": s.name, "network_id": v.network_id, "vip": v.vip, "prefix": v.prefix}
                          for s in _services(text_or_services) for v in s.vips], dtypes)


frame = vips_frame

FORMAT = r"(?:\s-f\s|\s-f\S|--format)"

READS = [Reads(parse, vips_frame, "service_inspect", (("docker", "service", "inspect"),), unless=(FORMAT,),
               examples=("docker service inspect web",)),
         Reads(parse, vips_frame, "service_inspect", (("docker", "service", "inspect"),),
               when=(FORMAT, r"\.Endpoint"),
               examples=("docker service inspect -f '{{json .Endpoint}}' web",
                         "docker service inspect --format '{{json .Endpoint.Ports}}' web"))]
