"""Record lessons on a live swarm: each lesson notebook runs top to bottom with MODE = "record", and what its
commands printed becomes that lesson's bundled recording (`swarmlab/recordings/lessons/NN-slug.jsonl`).

    SWARMLAB_RIG_HOME=/var/tmp/swarmlab-rig-d13 .venv/bin/python tools/record_lessons.py          # 00..08 in order
    .venv/bin/python tools/record_lessons.py 05                                                 # one lesson again

Lessons build on each other's swarm (01 creates the services that 02-08 look at), so a full run starts from a
swarm without the lab's objects (`swarmlab reset`) and goes in order; re-recording one lesson needs the swarm in
the state that lesson expects. A lesson whose notebook shows an error, a refused command or a failed step is not
kept: its old recording stays. Lesson 09 (the swarm without IPVS) is recorded only when named, on a rig made with
`swarmlab rig up --no-ipvs`.

    .venv/bin/python tools/record_lessons.py 04 --prepare 00 01 02 03 --warm-up

`--prepare` runs lessons live to bring the swarm to the state the recorded ones expect, keeping nothing;
`--warm-up` first gives the swarm a past (WARM_UP below: services of an earlier lab, each on overlay networks of its
own and pinned to one node, created and removed before lesson 01), so each node's dockerd has already used a
different number of firewall marks and `web`'s mark differs between nodes. Its commands and what they printed go
into the provenance of every lesson recorded in the same run (`warm_up`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from swarmlab.course.lessons import LESSONS  # noqa: E402
from swarmlab.recordings import folder  # noqa: E402
from swarmlab.testing.notebooks import LABS, error_outputs, problems  # noqa: E402

# An earlier lab's services, each pinned to one node, attached to overlay networks no other service uses (their
# subnets outside the default pool 10.0.0.0/8, so mynet still gets 10.0.1.0/24). A node's dockerd sets up one load
# balancer, and takes one mark, for every (service, network) pair it sees on a network it has a task on: so the
# manager uses 2 + the marks of the workers' services on old1-old2, and so on. Removed before lesson 01; the daemons'
# counters stay where they are (libnetwork/service.go: a number is never reused while dockerd runs).
WARM_NETWORKS = 8
WARM_SERVICES = (("old-m", "swarm-manager", 2), ("old-w1", "swarm-worker1", 5), ("old-w2", "swarm-worker2", 8))


WARM_UP_NOTE = ("before lesson 01, tools/record_lessons.py --warm-up ran the commands in warm_up on this swarm: an "
                "earlier lab's services, each pinned to one node on overlay networks of its own, created and removed; "
                "each node's dockerd had used a different number of firewall marks before the lessons' services")


def warm_up_commands() -> tuple[list[str], list[str], list[str]]:
    """The commands, all on the manager: create, wait until every task runs, remove."""
    create = [f"docker network create -d overlay --subnet 192.168.{200 + i}.0/24 old{i}"
              for i in range(1, WARM_NETWORKS + 1)]
    for name, node, nets in WARM_SERVICES:
        attach = " ".join(f"--network old{i}" for i in range(1, nets + 1))
        create.append(f"docker service create --detach --name {name} --no-resolve-image --stop-grace-period 2s "
                      f"--constraint node.hostname=={node} {attach} swarmlab/whoami:1")
    wait = [f"docker service ps --filter desired-state=running --format '{{{{.Name}}}} {{{{.Node}}}} "
            f"{{{{.CurrentState}}}}' {name}" for name, _, _ in WARM_SERVICES]
    remove = [f"docker service rm {' '.join(n for n, _, _ in WARM_SERVICES)}",
              f"docker network rm {' '.join(f'old{i}' for i in range(1, WARM_NETWORKS + 1))}"]
    return create, wait, remove


def warm_up() -> list[dict[str, object]]:
    """Run WARM_UP on the configured swarm; each node's marks so far are read from `docker network inspect -v`."""
    from swarmlab import inventory
    from swarmlab.transport import SSHTransport

    inv = inventory.discover()
    if inv is None:
        raise SystemExit("no swarm configured: set SWARMLAB_RIG_HOME or SWARMLAB_INVENTORY")
    log: list[dict[str, object]] = []

    def run(t: SSHTransport, node: str, command: str) -> str:
        r = t.run(node, command, timeout=600)
        log.append({"node": node, "command": command, "exit_code": r.exit_code, "stdout": r.stdout,
                    "stderr": r.stderr})
        if r.exit_code != 0:
            raise SystemExit(f"warm-up failed on {node}: {command}: {r.stderr.strip()[:300]}")
        return r.stdout

    create, wait, remove = warm_up_commands()
    with SSHTransport(inv) as t:
        for command in create:
            run(t, "swarm-manager", command)
        deadline = time.monotonic() + 900
        while True:
            states = [t.run("swarm-manager", command, timeout=60).stdout for command in wait]
            if all(s.strip() and all(" Running " in line for line in s.strip().splitlines()) for s in states):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"warm-up: tasks not running after 15 min: {states}")
            time.sleep(5)
        for command in wait:
            run(t, "swarm-manager", command)
        for _, node, nets in WARM_SERVICES:
            run(t, node, "docker network inspect -v --format "
                         "'{{range $k, $v := .Services}}{{$k}} {{$v.LocalLBIndex}} {{end}}' " + f"old1 old{nets}")
        for command in remove:
            run(t, "swarm-manager", command)
    return log


