"""The graders on the lessons themselves: every lesson's code cells run in an IPython shell on its bundled recording
(as Run All does), then every exercise is answered in the forms students type, in Chinese and in English, right and
wrong. And every exercise grades the same whether answered at once (cell by cell), after Run All (the self-check's
own requests came later), or after its cell ran again."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from swarmlab import course, recordings
from swarmlab.course import answers, exercises, quiz
from swarmlab.lab import Lab
from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent

build_lessons = tool("build_lessons")
# Each exercise's answer table, written beside it in the lesson source of each language (```{answers} ID``` blocks:
# the answer on the lesson's own recording, then the forms students type, right and wrong). A lesson recorded again
# may change them: then look at what the lesson now shows and update its blocks.
TABLES = build_lessons.answer_tables()  # lang -> exercise id -> Answers(value, right, wrong)
ASKED = sorted(TABLES["en"])


# -- running a lesson as Run All does -----------------------------------------------------------------------------


def _code_cells(lang: str, name: str) -> list[str]:
    nb = json.loads((ROOT / "labs" / lang / f"{name}.ipynb").read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cells[0] = cells[0].replace("MODE = None", 'MODE = "replay"')
    return cells


def _exercise_of(cell: str) -> str | None:
    m = re.search(r'course\.exercise\("([^"]+)"\)', cell)
    return m.group(1) if m else None


@contextlib.contextmanager
def quiet_shell() -> Iterator[Any]:
    """The IPython shell the lessons' code runs in, drawing no pictures (only what the graders read matters)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    formatters = shell.display_formatter.formatters
    saved = {mime: formatters[mime].enabled for mime in ("image/png", "image/svg+xml", "text/html")}
    for mime in saved:
        formatters[mime].enabled = False
    try:
        yield shell
    finally:
        for mime, enabled in saved.items():
            formatters[mime].enabled = enabled


def run_lesson(shell: Any, lang: str, name: str, after_exercise: Any = None) -> tuple[Lab, list[str]]:
    """Every code cell of the built lesson, in order; `after_exercise(id, lab)` right after an exercise's cell."""
    asked = []
    for cell in _code_cells(lang, name):
        with contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(cell, store_history=False, silent=True)
        assert result.success, f"{name}: {cell[:60]!r}: {result.error_in_exec or result.error_before_exec}"
        exercise_id = _exercise_of(cell)
        if exercise_id:
            asked.append(exercise_id)
            if after_exercise is not None:
                after_exercise(exercise_id, shell.user_ns["lab"])
    return shell.user_ns["lab"], asked


LESSONS = sorted({p.stem for p in (ROOT / "labs" / "en").glob("[0-9][0-9]-*.ipynb")})


def _verdicts(exercise_id: str, lab: Lab) -> dict[tuple[str, str], bool]:
    out = {}
    for lang, tables in TABLES.items():
        for answer in tables[exercise_id].right + tables[exercise_id].wrong:
            out[(lang, answer)] = course.exercise(exercise_id, answer=answer, lab=lab, lang=lang).correct
    return out


def _bound(exercise_id: str, lab: Lab) -> tuple[dict[str, str], set[str] | None]:
    """What an exercise grades against in this session: its parameters (the question's text) and its accepted
    answers (None: stored hashes, the same everywhere). Equal bindings grade every answer alike."""
    att = quiz.attempt(exercises.get(exercise_id), lab)
    return att.params, att.accepted()


Bound = dict[str, tuple[dict[str, str], "set[str] | None"]]


@dataclass
class Runs:
    at_once: Bound  # going cell by cell (en): bound right after the exercise's cell ran
    after_run_all: Bound  # Run All (zh), then answered: the self-check's own requests came later
    after_rerun: Bound  # the exercise's cell run again after Run All
    verdicts: dict[str, dict[tuple[str, str], bool]]  # every form of the table, answered after Run All
    samples: dict[str, Any]  # what lesson 05's picture showed (`sample`)


