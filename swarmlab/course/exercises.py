"""Graded exercises, by id (`course.exercise("04.mark-decimal")`).

Each exercise has a question in both languages, a hint (shown on the first wrong answer), an explanation (解析: on
the second wrong answer, or on request) and a solution (on request). Where the answer depends on the swarm, a checker
computes it from the lab's own data (the question names the swarm's own values: an address, a network id, a mark); a
fixed answer is stored only as a salted SHA-256 hash. Either way the answer never appears in the notebook.

A checker grades the evidence its question is about: what the lesson had shown when the question was shown
(`Evidence`: the lab's log up to then), never a later reading and never what a self-check ran (`not_evidence`), so
Run All, re-running a cell and answering later all grade alike. What the student typed is read by
`swarmlab.course.answers.readings` (full-width forms, counters, Chinese numerals, a leading 是/选 ...).

The texts live with the lesson they belong to, in each language's lesson source (lessons/{zh,en}/NN-slug.md), as
a block per exercise that `tools/build_lessons.py` takes out of the notebook and gathers in `exercises.json` (package
data, like a compiled catalog); here are the checkers alone. A text may name `{params}` that `params(lab)` computes:

    ```{exercise} 04.mark-decimal
    :question: 在 {node} 的 lb 命名空间里，`web` 的规则写着 `MARK set {mark_hex}`。……
    :hint: ……
    :explanation: ……
    :solution: {mark_hex} = {answer}：`FWM  {answer}`。
    ```
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from weakref import WeakKeyDictionary

from swarmlab.commands import steps as st
from swarmlab.commands.steps import Step
from swarmlab.course.answers import (
    NEUTRAL,
    Reader,
    as_chain,
    as_decimal,
    as_hostname,
    as_module,
    as_port,
    as_program,
    as_tcpdump_address,
    bases,
    canonical,
    normalize,
    readings,
    strip_lead_in,
)
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import LANGS, Listed, check_lang, rendered, t
from swarmlab.lab import Lab
from swarmlab.lab.results import Sample, StepResult

if TYPE_CHECKING:
    from swarmlab.parsers.iptables import Rule
    from swarmlab.parsers.network_inspect import NetworkInfo, NetworkService
    from swarmlab.parsers.service_ps import Task
    from swarmlab.parsers.whoami import Answer

T = TypeVar("T")

Params = dict[str, str]
FIELDS = ("question", "hint", "explanation", "solution")
TEXTS = Path(__file__).with_name("exercises.json")  # lang -> id -> field -> text, built from the lesson sources


@cache
def _built() -> dict[str, Any]:
    return cast("dict[str, Any]", json.loads(TEXTS.read_text(encoding="utf-8")))


@cache
def texts() -> dict[str, dict[str, dict[str, str]]]:
    """Every exercise's texts, per language (tools/build_lessons.py writes them from the lessons' blocks)."""
    return {lang: v for lang, v in _built().items() if lang != "order"}


def order() -> list[str]:
    """The exercises the lessons ask, in the order the lessons show them (the same in every language)."""
    return cast("list[str]", _built().get("order", []))


@dataclass(frozen=True)
class Text:
    """One of an exercise's texts (`question`, `hint`, `explanation`, `solution`), in its lesson's sources."""

    exercise: str
    field: str

__all__ = ["REGISTRY", "Evidence", "Exercise", "Params", "answer_hash", "define", "get", "normalize", "not_evidence",
           "seen"]

# words an answer may put around the value (`FWM 262`, `vni=4097`, `在 swarm-worker2 上`): see answers.readings
MARK_LABELS = ("fwmark", "fwm", "mark", "标记", "防火墙标记", "markset", "set", "--set-xmark", "--set-mark")
ADDRESS_LABELS = ("ip地址", "ip", "vip", "地址", "address", "addr", "ipv4address", "to")
NODE_LABELS = ("在", "on", "节点", "node", "上")
DESTINATION_LABELS = ("目的地址", "目的ip", "目标地址", "目标ip", "destination", "dst", *ADDRESS_LABELS)
# a mark in decimal, as ipvsadm prints it (`FWM  271 rr`) or as the lessons name it (`LocalLBIndex: 271`, `十进制 271`)
DECIMAL_MARK_LABELS = (*MARK_LABELS, "rr", "十进制", "decimal", "in decimal", "locallbindex", "ipvsadm")
HEX_MARK_LABELS = (*MARK_LABELS, "十六进制", "hex", "hexadecimal", "in hex")
# a chain with the table the question names (`mangle PREROUTING`; not `nat PREROUTING`, another chain)
CHAIN_LABELS = ("chain", "链")
MANGLE_LABELS = (*CHAIN_LABELS, "mangle", "mangle 表的", "mangle 表", "the mangle table's")
NAT_LABELS = (*CHAIN_LABELS, "nat", "nat 表的", "nat 表", "the nat table's")


def answer_hash(exercise_id: str, answer: str) -> str:
    return hashlib.sha256(f"swarmlab:{exercise_id}:{normalize(answer)}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Exercise:
    id: str
    params: Callable[[Lab], Params] | None = None
    expected: Callable[[Lab, Params], set[str]] | None = None  # computed from the lab's data
    hashes: frozenset[str] = field(default_factory=frozenset)  # or: fixed answers, hashed
    labels: tuple[str, ...] = ()  # words an answer may put before or after the value (answers.readings)
    reads: tuple[Reader, ...] = ()  # what else reads the value out of an answer (answers.as_port, as_program)

    def values(self, lab: Lab | None) -> Params:
        if self.params is None:
            return {}
        if lab is None:
            raise SwarmlabError(t("exercise {id} needs the lab: run `course.start(...)` first", id=self.id))
        return self.params(lab)

    def accepted(self, lab: Lab | None, params: Params) -> set[str] | None:
        """The accepted answers when computed from the lab; None when they are stored hashed."""
        if self.expected is None:
            return None
        if lab is None:
            raise SwarmlabError(t("exercise {id} needs the lab: run `course.start(...)` first", id=self.id))
        return {canonical(a) for a in self.expected(lab, params)}

    def matches(self, answer: str, accepted: set[str] | None, shown: frozenset[str] = frozenset()) -> bool:
        """Whether `answer` is right, given the accepted answers (None: the stored hashes). An answer in parts
        (`SIGKILL (9)`, `0x10f = 271`, `9, SIGKILL`, `yes: 10.0.1.2`, `50/50`, `C 节点内核没有 IPVS`) is right when one
        part is and every other part is right too, the same number in hexadecimal (`0x10f` beside `271`), or only
        names what the value is: one of the question's labels or a noun (`10.0.1.2 (VIP)`, `256（不变）`), or a value
        the question shows (`shown`: `33/1000` to "of these 1000 responses")."""
        def right(text: str) -> bool:
            forms = readings(text, self.labels, self.reads)
            if accepted is not None:
                return any(f in accepted for f in forms)
            return any(answer_hash(self.id, f) in self.hashes for f in forms)

        def neutral(text: str) -> bool:
            word = strip_lead_in(text)
            if word in NEUTRAL or word in {normalize(w) for w in self.labels}:
                return True
            same = {as_decimal(f) for f in readings(text)} | {hex(int(f)) for f in readings(text) if f.isdigit()}
            return bool(set(readings(text)) & shown) or (accepted is not None and bool(same & accepted))

        if not normalize(answer):
            return False
        if right(answer):
            return True
        for text in bases(answer):
            parts = [p for p in re.split(r"[()=,/:;]", re.sub(r"^([a-h])(?=[\u4e00-\u9fff])", r"\1:", text)) if p]
            if not 1 < len(parts) <= 3:
                continue
            verdicts = [right(p) for p in parts]
            if any(verdicts) and all(v or neutral(p) for v, p in zip(verdicts, parts, strict=True)):
                return True
        return False

    def shown(self, params: Params) -> frozenset[str]:
        """The values the question shows (the `{params}` its text names), read as answers are."""
        question = texts()["en"][self.id]["question"]
        return frozenset(canonical(v) for k, v in params.items() if f"{{{k}}}" in question)

    def is_right(self, answer: str, lab: Lab | None, params: Params) -> bool:
        return self.matches(answer, self.accepted(lab, params), self.shown(params))

    @property
    def question(self) -> Text:
        return Text(self.id, "question")

    @property
    def hint(self) -> Text:
        """Where to look (shown on the first wrong answer)."""
        return Text(self.id, "hint")

    @property
    def explanation(self) -> Text:
        """The concept behind the answer (on the second wrong answer, or on request)."""
        return Text(self.id, "explanation")

    @property
    def solution(self) -> Text:
        """Shown on request; may name {answer}."""
        return Text(self.id, "solution")

    def text(self, which: Text, params: Params, lang: str, **extra: str) -> str:
        values = {k: rendered(v, lang) for k, v in params.items()}  # a Listed value: `a、b` in Chinese
        return texts()[check_lang(lang)][which.exercise][which.field].format(**values, **extra)


REGISTRY: dict[str, Exercise] = {}


def define(ex: Exercise) -> Exercise:
    if ex.id in REGISTRY:
        raise SwarmlabError(t("exercise {id} is defined twice", id=ex.id))
    if (ex.expected is None) == (not ex.hashes):
        raise SwarmlabError(t("exercise {id}: give either a checker (expected) or hashed answers", id=ex.id))
    for lang in LANGS:
        have = texts().get(lang, {}).get(ex.id, {})
        if any(not have.get(f) for f in FIELDS):
            raise SwarmlabError(t("exercise {id} has no {lang} texts: write its ```{{exercise}} {id}``` block "
                                  "(:{fields}:) in lessons/{lang}/ and run tools/build_lessons.py", id=ex.id,
                                  lang=lang, fields=": :".join(FIELDS)))
    REGISTRY[ex.id] = ex
    return ex


def get(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        raise SwarmlabError(t("no exercise {id}; defined: {choices}", id=repr(exercise_id),
                              choices=", ".join(sorted(REGISTRY))))
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
            raise SwarmlabError(t("this exercise's lab is gone: run `course.start(...)` and its cell again"))
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
    return [x for x in shown.value or [] if not x.history and x.state == "Running"]


def client_node(lab: Lab) -> str:
    return lab.client_node()


def _network(lab: Lab, node: str | None = None) -> NetworkInfo:
    """The lab network as `docker network inspect -v` on `node` showed it; without a node, on whichever node the
    lesson inspected it (its id, VIPs and VNI are the same on every node), else on the manager."""
    nets = seen(lab, st.NETWORK_INSPECT, lambda: lab.inspect_network(node or lab.manager), node).value or []
    if not nets:
        raise SwarmlabError(t("`docker network inspect -v {network}` shows nothing", network=lab.network))
    return nets[0]


def _service(lab: Lab, node: str, name: str = "web") -> NetworkService:
    svc = next((s for s in _network(lab, node).services if s.name == name), None)
    if svc is None:
        raise SwarmlabError(t("{node}: `docker network inspect -v {network}` lists no service {name}", node=node,
                              network=lab.network, name=name))
    return svc


def _web_mark_rule(lab: Lab, node: str) -> Rule:
    """The MARK rule for web's VIP in the lb namespace of `node` (the VIP from inspect)."""
    vip = _service(lab, node).vip
    ruleset = seen(lab, st.LB_MANGLE, lambda: lab.marks(node), node).value
    rule = next((r for r in (ruleset.marks() if ruleset else []) if r.destination == vip), None)
    if rule is None:
        raise SwarmlabError(t("{node}: no MARK rule for web's VIP {vip}", node=node, vip=vip))
    return rule


