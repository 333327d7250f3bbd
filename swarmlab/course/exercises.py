"""Graded exercises, by id (`course.exercise("04.mark-decimal")`).

Each exercise has a question in both languages, a hint (shown on the first wrong answer), an explanation (解析: on
the second wrong answer, or on request) and a solution (on request). Where the answer depends on the swarm, a checker
computes it from the lab's own data (the question names the swarm's own values: an address, a network id, a mark); a
fixed answer is stored only as a salted SHA-256 hash. Either way the answer never appears in the notebook.

A checker grades the evidence its question is about: what the lesson had shown when the question was shown
(`Evidence`: the lab's log up to then), never a later reading and never what a self-check ran (`not_evidence`), so
Run All, re-running a cell and answering later all grade alike. What the student typed is read by
`swarmlab.course.answers.readings` (full-width forms, counters, Chinese numerals, a leading 是/选 ...).

Texts are `(zh, en)` pairs and may name `{params}` that `params(lab)` computes.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast
from weakref import WeakKeyDictionary

from swarmlab.commands import steps as st
from swarmlab.commands.steps import Step
from swarmlab.course.answers import canonical, normalize, readings
from swarmlab.errors import SwarmlabError
from swarmlab.lab import Lab
from swarmlab.lab.results import Sample, StepResult

if TYPE_CHECKING:
    from swarmlab.parsers.iptables import Rule
    from swarmlab.parsers.network_inspect import NetworkInfo, NetworkService
    from swarmlab.parsers.service_ps import Task

T = TypeVar("T")

Text = tuple[str, str]  # (zh, en)
Params = dict[str, str]

__all__ = ["REGISTRY", "Evidence", "Exercise", "Params", "answer_hash", "define", "get", "normalize", "not_evidence",
           "seen"]

# words an answer may put around the value (`FWM 262`, `vni=4097`, `在 swarm-worker2 上`): see answers.readings
MARK_LABELS = ("fwmark", "fwm", "mark", "标记", "防火墙标记", "markset", "set")
ADDRESS_LABELS = ("ip地址", "ip", "vip", "地址", "address", "addr", "ipv4address")
NODE_LABELS = ("在", "on", "节点", "node", "上")
DESTINATION_LABELS = ("目的地址", "目的ip", "目标地址", "目标ip", "destination", "dst", *ADDRESS_LABELS)


def answer_hash(exercise_id: str, answer: str) -> str:
    return hashlib.sha256(f"swarmlab:{exercise_id}:{normalize(answer)}".encode()).hexdigest()


@dataclass(frozen=True)
class Exercise:
    id: str
    question: Text
    hint: Text  # where to look (shown on the first wrong answer)
    explanation: Text  # the concept behind the answer (解析: on the second wrong answer, or on request)
    solution: Text  # shown on request; may name {answer}
    params: Callable[[Lab], Params] | None = None
    expected: Callable[[Lab, Params], set[str]] | None = None  # computed from the lab's data
    hashes: frozenset[str] = field(default_factory=frozenset)  # or: fixed answers, hashed
    labels: tuple[str, ...] = ()  # words an answer may put before or after the value (answers.readings)

    def values(self, lab: Lab | None) -> Params:
        if self.params is None:
            return {}
        if lab is None:
            raise SwarmlabError(f"exercise {self.id} needs the lab: run `course.start(...)` first")
        return self.params(lab)

    def accepted(self, lab: Lab | None, params: Params) -> set[str] | None:
        """The accepted answers when computed from the lab; None when they are stored hashed."""
        if self.expected is None:
            return None
        if lab is None:
            raise SwarmlabError(f"exercise {self.id} needs the lab: run `course.start(...)` first")
        return {canonical(a) for a in self.expected(lab, params)}

    def matches(self, answer: str, accepted: set[str] | None) -> bool:
        """Whether `answer` is right, given the accepted answers (None: the stored hashes). A bracketed or `=` form
        (`SIGKILL (9)`, `0x100 (= 256)`) is right when each of its parts is."""
        def right(text: str) -> bool:
            forms = readings(text, self.labels)
            if accepted is not None:
                return any(f in accepted for f in forms)
            return any(answer_hash(self.id, f) in self.hashes for f in forms)

        if not normalize(answer):
            return False
        if right(answer):
            return True
        parts = [p for p in re.split(r"[()=]", normalize(answer)) if p]
        return 1 < len(parts) <= 3 and all(right(p) for p in parts)

    def is_right(self, answer: str, lab: Lab | None, params: Params) -> bool:
        return self.matches(answer, self.accepted(lab, params))

    def text(self, which: Text, params: Params, lang: str, **extra: str) -> str:
        return (which[0] if lang == "zh" else which[1]).format(**params, **extra)


REGISTRY: dict[str, Exercise] = {}


def define(ex: Exercise) -> Exercise:
    if ex.id in REGISTRY:
        raise SwarmlabError(f"exercise {ex.id} is defined twice")
    if (ex.expected is None) == (not ex.hashes):
        raise SwarmlabError(f"exercise {ex.id}: give either a checker (expected) or hashed answers")
    REGISTRY[ex.id] = ex
    return ex


def get(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        raise SwarmlabError(f"no exercise {exercise_id!r}; defined: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[exercise_id]


def fixed(*answers: str, exercise_id: str) -> frozenset[str]:
    """Hashes of fixed answers (kept here for tests)."""
    return frozenset(answer_hash(exercise_id, a) for a in answers)


# -- the evidence a question is about ------------------------------------------------------------------------------

_HIDDEN: WeakKeyDictionary[Lab, list[range]] = WeakKeyDictionary()  # log entries a self-check made, per lab


@contextmanager
def not_evidence(lab: Lab) -> Iterator[None]:
    """What runs inside (a self-check: `course.check`) is no evidence for any question: its requests and readings
    come after the lesson's and are not what a question asks about."""
    start = len(lab.log)
    try:
        yield
    finally:
        _HIDDEN.setdefault(lab, []).append(range(start, len(lab.log)))


class Evidence:
    """What a question is about: the lab's log as it was when the question was shown (`upto` entries), plus what
    the checker itself had to run for it (`own`), without what a self-check ran. It holds its lab weakly: a session's
    attempts keep no finished lab alive."""

    def __init__(self, lab: Lab, upto: int) -> None:
        self._lab = weakref.ref(lab)
        self.upto = upto
        self.own: list[range] = []

    @property
    def lab(self) -> Lab:
        lab = self._lab()
        if lab is None:
            raise SwarmlabError("this exercise's lab is gone: run `course.start(...)` and its cell again")
        return lab

    @classmethod
    def now(cls, lab: Lab) -> Evidence:
        return cls(lab, len(lab.log))

    @contextmanager
    def active(self) -> Iterator[None]:
        """Checkers called inside read this evidence only; what they run is added to it."""
        lab = self.lab
        token = _ACTIVE.set(self)
        start = len(lab.log)
        try:
            yield
        finally:
            _ACTIVE.reset(token)
            if len(lab.log) > start:
                self.own.append(range(start, len(lab.log)))


_ACTIVE: ContextVar[Evidence | None] = ContextVar("swarmlab_evidence", default=None)


def evidence(lab: Lab) -> list[StepResult[object]]:
    """The results a checker may grade against: the active Evidence's (else the whole log), never a self-check's."""
    return [r for _, r in _visible(lab, before=True)]


def shown_next(lab: Lab) -> list[StepResult[object]]:
    """What the lesson showed after the active question, oldest first (never a self-check's): for a prediction
    ("predict, then look"), the evidence is the showing right after the question."""
    active = _ACTIVE.get()
    if active is None or active._lab() is not lab:
        return []
    return [r for _, r in _visible(lab, before=False)]


