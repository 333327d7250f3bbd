"""Capture real outputs from a running rig into tests/fixtures/rig-ipvs-docker<major>/ (one command per file).

Run with a rig up (after the chapter's services exist, e.g. after tests/test_rig_live.py with
SWARMLAB_KEEP_RIG=1):  .venv/bin/python tools/capture_rig_fixtures.py [--out FOLDER] [--only-new]
The folder defaults to `rig-ipvs-docker<Docker major version>` (docker20 on Debian 12, docker26 on Debian 13);
`--only-new` keeps the files that exist and captures only the missing ones (how the Debian 12 folder, captured
before the chapter forms were added, stays as it was captured).
Each file starts with `### <command>` and ends with `### rc=<n>`, like fixtures/vm-ipvs-docker20. The
non-Docker IPVS forms (TCP/UDP services, Route/Tunnel forwarding, persistence) are made with ipvsadm in a
scratch network namespace of the rig VM, which is deleted afterwards: real ipvsadm output of a table swarmlab set
up, not Docker's (labelled so in SOURCE.md). `docker service create` progress output comes from a scratch
service `capture-probe` (2 replicas on mynet), removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path

from swarmlab.commands import chapter as c
from swarmlab.inventory import load
from swarmlab.rig import image, vm
from swarmlab.rig.swarm import transport

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
LB = "nsenter --net=/var/run/docker/netns/{lb}"  # {lb}: the manager's lb_ namespace, looked up first
SCRATCH = "ip netns exec swl-ipvs-scratch"
CLIENT = "{client}"  # the node running the client task (its container: cid)

Command = str | Callable[[dict[str, str]], str]
# (node, file, command): a str is format-ed with lb and client (hence the doubled braces); a callable gets them
CAPTURES: list[tuple[str, str, Command]] = [
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
    # the chapter's own commands, in the forms the lab runs them (swarmlab.commands.chapter)
    ("swarm-manager", "docker-version.txt", "docker version"),
    ("swarm-manager", "docker-info.txt", "docker info"),
    ("swarm-manager", "node-ls.txt", "docker node ls"),
    ("swarm-manager", "network-ls.txt", c.network_ls()),
    ("swarm-manager", "network-inspect-mynet.txt", c.network_inspect("mynet")),
    ("swarm-manager", "network-inspect-v-mynet.txt", c.network_inspect("mynet", verbose=True)),
    ("swarm-manager", "service-ls.txt", c.service_ls()),
    ("swarm-manager", "service-ps-web.txt", c.service_ps("web")),
    ("swarm-manager", "service-inspect-web.txt", c.service_inspect("web")),
    ("swarm-manager", "service-scale-web-2.txt", c.service_scale("web", 2)),
    ("swarm-manager", "container-ls.txt", c.container_ls()),
    ("swarm-manager", "netns-ls.txt", c.netns_ls()),
    ("swarm-manager", "lb-ip-a.txt", f"{LB} ip a"),
    ("swarm-manager", "lb-iptables-mangle.txt", f"{LB} iptables -nvL -t mangle"),
    ("swarm-manager", "lb-iptables-nat.txt", f"{LB} iptables -nvL -t nat"),
    ("swarm-manager", "lb-iptables-save-nat.txt", f"{LB} iptables-save -t nat"),
    ("swarm-manager", "lb-ipvsadm-Ln.txt", f"{LB} ipvsadm -Ln"),
    ("swarm-manager", "lb-ipvsadm-stats.txt", f"{LB} ipvsadm -Ln --stats"),
    ("swarm-manager", "ipvsadm-all-lb.txt", c.ipvsadm_all_lb()),
    (CLIENT, "client-nslookup-web.txt", lambda v: c.nslookup(v["cid"], "web")),
    (CLIENT, "client-nslookup-tasks-web.txt", lambda v: c.nslookup(v["cid"], "tasks.web")),
    (CLIENT, "client-ping-web.txt", lambda v: c.ping(v["cid"], "web")),
    (CLIENT, "client-requests-10.txt", lambda v: c.requests(v["cid"], "web", 10)),
]
PROBE = "capture-probe"
PROBE_CAPTURES: list[tuple[str, str, Command]] = [  # run around a scratch service, in this order
    ("swarm-manager", "service-create-probe.txt", c.service_create(PROBE, "swarmlab/whoami:1", "mynet", 2)),
    ("swarm-manager", "service-rm-probe.txt", c.service_rm(PROBE)),
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="folder under tests/fixtures (default: rig-ipvs-docker<major>)")
    ap.add_argument("--only-new", action="store_true", help="capture only the files the folder lacks")
    args = ap.parse_args(argv)
    if vm.running() is None:
        print("no rig running: `swarmlab rig up` first", file=sys.stderr)
        return 1
    inv = load(vm.inventory_file())
    with transport(inv) as t:
        version = t.run("swarm-manager", "docker version --format '{{.Server.Version}}'", timeout=60,
                        check=True).stdout.strip()
        kernel = t.run("rig", "uname -r", timeout=30, check=True).stdout.strip()
        out = FIXTURES / (args.out or f"rig-ipvs-docker{version.split('.')[0]}")
        out.mkdir(parents=True, exist_ok=True)
        t.run("rig", "ip netns del swl-ipvs-scratch 2>/dev/null; " + SCRATCH_SETUP, timeout=30, check=True)
        lb = t.run("swarm-manager", "ls /var/run/docker/netns | grep '^lb_' | head -n 1", timeout=30,
                   check=True).stdout.strip()
        client = t.run("swarm-manager", "docker service ps client --filter desired-state=running "
                                        "--format '{{.Node}}' | head -n 1", timeout=60, check=True).stdout.strip()
        cid = t.run(client, c.container_of("client"), timeout=60, check=True).stdout.strip()
        values = {"lb": lb, "client": client, "cid": cid}
        try:
            for node, name, command in [*CAPTURES, *PROBE_CAPTURES]:
                if args.only_new and (out / name).exists():
                    continue
                node = node.format(**values)
                command = command(values) if callable(command) else command.format(**values)
                r = t.run(node, command, timeout=300)
                (out / name).write_text(f"### {command}\n{r.stdout}{r.stderr}### rc={r.exit_code}\n")
                print(f"{name}: rc={r.exit_code}, {len(r.stdout)} bytes")
        finally:
            t.run("rig", "ip netns del swl-ipvs-scratch", timeout=30)
            t.run("swarm-manager", f"docker service rm {PROBE} >/dev/null 2>&1", timeout=120)
    if args.only_new and (out / "SOURCE.md").exists():
        return 0
    debian = image.release().debian
    (out / "SOURCE.md").write_text(
        f"# Real outputs from swarmlab's rig ({datetime.date.today().isoformat()})\n\n"
        f"Captured by `tools/capture_rig_fixtures.py` on `swarmlab rig --debian {debian}` (Debian {debian} VM under "
        f"qemu, kernel {kernel},\nDocker {version} from Debian's docker.io; three nodes swarm-manager, "
        "swarm-worker1, swarm-worker2) after\nthe chapter's services (mynet, web x2, client) were created by "
        "tests/test_rig_live.py.\n\n"
        "* Docker's own state: every file but `scratch-*` and `service-*-probe.txt`.\n"
        "* `client-*`: run in the client task's container on the node that runs it (`docker exec`).\n"
        f"* `service-create-probe.txt`, `service-rm-probe.txt`: a scratch service `{PROBE}` (2 replicas of\n"
        "  swarmlab/whoami:1 on mynet) created and removed by the capture script, for the progress output of\n"
        "  `docker service create`.\n"
        "* `scratch-*`: real ipvsadm output of a table **set up by the capture script** in a scratch network\n"
        "  namespace (TCP service with `-p 360` persistence and Route/Tunnel real servers, a UDP service with Masq,\n"
        "  an FWM service with the `sh` scheduler and a weight-0 server), to cover ipvsadm forms Docker never makes.\n"
        "  192.0.2.0/24 is TEST-NET-1: no packet was sent to these addresses.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
