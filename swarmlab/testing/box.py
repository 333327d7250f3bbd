"""A Vagrant box for vagrant-libvirt built from Debian packages, the way the rig's image is (swarmlab.rig.image).

What a classroom box has: user vagrant with Vagrant's well-known insecure key (Vagrant replaces it on first boot),
sudo without password, sshd (host keys made on first boot, so no two machines share them), systemd, ifupdown with
DHCP on eth0, Docker (Debian's docker.io), ipvsadm. The provisioning adds bridge-utils and busybox-static (from
a classroom cache in the test) and makes the lab's images from busybox (nothing is pulled). The disk has no
partition table and no boot loader: the box's own Vagrantfile boots the kernel and initrd it carries
(vagrant-libvirt's `kernel`/`initrd`/`cmd_line`).

A libvirt box is a tarball of box.img (qcow2), metadata.json and that Vagrantfile. Cached by recipe hash in
`<rig home>/boxes/<hash>/swarmlab-debian12.box`; `vagrant box add` it under a name of the caller's choosing.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from swarmlab import paths
from swarmlab.rig import RigError
from swarmlab.rig.image import Progress, _debootstrap, _discard, _versions, mirror, release

BOX_VERSION = "1"
DEBIAN = "12"
PACKAGES = ("linux-image-amd64", "systemd-sysv", "udev", "dbus", "openssh-server", "sudo", "ifupdown",
            "isc-dhcp-client", "netbase", "iproute2", "iptables", "docker.io", "ipvsadm", "kmod", "procps",
            "iputils-ping", "ca-certificates", "initramfs-tools", "wget")
# Left out on purpose: bridge-utils and busybox-static, which the provisioning installs, so the bring-up test
# installs them from a classroom cache with no route out (the cache's path, exercised for real).
DISK_SIZE = "8G"
# apparmor=0: Debian's kernel enables AppArmor, and Docker then refuses to start any container without the apparmor
# package ("AppArmor enabled on system but the docker-default profile could not be loaded"); the rig's kernel runs
# without it too. Ubuntu's boxes ship the apparmor package, so they need nothing.
CMDLINE = "root=/dev/vda rw console=ttyS0 net.ifnames=0 biosdevname=0 apparmor=0"
INTERFACES = """\
auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp

source /etc/network/interfaces.d/*
"""
HOST_KEYS_UNIT = """\
[Unit]
Description=Make this machine's own SSH host keys (a box ships none)
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
"""
BOX_VAGRANTFILE = f"""\
# swarmlab's libvirt box: no boot loader on the disk, the kernel and initrd shipped in the box are booted directly.
Vagrant.configure("2") do |config|
  config.vm.provider "libvirt" do |lv|
    lv.kernel = File.expand_path("vmlinuz", __dir__)
    lv.initrd = File.expand_path("initrd.img", __dir__)
    lv.cmd_line = "{CMDLINE}"
  end
end
"""


@dataclass(frozen=True)
class Box:
    directory: Path

    @property
    def file(self) -> Path:
        return self.directory / "swarmlab-debian12.box"

    @property
    def info(self) -> dict[str, object]:
        return json.loads((self.directory / "build.json").read_text())

    def ready(self) -> bool:
        return (self.directory / "build.json").exists() and self.file.exists()


def insecure_key() -> str:
    """Vagrant's well-known insecure public key, as the installed Vagrant ships it."""
    found = sorted(Path("/usr/share/rubygems-integration/all/gems").glob("vagrant-*/keys/vagrant.pub")) + \
        sorted(Path("/opt/vagrant/embedded/gems").glob("gems/vagrant-*/keys/vagrant.pub"))
    if not found:
        raise RigError("Vagrant's insecure key (keys/vagrant.pub) not found: install vagrant (apt-get install vagrant)")
    return found[-1].read_text().strip() + "\n"


