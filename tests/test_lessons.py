"""The lessons' text sources and the notebooks built from them: built == source, both languages alike, the format's
first two cells, exercises that exist, no answer readable in a notebook; the exercises' texts written in their
lessons (one block per exercise and language), gathered by the build, never in a notebook."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from swarmlab.course import EXERCISES, LESSONS
from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


build_lessons = tool("build_lessons")


def _code(lang: str, name: str) -> list[str]:
    nb = json.loads((ROOT / "labs" / lang / f"{name}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def lesson_names() -> list[str]:
    return sorted({p.stem for p in build_lessons.sources()})


def test_every_built_notebook_matches_its_source() -> None:
    assert build_lessons.stale() == []


def test_an_edited_source_or_a_stray_notebook_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("lessons", "labs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / build_lessons.EXERCISE_TEXTS).parent.mkdir(parents=True)
    for built in (build_lessons.EXERCISE_TEXTS, build_lessons.LESSON_DECLARATIONS):
        shutil.copy(ROOT / built, tmp_path / built)
    monkeypatch.setattr(build_lessons, "ROOT", tmp_path)
    monkeypatch.setattr(build_lessons, "LESSONS", tmp_path / "lessons")
    monkeypatch.setattr(build_lessons, "LABS", tmp_path / "labs")
    assert build_lessons.stale() == []
    source = build_lessons.sources()[0]
    source.write_text(source.read_text() + "\nOne more sentence.\n")
    (tmp_path / "labs" / "en" / "99-stray.ipynb").write_text("{}")
    readme = tmp_path / "labs" / "README.md"
    readme.write_text(readme.read_text().replace("| 00-setup |", "| 00-start |"))
    problems = build_lessons.stale()
    assert any(source.stem in p and "differs" in p for p in problems)
    assert "labs/README.md's lesson table differs from the lessons' titles" in problems
    assert any("99-stray.ipynb has no source" in p for p in problems)
    assert build_lessons.main(["--check"]) == 1
    assert build_lessons.main([]) == 0 and build_lessons.stale() == ["labs/en/99-stray.ipynb has no source in lessons/"]


def test_the_labs_readme_lists_the_lessons_by_their_titles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """labs/README.md's lesson table is built from the sources' titles: an edited row, or a changed title, is caught
    and rebuilt; a README without the table's markers is one clear error."""
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    (tmp_path / "labs").mkdir()
    readme = tmp_path / "labs" / "README.md"
    shutil.copy(ROOT / "labs" / "README.md", readme)
    monkeypatch.setattr(build_lessons, "ROOT", tmp_path)
    monkeypatch.setattr(build_lessons, "LESSONS", tmp_path / "lessons")
    monkeypatch.setattr(build_lessons, "LABS", tmp_path / "labs")
    original = readme.read_text()
    assert build_lessons.readme() == original
    rows = [line for line in original.split("\n") if line.startswith("| ") and line[2:4].isdigit()]
    assert [r.split(" | ")[0][2:] for r in rows] == lesson_names()
    assert "| 02-the-vip | VIP：一个不属于任何任务的地址 | The VIP: an address that belongs to no task |" in rows
    readme.write_text(original.replace(" | The VIP: an address", " | The VIP, an address"))
    assert build_lessons.readme() == original
    source = tmp_path / "lessons" / "en" / "02-the-vip.md"
    source.write_text(source.read_text().replace("# 02 · The VIP:", "# 02 · The virtual IP:"))
    assert "| The virtual IP: an address that belongs to no task |" in build_lessons.readme()
    readme.write_text(original.replace(build_lessons.TABLE_END, ""))
    with pytest.raises(SystemExit, match="no <!-- lessons"):
        build_lessons.readme()
    source.write_text(source.read_text().replace("# 02 · ", "# 2 · "))
    with pytest.raises(SystemExit, match="'# 02 · <title>'"):
        build_lessons.title(source)


def test_built_cells_have_stable_ids_and_no_outputs() -> None:
    nb = json.loads(build_lessons.build(build_lessons.sources()[0]))
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids) and ids[0].endswith("-00")
    assert all(c.get("outputs", []) == [] for c in nb["cells"])


def test_both_languages_have_the_same_lessons() -> None:
    by_lang = {lang: sorted(p.stem for p in (ROOT / "lessons" / lang).glob("[0-9][0-9]-*.md"))
               for lang in ("zh", "en")}
    assert by_lang["zh"] == by_lang["en"]
    assert {x.name for x in LESSONS.values()} == set(by_lang["en"]), "LESSONS is not the sources' (lessons.json)"


