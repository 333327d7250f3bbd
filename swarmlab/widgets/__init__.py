"""Widgets for the notebooks (ipywidgets 8). Each works live and on a recording; in replay a visible badge says
which recording, and a control whose data the recording lacks says so instead of pretending.

    from swarmlab import widgets
    widgets.replay_badge(lab)
    widgets.step_buttons(lab, {"networks": lab.networks, "services": lab.services})
    widgets.request_explorer(lab)        # slider + Send -> the distribution picture
    widgets.replicas_explorer(lab)       # slider -> scale (live) or the recorded states (replay)
    widgets.service_picker(lab)          # choose a service -> its VIP chain
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.lab import Lab


def _show(out: Any, value: Any) -> None:
    from IPython.display import display

    out.clear_output(wait=True)
    with out:
        display(value)


def replay_badge(lab: Lab) -> Any:
    import ipywidgets as w

    if lab.replaying:
        return w.HTML(f'<span style="background:#56B4E9;color:black;padding:3px 8px;border-radius:4px">'
                      f"replaying {lab.source}</span>")
    return w.HTML(f'<span style="background:#009E73;color:white;padding:3px 8px;border-radius:4px">'
                  f"{lab.mode}: {lab.source}</span>")


def step_buttons(lab: Lab, steps: dict[str, Callable[[], Any]]) -> Any:
    """One button per step; its result (command, raw output, parsed table) goes to the Output below it."""
    import ipywidgets as w

    rows = []
    for label, action in steps.items():
        button, out = w.Button(description=label, layout=w.Layout(width="auto")), w.Output()

        def run(_: Any, action: Callable[[], Any] = action, out: Any = out) -> None:
            try:
                _show(out, action())
            except NotRecorded as exc:
                _show(out, f"not in this recording: {exc}")
            except SwarmlabError as exc:
                _show(out, f"failed: {exc}")

        button.on_click(run)
        rows.append(w.VBox([button, out]))
    return w.VBox([replay_badge(lab), *rows])


def request_explorer(lab: Lab, service: str = "web", start: int = 20, maximum: int = 1000) -> Any:
    """A request-count slider and a Send button that redraws the distribution picture."""
    import ipywidgets as w

    from swarmlab import viz

    slider = w.IntSlider(value=start, min=1, max=maximum, step=1, description="requests")
    send = w.Button(description="Send", button_style="primary")
    status = w.HTML()
    bar = w.IntProgress(value=0, min=0, max=slider.value, description="sent", bar_style="info")
    out = w.Output()

    def advance(done: int, total: int) -> None:
        bar.max, bar.value = total, done

    def go(_: Any = None) -> None:
        try:
            sample = lab.sample_requests(slider.value, service, progress=advance)
        except (NotRecorded, SwarmlabError) as exc:
            status.value = f"<i>{exc}</i>"
            return
        answered = int(sample.summary["count"].sum()) if len(sample.summary) else 0
        note = f" — {sample.requests.note}" if sample.requests.note else ""
        status.value = f"{answered} answers{note}"
        _show(out, viz.distribution(sample.summary, source=lab.label))

    send.on_click(go)
    box = w.VBox([replay_badge(lab), w.HBox([slider, send]), bar, status, out])
    box.send, box.slider, box.out, box.status = send, slider, out, status
    return box


def recorded_scale_states(lab: Lab) -> dict[int, list[Any]]:
    """replicas -> the recorded outputs after scaling to that many (the scale, then the IPVS tables)."""
    return lab.scale_states()


def replicas_explorer(lab: Lab, service: str = "web") -> Any:
    """Live: a replicas slider that scales the service and redraws its chain. Replay: the recorded states."""
    import ipywidgets as w

    out = w.Output()
    if lab.replaying:
        states = recorded_scale_states(lab)
        if not states:
            return w.VBox([replay_badge(lab), w.HTML("<i>this recording has no scaling: record a session with "
                                                      "`swarmlab record --full` to explore it</i>")])
        picker = w.SelectionSlider(options=sorted(states), description="replicas")

        def show(_: Any = None) -> None:
            text = "\n\n".join(f"$ {e.command}\n{e.output}" for e in states[picker.value])
            _show(out, w.HTML(f"<pre>{text}</pre>"))

        picker.observe(show, names="value")
        show()
        return w.VBox([replay_badge(lab), picker, out])
    slider = w.IntSlider(value=2, min=1, max=6, description="replicas")
    apply = w.Button(description="Scale", button_style="warning")

    def scale(_: Any = None) -> None:
        lab.scale(service, slider.value)
        _show(out, lab.vip_chain(service))

    apply.on_click(scale)
    return w.VBox([replay_badge(lab), w.HBox([slider, apply]), out])


def service_picker(lab: Lab) -> Any:
    """Choose a service: its VIP chain (service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes)."""
    import ipywidgets as w

    names = [s.name for s in lab.services(latest=True).value or []] or ["web"]
    dropdown = w.Dropdown(options=names, value="web" if "web" in names else names[0], description="service")
    out = w.Output()

    def show(_: Any = None) -> None:
        try:
            _show(out, lab.vip_chain(dropdown.value))
        except (NotRecorded, SwarmlabError) as exc:
            _show(out, f"not in this recording: {exc}")

    dropdown.observe(show, names="value")
    show()
    return w.VBox([replay_badge(lab), dropdown, out])
