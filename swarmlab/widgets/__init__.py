"""Widgets for the notebooks (ipywidgets 8). Each works live and on a recording; in replay a visible badge says
which recording, and a control whose data the recording lacks says so instead of pretending.

    from swarmlab import widgets
    widgets.replay_badge(lab)
    widgets.step_buttons(lab, {"networks": lab.networks, "services": lab.services})
    widgets.request_explorer(lab)        # slider + Send -> the distribution picture
    widgets.service_picker(lab)          # choose a service -> its VIP chain

Every label a student sees exists in both languages of the course (`lang="zh"|"en"`, as the pictures take it):
the English is the message id of swarmlab.i18n, swarmlab/locale holds the Chinese in the chapter's words. Errors
from the lab are shown in the same language (`swarmlab.i18n.rendered`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.i18n import _, check_lang, rendered
from swarmlab.lab import Lab


def _show(out: Any, value: Any) -> None:
    from IPython.display import display

    out.clear_output(wait=True)
    with out:
        display(value)


def replay_badge(lab: Lab, lang: str = "en") -> Any:
    import html

    import ipywidgets as w

    if lab.replaying:
        replaying = _("replaying {source}", lang, source=lab.source)
        return w.HTML(f'<span style="background:#56B4E9;color:black;padding:3px 8px;border-radius:4px">'
                      f"{html.escape(replaying)}</span>")
    text = (_("live, recording: {source}", lang, source=lab.source) if lab.mode == "record" else
            _("live: {source}", lang, source=lab.source))
    return w.HTML(f'<span style="background:#009E73;color:white;padding:3px 8px;border-radius:4px">'
                  f"{html.escape(text)}</span>")


def step_buttons(lab: Lab, steps: dict[str, Callable[[], object]], lang: str = "en") -> Any:
    """One button per step (labelled by the caller, in the caller's language); its result (command, raw output,
    parsed table) goes to the Output below it."""
    import ipywidgets as w

    check_lang(lang)

    rows = []
    for label, action in steps.items():
        button, out = w.Button(description=label, layout=w.Layout(width="auto")), w.Output()

        def run(event: Any, action: Callable[[], object] = action, out: Any = out) -> None:
            try:
                _show(out, action())
            except NotRecorded as exc:
                _show(out, _("not in this recording: {error}", lang, error=rendered(exc, lang)))
            except SwarmlabError as exc:
                _show(out, _("failed: {error}", lang, error=rendered(exc, lang)))

        button.on_click(run)
        rows.append(w.VBox([button, out]))
    return w.VBox([replay_badge(lab, lang), *rows])


def request_explorer(lab: Lab, service: str = "web", start: int = 20, maximum: int = 1000,
                     lang: str = "en") -> Any:
    """A request-count slider and a Send button that redraws the distribution picture (in `lang` too)."""
    import html

    import ipywidgets as w

    from swarmlab import viz

    slider = w.IntSlider(value=start, min=1, max=maximum, step=1, description=_("requests", lang))
    send = w.Button(description=_("Send", lang), button_style="primary")
    status = w.HTML()
    bar = w.IntProgress(value=0, min=0, max=slider.value, description=_("sent", lang), bar_style="info")
    out = w.Output()

    def advance(done: int, total: int) -> None:
        bar.max, bar.value = total, done

    def go(event: Any = None) -> None:
        try:
            sample = lab.sample_requests(slider.value, service, progress=advance)
        except SwarmlabError as exc:
            status.value = f"<i>{html.escape(rendered(exc, lang))}</i>"
            return
        answered = int(sample.summary["count"].sum()) if len(sample.summary) else 0
        note = f" — {rendered(sample.requests.note, lang)}" if sample.requests.note else ""
        status.value = html.escape(_("{answered} answers", lang, answered=answered) + note)
        _show(out, viz.distribution(sample.summary, source=lab.label, lang=lang))

    send.on_click(go)
    box = w.VBox([replay_badge(lab, lang), w.HBox([slider, send]), bar, status, out])
    box.send, box.slider, box.out, box.status = send, slider, out, status
    return box


def service_picker(lab: Lab, lang: str = "en") -> Any:
    """Choose a service: its VIP chain (service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes)."""
    import ipywidgets as w

    check_lang(lang)
    names = [s.name for s in lab.services(latest=True).value or []] or ["web"]
    dropdown = w.Dropdown(options=names, value="web" if "web" in names else names[0],
                          description=_("service", lang))
    out = w.Output()

    def show(event: Any = None) -> None:
        try:
            _show(out, lab.vip_chain(dropdown.value))
        except SwarmlabError as exc:
            _show(out, _("not in this recording: {error}", lang, error=rendered(exc, lang)))

    dropdown.observe(show, names="value")
    show()
    return w.VBox([replay_badge(lab, lang), dropdown, out])
