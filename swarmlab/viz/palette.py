"""Okabe-Ito colours (colour-blind safe), by role."""

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILION, PURPLE, GREY = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
ROLE = {"gateway": GREY, "vip": VERMILION, "task": BLUE, "lb endpoint": GREEN, "client": ORANGE, "other": PURPLE}


def figure(width: float = 8.0, height: float = 4.0):  # type: ignore[no-untyped-def]
    """A new figure from pyplot (so Jupyter's inline backend renders it), closed at once: it is shown once, as
    the value a cell returns, not again when the cell ends. No backend is forced (headless picks Agg itself)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    plt.close(fig)
    return fig, ax
