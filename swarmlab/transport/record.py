"""`RecordingTransport`: a live transport whose every command is also written to a recording.

The recording is written to a temporary file beside its destination (`partial_beside`: an existing file is
refused unless `replace`) and renamed to it when the session ends well (`close()`, also at the interpreter's exit:
a notebook's kernel shutting down). A session stopped by an error (`stopped()`, from `Lab.__exit__`) leaves the
destination as it was and what it recorded in the temporary file, which it names; nothing recorded, nothing kept.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from swarmlab.errors import RecordingError, TransportError
from swarmlab.i18n import t
from swarmlab.transport.base import API_STEP, DEFAULT_TIMEOUT, NodeRef, Transport, api_command
from swarmlab.transport.recording import Writer, partial_beside
from swarmlab.transport.result import CommandResult


class RecordingTransport(Transport):
    def __init__(self, inner: Transport, path: str | Path, provenance: dict[str, Any], *,
                 replace: bool = False) -> None:
        super().__init__(inner.nodes.values())
        self.inner = inner
        self.path = Path(path)
        self.replace = replace
        self.partial = partial_beside(self.path, replace=replace)  # refuses an existing `path` unless `replace`
        try:
            self.writer = Writer(self.partial, {"nodes": list(inner.nodes), **provenance})
        except BaseException:
            self.partial.unlink(missing_ok=True)
            raise
        self.recorded = 0  # entries written
        self._ended = False
        atexit.register(self._at_exit)

    def _writable(self) -> None:
        """Nothing more runs on the swarm once the recording cannot be written (a full disk): it would go
        unrecorded."""
        if self.writer.failed is not None:
            raise self.writer.failed

    def _add(self, result: CommandResult, step: str | None, error: Exception | None = None) -> None:
        self.writer.add(result, step, error)
        self.recorded += 1

    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False,
            on_output: Callable[[bytes], None] | None = None) -> CommandResult:
        self._writable()
        name = self.node(node).name
        started = datetime.now()
        try:
            result = self.inner.run(node, command, timeout=timeout, sudo=sudo, on_output=on_output)
        except TransportError as exc:
            self._add(CommandResult(name, command, started=started,
                                          duration=(datetime.now() - started).total_seconds()), step, exc)
            raise
        self._add(result, step)
        return result.check() if check else result

    def run_many(self, node: NodeRef, commands: Sequence[tuple[str, str | None]], *,
                 timeout: float = DEFAULT_TIMEOUT, sudo: bool = False) -> list[CommandResult]:
        """The inner transport's batch, each command written to the recording as its own entry."""
        self._writable()
        name = self.node(node).name
        started = datetime.now()
        try:
            results = self.inner.run_many(node, commands, timeout=timeout, sudo=sudo)
        except TransportError as exc:
            spent = (datetime.now() - started).total_seconds()
            for command, step in commands:
                self._add(CommandResult(name, command, started=started, duration=spent), step, exc)
            raise
        for result, (_, step) in zip(results, commands, strict=True):
            self._add(result, step)
        return results

    def api(self, node: NodeRef, path: str, *, timeout: float = DEFAULT_TIMEOUT,
            latest: bool = False) -> CommandResult:
        """The inner transport's answer, written to the recording like a command's (step `api`, redacted)."""
        self._writable()
        name = self.node(node).name
        started = datetime.now()
        try:
            result = self.inner.api(node, path, timeout=timeout)
        except TransportError as exc:
            self._add(CommandResult(name, api_command(path), started=started,
                                          duration=(datetime.now() - started).total_seconds()), API_STEP, exc)
            raise
        self._add(result, API_STEP)
        return result

    def unreachable(self, nodes: Sequence[str]) -> list[CommandResult]:
        """The nodes that do not answer `true` (asked on the inner transport: nothing is recorded)."""
        return [r for r in self.inner.run_all(nodes, "true", timeout=30) if r.error is not None]

    @property
    def description(self) -> str:
        return f"{self.inner.description}, recording to {self.path}"

    def discard(self) -> None:
        """Nothing of this session is kept (it never ran): the temporary file goes, the destination stays."""
        self._end()
        self.partial.unlink(missing_ok=True)

    def stopped(self) -> str:
        """The session stopped early: the destination stays as it was; what was recorded stays in the temporary
        file (none recorded: removed). Says which."""
        if self._ended:
            return ""
        self._end()
        if not self.recorded:
            self.partial.unlink(missing_ok=True)
            return ""
        return f"the session stopped; what it recorded is in {self.partial} ({self.path} is as it was)"

    def finish(self) -> None:
        """The session ended well: the temporary file becomes the destination (an atomic rename); not when a write
        failed (a full disk): then the destination stays as it was and the error says where the rest is."""
        if self._ended:
            return
        self._end()
        if self.writer.failed is not None:
            raise RecordingError(t("{error}; what it recorded is in {partial} ({path} is as it was)",
                                   error=self.writer.failed, partial=str(self.partial), path=str(self.path)))
        if self.path.exists() and not self.replace:
            raise RecordingError(t("{path} appeared while recording; the session is in {partial}: rename it "
                                   "yourself", path=str(self.path), partial=str(self.partial)))
        os.replace(self.partial, self.path)

    def _end(self) -> None:
        self._ended = True
        atexit.unregister(self._at_exit)
        self.writer.close()

    def _at_exit(self) -> None:
        try:
            self.finish()
        except (OSError, RecordingError) as exc:  # nobody left to raise to: said on stderr, the file stays
            print(f"swarmlab: {exc}", file=sys.stderr)

    def close(self) -> None:
        try:
            self.finish()
        finally:
            self.inner.close()
