"""Showing and checking a graded exercise: the question (static HTML, so it survives in the static site), an input
box, Check, Explanation and Show solution.

Each exercise has one `Attempt` per session (per lab): the evidence its question is about (bound when the question is
shown; re-running the question's cell binds it again), its parameters, and the student's tries, which the widget and
`course.exercise(id, answer=...)` share. A wrong answer gets the hint; the explanation (解析) comes with the second
wrong answer or on request (`reveal="explanation"`), the solution on request (`reveal="solution"`)."""

from __future__ import annotations

import html
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from swarmlab.course import i18n, progress
from swarmlab.course.answers import as_address, canonical
from swarmlab.course.exercises import Evidence, Exercise, Params, get
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import _, rendered, t
from swarmlab.lab import Lab

GOOD, BAD, INFO = "#009E73", "#D55E00", "#0072B2"
REVEALS = ("explanation", "solution")
MAX_ANSWER = 500  # characters: the longest answer (a sentence) is far shorter; a paste of a whole output is refused


@dataclass
class Verdict:
    exercise: str
    answer: str
    correct: bool
    message: str
    tries: int = 0  # wrong answers so far, this one included

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"{'✓' if self.correct else '✗'} {self.message}"

    def _repr_html_(self) -> str:
        colour = GOOD if self.correct else BAD
        return f'<div class="swarmlab-verdict" style="color:{colour}">{rich(str(self))}</div>'


@dataclass
class Attempt:
    """One exercise in one session: what its question is about and how the student has fared."""

    exercise: Exercise
    evidence: Evidence | None  # None: no lab (an exercise with stored answers only)
    params: Params
    tries: int = 0  # wrong answers so far
    answers: int = 0  # answers checked so far (the try number of the last one), for the class's progress
    _expected: set[str] | None = field(default=None, repr=False)

    @property
    def lab(self) -> Lab | None:
        return self.evidence.lab if self.evidence is not None else None

    def bound(self) -> Any:
        return self.evidence.active() if self.evidence is not None else nullcontext()

    def expected(self) -> set[str] | None:
        """The checker's answers (None: the exercise's stored hashes), computed once, from the bound evidence."""
        ex = self.exercise
        if ex.expected is None:
            return None
        if self._expected is None:
            lab = self.lab
            if lab is None:
                raise SwarmlabError(t("exercise {id} needs the lab: run `course.start(...)` first", id=ex.id))
            with self.bound():
                self._expected = set(ex.expected(lab, self.params))
        return self._expected

    def accepted(self) -> set[str] | None:
        expected = self.expected()
        return None if expected is None else {canonical(a) for a in expected}


_ATTEMPTS: WeakKeyDictionary[Lab, dict[str, Attempt]] = WeakKeyDictionary()
_WITHOUT_LAB: dict[str, Attempt] = {}


def attempt(ex: Exercise, lab: Lab | None, *, shown: bool = False) -> Attempt:
    """The exercise's attempt in this session. `shown` (the question is being shown): bind its evidence now, keeping
    the tries; otherwise the attempt of the question shown last, or a new one bound now."""
    store = _WITHOUT_LAB if lab is None else _ATTEMPTS.setdefault(lab, {})
    old = store.get(ex.id)
    if old is not None and not shown:
        return old
    evidence = Evidence.now(lab) if lab is not None else None
    with evidence.active() if evidence is not None else nullcontext():
        params = ex.values(lab)
    new = Attempt(ex, evidence, params, tries=old.tries if old else 0, answers=old.answers if old else 0)
    store[ex.id] = new
    return new


def grade(att: Attempt, answer: str, lang: str) -> Verdict:
    ex = att.exercise
    if not str(answer).strip():
        return Verdict(ex.id, answer, False, _("Write an answer first.", lang), att.tries)
    if len(str(answer)) > MAX_ANSWER:  # no try either: a paste, not an answer (and no 4300-digit number to read)
        return Verdict(ex.id, answer, False, _("That answer is {n} characters long: write just the value (at most "
                                               "{max}).", lang, n=len(str(answer)), max=MAX_ANSWER), att.tries)
    right = ex.matches(answer, att.accepted(), ex.shown(att.params))
    att.answers += 1
    progress.attempt(ex.id, canonical(answer), right, att.answers)  # only in a class (course/progress.py)
    if right:
        return Verdict(ex.id, answer, True, _("Right!", lang), att.tries)
    att.tries += 1
    hint = ex.text(ex.hint, att.params, lang)
    msg = _("Not quite. Hint: {hint}", lang, hint=hint)
    if att.tries >= 2:
        msg += " " + explanation(att, lang)
    return Verdict(ex.id, answer, False, msg, att.tries)


def explanation(att: Attempt, lang: str) -> str:
    text = att.exercise.text(att.exercise.explanation, att.params, lang)
    return _("Explanation: {text}", lang, text=text)


