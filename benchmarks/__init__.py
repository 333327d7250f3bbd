"""Benchmarks: each script measures on this machine and writes its report to benchmarks/results/<name>.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"


def header(what: str, **machine: Any) -> dict[str, Any]:
    """The report's opening keys: what was measured, when, and on which machine (plus any `machine` extras)."""
    return {"what": what, "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                        "cpus": os.cpu_count(), **machine}}


def write_report(name: str, report: dict[str, Any]) -> Path:
    """Write `report` to benchmarks/results/<name>.json (pretty, newline-terminated) and return the path."""
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def update_report(name: str, section: str, value: dict[str, Any]) -> Path:
    """Set one section of benchmarks/results/<name>.json (a report several scripts fill), keeping the others."""
    path = RESULTS_DIR / f"{name}.json"
    try:
        report: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        report = {}
    report[section] = value
    return write_report(name, report)


def measure(fn: Callable[[], object], n: int, warmup: int = 2) -> dict[str, float]:
    """Call `fn` `warmup` times, then time `n` calls: median, mean, p90 and min in ms."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"n": n, "median_ms": statistics.median(samples), "mean_ms": statistics.fmean(samples),
            "p90_ms": samples[int(0.9 * (n - 1))], "min_ms": samples[0]}
