"""`RecordingTransport`: a live transport whose every command is also written to a recording."""

from __future__ import annotations

from collections.abc import Callable
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

    @property
    def description(self) -> str:
        return f"{self.inner.description}, recording to {self.writer.path}"

    def close(self) -> None:
        self.writer.close()
        self.inner.close()
