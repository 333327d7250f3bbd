"""Two students' swarms booted at once through the class's `rig` provider: a real hub (`swarmlab class start`), two
students spawning their servers at the same moment, so two provider rigs boot side by side on this host. Per
student: the hub's spawn request -> the provider's rig booted (its `up` done, the rig given a key of its own) -> the
server ready with its inventory (SWARMLAB_INVENTORY naming the copy in the student's home) -> `swarmlab doctor` on
that inventory, from a kernel of the student's own server, with every check passing. Then both qemu processes'
real RSS and CPU while idle, the load average, and `swarmlab class stop`: both rigs must be stopped after it.

Run:  ./run bench class_rig_provider   (root; ~10-20 minutes under software emulation; TWO rig VMs of 4 GiB each,
in /var/tmp/swarmlab-bench-classrig only: its `base` gets the Debian 12 image copied once with `cp -a` from the
Debian 12 test rig's home, which is only read; each student's rig home is under `homes`). Writes the section
"rig_provider_spawn" of benchmarks/results/class.json (other sections kept). If the two rigs cannot both come up,
the section says why (the hub's and the rig's own last lines) instead of times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import header, update_report
from benchmarks.class_rig import TEST_HOMES, Sampler, _mb, other_vms

ROOT = "/var/tmp/swarmlab-bench-classrig"
TESTS_PREFIX = "/var/tmp/swarmlab-test-"  # every test rig home (rig, rig-d13, class-rig, vagrant...)
SOURCE = "/var/tmp/swarmlab-test-rig"  # the Debian 12 test rig's home: its image is copied, nothing else touched
STUDENTS = ("swlb-ann", "swlb-bob")
TEACH = "swlb-teach"
SPAWN_TIMEOUT = 1800.0
DOCTOR_TIMEOUT = 600.0


def _memory_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return _mb(int(line.split()[1]))
    return 0.0


def _last_line(path: Path, needle: str = "") -> str:
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip() and needle in x]
    except OSError:
        return f"no {path.name}"
    return lines[-1][-300:] if lines else f"nothing in {path.name}"


def check_root(root: str) -> Path:
    """The benchmark's rig root: never the test rigs' homes (nor inside them)."""
    real = os.path.realpath(root)
    if real.startswith((TEST_HOMES, TESTS_PREFIX)) or os.path.realpath(SOURCE).startswith(real.rstrip("/") + "/"):
        raise SystemExit(f"--root {root}: give a rig root of this benchmark's own (default {ROOT}), never the test "
                         "rigs' homes")
    return Path(real)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="two students' rigs booted at once through the class's rig provider")
    ap.add_argument("--root", default=ROOT, help=f"the rig root: base/ and homes/ (default {ROOT})")
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of the idle RSS/CPU sample (default 60)")
    args = ap.parse_args(argv)
    root = check_root(args.root)
    if os.geteuid() != 0:
        raise SystemExit("the class hub needs root (system accounts, servers started as each student): run it as root")
    from swarmlab.classhub import rigs, server
    from swarmlab.testing import classhub
    from swarmlab.testing.rig import rig_unavailable_reason

    reason = rig_unavailable_reason()
    if reason:
        raise SystemExit(f"no rig on this machine: {reason}")

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    base = classhub.rig_base(root / "base", Path(SOURCE))
    settings = rigs.RigSettings(base, root / "homes")
    users = [TEACH, *STUDENTS]
    for student in STUDENTS:
        rigs.halt(settings, student)  # a run killed before its end
    classhub.remove_accounts(users)
    text = (f'name = "swlb"\nlanguage = "en"\nprovider = "rig"\ninstructors = ["{TEACH}"]\n'
            f"students = {json.dumps(list(STUDENTS))}\n")
    tables = f'[rig]\nbase = "{base}"\nhomes = "{root / "homes"}"\n'
    result: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {s: {} for s in STUDENTS}
    load0, mem0, others_before = os.getloadavg(), _memory_available_mb(), other_vms(None)
    progress(f"load average {load0}, {mem0:.0f} MiB available, other VMs: {others_before or 'none'}")
    stop_said: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="swarmlab-bench-classrig-") as tmp, \
                classhub.running_class(Path(tmp), text, users, tables=tables) as hub:
            clients = {}
            for student in STUDENTS:
                client = classhub.HubClient(hub.url)
                if client.login(student, hub.passwords[student]).status_code != 302:
                    raise SystemExit(f"{student} could not log in to the hub: see {hub.folder / 'hub.log'}")
                client.new_token(student)
                clients[student] = client
                settings.home(student).joinpath("up.log").unlink(missing_ok=True)  # its mtime: the boot's end
            starts: dict[str, float] = {}

            def spawn(student: str) -> None:  # the hub holds each request up to 10 s (slow_spawn_timeout): threads
                starts[student] = time.time()
                code = clients[student].form_post(f"/hub/api/users/{student}/server").status_code
                per[student]["spawn_request_status"] = code

            posts = [threading.Thread(target=spawn, args=(s,)) for s in STUDENTS]
            for t in posts:
                t.start()
            for t in posts:
                t.join()
            result["spawn_requests_apart_s"] = round(starts[STUDENTS[1]] - starts[STUDENTS[0]], 2)
            progress("both spawn requests sent")
            threads = []

            def doctor(student: str) -> None:  # as soon as that student's server is ready, the other still booting
                t = threading.Thread(target=_doctor, args=(hub, clients[student], student, starts[student],
                                                           per[student], progress))
                t.start()
                threads.append(t)

            _wait_ready(hub, clients, settings, starts, per, progress, doctor)
            for t in threads:
                t.join()
            pids = {s: json.loads((settings.home(s) / "run" / "state.json").read_text())["pid"] for s in STUDENTS
                    if classhub.qemu_alive(settings.home(s))}
            for s in pids:
                t = json.loads((settings.home(s) / "run" / "timings.json").read_text())
                per[s]["rig_parts_s"] = {"boot_to_ssh": t["boot_to_ssh_s"], "nodes_ready": t["nodes_ready_s"],
                                         "swarm": t["swarm_s"]}
            if pids:
                samplers = {s: Sampler(pid) for s, pid in pids.items()}
                with contextlib.ExitStack() as both:  # both rigs sampled over the same window
                    for sampler in samplers.values():
                        both.enter_context(sampler)
                    time.sleep(args.idle)
                for s, sampler in samplers.items():
                    per[s]["qemu_idle_after_green"] = sampler.report()
                progress("idle RSS: " + ", ".join(f"{s} {per[s]['qemu_idle_after_green']['rss_mb_max']:.0f} MiB"
                                                  for s in pids))
            result["other_vms_on_this_machine_before_stop"] = other_vms(None)
            t_stop = time.monotonic()
            server.stop(hub.cf, progress=stop_said.append)
            result["class_stop"] = {
                "seconds": round(time.monotonic() - t_stop, 1), "said": stop_said,
                "rigs_running_after": [s for s in STUDENTS if classhub.qemu_alive(settings.home(s))
                                       or rigs.is_up(settings, s)],
                "rigs_stopped_by": "class stop itself (a rig the hub's post-stop hook left)"
                if any("rig(s) left running stopped" in m for m in stop_said)
                else "the hub's post-stop hooks (each server stopped by the hub at its shutdown)"}
            progress(f"class stop: {result['class_stop']}")
    finally:
        for student in STUDENTS:  # whatever happened, no VM of this benchmark left running
            rigs.halt(settings, student)
    ok = all("doctor_green_s" in per[s] for s in STUDENTS) and not result["class_stop"]["rigs_running_after"]
    section = {
        **header("two students' rigs booted at once through the class's rig provider: a real hub, both servers "
                 "spawned at the same moment; per student the hub's spawn request to the rig booted, the server "
                 "ready with its inventory and `swarmlab doctor` green from a kernel of that server; qemu's real RSS "
                 "of both; then `swarmlab class stop`", loadavg_at_start=[round(x, 2) for x in load0],
                 memory_available_mb_at_start=mem0),
        "students_at_once": len(STUDENTS),
        "vm_memory_mib": settings.memory,
        "both_green": ok,
        "per_student": per,
        **result,
        "other_vms_on_this_machine_at_start": others_before,
        "times_are": ("seconds from that student's spawn request (a POST to the hub's REST API with their "
                      "login session, both sent at once from two threads): rig_booted_s when the provider's `up` "
                      "child ended (boot, nodes, swarm, the rig's own key: its up.log written), server_ready_s "
                      "when the hub says the server is ready (its environment then names the inventory copy in "
                      "the student's home: checked), doctor_started_s when the first doctor cell was sent (at once: "
                      "each student's as soon as their own server is ready), doctor_green_s when a cell in a kernel "
                      "of the student's own server ran `swarmlab doctor` on that inventory with every check "
                      "passing"),
        "memory_is": "qemu's VmRSS from /proc/PID/status, sampled each second while both rigs idle after green",
    }
    path = update_report("class", "rig_provider_spawn", section)
    print(json.dumps(section, indent=2))
    print(f"written to {path}")
    return 0 if ok else 1


def _wait_ready(hub: Any, clients: dict[str, Any], settings: Any, starts: dict[str, float],
                per: dict[str, dict[str, Any]], progress: Any, ready: Any) -> None:
    """Poll the hub (and each rig home) until both servers are ready or one has failed; `ready(student)` is called
    the moment a student's server is."""
    from swarmlab.classhub import pool
    from swarmlab.testing import classhub

    pending = set(STUDENTS)
    deadline = time.monotonic() + SPAWN_TIMEOUT
    loads = []
    while pending and time.monotonic() < deadline:
        loads.append(os.getloadavg()[0])
        for s in sorted(pending):
            log = settings.home(s) / "up.log"
            if "rig_booted_s" not in per[s] and log.exists():
                per[s]["rig_booted_s"] = round(log.stat().st_mtime - starts[s], 1)
                progress(f"{s}: rig booted {per[s]['rig_booted_s']} s after the spawn request")
            r = clients[s].api("GET", f"/hub/api/users/{s}")
            server = (r.json().get("servers") or {}).get("", None) if r.status_code == 200 else None
            if server and server.get("ready"):
                per[s]["server_ready_s"] = round(time.time() - starts[s], 1)
                (pid,) = [p for p, cmd in classhub.processes_of(s) if "jupyterhub.singleuser" in cmd]
                env = classhub.environ_of(pid)
                copy = pool.copy_path(s)
                per[s]["server_has_inventory"] = env.get("SWARMLAB_INVENTORY") == str(copy) and copy.is_file()
                progress(f"{s}: server ready {per[s]['server_ready_s']} s after the spawn request")
                pending.discard(s)
                ready(s)
            elif server is None and time.time() - starts[s] > 15:  # the spawn failed: the hub dropped the server
                per[s]["failed"] = (f"the spawn failed: hub.log: {_last_line(hub.folder / 'hub.log', s)}; up.log: "
                                    f"{_last_line(settings.home(s) / 'up.log')}")
                progress(f"{s}: {per[s]['failed']}")
                pending.discard(s)
        time.sleep(1)
    for s in pending:
        per[s]["failed"] = f"not ready within {SPAWN_TIMEOUT:.0f} s: {_last_line(hub.folder / 'hub.log', s)}"
    if loads:
        per_load = {"loadavg_1min_while_spawning": {"min": round(min(loads), 2), "max": round(max(loads), 2)}}
        for s in STUDENTS:
            per[s].update(per_load)


