"""Every fixture file parses to the concrete values stated in fixture_expectations.py."""

from __future__ import annotations

import re

import pytest

from tests.fixture_expectations import EXPECTED
from tests.fixture_summary import FIXTURES, file_summary

FILES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.txt") if p.parts[-2] != "vagrant")


def test_every_fixture_file_has_expected_values() -> None:
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("rel", FILES)
def test_fixture_parses_to_its_values(rel: str) -> None:
    assert file_summary(rel) == EXPECTED[rel]


def test_files_marked_excerpt_parse_as_fragments() -> None:
    """SOURCES.md marks two excerpts; both are read as fragments (allowed: parse, or raise ParseError)."""
    sources = (FIXTURES / "captured" / "SOURCES.md").read_text()
    excerpts = sorted(re.findall(r"^\| (\S+) \|[^\n]*\| excerpt \|", sources, flags=re.M))
    assert excerpts == ["network_inspect/01-docker-tips-lb-mynet.txt", "service_inspect/01-ervikrant-virtualips.txt"]
    from swarmlab.parsers import network_inspect, service_inspect

    net = network_inspect.parse((FIXTURES / "captured" / excerpts[0]).read_text())[0]
    svc = service_inspect.parse((FIXTURES / "captured" / excerpts[1]).read_text())[0]
    assert net.fragment and svc.fragment
