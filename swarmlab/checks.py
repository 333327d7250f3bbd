"""Self-checks that end each lesson: they inspect the student's own swarm (or the recording) and say what is
right and what is off, in English or Chinese (`Report.lang`; `course.check(lesson_id)` sets it from the lesson's
LANG). Every claim follows docs/swarm-lb-facts.md. Checks look at the client's node: the lb namespace there is the
one that handles the client's packets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from swarmlab.commands import steps as st
from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.i18n import Listed, Msg, _, rendered, t
from swarmlab.lab import Lab
from swarmlab.parsers.netns_ls import lb_namespace_for


@dataclass
class Report:
    topic: str
    lines: list[tuple[bool | None, str]] = field(default_factory=list)
    lang: str = "en"

    def ok(self, cond: bool, good: str, bad: str) -> bool:
        self.lines.append((bool(cond), good if cond else bad))
        return bool(cond)

    def skip(self, why: str) -> None:
        self.lines.append((None, why))

    @property
    def passed(self) -> bool:
        return all(flag is not False for flag, _ in self.lines)

    def rendered(self) -> list[tuple[bool | None, str]]:
        return [(flag, rendered(text, self.lang)) for flag, text in self.lines]

    def title(self) -> str:
        return _("Self-check: {topic}", self.lang, topic=rendered(self.topic, self.lang))

    def __str__(self) -> str:
        marks = {True: "✓", False: "✗", None: "–"}
        return "\n".join([self.title(), *(f"  {marks[f]} {x}" for f, x in self.rendered())])

    def _repr_html_(self) -> str:
        import html
        import re

        colours = {True: "#009E73", False: "#D55E00", None: "#999999"}
        marks = {True: "✓", False: "✗", None: "–"}
        # `code` (a name, a command, a command's own words as printed) shown as code
        def coded(text: str) -> str:
            return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))

        rows = "".join(f'<li style="color:{colours[f]}">{marks[f]} {coded(x)}</li>' for f, x in self.rendered())
        return (f"<div class='swarmlab-selfcheck'><b>{html.escape(self.title())}</b>"
                f"<ul style='list-style:none'>{rows}</ul></div>")


def _guard(report: Report, action: Callable[[], None]) -> Report:
    """`action()`, its errors as lines: what a recording does not hold is skipped (`NotRecorded`), saying what."""
    try:
        action()
    except NotRecorded as exc:
        report.skip(t("not in this recording: {what}", what=exc.asked))
    except SwarmlabError as exc:
        said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Msg) else str(exc).splitlines()[0]
        report.ok(False, "", t("{error}", error=said))  # the lab's own words, after 出错： in Chinese
    return report


def _client_node(lab: Lab) -> str:
    """The node whose lb namespace handles the client's packets (the manager when the recording cannot say)."""
    try:
        return lab.client_node()
    except SwarmlabError:
        return lab.manager


def setup(lab: Lab) -> Report:
    r = Report(t("the lab and the swarm"))

    def run() -> None:
        nodes = list(lab.swarm_nodes)
        r.ok(len(nodes) >= 2, t("the swarm has {n_nodes} nodes: {nodes}", n_nodes=len(nodes), nodes=Listed(nodes)),
             t("the swarm has {n_nodes} node(s): load balancing across nodes needs at least two (the chapter uses "
               "three)", n_nodes=len(nodes)))
        nets = {n.name: n for n in lab.networks().value or []}
        ingress = nets.get("ingress")
        r.ok(ingress is not None and ingress.driver == "overlay",
             t("{manager} is in swarm mode: it has the ingress overlay network", manager=lab.manager),
             t("{manager} has no ingress network: it is not in a swarm (docker swarm init)", manager=lab.manager))

    return _guard(r, run)


