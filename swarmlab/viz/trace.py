"""The sequence diagram of one traced request (`Lab.trace_request`): what tcpdump saw at every capture point.

One lifeline per capture point in path order: the client task's namespace, the lb_ namespace of the client's node,
the underlay between the client's node and the answering task's node (VXLAN), the answering task's namespace. The
request (TCP SYN) goes right, the reply (TCP SYN-ACK) comes back left, hop to hop (`Trace.hops`). Every arrow
carries the packet as tcpdump saw it where the arrow ends (source -> destination; on the underlay also the outer
VXLAN addresses and VNI), the fields that changed at that hop in bold red (`Hop.changed`), and at the side a short
note naming the rule that changed them (`Hop.rule`, with the rules the lb namespace showed, `Trace.rules`). A
capture point the packet did not pass (the lb namespace of a dnsrr service: no VIP) is drawn greyed out, with why.

Drawn in inches: the axes span the figure, one data unit is one inch, so the spacing is the printed spacing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmlab.i18n import _
from swarmlab.viz.i18n import TEXT, footer
from swarmlab.viz.palette import BLUE, GREEN, GREY, LIGHT, ORANGE, SKY, VERMILION, figure, language

if TYPE_CHECKING:
    from swarmlab.lab.trace import Hop, Trace

LIFELINES = ("client", "lb", "underlay", "task")   # the capture points' roles, in path order
COLOUR = {"client": ORANGE, "lb": GREEN, "underlay": SKY, "task": BLUE}
DARK = {ORANGE: "#8a5a00", GREEN: "#006b4f", SKY: "#1f6f99", BLUE: "#004d7a", GREY: "#777777"}
FACE = {**LIGHT, SKY: "#e4f3fb"}
INK = "#222222"
CHANGED = {"color": VERMILION, "fontweight": "bold"}   # a field rewritten at this hop

WIDTH = 12.0                                  # inches: notebook width
X = {"client": 1.4, "lb": 3.75, "underlay": 6.1, "task": 8.45}   # lifelines
NOTES_X = 8.8                                # the rule notes' column, right of the last lifeline
BOX_W, BOX_H = 2.25, 0.92                      # a lifeline's head
LOOP = 0.28                                   # a hop on the same lifeline (lb In -> Out): a loop to the right
FS, FS_SMALL = 8.5, 7.5


@dataclass
class _Row:
    hop: Hop
    y: float
    prev: Hop | None      # the sighting before it on the same way (None: the way starts here)
    prev_y: float


def sequence(trace: Trace, lang: str = "en", source: str = "") -> Any:
    """The sequence diagram of `trace` (Lab.trace_request(service)) in `lang` ("en" or "zh"); `source` is written
    at the bottom (e.g. lab.label). Returns a matplotlib Figure."""
    from swarmlab.lab.trace import VXLAN_PORT

    with language(lang):
        hops = list(trace.hops)
        if not hops:
            fig, ax = figure(8, 2)
            ax.set_axis_off()
            why = next((c.told(lang) for c in trace.checks if not c.ok), "-")
            ax.text(0.5, 0.5, _(TEXT["seq.empty"], lang, why=why), ha="center", va="center", transform=ax.transAxes)
            return fig
        rows, bottom = _rows(hops)
        height = bottom + 0.75
        top = height - 0.62                          # the heads' top edge
        shift = height - _TOP                        # rows were laid out from _TOP down
        for r in rows:
            r.y += shift
            r.prev_y += shift
        fig, ax = figure(WIDTH, height)
        ax.set_position((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(0, WIDTH)
        ax.set_ylim(0, height)
        ax.set_axis_off()
        title = "seq.title.vip" if trace.mode == "vip" else "seq.title.dnsrr"
        fig.suptitle(_(TEXT[title], lang, service=trace.service, vip=trace.vip), y=1 - 0.08 / height, va="top",
                     fontsize=12)
        ax.text(WIDTH / 2, height - 0.4, _(TEXT["seq.subtitle"], lang), ha="center", va="top", fontsize=FS_SMALL,
                color="#555555")
        seen = {h.role for h in hops}
        low = min(r.y for r in rows) - 0.25
        for role in LIFELINES:
            _lifeline(ax, trace, role, role in seen, top, low, lang, VXLAN_PORT)
        _ways(ax, rows, lang)
        for r in rows:
            _hop(ax, trace, r, lang, VXLAN_PORT)
        _legend(ax, lang)
        if source:
            ax.text(WIDTH - 0.1, 0.06, footer(source, lang), fontsize=7, color=GREY, ha="right", va="bottom")
        return fig


# -- layout --------------------------------------------------------------------------------------------------------

_TOP = 100.0          # rows are laid out from here down, then shifted so the figure is just tall enough
_FIRST_ROW = 1.85     # from the figure's top to the first row: title, subtitle, the lifelines' heads


def _rows(hops: list[Hop]) -> tuple[list[_Row], float]:
    """Each hop's row (y, in inches from an arbitrary top), and how far down the last one is from the top."""
    rows: list[_Row] = []
    y = _TOP - _FIRST_ROW
    for i, hop in enumerate(hops):
        prev = hops[i - 1] if i and hops[i - 1].way == hop.way else None
        if i and prev is None:
            y -= 0.62                                # between the request and the reply: the way's band
        elif prev is not None:
            same = prev.role == hop.role             # a loop: its label and note sit between the two rows
            y -= (0.95 if same else 0.55) + (0.3 if rows[-1].hop.outer else 0.0) + (0.2 if hop.outer else 0.0)
        rows.append(_Row(hop, y, prev, rows[-1].y if prev is not None else y))
    return rows, _TOP - y + 0.3


