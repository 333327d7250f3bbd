"""The classroom kit as far as it can be checked here: `vagrant validate` (Debian's vagrant; no VirtualBox here,
so providers are ignored), a misspelt setting refused with a clear message, and shellcheck on every script.
The provisioning's swarm init/join runs for real on the rig: tests/test_rig_lifecycle.py."""

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


BOXES = {  # the box the Vagrantfile picks per host architecture and provider (its BOXES table)
    "amd64": {"virtualbox": "bento/ubuntu-22.04", "libvirt": "generic/ubuntu2204", "hyperv": "generic/ubuntu2204",
              "vmware_desktop": "bento/ubuntu-22.04", "parallels": "bento/ubuntu-22.04"},
    "arm64": {"virtualbox": "bento/ubuntu-22.04", "vmware_desktop": "bento/ubuntu-22.04",
              "parallels": "bento/ubuntu-22.04", "libvirt": "no-arm64-box-for-libvirt-set-SWARMLAB_BOX",
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
    Ubuntu's archive are not reachable from here) fetches docker.io at the box's version and its dependencies
    from this machine's Debian mirror; apt reads the folder as a repository. A version the mirror lacks is a
    one-line error naming the versions there."""
    from swarmlab.cli import main
    from swarmlab.rig.image import mirror

    need("apt-get")
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
    assert all((folder / "debs" / p["file"]).exists() for p in info["packages"])
    lists = tmp_path / "lists"
    (lists / "partial").mkdir(parents=True)
    (tmp_path / "cache.list").write_text(f"deb [trusted=yes] file:{folder / 'debs'} ./\n")
    apt = ["-o", f"Dir::Etc::sourcelist={tmp_path / 'cache.list'}", "-o", "Dir::Etc::sourceparts=-",
           "-o", f"Dir::State::Lists={lists}", "-o", f"Dir::Cache={tmp_path / 'aptcache'}"]
    (tmp_path / "aptcache" / "archives" / "partial").mkdir(parents=True)
    subprocess.run(["apt-get", *apt, "update", "-qq"], check=True, capture_output=True, timeout=120)
    policy = subprocess.run(["apt-cache", *apt, "policy", "docker.io"], capture_output=True, text=True).stdout
    assert version in policy and f"file:{folder / 'debs'}" in policy
    again = main(["classroom", "cache", str(folder), "--target", "debian-bookworm", "--docker-version", version,
                  "--mirror", mirror()])
    assert again == 0 and json.loads((folder / "cache.json").read_text())["downloaded_bytes"] == 0
    assert main(["classroom", "cache", str(tmp_path / "x"), "--target", "debian-bookworm",
                 "--docker-version", "0.0-nope", "--mirror", mirror()]) == 2
