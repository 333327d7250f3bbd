"""swarmlab.classroom's index reading and dependency walk on index text (the real download: tests/test_vagrant.py)."""

from __future__ import annotations

import re

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


# -- the verified cache, on a signed archive made here (a test key; file:// URLs; real gpgv and apt-get) --------

import gzip  # noqa: E402
import hashlib  # noqa: E402
import lzma  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from swarmlab.classroom import MANIFEST, SOURCES, Repo, fill  # noqa: E402

SUITE = "bookworm"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"needs {tool} (apt install gpg gpgv apt)")


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(GNUPGHOME holding a fresh signing key, the keyring file with its public key), and a second key's keyring
    (`other.gpg`) that signs nothing here."""
    _need("gpg")
    _need("gpgv")
    base = tmp_path_factory.mktemp("gpg")
    keyrings = []
    for who in ("archive", "other"):
        home = base / who
        home.mkdir(mode=0o700)
        gpg = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
        subprocess.run([*gpg, "--quick-gen-key", f"swarmlab {who} test <{who}@example.invalid>", "ed25519", "sign",
                        "never"], check=True, capture_output=True, timeout=60)
        keyring = base / f"{who}.gpg"
        keyring.write_bytes(subprocess.run([*gpg, "--export"], check=True, capture_output=True).stdout)
        keyrings.append((home, keyring))
    yield keyrings[0]
    for home, _ in keyrings:  # the gpg-agent each home started
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, timeout=30)


def _deb(name: str) -> bytes:
    return f"!<arch>\n{name} is a stand-in package: apt checks its hash and size, never its content\n".encode()


def make_archive(root: Path, gpghome: Path, debs: dict[str, bytes], *, sign: bool = True,
                 stanza_extra: str = "", drop_sha: bool = False) -> Path:
    """A Debian-layout repository with `debs` (name -> content; `hello` depends on `libhello`) in main/amd64,
    its Release signed inline (InRelease) by the key in `gpghome`."""
    if root.exists():
        shutil.rmtree(root)
    stanzas = []
    for name, data in debs.items():
        rel = f"pool/main/{name[0]}/{name}/{name}_1.0_amd64.deb"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        sha = "" if drop_sha else f"SHA256: {hashlib.sha256(data).hexdigest()}\n"
        deps = "Depends: libhello (>= 1.0), libc6\n" if name == "hello" else ""
        stanzas.append(f"Package: {name}\nVersion: 1.0\nArchitecture: amd64\nPriority: optional\n{deps}"
                       f"Filename: {rel}\nSize: {len(data)}\n{sha}{stanza_extra}Description: {name}\n")
    text = "\n".join(stanzas).encode()
    index = root / "dists" / SUITE / "main" / "binary-amd64"
    index.mkdir(parents=True)
    (index / "Packages.xz").write_bytes(lzma.compress(text))
    (index / "Packages.gz").write_bytes(gzip.compress(text))
    lines = [f" {hashlib.sha256(text).hexdigest()} {len(text):>8} main/binary-amd64/Packages"]  # listed, as Debian
    for f in sorted(index.iterdir()):  # does, though only the compressed ones are served
        data = f.read_bytes()
        lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data):>8} main/binary-amd64/{f.name}")
    # listed and not served, as Debian's InRelease lists main/i18n/Translation-* (apt fetches them unless told not)
    english = b"Package: hello\nDescription-md5: 0\nDescription-en: hello\n"
    lines.append(f" {hashlib.sha256(english).hexdigest()} {len(english):>8} main/i18n/Translation-en")
    release = (f"Origin: Test\nLabel: Test\nSuite: oldstable\nCodename: {SUITE}\n"
               "Date: Sat, 11 Jul 2026 10:16:37 UTC\nArchitectures: amd64\nComponents: main\n"
               "Description: a test archive\nSHA256:\n" + "\n".join(lines) + "\n")
    dists = root / "dists" / SUITE
    (dists / "Release").write_text(release)
    if sign:
        subprocess.run(["gpg", "--homedir", str(gpghome), "--batch", "--yes", "--clearsign", "--digest-algo",
                        "SHA512", "-o", str(dists / "InRelease"), str(dists / "Release")], check=True,
                       capture_output=True, timeout=60)
    else:
        (dists / "InRelease").write_text(release)
    return root


def _repo(root: Path, keyring: Path) -> Repo:
    return Repo("test", f"file://{root}", SUITE, ("main",), str(keyring), "the test's own key")


DEBS = {"hello": _deb("hello"), "libhello": _deb("libhello"), "unrelated": _deb("unrelated")}


def _apt(tmp: Path, line: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Real apt-get/apt-cache with only `line` as its sources and state of its own (nothing installed)."""
    (tmp / "apt-state" / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (tmp / "apt-cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    (tmp / "sources.list").write_text(line + "\n")
    opts = ["-o", f"Dir::Etc::sourcelist={tmp / 'sources.list'}", "-o", "Dir::Etc::sourceparts=-",
            "-o", f"Dir::State={tmp / 'apt-state'}", "-o", f"Dir::Cache={tmp / 'apt-cache'}",
            "-o", "Acquire::Languages=none", "-o", "APT::Sandbox::User=root"]
    tool = "apt-cache" if args[0] == "policy" else "apt-get"
    return subprocess.run([tool, *opts, *args], capture_output=True, text=True, timeout=120, cwd=tmp)


def test_a_signed_archive_is_cached_and_apt_reads_it_as_a_signed_repository(
        tmp_path: Path, signer: tuple[Path, Path]) -> None:
    _need("apt-get")
    home, keyring = signer
    mirror = make_archive(tmp_path / "mirror", home, DEBS)
    folder = tmp_path / "cache"
    info = fill(folder, [_repo(mirror, keyring)], "amd64", {"hello": None})
    assert sorted(p["package"] for p in info["packages"]) == ["hello", "libhello"]  # libc6: not in the index
    assert (folder / "test/dists/bookworm/InRelease").read_bytes() == (mirror / "dists/bookworm/InRelease").read_bytes()
    assert (folder / "test/pool/main/h/hello/hello_1.0_amd64.deb").read_bytes() == DEBS["hello"]
    line = (folder / SOURCES).read_text().strip()
    assert line == f"deb [signed-by={keyring}] file:@CACHE@/test bookworm main" and "trusted" not in line
    apt_line = line.replace("@CACHE@", str(folder))
    update = _apt(tmp_path, apt_line, "update")
    assert update.returncode == 0 and "W:" not in update.stdout + update.stderr, update.stdout + update.stderr
    assert f"file:{folder}/test bookworm/main" in _apt(tmp_path, apt_line, "policy", "hello").stdout
    got = _apt(tmp_path, apt_line, "download", "hello")
    assert got.returncode == 0 and (tmp_path / "hello_1.0_amd64.deb").read_bytes() == DEBS["hello"], got.stderr
    # apt refuses the same cache tampered with after the fact: a changed .deb, a changed index, a changed InRelease
    deb = folder / "test/pool/main/h/hello/hello_1.0_amd64.deb"
    deb.write_bytes(DEBS["hello"].replace(b"stand-in", b"STAND-IN"))
    (tmp_path / "hello_1.0_amd64.deb").unlink()
    got = _apt(tmp_path, apt_line, "download", "hello")
    assert got.returncode != 0 and "Hash Sum mismatch" in got.stderr + got.stdout
    packages = folder / "test/dists/bookworm/main/binary-amd64/Packages.xz"
    packages.write_bytes(lzma.compress(lzma.decompress(packages.read_bytes()).replace(b"Version: 1.0", b"Version: 9")))
    shutil.rmtree(tmp_path / "apt-state")
    update = _apt(tmp_path, apt_line, "update")
    assert update.returncode != 0 and "Hash Sum mismatch" in update.stdout + update.stderr
    inrelease = folder / "test/dists/bookworm/InRelease"
    inrelease.write_text(inrelease.read_text().replace("Label: Test", "Label: Evil"))
    shutil.rmtree(tmp_path / "apt-state")
    update = _apt(tmp_path, apt_line, "update")
    assert update.returncode != 0 and "is not signed" in update.stdout + update.stderr, update.stdout + update.stderr


@pytest.mark.parametrize(("how", "says"), [
    ("unsigned", "its signature does not verify against"),
    ("other key", "its signature does not verify against"),
    ("tampered index", "Packages.xz: SHA256 or size differs from the signed InRelease"),
    ("tampered deb", "hello_1.0_amd64.deb: SHA256 or size differs from the signed index: a tampered"),
    ("no sha256", "its Packages stanza gives no SHA256 and Size"),
    ("escaping filename", "is not a .deb inside the repository"),
    ("other suite", "signed for oldstable / trixie, not bookworm"),
])
def test_anything_unverified_is_refused_and_nothing_kept(how: str, says: str, tmp_path: Path,
                                                         signer: tuple[Path, Path]) -> None:
    home, keyring = signer
    mirror = make_archive(tmp_path / "mirror", home, DEBS, sign=how != "unsigned", drop_sha=how == "no sha256")
    if how == "other key":
        keyring = keyring.with_name("other.gpg")
    elif how == "tampered index":
        xz = mirror / "dists/bookworm/main/binary-amd64/Packages.xz"
        xz.write_bytes(lzma.compress(lzma.decompress(xz.read_bytes()).replace(b"libhello (>= 1.0)", b"evil")))
    elif how == "tampered deb":
        (mirror / "pool/main/h/hello/hello_1.0_amd64.deb").write_bytes(_deb("hello, with a backdoor"))
    elif how == "escaping filename":
        mirror = make_archive(tmp_path / "mirror", home, {"hello": _deb("hello")})
        xz = mirror / "dists/bookworm/main/binary-amd64/Packages.xz"
        text = lzma.decompress(xz.read_bytes()).replace(b"Filename: pool", b"Filename: ../../../../etc/x/pool")
        _resign(mirror, home, text)
    elif how == "other suite":
        release = (mirror / "dists/bookworm/Release").read_text().replace("Codename: bookworm", "Codename: trixie")
        (mirror / "dists/bookworm/Release").write_text(release)
        subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--clearsign", "-o",
                        str(mirror / "dists/bookworm/InRelease"), str(mirror / "dists/bookworm/Release")],
                       check=True, capture_output=True)
    folder = tmp_path / "cache"
    with pytest.raises(CacheError, match=re.escape(says)):
        fill(folder, [_repo(mirror, keyring)], "amd64", {"hello": None}, progress=lambda m: None)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == []


