"""Every error swarmlab raises on purpose, in one place.

Each one carries a message a student can act on: what went wrong, on which node, and what to do next.
"""

from __future__ import annotations


class SwarmlabError(Exception):
    """Base class of swarmlab's own errors."""


class InvalidName(SwarmlabError, ValueError):
    """A name (service, network, namespace, container) that Docker would refuse, or that could reach a shell."""


class TransportError(SwarmlabError):
    """Something went wrong reaching a node or running a command on it."""

    def __init__(self, message: str, *, node: str | None = None) -> None:
        super().__init__(message)
        self.node = node


class NodeUnreachable(TransportError):
    """The node could not be reached, or the connection was lost while a command ran."""


class AuthenticationFailed(TransportError):
    """The node refused our key (or user)."""


class HostKeyChanged(TransportError):
    """The node presents a different host key than the one remembered for it."""


class DockerUnavailable(TransportError):
    """The node answers over SSH, but its dockerd does not (stopped, or no docker CLI to reach it with)."""


class DockerPermissionDenied(TransportError):
    """The login may not use the node's docker socket (not root, not in the docker group)."""


class CommandTimeout(TransportError):
    """A command ran past its timeout; its remote process group was killed."""

    def __init__(self, message: str, *, node: str | None = None, command: str = "", timeout: float = 0.0,
                 stdout: str = "", stderr: str = "") -> None:
        super().__init__(message, node=node)
        self.command = command
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr


class CommandFailed(TransportError):
    """A command exited non-zero and the caller asked for `check=True`."""

    def __init__(self, message: str, *, node: str | None = None, command: str = "", exit_code: int | None = None,
                 stdout: str = "", stderr: str = "") -> None:
        super().__init__(message, node=node)
        self.command = command
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class SudoPasswordRequired(CommandFailed):
    """`sudo -n` refused because sudo wants a password on that node."""

    HINT = ("sudo wants a password on this node: allow passwordless sudo for this user (a line "
            "'USER ALL=(ALL) NOPASSWD:ALL' in /etc/sudoers.d/) or connect as root.")


class InventoryError(SwarmlabError):
    """An inventory (file, `vagrant ssh-config`, code) that cannot be used."""


class ParseError(SwarmlabError, ValueError):
    """A command's output that a parser cannot read: names the command kind, the line number and the line."""

    def __init__(self, kind: str, message: str, *, line_no: int | None = None, line: str | None = None) -> None:
        where = f" at line {line_no}" if line_no is not None else ""
        shown = f": {line[:200]!r}" if line is not None else ""
        super().__init__(f"cannot parse `{kind}` output{where}{shown}: {message}")
        self.kind = kind
        self.line_no = line_no
        self.line = line
        self.reason = message


class NotRecorded(TransportError):
    """Replay was asked for a command the recording does not hold. `asked`: what was asked, as one short line
    (`[node] 'command' (step name)`), the part a note or a skipped check shows; the message adds the recording, the
    closest recorded commands and how to run it live."""

    def __init__(self, message: str, *, node: str | None = None, asked: str = "") -> None:
        super().__init__(message, node=node)
        self.asked = asked or message


class RecordingError(SwarmlabError):
    """A recording file that cannot be read: damaged, truncated, or written by a newer swarmlab."""
