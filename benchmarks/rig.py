"""Measure the rig on this machine: image build, boot to SSH, nodes ready, swarm formed, the whole `up`.

Run:  ./run bench rig [--debian 13]   (root; ~4 minutes; uses its own rig home, so a rig you have running is
not touched). Writes benchmarks/results/rig.json (Debian 12) or rig-debian13.json. Aim: build + up under
5 minutes on this machine kind. The machine's load average goes into the report: on a shared machine, other
VMs under emulation slow the build and the boot several times over.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from benchmarks import header, write_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="measure the rig's build and up")
    ap.add_argument("--debian", choices=("12", "13"), default="12")
    args = ap.parse_args(argv)
    default_home = "/var/tmp/swarmlab-rig-bench" + ("" if args.debian == "12" else f"-d{args.debian}")
    os.environ["SWARMLAB_RIG_HOME"] = os.environ.get("SWARMLAB_BENCH_RIG_HOME", default_home)
    from swarmlab.rig import image, vm

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    vm.down(progress)
    load_before = os.getloadavg()[0]
    t0 = time.monotonic()
    image.build(progress, force=True, debian=args.debian)
    t_build = time.monotonic()
    vm.up(progress, debian=args.debian)
    t_up = time.monotonic()
    timings = json.loads((vm.run_dir() / "timings.json").read_text())
    build_info = image.current(args.debian).info
    load_after = os.getloadavg()[0]
    vm.down(progress)
    report = {
        **header(f"swarmlab rig (Debian {args.debian}) on this machine: forced image build, then `up` "
                 "(boot, nodes, swarm)", loadavg_1min_before=round(load_before, 2),
                 loadavg_1min_after=round(load_after, 2)),
        "debian": args.debian,
        "versions": build_info.get("versions"),
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
    path = write_report("rig" if args.debian == "12" else f"rig-debian{args.debian}", report)
    print(json.dumps(report, indent=2))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
