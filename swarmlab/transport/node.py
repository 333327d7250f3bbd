"""`Node`: how to reach one swarm node over SSH."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Node:
    """One machine of the swarm.

    `jump` names another node of the same inventory through which this one is reached (ProxyJump).
    """

    name: str
    host: str
    port: int = 22
    user: str = "root"
    key_file: str | None = None
    jump: str | None = None
    role: str | None = None

    @property
    def address(self) -> str:
        """The address as OpenSSH's known_hosts writes it: `host` on port 22, `[host]:port` otherwise."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def key_path(self) -> Path | None:
        return Path(self.key_file).expanduser() if self.key_file else None

    def as_record(self) -> dict[str, Any]:
        return asdict(self)
