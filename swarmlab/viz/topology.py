"""The topology of one service's load balancing: nodes, their tasks with IPs, each node's lb namespace with its
VIP and mark, and the path client -> VIP -> mark -> IPVS -> tasks. Drawn from Lab.vip_chain(); what the chain
does not know (a real server's task or node) is drawn as '?' rather than guessed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swarmlab.viz.palette import BLUE, GREEN, GREY, ORANGE, VERMILION, figure

if TYPE_CHECKING:
    import pandas as pd


def topology(chain: pd.DataFrame, client: str | None = None, source: str = "") -> Any:
    from matplotlib.patches import FancyBboxPatch

    fig, ax = figure(10, 5)
    ax.set_axis_off()
    if chain is None or chain.empty:
        ax.text(0.5, 0.5, "no VIP chain", ha="center", va="center", transform=ax.transAxes)
        return fig
    lb_nodes = list(dict.fromkeys(chain.node))
    task_nodes = [n for n in dict.fromkeys(chain.task_node.dropna()) if n not in lb_nodes]
    nodes = lb_nodes + task_nodes
    width = 1.0 / max(len(nodes), 1)
    service = chain.service.iloc[0]
    task_at: dict[str, tuple[float, float]] = {}
    client_box: tuple[float, float] | None = None
    ax.set_title(f"How `{service}` is load-balanced: client -> VIP -> mark -> IPVS -> tasks", fontsize=11)
    for i, node in enumerate(nodes):
        x0 = i * width + 0.01
        ax.add_patch(FancyBboxPatch((x0, 0.05), width - 0.02, 0.85, boxstyle="round,pad=0.005", fc="white",
                                    ec="black", transform=ax.transAxes))
        ax.text(x0 + 0.01, 0.86, node, fontsize=10, weight="bold", transform=ax.transAxes)
        rows = chain[chain.node == node]
        if len(rows):
            r = rows.iloc[0]
            mark = f"{r.mark_hex} = {int(r.mark)}" if r.mark is not None and str(r.mark) != "<NA>" else "?"
            ax.add_patch(FancyBboxPatch((x0 + 0.02, 0.52), width - 0.06, 0.27, boxstyle="round,pad=0.005",
                                        fc="#e8f5ee", ec=GREEN, transform=ax.transAxes))
            ax.text(x0 + 0.03, 0.74, f"{r.lb_namespace}", fontsize=8, color=GREEN, transform=ax.transAxes)
            ax.text(x0 + 0.03, 0.68, f"lb endpoint {r.lb_endpoint_ip}", fontsize=8, transform=ax.transAxes)
            ax.text(x0 + 0.03, 0.62, f"VIP {r.vip}/32", fontsize=9, color=VERMILION, transform=ax.transAxes)
            ax.text(x0 + 0.03, 0.56, f"MARK {mark} -> {r.ipvs_service} {r.scheduler}", fontsize=8,
                    transform=ax.transAxes)
            if client and node == client:
                ax.text(x0 + 0.03, 0.45, "client -> VIP", fontsize=9, color=ORANGE, transform=ax.transAxes)
                client_box = (x0 + width / 2, 0.52)
        tasks = chain[chain.task_node == node].drop_duplicates("real_server")
        for j, (_, t) in enumerate(tasks.iterrows()):
            y = 0.33 - j * 0.06
            ax.text(x0 + 0.03, y, f"{t.task.split('.')[0]}.{t.task.split('.')[1]}  {t.real_server}",
                    fontsize=8, color=BLUE, transform=ax.transAxes)
            task_at[t.real_server] = (x0 + 0.08, y + 0.03)
    if client_box:  # IPVS on the client's node sends to every task, on whichever node it runs
        for target in task_at.values():
            ax.annotate("", xy=target, xytext=client_box, xycoords="axes fraction", textcoords="axes fraction",
                        arrowprops={"arrowstyle": "->", "color": VERMILION, "lw": 1.2, "alpha": 0.8})
    unknown = chain[chain.task_node.isna()].drop_duplicates("real_server")
    if len(unknown):
        ax.text(0.02, 0.0, "real servers whose task the outputs do not show: "
                + ", ".join(f"{ip} (?)" for ip in unknown.real_server), fontsize=8, color=GREY, transform=ax.transAxes)
    if source:
        fig.text(0.99, 0.01, source, fontsize=7, color=GREY, ha="right")
    return fig
