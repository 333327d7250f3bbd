"""The chapter's commands, built from validated and quoted names. Each function returns one shell command line.

Requests go from the client container with busybox `wget` wrapped in `timeout` (busybox 1.35's `wget -T`
segfaults; no client image is assumed to have curl), N of them in ONE remote command, each introduced by a
`swarmlab-request N` line that the whoami parser reads as its sequence number.
"""

from __future__ import annotations

import shlex

from swarmlab.commands.names import quoted, validate

NETNS_DIR = "/var/run/docker/netns"
LAB_LABEL = "swarmlab.lab=1"
# the lab's images (built on the rig and in the classroom boxes, never pulled): a containous/whoami look-alike and a
# client with busybox wget, ping and nslookup
LAB_IMAGES = {"web": "swarmlab/whoami:1", "client": "swarmlab/client:1"}


def network_ls() -> str:
    return "docker network ls"


def network_create(name: str, attachable: bool = True) -> str:
    return f"docker network create -d overlay {'--attachable ' if attachable else ''}" \
           f"--label {LAB_LABEL} {quoted(name, 'network')}"


def network_inspect(name: str, verbose: bool = False) -> str:
    return f"docker network inspect {'-v ' if verbose else ''}{quoted(name, 'network')}"


def service_create(name: str, image: str, network: str | None = None, replicas: int | None = 1,
                   command: list[str] | None = None, endpoint_mode: str | None = None,
                   publish: str | None = None, mode: str | None = None, detach: bool = False) -> str:
    parts = ["docker service create", f"--name {quoted(name, 'service')}", f"--label {LAB_LABEL}",
             "--no-resolve-image", "--stop-grace-period 2s"]
    if network:
        parts.append(f"--network {quoted(network, 'network')}")
    if mode not in (None, "replicated", "global"):
        raise ValueError("mode is 'replicated' or 'global'")
    if mode == "global":
        parts.append("--mode global")
    elif replicas is not None:
        parts.append(f"--replicas {int(replicas)}")
    if endpoint_mode:
        if endpoint_mode not in ("vip", "dnsrr"):
            raise ValueError("endpoint_mode is 'vip' or 'dnsrr'")
        parts.append(f"--endpoint-mode {endpoint_mode}")
    if publish:
        parts.append(publish_option(publish))
    if detach:
        parts.append("--detach")
    parts.append(quoted(image, "image"))
    if command:
        parts.append(shlex.join(command))
    return " ".join(parts)


def publish_option(publish: str) -> str:
    """`8080:80` -> `--publish published=8080,target=80`; `:80` (no published port: swarm assigns one) ->
    `--publish target=80`."""
    published, _, target = publish.partition(":")
    return (f"--publish published={int(published)},target={int(target)}" if published
            else f"--publish target={int(target)}")


def service_ls() -> str:
    return "docker service ls"


def service_ps(name: str, no_trunc: bool = False) -> str:
    return f"docker service ps {'--no-trunc ' if no_trunc else ''}{quoted(name, 'service')}"


def node_ls() -> str:
    return "docker node ls"


def service_inspect(name: str, format: str | None = None) -> str:
    fmt = f"-f {shlex.quote(format)} " if format else ""
    return f"docker service inspect {fmt}{quoted(name, 'service')}"


def service_scale(name: str, replicas: int) -> str:
    return f"docker service scale --detach=false {quoted(name, 'service')}={int(replicas)}"


def service_rm(name: str) -> str:
    return f"docker service rm {quoted(name, 'service')}"


def container_ls(service: str | None = None) -> str:
    flt = f" --filter label=com.docker.swarm.service.name={quoted(service, 'service')}" if service else ""
    return f"docker container ls{flt}"


def container_of(service: str) -> str:
    """The id of this node's first running container of `service` (empty when it has none)."""
    return f"docker container ls -q --filter label=com.docker.swarm.service.name={quoted(service, 'service')} " \
           "| head -n 1"


def exec_in(container: str, command: str) -> str:
    return f"docker exec {quoted(container, 'container')} sh -c {shlex.quote(command)}"


def requests(container: str, target: str = "web", n: int = 10, timeout: int = 5, path: str = "/") -> str:
    """n HTTP requests from `container` to `target` in one remote command (busybox wget under `timeout`)."""
    validate(target, "service")
    if not path.startswith("/") or not all(c.isalnum() or c in "/-_." for c in path):
        raise ValueError(f"unsafe path {path!r}")
    loop = (f"i=0; while [ $i -lt {int(n)} ]; do i=$((i+1)); echo swarmlab-request $i; "
            f"timeout {int(timeout)} wget -qO- http://{target}{path} 2>/dev/null || echo FAIL; done")
    return exec_in(container, loop)


def ping(container: str, target: str = "web", count: int = 2) -> str:
    validate(target, "service")
    return exec_in(container, f"timeout {int(count) + 8} ping -c {int(count)} {target}")


def nslookup(container: str, name: str = "web") -> str:
    prefix = "tasks." if name.startswith("tasks.") else ""
    validate(name[len(prefix):], "service")
    return exec_in(container, f"nslookup {prefix}{name[len(prefix):]} 127.0.0.11")


def netns_ls() -> str:
    return f"ls {NETNS_DIR}"


def nsenter(namespace: str, command: str) -> str:
    return f"nsenter --net={NETNS_DIR}/{quoted(namespace, 'namespace')} {command}"


def ip_addr(namespace: str) -> str:
    return nsenter(namespace, "ip a")


def iptables_mangle(namespace: str) -> str:
    return nsenter(namespace, "iptables -nvL -t mangle")


