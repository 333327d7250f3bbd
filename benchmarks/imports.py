"""What importing swarmlab costs, beside what importing pandas costs (each in a fresh interpreter, median of 7):
`import swarmlab` (the CLI's start), `import swarmlab.lab` (what a replaying notebook imports first: no paramiko,
no cryptography, no pandas) and `import pandas` for scale. Writes benchmarks/results/imports.json.

    ./run bench imports
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from benchmarks import header, write_report

RUNS = 7
MODULES = ("swarmlab", "swarmlab.lab", "swarmlab.magic", "pandas")
AIMS = {"swarmlab": 0.3, "swarmlab.lab": 0.15}


def seconds(module: str) -> tuple[float, list[str]]:
    code = ("import sys, time; t = time.perf_counter(); import " + module + "; d = time.perf_counter() - t; "
            "print(d); print(','.join(m for m in ('paramiko', 'cryptography', 'pandas') if m in sys.modules))")
    runs, loaded = [], []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        runs.append(float(out[0]))
        loaded = out[1].split(",") if len(out) > 1 else []
    return statistics.median(runs), loaded


def main() -> int:
    report = header("import times, median of 7 fresh interpreters", load_average=os.getloadavg()[0])
    for module in MODULES:
        median, loaded = seconds(module)
        report[module] = {"median_s": round(median, 4), "also_loads": loaded,
                          **({"aim_s": AIMS[module]} if module in AIMS else {})}
        also = ", ".join(loaded) or "none of paramiko, cryptography, pandas"
        print(f"import {module}: {median * 1000:.0f} ms (loads {also})")
    write_report("imports", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
