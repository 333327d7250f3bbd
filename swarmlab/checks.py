"""Self-checks that end each lesson: they inspect the student's own swarm (or the recording) and say what is
right and what is off, in English or Chinese (`Report.lang`; `course.check(lesson_id)` sets it from the lesson's
LANG). Every claim follows docs/swarm-lb-facts.md. Checks look at the client's node: the lb namespace there is the
one that handles the client's packets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from swarmlab.errors import NotRecorded, ParseError, SwarmlabError
from swarmlab.lab import Lab
from swarmlab.parsers.netns_ls import lb_namespace_for


class Msg(str):
    """A message: the English text (what str() gives), with its Chinese beside it."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Msg:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def render(self, lang: str) -> str:
        return self.zh if lang == "zh" else str(self)


def t(en: str, zh: str) -> Msg:
    return Msg(en, zh)


def _render(text: str, lang: str) -> str:
    return text.render(lang) if isinstance(text, Msg) else str(text)


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
        return [(flag, _render(text, self.lang)) for flag, text in self.lines]

    def title(self) -> str:
        return ("自检：" if self.lang == "zh" else "Self-check: ") + _render(self.topic, self.lang)

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


def _guard(report: Report, action: Callable[[], None], lab: Lab | None = None) -> Report:
    strict = lab.strict if lab is not None else None
    if lab is not None:
        lab.strict = True  # a check must know when data is missing
    try:
        action()
    except NotRecorded as exc:
        what = str(exc).split(" is not in the recording")[0]
        report.skip(t(f"not in this recording: {what}", f"这份录制里没有：{what}"))
    except SwarmlabError as exc:
        first = str(exc).splitlines()[0]
        report.ok(False, "", t(first, f"出错：{first}"))
    finally:
        if lab is not None and strict is not None:
            lab.strict = strict
    return report


def _client_node(lab: Lab) -> str:
    """The node whose lb namespace handles the client's packets (the manager when the recording cannot say)."""
    try:
        return lab.client_node()
    except (SwarmlabError, NotRecorded):
        return lab.manager


def setup(lab: Lab) -> Report:
    r = Report(t("the lab and the swarm", "实验环境和集群"))

    def run() -> None:
        nodes = list(lab.swarm_nodes)
        r.ok(len(nodes) >= 2, t(f"the swarm has {len(nodes)} nodes: {', '.join(nodes)}",
                                f"集群有 {len(nodes)} 个节点：{', '.join(nodes)}"),
             t(f"the swarm has {len(nodes)} node(s): load balancing across nodes needs at least two "
               "(the chapter uses three)",
               f"集群只有 {len(nodes)} 个节点：跨节点的负载均衡至少需要两个（本章用三个）"))
        nets = {n.name: n for n in lab.networks().value or []}
        ingress = nets.get("ingress")
        r.ok(ingress is not None and ingress.driver == "overlay",
             t(f"{lab.manager} is in swarm mode: it has the ingress overlay network",
               f"{lab.manager} 处于 swarm 模式：它有 ingress 覆盖网络"),
             t(f"{lab.manager} has no ingress network: it is not in a swarm (docker swarm init)",
               f"{lab.manager} 没有 ingress 网络：它不在 swarm 里（docker swarm init）"))

    return _guard(r, run, lab)


def services(lab: Lab) -> Report:
    r = Report(t("the overlay network and the services", "覆盖网络和服务"))

    def run() -> None:
        nets = {n.name: n for n in lab.networks(latest=True).value or []}
        net = nets.get(lab.network)
        r.ok(net is not None and net.driver == "overlay" and net.scope == "swarm",
             t(f"{lab.network} is an overlay network of swarm scope", f"{lab.network} 是 swarm 范围的覆盖网络"),
             t(f"{lab.network} is missing or not a swarm overlay (docker network create -d overlay {lab.network})",
               f"{lab.network} 不存在或不是 swarm 覆盖网络（docker network create -d overlay {lab.network}）"))
        svc = {s.name: s for s in lab.services(latest=True).value or []}
        for name in ("web", "client"):
            s = svc.get(name)
            r.ok(s is not None and s.running == s.desired and (s.running or 0) > 0,
                 t(f"{name}: {s.replicas if s else ''} tasks running",
                   f"{name}：{s.replicas if s else ''} 个任务在运行"),
                 t(f"{name} is missing or not converged ({s.replicas if s else 'absent'})",
                   f"{name} 不存在或还没收敛（{s.replicas if s else '不存在'}）"))

    return _guard(r, run, lab)


