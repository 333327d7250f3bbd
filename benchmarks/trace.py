"""One request followed packet by packet (`lab.trace_request("web")`) on the live rig, median of 3, with the time of
each phase: the lookups (where to listen), starting the captures (in parallel), the one request, stopping them,
the kernel's tables, following the packets. Writes benchmarks/results/trace.json.

    SWARMLAB_RIG_HOME=/var/tmp/swarmlab-rig-d13 ./run bench trace     # a rig must be up (`swarmlab rig up`)
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from benchmarks import header, write_report

RUNS = 3


def main() -> int:
    from swarmlab.lab import Lab

    with Lab.connect("live") as lab:
        lab.create_services()
        runs, phases = [], []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            trace = lab.trace_request("web")
            runs.append(time.perf_counter() - t0)
            phases.append(trace.seconds)
            assert trace.ok, trace.checks_frame().to_string()
        nodes = len(lab.swarm_nodes)
        points = len(trace.points)
        source = lab.label
    median = statistics.median(runs)
    report = header("one traced request on the rig, median of 3", load_average=os.getloadavg()[0])
    report.update({"where": source, "nodes": nodes, "capture_points": points, "median_s": round(median, 2),
                   "runs_s": [round(r, 2) for r in runs],
                   "phases_median_s": {k: round(statistics.median(p[k] for p in phases), 2) for k in phases[0]}})
    print(f"one trace: {median:.1f} s (median of {RUNS}; {points} capture points on {nodes} nodes); phases: "
          + ", ".join(f"{k} {v} s" for k, v in report["phases_median_s"].items()))
    write_report("trace", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