def _resign(mirror: Path, home: Path, text: bytes) -> None:
    """Rewrite main/amd64's Packages.xz with `text` and sign a Release listing it (a mirror that signs what it
    serves, but serves a hostile index)."""
    make = mirror / "dists/bookworm"
    xz = make / "main/binary-amd64/Packages.xz"
    xz.write_bytes(lzma.compress(text))
    (make / "main/binary-amd64/Packages.gz").unlink()
    data = xz.read_bytes()
    release = (make / "Release").read_text().split("SHA256:")[0]
    release += f"SHA256:\n {hashlib.sha256(data).hexdigest()} {len(data)} main/binary-amd64/Packages.xz\n"
    (make / "Release").write_text(release)
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--clearsign", "-o", str(make / "InRelease"),
                    str(make / "Release")], check=True, capture_output=True)


def test_a_run_touches_only_the_files_it_wrote(tmp_path: Path, signer: tuple[Path, Path]) -> None:
    """An unrelated .deb already in the folder (even where the cache keeps its own) survives every run; a package
    the cache no longer needs goes, because the manifest says this command wrote it."""
    home, keyring = signer
    mirror = make_archive(tmp_path / "mirror", home, DEBS)
    folder = tmp_path / "cache"
    mine = {folder / "debs" / "old.deb": b"the instructor's", folder / "test/pool/main/o/own/own.deb": b"mine",
            folder / "notes.txt": b"keep"}
    for path, data in mine.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    first = fill(folder, [_repo(mirror, keyring)], "amd64", {"hello": None, "unrelated": None})
    (folder / MANIFEST).write_text(__import__("json").dumps(first))
    assert (folder / "test/pool/main/u/unrelated/unrelated_1.0_amd64.deb").exists()
    second = fill(folder, [_repo(mirror, keyring)], "amd64", {"hello": None})
    assert second["downloaded_bytes"] == 0  # hello and libhello were kept, verified again
    assert not (folder / "test/pool/main/u").exists()  # the cache's own stale package went
    assert all(path.read_bytes() == data for path, data in mine.items())
    # a failing run leaves the last good one as it was
    (folder / MANIFEST).write_text(__import__("json").dumps(second))
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    (mirror / "pool/main/l/libhello/libhello_1.0_amd64.deb").write_bytes(b"tampered")
    shutil.rmtree(folder / "test/pool/main/l")
    with pytest.raises(CacheError, match="tampered"):
        fill(folder, [_repo(mirror, keyring)], "amd64", {"hello": None})
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == {p: d for p, d in before.items() if "/l/libhello/" not in str(p)}