def vip(lab: Lab) -> Report:
    r = Report(t("the VIP", "虚拟IP（VIP）"))

    def run() -> None:
        pinged = lab.ping("web").value
        answered = bool(pinged and pinged.received)
        dest = pinged.destination_ip if pinged else "?"
        no_traffic = t("the VIP carries no traffic (IPVS missing? `swarmlab doctor`)",
                       "VIP 不转发任何流量（缺少 IPVS？`swarmlab doctor`）")
        r.ok(answered, t(f"`ping web` is answered, from {dest}", f"`ping web` 有回应，来自 {dest}"),
             t(f"`ping web` got no answer: {no_traffic}", f"`ping web` 没有回应：{no_traffic.zh}"))
        answers = [a for a in lab.requests(4).value or [] if a.ok]
        if not answers:
            r.ok(False, "", t(f"no request to `web` was answered: {no_traffic}",
                              f"发往 `web` 的请求都没有回应：{no_traffic.zh}"))
            return
        hosts = {a.hostname for a in answers}
        r.ok(len(hosts) >= 2, t(f"requests to `web` were answered by {len(hosts)} different tasks",
                                f"发往 `web` 的请求由 {len(hosts)} 个不同的任务回答"),
             t("requests to `web` were answered by a single task: is web running 2 replicas?",
               "发往 `web` 的请求只由一个任务回答：web 真的有 2 个副本吗？"))
        task_ips = {a.task_ip for a in answers if a.task_ip}
        if answered and pinged is not None:
            r.ok(pinged.destination_ip not in task_ips,
                 t("the address `web` resolves to is not a task's: it is the VIP",
                   "`web` 解析出的地址不属于任何任务：它是 VIP"),
                 t("`web` resolved to a task address: the service runs with --endpoint-mode dnsrr",
                   "`web` 解析成了任务地址：这个服务用的是 --endpoint-mode dnsrr"))
        remote = {a.remote_addr for a in answers}
        first = next(iter(remote))
        r.ok(len(remote) == 1,
             t(f"every task saw the same client address {first}: the lb endpoint, written by the SNAT rule in the "
               "lb namespace's nat POSTROUTING chain",
               f"每个任务看到的客户端地址都是 {first}：这是 lb 端点的地址，由 lb 命名空间 nat 表 POSTROUTING 链的 "
               "SNAT 规则改写"),
             t("tasks saw different client addresses", "任务看到的客户端地址不一样"))
    return _guard(r, run, lab)


def lb_namespace(lab: Lab) -> Report:
    r = Report(t("the load-balancer namespace", "负载均衡命名空间"))

    def run() -> None:
        node = _client_node(lab)
        nets = lab.networks(latest=True).value or []
        net_id = next((n.id for n in nets if n.name == lab.network), "")
        ns = lab.lb_namespace(node)
        r.ok(ns == lb_namespace_for(net_id),
             t(f"{ns} (on {node}) is lb_ + the first 9 characters of the network id {net_id}",
               f"{ns}（在 {node} 上）= lb_ + 网络 Id {net_id} 的前 9 个字符"),
             t(f"{ns} does not match lb_ + 9 characters of {net_id}", f"{ns} 不等于 lb_ + {net_id} 的前 9 个字符"))
        eth0 = next((i for i in lab.addresses(node).value or [] if i.name == "eth0"), None)
        vips = eth0.vips if eth0 else []
        r.ok(bool(vips), t(f"the namespace holds the VIPs as /32 addresses: {', '.join(vips)}",
                           f"命名空间里以 /32 地址的形式保存着 VIP：{', '.join(vips)}"),
             t("no /32 VIP in the lb namespace: is IPVS missing on this kernel (swarmlab doctor)?",
               "lb 命名空间里没有 /32 的 VIP：这个内核缺少 IPVS 吗（swarmlab doctor）？"))

    return _guard(r, run, lab)


