"""The console script and the cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_console_script_is_installed_and_answers() -> None:
    out = subprocess.run([str(BIN / "swarmlab"), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("swarmlab ")


def test_demo_runs_headless() -> None:
    proc = subprocess.run([str(BIN / "swarmlab"), "demo"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() and "Traceback" not in proc.stderr
    assert "=== 13. the VIP chain" in proc.stdout
    assert "largest deviation from an even share: 0.0%; answers that repeated the previous backend: 0" in proc.stdout


def test_demo_with_the_recorded_thousand_requests() -> None:
    proc = subprocess.run([str(BIN / "swarmlab"), "demo", "-n", "1000"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1000 answered" in proc.stdout and "repeated the previous backend: 21" in proc.stdout


def test_import_is_lazy() -> None:
    code = ("import sys, swarmlab, swarmlab.cli; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'paramiko') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
