"""What the swarm-changing commands print: `docker service create/update/scale`, `docker swarm init/join`,
`docker import`.

Our own parsers. Real output from the seed chapter (`docker service create --name web ... containous/whoami`)::

    jozc1x1c1zpyjl9b5j5abzm0g
    overall progress: 2 out of 2 tasks
    1/2: running   [==================================================>]
    2/2: running   [==================================================>]
    verify: Service converged

and from `docker swarm init` (Docker 20.10; the token is a secret: `redact()` hides it)::

    Swarm initialized: current node (b96z877qpsf57cd6yo2hdqup2) is now a manager.

    To add a worker to this swarm, run the following command:

        docker swarm join --token SWMTKN-1-64c5...-6vlh... 10.99.0.1:2377
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines

_ID = re.compile(r"[a-z0-9]{25}")
_PROGRESS = re.compile(r"overall progress: (\d+) out of (\d+) tasks")
_SLOT = re.compile(r"(\d+/\d+|[a-z0-9]{25}):\s*(.*?)\s*(?:\[[=> ]*\])?")


@dataclass
class ServiceChange:
    service_id: str | None
    done: int | None = None
    total: int | None = None
    converged: bool = False
    slots: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def parse_service_change(text: str) -> ServiceChange:
    """`docker service create|update|scale` (attached, with progress) -> id, progress, per-slot state."""
    lines = [(no, ln.strip()) for no, ln in enumerate(clean_lines(text), 1) if ln.strip()]
    if not lines:
        raise ParseError("docker service create", "empty output")
    result = ServiceChange(None)
    for no, line in lines:
        if result.service_id is None and (_ID.fullmatch(line) or re.fullmatch(r"[A-Za-z0-9_-]+", line)):
            result.service_id = line  # create prints the id; update/scale print the service name
        elif m := _PROGRESS.fullmatch(line):
            result.done, result.total = int(m.group(1)), int(m.group(2))
        elif line.startswith("verify:"):
            result.converged = result.converged or line.endswith("converged")
        elif line.startswith(("image ", "Since --detach=false", "warning", "WARNING")):
            result.warnings.append(line)
        elif line.startswith(("Error", "error")):
            result.error = line
        elif line.startswith(("rollback:", "overall progress: rolling back")):
            result.warnings.append(line)
        elif m := _SLOT.fullmatch(line):
            result.slots[m.group(1)] = m.group(2).strip()  # the slot's last state, e.g. 'running' ('' = none)
        elif line.endswith(("scaled to 0", "converged")) or " scaled to " in line:
            result.converged = True
        else:
            raise ParseError("docker service create", "not a line of the service progress output", line_no=no,
                             line=line)
    return result


@dataclass
class SwarmInit:
    node_id: str | None
    join_command: str | None
    manager_address: str | None
    error: str | None = None


def parse_swarm_init(text: str) -> SwarmInit:
    lines = clean_lines(text)
    body = "\n".join(lines)
    if body.strip().startswith("Error"):
        return SwarmInit(None, None, None, body.strip().splitlines()[0])
    m = re.search(r"current node \(([a-z0-9]+)\) is now a manager", body)
    if not m:
        raise ParseError("docker swarm init", "no 'Swarm initialized: current node (...)' line",
                         line_no=1, line=lines[0] if lines else "")
    join = next((ln.strip() for ln in lines if ln.strip().startswith("docker swarm join")), None)
    address = join.split()[-1] if join else None
    return SwarmInit(m.group(1), join, address)


def parse_swarm_join(text: str) -> str:
    """`docker swarm join` -> 'worker' or 'manager'."""
    m = re.search(r"This node joined a swarm as an? (worker|manager)\.", text)
    if not m:
        first = next((ln for ln in clean_lines(text) if ln.strip()), "")
        raise ParseError("docker swarm join", "no 'This node joined a swarm as a ...' line", line_no=1, line=first)
    return m.group(1)


def parse_import(text: str) -> str:
    """`docker import` -> the image id (sha256:...)."""
    m = re.fullmatch(r"\s*(sha256:[0-9a-f]{64})\s*", text)
    if not m:
        raise ParseError("docker import", "expected one 'sha256:<64 hex>' line", line_no=1, line=text[:80])
    return m.group(1)


def redact(text: str) -> str:
    """Hide swarm join tokens (`SWMTKN-1-...`) and other secrets: they let anyone join the swarm."""
    from swarmlab.transport.redact import redact as redact_secrets

    return redact_secrets(text)

READS = [Reads(parse_service_change, None, "service_change",
               (("docker", "service", "create"), ("docker", "service", "update"), ("docker", "service", "scale")),
               examples=("docker service create --name web --replicas 2 --network mynet containous/whoami",)),
         Reads(parse_swarm_init, None, "swarm_init", (("docker", "swarm", "init"),), examples=("docker swarm init",)),
         Reads(parse_swarm_join, None, "swarm_join", (("docker", "swarm", "join"),),
               examples=("docker swarm join --token SWMTKN-1-x 10.99.0.1:2377",)),
         Reads(parse_import, None, "docker_import", (("docker", "import"), ("docker", "image", "import")),
               examples=("tar -C /tmp/bbroot -c . | docker -H unix:///run/w1.sock import - probe/busybox:local",))]
