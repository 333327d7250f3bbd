"""Host keys: trust on first use, into swarmlab's own known_hosts file; a changed key is refused.

Never a silent AutoAddPolicy: the first key seen for an address is written down; from then on a different key
for that address is an error (`HostKeyChanged`) that says why it happens and how to forget the old key.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import paramiko

from swarmlab.errors import HostKeyChanged, TransportError
from swarmlab.i18n import t

_write_lock = threading.Lock()


class TrustOnFirstUse(paramiko.MissingHostKeyPolicy):
    """Accept a host never seen before and append its key to `path` (OpenSSH known_hosts format)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        client.get_host_keys().add(hostname, key.get_name(), key)
        remember(self.path, hostname, key)


def _unusable(path: Path, why: str) -> TransportError:
    return TransportError(t("swarmlab's known_hosts file {path} cannot be used ({why}): move it away (`mv {path} "
                            "{path}.bad`; every node's key is then learnt again on first use) or point SWARMLAB_HOME "
                            "elsewhere", path=str(path), why=why))


def load(client: paramiko.SSHClient, path: Path) -> None:
    """The remembered keys of `path` into `client`; a damaged file (bad key, not text, a folder) is one clear
    error saying how to start afresh, never paramiko's exception."""
    if not path.exists():
        return
    try:
        client.load_host_keys(str(path))
    except paramiko.hostkeys.InvalidHostKey as exc:
        line = exc.args[0] if exc.args else "?"
        raise _unusable(path, t("a damaged key on the line {line}", line=repr(str(line)[:80]))) from None
    except UnicodeDecodeError:
        raise _unusable(path, t("it is not text")) from None
    except OSError as exc:
        raise _unusable(path, exc.strerror or str(exc)) from None


def remember(path: Path, address: str, key: paramiko.PKey) -> None:
    """Append one `address keytype base64` line, safely against parallel first connections."""
    line = f"{address} {key.get_name()} {key.get_base64()}\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock, open(path, "a", encoding="ascii") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line)
    except OSError as exc:
        raise _unusable(path, exc.strerror or str(exc)) from None


def forget(path: Path, address: str) -> int:
    """Drop every remembered key for `address` (`host` or `[host]:port`); return how many lines went. A line that is
    not text is kept as it is (only the address's own lines go)."""
    path = Path(path)
    if not address or any(c.isspace() for c in address):
        raise TransportError(t("forget-host {address}: give a host name or address (or [host]:port), as `swarmlab "
                               "nodes` lists it", address=repr(address)))
    if not path.exists():
        return 0
    with _write_lock:
        try:
            lines = path.read_bytes().splitlines(keepends=True)
            wanted = address.encode("utf-8", "surrogateescape")
            keep = [ln for ln in lines if wanted not in ln.split(b" ", 1)[0].split(b",")]
            if len(keep) != len(lines):
                path.write_bytes(b"".join(keep))
        except OSError as exc:
            raise _unusable(path, exc.strerror or str(exc)) from None
    return len(lines) - len(keep)


def changed_key_error(node: str, address: str, path: Path, error: paramiko.BadHostKeyException) -> HostKeyChanged:
    return HostKeyChanged(
        t("[{node}] the host key of {address} has CHANGED (now {kind} {now}, remembered {remembered}).\n"
          "This is expected after the VM was rebuilt (`vagrant destroy` + `vagrant up`, or a new `swarmlab rig up`); "
          "otherwise someone may be impersonating the node.\n"
          "If the node was rebuilt, forget the old key:  swarmlab forget-host '{address}'\n"
          "(or: ssh-keygen -R '{address}' -f {path})", node=node, address=address, kind=error.key.get_name(),
          now=error.key.get_fingerprint().hex(), remembered=error.expected_key.get_fingerprint().hex(),
          path=str(path)),
        node=node,
    )
