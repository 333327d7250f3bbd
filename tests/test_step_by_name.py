"""Behaviour is declared on the step (`swarmlab.commands.steps.Step`: `plumbing`, `counted`, `exists_is_done`,
`stand_in`, `said`), never chosen elsewhere by comparing a step's name to a literal (`step.name == "requests"`)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from swarmlab.commands.steps import STEPS

ROOT = Path(__file__).resolve().parents[1] / "swarmlab"
NAMES = {"name", "step", "step_name"}  # what holds a step's name: `step.name`, `e.step`, a variable `step`


def _named(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in NAMES) or (isinstance(node, ast.Name) and node.id in NAMES)


def _literals(node: ast.expr) -> list[str]:
    """The step names a literal operand spells: "requests", or ("lb_ipvs", "lb_ipvs_stats") after `in`."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [x.value for x in items if isinstance(x, ast.Constant) and isinstance(x.value, str) and x.value in STEPS]


def by_name(source: str) -> list[tuple[int, str]]:
    """(line, step name) of every comparison of a step's name to a literal step name in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for a, b in itertools.pairwise(operands):
            for named, literal in ((a, b), (b, a)):
                if _named(named):
                    found += [(node.lineno, x) for x in _literals(literal)]
    return found


def test_the_scan_finds_a_comparison_by_name() -> None:
    assert by_name('if step.name == "requests":\n    pass\n') == [(1, "requests")]
    assert by_name('x = "service_create" != step') == [(1, "service_create")]
    assert by_name('ok = e.step in ("lb_ipvs", "lb_ipvs_stats")') == [(1, "lb_ipvs"), (1, "lb_ipvs_stats")]
    assert by_name('if step.counted is not None:\n    pass\n') == []
    assert by_name('if tokens[0] == "ipvsadm":\n    pass\n') == []  # a word of a command, not a step's name


def test_no_module_chooses_behaviour_by_a_steps_name() -> None:
    found = [f"{path.relative_to(ROOT.parent)}:{line}: {name!r}" for path in sorted(ROOT.rglob("*.py"))
             for line, name in by_name(path.read_text(encoding="utf-8"))]
    assert found == [], "declare the behaviour on the Step instead:\n" + "\n".join(found)