def _visible(lab: Lab, *, before: bool) -> list[tuple[int, StepResult[object]]]:
    active = _ACTIVE.get()
    hidden = _HIDDEN.get(lab, [])
    indexed = [(i, r) for i, r in enumerate(lab.log) if not any(i in h for h in hidden)]
    if active is None or active._lab() is not lab:
        return indexed
    own = {i for i, _ in indexed if any(i in o for o in active.own)}
    if before:
        return [(i, r) for i, r in indexed if i < active.upto or i in own]
    return [(i, r) for i, r in indexed if i >= active.upto and i not in own]


# -- the lab's data the checkers use -----------------------------------------------------------------------------


def seen(lab: Lab, steps: Step[T] | tuple[Step[T], ...], run: Callable[[], StepResult[T]], node: str | None = None,
         token: str | None = None, where: Callable[[T], bool] | None = None) -> StepResult[T]:
    """The latest result of `steps` (on `node`, its command naming `token`, its value passing `where`) in the
    evidence (`evidence(lab)`: what the lesson had shown when the question was shown), so a checker grades what the
    student saw: a recording answers a repeated command with its next recorded output (a later state of the swarm),
    and a self-check runs its own. When the lesson showed it only after the question (a prediction: predict, then
    look), that first showing; when it has not shown it at all: `run()` (and that reading joins the question's
    evidence)."""
    names = {s.name for s in (steps if isinstance(steps, tuple) else (steps,))}

    def wanted(r: StepResult[object]) -> bool:
        return (r.step in names and r.value is not None and (node is None or r.node == node)
                and (token is None or token in r.command.split())
                and (where is None or where(cast("T", r.value))))

    found = next((r for r in reversed(evidence(lab)) if wanted(r)), None)
    found = found or next((r for r in shown_next(lab) if wanted(r)), None)
    return cast("StepResult[T]", found) if found is not None else run()


def _running(lab: Lab, service: str) -> list[Task]:
    """The running tasks of `service` in the `docker service ps` the student saw last."""
    shown = seen(lab, st.SERVICE_PS, lambda: lab.tasks(service), token=service)
    return [t for t in shown.value or [] if not t.history and t.state == "Running"]


def client_node(lab: Lab) -> str:
    return lab.client_node()


def _network(lab: Lab, node: str | None = None) -> NetworkInfo:
    """The lab network as `docker network inspect -v` on `node` showed it; without a node, on whichever node the
    lesson inspected it (its id, VIPs and VNI are the same on every node), else on the manager."""
    nets = seen(lab, st.NETWORK_INSPECT, lambda: lab.inspect_network(node or lab.manager), node).value or []
    if not nets:
        raise SwarmlabError(f"`docker network inspect -v {lab.network}` shows nothing")
    return nets[0]


def _service(lab: Lab, node: str, name: str = "web") -> NetworkService:
    svc = next((s for s in _network(lab, node).services if s.name == name), None)
    if svc is None:
        raise SwarmlabError(f"{node}: `docker network inspect -v {lab.network}` lists no service {name}")
    return svc


def _web_mark_rule(lab: Lab, node: str) -> Rule:
    """The MARK rule for web's VIP in the lb namespace of `node` (the VIP from inspect)."""
    vip = _service(lab, node).vip
    ruleset = seen(lab, st.LB_MANGLE, lambda: lab.marks(node), node).value
    rule = next((r for r in (ruleset.marks() if ruleset else []) if r.destination == vip), None)
    if rule is None:
        raise SwarmlabError(f"{node}: no MARK rule for web's VIP {vip}")
    return rule


def _lb_endpoint(lab: Lab, node: str) -> str:
    ep = next((e for e in _network(lab, node).endpoints if e.key == f"lb-{lab.network}"), None)
    if ep is None or not ep.ip:
        raise SwarmlabError(f"{node}: no lb-{lab.network} endpoint in `docker network inspect`")
    return str(ep.ip)


def _answers(lab: Lab, n: int = 6) -> list[str]:
    """The hostnames of the lesson's short run of requests (`%swarm -n 6 ...`: two to ten answers), not of a long
    sample shown later."""
    shown = seen(lab, st.REQUESTS, lambda: lab.requests(n), where=lambda answers: 2 <= len(answers) <= 10)
    return [str(a.hostname) for a in shown.value or [] if a.ok and a.hostname][-n:]


def next_backend(sequence: list[str]) -> str:
    """Round robin's next real server after `sequence`: the backend after the last one in the cycle order (the
    order they first answered in). Repeats (a reused client port) do not move the cycle."""
    order = list(dict.fromkeys(sequence))
    if len(order) < 2:
        raise SwarmlabError("fewer than two backends answered: nothing to predict")
    return order[(order.index(sequence[-1]) + 1) % len(order)]


def _node_names(node: str) -> set[str]:
    return {node, node.removeprefix("swarm-")}


# -- the exercises -------------------------------------------------------------------------------------------------

define(Exercise(
    "00.nodes",
    ("这个集群（swarm）有几个节点？", "How many nodes does this swarm have?"),
    ("第二步写出了它们的名字；徽章和 `lab.swarm_nodes` 也列出了它们。",
     "Step 2 names them; the badge and `lab.swarm_nodes` list them too."),
    ("数一数节点：一个管理节点（manager）加上工作节点（worker）。", "Count the nodes: one manager plus the workers."),
    ("{answer} 个节点：swarm-manager、swarm-worker1、swarm-worker2。",
     "{answer} nodes: swarm-manager, swarm-worker1, swarm-worker2."),
    expected=lambda lab, p: {str(len(lab.swarm_nodes))},
))

define(Exercise(
    "00.client-node",
    ("`client` 服务的任务运行在哪个节点上？（写节点名）",
     "On which node does the `client` service's task run? (a node name)"),
    ("看 `docker service ps client` 的 NODE 列。", "Look at the NODE column of `docker service ps client`."),
    ("整个课程都跟着 client 所在的节点走：那里的 lb_ 命名空间处理 client 发出的数据包。",
     "The whole course follows the client's node: the lb_ namespace there handles the client's packets."),
    ("client 运行在 {answer} 上。", "The client runs on {answer}."),
    expected=lambda lab, p: _node_names(client_node(lab)),
    labels=NODE_LABELS,
))

define(Exercise(
    "01.replicas",
    ("`web` 服务现在有几个正在运行的任务（副本）？", "How many running tasks (replicas) does the `web` service have?"),
    ("`docker service ls` 的 REPLICAS 列写成 运行数/期望数。",
     "The REPLICAS column of `docker service ls` reads running/desired."),
    ("只数 CURRENT STATE 为 Running 的任务，不算历史行（\\_ 开头）。",
     "Count only tasks whose CURRENT STATE is Running, not the history rows (starting with \\_)."),
    ("{answer} 个任务。", "{answer} tasks."),
    expected=lambda lab, p: {str(len(_running(lab, "web")))},
))

define(Exercise(
    "01.network-driver",
    ("`mynet` 是用哪个驱动（driver）创建的？", "Which driver was `mynet` created with?"),
    ("看 `docker network ls` 的 DRIVER 列，或者创建命令里的 `-d`。",
     "Look at the DRIVER column of `docker network ls`, or the `-d` in the create command."),
    ("跨主机的 swarm 网络只有一种驱动能做到：它把容器的包封装在 VXLAN 里。",
     "Only one driver spans the swarm's hosts: it wraps the containers' packets in VXLAN."),
    ("overlay（覆盖网络）：`docker network create -d overlay --attachable mynet`。",
     "overlay: `docker network create -d overlay --attachable mynet`."),
    hashes=frozenset({"ea1b852d8a1cf706a1ac3af31f44d8b294a139213a993a341f4315dffedf47ba",
                      "50a3da5658b07b296196cadd10952685dc2c7f08dcf000f0ef31d82e2162031f"}),
))


