"""Running the rig VM: `up` (boot, wait for SSH and the nodes, write the inventory), `down`, `status`, `ssh`.

State while it runs lives in `<rig home>/run/`: the throw-away qcow2 overlay over the cached image, qemu's
pidfile, the serial log, the forwarded SSH port and the timings. `down` kills qemu by its PID and removes all of
it, and the inventory. Only one rig runs per rig home; a second `up` says so.
Safety: qemu user networking with `restrict=on` (the guest reaches nothing outside), no default route in the
guest, and the SSH port forwarded on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paramiko

from swarmlab import paths
from swarmlab.inventory import Inventory, load, rig_inventory_file
from swarmlab.ports import free_port
from swarmlab.rig import NODES, RIG_NODE, RigError, image
from swarmlab.transport.hostkeys import forget
from swarmlab.transport.node import Node
from swarmlab.transport.ssh import new_client  # its own log channel: no handshake tracebacks while we poll

Progress = Callable[[str], None]
MEMORY_MB = 4096
CPUS = 2
TCG_SSH_DEADLINE = 180.0
KVM_PROBE_DEADLINE = 25.0


def run_dir() -> Path:
    return paths.rig_home() / "run"


def inventory_file() -> Path:
    return rig_inventory_file()


def known_hosts_file() -> Path:
    return paths.rig_home() / "known_hosts"


@dataclass
class RigState:
    pid: int
    port: int
    accel: str
    started: float

    @classmethod
    def load(cls) -> RigState | None:
        path = run_dir() / "state.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(int(data["pid"]), int(data["port"]), str(data["accel"]), float(data["started"]))

    def save(self) -> None:
        (run_dir() / "state.json").write_text(json.dumps(self.__dict__) + "\n")

    def alive(self) -> bool:
        try:
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"qemu-system" in cmdline and str(run_dir()).encode() in cmdline


def running() -> RigState | None:
    state = RigState.load()
    return state if state and state.alive() else None


def _qemu_argv(img: image.Image, port: int, accel: str) -> list[str]:
    run = run_dir()
    accel_arg = "kvm" if accel == "kvm" else "tcg,thread=multi"
    return ["qemu-system-x86_64", "-accel", accel_arg, "-smp", str(CPUS), "-m", str(MEMORY_MB),
            "-kernel", str(img.kernel), "-initrd", str(img.initrd),
            "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0 init=/usr/local/sbin/init",
            "-drive", f"file={run / 'overlay.qcow2'},if=virtio,format=qcow2",
            "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
            "-device", "virtio-net-pci,netdev=n0", "-display", "none", "-serial", f"file:{run / 'serial.log'}",
            "-pidfile", str(run / "qemu.pid"), "-daemonize"]


def _start(img: image.Image, accel: str) -> RigState:
    run = run_dir()
    (run / "overlay.qcow2").unlink(missing_ok=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(img.disk),
                    str(run / "overlay.qcow2")], check=True)
    port = free_port()
    proc = subprocess.run(_qemu_argv(img, port, accel), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RigError(f"qemu did not start ({accel}): {proc.stderr.strip()[-800:]}")
    state = RigState(int((run / "qemu.pid").read_text()), port, accel, time.time())
    state.save()
    return state


def _kill(state: RigState) -> None:
    if not state.alive():
        return
    os.kill(state.pid, signal.SIGTERM)
    for _ in range(50):
        if not state.alive():
            return
        time.sleep(0.1)
    os.kill(state.pid, signal.SIGKILL)
    for _ in range(50):
        if not state.alive():
            return
        time.sleep(0.1)


def _wait_ssh(img: image.Image, port: int, deadline: float) -> bool:
    key = paramiko.Ed25519Key.from_private_key_file(str(img.client_key))
    while time.monotonic() < deadline:
        client = new_client()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.get_host_keys().add(f"[127.0.0.1]:{port}", "ssh-ed25519",
                                   paramiko.Ed25519Key(data=_key_blob(img.host_key(RIG_NODE))))
        try:
            client.connect("127.0.0.1", port, "root", pkey=key, timeout=3, banner_timeout=5, auth_timeout=5,
                           look_for_keys=False, allow_agent=False)
            client.close()
            return True
        except (OSError, EOFError, paramiko.SSHException):
            client.close()
            time.sleep(0.5)
    return False


def _key_blob(line: str) -> bytes:
    import base64

    return base64.b64decode(line.split()[1])


def _detect_accel() -> str:
    forced = os.environ.get("SWARMLAB_RIG_ACCEL")
    if forced in ("kvm", "tcg"):
        return forced
    cache = paths.rig_home() / "accel"
    if cache.exists() and cache.read_text().split()[0] in ("kvm", "tcg"):
        return cache.read_text().split()[0]
    return "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) else "tcg"


def _seed_known_hosts(img: image.Image, port: int) -> None:
    """We built the VM, so we know its host keys: write them down instead of trusting on first use."""
    kh = known_hosts_file()
    entries = [(f"[127.0.0.1]:{port}", img.host_key(RIG_NODE))] + [(a, img.host_key(n)) for n, a in NODES]
    for address, _ in entries:
        forget(kh, address)
    with open(kh, "a") as fh:
        for address, key in entries:
            fh.write(f"{address} {key}\n")


def _write_inventory(img: image.Image, port: int) -> Inventory:
    lines = [f'# written by `swarmlab rig up`; removed by `swarmlab rig down`\nknown_hosts = "{known_hosts_file()}"\n',
             f'[[nodes]]\nname = "{RIG_NODE}"\nhost = "127.0.0.1"\nport = {port}\nuser = "root"\n'
             f'key_file = "{img.client_key}"\nrole = "jump"\n']
    for i, (name, address) in enumerate(NODES):
        lines.append(f'[[nodes]]\nname = "{name}"\nhost = "{address}"\nuser = "root"\nkey_file = "{img.client_key}"\n'
                     f'jump = "{RIG_NODE}"\nrole = "{"manager" if i == 0 else "worker"}"\n')
    inventory_file().write_text("\n".join(lines))
    return load(inventory_file())


def up(progress: Progress = print, swarm: bool = True, ipvs: bool = True, debian: str | None = None) -> Inventory:
    """Boot the rig from Debian `debian` (12 or 13; see image.release); with `swarm`, form the three-node swarm;
    without `ipvs`, on a kernel with IPVS removed. Returns the inventory."""
    state = running()
    if state:
        raise RigError(f"a rig is already running (qemu pid {state.pid}, ssh on 127.0.0.1:{state.port}); "
                       "use it, or `swarmlab rig down` first")
    t0 = time.monotonic()
    rel = image.release(debian)
    img = image.build(progress, debian=rel.debian)
    t_built = time.monotonic()
    shutil.rmtree(run_dir(), ignore_errors=True)
    run_dir().mkdir(parents=True)
    accel = _detect_accel()
    progress(f"booting the rig VM (Debian {rel.debian}, {accel}, {CPUS} CPUs, {MEMORY_MB} MiB)")
    state = _start(img, accel)
    ok = _wait_ssh(img, state.port, time.monotonic() + (KVM_PROBE_DEADLINE if accel == "kvm" else TCG_SSH_DEADLINE))
    if not ok and accel == "kvm":
        progress("KVM did not bring the guest up in time here: falling back to software emulation (tcg)")
        _kill(state)
        (paths.rig_home() / "accel").write_text("tcg (KVM guest did not answer SSH in time)\n")
        accel = "tcg"
        state = _start(img, accel)
        ok = _wait_ssh(img, state.port, time.monotonic() + TCG_SSH_DEADLINE)
    if not ok:
        tail = (run_dir() / "serial.log").read_text(errors="replace")[-1500:]
        _kill(state)
        raise RigError(f"the rig VM did not answer SSH; serial console tail:\n{tail}")
    t_ssh = time.monotonic()
    progress(f"VM up, SSH on 127.0.0.1:{state.port} ({t_ssh - t_built:.0f} s)")
    _seed_known_hosts(img, state.port)
    inv = _write_inventory(img, state.port)
    from swarmlab.rig import swarm as swarm_mod

    with swarm_mod.transport(inv) as t:
        swarm_mod.wait_nodes_ready(t, progress)
        if not ipvs:
            swarm_mod.disable_ipvs(t, progress)
        t_nodes = time.monotonic()
        if swarm:
            swarm_mod.form(t, progress)
        t_swarm = time.monotonic()
    timings = {"build_s": round(t_built - t0, 1), "boot_to_ssh_s": round(t_ssh - t_built, 1),
               "nodes_ready_s": round(t_nodes - t_ssh, 1), "swarm_s": round(t_swarm - t_nodes, 1),
               "up_total_s": round(t_swarm - t0, 1), "accel": accel, "swarm": swarm, "ipvs": ipvs,
               "debian": rel.debian}
    (run_dir() / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    progress(f"rig up in {t_swarm - t0:.0f} s: {', '.join(n for n, _ in NODES)} "
             f"({'swarm formed' if swarm else 'swarm not formed'}); inventory {inventory_file()}")
    return inv


def down(progress: Progress = print) -> bool:
    state = RigState.load()
    if state is None and not run_dir().exists():
        progress("no rig is running")
        return False
    if state is not None:
        _kill(state)
        forget(known_hosts_file(), f"[127.0.0.1]:{state.port}")
    shutil.rmtree(run_dir(), ignore_errors=True)
    inventory_file().unlink(missing_ok=True)
    progress("rig stopped; its overlay disk, pidfile, serial log and inventory are removed")
    return True


def status() -> dict[str, object]:
    state = running()
    img = image.current()
    out: dict[str, object] = {"image": str(img.directory) if img.ready() else None, "running": state is not None,
                              "debian": image.release().debian}
    if state:
        out.update(pid=state.pid, ssh=f"127.0.0.1:{state.port}", accel=state.accel,
                   uptime_s=round(time.time() - state.started), inventory=str(inventory_file()))
        timings = run_dir() / "timings.json"
        if timings.exists():
            out["timings"] = json.loads(timings.read_text())
    return out


def ssh_argv(node: str, command: list[str] | None = None) -> list[str]:
    """OpenSSH command line reaching a rig node (through the VM as jump host), with the rig's own keys."""
    state = running()
    if state is None:
        raise RigError("no rig is running: `swarmlab rig up` first")
    inv = load(inventory_file())
    try:
        target: Node = inv[node]
    except KeyError:
        raise RigError(f"unknown rig node {node!r}; one of: {', '.join(inv.names)}") from None
    return openssh_argv(target, inv[target.jump] if target.jump else None, str(known_hosts_file()), command)