def test_each_lesson_is_declared_in_its_sources_front_matter() -> None:
    """LESSONS is what the sources' `swarmlab:` front matter declares (built into lessons.json), and each
    self-check it names exists."""
    from swarmlab import checks

    declared = json.loads(build_lessons.lesson_declarations())
    assert json.loads((ROOT / build_lessons.LESSON_DECLARATIONS).read_text(encoding="utf-8")) == declared
    assert {i: (x.slug, list(x.checks), x.recording, x.replay_only) for i, x in LESSONS.items()} == {
        i: (x["slug"], x["checks"], x.get("recording", "rig-session"), x.get("replay_only", False))
        for i, x in declared.items()}
    assert LESSONS["09"].replay_only and LESSONS["10"].recording == "rig-trace-debian13"
    known = {**checks.ALL, **checks.DIAGNOSES, **checks.TRACES}
    assert [(i, c) for i, x in LESSONS.items() for c in x.checks if c not in known] == []


def test_a_lessons_declaration_is_read_strictly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited declaration leaves lessons.json stale until the build writes it; a missing, unknown or mistyped
    key, or two languages declaring a lesson differently, fail the build with the file's name."""
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    (tmp_path / "labs").symlink_to(ROOT / "labs")
    (tmp_path / "swarmlab" / "course").mkdir(parents=True)
    for built in (build_lessons.EXERCISE_TEXTS, build_lessons.LESSON_DECLARATIONS):
        shutil.copy(ROOT / built, tmp_path / built)
    monkeypatch.setattr(build_lessons, "ROOT", tmp_path)
    monkeypatch.setattr(build_lessons, "LESSONS", tmp_path / "lessons")
    assert build_lessons.stale() == []
    zh, en = (tmp_path / "lessons" / lang / "07-dnsrr.md" for lang in ("zh", "en"))
    original = en.read_text()
    for text in (zh, en):
        text.write_text(text.read_text().replace("  checks: [dnsrr]", "  checks: [dnsrr, vip]"))
    assert build_lessons.stale() == ["swarmlab/course/lessons.json differs from the lessons' front matter"]
    assert json.loads(build_lessons.lesson_declarations())["07"]["checks"] == ["dnsrr", "vip"]
    en.write_text(original)
    with pytest.raises(SystemExit, match="lesson 07-dnsrr: its sources declare it differently"):
        build_lessons.lesson_declarations()
    for old, new in (("  checks: [dnsrr]", "  checks: []"), ("  checks: [dnsrr]", "  check: [dnsrr]"),
                         ("  checks: [dnsrr]", "  checks: [dnsrr]\n  replay_only: yes please"),
                         ("swarmlab:\n  checks: [dnsrr]\n", "")):
        en.write_text(original.replace(old, new))
        with pytest.raises(SystemExit, match=r"lessons/en/07-dnsrr\.md: "):
            build_lessons.declaration(en)


def test_without_built_declarations_the_course_has_no_lessons_and_says_how_to_build_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmlab.course import lessons
    from swarmlab.errors import SwarmlabError

    monkeypatch.setattr(lessons, "DECLARATIONS", tmp_path / "lessons.json")
    assert lessons._declared() == {}
    monkeypatch.setattr(lessons, "LESSONS", {})
    with pytest.raises(SwarmlabError, match=r"build them with tools/build_lessons\.py"):
        lessons.lesson("04")


@pytest.mark.parametrize("name", lesson_names())
def test_zh_and_en_code_cells_are_identical_but_lang(name: str) -> None:
    zh, en = _code("zh", name), _code("en", name)
    code = [[line.split("#")[0] for line in cell.split("\n")] for cell in (zh[0], en[0])]
    assert [line.replace('LANG = "zh"', 'LANG = "en"') for line in code[0]] == code[1], \
        "the parameters cell differs in more than LANG (and its comments' language)"
    assert CJK.search(zh[0]) and not CJK.search(en[0]), "the parameters cell's comments are in the lesson's language"
    assert 'LANG = "zh"' in zh[0] and 'LANG = "en"' in en[0]
    assert zh[1:] == en[1:]


