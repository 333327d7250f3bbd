"""Self-checks that end each notebook: they inspect the student's own swarm (or the recording) and say what is
right and what is off. Every claim follows docs/swarm-lb-facts.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from swarmlab.errors import NotRecorded, ParseError, SwarmlabError
from swarmlab.lab import Lab
from swarmlab.parsers.netns_ls import lb_namespace_for


@dataclass
class Report:
    topic: str
    lines: list[tuple[bool | None, str]] = field(default_factory=list)

    def ok(self, cond: bool, good: str, bad: str) -> bool:
        self.lines.append((bool(cond), good if cond else bad))
        return bool(cond)

    def skip(self, why: str) -> None:
        self.lines.append((None, why))

    @property
    def passed(self) -> bool:
        return all(flag is not False for flag, _ in self.lines)

    def __str__(self) -> str:
        marks = {True: "✓", False: "✗", None: "–"}
        return "\n".join([f"Self-check: {self.topic}", *(f"  {marks[f]} {t}" for f, t in self.lines)])

    def _repr_html_(self) -> str:
        import html

        colours = {True: "#009E73", False: "#D55E00", None: "#999999"}
        marks = {True: "✓", False: "✗", None: "–"}
        rows = "".join(f'<li style="color:{colours[f]}">{marks[f]} {html.escape(t)}</li>' for f, t in self.lines)
        return f"<b>Self-check: {html.escape(self.topic)}</b><ul style='list-style:none'>{rows}</ul>"


def _guard(report: Report, action: Callable[[], None], lab: Lab | None = None) -> Report:
    strict = lab.strict if lab is not None else None
    if lab is not None:
        lab.strict = True  # a check must know when data is missing
    try:
        action()
    except NotRecorded as exc:
        report.skip(f"not in this recording: {str(exc).split(' is not in the recording')[0]}")
    except SwarmlabError as exc:
        report.ok(False, "", str(exc).splitlines()[0])
    finally:
        if lab is not None and strict is not None:
            lab.strict = strict
    return report


def services(lab: Lab) -> Report:
    r = Report("the overlay network and the services")

    def run() -> None:
        nets = {n.name: n for n in lab.networks(latest=True).value or []}
        net = nets.get(lab.network)
        r.ok(net is not None and net.driver == "overlay" and net.scope == "swarm",
             f"{lab.network} is an overlay network of swarm scope",
             f"{lab.network} is missing or not a swarm overlay (docker network create -d overlay {lab.network})")
        svc = {s.name: s for s in lab.services(latest=True).value or []}
        for name in ("web", "client"):
            s = svc.get(name)
            r.ok(s is not None and s.running == s.desired and (s.running or 0) > 0,
                 f"{name}: {s.replicas if s else ''} tasks running",
                 f"{name} is missing or not converged ({s.replicas if s else 'absent'})")

    return _guard(r, run, lab)


def vip(lab: Lab) -> Report:
    r = Report("the VIP")

    def run() -> None:
        pinged = lab.ping("web").value
        answered = bool(pinged and pinged.received)
        r.ok(answered, f"`ping web` is answered, from {pinged.destination_ip if pinged else '?'}",
             "`ping web` got no answer: the VIP carries no traffic (IPVS missing? `swarmlab doctor`)")
        answers = [a for a in lab.requests(4).value or [] if a.ok]
        if not answers:
            r.ok(False, "", "no request to `web` was answered: the VIP carries no traffic (IPVS missing? "
                            "`swarmlab doctor`)")
            return
        hosts = {a.hostname for a in answers}
        r.ok(len(hosts) >= 2, f"requests to `web` were answered by {len(hosts)} different tasks",
             "requests to `web` were answered by a single task: is web running 2 replicas?")
        task_ips = {a.task_ip for a in answers if a.task_ip}
        if answered:
            r.ok(pinged.destination_ip not in task_ips,
                 "the address `web` resolves to is not a task's: it is the VIP",
                 "`web` resolved to a task address: the service runs with --endpoint-mode dnsrr")
        remote = {a.remote_addr for a in answers}
        r.ok(len(remote) == 1, f"every task saw the same client address {next(iter(remote))}"
             " (the lb endpoint: IPVS masquerades)", "tasks saw different client addresses")
    return _guard(r, run, lab)


def lb_namespace(lab: Lab) -> Report:
    r = Report("the load-balancer namespace")

    def run() -> None:
        nets = lab.networks(latest=True).value or []
        net_id = next((n.id for n in nets if n.name == lab.network), "")
        ns = lab.lb_namespace()
        r.ok(ns == lb_namespace_for(net_id), f"{ns} is lb_ + the first 9 characters of the network id {net_id}",
             f"{ns} does not match lb_ + 9 characters of {net_id}")
        eth0 = next((i for i in lab.addresses().value or [] if i.name == "eth0"), None)
        vips = eth0.vips if eth0 else []
        r.ok(bool(vips), f"the namespace holds the VIPs as /32 addresses: {', '.join(vips)}",
             "no /32 VIP in the lb namespace: is IPVS missing on this kernel (swarmlab doctor)?")

    return _guard(r, run, lab)


def marks_and_ipvs(lab: Lab) -> Report:
    r = Report("marks and IPVS")

    def run() -> None:
        chain = lab.vip_chain("web", [lab.manager] if lab.replaying else None)
        row = chain.iloc[0]
        has_mark = bool(row.mark_rule) if str(row.mark_rule) != "<NA>" else False
        r.ok(has_mark, f"packets to the VIP {row.vip} get mark {row.mark_hex} (= {row.mark})",
             f"no MARK rule for the VIP {row.vip} in the lb namespace (Docker numbered its load balancer "
             f"{row.mark}, but never programmed it: IPVS missing?)")
        if has_mark:
            r.ok(int(row.mark) >= 0x100, "marks count up from 0x100 (256) on each node, never reused",
                 f"mark {row.mark} is below 0x100: not Docker's")
        reals = chain.real_server.dropna().tolist()
        r.ok(bool(reals) and row.scheduler == "rr",
             f"IPVS FWM {row.mark} sends round robin to {len(reals)} real servers: {', '.join(reals)}",
             "no IPVS service for the mark")
        if reals:
            r.ok(set(chain.forward.dropna()) == {"Masq"}, "real servers are reached by NAT (Masq), weight 1",
                 "unexpected forwarding method")

    return _guard(r, run, lab)


def distribution(lab: Lab, n: int = 100) -> Report:
    r = Report("the request distribution")

    def run() -> None:
        sample = lab.sample_requests(n)
        backends = len(sample.summary)
        total = int(sample.summary["count"].sum()) if backends else 0
        r.ok(backends >= 2, f"{total} requests were spread over {backends} backends", "only one backend answered")
        if backends >= 2:
            # each answer that repeats the previous backend (a reused client port, conn_reuse_mode=0) may move
            # one backend one answer off its even share; round robin itself keeps them within one
            reused = sample.repeats
            r.ok(sample.largest_offset <= reused + 1,
                 f"round robin: the largest deviation from an even share is {sample.largest_deviation:.1%}"
                 + (f"; {reused} answer(s) repeated the previous backend (a reused client port keeps its real "
                    "server: conn_reuse_mode=0)" if reused else ""),
                 f"uneven: the largest deviation is {sample.largest_deviation:.1%}, more than {reused} reused "
                 "port(s) explain (other clients, or a task that came or went during the sample)")

    return _guard(r, run, lab)


def scaling(lab: Lab) -> Report:
    r = Report("scaling: IPVS follows the replicas")

    def run() -> None:
        from swarmlab.parsers import ipvsadm
        from swarmlab.widgets import recorded_scale_states

        if lab.replaying:
            states = recorded_scale_states(lab)
            if not states:
                r.skip("this recording has no scaling")
                return
            for replicas, entries in sorted(states.items()):
                tables = []
                for e in entries:
                    if e.step == "ipvs_all":
                        try:
                            tables.append(ipvsadm.parse_per_namespace(e.output))
                        except ParseError:  # a namespace torn down while it was listed: nothing to count
                            continue
                reals = {len(s.reals) for t in tables for table in t.values() for s in table.services
                         if len(s.reals) not in (0,)}
                r.ok(replicas in reals, f"after scaling to {replicas}: an IPVS service with {replicas} real servers",
                     f"after scaling to {replicas}: no IPVS service with {replicas} real servers ({sorted(reals)})")
            return
        chain = lab.vip_chain("web")
        tasks = [t for t in lab.tasks("web").value or [] if not t.history and t.state == "Running"]
        per_node = chain.groupby("node").real_server.nunique().to_dict()
        r.ok(all(v == len(tasks) for v in per_node.values()),
             f"every node's IPVS has the {len(tasks)} running tasks", f"IPVS and tasks disagree: {per_node}")

    return _guard(r, run, lab)


def dnsrr(lab: Lab, name: str = "webrr") -> Report:
    r = Report("dnsrr versus VIP")

    def run() -> None:
        by_name = lab.nslookup(name).value
        by_tasks = lab.nslookup(f"tasks.{name}").value
        names, tasks = set(by_name.addresses), set(by_tasks.addresses)
        r.ok(len(names) >= 2 and names == tasks, f"`{name}` resolves to the task IPs themselves: {sorted(names)}",
             f"`{name}` resolved to {sorted(names)}, tasks.{name} to {sorted(tasks)}")
        vip = lab.ping("web").value
        r.ok(vip is not None and vip.destination_ip not in names,
             f"while the VIP service `web` answers from one address, its VIP {vip.destination_ip if vip else ''}",
             "`web` did not answer from a VIP of its own")

    return _guard(r, run, lab)


def mesh(lab: Lab, port: int = 8080) -> Report:
    r = Report("the ingress routing mesh")

    def run() -> None:
        names = [e.name for e in lab.namespaces().value or []]
        r.ok("ingress_sbox" in names, "the node has the ingress_sbox namespace", "no ingress_sbox namespace")
        rules = lab.ingress_marks().value
        rule = next((x for x in rules.marks() if x.chain == "PREROUTING" and x.dport == str(port)), None)
        r.ok(rule is not None, f"ingress_sbox marks packets to port {port} in PREROUTING"
             f" ({rule.mark_hex if rule else ''})", f"no PREROUTING mark for port {port}")
        table = lab.ingress_ipvs().value
        service = table.service(rule.mark) if rule else None
        r.ok(service is not None and len(service.reals) >= 1,
             f"IPVS FWM {rule.mark if rule else ''} spreads them over {len(service.reals) if service else 0} tasks",
             "no IPVS service for the published port's mark")

    return _guard(r, run, lab)


ALL = {"services": services, "vip": vip, "lb_namespace": lb_namespace, "marks_and_ipvs": marks_and_ipvs,
       "distribution": distribution, "scaling": scaling, "dnsrr": dnsrr, "mesh": mesh}
