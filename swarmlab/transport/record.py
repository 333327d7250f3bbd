"""`RecordingTransport`: a live transport whose every command is also written to a recording."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from swarmlab.errors import TransportError
from swarmlab.transport.base import API_STEP, DEFAULT_TIMEOUT, NodeRef, Transport, api_command
from swarmlab.transport.recording import Writer
from swarmlab.transport.result import CommandResult


class RecordingTransport(Transport):
    def __init__(self, inner: Transport, path: str | Path, provenance: dict[str, Any]) -> None:
        super().__init__(inner.nodes.values())
        self.inner = inner
        self.writer = Writer(Path(path), {"nodes": list(inner.nodes), **provenance})

    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False,
            on_output: Callable[[bytes], None] | None = None) -> CommandResult:
        name = self.node(node).name
        started = datetime.now()
        try:
            result = self.inner.run(node, command, timeout=timeout, sudo=sudo, on_output=on_output)
        except TransportError as exc:
            self.writer.add(CommandResult(name, command, started=started,
                                          duration=(datetime.now() - started).total_seconds()), step, exc)
            raise
        self.writer.add(result, step)
        return result.check() if check else result

    def run_many(self, node: NodeRef, commands: Sequence[tuple[str, str | None]], *,
                 timeout: float = DEFAULT_TIMEOUT, sudo: bool = False) -> list[CommandResult]:
        """The inner transport's batch, each command written to the recording as its own entry."""
        name = self.node(node).name
        started = datetime.now()
        try:
            results = self.inner.run_many(node, commands, timeout=timeout, sudo=sudo)
        except TransportError as exc:
            spent = (datetime.now() - started).total_seconds()
            for command, step in commands:
                self.writer.add(CommandResult(name, command, started=started, duration=spent), step, exc)
            raise
        for result, (_, step) in zip(results, commands, strict=True):
            self.writer.add(result, step)
        return results

    def api(self, node: NodeRef, path: str, *, timeout: float = DEFAULT_TIMEOUT,
            latest: bool = False) -> CommandResult:
        """The inner transport's answer, written to the recording like a command's (step `api`, redacted)."""
        name = self.node(node).name
        started = datetime.now()
        try:
            result = self.inner.api(node, path, timeout=timeout)
        except TransportError as exc:
            self.writer.add(CommandResult(name, api_command(path), started=started,
                                          duration=(datetime.now() - started).total_seconds()), API_STEP, exc)
            raise
        self.writer.add(result, API_STEP)
        return result

    def unreachable(self, nodes: Sequence[str]) -> list[CommandResult]:
        """The nodes that do not answer `true` (asked on the inner transport: nothing is recorded)."""
        return [r for r in self.inner.run_all(nodes, "true", timeout=30) if r.error is not None]

    @property
    def description(self) -> str:
        return f"{self.inner.description}, recording to {self.writer.path}"

    def close(self) -> None:
        self.writer.close()
        self.inner.close()
