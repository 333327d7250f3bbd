"""One way to translate (swarmlab.i18n): gettext catalogs compiled by Babel. Every message id the code marks has its
Chinese, the shipped .mo is the compiled .po, and a missing translation or a stale .mo is found."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from swarmlab import i18n
from swarmlab.errors import SwarmlabError
from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent
catalogs = tool("i18n")  # tools/i18n.py


def test_every_message_in_the_code_has_chinese_and_the_mo_is_compiled() -> None:
    assert catalogs.problems() == []
    assert len(catalogs.extracted()) > 100


def test_a_missing_translation_or_a_stale_mo_is_found(tmp_path: Path) -> None:
    po = catalogs.po_path("zh_CN")
    copy = catalogs.po_path("zh_CN", tmp_path)
    copy.parent.mkdir(parents=True)
    shutil.copy(po.with_suffix(".mo"), copy.with_suffix(".mo"))
    text = po.read_text().replace('msgstr "得到响应的请求数"', 'msgstr ""')
    assert text != po.read_text()
    copy.write_text(text)
    assert catalogs.problems(tmp_path) == ["zh_CN: no translation of 'requests answered'",
                                           "zh_CN: swarmlab.mo is stale: run tools/i18n.py compile"]


def test_lookup_in_both_languages() -> None:
    assert i18n._("requests answered", "zh") == "得到响应的请求数"
    assert i18n._("requests answered", "en") == "requests answered"
    assert i18n._("even share: {share:.1f}", "zh", share=2) == "平均份额：2.0"
    with pytest.raises(i18n.UnknownLanguage, match="lang='fr'"):
        i18n._("requests answered", "fr")


def test_the_compiled_catalog_is_package_data() -> None:
    """An installed swarmlab (Binder installs it, not editable) finds its .mo: pyproject ships it."""
    import fnmatch

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["swarmlab"]
    mo = catalogs.po_path("zh_CN").with_suffix(".mo").relative_to(ROOT / "swarmlab").as_posix()
    assert any(fnmatch.fnmatch(mo, pattern) for pattern in data), (mo, data)


# -- one mechanism -------------------------------------------------------------------------------------------------

PACKAGE = ROOT / "swarmlab"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
HELPERS = {"tr", "say", "t", "_t", "translate", "_", "N_", "gettext", "ngettext"}  # names of a translating function
MARKERS = {"_", "t", "N_"}  # swarmlab.i18n's: translate now, translate when shown, mark a constant
# modules whose Chinese in code is not a translation: what a student types (normalised, labels around a value)
CHINESE_INPUT = {"swarmlab/course/answers.py", "swarmlab/course/exercises.py"}
# not yet through the catalog, each named with its owner; the test fails when one has nothing left to convert
NOT_YET: dict[str, str] = {}
LANGUAGE_CHOICE = {  # a branch on the language that chooses no words
    "swarmlab/viz/fonts.py": "a CJK font for zh: typography",
    "swarmlab/course/frames.py": "an English lesson shows a frame as the code made it (its column names)",
}


def _modules() -> list[tuple[str, ast.Module]]:
    return [(p.relative_to(ROOT).as_posix(), ast.parse(p.read_text(encoding="utf-8")))
            for p in sorted(PACKAGE.rglob("*.py"))]


def _docstrings(tree: ast.Module) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def other_mechanisms(modules: list[tuple[str, ast.Module]]) -> dict[str, list[str]]:
    """Per module, what translates outside swarmlab.i18n: a helper of its own (tr, say, ...), Chinese written in
    code, a (zh, en) table, a branch on the language, a message marker given an f-string (its words cannot be looked
    up) or shadowed by a local name."""
    found: dict[str, list[str]] = {}
    for path, tree in modules:
        if path == "swarmlab/i18n.py":
            continue
        bad = found.setdefault(path, [])
        docs = _docstrings(tree)
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module == "swarmlab.i18n" for a in n.names} & MARKERS
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HELPERS:
                bad.append(f"{line}: a translating helper of its own: {node.name}()")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                    and CJK.search(node.value) and path not in CHINESE_INPUT:
                bad.append(f"{line}: Chinese in code: {node.value[:30]!r}")
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)} if isinstance(node, ast.Dict) else set()
            if keys >= {"zh", "en"}:
                bad.append(f"{line}: a table keyed by language")
            if isinstance(node, ast.Compare) and path not in LANGUAGE_CHOICE and any(
                    isinstance(x, ast.Constant) and x.value in ("zh", "en") for x in node.comparators):
                bad.append(f"{line}: a branch on the language")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported \
                    and node.args and isinstance(node.args[0], ast.JoinedStr):
                bad.append(f"{line}: {node.func.id}() of an f-string")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                                          *filter(None, (node.args.vararg, node.args.kwarg))]}
                bad += [f"{line}: parameter {p} hides the marker {p}()" for p in params & imported]
            if isinstance(node, (ast.Assign, ast.For, ast.With)) and imported:
                targets = [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
                bad += [f"{line}: {n.id} = ... hides the marker {n.id}()" for n in targets if n.id in imported]
        if not bad:
            del found[path]
    return found


def test_there_is_one_way_to_translate() -> None:
    """Nothing translates outside swarmlab.i18n (gettext): no helper of a module's own, no Chinese in code, no
    table keyed by language, no branch on it; the modules not yet converted are named, and each still has work."""
    found = other_mechanisms(_modules())
    assert {p: v for p, v in found.items() if p not in NOT_YET} == {}
    assert set(NOT_YET) <= set(found), f"nothing left to convert in {set(NOT_YET) - set(found)}: drop it from NOT_YET"


@pytest.mark.parametrize(("code", "kind"), [
    ("def tr(zh, en, lang):\n    return zh if lang == 'zh' else en\n", "a translating helper of its own: tr()"),
    ("WORDS = {'reply': {'en': 'reply', 'zh': '响应'}}\n", "a table keyed by language"),
    ("def f(lang):\n    return '自检' if lang == 'zh' else 'Self-check'\n", "Chinese in code"),
    ("def f(lang):\n    return 'a' if lang == 'zh' else 'b'\n", "a branch on the language"),
    ("from swarmlab.i18n import _\ndef f(x, lang):\n    return _(f'{x} requests', lang)\n", "_() of an f-string"),
    ("from swarmlab.i18n import _\ndef on_click(_):\n    return _('Check', 'zh')\n", "parameter _ hides"),
    ("from swarmlab.i18n import t\ndef f(r):\n    t = r.transport\n    raise ValueError(t('x'))\n", "t = ... hides"),
])
def test_another_mechanism_is_found(code: str, kind: str) -> None:
    found = other_mechanisms([("swarmlab/new.py", ast.parse(code))])
    assert any(kind in x for x in found.get("swarmlab/new.py", [])), found


STUDENT_FACING = ("swarmlab/lab/", "swarmlab/course/", "swarmlab/magic.py", "swarmlab/checks.py", "swarmlab/widgets/",
                  "swarmlab/inventory.py", "swarmlab/transport/recording.py", "swarmlab/transport/hostkeys.py")  # the
# files a student names: an inventory, a recording (RECORDING), the known_hosts beside them


def unmarked(modules: list[tuple[str, ast.Module]]) -> list[str]:
    """Words a notebook shows that are not a message of the catalog: an error raised, or a step's note, written as a
    literal or an f-string in the modules a student's notebook runs."""
    found = []
    for path, tree in modules:
        if not path.startswith(STUDENT_FACING) or path in NOT_YET:
            continue
        for node in ast.walk(tree):
            said: list[ast.expr] = []
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                said = node.exc.args[:1]
            if isinstance(node, ast.keyword) and node.arg == "note":
                said = [node.value]
            found += [f"{path}:{x.lineno}: {ast.unparse(x)[:60]}" for x in said
                      if isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and x.value)]
    return found


