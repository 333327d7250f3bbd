"""The VIP allocation on the overlay's subnet: gateway, VIPs, task IPs and lb endpoints in address order.

Swarm's IPAM hands out addresses serially (the next free one after the last handed out), so on a young network
address order is allocation order; after a wrap it is not (docs/swarm-lb-facts.md section 3). The picture says so.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from swarmlab.viz.palette import GREY, ROLE, figure

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.parsers.network_inspect import NetworkInfo


def allocation_rows(net: NetworkInfo) -> list[dict[str, str]]:
    """(address, role, label) for what one node's `docker network inspect -v` shows."""
    rows: dict[str, dict[str, str]] = {}
    if net.gateway:
        rows[net.gateway] = {"address": net.gateway, "role": "gateway", "label": "gateway"}
    for s in net.services:
        if s.vip:
            rows[s.vip] = {"address": s.vip, "role": "vip", "label": f"VIP {s.name}"}
        for t in s.tasks:
            if t.endpoint_ip and t.endpoint_ip not in rows:
                rows[t.endpoint_ip] = {"address": t.endpoint_ip, "role": "task", "label": t.name.split(".")[0] + "."
                                       + (t.name.split(".")[1] if "." in t.name else "")}
    for e in net.endpoints:
        if e.ip and e.ip not in rows:
            role = "lb endpoint" if e.kind in ("lb", "ingress-sbox") else "task"
            label = e.key if role == "lb endpoint" else (f"{e.service}.{e.slot}" if e.service else e.name[:12])
            rows[e.ip] = {"address": e.ip, "role": role, "label": label}
    return sorted(rows.values(), key=lambda r: ipaddress.ip_address(r["address"]))


def vip_allocation(rows: list[dict[str, str]] | pd.DataFrame, subnet: str | None = None, source: str = "") -> Any:
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    fig, ax = figure(9, 2.8)
    if not records:
        ax.text(0.5, 0.5, "no addresses", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    hosts = [int(ipaddress.ip_address(r["address"])) & 0xFF for r in records]
    lo, hi = min(hosts) - 1, max(hosts) + 1
    ax.hlines(0, lo, hi, color=GREY, linewidth=1)
    for i, (r, h) in enumerate(zip(records, hosts, strict=True)):
        color = ROLE.get(r["role"], ROLE["other"])
        ax.plot([h], [0], marker="o", markersize=11, color=color, markeredgecolor="black")
        y = 0.35 if i % 2 == 0 else -0.35
        ax.annotate(f".{h}\n{r['label']}", (h, 0), (h, y), ha="center", va="center", fontsize=8,
                    arrowprops={"arrowstyle": "-", "color": GREY})
    for role, color in ROLE.items():
        if any(r["role"] == role for r in records):
            ax.plot([], [], marker="o", linestyle="", color=color, markeredgecolor="black", label=role)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.05), ncol=5, fontsize=8, frameon=False)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_ylim(-0.8, 0.8)
    ax.set_axis_off()
    ax.set_title(f"Addresses on {subnet or 'the overlay subnet'}, in address order "
                 "(= allocation order while IPAM has not wrapped)", fontsize=10)
    if source:
        fig.text(0.01, 0.01, source, fontsize=7, color=GREY)
    fig.tight_layout()
    return fig