def _lb_endpoint(lab: Lab, node: str) -> str:
    ep = next((e for e in _network(lab, node).endpoints if e.key == f"lb-{lab.network}"), None)
    if ep is None or not ep.ip:
        raise SwarmlabError(t("{node}: no lb-{network} endpoint in `docker network inspect`", node=node,
                              network=lab.network))
    return str(ep.ip)


def _short_run(lab: Lab, n: int = 6) -> list[Answer]:
    """The answers of the lesson's short run of requests (`%swarm -n 6 ...`: two to ten answers), not of a long
    sample shown later."""
    shown = seen(lab, st.REQUESTS, lambda: lab.requests(n), where=lambda answers: 2 <= len(answers) <= 10)
    return [a for a in shown.value or [] if a.ok and a.hostname]


def _answers(lab: Lab, n: int = 6) -> list[str]:
    """The hostnames of the lesson's short run of requests."""
    return [str(a.hostname) for a in _short_run(lab, n)][-n:]


def next_backend(sequence: list[str]) -> str:
    """Round robin's next real server after `sequence`: the backend after the last one in the cycle order (the
    order they first answered in). Repeats (a reused client port) do not move the cycle."""
    order = list(dict.fromkeys(sequence))
    if len(order) < 2:
        raise SwarmlabError(t("fewer than two backends answered: nothing to predict"))
    return order[(order.index(sequence[-1]) + 1) % len(order)]


