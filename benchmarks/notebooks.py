"""Every lesson in both languages executed in replay (nbclient; a kernel each, two at a time): the wall time of the
whole course and each lesson's own time. tests/test_notebooks.py writes the same report from its run.

Run:  ./run bench notebooks
Writes benchmarks/results/notebooks.json. Aim: all lessons in both languages in under 90 s together.
"""

from __future__ import annotations

import os
import time
from typing import Any

from benchmarks import header, write_report

AIM_S = 90.0
WORKERS = 2


def report(seconds: dict[str, float], wall_s: float, failed: list[str], workers: int = WORKERS) -> dict[str, Any]:
    load = [round(x, 2) for x in os.getloadavg()]
    return {**header("every lesson in both languages executed top to bottom in replay (nbclient, a kernel per "
                     f"lesson, {workers} at a time), seconds", load_average_1_5_15=load),
            "total_s": wall_s, "aim": f"total < {AIM_S:.0f} s", "met": wall_s < AIM_S and not failed,
            "kernel_s": round(sum(seconds.values()), 2), "lessons": len(seconds), "failed": sorted(failed),
            "notebooks": seconds}


def main() -> int:
    from swarmlab.testing.notebooks import execute_all, notebooks

    os.environ["SWARMLAB_MODE"] = "replay"
    os.environ.pop("MPLBACKEND", None)
    t0 = time.perf_counter()
    _, seconds, failed = execute_all(notebooks(), workers=WORKERS)
    result = report(seconds, round(time.perf_counter() - t0, 2), list(failed))
    path = write_report("notebooks", result)
    print(f"{path}: {result['total_s']} s for {result['lessons']} lessons (aim < {AIM_S:.0f} s); "
          f"failed: {result['failed'] or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
