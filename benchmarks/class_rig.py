"""What one student's swarm costs a class host, measured on one rig: spawn to doctor-green, the qemu process's real
memory (RSS from /proc, not the 4 GiB it is given) and CPU, idle and while lesson 01 runs live; what a student's
JupyterLab server costs; and from those, how many students one host of this kind carries.

Run:  SWARMLAB_RIG_HOME=/var/tmp/bench-rig ./run bench class_rig   (root; ~10 minutes; brings up ONE rig in that
rig home and stops it at the end; never run it in the test rigs' homes; copy an image in to skip the build:
`mkdir -p /var/tmp/bench-rig && cp -a /var/tmp/swarmlab-test-rig/{images,accel,debian} /var/tmp/bench-rig/`).
`--recompute`: only students_per_host again from the measured sections (no rig). Writes the sections "rig_per_student",
"jupyterlab_per_student" and "students_per_host" of benchmarks/results/class.json (other sections kept).

"Spawn" here is the rig's own `up` (boot, nodes, swarm) and then `swarmlab doctor` until every check passes, one
rig alone; what the class's `rig` provider adds (the hub's spawn of the student's server, a rig home per student,
the inventory handed to the server), with two students' rigs booting at once, is measured by
benchmarks/class_rig_provider.py (section "rig_provider_spawn").
Other VMs may run on this machine at the same time (other sessions' rigs): the report names them and the load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import RESULTS_DIR, header, update_report

TEST_HOMES = "/var/tmp/swarmlab-test-rig"  # the suite's rig homes (Debian 12, -d13) all begin so
IDLE_S = 60.0
SETTLE_S = 20.0
HOST_CORES = 2
OVERHEAD_MB = 1500.0  # the OS and the class's own processes (hub, proxy, progress service): assumed
SPAWN_IS = ("`swarmlab rig up` (the image already built: copied into this rig home) to the first `swarmlab doctor` "
            "with every check passing, one rig alone; the hub's spawn of the student's server and the provider's "
            "hand-over of the inventory are not in this time: through the class's rig provider, two students at "
            "once, see section rig_provider_spawn (benchmarks/class_rig_provider.py)")


def host_ram_mb() -> float:
    """This host's RAM (MemTotal), MiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no MemTotal in /proc/meminfo")


