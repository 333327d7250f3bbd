"""The fast path: one long-lived remote shell per node answering sentinel-delimited commands.

A kept connection still costs a new SSH channel per command (~80 ms on loopback, mostly round-trip waits). Here
one shell runs on one channel for the node's whole session; each command is written to its stdin and answered on
its stdout/stderr, framed by markers that carry a fresh random nonce, so output that merely looks like a marker
(or lacks a final newline) cannot confuse the framing.

Each command needs its own process group, so that a timeout kills exactly it (from a second channel) and nothing
else, while the shell lives on. Two ways, the first that the node has:

* **bash** (4 or newer; Debian, Ubuntu): `set -m` puts every background job in its own process group, so a
  forked subshell is enough, no program is started. Per command:

      ( printf '<nonce>-pid %d\\n' "$BASHPID"; eval '<command>' ) </dev/null 2>&3 3>&- & wait $!
      printf '<nonce>-end %d\\n' $?;  printf '<nonce>-end\\n' >&3

  The shell's own stderr goes to /dev/null (job notices such as `Killed`); the command's goes to fd 3, the
  channel's stderr. On the rig's emulated CPU a command costs ~10 ms this way against ~55 ms with setsid below
  (starting a program there costs ~25 ms each; benchmarks/results/ssh_latency.json has the loopback numbers).
  As in any bash subshell, `$$` is the long-lived shell's pid; the command's own is `$BASHPID`.
* **sh + setsid** (any POSIX shell with util-linux' setsid):

      setsid sh -c '<print own pid>; eval "$c"' <nonce>-pid '<command>' </dev/null & wait $!
      printf '<nonce>-end %d\\n' $?;  printf '<nonce>-end\\n' >&2

In both, the pid (= the process group) is printed on stdout before any output of the command; stdin is
/dev/null, so the command can never eat the protocol; stdout and stderr stay apart (SSH's two streams); the exit
code comes after the end marker.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

import paramiko

from swarmlab.errors import CommandTimeout, NodeUnreachable, TransportError
from swarmlab.i18n import t
from swarmlab.transport.channel_io import connection_lost, drain, wait_readable
from swarmlab.transport.result import decode

# how long a killed or interrupted command's shell gets to come back in step (the output already on its way
# drained, the end markers read) before it is closed and the next command opens a new one: 5 s was not enough for
# a `yes` flood on a loaded 2-core machine (the shell was replaced, correctly, but needlessly)
KILL_GRACE = 10.0
SHELLS = ("auto", "sh")


class NotSent(NodeUnreachable):
    """The shell was gone before the command left: safe to retry on a new connection."""


@dataclass
class ShellAnswer:
    stdout: bytes
    stderr: bytes
    exit_code: int


class _Frame:
    """One command's answer as it arrives: its stdout and stderr so far, cut at its nonce's markers."""

    def __init__(self, nonce: str) -> None:
        self.pid_prefix = f"{nonce}-pid ".encode()
        self.end_out = f"{nonce}-end ".encode()
        self.end_err = f"{nonce}-end\n".encode()
        self.out, self.err = bytearray(), bytearray()

    def pgid(self) -> int | None:
        """The command's process group, once its pid line is in."""
        if self.out.startswith(self.pid_prefix) and b"\n" in self.out:
            return int(self.out[len(self.pid_prefix): self.out.index(b"\n")])
        return None

    def answer(self) -> ShellAnswer | None:
        """The whole answer once both end markers are in, else None."""
        out, err = self.out, self.err
        at = out.find(self.end_out)
        if at < 0 or not out.endswith(b"\n") or not err.endswith(self.end_err):
            return None
        body_start = out.index(b"\n") + 1 if out.startswith(self.pid_prefix) else 0
        code = int(out[at + len(self.end_out):].strip())
        return ShellAnswer(bytes(out[body_start:at]), bytes(err[: -len(self.end_err)]), code)


