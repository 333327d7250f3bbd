"""Docker Engine API answers -> the same records the CLI parsers give (and two the CLI has no one command for).

The API answers structured data, so there is nothing to parse line by line; this module only maps its JSON onto
the lab's records, so the model and the CLI/API cross-check (`swarmlab.model.crosscheck`) compare like with like:

* `GET /services`: a list of service objects, exactly what `docker service inspect` prints -> `service_inspect`.
* `GET /networks/NAME?verbose=true`: the object `docker network inspect -v` prints one of -> `network_inspect`
  (Containers with the lb endpoint, Services with VIP and LocalLBIndex, Peers).
* `GET /tasks`: every task with its NodeID, slot, state and NetworksAttachments (the task's address on each
  network) -> `ApiTask` (service names and node hostnames from `/services` and `/nodes`).
* `GET /nodes` -> `node_ls.SwarmNode` (what `docker node ls` shows; `self` is not in the API: False).

No READS: the dispatcher reads command output; these are read by the lab (`Lab.api_*`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers import _json, network_inspect, service_inspect
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.node_ls import SwarmNode

if TYPE_CHECKING:
    import pandas as pd

KIND = "Docker Engine API"


@dataclass(frozen=True)
class ApiTask:
    """One task as the API has it: full ids, the node's hostname, and its IP on each network (by network name)."""

    id: str
    name: str
    service: str
    slot: int | None
    node_id: str
    node: str
    desired_state: str
    state: str
    addresses: dict[str, str] = field(default_factory=dict)  # network name -> IP (no prefix)
    error: str = ""

    @property
    def history(self) -> bool:
        """A task the slot had before (the CLI's `\\_` rows): it is not meant to run any more."""
        return self.desired_state != "Running"


def load(body: str | bytes, path: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        lines = text.splitlines()
        raise ParseError(f"{KIND} GET {path}", f"not JSON ({exc.msg})", line_no=exc.lineno,
                         line=lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else None) from None


def services(body: str | bytes) -> list[service_inspect.ServiceInfo]:
    data = load(body, "/services")
    _json.lst(data, KIND, "GET /services")
    return service_inspect.parse(json.dumps(data))


def network(body: str | bytes) -> list[network_inspect.NetworkInfo]:
    data = load(body, "/networks")
    _json.obj(data, KIND, "GET /networks/NAME")
    return network_inspect.parse(json.dumps(data))


def nodes(body: str | bytes) -> list[SwarmNode]:
    out = []
    for n in _json.lst(load(body, "/nodes"), KIND, "GET /nodes"):
        n = _json.obj(n, KIND, "a node")
        desc, status, spec = (_json.obj(n.get(k) or {}, KIND, k) for k in ("Description", "Status", "Spec"))
        manager = n.get("ManagerStatus") or {}
        manager_status = "Leader" if manager.get("Leader") else str(manager.get("Reachability") or "").capitalize()
        out.append(SwarmNode(str(n.get("ID", "")), False, str(desc.get("Hostname", "")),
                             str(status.get("State", "")).capitalize(), str(spec.get("Availability", "")).capitalize(),
                             manager_status, str(spec.get("Role") or ("manager" if manager else "worker")),
                             str((desc.get("Engine") or {}).get("EngineVersion", "")), ""))
    return out


def tasks(body: str | bytes, service_names: dict[str, str], node_names: dict[str, str]) -> list[ApiTask]:
    """`service_names`: service id -> name (from /services), `node_names`: node id -> hostname (from /nodes)."""
    out = []
    for t in _json.lst(load(body, "/tasks"), KIND, "GET /tasks"):
        t = _json.obj(t, KIND, "a task")
        status = _json.obj(t.get("Status") or {}, KIND, "Status")
        service_id, node_id = str(t.get("ServiceID", "")), str(t.get("NodeID", ""))
        service = service_names.get(service_id, service_id)
        slot = t.get("Slot")
        slot = slot if isinstance(slot, int) and not isinstance(slot, bool) and slot > 0 else None
        addresses = {}
        for a in _json.lst(t.get("NetworksAttachments"), KIND, "NetworksAttachments"):
            a = _json.obj(a, KIND, "a network attachment")
            name = str(((a.get("Network") or {}).get("Spec") or {}).get("Name", ""))
            cidrs = _json.lst(a.get("Addresses"), KIND, "Addresses")
            if cidrs:
                addresses[name] = str(cidrs[0]).partition("/")[0]
        out.append(ApiTask(str(t.get("ID", "")), f"{service}.{slot if slot is not None else node_id}", service, slot,
                           node_id, node_names.get(node_id, ""), str(t.get("DesiredState", "")).capitalize(),
                           str(status.get("State", "")).capitalize(), addresses, str(status.get("Err") or "")))
    return out


TASK_DTYPES = {"id": "string", "name": "string", "service": "string", "slot": "Int64", "node_id": "string",
               "node": "string", "desired_state": "string", "state": "string", "network": "string", "ip": "string",
               "error": "string"}


def tasks_frame(records: list[ApiTask]) -> pd.DataFrame:
    """One row per (task, network): id, name, service, slot, node_id, node, desired_state, state, network, ip."""
    rows = []
    for t in records:
        base = {k: v for k, v in asdict(t).items() if k != "addresses"}
        for net, ip in (t.addresses or {"": ""}).items():
            rows.append({**base, "network": net or None, "ip": ip or None})
    return records_frame(rows, TASK_DTYPES)
