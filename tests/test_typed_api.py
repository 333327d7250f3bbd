"""The notebook-facing API is typed (issue #11): each declared step's parse function returns what its annotation
says on the bundled recordings (that a step's `Step[T]` is that annotation, mypy checks: tests/typecheck/), and no
`Any` (nor a bare generic, which is `Any` in disguise) appears in the signatures of `Lab`, `StepResult`, `Sample`,
`NodeState` or the chain (`swarmlab.model.chain`)."""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swarmlab import recordings
from swarmlab.commands.steps import STEPS, Step
from swarmlab.lab import core, results
from swarmlab.lab.core import Lab
from swarmlab.lab.results import NodeState, Sample, StepResult
from swarmlab.model import chain
from swarmlab.parsers.service_ps import Task


def _type_names(module: ModuleType) -> dict[str, object]:
    """The names a module's annotations use, as mypy sees them: its globals plus its `if TYPE_CHECKING:` imports
    (run here, so a string annotation resolves exactly as the type checker resolves it)."""
    names = dict(vars(module))
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            exec(compile(ast.Module(node.body, []), str(module.__file__), "exec"), names)
    return names


# -- what each step's parse returns ----------------------------------------------------------------------------
# A step names its parse function (`parse=service_ps.parse`) and mypy holds `Step[T]` to that function's return type
# (tests/typecheck/steps_typed.py); what remains to check at run time is that the parsers return what they say.

def _returns(step: Step[object]) -> object:
    """The return type the step's parse function declares (its own annotation, resolved in its module)."""
    module = inspect.getmodule(step.parse)
    assert module is not None, step.name
    return typing.get_type_hints(step.parse, _type_names(module))["return"]


def _conforms(value: object, hint: object) -> bool:
    """A shallow runtime check of a parsed value against its declared type (containers: every element)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return isinstance(value, list) and all(_conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_conforms(k, args[0]) and _conforms(v, args[1])
                                               for k, v in value.items())
    return isinstance(value, hint)


@pytest.mark.parametrize("recording", [str(p) for p in recordings.bundled()], ids=lambda p: Path(p).stem)
def test_what_the_parsers_return_on_the_recordings_is_the_declared_type(recording: str) -> None:
    declared = {name: _returns(step) for name, step in STEPS.items()}
    assert declared["service_ps"] == list[Task] and declared["kill_task"] is type(None)
    lab = Lab.connect(mode="replay", recording=recording)
    checked = 0
    for node in lab.swarm_nodes:
        for step in STEPS.values():
            for r in lab.recorded(step, node) or []:
                if r.value is not None:
                    assert _conforms(r.value, declared[step.name]), (recording, node, step.name, r.command)
                    checked += 1
    assert checked > 0
    assert not _conforms([1], declared["network_ls"])  # the check itself can fail


# -- no Any in the notebook-facing signatures --------------------------------------------------------------------

_BARE = (list, dict, set, frozenset, tuple, type)


def _any_in(hint: object, where: str) -> Iterator[str]:
    """Where `hint` holds `Any`, or a generic left bare (`list`, `StepResult`: `Any` in disguise)."""
    if hint is Any:
        yield where
    elif hint in _BARE or (isinstance(hint, type) and getattr(hint, "__parameters__", ())):
        yield f"{where} (bare {getattr(hint, '__name__', hint)})"
    for arg in typing.get_args(hint):
        if isinstance(arg, list):  # Callable's parameter list
            for a in arg:
                yield from _any_in(a, where)
        else:
            yield from _any_in(arg, where)


def _hints_of(thing: Callable[..., object] | type, names: dict[str, object]) -> dict[str, object]:
    return typing.get_type_hints(thing, names, names)


def _signatures() -> Iterator[tuple[str, dict[str, object]]]:
    lab_names = _type_names(core)
    for name, member in vars(Lab).items():
        if name.startswith("_") and name != "__init__":
            continue
        func = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        if not callable(func):
            continue
        yield f"Lab.{name}", _hints_of(func, lab_names)
        for i, variant in enumerate(typing.get_overloads(func)):
            yield f"Lab.{name} (overload {i + 1})", _hints_of(variant, lab_names)
    result_names = _type_names(results)
    for cls in (StepResult, Sample, NodeState):
        yield cls.__name__, _hints_of(cls, result_names)
        for name, member in vars(cls).items():
            func = member.fget if isinstance(member, property) else member
            if not name.startswith("_") and callable(func):
                yield f"{cls.__name__}.{name}", _hints_of(func, result_names)
    chain_names = _type_names(chain)
    for thing in (chain.NodeView, chain.ChainRow, chain.chain_rows, chain.vip_chain, chain.vip_of):
        yield f"chain.{thing.__name__}", _hints_of(thing, chain_names)


def _offenders(signatures: Iterator[tuple[str, dict[str, object]]]) -> list[str]:
    return [found for owner, hints in signatures for param, hint in hints.items()
            for found in _any_in(hint, f"{owner}: {param}")]


def test_the_notebook_facing_signatures_name_no_any() -> None:
    signatures = list(_signatures())
    assert len(signatures) > 40 and any(owner == "Lab.run (overload 1)" for owner, _ in signatures)
    assert _offenders(iter(signatures)) == []


def test_an_any_or_a_bare_generic_is_found() -> None:
    def leaky(a: dict[str, Any], b: Callable[[Any], None], c: list[StepResult[int]]) -> StepResult:
        raise NotImplementedError

    hints = typing.get_type_hints(leaky, {**globals(), "Any": Any})
    assert _offenders(iter([("leaky", hints)])) == ["leaky: a", "leaky: b", "leaky: return (bare StepResult)"]


def test_the_chain_row_names_every_column() -> None:
    assert list(typing.get_type_hints(chain.ChainRow)) == list(chain.COLUMNS)


def test_the_typing_proof_is_what_mypy_checks() -> None:
    """`Step[T]` against its parse is mypy's to check (tests/typecheck/steps_typed.py): the project's mypy run reads
    that folder, and the proof names the steps' value types."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    assert "tests/typecheck" in tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    proof = (root / "tests/typecheck/steps_typed.py").read_text()
    assert "assert_type(lab.run(st.SERVICE_PS, name=\"web\").value, list[Task] | None)" in proof