class FastShell:
    """One remote shell (bash or sh) on one channel. Not thread-safe: the caller serialises commands per node."""

    def __init__(self, transport: paramiko.Transport, node: str, *, kill_prefix: str = "",
                 shell: str = "auto") -> None:
        """`shell`: "auto" (bash when the node has bash 4+, else sh with setsid) or "sh" (always sh + setsid)."""
        if shell not in SHELLS:
            raise ValueError(f"shell must be one of {SHELLS}, not {shell!r}")
        self.node = node
        self.transport = transport
        self.kill_prefix = kill_prefix
        self.chan = transport.open_session(timeout=10)
        self.usable = True
        if shell == "auto":
            self.chan.exec_command("command -v bash >/dev/null 2>&1 && exec bash --norc --noprofile; exec sh")
            self.kind = "bash" if self._bash_major() >= 4 else "sh"
        else:
            self.chan.exec_command("exec sh")
            self.kind = "sh"
        if self.kind == "bash":
            self.chan.sendall(b"set -m; exec 3>&2 2>/dev/null\n")
            return
        probe = self.run("command -v setsid >/dev/null 2>&1", timeout=10)
        if probe.exit_code != 0:
            self.close()
            raise RuntimeError("neither bash 4+ nor setsid is on the node; the fast path needs one of them")

    def _bash_major(self) -> int:
        """The remote shell's bash major version, 0 for another shell (one raw line, before any framing)."""
        nonce = "swl" + secrets.token_hex(12)
        self.chan.sendall(f"printf '%s %s\\n' {nonce}-kind \"${{BASH_VERSINFO:-0}}\"\n".encode())
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + 10
        marker = f"{nonce}-kind ".encode()
        while time.monotonic() < deadline:
            drain(self.chan, out, err)
            at = out.find(marker)
            if at >= 0 and out.endswith(b"\n"):
                word = out[at + len(marker):].strip()
                return int(word) if word.isdigit() else 0
            if self.chan.closed or self.chan.exit_status_ready():
                break
            wait_readable(self.chan, deadline)
        self.close()
        raise RuntimeError("the node's shell did not answer the first probe")

    def close(self) -> None:
        self.usable = False
        with contextlib.suppress(Exception):
            self.chan.close()

    def run(self, command: str, timeout: float,
            on_output: Callable[[bytes], None] | None = None) -> ShellAnswer:
        """`on_output` sees the stdout received so far, each time more arrives (progress of long commands).

        Interrupted (Ctrl-C: KeyboardInterrupt, or any exception from `on_output`), the command's process group
        is killed and its answer read to the end markers, so the shell is in step again for the next command
        (closed when that fails: the next command opens a new one); then the interruption goes on up."""
        if not self.usable:
            raise RuntimeError("fast shell is closed")
        nonce = "swl" + secrets.token_hex(12)
        quoted = shlex.quote(command)
        if self.kind == "bash":  # the command's stderr is the saved fd 3: the shell's own goes to /dev/null
            start, err_fd = f"( printf '%s %d\\n' {nonce}-pid \"$BASHPID\"; eval {quoted} ) </dev/null 2>&3 3>&-", 3
        else:
            script = 'printf "%s %d\\n" "$0" "$$"; c=$1; shift; eval "$c"'
            start, err_fd = f"setsid sh -c {shlex.quote(script)} {nonce}-pid {quoted} </dev/null", 2
        line = (f"{start} & wait $!; printf '%s %d\\n' {nonce}-end \"$?\"; "
                f"printf '%s\\n' {nonce}-end >&{err_fd}\n")
        frame = _Frame(nonce)
        try:
            self.chan.sendall(line.encode())
        except (OSError, EOFError, paramiko.SSHException) as exc:
            self.close()
            raise NotSent(f"[{self.node}] connection lost before the command was sent: {exc}",
                          node=self.node) from exc
        except BaseException:  # interrupted while sending: what reached the shell is unknown
            self.close()
            raise
        try:
            return self._read(frame, command, timeout, on_output)
        except TransportError:
            raise
        except BaseException:
            self._abandon(frame)
            raise

    def _read(self, frame: _Frame, command: str, timeout: float,
              on_output: Callable[[bytes], None] | None = None) -> ShellAnswer:
        out, err = frame.out, frame.err
        deadline = time.monotonic() + timeout
        killed = False
        while True:
            if drain(self.chan, out, err) and on_output is not None:
                on_output(bytes(out))
            answer = frame.answer()
            if answer is not None:
                if killed:
                    raise CommandTimeout(
                        t("[{node}] command timed out after {timeout:g} s and was killed: {command}", node=self.node,
                          timeout=timeout, command=repr(command)),
                        node=self.node, command=command, timeout=timeout,
                        stdout=decode(answer.stdout), stderr=decode(answer.stderr))
                return answer
            if self._gone():
                drain(self.chan, out, err)
                self.close()
                if not out and not err:
                    # Not even the pid line (printed before the command is evaluated) came back: the connection
                    # was already gone when the command was sent, so it never started. Safe to retry.
                    raise NotSent(f"[{self.node}] connection was dead when {command!r} was sent", node=self.node)
                raise NodeUnreachable(t("[{node}] connection lost while running {command}", node=self.node,
                                        command=repr(command)), node=self.node)
            if time.monotonic() >= deadline:
                if killed:  # the kill did not bring the markers back: give the shell up
                    self.close()
                    raise CommandTimeout(
                        t("[{node}] command timed out after {timeout:g} s: {command}; its shell did not answer after "
                          "the kill and was closed", node=self.node, timeout=timeout, command=repr(command)),
                        node=self.node, command=command, timeout=timeout)
                self._kill(frame.pgid())
                killed = True
                deadline = time.monotonic() + KILL_GRACE
            wait_readable(self.chan, deadline)

    def _gone(self) -> bool:
        return self.chan.closed or self.chan.exit_status_ready() or connection_lost(self.chan)

    def _abandon(self, frame: _Frame) -> None:
        """After an interruption: kill the command's process group (its pid line is printed before the command
        starts, so wait for it if it is not in yet) and read what is left up to the end markers, which puts the
        shell back in step. The shell is closed instead when that does not work out within KILL_GRACE, or when
        interrupted again meanwhile."""
        deadline = time.monotonic() + KILL_GRACE
        try:
            while frame.answer() is None and frame.pgid() is None and not self._gone() \
                    and time.monotonic() < deadline:
                wait_readable(self.chan, deadline)
                drain(self.chan, frame.out, frame.err)
            if frame.answer() is not None:
                return
            pgid = frame.pgid()
            if pgid is None:
                self.close()
                return
            self._kill(pgid)
            while self.usable and not self._gone() and time.monotonic() < deadline:
                drain(self.chan, frame.out, frame.err)
                if frame.answer() is not None:
                    return
                wait_readable(self.chan, deadline)
            self.close()
        except BaseException:
            self.close()

    def _kill(self, pgid: int | None) -> None:
        """Kill the command's process group from a second channel; the shell itself is left alone."""
        if pgid is None:
            self.close()
            return
        try:
            chan = self.transport.open_session(timeout=10)
            chan.exec_command(f"{self.kill_prefix}kill -KILL -- -{pgid}")
            chan.status_event.wait(10)
            chan.close()
        except (OSError, EOFError, paramiko.SSHException):
            self.close()