def solution(att: Attempt, lang: str) -> str:
    expected = att.expected() or set()
    # the longest answer, a name before an address (05.next-task accepts a task's hostname and its IP)
    answer = max(expected, key=lambda a: (as_address(a) is None, len(a), a)) if expected else ""
    return att.exercise.text(att.exercise.solution, att.params, lang, answer=answer)


def rich(text: str) -> str:
    """Escaped HTML, with `code` spans shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def number(exercise_id: str) -> str:
    """'4.2': the lesson's number and the exercise's place among the lesson's exercises in the order the lesson shows
    them (exercises.order(); one the lesson does not ask comes after them). Its id, e.g. 04.mark-decimal, stays for
    instructors, in the header's title."""
    from swarmlab.course.exercises import REGISTRY, order

    lesson = exercise_id.split(".")[0]
    shown = [x for x in order() if x.split(".")[0] == lesson]
    mine = shown + [x for x in REGISTRY if x.split(".")[0] == lesson and x not in shown]
    if exercise_id not in mine:
        mine.append(exercise_id)
    return f"{int(lesson) if lesson.isdigit() else lesson}.{mine.index(exercise_id) + 1}"


def question_html(ex: Exercise, params: Params, lang: str) -> str:
    header = _("Exercise {number}:", lang, number=number(ex.id))
    return (f'<div class="swarmlab-exercise alert alert-info" data-exercise="{html.escape(ex.id)}">'
            f'<b title="{html.escape(ex.id)}">{html.escape(header)}</b> {rich(ex.text(ex.question, params, lang))}'
            "</div>")


def unavailable(exercise_id: str, exc: Exception, lang: str) -> str:
    return _("Exercise {number} needs data this lab does not have: {error}", lang, number=number(exercise_id),
             error=rendered(exc, lang))


def exercise(exercise_id: str, answer: str | None = None, *, lab: Lab | None = None, lang: str | None = None,
             reveal: str | None = None) -> Any:
    """Show the exercise (question, input, Check, Explanation, Show solution); with `answer`, check it and return a
    Verdict; with `reveal="explanation"` or `"solution"`, that text."""
    from swarmlab.course import session

    lang = lang or i18n.current()
    lab = lab or session.current_lab()
    ex = get(exercise_id)
    if reveal is not None and reveal not in REVEALS:
        raise SwarmlabError(t("reveal={reveal}: one of {choices}", reveal=repr(reveal),
                              choices=", ".join(repr(r) for r in REVEALS)))
    try:
        att = attempt(ex, lab, shown=answer is None and reveal is None)
    except SwarmlabError as exc:
        if answer is not None or reveal is not None:
            raise
        return _Message(unavailable(exercise_id, exc, lang))
    if answer is not None:
        return grade(att, answer, lang)
    if reveal is not None:
        text = explanation(att, lang) if reveal == "explanation" else \
            _("Solution: {answer}", lang, answer=solution(att, lang))
        return _Message(text, INFO)
    return _widget(att, lang)


@dataclass
class _Message:
    text: str
    colour: str = ""

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        if self.colour:
            return f'<div style="color:{self.colour}">{rich(self.text)}</div>'
        return f'<div class="alert alert-warning">{html.escape(self.text)}</div>'


def _widget(att: Attempt, lang: str) -> Any:
    import ipywidgets as w
    from IPython.display import HTML, display

    ex = att.exercise
    display(HTML(question_html(ex, att.params, lang)))
    box = w.Text(placeholder=_("your answer", lang), layout=w.Layout(width="22em"))
    check = w.Button(description=_("Check", lang), button_style="primary")
    explain = w.Button(description=_("Explanation", lang))
    reveal = w.Button(description=_("Show solution", lang))
    out = w.HTML()

    def shown(text: str) -> str:
        return f'<div style="color:{INFO}">{rich(text)}</div>'

    def on_check(event: Any = None) -> None:
        try:
            out.value = grade(att, box.value, lang)._repr_html_()
        except SwarmlabError as exc:
            out.value = html.escape(unavailable(ex.id, exc, lang))

    def on_explain(event: Any) -> None:
        out.value = shown(explanation(att, lang))

    def on_reveal(event: Any) -> None:
        try:
            text = _("Solution: {answer}", lang, answer=solution(att, lang))
        except SwarmlabError as exc:
            text = unavailable(ex.id, exc, lang)
        out.value = shown(text)

    check.on_click(on_check)
    explain.on_click(on_explain)
    reveal.on_click(on_reveal)
    return _exercise_box(lang)([w.HBox([box, check, explain, reveal]), out])


def static_note(lang: str) -> str:
    """What a page without a kernel (the static site) shows in place of the input box."""
    return ('<div class="swarmlab-exercise-static"><i>' + html.escape(_(
        "Open this lesson in Jupyter to answer: the input box, Check, Explanation and Show solution need a running "
        "kernel.", lang)) + "</i></div>")


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
