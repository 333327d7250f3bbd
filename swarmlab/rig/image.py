"""Building the rig's VM image from Debian packages: debootstrap, configure, `mkfs.ext4 -d`. Cached by recipe.

The recipe (package list, guest files, this module's BUILD_VERSION, the node list) is hashed; the image lives
in `<rig home>/images/<hash>/` with the kernel, the initrd, the SSH keys and a build.json, and is rebuilt only
when the hash changes. Measured here: ~75 s debootstrap, ~5 s mkfs (see benchmarks/results/rig.json).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from swarmlab import paths
from swarmlab.rig import NODES, RigError

BUILD_VERSION = "1"
PACKAGES = ("linux-image-amd64", "docker.io", "busybox-static", "ipvsadm", "iptables", "iproute2",
            "openssh-server", "kmod", "ca-certificates", "procps", "iputils-ping", "util-linux",
            "initramfs-tools", "sudo", "wget",  # wget: a request from a node to a published port (lesson 08)
            "tcpdump", "conntrack")  # following one request packet by packet (lab.trace_request)


@dataclass(frozen=True)
class Release:
    """A Debian release the rig is built from: its number, suite and the packages debootstrap installs."""

    debian: str
    suite: str
    packages: tuple[str, ...]


# Debian 12: docker.io 20.10, kernel 6.1, iptables (nft backend by default; Docker 20.10 works with it).
# Debian 13: docker.io 26.1 whose client is a package of its own (docker-cli), kernel 6.12. See docs/rig.md.
RELEASES = {
    "12": Release("12", "bookworm", PACKAGES),
    "13": Release("13", "trixie", (*PACKAGES, "docker-cli")),
}
DEFAULT_DEBIAN = "12"


def release(debian: str | None = None) -> Release:
    """The release asked for: `debian`, else `$SWARMLAB_RIG_DEBIAN`, else the one this rig home was built
    from (`<rig home>/debian`), else Debian 12."""
    choice = debian or os.environ.get("SWARMLAB_RIG_DEBIAN") or _home_release() or DEFAULT_DEBIAN
    choice = choice.strip()
    if choice not in RELEASES:
        raise RigError(f"the rig is built from Debian {' or '.join(sorted(RELEASES))}, not {choice!r} "
                       "(--debian / $SWARMLAB_RIG_DEBIAN)")
    return RELEASES[choice]


def _home_release() -> str | None:
    path = paths.rig_home() / "debian"
    return path.read_text().strip() if path.exists() else None


def remember_release(rel: Release) -> None:
    """This rig home now holds `rel`: later commands without --debian (status, down, a test's `up`) use it."""
    (paths.rig_home() / "debian").write_text(rel.debian + "\n")
GUEST_FILES = {  # package file -> path in the image, mode
    "rig-boot": ("usr/local/sbin/rig-boot", 0o755),
    "node-up": ("usr/local/sbin/node-up", 0o755),
    "node-init": ("usr/local/sbin/node-init", 0o755),
    "node-dockerd": ("usr/local/sbin/node-dockerd", 0o755),
    "inittab": ("etc/inittab", 0o644),
    "sshd_config": ("etc/ssh/sshd_config", 0o644),
    "whoami-server": ("usr/local/share/swarmlab/imgroot/bin/whoami-server", 0o755),
    "index.cgi": ("usr/local/share/swarmlab/imgroot/www/cgi-bin/index.cgi", 0o755),
}
DISK_SIZE = "8G"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Image:
    directory: Path

    @property
    def disk(self) -> Path:
        return self.directory / "disk.img"

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.directory / "initrd.img"

    @property
    def client_key(self) -> Path:
        return self.directory / "id_ed25519"

    def host_key(self, node: str) -> str:
        """'ssh-ed25519 AAAA...' of the VM (`rig`) or of a node."""
        return " ".join((self.directory / "keys" / f"{node}.pub").read_text().split()[:2])

    @property
    def info(self) -> dict[str, object]:
        return json.loads((self.directory / "build.json").read_text())

    def ready(self) -> bool:
        return (self.directory / "build.json").exists()


def guest_file(name: str) -> bytes:
    return (resources.files("swarmlab.rig") / "guest" / name).read_bytes()


def recipe_hash(debian: str | None = None) -> str:
    rel = release(debian)
    h = hashlib.sha256()
    h.update(f"{BUILD_VERSION}|{rel.suite}|{','.join(rel.packages)}|{NODES}".encode())
    for name in sorted(GUEST_FILES):
        h.update(name.encode() + b"\0" + guest_file(name))
    h.update(Path(__file__).read_bytes())  # how the image is configured is part of the recipe too
    return h.hexdigest()[:16]


def current(debian: str | None = None) -> Image:
    return Image(paths.rig_home() / "images" / recipe_hash(debian))


def mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 .sources or sources.list); `$SWARMLAB_RIG_MIRROR` wins.

    A mirror of the main archive carries every release, so the one apt uses for this machine's own release
    serves Debian 12 and 13 alike (the security and updates suites are not used)."""
    if os.environ.get("SWARMLAB_RIG_MIRROR"):
        return os.environ["SWARMLAB_RIG_MIRROR"]
    suites = {r.suite for r in RELEASES.values()}
    candidates = [*sorted(Path("/etc/apt/sources.list.d").glob("*.sources")), Path("/etc/apt/sources.list")]
    for path in candidates:
        if not path.exists():
            continue
        text = path.read_text()
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            listed = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and listed and suites & set(listed.group(1).split()) and "security" not in uris.group(1):
                return uris.group(1)
        m = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(?:{'|'.join(sorted(suites))})\s", text, re.M)
        if m:
            return m.group(1)
    raise RigError(f"no Debian {' or '.join(sorted(suites))} mirror found in /etc/apt; set SWARMLAB_RIG_MIRROR")


def _discard(work: Path) -> None:
    """Remove a (half-)built image folder. A build killed mid-debootstrap leaves the chroot's /proc (and maybe
    /sys) mounted inside it: unmount those first, or removing the folder walks into the host's /proc and fails."""
    prefix = str(work.resolve()) + "/"
    with open("/proc/mounts") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)


