"""Packaging says what is true: the Python floor is the one the type checker and linter check, every runtime
dependency is used, the wheel leaves the checkout-only test harnesses out, and the dependency floors work: the
replay suite runs on a lowest-direct resolution (uv), each direct dependency at its declared floor."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# Runtime dependencies that no module imports but the lab needs: the notebook UI and its kernel.
USED_WITHOUT_IMPORT = {
    "jupyterlab": "the UI the lessons open in (README: jupyter lab labs/zh)",
    "ipykernel": "the kernel the lessons run on",
    "jupyterlab-language-pack-zh-cn": "JupyterLab's own menus in Chinese (tools/jupyterlab_settings.py sets zh_CN)",
}
IMPORT_NAME = {"pyyaml": "yaml"}
# The replay suite: no swarm, no sshd, no browser; what a Binder visitor runs.
REPLAY_SUITE = ["tests/test_lab_replay.py", "tests/test_recording.py", "tests/test_docker_api.py",
                "tests/test_course.py", "tests/test_magic.py", "tests/test_viz.py", "tests/test_widgets.py"]


def requirement_name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].strip().lower()


def imported_top_levels(package: Path) -> set[str]:
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def unused_dependencies(dependencies: list[str], imported: set[str]) -> list[str]:
    unused = []
    for req in dependencies:
        name = requirement_name(req)
        if name in USED_WITHOUT_IMPORT:
            continue
        if IMPORT_NAME.get(name, name.replace("-", "_")) not in imported:
            unused.append(name)
    return unused


def test_the_python_floor_is_the_one_checked() -> None:
    floor = re.fullmatch(r">=\s*3\.(\d+)", PROJECT["requires-python"])
    assert floor, PROJECT["requires-python"]
    minor = int(floor.group(1))
    assert PYPROJECT["tool"]["mypy"]["python_version"] == f"3.{minor}"  # mypy checks the lowest supported Python
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py3{minor}"
    assert sys.version_info[:2] >= (3, minor)


def test_every_runtime_dependency_is_used() -> None:
    imported = imported_top_levels(ROOT / "swarmlab")
    assert unused_dependencies(PROJECT["dependencies"], imported) == []
    # the check can fail: a dependency nothing imports (jc was one) is named
    assert unused_dependencies([*PROJECT["dependencies"], "jc>=1.25"], imported) == ["jc"]


def test_the_license_is_a_pep639_expression() -> None:
    assert PROJECT["license"] == "MIT"
    assert (ROOT / "LICENSE").is_file() and "MIT License" in (ROOT / "LICENSE").read_text()


@pytest.mark.real
def test_the_wheel_leaves_the_test_harnesses_out(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: a checkout's stale build/ would leak old files into the wheel
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                                ".*_cache", "screenshots", ".vagrant"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
                   check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("swarmlab-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "swarmlab/lab/core.py" in names and "swarmlab/py.typed" in names
    assert any(n.startswith("swarmlab/recordings/lessons/") for n in names)
    assert [n for n in names if n.startswith("swarmlab/testing/")] == []  # sshd harness, box builder, Playwright
    assert "License-Expression: MIT" in metadata
    assert "Requires-Python: >=3.11" in metadata
    # jc is a test-only second opinion: in the test extra, never a runtime requirement
    assert not re.search(r"^Requires-Dist: jc\b(?!.*extra ==)", metadata, re.M)
    assert re.search(r"^Requires-Dist: jc\b.*extra == \"test\"", metadata, re.M)
    # the class server (docs/class.md) ships, and its hub comes with the `class` extra
    assert "swarmlab/classhub/hubconfig.py" in names
    assert "swarmlab/classhub/templates/zh_CN/page.html" in names  # a zh class's JupyterHub pages (hubpages.py)
    assert re.search(r'^Requires-Dist: jupyterhub<6\.2,>=[\d.]+; extra == "class"$', metadata, re.M), metadata


def test_the_class_extra_is_the_hub_the_tests_run() -> None:
    """`swarmlab class` runs `python -m jupyterhub` (no import): the `class` extra carries it, psycopg, which
    SQLAlchemy loads for progress_db = "postgresql://..." (progressdb.engine_url), and jupyterhub-idle-culler, which
    the hub runs as `python -m jupyterhub_idle_culler` for [limits] idle_minutes; the test extra all three."""
    extras = PROJECT["optional-dependencies"]
    assert [requirement_name(r) for r in extras["class"]] == ["jupyterhub", "psycopg", "jupyterhub-idle-culler"]
    assert '"-m", "jupyterhub_idle_culler"' in (ROOT / "swarmlab" / "classhub" / "hubconfig.py").read_text()
    assert all(r in extras["test"] for r in extras["class"])
    assert '"postgresql+psycopg"' in (ROOT / "swarmlab" / "classhub" / "progressdb.py").read_text()
    assert '"-m", "jupyterhub"' in (ROOT / "swarmlab" / "classhub" / "server.py").read_text()


@pytest.mark.real
def test_the_replay_suite_passes_on_the_lowest_direct_dependencies(tmp_path: Path) -> None:
    """Each direct dependency at its floor (`uv pip install --resolution lowest-direct`), then the replay suite."""
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        pytest.skip("uv is not installed (pip install -e '.[test]')")
    venv = tmp_path / "lowest"
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    subprocess.run([str(uv), "venv", "-q", "-p", sys.executable, str(venv)], check=True, timeout=120)
    subprocess.run([str(uv), "pip", "install", "-q", "-p", str(venv / "bin" / "python"), "--resolution",
                    "lowest-direct", "-e", str(ROOT), "pytest>=8", "pytest-timeout>=2.3", "hypothesis>=6.100"],
                   check=True, timeout=600, env=env)
    versions = subprocess.run([str(uv), "pip", "list", "-p", str(venv / "bin" / "python"), "--format", "freeze"],
                              check=True, timeout=60, capture_output=True, text=True, env=env).stdout
    floors = {requirement_name(r): r.split(">=")[1].split(",")[0].split(";")[0].strip()
              for r in PROJECT["dependencies"] if ">=" in r}
    installed = dict(line.lower().split("==") for line in versions.split() if "==" in line)
    for name, floor in floors.items():
        assert Version(installed[name]) == Version(floor), f"{name}: {installed[name]} installed, the floor is {floor}"
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          *REPLAY_SUITE], cwd=ROOT, timeout=900, capture_output=True, text=True,
                         env=env)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
