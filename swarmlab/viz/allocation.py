"""The VIP allocation on the overlay's subnet: gateway, VIPs, task IPs and EVERY node's lb endpoint, in order.

Swarm's IPAM hands out addresses serially (the next free one after the last handed out), so on a young network
address order is allocation order; after a wrap it is not (docs/swarm-lb-facts.md section 3). The picture says so.
Each node has its own lb endpoint, and a node's `docker network inspect -v` shows only its own: pass every node's
inspect (`{node: NetworkInfo}`) to see them all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from swarmlab.i18n import _
from swarmlab.viz.i18n import TEXT, footer
from swarmlab.viz.palette import GREY, ROLE, YELLOW, figure, language

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.parsers.network_inspect import NetworkInfo

ROLES = ("gateway", "vip", "task", "lb endpoint", "client", "other")


def _one(net: NetworkInfo, node: str | None, rows: dict[str, dict[str, str]]) -> None:
    if net.gateway and net.gateway not in rows:
        rows[net.gateway] = {"address": net.gateway, "role": "gateway", "label": "gateway"}
    for s in net.services:
        if s.vip and s.vip not in rows:
            rows[s.vip] = {"address": s.vip, "role": "vip", "label": f"VIP {s.name}", "service": s.name}
        for t in s.tasks:
            if t.endpoint_ip and t.endpoint_ip not in rows:
                parts = t.name.split(".")
                rows[t.endpoint_ip] = {"address": t.endpoint_ip, "role": "task", "service": s.name,
                                       "label": ".".join(parts[:2])}
    for e in net.endpoints:
        if not e.ip:
            continue
        if e.kind in ("lb", "ingress-sbox"):
            row = {"address": e.ip, "role": "lb endpoint", "label": e.key}
            if node:
                row["node"] = node
            if net.name:
                row["network"] = net.name
            rows[e.ip] = row  # a node's own lb endpoint: its inspect is the one that knows whose it is
        elif e.ip not in rows:
            label = f"{e.service}.{e.slot}" if e.service else e.name[:12]
            rows[e.ip] = {"address": e.ip, "role": "task", "label": label}


def allocation_rows(net: NetworkInfo | Mapping[str, NetworkInfo] | Iterable[NetworkInfo],
                    node: str | None = None) -> list[dict[str, str]]:
    """(address, role, label[, node, service]) for every address the inspects show, in address order.

    `net`: one node's `docker network inspect -v` (NetworkInfo; `node` names that node), or every node's as
    `{node: NetworkInfo}`: then each node's lb endpoint is in, with its node."""
    rows: dict[str, dict[str, str]] = {}
    if isinstance(net, Mapping):
        for name, info in net.items():
            _one(info, name, rows)
    elif hasattr(net, "endpoints"):
        _one(net, node, rows)  # type: ignore[arg-type]
    else:
        for info in net:
            _one(info, None, rows)
    ordered = sorted(rows.values(), key=lambda r: ipaddress.ip_address(r["address"]))
    for i, r in enumerate(ordered, 1):
        r["order"] = str(i)
    return ordered


def _text(r: dict[str, Any], lang: str) -> str:
    role = r.get("role", "other")
    if role == "gateway":
        return _(TEXT["gateway"], lang)
    if role == "vip" and r.get("service"):
        return _(TEXT["alloc.vip"], lang, service=r["service"])
    if role == "lb endpoint" and isinstance(r.get("node"), str):
        return f"{r['label']}\n" + _(TEXT["alloc.lb"], lang, node=r["node"])
    return str(r.get("label", ""))


def vip_allocation(rows: list[dict[str, str]] | pd.DataFrame, subnet: str | None = None, source: str = "", *,
                   lang: str = "en", highlight: str | Iterable[str] | None = None) -> Any:
    """The addresses on the subnet in allocation order; `highlight`: address(es) to ring (e.g. the RemoteAddr
    the student just saw)."""
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    with language(lang):
        fig, ax = figure(min(max(9.0, 1.25 * len(records) + 1), 13.0), 3.4 if len(records) <= 10 else 4.2)
        if not records:
            ax.text(0.5, 0.5, _(TEXT["no addresses"], lang), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        hosts = [int(ipaddress.ip_address(r["address"])) for r in records]
        base = min(hosts) - 1
        xs = list(range(1, len(records) + 1))  # one slot per address: .1 .. .9 and .37 alike stay readable
        ax.hlines(0, 0.4, len(records) + 0.6, color=GREY, linewidth=1)
        for i, (r, x, h) in enumerate(zip(records, xs, hosts, strict=True)):
            color = ROLE.get(r["role"], ROLE["other"])
            if r["address"] in marked:
                ax.plot([x], [0], marker="o", markersize=22, color=YELLOW, markeredgecolor="black", zorder=1)
            ax.plot([x], [0], marker="o", markersize=12, color=color, markeredgecolor="black", zorder=2)
            levels = (0.42, -0.42, 0.7, -0.7) if len(records) > 10 else (0.42, -0.42)  # crowded: four rows
            y = levels[i % len(levels)]
            last = "." + r["address"].rsplit(".", 1)[-1] if h - base < 256 else r["address"]
            ax.annotate(f"{last}\n{_text(r, lang)}", (x, 0), (x, y), ha="center", va="center", fontsize=8.5,
                        arrowprops={"arrowstyle": "-", "color": GREY})
        for role in ROLES:
            if any(r["role"] == role for r in records):
                ax.plot([], [], marker="o", linestyle="", color=ROLE[role], markeredgecolor="black",
                        label=_(TEXT[role], lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=5, fontsize=8.5, frameon=False)
        ax.set_xlim(0.3, len(records) + 0.7)
        ax.set_ylim(-0.95, 0.95) if len(records) > 10 else ax.set_ylim(-0.85, 0.85)
        ax.set_axis_off()
        ax.set_title(_(TEXT["alloc.title"], lang, subnet=subnet or _(TEXT["the overlay subnet"], lang)), fontsize=10.5)
        nodes = [str(r["node"]) for r in records if r["role"] == "lb endpoint" and isinstance(r.get("node"), str)]
        network = next((str(r["network"]) for r in records if isinstance(r.get("network"), str)), "")
        if nodes:
            fig.text(0.99, 0.01, _(TEXT["alloc.nodes"], lang, nodes=", ".join(nodes), network=network), fontsize=7,
                     color=GREY, ha="right")
        if source:
            fig.text(0.01, 0.01, footer(source, lang), fontsize=7, color=GREY)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return fig
