"""The lab's steps, declared as data: what runs, where, as whom, how its output reads, what it teaches.

A `Step` ties a command builder (`swarmlab.commands.chapter`) to the node it runs on (`Where`), whether it needs
root (`privileged`: run with `sudo -n` for a non-root user, as the chapter types `sudo`), the parser function that
reads its output and the frame that shows it (`parse=`, `frame=`: functions of `swarmlab.parsers`, so the type
checker holds `Step[T]` to what the parser returns), a title (a message id of the catalog), and a *recogniser*: a
function that reads a command line (as the builder wrote it, or as a student types it) back into the step's
arguments. Three consequences:

* Replay matches a command by its step and the step's key arguments (`key_of`), not by its exact string, so an
  incidental flag (`--label`, `--stop-grace-period`) or a typed variant (`iptables -t mangle -nvL` for `-nvL -t
  mangle`) finds the same recorded answer.
* The `%swarm` magic (`swarmlab.magic`) accepts exactly the commands some step recognises (`recognise`); the
  lab then runs the builder's command, never the typed string.
* A command line one step recognises is read by that step's parse and frame (`Step.reading`,
  `swarmlab.commands.output.parse_output`): one grammar per command; `swarmlab.parsers.dispatch` reads only
  transcripts no step covers.

Add a step: write its builder in `chapter.py`, declare it below (`STEPS`), and, if a new parser reads it, that
parser module. `docs/adding-a-step.md` is the recipe.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from swarmlab.commands import bounds as b
from swarmlab.commands import chapter as c
from swarmlab.commands.bounds import Refused, Vocabulary
from swarmlab.commands.names import validate
from swarmlab.i18n import N_, Msg

# the commands layer sits above the parsers: each step names the parse and frame functions that read its output
from swarmlab.parsers import (
    conntrack,
    container_ls,
    docker_cli,
    ip_addr,
    iptables,
    ipvs_connections,
    ipvsadm,
    netns_ls,
    network_inspect,
    network_ls,
    node_ls,
    nslookup,
    ping,
    service_inspect,
    service_ls,
    service_ps,
    ss,
    tcpdump,
    whoami,
)
from swarmlab.parsers.conntrack import Entry as ConntrackEntry
from swarmlab.parsers.container_ls import Container
from swarmlab.parsers.docker_cli import ServiceChange
from swarmlab.parsers.ip_addr import Interface
from swarmlab.parsers.iptables import Ruleset
from swarmlab.parsers.ipvs_connections import Connection
from swarmlab.parsers.ipvsadm import IPVSTable
from swarmlab.parsers.netns_ls import NetnsEntry
from swarmlab.parsers.network_inspect import NetworkInfo
from swarmlab.parsers.network_ls import Network
from swarmlab.parsers.node_ls import SwarmNode
from swarmlab.parsers.nslookup import Lookup
from swarmlab.parsers.ping import PingResult
from swarmlab.parsers.service_inspect import ServiceInfo
from swarmlab.parsers.service_ls import Service
from swarmlab.parsers.service_ps import Task
from swarmlab.parsers.ss import Socket
from swarmlab.parsers.tcpdump import Packet
from swarmlab.parsers.whoami import Answer

if TYPE_CHECKING:
    import pandas as pd
Args = dict[str, Any]  # recognised arguments (str, int, bool, list[str], None), given to `Lab.run` as keywords
# What a step's parse returns (`Step[list[Task]]`: `docker service ps` read into tasks; `Step[None]`: `unparsed`,
# the raw output only). The type checker holds it to the parse function the step names (`parse=service_ps.parse`),
# so `lab.run(SERVICE_PS)` is a `StepResult[list[Task]]` (tests/typecheck/steps_typed.py).
T_co = TypeVar("T_co", covariant=True)
# a typed command's tokens (sudo stripped) and its admitted arguments -> what swarmlab says it changed, or None
Said = Callable[[list[str], Args], "Msg | None"]


class Where(Enum):
    MANAGER = "manager"      # a swarm manager (docker service/network commands)
    CLIENT = "client"        # the node running the client task (requests, its lb_ namespace)
    NODE = "node"            # any node the caller names (container ls, netns, ingress_sbox)
    TASK = "task"            # the node running a given task (docker kill)


def unparsed(text: str) -> None:
    """The parse of a step whose output is read as text only (`StepResult.output`; its value stays None)."""
    return None


@dataclass(frozen=True)
class Reader(Generic[T_co]):
    """How one command's output reads: `parse` (the text -> T; a `ParseError` for anything else) and `frame` (T ->
    the DataFrame a notebook shows; None: none)."""

    parse: Callable[[str], T_co]
    frame: Callable[[T_co], pd.DataFrame] | None = None


@dataclass(frozen=True)
class Step(Generic[T_co]):
    """One declared step; `T_co` is the type of its parsed value (see above)."""

    name: str
    build: Callable[..., str]
    where: Where
    title: str                                   # English, a message id of the catalog (shown with `_(title, lang)`)
    recognise: Callable[[list[str]], Args | None]  # tokens (sudo stripped) -> arguments, or None
    privileged: bool = False                     # root needed: `sudo -n` for a non-root user
    key: tuple[str, ...] = ()                    # the arguments that tell recorded answers apart
    changes: bool = False                        # changes the swarm (create, scale, kill, remove)
    failure_is_data: bool = False                # a failing exit is information (ipvsadm's "Can't initialize")
    timeout: float = 120.0
    typed: bool = True                           # students may type it (the %swarm magic); False: lab plumbing
    defaults: Mapping[str, object] = field(default_factory=dict)
    bound: b.Bound | None = None                 # what a student may type of its arguments (raises `Refused`)
    forms: tuple[str, ...] = ()                  # the step as a student types it (named in a refusal)
    # what the %swarm magic does with this step, declared here rather than decided elsewhere by its name:
    plumbing: re.Pattern[str] | None = None      # output lines that are the lab's own markers: not shown to students
    counted: str | None = None                   # the argument `%swarm -n N` sets; a recording answers a count it did
    #                                              not record with the first N recorded answers (`Lab.requests`)
    exists_is_done: bool = False                 # "already exists" on stderr: created earlier, nothing to do
    stand_in: Callable[[Args, Vocabulary], None] | None = None  # replaces what the lab never runs (an image)
    said: tuple[Said, ...] = ()                  # what swarmlab says when it ran a typed command differently
    # how its output reads, named by every declaration (`unparsed`: text only): a parse function of
    # swarmlab.parsers, whose return type is the step's T, and the frame that shows it
    parse: Callable[[str], T_co] = field(kw_only=True)
    frame: Callable[[T_co], pd.DataFrame] | None = field(default=None, kw_only=True)
    # when the step's arguments change how its output reads (`-f '{{json .Endpoint.Ports}}'`: a fragment, framed
    # as ports): the reader for those arguments
    reads: Callable[[Args], Reader[T_co]] | None = field(default=None, kw_only=True)

    def command(self, **args: object) -> str:
        return self.build(**{**self.defaults, **args})

    def reader(self, args: Args | None = None) -> Reader[T_co]:
        """How this step's output reads, given its arguments (as recognised, or as `Lab.run` was given them)."""
        if self.reads is None or args is None:
            return Reader(self.parse, self.frame)
        return self.reads({**self.defaults, **args})

    def reading(self, command: str) -> Reader[T_co]:
        """How the output of `command`, one of this step's command lines, reads: the step's own grammar gives
        the arguments that decide it (a command it does not recognise reads as the step declares)."""
        if self.reads is None:
            return Reader(self.parse, self.frame)
        tokens = tokens_of(command)
        return self.reader(self.recognise(tokens) if tokens else None)

    def key_of(self, args: Args) -> tuple[str, tuple[tuple[str, str], ...]]:
        merged = {**self.defaults, **args}
        return self.name, tuple((k, str(merged.get(k))) for k in self.key)