def test_a_missing_keyring_names_the_package_that_brings_it(tmp_path: Path) -> None:
    repo = Repo("test", "file:///nowhere", SUITE, ("main",), str(tmp_path / "no.gpg"), "apt install test-keyring")
    with pytest.raises(CacheError, match=r"no.gpg .* is not on this machine: apt install test-keyring"):
        fill(tmp_path / "cache", [repo], "amd64", {"hello": None})


def test_the_mirror_must_be_an_archive_address() -> None:
    from swarmlab.classroom import targets

    for bad in ("not a url", "ftp://x/debian", "http://", "deb.debian.org/debian"):
        with pytest.raises(CacheError, match="is not an archive's address: give its http"):
            targets(bad)
    assert targets("http://deb.debian.org/debian/")["debian-bookworm"].repos[0].url == "http://deb.debian.org/debian"


def _use_cache(sources: Path) -> str:
    """provision-common.sh's own use_cache function, writing its sources list to `sources` (not /etc/apt)."""
    script = (Path(__file__).resolve().parent.parent / "vagrant" / "provision-common.sh").read_text()
    function = re.search(r"^use_cache\(\) \{.*?^\}", script, re.M | re.S)
    assert function is not None
    return function.group(0).replace("/etc/apt/sources.list.d/00-swarmlab-cache.list", str(sources))


