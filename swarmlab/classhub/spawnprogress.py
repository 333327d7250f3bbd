"""What a student's spawn page shows while their rig boots (provider `rig`): the rig's own phases, in the class's
language, with the time since the boot began.

JupyterHub's spawn-pending page reads /hub/api/users/NAME/server/progress, which iterates the Spawner's `progress()`
async generator (events `{"progress": int, "message": str}`) until the spawn finishes. The hub boots a rig in its
pre-spawn hook (providers.RigProvider.start, in a thread); the rig's `up` prints its phases, one line each (boot,
VM up, nodes ready, swarm initialised, each worker joined, rig up, its own key), which the provider hands to a
`Board` as they come; `events` turns the student's board into the page's events. A failed boot is one event naming
what failed, then the generator ends (the hub then says "Spawn failed" with the same line).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from swarmlab.i18n import N_, _


@dataclass(frozen=True)
class Phase:
    key: str
    pattern: re.Pattern[str]  # a line the rig's `up` prints (swarmlab/rig/vm.py, swarm.py; rigs.py's child)
    progress: int  # the page's bar, out of 100
    message: str  # message id (English), its values the pattern's named groups


PHASES = (
    Phase("boot", re.compile(r"^booting the rig VM "), 10, N_("booting your swarm's VM")),
    Phase("tcg", re.compile(r"^KVM did not bring the guest up in time"), 12,
          N_("no KVM here: booting your swarm's VM again under software emulation (slower)")),
    Phase("vm", re.compile(r"^VM up, SSH on "), 35, N_("your VM is up; the three nodes are starting")),
    Phase("nodes", re.compile(r"^nodes ready: "), 60, N_("the three nodes are ready; forming the swarm")),
    Phase("init", re.compile(r"^swarm initialised on (?P<node>\S+)"), 70,
          N_("the swarm is initialised on {node}; the workers are joining")),
    Phase("joined", re.compile(r"^(?P<node>\S+) joined the swarm$"), 75, N_("{node} joined the swarm")),
    Phase("kept", re.compile(r"^the rig is already running"), 80, N_("your swarm's VM is already running: kept")),
    Phase("up", re.compile(r"^rig up in "), 85, N_("the swarm is formed; giving it a key of its own")),
    Phase("key", re.compile(r"^the rig's key is now "), 90, N_("your swarm has a key of its own")),
)
BEGIN = Phase("begin", re.compile(r"$^"), 5, N_("preparing your swarm's VM"))
READY = Phase("ready", re.compile(r"$^"), 95, N_("your swarm is ready; starting your JupyterLab"))
FAILED = N_("your swarm did not start: {error}")  # a line we do not know: shown as the rig printed it (zh: 原文)
BECAUSE = N_("your swarm did not start: {reason}")  # a line of FAILURES, in the class's language


@dataclass(frozen=True)
class Known:
    pattern: re.Pattern[str]  # the start of an English line of the rig's (what follows is dropped: a console tail)
    message: str  # its message id, its values the pattern's named groups


# Why a boot failed, as the hub has it: rigs.boot's error (the rig's `up` in its child, which prints a failure as
# one line of the RigError's text: swarmlab/rig/vm.py, swarm.py, image.py), or rigs.prepare's
_ALL_OF_IT = r"(?: \(all of it in \S+\))?$"


def _up(reason: str, message: str) -> Known:
    """A failure of the rig's `up`: the error's line is `NAME's rig did not come up: <reason>`."""
    return Known(re.compile(r"^\S+'s rig did not come up: " + reason), message)


FAILURES = (
    Known(re.compile(r"^\S+'s rig did not come up within (?P<seconds>\d+) s"),
          N_("it did not come up within {seconds} s (stopped)")),
    _up(r"qemu did not start \((?P<accel>\w+)\)",
        N_("its VM's emulator (qemu, {accel}) did not start")),
    _up(r"a rig is already running \(qemu pid (?P<pid>\d+)",
        N_("a VM of the rig home was already running (qemu pid {pid})")),
    _up(r"the rig VM did not answer SSH",
        N_("its VM started but never answered SSH")),
    _up(r"the rig's nodes did not get ready in (?P<seconds>\d+) s",
        N_("its three nodes were not ready within {seconds} s")),
    _up(r"(?P<node>\S+) could not join the swarm",
        N_("{node} could not join the swarm")),
    _up(r"swarm nodes not Ready after (?P<seconds>\d+) s",
        N_("the swarm's nodes were not Ready after {seconds} s")),
    _up(r"no output" + _ALL_OF_IT,
        N_("the rig stopped without printing anything")),
    Known(re.compile(r"^rig\.base \S+ has no rig image for Debian (?P<release>\d+)"),
          N_("the class's rig base has no VM image for Debian {release} (the instructor builds it)")),
    Known(re.compile(r"^cannot make \S+'s rig home"),
          N_("the hub cannot create your rig home ([rig] homes)")),
)


def failure(error: str, lang: str) -> str:
    """The spawn page's line for a failed boot: why, in `lang`, when FAILURES knows the error's first line; else
    that line as it is, labelled (zh: 原文)."""
    lines = [x.strip() for x in error.splitlines() if x.strip()]
    line = (lines or ["no message"])[0]
    for item in FAILURES:
        found = item.pattern.match(line)
        if found:
            return _(BECAUSE, lang, reason=_(item.message, lang, **found.groupdict()))
    return _(FAILED, lang, error=line)


def phase_of(line: str) -> tuple[Phase, dict[str, str]] | None:
    """The phase a line of the rig's `up` reports, with its values (None: a line that is no phase)."""
    for phase in PHASES:
        found = phase.pattern.match(line.strip())
        if found:
            return phase, found.groupdict()
    return None


