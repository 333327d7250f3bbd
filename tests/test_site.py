"""The static site of the course (tools/build_site.py, `./run site`): both languages, every lesson with the outputs
of its replay, offline. The browser test opens a Chinese lesson page and the matching English one."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmlab.testing.jupyter import CHROMIUM, CHROMIUM_ARGS, browser_unavailable_reason
from swarmlab.testing.notebooks import notebooks
from tests.conftest import ExecutedLessons, tool

ROOT = Path(__file__).resolve().parent.parent
PAGE = "02-the-vip"  # the page the browser test opens in both languages


@pytest.fixture(scope="module")
def built(executed_lessons: ExecutedLessons, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The site, built from what executed (a lesson that did not is reported by the first test, not hidden)."""
    out = tmp_path_factory.mktemp("site") / "html"
    return dict(tool("build_site").build(out, executed_lessons.folder, strict=False))


@pytest.fixture(scope="module")
def site(built: dict[str, object]) -> Path:
    return Path(str(built["out"]))


@pytest.mark.timeout(1800)
def test_every_lesson_has_a_page_in_both_languages_with_its_outputs(built: dict[str, object], site: Path) -> None:
    assert built["missing"] == [], "lessons without a page (they did not execute: tests/test_notebooks.py says why)"
    for path in notebooks():
        page = site / path.parent.name / f"{path.stem}.html"
        assert page.exists(), page
        html = page.read_text()
        assert "swarmlab-badge" in html, f"{page.name}: outputs of the replay are missing"
        assert ("回放" if path.parent.name == "zh" else "replaying") in html
    zh, en = (site / "zh" / "index.html").read_text(), (site / "en" / "index.html").read_text()
    assert "动手实验课" in zh and "hands-on course" in en
    assert 'href="../en/index.html"' in zh and 'href="../zh/index.html"' in en
    assert f"{len(notebooks('zh'))} 节实验课" in zh and f"{len(notebooks('en'))} lessons" in en


def test_the_chinese_pages_speak_chinese_around_the_lesson_too(site: Path) -> None:
    """Sphinx's chrome (contents, search, previous/next) and <html lang> follow the page's language."""
    for path in notebooks("zh"):
        html = (site / "zh" / f"{path.stem}.html").read_text()
        assert '<html lang="zh-CN"' in html and "目录" in html and "搜索" in html, path.stem
        assert not re.search(r"Table of Contents|>Search<|Quick search|Previous|Next|Go<", html), path.stem
    assert "上一主题" in (site / "zh" / "02-the-vip.html").read_text()
    en = (site / "en" / "02-the-vip.html").read_text()
    assert '<html lang="en"' in en and "Previous topic" in en and "Next topic" in en
    assert not (site / "jupyter_execute").exists(), "myst-nb's working copies are not part of the site"


def test_the_site_fetches_nothing_from_elsewhere(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), page


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.real
@pytest.mark.timeout(600)
def test_a_chinese_page_and_the_matching_english_one_in_a_browser(served: str) -> None:
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    shots = ROOT / "screenshots"
    shots.mkdir(exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        # nothing but loopback resolves: the page must be whole without the network
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        for lang in ("zh", "en"):
            page.goto(f"{served}/{lang}/{PAGE}.html")
            page.wait_for_selector("div.body")
            body = page.inner_text("div.body")
            images = page.eval_on_selector_all("div.body img", "imgs => imgs.map(i => i.naturalWidth)")
            cells = page.locator("div.cell").count()
            badge = page.inner_text(".swarmlab-badge")
            page.screenshot(path=str(shots / f"site-{lang}-{PAGE}.png"), full_page=True)
            seen[lang] = (body, images, cells, badge)
        browser.close()
    zh, en = seen["zh"], seen["en"]
    assert "自检" in zh[0] and "Self-check" in en[0]
    assert "回放" in zh[3] and "replaying" in en[3]
    assert len(re.findall(r"[\u4e00-\u9fff]", zh[0])) > 300 > len(re.findall(r"[\u4e00-\u9fff]", en[0]))
    assert zh[2] == en[2] > 5, "both pages show the same code cells"
    assert zh[1] and all(w > 0 for w in zh[1] + en[1]), "every picture is drawn"
