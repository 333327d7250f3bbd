"""The bounds of what a student may type: the lab's images, its overlay network, the lessons' services in the
shapes the lessons create them, and counts no larger than the lessons need.

A step's recogniser reads a command line into arguments (any arguments: a replay must still key a recorded
`docker service scale web=5`); a step's *bound* then decides whether a student may type those arguments. The
`%swarm` magic admits a command only when both agree (`swarmlab.commands.steps.admit`), and its refusal names the
commands that are allowed, as they are typed.

A refusal is a `Msg` of the course's gettext catalog (swarmlab.i18n: the English is the message id, its Chinese in
swarmlab/locale/zh_CN/LC_MESSAGES/swarmlab.po), so it is said in the notebook's language.

The numbers are the lessons' own (tests/test_vocabulary.py reads every `%swarm` line of lessons/*/*.md and fails
when a lesson needs more, or when a bound is larger than any lesson needs):
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from swarmlab.commands.chapter import LAB_IMAGES, publish_option
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import N_, Joined, Msg

MAX_REPLICAS = 3        # lesson 06: `docker service scale web=3`
MAX_REQUESTS = 100      # `-n N` and a typed request loop: lessons send at most 20 at a time, a self-check 100
MAX_PING = 5            # lessons: `ping -c 2`
PUBLISHED = (8080,)     # lesson 08: `--publish published=8080,target=80`
ASSIGNED = (30000, 32767)  # lesson 11: `--publish target=80`, swarm assigns a port from this range (swarmkit)
VIP_FORMAT = "{{json .Endpoint.VirtualIPs}}"  # the `docker service inspect -f` formats the lessons type
FORMATS = (VIP_FORMAT, "{{json .Endpoint.Ports}}")
# the chapter's images -> the lab's role that stands in for them (the lab never pulls: its look-alikes run)
CHAPTER_IMAGES = {"containous/whoami": "web", "containous/whoami:latest": "web",
                  "xiaopeng163/net-box": "client", "xiaopeng163/net-box:latest": "client"}


@dataclass(frozen=True)
class Shape:
    """How a lesson creates one service: its image (a role of `Vocabulary.images`), whether it joins the overlay,
    its replicas (lowest, highest), endpoint mode and published port. Anything else is refused."""

    role: str
    overlay: bool = True
    replicas: tuple[int, int] = (1, MAX_REPLICAS)
    endpoint_mode: str | None = None
    publish: str | None = None

    def typed(self, name: str) -> str:
        parts = ["docker service create", f"--name {name}"]
        if self.overlay:
            parts.append("--network mynet")
        low, high = self.replicas
        if high > 1:
            parts.append(f"--replicas {low if low == high else 'N'}")
        if self.endpoint_mode:
            parts.append(f"--endpoint-mode {self.endpoint_mode}")
        if self.publish:
            parts.append(publish_option(self.publish))
        parts.append(f"${self.role}_image")
        bound = f"   (N = {low}-{high})" if high > 1 and low != high else ""
        return " ".join(parts) + bound


# the services the lessons create, each in the one shape its lesson types (01, 07, 08)
SHAPES: Mapping[str, Shape] = {
    "web": Shape("web"),
    "client": Shape("client", replicas=(1, 1)),
    "webrr": Shape("web", endpoint_mode="dnsrr"),
    "webpub": Shape("web", overlay=False, replicas=(2, 2), publish="8080:80"),
    "webauto": Shape("web", overlay=False, replicas=(1, 1), publish=":80"),
}


@dataclass(frozen=True)
class Vocabulary:
    """What the lab holds: its images by role, its overlay networks (a lab may be configured with others), the
    lessons' services, and `containers`: asked only when a command names a container (`docker kill`), the ids of
    the containers of those services on the node the command runs on, as the swarm (or the recording) reports
    them. Without a lab to ask (the default), no container may be named."""

    images: Mapping[str, str] = field(default_factory=lambda: dict(LAB_IMAGES))
    networks: tuple[str, ...] = ("mynet",)
    services: tuple[str, ...] = tuple(SHAPES)
    containers: Callable[[], Collection[str]] = field(default=lambda: ())


DEFAULT = Vocabulary()


class Refused(SwarmlabError):
    """A typed command outside the course's vocabulary: why (a `Msg`: English, rendered in the notebook's language),
    and the commands allowed instead, as typed."""

    def __init__(self, why: Msg, allowed: list[str] | None = None) -> None:
        super().__init__(why)  # a Msg: str(exc) is the English, i18n.rendered(exc, lang) the reader's language
        self.why = why
        self.allowed = list(allowed or [])

    def said(self, lang: str) -> str:
        return self.why.render(lang)


Bound = Callable[[Mapping[str, Any], Vocabulary], None]  # raises `Refused`


def one_of(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def _count(what: str | Msg, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise Refused(Msg(N_("{what} {value}: from {low} to {high} here (what the lessons need)"),
                          what=what, value=value, low=low, high=high))


def _service(name: object, vocab: Vocabulary, tasks: bool = False) -> None:
    base = str(name)
    if tasks and base.startswith("tasks."):
        base = base[len("tasks."):]
    if base not in vocab.services:
        raise Refused(Msg(N_("{name} is not one of the lessons' services ({allowed})"),
                          name=repr(name), allowed=one_of(vocab.services)))


def service(arg: str, *, tasks: bool = False, optional: bool = False) -> Bound:
    """The argument `arg` names one of the lessons' services (`tasks.<service>` too when `tasks`)."""
    def bound(args: Mapping[str, Any], vocab: Vocabulary) -> None:
        if optional and args.get(arg) is None:
            return
        _service(args.get(arg), vocab, tasks)
    return bound


