"""The Docker Engine API of a node, over the lab's own SSH connection to it.

How the Docker SDK itself talks over `ssh://` (docker/transport/sshconn.py): an SSH channel runs
`docker system dial-stdio` on the node, which connects to the node's docker socket and copies bytes both ways; the
SDK speaks HTTP over that channel. Here the channel is opened on the paramiko transport `SSHTransport` already
holds for the node (jump host, host-key policy, keepalive, reconnect: all its own), so there is no second SSH stack
and no ~/.ssh/config. Each node gets one `docker.APIClient` (created on first use) whose requests adapter opens such
channels; HTTP keep-alive keeps a channel (and its one `dial-stdio` process) for the next request, so a question
costs one HTTP round trip, not a CLI start-up.

`dial-stdio` connects at once and says on stderr why it could not (dockerd stopped, no permission on the socket):
the channel's stderr turns a failed request into a typed error (`DockerUnavailable`, `DockerPermissionDenied`).

This module imports `docker` (and so requests, urllib3, paramiko): only the SSH transport imports it, on the first
API request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import docker  # type: ignore[import-untyped]
import paramiko
import requests
import urllib3
import urllib3.connection
import urllib3.connectionpool
from docker.transport.basehttpadapter import BaseHTTPAdapter  # type: ignore[import-untyped]

from swarmlab.errors import CommandTimeout, DockerPermissionDenied, DockerUnavailable, NodeUnreachable, TransportError
from swarmlab.i18n import t
from swarmlab.transport.base import API_VERSION

DIAL = "docker system dial-stdio"
BASE_URL = "http+docker://swarmlab"

OpenChannel = Callable[[], paramiko.Channel]


class _DialStdioConnection(urllib3.connection.HTTPConnection):
    """An HTTP connection whose socket is an SSH channel running `docker system dial-stdio` on the node."""

    def __init__(self, open_channel: OpenChannel, opened: Callable[[paramiko.Channel], None], timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._open_channel = open_channel
        self._opened = opened
        self._channel_timeout = timeout

    def connect(self) -> None:
        chan = self._open_channel()
        chan.settimeout(self._channel_timeout)
        chan.exec_command(DIAL)
        self._opened(chan)
        self.sock = chan  # a paramiko Channel quacks like a socket for http.client


class _Pool(urllib3.connectionpool.HTTPConnectionPool):
    def __init__(self, open_channel: OpenChannel, opened: Callable[[paramiko.Channel], None],
                 timeout: float) -> None:
        super().__init__("localhost", timeout=timeout, maxsize=4)
        self._open_channel, self._opened, self._timeout_s = open_channel, opened, timeout

    def _new_conn(self) -> _DialStdioConnection:
        return _DialStdioConnection(self._open_channel, self._opened, self._timeout_s)


class _Adapter(BaseHTTPAdapter):  # type: ignore[misc,unused-ignore]  # untyped base
    def __init__(self, open_channel: OpenChannel, opened: Callable[[paramiko.Channel], None],
                 timeout: float) -> None:
        self._pool = _Pool(open_channel, opened, timeout)
        super().__init__()

    def get_connection(self, url: str | bytes, proxies: Any = None) -> _Pool:
        return self._pool

    def close(self) -> None:
        super().close()
        self._pool.close()


class NodeDockerClient:
    """One node's Docker Engine API: `get(path)` for the raw JSON body, `sdk` for the Docker SDK's APIClient (the
    same connection: `client.sdk.services()`, `client.sdk.inspect_network(...)`)."""

    def __init__(self, node: str, user: str, open_channel: OpenChannel, timeout: float = 30.0) -> None:
        self.node = node
        self.user = user
        self._lock = threading.Lock()
        self._channels: list[paramiko.Channel] = []
        self._said: dict[int, bytes] = {}  # id(channel) -> what its dial-stdio wrote on stderr
        self.sdk = docker.APIClient(base_url="tcp://127.0.0.1:9", version=API_VERSION, timeout=timeout)
        self.sdk.base_url = BASE_URL  # every URL the SDK builds now goes to our adapter
        self.sdk.mount("http+docker://", _Adapter(open_channel, self._remember, timeout))

    def _remember(self, chan: paramiko.Channel) -> None:
        with self._lock:
            self._channels = [*[c for c in self._channels if not c.closed][-7:], chan]

    def url(self, path: str) -> str:
        return f"{BASE_URL}/v{API_VERSION}{path}"

    def get(self, path: str, timeout: float) -> tuple[int, bytes]:
        """(HTTP status, body) of GET `path` (e.g. `/services`); typed errors when the node or its dockerd is not
        reachable, `CommandTimeout` past `timeout`."""
        try:
            response = self.sdk.get(self.url(path), timeout=timeout)
            return response.status_code, response.content
        except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError) as exc:
            raise CommandTimeout(t("[{node}] Docker API GET {path} timed out after {timeout:g} s", node=self.node,
                                   path=path, timeout=timeout),
                                 node=self.node, command=f"GET {path}", timeout=timeout) from exc
        except TransportError:
            raise
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError, EOFError,
                paramiko.SSHException) as exc:
            raise self._why(path, exc) from exc

    def _why(self, path: str, exc: BaseException) -> TransportError:
        """The typed error for a failed request: what `dial-stdio` said on stderr, if anything."""
        said = self._stderr()
        low = said.lower()
        if "permission denied" in low:
            return DockerPermissionDenied(
                t("[{node}] {user} may not use the Docker socket ({said}). Fix: add the user to the docker group on "
                  "{node} (`sudo usermod -aG docker {user}`, then reconnect), or use an inventory user that is in it.",
                  node=self.node, user=self.user, said=said.strip()[:200]), node=self.node)
        if "cannot connect to the docker daemon" in low or "is the docker daemon running" in low \
                or "no such file or directory" in low:
            return DockerUnavailable(
                t("[{node}] dockerd is not running ({said}). Start it (`sudo systemctl start docker`; on the rig "
                  "`swarmlab rig ssh <node> node-dockerd start`).", node=self.node, said=said.strip()[:200]),
                node=self.node)
        if "not found" in low:
            return DockerUnavailable(t("[{node}] no docker CLI to dial the socket with ({said})", node=self.node,
                                       said=said.strip()[:200]), node=self.node)
        detail = said.strip()[:200] or f"{type(exc).__name__}: {exc}"
        return NodeUnreachable(t("[{node}] Docker API GET {path} failed: {detail}", node=self.node, path=path,
                                 detail=detail), node=self.node)

    def _stderr(self) -> str:
        """What the most recent `dial-stdio` channels wrote on stderr (waiting briefly for a dying one)."""
        with self._lock:
            channels = list(self._channels)
        deadline = time.monotonic() + 2.0
        said = bytearray()
        for chan in reversed(channels):
            while not (chan.exit_status_ready() or chan.closed) and time.monotonic() < deadline:
                time.sleep(0.02)
            while chan.recv_stderr_ready():
                self._said[id(chan)] = self._said.get(id(chan), b"") + chan.recv_stderr(1 << 16)
            said += self._said.get(id(chan), b"")
            if said:
                break
        return said.decode("utf-8", errors="replace")

    def close(self) -> None:
        self.sdk.close()
        with self._lock:
            for chan in self._channels:
                chan.close()
            self._channels = []
