"""Binder's environment, built from binder/'s files alone in a fresh virtual environment, runs every lesson in both
languages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from swarmlab.course.lessons import LESSONS
from swarmlab.testing.notebooks import key, notebooks

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
    # JupyterLab's overrides in the environment: Chinese interface (the language pack came with swarmlab), no news popup
    overrides = json.loads((venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # run from elsewhere than the checkout, so that the kernels and this script import the INSTALLED swarmlab (its
    # package data: the bundled recordings), as on Binder
    code = ("import json, sys\nfrom pathlib import Path\nimport swarmlab\n"
            "from swarmlab import recordings\n"
            "from notebooks_harness import execute_all, error_outputs\n"
            "done, _, failed = execute_all([Path(p) for p in sys.argv[1:]])\n"
            "errors = {k: error_outputs(nb) for k, nb in done.items()}\n"
            "print(json.dumps({'from': swarmlab.__file__, 'recordings': sorted(str(p.relative_to(recordings.folder()))"
            " for p in recordings.folder().rglob('*.jsonl')), 'errors': {**errors, **{k: [v] for k, v in "
            "failed.items()}}}))")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "SWARMLAB_MODE", "SWARMLAB_INVENTORY")}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    # the harness is test code, left out of the wheel: a copy beside the script, importing only the installed swarmlab
    harness = tmp_path / "harness"
    harness.mkdir()
    shutil.copy(ROOT / "swarmlab" / "testing" / "notebooks.py", harness / "notebooks_harness.py")
    env["PYTHONPATH"] = str(harness)
    env["IPYTHONDIR"] = str(tmp_path / "ipython")  # a kernel of its own, sharing no IPython state
    paths = [str(p) for p in notebooks()]
    out = subprocess.run([str(ROOT / "binder" / "start"), str(venv / "bin" / "python"), "-c", code, *paths],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["from"].startswith(str(venv)), "the test must run the installed swarmlab, not the checkout"
    bundled = sorted(str(p.relative_to(ROOT / "swarmlab" / "recordings"))
                     for p in (ROOT / "swarmlab" / "recordings").rglob("*.jsonl"))
    assert found["recordings"] == bundled, "a bundled recording is missing from the installed package data"
    errors = found["errors"]
    assert sorted(errors) == sorted(key(p) for p in notebooks()) and len(errors) == 2 * len(LESSONS), sorted(errors)
    assert {k: v for k, v in errors.items() if v} == {}
    assert (ROOT / "binder" / "apt.txt").read_text().split() == ["fonts-noto-cjk"]  # the pictures' Chinese labels
