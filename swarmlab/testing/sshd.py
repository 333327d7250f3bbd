"""A throw-away, real OpenSSH server (Debian's `openssh-server`) on a loopback address, for tests and benchmarks.

It has its own host key, config, client key and log in a temporary folder, listens on one address and port, and
lets in only the key it generated. `LocalSSHD.start()` waits until the port answers.
Optionally it runs inside a network namespace (`netns=`), to model a node that only a jump host can reach.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from swarmlab.ports import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def sshd_available() -> bool:
    return Path(SSHD).exists() and shutil.which("ssh-keygen") is not None


def keygen(path: Path, comment: str = "swarmlab-test") -> Path:
    """An ed25519 key pair at `path` / `path.pub` (ssh-keygen, no passphrase)."""
    if path.exists():
        path.unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


@dataclass
class LocalSSHD:
    host: str = "127.0.0.1"
    port: int = 0
    netns: str | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="swarmlab-sshd-")))
    host_key: Path | None = None
    client_key: Path | None = None
    log_level: str = "VERBOSE"
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host) if self.netns is None else 2222
        if self.host_key is None:
            self.host_key = keygen(self.workdir / "host_ed25519", "swarmlab-test-host")
        if self.client_key is None:
            self.client_key = keygen(self.workdir / "client_ed25519")
        keys = self.workdir / "authorized_keys"
        keys.mkdir(exist_ok=True)
        for folder in (self.workdir, keys):  # other users' sessions read their authorized_keys file here
            folder.chmod(0o755)
        self.authorize(self.client_key, user=self.login_user)

    @property
    def login_user(self) -> str:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name

    @property
    def log(self) -> Path:
        return self.workdir / "sshd.log"

    def authorize(self, key: Path, user: str) -> None:
        """Let `user` in with `key` (its .pub)."""
        target = self.workdir / "authorized_keys" / user
        with open(target, "a") as fh:
            fh.write(Path(f"{key}.pub").read_text())
        target.chmod(0o644)

    def config(self) -> Path:
        cfg = self.workdir / "sshd_config"
        cfg.write_text(
            f"Port {self.port}\n"
            f"ListenAddress {self.host}\n"
            f"HostKey {self.host_key}\n"
            f"PidFile {self.workdir}/sshd.pid\n"
            f"AuthorizedKeysFile {self.workdir}/authorized_keys/%u\n"
            "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "AllowTcpForwarding yes\n"
            "MaxSessions 200\n"
            "MaxStartups 100:30:200\n"
            f"LogLevel {self.log_level}\n"
            "AcceptEnv LANG\n"
        )
        return cfg

    def start(self, timeout: float = 10.0) -> LocalSSHD:
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
        argv = [SSHD, "-D", "-e", "-f", str(self.config())]
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"))  # noqa: SIM115
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            ready = "Server listening" in self.log.read_text() if self.netns else self._port_open()
            if ready:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"sshd did not start listening on {self.host}:{self.port}")

    def _port_open(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex((self.host, self.port)) == 0

    def session_pids(self) -> list[int]:
        """PIDs of the per-connection sshd processes (children of the listener)."""
        if self.proc is None:
            return []
        out = subprocess.run(["pgrep", "-P", str(self.listener_pid())], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def listener_pid(self) -> int:
        return int((self.workdir / "sshd.pid").read_text())

    def cut_connections(self) -> None:
        """Kill every per-connection sshd child: connections drop mid-command, the listener stays."""
        for pid in self.session_pids():
            with contextlib.suppress(ProcessLookupError):  # it may have ended since pgrep saw it
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.cut_connections()
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalSSHD:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