@pytest.fixture(scope="module")
def runs() -> Runs:
    at_once: Bound = {}
    after: Bound = {}
    rerun: Bound = {}
    verdicts = {}
    samples = {}
    with quiet_shell() as shell:
        for name in LESSONS:
            run_lesson(shell, "en", name, lambda i, lab: at_once.__setitem__(i, _bound(i, lab)))
            lab, asked = run_lesson(shell, "zh", name)
            samples[name[:2]] = shell.user_ns.get("sample")
            for i in asked:
                verdicts[i] = _verdicts(i, lab)
                after[i] = _bound(i, lab)
                with contextlib.redirect_stdout(io.StringIO()):
                    assert shell.run_cell(f'course.exercise("{i}")', store_history=False, silent=True).success
                rerun[i] = _bound(i, lab)
    return Runs(at_once, after, rerun, verdicts, samples)


# -- the tests ----------------------------------------------------------------------------------------------------


def test_every_exercise_a_lesson_asks_has_a_table() -> None:
    """In each language, an answer block for every exercise a lesson asks, at least ten right forms and five wrong
    ones, and the same answer on the recording."""
    asked = {i for name in LESSONS for cell in _code_cells("en", name) if (i := _exercise_of(cell))}
    for lang, tables in TABLES.items():
        assert set(tables) == asked, f"{lang}: an exercise without its answers block, or a block no lesson asks"
        for exercise_id, table in tables.items():
            assert len(table.right) >= 10 and len(table.wrong) >= 5, (lang, exercise_id)
            assert table.value == TABLES["en"][exercise_id].value, (lang, exercise_id)
            assert table.value in table.right, (lang, exercise_id)


@pytest.mark.parametrize("exercise_id", ASKED)
def test_right_and_wrong_forms_in_both_languages(exercise_id: str, runs: Runs) -> None:
    graded = runs.verdicts[exercise_id]
    refused = [a for lang, t in TABLES.items() for a in t[exercise_id].right if not graded[(lang, a)]]
    accepted = [a for lang, t in TABLES.items() for a in t[exercise_id].wrong if graded[(lang, a)]]
    assert refused == [], f"{exercise_id}: right answers refused"
    assert accepted == [], f"{exercise_id}: wrong answers accepted"


@pytest.mark.parametrize("exercise_id", ASKED)
def test_an_exercise_grades_the_same_at_once_after_run_all_and_after_its_cell_runs_again(exercise_id: str,
                                                                                        runs: Runs) -> None:
    assert runs.at_once[exercise_id] == runs.after_run_all[exercise_id] == runs.after_rerun[exercise_id]


def test_05_repeats_grades_the_sample_the_picture_shows_not_the_self_checks(runs: Runs) -> None:
    sample = runs.samples["05"]
    repeats = TABLES["en"]["05.repeats"].value
    assert sample is not None and len(sample.answers) == 1000 and str(sample.repeats) == repeats
    assert runs.at_once["05.repeats"] == ({"n": "1000"}, {repeats}) == runs.after_run_all["05.repeats"]


def test_a_self_checks_requests_are_no_evidence() -> None:
    """Lesson 05's question asked after its self-check ran (a student who ran every cell, then scrolled up) still
    counts the lesson's picture; without `not_evidence`, the self-check's 100 requests would be "the latest"."""
    lab = course.start("05", "replay", lang="en", show=False)
    sample = lab.sample_requests(1000)
    course.check("05", lab=lab)
    assert course.exercise("05.repeats", lab=lab) is not None  # shown after the self-check
    assert course.exercise("05.repeats", answer=str(sample.repeats), lab=lab).correct
    assert exercises.evidence(lab)[-1].step != "requests" or len(exercises.evidence(lab)[-1].value or []) == 1000


