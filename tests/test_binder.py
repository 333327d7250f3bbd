"""Binder's environment, built from binder/'s files alone in a fresh virtual environment, runs every lesson in both
languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.real


@pytest.mark.timeout(1800)
def test_binder_environment_runs_the_notebooks(tmp_path: Path) -> None:
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt", "nbclient"], cwd=ROOT, check=True, timeout=1200)
    subprocess.run(["bash", "binder/postBuild"], cwd=ROOT, check=True, timeout=120,
                   env={**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"})
    code = ("import json\nfrom swarmlab.testing.notebooks import notebooks, execute_all, error_outputs\n"
            "done, _, failed = execute_all(notebooks())\n"
            "errors = {k: error_outputs(nb) for k, nb in done.items()}\n"
            "print(json.dumps({**errors, **{k: [v] for k, v in failed.items()}}))")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "SWARMLAB_MODE", "SWARMLAB_INVENTORY")}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    env["IPYTHONDIR"] = str(tmp_path / "ipython")  # a kernel of its own, sharing no IPython state
    out = subprocess.run(["binder/start", str(venv / "bin" / "python"), "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    errors = json.loads(out.stdout.strip().splitlines()[-1])
    from swarmlab.testing.notebooks import key, notebooks

    assert sorted(errors) == sorted(key(p) for p in notebooks()) and len(errors) == 20, sorted(errors)
    assert {k: v for k, v in errors.items() if v} == {}
    assert (ROOT / "binder" / "apt.txt").read_text().split() == ["fonts-noto-cjk"]  # the pictures' Chinese labels
