"""The `Transport` contract every way of reaching nodes honours (ssh, replay, record)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Self

from swarmlab.errors import TransportError
from swarmlab.transport.node import Node
from swarmlab.transport.result import CommandResult, ResultSet

DEFAULT_TIMEOUT = 30.0
# The Docker Engine API version the lab asks for: Docker 20.10 (the Debian 12 rig) speaks up to 1.41, 26.1 up to
# 1.45; 1.41 has every field the lab reads (VirtualIPs, NetworksAttachments, verbose Services, LocalLBIndex).
API_VERSION = "1.41"
API_STEP = "api"  # the step name recordings give Docker Engine API answers


def api_command(path: str) -> str:
    """How an Engine API request is written where a command would be (results, recordings): `GET /v1.41/...`."""
    return f"GET /v{API_VERSION}{path}"

NodeRef = str | Node


class Transport(ABC):
    """Runs shell commands on named nodes. Every command has a timeout."""

    # True for a transport that answers from a recording (it reaches no swarm and cannot change one): what the lab
    # shows as its badge. The lab's behaviour never branches on it: a recording answers each call itself.
    replays: bool = False

    def __init__(self, nodes: Iterable[Node]) -> None:
        self.nodes: dict[str, Node] = {n.name: n for n in nodes}

    def node(self, ref: NodeRef) -> Node:
        name = ref.name if isinstance(ref, Node) else ref
        try:
            return self.nodes[name]
        except KeyError:
            known = ", ".join(self.nodes) or "none"
            raise TransportError(f"unknown node {name!r} (known: {known})", node=name) from None

    @abstractmethod
    def run(self, node: NodeRef, command: str, *, timeout: float = DEFAULT_TIMEOUT, sudo: bool = False,
            check: bool = False, step: str | None = None, latest: bool = False,
            on_output: Callable[[bytes], None] | None = None) -> CommandResult:
        """Run `command` on `node`; raise `TransportError`s for the node, `CommandFailed` with `check`.

        `step` names the lab step the command belongs to: recordings keep it. `latest`: a recording answers with
        the state at its end (a live swarm always answers with the state now). `on_output` sees the stdout
        received so far as it arrives (live only; a recording has it all at once).
        """

    def run_many(self, node: NodeRef, commands: Sequence[tuple[str, str | None]], *,
                 timeout: float = DEFAULT_TIMEOUT, sudo: bool = False) -> list[CommandResult]:
        """Run several `(command, step)` on `node` in order, each answered as if run alone (its own stdout,
        stderr and exit code); `timeout` is per command. Never checks: a failed command's result says so and the
        next one still runs. Here one `run` each; `SSHTransport` sends them as ONE remote command (one round
        trip) and splits the answers, which recordings then store one by one like any other."""
        return [self.run(node, command, timeout=timeout, sudo=sudo, step=step) for command, step in commands]

    def api(self, node: NodeRef, path: str, *, timeout: float = DEFAULT_TIMEOUT,
            latest: bool = False) -> CommandResult:
        """GET `path` (e.g. `/services`) of the Docker Engine API on `node`: `command` is `GET /v1.41<path>`,
        stdout the JSON body, exit_code 0 for a 2xx answer (else the HTTP status, with the body on stderr).
        Typed errors as for `run`, and `DockerUnavailable` / `DockerPermissionDenied` for the node's dockerd."""
        raise TransportError(f"{type(self).__name__} cannot reach the Docker Engine API", node=self.node(node).name)

    def holdings(self, node: str, step: str) -> list[CommandResult] | None:
        """What this transport already holds of `step` on `node`: a recording's answers, in recorded order.
        None for a live transport, which holds nothing and can run anything."""
        return None

    def pause(self, seconds: float) -> None:
        """Let `seconds` pass on the nodes (e.g. for the IPVS estimator); a recording's time has already passed."""
        import time

        time.sleep(seconds)

    @property
    def description(self) -> str:
        """Where the answers come from, for people: an inventory, or a recording and its provenance."""
        return ", ".join(self.nodes) or "no nodes"

    def run_all(self, nodes: Iterable[NodeRef] | None, command: str, *, timeout: float = DEFAULT_TIMEOUT,
                sudo: bool = False) -> ResultSet:
        """Run `command` on every node (all when `nodes` is None) in parallel.

        Never raises for a node: each node's result is returned, its error (unreachable, timeout...) inside it,
        so one node's failure never hides the others' results. `.to_frame()` gives a DataFrame.
        """
        targets = [self.node(n) for n in (self.nodes if nodes is None else nodes)]

        def one(node: Node) -> CommandResult:
            started = datetime.now()
            try:
                return self.run(node, command, timeout=timeout, sudo=sudo)
            except TransportError as exc:
                return CommandResult(node=node.name, command=command, started=started,
                                     duration=(datetime.now() - started).total_seconds(), error=exc)

        if not targets:
            return ResultSet()
        with ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="swarmlab-run") as pool:
            return ResultSet(pool.map(one, targets))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; a no-op for transports that hold none."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