def _doctor(hub: Any, client: Any, student: str, start: float, out: dict[str, Any], progress: Any) -> None:
    """`swarmlab doctor` on the server's inventory, from a kernel of the student's own server, until green."""
    from swarmlab.testing import classhub

    deadline = time.monotonic() + DOCTOR_TIMEOUT
    runs = 0
    out["doctor_started_s"] = round(time.time() - start, 1)
    while True:
        runs += 1
        try:
            said = json.loads(classhub.run_in_kernel(hub.url, student, client.token or "", classhub.DOCTOR_CELL,
                                                     timeout=300))
        except Exception as exc:  # reported, not raised: the other student's figures still count
            said = {"failed": [f"the cell: {type(exc).__name__}: {str(exc)[:200]}"], "passed": 0}
        if not said["failed"]:
            out["doctor_green_s"] = round(time.time() - start, 1)
            out["doctor_checks_passed"] = said["passed"]
            words = said.get("nodes") or []
            out["nodes"] = [" ".join(words[i:i + 2]) for i in range(0, len(words), 2)]  # "name Status"
            out["doctor_runs"] = runs
            progress(f"{student}: doctor green ({said['passed']} checks) {out['doctor_green_s']} s after the spawn "
                     "request")
            return
        if time.monotonic() > deadline:
            out["doctor_failed"] = said["failed"]
            out["doctor_runs"] = runs
            progress(f"{student}: doctor not green: {said['failed']}")
            return
        time.sleep(5)


if __name__ == "__main__":
    sys.exit(main())
