"""`SSHTransport`: commands on swarm nodes over SSH (paramiko).

* one persistent connection per node, keepalive on, reused for every command; one transparent reconnect when
  the connection died between commands (never while a command runs: it may have had effects);
* the fast path (`shell.FastShell`) for small commands, a new channel per command for the rest (sudo, large
  or binary output: `run_channel()`);
* a timeout on every command; when it fires, the command's remote process group is killed and
  `CommandTimeout` raised;
* `sudo -n` (never a password prompt); host keys trust-on-first-use into swarmlab's own known_hosts;
  nodes behind a jump host (`Node.jump`, like ProxyJump).
"""

from __future__ import annotations

import logging
import re
import secrets
import shlex
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import paramiko

from swarmlab import paths
from swarmlab.errors import AuthenticationFailed, CommandTimeout, NodeUnreachable, TransportError
from swarmlab.i18n import t
from swarmlab.transport import hostkeys
from swarmlab.transport.base import DEFAULT_TIMEOUT, NodeRef, Transport, api_command
from swarmlab.transport.channel_io import connection_lost, drain, wait_readable
from swarmlab.transport.hostkeys import TrustOnFirstUse, changed_key_error
from swarmlab.transport.node import Node
from swarmlab.transport.result import CommandResult, decode
from swarmlab.transport.shell import KILL_GRACE, SHELLS, FastShell, NotSent, ShellAnswer

if TYPE_CHECKING:
    from swarmlab.transport.docker_api import NodeDockerClient

PGID_HEADER = b"swarmlab-pgid "
# paramiko logs every failed handshake with a traceback on stderr; swarmlab raises typed errors instead. Our
# connections log to a channel of our own (SSHClient.set_log_channel), so the host application's `paramiko`
# logger is left exactly as it was.
LOG_CHANNEL = "swarmlab.paramiko"
logging.getLogger(LOG_CHANNEL).addHandler(logging.NullHandler())
logging.getLogger(LOG_CHANNEL).propagate = False


def new_client() -> paramiko.SSHClient:
    """A paramiko client whose transport logs to swarmlab's own channel."""
    client = paramiko.SSHClient()
    client.set_log_channel(LOG_CHANNEL)
    return client