# -- recognisers: token lists (after `sudo` is stripped) -> arguments ----------------------------------------------

def _exact(*words: str) -> Callable[[list[str]], Args | None]:
    want = list(words)
    return lambda t: {} if t == want else None


def _flags(tokens: list[str], with_value: frozenset[str] = frozenset()) -> tuple[set[str], dict[str, str], list[str]]:
    """Short flag clusters split (`-nvL` -> n, v, L), long flags kept; `with_value` flags take the next token."""
    short: set[str] = set()
    values: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in with_value and i + 1 < len(tokens):
            values[tok] = tokens[i + 1]
            i += 2
            continue
        if tok.startswith("--"):
            name, eq, value = tok.partition("=")
            if eq:
                values[name] = value
            else:
                short.add(name)
        elif tok.startswith("-") and len(tok) > 1:
            short.update(tok[1:])
        else:
            rest.append(tok)
        i += 1
    return short, values, rest


def _nsenter(tokens: list[str]) -> tuple[str, list[str]] | None:
    """`nsenter --net=/var/run/docker/netns/NS CMD...` -> (NS, CMD tokens)."""
    if len(tokens) < 3 or tokens[0] != "nsenter":
        return None
    arg = tokens[1]
    prefix = "--net=" + c.NETNS_DIR + "/"
    if not arg.startswith(prefix):
        return None
    namespace = arg[len(prefix):]
    if not namespace or "/" in namespace:
        return None
    return namespace, tokens[2:]


def _iptables_listing(tokens: list[str]) -> tuple[str, str | None] | None:
    """`iptables [-t T] -nvL [CHAIN]` in any flag order -> (table, chain); None if it is not a listing."""
    if not tokens or tokens[0] != "iptables":
        return None
    short, values, rest = _flags(tokens[1:], frozenset({"-t", "--table"}))
    if "L" not in short and "--list" not in short:
        return None
    if not short <= {"n", "v", "L", "x", "--list", "--numeric", "--verbose", "--line-numbers"}:
        return None
    if len(rest) > 1:
        return None
    return values.get("-t", values.get("--table", "filter")), (rest[0] if rest else None)


def _in_namespace(inner: Callable[[list[str]], Args | None], *,
                  lb: bool) -> Callable[[list[str]], Args | None]:
    """A command run through nsenter in an lb_ namespace (lb=True) or in ingress_sbox (lb=False)."""
    def recognise(tokens: list[str]) -> Args | None:
        entered = _nsenter(tokens)
        if entered is None:
            return None
        namespace, rest = entered
        if (namespace == "ingress_sbox") == lb:
            return None
        try:
            validate(namespace, "namespace")
        except ValueError:
            return None
        args = inner(rest)
        return None if args is None else {"namespace": namespace, **args}
    return recognise


def _ip_addr(tokens: list[str]) -> Args | None:
    ok = tokens in (["ip", "a"], ["ip", "addr"], ["ip", "address"], ["ip", "a", "show"], ["ip", "addr", "show"])
    return {} if ok else None


def _table(table: str, chain: str | None) -> Callable[[list[str]], Args | None]:
    def recognise(tokens: list[str]) -> Args | None:
        got = _iptables_listing(tokens)
        return {} if got == (table, chain) else None
    return recognise