def _lifeline(ax: Any, trace: Trace, role: str, on: bool, top: float, low: float, lang: str, port: int) -> None:
    from matplotlib.patches import FancyBboxPatch

    colour = COLOUR[role] if on else GREY
    x = X[role]
    lines = _head(trace, role, on, lang, port)
    ax.add_patch(FancyBboxPatch((x - BOX_W / 2, top - BOX_H), BOX_W, BOX_H, zorder=2, fc=FACE[colour], ec=colour,
                                lw=1.3 if on else 1.0, ls="-" if on else "--",
                                boxstyle="round,pad=0,rounding_size=0.08"))
    step = BOX_H / (len(lines) + 0.6)
    for i, line in enumerate(lines):
        ax.text(x, top - step * (i + 0.8), line, ha="center", va="center", zorder=3,
                fontsize=FS if i == 0 else FS_SMALL, fontweight="bold" if i == 0 else "normal",
                color=DARK[colour] if i == 0 else (INK if on else GREY), gid=f"seq.head.{role}")
    ax.plot([x, x], [top - BOX_H, low], color=colour, lw=1.0 if on else 0.8, ls=(0, (4, 3)) if on else ":",
            zorder=1)


def _head(trace: Trace, role: str, on: bool, lang: str, port: int) -> list[str]:
    """The lines of a lifeline's head: what the point is, where it is, its addresses (or why it is not on the
    path)."""
    at = [h for h in trace.hops if h.role == role]
    ifs = ", ".join(dict.fromkeys(h.interface for h in at)) or "eth0"
    task_in = next((h for h in trace.hops if h.role == "task" and h.way == "request"), None)
    if role == "client":
        ns = at[0].namespace if at else "?"
        return [_(TEXT["seq.client"], lang), f"{trace.client_node} · {_(TEXT['seq.ns'], lang, ns=ns)}",
                f"{ifs} {trace.client_ip or '?'}"]
    if role == "lb":
        lines = [_(TEXT["seq.lb"], lang, ns=trace.lb_namespace or "lb_?"),
                 _(TEXT["seq.on"], lang, node=trace.client_node)]
        if trace.mode != "vip":
            return [*lines, _(TEXT["seq.off.vip"], lang)]
        if not on:
            return [*lines, _(TEXT["seq.off.none"], lang)]
        return [*lines, _(TEXT["seq.vip"], lang, vip=trace.vip),
                _(TEXT["seq.endpoint"], lang, ip=trace.lb_endpoint or "?")]
    if role == "underlay":
        task_node = trace.answered_by.node if trace.answered_by else "?"
        lines = [_(TEXT["seq.underlay"], lang), f"{trace.client_node} ↔ {task_node}"]
        if not on:
            same = trace.answered_by is not None and task_node == trace.client_node
            return [*lines, _(TEXT["seq.off.node" if same else "seq.off.none"], lang)]
        outer = next((h.outer for h in at if h.outer), "")
        ends = [part.strip().split(" ")[0].rsplit(":", 1)[0] for part in outer.split("→")]
        hosts = f"{ifs} {ends[0]} ↔ {ends[1]}" if len(ends) == 2 else ifs
        return [*lines, hosts, _(TEXT["seq.vni"], lang, vni=trace.rules.get("vni", "?"), port=port)]
    # the task that answered
    point = trace.answered_by
    name = ".".join((point.task or "?").split(".")[:2]) if point else "?"
    ns = at[0].namespace if at else "?"
    ip = task_in.dst.rsplit(":", 1)[0] if task_in else "?"
    key = "seq.task.real" if trace.mode == "vip" else "seq.task"
    where = _(TEXT["seq.ns"], lang, ns=ns)
    return [_(TEXT[key], lang, service=trace.service), f"{point.node if point else '?'} · {where}",
            f"{name} · {ifs} {ip}"]


