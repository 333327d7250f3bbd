"""The graders on the lessons themselves: every lesson's code cells run in an IPython shell on its bundled recording
(as Run All does), then every exercise is answered in the forms students type, in Chinese and in English, right and
wrong. And every exercise grades the same whether answered at once (cell by cell), after Run All (the self-check's
own requests came later), or after its cell ran again."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from swarmlab import course, recordings
from swarmlab.course import answers, exercises, quiz
from swarmlab.lab import Lab

ROOT = Path(__file__).resolve().parent.parent

# The answers on each lesson's own recording (swarmlab/recordings/lessons/NN-*.jsonl; 09's made on the rig without
# IPVS). A lesson recorded again may change them: then look at what the lesson now shows and update the value here.
VALUES = {
    "00.builtin-overlay": "ingress", "00.scope": "swarm", "00.nodes": "3",
    "01.network-driver": "overlay", "01.node-without-web": "swarm-worker2", "01.replicas": "2",
    "02.web-vip": "10.0.1.2", "02.tasks-count": "2", "02.owner": "web",
    "03.endpoint-count": "3", "03.lb-name": "lb_vzydb54jd", "03.vip-count": "2", "03.remote-addr": "10.0.1.9",
    "04.mark-decimal": "271", "04.masq-rewrites": "destination", "04.lbindex-hex": "0x110", "04.first-mark": "0x100",
    "04.chain-order": "BDACE",
    "05.next-task": "090d0674b4f6", "05.repeats": "33", "05.even-share": "50",
    "06.after-scale": "3", "06.mark-after-scale": "256", "06.weight-zero": "0", "06.exit-signal": "SIGKILL",
    "07.dnsrr-count": "2", "07.dnsrr-marks": "0", "07.fwm-count": "2",
    "08.ingress-chain": "PREROUTING", "08.host-chain": "DOCKER-INGRESS", "08.ingress-fwm": "261",
    "09.vip-allocated": "10.0.1.2", "09.module": "ip_vs", "09.diagnosis": "C",
    "10.syn-dst": "10.0.1.2", "10.lb-src": "10.0.1.9", "10.vni": "4097", "10.dnsrr-dst": "10.0.1.13",
    "11.dnat-port": "30001", "11.listener": "dockerd",
}

ZH_DIGITS = "零一二三四五六七八九"


def fw(text: str) -> str:
    """As a Chinese input method's full-width mode types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def zh(n: int) -> str:
    """n in Chinese numerals (0-99), as written: 十二, 二十, 二十一."""
    if n < 10:
        return ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else ZH_DIGITS[tens]) + "十" + (ZH_DIGITS[ones] if ones else "")


EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
      "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]


def en(n: int) -> str:
    if n <= 20:
        return EN[n]
    tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"][n // 10]
    return tens + (f"-{EN[n % 10]}" if n % 10 else "")


@dataclass
class Forms:
    zh_right: list[str]
    en_right: list[str]
    zh_wrong: list[str]
    en_wrong: list[str]


def more(f: Forms, zh_right: list[str], en_right: list[str], zh_wrong: list[str], en_wrong: list[str]) -> Forms:
    """`f` and the forms of one exercise only (a reader's audit found each: right ones refused, or wrong ones a rule
    must not accept)."""
    return Forms(f.zh_right + zh_right, f.en_right + en_right, f.zh_wrong + zh_wrong, f.en_wrong + en_wrong)


def count(v: str, zh_noun: str, en_noun: str, counter: str = "个") -> Forms:
    n = int(v)
    wrong = [str(n + 1), str(n * 10 + n) if n else "10", str(n + 10)]
    return Forms(
        [v, fw(v), f"{v}{counter}", f"{fw(v)}{counter}", f"{v} {counter}{zh_noun}", zh(n), f"{zh(n)}{counter}{zh_noun}",
         f"是{v}", f"是，{v}{counter}", f"一共{v}{counter}", f"{v}。", f"答案是{zh(n)}", f"{fw(v)} {counter}{zh_noun}",
         f"“{v}”", f"共 {zh(n)} {counter}"],
        [v, en(n), f"{v} {en_noun}", f"{en(n)} {en_noun}", f"{v}.", f" {v} ", f"It's {v}", f"The answer is {v}",
         f"{v} in total", en(n).upper(), f"answer: {v}", f"`{v}`"],
        [*wrong, fw(str(n + 1)), f"{zh(n + 1)}{counter}", zh(n + 10), f"不是{v}", f"{v}.5"],
        [*wrong, en(n + 1), f"{en(n + 1)} {en_noun}", f"{v}.5", f"not {v}", f"0x{v}"])


def zero(zh_noun: str, en_noun: str, counter: str, labels: tuple[str, str] = ("", "")) -> Forms:
    z, e = labels
    return Forms(
        ["0", "０", "零", "没有", "无", f"0{counter}", f"零{counter}", f"一{counter}也没有", f"0 {counter}{zh_noun}",
         "是0", f"{z}0", f"{z}为零" if z else "是零", "０。"],
        ["0", "zero", "none", "None.", f"no {en_noun}", f"0 {en_noun}", f"zero {en_noun}", "It's 0", f"{e} 0",
         f"{e}=0" if e else "answer: 0", "`0`", "The answer is zero"],
        ["1", "１", f"一{counter}", "10", "00x", f"两{counter}{zh_noun}"],
        ["1", "one", f"one {en_noun}", "10", "0.5", f"{e} 1"])


