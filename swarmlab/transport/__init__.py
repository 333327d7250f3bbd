"""How commands reach nodes: over SSH, or from a recording."""

from swarmlab.transport.base import DEFAULT_TIMEOUT, Transport
from swarmlab.transport.node import Node
from swarmlab.transport.record import RecordingTransport
from swarmlab.transport.replay import ReplayTransport
from swarmlab.transport.result import CommandResult, ResultSet
from swarmlab.transport.ssh import SSHTransport

__all__ = ["DEFAULT_TIMEOUT", "CommandResult", "Node", "RecordingTransport", "ReplayTransport", "ResultSet",
           "SSHTransport", "Transport"]