@dataclass
class Boot:
    begun: float
    phases: list[tuple[Phase, dict[str, str], float]] = field(default_factory=list)
    failed: str | None = None
    done: bool = False


class Board:
    """Each student's boot as the provider reports it (written from the boot's thread, read by the hub's loop)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._boots: dict[str, Boot] = {}
        self._lock = threading.Lock()

    def begin(self, student: str) -> None:
        with self._lock:
            boot = self._boots[student] = Boot(self.clock())
            boot.phases.append((BEGIN, {}, boot.begun))

    def line(self, student: str, line: str) -> None:
        """A line the rig's `up` printed: recorded when it is a phase."""
        found = phase_of(line)
        if found:
            self._add(student, found[0], found[1])

    def done(self, student: str) -> None:
        self._add(student, READY, {}, done=True)

    def fail(self, student: str, error: str) -> None:
        lines = [x.strip() for x in error.splitlines() if x.strip()]
        with self._lock:
            boot = self._boots.get(student)
            if boot is not None:
                boot.failed = (lines or ["no message"])[0]

    def forget(self, student: str) -> None:
        with self._lock:
            self._boots.pop(student, None)

    def get(self, student: str) -> Boot | None:
        """A copy of the student's boot (None: none reported since their server last stopped)."""
        with self._lock:
            boot = self._boots.get(student)
            return None if boot is None else Boot(boot.begun, list(boot.phases), boot.failed, boot.done)

    def _add(self, student: str, phase: Phase, values: dict[str, str], done: bool = False) -> None:
        with self._lock:
            boot = self._boots.get(student)
            if boot is not None:
                boot.phases.append((phase, values, self.clock()))
                boot.done = boot.done or done


def elapsed(seconds: float, lang: str) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return _("{seconds} s", lang, seconds=s)
    return _("{minutes} min {seconds:02d} s", lang, minutes=s // 60, seconds=s % 60)


def event(phase: Phase, values: dict[str, str], seconds: float, lang: str) -> dict[str, Any]:
    what = _(phase.message, lang, **values)
    return {"progress": phase.progress, "message": _("{what} ({elapsed})", lang, what=what,
                                                     elapsed=elapsed(seconds, lang))}


async def events(board: Board, student: str, lang: str, *, poll: float = 0.5,
                 tick: float = 10.0) -> AsyncIterator[dict[str, Any]]:
    """The spawn page's events for `student`'s boot: each phase once, as reported, in order; the current one again
    every `tick` seconds with the time since the boot began; ends when the boot is done or failed (a failure: one
    event naming it). Waits (silent) until a boot is reported: JupyterHub stops iterating when the spawn ends."""
    begun: float | None = None
    sent = 0
    last = board.clock()
    while True:
        boot = board.get(student)
        if boot is not None:
            if boot.begun != begun:  # a new boot (the student spawned again)
                begun, sent = boot.begun, 0
            now = board.clock()
            for phase, values, at in boot.phases[sent:]:
                yield event(phase, values, at - boot.begun, lang)
                sent, last = sent + 1, now
            if boot.failed is not None:
                yield {"progress": 100, "message": failure(boot.failed, lang)}
                return
            if boot.done:
                return
            if sent and now - last >= tick:
                phase, values, _at = boot.phases[sent - 1]
                yield event(phase, values, now - boot.begun, lang)
                last = now
        await asyncio.sleep(poll)


def spawner_class(board: Board, lang: str) -> type:
    """JupyterHub's LocalProcessSpawner whose `progress()` is the student's rig boot (`events`)."""
    from jupyterhub.spawner import LocalProcessSpawner

    class RigSpawner(LocalProcessSpawner):
        """A student's server on this host, its spawn page showing their rig's boot."""

        async def progress(self) -> AsyncIterator[dict[str, Any]]:
            async for item in events(board, self.user.name, lang):
                yield item

    return RigSpawner
