"""`swarmlab doctor`: is this swarm ready for the lab? One line per check and node, with the fix on failure.

Checks, for any live swarm (rig, Vagrant, own inventory): the key files only their owner can read; SSH; docker
running; swarm active with the expected role; IPVS in the kernel (what silently breaks VIP load balancing, e.g. on
some WSL2 kernels); ipvsadm and nsenter installed, and tcpdump and conntrack (lesson 10 follows one request with
them); the lab images present; the swarm's TCP ports (2377 on managers, 7946 on every node) open between nodes
(probed from each node with bash's /dev/tcp; the UDP ports 7946/4789 cannot be probed this way).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from swarmlab.commands import chapter
from swarmlab.errors import ParseError, TransportError
from swarmlab.inventory import Inventory
from swarmlab.parsers import ipvsadm
from swarmlab.transport import Node, Transport

LAB_IMAGES = tuple(chapter.LAB_IMAGES.values())


@dataclass
class Check:
    node: str
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def line(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.node:<15} {self.name:<22} {self.detail}"
        return head if self.ok or not self.fix else f"{head}\n      fix: {self.fix}"


def swarm_nodes(inv: Inventory) -> list[Node]:
    """The nodes that belong to the swarm (a jump host such as the rig VM itself does not)."""
    return [n for n in inv if n.role != "jump"]


@dataclass
class NodeReport:
    checks: list[Check]
    address: str = ""  # the swarm's address of the node (docker info NodeAddr), for the port checks
    manager: bool = False


def check_node(t: Transport, node: Node, images: Iterable[str], expect_manager: bool) -> NodeReport:
    out: list[Check] = []
    name = node.name
    try:
        t.run(node, "true", timeout=15, check=True)
    except TransportError as exc:
        return NodeReport([Check(name, "ssh", False, str(exc).splitlines()[0],
                                 "start the node (`vagrant up`, `swarmlab rig up`) and check the inventory's host, "
                                 "port, user and key (`swarmlab nodes`)")])
    out.append(Check(name, "ssh", True, f"{node.user}@{node.host}:{node.port}"))

    info = t.run(node, "docker info --format '{{.ServerVersion}}|{{.Swarm.LocalNodeState}}|"
                       "{{.Swarm.ControlAvailable}}|{{.Swarm.NodeAddr}}'", timeout=20)
    # Docker 20.10 exits non-zero when the daemon is down; Docker 26 (and later) prints the template with the
    # server's fields empty, exits 0, and says why on stderr: an empty ServerVersion is a daemon not reached.
    if info.exit_code != 0 or info.stdout.count("|") != 3 or not info.stdout.split("|")[0].strip():
        out.append(Check(name, "docker", False, (info.stderr.strip() or info.stdout.strip())[:120],
                         "start the Docker daemon on this node (`sudo systemctl start docker`; on the rig: "
                         f"`swarmlab rig ssh {name} node-dockerd start`)"))
        return NodeReport(out)
    version, state, control, address = info.stdout.strip().split("|")
    out.append(Check(name, "docker", True, f"Docker {version}"))
    role = "manager" if control == "true" else "worker"
    if state != "active":
        out.append(Check(name, "swarm", False, f"swarm state {state or 'inactive'}",
                         "join it: `docker swarm join --token <token> <manager>:2377` (the token: `docker swarm "
                         "join-token worker` on the manager); on the rig: `swarmlab rig down && swarmlab rig up`"))
    elif expect_manager != (role == "manager"):
        expected = "manager" if expect_manager else "worker"
        out.append(Check(name, "swarm", False, f"active as {role}, expected {expected}",
                         "promote or demote it on the manager: `docker node promote|demote <node>`"))
    else:
        out.append(Check(name, "swarm", True, f"active, {role}, {address}"))

    ipvs = t.run(node, "ipvsadm -Ln 2>&1 | head -n 3; test -e /proc/net/ip_vs", timeout=20, sudo=True)
    table = None
    try:
        table = ipvsadm.parse(ipvs.stdout)
    except ParseError:  # an output ipvsadm's parser cannot read: reported below with what it printed
        table = None
    if ipvs.exit_code == 0 and table is not None and table.available:
        out.append(Check(name, "ipvs", True, "ip_vs loaded"))
    else:
        out.append(Check(name, "ipvs", False, (table.error if table and table.error else ipvs.stdout.strip())[:120],
                         "this kernel lacks IPVS, so VIPs get no load balancing: `sudo modprobe ip_vs ip_vs_rr "
                         "xt_ipvs`; if there is no such module (some WSL2 kernels), use another kernel, or "
                         "`--endpoint-mode dnsrr`"))

    for tools, why, packages in ((("ipvsadm", "nsenter"), "", "ipvsadm util-linux"),
                                 (("tcpdump", "conntrack"), " (lesson 10)", "tcpdump conntrack")):
        absent_tools = t.run(node, f"for c in {' '.join(tools)}; do command -v $c >/dev/null 2>&1 || echo $c; done",
                             timeout=15).stdout.split()
        out.append(Check(name, "+".join(tools), not absent_tools,
                         f"installed{why}" if not absent_tools else f"missing {' '.join(absent_tools)}{why}",
                         "" if not absent_tools else f"`sudo apt-get install {packages}`"))

    wanted = list(images)
    present = t.run(node, "docker image ls --format '{{.Repository}}:{{.Tag}}'", timeout=20).stdout.split()
    absent = [i for i in wanted if i not in present]
    out.append(Check(name, "lab images", not absent, "present" if not absent else f"missing {' '.join(absent)}",
                     "" if not absent else "load them on this node (the rig imports them at boot; a classroom "
                     "pulls them in provisioning: see docs/instructor-guide.md)"))
    swarm_ok = state == "active"
    return NodeReport(out, address if swarm_ok else "", role == "manager")


def check_ports(t: Transport, addresses: dict[str, tuple[str, bool]]) -> list[Check]:
    """From each node, TCP 7946 on every other node and 2377 on every manager."""
    out = []
    for name in addresses:
        targets = [(peer, addr, port) for peer, (addr, manager) in addresses.items() if peer != name
                   for port in ((2377, 7946) if manager else (7946,))]
        if not targets:
            continue
        script = "; ".join(f"timeout 3 bash -c 'exec 3<>/dev/tcp/{a}/{p}' 2>/dev/null && echo ok {peer} {p} || "
                           f"echo closed {peer} {p}" for peer, a, p in targets)
        r = t.run(name, script, timeout=30)
        closed = [line.split(None, 1)[1] for line in r.stdout.splitlines() if line.startswith("closed")]
        out.append(Check(name, "swarm ports", r.ok and not closed,
                         "2377/7946 tcp reachable" if not closed else "closed: " + ", ".join(closed),
                         "" if not closed else "open TCP 2377, 7946 and UDP 7946, 4789 between the nodes "
                         "(firewall, VirtualBox network); all nodes must be on the same private network"))
    return out


def _checked(t: Transport, node: Node, images: Iterable[str], expect_manager: bool) -> NodeReport:
    """check_node, with anything unexpected reported as a failed check naming it (never swallowed, never a
    traceback that hides the other nodes' results)."""
    try:
        return check_node(t, node, images, expect_manager)
    except TransportError as exc:
        return NodeReport([Check(node.name, "ssh", False, str(exc).splitlines()[0],
                                 "check the node and the inventory (`swarmlab nodes`)")])
    except Exception as exc:  # reported, with its type, as the doctor's own failure
        return NodeReport([Check(node.name, "doctor", False, f"{type(exc).__name__}: {exc}"[:200],
                                 "this is a swarmlab bug: please report it with this line")])


def run(t: Transport, inv: Inventory, images: Iterable[str] | None = None) -> list[Check]:
    """Every check on every swarm node. The lab images to look for: `images`, else the inventory's (a classroom
    makes the chapter's, like the rig), else the chapter's."""
    if images is None:
        images = list((inv.extra.get("images") or {}).values()) or list(LAB_IMAGES)
    nodes = swarm_nodes(inv)
    manager = inv.manager.name if nodes else None
    with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
        per_node = list(pool.map(lambda n: _checked(t, n, images, n.name == manager or n.role == "manager"),
                                 nodes))
    checks = check_keys(inv) + [c for r in per_node for c in r.checks]
    addresses = {n.name: (r.address, r.manager) for n, r in zip(nodes, per_node, strict=True) if r.address}
    return checks + check_ports(t, addresses)


def check_keys(inv: Inventory) -> list[Check]:
    """A failed check for each key file other users of this machine can read (OpenSSH refuses such a key; paramiko
    would use it, and on a shared classroom host another login could take it). Nothing for a key that is fine, or
    missing (the ssh check says that)."""
    out = []
    for path in dict.fromkeys(n.key_path for n in inv if n.key_path is not None):
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & 0o077:
            users = [n.name for n in inv if n.key_path == path]
            out.append(Check(users[0], "key file", False, f"{path} can be read by other users (mode "
                             f"{mode & 0o777:04o})", f"chmod 600 {path}"))
    return out


def report(checks: list[Check]) -> str:
    failed = [c for c in checks if not c.ok]
    lines = [c.line() for c in checks]
    lines.append(f"\n{len(checks) - len(failed)} passed, {len(failed)} failed")
    return "\n".join(lines)
