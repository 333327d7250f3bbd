"""Recordings bundled with swarmlab (package data), each honest about where it came from (its header).

* `seed-docker-tips.jsonl`: the seed chapter's own transcript, outputs verbatim (tools/make_seed_recording.py).
* `rig-session.jsonl`, when present: a whole session recorded with `swarmlab record` on the rig (Debian 12,
  Docker 20.10); the default.
* `rig-session-debian13.jsonl`: the same session on `swarmlab rig --debian 13` (Docker 26.1, kernel 6.12);
  `--recording rig-session-debian13` / `SWARMLAB_RECORDING`. Not the default yet (the lead switches it).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_ORDER = ("rig-session.jsonl", "seed-docker-tips.jsonl")


def folder() -> Path:
    return Path(str(resources.files("swarmlab.recordings")))


def bundled() -> list[Path]:
    return sorted(folder().glob("*.jsonl"))


def get(name: str) -> Path:
    path = folder() / (name if name.endswith(".jsonl") else f"{name}.jsonl")
    if not path.exists():
        names = ", ".join(p.stem for p in bundled()) or "none"
        raise FileNotFoundError(f"no bundled recording {name!r} (bundled: {names})")
    return path


def default() -> Path:
    for name in DEFAULT_ORDER:
        if (folder() / name).exists():
            return folder() / name
    raise FileNotFoundError("no recording is bundled with this swarmlab")