def services(lab: Lab) -> Report:
    r = Report(t("the overlay network and the services"))

    def run() -> None:
        nets = {n.name: n for n in lab.networks(latest=True).value or []}
        net = nets.get(lab.network)
        r.ok(net is not None and net.driver == "overlay" and net.scope == "swarm",
             t("{network} is an overlay network of swarm scope", network=lab.network),
             t("{network} is missing or not a swarm overlay (docker network create -d overlay {network})",
               network=lab.network))
        svc = {s.name: s for s in lab.services(latest=True).value or []}
        for name in ("web", "client"):
            s = svc.get(name)
            r.ok(s is not None and s.running == s.desired and (s.running or 0) > 0,
                 t("{name}: {replicas} tasks running", name=name, replicas=s.replicas if s else ''),
                 t("{name} is missing or not converged ({replicas})",
                   name=name, replicas=s.replicas if s else t('absent')))

    return _guard(r, run)


def vip(lab: Lab) -> Report:
    r = Report(t("the VIP"))

    def run() -> None:
        pinged = lab.ping("web").value
        answered = bool(pinged and pinged.received)
        dest = pinged.destination_ip if pinged else "?"
        no_traffic = t("the VIP carries no traffic (IPVS missing? `swarmlab doctor`)")
        r.ok(answered, t("`ping web` is answered, from {dest}", dest=dest),
             t("`ping web` got no answer: {no_traffic}", no_traffic=no_traffic))
        answers = [a for a in lab.requests(4).value or [] if a.ok]
        if not answers:
            r.ok(False, "", t(
                "no request to `web` was answered: {no_traffic}", no_traffic=no_traffic))
            return
        hosts = {a.hostname for a in answers}
        r.ok(len(hosts) >= 2, t("requests to `web` were answered by {n_hosts} different tasks", n_hosts=len(hosts)),
             t("requests to `web` were answered by a single task: is web running 2 replicas?"))
        task_ips = {a.task_ip for a in answers if a.task_ip}
        if answered and pinged is not None:
            r.ok(pinged.destination_ip not in task_ips,
                 t("the address `web` resolves to is not a task's: it is the VIP"),
                 t("`web` resolved to a task address: the service runs with --endpoint-mode dnsrr"))
        remote = {a.remote_addr for a in answers}
        first = next(iter(remote))
        r.ok(len(remote) == 1,
             t("every task saw the same client address {first}, not the client's own (lesson 03 shows whose it is)",
               first=first),
             t("tasks saw different client addresses"))
    return _guard(r, run)


def lb_namespace(lab: Lab) -> Report:
    r = Report(t("the load-balancer namespace"))

    def run() -> None:
        node = _client_node(lab)
        nets = lab.networks(latest=True).value or []
        net_id = next((n.id for n in nets if n.name == lab.network), "")
        ns = lab.lb_namespace(node)
        r.ok(ns == lb_namespace_for(net_id),
             t("{ns} (on {node}) is lb_ + the first 9 characters of the network id {net_id}",
               ns=ns, node=node, net_id=net_id),
             t("{ns} does not match lb_ + 9 characters of {net_id}", ns=ns, net_id=net_id))
        eth0 = next((i for i in lab.addresses(node).value or [] if i.name == "eth0"), None)
        vips = eth0.vips if eth0 else []
        r.ok(bool(vips), t("the namespace holds the VIPs as /32 addresses: {vips}", vips=Listed(vips)),
             t("no /32 VIP in the lb namespace: is IPVS missing on this kernel (swarmlab doctor)?"))

    return _guard(r, run)


