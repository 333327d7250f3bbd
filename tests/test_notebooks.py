"""Every notebook executes top to bottom: in replay mode on the bundled recording, and live on the rig."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from swarmlab.testing.notebooks import error_outputs, execute, notebooks

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "notebooks.json"
NAMES = [p.stem for p in notebooks()]


def test_the_series_is_complete() -> None:
    assert [n[:2] for n in NAMES] == [f"{i:02d}" for i in range(9)]


def test_notebooks_are_thin_and_parameterised() -> None:
    import nbformat

    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), path.name
        assert all(len(c.source.splitlines()) <= 6 for c in code), f"{path.name}: logic belongs in the library"
        assert not any("def " in c.source or "for " in c.source for c in code), path.name


@pytest.mark.timeout(1800)
def test_all_notebooks_run_in_replay_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWARMLAB_MODE", "replay")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    timings = {}
    for path in notebooks():
        nb, seconds = execute(path)
        timings[path.stem] = round(seconds, 2)
        assert error_outputs(nb) == [], path.name
        texts = json.dumps([c.get("outputs", []) for c in nb.cells])  # type: ignore[attr-defined]
        assert "replaying" in texts, f"{path.name}: the replay badge is missing"
        for cell in nb.cells:  # type: ignore[attr-defined]
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "<Figure size" in data.get("text/plain", ""):
                    assert "image/png" in data, f"{path.name}: a picture was shown as text, not drawn"
        assert "not in this recording" not in texts, f"{path.name}: the default recording lacks a step it shows"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"what": "all notebooks executed in replay mode (nbclient), seconds",
                                   "total_s": round(sum(timings.values()), 2), "aim": "< 60 s",
                                   "notebooks": timings}, indent=2) + "\n")


@pytest.mark.real
def test_all_notebooks_run_live_on_the_rig(rig: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmlab.rig import vm

    monkeypatch.setenv("SWARMLAB_MODE", "live")
    monkeypatch.setenv("SWARMLAB_INVENTORY", str(vm.inventory_file()))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("SWARMLAB_RIG_HOME", os.environ["SWARMLAB_RIG_HOME"])
    for path in notebooks():
        nb, _ = execute(path, timeout=900)
        assert error_outputs(nb) == [], path.name
