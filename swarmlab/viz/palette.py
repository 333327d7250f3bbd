"""Okabe-Ito colours (colour-blind safe), by role; the figure factory and the language/font context."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from swarmlab.viz.fonts import families
from swarmlab.viz.i18n import check_lang

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILION, PURPLE, GREY = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
ROLE = {"gateway": GREY, "vip": VERMILION, "task": BLUE, "lb endpoint": GREEN, "client": ORANGE, "other": PURPLE}
LIGHT = {GREEN: "#e3f4ec", BLUE: "#e1eef7", ORANGE: "#fcf0d9", GREY: "#f0f0f0", YELLOW: "#fdf9cf"}


def figure(width: float = 8.0, height: float = 4.0, ncols: int = 1, **kw):
    """A new figure from pyplot (so Jupyter's inline backend renders it), closed at once: it is shown once, as
    the value a cell returns, not again when the cell ends. No backend is forced (headless picks Agg itself)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, ncols, figsize=(width, height), dpi=100, **kw)
    plt.close(fig)
    return fig, ax


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Draw in `lang`: checks it, and sets the font families (CJK fallback for Chinese) for the texts created
    inside (a Text keeps the font it was made with, so the picture renders the same after the block)."""
    import matplotlib

    check_lang(lang)
    with matplotlib.rc_context({"font.family": families(lang), "axes.unicode_minus": False}):
        yield lang
