"""The request distribution: a strip of request number against backend (round robin's A-B-A-B, and every repeat
marked) beside the requests per backend against the even share, the largest deviation stated.

Data: `Lab.sample_requests(n)` -> Sample (`.answers`: one row per request with `seq`, `ok`, `hostname`,
`task_ip`; `.summary`: per backend `hostname`, `task_ip`, `count`). Given only a summary, only the counts are drawn.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from swarmlab.i18n import _
from swarmlab.viz.i18n import TEXT, footer
from swarmlab.viz.palette import BLUE, GREY, ORANGE, PURPLE, SKY, VERMILION, figure, language

if TYPE_CHECKING:
    import pandas as pd

BACKEND_COLOURS = (BLUE, ORANGE, "#009E73", PURPLE, SKY, "#F0E442")
WINDOW = 60  # requests shown in the strip when there are more (the whole run is in the rug below it)


def _letters(n: int) -> list[str]:
    return [string.ascii_uppercase[i] if i < 26 else f"#{i + 1}" for i in range(n)]


def repeats_at(answers: pd.DataFrame) -> list[int]:
    """The request numbers (`seq`) answered by the same backend as the answered request just before (the same
    count as Sample.repeats)."""
    if answers is None or answers.empty:
        return []
    ok = answers[answers["ok"]]
    hosts, seqs = list(ok["hostname"]), [int(s) for s in ok["seq"]]
    return [seqs[i] for i in range(1, len(hosts)) if hosts[i] == hosts[i - 1]]


def _window(seqs: list[int], repeats: list[int], window: tuple[int, int] | None) -> tuple[int, int]:
    """The requests the strip shows: all of a short run; else WINDOW requests around the first repeat (so the
    alternation and its first break are both in sight), else the first WINDOW."""
    lo_all, hi_all = min(seqs), max(seqs)
    if window is not None:
        return max(window[0], lo_all), min(window[1], hi_all)
    if hi_all - lo_all + 1 <= WINDOW:
        return lo_all, hi_all
    lo = max(lo_all, repeats[0] - WINDOW // 2) if repeats else lo_all
    hi = min(hi_all, lo + WINDOW - 1)
    return hi - WINDOW + 1, hi


def distribution(summary: Any, title: str | None = None, source: str = "", *, answers: pd.DataFrame | None = None,
                 lang: str = "en", window: tuple[int, int] | None = None) -> Any:
    """`summary`: a Sample (Lab.sample_requests(...)), or its `.summary` frame (then `answers=` adds the strip).
    `window=(first, last)` chooses the request numbers the strip shows."""
    if hasattr(summary, "answers") and hasattr(summary, "summary"):
        answers = summary.answers if answers is None else answers
        summary = summary.summary
    with language(lang):
        if summary is None or summary.empty:
            fig, ax = figure(8, 4)
            ax.text(0.5, 0.5, _(TEXT["no answered requests"], lang), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        ok = answers[answers["ok"]] if answers is not None and not answers.empty else None
        order = list(dict.fromkeys(ok["hostname"])) if ok is not None and len(ok) else []
        order += [h for h in summary["hostname"] if h not in order]
        letter = dict(zip(order, _letters(len(order)), strict=True))
        colour = {h: BACKEND_COLOURS[i % len(BACKEND_COLOURS)] for i, h in enumerate(order)}
        rows = sorted(summary.to_dict("records"), key=lambda r: order.index(r["hostname"]))
        if ok is None or not len(ok):
            fig, ax = figure(8, 4)
            _counts(ax, rows, letter, colour, lang, title, panel=False)
        else:
            fig = _with_strip(ok, rows, letter, colour, lang, title, window)
        if source:
            fig.text(0.01, 0.005, footer(source, lang), fontsize=7, color=GREY)
        if fig.get_layout_engine() is None:
            fig.tight_layout(rect=(0, 0.02, 1, 1))
        return fig


def _label(row: dict[str, Any], letter: dict[str, str]) -> str:
    ip = row.get("task_ip")
    name = f"{letter[row['hostname']]}  {row['hostname']}"
    return f"{name}\n{ip}" if isinstance(ip, str) else name


def _counts(ax: Any, rows: list[dict[str, Any]], letter: dict[str, str], colour: dict[str, str], lang: str,
            title: str | None, panel: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    counts = [int(r["count"]) for r in rows]
    total = sum(counts)
    share = total / len(counts)
    bars = ax.bar(range(len(counts)), counts, color=[colour[r["hostname"]] for r in rows], edgecolor="black",
                  linewidth=0.6)
    ax.axhline(share, color=GREY, linestyle="--", linewidth=1.2, label=_(TEXT["dist.even share"], lang, share=share))
    for bar, count in zip(bars, counts, strict=True):
        ax.annotate(f"{count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=9)
    worst = max(abs(c - share) for c in counts) / share
    ax.set_xticks(range(len(counts)), [_label(r, letter) for r in rows], fontsize=8)
    ax.set_ylabel(_(TEXT["dist.requests answered"], lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(counts) * 1.22)
    ax.legend(loc="upper right", fontsize=8)
    main = title or _(TEXT["dist.title"], lang, total=total, worst=worst)
    if panel:
        ax.set_title(_(TEXT["dist.counts.title"], lang), fontsize=10)
        ax.figure.suptitle(main, fontsize=12)
    else:
        ax.set_title(main)


def _with_strip(ok: pd.DataFrame, rows: list[dict[str, Any]], letter: dict[str, str], colour: dict[str, str],
                lang: str, title: str | None, window: tuple[int, int] | None) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = plt.figure(figsize=(12, 5), dpi=100, layout=ConstrainedLayoutEngine(h_pad=0.08, w_pad=0.08))
    plt.close(fig)
    grid = fig.add_gridspec(2, 2, width_ratios=(2.3, 1), height_ratios=(4, 1))
    strip, rug, counts = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])
    seqs = [int(s) for s in ok["seq"]]
    hosts = list(ok["hostname"])
    level = {h: i for i, h in enumerate(letter)}
    repeats = repeats_at(ok)
    lo, hi = _window(seqs, repeats, window)
    shown = [(s, h) for s, h in zip(seqs, hosts, strict=True) if lo <= s <= hi]
    xs, ys = [s for s, _h in shown], [level[h] for _s, h in shown]
    strip.plot(xs, ys, color=GREY, linewidth=0.8, zorder=1)
    for h in letter:
        pts = [(s, level[h]) for s, hh in shown if hh == h]
        strip.scatter([p[0] for p in pts], [p[1] for p in pts], s=22, color=colour[h], edgecolor="black",
                      linewidth=0.4, zorder=2)
    in_view = [r for r in repeats if lo <= r <= hi]
    if in_view:
        strip.scatter(in_view, [level[hosts[seqs.index(r)]] for r in in_view], s=140, facecolor="none",
                      edgecolor=VERMILION, linewidth=1.8, zorder=3, label=_(TEXT["dist.repeat"], lang))
        for r in in_view:
            strip.axvspan(r - 1, r, color=VERMILION, alpha=0.12, linewidth=0)
        strip.legend(loc="upper right", fontsize=8, bbox_to_anchor=(1, 1.0), framealpha=0.9)
    n = len(seqs)
    span = (_(TEXT["dist.window.all"], lang, n=n) if (lo, hi) == (min(seqs), max(seqs))
            else _(TEXT["dist.window.part"], lang, lo=lo, hi=hi, n=n))
    strip.set_title(_(TEXT["dist.strip.title"], lang, window=span), fontsize=10)
    strip.set_yticks(range(len(letter)), [f"{letter[h]}  {h}" for h in letter], fontsize=8)
    strip.set_ylim(-0.6, len(letter) - 0.4 + (0.5 if in_view else 0))
    strip.set_xlim(lo - 0.8, hi + 0.8)
    strip.set_ylabel(_(TEXT["dist.backend"], lang))
    strip.grid(axis="x", color="#dddddd", linewidth=0.5)
    # the rug: the whole run, every repeat a tick, the strip's window shaded
    from matplotlib.ticker import MaxNLocator

    rug.set_xlim(min(seqs) - 0.8, max(seqs) + 0.8)  # the strip's own limits when it shows the whole run
    rug.xaxis.set_major_locator(MaxNLocator(integer=True))
    rug.set_ylim(0, 1)
    rug.set_yticks([])
    if (lo, hi) != (min(seqs), max(seqs)):  # where the strip's window lies in the whole run
        rug.axvspan(lo - 0.5, hi + 0.5, color=SKY, alpha=0.3, linewidth=0)
    if repeats:
        rug.vlines(repeats, 0.1, 0.9, color=VERMILION, linewidth=1.2)
        where = ", ".join(str(r) for r in repeats[:8]) + (", ..." if len(repeats) > 8 else "")
        rug.set_title(_(TEXT["dist.repeats"], lang, count=len(repeats), n=n, where=where), fontsize=9, color=VERMILION)
    else:
        rug.set_title(_(TEXT["dist.no repeats"], lang, n=n), fontsize=9)
    rug.set_xlabel(_(TEXT["dist.request number"], lang))
    _counts(counts, rows, letter, colour, lang, title, panel=True)
    return fig
