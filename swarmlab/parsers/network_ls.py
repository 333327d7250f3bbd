"""`docker network ls` -> one record per network.

Our own parser (jc has none for docker). Real output, from the seed chapter (Docker 20.10 era)::

    NETWORK ID     NAME              DRIVER    SCOPE
    afc8f54c1d07   bridge            bridge    local
    128fd1cb0fae   docker_gwbridge   bridge    local
    0ea68b0d28b9   host              host      local
    14fy2l7a4mci   ingress           overlay   swarm
    lpirdge00y3j   mynet             overlay   swarm
    a8edf1804fb6   none              null      local

DataFrame columns: id (string; swarm-scoped ids are 25 base-36 characters, shown cut to 12), name (string),
driver (string), scope (string: local | swarm), overlay (boolean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.table import parse_table

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker network ls"
DTYPES = {"id": "string", "name": "string", "driver": "string", "scope": "string", "overlay": "boolean"}


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    driver: str
    scope: str

    @property
    def overlay(self) -> bool:
        return self.driver == "overlay"


def parse(text: str) -> list[Network]:
    rows = parse_table(text, KIND, ("id", "name", "driver", "scope"), {"network_id": "id"})
    return [Network(r["id"], r["name"], r["driver"], r["scope"]) for r in rows]


def frame(text_or_records: str | list[Network]) -> pd.DataFrame:
    records = parse(text_or_records) if isinstance(text_or_records, str) else text_or_records
    return records_frame([{**r.__dict__, "overlay": r.overlay} for r in records], DTYPES)

READS = [Reads(parse, frame, "network_ls", (("docker", "network", "ls"), ("docker", "network", "list")),
               examples=("docker network ls",))]