def _ipvsadm(kind: str) -> Callable[[list[str]], Args | None]:
    """kind: 'list' (-Ln), 'stats' (-Ln --stats), 'conns' (-Lnc)."""
    def recognise(tokens: list[str]) -> Args | None:
        if not tokens or tokens[0] != "ipvsadm":
            return None
        if tokens == ["ipvsadm"] and kind == "list":  # the chapter types it bare: the same listing (run as -Ln)
            return {}
        short, values, rest = _flags(tokens[1:])
        if rest or values or not {"L", "n"} <= short:
            return None
        extra = short - {"L", "n"}
        want = {"list": set(), "stats": {"--stats"}, "conns": {"c"}}[kind]
        return {} if extra == want else None
    return recognise


def _exec(tokens: list[str]) -> tuple[str, list[str]] | None:
    """`docker [container] exec [-it] CONTAINER CMD...` -> (CONTAINER, CMD); `sh -c 'X'` is opened."""
    t = tokens[1:] if tokens[:1] == ["docker"] else None
    if t is None:
        return None
    if t[:1] == ["container"]:
        t = t[1:]
    if t[:1] != ["exec"]:
        return None
    t = t[1:]
    while t and t[0].startswith("-"):
        t = t[1:]
    if len(t) < 2:
        return None
    container, rest = t[0], t[1:]
    if rest[:2] == ["sh", "-c"] and len(rest) == 3:
        rest = shlex.split(rest[2])
    return container, rest


_REQUEST_LOOP = re.compile(r"i=0; while \[ \$i -lt (?P<n>\d+) \]; do i=\$\(\(i\+1\)\); echo swarmlab-request \$i; "
                           r"timeout \d+ wget -qO- http://(?P<target>[\w.-]+)(?P<path>/[\w/.-]*) 2>/dev/null "
                           r"\|\| echo FAIL; done")


def _requests(tokens: list[str]) -> Args | None:
    got = _exec(tokens)
    if got is None:
        return None
    container, rest = got
    if rest[:1] == ["i=0;"]:  # the builder's loop, re-joined
        m = _REQUEST_LOOP.fullmatch(" ".join(rest))
        if m is None:
            return None
        return {"container": container, "target": m["target"], "n": int(m["n"]), "path": m["path"]}
    url = None
    if rest[:2] == ["wget", "-qO-"] and len(rest) == 3:
        url = rest[2]
    elif rest[:1] == ["curl"] and len(rest) in (2, 3) and (len(rest) == 2 or rest[1] == "-s"):
        url = rest[-1]
    if url is None:
        return None
    m = re.fullmatch(r"(?:http://)?(?P<target>[\w.-]+)(?P<path>/[\w/.-]*)?", url)
    if m is None or not _service_name(m["target"]):
        return None
    return {"container": container, "target": m["target"], "n": 1, "path": m["path"] or "/"}


def _service_name(name: str, tasks: bool = False) -> bool:
    """A name the client may reach: a service (or `tasks.<service>`); never an address outside the swarm."""
    if tasks and name.startswith("tasks."):
        name = name[len("tasks."):]
    try:
        validate(name, "service")
    except ValueError:
        return False
    return True


def _ping(tokens: list[str]) -> Args | None:
    got = _exec(tokens)
    if got is None:
        return None
    container, rest = got
    if rest[:1] == ["timeout"] and len(rest) > 2:
        rest = rest[2:]
    if rest[:1] != ["ping"]:
        return None
    short, values, names = _flags(rest[1:], frozenset({"-c"}))
    if short or len(names) != 1 or "-c" not in values or not values["-c"].isdigit():
        return None
    if not _service_name(names[0], tasks=True) or not 1 <= int(values["-c"]) <= 20:
        return None
    return {"container": container, "target": names[0], "count": int(values["-c"])}


def _nslookup(tokens: list[str]) -> Args | None:
    got = _exec(tokens)
    if got is None:
        return None
    container, rest = got
    if rest[:1] != ["nslookup"] or len(rest) not in (2, 3) or (len(rest) == 3 and rest[2] != "127.0.0.11"):
        return None
    return {"container": container, "name": rest[1]} if _service_name(rest[1], tasks=True) else None


_CREATE_VALUE = frozenset({"--name", "--network", "--replicas", "--endpoint-mode", "--publish", "-p", "--label",
                           "--stop-grace-period", "--mode"})


def _service_create(tokens: list[str]) -> Args | None:
    if tokens[:3] != ["docker", "service", "create"]:
        return None
    values: dict[str, str] = {}
    flags: set[str] = set()
    t = tokens[3:]
    while t and t[0].startswith("-"):
        name, eq, value = t[0].partition("=")
        if eq and name in _CREATE_VALUE:
            values[name] = value
            t = t[1:]
        elif name in _CREATE_VALUE and len(t) > 1:
            values[name] = t[1]
            t = t[2:]
        elif name in ("--no-resolve-image", "--detach", "-d"):
            flags.add(name)
            t = t[1:]
        else:
            return None
    if not t or "--name" not in values:
        return None
    args: Args = {"name": values["--name"], "image": t[0], "network": values.get("--network")}
    if t[1:]:
        args["command"] = t[1:]
    if "--replicas" in values:
        if not values["--replicas"].isdigit():
            return None
        args["replicas"] = int(values["--replicas"])
    if "--endpoint-mode" in values:
        args["endpoint_mode"] = values["--endpoint-mode"]
    publish = values.get("--publish", values.get("-p"))
    if publish:
        m = re.fullmatch(r"(?:published=(\d+),target=(\d+)|(\d+):(\d+)|target=(\d+)|(\d+))", publish)
        if m is None:
            return None
        # `target=80` or `80` alone: no published port, swarm assigns one (":80")
        args["publish"] = f"{m[1] or m[3] or ''}:{m[2] or m[4] or m[5] or m[6]}"
    if values.get("--mode", "replicated") != "replicated":  # said by the bound (a lab builds only global)
        args["mode"] = values["--mode"]
    return args