def _ways(ax: Any, rows: list[_Row], lang: str) -> None:
    """The request's and the reply's bands: a label on the left, a rule between them."""
    for way in ("request", "reply"):
        ys = [r.y for r in rows if r.hop.way == way]
        if not ys:
            continue
        hi, lo = max(ys) + 0.15, min(ys) - 0.15
        ax.plot([0.2, 0.2], [lo, hi], color=GREY, lw=1.0)
        ax.text(0.12, (hi + lo) / 2, _(TEXT[f"seq.{way}"], lang), rotation=90, ha="right", va="center",
                fontsize=FS_SMALL, color="#555555")
        if way == "reply":
            ax.plot([0.3, WIDTH - 0.15], [hi + 0.17, hi + 0.17], color="#cccccc", lw=0.8, zorder=0)


# -- one hop --------------------------------------------------------------------------------------------------------

def _hop(ax: Any, trace: Trace, r: _Row, lang: str, port: int) -> None:
    hop = r.hop
    x = X[hop.role]
    colour = COLOUR[hop.role]
    reply = hop.way == "reply"
    ls = (0, (5, 3)) if reply else "-"
    arrow_colour = "#444444"
    ax.plot([x], [r.y], marker="o", markersize=6, color=colour, markeredgecolor="white", zorder=6)
    if r.prev is None:  # the way starts here
        _note(ax, r.y, _(TEXT["seq.rule.answer" if reply else "seq.rule.sent"], lang))
        return
    x0 = X[r.prev.role]
    if x0 == x:  # the same point, In then Out: what happened inside it
        ax.plot([x, x + LOOP, x + LOOP], [r.prev_y, r.prev_y, r.y], color=arrow_colour, lw=1.3, ls=ls, zorder=4)
        _head_arrow(ax, (x + LOOP, r.y), (x + 0.04, r.y), arrow_colour)
        label_x, label_y, va = x + LOOP + 0.1, (r.prev_y + r.y) / 2, "center"
        note_y = label_y
    else:
        direction = 1 if x > x0 else -1
        end = x - direction * 0.2
        ax.plot([x0, end], [r.y, r.y], color=arrow_colour, lw=1.3, ls=ls, zorder=4)
        _head_arrow(ax, (end, r.y), (x - direction * 0.04, r.y), arrow_colour)
        label_x, label_y, va = min(x0, x) + 0.14, r.y + 0.05, "bottom"
        note_y = r.y
    _packet(ax, hop, label_x, label_y, va, lang)
    _note(ax, note_y, _rule(hop, trace.rules, lang, port), changed=bool(hop.changed))


