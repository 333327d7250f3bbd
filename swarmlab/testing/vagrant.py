"""The classroom kit brought up for real: Debian's vagrant-libvirt, a libvirt daemon, qemu, and the box built here
(swarmlab.testing.box). Used by tests/test_vagrant_up.py.

Network rule: the machines' libvirt networks have no <forward> (SWARMLAB_LIBVIRT_ISOLATED=true for the management
network, libvirt__forward_mode none for the private one): they reach the host and each other, nothing else. What
the box lacks (bridge-utils, busybox-static) comes from a classroom cache (`swarmlab classroom cache`, Debian 12).
Everything lives under one state folder (the caller's): VAGRANT_HOME (the added box) and the project copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from swarmlab import classroom
from swarmlab.rig import RigError
from swarmlab.rig.image import mirror
from swarmlab.testing import box

ROOT = Path(__file__).resolve().parent.parent.parent
BOX_NAME = "swarmlab/test-debian12"
VIRSH = ("virsh", "-c", "qemu:///system")
Progress = Callable[[str], None]


def libvirt_ready() -> bool:
    if shutil.which("virsh") is None:
        return False
    return subprocess.run([*VIRSH, "version"], capture_output=True, timeout=30).returncode == 0


def ensure_libvirtd(progress: Progress = print) -> None:
    """A libvirt daemon answering on qemu:///system: started here (virtlogd, libvirtd -d) when this machine has
    no systemd to start it (a container), as root. Raises RigError naming the fix otherwise."""
    if libvirt_ready():
        return
    missing = [t for t in ("virsh", "libvirtd", "virtlogd", "vagrant") if shutil.which(t) is None]
    if missing:
        raise RigError(f"missing {', '.join(missing)}: apt-get install vagrant-libvirt libvirt-daemon-system "
                       "libvirt-clients dnsmasq-base qemu-system-x86 qemu-utils")
    if os.geteuid() != 0:
        raise RigError("no libvirt daemon on qemu:///system, and starting one needs root")
    progress("starting virtlogd and libvirtd")
    subprocess.run(["virtlogd", "-d"], capture_output=True, timeout=30)
    subprocess.run(["libvirtd", "-d"], capture_output=True, timeout=30)
    deadline = time.monotonic() + 30
    while not libvirt_ready():
        if time.monotonic() > deadline:
            raise RigError("libvirtd started but qemu:///system does not answer (see /var/log/libvirt)")
        time.sleep(1)


@dataclass
class Kit:
    """A copy of the project's Vagrantfile and provisioning in `project`, driven with `env`."""

    state: Path
    project: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, object] = field(default_factory=dict)  # measured RAM and disk (docs/instructor-guide.md)

    def vagrant(self, *args: str, timeout: float = 1800, phase: str | None = None,
                check: bool = True) -> subprocess.CompletedProcess[str]:
        t0 = time.monotonic()
        try:
            out = subprocess.run(["vagrant", *args], cwd=self.project, env=self.env, capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RigError(f"`vagrant {' '.join(args)}` took more than {timeout:g} s; output so far:\n"
                           f"{(exc.stdout or b'')[-3000:]!r}") from None
        if phase:
            self.timings[phase] = round(time.monotonic() - t0, 1)
            self.logs[phase] = out.stdout + out.stderr
            (self.state / f"{phase}.log").write_text(out.stdout + out.stderr)
        if check and out.returncode != 0:
            raise RigError(f"`vagrant {' '.join(args)}` failed (exit {out.returncode}):\n"
                           f"{(out.stdout + out.stderr)[-4000:]}")
        return out


def prepare(state: Path, progress: Progress = print, **settings: str) -> Kit:
    """The box built (cached by recipe) and added to a VAGRANT_HOME under `state`; the project copied into
    `state/project`; settings for a libvirt bring-up under software emulation with no route out."""
    ensure_libvirtd(progress)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)  # libvirt's qemu reads the box's kernel from VAGRANT_HOME
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    built = box.build(progress)
    timings["box_build"] = round(time.monotonic() - t0, 1)
    t0 = time.monotonic()
    docker = str(dict(built.info["versions"])["docker.io"])  # type: ignore[call-overload]
    offline = state / "cache"
    classroom.cache(offline, "debian-bookworm", "amd64", docker, mirror=mirror(), progress=progress)
    timings["classroom_cache"] = round(time.monotonic() - t0, 1)
    home = state / "vagrant.d"
    env = {**os.environ, "VAGRANT_HOME": str(home), "VAGRANT_DEFAULT_PROVIDER": "libvirt",
           "VAGRANT_CHECKPOINT_DISABLE": "1", "SWARMLAB_BOX": BOX_NAME, "SWARMLAB_LIBVIRT_DRIVER": "qemu",
           "SWARMLAB_LIBVIRT_ISOLATED": "true",
           "SWARMLAB_DOCKER_VERSION": docker, "SWARMLAB_CACHE": str(offline), "SWARMLAB_MEMORY": "1024",
           "SWARMLAB_CPUS": "1",
           # the workers wait for the manager's swarm as long as the whole `vagrant up` may take (Kit.vagrant's 1800
           # s): under emulation with other work alongside, the manager alone took more than the default 15 min
           "SWARMLAB_JOIN_WAIT": "1700", **settings}
    stamp = home / "swarmlab-box-recipe"
    t0 = time.monotonic()
    if not stamp.exists() or stamp.read_text().strip() != built.directory.name:
        progress(f"vagrant box add {BOX_NAME}")
        out = subprocess.run(["vagrant", "box", "add", "--force", "--name", BOX_NAME, str(built.file)], env=env,
                             capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RigError(f"vagrant box add failed: {(out.stdout + out.stderr)[-2000:]}")
        remove_libvirt_volumes("swarmlab-VAGRANTSLASH-test-debian12")  # the pool's copy of an older box
        stamp.write_text(built.directory.name + "\n")
    timings["box_add"] = round(time.monotonic() - t0, 1)
    for d in [home, *home.parents]:
        if d == Path("/"):
            break
        if d.stat().st_mode & 0o005 != 0o005:
            d.chmod(d.stat().st_mode | 0o005)
    project = state / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    shutil.copy(ROOT / "Vagrantfile", project / "Vagrantfile")
    shutil.copytree(ROOT / "vagrant", project / "vagrant")
    shutil.copytree(ROOT / "swarmlab" / "rig" / "guest", project / "swarmlab" / "rig" / "guest")
    kit = Kit(state, project, env)
    kit.timings.update(timings)
    return kit


def libvirt_names(kind: str) -> list[str]:
    """`virsh list --all --name` (kind "domain"), `net-list` ("network") or the default pool's volumes ("volume")."""
    argv = {"domain": ["list", "--all", "--name"], "network": ["net-list", "--all", "--name"],
            "volume": ["vol-list", "default"]}[kind]
    out = subprocess.run([*VIRSH, *argv], capture_output=True, text=True, timeout=60)
    if kind == "volume":
        return [line.split()[0] for line in out.stdout.splitlines()[2:] if line.strip()]
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def volume_allocations_mib() -> dict[str, int]:
    """What each volume of libvirt's default pool really takes on the host's disk (the box, the machines' disks)."""
    sizes = {}
    for vol in libvirt_names("volume"):
        out = subprocess.run([*VIRSH, "vol-info", vol, "--pool", "default", "--bytes"], capture_output=True,
                             text=True, timeout=60)
        found = re.search(r"^Allocation:\s+(\d+)", out.stdout, re.M)
        if found:
            sizes[vol] = int(found.group(1)) // 2**20
    return sizes


def remove_libvirt_volumes(prefix: str) -> None:
    for vol in libvirt_names("volume"):
        if vol.startswith(prefix):
            subprocess.run([*VIRSH, "vol-delete", vol, "--pool", "default"], capture_output=True, timeout=60)


def write_results(kit: Kit, path: Path, extra: dict[str, object]) -> None:
    info = box.current().info
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "what": "the classroom kit brought up for real: vagrant-libvirt, qemu software emulation (tcg), three "
                "machines of 1 vCPU and 1 GiB, the box built here (swarmlab/testing/box.py), no route out",
        "machine": f"{os.cpu_count()} cores, shared with other engineers' VMs", "phases_s": kit.timings,
        "sizes": kit.sizes,
        "box": {k: info[k] for k in ("recipe", "debootstrap_s", "build_s", "versions")},
        "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra,
    }, indent=2) + "\n")