def _node_names(node: str) -> set[str]:
    return {node, node.removeprefix("swarm-"), node.replace("-", "")}  # `swarm worker2` reads as `swarmworker2`


# -- the exercises -------------------------------------------------------------------------------------------------

define(Exercise(
    "00.nodes",
    expected=lambda lab, p: {str(len(lab.swarm_nodes))},
))

define(Exercise(
    "01.replicas",
    expected=lambda lab, p: {str(len(_running(lab, "web")))},
))

define(Exercise(
    "01.network-driver",
    labels=("driver", "驱动", "驱动程序", "网络驱动", "network driver", "-d", "创建的"),
    hashes=frozenset({"ea1b852d8a1cf706a1ac3af31f44d8b294a139213a993a341f4315dffedf47ba",
                      "50a3da5658b07b296196cadd10952685dc2c7f08dcf000f0ef31d82e2162031f"}),
))


def _owner_params(lab: Lab) -> Params:
    """web's VIP: the address lesson 02 shows (`nslookup web`, `docker service inspect ... web`)."""
    web = next((s for s in _network(lab).services if s.name == "web" and s.vip), None)
    if web is None:
        raise SwarmlabError(t("web has no VIP on {network} yet", network=lab.network))
    return {"addr": str(web.vip)}


def _owner(lab: Lab, p: Params) -> set[str]:
    net = _network(lab)
    names = {s.name for s in net.services if s.vip == p["addr"]}
    names |= {str(e.service) for e in net.endpoints if e.ip == p["addr"] and e.service}
    return names