def ipvsadm(namespace: str, stats: bool = False) -> str:
    return nsenter(namespace, "ipvsadm -Ln" + (" --stats" if stats else ""))


def iptables_nat(namespace: str, chain: str = "POSTROUTING") -> str:
    validate(chain, "chain")
    return nsenter(namespace, f"iptables -t nat -nvL {chain}")


def ipvsadm_connections(namespace: str) -> str:
    """IPVS's connection table (`-c`): which client connection went to which real server, and its state."""
    return nsenter(namespace, "ipvsadm -Lnc")


def host_ingress_nat() -> str:
    """The host's DNAT of published ports towards ingress_sbox (the routing mesh's entry)."""
    return "iptables -t nat -nvL DOCKER-INGRESS"


def listening_sockets() -> str:
    """The node's listening TCP sockets and the programs holding them (dockerd holds every published port)."""
    return "ss -ltnp"


def mesh_request(port: int) -> str:
    """One request from the node itself to a published port (the routing mesh answers on every node)."""
    return f"wget -qO- http://127.0.0.1:{int(port)}/"


def kill(container: str) -> str:
    return f"docker kill {quoted(container, 'container')}"


def lab_objects(what: str) -> str:
    """The ids of the services or networks the lab created (label swarmlab.lab=1)."""
    if what not in ("service", "network"):
        raise ValueError("what is 'service' or 'network'")
    return f"docker {what} ls -q --filter label={LAB_LABEL}"


def lab_remove(what: str, ident: str) -> str:
    if what not in ("service", "network"):
        raise ValueError("what is 'service' or 'network'")
    return f"docker {what} rm {quoted(ident, what)}"


def versions() -> dict[str, str]:
    """The commands whose answers go into a recording's provenance."""
    return {"docker": "docker version --format '{{.Server.Version}}'", "kernel": "uname -r"}


def ipvsadm_all_lb(stats: bool = False) -> str:
    """Every lb_ namespace's IPVS table in one command (read with parsers.ipvsadm.parse_per_namespace). Shell syntax
    is fine for a privileged step: the transport runs every command as `sudo -n -- sh -c '...'`."""
    return (f"for ns in $(ls -d {NETNS_DIR}/lb_* 2>/dev/null); do echo $ns; "
            f"nsenter --net=$ns ipvsadm -Ln{' --stats' if stats else ''}; done")


# -- following one request: packet captures (lab.trace_request) ---------------------------------------------------

CAPTURE_DIR = "/tmp"
CAPTURE_SECONDS = 30      # a capture never outlives this, whatever happens to the lab (GNU timeout)
CAPTURE_PACKETS = 200     # nor captures more packets than this


def sandbox_of(container: str) -> str:
    """The network namespace file of a container (its sandbox: /var/run/docker/netns/<12 hex>)."""
    return f"docker inspect -f '{{{{.NetworkSettings.SandboxKey}}}}' {quoted(container, 'container')}"


def _capture_files(capture: str) -> str:
    validate(capture, "capture")
    return f"{CAPTURE_DIR}/swarmlab-capture-{capture}"


def capture_start(capture: str, bpf: str, namespace: str | None = None, seconds: int = CAPTURE_SECONDS,
                  packets: int = CAPTURE_PACKETS) -> str:
    """Start tcpdump in the background in `namespace` (a name under /var/run/docker/netns; None: the node's own
    network namespace, its underlay), on every interface (`-i any`: each line names the interface and the
    direction), bounded by `seconds` and `packets`; wait until it listens; print its PID. `bpf` is a filter built
    by `capture_filter` (only the lab's addresses and ports)."""
    if not all(ch.isalnum() or ch in " ./()" for ch in bpf):
        raise ValueError(f"unsafe capture filter {bpf!r}")
    files = _capture_files(capture)
    enter = f"nsenter --net={NETNS_DIR}/{quoted(namespace, 'namespace')} " if namespace else ""
    script = (f"rm -f {files}.out {files}.err; "
              f"{enter}timeout {int(seconds)} tcpdump -i any -nn -S -tt -l -c {int(packets)} {shlex.quote(bpf)} "
              f">{files}.out 2>{files}.err </dev/null & pid=$!; i=0; "
              f"while ! grep -q 'listening on' {files}.err 2>/dev/null; do i=$((i+1)); "
              f"if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then cat {files}.err >&2; kill $pid 2>/dev/null; "
              f"exit 1; fi; sleep 0.1; done; echo $pid")
    return f"sh -c {shlex.quote(script)}"


def capture_stop(capture: str, pid: int) -> str:
    """Stop a capture (SIGINT: tcpdump prints what it caught and its counts), wait for it, print its packets
    (stdout) and its own report (stderr), remove its files."""
    files = _capture_files(capture)
    script = (f"kill -INT {int(pid)} 2>/dev/null; i=0; while kill -0 {int(pid)} 2>/dev/null && [ $i -lt 50 ]; "
              f"do i=$((i+1)); sleep 0.1; done; kill -KILL {int(pid)} 2>/dev/null; "
              f"cat {files}.out; cat {files}.err >&2; rm -f {files}.out {files}.err")
    return f"sh -c {shlex.quote(script)}"


def conntrack(namespace: str) -> str:
    """The connection tracking table of a namespace (the lb namespace: the SNAT of IPVS's connections)."""
    return nsenter(namespace, "conntrack -L")


def captures_running() -> str:
    """The capture processes still running on a node (none after a trace, whatever happened)."""
    return "pgrep -a tcpdump || true"
