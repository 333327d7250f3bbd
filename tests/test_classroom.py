"""swarmlab.classroom's index reading and dependency walk on index text (the real download: tests/test_vagrant.py)."""

from __future__ import annotations

import pytest

from swarmlab.classroom import CacheError, parse_packages, resolve
from swarmlab.errors import ParseError

INDEX = """\
Package: docker.io
Version: 20.10.24+dfsg1-1+deb12u1+b6
Priority: optional
Depends: adduser, containerd (>= 1.4~), iptables, runc (>= 1.0.0~rc94~), tini (>= 0.19.0), libc6 (>= 2.34)
Filename: pool/main/d/docker.io/docker.io_20.10.24+dfsg1-1+deb12u1+b6_amd64.deb
Description: Linux container runtime
 Docker complements kernel namespacing
 with a high-level API.

Package: containerd
Version: 1.6.20~ds1-1+b1
Priority: optional
Depends: runc | crun
Filename: pool/main/c/containerd/containerd_1.6.20~ds1-1+b1_amd64.deb

Package: runc
Version: 1.1.5+ds1-1+deb12u1
Filename: pool/main/r/runc/runc_1.1.5+ds1-1+deb12u1_amd64.deb

Package: libc6
Version: 2.36-9+deb12u10
Priority: required
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u10_amd64.deb
"""


def test_stanzas_and_continuation_lines() -> None:
    stanzas = parse_packages(INDEX, "Packages")
    assert [s["Package"] for s in stanzas] == ["docker.io", "containerd", "runc", "libc6"]
    assert stanzas[0]["Description"].splitlines()[1] == " Docker complements kernel namespacing"


@pytest.mark.parametrize(("text", "message"), [
    ("Package: x\nVersion: 1\n", "has no Filename"),
    (" continued\n", "a continuation line before any field"),
    ("Package x\n", "not 'Field: value'"),
])
def test_a_broken_index_names_the_line(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as err:
        parse_packages(text, "Packages")
    assert "line 1" in str(err.value)


def test_dependencies_followed_except_required_ones_and_missing_alternatives() -> None:
    stanzas = [("http://mirror", s) for s in parse_packages(INDEX, "Packages")]
    picked = resolve(stanzas, {"docker.io": "20.10.24+dfsg1-1+deb12u1+b6"})
    assert sorted(s["Package"] for _, s in picked) == ["containerd", "docker.io", "runc"]


def test_a_pinned_version_the_index_lacks_is_refused_with_what_is_there() -> None:
    stanzas = [("http://mirror", s) for s in parse_packages(INDEX, "Packages")]
    with pytest.raises(CacheError, match=r"docker.io=1.0 is in none .*20.10.24\+dfsg1-1\+deb12u1\+b6"):
        resolve(stanzas, {"docker.io": "1.0"})
