"""Build the lesson notebooks from their text sources: lessons/{zh,en}/NN-slug.md (MyST Markdown notebooks, jupytext's
md:myst) -> labs/{zh,en}/NN-slug.ipynb, with stable cell ids (`<lang>-NN-<index>`) so a rebuild changes only what
changed. Outputs are never stored: a built notebook holds the source's cells only.

An exercise's texts are written in its lesson, beside the cell that asks it, one block per exercise and language:

    ```{exercise} 04.mark-decimal
    :question: ...
    :hint: ...
    :explanation: ...
    :solution: ...
    ```

The build takes the blocks out of the notebook (a student sees the question when the cell shows it, the rest when
asked) and gathers them in swarmlab/course/exercises.json, which the course reads (swarmlab.course.exercises), with
the order the lessons ask them in (`course.exercise("ID")` in the code cells: quiz.number numbers them so).

Beside it, the exercise's answer table in that language: the answer on the lesson's own recording, and the forms a
student may type, right and wrong, one a line (a form with spaces at its ends, or starting with `"`, written as a
JSON string). tests/test_grading.py answers each; the build only takes the block out (answers never reach a notebook
nor the package):

    ```{answers} 04.mark-decimal
    :value: 271
    :right: FWM 271
    :wrong: 0x10f
    ```

A lesson is declared in its sources' front matter, the same in each language:

    swarmlab:
      checks: [marks_and_ipvs]        # its self-check: names in swarmlab.checks, run by course.check("04")
      recording: rig-trace-debian13   # optional: the bundled recording it replays by default (else rig-session)
      replay_only: true               # optional: a lesson about a broken swarm replays its recording unless told

and the build gathers the declarations in swarmlab/course/lessons.json, which swarmlab.course.lessons reads (LESSONS).

The lesson table of labs/README.md (between its `<!-- lessons -->` and `<!-- /lessons -->` comments) is built from
the lessons' titles (each source's `# NN · Title` heading, in each language).

    .venv/bin/python tools/build_lessons.py           # (re)build every lesson
    .venv/bin/python tools/build_lessons.py --check   # exit 1 and name each notebook that differs from its source
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from swarmlab.i18n import LANGS, _

ROOT = Path(__file__).resolve().parent.parent


def _course_lessons() -> ModuleType:
    """swarmlab/course/lessons.py, loaded without the package `swarmlab.course`: importing that package defines the
    exercises, and each refuses to be defined without its texts in exercises.json, which this build writes; so a
    new lesson's first build would otherwise need its own output."""
    spec = importlib.util.spec_from_file_location("_built_course_lessons", ROOT / "swarmlab" / "course" / "lessons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


PARAMETER_COMMENTS: tuple[str, ...] = _course_lessons().PARAMETER_COMMENTS
LESSONS = ROOT / "lessons"
LABS = ROOT / "labs"
EXERCISE_TEXTS = Path("swarmlab") / "course" / "exercises.json"  # under ROOT
LESSON_DECLARATIONS = Path("swarmlab") / "course" / "lessons.json"  # under ROOT
DECLARED = {"checks": list, "recording": str, "replay_only": bool}  # a lesson's keys under `swarmlab:`, their types
FIELDS = ("question", "hint", "explanation", "solution")
EXERCISE_BLOCK = re.compile(r"^```\{exercise\}[ \t]+(?P<id>\S+)[ \t]*\n(?P<body>.*?)^```[ \t]*$\n?",
                            re.DOTALL | re.MULTILINE)
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’—…]")
FULLWIDTH_PUNCT = "。，；：！？、（）「」“”—…"
NOT_PROSE = ("```", "|", "#", "<", ":", "---", "- ", "* ")
def _prose(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith(NOT_PROSE) and re.match(r"\d+\. ", text) is None


def join_cjk_lines(markdown: str) -> str:
    """Join the lines of a wrapped Chinese paragraph where the break falls between two Chinese characters (or next
    to full-width punctuation): a browser renders a newline inside a paragraph as a space, and Chinese text has none.
    Code blocks, tables, HTML lines, headings and a list item's first line keep their line breaks."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        elif not fenced and out and _prose(line) and (_prose(out[-1]) or out[-1].lstrip().startswith(("- ", "* "))):
            a, b = out[-1].rstrip()[-1], line.strip()[0]
            if a in FULLWIDTH_PUNCT or b in FULLWIDTH_PUNCT or (CJK.match(a) and CJK.match(b)):
                out[-1] = out[-1].rstrip() + line.strip()
                continue
        out.append(line)
    return "\n".join(out)


def parameters_in(lang: str, source: str) -> str:
    """The parameters cell's source with its comments in `lang`, through the catalog (swarmlab.i18n); a comment that
    swarmlab.course.lessons.PARAMETER_COMMENTS does not declare fails the build."""
    lines = []
    for line in source.split("\n"):
        code, sep, comment = line.partition("# ")
        if sep:
            if comment not in PARAMETER_COMMENTS:
                raise SystemExit(f"build_lessons.py: the parameters comment {comment!r} is not one of "
                                 "swarmlab.course.lessons.PARAMETER_COMMENTS: add it there (and its Chinese to the "
                                 "catalog, tools/i18n.py)")
            line = code + "# " + _(comment, lang)
        lines.append(line)
    return "\n".join(lines)


def exercise_blocks(markdown: str, where: str = "") -> tuple[str, dict[str, dict[str, str]]]:
    """`markdown` without its exercise blocks, and the blocks' texts (id -> field -> text). A block must give each
    field once, on one line (`:hint: ...`); anything else fails the build with the block's name."""
    found: dict[str, dict[str, str]] = {}
    for m in EXERCISE_BLOCK.finditer(markdown):
        fields: dict[str, str] = {}
        for line in m["body"].strip().split("\n"):
            key = re.match(r":(\w+):[ \t]*(.*)$", line.strip())
            if key is None or key[1] not in FIELDS or key[1] in fields or not key[2].strip():
                raise SystemExit(f"build_lessons.py: {where} exercise {m['id']}: {line.strip()!r} is not one of "
                                 f"{', '.join(f':{f}: text' for f in FIELDS)}, each once")
            fields[key[1]] = key[2].strip()
        missing = [f for f in FIELDS if f not in fields]
        if missing or m["id"] in found:
            raise SystemExit(f"build_lessons.py: {where} exercise {m['id']}: "
                             + (f"no {', '.join(missing)}" if missing else "written twice"))
        found[m["id"]] = fields
    return re.sub(r"\n{3,}", "\n\n", EXERCISE_BLOCK.sub("", markdown)).strip("\n"), found


ANSWER_BLOCK = re.compile(r"^```\{answers\}[ \t]+(?P<id>\S+)[ \t]*\n(?P<body>.*?)^```[ \t]*$\n?",
                          re.DOTALL | re.MULTILINE)


class Answers(NamedTuple):
    """One exercise's answer table in one language: the answer on the lesson's recording, forms right and wrong."""
    value: str
    right: tuple[str, ...]
    wrong: tuple[str, ...]


def _form(text: str) -> str:
    return str(json.loads(text)) if text.startswith('"') else text


def answer_blocks(markdown: str, where: str = "", exercises: set[str] | None = None) -> tuple[str, dict[str, Answers]]:
    """`markdown` without its answer blocks, and the blocks (id -> Answers). A block gives `:value:` once and at least
    one `:right:` and one `:wrong:` form, each form once, none both (and, given the lesson's `exercises`, is one of
    them); anything else fails the build with the block's name."""
    found: dict[str, Answers] = {}
    for m in ANSWER_BLOCK.finditer(markdown):
        said = f"build_lessons.py: {where} answers {m['id']}: "
        fields: dict[str, list[str]] = {"value": [], "right": [], "wrong": []}
        for line in m["body"].strip().split("\n"):
            key = re.match(r":(\w+):[ \t]+(.*\S)[ \t]*$", line)
            if key is None or key[1] not in fields:
                raise SystemExit(said + f"{line.strip()!r} is not one of :value: text, :right: form, :wrong: form")
            try:
                form = _form(key[2])
            except ValueError:
                raise SystemExit(said + f"{key[2]} is not a JSON string (a form starting with \" is one)") from None
            if form in fields[key[1]]:
                raise SystemExit(said + f"{key[1]} form {form!r} written twice")
            fields[key[1]].append(form)
        both = set(fields["right"]) & set(fields["wrong"])
        problems = [(m["id"] in found, "written twice"),
                    (exercises is not None and m["id"] not in exercises, "no exercise block with this id here"),
                    (len(fields["value"]) != 1, "one :value: needed"), (not fields["right"], "no :right: form"),
                    (not fields["wrong"], "no :wrong: form"), (bool(both), f"right and wrong at once: {sorted(both)}")]
        problem = next((text for bad, text in problems if bad), "")
        if problem:
            raise SystemExit(said + problem)
        found[m["id"]] = Answers(fields["value"][0], tuple(fields["right"]), tuple(fields["wrong"]))
    return re.sub(r"\n{3,}", "\n\n", ANSWER_BLOCK.sub("", markdown)).strip("\n"), found


def answer_tables() -> dict[str, dict[str, Answers]]:
    """Every exercise's answer table, lang -> exercise id -> Answers, from the lesson sources."""
    out: dict[str, dict[str, Answers]] = {lang: {} for lang in LANGS}
    for source in sources():
        markdown, where = source.read_text(encoding="utf-8"), str(source.relative_to(ROOT))
        _, found = answer_blocks(markdown, where, set(exercise_blocks(markdown, where)[1]))
        out[source.parent.name].update(found)
    return out


EXERCISE_CALL = re.compile(r"""course\.exercise\(\s*["'](?P<id>[^"']+)["']""")


def exercise_order(markdown: str) -> list[str]:
    """The exercises a lesson asks (`course.exercise("ID")` in its code cells), in the order it shows them."""
    out: list[str] = []
    for block in re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", markdown, re.DOTALL | re.MULTILINE):
        out += [m["id"] for m in EXERCISE_CALL.finditer(block) if m["id"] not in out]
    return out


def exercise_texts() -> str:
    """swarmlab/course/exercises.json as the lesson sources make it: lang -> exercise id -> field -> text, and
    "order": every exercise the lessons ask, in the order they show them (quiz.number numbers them so)."""
    out: dict[str, dict[str, dict[str, str]]] = {lang: {} for lang in LANGS}
    order: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for source in sources():
        lang = source.parent.name
        markdown = source.read_text(encoding="utf-8")
        _, found = exercise_blocks(markdown, str(source.relative_to(ROOT)))
        twice = set(found) & set(out[lang])
        if twice:
            raise SystemExit(f"build_lessons.py: {source.relative_to(ROOT)}: exercise {sorted(twice)} written twice")
        out[lang].update(found)
        order[lang] += [x for x in exercise_order(markdown) if x not in order[lang]]
    orders = {tuple(o) for o in order.values()}
    if len(orders) > 1:
        raise SystemExit("build_lessons.py: the languages ask their exercises in different orders: "
                         + "; ".join(f"{lang}: {', '.join(o)}" for lang, o in order.items()))
    return json.dumps({**out, "order": order[LANGS[0]]}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def declaration(source: Path) -> dict[str, object]:
    """What a lesson source's front matter declares under `swarmlab:` (its self-checks, its recording); a missing,
    unknown or mistyped key fails the build with the file's name."""
    import yaml

    where = source.relative_to(ROOT)
    text = source.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    front = yaml.safe_load(m[1]) if m else None
    declared = front.get("swarmlab") if isinstance(front, dict) else None
    if not isinstance(declared, dict) or "checks" not in declared:
        raise SystemExit(f"build_lessons.py: {where}: its front matter declares no `swarmlab:` with `checks: [...]` "
                         "(the lesson's self-checks, names in swarmlab.checks)")
    for key, value in declared.items():
        kind = DECLARED.get(key)
        if kind is None or not isinstance(value, kind) or (kind is list and not (
                value and all(isinstance(v, str) for v in value))):
            raise SystemExit(f"build_lessons.py: {where}: `swarmlab: {key}: {value!r}`: the keys are "
                             "checks (a list of names), recording (a name) and replay_only (true or false)")
    return {"slug": source.stem[3:], **declared}


def lesson_declarations() -> str:
    """swarmlab/course/lessons.json as the lesson sources declare it: lesson id -> slug, checks and, when declared,
    recording and replay_only. The languages must declare each lesson alike."""
    out: dict[str, dict[str, object]] = {}
    for source in sources():
        declared = declaration(source)
        known = out.setdefault(source.stem[:2], declared)
        if known != declared:
            raise SystemExit(f"build_lessons.py: lesson {source.stem}: its sources declare it differently: "
                             f"{known} / {declared}")
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def sources() -> list[Path]:
    """Every lesson source (NN-slug.md) in both languages; the glossary is a page, not a notebook."""
    return sorted(p for lang in LANGS for p in (LESSONS / lang).glob("[0-9][0-9]-*.md"))


def target(source: Path) -> Path:
    return LABS / source.parent.name / f"{source.stem}.ipynb"


def build(source: Path) -> str:
    """The notebook (as nbformat JSON text) built from one lesson source."""
    import jupytext
    import nbformat

    nb = jupytext.read(source, fmt="md:myst")
    for cell in nb.cells:  # the exercises' texts go to exercises.json, not into the notebook
        if cell.cell_type == "markdown":
            cell.source = exercise_blocks(answer_blocks(cell.source)[0])[0]
    nb.cells = [c for c in nb.cells if c.cell_type != "markdown" or c.source.strip()]
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"},
                   "swarmlab": {"lesson": source.stem[:2], "lang": source.parent.name,
                                "source": str(source.relative_to(ROOT))}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.parent.name}-{source.stem[:2]}-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = parameters_in(source.parent.name, cell.source)
        elif cell.cell_type == "markdown" and source.parent.name == "zh":
            cell.source = join_cjk_lines(cell.source)
        cell.metadata.pop("lines_to_next_cell", None)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def stale() -> list[str]:
    """Lessons whose built notebook is missing or differs from what its source builds to; built notebooks with no
    source."""
    out = [f"{target(s).relative_to(ROOT)} differs from {s.relative_to(ROOT)}" for s in sources()
           if not target(s).exists() or target(s).read_text() != build(s)]
    built = {target(s) for s in sources()}
    out += [f"{p.relative_to(ROOT)} has no source in lessons/" for lang in LANGS
            for p in sorted((LABS / lang).glob("*.ipynb")) if p not in built]
    answer_tables()  # a malformed answer block fails the check
    texts = ROOT / EXERCISE_TEXTS
    if not texts.exists() or texts.read_text(encoding="utf-8") != exercise_texts():
        out.append(f"{EXERCISE_TEXTS} differs from the exercise blocks in lessons/")
    declarations = ROOT / LESSON_DECLARATIONS
    if not declarations.exists() or declarations.read_text(encoding="utf-8") != lesson_declarations():
        out.append(f"{LESSON_DECLARATIONS} differs from the lessons' front matter")
    if (LABS / "README.md").read_text(encoding="utf-8") != readme():
        out.append("labs/README.md's lesson table differs from the lessons' titles")
    return out


TABLE_START = "<!-- lessons: built by tools/build_lessons.py from the lessons' titles -->"
TABLE_END = "<!-- /lessons -->"
LANG_NAMES = {"zh": "中文", "en": "English"}  # the table's column heads
TITLE = re.compile(r"^# (?P<id>\d\d) · (?P<title>.+)$", re.MULTILINE)


def title(source: Path) -> str:
    """A lesson's title: its `# NN · Title` heading without the number (a source without one fails the build)."""
    m = TITLE.search(source.read_text(encoding="utf-8"))
    if m is None or m["id"] != source.stem[:2]:
        raise SystemExit(f"build_lessons.py: {source.relative_to(ROOT)}: its first heading must be "
                         f"'# {source.stem[:2]} · <title>'")
    return m["title"].strip()


def readme() -> str:
    """labs/README.md with its lesson table as the sources' titles make it: one row per lesson, its title in each
    language."""
    path = LABS / "README.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise SystemExit(f"build_lessons.py: {path.relative_to(ROOT)} has no {TABLE_START} ... {TABLE_END} "
                         "around its lesson table: put them back")
    names = sorted({s.stem for s in sources()})
    header = "| lesson | " + " | ".join(LANG_NAMES.get(lang, lang) for lang in LANGS) + " |"
    rows = [header, "|---" * (len(LANGS) + 1) + "|"]
    rows += [f"| {name} | " + " | ".join(title(LESSONS / lang / f"{name}.md").replace("|", "\\|") for lang in LANGS)
             + " |" for name in names]
    return text[:start] + TABLE_START + "\n\n" + "\n".join(rows) + "\n\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when a notebook is stale")
    args = ap.parse_args(argv)
    if args.check:
        problems = stale()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("rebuild: .venv/bin/python tools/build_lessons.py", file=sys.stderr)
        return 1 if problems else 0
    answer_tables()  # a malformed answer block fails the build
    for s in sources():
        path = target(s)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = build(s)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(path.relative_to(ROOT))
    for built, relative in ((exercise_texts(), EXERCISE_TEXTS), (lesson_declarations(), LESSON_DECLARATIONS)):
        path = ROOT / relative
        if not path.exists() or path.read_text(encoding="utf-8") != built:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(built, encoding="utf-8")
            print(relative)
    table, path = readme(), LABS / "README.md"
    if path.read_text(encoding="utf-8") != table:
        path.write_text(table, encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
