"""`Lab`: the chapter's steps on a live swarm, while recording one, or replaying a recording.

    lab = Lab.connect()                 # replay the bundled recording unless a live swarm is configured
    lab.run("service_ps", name="web")   # any declared step (swarmlab.commands.steps), parsed
    lab.networks(); lab.create_services(); lab.tasks("web")
    lab.requests(3); lab.ping("web")
    lab.vip_chain("web")                # service -> VIP -> mark -> IPVS -> real servers -> tasks -> nodes
    lab.sample_requests(1000)

Modes (argument, or $SWARMLAB_MODE): `live` (an inventory: rig, Vagrant, own), `record` (live, every command
also written to a recording), `replay` (a recording; the default when no live swarm is configured). The lab
itself does not branch on the mode: what a recording holds it asks its transport (`Transport.holdings`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from swarmlab import __version__
from swarmlab.commands import chapter as c
from swarmlab.commands import steps as st
from swarmlab.commands.bounds import Vocabulary
from swarmlab.commands.names import validate
from swarmlab.commands.steps import STEPS, Reader, Step, Where, key_of, recognise, transcript_answers
from swarmlab.errors import CommandFailed, NotRecorded, ParseError, SwarmlabError, TransportError
from swarmlab.i18n import Joined, t
from swarmlab.lab.results import NodeState, Sample, StepResult
from swarmlab.model.chain import NodeView, vip_chain
from swarmlab.parsers import whoami
from swarmlab.parsers.netns_ls import NetnsEntry, find_lb_namespace, lb_namespace_for
from swarmlab.transport.base import API_STEP, Transport
from swarmlab.transport.result import CommandResult

if TYPE_CHECKING:
    import pandas as pd

    from swarmlab.inventory import Inventory
    from swarmlab.lab.trace import Trace
    from swarmlab.model.crosscheck import Check, Readings
    from swarmlab.parsers.container_ls import Container
    from swarmlab.parsers.docker_cli import ServiceChange
    from swarmlab.parsers.engine_api import ApiTask
    from swarmlab.parsers.ip_addr import Interface
    from swarmlab.parsers.iptables import Ruleset
    from swarmlab.parsers.ipvs_connections import Connection
    from swarmlab.parsers.ipvsadm import IPVSTable
    from swarmlab.parsers.network_inspect import NetworkInfo
    from swarmlab.parsers.network_ls import Network
    from swarmlab.parsers.node_ls import SwarmNode
    from swarmlab.parsers.nslookup import Lookup
    from swarmlab.parsers.ping import PingResult
    from swarmlab.parsers.service_inspect import ServiceInfo
    from swarmlab.parsers.service_ls import Service
    from swarmlab.parsers.service_ps import Task

MODES = ("live", "record", "replay")
# `ipvsadm --stats` totals are folded in from per-CPU counters by the IPVS estimator every 2 s (kernel 6.1,
# net/netfilter/ipvs/ip_vs_est.c): read right after the requests they may not have moved. Live, wait one round.
ESTIMATOR_WAIT = 2.2
RIG_IMAGES = c.LAB_IMAGES
NODE_ALIASES = ("@manager", "@client")
T = TypeVar("T")


def _needs(step: Step[object]) -> set[str]:
    """The builder's arguments that have no default (the lab looks up a missing container or namespace)."""
    import inspect

    params = inspect.signature(step.build).parameters.values()
    return {p.name for p in params if p.default is inspect.Parameter.empty}


def _provenance_from_env() -> dict[str, object]:
    """$SWARMLAB_PROVENANCE (tools/record_lessons.py sets it): a JSON object merged into a recording's provenance."""
    text = os.environ.get("SWARMLAB_PROVENANCE") or "{}"
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SwarmlabError(t("SWARMLAB_PROVENANCE={value} is not a JSON object: fix it (e.g. "
                              "SWARMLAB_PROVENANCE='{{\"title\": \"...\"}}') or unset it", value=repr(text[:80])))
    return value