def decimal_mark(v: str, mark_hex: str) -> Forms:
    n = int(v)
    near = [str(n - 1), str(n + 1), v + "0"]
    return Forms(
        [v, fw(v), f"FWM {v}", fw(f"FWM {v}"), f"是{v}", f"{v}。", f"标记{v}", f"fwm{v}", f"FWM　{v}", f"“{v}”",
         f"答案是 {v}",
         f"FWM：{fw(v)}", f"{mark_hex} = {v}", f"{v}（十进制）", f"十进制 {v}", f"{v}（{mark_hex}）", f"FWM 后面是 {v}",
         f"ipvsadm 显示 FWM {v}"],
        [v, f"FWM {v}", f"fwm={v}", f"mark {v}", f"It's {v}", f"{v}.", f"The answer is {v}", f" {v} ", f"'{v}'",
         f"`{v}`", f"FWM: {v}", f"FWM  {v} rr", f"{v} ({mark_hex})", f"{mark_hex}={v}", f"decimal {v}",
         f"LocalLBIndex: {v}", f"it prints {v}"],
        [*near, mark_hex, fw(mark_hex), mark_hex[2:], f"FWM {mark_hex}", f"{mark_hex} = {n + 1}", f"十进制 {mark_hex}"],
        [*near, mark_hex, mark_hex.upper(), mark_hex[2:], f"0x{v}", f"FWM  {n + 1} rr", f"{mark_hex} = {mark_hex}",
         f"{v} ({hex(n + 1)})"])


def hex_mark(v: str, wrong: list[str]) -> Forms:
    padded, n = "0x0" + v[2:], int(v, 16)
    return Forms(
        [v, fw(v), v.upper(), f"MARK set {v}", f"是{v}", f"{v}。", padded, f"{v}/0xffffffff", f"标记 {v}", f"“{v}”",
         fw(f"MARK set {v}"), f"{v}（{n}）", f"十六进制 {v}", f"--set-xmark {v}/0xffffffff", "0x" + v[2:].zfill(8)],
        [v, v.upper(), f"MARK set {v}", f"set {v}", f"mark {v}", f"It's {v}", f"{v}.", f"`{v}`", padded,
         f"The answer is {v}", f"{v} = {n}", f"{n} ({v})", f"hex {v}"],
        [*wrong, fw(wrong[0]), f"是{wrong[0]}", f"{v}（{n + 1}）"],
        [*wrong, f"MARK set {wrong[0]}", wrong[0].upper(), f"{v} = {n + 1}", f"hex {hex(n + 1)}"])


def address(v: str, extra_zh: tuple[str, ...] = (), extra_en: tuple[str, ...] = ()) -> Forms:
    a, b, c, d = v.split(".")
    near = [f"{a}.{b}.{c}.{d}0", f"{a}.{b}.{c}.{int(d) + 2}", f"{a}.{b}.{c}{d}", f"1{v}", f"{a}.{b}.{c}"]
    return Forms(
        [v, fw(v), v.replace(".", "。"), f"是，{v}", f"{v}。", f"{v}/32", f"地址：{v}", fw(f"IP:{v}"), f"答案是 {v}",
         f"[::ffff:{v}]", f"{v}:80", *extra_zh],
        [v, f"{v}.", f"IP {v}", f"address: {v}", f"It's {v}", f"{v}/32", f"[::ffff:{v}]", f"{v}:80", f" {v} ",
         f"`{v}`", *extra_en],
        [*near, fw(near[0]), f"是，{near[1]}"], [*near, f"It's {near[1]}"])


def word(v: str, zh_extra: list[str], en_extra: list[str], zh_wrong: list[str], en_wrong: list[str]) -> Forms:
    return Forms([v, fw(v), v.lower(), v.upper(), f"是{v}", f"{v}。", f"“{v}”", f"答案是{v}", *zh_extra],
                 [v, v.upper(), f"{v}.", f"It's {v}", f"`{v}`", f"The answer is {v}", f"'{v}'", *en_extra],
                 zh_wrong, en_wrong)


def node(v: str) -> Forms:
    short = v.removeprefix("swarm-")
    others = ["swarm-worker1", "swarm-manager", "worker1", f"{v}2", "worker"]
    return word(v, [short, f"在 {v} 上", f"{v} 节点", f"{short}节点", f"在{short}上", f"{v}上没有",
                    f"{v} 上没有 web 任务", f"{v}这个节点", v.replace("-", "–"), f"{v} 这台", f"{short} 这台机器",
                    f"{v}上面没有web"],
                [short, f"on {v}", f"node {v}", f"{v} node", "the node " + v, v.replace("-", " "),
                 f"on the {v} node", v.replace("-", "\u2010"), f"{v} has no web task"],
                [*others, "在 swarm-worker1 上", fw("swarm-manager"), "swarm-worker1上没有",
                 "在 swarm-manager 上没有 web 任务", "上没有"],
                [*others, "on swarm-manager", f"swarm-worker1 ({v})", "swarm worker1", f"{v}, swarm-worker1",
                 "swarm-worker1 has no web task"])


