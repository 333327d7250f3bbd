"""`docker container ls` / `docker ps` -> one record per container.

Our own parser. Real output, from the seed chapter::

    CONTAINER ID   IMAGE                        COMMAND          CREATED          STATUS          PORTS     NAMES
    36dce35d56e8   xiaopeng163/net-box:latest   "ping 8.8.8.8"   19 minutes ago   Up 19 minutes             client.1.sg9b3dqrgru4f14k2tpxzg2ei

A swarm task's container is named `<service>.<slot or node id>.<task id>`; those parts are split out.
DataFrame columns: id, image, command (without the quotes), created, status, ports, names, service (string or
<NA> for a container that is not a task), slot (Int64), task_id (string).
"""  # noqa: E501

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.table import parse_table

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker container ls"
DTYPES = {"id": "string", "image": "string", "command": "string", "created": "string", "status": "string",
          "ports": "string", "names": "string", "service": "string", "slot": "Int64", "task_id": "string"}
_TASK = re.compile(r"(?P<service>[A-Za-z0-9][A-Za-z0-9_-]*)\.(?P<slot>[a-z0-9]+)\.(?P<task>[a-z0-9]{25})")


@dataclass(frozen=True)
class Container:
    id: str
    image: str
    command: str
    created: str
    status: str
    ports: str
    names: str
    service: str | None
    slot: int | None
    task_id: str | None


def parse(text: str) -> list[Container]:
    rows = parse_table(text, KIND, ("id", "image", "names"), {"container_id": "id", "running_for": "created"})
    out = []
    for r in rows:
        m = _TASK.fullmatch(r["names"])
        slot = m.group("slot") if m else None
        out.append(Container(r["id"], r["image"], r.get("command", "").strip('"'), r.get("created", ""),
                             r.get("status", ""), r.get("ports", ""), r["names"],
                             m.group("service") if m else None, int(slot) if slot and slot.isdigit() else None,
                             m.group("task") if m else None))
    return out


def frame(text_or_records: str | list[Container]) -> pd.DataFrame:
    records = parse(text_or_records) if isinstance(text_or_records, str) else text_or_records
    return records_frame([asdict(r) for r in records], DTYPES)

READS = [Reads(parse, frame, "container_ls", (("docker", "container", "ls"), ("docker", "container", "ps"),
                                                  ("docker", "ps")),
               examples=("docker ps", "docker -H unix:///run/d2.sock container ls -a"))]
