"""Follow one request packet by packet: `lab.trace_request("web")`, `swarmlab trace`.

Captures start at once (tcpdump, `swarmlab.commands.chapter.capture_start`) in

* the client task's network namespace (its sandbox),
* the network's lb_ namespace on the client's node,
* the client node's underlay (its own namespace: VXLAN, UDP 4789, to and from the client node only),
* every running task of the service (whichever answers),

then the client sends exactly one request, and every capture is stopped (always: also when the request or a start
fails; each capture is bounded by `timeout` and a packet count on the node anyway). The packets of that one
connection are found at every point by the client's initial TCP sequence number (NAT rewrites addresses and ports,
never sequence numbers): the SYN on its way to the server, the SYN-ACK on its way back. `Trace.hops` lists them in
path order, with what changed since the previous hop and which rule changed it; `Trace.checks` holds the hop
table against the kernel's own view of the connection (`ipvsadm -Lnc`, `conntrack -L` in the lb namespace) and
against the answer itself (the whoami lines of the task that answered).

Only the lab's addresses are captured: the overlay subnet's TCP port of the service, and VXLAN to or from the
client's node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.commands import steps as S
from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.i18n import LANGS, N_, Joined, Listed, Msg, _, t
from swarmlab.lab.results import StepResult
from swarmlab.parsers.conntrack import Entry as ConntrackEntry
from swarmlab.parsers.ipvs_connections import Connection
from swarmlab.parsers.network_inspect import NetworkInfo
from swarmlab.parsers.service_ps import Task
from swarmlab.parsers.tcpdump import Packet
from swarmlab.parsers.whoami import Answer

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.lab.core import Lab

VXLAN_PORT = 4789
ROLES = ("client", "lb", "underlay", "task")


@dataclass
class CapturePoint:
    """Where one capture listens: its role on the path, node and namespace (None: the node's own, the underlay)."""

    name: str
    role: str
    node: str
    namespace: str | None
    bpf: str
    task: str | None = None        # the task's name (web.1.<id>) for a task point
    pid: int | None = None
    result: StepResult[list[Packet]] | None = None

    @property
    def packets(self) -> list[Packet]:
        return list(self.result.value or []) if self.result is not None else []


@dataclass
class Hop:
    """One sighting of the followed packet: the request's SYN or the reply's SYN-ACK at one capture point."""

    way: str                       # request | reply
    point: str
    role: str
    node: str
    namespace: str                 # the namespace's file name, or "(node)" for the underlay
    interface: str
    direction: str                 # In | Out (as tcpdump saw it at that point)
    src: str                       # ip:port of the packet (the carried packet for VXLAN)
    dst: str
    protocol: str                  # "TCP SYN", "TCP SYN-ACK"
    outer: str = ""                # VXLAN: "10.99.0.12:57674 -> 10.99.0.11:4789 VNI 4097"
    changed: list[tuple[str, str, str]] = field(default_factory=list)   # (field, before, after)
    rule: str = ""                 # a key of RULES: what made the change
    time: float = 0.0


@dataclass
class Check:
    what: Msg    # what is checked (its English is the check's name)
    ok: bool
    detail: Msg  # what was found: addresses and counts as the captures show them

    def said(self, lang: str = "en") -> str:
        """What is checked, in `lang`."""
        return self.what.render(lang)

    def told(self, lang: str = "en") -> str:
        """What was found, in `lang`."""
        return self.detail.render(lang)


@dataclass
class Trace:
    service: str
    mode: str                      # "vip" or "dnsrr" (no VIP: the client goes to a task directly)
    network: NetworkInfo
    client_node: str
    client_ip: str | None
    vip: str | None
    lb_endpoint: str | None
    lb_namespace: str | None
    points: list[CapturePoint]
    request: StepResult[list[Answer]]
    answer: Answer | None
    hops: list[Hop]
    connections: list[Connection]
    conntrack: list[ConntrackEntry]
    rules: dict[str, str]
    checks: list[Check]
    answered_by: CapturePoint | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # how long each phase took (live: the benchmark's)

    @property
    def ok(self) -> bool:
        return bool(self.hops) and all(c.ok for c in self.checks)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """The hop table: one row per sighting, in path order, with what changed and why, in `lang`."""
        import pandas as pd

        node_ns = _("(node)", lang)
        rows = [(i, _(WORDS[h.way], lang), self.where(h, lang), h.node,
                 node_ns if h.namespace == "(node)" else h.namespace, f"{h.interface} {h.direction}",
                 h.src, h.dst, h.protocol + (f" [VXLAN {h.outer}]" if h.outer else ""), changes_text(h, lang),
                 rule_text(h.rule, self.rules, lang)) for i, h in enumerate(self.hops, 1)]
        return pd.DataFrame(rows, columns=columns(lang))

    def where(self, hop: Hop, lang: str = "en") -> str:
        """The capture point's role in words; a task point names the service (`web task`, `webrr 任务`)."""
        return _("{service} task", lang, service=self.service) if hop.role == "task" else _(WORDS[hop.role], lang)

    def checks_frame(self, lang: str = "en") -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([(c.said(lang), "✓" if c.ok else "✗", c.told(lang)) for c in self.checks],
                            columns=[_(c, lang) for c in CHECK_COLUMNS])

    def capture_lines(self, point: CapturePoint, until_syn_ack: bool = False) -> tuple[str, int]:
        """The lines of `point`'s capture that belong to the followed connection (its ports), as tcpdump printed
        them (a VXLAN packet's two lines together); `until_syn_ack`: only up to the last SYN-ACK. Also returns how
        many of the connection's lines were left out."""
        first = next((h for h in self.hops if h.role == "client"), None)
        if first is None or point.result is None:
            return "", 0
        ports = {a.rsplit(":", 1)[1] for h in self.hops for a in (h.src, h.dst)} - {"80"}
        lines = point.result.output.split("\n")
        packets: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            carried = "VXLAN" in line and i + 1 < len(lines) and lines[i + 1].startswith("IP ")
            text = lines[i + 1] if carried else line
            if any(f".{port} " in text or f".{port}:" in text for port in ports):
                packets.append(f"{line}\n{text}" if carried else line)
            i += 2 if carried else 1
        shown = packets
        if until_syn_ack:  # up to the last SYN-ACK line (the lb namespace has two: In, then Out)
            ends = [n for n, k in enumerate(packets) if "Flags [S.]" in k]
            shown = packets[:ends[-1] + 1] if ends else packets
        return "\n".join(shown), sum(k.count("\n") + 1 for k in packets[len(shown):])

    def table(self, lang: str = "en") -> Any:
        """The hop table for a notebook: every text whole (no `...`), left-aligned, the changed addresses marked."""
        frame = self.frame(lang)
        changed = [{f for f, _before, _after in h.changed} for h in self.hops]
        src, dst = columns(lang)[6], columns(lang)[7]

        def mark(row: Any) -> list[str]:
            got = changed[row.name]
            return ["background-color:#fde2d4;font-weight:bold" if (c == src and "src" in got) or
                    (c == dst and "dst" in got) else "" for c in row.index]

        return _whole(frame.style.apply(mark, axis=1))

    def checks_table(self, lang: str = "en") -> Any:
        """The checks for a notebook: every text whole, a failed check in red."""
        frame = self.checks_frame(lang)
        return _whole(frame.style.apply(lambda row: ["" if row.iloc[1] == "✓" else "color:#c0392b;font-weight:bold"]
                                        * len(row), axis=1))


    def typed_command(self, point: CapturePoint) -> str:
        """The tcpdump command a student would type for this capture point (the lab starts it in the background,
        bounded: `swarmlab.commands.chapter.capture_start`)."""
        import shlex

        enter = f"nsenter --net=/var/run/docker/netns/{point.namespace} " if point.namespace else ""
        return f"sudo {enter}tcpdump -i any -nn -S -tt -l {shlex.quote(point.bpf)}"


# -- words (hop table and pictures) -----------------------------------------------------------------------------

WORDS = {  # a hop's way, a capture point's role, a change: key -> the English, a message id (swarmlab.i18n)
    "request": N_("request"),
    "reply": N_("reply"),
    "client": N_("client task"),
    "lb": N_("lb namespace"),
    "underlay": N_("underlay (VXLAN)"),
    "task": N_("task"),
    "src": N_("source"),
    "dst": N_("destination"),
    "wrapped": N_("wrapped in VXLAN"),
    "unwrapped": N_("VXLAN header removed"),
    "nothing": N_("nothing"),
}

COLUMNS = ("#", N_("leg"), N_("capture point"), N_("node"), N_("namespace"), N_("interface"), N_("source"),
           N_("destination"), N_("packet"), N_("what changed"), N_("why"))
CHECK_COLUMNS = (N_("check"), N_("ok"), N_("detail"))
SHORT_COLUMNS = ("#", N_("leg"), N_("node"), N_("interface"), N_("ok"))  # never broken one character per line

RULES = {  # Hop.rule -> the English, a message id
    "sent": N_("the client sends it"),
    "mark": N_("the VIP is an address of this namespace; mangle INPUT ({mark}) marks the packet (a mark tcpdump does "
               "not show)"),
    "ipvs+snat": N_("IPVS (FWM {fwm}, rr) chose a real server: destination rewritten (Masq = DNAT); then nat "
                    "POSTROUTING ({snat}): source rewritten to the lb endpoint"),
    "ipvs": N_("IPVS (FWM {fwm}, rr) chose a real server: destination rewritten (Masq = DNAT)"),
    "unnat": N_("the reply of a NATed connection: conntrack first undoes the SNAT (destination back to the client), "
                "then IPVS undoes the DNAT (source back to the VIP)"),
    "vxlan": N_("the overlay's vxlan0: VXLAN, VNI {vni}, UDP {port} between the nodes"),
    "unvxlan": N_("the receiving node's vxlan0 removed the VXLAN header"),
    "arrived": N_("delivered unchanged"),
    "answer": N_("the task answers"),
}


def columns(lang: str = "en") -> list[str]:
    """The hop table's headers in `lang`."""
    return [_(c, lang) for c in COLUMNS]


def rule_text(rule: str, rules: dict[str, str], lang: str = "en") -> str:
    values = {"mark": "?", "fwm": "?", "snat": "?", "vni": "?", "port": VXLAN_PORT, **rules}
    return _(RULES[rule], lang, **values) if rule in RULES else rule


def changes_text(hop: Hop, lang: str = "en") -> str:
    if not hop.changed:
        return _(WORDS["nothing"], lang)
    parts = []
    for what, before, after in hop.changed:
        if what in ("wrapped", "unwrapped"):
            parts.append(_(WORDS[what], lang))
        else:
            parts.append(_("{what} {before} → {after}", lang, what=_(WORDS[what], lang), before=before, after=after))
    return _("; ", lang).join(parts)


# -- running it -------------------------------------------------------------------------------------------------

def run(lab: Lab, service: str = "web", port: int = 80) -> Trace:
    """Capture one request from the client to `service` at every point, then follow it (see the module)."""
    import time

    clock = [time.perf_counter()]
    seconds: dict[str, float] = {}

    def phase(name: str) -> None:
        now = time.perf_counter()
        seconds[name] = round(now - clock[0], 3)
        clock[0] = now

    client_node, client_container = lab.client_container()
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="swarmlab-trace") as pool:  # the nodes answer at once
        asked_inspect = pool.submit(lab.run, S.NETWORK_INSPECT, client_node, name=lab.network, verbose=True)
        asked_tasks = pool.submit(lab.tasks, service)
        asked_lb = pool.submit(lab.lb_namespace, client_node)
        asked_sandbox = pool.submit(_sandbox, lab, client_node, client_container)
        inspected = asked_inspect.result().value or []
        if not inspected:
            raise SwarmlabError(t("network {network} not found on {node}", network=lab.network, node=client_node))
        net: NetworkInfo = inspected[0]
        running = [x for x in asked_tasks.result().value or [] if not x.history and x.state == "Running"]
        if not running:
            raise SwarmlabError(t("{service} has no running task to answer: create it first", service=service))
        overlay = f"tcp port {int(port)} and net {net.subnet}"

        def task_point(task: Task) -> CapturePoint:
            listed = lab.run(S.CONTAINER_LS, task.node, service=service, latest=True).value or []
            container = next((x for x in listed if x.slot == task.slot), None)
            if container is None:
                raise SwarmlabError(t("no container of {task} on {node}", task=task.name, node=task.node))
            return CapturePoint(f"task-{task.slot}", "task", task.node, _sandbox(lab, task.node, container.id),
                                overlay, task=container.names)

        task_points = list(pool.map(task_point, running))
        lb_namespace = asked_lb.result()
        client_sandbox = asked_sandbox.result()
    svc = next((s for s in net.services if s.name == service), None)
    client_ep = next((e for e in net.endpoints if e.service == "client" and e.kind == "task"), None)
    client_host = next((x.host_ip for s in net.services if s.name == "client" for x in s.tasks if x.host_ip), None)
    underlay = f"udp port {VXLAN_PORT}" + (f" and host {client_host}" if client_host else "")
    points = [
        CapturePoint("client", "client", client_node, client_sandbox, overlay),
        CapturePoint("lb", "lb", client_node, lb_namespace, overlay),
        CapturePoint("underlay", "underlay", client_node, None, underlay),
        *task_points,
    ]
    for p in points:
        p.name = f"{service}-{p.name}"
    phase("lookups")
    try:
        _each(points, lambda p: _start(lab, p))
        phase("start")
        request = lab.run(S.REQUESTS, client_node, container=client_container, target=service, n=1, timeout=60)
        phase("request")
    finally:
        _each([p for p in points if p.pid is not None], lambda p: _stop(lab, p))
    phase("stop")
    connections = lab.run(S.LB_IPVS_CONNS, client_node, namespace=lb_namespace).value or []
    tracked = lab.run(S.LB_CONNTRACK, client_node, namespace=lb_namespace).value or []
    rules = _rules(lab, client_node, lb_namespace, svc.vip if svc else None, net)
    answers = request.value or []
    trace = Trace(service, "vip" if svc is not None and svc.vip else "dnsrr", net, client_node,
                  client_ep.ip if client_ep else None, svc.vip if svc else None,
                  net.lb_endpoint.ip if net.lb_endpoint else None, lb_namespace, points, request,
                  answers[0] if answers else None, [], list(connections), list(tracked), rules, [])
    phase("kernel")
    follow(trace)
    phase("follow")
    trace.seconds = seconds
    return trace