def _owner_params(lab: Lab) -> Params:
    """web's VIP: the address lesson 02 shows (`nslookup web`, `docker service inspect ... web`)."""
    web = next((s for s in _network(lab).services if s.name == "web" and s.vip), None)
    if web is None:
        raise SwarmlabError(f"web has no VIP on {lab.network} yet")
    return {"addr": str(web.vip)}


def _owner(lab: Lab, p: Params) -> set[str]:
    net = _network(lab)
    names = {s.name for s in net.services if s.vip == p["addr"]}
    names |= {str(e.service) for e in net.endpoints if e.ip == p["addr"] and e.service}
    return names


define(Exercise(
    "02.owner",
    ("地址 {addr} 属于哪个服务？", "Which service owns the address {addr}?"),
    ("和第五步 `docker service inspect` 的 `Addr`、第四步 `nslookup` 的结果比一比。",
     "Compare with the `Addr` of `docker service inspect` (step 5) and the `nslookup` answers (step 4)."),
    ("VIP 属于一个服务，而不属于它的任何一个任务；任务有自己的地址（`tasks.web`）。",
     "A VIP belongs to a service, not to any of its tasks; the tasks have addresses of their own (`tasks.web`)."),
    ("{addr} 是 {answer} 的 VIP。", "{addr} is the VIP of {answer}."),
    params=_owner_params, expected=_owner,
))


def _web_vip(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("web"), token="web").value
    return {addr for addr in (lookup.addresses if lookup else [])}


define(Exercise(
    "02.web-vip",
    ("在 client 里，名字 `web` 解析成哪个地址？", "Inside the client, which address does the name `web` resolve to?"),
    ("运行 `docker exec $client nslookup web`，看 Name: web 下面的 Address。",
     "Run `docker exec $client nslookup web` and read the Address under Name: web."),
    ("`web` 解析成一个地址，它不是任何任务的地址：那是服务的虚拟IP（VIP）。`tasks.web` 才解析成任务的地址。",
     "`web` resolves to one address that is no task's: the service's virtual IP (VIP). `tasks.web` gives the tasks."),
    ("`web` 解析成 VIP {answer}。", "`web` resolves to the VIP {answer}."),
    expected=_web_vip, labels=ADDRESS_LABELS,
))


def _net_id(lab: Lab) -> Params:
    net = _network(lab)
    if not net.id:
        raise SwarmlabError(f"`docker network inspect` shows no Id for {lab.network}")
    return {"net_id": str(net.id)}


define(Exercise(
    "03.lb-name",
    ("`mynet` 的 Id 是 {net_id}。它的负载均衡命名空间在 /var/run/docker/netns 里叫什么？",
     "`mynet`'s Id is {net_id}. What is its load-balancer namespace called in /var/run/docker/netns?"),
    ("名字是 lb_ 加上网络 Id 的前几个字符：Docker 把沙箱 id 截成 12 个字符。",
     "The name is lb_ plus the first characters of the network Id: Docker cuts sandbox ids to 12 characters."),
    ("\"lb_\" 占 3 个字符，12 − 3 = 9：所以是 lb_ 加上 Id 的前 9 个字符（用的是 Id，不是名字 mynet）。",
     "\"lb_\" takes 3 characters and 12 − 3 = 9: lb_ plus the Id's first 9 characters (the Id, not the name)."),
    ("{answer}", "{answer}"),
    params=_net_id, expected=lambda lab, p: {f"lb_{p['net_id'][:9]}"},
    labels=("命名空间", "namespace", "netns", "叫"),
))

define(Exercise(
    "03.remote-addr",
    ("client 在 {node} 上。`web` 的任务在 whoami 的输出里会看到哪个 RemoteAddr（只写 IP）？",
     "The client runs on {node}. Which RemoteAddr (the IP only) will web's tasks print in whoami's answer?"),
    ("不是 client 自己的地址。看 client 所在节点上 `docker network inspect -v mynet` 里的 lb-mynet。",
     "Not the client's own address. Look at lb-mynet in `docker network inspect -v mynet` on the client's node."),
    ("web 的任务把 client 所在节点的 lb 端点当成了客户端（第 04 课会看到是哪条规则做的）。",
     "The web tasks see the lb endpoint of the client's node as the client (lesson 04 shows which rule does it)."),
    ("{answer}：{node} 上 lb-mynet 端点的地址（源地址转换 SNAT）。",
     "{answer}: the address of the lb-mynet endpoint on {node} (SNAT)."),
    params=lambda lab: {"node": client_node(lab)},
    expected=lambda lab, p: {_lb_endpoint(lab, p["node"])}, labels=("remoteaddr", *ADDRESS_LABELS),
))


def _mark_params(lab: Lab) -> Params:
    node = client_node(lab)
    return {"node": node, "mark_hex": str(_web_mark_rule(lab, node).mark_hex)}


define(Exercise(
    "04.mark-decimal",
    ("在 {node} 的 lb 命名空间里，`web` 的规则写着 `MARK set {mark_hex}`。`ipvsadm -Ln` 在 FWM 后面会显示哪个数？",
     "In the lb namespace on {node}, web's rule reads `MARK set {mark_hex}`. Which number does `ipvsadm -Ln` "
     "print after FWM?"),
    ("iptables 用十六进制显示标记，ipvsadm 用十进制。", "iptables shows the mark in hexadecimal, ipvsadm in decimal."),
    ("把十六进制换成十进制：三位十六进制数字分别乘以 256、16、1 再相加。",
     "Convert hexadecimal to decimal: weigh the hex digits by 256, 16 and 1 and add them up."),
    ("{mark_hex} = {answer}：`FWM  {answer}`。", "{mark_hex} = {answer}: `FWM  {answer}`."),
    params=_mark_params, expected=lambda lab, p: {str(int(p["mark_hex"], 16))},
    labels=MARK_LABELS,
))


def _lbindex_params(lab: Lab) -> Params:
    node = client_node(lab)
    mark = _service(lab, node, "client").mark
    if mark is None:
        raise SwarmlabError(f"{node}: `docker network inspect -v` shows no LocalLBIndex for client")
    return {"node": node, "index": str(mark)}


define(Exercise(
    "04.lbindex-hex",
    ("在 {node} 上，`docker network inspect -v mynet` 里 client 服务的 \"LocalLBIndex\" 是 {index}。那里的 mangle "
     "表在 client 的 VIP 那条规则里会写 `MARK set` 什么？",
     "On {node}, `docker network inspect -v mynet` gives the client service \"LocalLBIndex\": {index}. What follows "
     "`MARK set` in the rule for the client's VIP in that node's mangle table?"),
    ("LocalLBIndex 就是这个服务在这个节点上的防火墙标记（fwmark），iptables 用 0x 开头的十六进制显示。",
     "LocalLBIndex is the service's firewall mark (fwmark) on that node; iptables prints it in hex, with 0x."),
    ("把十进制换成十六进制：依次除以 256、16，商和余数就是各位数字，前面写 0x。",
     "Convert decimal to hexadecimal: divide by 256, then 16; the quotients and the rest are the digits, after 0x."),
    ("{answer}（= {index}）。", "{answer} (= {index})."),
    params=_lbindex_params, expected=lambda lab, p: {hex(int(p["index"]))},
    labels=MARK_LABELS,
))