def marks_and_ipvs(lab: Lab) -> Report:
    r = Report(t("marks and IPVS"))

    def run() -> None:
        node = _client_node(lab)
        chain = lab.vip_chain("web", [node])
        row = chain.iloc[0]
        has_mark = bool(row.mark_rule) if str(row.mark_rule) != "<NA>" else False
        r.ok(has_mark, t("on {node}, packets to the VIP {vip} get mark {mark_hex} (= {mark})",
                         node=node, vip=row.vip, mark_hex=row.mark_hex, mark=row.mark),
             t("no MARK rule for the VIP {vip} in the lb namespace on {node} (Docker numbered its load balancer "
               "{mark}, but never programmed it: IPVS missing?)", vip=row.vip, node=node, mark=row.mark))
        if has_mark:
            r.ok(int(row.mark) >= 0x100,
                 t("marks count up from 0x100 (256) on each node, never reused while its dockerd runs (they start "
                   "again at 0x100 when dockerd restarts)"),
                 t("mark {mark} is below 0x100: not Docker's", mark=row.mark))
        reals = chain.real_server.dropna().tolist()
        r.ok(bool(reals) and row.scheduler == "rr",
             t("IPVS FWM {mark} sends round robin to {n_reals} real servers: {reals}",
               mark=row.mark, n_reals=len(reals), reals=Listed(reals)),
             t("no IPVS service for the mark"))
        if reals:
            r.ok(set(chain.forward.dropna()) == {"Masq"},
                 t("real servers are reached by NAT (Masq: the destination is rewritten), weight 1"),
                 t("unexpected forwarding method"))

    return _guard(r, run)


def few_repeats(total: int, backends: int, repeats: int) -> bool:
    """Round robin repeats a backend only when a reused client port keeps its real server (conn_reuse_mode=0): far
    fewer times than choosing a backend at random, which repeats (total - 1) / backends times on average. Without
    this, two backends always pass the even-share test (|a - b| <= repeats + 1 holds for any sequence): a 99/1
    split with 98 repeats would pass as round robin."""
    return backends >= 2 and repeats <= (total - 1) / backends / 2


def distribution(lab: Lab, n: int = 100) -> Report:
    r = Report(t("the request distribution"))

    def run() -> None:
        sample = lab.sample_requests(n)
        backends = len(sample.summary)
        total = int(sample.summary["count"].sum()) if backends else 0
        r.ok(backends >= 2, t("{total} requests were spread over {backends} backends", total=total, backends=backends),
             t("only one backend answered"))
        if backends >= 2:
            # each answer that repeats the previous backend (a reused client port, conn_reuse_mode=0) may move
            # one backend one answer off its even share; round robin itself keeps them within one
            reused = sample.repeats
            dev = f"{sample.largest_deviation:.1%}"
            r.ok(sample.largest_offset <= reused + 1,
                 t("round robin: the largest deviation from an even share is {dev}; {reused} answer(s) repeated the "
                   "previous backend (a reused client port keeps its real server: conn_reuse_mode=0)", dev=dev,
                   reused=reused) if reused else
                 t("round robin: the largest deviation from an even share is {dev}", dev=dev),
                 t("uneven: the largest deviation is {dev}, more than {reused} reused port(s) explain (other "
                   "clients, or a task that came or went during the sample)", dev=dev, reused=reused))
            r.ok(few_repeats(total, backends, reused),
                 t("{reused} repeat(s) in {total} answers: far fewer than a random choice of backend would give "
                   "(about {expected:.0f})", reused=reused, total=total, expected=(total - 1) / backends),
                 t("{reused} repeat(s) in {total} answers: as many as a random choice of backend would give (about "
                   "{expected:.0f}); this is not round robin", reused=reused, total=total,
                   expected=(total - 1) / backends))

    return _guard(r, run)


# A node's IPVS can lag behind `docker service ps`: in lesson 06's recording the replacement task is `Running` (seq
# 43, 50) while the manager's and swarm-worker1's lb namespaces do not list it yet (seq 35, 42); they do a few seconds
# later (seq 57, 64). So the check reads again, a few times, before it says the two disagree. In a replay its reads
# are the state at the end of the recording: the live check's last reads (seq 57-73), where the two agree.
SETTLE_READS = 8
SETTLE_PAUSE_S = 3.0


