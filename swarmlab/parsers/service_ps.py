"""`docker service ps SERVICE` (and `--no-trunc`, and 1.12-rc's `docker service tasks`) -> one record per task.

Our own parser. Real output, from the seed chapter::

    ID             NAME      IMAGE                      NODE            DESIRED STATE   CURRENT STATE            ERROR     PORTS
    pwi87g86kbxd   web.1     containous/whoami:latest   swarm-worker1   Running         Running 47 seconds ago
    xbri2akxy2e8   web.2     containous/whoami:latest   swarm-worker2   Running         Running 44 seconds ago

History rows (tasks a slot had before) start their NAME with `\\_`; they are kept, flagged `history`.
DataFrame columns: id, name (without `\\_`), service, slot (Int64; replicated tasks), node_ref (string: the node
id in a global service's task name), image, node, desired_state, current_state (as printed), state (first word:
Running, Shutdown, Failed...), since (the rest: '47 seconds ago'), error, ports (string), history (boolean).
"""  # noqa: E501

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import records_frame
from swarmlab.parsers.table import parse_table

if TYPE_CHECKING:
    import pandas as pd

KIND = "docker service ps"
DTYPES = {"id": "string", "name": "string", "service": "string", "slot": "Int64", "node_ref": "string",
          "image": "string", "node": "string", "desired_state": "string", "current_state": "string",
          "state": "string", "since": "string", "error": "string", "ports": "string", "history": "boolean"}


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    service: str
    slot: int | None
    node_ref: str | None
    image: str
    node: str
    desired_state: str
    current_state: str
    state: str
    since: str
    error: str
    ports: str
    history: bool


def split_task_name(name: str) -> tuple[str, int | None, str | None]:
    """'web.1' -> ('web', 1, None); 'gclient.6sd1xk7ex0p3wded9ocfxrg95' -> ('gclient', None, node id)."""
    service, _, rest = name.rpartition(".")
    if not service:
        return name, None, None
    if rest.isdigit():
        return service, int(rest), None
    return service, None, rest


def parse(text: str) -> list[Task]:
    rows = parse_table(text, KIND, ("id", "name", "node", "desired_state", "current_state"),
                       {"last_state": "current_state"})
    tasks = []
    for no, r in enumerate(rows, 2):
        raw = r["name"]
        history = raw.startswith("\\_")
        name = raw[2:].strip() if history else raw
        if not name:
            raise ParseError(KIND, "task without a name", line_no=no)
        service, slot, node_ref = split_task_name(name)
        if r.get("service"):  # 1.12-rc `service tasks` has its own SERVICE column
            service = r["service"]
        state, _, since = r["current_state"].partition(" ")
        tasks.append(Task(r["id"], name, service, slot, node_ref, r.get("image", ""), r["node"],
                          r["desired_state"], r["current_state"], state, since, r.get("error", ""),
                          r.get("ports", ""), history))
    return tasks


def frame(text_or_records: str | list[Task]) -> pd.DataFrame:
    records = parse(text_or_records) if isinstance(text_or_records, str) else text_or_records
    return records_frame([asdict(r) for r in records], DTYPES)

READS = [Reads(parse, frame, "service_ps", (("docker", "service", "ps"), ("docker", "stack", "ps"),
                                              ("docker", "service", "tasks")),
               examples=("docker service ps --no-trunc web", "docker stack ps demo"))]
