"""Arbitrary text gives a result or a ParseError, never another exception (hypothesis, >= 10,000 examples).

Two strategies per parser: random text, and the parser's own real outputs (every fixture section of its kind)
mutated line- and token-wise, which reaches much deeper into a parser than random characters do.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmlab.errors import ParseError
from swarmlab.parsers.dispatch import PARSERS
from swarmlab.parsers.transcript import split_fixture, split_shell
from tests.fixture_expectations import EXPECTED
from tests.fixture_summary import FIXTURES, parse_section, sections

EXAMPLES = 200  # per parser and strategy: 31 targets x 2 strategies x 200 > 10,000

ALL: dict[str, Callable[[str], Any]] = {**{k: v[0] for k, v in PARSERS.items()},
                                       "split_fixture": split_fixture, "split_shell": split_shell}


def _corpus() -> dict[str, list[str]]:
    corpus: dict[str, list[str]] = {}
    for rel in EXPECTED:
        for s in sections(rel):
            kind, _ = parse_section(s)
            if kind in ALL:
                corpus.setdefault(kind, []).append(s.output)
            corpus.setdefault("split_fixture", []).append(s.output)
    corpus["split_shell"] = corpus["split_fixture"]
    # the peers' real outputs (jc's fixtures) for the parsers that read them
    for out in sorted((FIXTURES / "peer-jc").rglob("*.out")):
        kind = next(k for k in ("ping", "iptables", "df") if out.name.startswith(k))
        corpus.setdefault(kind, []).append(out.read_text())
    corpus["vagrant_ssh_config"] = [(FIXTURES / "vagrant" / "ssh-config-3-machines.txt").read_text()]
    return corpus


CORPUS = _corpus()
TOKENS = st.sampled_from(["", "x", "-1", "0x", "1.5", "999999999999", "::", "/", "->", "{", "[", '"', "\t",
                          "FWM", "Chain", "inet", "Hostname:", "1:"]) | st.text(max_size=6)


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> str:
    lines = draw(st.sampled_from(CORPUS.get(kind) or CORPUS["split_fixture"])).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["token", "token", "token", "drop", "dup", "cut", "insert", "swap"]))
        if op == "token":
            spans = [m.span() for m in re.finditer(r"\S+", lines[i])]
            if spans:
                a, b = draw(st.sampled_from(spans))
                lines[i] = lines[i][:a] + draw(TOKENS) + lines[i][b:]
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def only_parse_errors(parser: Callable[[str], Any], text: str) -> None:
    with contextlib.suppress(ParseError):
        parser(text)


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_every_parser_has_real_outputs_to_mutate() -> None:
    assert sorted(k for k in ALL if k not in CORPUS) == []


@pytest.mark.parametrize("kind", sorted(ALL))
def test_random_text(kind: str) -> None:
    @SETTINGS
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        only_parse_errors(ALL[kind], text)

    check()


@pytest.mark.parametrize("kind", sorted(ALL))
def test_mutated_real_outputs(kind: str) -> None:
    @SETTINGS
    @given(mutated(kind))
    def check(text: str) -> None:
        only_parse_errors(ALL[kind], text)

    check()