def marks_and_ipvs(lab: Lab) -> Report:
    r = Report(t("marks and IPVS", "防火墙标记和 IPVS"))

    def run() -> None:
        node = _client_node(lab)
        chain = lab.vip_chain("web", [node])
        row = chain.iloc[0]
        has_mark = bool(row.mark_rule) if str(row.mark_rule) != "<NA>" else False
        r.ok(has_mark, t(f"on {node}, packets to the VIP {row.vip} get mark {row.mark_hex} (= {row.mark})",
                         f"在 {node} 上，发往 VIP {row.vip} 的包被打上标记 {row.mark_hex}（= {row.mark}）"),
             t(f"no MARK rule for the VIP {row.vip} in the lb namespace on {node} (Docker numbered its load "
               f"balancer {row.mark}, but never programmed it: IPVS missing?)",
               f"{node} 的 lb 命名空间里没有 VIP {row.vip} 的 MARK 规则（Docker 给负载均衡器编了号 {row.mark}，"
               "却从未配置它：缺少 IPVS？）"))
        if has_mark:
            r.ok(int(row.mark) >= 0x100,
                 t("marks count up from 0x100 (256) on each node, never reused while its dockerd runs (they start "
                   "again at 0x100 when dockerd restarts)",
                   "每个节点的标记从 0x100（256）开始递增，在该节点的 dockerd 运行期间不会重复使用"
                   "（dockerd 重启后又从 0x100 开始）"),
                 t(f"mark {row.mark} is below 0x100: not Docker's", f"标记 {row.mark} 小于 0x100：不是 Docker 的"))
        reals = chain.real_server.dropna().tolist()
        r.ok(bool(reals) and row.scheduler == "rr",
             t(f"IPVS FWM {row.mark} sends round robin to {len(reals)} real servers: {', '.join(reals)}",
               f"IPVS FWM {row.mark} 以轮询（rr）方式发给 {len(reals)} 个真实服务器：{', '.join(reals)}"),
             t("no IPVS service for the mark", "这个标记没有对应的 IPVS 服务"))
        if reals:
            r.ok(set(chain.forward.dropna()) == {"Masq"},
                 t("real servers are reached by NAT (Masq: the destination is rewritten), weight 1",
                   "真实服务器通过 NAT 到达（Masq：改写目的地址），权重 1"),
                 t("unexpected forwarding method", "意外的转发方式"))

    return _guard(r, run, lab)


def few_repeats(total: int, backends: int, repeats: int) -> bool:
    """Round robin repeats a backend only when a reused client port keeps its real server (conn_reuse_mode=0): far
    fewer times than choosing a backend at random, which repeats (total - 1) / backends times on average. Without
    this, two backends always pass the even-share test (|a - b| <= repeats + 1 holds for any sequence): a 99/1
    split with 98 repeats would pass as round robin."""
    return backends >= 2 and repeats <= (total - 1) / backends / 2


def distribution(lab: Lab, n: int = 100) -> Report:
    r = Report(t("the request distribution", "请求的分布"))

    def run() -> None:
        sample = lab.sample_requests(n)
        backends = len(sample.summary)
        total = int(sample.summary["count"].sum()) if backends else 0
        r.ok(backends >= 2, t(f"{total} requests were spread over {backends} backends",
                              f"{total} 个请求分到了 {backends} 个后端"),
             t("only one backend answered", "只有一个后端回答"))
        if backends >= 2:
            # each answer that repeats the previous backend (a reused client port, conn_reuse_mode=0) may move
            # one backend one answer off its even share; round robin itself keeps them within one
            reused = sample.repeats
            dev = f"{sample.largest_deviation:.1%}"
            r.ok(sample.largest_offset <= reused + 1,
                 t(f"round robin: the largest deviation from an even share is {dev}"
                   + (f"; {reused} answer(s) repeated the previous backend (a reused client port keeps its real "
                      "server: conn_reuse_mode=0)" if reused else ""),
                   f"轮询：与平均分配的最大偏差是 {dev}"
                   + (f"；有 {reused} 个回答与前一个来自同一后端（复用的客户端端口保留原来的真实服务器："
                      "conn_reuse_mode=0）" if reused else "")),
                 t(f"uneven: the largest deviation is {dev}, more than {reused} reused port(s) explain (other "
                   "clients, or a task that came or went during the sample)",
                   f"不均匀：最大偏差 {dev}，超出了 {reused} 个复用端口能解释的范围（有别的客户端，或者采样期间有任务"
                   "增减）"))
            r.ok(few_repeats(total, backends, reused),
                 t(f"{reused} repeat(s) in {total} answers: far fewer than a random choice of backend would give "
                   f"(about {(total - 1) / backends:.0f})",
                   f"{total} 个回答里有 {reused} 次重复：远少于随机选后端会出现的次数"
                   f"（约 {(total - 1) / backends:.0f} 次）"),
                 t(f"{reused} repeat(s) in {total} answers: as many as a random choice of backend would give (about "
                   f"{(total - 1) / backends:.0f}); this is not round robin",
                   f"{total} 个回答里有 {reused} 次重复：和随机选后端差不多（约 {(total - 1) / backends:.0f} 次）；"
                   "这不是轮询"))

    return _guard(r, run, lab)