def test_the_provisioning_writes_only_signed_lines_whose_keyring_the_machine_has(tmp_path: Path) -> None:
    """vagrant/provision-common.sh's use_cache, run by bash on a cache whose apt.list was tampered with: a
    `[trusted=yes]` line, a keyring outside the system's folders and a keyring the machine lacks are all dropped."""
    _need("bash")
    out = tmp_path / "00-swarmlab-cache.list"
    body = _use_cache(out)
    cache = tmp_path / "cache"
    cache.mkdir()
    good = "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] file:@CACHE@/debian bookworm main"
    (cache / SOURCES).write_text("\n".join([
        good,
        "deb [trusted=yes] file:@CACHE@/evil ./",
        "deb [signed-by=/tmp/attacker.gpg] file:@CACHE@/evil bookworm main",
        "deb [signed-by=/usr/share/keyrings/no-such-keyring.gpg] file:@CACHE@/other bookworm main",
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg trusted=yes] file:@CACHE@/evil bookworm main",
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://evil.example/debian bookworm main",
    ]) + "\n")
    if not Path("/usr/share/keyrings/debian-archive-keyring.gpg").exists():
        pytest.skip("needs debian-archive-keyring")
    proc = subprocess.run(["bash", "-c", f"set -euo pipefail; apt-get() {{ :; }}; {body}\nCACHE={cache}\n"
                           "if use_cache; then echo USED; fi"], capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "USED", proc.stderr
    assert out.read_text() == good.replace("@CACHE@", str(cache)) + "\n"
    (cache / SOURCES).write_text("deb [trusted=yes] file:@CACHE@/evil ./\n")
    proc = subprocess.run(["bash", "-c", f"set -euo pipefail; apt-get() {{ :; }}; {body}\nCACHE={cache}\n"
                           "if use_cache; then echo USED; else echo NOT; fi"], capture_output=True, text=True,
                          timeout=30)
    assert proc.stdout.strip() == "NOT" and out.read_text() == ""


def test_the_provisioning_reads_a_real_cache_with_apt_as_the_machines_do(
        tmp_path: Path, signer: tuple[Path, Path]) -> None:
    """provision-common.sh's own use_cache with the real apt-get (state of its own) on a cache `fill` made from a
    signed archive whose InRelease lists Translation-en as Debian's does: it reads the cache (the real bring-up
    failed here: apt fetched the translation the cache does not hold); a cache apt cannot read is dropped from
    the sources, so the download that follows is not broken by it."""
    _need("apt-get")
    _need("bash")
    home, keyring = signer
    mirror = make_archive(tmp_path / "mirror", home, DEBS)
    cache = tmp_path / "cache"
    fill(cache, [_repo(mirror, keyring)], "amd64", {"hello": None})
    sources = tmp_path / "00-swarmlab-cache.list"
    assert re.fullmatch(r"[A-Za-z0-9/_-]+", str(keyring.parent))  # no regex character in the folder's name
    # the test's keyring folder stands for the system's keyring folders (this machine's are not touched)
    body = _use_cache(sources).replace("/(usr/share|etc/apt)/keyrings/", f"{keyring.parent}/")
    assert str(keyring.parent) in body
    (tmp_path / "apt-state" / "lists" / "partial").mkdir(parents=True)
    (tmp_path / "apt-cache" / "archives" / "partial").mkdir(parents=True)
    # apt as a box has it: this machine's apt.conf.d is left out (it may say Acquire::Languages "none", as
    # Debian's docker images do), so apt fetches what InRelease lists for English, as the real machines do
    (tmp_path / "no-parts").mkdir()
    (tmp_path / "apt.conf").write_text(f'Dir::Etc::parts "{tmp_path / "no-parts"}";\nAcquire::Languages {{ "en"; }};\n')
    sandbox = (f"export APT_CONFIG={tmp_path / 'apt.conf'}; "
               f"apt-get() {{ command apt-get -o Dir::State={tmp_path / 'apt-state'} "
               f"-o Dir::Cache={tmp_path / 'apt-cache'} -o APT::Sandbox::User=root \"$@\"; }}")

    def use(cache_dir: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", f"set -euo pipefail; {sandbox}\n{body}\nCACHE={cache_dir}\n"
                               "if use_cache; then echo USED; else echo NOT; fi"],
                              capture_output=True, text=True, timeout=120)

    proc = use(cache)
    assert proc.stdout.strip() == "USED", proc.stdout + proc.stderr
    assert sources.read_text().strip() == f"deb [signed-by={keyring}] file:{cache}/test bookworm main"
    assert "E:" not in proc.stderr, proc.stderr
    policy = subprocess.run(["apt-cache", "-o", f"Dir::State={tmp_path / 'apt-state'}", "-o",
                             f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=-", "policy", "hello"],
                            capture_output=True, text=True, timeout=60)
    assert "Candidate: 1.0" in policy.stdout, policy.stdout + policy.stderr
    # the same cache with a tampered index: apt refuses it, the provisioning says so and drops the cache's line
    packages = cache / "test/dists/bookworm/main/binary-amd64/Packages.xz"
    packages.write_bytes(lzma.compress(lzma.decompress(packages.read_bytes()).replace(b"Version: 1.0", b"Version: 9")))
    shutil.rmtree(tmp_path / "apt-state" / "lists")
    (tmp_path / "apt-state" / "lists" / "partial").mkdir(parents=True)
    proc = use(cache)
    assert proc.stdout.strip() == "NOT", proc.stdout + proc.stderr
    assert "the classroom cache could not be read by apt: downloading instead" in proc.stderr
    assert not sources.exists()


def test_the_defaults_are_the_kits_pin_and_a_trailing_star_matches_as_apt_does() -> None:
    from swarmlab import classroom
    from swarmlab.cli import build_parser

    kit = (Path(__file__).resolve().parent.parent / "vagrant" / "kit.rb").read_text()
    assert f'DOCKER_VERSION = "{classroom.DEFAULT_DOCKER}"' in kit
    args = build_parser().parse_args(["classroom", "cache", "x"])
    assert (args.target, args.docker_version) == (classroom.DEFAULT_TARGET, classroom.DEFAULT_DOCKER)
    stanzas = [("http://mirror", s) for s in parse_packages(INDEX, "Packages")]
    picked = resolve(stanzas, {"docker.io": "20.10.24+dfsg1-1+deb12u1*"})
    assert [s["Version"] for _, s in picked if s["Package"] == "docker.io"] == ["20.10.24+dfsg1-1+deb12u1+b6"]
    with pytest.raises(CacheError, match="is in none"):
        resolve(stanzas, {"docker.io": "20.10.24+dfsg1-1+deb12u1"})  # without the star: exact, and absent