def _status(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile, RssShmem of a process, in kB (from /proc/PID/status)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _colon, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(rest.split()[0])
    return out


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mb(kb: float) -> float:
    return round(kb / 1024, 1)


def other_vms(own: int | None) -> list[str]:
    """The other qemu processes on this machine: pid, name (-name) or overlay disk, real RSS."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != own:
            try:
                cmd = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0")]
                if not cmd[0].endswith("qemu-system-x86_64"):
                    continue
                rss = _mb(_status(int(entry.name))["VmRSS"])
            except (OSError, KeyError):
                continue
            name = cmd[cmd.index("-name") + 1].split(",")[0] if "-name" in cmd else \
                next((a.split("file=")[-1].split(",")[0] for a in cmd if "overlay.qcow2" in a), "")
            found.append(f"pid {entry.name} {name} rss {rss:.0f} MiB".replace("  ", " "))
    return found


def _kernels() -> list[int]:
    """This process's ipykernel children (the kernel nbclient runs a lesson in)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == os.getpid() and b"ipykernel" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


class Sampler:
    """Samples a process's RSS every second (in a thread) and its CPU time between start and stop."""

    def __init__(self, pid: int, kernels: bool = False) -> None:
        self.pid = pid
        self.rss: list[int] = []
        self.kernels = kernels  # also sample the RSS of this process's ipykernel children (nbclient's kernel)
        self.kernel_rss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.rss.append(_status(self.pid)["VmRSS"])
            if self.kernels:
                self.kernel_rss += [_status(k)["VmRSS"] for k in _kernels()]
            self._stop.wait(1.0)

    def __enter__(self) -> Sampler:
        self.t0, self.cpu0, self.load0 = time.monotonic(), _cpu_s(self.pid), os.getloadavg()[0]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self.t0
        self.cores = (_cpu_s(self.pid) - self.cpu0) / self.seconds
        self.load1 = os.getloadavg()[0]

    def report(self) -> dict[str, Any]:
        last = _status(self.pid)
        kernel = {"kernel_rss_mb_max": _mb(max(self.kernel_rss))} if self.kernel_rss else {}
        return {**kernel, "seconds": round(self.seconds, 1), "rss_mb_min": _mb(min(self.rss)),
                "rss_mb_max": _mb(max(self.rss)),
                "rss_mb_at_end": _mb(last["VmRSS"]),
                "rss_at_end_mb": {k: _mb(v) for k, v in last.items() if k != "VmRSS"},
                "cpu_cores_mean": round(self.cores, 3),
                "loadavg_1min": [round(self.load0, 2), round(self.load1, 2)]}


def jupyterlab_rss() -> dict[str, Any]:
    """A student's JupyterLab server (`jupyter lab`, as jupyterhub-singleuser runs it): its RSS after start-up."""
    from swarmlab.ports import free_port

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="swarmlab-bench-lab-") as home:
        env = {**os.environ, "HOME": home, "JUPYTER_RUNTIME_DIR": f"{home}/rt", "IPYTHONDIR": f"{home}/ipy"}
        lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1",
                                "--port", str(port), "--IdentityProvider.token=bench", "--ServerApp.root_dir", home,
                                *(["--allow-root"] if os.geteuid() == 0 else [])],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=home)
        try:
            base = f"http://127.0.0.1:{port}/api"
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/status?token=bench", timeout=2):  # loopback, our own
                        break
                except OSError:
                    if time.monotonic() > deadline or lab.poll() is not None:
                        raise SystemExit("JupyterLab did not start") from None
                    time.sleep(0.5)
            time.sleep(3)
            return {"jupyterlab_server_rss_mb": _mb(_status(lab.pid)["VmRSS"]),
                    "how": "`python -m jupyterlab` on loopback (the server jupyterhub-singleuser wraps), its RSS 3 s "
                           "after it answers; the kernel's: lesson_01_live.kernel_rss_mb_max (section "
                           "rig_per_student)"}
        finally:
            lab.terminate()
            lab.wait(timeout=30)


def _fits(room: float, each: float) -> int:
    """How many `each` fit in `room` (2 cores hold ten of 0.2: floor division of floats says nine)."""
    return int(room / each + 1e-9)


