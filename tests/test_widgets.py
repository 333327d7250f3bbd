"""The widgets speak both languages of the course (issue #11): every label exists in zh and en with the same
placeholders, and each widget built with `lang="zh"` shows the Chinese labels and no English one. Built on the
bundled recordings (ipywidgets objects, no browser: what a student sees is each widget's description and HTML).
Labels are message ids of swarmlab.i18n, like every text of the course (tests/test_i18n.py checks their catalog)."""

from __future__ import annotations

import html
import re

import pytest

from swarmlab import recordings, widgets
from swarmlab.i18n import UnknownLanguage, _
from swarmlab.lab import Lab

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_language_the_course_does_not_have_is_an_error() -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))
    with pytest.raises(UnknownLanguage, match="'fr'"):
        widgets.replay_badge(lab, "fr")


def _shown(widget: object) -> list[str]:
    """The texts a widget tree shows: descriptions, HTML values, dropdown/slider options are data (not labels)."""
    out = []
    description = getattr(widget, "description", "")
    if description:
        out.append(str(description))
    if type(widget).__name__ == "HTML" and getattr(widget, "value", ""):
        out.append(str(widget.value))  # type: ignore[attr-defined]
    for child in getattr(widget, "children", ()):
        out += _shown(child)
    return out


@pytest.fixture
def shown_in_outputs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What the widgets send to their Output areas (no kernel here to display them)."""
    seen: list[object] = []
    monkeypatch.setattr(widgets, "_show", lambda _out, value: seen.append(value))
    return seen


def _all_widgets(lab: Lab, lang: str) -> list[object]:
    return [widgets.replay_badge(lab, lang), widgets.request_explorer(lab, lang=lang),
            widgets.service_picker(lab, lang=lang),
            widgets.step_buttons(lab, {"docker network ls": lab.networks}, lang=lang)]


@pytest.mark.parametrize("recording", ["rig-session-debian13", "seed-docker-tips"])
def test_the_widgets_show_their_labels_in_the_language_asked(recording: str,
                                                               shown_in_outputs: list[object]) -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get(recording))
    texts = {lang: "\n".join(t for w in _all_widgets(lab, lang) for t in _shown(w)) for lang in ("zh", "en")}
    for lang in texts:
        assert html.escape(_("replaying {source}", lang, source=lab.source)) in texts[lang]
        texts[lang] = texts[lang].replace(html.escape(lab.source), "")  # the recording's title is data, in English
    for lang, other in (("zh", "en"), ("en", "zh")):
        for label in ("requests", "Send", "sent", "service"):
            assert _(label, lang) in texts[lang], (lang, label)
            assert _(label, other) not in texts[lang], (lang, label)
    assert not CJK.search(texts["en"])


def test_the_request_explorer_reports_in_its_language(shown_in_outputs: list[object]) -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))
    box = widgets.request_explorer(lab, start=3, lang="zh")
    box.send.click()
    assert box.status.value.startswith("3 个响应")
    figure = shown_in_outputs[-1]
    title = figure.axes[0].get_title() + figure.get_suptitle()  # type: ignore[attr-defined]
    assert CJK.search(title), title  # the picture in the same language


def test_step_buttons_say_not_recorded_in_their_language(shown_in_outputs: list[object]) -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))
    # a step the recording lacks raises NotRecorded (in every mode of the lab): the button says so

    box = widgets.step_buttons(lab, {"ipvsadm -Lnc": lambda: lab.connections("swarm-manager")}, lang="zh")
    button = box.children[1].children[0]
    button.click()
    assert str(shown_in_outputs[-1]).startswith("这份录制里没有：")


def test_an_unknown_language_is_refused_before_anything_is_built() -> None:
    lab = Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))
    for make in (widgets.replay_badge, widgets.request_explorer, widgets.service_picker):
        with pytest.raises(UnknownLanguage, match="'de'"):
            make(lab, lang="de")
