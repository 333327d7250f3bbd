"""Names that reach a shell are validated against Docker's rules and quoted."""

from __future__ import annotations

import pytest

from swarmlab.commands.names import quoted, validate
from swarmlab.errors import InvalidName


@pytest.mark.parametrize(("name", "kind"), [
    ("web", "service"), ("my_web-2", "service"), ("client", "service"),
    ("mynet", "network"), ("docker_gwbridge", "network"), ("ingress", "network"),
    ("client.1.sg9b3dqrgru4f14k2tpxzg2ei", "container"), ("36dce35d56e8", "container"),
    ("lb_lpirdge00", "namespace"), ("1-lpirdge00y", "namespace"), ("ingress_sbox", "namespace"),
    ("dfb766d83076", "namespace"), ("default", "namespace"),
    ("swarm-worker1", "node"), ("node1.example.org", "node"),
    ("lpirdge00y3j", "id"), ("containous/whoami:latest", "image"), ("swarmlab/whoami:1", "image"),
])
def test_docker_names_pass_unchanged(name: str, kind: str) -> None:
    assert validate(name, kind) == name
    assert quoted(name, kind) == name  # nothing to quote in a valid name


@pytest.mark.parametrize(("name", "kind"), [
    ("web; rm -rf /", "service"), ("$(reboot)", "service"), ("web`id`", "service"), ("-web", "service"),
    ("web-", "service"), ("a" * 64, "service"), ("", "service"), ("web\nid", "service"), ("web.1", "service"),
    ("my net", "network"), ("../../etc/passwd", "namespace"), ("lb_x/../y", "namespace"), (".hidden", "namespace"),
    ("client|sh", "container"), ("node one", "node"), ("ABC", "id"), ("Bad Image", "image"),
])
def test_unsafe_or_invalid_names_are_refused(name: str, kind: str) -> None:
    with pytest.raises(InvalidName) as info:
        validate(name, kind)
    assert kind in str(info.value) or "long" in str(info.value) or "empty" in str(info.value)


def test_refusal_names_the_bad_characters() -> None:
    with pytest.raises(InvalidName, match=r"refused characters: ' ' ';'"):
        quoted("web; rm -rf /", "service")


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown name kind"):
        validate("web", "volume")