def forms(exercise_id: str, v: str) -> Forms:
    """The answer forms of one exercise: at least ten right and five wrong in each language."""
    table: dict[str, Any] = {
        "00.nodes": lambda: more(count(v, "节点", "nodes"), ["三台机器", "3台主机"],
                                 ["There are 3 nodes", "it has three nodes", "3 machines"], ["3（4）"],
                                 ["3/4", "3 (4)"]),
        "01.replicas": lambda: more(count(v, "任务", "tasks"), ["2/2", "两个正在运行的任务", "2个正在运行"],
                                    ["2/2", "2 running tasks", "two running replicas"], ["1/2", "3/3"], ["1/2"]),
        "02.tasks-count": lambda: more(count(v, "地址", "addresses"), ["两个 IP", "2条 Address 记录"],
                                       ["2 IP addresses", "2 records", "two A records"], ["3 个 IP"],
                                       ["3 IP addresses"]),
        "03.endpoint-count": lambda: more(count(v, "端点", "endpoints"), ["3个lb-mynet", "三个负载均衡端点"],
                                          ["3 LB endpoints", "3 load-balancer endpoints"], ["2个lb-mynet"],
                                          ["2 LB endpoints"]),
        "03.vip-count": lambda: more(count(v, "地址", "addresses"), ["2个/32地址", "两个VIP", "2 个 VIP"],
                                     ["2 VIPs", "2 /32 addresses", "2 inet lines"], ["3 个 /32"], ["3 VIPs"]),
        "05.repeats": lambda: more(count(v, "重复", "repeats", "次"),
                                   ["重复了33次", "重复 33 次", "出现了 33 次重复", "33 次相邻重复", "33/1000"],
                                   ["there were 33", "33/1000"], ["重复了34次", "重复 34 次", "34/1000"],
                                   ["there were 34", "33/100"]),
        "06.after-scale": lambda: more(count(v, "真实服务器", "real servers"), ["3 个 RS"], ["3 RS", "three backends"],
                                       [], ["2 RS"]),
        "07.dnsrr-count": lambda: count(v, "地址", "addresses"),
        "07.fwm-count": lambda: more(count(v, "FWM 服务", "FWM services"),
                                     ["2 个 FWM 虚拟服务", "两个 FWM", "两条 FWM 行"],
                                     ["2 FWMs", "2 virtual services", "2 FWM lines"], ["3 个 FWM"], ["3 FWMs"]),
        "05.even-share": lambda: _even_share(v),
        "06.weight-zero": lambda: more(zero("", "weight", "", ("权重", "weight")),
                                      ["设为0", "设成 0", "权重设成0", "0（排空）", "先设成 0", "它的权重会被设为 0"],
                                      ["set to 0", "it sets it to 0", "0 (drain)"],
                                      ["排空", "权重设成1", "先设成 1"], ["drain", "set to 1", "1 (drain)"]),
        "07.dnsrr-marks": lambda: more(zero("规则", "rules", "条"), ["一条都没有", "不会有"],
                                      ["no MARK rule", "there are none"], ["有一条"], ["1 rule"]),
        "04.mark-decimal": lambda: decimal_mark(v, hex(int(v))),
        "06.mark-after-scale": lambda: more(decimal_mark(v, hex(int(v))), [f"{v}（不变）"],
                                           [f"{v} (unchanged)", f"LocalLBIndex {v}"], [f"{int(v) + 1}（不变）"],
                                           [f"{hex(int(v))} (unchanged)"]),
        "08.ingress-fwm": lambda: decimal_mark(v, hex(int(v))),
        "04.lbindex-hex": lambda: hex_mark(v, [str(int(v, 16)), v[2:], hex(int(v, 16) + 1), v + "0"]),
        "04.first-mark": lambda: hex_mark(v, ["0x101", v[2:], "0x1000", "0x10", "257"]),
        "02.web-vip": lambda: more(address(v, ("VIP 是 10.0.1.2", "解析成 10.0.1.2", "10.0.1.2（VIP）",
                                                 "web 的 VIP：10.0.1.2", "web -> 10.0.1.2"),
                                          ("the VIP 10.0.1.2", "it resolves to 10.0.1.2", "10.0.1.2 (the VIP)",
                                           "web -> 10.0.1.2")),
                                  [], [], ["解析成 10.0.1.3", "10.0.1.3（VIP）"],
                                  ["resolves to 10.0.1.4", "10.0.1.3 (VIP)", "10.0.1.2.1"]),
        "09.vip-allocated": lambda: more(address(v, ("分配了，10.0.1.2", "是的，10.0.1.2", "有，10.0.1.2"),
                                                ("yes, 10.0.1.2", "Yes. 10.0.1.2", "yes (10.0.1.2)",
                                                 "yes, it did: 10.0.1.2")),
                                        [], [], ["没有，10.0.1.2", "是"], ["no: 10.0.1.2", "yes", "yes, 10.0.1.3"]),
        "03.remote-addr": lambda: more(address(v, ("RemoteAddr: [::ffff:10.0.1.9]:47602", "lb-mynet 的地址 10.0.1.9",
                                                   "10.0.1.9（lb-mynet）", "ffff:10.0.1.9"),
                                              ("RemoteAddr: 10.0.1.9:47602",)),
                                      [], [], ["lb-mynet 10.0.1.8", "10.0.1.8（lb-mynet）"],
                                      ["ffff:10.0.1.8", "to 10.0.1.8"]),
        "10.syn-dst": lambda: more(address(v, ("目的地址是 10.0.1.2", "10.0.1.2.80", "10.0.1.2（web 的 VIP）"),
                                          ("destination 10.0.1.2", "10.0.1.2.80", "to 10.0.1.2", "10.0.1.2 (VIP)")),
                                  [], [], ["10.0.1.9.80"],
                                  ["10.0.1.2.1", "10.0.1.3.80", "10.0.1.8.47602 > 10.0.1.2.80"]),
        "10.lb-src": lambda: more(address(v, ("源地址 10.0.1.9", "lb-mynet 10.0.1.9", "10.0.1.9（lb 端点）",
                                                "10.0.1.9.47602"),
                                         ("source: 10.0.1.9", "to:10.0.1.9", "10.0.1.9 (lb-mynet)", "10.0.1.9.47602")),
                                 [], [], ["lb-mynet 10.0.1.6"], ["to:10.0.1.8", "10.0.1.8.47602"]),
        "10.dnsrr-dst": lambda: more(address(v, ("目的地址 10.0.1.14", "10.0.1.13（webrr 的任务）", "10.0.1.14.80"),
                                            ("10.0.1.14", "10.0.1.13 (a webrr task)", "10.0.1.13.80")),
                                    [], [], ["10.0.1.13（10.0.1.2）"], ["10.0.1.2.80", "10.0.1.12.80"]),
        "01.node-without-web": lambda: node(v),
        "02.owner": lambda: word(v, ["web服务", "web 服务", "Web", "是 web 服务", "web 这个服务", "服务 web",
                                      "属于 web", "web 的 VIP", "它属于web服务"],
                                 ["web service", "the web service", "Web", "web!", "service web", "It belongs to web",
                                  "web's VIP", "web (its VIP)"],
                                 ["client", "webrr", "tasks.web", "client服务", "web.1", "web 的任务", "web（任务）",
                                  "web 这个任务"],
                                 ["client", "webrr", "tasks.web", "the client service", "ingress", "web task",
                                  "a web task", "the web tasks", "client (web)"]),
        "03.lb-name": lambda: word(v, [f"/var/run/docker/netns/{v}", f"叫 {v}", f"{v} 命名空间", f"命名空间：{v}",
                                    f"名字是{v}"],
                                   [f"namespace {v}", f"{v} namespace", f"/var/run/docker/netns/{v}", f"netns {v}",
                                    f"It's called {v}", f"called {v}"],
                                   ["lb_mynet", v[:-1], v + "f", v.replace("_", "-"), v[3:]],
                                   ["lb_mynet", v[:-1], v + "f", "mynet", "ingress_sbox", "called lb_mynet"]),
        "05.next-task": lambda: word(v, [f"Hostname: {v}", f"主机名是 {v}", f"答案是 {v}", f"是 {v}", f"交给 {v}",
                                         f"任务 {v}", f"{v} 这个任务"],
                                     [f"Hostname: {v}", f"hostname {v}", f" {v} ", f"{v}!", f"to {v}",
                                      f"it goes to {v}", f"the task {v}", "10.0.1.4", "IP: 10.0.1.4",
                                      "090d0674b4f689d86c4bc79b149ef725434b378741348b7536492ac95528175d"],
                                     ["0123456789ab", v[:-1], v + "0", "4cbc0337525c", "是 4cbc0337525c",
                                      "交给 4cbc0337525c"],
                                     ["0123456789ab", v[:-1], v + "0", "4cbc0337525c", "web", "to 4cbc0337525c",
                                      f"{v} / 4cbc0337525c", f"{v}, 4cbc0337525c", "10.0.1.3", "090d0674",
                                      "4cbc0337525c715b4a480e82dab756c47e1a5f18911a47a82a4d5f91888c71a8"]),
        "00.builtin-overlay": lambda: word(v, ["Ingress", "ingress网络", "ingress 网络", "INGRESS。", "叫 ingress",
                                              "名字是 ingress", "ingress（overlay）", "ingress 这个网络"],
                                          ["the ingress network", "ingress network", "Ingress!", " ingress ",
                                           "It's called ingress", "name: ingress", "The network is called ingress",
                                           "ingress (overlay)"],
                                          ["docker_gwbridge", "bridge", "mynet", "ingress_sbox", "ingres",
                                           "叫 docker_gwbridge", "ingress_sbox 网络", "docker_gwbridge（overlay）"],
                                          ["docker_gwbridge", "bridge", "mynet", "ingress_sbox", "host", "overlay",
                                           "the overlay network", "called docker_gwbridge"]),
        "00.scope": lambda: word(v, ["集群", "集群范围", "swarm范围", "Swarm", "显示 swarm", "范围是swarm", "整个集群",
                                     "SCOPE：swarm"],
                                 ["swarm scope", "Swarm", " swarm ", "swarm!", "it says swarm", "scope swarm",
                                  "SCOPE: swarm", "swarm-wide"],
                                 ["local", "global", "本地", "host", fw("local"), "整个", "本地范围", "全局（swarm）"],
                                 ["local", "global", "host", "the local scope", "node", "scope local",
                                  "global (swarm)", "it says local", "swarm (node)", "swarm, local", "swarm, node",
                                  "swarm: node"]),
        "01.network-driver": lambda: word(v, ["覆盖网络", "覆盖", "overlay网络", "overlay 驱动", "Overlay",
                                             "overlay 驱动程序", "用 overlay 驱动", "驱动是overlay",
                                             "是用 overlay 创建的", "它用的是overlay"],
                                          ["the overlay driver", "overlay driver", "Overlay network", "overlay!",
                                           "-d overlay", "driver overlay", "DRIVER: overlay", "an overlay driver"],
                                          ["bridge", "macvlan", "host", "ingress", "桥接网络", "用 bridge 驱动",
                                           "驱动是bridge"],
                                          ["bridge", "macvlan", "host", "the bridge driver", "vxlan", "-d bridge",
                                           "driver: bridge", "a bridge driver"]),
        "04.masq-rewrites": lambda: Forms(
            ["目的地址", "目标地址", "目的", "目的IP", "目标", "目的地址。", "是目的地址", "目的ＩＰ", "destination",
             "目的 地址", fw("destination"), "改写目的地址", "只改目的地址", "DNAT"],
            ["destination", "the destination", "the destination address", "Destination address", "dst", "DST",
             "destination.", "It's the destination", "`destination`", "The answer is destination",
             "destination only", "it rewrites the destination", "dest", "DNAT"],
            ["源地址", "源", "source", "目的端口", "两个都改", fw("source"), "只改源地址", "改写源地址", "SNAT",
             "目的地址/源地址"],
            ["source", "src", "both", "the source address", "source and destination", "source only",
             "it rewrites the source", "both source and destination"]),
        "04.chain-order": lambda: Forms(
            ["BDACE", fw("bdace"), "B→D→A→C→E", "B、D、A、C、E", "B D A C E", "b-d-a-c-e", "是BDACE", "BDACE。",
             "B，D，A，C，E", "答案是 B→D→A→C→E", "B–D–A–C–E", "B——D——A——C——E"],
            ["BDACE", "bdace", "B D A C E", "B, D, A, C, E", "B -> D -> A -> C -> E", "B > D > A > C > E",
             "B-D-A-C-E", "b,d,a,c,e.", "The answer is BDACE", "It's BDACE", "B=>D=>A=>C=>E", "B–D–A–C–E",
             "(B)(D)(A)(C)(E)"],
            ["DBACE", "BDCAE", "ABCDE", "BDAC", "B→D→C→A→E", fw("DBACE"), "B——D——C——A——E"],
            ["DBACE", "BDCAE", "ABCDE", "BDACEE", "B, D, C, A, E", "B=>D=>C=>A=>E"]),
        "06.exit-signal": lambda: Forms(
            ["9", "９", "九", "SIGKILL", fw("sigkill"), "信号9", "9号信号", "SIGKILL（9）", "KILL", "是SIGKILL",
             "sigkill。", "第9号信号", "SIGKILL，9", "SIGKILL 信号"],
            ["9", "SIGKILL", "sigkill", "KILL", "signal 9", "SIGKILL (9)", "9 (SIGKILL)", "nine", "It's SIGKILL",
             "kill signal", "kill -9", "-9", "9, SIGKILL", "the KILL signal"],
            ["137", "SIGTERM", "15", "128", "信号15", "十五", "SIGKILL（15）", "第15号信号", "SIGKILL，15"],
            ["137", "SIGTERM", "15", "SIGINT", "signal 15", "SIGKILL (15)", "kill -15", "-15", "9, 15"]),
        "08.ingress-chain": lambda: word(v, ["prerouting", "PREROUTING链", "PREROUTING 链", "Prerouting",
                                            "链 PREROUTING",
                                            "mangle 表的 PREROUTING 链", "PREROUTING（路由之前）", "PRE_ROUTING"],
                                        ["the PREROUTING chain", "PREROUTING chain", "prerouting", " PREROUTING ",
                                         "Chain PREROUTING", "mangle PREROUTING", "PREROUTING (before routing)",
                                         "pre-routing"],
                                        ["INPUT", "POSTROUTING", "OUTPUT", "FORWARD", "INPUT链", "INPUT（路由之前）",
                                         "mangle", "链 INPUT"],
                                        ["INPUT", "POSTROUTING", "OUTPUT", "the INPUT chain", "mangle", "chain INPUT",
                                         "post_routing", "nat", "mangle INPUT", "nat PREROUTING", "PREROUTING (nat)"]),
        "08.host-chain": lambda: word(v, ["docker-ingress", "DOCKER-INGRESS链", "DOCKER-INGRESS 链", "Docker-Ingress",
                                         "nat 表的 DOCKER-INGRESS 链", "DOCKER_INGRESS"],
                                     ["the DOCKER-INGRESS chain", "DOCKER-INGRESS chain", "docker-ingress",
                                      "Docker-Ingress", "Chain DOCKER-INGRESS", "DOCKER INGRESS", "DOCKER–INGRESS"],
                                     ["DOCKER", "PREROUTING", "DOCKER-USER", "INGRESS", "POSTROUTING链", "DOCKER_USER"],
                                     ["DOCKER", "PREROUTING", "DOCKER-USER", "INGRESS", "the DOCKER chain",
                                      "chain DOCKER", "nat"]),
        "09.diagnosis": lambda: Forms(
            ["C", "Ｃ", "c", "选C", "选 C", "选项C", "C。", "（C）", "答案是C", "我选C", "C)", "内核没有IPVS",
             "C 节点内核没有 IPVS", "C）节点内核没有 IPVS"],
            ["C", "c", "(C)", "C)", "option C", "The answer is C", "It's C", "C.", "answer: C",
             "the nodes' kernels lack IPVS", "C: the nodes' kernels lack IPVS", "I pick C"],
            ["A", "B", "D", "选A", "CD", "C和D", "（A）", "A 节点内核没有 IPVS", "C 防火墙挡住了 80 端口"],
            ["A", "B", "D", "option A", "AC", "C or D", "C: D", "C/D", "C, D",
             "A the nodes' kernels lack IPVS"]),
        "09.module": lambda: word(v, ["IP_VS", "ip_vs模块", "ip_vs 模块", "内核模块 ip_vs", "ip_vs.ko", "ip-vs"],
                                 ["the ip_vs module", "ip_vs module", "ip_vs.ko", "kernel module ip_vs",
                                  "module ip_vs", "ip-vs"],
                                 ["ipvs", "ipvsadm", "ip_vs_rr", "nf_conntrack", "IPVS 模块", "ip-vs-rr"],
                                 ["ipvs", "ipvsadm", "ip_vs_rr", "nf_conntrack", "ip_tables", "module ipvs",
                                  "ip_vs_rr.ko"]),
        "10.vni": lambda: Forms(
            [v, fw(v), f"VNI {v}", fw(f"VNI:{v}"), f"是{v}", f"{v}。", f"vxlanid {v}", f"VNI={v}", f"“{v}”",
             f"答案是{v}", f"vxlanid_list：{v}", hex(int(v))],
            [v, f"VNI {v}", f"vni={v}", f"the VNI is {v}", f"It's {v}", f"{v}.", f"`{v}`", f"VXLAN ID {v}",
             f" {v} ", f"The answer is {v}", f"vxlanid_list: {v}",
             f'"com.docker.network.driver.overlay.vxlanid_list": "{v}"', hex(int(v)), f"{v} ({hex(int(v))})"],
            [str(int(v) - 1), str(int(v) + 1), v + "0", v[:-1], f"VNI {int(v) - 1}", fw(str(int(v) + 1)),
             hex(int(v) - 1)],
            [str(int(v) - 1), str(int(v) + 1), v + "0", v[:-1], f"VNI {int(v) - 1}", f"0x{v}", hex(int(v))[2:],
             f"{v} ({hex(int(v) - 1)})"]),
        "11.dnat-port": lambda: Forms(
            [v, fw(v), f"dpt:{v}", fw(f"dpt:{v}"), f"端口{v}", f"{v} 端口", f"端口号 {v}", f"是{v}", f"{v}。",
             f"“{v}”", f"答案是{v}", f"目的端口{v}", f"目的端口是{v}", f"目标端口 {v}", f"{v}号端口", f"{v}/tcp",
             f"：{v}", f"*:{v}"],
            [v, f"dpt:{v}", f"port {v}", f"It's {v}", f"{v}.", f"`{v}`", f"The answer is {v}", f" {v} ", f"'{v}'",
             f"dpt {v}", f"{v}/tcp", f"port {v}/tcp", f":{v}", f"*:{v}", f"{v} (tcp)", f"tcp dpt:{v}",
             f"dport {v}", f"--dport {v}", f"destination port {v}", f"{v[:-3]},{v[-3:]}"],
            ["80", "dpt:80", "端口80", "8080", "30000", "32767", v + "0"],
            ["80", "port 80", "8080", "30000", "32767", v + "0", "80/tcp", "*:80", "dport 80", "70000", "3,0001"]),
        "11.listener": lambda: word(v, ["Dockerd", "dockerd 进程", "dockerd进程", "程序 dockerd", "守护进程dockerd",
                                        "Docker 守护进程", "docker的守护进程", "Docker 守护进程 dockerd",
                                        '("dockerd",pid=344,fd=23)', "dockerd（pid 344）"],
                                    ["the dockerd process", "dockerd process", "program dockerd", "Dockerd",
                                     "dockerd (pid 344)", "dockerd,pid=344", '("dockerd",pid=344,fd=23)',
                                     'users:(("dockerd",pid=344,fd=23))', "docker daemon", "the Docker daemon",
                                     "dockerd daemon", "/usr/bin/dockerd"],
                                    ["sshd", "docker", "containerd", "whoami", "docker-proxy", "内核"],
                                    ["sshd", "docker", "containerd", "whoami", "docker-proxy", "the kernel"]),
    }
    made = table[exercise_id]()
    assert isinstance(made, Forms)
    return made