def recipe_hash() -> str:
    h = hashlib.sha256()
    h.update(f"{BOX_VERSION}|{DEBIAN}|{','.join(PACKAGES)}|{CMDLINE}|{INTERFACES}|{HOST_KEYS_UNIT}".encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def current() -> Box:
    return Box(paths.rig_home() / "boxes" / recipe_hash())


def build(progress: Progress = print, force: bool = False) -> Box:
    box = current()
    if box.ready() and not force:
        progress(f"box {box.directory.name} is built (cached)")
        return box
    missing = [t for t in ("debootstrap", "mkfs.ext4", "qemu-img") if shutil.which(t) is None]
    if missing:
        raise RigError(f"missing tools: {', '.join(missing)} (apt-get install debootstrap e2fsprogs qemu-utils)")
    rel = release(DEBIAN)
    rel = type(rel)(rel.debian, rel.suite, PACKAGES)
    work = box.directory.with_name(box.directory.name + ".building")
    _discard(work)
    work.mkdir(parents=True)
    root = work / "root"
    t0 = time.monotonic()
    try:
        _debootstrap(root, rel, progress)
        t_boot = time.monotonic()
        progress("configuring the box")
        _configure(root, work)
        versions = _versions(root)
        progress("making the disk (mkfs.ext4 -d, qemu-img convert)")
        raw = work / "disk.raw"
        subprocess.run(["truncate", "-s", DISK_SIZE, str(raw)], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(raw)], check=True,
                       capture_output=True)
        shutil.rmtree(root)
        subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(raw), str(work / "box.img")], check=True)
        raw.unlink()
        (work / "metadata.json").write_text(json.dumps(
            {"provider": "libvirt", "format": "qcow2", "virtual_size": int(DISK_SIZE.rstrip("G"))}) + "\n")
        (work / "Vagrantfile").write_text(BOX_VAGRANTFILE)
        progress("packing the box")
        with tarfile.open(work / "swarmlab-debian12.box", "w") as tar:
            for name in ("metadata.json", "Vagrantfile", "box.img", "vmlinuz", "initrd.img"):
                tar.add(work / name, arcname=name)
        for name in ("box.img", "vmlinuz", "initrd.img"):
            (work / name).unlink()
        t_done = time.monotonic()
        (work / "build.json").write_text(json.dumps({
            "recipe": box.directory.name, "debian": DEBIAN, "suite": rel.suite, "mirror": mirror(),
            "packages": list(PACKAGES), "versions": versions, "debootstrap_s": round(t_boot - t0, 1),
            "build_s": round(t_done - t0, 1), "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=2) + "\n")
        shutil.rmtree(box.directory, ignore_errors=True)
        work.rename(box.directory)
    except BaseException:
        _discard(work)
        raise
    for old in (paths.rig_home() / "boxes").iterdir():
        if old.name != box.directory.name:
            shutil.rmtree(old, ignore_errors=True)
    progress(f"box built in {time.monotonic() - t0:.0f} s")
    return box


def _write(root: Path, rel: str, text: str, mode: int = 0o644) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(mode)


def _configure(root: Path, work: Path) -> None:
    def chroot(*argv: str) -> None:
        subprocess.run(["chroot", str(root), *argv], check=True, capture_output=True)

    _write(root, "etc/hostname", "swarmlab-box\n")
    _write(root, "etc/hosts", "127.0.0.1 localhost\n127.0.1.1 swarmlab-box\n")
    _write(root, "etc/fstab", "/dev/vda / ext4 defaults,errors=remount-ro 0 1\n")
    _write(root, "etc/network/interfaces", INTERFACES)
    (root / "etc/network/interfaces.d").mkdir(parents=True, exist_ok=True)
    _write(root, "etc/machine-id", "")  # each machine makes its own on first boot
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    _write(root, "etc/systemd/system/swarmlab-host-keys.service", HOST_KEYS_UNIT)
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    (wants / "swarmlab-host-keys.service").unlink(missing_ok=True)
    (wants / "swarmlab-host-keys.service").symlink_to("/etc/systemd/system/swarmlab-host-keys.service")
    _write(root, "etc/ssh/sshd_config.d/vagrant.conf", "UseDNS no\n")
    chroot("useradd", "-m", "-s", "/bin/bash", "-G", "sudo,docker", "vagrant")
    chroot("sh", "-c", "echo vagrant:vagrant | chpasswd")
    _write(root, "etc/sudoers.d/vagrant", "vagrant ALL=(ALL) NOPASSWD: ALL\nDefaults:vagrant !requiretty\n", 0o440)
    _write(root, "home/vagrant/.ssh/authorized_keys", insecure_key(), 0o600)
    chroot("chown", "-R", "vagrant:vagrant", "/home/vagrant/.ssh")
    (root / "home/vagrant/.ssh").chmod(0o700)
    _write(root, "etc/modules-load.d/swarmlab.conf", "ip_vs\nip_vs_rr\nxt_ipvs\n")
    # the box boots the kernel and initrd it carries, never the one in /boot: rebuilding that after a package
    # install (busybox-static triggers it) only costs minutes under software emulation
    conf = root / "etc/initramfs-tools/update-initramfs.conf"
    conf.write_text(re.sub(r"(?m)^update_initramfs=.*$", "update_initramfs=no", conf.read_text()))
    shutil.copy(max((root / "boot").glob("vmlinuz-*")), work / "vmlinuz")
    shutil.copy(max((root / "boot").glob("initrd.img-*")), work / "initrd.img")
    (work / "vmlinuz").chmod(0o644)
    (work / "initrd.img").chmod(0o644)
