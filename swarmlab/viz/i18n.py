"""The pictures' words in the two languages of the course: Simplified Chinese (the chapter's own) and English.

Chinese follows the chapter's vocabulary and docs/terms.md: 虚拟IP（VIP）, 负载均衡命名空间, 防火墙标记, 轮询,
真实服务器, overlay 网络, 任务, 节点, 请求序号, 底层网络, VXLAN 封装, 源地址, 目的地址, 请求, 响应. Command words
(`iptables`, `ipvsadm`, `MARK`, `FWM`, `SNAT`, `eth0`, `VNI`) stay as the terminal prints them in both languages.
"""

from __future__ import annotations

from swarmlab.i18n import LANGS, N_, UnknownLanguage, check_lang, matched

__all__ = ["LANGS", "TEXT", "UnknownLanguage", "check_lang", "footer"]


# key -> the English text, the message id of its translation in swarmlab/locale: `_(TEXT[key], lang, ...)`
TEXT: dict[str, str] = {
    "gateway": N_("gateway"),
    "vip": N_("VIP"),
    "task": N_("task"),
    "lb endpoint": N_("lb endpoint"),
    "client": N_("client"),
    "other": N_("other"),
    "no addresses": N_("no addresses"),
    "the overlay subnet": N_("the overlay subnet"),
    "alloc.title": N_("Addresses on {subnet} in allocation order (= address order while IPAM has not wrapped)"),
    "alloc.lb": N_("on {node}"),
    "alloc.vip": N_("VIP of {service}"),
    "alloc.nodes": N_("lb endpoints from docker network inspect -v {network} on each node: {nodes}"),
    "no answered requests": N_("no answered requests"),
    "dist.title": N_("{total} requests to the VIP: who answered (largest deviation {worst:.1%})"),
    "dist.requests answered": N_("requests answered"),
    "dist.even share": N_("even share: {share:.1f}"),
    "dist.backend": N_("backend"),
    "dist.request number": N_("request number"),
    "dist.strip.title": N_("Who answered each request ({window}): round robin alternates A-B-A-B"),
    "dist.window.all": N_("all {n}"),
    "dist.window.part": N_("requests {lo}-{hi} of {n}"),
    "dist.repeat": N_("repeat (same backend twice)"),
    "dist.repeats": N_("{count} repeat(s) in {n} requests: {where}"),
    "dist.no repeats": N_("no repeats in {n} requests: strict alternation"),
    "dist.counts.title": N_("Requests per backend"),
    "no VIP chain": N_("no VIP chain"),
    "topo.title": N_("How a request from the client reaches the service {service}: the packet's path"),
    "topo.title.noclient": N_("How {service} is load-balanced: VIP -> mark -> IPVS -> tasks"),
    "topo.node": N_("node {node}"),
    "topo.host": N_("host {ip} (VXLAN end)"),
    "topo.client node": N_("node {node} (the client's)"),
    "topo.client box": N_("client container {name}"),
    "topo.client eth0": N_("eth0 {ip}"),
    "topo.dns": N_("DNS 127.0.0.11: {service} -> {vip}"),
    "topo.to vip": N_("dst {vip} (VIP)"),
    "topo.lb box": N_("{ns}  (load-balancer namespace)"),
    "topo.lb eth0": N_("eth0 {ip} + {vip}/32 (VIP)"),
    "topo.mark": N_("mangle INPUT  -d {vip}  MARK set {hex} (= {dec})"),
    "topo.ipvs": N_("IPVS {ipvs} {sched} -> {reals}"),
    "topo.rr": N_("rr (round robin)"),
    "topo.more": N_("+{n} more"),
    "topo.snat": N_("nat POSTROUTING  SNAT src -> {ep}"),
    "topo.overlay": N_("overlay network {network}: VXLAN between the nodes"),
    "topo.not reached": N_("{what}: not reached, the packet stops before"),
    "topo.task": N_("task {name}"),
    "topo.no mark": N_("mangle INPUT: no MARK rule for {vip}"),
    "topo.no ipvs": N_("IPVS: no FWM service for this mark"),
    "topo.task eth0": N_("eth0 {ip}"),
    "topo.remote": N_("sees RemoteAddr {ep}"),
    "topo.other lb": N_("{ns}\neth0 {ep}\nMARK {hex} (= {dec})\nnot on this path"),
    "topo.other lb.unmarked": N_("{ns}\neth0 {ep}\nLocalLBIndex {dec}, no MARK\nnot on this path"),
    "topo.idle": N_("no task of {service}, no client: not on this path"),
    "topo.unknown": N_("real servers whose task the outputs do not show: {ips}"),
    "topo.unknown task": N_("task ? (not shown)"),
    "topo.step": N_("Step {n}: {text}"),
    "topo.step.client": N_("the client sends a request to the name {service}"),
    "topo.step.dns": N_("Docker's DNS (127.0.0.11) answers the name {service} with the VIP {vip}"),
    "topo.step.vip": N_("the packet goes to the VIP {vip}, which lives in the lb_ namespace of the client's node"),
    "topo.step.lb": N_("{ns} holds the VIP as a /32 on eth0 beside its own lb endpoint {ep}"),
    "topo.step.mark": N_("mangle INPUT marks packets to {vip} with the firewall mark {hex} = {dec}"),
    "topo.step.ipvs": N_("IPVS service FWM {dec} picks the next real server, round robin ({sched})"),
    "topo.step.snat": N_("nat POSTROUTING rewrites the source to the lb endpoint {ep} (SNAT)"),
    "topo.step.overlay": N_("the overlay {network} carries it to the task's node (VXLAN)"),
    "topo.step.task": N_("the task answers; it sees RemoteAddr {ep}, the lb endpoint"),
    "seq.title.vip": N_("One request to {service} through the VIP {vip}: the packet at every capture point"),
    "seq.title.dnsrr": N_("One request to {service} (dnsrr, no VIP): the packet at every capture point"),
    "seq.subtitle": N_("tcpdump in each namespace and on the underlay; one connection, found by the client's TCP "
                       "sequence number"),
    "seq.empty": N_("no packet followed: {why}"),
    "seq.client": N_("client task"),
    "seq.lb": N_("lb namespace {ns}"),
    "seq.underlay": N_("underlay (VXLAN)"),
    "seq.task": N_("{service} task"),
    "seq.task.real": N_("{service} task (real server)"),
    "seq.on": N_("on {node}"),
    "seq.ns": N_("ns {ns}"),
    "seq.vip": N_("VIP {vip}"),
    "seq.endpoint": N_("lb endpoint {ip}"),
    "seq.vni": N_("VNI {vni}, UDP {port}"),
    "seq.off.vip": N_("not on the path (no VIP)"),
    "seq.off.node": N_("not crossed: the task is on the client's node"),
    "seq.off.none": N_("not seen at this point"),
    "seq.request": N_("request  TCP SYN"),
    "seq.reply": N_("reply  TCP SYN-ACK"),
    "seq.outer": N_("VXLAN, VNI {vni}"),
    "seq.rule.sent": N_("the client sends the request (TCP SYN)"),
    "seq.rule.answer": N_("the task answers (TCP SYN-ACK)"),
    "seq.rule.mark": N_("mangle INPUT {mark}: the VIP is local here\n(tcpdump does not show the mark)"),
    "seq.rule.ipvs+snat": N_("IPVS FWM {fwm} (rr): destination → real server (DNAT)\nnat POSTROUTING SNAT {to}:\n"
                             "source → lb endpoint"),
    "seq.rule.ipvs": N_("IPVS FWM {fwm} (rr): destination → real server (DNAT)"),
    "seq.rule.unnat": N_("conntrack and IPVS undo the NAT:\nsource → VIP, destination → client"),
    "seq.rule.vxlan": N_("vxlan0 wraps it in VXLAN: VNI {vni}, UDP {port}"),
    "seq.rule.unvxlan": N_("VXLAN header removed"),
    "seq.rule.arrived": N_("delivered unchanged"),
    "seq.legend.request": N_("request (TCP SYN)"),
    "seq.legend.reply": N_("reply (TCP SYN-ACK)"),
    "seq.legend.changed": N_("bold orange: rewritten at this hop (small orange: the VXLAN wrapping)"),
    "seq.legend.arrow": N_("each arrow: the packet as tcpdump saw it where the arrow ends (source → destination)"),
}


# the lab's label (Lab.label: its mode, then where its answers come from), written at the foot of a picture
FOOTERS = (
    N_("replay: {recording} (docker {docker}, kernel {kernel}; recorded {when})"),
    N_("replay: {recording} ({versions}; recorded {when})"), N_("replay: {recording} (recorded {when})"),
    N_("replay: {recording} ({versions})"), N_("replay: {recording}"),
    N_("record: {nodes}, recording to {path}"), N_("live: {nodes}"),
)


def footer(source: str, lang: str) -> str:
    """A picture's footer (`source`, usually lab.label) in `lang`; any other text as it is."""
    return matched(source, FOOTERS, check_lang(lang))
