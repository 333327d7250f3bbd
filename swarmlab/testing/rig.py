"""The rig for tests: brought up once per test session (built and cached under $SWARMLAB_RIG_HOME)."""

from __future__ import annotations

import os
import shutil

RIG_HOME_DEFAULT = "/var/tmp/swarmlab-test-rig"


def rig_unavailable_reason() -> str | None:
    if os.geteuid() != 0:
        return "the rig needs root (debootstrap, qemu)"
    missing = [t for t in ("debootstrap", "qemu-system-x86_64", "qemu-img", "mkfs.ext4") if shutil.which(t) is None]
    if missing:
        return f"the rig needs {', '.join(missing)} (`./run tests` installs them as root on Debian)"
    return None
