"""Record the CLI/API cross-check on a live swarm: every CLI reading of the chapter's state and every Docker Engine
API answer it is checked against, into one recording (`swarmlab/recordings/api-debian13.jsonl` by default), so
that `Lab.cross_check()` and `swarmlab.viz.cli_api.side_by_side()` replay offline.

    SWARMLAB_RIG_HOME=/var/tmp/swarmlab-rig-d13 .venv/bin/python tools/record_api.py [out.jsonl]

Needs the chapter's services (it creates them when missing, as the lab does). Stops if any reading disagrees:
a recording of a disagreeing swarm would teach the wrong thing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from swarmlab.lab import Lab  # noqa: E402
from swarmlab.model.crosscheck import disagreements  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "swarmlab" / "recordings" / "api-debian13.jsonl"
    tmp = out.with_suffix(".part")
    provenance = {"title": "the chapter's state read twice: docker CLI and Docker Engine API (cross-check)",
                  "recorded_by": "tools/record_api.py on swarmlab rig --debian 13"}
    with Lab.connect(mode="record", record_to=tmp, provenance=provenance, replace=True) as lab:
        lab.create_services()
        checks = lab.cross_check("web")
    bad = disagreements(checks)
    if bad:
        print("\n".join(bad), file=sys.stderr)
        tmp.unlink()
        return 1
    tmp.replace(out)
    print(f"{len(checks)} checks agree; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
