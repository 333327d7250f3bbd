"""Measure the rig on this machine: image build, boot to SSH, nodes ready, swarm formed, the whole `up`.

Run:  ./run bench rig   (root; ~4 minutes; uses its own rig home, so a rig you have running is not touched)
Writes benchmarks/results/rig.json. Aim: build + up under 5 minutes on this machine kind.
"""

from __future__ import annotations

import json
import os
import sys
import time

from benchmarks import header, write_report


def main() -> int:
    os.environ["SWARMLAB_RIG_HOME"] = os.environ.get("SWARMLAB_BENCH_RIG_HOME", "/var/tmp/swarmlab-rig-bench")
    from swarmlab.rig import image, vm

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    vm.down(progress)
    t0 = time.monotonic()
    image.build(progress, force=True)
    t_build = time.monotonic()
    vm.up(progress)
    t_up = time.monotonic()
    timings = json.loads((vm.run_dir() / "timings.json").read_text())
    build_info = image.current().info
    vm.down(progress)
    report = {
        **header("swarmlab rig on this machine: forced image build, then `up` (boot, nodes, swarm)"),
        "build_s": round(t_build - t0, 1),
        "build_debootstrap_s": build_info["debootstrap_s"],
        "boot_to_ssh_s": timings["boot_to_ssh_s"],
        "nodes_ready_s": timings["nodes_ready_s"],
        "swarm_formed_s": timings["swarm_s"],
        "up_s": round(t_up - t_build, 1),
        "build_plus_up_s": round(t_up - t0, 1),
        "accel": timings["accel"],
        "aim": "build + up under 300 s",
    }
    path = write_report("rig", report)
    print(json.dumps(report, indent=2))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
