"""Where each student's swarm comes from, behind one small interface (issue #24 item 2).

A provider is asked, in the hub's process, to start a student's swarm before their server spawns, for the
environment that server gets (how the course reaches that swarm: never another student's), and to stop the swarm
when the server stops. `replay`: no swarm, the course replays its bundled recordings read-only. `pool`: swarms the
instructor already has, one inventory per student (pool.py), copied with its keys into the student's home at
start. `rig`: one rig VM per student on the class host (rigs.py), booted at start in the student's own rig home and
handed over as pool does, stopped at stop (the server stopped by the student, the hub, or jupyterhub-idle-culler).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from swarmlab.classhub import pool, rigs, spawnprogress
from swarmlab.errors import SwarmlabError


@dataclass(frozen=True)
class Health:
    """A student's swarm as `swarmlab doctor` found it (for the instructor's dashboard)."""

    ok: bool
    passed: int
    failed: tuple[str, ...]  # each failed check, one line: "node check: detail" (or why nothing could be checked)
    checked: float  # when (time.time())

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "passed": self.passed, "failed": list(self.failed), "checked": self.checked}


class Provider(Protocol):
    name: str

    def start(self, student: str) -> None:
        """Make `student`'s swarm ready (called before their server spawns)."""

    def stop(self, student: str) -> None:
        """Release `student`'s swarm (called after their server stopped)."""

    def env(self, student: str) -> dict[str, str]:
        """The environment `student`'s server gets: how the course reaches their swarm, and only theirs."""

    def health(self, student: str) -> Health | None:
        """`swarmlab doctor` on `student`'s swarm (None: no swarm to check). Slow (SSH to every node): the
        progress service calls it in a thread."""


class ReplayProvider:
    """No swarm: every lesson replays its bundled recording (what Binder runs)."""

    name = "replay"

    def start(self, student: str) -> None:
        return None

    def stop(self, student: str) -> None:
        return None

    def env(self, student: str) -> dict[str, str]:
        return {"SWARMLAB_MODE": "replay"}

    def health(self, student: str) -> Health | None:
        return None


class PoolProvider:
    """Swarms the instructor already has: at start (in the hub, as root) the student's inventory is checked again
    (a rig restarted since the class started has a new port) and copied with its keys into their home; their
    server gets SWARMLAB_MODE=live and SWARMLAB_INVENTORY naming that copy. Nothing to release at stop: the swarms
    are the instructor's."""

    name = "pool"

    def __init__(self, inventories: Mapping[str, str | Path]) -> None:
        self.inventories = {student: Path(path) for student, path in inventories.items()}

    def start(self, student: str) -> None:
        if student not in self.inventories:
            raise SwarmlabError(f"{student!r} has no swarm in this class's [pool]: ask your instructor")
        swarm = pool.open_swarm(student, self.inventories[student])
        others = {}
        for other, path in self.inventories.items():  # still no two students on one swarm
            if other != student:
                try:
                    others[other] = pool.open_swarm(other, path)
                except pool.PoolError:
                    continue  # theirs is checked when they start
        pool.overlap({student: swarm, **others})
        pool.install(swarm)

    def stop(self, student: str) -> None:
        return None

    def env(self, student: str) -> dict[str, str]:
        return {"SWARMLAB_MODE": "live", "SWARMLAB_INVENTORY": str(pool.copy_path(student))}

    def health(self, student: str) -> Health | None:
        """The doctor, as root with the instructor's inventory and keys (the same swarm the student's copy names)."""
        if student not in self.inventories:
            return None
        return doctor_health(student, self.inventories[student])


def doctor_health(student: str, inventory: Path) -> Health:
    """`swarmlab doctor` on the swarm of `inventory` (as root, its own keys); a failure to reach it is one line."""
    from swarmlab import doctor
    from swarmlab.transport.ssh import SSHTransport

    now = time.time()
    try:
        swarm = pool.open_swarm(student, inventory)
        inv = swarm.resolved()
        with SSHTransport(inv, known_hosts=swarm.known_hosts) as t:
            checks = doctor.run(t, inv)
    except SwarmlabError as exc:
        return Health(False, 0, (str(exc).splitlines()[0],), now)
    failed = tuple(f"{c.node} {c.name}: {c.detail}".strip() for c in checks if not c.ok)
    return Health(not failed, len(checks) - len(failed), failed, now)


class RigProvider:
    """One rig VM per student (rigs.py): at start (in the hub, as root) the student's rig boots in their own rig
    home, the base's image shared, with a key of its own, and is handed to their server as pool does (inventory,
    key and known_hosts copied into their home); at stop the VM stops. Slow: the hub calls start in a thread.
    The boot's phases, as the rig's `up` prints them, go to `board` (the student's spawn page: spawnprogress)."""

    name = "rig"

    def __init__(self, settings: rigs.RigSettings) -> None:
        self.settings = settings
        self.board = spawnprogress.Board()

    def start(self, student: str) -> None:
        self.board.begin(student)
        try:
            inventory = rigs.boot(self.settings, student, lambda line: self.board.line(student, line))
            pool.install(pool.open_swarm(student, inventory))
        except BaseException as exc:  # no server will use it: never leave a VM running for a failed spawn
            self.board.fail(student, str(exc) or type(exc).__name__)
            rigs.halt(self.settings, student)
            raise
        self.board.done(student)

    def stop(self, student: str) -> None:
        self.board.forget(student)
        rigs.halt(self.settings, student)

    def env(self, student: str) -> dict[str, str]:
        return {"SWARMLAB_MODE": "live", "SWARMLAB_INVENTORY": str(pool.copy_path(student))}

    def health(self, student: str) -> Health | None:
        if not rigs.is_up(self.settings, student):
            return Health(False, 0, ("no rig running: it boots when the student starts their server",), time.time())
        return doctor_health(student, self.settings.inventory(student))


def get(name: str, inventories: Mapping[str, str | Path] | None = None,
        rig: rigs.RigSettings | None = None) -> Provider:
    """The provider `name`; `inventories` (student -> inventory file) for pool, `rig` (the [rig] table) for rig."""
    if name == "replay":
        return ReplayProvider()
    if name == "pool":
        return PoolProvider(inventories or {})
    if name == "rig":
        if rig is None:
            raise SwarmlabError("provider \"rig\" needs its [rig] table (base, homes): add it to the class file")
        return RigProvider(rig)
    raise SwarmlabError(f"provider {name!r}: use \"replay\", \"pool\" or \"rig\"")


def from_settings(settings: Mapping[str, Any]) -> Provider:
    """The provider of a class's settings.json (hubconfig.settings)."""
    rig = settings.get("rig")
    return get(settings["provider"], settings.get("pool") or {}, rigs.RigSettings.from_json(rig) if rig else None)
