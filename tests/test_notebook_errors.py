"""A SwarmlabError raised in a lesson's cell (the Lab API, the course's helpers) is one line in the lesson's
language, never a traceback wall; any other exception keeps IPython's traceback. In a real IPython shell, set up
by the lesson's own second cell (`course.start`)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import pytest

from swarmlab import course


@pytest.fixture(scope="module")
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_cell("from swarmlab import course", store_history=False)
    course.start("02", "replay", lang="zh", show=False, shell=ip)
    yield ip
    ip.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def run(ip: Any, code: str) -> tuple[bool, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        result = ip.run_cell(code, store_history=False)
    return result.success, out.getvalue()


def test_a_swarmlab_error_is_one_line_in_the_lessons_language(shell: Any) -> None:
    ok, shown = run(shell, 'lab = course.current_lab()\nlab.run("servce_ps")')
    assert not ok  # the cell still fails: Run All stops there
    assert "Traceback" not in shown and "File " not in shown
    lines = [x for x in shown.splitlines() if x.strip()]
    assert len(lines) == 1, shown
    assert lines[0].startswith("错误：") and "'servce_ps'" in lines[0] and "service_ps" in lines[0]


def test_a_refusal_by_the_lab_api_is_said_in_the_lessons_language(shell: Any) -> None:
    ok, shown = run(shell, 'course.current_lab().ping(count=99)')
    assert not ok and "Traceback" not in shown
    assert shown.strip() == "错误：ping -c 99：这里只允许 1 到 5（课程所需的范围）", shown


def test_any_other_exception_keeps_its_traceback(shell: Any) -> None:
    ok, shown = run(shell, "1 / 0")
    assert not ok
    assert "Traceback" in shown and "ZeroDivisionError" in shown
