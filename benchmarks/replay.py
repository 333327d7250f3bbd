"""Replay of a large recording: a 100 MB recording (the bundled rig session's entries repeated, each with its own
sequence number) opened, then its first steps answered through the `%swarm` magic as a lesson's first cells ask
them: `docker network ls` on the manager, one request from the client (which first reads where the client runs).

Run:  ./run bench replay   (no swarm needed)
Writes benchmarks/results/replay.json. Aim: connect + the first step < 10 s (it took over 300 s when every recorded
`service ps` was parsed again on each call).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from benchmarks import header, write_report

SIZE = 100_000_000


def big_recording(path: Path, size: int = SIZE) -> tuple[int, int]:
    """Write a recording of at least `size` bytes from the bundled rig session; (entries, bytes)."""
    from swarmlab import recordings

    lines = Path(recordings.get("rig-session")).read_text().splitlines()
    head, body = lines[0], [json.loads(line) for line in lines[1:]]
    written, seq = len(head) + 1, 0
    with path.open("w") as out:
        out.write(head + "\n")
        while written < size:
            for obj in body:
                seq += 1
                text = json.dumps({**obj, "seq": seq})
                out.write(text + "\n")
                written += len(text) + 1
    return seq, written


def main() -> None:
    from swarmlab import magic
    from swarmlab.lab import Lab

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        entries, size = big_recording(path)
        t0 = time.perf_counter()
        lab = Lab.connect("replay", recording=path)
        t1 = time.perf_counter()
        first, _ = magic.run_command(lab, "@manager", "docker network ls")
        t2 = time.perf_counter()
        request, _ = magic.run_command(lab, "@client", "docker exec abc wget -qO- http://web")
        t3 = time.perf_counter()
    assert not first.error and not request.error and "Hostname" in request.output
    report = {**header("replay of a 100 MB recording: connect, then a lesson's first steps through %swarm"),
              "recording": {"entries": entries, "bytes": size},
              "connect_s": round(t1 - t0, 2), "first_step_s": round(t2 - t1, 2), "first_request_s": round(t3 - t2, 2),
              "connect_and_first_step_s": round(t2 - t0, 2), "aim_s": 10}
    print(json.dumps(report, indent=2))
    print(f"written to {write_report('replay', report)}")


if __name__ == "__main__":
    main()
