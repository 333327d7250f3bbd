"""The one-way layers the README states, checked on every import of the package (lazy and type-only ones too): a
module of one layer imports only from its own layer and the layers before it. The commands layer sits above the
parsers (each step names the parse function that reads its output); a parser never imports a step."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = (("transport",), ("parsers",), ("commands",), ("model",), ("lab",), ("viz", "widgets", "magic", "course"),
          ("cli",))
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every `swarmlab.X...` a module imports, with its line (`from swarmlab import X` counts as X)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] if node.module == "swarmlab" else [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.startswith("swarmlab.")]
    return found


def _upward(package: Path) -> list[str]:
    """`file:line: layer imports swarmlab.X` for each import of a later layer."""
    out = []
    for path in sorted(package.rglob("*.py")):
        layer = path.relative_to(package).parts[0].removesuffix(".py")
        if layer not in RANK:
            continue
        for line, name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            other = name.split(".")[1]
            if RANK.get(other, -1) > RANK[layer]:
                out.append(f"{path.relative_to(package.parent)}:{line}: {layer} imports {name}")
    return out


def test_no_import_goes_up_the_layers() -> None:
    assert _upward(ROOT / "swarmlab") == []


def test_an_import_up_the_layers_is_found(tmp_path: Path) -> None:
    package = tmp_path / "swarmlab"
    (package / "parsers").mkdir(parents=True)
    (package / "commands").mkdir()
    (package / "commands" / "steps.py").write_text("from swarmlab.parsers import ping\n")  # down: fine
    (package / "parsers" / "ping.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from swarmlab.commands.steps import Step\n"
        "def f():\n    from swarmlab import lab\n")
    assert _upward(package) == ["swarmlab/parsers/ping.py:3: parsers imports swarmlab.commands.steps",
                                "swarmlab/parsers/ping.py:5: parsers imports swarmlab.lab"]


def test_the_readme_states_these_layers() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = text[text.index("One-way layers"):]
    stated = re.findall(r"`(\w+)`", paragraph[:paragraph.index("`cli`") + len("`cli`")])
    assert stated == [name for layer in LAYERS for name in layer]