def _network_create(tokens: list[str]) -> Args | None:
    if tokens[:3] != ["docker", "network", "create"]:
        return None
    t, attachable, driver = tokens[3:], False, None
    while t and t[0].startswith("-"):
        if t[0] in ("-d", "--driver") and len(t) > 1:
            driver, t = t[1], t[2:]
        elif t[0] == "--attachable":
            attachable, t = True, t[1:]
        elif t[0] == "--label" and len(t) > 1:
            t = t[2:]
        else:
            return None
    if driver != "overlay" or len(t) != 1:
        return None
    return {"name": t[0], "attachable": attachable}


def _with_name(prefix: list[str], arg: str, options: Mapping[str, tuple[str, Any]] | None = None
               ) -> Callable[[list[str]], Args | None]:
    """`prefix [OPTION...] NAME` -> {arg: NAME, ...}; options map a flag to (argument, value)."""
    def recognise(tokens: list[str]) -> Args | None:
        if tokens[:len(prefix)] != prefix:
            return None
        t, args = tokens[len(prefix):], {}
        while len(t) > 1 and (options or {}).get(t[0]):
            key, value = (options or {})[t[0]]
            args[key] = value
            t = t[1:]
        return {arg: t[0], **args} if len(t) == 1 and not t[0].startswith("-") else None
    return recognise


def _service_inspect(tokens: list[str]) -> Args | None:
    if tokens[:3] != ["docker", "service", "inspect"]:
        return None
    t = tokens[3:]
    fmt = None
    if t[:1] in (["-f"], ["--format"]) and len(t) > 1:
        fmt, t = t[1], t[2:]
    if len(t) != 1:
        return None
    return {"name": t[0], "format": fmt}


def _scale(tokens: list[str]) -> Args | None:
    if tokens[:3] != ["docker", "service", "scale"]:
        return None
    t = [x for x in tokens[3:] if x not in ("--detach=false", "-d=false")]
    if len(t) != 1:
        return None
    m = re.fullmatch(r"([\w.-]+)=(\d+)", t[0])
    return {"name": m[1], "replicas": int(m[2])} if m else None


def _container_ls(tokens: list[str]) -> Args | None:
    if tokens in (["docker", "container", "ls"], ["docker", "ps"]):
        return {"service": None}
    m = re.fullmatch(r"docker container ls --filter label=com\.docker\.swarm\.service\.name=([\w.-]+)",
                     " ".join(tokens))
    return {"service": m[1]} if m else None


def _container_of(tokens: list[str]) -> Args | None:
    m = re.fullmatch(r"docker container ls -q --filter label=com\.docker\.swarm\.service\.name=([\w.-]+) \| head "
                     r"-n 1", " ".join(tokens))
    return {"service": m[1]} if m else None


def _kill(tokens: list[str]) -> Args | None:
    t = tokens[1:] if tokens[:1] == ["docker"] else []
    if t[:1] == ["container"]:
        t = t[1:]
    if len(t) == 2 and t[0] == "kill" and re.fullmatch(r"[0-9a-f]{4,64}", t[1]):
        return {"container": t[1]}
    return None


def _netns_ls(tokens: list[str]) -> Args | None:
    return {} if tokens in (["ls", c.NETNS_DIR], ["ls", c.NETNS_DIR + "/"]) else None


def _mesh_request(tokens: list[str]) -> Args | None:
    url = tokens[-1] if tokens[:2] == ["wget", "-qO-"] and len(tokens) == 3 else \
        tokens[-1] if tokens[:1] == ["curl"] and len(tokens) in (2, 3) and tokens[1:-1] in ([], ["-s"]) else None
    m = re.fullmatch(r"(?:http://)?127\.0\.0\.1:(\d+)/?", url or "")
    return {"port": int(m[1])} if m else None


def _host_nat(tokens: list[str]) -> Args | None:
    return {} if _iptables_listing(tokens) == ("nat", "DOCKER-INGRESS") else None


def _listening(tokens: list[str]) -> Args | None:
    """`ss -ltnp` in any flag order (listening, TCP, numeric, processes)."""
    if tokens[:1] != ["ss"]:
        return None
    short, values, rest = _flags(tokens[1:])
    return {} if short == set("ltnp") and not values and not rest else None


def _versions(tokens: list[str]) -> Args | None:
    if tokens == ["docker", "version", "--format", "{{.Server.Version}}"]:
        return {"which": "docker"}
    return {"which": "kernel"} if tokens == ["uname", "-r"] else None


def _lab_list(tokens: list[str]) -> Args | None:
    m = re.fullmatch(r"docker (service|network) ls -q --filter label=" + re.escape(c.LAB_LABEL), " ".join(tokens))
    return {"what": m[1]} if m else None


def _lab_rm(tokens: list[str]) -> Args | None:
    m = re.fullmatch(r"docker (service|network) rm ([\w.-]+)", " ".join(tokens))
    return {"what": m[1], "id": m[2]} if m else None