def scaling(lab: Lab) -> Report:
    r = Report(t("scaling: IPVS follows the replicas", "扩缩容：IPVS 跟着副本变化"))

    def run() -> None:
        from swarmlab.parsers import ipvsadm
        from swarmlab.widgets import recorded_scale_states

        if lab.replaying:
            states = recorded_scale_states(lab)
            if not states:
                r.skip(t("this recording has no scaling", "这份录制里没有扩缩容"))
                return
            for replicas, entries in sorted(states.items()):
                tables = []
                for e in entries:
                    try:
                        if e.step == "ipvs_all":
                            tables.append(ipvsadm.parse_per_namespace(e.output))
                        elif e.step in ("lb_ipvs", "lb_ipvs_stats") and e.exit_code == 0:
                            tables.append({"lb": ipvsadm.parse(e.output)})
                    except ParseError:  # a namespace torn down while it was listed: nothing to count
                        continue
                reals = {len(s.reals) for tb in tables for table in tb.values() for s in table.services
                         if len(s.reals) not in (0,)}
                r.ok(replicas in reals,
                     t(f"after scaling to {replicas}: an IPVS service with {replicas} real servers",
                       f"扩缩到 {replicas} 之后：有一个带 {replicas} 个真实服务器的 IPVS 服务"),
                     t(f"after scaling to {replicas}: no IPVS service with {replicas} real servers ({sorted(reals)})",
                       f"扩缩到 {replicas} 之后：没有带 {replicas} 个真实服务器的 IPVS 服务（{sorted(reals)}）"))
            return
        chain = lab.vip_chain("web")
        tasks = [x for x in lab.tasks("web").value or [] if not x.history and x.state == "Running"]
        per_node = chain.groupby("node").real_server.nunique().to_dict()
        r.ok(all(v == len(tasks) for v in per_node.values()),
             t(f"every node's IPVS has the {len(tasks)} running tasks",
               f"每个节点的 IPVS 都有这 {len(tasks)} 个运行中的任务"),
             t(f"IPVS and tasks disagree: {per_node}", f"IPVS 与任务不一致：{per_node}"))

    return _guard(r, run, lab)


def dnsrr(lab: Lab, name: str = "webrr") -> Report:
    r = Report(t("dnsrr versus VIP", "dnsrr 与 VIP"))

    def run() -> None:
        by_name = lab.nslookup(name).value
        by_tasks = lab.nslookup(f"tasks.{name}").value
        names = set(by_name.addresses) if by_name else set()
        tasks = set(by_tasks.addresses) if by_tasks else set()
        r.ok(len(names) >= 2 and names == tasks,
             t(f"`{name}` resolves to the task IPs themselves: {sorted(names)}",
               f"`{name}` 直接解析成任务的地址：{sorted(names)}"),
             t(f"`{name}` resolved to {sorted(names)}, tasks.{name} to {sorted(tasks)}",
               f"`{name}` 解析成 {sorted(names)}，tasks.{name} 解析成 {sorted(tasks)}"))
        vip = lab.ping("web").value
        dest = vip.destination_ip if vip else ""
        r.ok(vip is not None and vip.destination_ip not in names,
             t(f"while the VIP service `web` answers from one address, its VIP {dest}",
               f"而 VIP 模式的服务 `web` 只从一个地址回应：它的 VIP {dest}"),
             t("`web` did not answer from a VIP of its own", "`web` 没有从自己的 VIP 回应"))

    return _guard(r, run, lab)