# -- lessons 00-04: the rest of their exercises (lessons/exercises-a.md) ------------------------------------------


define(Exercise(
    "00.builtin-overlay",
    ("还没有创建 mynet 时，`docker network ls` 里已经有一个 overlay 网络。它叫什么？",
     "Before mynet exists, `docker network ls` already lists one overlay network. What is it called?"),
    ("看 DRIVER 列为 overlay 的那一行的 NAME。", "Read the NAME on the line whose DRIVER is overlay."),
    ("Swarm 初始化时自动创建它，发布端口的流量（路由网格）走它；docker_gwbridge 的驱动是 bridge，不是 overlay。",
     "Swarm creates it when the swarm is initialised, for the traffic of published ports (the routing mesh); "
     "docker_gwbridge's driver is bridge, not overlay."),
    ("ingress：路由网格（第 08 课）用的 overlay 网络。",
     "ingress: the overlay network of the routing mesh (lesson 08)."),
    hashes=frozenset({"293736c91befb316642681a6961eb7d44462addb6bd4d2be261981129485bf2a"}),
))

define(Exercise(
    "00.scope",
    ("overlay 网络在 `docker network ls` 的 SCOPE 列里显示什么？",
     "What does the SCOPE column of `docker network ls` say for an overlay network?"),
    ("和 bridge、host 那几行的 SCOPE 比一比。", "Compare with the SCOPE of the bridge and host lines."),
    ("bridge、host、none 只属于一台主机（local）；overlay 网络属于整个集群，每个节点都认识它。",
     "bridge, host and none belong to one host (local); an overlay network belongs to the whole swarm, every node "
     "knows it."),
    ("swarm：整个集群范围的网络。", "swarm: a network of the whole swarm."),
    hashes=frozenset({"a2a08050608d7e712cf8044ca60f295ab67173d3e6118401fb8586c95f2122b7",
                      "a9d83b405772ce326db49b47edb55abb52f474946e2ce20667792e0beed69230"}),
))


def _running_nodes(lab: Lab, service: str) -> set[str]:
    return {str(t.node) for t in _running(lab, service)}


def _nodes_without_web(lab: Lab, p: Params) -> set[str]:
    running = _running_nodes(lab, "web")
    free = [n for n in lab.swarm_nodes if n not in running]
    if not free:
        return {"none", "无", "没有"}
    return set().union(*(_node_names(n) for n in free))


define(Exercise(
    "01.node-without-web",
    ("这个集群有 {nodes}。哪个节点上没有运行 web 的任务？（写节点名）",
     "This swarm has {nodes}. Which node runs no web task? (a node name)"),
    ("把 `docker service ps web` 的 NODE 列和节点名逐个比较。",
     "Compare the NODE column of `docker service ps web` with each node name."),
    ("web 的两个副本被分散到两个节点上，第三个节点上没有 web 任务（它上面可能运行着 client，所以仍然接入 mynet）。",
     "web's two replicas are spread over two nodes, which leaves the third without a web task (it may run the "
     "client, and so still be on mynet)."),
    ("{answer}：上面没有 web 任务。", "{answer}: no web task runs there."),
    params=lambda lab: {"nodes": ", ".join(lab.swarm_nodes)}, expected=_nodes_without_web,
    labels=NODE_LABELS,
))


def _task_addresses(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("tasks.web"), token="tasks.web").value
    if lookup is None or not lookup.addresses:
        raise SwarmlabError("`nslookup tasks.web` returned no address")
    return {str(len(set(lookup.addresses)))}


define(Exercise(
    "02.tasks-count",
    ("`nslookup tasks.web` 返回了几个地址？", "How many addresses did `nslookup tasks.web` return?"),
    ("数 Name: tasks.web 下面的 Address 行；第一行 Server/Address 是 DNS 服务器自己，不算。",
     "Count the Address lines under Name: tasks.web; the Server/Address on top is the DNS server itself."),
    ("`tasks.web` 为每个运行中的任务返回一个地址，有几个副本就有几个；`web` 只返回一个 VIP。",
     "`tasks.web` returns one address per running task, one per replica; `web` returns a single VIP."),
    ("{answer} 个：每个 web 任务一个。", "{answer}: one per web task."),
    expected=_task_addresses,
))


def _vip_count(lab: Lab, p: Params) -> set[str]:
    shown = seen(lab, st.LB_IP_A, lambda: lab.addresses(p["node"]), p["node"])
    eth0 = next((i for i in shown.value or [] if i.name == "eth0"), None)
    if eth0 is None:
        raise SwarmlabError(f"{p['node']}: no eth0 in the lb namespace (`ip addr`)")
    return {str(len(eth0.vips))}


define(Exercise(
    "03.vip-count",
    ("在 {node}（client 所在节点）的 lb_ 命名空间里，eth0 上有几个 /32 地址？",
     "In the lb_ namespace on {node} (the client's node), how many /32 addresses does eth0 have?"),
    ("数 `ip addr` 输出里以 /32 结尾的 inet 行；/24 那一行是端点自己的地址。",
     "Count the inet lines ending in /32 in the `ip addr` output; the /24 one is the endpoint's own address."),
    ("mynet 上每个有 VIP 的服务一个 /32：不只是 web，client 也是一个服务，也有自己的 VIP。",
     "One /32 per service with a VIP on mynet: not only web; the client is a service too, with a VIP of its own."),
    ("{answer} 个：每个服务的 VIP 一个。", "{answer}: one VIP per service."),
    params=lambda lab: {"node": client_node(lab)}, expected=_vip_count,
))


def _mynet_nodes(lab: Lab, p: Params) -> set[str]:
    hosts = {t.host_ip for s in _network(lab, p["node"]).services for t in s.tasks if t.host_ip}
    if not hosts:
        raise SwarmlabError(f"`docker network inspect -v {lab.network}` lists no task with a Host IP")
    return {str(len(hosts))}


define(Exercise(
    "03.endpoint-count",
    ("在这个集群里，mynet 一共有几个负载均衡端点（每个节点上的 lb-mynet）？",
     "How many load-balancer endpoints (lb-mynet on a node) does mynet have in this swarm?"),
    ("只有运行着 mynet 上任务的节点才有；看 `docker service ps web` 和 `docker service ps client` 的 NODE 列，"
     "或 `docker network inspect -v mynet` 里各任务的 Host IP。",
     "Only nodes that run a task on mynet have one; see the NODE column of `docker service ps web` and "
     "`docker service ps client`, or the tasks' Host IP in `docker network inspect -v mynet`."),
    ("每个节点有自己的 lb 端点，但只有在该网络上运行着任务的节点才会分到一个。",
     "Each node has its own lb endpoint, but only a node that runs a task on the network gets one."),
    ("{answer} 个：每个运行着 mynet 任务的节点一个。", "{answer}: one per node that runs a task on mynet."),
    params=lambda lab: {"node": client_node(lab)}, expected=_mynet_nodes,
))