def _ipvs_all(tokens: list[str]) -> Args | None:
    joined = " ".join(tokens)
    for stats in (True, False):
        if joined == " ".join(shlex.split(c.ipvsadm_all_lb(stats))):
            return {"stats": stats}
    return None


def _sandbox_of(tokens: list[str]) -> Args | None:
    if len(tokens) == 5 and tokens[:4] == ["docker", "inspect", "-f", "{{.NetworkSettings.SandboxKey}}"]:
        return {"container": tokens[4]}
    return None


_CAPTURE = re.compile(r"swarmlab-capture-([a-z0-9][a-z0-9-]*)")


def _capture(kind: str) -> Callable[[list[str]], Args | None]:
    """The lab's own capture commands (`sh -c` scripts, never typed): start -> its capture id and where it
    listens; stop -> its capture id and the PID it stops."""
    def recognise(tokens: list[str]) -> Args | None:
        if len(tokens) != 3 or tokens[:2] != ["sh", "-c"]:
            return None
        script = tokens[2]
        found = _CAPTURE.search(script)
        if found is None:
            return None
        if kind == "start" and "tcpdump -i any" in script:
            ns = re.search(r"nsenter --net=" + re.escape(c.NETNS_DIR) + r"/(\S+) ", script)
            bpf = re.search(r"-c \d+ (.+?) >/tmp/", script)
            return {"capture": found[1], "namespace": ns[1] if ns else None,
                    "bpf": shlex.split(bpf[1])[0] if bpf else ""}
        stop = re.match(r"kill -INT (\d+) ", script)
        if kind == "stop" and stop:
            return {"capture": found[1], "pid": int(stop[1])}
        return None
    return recognise


_NS = "namespace"
# the request loop's per-request marker lines (`echo swarmlab-request $i`): lab plumbing, cut from what students see
_REQUEST_MARKERS = re.compile(r"(?m)^swarmlab-request \d+\n")


def _no_curl(tokens: list[str], args: Args) -> Msg | None:
    """A typed `curl` ran as busybox wget (the client image has no curl): said."""
    if "curl" not in tokens:
        return None
    target = f"{args.get('target', 'web')}{str(args.get('path', '/')).rstrip('/')}"
    return Msg(N_("the client image has no curl: swarmlab sent the same GET with busybox wget (`wget -qO- "
                  "http://{target}`): the answer shown is wget's"), target=target)


def _lab_image(args: Args, vocab: Vocabulary) -> None:
    """The chapter's image (`containous/whoami`) is never pulled: the lab's look-alike runs in its place."""
    if str(args.get("image")) in b.CHAPTER_IMAGES:
        args["image"] = vocab.images[b.CHAPTER_IMAGES[str(args["image"])]]


def _image_said(tokens: list[str], args: Args) -> Msg | None:
    typed = next((x for x in tokens if x == args.get("image") or x in b.CHAPTER_IMAGES), None)
    if typed is None or typed == args.get("image"):
        return None
    return Msg(N_("the chapter's {typed} is never pulled here: the lab's look-alike {image} ran"), typed=typed,
               image=str(args.get("image")))


def _inspected(args: Args) -> Reader[list[ServiceInfo]]:
    """`docker service inspect -f '{{json .Endpoint...}}'` prints a fragment (`null`: none of it), read as the format
    names it; `.Endpoint.Ports` is framed as the published ports, not the VIPs."""
    fmt = args.get("format")
    return Reader(service_inspect.parser_for(fmt), service_inspect.frame_for(fmt))


NETWORK_LS: Step[list[Network]] = Step(
    "network_ls", lambda: c.network_ls(), Where.MANAGER, N_("the networks"),
    _exact("docker", "network", "ls"), parse=network_ls.parse, frame=network_ls.frame,
    forms=('docker network ls',))
NETWORK_CREATE: Step[None] = Step(
    "network_create", lambda name, attachable=True: c.network_create(name, attachable), Where.MANAGER,
    N_("create the overlay network"), _network_create, key=("name",), changes=True,
    bound=b.network(), forms=('docker network create -d overlay --attachable mynet',), parse=unparsed)
NETWORK_INSPECT: Step[list[NetworkInfo]] = Step(
    "network_inspect", lambda name, verbose=False: c.network_inspect(name, verbose), Where.NODE,
    N_("inspect the network"),
    _with_name(["docker", "network", "inspect"], "name",
               {"-v": ("verbose", True), "--verbose": ("verbose", True)}),
    parse=network_inspect.parse, frame=network_inspect.endpoints_frame, key=("name", "verbose"),
    defaults={"verbose": False},
    bound=b.network(also=("ingress",)), forms=('docker network inspect [-v] mynet',))
NODE_LS: Step[list[SwarmNode]] = Step(
    "node_ls", lambda: c.node_ls(), Where.MANAGER, N_("the swarm's nodes"),
    _exact("docker", "node", "ls"), parse=node_ls.parse, frame=node_ls.frame,
    forms=('docker node ls',))
SERVICE_LS: Step[list[Service]] = Step(
    "service_ls", lambda: c.service_ls(), Where.MANAGER, N_("the services"),
    _exact("docker", "service", "ls"), parse=service_ls.parse, frame=service_ls.frame,
    forms=('docker service ls',))
SERVICE_CREATE: Step[ServiceChange] = Step(
    "service_create", lambda **a: c.service_create(**a), Where.MANAGER, N_("create a service"),
    _service_create, key=("name", "replicas"), changes=True, timeout=300, parse=docker_cli.parse_service_change,
    defaults={"replicas": 1}, exists_is_done=True, stand_in=_lab_image, said=(_image_said,),
    bound=b.service_create, forms=tuple(shape.typed(name) for name, shape in b.SHAPES.items()))
