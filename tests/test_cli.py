"""The console script and the cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def test_console_script_is_installed_and_answers() -> None:
    out = subprocess.run([str(BIN / "swarmlab"), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("swarmlab ")


def _expected(n: int) -> tuple[str, str]:
    """What the demo must print for n requests: computed from the default recording, not restated here."""
    from swarmlab.lab import Lab

    sample = Lab.connect("replay").sample_requests(n)
    total = int(sample.summary["count"].sum())
    return (f"{total} answered", f"largest deviation from an even share: {sample.largest_deviation:.1%}; answers that "
            f"repeated the previous backend: {sample.repeats}")


def test_demo_runs_headless() -> None:
    proc = subprocess.run([str(BIN / "swarmlab"), "demo"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() and "Traceback" not in proc.stderr
    assert "=== 13. the VIP chain" in proc.stdout and "rig-session-debian13.jsonl" in proc.stdout
    answered, spread = _expected(100)
    assert answered in proc.stdout and spread in proc.stdout


def test_demo_with_the_recorded_thousand_requests() -> None:
    proc = subprocess.run([str(BIN / "swarmlab"), "demo", "-n", "1000"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    answered, spread = _expected(1000)
    assert answered == "1000 answered" and answered in proc.stdout and spread in proc.stdout


def test_demo_full_replays_what_the_full_session_recorded_and_names_what_it_did_not() -> None:
    """The bundled rig session was recorded with `--full`: its scaling, killed task, dnsrr and published port
    replay (the walk asks the recording, not the mode); a reading it never made is said, not failed."""
    proc = subprocess.run([str(BIN / "swarmlab"), "demo", "--full", "-n", "10"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    out = proc.stdout
    assert "=== scale web to 5" in out and "docker service scale --detach=false web=5" in out
    assert "docker kill" in out and "--endpoint-mode dnsrr" in out and "ingress_sbox ipvsadm -Ln" in out
    assert "(not in this recording:" in out and "FAILED" not in out
    assert "=== scale web to 5" not in subprocess.run([str(BIN / "swarmlab"), "demo", "-n", "10"], capture_output=True,
                                                      text=True, timeout=120).stdout


def test_import_is_lazy() -> None:
    code = ("import sys, swarmlab, swarmlab.cli; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'paramiko') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _cli(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "SWARMLAB_RIG_HOME": str(tmp / "no-rig"), "SWARMLAB_HOME": str(tmp / "home")}
    env.pop("SWARMLAB_INVENTORY", None)
    return subprocess.run([str(BIN / "swarmlab"), *args], capture_output=True, text=True, timeout=60, env=env,
                          cwd=tmp)


@pytest.mark.parametrize(("args", "says"), [
    (("demo", "--recording", "nope"), "no bundled recording 'nope': give one of"),
    (("demo", "--recording", "/etc/passwd"), "not a swarmlab recording header"),
    (("replay", "missing.jsonl"), "missing.jsonl does not exist: give a file written by `swarmlab record`"),
    (("replay", "CORRUPT"), "damaged entry at line 2"),
    (("nodes", "-i", "missing.toml"), "missing.toml does not exist: give an inventory file"),
    (("nodes", "-i", "BAD_INVENTORY"), "BAD_INVENTORY"),
    (("doctor",), "no live swarm configured"),
    (("reset",), "no live swarm configured"),
    (("record", "-o", "x.jsonl"), "no live swarm configured"),
    (("rig", "ssh", "swarm-manager", "true"), "no rig is running: `swarmlab rig up` first"),
])
def test_every_user_error_is_one_line_exit_2(args: tuple[str, ...], says: str, tmp_path: Path) -> None:
    from swarmlab import recordings

    (tmp_path / "corrupt.jsonl").write_text(recordings.default().read_text().splitlines()[0] + "\n{not json\n")
    (tmp_path / "bad.toml").write_text("[[nodes]]\nname = 'a b'\nhost = 'x'\n")
    args = tuple({"CORRUPT": "corrupt.jsonl", "BAD_INVENTORY": "bad.toml"}.get(a, a) for a in args)
    says = says.replace("BAD_INVENTORY", "bad.toml")
    proc = _cli(*args, tmp=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("swarmlab: ") and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