define(Exercise(
    "02.owner",
    params=_owner_params, expected=_owner, labels=("service", "服务", "的 VIP", "'s VIP"),
))


def _web_vip(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("web"), token="web").value
    return {addr for addr in (lookup.addresses if lookup else [])}


define(Exercise(
    "02.web-vip",
    expected=_web_vip, labels=("web 的 VIP", "web's VIP", "web", *ADDRESS_LABELS),
))


def _net_id(lab: Lab) -> Params:
    net = _network(lab)
    if not net.id:
        raise SwarmlabError(t("`docker network inspect` shows no Id for {network}", network=lab.network))
    return {"net_id": str(net.id)}


define(Exercise(
    "03.lb-name",
    params=_net_id, expected=lambda lab, p: {f"lb_{p['net_id'][:9]}"},
    labels=("命名空间", "namespace", "netns", "叫"),
))

define(Exercise(
    "03.remote-addr",
    params=lambda lab: {"node": client_node(lab)},
    expected=lambda lab, p: {_lb_endpoint(lab, p["node"])},
    labels=("remoteaddr", "lb-mynet 的地址", "lb-mynet", *ADDRESS_LABELS),
))


def _mark_params(lab: Lab) -> Params:
    node = client_node(lab)
    return {"node": node, "mark_hex": str(_web_mark_rule(lab, node).mark_hex)}


define(Exercise(
    "04.mark-decimal",
    params=_mark_params, expected=lambda lab, p: {str(int(p["mark_hex"], 16))},
    labels=DECIMAL_MARK_LABELS,
))


def _lbindex_params(lab: Lab) -> Params:
    node = client_node(lab)
    mark = _service(lab, node, "client").mark
    if mark is None:
        raise SwarmlabError(t("{node}: `docker network inspect -v` shows no LocalLBIndex for client", node=node))
    return {"node": node, "index": str(mark)}


define(Exercise(
    "04.lbindex-hex",
    params=_lbindex_params, expected=lambda lab, p: {hex(int(p["index"]))},
    labels=HEX_MARK_LABELS,
))


# -- lessons 00-04: the rest of their exercises (lessons/exercises-a.md) ------------------------------------------


define(Exercise(
    "00.builtin-overlay",
    labels=("network", "网络", "这个网络", "name", "名字", "overlay", "overlay network", "overlay 网络"),
    hashes=frozenset({"293736c91befb316642681a6961eb7d44462addb6bd4d2be261981129485bf2a"}),
))

define(Exercise(
    "00.scope",
    labels=("scope", "范围", "scope 列", "整个", "-wide"),
    hashes=frozenset({"a2a08050608d7e712cf8044ca60f295ab67173d3e6118401fb8586c95f2122b7",
                      "a9d83b405772ce326db49b47edb55abb52f474946e2ce20667792e0beed69230"}),
))


