"""`ReplayTransport`: answers commands from a recording, in recorded order; never sends anything anywhere.

A command is matched by its *key*: by default the exact command; the lab passes `key=swarmlab.commands.steps.
key_of`, so that a command is matched by its **step and the step's key arguments**, not by its exact string:
`docker service create --name web ...` finds the recorded creation of `web` whatever incidental flags either
carries, and `iptables -t mangle -nvL` the recorded `iptables -nvL -t mangle` in the same namespace. A command
no step recognises is matched exactly. A key recorded several times answers with its recordings in
order, then keeps answering with the last (so re-running a notebook cell works); `latest=True` answers with the
last (the state at the end of the recording). The lab's own reads (the client's node before each cell: `latest`
in replay) were recorded too, live, between the lesson's commands: for a command the lab also reads that way, the
entries recorded before the last answer given in order are such reads and are skipped (lesson 01's
`docker service ps client` would otherwise answer with a read made before the service existed). Other commands
keep their own order (a trace's captures start in threads, so their recorded order is not the call order).

In a *transcript* (provenance kind "transcript...", e.g. the seed chapter, whose commands were typed by a person),
a command that matches nothing is answered by the entries of the same lab `step` on that node whose commands, read
inside the shell the chapter opened, have the same key arguments (`answers`): `curl web` answers a request to `web`,
never one to another name. A recorded failure
fails as it did live: a recorded transport error is raised again, a non-zero exit fails `check`. Anything else
raises `NotRecorded`, naming the recording and the closest recorded commands.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from swarmlab import errors
from swarmlab.errors import NotRecorded
from swarmlab.transport.base import API_STEP, DEFAULT_TIMEOUT, NodeRef, Transport, api_command
from swarmlab.transport.node import Node
from swarmlab.transport.recording import Entry, Recording, load
from swarmlab.transport.result import CommandResult

KeyOf = Callable[[str], "tuple[str, Hashable] | None"]  # command -> (step name, key) or None (match exactly)
# a transcript's command -> does it answer this (step name, key)? (`swarmlab.commands.steps.transcript_answers`)
Answers = Callable[[str, Any], bool]


class ReplayTransport(Transport):
    replays = True

    def __init__(self, recording: str | Path | Recording, key: KeyOf | None = None,
                 answers: Answers | None = None) -> None:
        self._key_of: KeyOf = key or (lambda command: None)
        self._answers = answers
        self.recording = recording if isinstance(recording, Recording) else load(recording)
        super().__init__(Node(name=n, host="(recorded)", port=0) for n in self.recording.nodes)
        self._by_key: dict[tuple[str, Hashable], list[Entry]] = defaultdict(list)
        self._by_step: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        # (node, step) -> entries, by the step recognised from the command (else the name the recording gave)
        self._held: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for e in self.recording.entries:
            recognised = self._key_of(e.command)
            self._by_key[(e.node, recognised or ("exact", e.command))].append(e)
            if e.step:
                self._by_step[(e.node, e.step)].append(e)
            name = recognised[0] if recognised else e.step
            if name and not e.error:
                self._held[(e.node, name)].append(e)
        self._cursor: dict[Hashable, int] = defaultdict(int)
        self._position = 0  # seq of the latest entry answered in order (any command)
        self._read_latest: set[Hashable] = set()  # keys the lab has also read for itself (latest=True)
        self.transcript = str(self.recording.provenance.get("kind", "")).startswith("transcript")

    def _key(self, command: str) -> Hashable:
        return self._key_of(command) or ("exact", command)

    @property
    def description(self) -> str:
        prov = self.recording.provenance
        versions = ", ".join(f"{k} {prov[k]}" for k in ("docker", "kernel") if prov.get(k))
        when = str(prov.get("recorded_at") or "")[:10]
        extra = "; ".join(x for x in (versions, f"recorded {when}" if when else "") if x)
        return f"{self.recording.path.name}{f' ({extra})' if extra else ''}"

    def _entries(self, node: str, command: str, step: str | None) -> tuple[Hashable, list[Entry]]:
        key = (node, self._key(command))
        if key in self._by_key:
            return key, self._by_key[key]
        if self.transcript and step and (node, step) in self._by_step:
            asked = self._key_of(command)
            held = self._by_step[(node, step)]
            if asked is not None and self._answers is not None:  # only the same step with the same key arguments
                held = [e for e in held if self._answers(e.command, asked)]
            if held:
                return (node, ("step", step, asked)), held
        return key, []

    def pause(self, seconds: float) -> None:
        """Nothing to wait for: the recorded answers already came after the recorded pause."""

    def holdings(self, node: str, step: str) -> list[CommandResult] | None:
        """Every recorded answer of `step` on `node` (by the step recognised from each recorded command, or the
        step name the recording gave it), in recorded order."""
        return [e.result() for e in self._held.get((node, step), [])]

    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False,
            on_output: Callable[[bytes], None] | None = None) -> CommandResult:
        name = self.node(node).name
        key, found = self._entries(name, command, step)
        if not found:
            raise self._not_recorded(name, command, step)
        if latest:
            i = len(found) - 1
            self._read_latest.add(key)
        else:
            i = min(self._cursor[key], len(found) - 1)
            if key in self._read_latest:
                # live, this command ran after every entry answered so far, and the lab's own reads of it (answered
                # from the end in replay) were recorded too: its entries from before then were those reads
                after = next((j for j, e in enumerate(found) if e.seq > self._position), None)
                i = max(i, after) if after is not None else i
            self._cursor[key] = i + 1
            self._position = max(self._position, found[i].seq)
        entry = found[i]
        if entry.error:
            cls = getattr(errors, entry.error.get("type", ""), errors.TransportError)
            if not (isinstance(cls, type) and issubclass(cls, errors.TransportError)):
                cls = errors.TransportError
            raise cls(f"(recorded) {entry.error.get('message', '')}", node=name)
        result = entry.result()
        return result.check() if check else result

    def run_many(self, node: NodeRef, commands: Sequence[tuple[str, str | None]], *,
                 timeout: float = DEFAULT_TIMEOUT, sudo: bool = False) -> list[CommandResult]:
        """Each command answered as recorded, as if run alone (whether or not it ran in a batch live); one the
        recording lacks, or whose recorded run failed to reach the node, is a result holding that error
        (`NotRecorded`, ...): the others are answered all the same."""
        out = []
        for command, step in commands:
            try:
                out.append(self.run(node, command, timeout=timeout, sudo=sudo, step=step))
            except errors.TransportError as exc:
                out.append(CommandResult(node=self.node(node).name, command=command, error=exc))
        return out

    def api(self, node: NodeRef, path: str, *, timeout: float = DEFAULT_TIMEOUT,
            latest: bool = False) -> CommandResult:
        """The recorded answer to `GET /v1.41<path>` (matched exactly, like a command no step recognises)."""
        return self.run(node, api_command(path), timeout=timeout, step=API_STEP, latest=latest)

    def _not_recorded(self, node: str, command: str, step: str | None) -> NotRecorded:
        recorded = sorted({e.command for e in self.recording.entries if e.node == node})
        close = difflib.get_close_matches(command, recorded, n=3, cutoff=0.3)
        hint = ("; closest recorded: " + "; ".join(repr(c) for c in close)) if close else ""
        asked = f"[{node}] {command!r}{f' (step {step})' if step else ''}"
        return NotRecorded(f"{asked} is not in the recording {self.recording.title} ({self.recording.path}){hint}. A "
                           "replay can only show what was recorded: run it live on a swarm (`swarmlab rig up` or "
                           "`vagrant up`, then MODE = \"live\"), or record a session that includes it (`swarmlab "
                           "record`).", node=node, asked=asked)