def _each(points: list[CapturePoint], do: Callable[[CapturePoint], Any]) -> None:
    """`do` for every point at once (the nodes differ); the first error is raised after all have run."""
    if not points:
        return
    with ThreadPoolExecutor(max_workers=len(points), thread_name_prefix="swarmlab-capture") as pool:
        futures = [pool.submit(do, p) for p in points]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]  # type: ignore[misc]


def _sandbox(lab: Lab, node: str, container: str) -> str:
    key = lab.run(S.SANDBOX_OF, node, container=container).output.strip()
    name = key.rsplit("/", 1)[-1]
    if not key.startswith("/var/run/docker/netns/") or not name:
        raise SwarmlabError(t("[{node}] no network namespace for container {container}: {key}", node=node,
                              container=container, key=repr(key)))
    return name


def _start(lab: Lab, p: CapturePoint) -> None:
    try:
        started = lab.run(S.CAPTURE_START, p.node, capture=p.name, bpf=p.bpf, namespace=p.namespace, parse=False)
    except NotRecorded:
        raise SwarmlabError(t("[{node}] the capture {capture} with this filter is not in this recording (a replay "
                              "answers only the recorded service and port): run it live", node=p.node,
                              capture=p.name)) from None
    pid = started.output.strip().splitlines()[-1] if started.output.strip() else ""
    if not pid.isdigit():
        raise SwarmlabError(t("[{node}] the capture {capture} did not start: {output}", node=p.node, capture=p.name,
                              output=started.output.strip()[:200]))
    p.pid = int(pid)


