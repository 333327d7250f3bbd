"""The request distribution: requests per backend against the even share, the largest deviation stated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swarmlab.viz.palette import BLUE, GREY, figure

if TYPE_CHECKING:
    import pandas as pd


def distribution(summary: pd.DataFrame, title: str | None = None, source: str = "") -> Any:
    """`summary`: Lab.sample_requests(...).summary (hostname, task_ip, count)."""
    fig, ax = figure(8, 4)
    if summary is None or summary.empty:
        ax.text(0.5, 0.5, "no answered requests", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = [f"{h}\n{ip}" if isinstance(ip, str) else str(h) for h, ip in zip(summary.hostname, summary.task_ip,
                                                                             strict=True)]
    counts = [int(c) for c in summary["count"]]
    total = sum(counts)
    share = total / len(counts)
    bars = ax.bar(range(len(counts)), counts, color=BLUE, edgecolor="black", linewidth=0.6)
    ax.axhline(share, color=GREY, linestyle="--", linewidth=1.2, label=f"even share: {share:.1f}")
    for bar, count in zip(bars, counts, strict=True):
        ax.annotate(f"{count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=9)
    worst = max(abs(c - share) for c in counts) / share
    ax.set_xticks(range(len(counts)), labels, fontsize=8)
    ax.set_ylabel("requests answered")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(counts) * 1.18)
    ax.set_title(title or f"{total} requests to the VIP: who answered (largest deviation {worst:.1%})")
    ax.legend(loc="upper right", fontsize=8)
    if source:
        fig.text(0.01, 0.01, source, fontsize=7, color=GREY)
    fig.tight_layout()
    return fig
