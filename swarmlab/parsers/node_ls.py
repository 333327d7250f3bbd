"""`docker node ls` -> one record per node.

Our own parser. Real output, Docker 20.10 in the qemu VM (fixtures/vm-ipvs-docker20/multinode-node-ls.txt)::

    ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION
    6sd1xk7ex0p3wded9ocfxrg95     sw2        Ready     Active                          20.10.24+dfsg1
    b96z877qpsf57cd6yo2hdqup2 *   swarmvm    Ready     Active         Leader           20.10.24+dfsg1

The `*` after an ID marks the node the command ran on (`self`). 1.12-rc adds MEMBERSHIP.
DataFrame columns: id, self (boolean), hostname, status, availability, manager_status ('' for workers;
Leader | Reachable | Unreachable), role (manager | worker, from manager_status), engine_version, membership.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.table import parse_table

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker node ls"
DTYPES = {"id": "string", "self": "boolean", "hostname": "string", "status": "string", "availability": "string",
          "manager_status": "string", "role": "string", "engine_version": "string", "membership": "string"}


@dataclass(frozen=True)
class SwarmNode:
    id: str
    self: bool
    hostname: str
    status: str
    availability: str
    manager_status: str
    role: str
    engine_version: str
    membership: str


def parse(text: str) -> list[SwarmNode]:
    rows = parse_table(text, KIND, ("id", "hostname", "status"))
    nodes = []
    for r in rows:
        ident = r["id"]
        is_self = ident.endswith("*") or r.get("self") == "true"
        ident = ident.rstrip("*").strip()
        manager = r.get("manager_status", "")
        nodes.append(SwarmNode(ident, is_self, r["hostname"], r["status"], r.get("availability", ""), manager,
                               "manager" if manager else "worker", r.get("engine_version", ""),
                               r.get("membership", "")))
    return nodes


def frame(text_or_records: str | list[SwarmNode]) -> pd.DataFrame:
    records = parse(text_or_records) if isinstance(text_or_records, str) else text_or_records
    return records_frame([asdict(r) for r in records], DTYPES)

READS = [Reads(parse, frame, "node_ls", (("docker", "node", "ls"), ("docker", "node", "list")),
               examples=("docker node ls",))]
