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


def rig_home() -> Path:
    """The rig's images and run state: `$SWARMLAB_RIG_HOME`, else `<swarmlab home>/rig`."""
    env = os.environ.get("SWARMLAB_RIG_HOME")
    path = Path(env).expanduser() if env else home() / "rig"
    path.mkdir(parents=True, exist_ok=True)
    return path
