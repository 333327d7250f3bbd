"""docs/claims.md and the lessons: every claim about Swarm's internals has evidence and is cited, by
`<!-- claim: ID -->`, in both language versions of its lesson; every cited id exists; both languages cite alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "docs" / "claims.md"
LESSONS = ROOT / "lessons"
LANGS = ("en", "zh")
TAGS = ("v26.1.5", "v20.10.24")

ROW = re.compile(r"^\| (C(?:\d\d|G)\.[a-z0-9-]+) \| (.+?) \| (.+) \|$")
CITED = re.compile(r"<!-- claim: ([^ ]+) -->")
SOURCE = re.compile(r"`(v\d+\.\d+\.\d+):([\w./-]+\.go):(\d+)")
RECORDING = re.compile(r"recording `([\w./-]+\.jsonl)")
REFERENCE = re.compile(r"\bC(?:\d\d|G)\.[a-z0-9-]+")


def claims(text: str) -> dict[str, str]:
    """id -> evidence, from the tables of docs/claims.md."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            if m.group(1) in found:
                raise ValueError(f"claim {m.group(1)} is defined twice")
            found[m.group(1)] = m.group(3)
    return found


def home(cid: str) -> str:
    """The page a claim belongs to: `05` for C05.*, `glossary` for CG.*."""
    return "glossary" if cid.startswith("CG.") else cid[1:3]


def page_of(path: Path) -> str:
    return "glossary" if path.stem == "glossary" else path.stem[:2]


def problems(claims_text: str, pages: dict[tuple[str, str], str]) -> list[str]:
    """What is wrong: pages maps (lang, page) to the page's source text."""
    known = claims(claims_text)
    out: list[str] = []
    for cid, evidence in known.items():
        for ref in REFERENCE.findall(evidence):
            if ref not in known:
                out.append(f"{cid}: its evidence refers to {ref}, which is not a claim")
        for tag, path, _ in SOURCE.findall(evidence):
            if tag not in TAGS:
                out.append(f"{cid}: source {path} names tag {tag}, not one of {', '.join(TAGS)}")
        for rec in RECORDING.findall(evidence):
            if not (ROOT / "swarmlab" / "recordings" / rec).exists():
                out.append(f"{cid}: recording {rec} is not under swarmlab/recordings/")
        if not (SOURCE.search(evidence) or RECORDING.search(evidence) or REFERENCE.search(evidence)
                or "modprobe(8)" in evidence):
            out.append(f"{cid}: no evidence (a source line, a recording or another claim)")
        for lang in LANGS:
            text = pages.get((lang, home(cid)))
            if text is None:
                out.append(f"{cid}: lessons/{lang} has no page {home(cid)}")
            elif f"<!-- claim: {cid} -->" not in text:
                out.append(f"{cid}: not cited in lessons/{lang} page {home(cid)}")
    for page in sorted({p for _, p in pages}):
        cited = {lang: set(CITED.findall(pages.get((lang, page), ""))) for lang in LANGS}
        for lang in LANGS:
            for cid in sorted(cited[lang] - set(known)):
                out.append(f"lessons/{lang} page {page} cites {cid}, which docs/claims.md does not define")
        for cid in sorted(cited["en"] ^ cited["zh"]):
            out.append(f"page {page}: {cid} is cited in one language only")
    return out


def tree() -> tuple[str, dict[tuple[str, str], str]]:
    pages = {(lang, page_of(p)): p.read_text() for lang in LANGS for p in sorted((LESSONS / lang).glob("*.md"))}
    return CLAIMS.read_text(), pages


def test_every_claim_has_evidence_and_is_cited_in_both_languages() -> None:
    text, pages = tree()
    assert len(claims(text)) >= 40
    assert problems(text, pages) == []


def test_every_lesson_makes_at_least_one_sourced_claim() -> None:
    text, pages = tree()
    assert {home(c) for c in claims(text)} == {page for _, page in pages}


@pytest.mark.parametrize("lang", LANGS)
def test_a_citation_missing_in_one_language_is_caught(lang: str) -> None:
    text, pages = tree()
    pages[(lang, "09")] = pages[(lang, "09")].replace("<!-- claim: C09.restart -->", "")
    found = problems(text, pages)
    assert f"C09.restart: not cited in lessons/{lang} page 09" in found
    assert "page 09: C09.restart is cited in one language only" in found


def test_an_unknown_id_a_claim_without_evidence_and_a_duplicate_are_caught() -> None:
    text, pages = tree()
    pages[("zh", "05")] += "\n<!-- claim: C05.invented -->\n"
    text = text.replace("recording `rig-session.jsonl", "recording `rig-gone.jsonl")
    found = problems(text, pages)
    assert "lessons/zh page 05 cites C05.invented, which docs/claims.md does not define" in found
    assert "C04.marks-differ: recording rig-gone.jsonl is not under swarmlab/recordings/" in found
    bare = text.replace(text[text.index("| C06.nodest |"):].split("\n")[0],
                        "| C06.nodest | Docker sets expire_nodest_conn. | trust me |")
    assert "C06.nodest: no evidence (a source line, a recording or another claim)" in problems(bare, pages)
    with pytest.raises(ValueError, match=r"C06\.nodest is defined twice"):
        claims(text + "\n| C06.nodest | again | C04.snat |\n")



def test_the_site_index_counts_the_lessons_it_lists() -> None:
    from tests.conftest import tool

    build_site = tool("build_site")
    names = sorted(p.stem for p in (LESSONS / "en").glob("[0-9][0-9]-*.md"))
    for lang, unit in (("en", "lessons"), ("zh", "节实验课")):
        for listed in (names, names[:-1]):
            page = build_site.index(lang, listed)
            assert f"{len(listed)} {unit}" in page and "{n}" not in page
        assert "nine" not in page.lower() and "九节" not in page