define(Exercise(
    "04.masq-rewrites",
    ("IPVS 的转发方式 Masq（NAT）改写的是包的源地址还是目的地址？（写“源地址”或“目的地址”）",
     "Which address of a packet does IPVS's Masq (NAT) forwarding rewrite: the source or the destination?"),
    ("对照 `ipvsadm -Lnc` 的一行：source、virtual、destination 三列里，哪一列被 IPVS 换掉了？",
     "Look at a line of `ipvsadm -Lnc`: of source, virtual and destination, which one did IPVS replace?"),
    ("IPVS 把 VIP 换成选中的任务地址；任务看到的源地址变成 lb 端点，是 nat 表 POSTROUTING 链里那条 "
     "`-m ipvs --ipvs -j SNAT` 规则做的，不是 IPVS。",
     "IPVS swaps the VIP for the chosen task's address; the source the task sees becomes the lb endpoint because "
     "of the nat POSTROUTING rule `-m ipvs --ipvs -j SNAT`, not because of IPVS."),
    ("目的地址：VIP → 任务地址。源地址由 SNAT 规则改成 lb 端点。",
     "The destination: VIP → the task's address. The source is rewritten to the lb endpoint by the SNAT rule."),
    hashes=frozenset({"c508cd6a7506f9d82681a130819c9c50b8aae0921216063cbc93c77d6f85a544",
                      "cd6cb2fe0aa62f3554e9e78a2ebcb4c23cce61f619d74c0ea7c3859db0ba6cb3",
                      "014b80aba63991fbd246028a6d220c56ad2a61e625591f982636fefc870d8ff2",
                      "0aee7b710db96d2d2f149b53b13f5367b5cb8d32a1f5264a8e131f9345dc30ec",
                      "459c9c1d3bbc9be017cd5b257fb7de5c672e88c0283d86b10ce1dfa955f8b1c4",
                      "5f8fb4292192ee74d02a467a10a3b22cf4a860cb9cbca66cc15c7a4c3f4b11c1",
                      "a18d6154b985ea35333a89ba27e36537be6811957c19aa726b7edb52886bbe9c",
                      "a69e2e1feb2061398c255a2451aa8a3de4ebba898ea963cdf73bf0a13273a0b0",
                      "b552b564434cef285f75b966b8d83091bb8a4c04f2c808b533a769ce95ef884d",
                      "b9a43c3408a311a08a39d5f1ab61f3a21b27d16f75f5aa666593d49ca0028bf3",
                      "e88a272cb58974a21074410f48c28c528cbeafeeaecb15239fffd27d7fbecdc7",
                      "873297a21d16d1fb9bb3e80bc42f46278d05c94f9a126724fed853b27ca94396"}),
))

define(Exercise(
    "04.first-mark",
    ("某个节点上的 dockerd 刚刚重启，它重启后建立的第一个负载均衡是 mynet 上的 web。在这个节点的 mangle 表里，"
     "web 的规则会写 `MARK set` 什么？",
     "A node's dockerd has just restarted, and the first load balancer it sets up after the restart is web's on "
     "mynet. What will follow `MARK set` in web's rule in that node's mangle table?"),
    ("重启后计数器从头开始；起点是 256，iptables 用十六进制写。",
     "After a restart the counter starts from the beginning, at 256; iptables writes it in hexadecimal."),
    ("每个 dockerd 的计数器从 256 开始，每个（服务，网络）取下一个数；dockerd 重启后又从头开始。",
     "Each dockerd's counter starts at 256 and gives each (service, network) the next number; it starts again "
     "when dockerd restarts."),
    ("0x100（= 256）：dockerd 运行期间不重复使用，重启后重新从 0x100 开始。",
     "0x100 (= 256): not reused while dockerd runs, and counted again from 0x100 after a restart."),
    hashes=frozenset({"30976d55798690993bec78f628ed544ad65cf8fe6c2b18cb908568ca7ccd84a0",
                      "3d69bb3f3ef01fcf39534994379b12a94faad97ece318364d670e1dfefba0303"}),
    labels=MARK_LABELS,
))

define(Exercise(
    "04.chain-order",
    ("把一个从 client 发往 web 的请求经过的各站按顺序排列，输入字母（如 ABCDE）：A IPVS 选出任务并改写目的地址；"
     "B DNS 把 web 解析成 VIP；C SNAT 把源地址改成 lb 端点；D mangle 表 INPUT 链打上防火墙标记；"
     "E 经 mynet（VXLAN）到达任务。",
     "Put the stations of a request from the client to web in order, as letters (like ABCDE): A IPVS picks a "
     "task and rewrites the destination; B DNS resolves web to the VIP; C SNAT rewrites the source to the lb "
     "endpoint; D the mangle table's INPUT chain sets the firewall mark; E the packet crosses mynet (VXLAN) to "
     "the task."),
    ("IPVS 靠标记认包，所以标记在 IPVS 之前；SNAT 在包离开 lb 命名空间之前。",
     "IPVS recognises packets by their mark, so the mark comes before IPVS; SNAT happens just before the packet "
     "leaves the lb namespace."),
    ("先有地址（DNS），才有发往 VIP 的包；包先被打标记，IPVS 再按标记选任务；改完目的地址后才改源地址，"
     "最后经 overlay 网络送到任务。",
     "First the address (DNS), then packets to the VIP; a packet is marked, then IPVS picks a task by the mark; "
     "the source is rewritten after the destination, and the overlay network carries the packet last."),
    ("BDACE：DNS → MARK → IPVS（目的地址）→ SNAT（源地址）→ VXLAN。",
     "BDACE: DNS → MARK → IPVS (destination) → SNAT (source) → VXLAN."),
    hashes=frozenset({"0d6640b6e39ef2948e73e08ed2b9275ea9842c068657c16acc0f304396be9403",
                      "4c16c7900d3ad45a91e37c4d62283c42e2bb5f309296d509a65dd99614445f4f",
                      "662152739abdf2b07b7f4fc5f6ac6ea4b4db9bf1446793ee873935cc92feff48",
                      "965af1f6a05b060043a3903944e8e49b3940632109a962ff49e7ceb0a1cdd575",
                      "c13f9889a18cdb164de10a0f172e6b778b06ec9d69534b6dbed69ad1590e96a2",
                      "c37d5c6519bb7219a40d81bbe7754617d9a37aca3895c8549e4d632564aff0c7",
                      "de8d526fa88b47df23a855a7436c9ab9064419b7da57a2374f23ffe2a558a995"}),
))


def _sequence(lab: Lab) -> Params:
    seq = _answers(lab, 6)
    if len(seq) < 2:
        raise SwarmlabError("no answered requests to reason about")
    return {"sequence": " → ".join(seq)}


def _next_scheduled(lab: Lab, p: Params) -> set[str]:
    """The task the next connection IPVS schedules goes to. A visible repeat is a reused port that did not move the
    scheduler; without one, a reused port that happened to land on the other task looks just like alternation, so
    the sequence cannot tell which task is next: then every task that answered is accepted."""
    sequence = [s.strip() for s in p["sequence"].split("→")]
    if any(a == b for a, b in itertools.pairwise(sequence)):
        return {next_backend(sequence)}
    return set(sequence)


define(Exercise(
    "05.next-task",
    ("最近的回答依次来自：{sequence}。IPVS 调度的下一个连接会交给哪个任务？（写主机名）",
     "The latest answers came from: {sequence}. To which task does IPVS send the next connection it schedules? "
     "(its hostname)"),
    ("IPVS 的调度器是 rr（轮询）：每个被调度的新连接交给下一个真实服务器。",
     "IPVS's scheduler is rr (round robin): each connection it schedules goes to the next real server."),
    ("轮询按固定顺序循环；连续两次相同（复用的客户端端口）不会推进调度器。",
     "Round robin cycles in a fixed order; a repeat (a reused client port) does not move the scheduler on."),
    ("例如 {answer}。轮询交给循环里最后一个之后的那个任务；复用端口的连接不经调度，若它恰好落在另一个任务上，"
     "看起来和交替一样，所以序列里没有可见的重复时，每个回答过的任务都算对。",
     "For example {answer}. Round robin takes the task after the last one in its cycle; a connection on a reused "
     "port is not scheduled, and when it lands on the other task it looks like alternation, so when the sequence "
     "shows no visible repeat every task that answered counts as right."),
    params=_sequence, expected=_next_scheduled,
    labels=("hostname", "主机名"),
))

