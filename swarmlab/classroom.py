"""`swarmlab classroom cache DIR`: the day before a lesson, save the packages every classroom machine installs (the
pinned Docker and its dependencies, ipvsadm, bridge-utils, busybox-static, tcpdump, conntrack) into DIR as a copy
of each repository in the archive's own layout, signed by the distribution: `DIR/<repo>/dists/<suite>/InRelease` as
the mirror signed it, the components' Packages indexes it lists, and the chosen .debs under `pool/`. The
provisioning (vagrant/provision-common.sh, `SWARMLAB_CACHE=DIR vagrant up`) reads `DIR/apt.list` and apt reads the
cache as a normal signed repository (`deb [signed-by=<the distribution's keyring>] file:DIR/<repo> <suite> ...`):
apt itself verifies InRelease against the machine's keyring and every index and .deb against it. The lab's images
need no cache: every node makes them from busybox-static (nothing is pulled from Docker Hub).

The trust chain, checked here before anything is kept: InRelease's signature with `gpgv` against the keyring the
classroom machines trust (debian-archive-keyring's, ubuntu-keyring's, Docker's); each Packages index's SHA256 and
size against InRelease; each .deb's SHA256 and size against its Packages stanza (a stanza without SHA256 is
refused). DIR/cache.json lists every file this command wrote (its manifest): a run replaces or removes only those,
never anything else in DIR.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from swarmlab.errors import SwarmlabError
from swarmlab.paths import shown

Progress = Callable[[str], None]
K = TypeVar("K")
TIMEOUT = 60.0
EXTRAS = ("ipvsadm", "bridge-utils", "busybox-static", "tcpdump", "conntrack")  # the last two: lesson 10
MANIFEST = "cache.json"
SOURCES = "apt.list"  # the provisioning's apt source lines; @CACHE@ = where the folder is on the machine
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
UBUNTU_KEYRING = "/usr/share/keyrings/ubuntu-archive-keyring.gpg"
DOCKER_KEYRING = "/etc/apt/keyrings/docker.gpg"  # where Docker's install guide puts its key
DEFAULT_TARGET = "debian-bookworm"  # the kit's boxes (vagrant/kit.rb): Debian 12 and its docker.io
DEFAULT_DOCKER = "20.10.24+dfsg1-1+deb12u1*"  # vagrant/kit.rb DOCKER_VERSION (a trailing *: apt's prefix match)


class CacheError(SwarmlabError):
    pass


@dataclass(frozen=True)
class Repo:
    """One apt repository: its folder in the cache, base URL, suite, components, and the keyring that signs it (at
    the same path here and on the classroom machines) with how to get it."""

    name: str
    url: str
    suite: str
    components: tuple[str, ...]
    keyring: str
    keyring_from: str


@dataclass(frozen=True)
class Target:
    """What the classroom's machines run: their distribution's repositories and Docker's package."""

    name: str
    repos: tuple[Repo, ...]
    docker: tuple[str, ...]  # the Docker packages pinned to the version (the rest follow as dependencies)


def check_mirror(mirror: str) -> str:
    """`mirror` as an archive's base URL (http, https or file); anything else is a CacheError naming an example."""
    parsed = urllib.parse.urlparse(mirror)
    if parsed.scheme not in ("http", "https", "file") or (parsed.scheme != "file" and not parsed.netloc) or \
            any(c.isspace() for c in mirror):
        raise CacheError(f"--mirror {mirror!r} is not an archive's address: give its http(s):// URL, e.g. "
                         "http://deb.debian.org/debian or http://archive.ubuntu.com/ubuntu")
    return mirror.rstrip("/")


