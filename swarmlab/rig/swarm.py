"""Forming the rig's swarm over SSH with swarmlab's own transport: init on the manager, join the workers.

The same steps a classroom's provisioning runs (vagrant/); idempotent: an active swarm is left as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from swarmlab.errors import CommandFailed
from swarmlab.inventory import Inventory
from swarmlab.rig import NODES, RigError
from swarmlab.transport import SSHTransport, Transport

Progress = Callable[[str], None]


def transport(inv: Inventory) -> SSHTransport:
    return SSHTransport(inv, known_hosts=inv.extra.get("known_hosts"))


def wait_nodes_ready(t: Transport, progress: Progress = print, timeout: float = 240.0) -> None:
    """Wait until every node's dockerd runs and the lab images are imported (node-init's ready file)."""
    deadline = time.monotonic() + timeout
    names = [n for n, _ in NODES]
    check = " && ".join(f"test -f /srv/nodes/{n}/ready" for n in names)
    while True:
        r = t.run("rig", check, timeout=10)
        if r.ok:
            progress(f"nodes ready: dockerd and lab images on {', '.join(names)}")
            return
        if time.monotonic() > deadline:
            logs = t.run("rig", "tail -n 5 /srv/nodes/*/log/node-init.log /var/log/rig-boot.log", timeout=10)
            raise RigError(f"the rig's nodes did not get ready in {timeout:.0f} s:\n{logs.stdout}")
        time.sleep(1)


IPVS_MODULES = ("xt_ipvs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "ip_vs")


def disable_ipvs(t: Transport, progress: Progress = print) -> None:
    """Make the rig a swarm on a kernel without IPVS (as some WSL2 kernels are): unload the modules before any
    service uses them and forbid loading them again. VIP services are then created but carry no traffic."""
    rules = "".join(f"install {m} /bin/false\\n" for m in IPVS_MODULES)
    t.run("rig", f"printf '{rules}' > /etc/modprobe.d/swarmlab-no-ipvs.conf && "
                 f"rmmod {' '.join(IPVS_MODULES)} && ! test -e /proc/net/ip_vs", timeout=30, check=True)
    progress("IPVS removed from the rig's kernel (modules unloaded, loading forbidden)")


def form(t: Transport, progress: Progress = print, timeout: float = 120.0) -> None:
    manager, manager_addr = NODES[0]
    state = t.run(manager, "docker info --format '{{.Swarm.LocalNodeState}}'", timeout=30, check=True).stdout.strip()
    if state != "active":
        t.run(manager, f"docker swarm init --advertise-addr {manager_addr}", timeout=60, check=True)
        progress(f"swarm initialised on {manager} ({manager_addr})")
    token = t.run(manager, "docker swarm join-token -q worker", timeout=30, check=True).stdout.strip()
    for name, address in NODES[1:]:
        joined = t.run(name, "docker info --format '{{.Swarm.LocalNodeState}}'", timeout=30, check=True)
        if joined.stdout.strip() == "active":
            continue
        try:
            t.run(name, f"docker swarm join --advertise-addr {address} --token {token} {manager_addr}:2377",
                  timeout=60, check=True)
        except CommandFailed as exc:  # never show the join token
            raise RigError(f"{name} could not join the swarm: {exc.stderr.replace(token, '<token>')}") from None
        progress(f"{name} joined the swarm")
    deadline = time.monotonic() + timeout
    while True:
        ready = t.run(manager, "docker node ls --format '{{.Hostname}} {{.Status}}'", timeout=30, check=True)
        statuses = dict(line.split() for line in ready.stdout.splitlines() if line.strip())
        if all(statuses.get(n) == "Ready" for n, _ in NODES):
            return
        if time.monotonic() > deadline:
            raise RigError(f"swarm nodes not Ready after {timeout:.0f} s: {statuses}")
        time.sleep(1)
