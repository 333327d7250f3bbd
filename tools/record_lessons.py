"""Record lessons on a live swarm: each lesson notebook runs top to bottom with MODE = "record", and what its
commands printed becomes that lesson's bundled recording (`swarmlab/recordings/lessons/NN-slug.jsonl`).

    SWARMLAB_RIG_HOME=/var/tmp/swarmlab-rig-d13 .venv/bin/python tools/record_lessons.py          # 00..08 in order
    .venv/bin/python tools/record_lessons.py 05                                                 # one lesson again

Lessons build on each other's swarm (01 creates the services that 02-08 look at), so a full run starts from a
swarm without the lab's objects (`swarmlab reset`) and goes in order; re-recording one lesson needs the swarm in
the state that lesson expects. A lesson whose notebook shows an error, a refused command or a failed step is not
kept: its old recording stays. Lessons marked replay-only (09: the swarm without IPVS) keep their own recording.
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


def record(lesson_id: str, lang: str, out: Path) -> tuple[bool, str]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    les = LESSONS[lesson_id]
    path = LABS / lang / f"{les.name}.ipynb"
    target = out / f"{les.name}.jsonl"
    scratch = Path(tempfile.mkdtemp(prefix="swarmlab-record-")) / target.name
    nb = parametrised(path, scratch)
    os.environ["SWARMLAB_PROVENANCE"] = json.dumps({
        "title": f"lesson {les.name}, recorded live", "recorded_by": "tools/record_lessons.py",
        "lesson": les.id, "notebook": f"labs/{lang}/{path.name}"})
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
    return True, f"{target.relative_to(ROOT)} ({took:.0f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson that is not replay-only)")
    parser.add_argument("--lang", default="en", help="which language's notebook runs (the code cells are the same)")
    args = parser.parse_args()
    ids = args.lessons or [i for i, les in LESSONS.items() if not les.replay_only]
    out = folder() / "lessons"
    ok = True
    for lesson_id in ids:
        good, said = record(lesson_id.zfill(2), args.lang, out)
        print(f"{lesson_id}: {'recorded' if good else 'NOT recorded'}: {said}", flush=True)
        ok = ok and good
        if not good:
            break
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
