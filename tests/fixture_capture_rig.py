"""Capture the parsers' rig fixtures into tests/fixtures/rig-parsers-docker20/ (one command per file).

Run with the shared rig up and the chapter's services created (read-only: nothing is created, changed or removed;
pings go to loopback only):  SWARMLAB_RIG_HOME=... .venv/bin/python -m tests.fixture_capture_rig
Each file is `### <command>`, the output (stdout then stderr), `### rc=<n>`, like fixtures/rig-ipvs-docker20.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from swarmlab.inventory import load
from swarmlab.rig import vm
from swarmlab.rig.swarm import transport

OUT = Path(__file__).resolve().parent / "fixtures" / "rig-parsers-docker20"
LB = "nsenter --net=/var/run/docker/netns/{lb}"  # {lb}: the manager's lb_ namespace, looked up first

CAPTURES = [
    ("swarm-manager", "df-T.txt", "df -T"),
    ("swarm-manager", "df-h.txt", "df -h"),
    ("swarm-manager", "df-i.txt", "df -i"),
    ("swarm-manager", "df-P.txt", "df -P"),
    ("swarm-manager", "busybox-df.txt", "busybox df"),
    ("swarm-manager", "busybox-df-h.txt", "busybox df -h"),
    ("swarm-manager", "ping-O-D-p.txt", "ping -c 3 -i 0.2 -O -D -p abcd 127.0.0.1"),
    ("swarm-manager", "ping-name.txt", "ping -c 2 -i 0.2 localhost"),
    ("swarm-manager", "ping6-loopback.txt", "ping6 -c 2 -i 0.2 ::1"),
    ("swarm-manager", "busybox-ping.txt", "busybox ping -c 2 127.0.0.1"),
    ("swarm-manager", "lb-iptables-mangle-nvL-line-numbers.txt", f"{LB} iptables -t mangle -nvL --line-numbers"),
    ("swarm-manager", "lb-iptables-mangle-L-line-numbers.txt", f"{LB} iptables -t mangle -L --line-numbers"),
    ("swarm-manager", "lb-iptables-nat-nL-line-numbers.txt", f"{LB} iptables -t nat -nL --line-numbers"),
    ("swarm-manager", "lb-iptables-filter-L-line-numbers.txt", f"{LB} iptables -L -n --line-numbers"),
    ("swarm-manager", "service-inspect-web-endpoint-ports.txt",
     "docker service inspect -f '{{{{json .Endpoint.Ports}}}}' web"),
    ("swarm-manager", "service-inspect-web-endpoint-spec.txt",
     "docker service inspect -f '{{{{json .Endpoint.Spec}}}}' web"),
    ("swarm-manager", "service-inspect-web-endpoint.txt", "docker service inspect -f '{{{{json .Endpoint}}}}' web"),
]


def main() -> int:
    if vm.running() is None:
        print("no rig running", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    inv = load(vm.inventory_file())
    with transport(inv) as t:
        lb = t.run("swarm-manager", "ls /var/run/docker/netns | grep '^lb_' | head -n 1", timeout=30).stdout.strip()
        for node, name, command in CAPTURES:
            if "{lb}" in command and not lb:
                print(f"{name}: skipped, no lb_ namespace yet")
                continue
            command = command.format(lb=lb)
            r = t.run(node, command, timeout=60)
            (OUT / name).write_text(f"### {command}\n{r.stdout}{r.stderr}### rc={r.exit_code}\n")
            print(f"{name}: rc={r.exit_code}, {len(r.stdout)} bytes")
        version = t.run("swarm-manager", "docker version --format '{{.Server.Version}}'", timeout=30).stdout.strip()
        kernel = t.run("rig", "uname -r", timeout=30).stdout.strip()
        ping_v = t.run("swarm-manager", "ping -V | head -n 1; busybox | head -n 1", timeout=30).stdout.strip()
    (OUT / "SOURCE.md").write_text(
        f"# Real outputs from swarmlab's rig for the parsers ({datetime.date.today().isoformat()})\n\n"
        "Captured by `tests/fixture_capture_rig.py` on the shared `swarmlab rig` (Debian 12 VM under qemu, kernel "
        f"{kernel},\nDocker {version}; nodes swarm-manager, swarm-worker1, swarm-worker2), read-only, with the "
        "chapter's services\n(mynet, web x2, client) in place. Pings went to loopback only (127.0.0.1, ::1, "
        f"localhost).\nping/busybox versions on the node: {' / '.join(ping_v.splitlines())}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