def targets(mirror: str | None = None) -> dict[str, Target]:
    """ubuntu-jammy (the classroom boxes: docker-ce from Docker's repository) and debian-bookworm (Debian's
    docker.io; the test box). `mirror` replaces the distribution's archive URL."""
    if mirror is not None:
        mirror = check_mirror(mirror)
    return {
        "ubuntu-jammy": Target("ubuntu-jammy", (
            Repo("docker", "https://download.docker.com/linux/ubuntu", "jammy", ("stable",), DOCKER_KEYRING,
                 "Docker's key: curl -fsSL https://download.docker.com/linux/ubuntu/gpg | sudo gpg --dearmor -o "
                 f"{DOCKER_KEYRING} (fingerprint 9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88)"),
            Repo("ubuntu", mirror or "http://archive.ubuntu.com/ubuntu", "jammy", ("main", "universe"),
                 UBUNTU_KEYRING, "apt install ubuntu-keyring"),
        ), ("docker-ce", "docker-ce-cli")),
        "debian-bookworm": Target("debian-bookworm", (
            Repo("debian", mirror or "http://deb.debian.org/debian", "bookworm", ("main",), DEBIAN_KEYRING,
                 "apt install debian-archive-keyring"),
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
    except (OSError, ValueError) as exc:
        raise CacheError(f"cannot fetch {url}: {exc}") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_signature(signed: bytes, keyring: Path, source: str) -> str:
    """The text `signed` (an InRelease) carries, once `gpgv` finds a good signature by a key of `keyring` and no bad
    one; only the signed part is returned (text around it is ignored, as apt does)."""
    gpgv = shutil.which("gpgv")
    if gpgv is None:
        raise CacheError("gpgv is needed to check the repositories' signatures: apt install gpgv (on a Mac: "
                         "brew install gnupg)")
    with tempfile.TemporaryDirectory(prefix="swarmlab-gpgv-") as tmp:
        (Path(tmp) / "InRelease").write_bytes(signed)
        proc = subprocess.run([gpgv, "--homedir", tmp, "--status-fd", "1", "--keyring", str(keyring), "--output",
                               str(Path(tmp) / "Release"), str(Path(tmp) / "InRelease")],
                              capture_output=True, timeout=120, env={**os.environ, "LC_ALL": "C"})
        status = [line.split()[1] for line in proc.stdout.decode("utf-8", "replace").splitlines()
                  if line.startswith("[GNUPG:] ") and len(line.split()) > 1]
        good = "GOODSIG" in status and "VALIDSIG" in status
        if not good or "BADSIG" in status or not (Path(tmp) / "Release").exists():
            said = " ".join(proc.stderr.decode("utf-8", "replace").split())[-300:]
            raise CacheError(f"{source}: its signature does not verify against {keyring} ({said or 'no signature'})"
                             ": the mirror (or the network) gave a forged or damaged index; nothing was kept")
        return (Path(tmp) / "Release").read_text(encoding="utf-8", errors="replace")


def release_hashes(release: str, source: str) -> dict[str, tuple[str, int]]:
    """path -> (SHA256, size) from a Release's SHA256 field; a Release without one is refused."""
    out: dict[str, tuple[str, int]] = {}
    inside = False
    for line in release.splitlines():
        if not line.startswith((" ", "\t")):
            inside = line.strip() == "SHA256:"
            continue
        if inside:
            parts = line.split()
            if len(parts) == 3 and re.fullmatch(r"[0-9a-f]{64}", parts[0]) and parts[1].isdigit():
                out[parts[2]] = (parts[0], int(parts[1]))
    if not out:
        raise CacheError(f"{source}: the signed Release lists no SHA256 hashes: a repository apt would not trust")
    return out


def _release_field(release: str, name: str) -> str:
    m = re.search(rf"^{name}:[ \t]*(.*)$", release, re.M)
    return m.group(1).strip() if m else ""


@dataclass
class Fetched:
    """One repository's verified indexes: the files to keep (path in the repo's folder -> bytes), its stanzas."""

    repo: Repo
    files: dict[str, bytes]
    stanzas: list[dict[str, str]]


def index(repo: Repo, arch: str, progress: Progress) -> Fetched:
    """The repository's InRelease (signature verified against its keyring) and, for each component, the first of
    Packages.xz, .gz or plain that the Release lists, checked against the Release's SHA256 and size."""
    keyring = Path(repo.keyring)
    if not keyring.is_file():
        raise CacheError(f"{repo.keyring} (the keyring that signs {repo.url}) is not on this machine: "
                         f"{repo.keyring_from}")
    where = f"{repo.url}/dists/{repo.suite}/InRelease"
    signed = _fetch(where)
    release = verify_signature(signed, keyring, where)
    said = {_release_field(release, "Suite"), _release_field(release, "Codename")}
    if repo.suite not in said:
        raise CacheError(f"{where}: signed for {' / '.join(sorted(said - {''})) or 'no suite'}, not {repo.suite}: "
                         "the mirror serves another release under this name")
    hashes = release_hashes(release, where)
    progress(f"signed index {where} (verified with {repo.keyring})")
    files = {f"dists/{repo.suite}/InRelease": signed}
    stanzas: list[dict[str, str]] = []
    for comp in repo.components:
        base = f"{comp}/binary-{arch}/Packages"
        unpackers: tuple[tuple[str, Callable[[bytes], bytes]], ...] = (
            (".xz", lzma.decompress), (".gz", gzip.decompress), ("", lambda b: b))
        listed = [(ext, unpack) for ext, unpack in unpackers if base + ext in hashes]
        if not listed:
            raise CacheError(f"{where} lists no {base}(.xz/.gz) with a SHA256: no {comp} for {arch} there")
        ext, unpack = listed[0]
        name = base + ext
        url = f"{repo.url}/dists/{repo.suite}/{name}"
        raw = _fetch(url)
        want, size = hashes[name]
        if len(raw) != size or _sha256(raw) != want:
            raise CacheError(f"{url}: SHA256 or size differs from the signed InRelease: a forged or damaged index; "
                             "nothing was kept")
        progress(f"index {url} (SHA256 as signed)")
        files[f"dists/{repo.suite}/{name}"] = raw
        if _release_field(release, "Acquire-By-Hash").lower() == "yes":  # apt then asks for the index by hash
            files[f"dists/{repo.suite}/{comp}/binary-{arch}/by-hash/SHA256/{want}"] = raw
        try:
            text = unpack(raw).decode("utf-8", "replace")
        except (lzma.LZMAError, OSError, EOFError) as exc:
            raise CacheError(f"{url}: cannot be unpacked ({exc})") from None
        stanzas += parse_packages(text, url)
    return Fetched(repo, files, stanzas)


def _first_alternatives(depends: str) -> list[str]:
    names = []
    for clause in depends.split(","):
        first = clause.split("|")[0].strip()
        m = re.match(r"([a-z0-9][a-z0-9+.-]*)", first)
        if m:
            names.append(m.group(1))
    return names


def resolve(stanzas: Iterable[tuple[K, dict[str, str]]], wanted: dict[str, str | None]
            ) -> list[tuple[K, dict[str, str]]]:
    """The wanted packages (name -> version, None for the newest) and their Depends/Pre-Depends, skipping
    packages of Priority required/important (on every system). A wanted version the indexes lack is an error."""
    by_name: dict[str, list[tuple[K, dict[str, str]]]] = {}
    provides: dict[str, str] = {}
    for url, s in stanzas:
        by_name.setdefault(s["Package"], []).append((url, s))
        for p in _first_alternatives(s.get("Provides", "")):
            provides.setdefault(p, s["Package"])

    def pick(name: str, version: str | None) -> tuple[K, dict[str, str]] | None:
        found = by_name.get(name) or by_name.get(provides.get(name, ""), [])
        if version is not None and version.endswith("*"):  # apt's prefix match (the kit's pin: binNMU suffix)
            found = [x for x in found if x[1]["Version"].startswith(version[:-1])]
        elif version is not None:
            found = [x for x in found if x[1]["Version"] == version]
        return found[-1] if found else None

    chosen: dict[str, tuple[K, dict[str, str]]] = {}
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


def _pool_path(filename: str, source: str) -> str:
    """A stanza's Filename as a path inside the repository's folder: relative, no `..` (a hostile index must not
    write outside the cache)."""
    path = PurePosixPath(filename)
    if path.is_absolute() or ".." in path.parts or not path.parts or not filename.endswith(".deb"):
        raise CacheError(f"{source}: Filename {filename!r} is not a .deb inside the repository")
    return str(path)


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a file is either whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _manifest(folder: Path) -> set[str]:
    """The files an earlier run wrote (relative paths), from its cache.json; none when there is none."""
    try:
        files = json.loads((folder / MANIFEST).read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {f for f in files if isinstance(f, str) and ".." not in PurePosixPath(f).parts and not f.startswith("/")}


def _remove(folder: Path, rel: Iterable[str]) -> None:
    """Remove files this command wrote (and folders left empty by that, up to `folder`)."""
    for name in sorted(rel):
        path = folder / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
            parent = path.parent
            while parent != folder and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


def cache(folder: Path, target: str = DEFAULT_TARGET, arch: str = "amd64",
          docker_version: str | None = DEFAULT_DOCKER, mirror: str | None = None,
          progress: Progress = print) -> dict[str, Any]:
    """Fill `folder` for `target` (see the module doc); returns what cache.json holds."""
    known = targets(mirror)
    if target not in known:
        raise CacheError(f"unknown target {target!r}: one of {', '.join(known)}")
    if arch not in ("amd64", "arm64"):
        raise CacheError(f"unknown architecture {arch!r}: amd64 or arm64")
    t = known[target]
    wanted: dict[str, str | None] = {p: docker_version for p in t.docker}
    wanted.update({p: None for p in EXTRAS})
    info = fill(folder, t.repos, arch, wanted, progress)
    info.update(target=target, docker={p: docker_version for p in t.docker})
    (folder / MANIFEST).write_text(json.dumps(info, indent=2) + "\n")
    return info


def fill(folder: Path, repos: Iterable[Repo], arch: str, wanted: dict[str, str | None],
         progress: Progress = print) -> dict[str, Any]:
    """Verify and save `repos`' signed indexes and the `wanted` packages with their dependencies in `folder`, write
    its apt.list and cache.json (the manifest); returns cache.json's content. Nothing unverified is ever kept: a
    failure leaves the folder as the last good run left it."""
    folder = Path(folder).expanduser()
    try:
        if folder.exists() and not folder.is_dir():
            raise CacheError(f"{shown(folder)} is a file: give a folder for the cache (it is created if missing)")
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:  # no access, a name too long, a NUL byte
        raise CacheError(f"cannot create {shown(folder)} ({getattr(exc, 'strerror', None) or exc}): give a folder "
                         "you can write to") from None
    t0 = time.monotonic()
    fetched = [index(repo, arch, progress) for repo in repos]
    picked = resolve([(f.repo, s) for f in fetched for s in f.stanzas], wanted)
    before = _manifest(folder)
    written: set[str] = set()
    entries: list[dict[str, Any]] = []
    downloaded = 0
    try:
        for repo, s in sorted(picked, key=lambda x: x[1]["Package"]):
            where = f"{repo.url} {s['Package']} {s['Version']}"
            sha, size = s.get("SHA256", ""), s.get("Size", "")
            if not re.fullmatch(r"[0-9a-f]{64}", sha) or not size.isdigit():
                raise CacheError(f"{where}: its Packages stanza gives no SHA256 and Size: the package cannot be "
                                 "verified, so it is not cached")
            rel = f"{repo.name}/{_pool_path(s['Filename'], where)}"
            path = folder / rel
            if not (path.is_file() and path.stat().st_size == int(size) and _sha256(path.read_bytes()) == sha):
                progress(f"download {s['Package']} {s['Version']}")
                data = _fetch(f"{repo.url}/{s['Filename']}")
                if len(data) != int(size) or _sha256(data) != sha:
                    raise CacheError(f"{repo.url}/{s['Filename']}: SHA256 or size differs from the signed index: a "
                                     "tampered or damaged package; it was not kept")
                _write(path, data)
                downloaded += len(data)
            written.add(rel)
            entries.append({"package": s["Package"], "version": s["Version"], "file": rel, "from": repo.url,
                            "sha256": sha, "size": int(size)})
        lines = []
        for f in fetched:
            for name, data in f.files.items():
                _write(folder / f.repo.name / name, data)
                written.add(f"{f.repo.name}/{name}")
            lines.append(f"deb [signed-by={f.repo.keyring}] file:@CACHE@/{f.repo.name} {f.repo.suite} "
                         f"{' '.join(f.repo.components)}")
        _write(folder / SOURCES, ("\n".join(lines) + "\n").encode())
        written.add(SOURCES)
    except BaseException:
        _remove(folder, written - before)  # this run's files; the last good run's stay as they were
        raise
    _remove(folder, before - written - {MANIFEST})
    return {
        "arch": arch, "repositories": [f"{f.repo.url} {f.repo.suite} {' '.join(f.repo.components)} (signed-by "
                                       f"{f.repo.keyring})" for f in fetched],
        "packages": entries, "bytes": sum(e["size"] for e in entries), "downloaded_bytes": downloaded,
        "seconds": round(time.monotonic() - t0, 1), "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": sorted(written | {MANIFEST}),
    }
