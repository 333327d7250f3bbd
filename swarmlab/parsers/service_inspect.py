"""`docker service inspect SVC` and its Endpoint fragments (`-f '{{json .Endpoint}}'`, `.Endpoint.Spec`,
`.Endpoint.Spec.Mode`, `.Endpoint.Ports`, `.Endpoint.VirtualIPs`) -> services, VIPs and published ports.

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
`ports_frame()`: service, protocol, target, published (Int64; <NA> until swarm assigns one), mode (ingress | host),
name. A fragment is told apart by its shape (a list of `TargetPort` objects is `.Endpoint.Ports`, an object of
`Mode`/`Ports` is `.Endpoint.Spec`, of `Spec`/`Ports`/`VirtualIPs` is `.Endpoint`); a bare `null` only when the
command names the fragment; anything else is a ParseError. Real `.Endpoint` on the rig (Docker 20.10)::

    {"Spec":{"Mode":"vip"},"VirtualIPs":[{"NetworkID":"7y757jodw8yjblvjaglti9io6","Addr":"10.0.1.2/24"}]}
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
class PublishedPort:
    """One `Endpoint.Ports` / `EndpointSpec.Ports` entry: `published` is <NA> until swarm assigns one."""

    protocol: str
    target: int
    published: int | None
    mode: str | None
    name: str | None = None

    def __str__(self) -> str:
        return f"{'' if self.published is None else self.published}:{self.target}/{self.protocol}"


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
    published: list[PublishedPort] = field(default_factory=list)


_ENDPOINT_KEYS = {"Spec", "Ports", "VirtualIPs"}
_SPEC_KEYS = {"Mode", "Ports"}
_PORT_KEYS = {"Protocol", "TargetPort", "PublishedPort", "PublishMode", "Name"}
# what `-f '{{json .Endpoint...}}'` asked for, from the command line: the only way to read a bare `null`
_ASKED = re.compile(r"\.Endpoint(?:\.(Ports|Spec|VirtualIPs))?(?:\.(Ports|Mode))?\b")


def parse(text: str, asked: str | None = None) -> list[ServiceInfo]:
    """`docker service inspect` (a list of services) or one of its Endpoint fragments: `.Endpoint`,
    `.Endpoint.Spec`, `.Endpoint.Ports` (or `.Endpoint.Spec.Ports`), `.Endpoint.VirtualIPs` (one line per
    service), or a quoted `"VirtualIPs": [...]` excerpt. `asked` names the fragment (`for_command` reads it off the
    command line); then `null` means none of it. A value that is none of these shapes is a ParseError."""
    data, fragment = _json.load(text, KIND)
    if data is None:
        if asked in ("Ports", "Spec.Ports", "VirtualIPs"):
            return [ServiceInfo(endpoint_mode=None, fragment=True)]  # Docker prints `null` for an empty list
        raise ParseError(KIND, "`null`: an empty fragment, but the command does not say which (-f '{{json ...}}')")
    if isinstance(data, str) and asked == "Spec.Mode" and data in ("vip", "dnsrr"):
        return [ServiceInfo(endpoint_mode=data, fragment=True)]  # {{json .Endpoint.Spec.Mode}}
    if isinstance(data, dict) and "ID" not in data:
        keys = set(data)
        if keys <= _SPEC_KEYS and (keys or asked == "Spec") and asked in ("Spec", None):
            return [_endpoint_only({"Spec": data}, fragment)]  # {{json .Endpoint.Spec}}
        if keys and keys <= _ENDPOINT_KEYS:
            return [_endpoint_only(data, fragment)]  # {{json .Endpoint}} or a quoted "VirtualIPs" fragment
        raise ParseError(KIND, f"a JSON object with keys {sorted(keys)} is neither a service nor its Endpoint")
    if isinstance(data, list) and data and all(isinstance(v, dict) and "Addr" in v for v in data):
        return [ServiceInfo(endpoint_mode="vip", vips=[_vip(v) for v in data], fragment=True)]  # VIPs: vip mode
    if isinstance(data, list) and data and all(isinstance(v, dict) and "TargetPort" in v for v in data):
        published = _published(data)  # {{json .Endpoint.Ports}}
        return [ServiceInfo(endpoint_mode=None, ports=[str(p) for p in published], published=published,
                            fragment=True)]
    if isinstance(data, list) and data and all(isinstance(v, list) for v in data):
        # {{json .Endpoint.VirtualIPs}} for several services: one list per line, in the order asked
        return [ServiceInfo(endpoint_mode="vip" if doc else None, vips=[_vip(v) for v in doc], fragment=True)
                for doc in data]
    items = _json.lst(data, KIND, "the top level")
    services = [_json.obj(s, KIND, "a service") for s in items]
    for s in services:
        if "ID" not in s and "Spec" not in s:
            raise ParseError(KIND, f"an object with keys {sorted(s)[:6]} is not a service (no ID, no Spec)")
    return [_service(s) for s in services]


def _asked(format_or_command: str | None) -> str | None:
    """The Endpoint fragment a `-f` format names (`Ports`, `Spec.Ports`, `VirtualIPs`, `Endpoint`...); None: none."""
    m = _ASKED.search(format_or_command or "")
    return None if m is None else ".".join(g for g in m.groups() if g) or "Endpoint"


def parser_for(format_or_command: str | None) -> Callable[[str], list[ServiceInfo]]:
    """The parse of what `-f FORMAT` prints (the format, or a command line holding it): the fragment it names
    (`null` then means none of it); whole services when it names none."""
    asked = _asked(format_or_command)

    def parse_asked(text: str) -> list[ServiceInfo]:
        return parse(text, asked)
    return parse_asked


for_command = parser_for  # the dispatcher's name: a command line names its fragment as its format does


def frame_for(format_or_command: str | None) -> Callable[[list[ServiceInfo]], pd.DataFrame]:
    """The frame of what `-f FORMAT` prints: the published ports for `.Endpoint.Ports` (or `.Endpoint.Spec.Ports`),
    else the VIPs."""
    return ports_frame if _asked(format_or_command) in ("Ports", "Spec.Ports") else vips_frame


def _vip(v: Any) -> VirtualIP:
    v = _json.obj(v, KIND, "a VirtualIP")
    addr = str(v.get("Addr", ""))
    ip, _, prefix = addr.partition("/")
    if not ip or (prefix and not prefix.isdigit()):
        raise ParseError(KIND, f"bad VirtualIP address {addr!r}")
    return VirtualIP(str(v.get("NetworkID", "")), ip, int(prefix) if prefix else None)


def _published(items: Any) -> list[PublishedPort]:
    out = []
    for p in _json.lst(items, KIND, "Ports"):
        p = _json.obj(p, KIND, "a port")
        unknown = set(p) - _PORT_KEYS
        target, published = p.get("TargetPort"), p.get("PublishedPort")
        if unknown or not isinstance(target, int) or not isinstance(published, int | None):
            raise ParseError(KIND, f"not a port {p!r}"[:200])
        out.append(PublishedPort(str(p.get("Protocol", "tcp")), target, published or None,
                                 str(p["PublishMode"]) if p.get("PublishMode") else None,
                                 str(p["Name"]) if p.get("Name") else None))
    return out


def _endpoint_only(endpoint: dict[str, Any], fragment: bool) -> ServiceInfo:
    spec = _json.obj(endpoint.get("Spec") or {}, KIND, "Endpoint.Spec")
    vips = _json.lst(endpoint.get("VirtualIPs"), KIND, "VirtualIPs")
    # Endpoint.Spec may be empty (a dnsrr service's is): then only VirtualIPs tell, and only when present
    mode = spec.get("Mode")
    published = _published(endpoint["Ports"] if "Ports" in endpoint else spec.get("Ports"))
    return ServiceInfo(endpoint_mode=str(mode) if mode else ("vip" if vips else None),
                       ports=[str(p) for p in published], published=published,
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
    published = _published((endpoint.get("Ports") if isinstance(endpoint, dict) else None)
                           or endpoint_spec.get("Ports"))
    networks = [str(n.get("Target")) for n in (task.get("Networks") or spec.get("Networks") or [])
                if isinstance(n, dict)]
    return ServiceInfo(
        id=s.get("ID"), name=spec.get("Name"), mode=mode.lower() if mode else None,
        replicas=replicas if isinstance(replicas, int) else None, image=image,
        endpoint_mode=str(endpoint_spec.get("Mode") or "vip"),
        ports=[str(p) for p in published], published=published,
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


def ports_frame(text_or_services: str | list[ServiceInfo]) -> pd.DataFrame:
    """One row per published port: service, protocol, target, published (Int64, <NA> until assigned), mode
    (ingress | host), name."""
    dtypes = {"service": "string", "protocol": "string", "target": "Int64", "published": "Int64", "mode": "string",
              "name": "string"}
    return records_frame([{"service": s.name, "protocol": p.protocol, "target": p.target, "published": p.published,
                           "mode": p.mode, "name": p.name} for s in _services(text_or_services) for p in s.published],
                         dtypes)


frame = vips_frame

FORMAT = r"(?:\s-f\s|\s-f\S|--format)"

READS = [Reads(parse, vips_frame, "service_inspect", (("docker", "service", "inspect"),), unless=(FORMAT,),
               examples=("docker service inspect web",)),
         Reads(parse, vips_frame, "service_inspect", (("docker", "service", "inspect"),),
               when=(FORMAT, r"\.Endpoint"), for_command=for_command,
               examples=("docker service inspect -f '{{json .Endpoint}}' web",)),
         # the published ports alone: their own frame (one more condition, so the more specific declaration)
         Reads(parse, ports_frame, "service_inspect", (("docker", "service", "inspect"),),
               when=(FORMAT, r"\.Endpoint", r"\.Ports\b"), for_command=for_command,
               examples=("docker service inspect --format '{{json .Endpoint.Ports}}' web",
                         "docker service inspect -f '{{json .Endpoint.Spec.Ports}}' webpub"))]