def _stop(lab: Lab, p: CapturePoint) -> None:
    p.result = lab.run(S.CAPTURE_STOP, p.node, capture=p.name, pid=p.pid)


def _rules(lab: Lab, node: str, namespace: str, vip: str | None, net: NetworkInfo) -> dict[str, str]:
    """The rules that rewrite the packet, as the lb namespace shows them (cited in the hop table)."""
    out: dict[str, str] = {"vni": str(net.vni) if net.vni is not None else "?"}
    if vip is None:
        return out
    marks = lab.run(S.LB_MANGLE, node, namespace=namespace).value
    for chain in getattr(marks, "chains", []):
        for r in chain.rules:
            if r.target == "MARK" and r.destination.split("/")[0] == vip:
                mark = r.options.split("MARK set ")[-1].split()[0] if "MARK set" in r.options else ""
                if mark:
                    out["mark"] = f"-d {r.destination} {r.options}".strip()
                    out["fwm"] = str(int(mark, 16))
    nat = lab.run(S.LB_NAT, node, namespace=namespace).value
    for chain in getattr(nat, "chains", []):
        for r in chain.rules:
            if r.target == "SNAT":
                out["snat"] = f"SNAT {r.destination} {r.options}".strip()
    return out


# -- following the connection ----------------------------------------------------------------------------------

