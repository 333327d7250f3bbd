"""The Chinese edition shows no English a student reads: every executed zh lesson (the replay run shared with
tests/test_notebooks.py) is scanned for English prose outside code and terminal output. Exempt: the source of code
cells, code spans, the terminal blocks of `%swarm` (a command's output as printed); not exempt: tables (headers, a
True/False cell), notes, footers, errors, self-checks, exercise headers and the lesson's own text."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from tests.conftest import ExecutedLessons

# words that make a run of Latin words a sentence rather than a command, a field or a name
FUNCTION_WORDS = {
    "the", "a", "an", "of", "in", "is", "are", "was", "not", "no", "this", "that", "these", "to", "for", "with",
    "and", "or", "on", "from", "by", "be", "it", "its", "as", "at", "what", "which", "who", "when", "where", "how",
    "does", "do", "did", "has", "have", "can", "cannot", "only", "run", "needs", "holds", "here", "there", "then",
    "every", "each", "all", "one", "your", "you", "we", "our", "nothing", "already", "exists", "answers", "answered",
    "requests", "request", "recording", "recorded", "replaying", "replay", "live", "failed", "error", "exercise",
    "check", "solution", "hint", "explanation", "should", "would", "will", "must",
}
WORD = re.compile(r"[(\"']?[A-Za-z][A-Za-z'’]+[,;:.!?)\"']*")
CJK = re.compile(r"[\u4e00-\u9fff]")
# English a table may show as a header: units, abbreviations the chapter itself uses
HEADER_OK = re.compile(r"^(#|IP|VIP|ID|CLI|API|FWM|TCP|UDP|VNI|DNS|IPVS|NAT|SNAT|DNAT|MARK|[\d\s.]*)$")


class _Visible(HTMLParser):
    """The text a reader sees in an output's HTML, without code, scripts, styles and %swarm's terminal block."""

    SKIP = frozenset({"style", "script", "code"})

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headers: list[str] = []
        self.cells: list[str] = []
        self.stack: list[str] = []
        self.hidden = 0
        self.terminal = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if "swarmlab-terminal" in classes:
            self.terminal += 1
        hide = tag in self.SKIP or (tag == "pre" and self.terminal > 0)
        self.stack.append(f"{tag}{'!' if hide else ''}")
        self.hidden += hide

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            self.hidden -= top.endswith("!")
            if top.rstrip("!") == tag:
                break
        self.text.append("\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.text.append(data)
        inside = self.stack[-1].rstrip("!") if self.stack else ""
        if inside == "th" and data.strip():
            self.headers.append(data.strip())
        elif inside == "td" and data.strip():
            self.cells.append(data.strip())


def english_prose(text: str) -> list[str]:
    """Runs of three or more Latin words (two letters or more; a file name, a path, a-b-a-b are not words) in
    `text` that read as an English sentence: one of them a function word. A message quoted “like this” is exempt:
    the chapter's way of citing what a program printed."""
    found = []
    text = re.sub(r"“[^”]*”", " ", text)
    for stretch in re.split(r"[^\x00-\x7f]+|\n", text):  # the Latin between Chinese text
        run: list[str] = []
        for token in [*stretch.split(), ""]:
            if WORD.fullmatch(token):
                run.append(token)
                continue
            if len(run) >= 3 and any(w.strip("()\"',;:.!?").lower() in FUNCTION_WORDS for w in run):
                found.append(" ".join(run))
            run = []
    return found


def english_on_screen(nb: object) -> list[str]:
    """What of an executed notebook a student reads in English: (cell index, what)."""
    found = []
    for i, cell in enumerate(nb.cells):  # type: ignore[attr-defined]
        if cell.cell_type == "markdown":
            text = re.sub(r"```.*?```|`[^`]*`", " ", cell.source, flags=re.DOTALL)
            found += [f"cell {i} (text): {m!r}" for m in english_prose(re.sub(r"<[^>]+>", " ", text))]
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue  # a widget: its labels are tests/test_widgets.py's
            if "text/html" in data:
                seen = _Visible()
                seen.feed(data["text/html"])
                text = "".join(seen.text)
                found += [f"cell {i}: table header {h!r}" for h in seen.headers
                          if re.search(r"[A-Za-z]", h) and not CJK.search(h) and not HEADER_OK.match(h)]
                found += [f"cell {i}: table cell {c!r}" for c in seen.cells if c in ("True", "False")]
            elif "image/png" in data:
                continue  # pictures: tests/test_viz.py reads their texts in Chinese
            elif "text/plain" in data:
                text = data["text/plain"]
            elif out.get("output_type") == "stream":
                text = out.get("text", "")
            else:
                text = out.get("evalue", "")
            found += [f"cell {i}: {m!r}" for m in english_prose(text)]
    return found


def _cell(source: str, html: str) -> object:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": html})]
    return cell


def test_the_scan_finds_english_and_leaves_terminal_output_alone() -> None:
    terminal = ('<div class="swarmlab-terminal"><pre><b>ipvsadm</b>\nIP Virtual Server version 1.2.1 (size=4096)'
                '</pre><div>录制于 2026-11-27</div></div>')
    good = nbformat.v4.new_notebook(cells=[_cell("%swarm @manager ipvsadm -Ln", terminal),
                                           _cell("x", "<p>✓ IPVS FWM 256 以轮询（rr）方式发给 2 个真实服务器</p>")])
    assert english_on_screen(good) == []
    bad = nbformat.v4.new_notebook(cells=[
        _cell("%swarm @manager ipvsadm", terminal.replace("录制于 2026-11-27", "not in this recording: ipvsadm")),
        _cell("sample.summary", "<table><thead><tr><th>hostname</th><th>次数</th></tr></thead>"
                                "<tbody><tr><td>a</td><td>True</td></tr></tbody></table>"),
        nbformat.v4.new_markdown_cell("这里 `docker service ls` 没问题，但 this sentence is English."),
    ])
    assert english_on_screen(bad) == ["cell 0: 'not in this recording: ipvsadm'", "cell 1: table header 'hostname'",
                                      "cell 1: table cell 'True'", "cell 2 (text): 'this sentence is English.'"]


@pytest.mark.timeout(1800)
def test_executed_chinese_lessons_show_no_english_prose(executed_lessons: ExecutedLessons) -> None:
    found = {name: english_on_screen(nb) for name, nb in executed_lessons.notebooks.items()
             if name.startswith("zh/")}
    assert found and {k: v for k, v in found.items() if v} == {}, json.dumps(found, ensure_ascii=False, indent=1)
