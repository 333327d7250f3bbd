"""What a lab step returns: the command as it ran, its raw output exactly as printed, and the parsed data."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

from swarmlab.errors import NotRecorded

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.parsers.ip_addr import Interface
    from swarmlab.parsers.iptables import Ruleset
    from swarmlab.parsers.ipvsadm import IPVSTable
    from swarmlab.parsers.netns_ls import NetnsEntry
    from swarmlab.parsers.network_inspect import NetworkInfo
    from swarmlab.parsers.node_ls import SwarmNode
    from swarmlab.parsers.service_inspect import ServiceInfo
    from swarmlab.parsers.whoami import Answer

# the parsed value's type: the step's (`Step[list[Task]]` -> `StepResult[list[Task]]`); None when nothing parsed it
T_co = TypeVar("T_co", covariant=True)


@dataclass
class StepResult(Generic[T_co]):
    step: str
    node: str
    command: str
    output: str
    exit_code: int | None
    value: T_co | None = None
    frame: pd.DataFrame | None = None
    note: str = ""
    replayed: bool = False
    typed: str = ""                 # the command as a student typed it (the %swarm magic), when it was typed
    started: datetime | None = None
    error: Exception | None = None  # a step that could not run (node unreachable, dockerd stopped): why

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def not_recorded(self) -> bool:
        """True when a recording did not hold this step (`error` is the transport's `NotRecorded`)."""
        return isinstance(self.error, NotRecorded)

    def text(self) -> str:
        """The step as a terminal would show it, then the parsed table."""
        head = f"{self.node}$ {self.command}"
        parts = [head, self.output.rstrip("\n")]
        if self.note:
            parts.append(f"# {self.note}")
        if self.frame is not None and len(self.frame):
            shown = self.frame.dropna(axis=1, how="all")  # e.g. ipvsadm's --stats columns in a plain listing
            parts += ["-- parsed --", shown.to_string(index=False, max_colwidth=60)]
        return "\n".join(p for p in parts if p)

    def _repr_html_(self) -> str:
        import html

        table = self.frame.to_html(index=False, max_cols=20) if self.frame is not None and len(self.frame) else ""
        note = f"<p><i>{html.escape(self.note)}</i></p>" if self.note else ""
        badge = " <small>(replayed)</small>" if self.replayed else ""
        return (f"<p><b>{html.escape(self.node)}$</b> <code>{html.escape(self.command)}</code>{badge}</p>"
                f"<pre>{html.escape(self.output)}</pre>{note}{table}")


@dataclass
class Sample:
    """n requests from the client, each parsed; the per-backend summary; IPVS counters before and after."""

    requests: StepResult[list[Answer]]
    answers: pd.DataFrame
    summary: pd.DataFrame
    ipvs_before: pd.DataFrame | None = None
    ipvs_after: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        """How many answered requests came from the same backend as the one just before.

        Round robin alone never repeats; Docker's IPVS `conn_reuse_mode=0` does: a connection from a client port
        IPVS still remembers keeps its old real server (docs/lab.md)."""
        if self.answers.empty:
            return 0
        hosts = list(self.answers[self.answers["ok"]]["hostname"])
        return sum(a == b for a, b in itertools.pairwise(hosts))

    @property
    def even_share(self) -> float:
        """The answers each backend would get in a perfectly even split."""
        return float(self.summary["count"].sum() / len(self.summary)) if len(self.summary) else 0.0

    @property
    def largest_offset(self) -> float:
        """The largest |count - even share| over the backends, in answers."""
        if self.summary.empty:
            return 0.0
        return float((self.summary["count"] - self.even_share).abs().max())

    @property
    def largest_deviation(self) -> float:
        """The largest |count - even share| / even share over the backends (0 = perfectly even)."""
        return self.largest_offset / self.even_share if self.even_share else 0.0


class NodeState(TypedDict, total=False):
    """One node's load-balancing state (`Lab.snapshot`): its namespaces, every lb_ namespace's IPVS table with
    counters, and, when the lab network's lb_ namespace is there, its addresses and marks."""

    netns: StepResult[list[NetnsEntry]]
    ipvs_all: StepResult[dict[str, IPVSTable]]
    addresses: StepResult[list[Interface]]
    marks: StepResult[Ruleset]
    network: StepResult[list[NetworkInfo]]   # the lab network as this node's dockerd has it (CLI or API)
    services: StepResult[list[ServiceInfo]]  # the manager only: services with their VIPs
    tasks: StepResult[list[object]]          # the manager only: service ps tasks, or the API's tasks
    nodes: StepResult[list[SwarmNode]]       # the manager only
