"""The classroom kit as far as it can be checked here: `vagrant validate` (Debian's vagrant; no VirtualBox here,
so providers are ignored), a misspelt setting refused with a clear message, and shellcheck on every script.
The provisioning's swarm init/join runs for real on the rig: tests/test_rig_lifecycle.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "vagrant").glob("*.sh"))
pytestmark = pytest.mark.real


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"needs {tool} (`./run tests` installs it with apt as root)")
    return path


def validate(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "vagrant-project"
    shutil.copytree(ROOT / "vagrant", work / "vagrant")
    shutil.copy(ROOT / "Vagrantfile", work / "Vagrantfile")
    environ = {**os.environ, "VAGRANT_HOME": str(tmp_path / "vagrant-home"), **env}
    return subprocess.run([need("vagrant"), "validate", "--ignore-provider"], cwd=work, env=environ,
                          capture_output=True, text=True, timeout=180)


def test_vagrantfile_validates(tmp_path: Path) -> None:
    out = validate(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Vagrantfile validated successfully" in out.stdout


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("SWARMLAB_CPUS", "two", 'SWARMLAB_CPUS="two" is not a whole number >= 1'),
    ("SWARMLAB_PREFIX", "192.168", "must be three octets"),
    ("SWARMLAB_WORKERS", "0", "SWARMLAB_WORKERS"),
])
def test_a_misspelt_setting_is_refused(tmp_path: Path, setting: str, value: str, message: str) -> None:
    out = validate(tmp_path, **{setting: value})
    assert out.returncode != 0 and message in out.stdout + out.stderr


def test_more_workers_are_defined(tmp_path: Path) -> None:
    out = validate(tmp_path, SWARMLAB_WORKERS="3")
    assert out.returncode == 0 and "swarm-worker3" in out.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck(script: Path) -> None:
    out = subprocess.run([need("shellcheck"), str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