def _running_nodes(lab: Lab, service: str) -> set[str]:
    return {str(x.node) for x in _running(lab, service)}


def _nodes_without_web(lab: Lab, p: Params) -> set[str]:
    running = _running_nodes(lab, "web")
    free = [n for n in lab.swarm_nodes if n not in running]
    if not free:
        return {"none", "无", "没有"}
    return set().union(*(_node_names(n) for n in free))


define(Exercise(
    "01.node-without-web",
    params=lambda lab: {"nodes": Listed(lab.swarm_nodes)}, expected=_nodes_without_web,
    labels=(*NODE_LABELS, "上没有 web 任务", "上没有 web 的任务", "上没有 web", "上没有", "上面没有 web 任务",
            "上面没有 web", "上面没有", "has no web task", "runs no web task"),
))


def _task_addresses(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("tasks.web"), token="tasks.web").value
    if lookup is None or not lookup.addresses:
        raise SwarmlabError(t("`nslookup tasks.web` returned no address"))
    return {str(len(set(lookup.addresses)))}


define(Exercise(
    "02.tasks-count",
    expected=_task_addresses,
))


def _vip_count(lab: Lab, p: Params) -> set[str]:
    shown = seen(lab, st.LB_IP_A, lambda: lab.addresses(p["node"]), p["node"])
    eth0 = next((i for i in shown.value or [] if i.name == "eth0"), None)
    if eth0 is None:
        raise SwarmlabError(t("{node}: no eth0 in the lb namespace (`ip addr`)", node=p['node']))
    return {str(len(eth0.vips))}


define(Exercise(
    "03.vip-count",
    params=lambda lab: {"node": client_node(lab)}, expected=_vip_count,
))


def _mynet_nodes(lab: Lab, p: Params) -> set[str]:
    hosts = {x.host_ip for s in _network(lab, p["node"]).services for x in s.tasks if x.host_ip}
    if not hosts:
        raise SwarmlabError(t("`docker network inspect -v {network}` lists no task with a Host IP",
                              network=lab.network))
    return {str(len(hosts))}


define(Exercise(
    "03.endpoint-count",
    params=lambda lab: {"node": client_node(lab)}, expected=_mynet_nodes,
))

