"""`swarmlab classroom cache DIR`: the day before a lesson, save the packages every classroom machine installs (the
pinned Docker and its dependencies, ipvsadm, bridge-utils, busybox-static, tcpdump, conntrack) into DIR/debs as a
local apt repository (the .debs and a Packages index), with DIR/cache.json saying what came from where. The
provisioning (vagrant/provision-common.sh, `SWARMLAB_CACHE=DIR vagrant up`) installs from it before any download. The
lab's images need no cache: every node makes them from busybox-static (nothing is pulled from Docker Hub).

How: read the repositories' Packages indexes, take the wanted packages at their pinned versions, add their
dependencies (the first alternative; found in the same indexes) except those every Debian/Ubuntu system has
(Priority required or important), download each .deb, check its SHA256 against the index.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import re
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmlab.errors import SwarmlabError

Progress = Callable[[str], None]
TIMEOUT = 60.0
EXTRAS = ("ipvsadm", "bridge-utils", "busybox-static", "tcpdump", "conntrack")  # the last two: lesson 10


class CacheError(SwarmlabError):
    pass


@dataclass(frozen=True)
class Repo:
    """One apt repository: base URL, suite, components."""

    url: str
    suite: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """What the classroom's machines run: their distribution's repositories and Docker's package."""

    name: str
    repos: tuple[Repo, ...]
    docker: tuple[str, ...]  # the Docker packages pinned to the version (the rest follow as dependencies)


def targets(mirror: str | None = None) -> dict[str, Target]:
    """ubuntu-jammy (the classroom boxes: docker-ce from Docker's repository) and debian-bookworm (Debian's
    docker.io; the test box). `mirror` replaces the distribution's archive URL."""
    return {
        "ubuntu-jammy": Target("ubuntu-jammy", (
            Repo("https://download.docker.com/linux/ubuntu", "jammy", ("stable",)),
            Repo(mirror or "http://archive.ubuntu.com/ubuntu", "jammy", ("main", "universe")),
        ), ("docker-ce", "docker-ce-cli")),
        "debian-bookworm": Target("debian-bookworm", (
            Repo(mirror or "http://deb.debian.org/debian", "bookworm", ("main",)),
        ), ("docker.io",)),
    }


def parse_packages(text: str, source: str) -> list[dict[str, str]]:
    """deb822 stanzas of a Packages index; continuation lines are joined. A stanza without Package, Version or
    Filename is a ParseError naming the index and the line."""
    from swarmlab.errors import ParseError

    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    start = 1
    for number, line in enumerate([*text.splitlines(), ""], 1):
        if not line.strip():
            if current:
                missing = [k for k in ("Package", "Version", "Filename") if k not in current]
                if missing:
                    raise ParseError("apt Packages index", f"{source}: the stanza has no {', '.join(missing)}",
                                     line_no=start)
                stanzas.append(current)
            current, key, start = {}, "", number + 1
        elif line[0] in " \t":
            if not key:
                raise ParseError("apt Packages index", f"{source}: a continuation line before any field",
                                 line_no=number, line=line)
            current[key] += "\n" + line  # kept as written: a continuation line starts with a space
        else:
            name, sep, value = line.partition(":")
            if not sep:
                raise ParseError("apt Packages index", f"{source}: not 'Field: value'", line_no=number, line=line)
            key = name.strip()
            current[key] = value.strip()
    return stanzas


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            data: bytes = r.read()
            return data
    except OSError as exc:
        raise CacheError(f"cannot fetch {url}: {exc}") from None


def index(repo: Repo, arch: str, progress: Progress) -> list[tuple[str, dict[str, str]]]:
    """(repository URL, stanza) for every package of `repo` for `arch` (Packages.xz, .gz or plain)."""
    out: list[tuple[str, dict[str, str]]] = []
    for comp in repo.components:
        base = f"{repo.url}/dists/{repo.suite}/{comp}/binary-{arch}/Packages"
        last: CacheError | None = None
        for ext, unpack in ((".xz", lzma.decompress), (".gz", gzip.decompress), ("", lambda b: b)):
            try:
                raw = _fetch(base + ext)
            except CacheError as exc:
                last = exc
                continue
            progress(f"index {base}{ext}")
            out += [(repo.url, s) for s in parse_packages(unpack(raw).decode("utf-8", "replace"), base + ext)]
            break
        else:
            raise last or CacheError(f"no Packages index at {base}")
    return out


