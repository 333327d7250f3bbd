"""The topology as a packet's path (Kathará style: every namespace, interface and address drawn).

client container -> DNS (127.0.0.11) -> VIP -> `lb_` namespace of the CLIENT's node -> mangle INPUT MARK -> IPVS
FWM -> SNAT (nat POSTROUTING) -> overlay (VXLAN) -> task. Drawn from Lab.vip_chain() (one row per node and real
server, each node from its own outputs): the client's node holds the path; the other nodes' lb namespaces, with
their own marks, are greyed out (not on this path), and so is a node with neither the client nor a task.
`highlight=` one step (STEPS) marks it and states it below the picture. What the chain does not know (a real
server's task or node) is drawn as '?' rather than guessed. The SNAT box is moby's rule for a NAT-mode lb
namespace (`-m ipvs --ipvs -j SNAT --to-source <lb endpoint>`, service_linux.go), which `iptables -t nat -nvL
POSTROUTING` in the namespace shows and whoami's RemoteAddr confirms.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmlab.i18n import _
from swarmlab.viz.i18n import TEXT, footer
from swarmlab.viz.palette import BLUE, GREEN, GREY, LIGHT, ORANGE, SKY, VERMILION, YELLOW, figure, language

if TYPE_CHECKING:
    import pandas as pd

STEPS = ("client", "dns", "vip", "lb", "mark", "ipvs", "snat", "overlay", "task")
HL_FACE, HL_EDGE = LIGHT[YELLOW], VERMILION


def _present(value: Any) -> bool:
    return value is not None and str(value) not in ("<NA>", "nan", "None", "")


def _step(highlight: str | int | None) -> str | None:
    if highlight is None:
        return None
    if isinstance(highlight, int) and 1 <= highlight <= len(STEPS):
        return STEPS[highlight - 1]
    if highlight in STEPS:
        return str(highlight)
    raise ValueError(f"highlight={highlight!r}: one of {', '.join(STEPS)} (or 1-{len(STEPS)})")


def _with_prefix(ip: Any, subnet: str | None) -> str:
    if not _present(ip):
        return "?"
    if subnet:
        try:
            return f"{ip}/{ipaddress.ip_network(subnet, strict=False).prefixlen}"
        except ValueError:
            pass
    return str(ip)


@dataclass
class _Canvas:
    ax: Any
    highlight: str | None

    def box(self, x: float, y: float, w: float, h: float, colour: str, step: str | None = None,
            grey: bool = False, lw: float = 1.2, badge: bool = True) -> None:
        from matplotlib.patches import FancyBboxPatch

        face, edge = (LIGHT[GREY], GREY) if grey else (LIGHT.get(colour, "white"), colour)
        if step and step == self.highlight:
            face, edge, lw = HL_FACE, HL_EDGE, 3.0
        self.ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.8", fc=face, ec=edge,
                                         lw=lw, zorder=2))
        if step and badge:
            self.badge(x, y + h, step)

    def badge(self, x: float, y: float, step: str) -> None:
        on = step == self.highlight
        self.ax.plot([x], [y], marker="o", markersize=15, color=HL_EDGE if on else "white",
                     markeredgecolor=HL_EDGE if on else "black", zorder=5)
        self.ax.text(x, y, str(STEPS.index(step) + 1), ha="center", va="center", fontsize=8.5, weight="bold",
                     color="white" if on else "black", zorder=6)

    def text(self, x: float, y: float, s: str, **kw: Any) -> None:
        kw.setdefault("fontsize", 8.5)
        kw.setdefault("va", "center")
        self.ax.text(x, y, s, zorder=4, **kw)

    def arrow(self, a: tuple[float, float], b: tuple[float, float], step: str | None = None,
              colour: str = VERMILION) -> None:
        on = step is not None and step == self.highlight
        self.ax.annotate("", xy=b, xytext=a, zorder=3,
                         arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 3.0 if on else 1.6,
                                     "shrinkA": 0, "shrinkB": 0})


def topology(chain: pd.DataFrame, client: str | None = None, source: str = "", *, lang: str = "en",
             highlight: str | int | None = None, client_ip: str | None = None, client_task: str | None = None,
             subnet: str | None = None, nodes: Iterable[str] | None = None,
             node_ips: Mapping[str, str] | None = None) -> Any:
    """`chain`: Lab.vip_chain(service); `client`: the client's node (`lab.client_node()`); `client_ip`,
    `client_task`: its task's address and name (`docker network inspect -v` on that node); `subnet`: the overlay's
    (for the prefixes); `nodes`: every swarm node (a node with no client and no task is drawn greyed out);
    `node_ips`: node -> its address on the underlay, the VXLAN tunnel's end (inspect -v's task "Host IP");
    `highlight`: the current step, one of STEPS or its number 1-9."""
    step_on = _step(highlight)
    with language(lang):
        fig, ax = figure(12.5, 7.4)
        ax.set_axis_off()
        if chain is None or chain.empty:
            ax.text(0.5, 0.5, _(TEXT["no VIP chain"], lang), ha="center", va="center", transform=ax.transAxes)
            return fig
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        cv = _Canvas(ax, step_on)
        service = str(chain.service.iloc[0])
        lb_nodes = [str(n) for n in dict.fromkeys(chain.node)]
        with_client = client in lb_nodes
        # no client given: the first node's chain, from the VIP on
        path_node: str = client if client and with_client else lb_nodes[0]
        task_nodes = [str(n) for n in dict.fromkeys(chain.task_node.dropna()) if n not in lb_nodes]
        order: list[str] = [path_node] + [n for n in lb_nodes if n != path_node] + task_nodes
        for n in ([client] if client else []) + list(nodes or []):
            if n not in order:
                order.append(n)
        path_rows = chain[chain.node == path_node]
        reals = path_rows.drop_duplicates("real_server")
        widths = _widths(order, path_node)
        x = 0.5
        task_boxes: list[tuple[float, float, float]] = []  # (bus x, box left, box mid y)
        for node in order:
            w = widths[node]
            task_boxes += _column(cv, chain, node, x, w, path_node, client, service, lang, subnet, client_ip,
                                  client_task, reals, (node_ips or {}).get(node))
            x += w
        r0 = path_rows.iloc[0]
        network = str(r0.network) if _present(r0.network) else "?"
        # the overlay between the nodes, and the way up to each task
        cv.box(1, 3, 98, 7, SKY, step="overlay")
        where = f"{network} {subnet or ''}".strip()
        cv.text(50, 6.5, _(TEXT["topo.overlay"], lang, network=where), ha="center", fontsize=9.5)
        for bus_x, left, mid in task_boxes:
            ax.plot([bus_x, bus_x], [10, mid], color=VERMILION, lw=3.0 if step_on == "overlay" else 1.6, zorder=3)
            cv.arrow((bus_x, mid), (left, mid), step="task")
        title = "topo.title" if with_client else "topo.title.noclient"
        ax.set_title(_(TEXT[title], lang, service=service), fontsize=13)
        notes = []
        unknown = chain[chain.task_node.isna() & chain.real_server.notna()].drop_duplicates("real_server")
        if len(unknown):
            notes.append(_(TEXT["topo.unknown"], lang, ips=", ".join(f"{ip} (?)" for ip in unknown.real_server)))
        if step_on:
            notes.insert(0, _caption(lang, step_on, r0, service))
        for i, note in enumerate(notes):
            fig.text(0.5, 0.055 - i * 0.03, note, ha="center", fontsize=10 if i == 0 and step_on else 8.5,
                     color=VERMILION if i == 0 and step_on else GREY)
        if source:
            fig.text(0.99, 0.005, footer(source, lang), fontsize=7, color=GREY, ha="right")
        fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.08 + 0.03 * max(len(notes) - 1, 0))
        return fig


def _widths(order: list[str], path_node: str | None) -> dict[str, float]:
    total = 99.0
    if not path_node or len(order) == 1:
        return {n: total / len(order) for n in order}
    rest = len(order) - 1
    main = max(total - 20.0 * rest, 42.0) if rest < 3 else 42.0
    return {n: main if n == path_node else (total - main) / rest for n in order}


def _mark_text(r: Any) -> tuple[str, str]:
    if not _present(r.mark):
        return "?", "?"
    return str(r.mark_hex), str(int(r.mark))


def _column(cv: _Canvas, chain: pd.DataFrame, node: str, x: float, w: float, path_node: str | None,
            client: str | None, service: str, lang: str, subnet: str | None, client_ip: str | None,
            client_task: str | None, reals: pd.DataFrame, node_ip: str | None) -> list[tuple[float, float, float]]:
    rows = chain[chain.node == node]
    tasks = chain[(chain.task_node == node) & chain.real_server.notna()].drop_duplicates("real_server")
    on_path = node == path_node
    known = chain.real_server.notna().any() and chain[chain.real_server.notna()].task_node.notna().all()
    idle = bool(known) and node != client and not len(tasks)  # only when every real server's node is known
    cv.box(x + 0.4, 13, w - 0.8, 80, GREY if idle else "black", grey=idle, lw=1.4)
    head = _(TEXT["topo.client node" if node == client else "topo.node"], lang, node=node)
    cv.text(x + 1.6, 90, head, fontsize=10.5, weight="bold", color=GREY if idle else "black")
    if node_ip and on_path:  # the wide column: beside the name, clear of the client box
        cv.text(x + w - 1.6, 90, _(TEXT["topo.host"], lang, ip=node_ip), fontsize=8, color="#555555", ha="right")
    elif node_ip:
        cv.text(x + 1.6, 86.8, _(TEXT["topo.host"], lang, ip=node_ip), fontsize=8, color="#555555")
    if idle:
        cv.text(x + 1.6, 83.8 if node_ip else 86, _(TEXT["topo.idle"], lang, service=service), fontsize=8, color=GREY)
    left = x + 2.2
    inner = (w * 0.58 if len(tasks) else w - 4.4) if on_path else w - 4.4
    if on_path:
        _path(cv, rows.iloc[0], left, inner, lang, service, subnet, client_ip, client_task, reals,
              with_client=node == client)
    elif len(rows):
        r = rows.iloc[0]
        hexa, dec = _mark_text(r)
        cv.box(left, 67, inner, 17, GREY, grey=True)
        # unmarked: the number is LocalLBIndex alone, no MARK rule carries it
        other = _(TEXT["topo.other lb" if _marked(r) else "topo.other lb.unmarked"], lang, ns=r.lb_namespace,
                  ep=_with_prefix(r.lb_endpoint_ip, subnet), hex=hexa, dec=dec)
        cv.text(left + 1, 75.5, other, fontsize=8, color="#666666")
    # tasks: stacked from y=56 down, reached from a bus on their left; more than 3 get one line each
    tx = x + w * 0.64 + 1.0 if on_path else left + 2.0
    tw = (x + w - 1.8) - tx
    boxes: list[tuple[float, float, float]] = []
    compact = len(tasks) > 3
    pitch = min(15.0, 42.0 / max(len(tasks), 1))
    height = pitch - 2.5 if compact else 12.0
    ep = chain[chain.node == path_node].iloc[0].lb_endpoint_ip if client == path_node else None
    for j, (_i, t) in enumerate(tasks.iterrows()):
        top = 56 - j * pitch
        cv.box(tx, top - height, tw, height, BLUE, step="task", badge=not compact or j == 0)
        name = ".".join(str(t.task).split(".")[:2]) if _present(t.task) else "?"
        if compact:
            cv.text(tx + 1.2, top - height / 2, f"{name}  {_with_prefix(t.real_server, subnet)}", color=BLUE,
                    fontsize=8)
        else:
            cv.text(tx + 1.2, top - 3, _(TEXT["topo.task"], lang, name=name), weight="bold", color=BLUE, fontsize=9)
            cv.text(tx + 1.2, top - 6.5, _(TEXT["topo.task eth0"], lang, ip=_with_prefix(t.real_server, subnet)))
            if _present(ep):
                cv.text(tx + 1.2, top - 9.8, _(TEXT["topo.remote"], lang, ep=ep), fontsize=7.5, color="#444444")
        boxes.append((tx - 1.2, tx, top - height / 2))
    return boxes


def _path(cv: _Canvas, r: Any, left: float, width: float, lang: str, service: str, subnet: str | None,
          client_ip: str | None, client_task: str | None, reals: pd.DataFrame, with_client: bool = True) -> None:
    vip = str(r.vip) if _present(r.vip) else "?"
    ep = str(r.lb_endpoint_ip) if _present(r.lb_endpoint_ip) else "?"
    hexa, dec = _mark_text(r)
    mid = left + width / 2
    if not with_client:  # no client known: the chain from the VIP on
        cv.arrow((mid, 84), (mid, 64.5), step="vip")
        cv.badge(mid - 2.2, 74, "vip")
        cv.text(mid + 1.2, 74, _(TEXT["topo.to vip"], lang, vip=vip), color=VERMILION, fontsize=8.5)
    else:
        _client(cv, left, width, mid, lang, service, vip, subnet, client_ip, client_task)
    _lb(cv, r, left, width, mid, lang, vip, ep, hexa, dec, subnet, reals)


def _client(cv: _Canvas, left: float, width: float, mid: float, lang: str, service: str, vip: str,
            subnet: str | None, client_ip: str | None, client_task: str | None) -> None:
    # 1-2 the client container and its DNS
    cv.box(left, 70, width, 16, ORANGE, step="client")
    cv.text(left + 1.5, 82.5, _(TEXT["topo.client box"], lang, name=client_task or "client"), weight="bold",
            color="#8a5a00", fontsize=9.5)
    if client_ip:
        cv.text(left + 1.5, 78.8, _(TEXT["topo.client eth0"], lang, ip=_with_prefix(client_ip, subnet)))
    cv.box(left + 3, 71.5, width - 5, 5, ORANGE, step="dns", lw=0.8)
    cv.text(left + 4.5, 74, _(TEXT["topo.dns"], lang, service=service, vip=vip))
    # 3 to the VIP
    cv.arrow((mid, 70), (mid, 64.5), step="vip")
    cv.badge(mid - 2.2, 67.3, "vip")
    cv.text(mid + 1.2, 67.3, _(TEXT["topo.to vip"], lang, vip=vip), color=VERMILION, fontsize=8.5)


def _lb(cv: _Canvas, r: Any, left: float, width: float, mid: float, lang: str, vip: str, ep: str, hexa: str,
        dec: str, subnet: str | None, reals: pd.DataFrame) -> None:
    # 4-7 the lb namespace: MARK, IPVS, SNAT
    cv.box(left, 18, width, 46.5, GREEN, step="lb")
    cv.text(left + 1.5, 61.3, _(TEXT["topo.lb box"], lang, ns=r.lb_namespace), weight="bold", color="#006b4f",
            fontsize=9.5)
    cv.text(left + 1.5, 57.6, _(TEXT["topo.lb eth0"], lang, ip=_with_prefix(ep, subnet), vip=vip))
    marked, reached = _marked(r), _present(r.ipvs_service)
    sub = [("mark", 44, _(TEXT["topo.mark"], lang, vip=vip, hex=hexa, dec=dec) if marked
            else _(TEXT["topo.no mark"], lang, vip=vip))]
    known = [str(a) for a in reals.real_server if _present(a)]
    shown = 3 if width > 30 else 2  # a path column that shares its node with tasks is narrower
    addresses = ", ".join(known[:shown]) + (" " + _(TEXT["topo.more"], lang, n=len(known) - shown)
                                             if len(known) > shown else "")
    sched = str(r.scheduler) if _present(r.scheduler) else "?"
    ipvs = (_(TEXT["topo.ipvs"], lang, ipvs=r.ipvs_service, sched=_(TEXT["topo.rr"], lang) if sched == "rr" else sched,
               reals=addresses or "?")
            if reached else _(TEXT["topo.no ipvs"], lang))
    snat = _(TEXT["topo.snat"], lang, ep=ep) if reached else _(TEXT["topo.not reached"], lang, what="nat POSTROUTING")
    sub += [("ipvs", 33, ipvs), ("snat", 22, snat)]
    for i, (step, y, label) in enumerate(sub):
        cv.box(left + 3, y, width - 5, 7.5, GREEN, step=step, lw=0.9, grey=step == "snat" and not reached)
        cv.text(left + 4.5, y + 3.75, label, fontsize=8.5)
        if i:
            cv.arrow((mid, sub[i - 1][1]), (mid, y + 7.5))
    cv.arrow((mid, 53.5), (mid, 51.5))
    if reached:  # 8 out to the overlay
        cv.arrow((mid, 22), (mid, 10), step="overlay")


def _marked(r: Any) -> bool:
    """A MARK rule for the VIP is in the mangle table (unknown counts as present: the chain did not look)."""
    return not (_present(r.get("mark_rule")) and not bool(r.get("mark_rule")))


def _caption(lang: str, step: str, r: Any, service: str) -> str:
    hexa, dec = _mark_text(r)
    if step == "mark" and not _marked(r):
        return _(TEXT["topo.step"], lang, n=5, text=_(TEXT["topo.no mark"], lang, vip=r.vip))
    if step in ("ipvs", "snat", "overlay", "task") and not _present(r.ipvs_service):
        text = _(TEXT["topo.no ipvs"], lang) if step == "ipvs" else _(TEXT["topo.not reached"], lang, what={
            "snat": "SNAT", "overlay": "VXLAN", "task": _(TEXT["task"], lang)}[step])
        return _(TEXT["topo.step"], lang, n=STEPS.index(step) + 1, text=text)
    text = _(TEXT[f"topo.step.{step}"], lang, service=service, vip=r.vip, ns=r.lb_namespace, ep=r.lb_endpoint_ip,
              hex=hexa, dec=dec, sched=r.scheduler if _present(r.scheduler) else "rr",
              network=r.network)
    return _(TEXT["topo.step"], lang, n=STEPS.index(step) + 1, text=text)
