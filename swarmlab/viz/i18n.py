"""The pictures' words in the two languages of the course: Simplified Chinese (the chapter's own) and English.

Chinese follows the chapter's vocabulary: 虚拟IP（VIP）, 负载均衡命名空间, 防火墙标记, 轮询, 真实服务器, 覆盖网络, 任务,
节点, 请求序号, 后端, 底层网络, VXLAN 封装, 源地址, 目的地址, 请求, 响应. Command words (`iptables`, `ipvsadm`, `MARK`,
`FWM`, `SNAT`, `eth0`, `VNI`) stay as the terminal prints them in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from swarmlab.errors import SwarmlabError

LANGS = ("zh", "en")


class UnknownLanguage(SwarmlabError, ValueError):
    """A picture was asked for in a language the course does not have."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UnknownLanguage(f"lang={lang!r}: the pictures exist in {' and '.join(repr(x) for x in LANGS)}")
    return lang


TEXT: dict[str, dict[str, str]] = {
    "en": {
        # roles on the subnet
        "gateway": "gateway",
        "vip": "VIP",
        "task": "task",
        "lb endpoint": "lb endpoint",
        "client": "client",
        "other": "other",
        # allocation
        "no addresses": "no addresses",
        "the overlay subnet": "the overlay subnet",
        "alloc.title": "Addresses on {subnet} in allocation order (= address order while IPAM has not wrapped)",
        "alloc.lb": "on {node}",
        "alloc.vip": "VIP of {service}",
        "alloc.nodes": "lb endpoints from docker network inspect -v {network} on each node: {nodes}",
        # distribution
        "no answered requests": "no answered requests",
        "dist.title": "{total} requests to the VIP: who answered (largest deviation {worst:.1%})",
        "dist.requests answered": "requests answered",
        "dist.even share": "even share: {share:.1f}",
        "dist.backend": "backend",
        "dist.request number": "request number",
        "dist.strip.title": "Who answered each request ({window}): round robin alternates A-B-A-B",
        "dist.window.all": "all {n}",
        "dist.window.part": "requests {lo}-{hi} of {n}",
        "dist.repeat": "repeat (same backend twice)",
        "dist.repeats": "{count} repeat(s) in {n} requests: {where}",
        "dist.no repeats": "no repeats in {n} requests: strict alternation",
        "dist.counts.title": "Requests per backend",
        # topology
        "no VIP chain": "no VIP chain",
        "topo.title": "How a request from the client reaches the service {service}: the packet's path",
        "topo.title.noclient": "How {service} is load-balanced: VIP -> mark -> IPVS -> tasks",
        "topo.node": "node {node}",
        "topo.host": "host {ip} (VXLAN end)",
        "topo.client node": "node {node} (the client's)",
        "topo.client box": "client container {name}",
        "topo.client eth0": "eth0 {ip}",
        "topo.dns": "DNS 127.0.0.11: {service} -> {vip}",
        "topo.to vip": "dst {vip} (VIP)",
        "topo.lb box": "{ns}  (load-balancer namespace)",
        "topo.lb eth0": "eth0 {ip} + {vip}/32 (VIP)",
        "topo.mark": "mangle INPUT  -d {vip}  MARK set {hex} (= {dec})",
        "topo.ipvs": "IPVS {ipvs} {sched} -> {reals}",
        "topo.rr": "rr (round robin)",
        "topo.more": "+{n} more",
        "topo.snat": "nat POSTROUTING  SNAT src -> {ep}",
        "topo.overlay": "overlay network {network}: VXLAN between the nodes",
        "topo.not reached": "{what}: not reached, the packet stops before",
        "topo.task": "task {name}",
        "topo.no mark": "mangle INPUT: no MARK rule for {vip}",
        "topo.no ipvs": "IPVS: no FWM service for this mark",
        "topo.task eth0": "eth0 {ip}",
        "topo.remote": "sees RemoteAddr {ep}",
        "topo.other lb": "{ns}\neth0 {ep}\nMARK {hex} (= {dec})\nnot on this path",
        "topo.idle": "no task of {service}, no client: not on this path",
        "topo.unknown": "real servers whose task the outputs do not show: {ips}",
        "topo.unknown task": "task ? (not shown)",
        "topo.step": "Step {n}: {text}",
        "topo.step.client": "the client sends a request to the name {service}",
        "topo.step.dns": "Docker's DNS (127.0.0.11) answers the name {service} with the VIP {vip}",
        "topo.step.vip": "the packet goes to the VIP {vip}, which lives in the lb_ namespace of the client's node",
        "topo.step.lb": "{ns} holds the VIP as a /32 on eth0 beside its own lb endpoint {ep}",
        "topo.step.mark": "mangle INPUT marks packets to {vip} with the firewall mark {hex} = {dec}",
        "topo.step.ipvs": "IPVS service FWM {dec} picks the next real server, round robin ({sched})",
        "topo.step.snat": "nat POSTROUTING rewrites the source to the lb endpoint {ep} (SNAT)",
        "topo.step.overlay": "the overlay {network} carries it to the task's node (VXLAN)",
        "topo.step.task": "the task answers; it sees RemoteAddr {ep}, the lb endpoint",
        # the sequence of one traced request
        "seq.title.vip": "One request to {service} through the VIP {vip}: the packet at every capture point",
        "seq.title.dnsrr": "One request to {service} (dnsrr, no VIP): the packet at every capture point",
        "seq.subtitle": "tcpdump in each namespace and on the underlay; one connection, found by the client's TCP "
                        "sequence number",
        "seq.empty": "no packet followed: {why}",
        "seq.client": "client task",
        "seq.lb": "lb namespace {ns}",
        "seq.underlay": "underlay (VXLAN)",
        "seq.task": "{service} task",
        "seq.task.real": "{service} task (real server)",
        "seq.on": "on {node}",
        "seq.ns": "ns {ns}",
        "seq.vip": "VIP {vip}",
        "seq.endpoint": "lb endpoint {ip}",
        "seq.vni": "VNI {vni}, UDP {port}",
        "seq.off.vip": "not on the path (no VIP)",
        "seq.off.node": "not crossed: the task is on the client's node",
        "seq.off.none": "not seen at this point",
        "seq.request": "request  TCP SYN",
        "seq.reply": "reply  TCP SYN-ACK",
        "seq.outer": "VXLAN, VNI {vni}",
        "seq.rule.sent": "the client sends the request (TCP SYN)",
        "seq.rule.answer": "the task answers (TCP SYN-ACK)",
        "seq.rule.mark": "mangle INPUT {mark}: the VIP is local here\n(tcpdump does not show the mark)",
        "seq.rule.ipvs+snat": "IPVS FWM {fwm} (rr): destination → real server (DNAT)\nnat POSTROUTING "
                              "SNAT {to}:\nsource → lb endpoint",
        "seq.rule.ipvs": "IPVS FWM {fwm} (rr): destination → real server (DNAT)",
        "seq.rule.unnat": "conntrack and IPVS undo the NAT:\nsource → VIP, destination → client",
        "seq.rule.vxlan": "vxlan0 wraps it in VXLAN: VNI {vni}, UDP {port}",
        "seq.rule.unvxlan": "VXLAN header removed",
        "seq.rule.arrived": "delivered unchanged",
        "seq.legend.request": "request (TCP SYN)",
        "seq.legend.reply": "reply (TCP SYN-ACK)",
        "seq.legend.changed": "bold orange: rewritten at this hop (small orange: the VXLAN wrapping)",
        "seq.legend.arrow": "each arrow: the packet as tcpdump saw it where the arrow ends (source → destination)",
    },
    "zh": {
        "gateway": "网关",
        "vip": "虚拟IP（VIP）",
        "task": "任务",
        "lb endpoint": "负载均衡端点",
        "client": "客户端",
        "other": "其他",
        "no addresses": "没有地址",
        "the overlay subnet": "覆盖网络子网",
        "alloc.title": "{subnet} 上的地址，按分配顺序（IPAM 未回绕时即地址顺序）",
        "alloc.lb": "位于 {node}",
        "alloc.vip": "{service} 的 VIP",
        "alloc.nodes": "负载均衡端点来自各节点上的 docker network inspect -v {network}：{nodes}",
        "no answered requests": "没有得到应答的请求",
        "dist.title": "发往 VIP 的 {total} 个请求：由谁应答（最大偏差 {worst:.1%}）",
        "dist.requests answered": "应答的请求数",
        "dist.even share": "平均份额：{share:.1f}",
        "dist.backend": "后端",
        "dist.request number": "请求序号",
        "dist.strip.title": "每个请求由哪个后端应答（{window}）：轮询即 A-B-A-B 交替",
        "dist.window.all": "全部 {n} 个",
        "dist.window.part": "第 {lo}-{hi} 个，共 {n} 个",
        "dist.repeat": "重复（同一后端连续应答）",
        "dist.repeats": "{n} 个请求中有 {count} 次重复：{where}",
        "dist.no repeats": "{n} 个请求中没有重复：严格交替",
        "dist.counts.title": "每个后端应答的请求数",
        "no VIP chain": "没有 VIP 链",
        "topo.title": "客户端的一个请求如何到达服务 {service}：数据包的路径",
        "topo.title.noclient": "服务 {service} 的负载均衡：VIP -> 防火墙标记 -> IPVS -> 任务",
        "topo.node": "节点 {node}",
        "topo.host": "主机 {ip}（VXLAN 端点）",
        "topo.client node": "节点 {node}（客户端所在）",
        "topo.client box": "客户端容器 {name}",
        "topo.client eth0": "eth0 {ip}",
        "topo.dns": "DNS 127.0.0.11：{service} -> {vip}",
        "topo.to vip": "目的地址 {vip}（VIP）",
        "topo.lb box": "{ns}（负载均衡命名空间）",
        "topo.lb eth0": "eth0 {ip} + {vip}/32（VIP）",
        "topo.mark": "mangle INPUT  -d {vip}  MARK set {hex}（= {dec}）",
        "topo.ipvs": "IPVS {ipvs} {sched} -> {reals}",
        "topo.rr": "rr（轮询）",
        "topo.more": "另有 {n} 个",
        "topo.snat": "nat POSTROUTING  SNAT 源地址 -> {ep}",
        "topo.overlay": "覆盖网络 {network}：节点之间走 VXLAN",
        "topo.not reached": "{what}：未到达，数据包在此之前已停下",
        "topo.task": "任务 {name}",
        "topo.no mark": "mangle INPUT：没有 {vip} 的 MARK 规则",
        "topo.no ipvs": "IPVS：没有对应此标记的 FWM 服务",
        "topo.task eth0": "eth0 {ip}",
        "topo.remote": "看到的 RemoteAddr 为 {ep}",
        "topo.other lb": "{ns}\neth0 {ep}\nMARK {hex}（= {dec}）\n不在此路径上",
        "topo.idle": "没有 {service} 的任务，也没有客户端：不在此路径上",
        "topo.unknown": "输出中看不出对应任务的真实服务器：{ips}",
        "topo.unknown task": "任务 ?（输出未显示）",
        "topo.step": "第 {n} 步：{text}",
        "topo.step.client": "客户端向服务名 {service} 发出请求",
        "topo.step.dns": "Docker 内置 DNS（127.0.0.11）把 {service} 解析为虚拟IP {vip}",
        "topo.step.vip": "数据包发往 VIP {vip}，它位于客户端所在节点的 lb_ 命名空间中",
        "topo.step.lb": "{ns} 在 eth0 上以 /32 持有 VIP，旁边是它自己的负载均衡端点 {ep}",
        "topo.step.mark": "mangle 表 INPUT 链给发往 {vip} 的数据包打上防火墙标记 {hex} = {dec}",
        "topo.step.ipvs": "IPVS 服务 FWM {dec} 以轮询（{sched}）选出下一个真实服务器",
        "topo.step.snat": "nat 表 POSTROUTING 链把源地址改写为负载均衡端点 {ep}（SNAT）",
        "topo.step.overlay": "覆盖网络 {network} 把它送到任务所在的节点（VXLAN）",
        "topo.step.task": "任务应答；它看到的 RemoteAddr 是负载均衡端点 {ep}",
        # 一个请求的时序图
        "seq.title.vip": "一个发往 {service} 的请求，经由虚拟IP（VIP）{vip}：每个抓包点看到的数据包",
        "seq.title.dnsrr": "一个发往 {service} 的请求（dnsrr，没有 VIP）：每个抓包点看到的数据包",
        "seq.subtitle": "在每个命名空间和底层网络上运行 tcpdump；按 client 的 TCP 初始序号找出同一个连接",
        "seq.empty": "没有跟踪到数据包：{why}",
        "seq.client": "client 任务",
        "seq.lb": "负载均衡命名空间 {ns}",
        "seq.underlay": "底层网络（VXLAN）",
        "seq.task": "{service} 任务",
        "seq.task.real": "{service} 任务（真实服务器）",
        "seq.on": "位于 {node}",
        "seq.ns": "命名空间 {ns}",
        "seq.vip": "虚拟IP（VIP）{vip}",
        "seq.endpoint": "负载均衡端点 {ip}",
        "seq.vni": "VNI {vni}，UDP 端口 {port}",
        "seq.off.vip": "不在路径上（没有 VIP）",
        "seq.off.node": "未经过：任务与 client 在同一节点",
        "seq.off.none": "此处未抓到",
        "seq.request": "请求  TCP SYN",
        "seq.reply": "响应  TCP SYN-ACK",
        "seq.outer": "VXLAN 封装，VNI {vni}",
        "seq.rule.sent": "client 发出请求（TCP SYN）",
        "seq.rule.answer": "任务作出响应（TCP SYN-ACK）",
        "seq.rule.mark": "mangle INPUT {mark}：VIP 是本命名空间的地址\n（tcpdump 看不到这个标记）",
        "seq.rule.ipvs+snat": "IPVS FWM {fwm}（rr 轮询）：目的地址 → 真实服务器（DNAT）\nnat POSTROUTING "
                              "SNAT {to}：\n源地址 → 负载均衡端点",
        "seq.rule.ipvs": "IPVS FWM {fwm}（rr 轮询）：目的地址 → 真实服务器（DNAT）",
        "seq.rule.unnat": "conntrack 与 IPVS 还原 NAT：\n源地址 → VIP，目的地址 → client",
        "seq.rule.vxlan": "vxlan0 做 VXLAN 封装：VNI {vni}，UDP {port}",
        "seq.rule.unvxlan": "去掉 VXLAN 封装",
        "seq.rule.arrived": "原样送达",
        "seq.legend.request": "请求（TCP SYN）",
        "seq.legend.reply": "回包（TCP SYN-ACK）",
        "seq.legend.changed": "橙色粗体：在这一跳被改写（橙色小字：VXLAN 封装）",
        "seq.legend.arrow": "每个箭头：箭头终点处 tcpdump 看到的数据包（源地址 → 目的地址）",
    },
}


def translate(table: Mapping[str, Mapping[str, str]], lang: str, key: str, **values: object) -> str:
    """The text `key` of `table` (language -> key -> text) in `lang`, formatted with `values`: the pictures'
    words (`tr`) and the widgets' labels (`swarmlab.widgets.tr`) are looked up alike."""
    return table[check_lang(lang)][key].format(**values)


def tr(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang`, formatted with `values`."""
    return translate(TEXT, lang, key, **values)