def network(*, also: tuple[str, ...] = ()) -> Bound:
    """The argument `name` is the lab's overlay network (or one of `also`: `ingress` may be looked at)."""
    def bound(args: Mapping[str, Any], vocab: Vocabulary) -> None:
        allowed = (*vocab.networks, *also)
        if args.get("name") not in allowed:
            raise Refused(Msg(N_("network {name}: only {allowed} here"), name=repr(args.get("name")),
                              allowed=one_of(allowed)))
    return bound


def all_of(*bounds: Bound) -> Bound:
    def bound(args: Mapping[str, Any], vocab: Vocabulary) -> None:
        for b in bounds:
            b(args, vocab)
    return bound


def service_create(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    """A service the lessons create, in its lesson's shape (`SHAPES`): image, network, replicas, endpoint mode,
    published port; never a global mode, the host network or a command of one's own."""
    name = str(args.get("name"))
    _service(name, vocab)
    shape = SHAPES[name]
    if args.get("command"):
        raise Refused(Msg(N_("a command after the image ({command}): the lab's images run their own"),
                          command=repr(" ".join(args["command"]))))
    if args.get("mode") is not None:
        raise Refused(Msg(N_("--mode {mode}: the lessons' services are replicated"), mode=args["mode"]))
    image = vocab.images.get(shape.role)
    if args.get("image") != image and CHAPTER_IMAGES.get(str(args.get("image"))) != shape.role:
        raise Refused(Msg(N_("image {image}: {name} runs the lab's image {lab_image} (${role}_image)"),
                          image=repr(args.get("image")), name=name, lab_image=image, role=shape.role))
    net = args.get("network")
    if shape.overlay and net not in vocab.networks:
        raise Refused(Msg(N_("--network {network}: {name} joins the lab's overlay network ({allowed})"),
                          network=net, name=name, allowed=one_of(vocab.networks)))
    if not shape.overlay and net is not None:
        raise Refused(Msg(N_("--network {network}: {name} joins no network of its own (lesson 08)"),
                          network=net, name=name))
    _count("--replicas", args.get("replicas", 1), *shape.replicas)
    if args.get("endpoint_mode") not in (shape.endpoint_mode, None if shape.endpoint_mode else "vip"):
        raise Refused(Msg(N_("--endpoint-mode {mode}: {name} uses {allowed}"), mode=args.get("endpoint_mode"),
                          name=name, allowed=shape.endpoint_mode or Msg(N_("vip (the default)"))))
    if args.get("publish") != shape.publish:
        said = f"--publish {args.get('publish')}" if args.get("publish") else Msg(N_("no --publish"))
        allowed = Joined([f"{n} {publish_option(s.publish)}" for n, s in SHAPES.items() if s.publish])
        raise Refused(Msg(N_("{said}: only these services publish a port, each its own way: {allowed}"),
                          said=said, allowed=allowed))


def scale(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    name = str(args.get("name"))
    _service(name, vocab)
    low, high = SHAPES[name].replicas
    if low == high:
        raise Refused(Msg(N_("{name} keeps {low} replica(s) in the lessons: scale web (1 to {high})"),
                          name=name, low=low, high=MAX_REPLICAS))
    _count(Msg(N_("replicas")), args.get("replicas"), 1, high)


MAX_PATH = 64  # characters of a typed URL path


def requests(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("target"), vocab)
    _count(Msg(N_("requests")), args.get("n", 1), 1, MAX_REQUESTS)
    if len(str(args.get("path", "/"))) > MAX_PATH:
        raise Refused(Msg(N_("a URL path longer than {n} characters"), n=MAX_PATH))


def ping(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("target"), vocab, tasks=True)
    _count("ping -c", args.get("count"), 1, MAX_PING)


def service_inspect(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("name"), vocab)
    if args.get("format") not in (None, *FORMATS):
        raise Refused(Msg(N_("-f {format}: the lessons read -f '{allowed}' (or no -f)"),
                          format=repr(args.get("format")), allowed="' or -f '".join(FORMATS)))


def mesh_request(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    port = args.get("port")
    if port not in PUBLISHED and not (isinstance(port, int) and ASSIGNED[0] <= port <= ASSIGNED[1]):
        raise Refused(Msg(N_("port {port}: the published port is {allowed} (lesson 08) or one swarm assigned, "
                             "{low}-{high}"), port=port, allowed=one_of(PUBLISHED), low=ASSIGNED[0],
                          high=ASSIGNED[1]))


def container(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    """The argument `container` is (a prefix of, or the full id of) a container of the lessons' services on the
    node, as the swarm reports them (`Vocabulary.containers`); the refusal lists those, as typed commands."""
    typed = str(args.get("container"))
    owned = sorted(vocab.containers())
    # a prefix as long as the id `docker container ls` prints (12), or the full id: never one that could also
    # name another container
    if not any((x.startswith(typed) and len(typed) >= 12) or typed.startswith(x) for x in owned):
        raise Refused(Msg(N_("container {container}: not a container of the lessons' services ({services}) on "
                             "this node; list them with docker container ls"),
                          container=typed, services=one_of(vocab.services)),
                      [f"docker kill {x}" for x in owned])