def parametrised(path: Path, record_to: Path) -> object:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    lines = []
    for line in params.source.splitlines():
        if line.startswith("MODE ="):
            line = 'MODE = "record"'
        elif line.startswith("RECORD_TO ="):
            line = f"RECORD_TO = {str(record_to)!r}"
        lines.append(line)
    params.source = "\n".join(lines)
    return nb


def record(lesson_id: str, lang: str, out: Path, setup: list[dict[str, object]] | None = None
           ) -> tuple[bool, str]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    les = LESSONS[lesson_id]
    path = LABS / lang / f"{les.name}.ipynb"
    target = out / f"{les.name}.jsonl"
    scratch = Path(tempfile.mkdtemp(prefix="swarmlab-record-")) / target.name
    nb = parametrised(path, scratch)
    os.environ["SWARMLAB_PROVENANCE"] = json.dumps({
        "title": f"lesson {les.name}, recorded live", "recorded_by": "tools/record_lessons.py",
        "lesson": les.id, "notebook": f"labs/{lang}/{path.name}",
        **({"warm_up": setup, "warm_up_note": WARM_UP_NOTE} if setup else {})})
    t0 = time.perf_counter()
    try:
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as exc:
        return False, f"{exc.ename}: {exc.evalue}"[:400]
    took = time.perf_counter() - t0
    found = error_outputs(nb) + problems(nb)
    if found:
        return False, "; ".join(found)[:600]
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch.replace(target)
    return True, f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target} ({took:.0f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson that is not replay-only)")
    parser.add_argument("--lang", default="en", help="which language's notebook runs (the code cells are the same)")
    parser.add_argument("--prepare", nargs="*", default=[], metavar="ID",
                        help="lessons run live first to bring the swarm to the recorded lessons' state (not kept)")
    parser.add_argument("--warm-up", action="store_true",
                        help="before anything else, give the swarm an earlier lab's past (WARM_UP): marks differ")
    parser.add_argument("--warm-up-log", metavar="FILE",
                        help="the log an earlier --warm-up saved, for the provenance when this run goes on from there")
    args = parser.parse_args()
    ids = args.lessons or [i for i, les in LESSONS.items() if not les.replay_only]
    out = folder() / "lessons"
    scratch = Path(tempfile.mkdtemp(prefix="swarmlab-prepare-"))
    setup: list[dict[str, object]] | None = None
    if args.warm_up_log:
        setup = json.loads(Path(args.warm_up_log).read_text())
    elif args.warm_up:
        setup = warm_up()
        saved = scratch / "warm-up.json"
        saved.write_text(json.dumps(setup, indent=1))
        print(f"warm-up done (its log: {saved}): " + "; ".join(
            str(e["stdout"]).strip() for e in setup if "LocalLBIndex" in str(e["command"])), flush=True)
    for lesson_id in args.prepare:
        good, said = record(lesson_id.zfill(2), args.lang, scratch)
        print(f"{lesson_id}: {'prepared' if good else 'NOT prepared'}: {said}", flush=True)
        if not good:
            return 1
    ok = True
    for lesson_id in ids:
        good, said = record(lesson_id.zfill(2), args.lang, out, setup)
        print(f"{lesson_id}: {'recorded' if good else 'NOT recorded'}: {said}", flush=True)
        ok = ok and good
        if not good:
            break
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