def require_tools() -> None:
    if os.geteuid() != 0:
        raise RigError("building the rig image needs root (debootstrap); run as root, e.g. with sudo")
    missing = [t for t in ("debootstrap", "mkfs.ext4", "qemu-img", "qemu-system-x86_64", "ssh-keygen")
               if shutil.which(t) is None]
    if missing:
        raise RigError(f"missing tools: {', '.join(missing)}. On Debian: apt-get install --no-install-recommends "
                       "debootstrap qemu-system-x86 qemu-utils e2fsprogs openssh-client")


def build(progress: Progress = print, force: bool = False, debian: str | None = None) -> Image:
    rel = release(debian)
    image = current(rel.debian)
    remember_release(rel)
    if image.ready() and not force:
        progress(f"rig image {image.directory.name} (Debian {rel.debian}) is built (cached)")
        return image
    require_tools()
    work = image.directory.with_name(image.directory.name + ".building")
    _discard(work)
    work.mkdir(parents=True)
    root = work / "root"
    t0 = time.monotonic()
    try:
        _debootstrap(root, rel, progress)
        t_boot = time.monotonic()
        progress("configuring the image")
        _configure(root, work)
        progress(f"making the {DISK_SIZE} disk (mkfs.ext4 -d)")
        _make_disk(root, work)
        t_disk = time.monotonic()
        versions = _versions(root)
        shutil.rmtree(root)
        (work / "build.json").write_text(json.dumps({
            "recipe": image.directory.name, "debian": rel.debian, "suite": rel.suite, "mirror": mirror(),
            "packages": list(rel.packages), "versions": versions,
            "debootstrap_s": round(t_boot - t0, 1), "configure_and_disk_s": round(t_disk - t_boot, 1),
            "build_s": round(t_disk - t0, 1), "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=2) + "\n")
        shutil.rmtree(image.directory, ignore_errors=True)
        work.rename(image.directory)
    except BaseException:
        _discard(work)
        raise
    for old in (paths.rig_home() / "images").iterdir():  # one image at a time: 1.2 GB each
        if old.name != image.directory.name:
            shutil.rmtree(old, ignore_errors=True)
    progress(f"rig image built in {time.monotonic() - t0:.0f} s")
    return image


def _versions(root: Path) -> dict[str, str]:
    """The versions of the packages that make the chapter look the way it does, as installed in the image."""
    wanted = ("docker.io", "docker-cli", "linux-image-amd64", "iptables", "ipvsadm", "busybox-static")
    out = subprocess.run(["chroot", str(root), "dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *wanted],
                         capture_output=True, text=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line and not line.endswith(" "))


def _debootstrap(root: Path, rel: Release, progress: Progress) -> None:
    argv = ["debootstrap", "--variant=minbase", f"--include={','.join(rel.packages)}", rel.suite, str(root),
            mirror()]
    progress(f"debootstrap {rel.suite} (Debian {rel.debian}) from {mirror()} ({len(rel.packages)} packages; "
             "about 80 s)")
    t0 = time.monotonic()
    log = root.parent / "debootstrap.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        last = 0.0
        for line in proc.stdout:
            fh.write(line)
            if time.monotonic() - last > 5:
                progress(f"  [{time.monotonic() - t0:4.0f} s] {line.strip()[:100]}")
                last = time.monotonic()
        if proc.wait() != 0:
            tail = log.read_text()[-1500:]
            raise RigError(f"debootstrap failed (exit {proc.returncode}); last output:\n{tail}")


def _write(root: Path, rel: str, data: bytes, mode: int) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(mode)


def _keygen(path: Path, comment: str) -> None:
    for p in (path, path.with_name(path.name + ".pub")):
        p.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)


def _configure(root: Path, work: Path) -> None:
    for name, (rel, mode) in GUEST_FILES.items():
        _write(root, rel, guest_file(name), mode)
    _write(root, "etc/swarmlab/nodes", "".join(f"{n} {a}\n" for n, a in NODES).encode(), 0o644)
    _write(root, "etc/hostname", b"swarmlab-rig\n", 0o644)
    _write(root, "etc/hosts", b"127.0.0.1 localhost\n" + "".join(f"{a} {n}\n" for n, a in NODES).encode(), 0o644)
    init = root / "usr/local/sbin/init"
    init.unlink(missing_ok=True)
    init.symlink_to("/bin/busybox")
    for d in ("etc/docker", "var/lib/docker", "srv/nodes", "var/log", "run/sshd"):
        (root / d).mkdir(parents=True, exist_ok=True)
    keys = work / "keys"
    keys.mkdir()
    for old in (root / "etc/ssh").glob("ssh_host_*"):
        old.unlink()
    _keygen(root / "etc/ssh/ssh_host_ed25519_key", "swarmlab-rig")
    shutil.copy(root / "etc/ssh/ssh_host_ed25519_key.pub", keys / "rig.pub")
    for name, _ in NODES:
        _keygen(root / f"etc/ssh/nodes/{name}/ssh_host_ed25519_key", name)
        shutil.copy(root / f"etc/ssh/nodes/{name}/ssh_host_ed25519_key.pub", keys / f"{name}.pub")
    _keygen(work / "id_ed25519", "swarmlab-rig-client")
    _write(root, "root/.ssh/authorized_keys", (work / "id_ed25519.pub").read_bytes(), 0o600)
    (root / "root/.ssh").chmod(0o700)
    _image_root(root)
    boot = root / "boot"
    kernel = max(boot.glob("vmlinuz-*"))
    initrd = max(boot.glob("initrd.img-*"))
    shutil.copy(kernel, work / "vmlinuz")
    shutil.copy(initrd, work / "initrd.img")


def _image_root(root: Path) -> None:
    """The lab images' file tree: busybox-static and its applets, a passwd, the whoami CGI (docker import-ed)."""
    img = root / "usr/local/share/swarmlab/imgroot"
    for d in ("bin", "etc", "tmp", "root", "www/cgi-bin", "proc", "sys", "dev"):
        (img / d).mkdir(parents=True, exist_ok=True)
    (img / "tmp").chmod(0o1777)
    shutil.copy(root / "bin/busybox", img / "bin/busybox")
    applets = subprocess.run(["chroot", str(root), "/bin/busybox", "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        link = img / "bin" / applet
        if applet != "busybox" and not link.exists():
            link.symlink_to("busybox")
    (img / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    (img / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")


def _make_disk(root: Path, work: Path) -> None:
    disk = work / "disk.img"
    subprocess.run(["truncate", "-s", DISK_SIZE, str(disk)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "swarmlab-rig", "-d", str(root), str(disk)], check=True,
                   capture_output=True)
