"""The class's progress service under load: N simulated students each send lesson 01's events at once, on loopback,
through a real JupyterHub (its proxy, its token check) to the real service (swarmlab/classhub/progress.py, SQLite).

Run:  ./run bench class_progress [--students 300]   (~1 minute; needs configurable-http-proxy, as `./run class`)
      ./run bench class_progress --students 5 --report /tmp/x.json   (the small mode the suite runs)
Writes the section "progress_service" of benchmarks/results/class.json (other sections are kept).

What is real: the hub is `jupyterhub` started with the class's own configuration (hubconfig.configure: the proxy,
the roster, the roles, the `swarmlab-progress` managed service started by the hub); each POST goes through
configurable-http-proxy to the service, which asks the hub whose token it is (HubAuth, cached 60 s) and stores
the events in the class folder's progress.sqlite. The events are the ones the course code itself queues for
lesson 01 (course.start, three exercises answered, one wrong then right twice, course.check), produced in a
subprocess and read from its queue; each student sends a copy with fresh ids and times.

What stands in: (1) each student's token is an API token of that hub user loaded from the configuration
(JupyterHub.api_tokens), not the token a spawned single-user server gets; the service checks both the same way
(GET /hub/api/user, kind "user"). No system accounts, no servers are spawned. (2) The students are threads of
this process, each sending as the kernel's sender does (urllib, a new connection per POST, timeout 5 s, what
failed stays queued and goes with the next POST) but waiting for each answer before its next event: every
student starts at the same moment and sends as fast as the service answers (a burst, the worst case; a real
lesson spreads these events over ~30 minutes). They share the host's 2 cores with the hub, the proxy and the
service, as the students' kernels would on one class host.

Lost events are counted from the database: every (student, id) sent must be stored, nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import header, update_report

LESSON = "01"
# A student's lesson 01: (exercise, answer, right?). Wrong then right, right at once, wrong then right.
ANSWERS = (("01.network-driver", "bridge", False), ("01.network-driver", "overlay", True),
           ("01.node-without-web", "swarm-worker2", True),
           ("01.replicas", "3", False), ("01.replicas", "2", True))
TIMEOUT = 5.0  # the kernel's sender's (course/progress.py)
BATCH = 500
FLUSH_FOR = 60.0  # after its last event a student keeps flushing what is still queued this long
UP_TIMEOUT = 120.0

_LESSON_SCRIPT = f"""
import json, sys
from swarmlab import course
from swarmlab.course import progress
progress.TIMEOUT = 1
course.start({LESSON!r}, "replay", lang="en", show=False, shell=None)
verdicts = [bool(course.exercise(ex, answer=answer)) for ex, answer, _right in {ANSWERS!r}]
course.check({LESSON!r})
progress.flush()
print(json.dumps({{"verdicts": verdicts, "events": progress.pending()}}))
"""


def lesson_events() -> list[dict[str, Any]]:
    """The events the course code queues for lesson 01 (its service unreachable: they stay in the queue)."""
    from swarmlab.ports import free_port

    with tempfile.TemporaryDirectory(prefix="swarmlab-bench-lesson-") as home:
        env = {**os.environ, "HOME": home, "SWARMLAB_HOME": home, "JUPYTERHUB_API_TOKEN": "unused",
               "SWARMLAB_PROGRESS_URL": f"http://127.0.0.1:{free_port()}/nothing-listens"}
        out = subprocess.run([sys.executable, "-c", _LESSON_SCRIPT], env=env, capture_output=True, text=True,
                             timeout=300, check=False)
    if out.returncode != 0:
        raise SystemExit(f"lesson {LESSON}'s cells failed: {out.stderr.strip()[-500:]}")
    said = json.loads(out.stdout.strip().splitlines()[-1])
    if said["verdicts"] != [right for _ex, _a, right in ANSWERS]:
        raise SystemExit(f"lesson {LESSON}'s answers no longer grade as planned: {said['verdicts']}; update ANSWERS")
    events: list[dict[str, Any]] = said["events"]
    return events


@dataclass
class Student:
    name: str
    token: str
    events: list[dict[str, Any]]
    queue: list[dict[str, Any]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered POST
    delivered: list[float] = field(default_factory=list)  # seconds from queued to stored, one per event
    queued_at: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    posts: int = 0
    stored: int = 0
    duplicates: int = 0
    done: float = 0.0

    def _post(self, url: str) -> bool:
        batch = self.queue[:BATCH]
        body = json.dumps({"events": batch}).encode()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        self.posts += 1
        first = self.posts == 1
        t0 = time.perf_counter()
        try:  # loopback: the benchmark's own hub
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            self.failures.append(f"HTTP {exc.code}" + (" (first POST)" if first else ""))
            return False
        except (OSError, ValueError) as exc:
            self.failures.append(type(exc).__name__ + (" (first POST)" if first else ""))
            return False
        now = time.perf_counter()
        self.latencies.append(now - t0)
        self.delivered += [now - self.queued_at[e["id"]] for e in batch]
        self.stored += int(answer.get("stored", 0))
        self.duplicates += int(answer.get("duplicates", 0))
        del self.queue[:len(batch)]
        return True

    def run(self, url: str, go: threading.Barrier, at: list[float]) -> None:
        """Send the events, the i-th not before `at[i]` seconds after the start (all zero: a burst)."""
        go.wait()
        start = time.perf_counter()
        for event, when in zip(self.events, at, strict=True):
            time.sleep(max(0.0, start + when - time.perf_counter()))
            self.queue.append({**event, "time": time.time()})  # record(): queued first, then sent
            self.queued_at[event["id"]] = time.perf_counter()
            self._post(url)
        deadline = time.monotonic() + FLUSH_FOR
        while self.queue and time.monotonic() < deadline:
            time.sleep(1.0)
            self._post(url)
        self.done = time.perf_counter()


def _config(folder: Path, names: list[str], tokens: dict[str, str]) -> Path:
    """The class's hub configuration (hubconfig.configure), plus the students' API tokens."""
    from swarmlab.classhub import classfile, hubconfig, server
    from swarmlab.ports import free_port

    path = folder / "class.toml"
    cf = classfile.parse(path, {"name": "bench", "language": "en", "provider": "replay",
                                "instructors": ["teacher"], "students": names, "port": free_port()})
    (folder / "service-token").write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    os.chmod(folder / "service-token", 0o600)
    settings = hubconfig.settings(cf, folder, hub_port=free_port(), api_port=free_port(), chp=server.find_proxy(),
                                  singleuser=[sys.executable, "-m", "jupyterhub.singleuser"],
                                  progress_port=free_port(), python=sys.executable)
    (folder / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    fd = os.open(folder / "tokens.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({token: name for name, token in tokens.items()}, out)
    config = folder / "jupyterhub_config.py"
    config.write_text(
        "# benchmarks/class_progress.py: the class's configuration + the simulated students' tokens\n"
        "import json\nfrom swarmlab.classhub.hubconfig import configure\n\n"
        f"configure(c, {str(folder / 'settings.json')!r})  # noqa: F821\n"
        f"c.JupyterHub.api_tokens = json.load(open({str(folder / 'tokens.json')!r}))  # noqa: F821\n"
        "c.JupyterHub.trust_user_provided_tokens = True  # noqa: F821  (random 256-bit, as the hub's own)\n",
        encoding="utf-8")
    return config


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # loopback: the benchmark's own hub
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _service_pid(settings: Path) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "swarmlab.classhub.progress" in cmd and str(settings) in cmd:
                return int(entry.name)
    return None


def _stats(ms: list[float]) -> dict[str, float]:
    """p50, p90, p99, max, mean of sorted milliseconds."""
    if not ms:
        return {}
    def pct(q: float) -> float:
        return round(ms[min(len(ms) - 1, int(q * len(ms)))], 1)
    return {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": round(ms[-1], 1),
            "mean": round(statistics.fmean(ms), 1)}


def run(n: int, folder: Path, template: list[dict[str, Any]], spread: float = 0.0) -> tuple[dict[str, Any],
                                                                                           list[float]]:
    """One run on a fresh hub and database: the run's report and every event's delivery latency (ms). `spread`:
    each student's events at random moments within that many seconds (0: all at once, as fast as answered)."""
    import sqlalchemy as sa

    from swarmlab.classhub import progressdb

    names = [f"student-{i:03d}" for i in range(1, n + 1)]
    tokens = {name: secrets.token_hex(32) for name in names}
    config = _config(folder, names, tokens)
    settings = json.loads((folder / "settings.json").read_text())
    base = f"http://127.0.0.1:{settings['port']}"
    url = f"{base}/services/swarmlab-progress/api/events"
    log = open(folder / "hub.log", "ab")  # noqa: SIM115 (open while the hub runs)
    t_hub = time.monotonic()
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=folder,
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + UP_TIMEOUT
        while _get(url) != 405:  # the service answers through the proxy (GET: method not allowed)
            if hub.poll() is not None or time.monotonic() > deadline:
                tail = (folder / "hub.log").read_text(errors="replace").strip().splitlines()[-3:]
                raise SystemExit(f"the hub or its progress service did not come up: {' | '.join(tail)}")
            time.sleep(0.3)
        hub_up_s = time.monotonic() - t_hub
        service = _service_pid(folder / "settings.json")
        proxy = int((folder / "proxy.pid").read_text().strip())
        cpu0 = {"service": _cpu_s(service) if service else 0.0, "hub": _cpu_s(hub.pid), "proxy": _cpu_s(proxy)}
        students = [Student(name, tokens[name], [{**e, "id": uuid.uuid4().hex} for e in template])
                    for name in names]
        go = threading.Barrier(n + 1)
        rand = random.Random(n)  # the same schedule every run
        threads = [threading.Thread(target=s.run, daemon=True, args=(
            url, go, sorted(rand.uniform(0, spread) for _ in template))) for s in students]
        for t in threads:
            t.start()
        load = os.getloadavg()[0]
        go.wait()
        t0 = time.perf_counter()
        own0 = time.process_time()
        for t in threads:
            t.join(timeout=spread + TIMEOUT * len(template) * 3 + FLUSH_FOR + 60)
        stuck = sum(t.is_alive() for t in threads)
        wall = max(s.done for s in students) - t0
        cpu = {"service": round(_cpu_s(service) - cpu0["service"], 1) if service else None,
               "hub": round(_cpu_s(hub.pid) - cpu0["hub"], 1),
               "proxy": round(_cpu_s(proxy) - cpu0["proxy"], 1),
               "students (this process)": round(time.process_time() - own0, 1)}
        rss = {"service": round(_rss_mb(service), 1) if service else None, "hub": round(_rss_mb(hub.pid), 1),
               "proxy": round(_rss_mb(proxy), 1)}
    finally:
        _stop(hub, folder)
        log.close()
    engine = sa.create_engine(f"sqlite:///{folder / 'progress.sqlite'}")
    with engine.connect() as conn:
        rows = [(r.student, r.event_id) for r in conn.execute(
            sa.select(progressdb.events.c.student, progressdb.events.c.event_id))]
    engine.dispose()
    sent = {(s.name, e["id"]) for s in students for e in s.events}
    stored = set(rows)
    lat = sorted(x * 1000 for s in students for x in s.latencies)
    delivery = sorted(x * 1000 for s in students for x in s.delivered)
    failures: dict[str, int] = {}
    for s in students:
        for f in s.failures:
            failures[f] = failures.get(f, 0) + 1
    return {
        "loadavg_1min_at_start": round(load, 2),
        "students_still_sending": stuck,
        "events_sent": len(sent),
        "events_stored": len(stored & sent),
        "events_lost": len(sent - stored),
        "events_stored_not_sent": len(stored - sent),
        "rows_in_database": len(rows),
        "duplicates_answered": sum(s.duplicates for s in students),
        "posts": sum(s.posts for s in students),
        "posts_failed": failures,
        "latency_ms": _stats(delivery),
        "post_latency_ms": _stats(lat),
        "wall_s": round(wall, 2),
        "throughput_events_per_s": round(len(stored & sent) / wall, 1) if wall > 0 else None,
        "cpu_s_during_run": cpu,
        "rss_mb_after_run": rss,
        "hub_and_service_up_s": round(hub_up_s, 1),
    }, delivery


