"""Capture real outputs from a running rig into tests/fixtures/rig-ipvs-docker20/ (one command per file).

Run with a rig up (after the chapter's services exist, e.g. after tests/test_rig_live.py with
SWARMLAB_KEEP_RIG=1):  .venv/bin/python tools/capture_rig_fixtures.py
Each file starts with `### <command>` and ends with `### rc=<n>`, like fixtures/vm-ipvs-docker20. The
non-Docker IPVS forms (TCP/UDP services, Route/Tunnel forwarding, persistence) are made with ipvsadm in a
scratch network namespace of the rig VM, which is deleted afterwards: real ipvsadm output of a table swarmlab set
up, not Docker's (labelled so in SOURCE.md).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from swarmlab.inventory import load
from swarmlab.rig import vm
from swarmlab.rig.swarm import transport

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "rig-ipvs-docker20"
LB = "nsenter --net=/var/run/docker/netns/{lb}"  # {lb}: the manager's lb_ namespace, looked up first
SCRATCH = "ip netns exec swl-ipvs-scratch"

CAPTURES = [
    ("swarm-manager", "docker-version-server.txt",
     "docker version --format '{{{{.Server.Version}}}} {{{{.Server.KernelVersion}}}}'"),
    ("swarm-manager", "service-ls-json.txt", "docker service ls --format '{{{{json .}}}}'"),
    ("swarm-manager", "service-ps-web-json.txt", "docker service ps web --format '{{{{json .}}}}'"),
    ("swarm-manager", "node-ls-json.txt", "docker node ls --format '{{{{json .}}}}'"),
    ("swarm-manager", "network-ls-json.txt", "docker network ls --format '{{{{json .}}}}'"),
    ("swarm-manager", "container-ls-json.txt", "docker container ls --format '{{{{json .}}}}'"),
    ("swarm-manager", "service-ps-web-no-trunc.txt", "docker service ps --no-trunc web"),
    ("swarm-manager", "lb-ip-j-addr.txt", f"{LB} ip -j addr"),
    ("swarm-manager", "lb-iptables-save-mangle.txt", f"{LB} iptables-save -t mangle"),
    ("swarm-manager", "lb-ipvsadm-rate.txt", f"{LB} ipvsadm -Ln --rate"),
    ("swarm-manager", "lb-ipvsadm-save.txt", f"{LB} ipvsadm -S -n"),
    ("swarm-manager", "lb-ipvsadm-L-names.txt", f"{LB} ipvsadm -L"),
    ("rig", "rig-ip-netns.txt", "ip netns"),
    ("rig", "scratch-ipvsadm-Ln.txt", f"{SCRATCH} ipvsadm -Ln"),
    ("rig", "scratch-ipvsadm-save.txt", f"{SCRATCH} ipvsadm -S -n"),
    ("rig", "scratch-ipvsadm-stats.txt", f"{SCRATCH} ipvsadm -Ln --stats"),
]
SCRATCH_SETUP = (
    "ip netns add swl-ipvs-scratch && "
    # IPVS takes only real servers that are routable unicast in the namespace: a dummy interface on TEST-NET-1
    "ip -n swl-ipvs-scratch link add d0 type dummy && ip -n swl-ipvs-scratch addr add 192.0.2.1/24 dev d0 && "
    "ip -n swl-ipvs-scratch link set d0 up && "
    f"{SCRATCH} ipvsadm -A -t 192.0.2.10:80 -s wlc -p 360 && "
    f"{SCRATCH} ipvsadm -a -t 192.0.2.10:80 -r 192.0.2.21:80 -g -w 3 && "
    f"{SCRATCH} ipvsadm -a -t 192.0.2.10:80 -r 192.0.2.22:80 -i -w 1 && "
    f"{SCRATCH} ipvsadm -A -u 192.0.2.10:53 -s rr && "
    f"{SCRATCH} ipvsadm -a -u 192.0.2.10:53 -r 192.0.2.31:53 -m -w 2 && "
    f"{SCRATCH} ipvsadm -A -f 300 -s sh && "
    f"{SCRATCH} ipvsadm -a -f 300 -r 192.0.2.41:0 -m -w 0"
)


def main() -> int:
    if vm.running() is None:
        print("no rig running: `swarmlab rig up` first", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    inv = load(vm.inventory_file())
    with transport(inv) as t:
        t.run("rig", "ip netns del swl-ipvs-scratch 2>/dev/null; " + SCRATCH_SETUP, timeout=30, check=True)
        lb = t.run("swarm-manager", "ls /var/run/docker/netns | grep '^lb_' | head -n 1", timeout=30,
                   check=True).stdout.strip()
        try:
            for node, name, command in CAPTURES:
                command = command.format(lb=lb)
                r = t.run(node, command, timeout=60)
                (OUT / name).write_text(f"### {command}\n{r.stdout}{r.stderr}### rc={r.exit_code}\n")
                print(f"{name}: rc={r.exit_code}, {len(r.stdout)} bytes")
        finally:
            t.run("rig", "ip netns del swl-ipvs-scratch", timeout=30)
        version = t.run("swarm-manager", "docker version --format '{{.Server.Version}}'", timeout=30).stdout.strip()
        kernel = t.run("rig", "uname -r", timeout=30).stdout.strip()
    (OUT / "SOURCE.md").write_text(
        f"# Real outputs from swarmlab's rig ({datetime.date.today().isoformat()})\n\n"
        f"Captured by `tools/capture_rig_fixtures.py` on `swarmlab rig` (Debian 12 VM under qemu, kernel {kernel},\n"
        f"Docker {version} from Debian's docker.io; three nodes swarm-manager, swarm-worker1, swarm-worker2) after\n"
        "the chapter's services (mynet, web x2, client) were created by tests/test_rig_live.py.\n\n"
        "* Docker's own state: every file but `scratch-*`.\n"
        "* `scratch-*`: real ipvsadm output of a table **set up by the capture script** in a scratch network\n"
        "  namespace (TCP service with `-p 360` persistence and Route/Tunnel real servers, a UDP service with Masq,\n"
        "  an FWM service with the `sh` scheduler and a weight-0 server), to cover ipvsadm forms Docker never makes.\n"
        "  192.0.2.0/24 is TEST-NET-1: no packet was sent to these addresses.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