def _even_share(v: str) -> Forms:
    made = count(v, "请求", "requests")
    made.zh_right += ["各50", "每个50个", "每个后端 50 个", "每个真实服务器 50 个", "50/50", "一半，50 个"]
    made.en_right += ["50 each", "each 50", "50/50", "50 per server", "each responds to 50", "50 apiece"]
    made.zh_wrong += ["一半", "每个真实服务器 100 个"]
    made.en_wrong += ["half", "50/100", "25 per server"]
    return made


# -- running a lesson as Run All does -----------------------------------------------------------------------------


def _code_cells(lang: str, name: str) -> list[str]:
    nb = json.loads((ROOT / "labs" / lang / f"{name}.ipynb").read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cells[0] = cells[0].replace("MODE = None", 'MODE = "replay"')
    return cells


def _exercise_of(cell: str) -> str | None:
    m = re.search(r'course\.exercise\("([^"]+)"\)', cell)
    return m.group(1) if m else None


@contextlib.contextmanager
def _quiet_shell() -> Iterator[Any]:
    """The IPython shell the lessons' code runs in, drawing no pictures (only what the graders read matters)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    formatters = shell.display_formatter.formatters
    saved = {mime: formatters[mime].enabled for mime in ("image/png", "image/svg+xml", "text/html")}
    for mime in saved:
        formatters[mime].enabled = False
    try:
        yield shell
    finally:
        for mime, enabled in saved.items():
            formatters[mime].enabled = enabled


def run_lesson(shell: Any, lang: str, name: str, after_exercise: Any = None) -> tuple[Lab, list[str]]:
    """Every code cell of the built lesson, in order; `after_exercise(id, lab)` right after an exercise's cell."""
    asked = []
    for cell in _code_cells(lang, name):
        with contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(cell, store_history=False, silent=True)
        assert result.success, f"{name}: {cell[:60]!r}: {result.error_in_exec or result.error_before_exec}"
        exercise_id = _exercise_of(cell)
        if exercise_id:
            asked.append(exercise_id)
            if after_exercise is not None:
                after_exercise(exercise_id, shell.user_ns["lab"])
    return shell.user_ns["lab"], asked


LESSONS = sorted({p.stem for p in (ROOT / "labs" / "en").glob("[0-9][0-9]-*.ipynb")})


def _verdicts(exercise_id: str, lab: Lab) -> dict[tuple[str, str], bool]:
    f = forms(exercise_id, VALUES[exercise_id])
    out = {}
    for lang, group in (("zh", f.zh_right + f.zh_wrong), ("en", f.en_right + f.en_wrong)):
        for answer in group:
            out[(lang, answer)] = course.exercise(exercise_id, answer=answer, lab=lab, lang=lang).correct
    return out


def _bound(exercise_id: str, lab: Lab) -> tuple[dict[str, str], set[str] | None]:
    """What an exercise grades against in this session: its parameters (the question's text) and its accepted
    answers (None: stored hashes, the same everywhere). Equal bindings grade every answer alike."""
    att = quiz.attempt(exercises.get(exercise_id), lab)
    return att.params, att.accepted()


Bound = dict[str, tuple[dict[str, str], "set[str] | None"]]


@dataclass
class Runs:
    at_once: Bound  # going cell by cell (en): bound right after the exercise's cell ran
    after_run_all: Bound  # Run All (zh), then answered: the self-check's own requests came later
    after_rerun: Bound  # the exercise's cell run again after Run All
    verdicts: dict[str, dict[tuple[str, str], bool]]  # every form of the table, answered after Run All
    samples: dict[str, Any]  # what lesson 05's picture showed (`sample`)


@pytest.fixture(scope="module")
def runs() -> Runs:
    at_once: Bound = {}
    after: Bound = {}
    rerun: Bound = {}
    verdicts = {}
    samples = {}
    with _quiet_shell() as shell:
        for name in LESSONS:
            run_lesson(shell, "en", name, lambda i, lab: at_once.__setitem__(i, _bound(i, lab)))
            lab, asked = run_lesson(shell, "zh", name)
            samples[name[:2]] = shell.user_ns.get("sample")
            for i in asked:
                verdicts[i] = _verdicts(i, lab)
                after[i] = _bound(i, lab)
                with contextlib.redirect_stdout(io.StringIO()):
                    assert shell.run_cell(f'course.exercise("{i}")', store_history=False, silent=True).success
                rerun[i] = _bound(i, lab)
    return Runs(at_once, after, rerun, verdicts, samples)


# -- the tests ----------------------------------------------------------------------------------------------------


def test_every_exercise_a_lesson_asks_has_a_table() -> None:
    asked = {i for name in LESSONS for cell in _code_cells("en", name) if (i := _exercise_of(cell))}
    assert asked == set(VALUES), "a lesson asks an exercise without forms here, or VALUES names one no lesson asks"
    for exercise_id, value in VALUES.items():
        f = forms(exercise_id, value)
        assert len(set(f.zh_right)) >= 10 and len(set(f.en_right)) >= 10, exercise_id
        assert len(set(f.zh_wrong)) >= 5 and len(set(f.en_wrong)) >= 5, exercise_id


@pytest.mark.parametrize("exercise_id", sorted(VALUES))
def test_right_and_wrong_forms_in_both_languages(exercise_id: str, runs: Runs) -> None:
    f = forms(exercise_id, VALUES[exercise_id])
    graded = runs.verdicts[exercise_id]
    refused = [a for lang, group in (("zh", f.zh_right), ("en", f.en_right)) for a in group if not graded[(lang, a)]]
    accepted = [a for lang, group in (("zh", f.zh_wrong), ("en", f.en_wrong)) for a in group if graded[(lang, a)]]
    assert refused == [], f"{exercise_id}: right answers refused"
    assert accepted == [], f"{exercise_id}: wrong answers accepted"


@pytest.mark.parametrize("exercise_id", sorted(VALUES))
def test_an_exercise_grades_the_same_at_once_after_run_all_and_after_its_cell_runs_again(exercise_id: str,
                                                                                        runs: Runs) -> None:
    assert runs.at_once[exercise_id] == runs.after_run_all[exercise_id] == runs.after_rerun[exercise_id]


def test_05_repeats_grades_the_sample_the_picture_shows_not_the_self_checks(runs: Runs) -> None:
    sample = runs.samples["05"]
    assert sample is not None and len(sample.answers) == 1000 and str(sample.repeats) == VALUES["05.repeats"]
    assert runs.at_once["05.repeats"] == ({"n": "1000"}, {VALUES["05.repeats"]}) == runs.after_run_all["05.repeats"]


def test_a_self_checks_requests_are_no_evidence() -> None:
    """Lesson 05's question asked after its self-check ran (a student who ran every cell, then scrolled up) still
    counts the lesson's picture; without `not_evidence`, the self-check's 100 requests would be "the latest"."""
    lab = course.start("05", "replay", lang="en", show=False)
    sample = lab.sample_requests(1000)
    course.check("05", lab=lab)
    assert course.exercise("05.repeats", lab=lab) is not None  # shown after the self-check
    assert course.exercise("05.repeats", answer=str(sample.repeats), lab=lab).correct
    assert exercises.evidence(lab)[-1].step != "requests" or len(exercises.evidence(lab)[-1].value or []) == 1000


# -- the reading of an answer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "reads"), [
    ("２５６", "256"), ("０ｘ１０６", "0x106"), ("１０．０．１．２", "10.0.1.2"), ("10。0。1。2", "10.0.1.2"),
    ("Ｃ", "c"), ("50个", "50"), ("33 次", "33"), ("三个节点", "3"), ("两个", "2"), ("十二", "12"), ("二十", "20"),
    ("二十一次", "21"), ("二百五十六", "256"), ("是，10.0.1.2", "10.0.1.2"), ("选C", "c"), ("答案：Ｃ", "c"),
    ("0x0107/0xffffffff", "0x107"),
    ("twenty-one repeats", "21"), ("[::ffff:10.0.1.9]:59920", "10.0.1.9"), ("B→D→A→C→E", "bdace"),
    ("　web 服务。", "web"),
    ("B–D–A–C–E", "bdace"), ("swarm‐worker2", "swarm-worker2"), ("两个正在运行的任务", "2"), ("三台机器", "3"),
    ("an overlay driver", "overlay"), ("It's called ingress", "ingress"), ("一条都没有", "0"), ("2 个 VIP", "2"),
    ("ffff:10.0.1.9", "10.0.1.9"), ("web 这个服务", "web"), ("There are 3 nodes", "3"), ("俩", "2"),
])
def test_readings_include_what_the_student_meant(typed: str, reads: str) -> None:
    assert reads in answers.readings(typed)