define(Exercise(
    "05.even-share",
    ("两个后端、100 个新连接、没有复用端口：纯轮询时每个后端回答几个请求？",
     "Two backends, 100 new connections, no reused ports: with pure round robin, how many does each backend answer?"),
    ("轮询把连接一个接一个地交替分配。", "Round robin hands connections out one after the other, alternately."),
    ("A-B-A-B…… 100 个请求平分给两个后端。", "A-B-A-B… 100 requests split evenly over two backends."),
    ("每个 50。真实的运行只是接近各半（看本课 1000 个请求那张图的计数）：复用的客户端端口会保留原来的真实服务器"
     "（conn_reuse_mode=0）。",
     "50 each. A real run is only close to that (see the counts of the lesson's 1,000 requests): a reused client "
     "port keeps its real server (conn_reuse_mode=0)."),
    hashes=frozenset({"22631e7e63dbdc4ba25647040bc46cd5fb48a2897a239426607c94429c084bf8",
                      "d8f7cdae18a404d6182143f5828b87d618593c3d4e82c40eb158fbb566d4ccfc",
                      "bc7f86f9390abb91a6ce07ca1b217ccefb58fa8b67234a33e03d912303afcaf4",
                      "5f5df86ac8582363147ac33ccf00a16756d7d779c5b1e8a31b0e0dda2eb13133",
                      "da4ceedef7b2c60046f852aa8a1b98024f8f999db6a8cf8b10e01733d1c1f9ba",
                      "862056786069997c43287173eea473d187c059ac45bb2123943714b60edb77b8",
                      "c4117aac85daef8f7ee9c07720762571bbda31170c33e1c5d37f08d86bc02685"}),
))

define(Exercise(
    "06.weight-zero",
    ("一个任务被移除时（缩容或被杀掉），Docker 先把它的真实服务器的权重（Weight）设成多少，然后才删除它？",
     "When a task is removed (scaled down or killed), what weight does Docker first give its real server before "
     "deleting it?"),
    ("被移除的后端先“排空”：不再接新连接。", "A removed backend is drained first: it takes no new connections."),
    ("权重为 0 的真实服务器不会被 rr 选中。", "A real server with weight 0 is never chosen by rr."),
    ("0（moby service_linux.go 的 rmLBBackend：d.Weight = 0）。",
     "0 (moby service_linux.go, rmLBBackend: d.Weight = 0)."),
    labels=("weight", "权重", "权重是", "权重为"),
    hashes=frozenset({"ddf6f13e56cc8d2dd99e3a718839095df6bfa0795ce77cff2424dba48faf3e2b"}),
))

define(Exercise(
    "06.after-scale",
    ("执行 `docker service scale web=3` 并收敛后，client 所在节点的 IPVS 在 web 的 FWM 下列出几个真实服务器？",
     "After `docker service scale web=3` converges, how many real servers does the client node's IPVS list under "
     "web's FWM?"),
    ("每个运行中的任务都是一个真实服务器。", "Every running task is one real server."),
    ("IPVS 跟着副本数走：新任务加入同一个标记后面。",
     "IPVS follows the replicas: a new task joins behind the same mark."),
    ("3 个。", "3."),
    hashes=frozenset({"15d08f8c5d46d3b53b48214842ba8e591c5ca95704dfd5ca18c0ce163bd4dc0f"}),
))


def _dnsrr_count(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("webrr"), token="webrr").value
    return {str(len(set(lookup.addresses)) if lookup else 0)}


define(Exercise(
    "07.dnsrr-count",
    ("`docker exec $client nslookup webrr` 返回几个地址？",
     "How many addresses does `docker exec $client nslookup webrr` return?"),
    ("webrr 用 `--endpoint-mode dnsrr` 创建：DNS 为每个运行中的任务返回一个地址。看创建命令里的 `--replicas`。",
     "webrr was created with `--endpoint-mode dnsrr`: DNS returns one address per running task. See `--replicas` in "
     "the create command."),
    ("dnsrr 模式没有 VIP：DNS 直接返回每个任务的地址。", "dnsrr has no VIP: DNS returns every task's address itself."),
    ("{answer} 个：每个任务一个，没有 VIP。", "{answer}: one per task, no VIP."),
    expected=_dnsrr_count,
))

define(Exercise(
    "07.dnsrr-marks",
    ("webrr 在 lb 命名空间的 mangle 表里有几条 MARK 规则？",
     "How many MARK rules does webrr get in the lb namespace's mangle table?"),
    ("MARK 规则匹配的是 `-d <VIP>/32`。", "A MARK rule matches `-d <VIP>/32`."),
    ("没有 VIP，就没有要标记的目的地址，也没有 IPVS FWM 服务。",
     "No VIP: no destination to mark, and no IPVS FWM service."),
    ("0 条。", "None (0)."),
    hashes=frozenset({"f5f3a4798e683733729898d4a8562c7d1aba5df1440adad0cbdd430c8d8aecd3"}),
))

define(Exercise(
    "08.ingress-chain",
    ("在 ingress_sbox 里，mangle 表的哪条链给发往已发布端口的包打标记？",
     "In ingress_sbox, which chain of the mangle table marks packets for the published port?"),
    ("lb_ 命名空间用 INPUT 匹配 VIP；从外面来的包要在路由之前按端口匹配。",
     "lb_ namespaces match the VIP in INPUT; packets from outside are matched by port before routing."),
    ("入口流量按 `--dport` 在路由之前打标记。", "Ingress traffic is marked by `--dport` before routing."),
    ("PREROUTING（`-p tcp --dport 8080 -j MARK`）。", "PREROUTING (`-p tcp --dport 8080 -j MARK`)."),
    hashes=frozenset({"f877bc113b21285e32525cd23c837ebb7ccce491765f1649955d2a9552c7754f"}),
))

define(Exercise(
    "08.host-chain",
    ("在节点本身（不是命名空间里），nat 表的哪条链把发往 8080 端口的包 DNAT 到 ingress_sbox？",
     "On the node itself (not in a namespace), which nat chain DNATs packets for port 8080 to ingress_sbox?"),
    ("`sudo iptables -t nat -nvL` 里有一条 Docker 为路由网格建的链。",
     "`sudo iptables -t nat -nvL` has a chain Docker made for the routing mesh."),
    ("它的规则写着 `DNAT ... tcp dpt:8080 to:172.18.0.2:8080`（目的地址转换）。",
     "Its rule reads `DNAT ... tcp dpt:8080 to:172.18.0.2:8080` (destination NAT)."),
    ("DOCKER-INGRESS。", "DOCKER-INGRESS."),
    hashes=frozenset({"620b4aa079c23d5104c7ccc4e9f6a7518cf01c7848f2ea0d36a3e7fd8c25d6f6"}),
))


def _allocated_vip(lab: Lab, p: Params) -> set[str]:
    # read where lesson 09 reads it, on the client's node (the VIP is the same on every node)
    return {str(s.vip) for s in _network(lab, client_node(lab)).services if s.name == "web" and s.vip}


