"""Lab speed on the rig: 200 requests in ONE `docker exec` versus one `docker exec` per request; `lab.snapshot()`
with the Docker state read from the Engine API versus from the docker CLI, each in parallel and sequentially (all
four alternated in one run, median of 5), with the rig VM's busy CPU-seconds per snapshot (/proc/stat): what bounds
the parallel one; and the `import swarmlab` time.

Run:  ./run bench lab   (root; uses a running rig, or brings one up in its own rig home and stops it after;
      SWARMLAB_RIG_HOME picks the rig, e.g. a Debian 13 one)
Writes benchmarks/results/lab.json. Aims: >= 20x (one exec), >= 5x (API vs CLI snapshot, parallel),
>= 2.5x (API snapshot parallel vs sequential), < 0.3 s (import).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks import header, measure, write_report

N = 200
RUNS = 5
# key -> (api, parallel)
SNAPSHOTS = {"api_parallel": (True, True), "api_sequential": (True, False), "cli_parallel": (False, True),
             "cli_sequential": (False, False)}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")
    except OSError:
        return "unknown"


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import swarmlab; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return min(runs)


def main() -> int:
    os.environ.setdefault("SWARMLAB_RIG_HOME", "/var/tmp/swarmlab-rig-bench")
    from swarmlab.commands import chapter as c
    from swarmlab.inventory import load
    from swarmlab.lab import Lab
    from swarmlab.rig import vm
    from swarmlab.transport import SSHTransport
    from swarmlab.transport.shell import SHELLS

    load_before = round(os.getloadavg()[0], 2)  # other VMs on the same 2 cores slow everything: say how busy
    started_here = vm.running() is None
    inv = vm.up(print) if started_here else load(vm.inventory_file())
    try:
        with Lab.connect(mode="live", inventory=inv) as lab:
            lab.create_services()
            node, container = lab.client_container()
            t = lab.transport
            one_runs = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                one = lab.requests(N)
                one_runs.append(time.perf_counter() - t0)
                assert len(one.value) == N and all(a.ok for a in one.value)
            one_exec_s = statistics.median(one_runs)
            per = 20  # one exec per request is slow: measure 20 and scale
            t0 = time.perf_counter()
            for _ in range(per):
                r = t.run(node, c.exec_in(container, "timeout 5 wget -qO- http://web/"), timeout=60)
                assert "Hostname:" in r.stdout
            per_exec_s = (time.perf_counter() - t0) / per * N
            for api in (True, False):  # warm connections, shells and API channels on every node
                lab.snapshot(parallel=True, api=api)
                lab.snapshot(parallel=False, api=api)
            def vm_busy_s() -> float:
                """CPU-seconds the rig VM has spent not idle since boot (/proc/stat, USER_HZ 100)."""
                v = [int(x) for x in t.run("rig", "head -n 1 /proc/stat", timeout=30).stdout.split()[1:]]
                return (sum(v) - v[3] - v[4]) / 100

            b0, t0 = vm_busy_s(), time.perf_counter()
            time.sleep(5)
            vm_background = (vm_busy_s() - b0) / (time.perf_counter() - t0)  # the three dockerds etc., idle
            snap_runs: dict[str, list[float]] = {k: [] for k in SNAPSHOTS}
            snap_busy: dict[str, list[float]] = {k: [] for k in SNAPSHOTS}
            for _ in range(RUNS):  # alternated, so that a slow moment of the VM hits all four
                for key, (api, parallel) in SNAPSHOTS.items():
                    b0 = vm_busy_s()
                    t0 = time.perf_counter()
                    snap = lab.snapshot(parallel=parallel, api=api)
                    snap_runs[key].append(time.perf_counter() - t0)
                    snap_busy[key].append(vm_busy_s() - b0)
                    failed = [f"{n}/{k}" for n, st in snap.items() for k, r in st.items() if r.error is not None]
                    assert not failed, f"snapshot {key}: {failed}"
            snap_s = {k: statistics.median(v) for k, v in snap_runs.items()}
            nodes = len(lab.swarm_nodes)
            vm_cpus = t.run("rig", "nproc", timeout=30).stdout.strip()
        per_command_ms = {}  # `true` on a node through the jump: what every lab step pays before its own work
        for shell in SHELLS:
            with SSHTransport(inv, known_hosts=inv.extra.get("known_hosts"), shell=shell) as tr:
                per_command_ms[shell] = round(measure(lambda t=tr: t.run("swarm-manager", "true"), 30)["median_ms"], 1)
    finally:
        if started_here:
            vm.down(print)
    report = {
        **header("lab speed on swarmlab rig (tcg VM, 3 nodes), and import time"),
        f"{N}_requests_one_exec_s": round(one_exec_s, 2),
        f"{N}_requests_exec_per_request_s": round(per_exec_s, 2),
        "exec_per_request_measured_on": per,
        "runs": RUNS, "statistic": "median",
        "one_exec_runs_s": [round(x, 2) for x in one_runs],
        "one_exec_speedup": round(per_exec_s / one_exec_s, 1),
        "load_average_before_after": [load_before, round(os.getloadavg()[0], 2)],
        "snapshot_nodes": nodes,
        "snapshot_cpu": {"host_cpus": os.cpu_count(), "host_cpu_model": cpu_model(), "vm_vcpus": vm_cpus,
                         "vm_accel": "tcg (software emulation): the three nodes share the VM's vCPUs"},
        "snapshot_runs_s": {k: [round(x, 2) for x in v] for k, v in snap_runs.items()},
        "snapshot_s": {k: round(v, 2) for k, v in snap_s.items()},
        "snapshot_api_vs_cli_parallel": round(snap_s["cli_parallel"] / snap_s["api_parallel"], 2),
        "snapshot_api_vs_cli_sequential": round(snap_s["cli_sequential"] / snap_s["api_sequential"], 2),
        "snapshot_api_parallel_vs_sequential": round(snap_s["api_sequential"] / snap_s["api_parallel"], 2),
        "snapshot_cli_parallel_vs_sequential": round(snap_s["cli_sequential"] / snap_s["cli_parallel"], 2),
        "snapshot_vm_busy_cpu_s": {k: round(statistics.median(v), 2) for k, v in snap_busy.items()},
        "vm_background_busy_cpu_s_per_s": round(vm_background, 3),
        # the VM's vCPUs run the three nodes' work: a parallel snapshot cannot take less than its CPU-seconds
        # spread over them, whatever the lab does; the ratio that allows (the reading of /proc/stat itself, one
        # command through the jump host, is inside each window: it makes the bound a little lower than true)
        "snapshot_api_parallel_vs_sequential_bound": round(
            snap_s["api_sequential"] / (statistics.median(snap_busy["api_sequential"]) / int(vm_cpus)), 2),
        "fast_path_true_on_a_node_ms": {"bash (auto)": per_command_ms["auto"], "sh + setsid": per_command_ms["sh"]},
        "import_swarmlab_s": round(import_time(), 4),
        "aims": {"one_exec_speedup": ">= 20", "snapshot_api_vs_cli_parallel": ">= 5",
                 "snapshot_api_parallel_vs_sequential": ">= 2.5", "import_swarmlab_s": "< 0.3"},
    }
    path = write_report("lab", report)
    print(json.dumps(report, indent=2))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
