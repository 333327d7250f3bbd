"""What a student typed, read the way a teacher reads it: the readings of an answer that mean the same thing.

A Chinese input method types full-width characters (`２５６`, `０ｘ１０６`, `１０．０．１．２`, `Ｃ`) and Chinese
punctuation (`10。0。1。2`, `是，…`); students write counters and nouns after a number (`50个`, `33 次`, `三个节点`,
`3 nodes`), Chinese or English number words (`两`, `十二`, `three`), a lead-in (`是`, `对`, `选C`, `the answer
is`), the question's verb said back (`叫 ingress`, `it resolves to 10.0.1.2`, `设为 0`), an English article (`an
overlay driver`) and a dash an editor typed (`B–D–A–C–E`). `readings(answer)` lists the forms such an answer
stands for, most literal first; an exercise accepts the answer when one of them is an accepted answer. Every rule
keeps the meaning: nothing is guessed, added or rounded, so `0x106` never reads as `106`, nor `10.0.1.20` as
`10.0.1.2`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

QUOTES = "`'\"“”‘’「」『』《》〈〉"
TRAILING = ".。,，;；:：!！?？、…~～"
SEPARATORS = ",:=、是为.。;>→-"  # between a lead-in and the answer (after NFKC: `，` is `,`, `：` is `:`)

# a lead-in that only says "my answer is": stripped, repeatedly, from the front
LEAD_INS = ("theansweris", "answeris", "answer", "myansweris", "itis", "it's", "its", "yes", "option", "choice",
            "the", "我的答案是", "答案是", "答案为", "答案", "我觉得是", "我认为是", "应该是", "我选择", "我选", "选择",
            "选项", "选", "是的", "是", "对的", "对", "一共有", "一共", "总共", "共有", "共", "有", "各", "每个后端",
            "每个", "each",
            # a verb the question asks with, said back: `叫 ingress`, `it's called ingress`, `解析成 10.0.1.2`, `设为 0`
            "thereare", "thereis", "ithas", "itsays", "says", "itshows", "shows", "iscalled", "called", "named",
            "itresolvesto", "resolvesto", "itbelongsto", "belongsto", "itgoesto", "goesto", "itdid", "itwas",
            "ipick", "ichoose", "ithink", "itsetsitto", "setsitto", "setto",
            "叫做", "名叫", "名为", "名字叫", "名字是", "名称是", "名字", "叫", "显示的是", "显示为", "显示",
            "它用的是", "用的是", "是用", "用", "解析成", "解析为", "解析到", "它属于", "属于", "交给", "设置为",
            "设置成", "设成", "设为", "改成", "改为", "重复了", "它有", "出现了", "后面是", "先", "会被设为", "被设为",
            "会被设成", "被设成", "它的", "therewere", "therewas", "itprints", "prints")
# what may follow a number: a counter (个 次 条 台 …), then a noun the questions count; or a noun after a name
COUNTERS = "个次条台项位只行处"
NOUNS = ("真实服务器", "服务器", "fwm服务", "负载均衡端点", "lb端点", "端点", "节点", "任务", "副本", "ip地址", "地址",
         "服务", "mark规则", "标记规则", "规则", "后端", "请求", "回答", "重复", "连接", "链", "模块", "网络", "驱动",
         "范围", "scope", "realservers", "realserver", "servers", "server", "fwmservices", "fwmservice",
         "endpoints", "endpoint", "nodes", "node", "tasks", "task", "replicas", "replica", "addresses", "address",
         "ips", "services", "service", "markrules", "rules", "rule", "backends", "backend", "requests", "request",
         "answers", "answer", "repeats", "repeat", "times", "connections", "chain", "module", "network", "driver",
         "each", "intotal", "total",
         # what the lessons' outputs call the things a question counts: `2 个 VIP`, `3 LB endpoints`, `2 FWM`
         "ip", "vips", "vip", "记录", "records", "record", "arecords", "rs", "虚拟服务", "virtualservices",
         "virtualservice", "fwm行", "fwms", "fwm", "lines", "line", "个/32", "/32地址", "/32addresses", "/32address",
         "/32s", "inet行", "inet", "lb-mynet", "lb", "load-balancer", "loadbalancer", "markrule", "mark规则", "机器",
         "主机", "machines", "hosts")
# the nouns a name may have after it (`web 服务`, `ingress 网络`): not a task (`web task` is not the service web)
NAME_NOUNS = (*(n for n in NOUNS if n not in ("任务", "副本", "tasks", "task", "replicas", "replica")), "这个", "那个",
              "这一个", "这台", "那台")
# what may stand between a count and its noun (`2 running tasks`, `两个正在运行的任务`), or a name and its noun
QUALIFIERS = ("正在运行的", "正在运行", "运行中的", "运行中", "运行着的", "running")
# a part of an answer that only says what the value is (`10.0.1.2 (VIP)`, `256（不变）`, `yes: 10.0.1.2`):
# exercises.Exercise.matches reads such a part as neither right nor wrong. Not every noun: `swarm (node)` hedges
NEUTRAL = frozenset(("vip", "ip", "ip地址", "地址", "address", "十进制", "decimal", "indecimal", "十六进制", "hex",
                     "hexadecimal", "inhex", "不变", "没变", "没有变", "unchanged", "sameasbefore", "和之前一样",
                     "和扩容之前一样", "yes", "是", "是的", "对", "有"))
TRAILERS = ("吧", "啊", "呀", "呢", "了")

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
EN_NUMBERS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"))}
EN_NUMBERS |= {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
NONE_WORDS = {"none": "0", "no": "0", "nothing": "0", "没有": "0", "无": "0", "一个也没有": "0", "都没有": "0",
              "不会有": "0"}
# dashes a keyboard or an editor types for `-` (`B–D–A–C–E`, `swarm‐worker2`); NFKC keeps them
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
# an English article before a word (`an overlay driver`, `on the swarm-worker2 node`): read without it too
# (a capital `A` is left alone: `A 节点内核没有 IPVS` picks option A)
ARTICLE = re.compile(r"\b(?:a|an|An|AN|the|The|THE)\s+(?=[A-Za-z]{2})")

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"


def normalize(answer: object) -> str:
    """NFKC (full-width to half-width, the ideographic space to a space), a Chinese full stop between digits read as
    the dot it was meant to be, no case, spaces or quotes, no trailing punctuation in either script."""
    text = unicodedata.normalize("NFKC", str(answer)).translate(DASHES)
    text = re.sub(r"(?<=\d)[。．·](?=\d)", ".", text)
    text = re.sub(rf"[\s{re.escape(QUOTES)}]+", "", text).lower()
    return text.rstrip(TRAILING)


def bases(answer: object) -> list[str]:
    """`answer` normalised, and also without its English articles (`an overlay driver`) when it has any."""
    return list(dict.fromkeys((normalize(answer), normalize(ARTICLE.sub("", unicodedata.normalize("NFKC",
                                                                                                   str(answer)))))))


def _strip(text: str, words: tuple[str, ...], *, front: bool) -> str:
    """`words` stripped from the front (with a separator or `is` after one: `是，`, `vni is`) or from the back,
    repeatedly, as long as something is left."""
    changed = True
    while changed:
        changed = False
        for w in sorted(words, key=len, reverse=True):
            if len(text) <= len(w) or not (text.startswith(w) if front else text.endswith(w)):
                continue
            if not front and text[: -len(w)].endswith((",", ":", ";", "、", "/")):
                continue  # `swarm, node`: a second answer after a comma, not the first one's noun
            rest = text[len(w):].lstrip(SEPARATORS) if front else text[: -len(w)].rstrip(TRAILING)
            if front and rest.startswith("is") and len(rest) > 2:  # `the vni is 4097`
                rest = rest[2:].lstrip(SEPARATORS)
            if rest:
                text, changed = rest, True
                break
    return text


def _strip_front(text: str, words: tuple[str, ...]) -> str:
    return _strip(text, words, front=True)


def _strip_back(text: str, words: tuple[str, ...]) -> str:
    return _strip(text, words, front=False)


def strip_lead_in(text: str) -> str:
    """`text` (normalised) without a lead-in before it (`the`, `是`, `它的`) or a particle after it (`吧`)."""
    return _strip_back(_strip_front(text, (*LEAD_INS, "它的")), TRAILERS)


def zh_number(text: str) -> int | None:
    """一 … 九千九百九十九 (两, 〇 and 零 too; 十二 and 二十 as written): the number, or None when `text` is not one."""
    if not text or any(c not in ZH_DIGITS and c not in ZH_UNITS for c in text):
        return None
    if len(text) > 1 and all(c in ZH_DIGITS for c in text):  # 二五六: digit by digit
        return int("".join(str(ZH_DIGITS[c]) for c in text))
    total, digit, last_unit = 0, None, 10_000
    for c in text:
        if c in ZH_DIGITS:
            if digit is not None and ZH_DIGITS[c] != 0:
                return None  # two digits without a unit between them
            digit = ZH_DIGITS[c] if ZH_DIGITS[c] else None
        else:
            unit = ZH_UNITS[c]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def en_number(text: str) -> int | None:
    """zero … ninety-nine (`twenty-one`, `twentyone`)."""
    if text in EN_NUMBERS:
        return EN_NUMBERS[text]
    m = re.fullmatch(r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-?(one|two|three|four|five|six|seven|"
                     r"eight|nine)", text)
    return EN_NUMBERS[m.group(1)] + EN_NUMBERS[m.group(2)] if m else None


def as_number(text: str) -> str | None:
    """A count written any of the usual ways, as digits: `50`, `50个`, `33次`, `三个节点`, `3nodes`, `two`, `两个`,
    `没有`; None when `text` is not a count."""
    core = _strip_back(text, NOUNS + QUALIFIERS).rstrip(COUNTERS) if text not in NONE_WORDS else text
    core = _strip_front(core, ("共", "各", "each"))
    if core in NONE_WORDS or re.fullmatch(rf"一[{COUNTERS}]?[也都]没有", core):
        return "0"
    if re.fullmatch(r"\d+", core):
        return str(int(core))
    n = zh_number(core)
    if n is None:
        n = en_number(core)
    return None if n is None else str(n)


def as_address(text: str) -> str | None:
    """An IPv4 address as a lesson prints it: `10.0.1.2/24`, `[::ffff:10.0.1.9]:59920`, `10.0.1.9:59920`."""
    m = re.fullmatch(rf"\[?(?:(?:::)?ffff:)?({IPV4})\]?(?::\d+)?(?:/\d+)?", text)
    return m.group(1) if m else None


def as_hex(text: str) -> str | None:
    """A mark as iptables prints it, `0x107` (`0x0107`, `0x107/0xffffffff` too), in its canonical form."""
    m = re.fullmatch(r"0x0*([0-9a-f]+)(?:/0xf{8})?", text)
    return hex(int(m.group(1), 16)) if m else None


def as_letters(text: str) -> str | None:
    """Letters picked (`C`, `(C)`, `C)`, `B→D→A→C→E`, `B, D, A, C, E`): the letters, in order."""
    core = text.strip("()[]")
    if re.fullmatch(r"[a-h]\)?", core):
        return core[0]
    parts = [p for p in re.split(r"->|=>|→|⇒|[-,、>/|;()=]+", core) if p]
    if len(parts) > 1 and all(re.fullmatch(r"[a-h]", p) for p in parts):
        return "".join(parts)
    return None


def as_port(text: str) -> str | None:
    """A port as iptables, ss or docker print it, or as a student copies it from there: `30001/tcp`, `:30001`,
    `*:30001`, `30001(tcp)`, `30,001`; the number, or None when `text` is not a port."""
    m = re.fullmatch(r"(?:\*|0\.0\.0\.0|\[::\])?:?(\d{1,3}(?:,\d{3})+|\d{1,5})(?:/?\(?(?:tcp|udp)\)?)?", text)
    if m is None:
        return None
    port = int(m.group(1).replace(",", ""))
    return str(port) if 0 < port < 65536 else None


def as_program(text: str) -> str | None:
    """A program as `ss -p` prints it, copied whole or in part: `("dockerd",pid=344,fd=23)`, `dockerd,pid=344`,
    `dockerd(pid344)`, `users:((dockerd,pid=344,fd=23))` (quotes are gone after `normalize`): its name."""
    m = re.fullmatch(r"(?:users:)?\(*([a-z][a-z0-9_.-]*)(?:,pid=\d+(?:,fd=\d+)?|\(?pid[:=]?\d+\)?)?\)*", text)
    return m.group(1) if m else None


def as_hostname(text: str) -> str | None:
    """A container's full id (`docker network inspect`'s Containers key, 64 hex digits): its hostname, the first 12
    (a shorter prefix is not the hostname)."""
    return text[:12] if re.fullmatch(r"[0-9a-f]{64}", text) else None


def as_tcpdump_address(text: str) -> str | None:
    """An address as tcpdump prints it with its port, `10.0.1.2.80`, `10.0.1.9.47602` (two to five digits: a port,
    not a typo's fifth part like `10.0.1.2.1`): the address."""
    m = re.fullmatch(rf"({IPV4})\.(\d{{2,5}})", text)
    return m.group(1) if m and int(m.group(2)) < 65536 else None


def as_module(text: str) -> str | None:
    """A kernel module's name as modprobe reads it: `-` and `_` are the same (`ip-vs` is `ip_vs`), `.ko` is the
    file."""
    m = re.fullmatch(r"([a-z][a-z0-9_-]*)(?:\.ko)?", text)
    return m.group(1).replace("-", "_") if m else None


def as_chain(text: str) -> str | None:
    """An iptables chain as a student recalls its name: `DOCKER_INGRESS`, `PRE_ROUTING` (netfilter's hook), with a
    `-` for the `_`."""
    return text.replace("_", "-") if re.fullmatch(r"[a-z][a-z0-9_-]*", text) else None


def as_decimal(text: str) -> str | None:
    """A number written in hexadecimal, `0x1001`, as the decimal it is (`4097`), for a question that does not ask
    for one base (a VNI); never a bare `1001`."""
    m = re.fullmatch(r"0x([0-9a-f]+)", text)
    return str(int(m.group(1), 16)) if m else None


Reader = Callable[[str], str | None]


def readings(answer: object, labels: tuple[str, ...] = (), reads: tuple[Reader, ...] = ()) -> list[str]:
    """The forms `answer` stands for, the literal one first. `labels`: words an answer to this question may put
    before or after the value (`FWM 262`, `权重为0`, `vni=4097`, `在swarm-worker2上`), written as a person would
    (they are normalised as answers are: `the docker daemon` is `thedockerdaemon`). `reads`: what else reads a value
    out of this question's answers (`as_port`, `as_program`), beside the counts, addresses, marks and letters."""
    out: list[str] = []
    if labels:
        labels = tuple(dict.fromkeys(w for w in (normalize(label) for label in labels) if w))
    for base in bases(answer):
        out.append(base)
        core = _strip_back(_strip_front(base, LEAD_INS + labels), TRAILERS + labels)
        out.append(core)
        if core.startswith("/") and "/" in core[1:]:  # /var/run/docker/netns/lb_…: the name
            out.append(core.rsplit("/", 1)[1])
        named = _strip_back(core, NAME_NOUNS)
        out.append(named)
        for read in (as_number, as_address, as_hex, as_letters, *reads):
            for form in (core, named):
                value = read(form)
                if value is not None:
                    out.append(value)
    return list(dict.fromkeys(r for r in out if r))


def canonical(answer: object) -> str:
    """An accepted answer (a checker's value or a stored one) in the form readings() produce."""
    text = normalize(answer)
    for read in (as_address, as_hex):
        value = read(text)
        if value is not None:
            return value
    return text