@pytest.mark.parametrize(("typed", "never"), [
    ("0x106", "106"), ("0x106", "262"), ("106", "0x106"), ("10.0.1.20", "10.0.1.2"), ("10.0.1.2.1", "10.0.1.2"),
    ("二十", "2"), ("十二", "2"), ("不是3", "3"), ("3个以上", "3"), ("2.5", "2"), ("一二百", "200"), ("webrr", "web"),
    ("是", ""), ("C和D", "c"), ("ab", "a"),
    ("web task", "web"), ("a web task", "web"), ("A web task", "webtask"), ("2/32", "2"), ("2 running", "20"),
])
def test_readings_never_change_what_the_student_meant(typed: str, never: str) -> None:
    assert never not in answers.readings(typed)


def test_a_wrong_answer_gets_the_hint_then_the_explanation_and_the_solution_on_request() -> None:
    lab = course.start("04", "replay", lang="zh", show=False)
    ex = exercises.get("04.mark-decimal")
    hint, why = ex.text(ex.hint, ex.values(lab), "zh"), ex.text(ex.explanation, ex.values(lab), "zh")
    first = course.exercise("04.mark-decimal", answer="0x100", lab=lab, lang="zh")
    assert first.message == f"不对。提示：{hint}" and first.tries == 1
    assert not course.exercise("04.mark-decimal", answer="", lab=lab).tries > 1  # an empty answer is no try
    second = course.exercise("04.mark-decimal", answer="255", lab=lab, lang="zh")
    assert second.message == f"不对。提示：{hint} 解析：{why}" and second.tries == 2
    assert str(course.exercise("04.mark-decimal", lab=lab, lang="en", reveal="explanation")).startswith(
        "Explanation: Convert hexadecimal")
    assert str(course.exercise("04.mark-decimal", lab=lab, lang="zh", reveal="solution")) == \
        "答案：0x10f = 271：`FWM  271`。"
    other = course.start("04", "replay", lang="zh", show=False)  # a new session counts from zero
    assert "解析" not in course.exercise("04.mark-decimal", answer="255", lab=other).message
    with pytest.raises(exercises.SwarmlabError, match="reveal='answer'"):
        course.exercise("04.mark-decimal", lab=lab, reveal="answer")