def _stop(hub: subprocess.Popen[bytes], folder: Path) -> None:
    """SIGTERM the hub (it stops its proxy and its service), then whatever of them is left."""
    from swarmlab.classhub import server

    if hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(timeout=30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
    left = [p for p in [_service_pid(folder / "settings.json")] if p]
    try:
        proxy = int((folder / "proxy.pid").read_text().strip())
        if server.CHP in Path(f"/proc/{proxy}/cmdline").read_bytes().decode(errors="replace"):
            left.append(proxy)
    except (OSError, ValueError):
        pass
    for pid in left:
        os.kill(pid, signal.SIGKILL)


def commit_ms(folder: Path, n: int = 200) -> float:
    """What storing one event costs the service's store alone on this disk now (ms per `Store.add` of one event:
    one SQLite transaction, its fsyncs included)."""
    from swarmlab.classhub import progressdb

    store = progressdb.Store(f"sqlite:///{folder / 'commit.sqlite'}")
    event = {"kind": "lesson", "lesson": LESSON, "state": "opened", "time": time.time()}
    t0 = time.perf_counter()
    for _ in range(n):
        store.add("s", [progressdb.row({**event, "id": uuid.uuid4().hex})])
    took = (time.perf_counter() - t0) / n * 1000
    store.engine.dispose()
    return round(took, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="the class's progress service under N simulated students")
    ap.add_argument("--students", type=int, default=300, help="simulated students (default 300)")
    ap.add_argument("--runs", type=int, default=3, help="runs, each on a fresh hub and database (default 3)")
    ap.add_argument("--paced", type=float, default=120.0, metavar="S",
                    help="then one run with each student's events at random moments within S seconds, as a class "
                         "running the lesson together (default 120; 0: none)")
    ap.add_argument("--report", type=Path, default=None,
                    help="write the report here instead of the 'progress_service' section of results/class.json")
    args = ap.parse_args(argv)
    if not 1 <= args.students <= 2000:
        ap.error("--students: give 1 to 2000 (a class file allows at most 2000 users)")
    if not 1 <= args.runs <= 20:
        ap.error("--runs: give 1 to 20")
    if not 0 <= args.paced <= 3600:
        ap.error("--paced: give 0 to 3600 seconds")
    template = lesson_events()
    runs, delivery = [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="swarmlab-bench-class-") as tmp:
            folder = Path(tmp)
            os.chmod(folder, 0o700)
            one, ms = run(args.students, folder, template)
        runs.append(one)
        delivery += ms
        print(f"run {i + 1}: {one['events_stored']}/{one['events_sent']} stored, {one['events_lost']} lost, "
              f"p50 {one['latency_ms'].get('p50')} ms, p99 {one['latency_ms'].get('p99')} ms, "
              f"{one['throughput_events_per_s']} events/s", flush=True)
    paced = None
    if args.paced:
        with tempfile.TemporaryDirectory(prefix="swarmlab-bench-class-") as tmp:
            os.chmod(tmp, 0o700)
            paced, _ms = run(args.students, Path(tmp), template, spread=args.paced)
        print(f"paced over {args.paced:.0f} s: {paced['events_lost']} lost, p50 {paced['latency_ms'].get('p50')} ms, "
              f"p99 {paced['latency_ms'].get('p99')} ms", flush=True)
    with tempfile.TemporaryDirectory(prefix="swarmlab-bench-sqlite-") as tmp:
        commit = commit_ms(Path(tmp))
    total = {key: sum(r[key] for r in runs) for key in  # the burst runs'; the paced run's are its own
             ("events_sent", "events_stored", "events_lost", "events_stored_not_sent", "posts")}
    paced_lost = paced["events_lost"] + paced["events_stored_not_sent"] if paced else 0
    result = {
        **header(f"the progress service: {args.students} simulated students each send lesson {LESSON}'s events "
                 "at once through a real JupyterHub (proxy, token check) to the service, SQLite in the class "
                 f"folder on this machine's disk; {args.runs} runs of all at once (a burst), each on a fresh hub "
                 "and database" + (f", then one run paced over {args.paced:.0f} s" if args.paced else "")),
        "students": args.students,
        "events_per_student": len(template),
        "lesson_events": [{k: e[k] for k in ("kind", "exercise", "answer", "correct", "attempt", "state", "checks")
                           if k in e} for e in template],
        **total,
        "totals_are": "the burst runs' (the paced run has its own, under paced)",
        "latency_ms": _stats(sorted(delivery)),
        "latency_is": "per event, the burst runs' pooled: from queued in the student's kernel to the service's answer "
                      "that it is stored (a POST that timed out after 5 s and the resend that carried it included)",
        "throughput_events_per_s": [r["throughput_events_per_s"] for r in runs],
        "runs": runs,
        **({"paced": {"spread_s": args.paced, "is": f"one more run: each student's {len(template)} events at "
                      f"random moments within {args.paced:.0f} s (a class running the lesson together), not as fast "
                      "as answered", **paced}} if paced else {}),
        "post_latency_is": "per answered POST; those that timed out are in posts_failed",
        "sqlite_ms_per_stored_event_after_the_runs": commit,
        "sqlite_is": "the store alone (progressdb.Store.add of one event, 200 times) on the same disk right after "
                     "the runs: the service stores each POST in one transaction, in its event loop",
        "stands_in": " ".join(__doc__.split("What stands in: ", 1)[1].split("\n\nLost", 1)[0].split()),
    }
    if args.report:
        args.report.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        path = args.report
    else:
        path = update_report("class", "progress_service", result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("lesson_events", "stands_in", "runs")}, indent=2))
    print(f"written to {path}")
    return 0 if total["events_lost"] == 0 and total["events_stored_not_sent"] == 0 and paced_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