def mesh(lab: Lab, port: int = 8080) -> Report:
    r = Report(t("the ingress routing mesh", "ingress 路由网格"))

    def run() -> None:
        names = [e.name for e in lab.namespaces().value or []]
        r.ok("ingress_sbox" in names, t("the node has the ingress_sbox namespace", "节点上有 ingress_sbox 命名空间"),
             t("no ingress_sbox namespace", "没有 ingress_sbox 命名空间"))
        rules = lab.ingress_marks().value
        marks = rules.marks() if rules else []
        rule = next((x for x in marks if x.chain == "PREROUTING" and x.dport == str(port)), None)
        hexmark = rule.mark_hex if rule else ""
        r.ok(rule is not None, t(f"ingress_sbox marks packets to port {port} in PREROUTING ({hexmark})",
                                 f"ingress_sbox 在 PREROUTING 链给发往 {port} 端口的包打标记（{hexmark}）"),
             t(f"no PREROUTING mark for port {port}", f"没有给 {port} 端口打标记的 PREROUTING 规则"))
        table = lab.ingress_ipvs().value
        service = table.service(rule.mark) if table and rule and rule.mark is not None else None
        mark = rule.mark if rule else ""
        count = len(service.reals) if service else 0
        r.ok(service is not None and len(service.reals) >= 1,
             t(f"IPVS FWM {mark} spreads them over {count} tasks", f"IPVS FWM {mark} 把它们分给 {count} 个任务"),
             t("no IPVS service for the published port's mark", "已发布端口的标记没有对应的 IPVS 服务"))

    return _guard(r, run, lab)


def no_ipvs(lab: Lab) -> Report:
    """The break-it lesson's diagnosis: every symptom of a kernel without IPVS is there. It fails on a healthy
    swarm (that is the point: the student learns what each healthy output rules out)."""
    r = Report(t("diagnosis: a swarm without IPVS", "诊断：没有 IPVS 的集群"))

    def run() -> None:
        node = _client_node(lab)
        inspected = lab.inspect_network(node).value or []
        web = next((s for s in (inspected[0].services if inspected else []) if s.name == "web"), None)
        r.ok(web is not None and bool(web.vip),
             t(f"the manager still allocated web a VIP ({web.vip if web else ''}) and {node} numbered it "
               f"{web.mark if web else ''}", f"管理节点仍然给 web 分配了 VIP（{web.vip if web else ''}），"
               f"{node} 也给它编了号 {web.mark if web else ''}"),
             t("web has no VIP in `docker network inspect -v`", "`docker network inspect -v` 里 web 没有 VIP"))
        answers = lab.requests(3).value or []
        r.ok(bool(answers) and not any(a.ok for a in answers),
             t("requests to web get no answer", "发往 web 的请求没有回应"),
             t("requests to web are answered: the VIP works here", "发往 web 的请求有回应：这里的 VIP 是好的"))
        table = lab.ipvs(node).value
        broken = table is not None and table.mode == "unavailable"
        error = (table.error or "") if table is not None and broken else ""
        r.ok(broken, t(f"ipvsadm in the lb namespace on {node}: `{error}`",
                       f"{node} 的 lb 命名空间里 ipvsadm 报错：`{error}`"),
             t(f"ipvsadm works on {node}: this kernel has IPVS", f"{node} 上的 ipvsadm 正常：这个内核有 IPVS"))

    return _guard(r, run, lab)


def trace(lab: Lab, service: str = "web") -> Report:
    """One more request followed at every point: each of the trace's own checks is a line. It fails when a hop
    or the kernel's view disagrees (a dropped request, a task that did not answer, a NAT that did not happen)."""
    r = Report(t("one request followed packet by packet", "逐包跟踪一个请求"))

    def run() -> None:
        followed = lab.trace_request(service)
        r.ok(bool(followed.hops), t(f"a new request: its SYN and SYN-ACK seen {len(followed.hops)} times at the "
                                    "capture points", f"又发了一个新请求：它的 SYN 和 SYN-ACK 在各抓包点共出现 "
                                    f"{len(followed.hops)} 次"),
             t("the request was not seen leaving the client", "没有看到请求离开 client"))
        for c in followed.checks:
            r.ok(c.ok, Msg(f"{c.what}: {c.detail}", f"{c.said('zh')}：{c.told('zh')}"),
                 Msg(f"NOT: {c.what}: {c.detail}", f"不成立：{c.said('zh')}：{c.told('zh')}"))

    return _guard(r, run, lab)


ALL = {"setup": setup, "services": services, "vip": vip, "lb_namespace": lb_namespace,
       "marks_and_ipvs": marks_and_ipvs, "distribution": distribution, "scaling": scaling, "dnsrr": dnsrr,
       "mesh": mesh}
DIAGNOSES = {"no_ipvs": no_ipvs}  # they pass on a broken swarm, so they are not in ALL
# they need a recording that holds what they run (a trace: its captures), so they are not in ALL either: ALL's checks
# pass on every session recording
TRACES = {"trace": trace}
