"""A lesson in a real browser: JupyterLab on loopback, Debian's chromium driven by Playwright. Run all cells of the
Chinese lesson 04 in replay, then answer its graded exercise "the mark in decimal" (0x106 = 262 in the chapter; the
lesson's recording has its own mark): a wrong answer gets the hint in Chinese, the right one is accepted, "show
solution" explains. Screenshots: screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmlab.testing.jupyter import CHROMIUM, CHROMIUM_ARGS, JupyterLab, browser_unavailable_reason
from swarmlab.testing.notebooks import LABS
from tests.conftest import tool

pytestmark = pytest.mark.real
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
LESSON = "zh/04-marks-and-ipvs.ipynb"


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("labs")
    for lang in ("zh", "en"):
        shutil.copytree(LABS / lang, root / lang)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline backend draws
    env["SWARMLAB_MODE"] = "replay"
    env["IPYTHONDIR"] = str(root / ".ipython")  # a kernel of its own, sharing no IPython state
    # JupyterLab as a zh student meets it (Binder, ./run lab zh): the course's settings overrides, menus in Chinese
    settings = tool("jupyterlab_settings").write("zh", root / "app").parent
    server = JupyterLab(root, env, settings=settings).start()
    yield server
    server.stop()


def expected_answer() -> tuple[str, str]:
    """(the right answer, a wrong one) to "04.mark-decimal" on lesson 04's own recording, as its checker computes
    them: the decimal of the mark on the client's node, and that mark in hex (the classic slip)."""
    from swarmlab import course
    from swarmlab.course import exercises

    lab = course.start("04", "replay", lang="zh", show=False)
    ex = exercises.get("04.mark-decimal")
    params = ex.values(lab)
    (right,) = ex.accepted(lab, params) or {""}
    return right, params["mark_hex"]


@pytest.mark.timeout(1800)
def test_a_graded_exercise_in_a_real_browser(jupyter: JupyterLab, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("SWARMLAB_MODE", "replay")
    right_answer, wrong_answer = expected_answer()
    assert right_answer == str(int(wrong_answer, 16))

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{jupyter.url}/lab/tree/{LESSON}?token={jupyter.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('空闲')",
                               timeout=90_000)  # the kernel is up (Idle): the menus act now
        page.get_by_role("menuitem", name="运行", exact=True).click()  # JupyterLab's own menus speak Chinese
        page.get_by_text("运行所有单元格", exact=True).click()
        question = page.locator('.swarmlab-exercise[data-exercise="04.mark-decimal"]')
        question.wait_for(timeout=300_000)
        cell = page.locator(".jp-Cell", has=question)
        check = cell.get_by_role("button", name="检查")
        check.wait_for(timeout=120_000)
        page.wait_for_timeout(1000)  # let the kernel's status leave Idle for the cells still queued
        page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('空闲')",
                               timeout=600_000)  # every cell ran: a click is answered at once now
        assert (page.locator(".swarmlab-badge").first.text_content() or "").strip().startswith("回放")
        box = cell.locator("input[type=text]")
        box.fill(wrong_answer)
        check.click()
        verdict = cell.locator(".swarmlab-verdict")
        verdict.wait_for(timeout=60_000)
        wrong = verdict.inner_text()
        box.fill(right_answer)
        check.click()
        right_verdict = cell.locator(".swarmlab-verdict", has_text="正确")  # the widget redraws its output
        try:
            right_verdict.wait_for(timeout=60_000)
        finally:
            page.screenshot(path=str(SHOTS / "04-exercise-right.png"), full_page=False)
        right = right_verdict.inner_text()
        cell.get_by_role("button", name="显示答案").click()
        shown = cell.get_by_text("答案：")
        shown.wait_for(timeout=60_000)
        solution = shown.inner_text()
        page.screenshot(path=str(SHOTS / "04-exercise-solution.png"), full_page=False)
        browser.close()
    assert wrong.startswith("✗ 不对。提示：") and "十六进制" in wrong
    assert right == "✓ 正确！"
    assert f"{wrong_answer} = {right_answer}" in solution
