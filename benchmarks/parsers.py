"""Parser speed on large inputs: a 10,000-real-server `ipvsadm -Ln` table and a 1,000-task `docker service ps`.

Run:  ./run bench parsers      -> benchmarks/results/parsers.json
The inputs are SYNTHETIC (generated here in the exact layout of the real captures in tests/fixtures): no swarm
with 10,000 tasks exists to capture from. Aim: under 100 ms each, parse and DataFrame included.
"""

from __future__ import annotations

import statistics
import sys
import time

from benchmarks import header, write_report
from swarmlab.parsers import ipvsadm, service_ps


def ipvsadm_table(reals: int, per_service: int = 100) -> str:
    lines = ["IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags",
             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
    for i in range(reals):
        if i % per_service == 0:
            lines.append(f"FWM  {256 + i // per_service} rr")
        ip = f"10.{1 + i // 65000}.{(i // 250) % 256}.{2 + i % 250}:0"
        lines.append(f"  -> {ip:<28} Masq    1      {i % 7:<10} {i % 13}")
    return "\n".join(lines) + "\n"


def service_ps_table(tasks: int) -> str:
    header = ("ID             NAME        IMAGE                      NODE            DESIRED STATE   "
              "CURRENT STATE            ERROR     PORTS")
    rows = [header]
    for i in range(tasks):
        history = i % 10 == 9
        name = (" \\_ " if history else "") + f"web.{i // 2 + 1}"
        task_id, node = f"t{i:011d}", f"swarm-worker{i % 3}"
        rows.append(f"{task_id:<15}{name:<12}{'containous/whoami:latest':<27}{node:<16}"
                    f"{'Shutdown' if history else 'Running':<16}{'Running 47 seconds ago':<25}{'':<10}")
    return "\n".join(rows) + "\n"


def timed(fn, repeat: int = 7) -> dict[str, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2), "runs": repeat}


def main() -> int:
    big_ipvs = ipvsadm_table(10_000)
    big_ps = service_ps_table(1_000)
    assert sum(len(s.reals) for s in ipvsadm.parse(big_ipvs).services) == 10_000
    assert len(service_ps.parse(big_ps)) == 1_000
    import pandas  # noqa: F401 - imported before timing: the first DataFrame should not pay for the import

    results = {
        "ipvsadm -Ln, 10,000 real servers: parse": timed(lambda: ipvsadm.parse(big_ipvs)),
        "ipvsadm -Ln, 10,000 real servers: parse + DataFrame": timed(lambda: ipvsadm.frame(big_ipvs)),
        "docker service ps, 1,000 tasks: parse": timed(lambda: service_ps.parse(big_ps)),
        "docker service ps, 1,000 tasks: parse + DataFrame": timed(lambda: service_ps.frame(big_ps)),
    }
    report = {**header("parser speed on synthetic large inputs laid out like the real captures"),
              "aim": "under 100 ms each", "results": results}
    path = write_report("parsers", report)
    for name, r in results.items():
        print(f"{name:<58} {r['median_ms']:8.2f} ms (median of {r['runs']})")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
