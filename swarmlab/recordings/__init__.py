"""Recordings bundled with swarmlab (package data), each honest about where it came from (its header).

* `seed-docker-tips.jsonl`: the seed chapter's own transcript, outputs verbatim (tools/make_seed_recording.py).
* `rig-session-debian13.jsonl` (the default): a whole session recorded with `swarmlab record --full` on
  `swarmlab rig --debian 13` (Docker 26.1, kernel 6.12): today's Docker.
* `rig-session.jsonl`: the same session on the Debian 12 rig (Docker 20.10, kernel 6.1), kept as the second one:
  `--recording rig-session` / `SWARMLAB_RECORDING`.
* `rig-no-ipvs.jsonl`: the Debian 12 rig without IPVS (a `swarmlab record` session; lesson 09 now replays its own,
  `lessons/09-break-it.jsonl`, recorded on the Debian 13 rig without IPVS).
* `rig-trace-debian13.jsonl` (`TRACE`): one request to `web` (VIP) and one to `webrr` (dnsrr) followed packet by
  packet (`lab.trace_request`, `swarmlab trace`) on the Debian 13 rig: every capture's packets as tcpdump printed
  them.
* `api-debian13.jsonl`: the chapter's state read by the docker CLI and by the Docker Engine API (the CLI/API
  cross-check, `Lab.cross_check`), recorded on the Debian 13 rig by tools/record_api.py.
* `lessons/NN-slug.jsonl`: each lesson's own recording, made by running it live (tools/record_lessons.py).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from swarmlab.errors import RecordingError

TRACE = "rig-trace-debian13"
DEFAULT_ORDER = ("rig-session-debian13.jsonl", "rig-session.jsonl", "seed-docker-tips.jsonl")


def folder() -> Path:
    return Path(str(resources.files("swarmlab.recordings")))


def bundled() -> list[Path]:
    """Every bundled recording: the sessions, then the lessons' own (`lessons/NN-slug.jsonl`)."""
    return sorted(folder().glob("*.jsonl")) + sorted(folder().glob("lessons/*.jsonl"))


def get(name: str) -> Path:
    """A bundled recording by name (`rig-session`, `lessons/04-marks-and-ipvs`), or any recording file by path."""
    path = folder() / (name if name.endswith(".jsonl") else f"{name}.jsonl")
    if path.exists():
        return path
    if "/" in name or Path(name).exists():
        return Path(name)
    if not path.exists():
        names = ", ".join(str(p.relative_to(folder()).with_suffix("")) for p in bundled()) or "none"
        raise RecordingError(f"no bundled recording {name!r}: give one of {names}, or a recording file's path")
    return path


def default() -> Path:
    for name in DEFAULT_ORDER:
        if (folder() / name).exists():
            return folder() / name
    raise RecordingError("no recording is bundled with this swarmlab: reinstall it (pip install -e .), or give a "
                         "recording file with --recording")