def scaling(lab: Lab) -> Report:
    r = Report(t("scaling: IPVS follows the replicas"))

    def run() -> None:
        for read in range(SETTLE_READS):
            chain = lab.vip_chain("web", latest=True)  # the swarm now (a recording: at its end)
            tasks = [x for x in lab.tasks("web", latest=True).value or [] if not x.history and x.state == "Running"]
            per_node = chain.groupby("node").real_server.nunique().to_dict()
            # nothing read is no evidence: a chain with no node, or no running task, fails
            agree = bool(per_node) and bool(tasks) and all(v == len(tasks) for v in per_node.values())
            if agree or read == SETTLE_READS - 1:
                break
            lab.transport.pause(SETTLE_PAUSE_S)
        r.ok(agree, t("every node's IPVS has the {n_tasks} running tasks", n_tasks=len(tasks)),
             t("IPVS and tasks disagree: {per_node}", per_node=per_node))

    return _guard(r, run)


def dnsrr(lab: Lab, name: str = "webrr") -> Report:
    r = Report(t("dnsrr versus VIP"))

    def run() -> None:
        by_name = lab.nslookup(name).value
        by_tasks = lab.nslookup(f"tasks.{name}").value
        names = set(by_name.addresses) if by_name else set()
        tasks = set(by_tasks.addresses) if by_tasks else set()
        r.ok(len(names) >= 2 and names == tasks,
             t("`{name}` resolves to the task IPs themselves: {names}", name=name, names=Listed(sorted(names))),
             t("`{name}` resolved to {names}, tasks.{name} to {tasks}",
               name=name, names=Listed(sorted(names)), tasks=Listed(sorted(tasks))))
        vip = lab.ping("web").value
        dest = vip.destination_ip if vip else ""
        r.ok(vip is not None and vip.destination_ip not in names,
             t("while the VIP service `web` resolves to one address, its VIP {dest}", dest=dest),
             t("`web` did not resolve to a VIP of its own"))

    return _guard(r, run)


def mesh(lab: Lab, port: int = 8080) -> Report:
    r = Report(t("the ingress routing mesh"))

    def run() -> None:
        node = _client_node(lab)
        names = [e.name for e in lab.namespaces().value or []]
        r.ok("ingress_sbox" in names, t("the node has the ingress_sbox namespace"),
             t("no ingress_sbox namespace"))
        rules = lab.ingress_marks().value
        marks = rules.marks() if rules else []
        rule = next((x for x in marks if x.chain == "PREROUTING" and x.dport == str(port)), None)
        hexmark = rule.mark_hex if rule else ""
        r.ok(rule is not None, t("ingress_sbox on {node} marks packets to port {port} in PREROUTING ({hexmark})",
                                 node=node, port=port, hexmark=hexmark),
             t("no PREROUTING mark for port {port}", port=port))
        table = lab.ingress_ipvs().value
        service = table.service(rule.mark) if table and rule and rule.mark is not None else None
        mark = rule.mark if rule else ""
        count = len(service.reals) if service else 0
        r.ok(service is not None and len(service.reals) >= 1,
             t("IPVS FWM {mark} spreads them over {count} tasks", mark=mark, count=count),
             t("no IPVS service for the published port's mark"))

    return _guard(r, run)