def carry(rig: dict[str, Any], lab: dict[str, Any], overhead_mb: float, ram_mb: float) -> dict[str, Any]:
    """How many students one host like this one (2 cores, `ram_mb` of RAM, no KVM) carries, from the figures."""
    live, after = rig["lesson_01_live"], rig["idle_after_lesson"]
    vm_mb = max(live["rss_mb_max"], after["rss_mb_max"])
    kernel_mb = live.get("kernel_rss_mb_max", 0.0)
    per_student_mb = vm_mb + lab["jupyterlab_server_rss_mb"] + kernel_mb
    usable_mb = ram_mb - overhead_mb
    by_memory = _fits(usable_mb, per_student_mb)
    idle, busy = after["cpu_cores_mean"], live["cpu_cores_mean"]
    by_idle_cpu = _fits(HOST_CORES, idle) if idle > 0 else by_memory
    # n swarms up, k of them running a lesson: (n - k) * idle + k * busy <= cores, and n within memory
    up_with = {k: min(by_memory, k + _fits(HOST_CORES - k * busy, idle) if idle > 0 else by_memory)
               for k in range(1, _fits(HOST_CORES, busy) + 1)} if busy > 0 else {}
    one = up_with.get(1, 0)
    two = up_with.get(2)
    load = live["loadavg_1min"]
    limit = "memory" if one >= by_memory else "CPU"
    return {
        "host": f"{HOST_CORES} cores, {ram_mb / 1024:.1f} GiB RAM (MemTotal), no KVM (software emulation, tcg)",
        "per_student_memory_mb": round(per_student_mb),
        "memory_for_students_mb": round(usable_mb),
        "swarms_up_by_memory": by_memory,
        "swarms_up_by_idle_cpu_alone": by_idle_cpu,
        "swarms_up_with_k_running_a_lesson": up_with,
        "students": one,
        "students_are": "swarms kept up on one host with one of them running a lesson at the measured pace",
        "reasoning": " ".join([
            f"Memory: a student's swarm is one qemu whose real RSS reached {vm_mb:.0f} MiB (of the",
            f"{rig['vm_memory_mib']} MiB it is given) with lesson 01 run live, and was",
            f"{after['rss_mb_at_end']:.0f} MiB a minute after it (the rig's qemu has no balloon device: memory the",
            "guest has touched stays with qemu, so the peak is what each swarm keeps); plus the student's",
            f"JupyterLab server ({lab['jupyterlab_server_rss_mb']:.0f} MiB) and kernel ({kernel_mb:.0f} MiB at its",
            f"peak during the lesson): ~{per_student_mb:.0f} MiB a student. The host's {ram_mb:.0f} MiB less",
            f"~{overhead_mb:.0f} MiB for the OS, the hub, the proxy and the progress service hold {by_memory} of",
            "them. CPU: without KVM every guest instruction is emulated; an idle swarm (lesson 01's services left",
            f"running) still costs {idle:.2f} of a core ({by_idle_cpu} idle swarms would fill the 2 cores doing",
            f"nothing), and a swarm running lesson 01 took {busy:.2f} cores on average over the lesson (measured",
            f"at load average {load[0]:.0f}-{load[1]:.0f} with other VMs running; on a quiet host it would likely",
            "take more and finish sooner: not measured). With n swarms up and k running a lesson, (n - k) x",
            f"{idle:.2f} + k x {busy:.2f} must stay within 2 cores: {one} swarms up with one lesson running at a time"
            + (f", {two} with two at once" if two else "") + f"; memory alone would allow {by_memory}. So one",
            f"host of this kind carries about {one} students with their own swarm, {limit} being the limit, and only",
            "one or two of them working at the same moment at this pace; more share the 2 cores and every command",
            "slows in proportion. With idle culling (jupyterhub-idle-culler stopping an idle student's rig) it",
            "serves the students working now, not the roster. A class of 300 with a swarm each needs KVM hosts",
            "(Kata or KubeVirt, item 3) or the replay provider; what a KVM host carries is not measured (no KVM",
            "here)."]),
    }


def recompute(path: Path, overhead_mb: float) -> dict[str, Any]:
    """students_per_host again from the measured sections of class.json (no rig)."""
    report = json.loads(path.read_text())
    return carry(report["rig_per_student"], report["jupyterlab_per_student"], overhead_mb, host_ram_mb())