def _first_alternatives(depends: str) -> list[str]:
    names = []
    for clause in depends.split(","):
        first = clause.split("|")[0].strip()
        m = re.match(r"([a-z0-9][a-z0-9+.-]*)", first)
        if m:
            names.append(m.group(1))
    return names


def resolve(stanzas: Iterable[tuple[str, dict[str, str]]], wanted: dict[str, str | None]
            ) -> list[tuple[str, dict[str, str]]]:
    """The wanted packages (name -> version, None for the newest) and their Depends/Pre-Depends, skipping
    packages of Priority required/important (on every system). A wanted version the indexes lack is an error."""
    by_name: dict[str, list[tuple[str, dict[str, str]]]] = {}
    provides: dict[str, str] = {}
    for url, s in stanzas:
        by_name.setdefault(s["Package"], []).append((url, s))
        for p in _first_alternatives(s.get("Provides", "")):
            provides.setdefault(p, s["Package"])

    def pick(name: str, version: str | None) -> tuple[str, dict[str, str]] | None:
        found = by_name.get(name) or by_name.get(provides.get(name, ""), [])
        if version is not None:
            found = [x for x in found if x[1]["Version"] == version]
        return found[-1] if found else None

    chosen: dict[str, tuple[str, dict[str, str]]] = {}
    todo = list(wanted.items())
    while todo:
        name, version = todo.pop()
        if name in chosen:
            continue
        hit = pick(name, version)
        if hit is None:
            if version is not None or name in wanted:
                have = sorted({s["Version"] for _, s in by_name.get(name, [])})
                raise CacheError(f"{name}={version} is in none of the repositories (there: "
                                 f"{', '.join(have[-5:]) or 'no such package'}); set SWARMLAB_DOCKER_VERSION "
                                 "to one of them")
            continue
        if hit[1].get("Priority") in ("required", "important") and name not in wanted:
            continue
        chosen[hit[1]["Package"]] = hit
        deps = hit[1].get("Pre-Depends", "") + "," + hit[1].get("Depends", "")
        todo += [(d, None) for d in _first_alternatives(deps) if d not in chosen]
    return list(chosen.values())


def cache(folder: Path, target: str = "ubuntu-jammy", arch: str = "amd64", docker_version: str | None = None,
          mirror: str | None = None, progress: Progress = print) -> dict[str, Any]:
    """Fill `folder` (see the module doc); returns what cache.json holds. Already downloaded .debs whose SHA256
    matches are kept (a second run downloads nothing new)."""
    known = targets(mirror)
    if target not in known:
        raise CacheError(f"unknown target {target!r}: one of {', '.join(known)}")
    if arch not in ("amd64", "arm64"):
        raise CacheError(f"unknown architecture {arch!r}: amd64 or arm64")
    t = known[target]
    t0 = time.monotonic()
    stanzas = [x for repo in t.repos for x in index(repo, arch, progress)]
    wanted: dict[str, str | None] = {p: docker_version for p in t.docker}
    wanted.update({p: None for p in EXTRAS})
    picked = resolve(stanzas, wanted)
    debs = folder / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    entries, lines, fetched = [], [], 0
    for url, s in sorted(picked, key=lambda x: x[1]["Package"]):
        name = Path(s["Filename"]).name
        path = debs / name
        if not (path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == s.get("SHA256")):
            progress(f"download {s['Package']} {s['Version']}")
            data = _fetch(f"{url}/{s['Filename']}")
            if s.get("SHA256") and hashlib.sha256(data).hexdigest() != s["SHA256"]:
                raise CacheError(f"{url}/{s['Filename']}: SHA256 differs from the index")
            path.write_bytes(data)
            fetched += len(data)
        entries.append({"package": s["Package"], "version": s["Version"], "file": name, "from": url,
                        "sha256": s.get("SHA256", "")})
        lines.append("\n".join(f"{k}: {('./' + name) if k == 'Filename' else v}" for k, v in s.items()))
    (debs / "Packages").write_text("\n\n".join(lines) + "\n")
    for stale in debs.glob("*.deb"):
        if stale.name not in {e["file"] for e in entries}:
            stale.unlink()
    info: dict[str, Any] = {
        "target": target, "arch": arch, "docker": {p: docker_version for p in t.docker},
        "repositories": [f"{r.url} {r.suite} {' '.join(r.components)}" for r in t.repos],
        "packages": entries, "bytes": sum((debs / e["file"]).stat().st_size for e in entries),
        "downloaded_bytes": fetched, "seconds": round(time.monotonic() - t0, 1),
        "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (folder / "cache.json").write_text(json.dumps(info, indent=2) + "\n")
    return info
