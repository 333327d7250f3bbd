"""The classroom kit as far as it can be checked here without a provider: `vagrant validate` (Debian's vagrant;
no VirtualBox here, so providers are ignored; validate fetches no box metadata, runs no trigger or provisioner),
a misspelt setting refused with a clear message, shellcheck on every script; vagrant/kit.rb's rules (boxes, Vagrant
floors, refusals) and the Vagrantfile's before-up check run in Ruby with made-up versions; the box table against
bento's own build table; line endings from a CRLF checkout; provision-worker.sh's decisions against a stand-in
docker. The provisioning's swarm init/join/heal runs for real on the rig (tests/test_rig_lifecycle.py), the whole
kit on libvirt in tests/test_vagrant_up.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "vagrant").glob("*.sh"))
pytestmark = pytest.mark.real


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"needs {tool} (`./run tests` installs it with apt as root)")
    return path


def _project(tmp_path: Path) -> Path:
    work = tmp_path / "vagrant-project"
    if not work.exists():
        shutil.copytree(ROOT / "vagrant", work / "vagrant")
        shutil.copytree(ROOT / "swarmlab" / "rig" / "guest", work / "swarmlab" / "rig" / "guest")
        shutil.copy(ROOT / "Vagrantfile", work / "Vagrantfile")
    return work


def validate(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    work = _project(tmp_path)
    environ = {**os.environ, "VAGRANT_HOME": str(tmp_path / "vagrant-home"), **env}
    return subprocess.run([need("vagrant"), "validate", "--ignore-provider"], cwd=work, env=environ,
                          capture_output=True, text=True, timeout=180)


def test_vagrantfile_validates(tmp_path: Path) -> None:
    out = validate(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Vagrantfile validated successfully" in out.stdout


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("SWARMLAB_CPUS", "two", 'SWARMLAB_CPUS="two" is not a whole number >= 1'),
    ("SWARMLAB_PREFIX", "192.168", "must be three octets"),
    ("SWARMLAB_WORKERS", "0", "SWARMLAB_WORKERS"),
])
def test_a_misspelt_setting_is_refused(tmp_path: Path, setting: str, value: str, message: str) -> None:
    out = validate(tmp_path, **{setting: value})
    assert out.returncode != 0 and message in out.stdout + out.stderr


def test_more_workers_are_defined(tmp_path: Path) -> None:
    out = validate(tmp_path, SWARMLAB_WORKERS="3")
    assert out.returncode == 0 and "swarm-worker3" in out.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck(script: Path) -> None:
    out = subprocess.run([need("shellcheck"), str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


BOXES = {  # the box the Vagrantfile picks per host architecture and provider (vagrant/kit.rb's BOXES)
    "amd64": {"virtualbox": "bento/debian-12", "vmware_desktop": "bento/debian-12", "parallels": "bento/debian-12",
              "libvirt": "debian/bookworm64", "hyperv": "no-amd64-box-for-hyperv-set-SWARMLAB_BOX"},
    "arm64": {"virtualbox": "bento/debian-12", "vmware_desktop": "bento/debian-12", "parallels": "bento/debian-12",
              "libvirt": "no-arm64-box-for-libvirt-set-SWARMLAB_BOX",
              "hyperv": "no-arm64-box-for-hyperv-set-SWARMLAB_BOX"},
}


@pytest.mark.parametrize("arch", sorted(BOXES))
def test_a_box_per_provider_and_architecture(tmp_path: Path, arch: str) -> None:
    """`vagrant validate` with the provider blocks evaluated (libvirt is the provider installed here; Vagrant
    evaluates every provider's block, each prints the box it chose with SWARMLAB_SHOW_BOX=1). Providers that are
    not installed here (VirtualBox, VMware, Parallels, Hyper-V) cannot be validated against their own plugin."""
    plugins = subprocess.run([need("vagrant"), "plugin", "list"], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "VAGRANT_HOME": str(tmp_path / "vagrant-home")}).stdout
    if "vagrant-libvirt" not in plugins:
        pytest.skip("needs vagrant-libvirt (`./run tests` installs it with apt as root)")
    out = subprocess.run(["vagrant", "validate"], cwd=_project(tmp_path), capture_output=True, text=True,
                         timeout=300, env={**os.environ, "VAGRANT_HOME": str(tmp_path / "vagrant-home"),
                                           "VAGRANT_DEFAULT_PROVIDER": "libvirt", "SWARMLAB_SHOW_BOX": "1",
                                           "SWARMLAB_ARCH": arch})
    assert out.returncode == 0 and "Vagrantfile validated successfully" in out.stdout, out.stdout + out.stderr
    chosen = dict(re.findall(rf"^swarmlab box for (\S+) on {arch}: (\S+)$", out.stdout, re.M))
    assert chosen == BOXES[arch]


def test_the_defaults_fit_virtualbox_and_an_8_gb_laptop(tmp_path: Path) -> None:
    """VirtualBox 6.1.28+ allows host-only networks in 192.168.56.0/21 only: the default addresses are there;
    the course's 192.168.200 is one setting away. Three machines of 1 GiB: 3 GiB of an 8 GB laptop."""
    text = (ROOT / "Vagrantfile").read_text()
    assert 'setting("SWARMLAB_PREFIX", "192.168.56")' in text
    assert 'number("SWARMLAB_MEMORY", 1024, 512)' in text and 'number("SWARMLAB_WORKERS", 2, 1)' in text
    out = validate(tmp_path, SWARMLAB_PREFIX="192.168.200")
    assert out.returncode == 0, out.stdout + out.stderr
    out = validate(tmp_path, SWARMLAB_PREFIX="192.168.300")
    assert out.returncode != 0 and "must be three octets" in out.stdout + out.stderr


def test_a_missing_cache_folder_is_refused(tmp_path: Path) -> None:
    out = validate(tmp_path, SWARMLAB_CACHE=str(tmp_path / "nowhere"))
    assert out.returncode != 0 and "swarmlab classroom cache" in out.stdout + out.stderr


def test_classroom_cache_is_a_local_apt_repository(tmp_path: Path) -> None:
    """`swarmlab classroom cache` for Debian 12 (the test box's distribution; Docker's own repository and
    Ubuntu's archive are not reachable from here) fetches the mirror's signed InRelease (verified with gpgv against
    debian-archive-keyring), its Packages index and docker.io at the box's version with its dependencies from this
    machine's Debian mirror; a real apt reads the folder as a signed repository (signed-by the distribution's
    keyring, no [trusted=yes]). A version the mirror lacks is a one-line error naming the versions there."""
    from swarmlab.cli import main
    from swarmlab.rig.image import mirror

    need("apt-get")
    need("gpgv")
    index = subprocess.run(["apt-cache", "madison", "docker.io"], capture_output=True, text=True).stdout
    version = next((line.split("|")[1].strip() for line in index.splitlines() if "bookworm" in line), None)
    if version is None:
        from swarmlab.testing import box
        version = str(box.current().info["versions"]["docker.io"]) if box.current().ready() else \
            "20.10.24+dfsg1-1+deb12u1+b6"
    folder = tmp_path / "cache"
    assert main(["classroom", "cache", str(folder), "--target", "debian-bookworm", "--docker-version", version,
                 "--mirror", mirror()]) == 0
    info = json.loads((folder / "cache.json").read_text())
    names = {p["package"] for p in info["packages"]}
    assert {"docker.io", "containerd", "runc", "ipvsadm", "bridge-utils", "busybox-static"} <= names
    assert all((folder / p["file"]).exists() for p in info["packages"])
    assert (folder / "debian/dists/bookworm/InRelease").exists()
    line = (folder / "apt.list").read_text().strip()
    assert line == ("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] file:@CACHE@/debian bookworm "
                    "main")
    (tmp_path / "cache.list").write_text(line.replace("@CACHE@", str(folder)) + "\n")
    apt = ["-o", f"Dir::Etc::sourcelist={tmp_path / 'cache.list'}", "-o", "Dir::Etc::sourceparts=-",
           "-o", f"Dir::State={tmp_path / 'state'}", "-o", f"Dir::Cache={tmp_path / 'aptcache'}",
           "-o", "APT::Sandbox::User=root"]
    (tmp_path / "state" / "lists" / "partial").mkdir(parents=True)
    (tmp_path / "aptcache" / "archives" / "partial").mkdir(parents=True)
    update = subprocess.run(["apt-get", *apt, "update"], capture_output=True, text=True, timeout=300)
    assert update.returncode == 0 and "W:" not in update.stdout + update.stderr, update.stdout + update.stderr
    policy = subprocess.run(["apt-cache", *apt, "policy", "docker.io"], capture_output=True, text=True).stdout
    assert version in policy and f"file:{folder / 'debian'}" in policy
    got = subprocess.run(["apt-get", *apt, "download", "docker.io"], capture_output=True, text=True, cwd=tmp_path)
    assert got.returncode == 0, got.stdout + got.stderr  # the .deb as apt checks it (SHA256 of the signed index)
    again = main(["classroom", "cache", str(folder), "--target", "debian-bookworm", "--docker-version", version,
                  "--mirror", mirror()])
    assert again == 0 and json.loads((folder / "cache.json").read_text())["downloaded_bytes"] == 0
    assert main(["classroom", "cache", str(tmp_path / "x"), "--target", "debian-bookworm",
                 "--docker-version", "0.0-nope", "--mirror", mirror()]) == 2


# --- Windows checkouts: line endings (issue #25) ---

GUEST_FILES = ("whoami-server", "index.cgi")


def _lf_install(script: Path) -> str:
    """provision-common.sh's own lf_install function, as the script defines it (one line)."""
    line = next((x for x in script.read_text().splitlines() if x.startswith("lf_install()")), None)
    assert line is not None, f"{script.name} defines no lf_install"
    return line


def test_gitattributes_gives_every_file_that_reaches_a_guest_lf() -> None:
    """Every file the Vagrantfile uploads or runs, the rig image's guest files and Binder's: eol=lf, which wins
    over Git for Windows' core.autocrlf=true."""
    git = need("git")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = ["Vagrantfile", *(f"vagrant/{p.name}" for p in SCRIPTS),
             *(f"swarmlab/rig/guest/{p.name}" for p in sorted((ROOT / "swarmlab/rig/guest").iterdir())),
             *(f"binder/{p.name}" for p in sorted((ROOT / "binder").iterdir()))]
    out = subprocess.run([git, "check-attr", "eol", "--", *files, "README.md"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    eol = dict(line.rsplit(": eol: ", 1) for line in out.splitlines())
    assert {f: eol[f] for f in files} == dict.fromkeys(files, "lf")
    assert eol["README.md"] == "unspecified", "the check itself tells the two apart"


def test_a_crlf_checkout_still_gives_the_lab_image_lf(tmp_path: Path) -> None:
    """A clone with core.autocrlf=true (what Git for Windows sets up) of this repository's committed tree: the
    guest files come out LF (.gitattributes) while an ordinary text file comes out CRLF (the clone did convert)."""
    git = need("git")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "windows-checkout"
    subprocess.run([git, "-c", "core.autocrlf=true", "clone", "-q", "--no-hardlinks", "--config",
                    "core.autocrlf=true", str(ROOT), str(clone)], check=True, capture_output=True, timeout=300)
    if not (clone / ".gitattributes").exists():
        pytest.skip("HEAD has no .gitattributes yet (commit it first)")
    assert b"\r\n" in (clone / "README.md").read_bytes()
    for name in GUEST_FILES:
        assert b"\r" not in (clone / "swarmlab" / "rig" / "guest" / name).read_bytes(), name
    for script in ("Vagrantfile", *(f"vagrant/{p.name}" for p in SCRIPTS)):
        assert b"\r" not in (clone / script).read_bytes(), script


@pytest.mark.parametrize("guarded", [True, False], ids=["lf_install", "plain-install"])
def test_provisioning_strips_cr_from_uploaded_files(tmp_path: Path, guarded: bool) -> None:
    """The lab image's two scripts as the file provisioner would upload them from a CRLF checkout, installed
    the way provision-common.sh installs them (its own lf_install line): they parse (`sh -n`) and index.cgi runs
    and answers; the same files installed without the guard do not run (`#!/bin/sh\\r`: no such interpreter)."""
    sh = need("sh")
    upload = tmp_path / "swarmlab-guest"
    upload.mkdir()
    for name in GUEST_FILES:
        text = (ROOT / "swarmlab" / "rig" / "guest" / name).read_bytes()
        (upload / name).write_bytes(text.replace(b"\n", b"\r\n"))
    img = tmp_path / "img"
    img.mkdir()
    install = _lf_install(ROOT / "vagrant" / "provision-common.sh") if guarded else \
        'lf_install() { install -m 0755 "$1" "$2"; }'
    script = f'{install}\nlf_install "$1/whoami-server" "$2/whoami-server"\nlf_install "$1/index.cgi" "$2/index.cgi"\n'
    subprocess.run(["bash", "-c", script, "provision", str(upload), str(img)], check=True, timeout=30)
    parsed = [subprocess.run([sh, "-n", str(img / name)], capture_output=True, text=True) for name in GUEST_FILES]
    ran = subprocess.run(["bash", "-c", '"$0"', str(img / "index.cgi")], capture_output=True, timeout=30)
    if guarded:
        assert [p.returncode for p in parsed] == [0, 0], [p.stderr for p in parsed]
        assert ran.stdout.startswith(b"Content-Type: text/plain\r\n\r\n"), ran
    else:
        assert ran.returncode in (126, 127) and ran.stdout == b"", "a CRLF shebang names no interpreter"
        assert any(p.returncode != 0 for p in parsed), "the CRLF copies do not even parse"


# --- a worker rejoins a rebuilt manager (issue #25) ---

FAKE_DOCKER = ROOT / "tests" / "fixtures" / "fake-docker" / "docker"
NEW_MANAGER, OLD_MANAGER = "k3p0newmanagerid00000000a", "q9z1oldmanagerid00000000b"
TOKEN = "SWMTKN-1-0abc-def"


def provision_worker(tmp_path: Path, state: str, managers: list[str], token_file: str | None,
                     ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """vagrant/provision-worker.sh against the stand-in docker (tests/fixtures/fake-docker/docker says why a fake):
    the node in `state` with `managers`, the current swarm NEW_MANAGER/TOKEN; returns the run and docker's calls."""
    d = tmp_path / "docker-state"
    d.mkdir(exist_ok=True)
    (d / "state").write_text(state + "\n")
    (d / "managers").write_text("".join(f"{m}\n" for m in managers))
    (d / "swarm").write_text(f"{NEW_MANAGER}\n{TOKEN}\n")
    (d / "calls").write_text("")
    tok = tmp_path / "tok"
    tok.unlink(missing_ok=True)
    if token_file is not None:
        tok.write_text(token_file)
    env = {**os.environ, "DOCKER": str(FAKE_DOCKER), "FAKE_DOCKER": str(d), "ADVERTISE_ADDR": "192.168.56.11",
           "MANAGER_ADDR": "192.168.56.10", "TOKEN_FILE": str(tok)}
    out = subprocess.run(["bash", str(ROOT / "vagrant" / "provision-worker.sh")], env=env, capture_output=True,
                         text=True, timeout=30)
    assert not tok.exists(), "the token file is always removed"
    return out, (d / "calls").read_text().splitlines()


JOIN = f"swarm join --advertise-addr 192.168.56.11 --token {TOKEN} 192.168.56.10:2377"


def test_worker_joins_the_current_swarm(tmp_path: Path) -> None:
    out, calls = provision_worker(tmp_path, "inactive", [], f"{TOKEN}\r\n{NEW_MANAGER}\r\n")
    assert out.returncode == 0 and "joined the swarm at 192.168.56.10:2377" in out.stdout, out.stderr
    assert calls == ["info --format {{.Swarm.LocalNodeState}}", JOIN] and TOKEN not in out.stdout


def test_worker_in_the_current_swarm_is_left_alone(tmp_path: Path) -> None:
    out, calls = provision_worker(tmp_path, "active", [NEW_MANAGER], f"{TOKEN}\n{NEW_MANAGER}\n")
    assert out.returncode == 0 and out.stdout == "already in the swarm: left as it is\n"
    assert not any(c.startswith("swarm ") for c in calls)


@pytest.mark.parametrize("state", ["active", "pending", "error"])
def test_worker_of_a_rebuilt_manager_leaves_and_joins_the_current_one(tmp_path: Path, state: str) -> None:
    """`vagrant destroy swarm-manager && vagrant up`: the worker still sees itself in its old swarm (the old
    manager's node ID); the trigger hands it the new manager's ID with the token: it leaves and joins."""
    out, calls = provision_worker(tmp_path, state, [OLD_MANAGER], f"{TOKEN}\n{NEW_MANAGER}\n")
    assert out.returncode == 0, out.stderr
    assert f"left a swarm whose managers ({OLD_MANAGER}) are not the current manager ({NEW_MANAGER}" in out.stdout
    assert "joined the swarm at 192.168.56.10:2377" in out.stdout
    assert calls[-2:] == ["swarm leave --force", JOIN]


def test_worker_with_no_manager_id_is_left_as_it_is(tmp_path: Path) -> None:
    """No second line (the script run by hand, or the rig test's token-only file): nothing to compare with, so
    nothing is torn down."""
    out, calls = provision_worker(tmp_path, "active", [OLD_MANAGER], None)
    assert out.returncode == 0 and "already in the swarm" in out.stdout and "swarm leave --force" not in calls


def test_worker_with_no_token_says_what_to_do(tmp_path: Path) -> None:
    out, calls = provision_worker(tmp_path, "inactive", [], "")
    assert out.returncode == 1 and "no worker join token" in out.stderr and "vagrant up swarm-manager" in out.stderr
    assert not any(c.startswith("swarm join") for c in calls)


# --- one path, its boxes, its floors and refusals (vagrant/kit.rb; issue #25) ---

CATALOGUE = ROOT / "tests" / "fixtures" / "vagrant" / "box-catalogue.json"
RULES = """
require "json"
require "./vagrant/kit"
cases = JSON.parse($stdin.read)
puts JSON.generate(cases.map { |c| SwarmlabKit.refusal(**c.transform_keys(&:to_sym)) })
"""


def refusals(cases: list[dict[str, object]]) -> list[str | None]:
    """vagrant/kit.rb's SwarmlabKit.refusal for each case, in Ruby (the Vagrantfile's own code, made-up versions)."""
    out = subprocess.run([need("ruby"), "-e", RULES], cwd=ROOT, input=json.dumps(cases), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result: list[str | None] = json.loads(out.stdout)
    return result


LINUX, MAC, WINDOWS = "linux-gnu", "darwin23", "mingw32"
FLOOR_CASES = [  # provider, arch, host_os, Vagrant, VirtualBox, what the refusal says (None: goes on)
    ("libvirt", "amd64", LINUX, "2.3.4", None, None),  # the bring-up proven here, on Debian 12's Vagrant
    ("virtualbox", "amd64", LINUX, "2.3.4", None, "it needs 2.4.8 or later"),
    ("virtualbox", "amd64", WINDOWS, "2.4.7", "7.1.4", "it needs 2.4.8 or later (box architectures"),
    ("virtualbox", "amd64", WINDOWS, "2.4.8", "7.1.4", None),
    ("virtualbox", "amd64", LINUX, "2.4.8", "7.2.0", "it needs 2.4.9 or later (VirtualBox 7.2)"),
    ("virtualbox", "amd64", LINUX, "2.4.9", "7.2.0", None),
    ("virtualbox", "arm64", MAC, "2.4.9", "7.1.4", "VirtualBox 7.1.4 is too old for an arm64 host"),
    ("virtualbox", "arm64", MAC, "2.4.9", "7.1.6", None),
    ("parallels", "arm64", MAC, "2.3.7", None, "Vagrant 2.3.7 is too old for the parallels provider"),
    ("parallels", "arm64", MAC, "2.4.0", None, None),
    ("vmware_desktop", "amd64", WINDOWS, "2.4.0", None, None),
    ("vmware_desktop", "arm64", MAC, "2.4.9", None, "VMware Fusion on macOS is not supported"),
    ("vmware_desktop", "amd64", MAC, "2.4.9", None, "hashicorp/vagrant#13367"),
    ("hyperv", "amd64", WINDOWS, "2.4.9", None, "cannot give a Hyper-V machine a static private IP"),
    ("libvirt", "arm64", LINUX, "2.4.9", None, "no Debian 12 box is published for libvirt on arm64"),
]


def test_floors_and_refusals_per_provider() -> None:
    """Each refusal names its reason and the fix; each floor is met exactly at its version and refused one below."""
    cases: list[dict[str, object]] = [
        {"provider": p, "arch": a, "host_os": o, "vagrant": v, "virtualbox": vb} for p, a, o, v, vb, _ in FLOOR_CASES]
    got = refusals(cases)
    for case, why in zip(FLOOR_CASES, got, strict=True):
        expected = case[-1]
        if expected is None:
            assert why is None, (case, why)
        else:
            assert why is not None and str(expected) in why and "Fix:" in why, (case, why)


def test_an_own_box_lifts_only_the_missing_box_refusal() -> None:
    got = refusals([{"provider": "libvirt", "arch": "arm64", "host_os": LINUX, "vagrant": "2.3.4", "own_box": True},
                    {"provider": "hyperv", "arch": "amd64", "host_os": WINDOWS, "vagrant": "2.4.9", "own_box": True}])
    assert got[0] is None and got[1] is not None and "static private IP" in got[1]


CHECK_BEFORE_UP = """
module Vagrant
  VERSION = ENV.fetch("FAKE_VAGRANT_VERSION")
  module Errors
    class VagrantError < StandardError; end
  end
  def self.configure(*); end
  class Plugin # what the Vagrantfile's join-token provisioner and plugin inherit from
    def self.name(*args)
      args.empty? ? super() : nil
    end

    def self.provisioner(*); end
  end

  def self.plugin(*)
    Plugin
  end
end
Driver = Struct.new(:version)
Provider = Struct.new(:driver)
Machine = Struct.new(:provider_name, :provider)
load "Vagrantfile"
vb = ENV["FAKE_VIRTUALBOX"]
machine = Machine.new(ENV.fetch("FAKE_PROVIDER").to_sym, Provider.new(vb ? Driver.new(vb) : nil))
begin
  check_before_up(machine)
  puts "goes on"
rescue Vagrant::Errors::VagrantError => e
  puts "refused: #{e.message}"
end
"""


@pytest.mark.parametrize(("provider", "vagrant", "virtualbox", "expected"), [
    ("libvirt", "2.3.4", None, "goes on"),
    ("virtualbox", "2.4.8", "7.2.1", "refused: swarmlab: Vagrant 2.4.8 is too old for the virtualbox provider"),
    ("virtualbox", "2.4.9", "7.2.1", "goes on"),
    ("hyperv", "2.4.9", None, "refused: swarmlab: Hyper-V is not supported"),
])
def test_the_vagrantfile_checks_before_up(tmp_path: Path, provider: str, vagrant: str, virtualbox: str | None,
                                          expected: str) -> None:
    """The Vagrantfile's own check_before_up (what its before-:up trigger runs), loaded by Ruby with a stand-in
    for Vagrant's module: a made-up Vagrant::VERSION and a machine with a provider name and VirtualBox version.
    (A real `vagrant up` is not run here: it would boot machines.)"""
    env = {**os.environ, "FAKE_VAGRANT_VERSION": vagrant, "FAKE_PROVIDER": provider, "SWARMLAB_ARCH": "amd64"}
    if virtualbox:
        env["FAKE_VIRTUALBOX"] = virtualbox
    out = subprocess.run([need("ruby"), "-e", CHECK_BEFORE_UP], cwd=_project(tmp_path), env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(expected), out.stdout
    text = (ROOT / "Vagrantfile").read_text()
    assert "node.trigger.before :up do" in text and "check_before_up(machine)" in text


def test_every_bento_box_the_kit_picks_is_in_the_publishers_build_table() -> None:
    """The box per provider and architecture against bento's own build table (tests/fixtures/vagrant/SOURCE.md:
    the publisher's record, not the catalogue's answer, which is unreachable from here). debian/bookworm64 has no
    such record: it is the one choice made by name only (docs/instructor-guide.md says so)."""
    data = json.loads(CATALOGUE.read_text())
    columns = [c.replace("<br>", " ").split() for c in data["header"].strip("|").split("|")[1:]]
    names = data["bento_columns_to_vagrant"]
    built: dict[str, set[tuple[str, str]]] = {}
    for row in data["rows"]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        pairs = zip(columns, cells[1:], strict=True)
        built["bento/" + cells[0]] = {(names[p], names[a]) for (p, a), c in pairs if c == "x"}
    chosen = {(provider, arch): box for arch, boxes in BOXES.items() for provider, box in boxes.items()
              if not box.startswith("no-")}
    unbacked = {k: box for k, box in chosen.items() if k not in built.get(box, set())}
    assert unbacked == {("libvirt", "amd64"): "debian/bookworm64"}
    assert "debian/bookworm64" in data["not_found"]
    assert ("hyperv", "amd64") not in built["bento/debian-12"] and ("libvirt", "arm64") not in built["bento/debian-12"]


def test_the_docker_ce_path_is_gone(tmp_path: Path) -> None:
    out = validate(tmp_path, SWARMLAB_DOCKER_PACKAGE="docker-ce")
    assert out.returncode != 0 and "Debian's docker.io only" in out.stdout + out.stderr
    for path in [ROOT / "Vagrantfile", *SCRIPTS, ROOT / "vagrant" / "kit.rb"]:
        assert "download.docker.com" not in path.read_text() and "docker-ce" not in path.read_text().replace(
            "SWARMLAB_DOCKER_PACKAGE", ""), path