# -- the reading of an answer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "reads"), [
    ("２５６", "256"), ("０ｘ１０６", "0x106"), ("１０．０．１．２", "10.0.1.2"), ("10。0。1。2", "10.0.1.2"),
    ("Ｃ", "c"), ("50个", "50"), ("33 次", "33"), ("三个节点", "3"), ("两个", "2"), ("十二", "12"), ("二十", "20"),
    ("二十一次", "21"), ("二百五十六", "256"), ("是，10.0.1.2", "10.0.1.2"), ("选C", "c"), ("答案：Ｃ", "c"),
    ("0x0107/0xffffffff", "0x107"),
    ("twenty-one repeats", "21"), ("[::ffff:10.0.1.9]:59920", "10.0.1.9"), ("B→D→A→C→E", "bdace"),
    ("　web 服务。", "web"),
    ("B–D–A–C–E", "bdace"), ("swarm‐worker2", "swarm-worker2"), ("两个正在运行的任务", "2"), ("三台机器", "3"),
    ("an overlay driver", "overlay"), ("It's called ingress", "ingress"), ("一条都没有", "0"), ("2 个 VIP", "2"),
    ("ffff:10.0.1.9", "10.0.1.9"), ("web 这个服务", "web"), ("There are 3 nodes", "3"), ("俩", "2"),
])
def test_readings_include_what_the_student_meant(typed: str, reads: str) -> None:
    assert reads in answers.readings(typed)


@pytest.mark.parametrize(("typed", "never"), [
    ("0x106", "106"), ("0x106", "262"), ("106", "0x106"), ("10.0.1.20", "10.0.1.2"), ("10.0.1.2.1", "10.0.1.2"),
    ("二十", "2"), ("十二", "2"), ("不是3", "3"), ("3个以上", "3"), ("2.5", "2"), ("一二百", "200"), ("webrr", "web"),
    ("是", ""), ("C和D", "c"), ("ab", "a"),
    ("web task", "web"), ("a web task", "web"), ("A web task", "webtask"), ("2/32", "2"), ("2 running", "20"),
])
def test_readings_never_change_what_the_student_meant(typed: str, never: str) -> None:
    assert never not in answers.readings(typed)


def test_a_wrong_answer_gets_the_hint_then_the_explanation_and_the_solution_on_request() -> None:
    lab = course.start("04", "replay", lang="zh", show=False)
    ex = exercises.get("04.mark-decimal")
    hint, why = ex.text(ex.hint, ex.values(lab), "zh"), ex.text(ex.explanation, ex.values(lab), "zh")
    first = course.exercise("04.mark-decimal", answer="0x100", lab=lab, lang="zh")
    assert first.message == f"不对。提示：{hint}" and first.tries == 1
    assert not course.exercise("04.mark-decimal", answer="", lab=lab).tries > 1  # an empty answer is no try
    second = course.exercise("04.mark-decimal", answer="255", lab=lab, lang="zh")
    assert second.message == f"不对。提示：{hint} 解析：{why}" and second.tries == 2
    assert str(course.exercise("04.mark-decimal", lab=lab, lang="en", reveal="explanation")).startswith(
        "Explanation: Convert hexadecimal")
    assert str(course.exercise("04.mark-decimal", lab=lab, lang="zh", reveal="solution")) == \
        "答案：0x10f = 271：`FWM  271`。"
    other = course.start("04", "replay", lang="zh", show=False)  # a new session counts from zero
    assert "解析" not in course.exercise("04.mark-decimal", answer="255", lab=other).message
    with pytest.raises(exercises.SwarmlabError, match="reveal='answer'"):
        course.exercise("04.mark-decimal", lab=lab, reveal="answer")


def test_an_answer_given_later_is_graded_against_what_the_question_was_asked_about() -> None:
    """The question is bound when it is shown: a later cell showing a later state of the swarm (web scaled 2 -> 3 in
    this recording) does not change the answer to a question asked before it."""
    lab = course.start("06", "replay", recording=recordings.get("rig-session"), lang="en", show=False)

    def running() -> int:
        return len([t for t in lab.tasks("web").value or [] if not t.history and t.state == "Running"])

    assert running() == 2
    course.exercise("01.replicas", lab=lab)  # asked now: two tasks run
    later = [running()]
    while later[-1] != 3:  # the lesson goes on and shows three
        later.append(running())
        assert len(later) < 30
    assert course.exercise("01.replicas", answer="2", lab=lab).correct
    assert not course.exercise("01.replicas", answer="3", lab=lab).correct
    course.exercise("01.replicas", lab=lab)  # its cell run again: asked about what the lesson shows now
    assert course.exercise("01.replicas", answer="3", lab=lab).correct


