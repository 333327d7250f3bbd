"""Notebook 05 in a real browser: JupyterLab on loopback, Debian's chromium driven by Playwright. Run all cells,
move the requests slider, press Send: the distribution picture appears, and changes. Screenshots: screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmlab.testing.jupyter import CHROMIUM, CHROMIUM_ARGS, JupyterLab, browser_unavailable_reason
from swarmlab.testing.notebooks import LABS

pytestmark = pytest.mark.real
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("labs")
    for nb in LABS.glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline backend draws
    env["SWARMLAB_MODE"] = "replay"
    env["IPYTHONDIR"] = str(root / ".ipython")  # a kernel of its own, sharing no IPython state
    server = JupyterLab(root, env).start()
    yield server
    server.stop()


@pytest.mark.timeout(1800)
def test_notebook_05_in_a_real_browser(jupyter: JupyterLab) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{jupyter.url}/lab/tree/05-request-distribution.ipynb?token={jupyter.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('Idle')",
                               timeout=90_000)  # the kernel is up: the menus act now
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        send = page.get_by_role("button", name="Send")
        send.wait_for(timeout=120_000)
        page.wait_for_selector(".jp-OutputArea-output img", timeout=120_000)  # viz.distribution's picture
        assert page.get_by_text("replaying", exact=False).first.is_visible()
        page.screenshot(path=str(SHOTS / "05-after-run-all.png"), full_page=True)

        widget = send.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
        readout = widget.locator(".widget-readout").first

        def set_requests(n: int) -> None:
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(str(n))
            page.keyboard.press("Enter")

        def picture() -> str:
            img = widget.locator("img").first
            img.wait_for(timeout=60_000)
            return img.get_attribute("src") or ""

        set_requests(2)
        send.click()
        first = picture()
        page.screenshot(path=str(SHOTS / "05-send-2.png"), full_page=True)
        set_requests(3)
        send.click()
        page.wait_for_function("(old) => { const imgs = [...document.querySelectorAll('.widget-vbox img')];"
                               " return imgs.some(i => i.src && i.src !== old); }", arg=first, timeout=60_000)
        second = picture()
        page.screenshot(path=str(SHOTS / "05-send-3.png"), full_page=True)
        browser.close()
    assert first.startswith("data:image/png") and second.startswith("data:image/png")
    assert first != second, "the picture must change when the request count changes"