define(Exercise(
    "09.vip-allocated",
    ("在这个坏掉的集群里，Docker 还是给 web 分配了 VIP 吗？如果是，写出这个地址。",
     "In this broken swarm, did Docker still allocate web a VIP? If so, write the address."),
    ("看 `docker network inspect -v mynet` 的 Services。", "Look at Services in `docker network inspect -v mynet`."),
    ("VIP 由管理节点分配，与节点内核有没有 IPVS 无关。",
     "The manager allocates the VIP, whatever the nodes' kernels can do."),
    ("{answer}：分配了，也编了号，但从未生效。", "{answer}: allocated, and numbered, but never programmed."),
    expected=_allocated_vip, labels=("分配了", "allocated", *ADDRESS_LABELS),
))

define(Exercise(
    "09.diagnosis",
    ("诊断：A) web 的任务没有运行  B) DNS 坏了  C) 节点内核没有 IPVS  D) 防火墙挡住了 80 端口。选一个字母。",
     "Diagnose: A) web's tasks are not running  B) DNS is broken  C) the nodes' kernels lack IPVS  "
     "D) a firewall blocks port 80. Pick a letter."),
    ("`sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln` 说了什么？",
     "What does `sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln` say?"),
    ("任务在运行（排除 A），`nslookup web` 返回了 VIP（排除 B），VIP 也分配了；但 lb 命名空间里没有 /32 VIP、"
     "没有 MARK 规则，ipvsadm 报 `Can't initialize ipvs`：包根本到不了 80 端口（所以也不是 D）。",
     "The tasks run (not A), `nslookup web` returned the VIP (not B) and the VIP is allocated; but the lb namespace "
     "has no /32 VIP, no MARK rule, and ipvsadm says `Can't initialize ipvs`: packets never get as far as port 80 "
     "(so not D either)."),
    ("C：内核没有 IPVS（ip_vs 模块）。`swarmlab doctor` 会检查这一点。",
     "C: the kernel has no IPVS (the ip_vs module). `swarmlab doctor` checks for it."),
    hashes=frozenset({"2ecc98fa6201d57b3a60020b2b17aa68576abf51e1cdac72db8394a7d5916c5f",
                      "471f479741aa3b84ff88fe2c4447d45fb78b7a3b535c4403f1dade18decee0ae",
                      "88fd664a91627a114b0533d266b6ffcbe4f90037ac3a74d358478f32d6e412fd",
                      "743347a7b013b9e1fe0d436074253d8a27b876c36ade5f437c974b3844cfcbd5",
                      "cc509bdc3ed2250bb848b26f112ca861ba7724805e363ac241c314e43ff04531"}),
))


# -- lessons 05-09: the exercises lessons-b added (lessons/exercises-b.md lists them) ------------------------------


def _sample(lab: Lab) -> Sample:
    """The sample the lesson's picture shows: the latest batch of at least 50 requests in the question's evidence (a
    self-check's batch never is one); when there is none yet, 100 requests now."""
    import pandas as pd

    batch = seen(lab, st.REQUESTS, lambda: lab.requests(100), where=lambda answers: len(answers) >= 50)
    return Sample(batch, batch.frame if batch.frame is not None else pd.DataFrame(), pd.DataFrame())


def _sample_params(lab: Lab) -> Params:
    answers = _sample(lab).answers
    ok = answers[answers["ok"]] if len(answers) else answers
    if len(ok) == 0 or ok["hostname"].nunique() < 2:
        raise SwarmlabError("fewer than two backends answered the sample: nothing to count")
    return {"n": str(len(ok))}


define(Exercise(
    "05.repeats",
    ("上面那 {n} 个回答里，有多少个和紧挨着的前一个回答来自同一个后端？",
     "Of the {n} answers above, how many came from the same backend as the answer just before?"),
    ("在条带图里数同一行上相邻的两个点，或者用 `sample.repeats`。",
     "Count two neighbouring dots on the same row of the strip, or use `sample.repeats`."),
    ("纯轮询从不重复；每一次重复都来自一个复用的客户端端口（conn_reuse_mode=0）：它的连接不经调度、回到原来的"
     "真实服务器，轮询的位置也不动，所以重复出现在这个请求上，或者出现在它的下一个请求上。",
     "Pure round robin never repeats; each repeat comes from a reused client port (conn_reuse_mode=0): its "
     "connection goes back to its earlier real server unscheduled and the round-robin position stays, so the "
     "repeat shows on that request or on the one after it."),
    ("{answer} 次重复。", "{answer} repeats."),
    params=_sample_params, expected=lambda lab, p: {str(_sample(lab).repeats)},
))


define(Exercise(
    "06.mark-after-scale",
    ("扩容之后，{node} 上 web 的标记是多少？写十进制，也就是 `ipvsadm -Ln` 里 FWM 后面的数。",
     "After scaling, what is web's mark on {node}? In decimal: the number after FWM in `ipvsadm -Ln`."),
    ("看 client 所在节点上 `docker network inspect -v mynet` 里 web 的 LocalLBIndex，或者 IPVS 表里 web 那一行 FWM。",
     "Look at web's LocalLBIndex in `docker network inspect -v mynet` on the client's node, or web's FWM line."),
    ("标记属于这个节点上的（服务，网络）这一对，扩缩容不会改变它；写十进制，不写 0x。",
     "The mark belongs to the (service, network) pair on this node and scaling does not change it; give it in "
     "decimal, not 0x."),
    ("{answer}：和扩容之前一样。", "{answer}: the same as before scaling."),
    params=lambda lab: {"node": client_node(lab)},
    expected=lambda lab, p: {str(_service(lab, p["node"]).mark)},
    labels=MARK_LABELS,
))

define(Exercise(
    "06.exit-signal",
    ("被杀掉的任务以退出码 137 结束。是哪个信号杀死了它？（写信号编号或名字）",
     "The killed task ended with exit code 137. Which signal killed it? (its number or its name)"),
    ("进程被信号杀死时，退出码是 128 加上信号编号。",
     "A process killed by a signal exits with 128 plus the signal number."),
    ("137 − 128 = ?；`docker kill` 默认发送的就是这个信号，它不能被捕获。",
     "137 − 128 = ?; it is the signal `docker kill` sends by default, and it cannot be caught."),
    ("9，SIGKILL。", "9, SIGKILL."),
    hashes=frozenset({"71856e024561f5314a66eaa4d3c7f369a8576e2b5588515aa27a8f6ab93d8331",
                      "a0e7fa50c645eacd8b53d7aebd1895ac67eaad5001791fdbd2f2ce95a7d76f4b",
                      "0920bb597f6760a3492f64275f62bdbead34fedf6c39178f7a8d92bf7aa0a1be"}),
    labels=("signal", "信号", "号信号", "号"),
))


def _fwm_count(lab: Lab, p: Params) -> set[str]:
    table = seen(lab, (st.LB_IPVS, st.LB_IPVS_STATS), lambda: lab.ipvs(p["node"]), p["node"]).value
    if table is None or not table.available:
        raise SwarmlabError(f"{p['node']}: no IPVS table to count")
    return {str(len(table.services))}


define(Exercise(
    "07.fwm-count",
    ("现在 {node} 上的 lb 命名空间里，`ipvsadm -Ln` 列出几个 FWM 服务？",
     "How many FWM services does `ipvsadm -Ln` list now in the lb namespace on {node}?"),
    ("数一数 FWM 开头的行，不要数 -> 开头的真实服务器行。", "Count the lines starting with FWM, not the -> lines."),
    ("每个有 VIP 的服务一个 FWM；dnsrr 服务没有 VIP，所以不增加 FWM。",
     "One FWM per service with a VIP; a dnsrr service has no VIP, so it adds none."),
    ("{answer} 个：web 和 client，没有 webrr。", "{answer}: web's and client's, none for webrr."),
    params=lambda lab: {"node": client_node(lab)}, expected=_fwm_count,
))


