"""Reading a paramiko channel's two streams without busy-waiting."""

from __future__ import annotations

import select
import time

import paramiko

# Longest we sleep in select() before looking at the channel's state again: only matters when a connection dies
# without waking the channel's pipe; data and EOF wake it at once.
POLL_CAP = 0.2


def drain(chan: paramiko.Channel, out: bytearray, err: bytearray) -> bool:
    """Move whatever is buffered on `chan` into `out`/`err`; True if anything was read."""
    got = False
    while chan.recv_ready():
        out += chan.recv(1 << 20)
        got = True
    while chan.recv_stderr_ready():
        err += chan.recv_stderr(1 << 20)
        got = True
    return got


def wait_readable(chan: paramiko.Channel, deadline: float) -> None:
    """Sleep until the channel has news or the deadline (capped at POLL_CAP) passes."""
    remaining = deadline - time.monotonic()
    if remaining > 0:
        select.select([chan], [], [], min(remaining, POLL_CAP))


def connection_lost(chan: paramiko.Channel) -> bool:
    transport = chan.get_transport()
    return transport is None or not transport.is_active()