def _addr(ip: str, port: int) -> str:
    return f"{ip}:{port}"


def follow(trace: Trace) -> None:
    """Find the connection's SYN and SYN-ACK at every point, in path order; fill `hops` and `checks`."""
    by_role: dict[str, list[CapturePoint]] = {r: [p for p in trace.points if p.role == r] for r in ROLES}
    client = by_role["client"][0] if by_role["client"] else None
    syn = next((k for k in (client.packets if client else []) if k.syn and k.direction == "Out"), None)
    if syn is None or syn.seq is None:
        trace.checks.append(Check(t("the client sent a request"), False,
                                  t("no SYN leaving the client's namespace was captured")))
        return
    isn = syn.seq

    def sightings(points: list[CapturePoint], reply: bool) -> list[tuple[CapturePoint, Packet]]:
        found = []
        for p in points:
            for k in p.packets:
                if (not reply and k.syn and k.seq == isn) or (reply and k.syn_ack and k.ack == isn + 1):
                    found.append((p, k))
        return found

    tasks = sightings(by_role["task"], reply=False)
    trace.answered_by = tasks[0][0] if tasks else None
    lb_req = sorted(sightings(by_role["lb"], False), key=lambda s: s[1].direction != "In")  # In, then Out
    lb_rep = sorted(sightings(by_role["lb"], True), key=lambda s: s[1].direction != "In")
    under_req = [s for s in sightings(by_role["underlay"], False) if s[1].vni is not None]
    under_rep = [s for s in sightings(by_role["underlay"], True) if s[1].vni is not None]
    request = [(client, syn), *lb_req, *under_req, *tasks[:1]]
    task_reply = sightings([trace.answered_by], True) if trace.answered_by else []
    client_reply = sightings([client] if client else [], True)
    reply = [*task_reply[:1], *under_rep, *lb_rep, *client_reply[:1]]
    trace.hops = _hops("request", request, trace.vip) + _hops("reply", reply, trace.vip)
    _checks(trace, syn)