def test_every_error_and_note_a_student_reads_is_a_message_of_the_catalog() -> None:
    assert unmarked(_modules()) == []
    mutated = ast.parse("def f(node):\n    raise SwarmlabError(f'no client container on {node}')\n")
    assert unmarked([("swarmlab/lab/new.py", mutated)]) == ["swarmlab/lab/new.py:2: f'no client container on {node}'"]


def test_every_marked_message_is_in_the_catalog() -> None:
    """Babel finds every `_()`/`t()`/`N_()` of a literal (a call it cannot see would stay English on a zh screen)."""
    ids = {m.id for m in catalogs.extracted() if m.id}
    missed = []
    for path, tree in _modules():
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module == "swarmlab.i18n" for a in n.names} & MARKERS
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported \
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value not in ids:
                missed.append(f"{path}:{node.lineno}: {node.args[0].value!r}")
    assert missed == []


def test_a_message_is_rendered_where_it_is_shown() -> None:
    """A lazy message (an error the lab raises, a note) reads as English anywhere and as Chinese where a zh lesson
    shows it, with its values (themselves messages) in the same language."""
    exc = SwarmlabError(i18n.t("no container of {task} on {node}", task="web.1", node="swarm-worker1"))
    assert str(exc) == "no container of web.1 on swarm-worker1"
    assert i18n.rendered(exc, "zh") == "swarm-worker1 上没有 web.1 的容器"
    nested = i18n.t("skipped: {error}", error=exc)
    assert i18n.rendered(nested, "zh") == "已跳过：swarm-worker1 上没有 web.1 的容器"
    assert i18n.rendered(i18n.Joined([i18n.t("reply"), "x"]), "zh") == "响应；x"
    assert i18n.rendered(ValueError("terminal words"), "zh") == "terminal words"  # not a message: as it is
    assert i18n.rendered(i18n.t("even share: {share:.1f}", share=2), "zh") == "平均份额：2.0"  # a value keeps its type
