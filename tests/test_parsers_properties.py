"""Arbitrary text gives a result or a ParseError, never another exception (hypothesis, >= 10,000 examples)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmlab.errors import ParseError
from swarmlab.parsers.dispatch import PARSERS
from swarmlab.parsers.transcript import split_fixture, split_shell
from swarmlab.parsers.whoami import parse_counts

FIXTURES = Path(__file__).parent / "fixtures"
# real outputs to mutate: mutations of real text reach much deeper into a parser than random characters
REAL = [p.read_text(errors="replace") for p in sorted((FIXTURES / "captured").rglob("*.txt"))]
REAL += [p.read_text(errors="replace") for p in sorted((FIXTURES / "vm-ipvs-docker20").glob("*.txt"))[:40]]
EXAMPLES_PER_PARSER = 400  # x 28 parsers x 2 strategies > 10,000


@st.composite
def mutated_real_output(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(REAL)).splitlines()
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "cut", "insert", "swap"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def only_parse_errors(parser: Callable[[str], Any], text: str) -> None:
    with contextlib.suppress(ParseError):
        parser(text)


ALL = {**{k: v[0] for k, v in PARSERS.items()}, "whoami_counts": parse_counts, "split_fixture": split_fixture,
       "split_shell": split_shell}


@pytest.mark.parametrize("kind", sorted(ALL))
def test_random_text(kind: str) -> None:
    @settings(max_examples=EXAMPLES_PER_PARSER, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        only_parse_errors(ALL[kind], text)

    check()


@pytest.mark.parametrize("kind", sorted(ALL))
def test_mutated_real_outputs(kind: str) -> None:
    @settings(max_examples=EXAMPLES_PER_PARSER, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated_real_output())
    def check(text: str) -> None:
        only_parse_errors(ALL[kind], text)

    check()