def openssh_argv(target: Node, jump: Node | None, known_hosts: str, command: list[str] | None = None) -> list[str]:
    """OpenSSH's command line to `target` (through `jump`, a ProxyCommand), with its key and `known_hosts`. The
    paths (the rig home, $SWARMLAB_HOME) may hold spaces or `%`: each path is an option's quoted value (OpenSSH
    splits a value on spaces; `-i PATH` would be looked at before `%` tokens are expanded, so a `%` in it could not
    be said), its `%` doubled (twice inside the ProxyCommand: OpenSSH expands it, then the jump's own ssh), and the
    ProxyCommand, which OpenSSH hands to a shell, shell-quoted word by word."""
    for path in (known_hosts, target.key_file or ""):
        if '"' in path:
            raise RigError(f"the rig's path {path!r} holds a double quote, which OpenSSH cannot read in an option: "
                           "move the rig home (SWARMLAB_RIG_HOME) to a path without one")

    def common(expansions: int) -> list[str]:
        def esc(path: str) -> str:
            return path.replace("%", "%" * 2 ** expansions)

        return ["-o", f'IdentityFile="{esc(target.key_file or "")}"', "-o", f'UserKnownHostsFile="{esc(known_hosts)}"',
                "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"]

    argv = ["ssh", *common(1)]
    if jump is not None:
        proxy = shlex.join(["ssh", *common(2), "-p", str(jump.port), "-W", "%h:%p", f"{jump.user}@{jump.host}"])
        argv += ["-o", f"ProxyCommand={proxy}"]
    argv += ["-p", str(target.port), f"{target.user}@{target.host}"]
    return argv + (command or [])
