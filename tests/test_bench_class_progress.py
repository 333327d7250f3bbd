"""benchmarks/class_progress.py in its small mode: 5 students send lesson 01's events through a real JupyterHub
(its proxy and token check) to the real progress service; every event stored once, none lost. No timing asserts:
the 300-student numbers are benchmarks/results/class.json (`./run bench class_progress`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import class_progress


@pytest.mark.real
def test_the_progress_benchmark_in_its_small_mode(tmp_path: Path) -> None:
    from swarmlab.classhub import server

    try:
        server.find_proxy()
    except Exception as exc:
        pytest.skip(f"{exc}")
    report = tmp_path / "class.json"
    assert class_progress.main(["--students", "5", "--runs", "1", "--report", str(report)]) == 0
    said = json.loads(report.read_text())
    kinds = [(e["kind"], e.get("state") or e.get("answer")) for e in said["lesson_events"]]
    assert kinds == [("lesson", "opened"), ("attempt", "bridge"), ("attempt", "overlay"),
                     ("attempt", "swarm-worker2"), ("attempt", "3"), ("attempt", "2"), ("selfcheck", None),
                     ("lesson", "finished")]  # what the course code queued for lesson 01
    assert (said["students"], said["events_sent"], said["events_stored"]) == (5, 40, 40)
    assert said["events_lost"] == 0 and said["events_stored_not_sent"] == 0
    (one,) = said["runs"]
    assert one["rows_in_database"] == 40 and one["students_still_sending"] == 0
    assert set(said["latency_ms"]) == {"p50", "p90", "p99", "max", "mean"}
    assert "JupyterHub.api_tokens" in said["stands_in"]


def test_bad_arguments_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        class_progress.main(["--students", "0"])
    assert exc.value.code == 2 and "--students: give 1 to 2000" in capsys.readouterr().err
