"""`Lab`: the chapter's steps on a live swarm, while recording one, or replaying a recording.

    lab = Lab.connect()                 # replay the bundled recording unless a live swarm is configured
    lab.networks(); lab.create_services(); lab.tasks("web")
    lab.requests(3); lab.ping("web")
    lab.vip_chain("web")                # service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes
    lab.sample_requests(1000)

Modes (argument, or $SWARMLAB_MODE): `live` (an inventory: rig, Vagrant, own), `record` (live, every command
also written to a recording), `replay` (a recording; the default when no live swarm is configured).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from swarmlab import __version__
from swarmlab.commands import chapter as c
from swarmlab.errors import CommandFailed, NotRecorded, ParseError, SwarmlabError
from swarmlab.lab.results import Sample, StepResult
from swarmlab.model.chain import NodeView, vip_chain
from swarmlab.parsers import whoami
from swarmlab.parsers.dispatch import parse_output
from swarmlab.parsers.netns_ls import lb_namespace_for
from swarmlab.transport.base import Transport

MODES = ("live", "record", "replay")
# /var/run/docker/netns is root's, and nsenter, ipvsadm and iptables need root: on a Vagrant node (user vagrant)
# these run with `sudo -n`, as the chapter does (`sudo ls /var/run/docker/netns/`, `sudo nsenter ...`)
PRIVILEGED_STEPS = frozenset({"netns_ls", "lb_ip_a", "lb_mangle", "lb_ipvs", "lb_ipvs_stats", "ipvs_all", "mesh"})
# `ipvsadm --stats` totals are folded in from per-CPU counters by the IPVS estimator every 2 s (kernel 6.1,
# net/netfilter/ipvs/ip_vs_est.c): read right after the requests they may not have moved. Live, wait one round.
ESTIMATOR_WAIT = 2.2
RIG_IMAGES = {"web": "swarmlab/whoami:1", "client": "swarmlab/client:1"}


class Lab:
    def __init__(self, transport: Transport, mode: str, *, manager: str | None = None,
                 swarm_nodes: Iterable[str] | None = None, images: dict[str, str] | None = None,
                 network: str = "mynet", source: str = "", strict: bool | None = None) -> None:
        self.transport = transport
        # replay: a step that was not recorded returns a result saying so (strict=False), or raises NotRecorded
        self.strict = (mode != "replay") if strict is None else strict
        self.mode = mode
        self.network = network
        self.images = {**RIG_IMAGES, **(images or {})}
        nodes = list(swarm_nodes) if swarm_nodes is not None else list(transport.nodes)
        self.swarm_nodes = nodes
        self.manager = manager or next((n for n in nodes if "manager" in n), nodes[0] if nodes else "")
        self.source = source
        self.inventory: Any = None
        self.log: list[StepResult] = []

    # -- connecting ----------------------------------------------------------------------------------------------

    @classmethod
    def connect(cls, mode: str | None = None, *, recording: str | Path | None = None,
                inventory: Any = None, record_to: str | Path | None = None,
                provenance: dict[str, Any] | None = None) -> Lab:
        from swarmlab import inventory as inv_mod
        from swarmlab import recordings

        mode = mode or os.environ.get("SWARMLAB_MODE") or None
        recording = recording or os.environ.get("SWARMLAB_RECORDING") or None
        inv = inventory
        if isinstance(inv, (str, Path)):
            inv = inv_mod.load(inv)
        if mode is None:
            inv = inv or (None if recording else inv_mod.discover())
            mode = "live" if inv is not None else "replay"
        if mode not in MODES:
            raise SwarmlabError(f"mode {mode!r}: one of {', '.join(MODES)}")
        if mode == "replay":
            from swarmlab.transport.replay import ReplayTransport

            path = Path(recording) if recording else recordings.default()
            t = ReplayTransport(path)
            prov = t.recording.provenance
            return cls(t, "replay", manager=prov.get("manager"), swarm_nodes=prov.get("swarm_nodes"),
                       images=prov.get("images"), source=f"{t.recording.title} ({path.name})")
        inv = inv or inv_mod.discover()
        if inv is None:
            raise SwarmlabError("no live swarm configured: start one (`swarmlab rig up`, `vagrant up`) or give an "
                                "inventory; or use mode='replay'")
        from swarmlab.transport.ssh import SSHTransport

        live = SSHTransport(inv, known_hosts=inv.extra.get("known_hosts"))
        swarm_nodes = [n.name for n in inv if n.role != "jump"]
        images = inv.extra.get("images")
        if mode == "record":
            from swarmlab.transport.record import RecordingTransport

            if record_to is None:
                raise SwarmlabError("record mode needs record_to=<file.jsonl>")
            prov = {"swarmlab": __version__, "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "where": inv.source, "manager": inv.manager.name, "swarm_nodes": swarm_nodes,
                    "images": images or RIG_IMAGES, **(provenance or {})}
            prov.update(_versions(live, inv.manager.name))
            lab = cls(RecordingTransport(live, record_to, prov), "record", manager=inv.manager.name,
                      swarm_nodes=swarm_nodes, images=images, source=f"recording to {record_to}")
        else:
            lab = cls(live, "live", manager=inv.manager.name, swarm_nodes=swarm_nodes, images=images,
                      source=inv.source)
        lab.inventory = inv
        return lab

    def close(self) -> None:
        self.transport.close()

    def doctor(self) -> str:
        """The doctor's report on the live swarm (a replay has nothing to check: it says where it came from)."""
        if self.inventory is None:
            return f"replaying {self.source}: no live swarm to check"
        from swarmlab import doctor

        return doctor.report(doctor.run(self.transport, self.inventory))

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def label(self) -> str:
        """A short, plain label for pictures: 'replay: seed-docker-tips.jsonl', 'live: <inventory>'."""
        if self.replaying:
            return f"replay: {self.transport.recording.path.name}"  # type: ignore[attr-defined]
        return f"{self.mode}: {self.source}"

    @property
    def replaying(self) -> bool:
        return self.mode == "replay"

    # -- running one step ----------------------------------------------------------------------------------------

    def step(self, step: str, node: str, command: str, *, kind: str | None = None, timeout: float = 120,
             parse: bool = True, check: bool = True, latest: bool = False,
             on_output: Callable[[bytes], None] | None = None) -> StepResult:
        """Run one command of a step. `latest` (replay only): the state at the end of the recording.
        Steps that look into Docker's namespaces run with sudo (a no-op when the node's user is root)."""
        extra: dict[str, Any] = {"latest": True} if latest and self.replaying else {}
        if step in PRIVILEGED_STEPS:
            extra["sudo"] = True
        if on_output is not None and not self.replaying:
            extra["on_output"] = on_output
        try:
            r = self.transport.run(node, command, timeout=timeout, step=step, **extra)
        except NotRecorded as exc:
            if self.strict:
                raise
            missing = StepResult(step, node, command, "", None, replayed=True,
                                 note=f"not in this recording: {str(exc).split(' is not in the recording')[0]}")
            self.log.append(missing)
            return missing
        if check and r.exit_code not in (0, None) and not self.replaying:
            raise CommandFailed(f"[{node}] step {step} failed ({r.exit_code}): {r.command}\n{r.stderr.strip()}",
                                node=node, command=r.command, exit_code=r.exit_code, stdout=r.stdout,
                                stderr=r.stderr)
        result = StepResult(step, node, r.command, r.stdout + r.stderr, r.exit_code, replayed=self.replaying)
        # what a failed command has to say is often on stderr only (`Can't initialize ipvs`): parse that then
        text = r.stdout if r.stdout.strip() or r.exit_code == 0 else r.stderr
        if parse and text.strip():
            try:
                parsed = parse_output(r.command, text, kind=kind)
                result.value, result.frame = parsed.value, parsed.frame
            except ParseError as exc:
                result.note = str(exc)
        self.log.append(result)
        return result

    def _has(self, node: str, step: str) -> bool:
        has = getattr(self.transport, "has", None)
        return True if has is None else bool(has(node, None, step))

    # -- the chapter's steps -------------------------------------------------------------------------------------

    def networks(self, latest: bool = False) -> StepResult:
        return self.step("network_ls", self.manager, c.network_ls(), latest=latest)

    def create_network(self) -> StepResult:
        nets = self.networks()
        if self.network in [n.name for n in nets.value or []]:
            nets.note = f"network {self.network} exists: reused"
            return nets
        return self.step("network_create", self.manager, c.network_create(self.network), parse=False)

    def services(self, latest: bool = False) -> StepResult:
        return self.step("service_ls", self.manager, c.service_ls(), latest=latest)

    def create_services(self, replicas: int = 2) -> list[StepResult]:
        """Step 2 and 4 of the chapter: `web` (whoami, `replicas`) and `client`, on the overlay. Idempotent."""
        out = [self.create_network()]
        existing = [s.name for s in self.services().value or []]
        for name, n in (("web", replicas), ("client", 1)):
            if name in existing:
                r = StepResult("service_create", self.manager, f"# docker service create --name {name} ...", "",
                               0, note=f"service {name} exists: reused")
                out.append(r)
                continue
            out.append(self.step("service_create", self.manager,
                                 c.service_create(name, self.images[name], self.network, n), timeout=300))
        return out

    def tasks(self, service: str = "web") -> StepResult:
        return self.step("service_ps", self.manager, c.service_ps(service))

    def client_node(self) -> str:
        if self.replaying and not self._has(self.manager, "service_ps"):
            return self.manager
        running = [t for t in self.tasks("client").value or [] if not t.history and t.state == "Running"]
        if not running:
            raise SwarmlabError("the client service has no running task: `lab.create_services()` first")
        return running[0].node

    def containers(self, node: str | None = None, service: str | None = None) -> StepResult:
        return self.step("container_ls", node or self.manager, c.container_ls(service))

    def client_container(self) -> tuple[str, str]:
        node = self.client_node()
        listed = self.containers(node, "client")
        ids = [x.id for x in listed.value or [] if x.service == "client"]
        if not ids:
            raise SwarmlabError(f"no client container on {node}")
        return node, ids[0]

    def requests(self, n: int = 3, service: str = "web",
                 progress: Callable[[int, int], None] | None = None) -> StepResult:
        """n requests from the client to `service`, in one remote command; parsed per request. `progress(i, n)`
        is called as the answers stream in (live), or once at the end (replay)."""
        node, container = self.client_container()
        command = c.requests(container, service, n)
        marker = b"swarmlab-request "
        seen = [0]

        def count(out: bytes) -> None:
            done = out.count(marker)
            if progress and done != seen[0]:
                seen[0] = done
                progress(done, n)

        if self.replaying and not self.transport.has(node, command):  # type: ignore[attr-defined]
            result = self._recorded_requests(node, n)
        else:
            result = self.step("requests", node, command, kind="whoami", timeout=max(60, n * 2), check=False,
                               on_output=count if progress else None)
        if progress:
            progress(n, n)
        return result

    def _recorded_requests(self, node: str, n: int) -> StepResult:
        """Replay of `requests(n)` when exactly that was not recorded: the first n recorded answers, from as many
        recorded commands as needed (their outputs shown verbatim), renumbered 1..n."""
        entries = self.transport.entries(node, None, "requests")  # type: ignore[attr-defined]
        if not entries:
            if self.strict:
                raise NotRecorded(f"[{node}] no requests in the recording {self.source}", node=node)
            return StepResult("requests", node, "", "", None, replayed=True, note="not in this recording: requests")
        answers, used = [], []
        for e in entries:
            text = e.stdout.decode("utf-8", errors="replace")
            got = whoami.parse(text)
            used.append(e)
            answers += got
            if len(answers) >= n:
                break
        answers = answers[:n]
        for i, a in enumerate(answers, 1):
            a.seq = i
        result = StepResult("requests", node, " ; ".join(dict.fromkeys(e.command for e in used)),
                            "".join(e.stdout.decode("utf-8", errors="replace") for e in used), 0, replayed=True,
                            note=f"the first {len(answers)} of the recorded answers ({len(used)} recorded command(s))")
        result.value, result.frame = answers, whoami.frame(answers)
        self.log.append(result)
        return result

    def ping(self, service: str = "web", count: int = 2) -> StepResult:
        node, container = self.client_container()
        return self.step("ping", node, c.ping(container, service, count), kind="ping", check=False)

    def nslookup(self, name: str = "web") -> StepResult:
        node, container = self.client_container()
        return self.step("nslookup", node, c.nslookup(container, name), kind="nslookup", check=False)

    def inspect_network(self, node: str | None = None, verbose: bool = True) -> StepResult:
        return self.step("network_inspect", node or self.manager, c.network_inspect(self.network, verbose))

    def namespaces(self, node: str | None = None) -> StepResult:
        return self.step("netns_ls", node or self.manager, c.netns_ls(), kind="netns_ls")

    def lb_namespace(self, node: str | None = None) -> str:
        node = node or self.manager
        nets = self.networks(latest=True).value or []  # the network's id now (replay: at the end)
        return self._lb_namespace_in(node, nets, self.namespaces(node).value or [])

    def _lb_namespace_in(self, node: str, nets: list[Any], entries: list[Any]) -> str:
        """The network's lb_ namespace among `entries` (a node's netns listing), from `nets` (network ls)."""
        net_id = next((x.id for x in nets if x.name == self.network), None)
        if net_id is None:
            raise SwarmlabError(f"network {self.network} not found")
        expected = lb_namespace_for(net_id)
        found = [e.name for e in entries if e.kind == "lb" and net_id.startswith(e.network_prefix or "-")]
        if expected in [e.name for e in entries]:
            return expected
        if found:
            return found[0]
        raise SwarmlabError(f"{node} has no {expected} namespace: it has no task on {self.network}")

    def addresses(self, node: str | None = None, namespace: str | None = None) -> StepResult:
        node = node or self.manager
        return self.step("lb_ip_a", node, c.ip_addr(namespace or self.lb_namespace(node)), kind="ip_addr")

    def marks(self, node: str | None = None, namespace: str | None = None) -> StepResult:
        node = node or self.manager
        return self.step("lb_mangle", node, c.iptables_mangle(namespace or self.lb_namespace(node)),
                         kind="iptables", check=False)

    def ipvs(self, node: str | None = None, stats: bool = False, namespace: str | None = None) -> StepResult:
        """`namespace`: the lb namespace when the caller already knows it (saves looking it up again)."""
        node = node or self.manager
        # a failing ipvsadm is information (`Can't initialize ipvs`): never fatal
        return self.step("lb_ipvs_stats" if stats else "lb_ipvs", node,
                         c.ipvsadm(namespace or self.lb_namespace(node), stats), kind="ipvsadm", check=False)

    # -- the chain -----------------------------------------------------------------------------------------------

    def view(self, node: str, service: str = "web") -> NodeView:
        """Everything one node shows about the network's load balancing, parsed."""
        v = NodeView(node=node, network_name=self.network)
        v.networks = self.networks(latest=True).value or []
        v.netns = self.namespaces(node).value or []
        inspected = self.inspect_network(node)
        nets = inspected.value or []
        v.inspect = nets[0] if nets else None
        namespace = self._lb_namespace_in(node, v.networks, v.netns)  # looked up once, from what we have
        v.lb_addresses = self.addresses(node, namespace).value or []
        v.marks = self.marks(node, namespace).value
        v.ipvs = self.ipvs(node, namespace=namespace).value
        if self.replaying and not self._has(self.manager, "service_ps"):
            v.tasks = []
        else:
            v.tasks = self.tasks(service).value or []
        if v.inspect is None or not any(s.name == service and s.vip for s in v.inspect.services):
            pinged = self.ping(service).value
            if pinged is not None and pinged.destination_ip:
                v.resolved_vip[service] = pinged.destination_ip
        return v

    def lb_nodes(self) -> list[str]:
        """The nodes to build the chain on: those with a recorded (replay) or existing lb namespace."""
        if self.replaying:
            return [n for n in self.swarm_nodes if self._has(n, "lb_ipvs")] or [self.manager]
        return list(self.swarm_nodes)

    def vip_chain(self, service: str = "web", nodes: Iterable[str] | None = None) -> Any:
        """One row per (node, real server): service, VIP, network, lb namespace and endpoint, mark (hex and
        decimal), IPVS virtual service and scheduler, real server, task, task node, container id."""
        views = []
        for node in nodes or self.lb_nodes():
            try:
                views.append(self.view(node, service))
            except (SwarmlabError, NotRecorded) as exc:
                if nodes is not None:
                    raise
                self.log.append(StepResult("vip_chain", node, "", "", None, note=f"skipped: {exc}"))
        return vip_chain(service, views)

    def sample_requests(self, n: int = 100, service: str = "web",
                        progress: Callable[[int, int], None] | None = None) -> Sample:
        """n requests in ONE remote command, parsed per request (seq, hostname, ip, remote_addr), the per-backend
        summary, and the client node's IPVS counters before and after (live, read one estimator round later)."""
        import pandas as pd

        node = self.client_node()
        before = self._ipvs_stats(node)
        if progress:
            progress(0, n)
        result = self.requests(n, service, progress)
        if before is not None and not self.replaying:
            time.sleep(ESTIMATOR_WAIT)
        after = self._ipvs_stats(node)
        answers = result.frame if result.frame is not None else pd.DataFrame()
        ok = answers[answers["ok"]] if len(answers) else answers
        summary = (ok.groupby(["hostname", "task_ip"], dropna=False).size().rename("count").reset_index()
                   if len(ok) else pd.DataFrame(columns=["hostname", "task_ip", "count"]))
        if len(summary):
            summary["share"] = summary["count"] / summary["count"].sum()
        failed = int((~answers["ok"]).sum()) if len(answers) else 0
        notes = [f"{failed} request(s) failed"] if failed else []
        return Sample(result, answers, summary, before, after, notes)

    def _ipvs_stats(self, node: str) -> Any:
        try:
            return self.ipvs(node, stats=True).frame
        except (SwarmlabError, NotRecorded):
            return None

    # -- beyond the chapter: dnsrr and the routing mesh ---------------------------------------------------------

    def create_dnsrr(self, name: str = "webrr", replicas: int = 2) -> StepResult:
        """A service like web, but `--endpoint-mode dnsrr`: no VIP, no mark, no IPVS; DNS answers task IPs."""
        if not self.replaying and name in [s.name for s in self.services(latest=True).value or []]:
            return StepResult("service_create", self.manager, "", "", 0, note=f"service {name} exists: reused")
        return self.step("service_create", self.manager, c.service_create(name, self.images["web"], self.network,
                                                                         replicas, endpoint_mode="dnsrr"),
                         timeout=300)

    def publish(self, name: str = "webpub", port: int = 8080, replicas: int = 2) -> StepResult:
        """A whoami published on `port` through the ingress routing mesh (ingress_sbox on every node)."""
        if not self.replaying and name in [s.name for s in self.services(latest=True).value or []]:
            return StepResult("service_create", self.manager, "", "", 0, note=f"service {name} exists: reused")
        return self.step("service_create", self.manager, c.service_create(name, self.images["web"], None, replicas,
                                                                         publish=f"{port}:80"), timeout=300)

    def ingress_marks(self, node: str | None = None) -> StepResult:
        return self.step("mesh", node or self.manager, c.nsenter("ingress_sbox", "iptables -nvL -t mangle"),
                         kind="iptables")

    def ingress_ipvs(self, node: str | None = None) -> StepResult:
        return self.step("mesh", node or self.manager, c.nsenter("ingress_sbox", "ipvsadm -Ln"), kind="ipvsadm")

    # -- changing the swarm --------------------------------------------------------------------------------------

    def scale(self, service: str, replicas: int) -> StepResult:
        return self.step("scale", self.manager, c.service_scale(service, replicas), kind="service_change",
                         timeout=300)

    def kill_task(self, service: str = "web") -> StepResult:
        """Kill one task's container (the failure lesson): the swarm starts a replacement."""
        tasks = [t for t in self.tasks(service).value or [] if not t.history and t.state == "Running"]
        if not tasks:
            raise SwarmlabError(f"{service} has no running task")
        victim = tasks[0]
        listed = self.containers(victim.node, service).value or []
        target = next((x for x in listed if x.slot == victim.slot or (x.task_id and victim.id in x.task_id)), None)
        if target is None:
            raise SwarmlabError(f"no container of {victim.name} on {victim.node}")
        return self.step("kill_task", victim.node, f"docker kill {target.id}", parse=False)

    def reset(self) -> list[StepResult]:
        """Remove what the lab created (label swarmlab.lab=1): its services, then its network."""
        out = []
        labelled = self.step("reset_list", self.manager,
                             f"docker service ls -q --filter label={c.LAB_LABEL}", parse=False)
        for sid in labelled.output.split():
            out.append(self.step("reset", self.manager, f"docker service rm {sid}", parse=False))
        nets = self.step("reset_list", self.manager,
                         f"docker network ls -q --filter label={c.LAB_LABEL}", parse=False)
        for nid in nets.output.split():
            out.append(self.step("reset", self.manager, f"docker network rm {nid}", parse=False, check=False))
        return out

    def snapshot(self, parallel: bool = True) -> dict[str, dict[str, StepResult]]:
        """The whole load-balancing state of every node (namespaces, every lb_ IPVS table with counters, the
        lb namespace's addresses and marks), nodes in parallel. The network id (one `docker network ls` on the
        manager, the slowest command here) is looked up while the nodes list their namespaces and IPVS tables;
        only the addresses and marks wait for it, to know which lb_ namespace is the lab network's."""

        def network_id() -> str | None:
            nets = self.networks(latest=True).value or []
            return next((x.id for x in nets if x.name == self.network), None)

        def first(node: str) -> dict[str, StepResult]:
            return {"netns": self.namespaces(node),
                    "ipvs_all": self.step("ipvs_all", node, c.ipvsadm_all_lb(True), kind="ipvsadm_per_namespace",
                                          check=False)}

        def rest(node: str, state: dict[str, StepResult], net_id: str | None) -> dict[str, StepResult]:
            names = [e.name for e in state["netns"].value or []]
            namespace = lb_namespace_for(net_id) if net_id else None
            if namespace in names:
                state["addresses"] = self.step("lb_ip_a", node, c.ip_addr(namespace), kind="ip_addr", check=False)
                state["marks"] = self.step("lb_mangle", node, c.iptables_mangle(namespace), kind="iptables",
                                           check=False)
            return state

        nodes = list(self.swarm_nodes)
        if not parallel:
            net_id = network_id()
            return {n: rest(n, first(n), net_id) for n in nodes}
        with ThreadPoolExecutor(max_workers=len(nodes) + 1) as pool:
            looked_up = pool.submit(network_id)
            firsts = {n: pool.submit(first, n) for n in nodes}
            net_id = looked_up.result()
            rests = {n: pool.submit(rest, n, firsts[n].result(), net_id) for n in nodes}
            return {n: rests[n].result() for n in nodes}

def _versions(t: Transport, manager: str) -> dict[str, str]:
    out = {}
    for key, command in (("docker", "docker version --format '{{.Server.Version}}'"), ("kernel", "uname -r")):
        try:
            out[key] = t.run(manager, command, timeout=30).stdout.strip()
        except SwarmlabError:
            out[key] = "unknown"
    return out




