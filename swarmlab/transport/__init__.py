"""How commands reach nodes: over SSH, or from a recording.

The SSH transport (paramiko, cryptography) is imported only when asked for, so a replay never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swarmlab.transport.base import DEFAULT_TIMEOUT, Transport
from swarmlab.transport.node import Node
from swarmlab.transport.result import CommandResult, ResultSet

if TYPE_CHECKING:
    from swarmlab.transport.record import RecordingTransport
    from swarmlab.transport.replay import ReplayTransport
    from swarmlab.transport.ssh import SSHTransport

__all__ = ["DEFAULT_TIMEOUT", "CommandResult", "Node", "RecordingTransport", "ReplayTransport", "ResultSet",
           "SSHTransport", "Transport"]

_LAZY = {"SSHTransport": "swarmlab.transport.ssh", "ReplayTransport": "swarmlab.transport.replay",
         "RecordingTransport": "swarmlab.transport.record"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'swarmlab.transport' has no attribute {name!r}")
