"""`CommandResult`: what one command on one node gave back (in the spirit of fabric's Result)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from swarmlab.errors import CommandFailed, SudoPasswordRequired

if TYPE_CHECKING:
    import pandas as pd

SUDO_PASSWORD_MARKERS = ("sudo: a password is required", "sudo: a terminal is required")


def decode(data: bytes) -> str:
    """Decode command output as UTF-8; invalid bytes stay visible as `\\xNN` escapes instead of crashing."""
    return data.decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True)
class CommandResult:
    """One command's outcome on one node.

    `exit_code` is None when the command never finished (the node was unreachable, the connection dropped);
    then `error` holds the exception. `stdout`/`stderr` are decoded text, `stdout_bytes`/`stderr_bytes` the
    exact bytes the node sent.
    """

    node: str
    command: str
    stdout_bytes: bytes = b""
    stderr_bytes: bytes = b""
    exit_code: int | None = None
    started: datetime = field(default_factory=datetime.now)
    duration: float = 0.0
    error: Exception | None = None

    @property
    def stdout(self) -> str:
        return decode(self.stdout_bytes)

    @property
    def stderr(self) -> str:
        return decode(self.stderr_bytes)

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0

    @property
    def failed(self) -> bool:
        return not self.ok

    def check(self) -> CommandResult:
        """Return self when the command succeeded; raise the error, or `CommandFailed`, otherwise."""
        if self.error is not None:
            raise self.error
        if self.exit_code != 0:
            stderr = self.stderr.strip()
            cls = SudoPasswordRequired if any(m in stderr for m in SUDO_PASSWORD_MARKERS) else CommandFailed
            hint = f" {SudoPasswordRequired.HINT}" if cls is SudoPasswordRequired else ""
            raise cls(
                f"[{self.node}] command exited {self.exit_code}: {self.command!r}"
                + (f"\nstderr: {stderr[-2000:]}" if stderr else "")
                + hint,
                node=self.node,
                command=self.command,
                exit_code=self.exit_code,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        return self

    def as_record(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "command": self.command,
            "exit_code": self.exit_code,
            "ok": self.ok,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "started": self.started,
            "duration": self.duration,
            "error": None if self.error is None else f"{type(self.error).__name__}: {self.error}",
        }

    def __str__(self) -> str:
        return self.stdout


class ResultSet(list[CommandResult]):
    """The results of one command on many nodes, in node order, failures included."""

    def __init__(self, results: Iterable[CommandResult] = ()) -> None:
        super().__init__(results)

    def by_node(self) -> dict[str, CommandResult]:
        return {r.node: r for r in self}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.by_node()[key]
        return super().__getitem__(key)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self)

    def failures(self) -> list[CommandResult]:
        return [r for r in self if not r.ok]

    def to_frame(self) -> pd.DataFrame:
        """One row per node: node, command, exit_code, ok, stdout, stderr, started, duration, error."""
        import pandas as pd

        columns = ["node", "command", "exit_code", "ok", "stdout", "stderr", "started", "duration", "error"]
        frame = pd.DataFrame([r.as_record() for r in self], columns=columns)
        return frame.astype({"exit_code": "Int64", "ok": bool, "duration": float})