class Lab:
    """A small executor over the declared steps (`swarmlab.commands.steps`). It does not know whether it runs
    live or replays: what a recording holds it asks its transport (`Transport.holdings`)."""

    def __init__(self, transport: Transport, mode: str, *, manager: str | None = None,
                 swarm_nodes: Iterable[str] | None = None, images: dict[str, str] | None = None,
                 network: str = "mynet", source: str = "",
                 users: dict[str, str] | None = None) -> None:
        self.transport = transport
        self.mode = mode
        self.network = network
        self.images = {**RIG_IMAGES, **(images or {})}
        nodes = list(swarm_nodes) if swarm_nodes is not None else list(transport.nodes)
        self.swarm_nodes = nodes
        self.manager = manager or next((n for n in nodes if "manager" in n), nodes[0] if nodes else "")
        self.source = source or transport.description
        self.users = users or {}
        self.inventory: Inventory | None = None
        self.log: list[StepResult[object]] = []
        # a recording's parsed answers per (node, step): a recording never changes, so each is parsed once
        self._parsed: dict[tuple[str, str], list[StepResult[object]]] = {}

    # -- connecting ----------------------------------------------------------------------------------------------

    @classmethod
    def connect(cls, mode: str | None = None, *, recording: str | Path | None = None,
                inventory: Inventory | str | Path | None = None, record_to: str | Path | None = None,
                provenance: dict[str, object] | None = None, replace: bool = False) -> Lab:
        from swarmlab import inventory as inv_mod
        from swarmlab import recordings

        mode = mode or os.environ.get("SWARMLAB_MODE") or None
        recording = recording or os.environ.get("SWARMLAB_RECORDING") or None
        inv = inv_mod.load(inventory) if isinstance(inventory, (str, Path)) else inventory
        if mode is None:
            inv = inv or (None if recording else inv_mod.discover())
            mode = "live" if inv is not None else "replay"
        if mode not in MODES:
            raise SwarmlabError(t("mode {mode}: one of {modes}", mode=repr(mode), modes=", ".join(MODES)))
        if mode == "replay":
            from swarmlab.transport.replay import ReplayTransport

            path = Path(recording) if recording else recordings.default()
            replay = ReplayTransport(path, key=key_of, answers=transcript_answers)
            prov = replay.recording.provenance
            return cls(replay, "replay", manager=prov.get("manager"), swarm_nodes=prov.get("swarm_nodes"),
                       images=prov.get("images"), users=prov.get("users"),
                       source=f"{replay.recording.title} ({replay.description})")
        if mode == "record":
            from swarmlab.transport.recording import writable

            if record_to is None:
                raise SwarmlabError(t("record mode needs record_to=<file.jsonl>"))
            # before any connection: an existing recording is kept
            writable(Path(record_to), replace=replace, fix="give replace=True to replace it, or another record_to")
        inv = inv or inv_mod.discover()
        if inv is None:
            raise SwarmlabError(t("no live swarm configured: start one (`swarmlab rig up`, `vagrant up`) or give an "
                                  "inventory (`-i inventory.toml`); or replay a recording"))
        from swarmlab.transport.ssh import SSHTransport

        live: Transport = SSHTransport(inv, known_hosts=inv.extra.get("known_hosts"))
        swarm_nodes = [n.name for n in inv if n.role != "jump"]
        users = {n.name: n.user for n in inv if n.role != "jump"}
        images = inv.extra.get("images")
        if mode == "record":
            from swarmlab.transport.record import RecordingTransport

            assert record_to is not None
            prov = {"swarmlab": __version__, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "where": inv.source, "manager": inv.manager.name, "swarm_nodes": swarm_nodes, "users": users,
                    "images": images or RIG_IMAGES, **_provenance_from_env(),
                    **(provenance or {})}
            prov.update(_versions(live, inv.manager.name))
            # written beside `record_to`, renamed to it when the lab closes well: an existing file is refused
            # unless `replace` (as `swarmlab record --force`), and a session that stops leaves it as it was
            live = RecordingTransport(live, record_to, prov, replace=replace)
        lab = cls(live, mode, manager=inv.manager.name, swarm_nodes=swarm_nodes, images=images, users=users)
        lab.inventory = inv
        return lab

    def close(self) -> None:
        self.transport.close()

    def doctor(self) -> str:
        """The doctor's report on the live swarm (a replay has nothing to check: it says where it came from)."""
        if self.inventory is None:
            return f"replaying {self.source}: no live swarm to check"
        from swarmlab import doctor

        return doctor.report(doctor.run(self.transport, self.inventory))

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        from swarmlab.transport.record import RecordingTransport

        if exc_type is not None and isinstance(self.transport, RecordingTransport):
            said = self.transport.stopped()  # the recording's destination stays as it was
            if said:
                print(f"swarmlab: {said}", file=sys.stderr)
        self.close()

    @property
    def label(self) -> str:
        """A short, plain label for pictures: 'replay: <recording> (...)', 'live: <inventory>'."""
        return f"{self.mode}: {self.transport.description}"

    @property
    def live(self) -> bool:
        """True when commands reach a swarm now (the transport says so: `Transport.replays`); for the badge."""
        return not self.transport.replays

    @property
    def replaying(self) -> bool:
        """True when the transport answers from a recording (it cannot change the swarm); for the badge."""
        return self.transport.replays

    def user(self, node: str) -> str:
        """The login on `node` (for prompts): the inventory's, or root (the rig's)."""
        return self.users.get(node) or "root"

    def node(self, ref: str | None, step: Step[object] | None = None) -> str:
        """A node name from a name or an alias (`@manager`, `@client`), or the step's default node."""
        if ref == "@manager" or (ref is None and (step is None or step.where in (Where.MANAGER, Where.NODE))):
            return self.manager
        if ref == "@client" or (ref is None and step is not None and step.where is Where.CLIENT):
            return self.client_node()
        if ref is None:
            raise SwarmlabError(t("step {step} needs a node", step=step.name if step else "?"))
        if ref not in self.swarm_nodes:
            raise SwarmlabError(t("unknown node {node}: one of {nodes}", node=repr(ref),
                                  nodes=", ".join([*self.swarm_nodes, *NODE_ALIASES])))
        return ref

    # -- running one step ----------------------------------------------------------------------------------------

    @overload
    def run(self, step: Step[T], node: str | None = None, *, latest: bool = False, parse: bool = True,
            on_output: Callable[[bytes], None] | None = None, timeout: float | None = None,
            typed: str = "", **args: object) -> StepResult[T]: ...

    @overload
    def run(self, step: str, node: str | None = None, *, latest: bool = False, parse: bool = True,
            on_output: Callable[[bytes], None] | None = None, timeout: float | None = None,
            typed: str = "", **args: object) -> StepResult[object]: ...

    def run(self, step: str | Step[T], node: str | None = None, *, latest: bool = False, parse: bool = True,
            on_output: Callable[[bytes], None] | None = None, timeout: float | None = None,
            typed: str = "", **args: object) -> StepResult[T]:
        """Run one declared step: its builder's command on its node (`node` or the step's default), as root
        where the step is privileged, parsed by the step's parser. Arguments the step needs that the caller did
        not give are looked up: the client's container, the lab network's lb namespace on that node.
        `latest` (a recording): the state at the end of the recording. `typed`: the command as a student typed
        it, kept for display. A declared step (`lab.run(SERVICE_PS, name="web")`, from swarmlab.commands.steps)
        gives a typed result (`StepResult[list[Task]]`); a step's name gives `StepResult[object]`."""
        # by name: the step's value type is not known to the type checker (object), never claimed
        if not isinstance(step, Step) and (not isinstance(step, str) or step not in STEPS):
            import difflib

            close = difflib.get_close_matches(str(step), list(STEPS), n=3, cutoff=0.5) or sorted(STEPS)[:5]
            raise SwarmlabError(t("no step {step}: a step's name, e.g. {steps} (every one: "
                                  "swarmlab.commands.steps.STEPS)", step=repr(step), steps=", ".join(close)))
        spec = cast("Step[T]", STEPS[step]) if isinstance(step, str) else step
        target = self.node(node, spec)
        command = self._command(spec, target, args)
        r = self.transport.run(target, command, timeout=timeout or spec.timeout, sudo=spec.privileged,
                               step=spec.name, latest=latest, on_output=on_output)
        return self._checked(spec, target, r, parse=parse, typed=typed)

    @property
    def vocabulary(self) -> Vocabulary:
        """What the lessons may name on this lab (`swarmlab.commands.bounds`): its images and its overlay network."""
        return Vocabulary(images=dict(self.images), networks=(self.network,))

    def _within(self, spec: Step[Any], **args: Any) -> dict[str, Any]:
        """`args`, when they are within the step's bounds as the `%swarm` magic applies them (the lessons'
        services, replicas and counts: `swarmlab.commands.bounds`), before anything runs or is replayed;
        `Refused`, in the magic's words, otherwise. For the methods that change the swarm or take a count."""
        if spec.bound is not None:
            spec.bound(args, self.vocabulary)
        return args

    def _run_together(self, node: str, *calls: tuple[Step[Any], dict[str, object]]) -> list[StepResult[Any]]:
        """Several steps on one node as ONE remote command (`Transport.run_many`: one round trip; a recording
        stores, and a replay answers, each step as if run alone). `calls`: (step, its arguments). The steps must
        agree on `privileged`. A step that fails where failure is not data gets a result holding the error
        (`CommandFailed`), as `snapshot` keeps them; the others are answered all the same."""
        specs = [spec for spec, _ in calls]
        if len({spec.privileged for spec in specs}) != 1:
            raise SwarmlabError(t("_run_together: {steps} differ in privilege", steps=", ".join(s.name for s in specs)))
        target = self.node(node)
        commands = [(self._command(spec, target, dict(args)), spec.name) for spec, args in calls]
        answers = self.transport.run_many(target, commands, timeout=max(s.timeout for s in specs),
                                          sudo=specs[0].privileged)
        return [self._or_failed(spec.name, target, partial(self._checked, spec, target, r), r)
                for spec, r in zip(specs, answers, strict=True)]

    def _command(self, spec: Step[T], target: str, args: dict[str, object]) -> str:
        """The step's command on `target`, with the client's container and the lb namespace looked up when the
        caller did not give them (`args` gains them)."""
        needs = _needs(spec)
        if "container" in needs and "container" not in args and spec.where is Where.CLIENT:
            args["container"] = self.client_container()[1]
        if "namespace" in needs and "namespace" not in args:
            args["namespace"] = self.lb_namespace(target)
        return spec.command(**args)

    def _checked(self, spec: Step[T], target: str, r: CommandResult, *, parse: bool = True,
                 typed: str = "") -> StepResult[T]:
        """`r` as the step's result; a failure raises (`CommandFailed`, `SudoPasswordRequired` with its hint)
        unless failure is data for this step; a command that did not run (`r.error`: unreachable, not recorded)
        raises its error."""
        if r.error is not None:
            raise r.error
        if not spec.failure_is_data:
            r.check()
        return self._result(spec, target, r, parse=parse, typed=typed)

    def _or_failed(self, name: str, node: str, read: Callable[[], StepResult[T]],
                   answer: CommandResult | None = None) -> StepResult[T]:
        """`read()`; when it raises a transport or lab error, a result holding that error instead (logged), with
        what the command printed when there was an `answer`: the snapshot and batches keep every other reading."""
        try:
            return read()
        except (TransportError, SwarmlabError) as exc:
            return self._failed(name, node, exc, answer)

    def _failed(self, name: str, node: str, exc: Exception, answer: CommandResult | None = None) -> StepResult[Any]:
        failed: StepResult[Any] = StepResult(
            name, node, answer.command if answer else "", answer.stdout + answer.stderr if answer else "",
            answer.exit_code if answer else None, error=exc,
            note=t("not in this recording: {error}", error=exc.asked) if isinstance(exc, NotRecorded) else
            t("could not read: {error}", error=exc),
            replayed=not self.live,
            started=answer.started if answer else None)
        self.log.append(failed)
        return failed

    def _result(self, spec: Step[T], target: str, r: CommandResult, *, parse: bool = True,
                typed: str = "") -> StepResult[T]:
        result: StepResult[T] = StepResult(spec.name, target, r.command, r.stdout + r.stderr, r.exit_code,
                                           replayed=not self.live, typed=typed, started=r.started)
        # what a failed command has to say is often on stderr only (`Can't initialize ipvs`): parse that then
        text = r.stdout if r.stdout.strip() or r.exit_code == 0 else r.stderr
        if parse and text.strip():
            _parse_into(result, text, spec.reading(r.command))
        self.log.append(result)
        return result

    @overload
    def recorded(self, step: Step[T], node: str | None = None) -> list[StepResult[T]] | None: ...

    @overload
    def recorded(self, step: str, node: str | None = None) -> list[StepResult[object]] | None: ...

    def recorded(self, step: str | Step[T], node: str | None = None) -> list[StepResult[T]] | None:
        """The answers a recording holds of `step` on `node` (parsed), in recorded order; None when live."""
        spec = cast("Step[T]", STEPS[step]) if isinstance(step, str) else step  # by name: see `run`
        target = self.node(node, spec)
        cached = self._parsed.get((target, spec.name))
        if cached is None:
            held = self.transport.holdings(target, spec.name)
            if held is None:
                return None
            cached = []
            for r in held:
                res: StepResult[object] = StepResult(spec.name, target, r.command, r.stdout + r.stderr, r.exit_code,
                                                     replayed=True, started=r.started)
                if r.stdout.strip():
                    _parse_into(res, r.stdout, spec.reading(r.command))
                cached.append(res)
            self._parsed[(target, spec.name)] = cached
        # copies: a caller may annotate its results (note, typed); the parsed values are shared, read-only
        return [cast("StepResult[T]", dataclasses.replace(r)) for r in cached]

    def logged(self, *steps: Step[T]) -> list[StepResult[T]]:
        """The results of `steps` this lab has produced (its log), oldest first, typed by their step: every log
        entry named after a step was made by `run` (or the recorded-requests path) for that step."""
        names = {s.name for s in steps}
        return [cast("StepResult[T]", r) for r in self.log if r.step in names]

    # -- the chapter's steps -------------------------------------------------------------------------------------

    def networks(self, latest: bool = False) -> StepResult[list[Network]]:
        return self.run(st.NETWORK_LS, latest=latest)

    def create_network(self) -> StepResult[list[Network]] | StepResult[None]:
        nets = self.networks()
        if self.network in [n.name for n in nets.value or []]:
            nets.note = f"network {self.network} exists: reused"
            return nets
        return self.run(st.NETWORK_CREATE, name=self.network, parse=False)

    def services(self, latest: bool = False) -> StepResult[list[Service]]:
        return self.run(st.SERVICE_LS, latest=latest)

    def create_services(self, replicas: int = 2) -> list[StepResult[object]]:
        """Step 2 and 4 of the chapter: `web` (whoami, `replicas`) and `client`, on the overlay. Idempotent."""
        wanted = [self._within(st.SERVICE_CREATE, name=name, image=self.images[name], network=self.network,
                               replicas=n) for name, n in (("web", replicas), ("client", 1))]
        out: list[StepResult[object]] = [self.create_network()]
        existing = [s.name for s in self.services().value or []]
        for args in wanted:
            name = str(args["name"])
            if name in existing:
                out.append(StepResult("service_create", self.manager, f"# docker service create --name {name} ...",
                                      "", 0, note=t("service {name} exists: reused", name=name)))
                continue
            out.append(self.run(st.SERVICE_CREATE, **args))
        return out

    def tasks(self, service: str = "web", latest: bool = False) -> StepResult[list[Task]]:
        return self.run(st.SERVICE_PS, name=service, latest=latest)

    def client_node(self) -> str:
        """Where `docker service ps client` says the client runs (a transcript without it: the manager)."""
        if self.transport.holdings(self.manager, st.SERVICE_PS.name) == []:
            return self.manager
        running = [x for x in self.tasks("client", latest=True).value or [] if not x.history and x.state == "Running"]
        if not running:
            raise SwarmlabError(t("the client service has no running task: `lab.create_services()` first"))
        return running[0].node

    def containers(self, node: str | None = None, service: str | None = None) -> StepResult[list[Container]]:
        return self.run(st.CONTAINER_LS, node, service=service)

    def owned_containers(self, node: str | None = None, services: Iterable[str] = ()) -> set[str]:
        """The ids of the containers of `services` on `node`, as the swarm reports them now (`docker container ls`,
        the lab's own read: `latest`); a replay: as any listing the recording holds on that node reported them.
        What `docker kill` may name through the `%swarm` magic (`swarmlab.commands.bounds.container`)."""
        target = self.node(node, st.CONTAINER_LS)
        wanted = set(services)
        now = self.run(st.CONTAINER_LS, target, latest=True)
        listings = [now, *(self.recorded(st.CONTAINER_LS, target) or [])]
        return {x.id for r in listings for x in r.value or [] if x.service in wanted}

    def client_container(self) -> tuple[str, str]:
        node = self.client_node()
        try:
            listed = self.run(st.CONTAINER_LS, node, service="client", latest=True)
        except NotRecorded:  # a transcript listed every container (`docker container ls`): read that
            listed = self.run(st.CONTAINER_LS, node, latest=True)
        ids = [x.id for x in listed.value or [] if x.service == "client"]
        if not ids:
            raise SwarmlabError(t("no client container on {node}", node=node))
        return node, ids[0]

    def requests(self, n: int = 3, service: str = "web",
                 progress: Callable[[int, int], None] | None = None) -> StepResult[list[whoami.Answer]]:
        """n requests from the client to `service`, in one remote command; parsed per request. `progress(i, n)`
        is called as the answers stream in (live), or once at the end (a recording). `n` from 1 to MAX_REQUESTS,
        checked before anything runs or is replayed."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REQUESTS:
            raise SwarmlabError(t("{n} requests: a whole number from 1 to {most}", n=repr(n), most=MAX_REQUESTS))
        validate(service, "service")
        node, container = self.client_container()
        marker = b"swarmlab-request "
        seen = [0]

        def count(out: bytes) -> None:
            done = out.count(marker)
            if progress and done != seen[0]:
                seen[0] = done
                progress(done, n)

        held = self.transport.holdings(node, st.REQUESTS.name)
        exact = st.REQUESTS.key_of({"target": service, "n": n})
        if held is not None and not any(key_of(r.command) == exact for r in held):
            # only the recorded requests to this same service answer (never another service's answers)
            same = [r for r in held if _request_target(r.command) == service]
            result = self._recorded_requests(node, n, service, same)
        else:
            result = self.run(st.REQUESTS, node, container=container, target=service, n=n, timeout=max(60, n * 2),
                              on_output=count if progress else None)
        if progress:
            progress(n, n)
        return result

    def _recorded_requests(self, node: str, n: int, service: str, held: list[CommandResult]
                           ) -> StepResult[list[whoami.Answer]]:
        """A recording asked for n requests it did not record as such: the first n recorded answers, from as many
        recorded commands as needed (their outputs shown verbatim), renumbered 1..n; fewer if it holds fewer,
        and the note says so."""
        if not held:
            raise NotRecorded(t("[{node}] no requests to {service} in the recording {source}", node=node,
                                service=service, source=self.source), node=node)
        answers: list[whoami.Answer] = []
        used: list[CommandResult] = []
        for r in held:
            used.append(r)
            answers += st.REQUESTS.parse(r.stdout)  # read as the step reads its output
            if len(answers) >= n:
                break
        answers = answers[:n]
        for i, a in enumerate(answers, 1):
            a.seq = i
        note = t("the first {n} of the recorded answers ({commands} recorded command(s))", n=len(answers),
                 commands=len(used))
        if len(answers) < n:
            note = t("asked for {n} requests, but this recording holds only {held} answers: showing those (run live, "
                     "or record a longer session, for more)", n=n, held=len(answers))
        framed = st.REQUESTS.frame(answers) if st.REQUESTS.frame else None
        result = StepResult("requests", node, " ; ".join(dict.fromkeys(r.command for r in used)),
                            _first_answers("".join(r.stdout + r.stderr for r in used), n), 0, value=answers,
                            frame=framed, replayed=True, note=note, started=used[-1].started)
        self.log.append(result)
        return result

    def ping(self, service: str = "web", count: int = 2) -> StepResult[PingResult]:
        return self.run(st.PING, **self._within(st.PING, target=service, count=count))

    def nslookup(self, name: str = "web") -> StepResult[Lookup]:
        return self.run(st.NSLOOKUP, name=name)

    def inspect_network(self, node: str | None = None, verbose: bool = True,
                        latest: bool = False) -> StepResult[list[NetworkInfo]]:
        return self.run(st.NETWORK_INSPECT, node, name=self.network, verbose=verbose, latest=latest)

    def namespaces(self, node: str | None = None, latest: bool = False) -> StepResult[list[NetnsEntry]]:
        return self.run(st.NETNS_LS, node, latest=latest)

    def lb_namespace(self, node: str | None = None) -> str:
        """The name of the lab network's lb_ namespace on `node` (a name or @client/@manager)."""
        target = self.node(node)
        nets = self.networks(latest=True).value or []  # the network's id now (replay: at the end)
        return self._lb_namespace_in(target, nets, self.run(st.NETNS_LS, target, latest=True).value or [])

    def _lb_namespace_in(self, node: str, nets: list[Network], entries: list[NetnsEntry]) -> str:
        """The network's lb_ namespace among `entries` (a node's netns listing), from `nets` (network ls)."""
        net_id = next((x.id for x in nets if x.name == self.network), None)
        if net_id is None:
            raise SwarmlabError(t("network {network} not found", network=self.network))
        found = find_lb_namespace(net_id, entries)
        if found is None:
            raise SwarmlabError(t("{node} has no {namespace} namespace: it has no task on {network}", node=node,
                                  namespace=lb_namespace_for(net_id), network=self.network))
        return found

    def addresses(self, node: str | None = None, namespace: str | None = None,
                  latest: bool = False) -> StepResult[list[Interface]]:
        target = self.node(node)
        return self.run(st.LB_IP_A, target, namespace=namespace or self.lb_namespace(target), latest=latest)

    def marks(self, node: str | None = None, namespace: str | None = None, latest: bool = False) -> StepResult[Ruleset]:
        target = self.node(node)
        return self.run(st.LB_MANGLE, target, namespace=namespace or self.lb_namespace(target), latest=latest)

    def ipvs(self, node: str | None = None, stats: bool = False, namespace: str | None = None,
             latest: bool = False) -> StepResult[IPVSTable]:
        """`namespace`: the lb namespace when the caller already knows it (saves looking it up again). A failing
        ipvsadm is information (`Can't initialize ipvs`): never fatal. `latest`: the state now (`view`)."""
        target = self.node(node)
        return self.run(st.LB_IPVS_STATS if stats else st.LB_IPVS, target,
                        namespace=namespace or self.lb_namespace(target), latest=latest)

    def connections(self, node: str | None = None) -> StepResult[list[Connection]]:
        """IPVS's connection table in the lb namespace (`ipvsadm -Lnc`): client connection -> real server."""
        return self.run(st.LB_IPVS_CONNS, node or "@client")

    def snat(self, node: str | None = None) -> StepResult[Ruleset]:
        """The lb namespace's nat POSTROUTING chain: the `-m ipvs --ipvs` SNAT to the lb endpoint."""
        return self.run(st.LB_NAT, node or "@client")

    # -- the chain -----------------------------------------------------------------------------------------------

    def view(self, node: str, service: str = "web", latest: bool = False) -> NodeView:
        """Everything one node shows about the network's load balancing, parsed. `latest`: the swarm's state now, as
        a self-check asks for it (a recording: the state at its end, whatever the lesson's cells read so far)."""
        v = NodeView(node=node, network_name=self.network)
        held = _held  # a reading the recording does not hold (`NotRecorded`) is None: the chain shows what there is
        v.networks = held(partial(self.networks, latest=True)) or []
        v.netns = held(partial(self.namespaces, node, latest)) or []
        nets = held(partial(self.inspect_network, node, latest=latest)) or []
        v.inspect = nets[0] if nets else None
        namespace = self._lb_namespace_in(node, v.networks, v.netns)  # looked up once, from what we have
        v.lb_addresses = held(partial(self.addresses, node, namespace, latest)) or []
        v.marks = held(partial(self.marks, node, namespace, latest))
        v.ipvs = held(partial(self.ipvs, node, namespace=namespace, latest=latest))
        v.tasks = held(partial(self.tasks, service, latest=latest)) or []  # a transcript without `service ps`: none
        if v.inspect is None or not any(s.name == service and s.vip for s in v.inspect.services):
            pinged = held(partial(self.ping, service))
            if pinged is not None and pinged.destination_ip:
                v.resolved_vip[service] = pinged.destination_ip
        return v

    def lb_nodes(self) -> list[str]:
        """The nodes to build the chain on: every node, or those a recording holds an IPVS table of."""
        held = {n: self.transport.holdings(n, st.LB_IPVS.name) for n in self.swarm_nodes}
        return [n for n, h in held.items() if h is None or h] or [self.manager]

    def vip_chain(self, service: str = "web", nodes: Iterable[str] | None = None,
                  latest: bool = False) -> pd.DataFrame:
        """One row per (node, real server): service, VIP, network, lb namespace and endpoint, mark (hex and
        decimal), IPVS virtual service and scheduler, real server, task, task node, container id. `latest`: the
        swarm's state now (`view`)."""
        views = []
        for node in nodes or self.lb_nodes():
            try:
                views.append(self.view(node, service, latest))
            except SwarmlabError as exc:
                if nodes is not None:
                    raise
                self.log.append(StepResult("vip_chain", node, "", "", None, note=t("skipped: {error}", error=exc)))
        return vip_chain(service, views)

    def sample_requests(self, n: int = 100, service: str = "web",
                        progress: Callable[[int, int], None] | None = None) -> Sample:
        """n requests in ONE remote command, parsed per request (seq, hostname, ip, remote_addr), the per-backend
        summary, and the client node's IPVS counters before and after (live, read one estimator round later)."""
        import pandas as pd

        node = self.client_node()
        before = self._ipvs_stats(node)
        if progress:
            progress(0, n)
        result = self.requests(n, service, progress)
        if before is not None:
            self.transport.pause(ESTIMATOR_WAIT)
        after = self._ipvs_stats(node)
        answers = result.frame if result.frame is not None else pd.DataFrame()
        ok = answers[answers["ok"]] if len(answers) else answers
        summary = (ok.groupby(["hostname", "task_ip"], dropna=False).size().rename("count").reset_index()
                   if len(ok) else pd.DataFrame(columns=["hostname", "task_ip", "count"]))
        if len(summary):
            summary["share"] = summary["count"] / summary["count"].sum()
        failed = int((~answers["ok"]).sum()) if len(answers) else 0
        notes = [f"{failed} request(s) failed"] if failed else []
        if len(answers) < n and result.note:
            notes.append(result.note)
        return Sample(result, answers, summary, before, after, notes)

    def _ipvs_stats(self, node: str) -> pd.DataFrame | None:
        try:
            return self.ipvs(node, stats=True).frame
        except SwarmlabError:
            return None

    def trace_request(self, service: str = "web", port: int = 80) -> Trace:
        """Follow ONE request from the client to `service` packet by packet: captures in the client's, the lb's
        and every task's namespace and on the client node's underlay, then the hop table (`Trace.frame()`) and
        its checks against `ipvsadm -Lnc` and `conntrack -L` (`swarmlab.lab.trace`)."""
        from swarmlab.lab import trace

        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise SwarmlabError(t("port {port}: a TCP port from 1 to 65535 (web listens on 80)", port=repr(port)))
        validate(service, "service")
        return trace.run(self, service, port)

    # -- beyond the chapter: dnsrr and the routing mesh ---------------------------------------------------------

    def _create_once(self, name: str, image: str, replicas: int, network: str | None = None,
                     endpoint_mode: str | None = None, publish: str | None = None) -> StepResult[ServiceChange]:
        """Create a service, or reuse the one of that name: Docker refuses a second (`service NAME already exists`),
        which the step declares done (`exists_is_done`); live and in a replay alike, as the answer says."""
        args = self._within(st.SERVICE_CREATE, name=name, image=image, replicas=replicas, network=network,
                            endpoint_mode=endpoint_mode, publish=publish)
        try:
            return self.run(st.SERVICE_CREATE, **args)
        except CommandFailed as exc:
            if not (st.SERVICE_CREATE.exists_is_done and "already exists" in exc.stderr):
                raise
            reused: StepResult[ServiceChange] = StepResult(
                st.SERVICE_CREATE.name, exc.node or self.manager, exc.command, exc.stdout + exc.stderr, exc.exit_code,
                note=t("service {name} exists: reused", name=name), replayed=not self.live)
            self.log.append(reused)
            return reused

    def create_dnsrr(self, name: str = "webrr", replicas: int = 2) -> StepResult[ServiceChange]:
        """A service like web, but `--endpoint-mode dnsrr`: no VIP, no mark, no IPVS; DNS answers task IPs."""
        return self._create_once(name, image=self.images["web"], network=self.network, replicas=replicas,
                                 endpoint_mode="dnsrr")

    def publish(self, name: str = "webpub", port: int = 8080, replicas: int = 2) -> StepResult[ServiceChange]:
        """A whoami published on `port` through the ingress routing mesh (ingress_sbox on every node)."""
        return self._create_once(name, image=self.images["web"], replicas=replicas, publish=f"{port}:80")

    def ingress_marks(self, node: str | None = None) -> StepResult[Ruleset]:
        return self.run(st.INGRESS_MANGLE, node)

    def ingress_ipvs(self, node: str | None = None) -> StepResult[IPVSTable]:
        return self.run(st.INGRESS_IPVS, node)

    # -- changing the swarm --------------------------------------------------------------------------------------

    def scale(self, service: str, replicas: int) -> StepResult[ServiceChange]:
        """`docker service scale`, within the lessons' bounds (web: 1 to 3 replicas), as the `%swarm` magic."""
        return self.run(st.SCALE, **self._within(st.SCALE, name=service, replicas=replicas))

    def kill_task(self, service: str = "web") -> StepResult[None]:
        """Kill one task's container (the failure lesson): the swarm starts a replacement."""
        tasks = [x for x in self.tasks(service).value or [] if not x.history and x.state == "Running"]
        if not tasks:
            raise SwarmlabError(t("{service} has no running task", service=service))
        victim = tasks[0]
        listed = self.containers(victim.node, service).value or []
        target = next((x for x in listed if x.slot == victim.slot or (x.task_id and victim.id in x.task_id)), None)
        if target is None:
            raise SwarmlabError(t("no container of {task} on {node}", task=victim.name, node=victim.node))
        return self.run(st.KILL_TASK, victim.node, container=target.id, parse=False)

    def reset(self) -> list[StepResult[None]]:
        """Remove what the lab created (label swarmlab.lab=1): its services, then its network."""
        out = []
        for what in ("service", "network"):
            listed = self.run(st.RESET_LIST, what=what, parse=False)
            for ident in listed.output.split():
                out.append(self.run(st.RESET, what=what, id=ident, parse=False))
        return out

    # -- the Docker Engine API: the same state as structured data ------------------------------------------------

    @property
    def api_ready(self) -> bool:
        """True when the lab can ask the Docker Engine API: live (over the nodes' SSH connections), or a recording
        that holds API answers. The bundled lesson recordings hold none: the lab then reads the CLI's output."""
        held = self.transport.holdings(self.manager, API_STEP)
        return held is None or bool(held)

    def api(self, path: str, node: str | None = None, *, latest: bool = False) -> object:
        """The parsed JSON of GET `path` (e.g. `/services`, `/networks/mynet?verbose=true`) on `node` (default the
        manager). A non-2xx answer raises `CommandFailed` with Docker's message."""
        from swarmlab.parsers import engine_api

        r = self.transport.api(self.node(node), path, latest=latest).check()
        return engine_api.load(r.stdout_bytes, path)

    def _api_step(self, name: str, node: str, path: str, convert: Callable[[bytes], T],
                  frame: Callable[[T], pd.DataFrame] | None, latest: bool = False) -> StepResult[T]:
        r = self.transport.api(node, path, latest=latest)
        result: StepResult[T] = StepResult(name, node, r.command, r.stdout if r.exit_code == 0 else r.stderr,
                                           r.exit_code, replayed=not self.live, started=r.started)
        if r.exit_code == 0:
            try:
                result.value = convert(r.stdout_bytes)
                result.frame = frame(result.value) if frame else None
            except ParseError as exc:
                result.note = str(exc)
        self.log.append(result)
        return result

    def api_services(self, latest: bool = False) -> StepResult[list[ServiceInfo]]:
        """Every service from the API (`GET /services`: what `docker service inspect` prints), with its VirtualIPs;
        `.value`: service_inspect.ServiceInfo records, `.frame`: one row per VIP."""
        from swarmlab.parsers import engine_api, service_inspect

        return self._api_step("api_services", self.manager, "/services", engine_api.services,
                              service_inspect.vips_frame, latest)

    def api_nodes(self, latest: bool = False) -> StepResult[list[SwarmNode]]:
        """The swarm's nodes from the API (`GET /nodes`), as `docker node ls` records."""
        from swarmlab.parsers import engine_api, node_ls

        return self._api_step("api_nodes", self.manager, "/nodes", engine_api.nodes, node_ls.frame, latest)

    def api_tasks(self, service: str | None = None, latest: bool = False, *,
                  services: StepResult[list[ServiceInfo]] | None = None,
                  nodes: StepResult[list[SwarmNode]] | None = None) -> StepResult[list[ApiTask]]:
        """The tasks (of `service`, or all) from the API, each with its node and its IP on every network it is
        attached to. `services`/`nodes`: API answers already read (their names label the tasks). One `GET /tasks`
        for all services, filtered here (a recording's one answer serves every service)."""
        from swarmlab.parsers import engine_api

        if service is not None:
            validate(service, "service")
        services = services or self.api_services(latest)
        nodes = nodes or self.api_nodes(latest)
        names = {s.id: s.name for s in services.value or [] if s.id and s.name}
        hosts = {n.id: n.hostname for n in nodes.value or []}

        def convert(body: bytes) -> list[engine_api.ApiTask]:
            return [x for x in engine_api.tasks(body, names, hosts) if service is None or x.service == service]

        return self._api_step("api_tasks", self.manager, "/tasks", convert, engine_api.tasks_frame, latest)

    def api_network(self, node: str | None = None, verbose: bool = True,
                    latest: bool = False) -> StepResult[list[NetworkInfo]]:
        """The lab network as `node`'s dockerd sees it (`GET /networks/mynet?verbose=true`: what `docker network
        inspect -v mynet` prints): its endpoints (the lb endpoint among them) and, verbose, each service's VIP,
        LocalLBIndex and tasks. A node with no task on the network answers 404 (a failed result, not an error)."""
        from swarmlab.parsers import engine_api, network_inspect

        path = f"/networks/{validate(self.network, 'network')}" + ("?verbose=true" if verbose else "")
        return self._api_step("api_network", self.node(node), path, engine_api.network,
                              network_inspect.endpoints_frame, latest)

    def _network_or_absent(self, node: str) -> StepResult[list[NetworkInfo]]:
        """`docker network inspect -v` on `node`; a node with no task on the network says `not found`: a failed
        result like the API's 404, not an error."""
        try:
            return self.inspect_network(node)
        except CommandFailed as exc:
            if "not found" not in exc.stderr:
                raise
            absent: StepResult[list[NetworkInfo]] = StepResult(
                "network_inspect", node, exc.command, exc.stderr, exc.exit_code, replayed=not self.live,
                note=t("{node} has no task on {network}", node=node, network=self.network))
            self.log.append(absent)
            return absent

    def cross_check(self, service: str = "web") -> list[Check]:
        """Every CLI reading of the chapter's state against the Engine API's (`swarmlab.model.crosscheck`): VIPs
        per network, task nodes and IPs, each node's lb endpoint, LocalLBIndex against the iptables MARK and the
        ipvsadm FWM. Reads a CLI snapshot, then an API one (the kernel's readings come from the CLI one)."""
        from swarmlab.model.crosscheck import compare

        cli = self.snapshot(api=False)
        api = self.snapshot(api=True)
        return compare(service, self.network, _readings(cli, self.manager, kernel=True),
                       _readings(api, self.manager, kernel=False))

    # -- the whole state -----------------------------------------------------------------------------------------

    def snapshot(self, parallel: bool = True, api: bool | None = None) -> dict[str, NodeState]:
        """The swarm's state and every node's load balancing, nodes in parallel: per node `netns`, `ipvs_all`
        (every lb_ IPVS table with counters), `network` (the lab network as that node's dockerd has it, verbose)
        and, where the node has the network's lb_ namespace, `addresses` and `marks`; on the manager also
        `services` (with VIPs), `tasks` and `nodes`.

        `api` (default: whenever the lab can, `api_ready`): the Docker state from the Engine API over the nodes'
        SSH connections (a handful of HTTP requests), else from the docker CLI (`docker network ls`, `service ls`,
        `service inspect` and `service ps` per service, `node ls`, `network inspect -v` per node: each one a CLI
        start-up). The namespace, IPVS, address and mark readings are shell commands either way. A node that
        cannot answer (dockerd stopped, unreachable) gets results holding the error; the other nodes' state is
        kept."""
        use_api = self.api_ready if api is None else api
        nodes = list(self.swarm_nodes)
        pool = ThreadPoolExecutor(max_workers=len(nodes) + 1) if parallel else None

        def later(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
            if pool is None:
                value = fn(*args)
                return lambda: value
            future = pool.submit(fn, *args)
            return future.result

        guarded = self._or_failed

        def swarm_state() -> dict[str, StepResult[Any]]:
            m = self.manager
            if use_api:
                services = guarded("api_services", m, self.api_services)
                nodes_ = guarded("api_nodes", m, self.api_nodes)
                tasks = guarded("api_tasks", m, lambda: self.api_tasks(services=services, nodes=nodes_))
                return {"services": services, "tasks": tasks, "nodes": nodes_}
            listed = guarded("service_ls", m, self.services)
            names = [x.name for x in listed.value or []]
            inspected = [guarded("service_inspect", m, partial(self.run, "service_inspect", name=n)) for n in names]
            ps = [guarded("service_ps", m, partial(self.tasks, n)) for n in names]
            return {"services": _merged("service_inspect", m, inspected), "tasks": _merged("service_ps", m, ps),
                    "nodes": guarded("node_ls", m, lambda: self.run("node_ls"))}

        def network_state(node: str) -> StepResult[list[NetworkInfo]]:
            if use_api:
                return guarded("api_network", node, lambda: self.api_network(node))
            return guarded("network_inspect", node, lambda: self._network_or_absent(node))

        def network_id() -> str | None:
            nets = guarded("network_ls", self.manager, lambda: self.networks(latest=True)).value or []
            return next((x.id for x in nets if x.name == self.network), None)

        def together(node: str, *calls: tuple[Step[Any], dict[str, object]]) -> list[StepResult[Any]]:
            """The node's kernel readings in one remote command (one round trip; see `_run_together`)."""
            try:
                return self._run_together(node, *calls)
            except (TransportError, SwarmlabError) as exc:
                return [self._failed(spec.name, node, exc) for spec, _ in calls]

        def first(node: str) -> NodeState:
            netns, ipvs_all = together(node, (st.NETNS_LS, {}), (st.IPVS_ALL, {"stats": True}))
            return {"netns": netns, "ipvs_all": ipvs_all}

        def rest(node: str, state: NodeState, net_id: str | None) -> NodeState:
            names = [e.name for e in state["netns"].value or []]
            namespace = lb_namespace_for(net_id) if net_id else None
            if namespace in names:
                state["addresses"], state["marks"] = together(node, (st.LB_IP_A, {"namespace": namespace}),
                                                              (st.LB_MANGLE, {"namespace": namespace}))
            return state

        try:
            swarm = later(swarm_state)
            networks = {n: later(network_state, n) for n in nodes}
            firsts = {n: later(first, n) for n in nodes}
            if use_api:  # the network's id is in the manager's own answer: no `docker network ls`
                manager_net = networks[self.manager]().value if self.manager in networks else None
                net_id = manager_net[0].id if manager_net else None
            else:
                net_id = network_id()
            rests = {n: later(rest, n, firsts[n](), net_id) for n in nodes}
            out: dict[str, NodeState] = {}
            for n in nodes:
                out[n] = rests[n]()
                out[n]["network"] = networks[n]()
            if self.manager in out:
                out[self.manager].update(cast(NodeState, swarm()))
            return out
        finally:
            if pool is not None:
                pool.shutdown(wait=True)


def _held(read: Callable[[], StepResult[T]]) -> T | None:
    """`read()`'s parsed value; None when it could not be had (a recording that does not hold it)."""
    try:
        return read().value
    except NotRecorded:
        return None


def _readings(snap: dict[str, NodeState], manager: str, kernel: bool) -> Readings:
    from swarmlab.model.crosscheck import Readings

    def value(node: str, key: str) -> Any:
        r: Any = dict(snap.get(node, {})).get(key)
        return r.value if r is not None else None

    nets = {n: (value(n, "network") or [None])[0] for n in snap}
    mine: dict[str, Any] = dict(snap.get(manager, {}))
    return Readings(services=mine["services"].value or [] if "services" in mine else [],
                    tasks=mine["tasks"].value or [] if "tasks" in mine else [], networks=nets,
                    marks={n: value(n, "marks") for n in snap} if kernel else None,
                    ipvs={n: value(n, "ipvs_all") for n in snap} if kernel else None,
                    addresses={n: value(n, "addresses") for n in snap} if kernel else None)


def _merged(step: str, node: str, results: list[StepResult[Any]]) -> StepResult[Any]:
    """Several results of one step (one per service) as one: outputs joined, values concatenated."""
    import pandas as pd

    ok = [r for r in results if r.value is not None]
    frames = [r.frame for r in ok if r.frame is not None]
    merged: StepResult[Any] = StepResult(
        step, node, " ; ".join(r.command for r in results), "".join(r.output for r in results),
        0 if all(r.ok for r in results) else next((r.exit_code for r in results if not r.ok), None),
        replayed=any(r.replayed for r in results), note=Joined([r.note for r in results if r.note]),
        error=next((r.error for r in results if r.error), None))
    merged.value = [v for r in ok for v in r.value or []]
    merged.frame = pd.concat(frames, ignore_index=True) if frames else None
    return merged


MAX_REQUESTS = 10_000  # one remote command's requests (a lesson samples 1,000; the magic allows 100 at a time)


def _request_target(command: str) -> str | None:
    """The service a recorded request went to: its step's arguments, or a transcript's `curl web` read inside the
    client's shell; None when no step reads it."""
    for candidate in (command, f"docker exec swarmlab-transcript {command}"):
        got = recognise(candidate)
        if got is not None and got[0] is st.REQUESTS:
            return str(got[1].get("target"))
    return None


def _first_answers(output: str, n: int) -> str:
    """The recorded requests' output up to the n-th answer (each starts at a `swarmlab-request K` line)."""
    kept, seen = [], 0
    for line in output.splitlines(keepends=True):
        if line.startswith("swarmlab-request "):
            seen += 1
            if seen > n:
                break
        kept.append(line)
    return "".join(kept)


def _parse_into(result: StepResult[T], text: str, reader: Reader[T]) -> None:
    """`text` read by the step's own parse and frame (`Step.reading`) into `result`; a ParseError becomes its note."""
    try:
        value = reader.parse(text)
        result.value, result.frame = value, None if reader.frame is None or value is None else reader.frame(value)
    except ParseError as exc:
        result.note = str(exc)


def _versions(transport: Transport, manager: str) -> dict[str, str]:
    out = {}
    for key, command in c.versions().items():
        try:
            out[key] = transport.run(manager, command, timeout=30).stdout.strip()
        except SwarmlabError:
            out[key] = "unknown"
    return out
