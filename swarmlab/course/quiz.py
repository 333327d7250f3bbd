"""Showing and checking a graded exercise: the question (static HTML, so it survives in the static site), an input
box, Check (a verdict with a hint and a reason on a wrong answer) and Show solution (computed when pressed)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from swarmlab.course import i18n
from swarmlab.course.exercises import Exercise, Params, get
from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.i18n import _
from swarmlab.lab import Lab

GOOD, BAD, INFO = "#009E73", "#D55E00", "#0072B2"


@dataclass
class Verdict:
    exercise: str
    answer: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"{'✓' if self.correct else '✗'} {self.message}"

    def _repr_html_(self) -> str:
        colour = GOOD if self.correct else BAD
        return f'<div class="swarmlab-verdict" style="color:{colour}">{rich(str(self))}</div>'


def grade(ex: Exercise, answer: str, lab: Lab | None, params: Params, lang: str) -> Verdict:
    if not str(answer).strip():
        return Verdict(ex.id, answer, False, i18n.tr("请先写一个答案。", "Write an answer first.", lang))
    if ex.is_right(answer, lab, params):
        return Verdict(ex.id, answer, True, i18n.tr("正确！", "Right!", lang))
    msg = i18n.tr(f"不对。提示：{ex.text(ex.hint, params, lang)} 原因：{ex.text(ex.reason, params, lang)}",
                  f"Not quite. Hint: {ex.text(ex.hint, params, lang)} Why: {ex.text(ex.reason, params, lang)}", lang)
    return Verdict(ex.id, answer, False, msg)


def solution(ex: Exercise, lab: Lab | None, params: Params, lang: str) -> str:
    accepted = ex.expected(lab, params) if ex.expected is not None and lab is not None else set()
    answer = sorted(accepted, key=len)[-1] if accepted else ""
    return ex.text(ex.solution, params, lang, answer=answer)


def rich(text: str) -> str:
    """Escaped HTML, with `code` spans shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def number(exercise_id: str) -> str:
    """'4.2': the lesson's number and the exercise's place among the lesson's exercises (its id, e.g.
    04.mark-decimal, stays for instructors, in the header's title)."""
    from swarmlab.course.exercises import REGISTRY

    lesson = exercise_id.split(".")[0]
    mine = [x for x in REGISTRY if x.split(".")[0] == lesson]
    return f"{int(lesson) if lesson.isdigit() else lesson}.{mine.index(exercise_id) + 1}"


def question_html(ex: Exercise, params: Params, lang: str) -> str:
    header = _("Exercise {number}:", lang, number=number(ex.id))
    return (f'<div class="swarmlab-exercise alert alert-info" data-exercise="{html.escape(ex.id)}">'
            f'<b title="{html.escape(ex.id)}">{html.escape(header)}</b> {rich(ex.text(ex.question, params, lang))}'
            "</div>")


def unavailable(exercise_id: str, exc: Exception, lang: str) -> str:
    return i18n.tr(f"练习 {exercise_id} 需要的数据这里没有：{exc}",
                   f"Exercise {exercise_id} needs data this lab does not have: {exc}", lang)


def exercise(exercise_id: str, answer: str | None = None, *, lab: Lab | None = None,
             lang: str | None = None) -> Any:
    """Show the exercise (question, input, Check, Show solution); with `answer`, check it and return a Verdict."""
    from swarmlab.course import session

    lang = lang or i18n.current()
    lab = lab or session.current_lab()
    ex = get(exercise_id)
    try:
        params = ex.values(lab)
    except (SwarmlabError, NotRecorded) as exc:
        if answer is not None:
            raise
        return _Message(unavailable(exercise_id, exc, lang))
    if answer is not None:
        return grade(ex, answer, lab, params, lang)
    return _widget(ex, lab, params, lang)


@dataclass
class _Message:
    text: str

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f'<div class="alert alert-warning">{html.escape(self.text)}</div>'


def _widget(ex: Exercise, lab: Lab | None, params: Params, lang: str) -> Any:
    import ipywidgets as w
    from IPython.display import HTML, display

    display(HTML(question_html(ex, params, lang)))
    box = w.Text(placeholder=i18n.tr("你的答案", "your answer", lang), layout=w.Layout(width="22em"))
    check = w.Button(description=i18n.tr("检查", "Check", lang), button_style="primary")
    reveal = w.Button(description=i18n.tr("显示答案", "Show solution", lang))
    out = w.HTML()

    def on_check(_: Any = None) -> None:
        try:
            v = grade(ex, box.value, lab, params, lang)
            out.value = v._repr_html_()
        except (SwarmlabError, NotRecorded) as exc:
            out.value = html.escape(unavailable(ex.id, exc, lang))

    def on_reveal(_: Any) -> None:
        try:
            text = solution(ex, lab, params, lang)
        except (SwarmlabError, NotRecorded) as exc:
            text = unavailable(ex.id, exc, lang)
        out.value = f'<div style="color:{INFO}">{rich(i18n.tr("答案：", "Solution: ", lang) + text)}</div>'

    check.on_click(on_check)
    reveal.on_click(on_reveal)
    return _exercise_box(lang)([w.HBox([box, check, reveal]), out])


def static_note(lang: str) -> str:
    """What a page without a kernel (the static site) shows in place of the input box."""
    return ('<div class="swarmlab-exercise-static"><i>' + i18n.tr(
        "在 Jupyter 里打开这一课来作答：输入框、“检查”和“显示答案”需要运行中的内核。",
        "Open this lesson in Jupyter to answer: the input box, Check and Show solution need a running kernel.",
        lang) + "</i></div>")


def _exercise_box(lang: str) -> Any:
    import ipywidgets as w

    class ExerciseBox(w.VBox):
        """The widget, plus an HTML fallback for renderers without widgets (the static site, nbconvert)."""

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            data = super()._repr_mimebundle_(**kwargs)
            if isinstance(data, dict):
                data["text/html"] = static_note(lang)
            return data

    return ExerciseBox
