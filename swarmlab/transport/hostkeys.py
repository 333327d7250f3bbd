"""Host keys: trust on first use, into swarmlab's own known_hosts file; a changed key is refused.

Never a silent AutoAddPolicy: the first key seen for an address is written down; from then on a different key
for that address is an error (`HostKeyChanged`) that says why it happens and how to forget the old key.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import paramiko

from swarmlab.errors import HostKeyChanged

_write_lock = threading.Lock()


class TrustOnFirstUse(paramiko.MissingHostKeyPolicy):
    """Accept a host never seen before and append its key to `path` (OpenSSH known_hosts format)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        client.get_host_keys().add(hostname, key.get_name(), key)
        remember(self.path, hostname, key)


def remember(path: Path, address: str, key: paramiko.PKey) -> None:
    """Append one `address keytype base64` line, safely against parallel first connections."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{address} {key.get_name()} {key.get_base64()}\n"
    with _write_lock, open(path, "a", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(line)


def forget(path: Path, address: str) -> int:
    """Drop every remembered key for `address` (`host` or `[host]:port`); return how many lines went."""
    path = Path(path)
    if not path.exists():
        return 0
    with _write_lock:
        lines = path.read_text(encoding="ascii").splitlines(keepends=True)
        keep = [ln for ln in lines if address not in ln.split(" ", 1)[0].split(",")]
        path.write_text("".join(keep), encoding="ascii")
    return len(lines) - len(keep)


def changed_key_error(node: str, address: str, path: Path, error: paramiko.BadHostKeyException) -> HostKeyChanged:
    return HostKeyChanged(
        f"[{node}] the host key of {address} has CHANGED (now {error.key.get_name()} "
        f"{error.key.get_fingerprint().hex()}, remembered {error.expected_key.get_fingerprint().hex()}).\n"
        "This is expected after the VM was rebuilt (`vagrant destroy` + `vagrant up`, or a new `swarmlab rig up`); "
        "otherwise someone may be impersonating the node.\n"
        f"If the node was rebuilt, forget the old key:  swarmlab forget-host '{address}'\n"
        f"(or: ssh-keygen -R '{address}' -f {path})",
        node=node,
    )