def _hops(way: str, seen: Sequence[tuple[CapturePoint | None, Packet]], trace_vip: str | None) -> list[Hop]:
    hops: list[Hop] = []
    previous: Packet | None = None
    for point, k in seen:
        if point is None:
            continue
        hop = Hop(way, point.name, point.role, point.node, point.namespace or "(node)", k.interface, k.direction,
                  _addr(k.src, k.sport), _addr(k.dst, k.dport), "TCP SYN" if k.syn else "TCP SYN-ACK", time=k.time)
        if k.vni is not None:
            hop.outer = f"{k.outer_src}:{k.outer_sport} → {k.outer_dst}:{k.outer_dport} VNI {k.vni}"
        if previous is None:
            hop.rule = "sent" if way == "request" else "answer"
        else:
            if previous.src != k.src or previous.sport != k.sport:
                hop.changed.append(("src", _addr(previous.src, previous.sport), hop.src))
            if previous.dst != k.dst or previous.dport != k.dport:
                hop.changed.append(("dst", _addr(previous.dst, previous.dport), hop.dst))
            if k.vni is not None and previous.vni is None:
                hop.changed.append(("wrapped", "", hop.outer))
                hop.rule = "vxlan"
            elif k.vni is None and previous.vni is not None:
                hop.changed.append(("unwrapped", "", ""))
                hop.rule = "unvxlan"
            if hop.rule == "" and way == "request" and point.role == "lb" and k.direction == "In" and k.dst == \
                    trace_vip:
                hop.rule = "mark"
            if hop.rule == "" and hop.changed:
                kinds = {c[0] for c in hop.changed}
                hop.rule = "unnat" if way == "reply" else ("ipvs+snat" if kinds == {"src", "dst"} else "ipvs")
            hop.rule = hop.rule or "arrived"
        hops.append(hop)
        previous = k
    return hops