@pytest.mark.parametrize("name", lesson_names())
def test_first_two_code_cells_follow_the_course_format(name: str) -> None:
    nb = json.loads((ROOT / "labs" / "en" / f"{name}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    params = "".join(code[0]["source"])
    for name_ in ("MODE = None", "RECORDING = None", "INVENTORY = None", "RECORD_TO = None", "LANG ="):
        assert name_ in params
    start = "".join(code[1]["source"])
    assert "from swarmlab import course" in start
    assert f'course.start("{name[:2]}", MODE, recording=RECORDING, inventory=INVENTORY, record_to=RECORD_TO, ' \
           "lang=LANG)" in start
    assert any(f'course.check("{name[:2]}")' in "".join(c["source"]) for c in code), "the self-check is missing"


@pytest.mark.parametrize("name", lesson_names())
def test_every_exercise_a_lesson_uses_is_defined_and_answers_stay_out(name: str) -> None:
    code = "\n".join(_code("en", name))
    used = re.findall(r'course\.exercise\("([^"]+)"', code)
    assert len(used) >= 2, "a lesson has at least two graded exercises"
    assert [u for u in used if u not in EXERCISES] == []
    assert "answer=" not in code, "an answer in a lesson's code cell is readable in the notebook"


def test_a_wrapped_chinese_paragraph_is_joined_where_the_break_falls_between_chinese_characters() -> None:
    text = ("第一行讲到\n这里，\n`ipvsadm` 接着\nIPVS\n\n```\n代码\n代码\n```\n| 表 |\n| 表 |\n"
            "- 列表项的\n  续行\n- 下一项")
    assert build_lessons.join_cjk_lines(text) == (
        "第一行讲到这里，`ipvsadm` 接着\nIPVS\n\n```\n代码\n代码\n```\n| 表 |\n| 表 |\n- 列表项的续行\n- 下一项")
    assert build_lessons.join_cjk_lines("an English\nparagraph") == "an English\nparagraph"


@pytest.mark.parametrize("name", lesson_names())
def test_no_built_chinese_paragraph_breaks_between_two_chinese_characters(name: str) -> None:
    nb = json.loads((ROOT / "labs" / "zh" / f"{name}.ipynb").read_text())
    for cell in (c for c in nb["cells"] if c["cell_type"] == "markdown"):
        fenced = False
        lines = "".join(cell["source"]).split("\n")
        for a, b in itertools.pairwise(lines):
            fenced ^= a.strip().startswith("```")
            if not fenced and a.strip() and b.strip() and build_lessons._prose(b):
                assert not (build_lessons.CJK.match(a.rstrip()[-1]) and build_lessons.CJK.match(b.strip()[0])), \
                    f"{name}: a line break between Chinese characters renders as a space: {a[-20:]!r} / {b[:20]!r}"


def test_every_exercise_has_its_texts_in_its_own_lesson_in_both_languages() -> None:
    """The texts are written in the lesson whose number the exercise's id starts with, in each language; the built
    notebooks carry none of them (the hint, explanation and solution come when asked)."""
    where = {}
    for source in build_lessons.sources():
        _, found = build_lessons.exercise_blocks(source.read_text(encoding="utf-8"))
        for exercise_id in found:
            where[(source.parent.name, exercise_id)] = source.stem[:2]
    assert {(lang, x) for lang in ("zh", "en") for x in EXERCISES} == set(where)
    assert all(x.split(".")[0] == lesson for (_, x), lesson in where.items())
    texts = json.loads((ROOT / build_lessons.EXERCISE_TEXTS).read_text(encoding="utf-8"))
    built = "".join((ROOT / "labs" / lang / f"{name}.ipynb").read_text() for lang in ("zh", "en")
                    for name in lesson_names())
    assert "{exercise}" not in built and ":hint:" not in built
    assert "{answers}" not in built and ":right:" not in built and ":wrong:" not in built
    assert ":right:" not in (ROOT / build_lessons.EXERCISE_TEXTS).read_text(encoding="utf-8")
    hints = [texts[lang][x]["hint"] for lang in ("zh", "en") for x in EXERCISES]
    assert len(hints) == 2 * len(EXERCISES) and not [h for h in hints if h in built]


def test_an_exercise_block_is_read_strictly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = "```{exercise} 04.x\n:question: Q {node}?\n:hint: H\n:explanation: E\n:solution: {answer}\n```\n"
    text, found = build_lessons.exercise_blocks(f"Before.\n\n{block}\nAfter.")
    assert text == "Before.\n\nAfter." and found == {"04.x": {"question": "Q {node}?", "hint": "H",
                                                                "explanation": "E", "solution": "{answer}"}}
    for broken, said in ((block.replace(":hint: H\n", ""), "no hint"), (block + "\n" + block, "written twice"),
                         (block.replace(":hint:", ":hnit:"), "':hnit: H'"),
                         (block.replace(":hint: H", ":hint: "), "':hint:'")):
        with pytest.raises(SystemExit, match=said):
            build_lessons.exercise_blocks(broken, "lessons/en/04-x.md")
    # a changed text: exercises.json is stale until the build writes it again
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    (tmp_path / "labs").symlink_to(ROOT / "labs")
    monkeypatch.setattr(build_lessons, "ROOT", tmp_path)
    monkeypatch.setattr(build_lessons, "LESSONS", tmp_path / "lessons")
    (tmp_path / build_lessons.EXERCISE_TEXTS).parent.mkdir(parents=True)
    for built in (build_lessons.EXERCISE_TEXTS, build_lessons.LESSON_DECLARATIONS):
        shutil.copy(ROOT / built, tmp_path / built)
    source = next(p for p in build_lessons.sources() if p.parent.name == "en" and p.stem.startswith("04"))
    source.write_text(source.read_text().replace(":hint: iptables", ":hint: Remember: iptables", 1))
    assert build_lessons.stale() == ["swarmlab/course/exercises.json differs from the exercise blocks in lessons/"]


def test_an_answer_block_is_read_strictly() -> None:
    """An exercise's answer table (tests/test_grading.py answers it) is taken out of the notebook like its texts; a
    malformed one fails the build with its name."""
    block = ('```{answers} 04.x\n:value: 271\n:right: 271\n:right: " 271 "\n:right: "\\"a\\": 1"\n'
             ":wrong: 0x10f\n```\n")
    text, found = build_lessons.answer_blocks(f"Before.\n\n{block}\nAfter.", "lessons/en/04-x.md", {"04.x"})
    assert text == "Before.\n\nAfter."
    assert found == {"04.x": build_lessons.Answers("271", ("271", " 271 ", '"a": 1'), ("0x10f",))}
    for broken, said in ((block.replace(":value: 271\n", ""), "one :value: needed"),
                         (block.replace(":wrong: 0x10f", ":wrong: 271"), r"right and wrong at once: \['271'\]"),
                         (block.replace(":wrong: 0x10f\n", ""), "no :wrong: form"),
                         (block.replace(":right: 271\n", ":right: 271\n:right: 271\n"), "'271' written twice"),
                         (block.replace(":wrong:", ":worng:"), "':worng: 0x10f' is not one of"),
                         (block.replace('" 271 "', '" 271'), "is not a JSON string"),
                         (block.replace("04.x", "04.y"), "no exercise block with this id here")):
        with pytest.raises(SystemExit, match=said):
            build_lessons.answer_blocks(broken, "lessons/en/04-x.md", {"04.x"})


def test_the_exercise_texts_are_package_data() -> None:
    """An installed swarmlab (Binder installs it, not editable) finds the texts the course reads."""
    import fnmatch
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["swarmlab"]
    for built in (build_lessons.EXERCISE_TEXTS, build_lessons.LESSON_DECLARATIONS):
        path = built.relative_to("swarmlab").as_posix()
        assert any(fnmatch.fnmatch(path, pattern) for pattern in data), (path, data)


def test_the_parameters_comments_are_written_in_the_notebooks_language() -> None:
    line = 'LANG = "zh"  # "zh" or "en"'
    assert build_lessons.parameters_in("zh", line) == 'LANG = "zh"  # "zh" 或 "en"'
    assert build_lessons.parameters_in("en", line) == line
    with pytest.raises(SystemExit, match="'a new comment' is not one of"):
        build_lessons.parameters_in("zh", "X = 1  # a new comment")


def test_exercises_are_numbered_in_the_order_the_lesson_shows_them() -> None:
    """A student reads 0.1, 0.2, 0.3 down the lesson, in both languages (numbering in the order the checkers were
    defined showed 0.3, 0.4, 0.1)."""
    from swarmlab.course import quiz

    for source in build_lessons.sources():
        asked = build_lessons.exercise_order(source.read_text(encoding="utf-8"))
        lesson = str(int(source.stem[:2]))
        assert [quiz.number(x) for x in asked] == [f"{lesson}.{i}" for i in range(1, len(asked) + 1)], source
    # the build's order is the calls' order in the code cells, not the order of the exercise blocks
    text = ('```{exercise} 04.b\n:question: q\n```\n\n```{code-cell} ipython3\ncourse.exercise("04.b")\n```\n\n'
            '```{code-cell} ipython3\nx = 1\ncourse.exercise("04.a")\ncourse.exercise("04.b")\n```\n')
    assert build_lessons.exercise_order(text) == ["04.b", "04.a"]


def test_the_build_runs_before_the_course_can_be_imported() -> None:
    """A new exercise is refused at import until its texts are in exercises.json, which the build writes: so the
    build must not import the package `swarmlab.course` (a new lesson's first build would need its own output)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    loaded = subprocess.run(
        [sys.executable, "-c", "import importlib.util, sys; s = importlib.util.spec_from_file_location('b', "
         "'tools/build_lessons.py'); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
         "print(sorted(n for n in sys.modules if n.startswith('swarmlab.course')), len(m.PARAMETER_COMMENTS))"],
        cwd=root, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["[]", "5"], loaded.stdout + loaded.stderr