def published(lab: Lab, service: str = "webauto") -> Report:
    """Lesson 11: swarm assigned `service` a port from its range; the manager's DOCKER-INGRESS sends that port to
    ingress_sbox; dockerd holds the port open, yet a request answered through it leaves nothing on that socket."""
    from swarmlab.commands.bounds import ASSIGNED

    r = Report(t("a port swarm assigned"))

    def run() -> None:
        node = lab.manager
        ports = lab.run(st.SERVICE_INSPECT, name=service, format="{{json .Endpoint.Ports}}").value or []
        port = next((p.published for s in ports for p in s.published if p.published), None)
        low, high = ASSIGNED
        r.ok(port is not None and low <= port <= high,
             t("swarm published {service} on port {port}, in its range {low}-{high}", service=service, port=port,
               low=low, high=high),
             t("{service} has no published port in {low}-{high} ({port})", service=service, port=port, low=low,
               high=high))
        rules = lab.run(st.HOST_INGRESS_NAT, node).value
        dnat = [x for x in (rules.rules if rules else []) if x.target == "DNAT" and x.dport == str(port)]
        r.ok(bool(dnat), t("DOCKER-INGRESS on {node} DNATs port {port}", node=node, port=port),
             t("no DNAT rule for port {port} in DOCKER-INGRESS on {node}", node=node, port=port))
        answers = (lab.run(st.MESH_REQUEST, node, port=port).value or []) if port else []
        sockets = lab.run(st.LISTENING, node).value or []
        held = next((x for x in sockets if x.port == port), None)
        r.ok(held is not None and held.process == "dockerd",
             t("dockerd holds port {port} open on {node}", port=port, node=node),
             t("port {port} on {node} is held by {process}, not dockerd", port=port, node=node,
               process=held.process if held else "-"))
        queued = held.recv_q if held else 0
        r.ok(any(a.ok for a in answers) and queued == 0,
             t("a request to port {port} was answered, and dockerd's socket on it has nothing waiting (Recv-Q 0)",
               port=port),
             t("port {port}: no answer, or {queued} connection(s) waiting on dockerd's socket (Recv-Q)", port=port,
               queued=queued))

    return _guard(r, run)


def no_ipvs(lab: Lab) -> Report:
    """The break-it lesson's diagnosis: every symptom of a kernel without IPVS is there. It fails on a healthy
    swarm (that is the point: the student learns what each healthy output rules out)."""
    r = Report(t("diagnosis: a swarm without IPVS"))

    def run() -> None:
        node = _client_node(lab)
        inspected = lab.inspect_network(node).value or []
        web = next((s for s in (inspected[0].services if inspected else []) if s.name == "web"), None)
        r.ok(web is not None and bool(web.vip),
             t("the manager still allocated web a VIP ({vip}) and {node} numbered it {mark}",
               vip=web.vip if web else '', node=node, mark=web.mark if web else ''),
             t("web has no VIP in `docker network inspect -v`"))
        answers = lab.requests(3).value or []
        r.ok(bool(answers) and not any(a.ok for a in answers),
             t("requests to web get no answer"),
             t("requests to web are answered: the VIP works here"))
        table = lab.ipvs(node).value
        broken = table is not None and table.mode == "unavailable"
        error = (table.error or "") if table is not None and broken else ""
        said = re.search(r"Can't initialize ipvs: .*?(?= Are you sure|$)", error)  # ipvsadm's own words, not modprobe's
        error = said.group(0) if said else error
        r.ok(broken, t("ipvsadm in the lb namespace on {node}: `{error}`", node=node, error=error),
             t("ipvsadm works on {node}: this kernel has IPVS", node=node))

    return _guard(r, run)


def trace(lab: Lab, service: str = "web") -> Report:
    """One more request followed at every point: each of the trace's own checks is a line. It fails when a hop
    or the kernel's view disagrees (a dropped request, a task that did not answer, a NAT that did not happen)."""
    r = Report(t("one request followed packet by packet"))

    def run() -> None:
        followed = lab.trace_request(service)
        r.ok(bool(followed.hops), t("a new request: its SYN and SYN-ACK seen {n_hops} times at the capture points",
                                    n_hops=len(followed.hops)),
             t("the request was not seen leaving the client"))
        for c in followed.checks:
            r.ok(c.ok, t("{what}: {detail}", what=c.what, detail=c.detail),
                 t("NOT: {what}: {detail}", what=c.what, detail=c.detail))

    return _guard(r, run)


ALL = {"setup": setup, "services": services, "vip": vip, "lb_namespace": lb_namespace,
       "marks_and_ipvs": marks_and_ipvs, "distribution": distribution, "scaling": scaling, "dnsrr": dnsrr,
       "mesh": mesh}
DIAGNOSES = {"no_ipvs": no_ipvs}  # they pass on a broken swarm, so they are not in ALL
# they need a recording that holds what they run (a trace: its captures; published: lesson 11's webauto), so they
# are not in ALL either: ALL's checks pass on every session recording
TRACES = {"trace": trace, "published": published}