SERVICE_PS: Step[list[Task]] = Step(
    "service_ps", lambda name, no_trunc=False: c.service_ps(name, no_trunc), Where.MANAGER,
    N_("a service's tasks"),
    _with_name(["docker", "service", "ps"], "name", {"--no-trunc": ("no_trunc", True)}),
    parse=service_ps.parse, frame=service_ps.frame, key=("name",),
    bound=b.service("name"), forms=('docker service ps SERVICE',))
SERVICE_INSPECT: Step[list[ServiceInfo]] = Step(
    "service_inspect", lambda name, format=None: c.service_inspect(name, format), Where.MANAGER,
    N_("inspect a service"), _service_inspect,
    parse=service_inspect.parse, frame=service_inspect.vips_frame, reads=_inspected, key=("name", "format"),
    defaults={"format": None},
    bound=b.service_inspect, forms=("docker service inspect [-f '{{json .Endpoint.VirtualIPs}}'] SERVICE",))
SCALE: Step[ServiceChange] = Step(
    "scale", lambda name, replicas: c.service_scale(name, replicas), Where.MANAGER,
    N_("scale a service"), _scale, parse=docker_cli.parse_service_change, key=("name", "replicas"), changes=True,
    timeout=300,
    bound=b.scale, forms=('docker service scale web=N   (N = 1-3)',))
CONTAINER_LS: Step[list[Container]] = Step(
    "container_ls", lambda service=None: c.container_ls(service), Where.NODE,
    N_("the containers on a node"), _container_ls, parse=container_ls.parse, frame=container_ls.frame, key=("service",),
    defaults={"service": None},
    bound=b.service("service", optional=True), forms=('docker container ls',))
CONTAINER_OF: Step[None] = Step(
    "container_of", lambda service: c.container_of(service), Where.NODE,
    N_("a service's container on this node"), _container_of, key=("service",),
    typed=False, parse=unparsed)
REQUESTS: Step[list[Answer]] = Step(
    "requests", lambda container, target="web", n=1, path="/": c.requests(container, target, n, path=path),
    Where.CLIENT, N_("requests from the client"), _requests, parse=whoami.parse, frame=whoami.frame,
    key=("target", "n"), failure_is_data=True, defaults={"target": "web", "n": 1, "path": "/"},
    plumbing=_REQUEST_MARKERS, counted="n", said=(_no_curl,),
    bound=b.requests,
    forms=("docker exec $client wget -qO- http://SERVICE   (%swarm -n N: N = 1-100)",))
PING: Step[PingResult] = Step(
    "ping", lambda container, target="web", count=2: c.ping(container, target, count), Where.CLIENT,
    N_("ping a service name"), _ping, parse=ping.parse, frame=ping.frame, key=("target", "count"),
    failure_is_data=True, defaults={"target": "web", "count": 2},
    bound=b.ping, forms=('docker exec $client ping -c N SERVICE   (N = 1-5)',))
NSLOOKUP: Step[Lookup] = Step(
    "nslookup", lambda container, name="web": c.nslookup(container, name), Where.CLIENT,
    N_("ask Docker's DNS"), _nslookup, parse=nslookup.parse, frame=nslookup.frame, key=("name",),
    failure_is_data=True, defaults={"name": "web"},
    bound=b.service("name", tasks=True), forms=('docker exec $client nslookup [tasks.]SERVICE',))
NETNS_LS: Step[list[NetnsEntry]] = Step(
    "netns_ls", lambda: c.netns_ls(), Where.NODE, N_("the network namespaces"), _netns_ls,
    parse=netns_ls.parse, frame=netns_ls.frame, privileged=True,
    forms=('sudo ls /var/run/docker/netns',))
