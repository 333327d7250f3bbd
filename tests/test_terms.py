"""docs/terms.md enforced on the Chinese lessons: one term per concept, none of the listed variants in the prose of
lessons/zh (code, HTML comments and quotations of the chapter's own words are not prose)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TERMS = ROOT / "docs" / "terms.md"
ZH = ROOT / "lessons" / "zh"
SEED = ROOT / "tests" / "fixtures" / "seed" / "internal_lb_vip.rst"

ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \| (.*?) \| (.*?) \|$")
VARIANT = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
NOT_PROSE = re.compile(r"<!--.*?-->|`[^`\n]*`", re.S)
NAME = re.compile(r"`([A-Za-z][\w.-]*)`")  # inline code that is a name (`FWM`, `IPVS`): read as the word it is
QUOTE = re.compile(r"“([^”]*)”")


def variants(text: str) -> dict[str, re.Pattern[str]]:
    """variant as written in docs/terms.md -> its pattern (`re:` marks a regular expression)."""
    found: dict[str, re.Pattern[str]] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m and m.group(1) not in ("concept", "---"):
            for v in VARIANT.findall(m.group(3)):
                found[v] = re.compile(v[3:] if v.startswith("re:") else re.escape(v))
    return found


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def prose(text: str, chapter: str) -> str:
    """The lesson's prose: no code cells, no HTML comments, no quotation of the chapter, no inline code but a name
    (`` `FWM` 服务 `` reads as "FWM 服务", so a variant around a name is still seen)."""
    blank = lambda m: "\n" * m.group(0).count("\n")  # noqa: E731 (keeps the line numbers)
    text = NOT_PROSE.sub(lambda m: blank(m) or " ", NAME.sub(r"\1", FENCE.sub(blank, text)))
    seed = _squeeze(chapter)
    return QUOTE.sub(lambda m: " " if _squeeze(m.group(1)) and _squeeze(m.group(1)) in seed else m.group(0), text)


def alias_removed(text: str) -> str:
    """The glossary may name a variant once as the alias of its term: `term（variant）` in a term cell."""
    return re.sub(r"^\| ([^|（]+)（[^）|]+） \|", r"| \1 |", text, flags=re.M)


def problems(terms: str, pages: dict[str, str], chapter: str) -> list[str]:
    out = []
    pats = variants(terms)
    for name, text in sorted(pages.items()):
        body = prose(alias_removed(text) if name == "glossary.md" else text, chapter)
        for lineno, line in enumerate(body.splitlines(), 1):
            for v, pat in pats.items():
                for m in pat.finditer(line):
                    out.append(f"lessons/zh/{name}:{lineno}: {m.group(0)!r} (docs/terms.md variant {v})")
    return out


def pages() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(ZH.glob("*.md"))}


def test_the_term_list_names_variants() -> None:
    found = variants(TERMS.read_text())
    assert {"覆盖网络", "回答", "回应", "回包", "应答", "份记录"} <= set(found) and len(found) >= 25


def test_the_chinese_lessons_use_one_term_per_concept() -> None:
    assert problems(TERMS.read_text(), pages(), SEED.read_text()) == []


@pytest.mark.parametrize(("variant", "sentence"), [
    ("覆盖网络", "请求经过覆盖网络到达任务。"),
    ("回答", "三个回答都来自同一个任务。"),
    ("回包", "回包沿原路返回。"),
    ("份记录", "这份记录里没有修复的过程。"),
    ("re:第 ?[①-⑩][^。]{0,6}站", "DNS 把 VIP 告诉 client（第 ② 站）。"),
    ("re:\\*\\*先修\\*\\*", "**先修**：第 01 课。"),
    ("IPVS 服务", "没有 IPVS 服务。"),
    ("FWM 服务", "IPVS 里也没有 `FWM` 服务。"),
    ("IPVS 服务", "这个标记对应的 `IPVS` 服务。"),
])
def test_a_variant_in_the_prose_fails(variant: str, sentence: str) -> None:
    found = problems(TERMS.read_text(), {"05-distribution.md": "# 05\n\n" + sentence + "\n"}, SEED.read_text())
    assert found and any(f"variant {variant})" in p for p in found), found


def test_code_comments_chapter_quotes_and_the_glossary_alias_are_not_prose() -> None:
    seed = SEED.read_text()
    lesson = ("章节：“这个虚拟IP在一个特殊的网络命令空间里，这个空间连接在我们的mynet这个overlay的网络上”。\n"
              "`回答` 和 <!-- 回答 --> 不算。\n```{code-cell} ipython3\nprint('覆盖网络')\n```\n")
    assert problems(TERMS.read_text(), {"03-lb-namespace.md": lesson}, seed) == []
    alias = "| overlay 网络（覆盖网络） | overlay network | … |\n"
    assert problems(TERMS.read_text(), {"glossary.md": alias}, seed) == []
    # a quotation that is not the chapter's is prose, and the alias is allowed only in the glossary's term cell
    assert problems(TERMS.read_text(), {"03-lb-namespace.md": "他说：“覆盖网络很好”。\n"}, seed)
    assert problems(TERMS.read_text(), {"glossary.md": "| 网络 | network | 即覆盖网络。 |\n"}, seed)