def _checks(trace: Trace, syn: Packet) -> None:
    add = trace.checks.append
    task = trace.answered_by
    task_in = next((h for h in trace.hops if h.way == "request" and h.role == "task"), None)
    answer = trace.answer
    if task is None or task_in is None:
        add(Check(t("a task received the request"), False, t("the SYN was seen in no task's namespace")))
        return
    task_ip = task_in.dst.rsplit(":", 1)[0]
    ips = Listed(answer.ips) if answer and answer.ips else ""
    add(Check(t("the task that received it answered"), answer is not None and task_ip in (answer.ips or []),
              t("SYN delivered to {ip} in {task}; the answer lists IPs {ips}", ip=task_ip, task=_short(task),
                ips=ips or t("(no answer)"))))
    if trace.mode == "vip":
        add(Check(t("the client sent it to the VIP"), syn.dst == trace.vip,
                  t("client SYN to {dst}, VIP {vip}", dst=syn.dst, vip=trace.vip)))
        lb_out = next((h for h in trace.hops if h.way == "request" and h.role == "lb" and h.direction == "Out"), None)
        add(Check(t("the lb namespace rewrote the destination to that task"),
                  lb_out is not None and lb_out.dst.rsplit(":", 1)[0] == task_ip,
                  t("lb out {dst}, task {ip}", dst=lb_out.dst if lb_out else t("(not seen)"), ip=task_ip)))
        src = task_in.src.rsplit(":", 1)[0]
        add(Check(t("the task saw the lb endpoint as the client"), src == trace.lb_endpoint
                  and (answer is None or answer.remote_addr == trace.lb_endpoint),
                  t("source at the task {src}, whoami RemoteAddr {remote}, lb endpoint {endpoint}", src=src,
                    remote=answer.remote_addr if answer else "-", endpoint=trace.lb_endpoint)))
        client = f"{syn.src}:{syn.sport}"
        conn = [c for c in trace.connections if c.source == syn.src and c.source_port == str(syn.sport)]
        seen = "; ".join(f"{c.virtual}:{c.virtual_port} -> {c.destination}:{c.destination_port}" for c in conn)
        add(Check(t("ipvsadm -Lnc shows the same connection"), len(conn) == 1 and conn[0].destination == task_ip
                  and conn[0].virtual == trace.vip,
                  t("{n} entr(ies) for {client}: {seen}", n=len(conn), client=client, seen=seen)))
        tracked = [e for e in trace.conntrack if e.src == syn.src and e.sport == syn.sport]
        entries = [t("{src}->{dst}, reply {reply_src}->{reply_dst}", src=e.src, dst=e.dst, reply_src=e.reply_src,
                     reply_dst=e.reply_dst) for e in tracked]
        add(Check(t("conntrack shows the same NAT"), len(tracked) == 1 and tracked[0].dst == trace.vip
                  and tracked[0].reply_src == task_ip and tracked[0].reply_dst == trace.lb_endpoint,
                  t("{n} conntrack entr(ies) for {client}: {seen}", n=len(tracked), client=client,
                    seen=Joined(entries))))
    else:
        sent, seen = f"{syn.src}:{syn.sport} -> {syn.dst}:{syn.dport}", f"{task_in.src} -> {task_in.dst}"
        add(Check(t("no rewrite: the task saw the packet as the client sent it"),
                  (task_in.src, task_in.dst) == (_addr(syn.src, syn.sport), _addr(syn.dst, syn.dport)),
                  t("client sent {sent}; task saw {seen}", sent=sent, seen=seen)))
        lb_seen = sum(h.role == "lb" for h in trace.hops)
        add(Check(t("the lb namespace saw nothing of it"), not lb_seen,
                  t("{n} sighting(s) in the lb namespace", n=lb_seen)))
    wrapped = [h for h in trace.hops if h.outer]
    if task.node != trace.client_node:
        vnis = {h.outer.rsplit(" ", 1)[-1] for h in wrapped}
        add(Check(t("between the nodes it travelled in VXLAN with the network's VNI"),
                  bool(wrapped) and vnis == {str(trace.network.vni)},
                  t("VNI(s) seen {vnis}; {network} has VNI {vni}", vnis=", ".join(sorted(vnis)) or t("none"),
                    network=trace.network.name, vni=trace.network.vni)))
    else:
        add(Check(t("the task is on the client's node: nothing crossed the underlay"), not wrapped,
                  t("{n} VXLAN sighting(s)", n=len(wrapped))))


def _short(point: CapturePoint) -> str:
    """A task point as inspect and the pictures name it: web.2 (from its container web.2.<task id>)."""
    return ".".join((point.task or point.name).split(".")[:2])


def _whole(styler: Any) -> Any:
    """Every text whole and left-aligned; the short columns never broken one character per line."""
    names = {_(c, lang) for c in SHORT_COLUMNS for lang in LANGS}
    short = [c for c in styler.data.columns if c in names]
    return (styler.hide(axis="index")
            .set_properties(**{"text-align": "left", "white-space": "normal", "font-size": "12px"})
            .set_properties(subset=short, **{"white-space": "nowrap"})
            .set_table_styles([{"selector": "th", "props": "text-align: left; white-space: nowrap;"}]))
