"""The class benchmarks. benchmarks/class_progress.py in its small mode: 5 students send lesson 01's events through a
real JupyterHub (its proxy and token check) to the real progress service; every event stored once, none lost. No
timing asserts: the 300-student numbers are benchmarks/results/class.json (`./run bench class_progress`).
benchmarks/class_rig.py needs a rig of its own: here only its guard (never the test rigs' home) and its arithmetic."""

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
    assert class_progress.main(["--students", "5", "--runs", "1", "--paced", "0", "--report", str(report)]) == 0
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


@pytest.mark.parametrize("home", [None, "/var/tmp/swarmlab-test-rig", "/var/tmp/swarmlab-test-rig-d13/",
                                  "/var/tmp/./swarmlab-test-rig", "/var/tmp/swarmlab-test-rig-other"])
def test_the_rig_benchmark_never_uses_the_test_rigs_home(home: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import class_rig

    def went_on(*args: object) -> None:
        raise AssertionError("the benchmark went on in the test rigs' home")

    monkeypatch.setattr(class_rig, "jupyterlab_rss", went_on)  # the first thing it does after the check
    if home is None:
        monkeypatch.delenv("SWARMLAB_RIG_HOME", raising=False)
    else:
        monkeypatch.setenv("SWARMLAB_RIG_HOME", home)
    with pytest.raises(SystemExit, match="set SWARMLAB_RIG_HOME to a rig home of this benchmark's own"):
        class_rig.main([])


@pytest.mark.parametrize("root", ["/var/tmp/swarmlab-test-rig", "/var/tmp/swarmlab-test-rig-d13/x", "/var/tmp",
                                  "/var/tmp/swarmlab-test-class-rig", "/"])
def test_the_provider_benchmark_never_uses_the_test_rigs_home(root: str) -> None:
    from benchmarks import class_rig_provider

    with pytest.raises(SystemExit, match="give a rig root of this benchmark's own"):
        class_rig_provider.main(["--root", root])


def test_the_provider_benchmarks_own_root_is_accepted() -> None:
    from benchmarks import class_rig_provider

    assert class_rig_provider.check_root(class_rig_provider.ROOT) == Path(class_rig_provider.ROOT)


def test_students_per_host_from_the_measured_figures() -> None:
    from benchmarks.class_rig import carry

    rig = {"vm_memory_mib": 4096, "lesson_01_live": {"rss_mb_max": 2000.0, "cpu_cores_mean": 0.7,
                                                     "kernel_rss_mb_max": 150.0, "loadavg_1min": [5.0, 7.0]},
           "idle_after_lesson": {"rss_mb_max": 2100.0, "rss_mb_at_end": 2100.0, "cpu_cores_mean": 0.2}}
    said = carry(rig, {"jupyterlab_server_rss_mb": 90.0}, overhead_mb=1500.0, ram_mb=24000.0)
    assert said["per_student_memory_mb"] == 2340  # the VM's peak (after the lesson) + server + kernel
    assert (said["swarms_up_by_memory"], said["swarms_up_by_idle_cpu_alone"]) == (9, 10)  # 2 cores hold ten 0.2s
    # (n - k) * 0.2 + k * 0.7 <= 2: one lesson running -> 7 up, two -> 5
    assert said["swarms_up_with_k_running_a_lesson"] == {1: 7, 2: 5} and said["students"] == 7
    assert "7 swarms up with one lesson running at a time, 5 with two at once" in said["reasoning"]
    assert "about 7 students with their own swarm, CPU being the limit" in said["reasoning"]
    lots = carry(rig, {"jupyterlab_server_rss_mb": 90.0}, overhead_mb=1500.0, ram_mb=12000.0)
    assert lots["swarms_up_with_k_running_a_lesson"] == {1: 4, 2: 4}  # memory the limit: 10500 MiB / 2340
    assert "about 4 students with their own swarm, memory being the limit" in lots["reasoning"]
