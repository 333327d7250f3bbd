"""The rig for tests: brought up once per test session (built and cached under $SWARMLAB_RIG_HOME)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmlab.inventory import Inventory

RIG_HOME_DEFAULT = "/var/tmp/swarmlab-test-rig"
RIG13_HOME_DEFAULT = "/var/tmp/swarmlab-test-rig-d13"


def rig_unavailable_reason() -> str | None:
    if os.geteuid() != 0:
        return "the rig needs root (debootstrap, qemu)"
    missing = [t for t in ("debootstrap", "qemu-system-x86_64", "qemu-img", "mkfs.ext4") if shutil.which(t) is None]
    if missing:
        return f"the rig needs {', '.join(missing)} (`./run tests` installs them as root on Debian)"
    return None


@contextmanager
def rig_home_named(home: str | Path) -> Iterator[None]:
    """While inside, $SWARMLAB_RIG_HOME names `home` (swarmlab.rig reads it); afterwards it is as it was (or unset)."""
    previous = os.environ.get("SWARMLAB_RIG_HOME")
    os.environ["SWARMLAB_RIG_HOME"] = str(home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SWARMLAB_RIG_HOME", None)
        else:
            os.environ["SWARMLAB_RIG_HOME"] = previous


@contextmanager
def running_rig(home: str, debian: str) -> Iterator[Inventory]:
    """A rig from Debian `debian` in rig home `home`: the one running there, else brought up. While inside,
    $SWARMLAB_RIG_HOME names `home` (swarmlab.rig reads it); afterwards it is restored, and the rig is stopped
    unless SWARMLAB_KEEP_RIG=1. Skips the test (pytest) when this machine cannot run a rig."""
    import pytest

    from swarmlab.inventory import load
    from swarmlab.rig import vm

    reason = rig_unavailable_reason()
    if reason:
        pytest.skip(reason)

    def progress(message: str) -> None:
        print(f"[rig d{debian}] {message}", flush=True)

    with rig_home_named(home):
        try:
            inv = load(vm.inventory_file()) if vm.running() else vm.up(progress=progress, debian=debian)
            yield inv
        finally:
            os.environ["SWARMLAB_RIG_HOME"] = home
            if os.environ.get("SWARMLAB_KEEP_RIG") != "1":
                vm.down(progress=progress)


def stop_test_rigs(progress: Callable[[str], None] = print) -> None:
    """Stop the test rigs (Debian 12 and 13 homes) unless SWARMLAB_KEEP_RIG=1: for tests that bring up machines
    of their own on the same two cores. The rig fixtures' own teardown later finds them stopped."""
    from swarmlab.rig import vm

    if os.environ.get("SWARMLAB_KEEP_RIG") == "1":
        progress("kept (SWARMLAB_KEEP_RIG=1)")
        return
    homes = (os.environ.get("SWARMLAB_RIG_HOME") or RIG_HOME_DEFAULT,
             os.environ.get("SWARMLAB_TEST_RIG13_HOME") or RIG13_HOME_DEFAULT)
    for home in homes:
        with rig_home_named(home):
            if vm.running():
                progress(f"stopping the rig in {home}")
                vm.down(progress=progress)
