"""`docker service ls` -> one record per service.

Our own parser. Real output, from the seed chapter::

    ID             NAME      MODE         REPLICAS   IMAGE                        PORTS
    skbcdfvgidwa   client    replicated   1/1        xiaopeng163/net-box:latest
    jozc1x1c1zpy   web       replicated   2/2        containous/whoami:latest

Also 1.12's `ID NAME REPLICAS IMAGE COMMAND` and 17.03's table without PORTS.
DataFrame columns: id, name, mode (string; '' in 1.12), replicas (string as printed), running (Int64),
desired (Int64; from '2/2' or '2/2 (max 1 per node)'), image (string), ports (string, e.g. '*:8080->80/tcp').
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.table import parse_table

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker service ls"
DTYPES = {"id": "string", "name": "string", "mode": "string", "replicas": "string", "running": "Int64",
          "desired": "Int64", "image": "string", "ports": "string"}
_REPLICAS = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    mode: str
    replicas: str
    running: int | None
    desired: int | None
    image: str
    ports: str


def parse(text: str) -> list[Service]:
    rows = parse_table(text, KIND, ("id", "name", "replicas", "image"))
    out = []
    for r in rows:
        m = _REPLICAS.match(r["replicas"])
        out.append(Service(r["id"], r["name"], r.get("mode", ""), r["replicas"],
                           int(m.group(1)) if m else None, int(m.group(2)) if m else None,
                           r["image"], r.get("ports", "")))
    return out


def frame(text_or_records: str | list[Service]) -> pd.DataFrame:
    records = parse(text_or_records) if isinstance(text_or_records, str) else text_or_records
    return records_frame([asdict(r) for r in records], DTYPES)

READS = [Reads(parse, frame, "service_ls", (("docker", "service", "ls"), ("docker", "service", "list")),
               examples=("docker service ls",))]