LB_IP_A: Step[list[Interface]] = Step(
    "lb_ip_a", lambda namespace: c.ip_addr(namespace), Where.CLIENT,
    N_("addresses in the lb namespace"), _in_namespace(_ip_addr, lb=True),
    parse=ip_addr.parse, frame=ip_addr.frame, privileged=True, key=(_NS,),
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb ip addr',))
LB_MANGLE: Step[Ruleset] = Step(
    "lb_mangle", lambda namespace: c.iptables_mangle(namespace), Where.CLIENT,
    N_("the marking rules"), _in_namespace(_table("mangle", None), lb=True),
    parse=iptables.parser_for("mangle"), frame=iptables.rules_frame, privileged=True, key=(_NS,), failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb iptables -nvL -t mangle',))
LB_NAT: Step[Ruleset] = Step(
    "lb_nat", lambda namespace: c.iptables_nat(namespace, "POSTROUTING"), Where.CLIENT,
    N_("the SNAT rule"), _in_namespace(_table("nat", "POSTROUTING"), lb=True),
    parse=iptables.parser_for("nat"), frame=iptables.rules_frame, privileged=True, key=(_NS,), failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb iptables -t nat -nvL POSTROUTING',))
LB_IPVS: Step[IPVSTable] = Step(
    "lb_ipvs", lambda namespace: c.ipvsadm(namespace), Where.CLIENT, N_("the IPVS table"),
    _in_namespace(_ipvsadm("list"), lb=True), parse=ipvsadm.parse, frame=ipvsadm.frame, privileged=True, key=(_NS,),
    failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln',))
LB_IPVS_STATS: Step[IPVSTable] = Step(
    "lb_ipvs_stats", lambda namespace: c.ipvsadm(namespace, stats=True), Where.CLIENT,
    N_("IPVS counters"), _in_namespace(_ipvsadm("stats"), lb=True), parse=ipvsadm.parse, frame=ipvsadm.frame,
    privileged=True, key=(_NS,), failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln --stats',))
LB_IPVS_CONNS: Step[list[Connection]] = Step(
    "lb_ipvs_conns", lambda namespace: c.ipvsadm_connections(namespace), Where.CLIENT,
    N_("IPVS connections"), _in_namespace(_ipvsadm("conns"), lb=True),
    parse=ipvs_connections.parse, frame=ipvs_connections.frame, privileged=True, key=(_NS,), failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Lnc',))
IPVS_ALL: Step[dict[str, IPVSTable]] = Step(
    "ipvs_all", lambda stats=True: c.ipvsadm_all_lb(stats), Where.NODE,
    N_("every lb namespace's IPVS table"), _ipvs_all,
    parse=ipvsadm.parse_per_namespace, privileged=True, key=("stats",), failure_is_data=True, typed=False,
    defaults={"stats": True})
INGRESS_MANGLE: Step[Ruleset] = Step(
    "ingress_mangle", lambda namespace="ingress_sbox": c.iptables_mangle(namespace), Where.NODE,
    N_("the routing mesh's marks"), _in_namespace(_table("mangle", None), lb=False),
    parse=iptables.parser_for("mangle"), frame=iptables.rules_frame, privileged=True, failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/ingress_sbox iptables -nvL -t mangle',))
INGRESS_IPVS: Step[IPVSTable] = Step(
    "ingress_ipvs", lambda namespace="ingress_sbox": c.ipvsadm(namespace), Where.NODE,
    N_("the routing mesh's IPVS table"), _in_namespace(_ipvsadm("list"), lb=False),
    parse=ipvsadm.parse, frame=ipvsadm.frame, privileged=True, failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/ingress_sbox ipvsadm -Ln',))
HOST_INGRESS_NAT: Step[Ruleset] = Step(
    "host_ingress_nat", lambda: c.host_ingress_nat(), Where.NODE,
    N_("the host's DOCKER-INGRESS rules"), _host_nat, parse=iptables.parser_for("nat"), frame=iptables.rules_frame,
    privileged=True, failure_is_data=True,
    forms=('sudo iptables -t nat -nvL DOCKER-INGRESS',))
MESH_REQUEST: Step[list[Answer]] = Step(
    "mesh_request", lambda port: c.mesh_request(port), Where.NODE,
    N_("a request to the published port"), _mesh_request, parse=whoami.parse, frame=whoami.frame, key=("port",),
    failure_is_data=True,
    bound=b.mesh_request, forms=('wget -qO- http://127.0.0.1:8080',))
LISTENING: Step[list[Socket]] = Step(
    "listening", lambda: c.listening_sockets(), Where.NODE, N_("the node's listening sockets"),
    _listening, parse=ss.parse, frame=ss.frame, privileged=True, forms=('sudo ss -ltnp',))
KILL_TASK: Step[None] = Step(
    "kill_task", lambda container: c.kill(container), Where.TASK,
    N_("kill a task's container"), _kill, key=("container",), changes=True,
    bound=b.container, forms=('docker kill $victim_id',), parse=unparsed)
RESET_LIST: Step[None] = Step(
    "reset_list", lambda what: c.lab_objects(what), Where.MANAGER, N_("what the lab created"),
    _lab_list, key=("what",), typed=False, parse=unparsed)
RESET: Step[None] = Step(
    "reset", lambda what, id: c.lab_remove(what, id), Where.MANAGER, N_("remove it"), _lab_rm,
    key=("what", "id"), changes=True, typed=False, failure_is_data=True, parse=unparsed)
VERSIONS: Step[None] = Step(
    "versions", lambda which: c.versions()[which], Where.MANAGER, N_("versions"), _versions,
    typed=False, parse=unparsed)
SANDBOX_OF: Step[None] = Step(
    "sandbox_of", lambda container: c.sandbox_of(container), Where.NODE,
    N_("a container's network namespace"), _sandbox_of, key=("container",),
    bound=b.container, forms=("docker inspect -f '{{.NetworkSettings.SandboxKey}}' CONTAINER",), parse=unparsed)
CAPTURE_START: Step[None] = Step(
    "capture_start", lambda **a: c.capture_start(**a), Where.NODE, N_("start a capture"),
    _capture("start"), privileged=True, key=("capture", "bpf"), typed=False, timeout=30, failure_is_data=True,
    parse=unparsed)
CAPTURE_STOP: Step[list[Packet]] = Step(
    "capture_stop", lambda capture, pid: c.capture_stop(capture, pid), Where.NODE,
    N_("the packets a capture saw"), _capture("stop"), parse=tcpdump.parse, frame=tcpdump.frame, privileged=True,
    key=("capture",), typed=False, failure_is_data=True, timeout=30)
LB_CONNTRACK: Step[list[ConntrackEntry]] = Step(
    "lb_conntrack", lambda namespace: c.conntrack(namespace), Where.CLIENT,
    N_("connection tracking in the lb namespace"),
    _in_namespace(_exact("conntrack", "-L"), lb=True), parse=conntrack.parse, frame=conntrack.frame,
    privileged=True, key=(_NS,),
    failure_is_data=True,
    forms=('sudo nsenter --net=/var/run/docker/netns/$lb conntrack -L',))
CAPTURES_RUNNING: Step[None] = Step(
    "captures_running", lambda: c.captures_running(), Where.NODE, N_("captures still running"),
    _exact("pgrep", "-a", "tcpdump", "||", "true"), typed=False, parse=unparsed)

# every step declared above, in declaration order: the module's `Step` constants (no second list to forget one in)
STEPS: dict[str, Step[object]] = {}
for _step in [v for v in list(globals().values()) if isinstance(v, Step)]:
    if _step.name in STEPS:
        raise RuntimeError(f"step {_step.name!r} declared twice")
    STEPS[_step.name] = _step


def tokens_of(command: str) -> list[str] | None:
    """A command line as tokens, with a leading `sudo` (and `-n`) removed; None if it cannot be split."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        return None
    if tokens[:1] == ["sudo"]:
        tokens = tokens[1:]
        if tokens[:1] == ["-n"]:
            tokens = tokens[1:]
    return tokens


def recognise(command: str, *, typed_only: bool = False) -> tuple[Step[object], Args] | None:
    """The step a command line belongs to, and its arguments; None when no declared step reads it. `typed_only`:
    only what a student may type, within the steps' bounds (`admit` says why not)."""
    if typed_only:
        try:
            return admit(command)
        except Refused:
            return None
    return _recognised(command, typed_only=False)


def _recognised(command: str, *, typed_only: bool) -> tuple[Step[object], Args] | None:
    tokens = tokens_of(command)
    if not tokens:
        return None
    found = []
    for step in STEPS.values():
        if typed_only and not step.typed:
            continue
        args = step.recognise(tokens)
        if args is None:
            continue
        try:
            step.command(**args)  # every name validated by the builder, as it would be when run
        except (ValueError, TypeError):
            continue
        found.append((step, args))
    if len(found) > 1:
        raise RuntimeError(f"{command!r} is recognised by several steps: {', '.join(s.name for s, _ in found)}")
    return found[0] if found else None


@functools.lru_cache(maxsize=8192)
def key_of(command: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The replay key of a command: its step and the step's key arguments (None: no step recognises it). Cached:
    a recording repeats its commands (a 100 MB one holds each ~360 times)."""
    got = recognise(command)
    return None if got is None else got[0].key_of(got[1])


def transcript_answers(recorded: str, asked: tuple[str, tuple[tuple[str, str], ...]]) -> bool:
    """Does a transcript's command, typed inside a shell the chapter opened (`curl web` in the client's shell,
    `ipvsadm` in an lb namespace's), answer the step and key arguments `asked`? Read with the shell's prefix put
    back; a command no step reads that way answers nothing (a replay never answers with another question's)."""
    args = dict(asked[1])
    prefixes = ["", "docker exec swarmlab-transcript "]
    if args.get("namespace"):
        prefixes.append(f"nsenter --net={c.NETNS_DIR}/{args['namespace']} ")
    return any(key_of(prefix + recorded) == asked for prefix in prefixes)


_SHELLS = frozenset({"sh", "bash", "ash", "/bin/sh", "/bin/bash"})


def forms(command: str = "") -> list[str]:
    """The typed forms a refusal names: those of the steps whose first words `command` shares (`docker service
    create` -> the four services' creations), else every typed step's."""
    tokens = tokens_of(command) or []
    every = [f for step in STEPS.values() if step.typed for f in step.forms]
    for n in (3, 2):
        head = " ".join(tokens[:n])
        near = [f for f in every if len(tokens) >= n and f.removeprefix("sudo ").startswith(head + " ")]
        if near:
            return near
    return every


def admit(command: str, vocab: Vocabulary = b.DEFAULT) -> tuple[Step[object], Args]:
    """The step a student's command belongs to and its arguments, within that step's bounds; `Refused` (saying
    why, in both course languages, with the allowed typed forms) otherwise."""
    tokens = tokens_of(command)
    if tokens is None:  # shlex could not split it (the magic's fuzz found this said as "no command")
        raise Refused(Msg(N_("an unclosed quote or a trailing backslash in {command}: close the quote (or leave "
                             "the quotes out)"), command=repr(command)), forms(command.replace("'", " ")))
    if not tokens:
        raise Refused(Msg(N_("no command")), forms())
    got = _exec(tokens) if tokens[:1] == ["docker"] else _nsenter(tokens)
    if got is not None and got[1][:1] and got[1][0] in _SHELLS and len(got[1]) == 1:
        raise Refused(Msg(N_(
            "an interactive shell needs a terminal, which a notebook cell is not: type each command the chapter "
            "types in that shell after the same prefix (`curl web` in the client's shell is "
            "`docker exec $client wget -qO- http://web` here, `ipvsadm` in the lb namespace's is "
            "`sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln`)")),
            forms("docker exec") + forms("sudo nsenter x"))
    found = _recognised(command, typed_only=True)
    if found is None and tokens[0] in ("curl", "wget") and not any("127.0.0.1" in t for t in tokens):
        raise Refused(Msg(N_("a request to a service goes from the client's container, where the name resolves")),
                      forms("docker exec"))
    if found is None:
        raise Refused(Msg(N_("this is not one of the course's commands")), forms(command))
    step, args = found
    if step.bound is not None:
        try:
            step.bound(args, vocab)
        except Refused as exc:
            exc.allowed = exc.allowed or list(step.forms)  # a bound may name the allowed commands itself
            raise
    if step.stand_in is not None:  # e.g. the chapter's image: the lab's look-alike runs
        step.stand_in(args, vocab)
    return step, args
