"""Okabe-Ito colours (colour-blind safe), by role."""

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILION, PURPLE, GREY = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
ROLE = {"gateway": GREY, "vip": VERMILION, "task": BLUE, "lb endpoint": GREEN, "client": ORANGE, "other": PURPLE}


def figure(width: float = 8.0, height: float = 4.0):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    return fig, ax