def test_a_sessions_attempts_keep_no_finished_lab_alive() -> None:
    import gc
    import weakref

    lab = Lab.connect("replay", recording=recordings.get("lessons/04-marks-and-ipvs"))
    att = quiz.attempt(exercises.get("04.mark-decimal"), lab, shown=True)
    assert att.accepted() == {"271"}
    gone = weakref.ref(lab)
    del lab
    gc.collect()
    assert gone() is None
    with pytest.raises(exercises.SwarmlabError, match="lab is gone"):
        _ = att.lab


def test_a_prediction_is_graded_against_what_the_lesson_shows_right_after_it() -> None:
    """Lesson 03 asks how many /32 addresses eth0 has, then shows `ip addr`: the answer is graded against that
    showing, not against a reading the checker makes of its own (a recording's next answer, or a later state)."""
    lab = course.start("03", "replay", lang="en", show=False)
    att = quiz.attempt(exercises.get("03.vip-count"), lab, shown=True)  # the question, before the cell that shows
    shown = lab.addresses(lab.client_node())  # the lesson's next cell: `ip addr` in the lb namespace
    eth0 = next(i for i in shown.value or [] if i.name == "eth0")
    assert course.exercise("03.vip-count", answer=str(len(eth0.vips)), lab=lab).correct
    own = [lab.log[i].step for r in (att.evidence.own if att.evidence else []) for i in r]
    assert "lb_ip_a" not in own, "the checker read `ip addr` itself instead of grading what the lesson showed"


def test_05_next_task_accepts_the_tasks_address_and_its_solution_names_the_hostname() -> None:
    """The lesson reads `Hostname` and the `IP: 10.…` line together as the real server: either names the task. The
    solution shows the hostname, even when the address is as long (`10.0.100.100` beside a 12-digit hostname)."""
    lab = course.start("05", "replay", lang="en", show=False)
    att = quiz.attempt(exercises.get("05.next-task"), lab, shown=True)
    hostname = exercises.next_backend([s.strip() for s in att.params["sequence"].split("→")])
    assert len(att.expected() or ()) == 2 and course.exercise("05.next-task", answer=hostname, lab=lab).correct
    att._expected = {"0a1b2c3d4e5f", "10.0.100.100"}
    assert quiz.solution(att, "en").startswith("0a1b2c3d4e5f:")


@pytest.mark.parametrize("typed", ["9" * 5000, "0x" + "f" * 5000, "一" * 600, "a" * 100_000])
def test_a_pasted_wall_of_text_is_refused_in_one_line_and_is_no_try(typed: str) -> None:
    """An answer longer than any answer (a pasted output, a held-down key) is said to be too long, not graded: before,
    a long number was a ValueError (Python's 4300-digit limit) that the Check button swallowed, showing nothing."""
    att = quiz.attempt(exercises.get("01.network-driver"), None, shown=True)
    before = att.tries
    verdict = quiz.grade(att, typed, "en")
    assert not verdict.correct and verdict.tries == att.tries == before
    assert verdict.message == f"That answer is {len(typed)} characters long: write just the value (at most 500)."
    assert "characters" not in quiz.grade(att, "x" * 500, "en").message  # 500 is graded


def test_an_answer_that_is_not_text_a_browser_sends_is_graded_not_raised() -> None:
    att = quiz.attempt(exercises.get("01.network-driver"), None, shown=True)
    before = att.tries
    assert not quiz.grade(att, "overlay\udcff", "en").correct and att.tries == before + 1
