"""Where each student's swarm comes from, behind one small interface (issue #24 item 2).

A provider is asked, in the hub's process, to start a student's swarm before their server spawns, for the
environment that server gets (how the course reaches that swarm: never another student's), and to stop the swarm
when the server stops. `replay` is the only one yet: no swarm, the course replays its bundled recordings
read-only. `rig` (one rig VM per student) and `pool` (swarms the instructor already has) are refused by the class
file with a one-line "not yet" (classfile.NOT_YET).
"""

from __future__ import annotations

from typing import Protocol

from swarmlab.errors import SwarmlabError


class Provider(Protocol):
    name: str

    def start(self, student: str) -> None:
        """Make `student`'s swarm ready (called before their server spawns)."""

    def stop(self, student: str) -> None:
        """Release `student`'s swarm (called after their server stopped)."""

    def env(self, student: str) -> dict[str, str]:
        """The environment `student`'s server gets: how the course reaches their swarm, and only theirs."""


class ReplayProvider:
    """No swarm: every lesson replays its bundled recording (what Binder runs)."""

    name = "replay"

    def start(self, student: str) -> None:
        return None

    def stop(self, student: str) -> None:
        return None

    def env(self, student: str) -> dict[str, str]:
        return {"SWARMLAB_MODE": "replay"}


def get(name: str) -> Provider:
    if name == "replay":
        return ReplayProvider()
    raise SwarmlabError(f"provider {name!r} is not yet implemented (issue #24 item 2): use provider = \"replay\"")