def test_an_answer_given_later_is_graded_against_what_the_question_was_asked_about() -> None:
    """The question is bound when it is shown: a later cell showing a later state of the swarm (web scaled 2 -> 3 in
    this recording) does not change the answer to a question asked before it."""
    lab = course.start("06", "replay", recording=recordings.get("rig-session"), lang="en", show=False)

    def running() -> int:
        return len([t for t in lab.tasks("web").value or [] if not t.history and t.state == "Running"])

    assert running() == 2
    course.exercise("01.replicas", lab=lab)  # asked now: two tasks run
    later = [running()]
    while later[-1] != 3:  # the lesson goes on and shows three
        later.append(running())
        assert len(later) < 30
    assert course.exercise("01.replicas", answer="2", lab=lab).correct
    assert not course.exercise("01.replicas", answer="3", lab=lab).correct
    course.exercise("01.replicas", lab=lab)  # its cell run again: asked about what the lesson shows now
    assert course.exercise("01.replicas", answer="3", lab=lab).correct


def test_a_sessions_attempts_keep_no_finished_lab_alive() -> None:
    import gc
    import weakref

    lab = Lab.connect("replay", recording=recordings.get("lessons/04-marks-and-ipvs"))
    att = quiz.attempt(exercises.get("04.mark-decimal"), lab, shown=True)
    assert att.accepted() == {"271"}
    gone = weakref.ref(lab)
    del lab
    gc.collect()
    assert gone() is None
    with pytest.raises(exercises.SwarmlabError, match="lab is gone"):
        _ = att.lab