def _head_arrow(ax: Any, tail: tuple[float, float], head: tuple[float, float], colour: str) -> None:
    ax.annotate("", xy=head, xytext=tail, zorder=5,
                arrowprops={"arrowstyle": "-|>,head_length=0.5,head_width=0.22", "color": colour, "lw": 1.3,
                            "shrinkA": 0, "shrinkB": 0})


def _packet(ax: Any, hop: Hop, x: float, y: float, va: str, lang: str) -> None:
    """source → destination as seen at this hop, each field on its own Text (bold red when this hop changed it);
    for VXLAN the outer header below it."""
    changed = {what for what, _before, _after in hop.changed}
    box = {"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none"}
    src = ax.text(x, y, hop.src, ha="left", va=va, fontsize=FS, zorder=7, bbox=box, gid="seq.packet.src",
                  **(CHANGED if "src" in changed else {"color": INK}))
    arrow = ax.annotate(" → ", xy=(1, 0), xycoords=src, ha="left", va="bottom", fontsize=FS, color=INK, zorder=7,
                        gid="seq.packet.arrow")
    ax.annotate(hop.dst, xy=(1, 0), xycoords=arrow, ha="left", va="bottom", fontsize=FS, zorder=7, bbox=box,
                gid="seq.packet.dst", **(CHANGED if "dst" in changed else {"color": INK}))
    if hop.outer:
        hosts, _sep, vni = hop.outer.partition(" VNI ")
        text = f"{_(TEXT['seq.outer'], lang, vni=vni or '?')}\n{hosts}"
        ax.text(x, y - 0.12 if va == "bottom" else y - 0.2, text, ha="left", va="top", fontsize=FS_SMALL, zorder=7,
                bbox=box, linespacing=1.25, gid="seq.packet.outer",
                **(CHANGED if "wrapped" in changed else {"color": INK}))


def _rule(hop: Hop, rules: dict[str, str], lang: str, port: int) -> str:
    mark = rules.get("mark", "")
    mark = "MARK" + mark.split(" MARK", 1)[1] if " MARK" in mark else (mark or "MARK ?")
    snat = rules.get("snat", "")
    to = next((w for w in snat.split() if w.startswith("to:")), snat or "?")
    key = f"seq.rule.{hop.rule}"
    try:
        return _(TEXT[key], lang, mark=mark, fwm=rules.get("fwm", "?"), to=to, vni=rules.get("vni", "?"), port=port)
    except KeyError:
        return hop.rule


def _note(ax: Any, y: float, text: str, changed: bool = False) -> None:
    ax.text(NOTES_X, y, text, ha="left", va="center", fontsize=FS_SMALL, linespacing=1.3, zorder=7, gid="seq.note",
            color=INK if changed else "#555555")


def _legend(ax: Any, lang: str) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#444444", lw=1.3), Line2D([], [], color="#444444", lw=1.3, ls=(0, (5, 3)))]
    legend = ax.legend(handles, [_(TEXT["seq.legend.request"], lang), _(TEXT["seq.legend.reply"], lang)], ncol=2,
                       loc="center left", bbox_to_anchor=(0.25, 0.36), bbox_transform=ax.transData, frameon=False,
                       fontsize=FS_SMALL, handlelength=2.6, borderaxespad=0, borderpad=0)
    ax.annotate(_(TEXT["seq.legend.changed"], lang), xy=(1, 0.5), xycoords=legend, xytext=(14, 0),
                textcoords="offset points", va="center", fontsize=FS_SMALL, gid="seq.legend", **CHANGED)
    ax.text(0.3, 0.14, _(TEXT["seq.legend.arrow"], lang), va="center", fontsize=FS_SMALL, color="#555555")
