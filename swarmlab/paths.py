"""Where swarmlab keeps its own state (known_hosts, rig files): `$SWARMLAB_HOME`, else `~/.swarmlab`."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    path = Path(os.environ.get("SWARMLAB_HOME") or Path.home() / ".swarmlab").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def known_hosts_file() -> Path:
    return home() / "known_hosts"