def test_a_prediction_is_graded_against_what_the_lesson_shows_right_after_it() -> None:
    """Lesson 03 asks how many /32 addresses eth0 has, then shows `ip addr`: the answer is graded against that
    showing, not against a reading the checker makes of its own (a recording's next answer, or a later state)."""
    lab = course.start("03", "replay", lang="en", show=False)
    att = quiz.attempt(exercises.get("03.vip-count"), lab, shown=True)  # the question, before the cell that shows
    shown = lab.addresses(lab.client_node())  # the lesson's next cell: `ip addr` in the lb namespace
    eth0 = next(i for i in shown.value or [] if i.name == "eth0")
    assert course.exercise("03.vip-count", answer=str(len(eth0.vips)), lab=lab).correct
    own = [lab.log[i].step for r in (att.evidence.own if att.evidence else []) for i in r]
    assert "lb_ip_a" not in own, "the checker read `ip addr` itself instead of grading what the lesson showed"


def test_05_next_task_accepts_the_tasks_address_and_its_solution_names_the_hostname() -> None:
    """The lesson reads `Hostname` and the `IP: 10.…` line together as the real server: either names the task. The
    solution shows the hostname, even when the address is as long (`10.0.100.100` beside a 12-digit hostname)."""
    lab = course.start("05", "replay", lang="en", show=False)
    att = quiz.attempt(exercises.get("05.next-task"), lab, shown=True)
    hostname = exercises.next_backend([s.strip() for s in att.params["sequence"].split("→")])
    assert len(att.expected() or ()) == 2 and course.exercise("05.next-task", answer=hostname, lab=lab).correct
    att._expected = {"0a1b2c3d4e5f", "10.0.100.100"}
    assert quiz.solution(att, "en").startswith("0a1b2c3d4e5f:")