class _NodeLink:
    """The live state for one node: its SSH client, its fast shell, and the lock that serialises its commands."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.client: paramiko.SSHClient | None = None
        self.shell: FastShell | None = None
        self.shell_failed = False

    def alive(self) -> bool:
        transport = self.client.get_transport() if self.client else None
        return bool(transport and transport.is_active())

    def drop(self) -> None:
        if self.shell:
            self.shell.close()
        if self.client:
            self.client.close()
        self.client, self.shell, self.shell_failed = None, None, False


def _check_key(node: Node, key: Path) -> None:
    """The inventory's key_file, read before connecting: a wrong one is said as such, not as a node that cannot be
    reached (paramiko's error for a missing or unreadable key comes after the connection, as an OSError)."""
    fix = t("fix key_file in the inventory (`swarmlab nodes` shows it; for Vagrant: `vagrant ssh-config`)")
    try:
        paramiko.PKey.from_path(key)
    except (OSError, ValueError, TypeError, paramiko.SSHException) as exc:
        # TypeError: cryptography's word for an OpenSSH key with a passphrase
        if isinstance(exc, paramiko.PasswordRequiredException) or "password" in str(exc):
            raise AuthenticationFailed(t("[{node}] key_file {key} needs a passphrase, which swarmlab cannot ask "
                                         "for: give a key without one; {fix}", node=node.name, key=str(key), fix=fix),
                                       node=node.name) from None
        said = getattr(exc, "strerror", None) or str(exc).split(". ")[0][:80] or type(exc).__name__
        raise AuthenticationFailed(t("[{node}] key_file {key} is not a private key swarmlab can read ({said}): {fix}",
                                     node=node.name, key=str(key), said=said, fix=fix), node=node.name) from None


class SSHTransport(Transport):
    """Reach nodes over SSH. Use as a context manager, or call `close()`."""

    def __init__(self, nodes: Iterable[Node], *, known_hosts: Path | None = None, connect_timeout: float = 10.0,
                 keepalive: int = 15, fast: bool = True, shell: str = "auto") -> None:
        """`shell`: the fast path's remote shell, "auto" (bash 4+ when there, else sh + setsid) or "sh"."""
        if shell not in SHELLS:
            raise ValueError(f"shell must be one of {SHELLS}, not {shell!r}")
        super().__init__(nodes)
        self.known_hosts = Path(known_hosts).expanduser() if known_hosts else paths.known_hosts_file()
        self.connect_timeout = connect_timeout
        self.keepalive = keepalive
        self.fast = fast
        self.shell = shell
        self._links: dict[str, _NodeLink] = {name: _NodeLink() for name in self.nodes}
        self._docker: dict[str, NodeDockerClient] = {}
        self._docker_lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------------------------

    def client(self, ref: NodeRef) -> paramiko.SSHClient:
        """The node's connected SSHClient (connecting, or reconnecting a dead connection, as needed)."""
        node = self.node(ref)
        link = self._links[node.name]
        with link.lock:
            if not link.alive():
                link.drop()
                link.client = self._connect(node)
            assert link.client is not None
            return link.client

    def _connect(self, node: Node) -> paramiko.SSHClient:
        key = node.key_path
        if key is not None:
            _check_key(node, key)
        sock = None
        if node.jump:
            if node.jump == node.name:
                raise TransportError(t("[{node}] a node cannot be its own jump host", node=node.name), node=node.name)
            jump_transport = self.client(node.jump).get_transport()
            assert jump_transport is not None
            try:
                sock = jump_transport.open_channel("direct-tcpip", (node.host, node.port), ("127.0.0.1", 0),
                                                   timeout=self.connect_timeout)
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise NodeUnreachable(
                    t("[{node}] jump host {jump} could not reach {host}:{port}: {error}", node=node.name,
                      jump=repr(node.jump), host=node.host, port=node.port, error=str(exc)),
                    node=node.name) from exc
        client = new_client()
        hostkeys.load(client, self.known_hosts)
        client.set_missing_host_key_policy(TrustOnFirstUse(self.known_hosts))
        try:
            client.connect(
                hostname=node.host, port=node.port, username=node.user,
                key_filename=str(key) if key else None, look_for_keys=key is None, allow_agent=key is None,
                timeout=self.connect_timeout, banner_timeout=self.connect_timeout,
                auth_timeout=self.connect_timeout, channel_timeout=self.connect_timeout, sock=sock,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise changed_key_error(node.name, node.address, self.known_hosts, exc) from exc
        except paramiko.AuthenticationException as exc:
            client.close()
            raise AuthenticationFailed(
                t("[{node}] {user}@{host}:{port} refused our key ({key}): {error}. Check the user and key file in the "
                  "inventory (for Vagrant: `vagrant ssh-config`).", node=node.name, user=node.user, host=node.host,
                  port=node.port, key=str(key) if key else t("default keys and agent"), error=str(exc)),
                node=node.name) from exc
        except (OSError, EOFError, paramiko.SSHException) as exc:
            client.close()
            raise NodeUnreachable(
                t("[{node}] cannot reach {user}@{host}:{port}: {error}. Is the node up (`vagrant status`, "
                  "`swarmlab rig status`) and its sshd running?", node=node.name, user=node.user, host=node.host,
                  port=node.port, error=str(exc) or type(exc).__name__),
                node=node.name) from exc
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(self.keepalive)
        sk = transport.sock
        if isinstance(sk, socket.socket):
            sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

    def docker(self, ref: NodeRef) -> NodeDockerClient:
        """The node's Docker Engine API client (created on first use): HTTP over an SSH channel running `docker
        system dial-stdio` on this transport's connection to the node (`swarmlab.transport.docker_api`).
        `.sdk` is the Docker SDK's APIClient on that same connection."""
        node = self.node(ref)
        with self._docker_lock:
            if node.name not in self._docker:
                from swarmlab.transport.docker_api import NodeDockerClient

                self._docker[node.name] = NodeDockerClient(node.name, node.user, lambda: self._open_session(node),
                                                           timeout=DEFAULT_TIMEOUT)
            return self._docker[node.name]

    def api(self, node: NodeRef, path: str, *, timeout: float = DEFAULT_TIMEOUT,
            latest: bool = False) -> CommandResult:
        target = self.node(node)
        client = self.docker(target)
        started, t0 = datetime.now(), time.perf_counter()
        status, body = client.get(path, timeout)
        ok = 200 <= status < 300
        return CommandResult(target.name, api_command(path), body if ok else b"", b"" if ok else body,
                             0 if ok else status, started, time.perf_counter() - t0)

    def close(self) -> None:
        with self._docker_lock:
            for client in self._docker.values():
                client.close()
            self._docker.clear()
        # nodes reached through a jump first, so their tunnels close before the jump's connection
        for name in sorted(self._links, key=lambda n: self.nodes[n].jump is None):
            with self._links[name].lock:
                self._links[name].drop()

    # -- commands ----------------------------------------------------------------------------------------------

    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False,
            on_output: Callable[[bytes], None] | None = None) -> CommandResult:
        """Run `command` on `node`: on the fast path when allowed (no sudo as a non-root user)."""
        return self._run(node, command, timeout, sudo, check, None, on_output)

    def run_channel(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
                    check: bool = False) -> CommandResult:
        """Run `command` on a new SSH channel of its own (large or binary output), never the fast path."""
        return self._run(node, command, timeout, sudo, check, False, None)

    def run_many(self, node: NodeRef, commands: Sequence[tuple[str, str | None]], *,
                 timeout: float = DEFAULT_TIMEOUT, sudo: bool = False) -> list[CommandResult]:
        """The commands as ONE remote command: each in a subshell of its own (`( eval '<command>' )`, so one
        command's `exit` or `cd` cannot touch the next), followed by a marker carrying a fresh nonce and its
        exit code on stdout, and a marker on stderr; the answer is cut at the markers. One round trip and one
        shell instead of one each. Every result carries the batch's start and its whole duration (the commands
        are not timed one by one). A timeout (`timeout` per command, summed) kills the whole batch."""
        if len(commands) < 2:
            return super().run_many(node, commands, timeout=timeout, sudo=sudo)
        nonce = secrets.token_hex(8)
        script = "; ".join(f"( eval {shlex.quote(command)} ) </dev/null; printf '\\n{nonce}-rc %d\\n' $?; "
                           f"printf '\\n{nonce}-err\\n' >&2" for command, _ in commands)
        whole = self._run(node, script, timeout * len(commands), sudo, False, None, None)
        outs = re.split(rb"\n" + nonce.encode() + rb"-rc (\d+)\n", whole.stdout_bytes)
        errs = whole.stderr_bytes.split(b"\n" + nonce.encode() + b"-err\n")
        if len(outs) != 2 * len(commands) + 1 or outs[-1] or len(errs) != len(commands) + 1 or errs[-1]:
            raise TransportError(f"[{whole.node}] a batch of {len(commands)} commands answered out of frame "
                                 f"(exit {whole.exit_code}): {whole.stdout[-300:]!r}", node=whole.node)
        return [CommandResult(whole.node, command, outs[2 * i], errs[i], int(outs[2 * i + 1]), whole.started,
                              whole.duration) for i, (command, _) in enumerate(commands)]

    def _run(self, node: NodeRef, command: str, timeout: float, sudo: bool, check: bool, fast: bool | None,
             on_output: Callable[[bytes], None] | None) -> CommandResult:
        target = self.node(node)
        link = self._links[target.name]
        needs_sudo = sudo and target.user != "root"
        use_fast = self.fast if fast is None else fast
        use_fast = use_fast and not needs_sudo
        started, t0 = datetime.now(), time.perf_counter()
        with link.lock:
            if use_fast:
                answer = self._run_fast(target, link, command, timeout, on_output)
                if answer is not None:
                    result = CommandResult(target.name, command, answer.stdout, answer.stderr, answer.exit_code,
                                           started, time.perf_counter() - t0)
                    return result.check() if check else result
            out, err, code = self._run_channel(target, link, command, timeout, needs_sudo)
        result = CommandResult(target.name, command, out, err, code, started, time.perf_counter() - t0)
        return result.check() if check else result

    def _run_fast(self, node: Node, link: _NodeLink, command: str, timeout: float,
                  on_output: Callable[[bytes], None] | None = None) -> ShellAnswer | None:
        """Run on the node's fast shell (None when the node has none); one reconnect if the shell was dead."""
        for attempt in (1, 2):
            shell = self._shell(node, link)
            if shell is None:
                return None
            try:
                return shell.run(command, timeout, on_output)
            except NotSent:
                link.drop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _shell(self, node: Node, link: _NodeLink) -> FastShell | None:
        if link.shell is not None and link.shell.usable and link.alive():
            return link.shell
        if link.shell_failed and link.alive():
            return None
        client = self.client(node)
        try:
            link.shell = FastShell(client.get_transport(), node.name, shell=self.shell)  # type: ignore[arg-type]
        except RuntimeError:
            link.shell, link.shell_failed = None, True
        except (OSError, EOFError, paramiko.SSHException) as exc:
            link.drop()
            raise NodeUnreachable(t("[{node}] could not open a shell: {error}", node=node.name, error=str(exc)),
                                  node=node.name) from exc
        return link.shell

    def _open_session(self, node: Node) -> paramiko.Channel:
        """A new channel; one transparent reconnect if the kept connection turns out dead."""
        for attempt in (1, 2):
            transport = self.client(node).get_transport()
            try:
                assert transport is not None
                return transport.open_session(timeout=self.connect_timeout)
            except (OSError, EOFError, paramiko.SSHException) as exc:
                self._links[node.name].drop()
                if attempt == 2:
                    raise NodeUnreachable(t("[{node}] cannot open a channel: {error}", node=node.name,
                                            error=str(exc)), node=node.name) from exc
        raise AssertionError("unreachable")

    def _run_channel(self, node: Node, link: _NodeLink, command: str, timeout: float,
                     sudo: bool) -> tuple[bytes, bytes, int]:
        chan = self._open_session(node)
        prefix = "sudo -n -- " if sudo else ""
        # $$ of the login shell that sshd starts is a session (and so process group) leader: killing that
        # group kills the command and its children. The header line is stripped from stdout below.
        chan.exec_command(f"printf 'swarmlab-pgid %d\\n' $$; exec {prefix}sh -c {shlex.quote(command)}")
        out, err = bytearray(), bytearray()
        try:
            return self._wait_channel(node, link, chan, command, timeout, sudo, out, err)
        except TransportError:
            raise
        except BaseException:  # Ctrl-C (KeyboardInterrupt): the command must not live on without us
            self._abandon_channel(node, chan, out, err, sudo)
            raise

    def _wait_channel(self, node: Node, link: _NodeLink, chan: paramiko.Channel, command: str, timeout: float,
                      sudo: bool, out: bytearray, err: bytearray) -> tuple[bytes, bytes, int]:
        deadline = time.monotonic() + timeout
        while True:
            drain(chan, out, err)
            # sshd may send exit-status before the last output bytes: the end is EOF *and* the exit status
            if chan.eof_received and chan.exit_status_ready() and not chan.recv_ready() \
                    and not chan.recv_stderr_ready():
                break
            if chan.closed or connection_lost(chan):
                drain(chan, out, err)
                if chan.exit_status_ready():
                    break
                link.drop()
                raise NodeUnreachable(t("[{node}] connection lost while running {command}", node=node.name,
                                        command=repr(command)), node=node.name)
            if time.monotonic() >= deadline:
                self._kill_group(node, out, sudo)
                chan.close()
                raise CommandTimeout(
                    t("[{node}] command timed out after {timeout:g} s and was killed: {command}", node=node.name,
                      timeout=timeout, command=repr(command)),
                    node=node.name, command=command, timeout=timeout,
                    stdout=decode(_strip_header(bytes(out))), stderr=decode(bytes(err)))
            wait_readable(chan, deadline)
        code = chan.recv_exit_status()
        chan.close()
        if code == -1 and connection_lost(chan):  # closed without an exit status: the connection died
            link.drop()
            raise NodeUnreachable(t("[{node}] connection lost while running {command}", node=node.name,
                                    command=repr(command)), node=node.name)
        return _strip_header(bytes(out)), bytes(err), code

    def _abandon_channel(self, node: Node, chan: paramiko.Channel, out: bytearray, err: bytearray,
                         sudo: bool) -> None:
        """After an interruption: kill the command's process group (waiting up to KILL_GRACE for its pgid line if
        it is not in yet), then close its channel. Interrupted again meanwhile, the channel is just closed."""
        deadline = time.monotonic() + KILL_GRACE
        try:
            while not (out.startswith(PGID_HEADER) and b"\n" in out) and not chan.closed \
                    and not chan.exit_status_ready() and time.monotonic() < deadline:
                wait_readable(chan, deadline)
                drain(chan, out, err)
            if not chan.exit_status_ready():
                self._kill_group(node, out, sudo)
        except BaseException:  # the interruption already on its way up is what the caller sees
            pass
        finally:
            chan.close()

    def _kill_group(self, node: Node, out: bytearray, sudo: bool) -> None:
        if not out.startswith(PGID_HEADER) or b"\n" not in out:
            return
        pgid = int(out[len(PGID_HEADER): out.index(b"\n")])
        chan = self._open_session(node)
        chan.exec_command(f"{'sudo -n ' if sudo else ''}kill -KILL -- -{pgid}")
        chan.status_event.wait(10)
        chan.close()


def _strip_header(out: bytes) -> bytes:
    if out.startswith(PGID_HEADER) and b"\n" in out:
        return out[out.index(b"\n") + 1:]
    return out