def _per_host(figures: dict[str, Any]) -> dict[str, Any]:
    return {**figures, "host_overhead_mb_assumed": OVERHEAD_MB,
            "host_overhead_is": "assumed, not measured: the OS ~1.1 GB plus the hub, proxy and progress service "
                                "(~330 MiB together after 300 students: section progress_service)"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="one rig: spawn to doctor-green, real memory and CPU, idle and live")
    ap.add_argument("--idle", type=float, default=IDLE_S, help=f"seconds of each idle sample (default {IDLE_S:.0f})")
    ap.add_argument("--recompute", action="store_true",
                    help="no rig: only the section students_per_host again, from the measured sections")
    args = ap.parse_args(argv)
    if args.recompute:
        path = update_report("class", "students_per_host", _per_host(recompute(RESULTS_DIR / "class.json",
                                                                               OVERHEAD_MB)))
        print(json.dumps(json.loads(path.read_text())["students_per_host"], indent=2))
        return 0
    home = os.environ.get("SWARMLAB_RIG_HOME", "")
    if not home or os.path.realpath(home).startswith(TEST_HOMES):
        raise SystemExit("set SWARMLAB_RIG_HOME to a rig home of this benchmark's own (e.g. /var/tmp/bench-rig), "
                         "never the test rigs' homes")
    from swarmlab import doctor
    from swarmlab.rig import swarm, vm

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    lab = jupyterlab_rss()
    progress(f"JupyterLab: {lab}")
    if vm.running():
        raise SystemExit(f"a rig already runs in {home}: stop it first (`swarmlab rig down`)")
    others_before = other_vms(None)
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    try:
        inv = vm.up(progress)
        t_up = time.monotonic()
        state = vm.running()
        assert state is not None
        attempts = 0
        with swarm.transport(inv) as t:
            while True:
                attempts += 1
                checks = doctor.run(t, inv)
                if all(c.ok for c in checks):
                    break
                if time.monotonic() - t_up > 300:
                    raise SystemExit("doctor not green after 300 s:\n" + doctor.report(checks))
                time.sleep(2)
        t_green = time.monotonic()
        progress(f"doctor green ({len(checks)} checks) {t_green - t0:.0f} s after up began")
        timings = json.loads((vm.run_dir() / "timings.json").read_text())
        time.sleep(SETTLE_S)
        with Sampler(state.pid) as sampler:
            time.sleep(args.idle)
        idle = sampler.report()
        progress(f"idle after boot: {idle}")
        from swarmlab.testing.notebooks import error_outputs, execute_all, notebooks

        os.environ.setdefault("SWARMLAB_HOME", tempfile.mkdtemp(prefix="swarmlab-bench-home-"))
        os.environ["SWARMLAB_MODE"] = "live"
        os.environ["SWARMLAB_INVENTORY"] = str(vm.inventory_file())
        lesson = [p for p in notebooks("zh") if p.stem.startswith("01")]
        with Sampler(state.pid, kernels=True) as sampler:
            done, seconds, failed = execute_all(lesson, timeout=900, workers=1)
        live = sampler.report()
        errors = [e for nb in done.values() for e in error_outputs(nb)] + list(failed.values())
        progress(f"lesson 01 live: {seconds} {failed or ''} {live}")
        time.sleep(SETTLE_S)
        with Sampler(state.pid) as sampler:
            time.sleep(args.idle)
        after = sampler.report()
        progress(f"idle after lesson 01: {after}")
        others_after = other_vms(state.pid)
    finally:
        vm.down(progress)
    rig = {
        **header("one student's swarm (a rig VM: 3 nodes in one qemu) on this machine: spawn to doctor-green, "
                 "qemu's real RSS and CPU idle and while lesson 01 runs live", loadavg_1min_at_start=round(load0, 2)),
        "accel": timings["accel"],
        "vm_memory_mib": vm.MEMORY_MB,
        "vm_cpus": vm.CPUS,
        "spawn_to_doctor_green_s": round(t_green - t0, 1),
        "spawn_parts_s": {"image": timings["build_s"], "boot_to_ssh": timings["boot_to_ssh_s"],
                          "nodes_ready": timings["nodes_ready_s"], "swarm": timings["swarm_s"],
                          "doctor_until_green": round(t_green - t_up, 1), "doctor_runs": attempts},
        "spawn_is": SPAWN_IS,
        "idle_after_boot": idle,
        "lesson_01_live": {**live, "lesson_s": seconds, "errors": errors},
        "idle_after_lesson": after,
        "memory_is": "qemu's VmRSS from /proc/PID/status, sampled each second (RssAnon: the guest's RAM it touched)",
        "cpu_is": "qemu's utime+stime from /proc/PID/stat over the window, in cores (1.0 = one core busy)",
        "other_vms_on_this_machine": {"before": others_before, "after": others_after},
    }
    update_report("class", "rig_per_student", rig)
    update_report("class", "jupyterlab_per_student", lab)
    path = update_report("class", "students_per_host", _per_host(carry(rig, lab, OVERHEAD_MB, host_ram_mb())))
    print(json.dumps(rig, indent=2))
    print(f"written to {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
