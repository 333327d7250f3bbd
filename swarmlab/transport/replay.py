"""`ReplayTransport`: answers commands from a recording, in recorded order; never sends anything anywhere.

A (node, command) recorded several times answers with its recordings in order, then keeps answering with the
last (so re-running a notebook cell works). In a *transcript* (provenance kind "transcript...", e.g. the seed
chapter, whose commands were typed by a person), a command not recorded verbatim is answered by the entries of
the same lab `step` on that node. A recording made by swarmlab answers exact commands only: another command's
output is never passed off as this one's. Anything else raises `NotRecorded` naming the closest recorded commands.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from pathlib import Path
from typing import Any

from swarmlab import errors
from swarmlab.errors import NotRecorded
from swarmlab.transport.base import DEFAULT_TIMEOUT, NodeRef, Transport
from swarmlab.transport.node import Node
from swarmlab.transport.recording import Entry, Recording, load
from swarmlab.transport.result import CommandResult


class ReplayTransport(Transport):
    def __init__(self, recording: str | Path | Recording) -> None:
        self.recording = recording if isinstance(recording, Recording) else load(recording)
        super().__init__(Node(name=n, host="(recorded)", port=0) for n in self.recording.nodes)
        self._by_command: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self._by_step: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for e in self.recording.entries:
            self._by_command[(e.node, e.command)].append(e)
            if e.step:
                self._by_step[(e.node, e.step)].append(e)
        self._cursor: dict[tuple[str, str, str], int] = defaultdict(int)
        self.by_step = str(self.recording.provenance.get("kind", "")).startswith("transcript")

    def entries(self, node: str, command: str | None = None, step: str | None = None) -> list[Entry]:
        """The exact command's entries; else (transcripts, or when no command is given) the step's."""
        if command is not None and (node, command) in self._by_command:
            return self._by_command[(node, command)]
        if step and (command is None or self.by_step):
            return self._by_step.get((node, step), [])
        return []

    def has(self, node: str, command: str | None = None, step: str | None = None) -> bool:
        return bool(self.entries(node, command, step))

    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False, **kw: Any) -> CommandResult:
        """`latest`: answer with the last recording of it (the state at the end), not the next in order."""
        name = self.node(node).name
        found = self.entries(name, command, step)
        if not found:
            raise NotRecorded(self._not_recorded(name, command, step), node=name)
        key = (name, command if (name, command) in self._by_command else "", step or "")
        i = len(found) - 1 if latest else min(self._cursor[key], len(found) - 1)
        if not latest:
            self._cursor[key] += 1
        entry = found[i]
        if entry.error:
            cls = getattr(errors, entry.error.get("type", ""), errors.TransportError)
            if not (isinstance(cls, type) and issubclass(cls, errors.TransportError)):
                cls = errors.TransportError
            raise cls(f"(recorded) {entry.error.get('message', '')}", node=name)
        result = entry.result()
        return result.check() if check else result

    def _not_recorded(self, node: str, command: str, step: str | None) -> str:
        recorded = sorted({c for (n, c) in self._by_command if n == node})
        close = difflib.get_close_matches(command, recorded, n=3, cutoff=0.3)
        hint = ("; closest recorded: " + "; ".join(repr(c) for c in close)) if close else ""
        where = f"{self.recording.title} ({self.recording.path.name})"
        return (f"[{node}] {command!r}{f' (step {step})' if step else ''} is not in the recording {where}{hint}. "
                "A replay can only show what was recorded; run the lab live (or record a new session) for this.")