def _ingress_mark_params(lab: Lab) -> Params:
    shown = seen(lab, st.INGRESS_MANGLE, lambda: lab.ingress_marks(lab.manager))  # on the node the lesson read
    rules = shown.value
    rule = next((r for r in (rules.marks() if rules else []) if r.chain == "PREROUTING" and r.dport), None)
    if rule is None:
        raise SwarmlabError(f"{shown.node}: no PREROUTING mark in ingress_sbox (no published port yet)")
    return {"node": shown.node, "mark_hex": str(rule.mark_hex), "port": str(rule.dport)}


define(Exercise(
    "08.ingress-fwm",
    ("在 {node} 的 ingress_sbox 里，端口 {port} 的 PREROUTING 规则写着 `MARK set {mark_hex}`。那里的 IPVS 用哪个 FWM "
     "服务处理这些包？（写 FWM 后面的数）",
     "In ingress_sbox on {node}, the PREROUTING rule for port {port} reads `MARK set {mark_hex}`. Which FWM "
     "service of IPVS there handles these packets? (the number after FWM)"),
    ("和 lb_ 命名空间一样：iptables 用十六进制写标记，ipvsadm 用十进制。",
     "As in an lb_ namespace: iptables writes the mark in hexadecimal, ipvsadm in decimal."),
    ("把十六进制换成十进制：三位十六进制数字分别乘以 256、16、1 再相加。",
     "Convert hexadecimal to decimal: weigh the hex digits by 256, 16 and 1 and add them up."),
    ("{mark_hex} = {answer}：`FWM  {answer}`。", "{mark_hex} = {answer}: `FWM  {answer}`."),
    params=_ingress_mark_params, expected=lambda lab, p: {str(int(p["mark_hex"], 16))},
    labels=MARK_LABELS,
))

define(Exercise(
    "09.module",
    ("`ipvsadm` 的报错说哪个内核模块加载不了？",
     "Which kernel module could not be loaded, according to `ipvsadm`'s errors?"),
    ("读 `modprobe: ERROR` 那几行。", "Read the `modprobe: ERROR` lines."),
    ("IPVS 是内核的 IP Virtual Server；它的主模块名以 ip_ 开头。",
     "IPVS is the kernel's IP Virtual Server; its main module's name starts with ip_."),
    ("ip_vs：系统被配置成拒绝加载它（install ip_vs /bin/false）。",
     "ip_vs: the system is configured to refuse it (install ip_vs /bin/false)."),
    hashes=frozenset({"463a2c8764b3aa962540c62bd325e0d3c933c8a4b6477aeaaee306834c8f1f37"}),
    labels=("内核模块", "模块", "kernelmodule", ".ko"),
))


# -- lesson 10: one request followed packet by packet ---------------------------------------------------------------

def _client(lab: Lab) -> Params:
    return {"node": client_node(lab)}


define(Exercise(
    "10.syn-dst",
    ("client 发出的第一个包（SYN）离开它自己的命名空间时，目的地址是什么？（写 IP）",
     "When the client's first packet (the SYN) leaves its own namespace, what is its destination address? (an IP)"),
    ("client 只知道名字 web；DNS（127.0.0.11）把 web 解析成什么？", "The client only knows the name web; what does DNS "
     "(127.0.0.11) resolve web to?"),
    ("client 不知道有哪些任务：它把包发给 web 的 VIP，选任务是负载均衡命名空间的事。",
     "The client does not know the tasks: it sends to web's VIP, and choosing a task is the lb namespace's job."),
    ("{answer}：web 的 VIP（`docker network inspect -v mynet` 的 Services.web.VIP）。",
     "{answer}: web's VIP (Services.web.VIP in `docker network inspect -v mynet`)."),
    params=_client, expected=lambda lab, p: {str(_service(lab, p["node"]).vip)}, labels=DESTINATION_LABELS,
))

define(Exercise(
    "10.lb-src",
    ("这个 SYN 离开 {node} 的负载均衡命名空间、发往任务时，源地址是什么？（写 IP）",
     "When that SYN leaves the lb namespace on {node} for a task, what is its source address? (an IP)"),
    ("看第一步输出里 `lb-mynet` 的 IPv4Address（第 04 课 SNAT 规则里 to: 后面就是它）。",
     "Look at lb-mynet's IPv4Address in step 1's output (it is what follows to: in the SNAT rule, lesson 04)."),
    ("IPVS 只改目的地址；源地址被 SNAT 改成这个节点上负载均衡端点（lb-mynet）的地址，这样响应才会回到这里。",
     "IPVS rewrites only the destination; SNAT rewrites the source to this node's lb endpoint (lb-mynet), so that "
     "the reply comes back here."),
    ("{answer}：{node} 上 lb-mynet 端点的地址（第 02 课里 whoami 显示的 RemoteAddr 也是它）。",
     "{answer}: the lb-mynet endpoint's address on {node} (also the RemoteAddr whoami showed in lesson 02)."),
    params=_client, expected=lambda lab, p: {_lb_endpoint(lab, p["node"])},
    labels=("源地址", "源ip", "source", "src", *ADDRESS_LABELS),
))


def _vni(lab: Lab, p: Params) -> set[str]:
    vni = _network(lab, p["node"]).vni
    if vni is None:
        raise SwarmlabError(f"`docker network inspect -v {lab.network}` shows no vxlanid_list")
    return {str(vni)}


define(Exercise(
    "10.vni",
    ("包在节点之间走 VXLAN。它带的 VNI 是多少？",
     "Between the nodes the packet travels in VXLAN. Which VNI does it carry?"),
    ("`docker network inspect -v mynet` 的 Options 里有 com.docker.network.driver.overlay.vxlanid_list。",
     "`docker network inspect -v mynet` has com.docker.network.driver.overlay.vxlanid_list in its Options."),
    ("每个 overlay 网络有自己的 VXLAN ID（VNI），同一网络的所有节点都用它。",
     "Each overlay network has its own VXLAN id (VNI), the same on every node of that network."),
    ("{answer}：mynet 的 vxlanid_list。", "{answer}: mynet's vxlanid_list."),
    params=_client, expected=_vni, labels=("vni", "vxlanid", "vxlan", "id"),
))


def _webrr_addresses(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("webrr"), token="webrr").value
    if lookup is None or not lookup.addresses:
        raise SwarmlabError("`nslookup webrr` returned no address")
    return set(lookup.addresses)


define(Exercise(
    "10.dnsrr-dst",
    ("现在请求发往 dnsrr 服务 webrr。client 的 SYN 离开时，目的地址是什么？（写一个 IP）",
     "Now the request goes to the dnsrr service webrr. When the client's SYN leaves, what is its destination? "
     "(one IP)"),
    ("webrr 没有 VIP：`nslookup webrr` 返回了什么？", "webrr has no VIP: what did `nslookup webrr` return?"),
    ("没有 VIP 就没有 IPVS：client 直接连 DNS 给它的某个任务地址，途中没有任何改写。",
     "No VIP, no IPVS: the client connects straight to a task address DNS gave it, and nothing rewrites it."),
    ("例如 {answer}：`nslookup webrr` 返回的任务地址之一（DNS 每次会打乱顺序）。",
     "For example {answer}: one of the task addresses `nslookup webrr` returned (DNS shuffles them)."),
    expected=_webrr_addresses, labels=DESTINATION_LABELS,
))
