"""A half-built rig image (a build killed mid-debootstrap) is removed even with a filesystem still mounted in it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from swarmlab.rig.image import _discard


def _mounted(path: Path) -> bool:
    return any(line.split()[1] == str(path) for line in Path("/proc/mounts").read_text().splitlines())


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_a_killed_build_with_a_mount_inside_is_discarded(tmp_path: Path) -> None:
    work = tmp_path / "abc.building"
    proc = work / "root" / "proc"
    proc.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "swarmlab-test", str(proc)], check=True)
    (proc / "kept-by-the-mount").write_text("x")
    try:
        _discard(work)
        assert not work.exists() and not _mounted(proc)
    finally:
        if _mounted(proc):
            subprocess.run(["umount", "-l", str(proc)], check=False)


def test_discarding_nothing_is_fine(tmp_path: Path) -> None:
    _discard(tmp_path / "never-built.building")