define(Exercise(
    "04.masq-rewrites",
    labels=("改写", "只改写", "改写的是", "只改", "改", "rewrites", "it rewrites", "only", "只"),
    hashes=frozenset({"8780cc9e59c804b6aca9de7ac6472603ae6fd072d0ea51831926c5b581b2ee82",  # dest
                      "57228eef7aac2aa896793c90471568d2d88abc7aae9e34032f294210d56b51da",  # dnat
                      "c508cd6a7506f9d82681a130819c9c50b8aae0921216063cbc93c77d6f85a544",
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
    labels=HEX_MARK_LABELS,
    hashes=frozenset({"30976d55798690993bec78f628ed544ad65cf8fe6c2b18cb908568ca7ccd84a0",
                      "3d69bb3f3ef01fcf39534994379b12a94faad97ece318364d670e1dfefba0303"}),
))

define(Exercise(
    "04.chain-order",
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
        raise SwarmlabError(t("no answered requests to reason about"))
    return {"sequence": " → ".join(seq)}


def _next_scheduled(lab: Lab, p: Params) -> set[str]:
    """The task round robin gives the next *scheduled* connection (the question says: a new client port): the one
    after the last in the cycle order. A visible repeat (a reused port) does not move the cycle (`next_backend`)."""
    task = next_backend([s.strip() for s in p["sequence"].split("→")])
    # the same real server by its address on mynet (the `IP: 10.…` line the lesson reads beside `Hostname`)
    return {task} | {str(a.task_ip) for a in _short_run(lab) if a.hostname == task and a.task_ip}


define(Exercise(
    "05.next-task",
    params=_sequence, expected=_next_scheduled,
    labels=("hostname", "主机名", "task", "任务", "to", "交给", *ADDRESS_LABELS), reads=(as_hostname,),
))

define(Exercise(
    "05.even-share",
    labels=("每个真实服务器", "每台真实服务器", "真实服务器", "每个服务器", "每台", "per", "per server",
            "per real server", "apiece", "responds to", "each responds to", "一半", "half"),
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
    labels=("weight", "权重", "权重是", "权重为", "权重设成", "权重设为", "权重被设成", "权重被设为", "drain", "排空"),
    hashes=frozenset({"ddf6f13e56cc8d2dd99e3a718839095df6bfa0795ce77cff2424dba48faf3e2b"}),
))

define(Exercise(
    "06.after-scale",
    hashes=frozenset({"15d08f8c5d46d3b53b48214842ba8e591c5ca95704dfd5ca18c0ce163bd4dc0f"}),
))


def _dnsrr_count(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("webrr"), token="webrr").value
    return {str(len(set(lookup.addresses)) if lookup else 0)}


define(Exercise(
    "07.dnsrr-count",
    expected=_dnsrr_count,
))

define(Exercise(
    "07.dnsrr-marks",
    hashes=frozenset({"f5f3a4798e683733729898d4a8562c7d1aba5df1440adad0cbdd430c8d8aecd3"}),
))

define(Exercise(
    "08.ingress-chain",
    hashes=frozenset({"f877bc113b21285e32525cd23c837ebb7ccce491765f1649955d2a9552c7754f",
                      "b0629bca78a6d571ef889fab9298d2fd78caba7a3c2b002b2dffe4b28009b4c3"}),  # pre-routing (the hook)
    labels=(*MANGLE_LABELS, "路由之前", "before routing"), reads=(as_chain,),
))

define(Exercise(
    "08.host-chain",
    hashes=frozenset({"620b4aa079c23d5104c7ccc4e9f6a7518cf01c7848f2ea0d36a3e7fd8c25d6f6",
                      "a2a698fd6ec06867154addadbd7b5304cd832343368e11ed7e60860e9f31bf59"}),  # `DOCKER INGRESS`
    labels=NAT_LABELS, reads=(as_chain,),
))


def _allocated_vip(lab: Lab, p: Params) -> set[str]:
    # read where lesson 09 reads it, on the client's node (the VIP is the same on every node)
    return {str(s.vip) for s in _network(lab, client_node(lab)).services if s.name == "web" and s.vip}


define(Exercise(
    "09.vip-allocated",
    expected=_allocated_vip, labels=("分配了", "allocated", *ADDRESS_LABELS),
))

define(Exercise(
    "09.diagnosis",
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
        raise SwarmlabError(t("fewer than two backends answered the sample: nothing to count"))
    return {"n": str(len(ok))}


define(Exercise(
    "05.repeats",
    params=_sample_params, expected=lambda lab, p: {str(_sample(lab).repeats)},
    labels=("重复", "相邻重复", "次相邻重复", "repeated"),
))


define(Exercise(
    "06.mark-after-scale",
    params=lambda lab: {"node": client_node(lab)},
    expected=lambda lab, p: {str(_service(lab, p["node"]).mark)},
    labels=DECIMAL_MARK_LABELS,
))

define(Exercise(
    "06.exit-signal",
    hashes=frozenset({"71856e024561f5314a66eaa4d3c7f369a8576e2b5588515aa27a8f6ab93d8331",
                      "a0e7fa50c645eacd8b53d7aebd1895ac67eaad5001791fdbd2f2ce95a7d76f4b",
                      "0920bb597f6760a3492f64275f62bdbead34fedf6c39178f7a8d92bf7aa0a1be"}),
    labels=("signal", "信号", "号信号", "号", "第", "kill-", "-"),
))


def _fwm_count(lab: Lab, p: Params) -> set[str]:
    table = seen(lab, (st.LB_IPVS, st.LB_IPVS_STATS), lambda: lab.ipvs(p["node"]), p["node"]).value
    if table is None or not table.available:
        raise SwarmlabError(t("{node}: no IPVS table to count", node=p['node']))
    return {str(len(table.services))}


define(Exercise(
    "07.fwm-count",
    params=lambda lab: {"node": client_node(lab)}, expected=_fwm_count,
))


def _ingress_mark_params(lab: Lab) -> Params:
    shown = seen(lab, st.INGRESS_MANGLE, lambda: lab.ingress_marks(lab.manager))  # on the node the lesson read
    rules = shown.value
    rule = next((r for r in (rules.marks() if rules else []) if r.chain == "PREROUTING" and r.dport), None)
    if rule is None:
        raise SwarmlabError(t("{node}: no PREROUTING mark in ingress_sbox (no published port yet)", node=shown.node))
    return {"node": shown.node, "mark_hex": str(rule.mark_hex), "port": str(rule.dport)}


define(Exercise(
    "08.ingress-fwm",
    params=_ingress_mark_params, expected=lambda lab, p: {str(int(p["mark_hex"], 16))},
    labels=DECIMAL_MARK_LABELS,
))

define(Exercise(
    "09.module",
    hashes=frozenset({"463a2c8764b3aa962540c62bd325e0d3c933c8a4b6477aeaaee306834c8f1f37"}),
    labels=("内核模块", "模块", "kernelmodule", "module", "for module", ".ko"), reads=(as_module,),
))


# -- lesson 10: one request followed packet by packet ---------------------------------------------------------------

def _client(lab: Lab) -> Params:
    return {"node": client_node(lab)}


define(Exercise(
    "10.syn-dst",
    params=_client, expected=lambda lab, p: {str(_service(lab, p["node"]).vip)},
    labels=("web 的 VIP", "web's VIP", *DESTINATION_LABELS), reads=(as_tcpdump_address,),
))

define(Exercise(
    "10.lb-src",
    params=_client, expected=lambda lab, p: {_lb_endpoint(lab, p["node"])},
    labels=("源地址", "源ip", "source", "src", "lb-mynet", "lb 端点", "lb endpoint", *ADDRESS_LABELS),
    reads=(as_tcpdump_address,),
))


def _vni(lab: Lab, p: Params) -> set[str]:
    vni = _network(lab, p["node"]).vni
    if vni is None:
        raise SwarmlabError(t("`docker network inspect -v {network}` shows no vxlanid_list", network=lab.network))
    return {str(vni)}


define(Exercise(
    "10.vni",
    params=_client, expected=_vni,
    labels=("com.docker.network.driver.overlay.vxlanid_list", "vxlanid_list", "vni", "vxlanid", "vxlan", "id"),
    reads=(as_decimal,),
))


def _webrr_addresses(lab: Lab, p: Params) -> set[str]:
    lookup = seen(lab, st.NSLOOKUP, lambda: lab.nslookup("webrr"), token="webrr").value
    if lookup is None or not lookup.addresses:
        raise SwarmlabError(t("`nslookup webrr` returned no address"))
    return set(lookup.addresses)


define(Exercise(
    "10.dnsrr-dst",
    expected=_webrr_addresses,
    labels=("webrr 的任务", "webrr 的任务地址", "webrr task", "任务地址", "task address", *DESTINATION_LABELS),
    reads=(as_tcpdump_address,),
))


# -- lesson 11: a port swarm assigned -------------------------------------------------------------------------------

def _assigned(lab: Lab) -> Params:
    """webauto's published port, as the lesson's `.Endpoint.Ports` showed it."""
    fmt = "{{json .Endpoint.Ports}}"
    shown = seen(lab, st.SERVICE_INSPECT, lambda: lab.run(st.SERVICE_INSPECT, name="webauto", format=fmt),
                 token="webauto", where=lambda v: any(p.published for s in v for p in s.published))
    port = next((p.published for s in shown.value or [] for p in s.published if p.published), None)
    if port is None:
        raise SwarmlabError(t("webauto has no published port yet: run the lesson's first cells"))
    return {"port": str(port), "target": "80"}


define(Exercise(
    "11.dnat-port",
    params=_assigned, expected=lambda lab, p: {p["port"]},
    labels=("tcp dpt", "dpt", "--dport", "dport", "destination port", "published port", "port", "目的端口", "目标端口",
            "发布端口", "端口号", "端口", "号"),
    reads=(as_port,),
))

define(Exercise(
    "11.listener",
    params=_assigned,
    # dockerd, and the same program by its role: the docker daemon, Docker 守护进程 (the / 的 included)
    hashes=frozenset({"93c5f9b95f409c6500519a53cfec25b914d6cf80471c4c80ef737436184ea4d5",
                      "b4e9c63a81e0da4ed0e3fe00fed2cebfe93eecd6caf1b6a2566f641aa36628f3",
                      "0d596150d62b706a433d6cfc284b91522f6988c86190e0cb7fbd3413517a72a4",
                      "d89a966854a47b3ba970f05256c9528426a31b1cb040e73e0fef7311f818ac14",
                      "df1668631f51865bebdcad83d07e24d971b0fdd652aeaed4f09f682b97a4c279"}),
    labels=("program", "process", "the docker daemon", "docker daemon", "daemon", "进程", "程序", "守护进程",
            "docker 守护进程", "docker 的守护进程"),
    reads=(as_program,),
))
