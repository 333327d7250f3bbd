"""How the fixture tests read a fixture file and summarise what its parser returned into plain values.

`sections(rel)` splits a fixture into (command, output) sections; `summary(kind, value)` turns a parser's result
into tuples of the values that matter, so `tests/fixture_expectations.py` can state them literally.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from swarmlab.parsers import keyvalue, system
from swarmlab.parsers.dispatch import parse_output
from swarmlab.parsers.transcript import Section, split_fixture

FIXTURES = Path(__file__).parent / "fixtures"

# captured/<folder> -> the command it holds (SOURCES.md names the exact command of each file)
CAPTURED_COMMAND = {
    "ipvsadm": "ipvsadm -Ln", "iptables_mangle": "iptables -nvL -t mangle",
    "service_inspect": "docker service inspect x",
    "network_inspect": "docker network inspect x", "container_ls": "docker container ls",
    "service_ls": "docker service ls", "service_ps": "docker service ps x", "network_ls": "docker network ls",
    "node_ls": "docker node ls", "netns_ls": "ls /var/run/docker/netns", "ip_addr": "ip a", "whoami": "curl web",
    "ping": "ping -c 2 web",
}

# files recorded without a command line: the command they hold, from their name and shared/docs/rig-notes.md
UNNAMED_COMMAND = {
    "vm-ipvs-docker20/client-wget-100-raw.txt": "for i in $(seq 100); do wget -qO- http://web/; done",
    "vm-ipvs-docker20/client-wget-100-summary.txt": "wget -qO- http://web/ | sort | uniq -c",
    "vm-ipvs-docker20/dockerd-log-first-run.txt": "<dockerd log>",
    "vm-ipvs-docker20/host-timings.txt": "<timings>",
    "vm-ipvs-docker20/mesh-timings.txt": "<timings>",
    "vm-ipvs-docker20/multinode-timings.txt": "<timings>",
    "vm-ipvs-docker20/timings.txt": "<timings>",
    "vm-ipvs-docker20/mesh-service-update-publish.txt": "docker service update --publish-add 8080:80 web",
    "vm-ipvs-docker20/multinode-service-create-gclient.txt": "docker service create --mode global --name gclient",
    "vm-ipvs-docker20/multinode-service-update-web.txt": "docker service update --replicas 6 web",
    "vm-ipvs-docker20/service-create-client.txt": "docker service create --name client",
    "vm-ipvs-docker20/service-create-web.txt": "docker service create --name web",
    "vm-ipvs-docker20/multinode-join-sw2.txt": "docker swarm join",
    "vm-ipvs-docker20/multinode-join-sw3.txt": "docker swarm join",
    "vm-ipvs-docker20/swarm-init.txt": "docker swarm init",
    "vm-ipvs-docker20/serial-boot-excerpt.txt": "<serial console>",
    "vm-ipvs-docker20/multinode-web-containers-per-node.txt": "<report>",
    "host-noipvs-docker20/docker_info.txt": "docker info",
    "host-noipvs-docker20/docker_version.txt": "docker version",
    "host-noipvs-docker20/docker_network_inspect_ingress.txt": "docker network inspect ingress",
    "host-noipvs-docker20/docker_network_inspect_mynet.txt": "docker network inspect mynet",
    "host-noipvs-docker20/docker_ps.txt": "docker ps",
    "host-noipvs-docker20/docker_service_inspect_web.txt": "docker service inspect web",
    "host-noipvs-docker20/docker_service_inspect_web_Endpoint.txt":
        "docker service inspect -f '{{json .Endpoint}}' web",
    "host-noipvs-docker20/docker_service_inspect_webrr_Endpoint.txt":
        "docker service inspect -f '{{json .Endpoint}}' webrr",
    "host-noipvs-docker20/docker_service_ls.txt": "docker service ls",
    "host-noipvs-docker20/docker_service_ps_--no-trunc_web.txt": "docker service ps --no-trunc web",
    "host-noipvs-docker20/docker_service_ps_web.txt": "docker service ps web",
    "host-noipvs-docker20/docker_service_ps_webrr.txt": "docker service ps webrr",
    "host-noipvs-docker20/ls_var_run_docker_netns.txt": "ls -la /var/run/docker/netns",
    "host-noipvs-docker20/multinode_ls_worker1_exec_netns.txt": "ls /var/run/docker/netns",
    "host-noipvs-docker20/docker_run_busybox.txt": "<docker run output>",
}

# sections whose command the recording left out (output after an `rc=` line): what they are, by file
AFTER_RC = {"docker_service_create_webhost_publish_mode_host.txt": "docker service ps webhost",
            "docker_service_create_webpub_ingress_publish.txt": "docker service ps webpub"}

SPECIAL = {
    "<dockerd log>": system.parse_logfmt, "<timings>": keyvalue.parse_pairs, "<serial console>": system.parse_console,
    "<report>": keyvalue.parse_report, "<docker run output>": lambda t: t.splitlines(),
}
# descriptive headers in vm-ipvs-docker20 whose output is a `uniq -c` summary
COUNTS_HEADERS = ("12 x curl",)


def sections(rel: str) -> list[Section]:
    with open(FIXTURES / rel, encoding="utf-8", newline="") as fh:  # keep CRLF, tabs, trailing spaces
        text = fh.read()
    folder = rel.split("/")[1] if rel.startswith("captured/") else None
    if folder:  # one raw output, handed to the parser byte for byte
        return [Section(CAPTURED_COMMAND[folder], [text.rstrip("\n")])]
    found = split_fixture(text)
    for s in found:
        if s.command is None:
            s.command = UNNAMED_COMMAND.get(rel) or AFTER_RC.get(rel.split("/")[-1])
    return found


def parse_section(s: Section) -> tuple[str, Any]:
    command = s.command or ""
    # headers that describe where a command ran ('node1 ingress_sbox ipvsadm -Ln --stats'): the command itself
    command = re.sub(r"^node\d+ \S+ (?=ipvsadm\b)", "", command)
    if command in SPECIAL:
        return command, SPECIAL[command](s.output)
    if command.startswith(COUNTS_HEADERS):
        parsed = parse_output(command, s.output, kind="whoami_counts")
    else:
        try:
            parsed = parse_output(command, s.output)
        except Exception as exc:
            if "no parser for this command" in str(exc):
                return "-", (s.exit_code, s.output.splitlines()[:1])
            raise
    return parsed.kind, parsed.value


def summary(kind: str, v: Any) -> Any:
    if kind == "ipvsadm":
        return (v.mode, v.error, [(s.protocol, s.virtual, s.scheduler, s.flags, s.counters.get("conns"),
                                   [(r.address, r.port, r.forward, r.weight, r.counters.get("conns")) for r in s.reals])
                                  for s in v.services])
    if kind == "ipvsadm_connections":
        return [(c.protocol, c.state, c.source, c.virtual, c.virtual_port, c.destination) for c in v]
    if kind == "ipvsadm_per_namespace":
        return {ns: summary("ipvsadm", t) for ns, t in v.items()}
    if kind == "iptables":
        return (v.error, [(r.chain, r.pkts, r.target, r.destination, r.mark_hex, r.dport) for r in v.rules])
    if kind == "network_ls":
        return [(n.id, n.name, n.driver, n.scope) for n in v]
    if kind == "service_ls":
        return [(s.name, s.mode, s.running, s.desired, s.image, s.ports) for s in v]
    if kind == "service_ps":
        return [(t.id, t.name, t.node, t.state, t.history, t.error) for t in v]
    if kind == "node_ls":
        return [(n.hostname, n.self, n.role, n.manager_status, n.engine_version) for n in v]
    if kind == "container_ls":
        return [(c.id, c.names, c.service, c.slot) for c in v]
    if kind == "service_inspect":
        return [(s.name, s.mode, s.replicas, s.endpoint_mode, s.ports, [(x.vip, x.prefix) for x in s.vips]) for s in v]
    if kind == "network_inspect":
        return [(n.name, n.id, n.subnet, n.lb_namespace, [(e.key[:12], e.kind, e.ip) for e in n.endpoints],
                 [(s.name, s.vip, s.mark, len(s.tasks)) for s in n.services]) for n in v]
    if kind == "netns_ls":
        return [(e.name, e.kind, e.network_prefix) for e in v]
    if kind == "ip_addr":
        return [(i.name, [f"{a.address}/{a.prefix}" for a in i.addresses], i.vips) for i in v]
    if kind == "whoami":
        return [(a.hostname, a.task_ip, a.remote_addr, a.ok, a.body) for a in v]
    if kind == "ping":
        return (v.destination, v.destination_ip, v.transmitted, v.received, v.rtt_avg, v.error)
    if kind == "nslookup":
        return (v.server, v.answers, v.error)
    if kind == "service_change":
        return (v.service_id, v.done, v.total, v.converged)
    if kind == "swarm_init":
        return (v.node_id, v.manager_address, v.error)
    if kind == "docker_info":
        server = v["Server"]
        return (server.get("Server Version"), server.get("Kernel Version"), str(server.get("Swarm"))[:60])
    if kind == "docker_version":
        return (v["Client"]["Version"], v["Server"]["Engine"]["Version"])
    if kind == "nft":
        return [(c.table, c.name, c.hook, len(c.rules)) for c in v]
    if kind == "loadavg":
        return (v.one, v.five, v.fifteen, v.total)
    if kind == "tcpdump":
        return [(k.interface, k.direction, k.src, k.sport, k.dst, k.dport, k.flags, k.seq, k.ack, k.vni) for k in v
                if k.flags in ("S", "S.")] + [len(v)]
    if kind == "conntrack":
        return [(e.protocol, e.state, e.src, e.dst, e.sport, e.dport, e.reply_src, e.reply_dst, e.flags) for e in v]
    if kind == "<dockerd log>":
        return (len(v), v[0].get("msg"), sorted({r.get("level") for r in v}))
    if kind == "<serial console>":
        return (len(v), v[0][1][:40])
    if kind == "<docker run output>":
        return v[:2]
    if isinstance(v, list) and v and all(dataclasses.is_dataclass(x) for x in v):
        # a parser with no summary above: each record's fields as a tuple (a new parser needs no line here)
        return [dataclasses.astuple(x) for x in v]  # type: ignore[arg-type]
    return v


def file_summary(rel: str) -> list[tuple[str | None, str, Any]]:
    out = []
    for s in sections(rel):
        kind, value = parse_section(s)
        out.append(((s.command or "")[:70], kind, summary(kind, value)))
    return out
