"""The bounds of what a student may type: the lab's images, its overlay network, the lessons' services in the
shapes the lessons create them, and counts no larger than the lessons need.

A step's recogniser reads a command line into arguments (any arguments: a replay must still key a recorded
`docker service scale web=5`); a step's *bound* then decides whether a student may type those arguments. The
`%swarm` magic admits a command only when both agree (`swarmlab.commands.steps.admit`), and its refusal names the
commands that are allowed, as they are typed.

The numbers are the lessons' own (tests/test_vocabulary.py reads every `%swarm` line of lessons/*/*.md and fails
when a lesson needs more, or when a bound is larger than any lesson needs):
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from swarmlab.commands.chapter import LAB_IMAGES
from swarmlab.errors import SwarmlabError

MAX_REPLICAS = 3        # lesson 06: `docker service scale web=3`
MAX_REQUESTS = 100      # `-n N` and a typed request loop: lessons send at most 20 at a time, a self-check 100
MAX_PING = 5            # lessons: `ping -c 2`
PUBLISHED = (8080,)     # lesson 08: `--publish published=8080,target=80`
VIP_FORMAT = "{{json .Endpoint.VirtualIPs}}"  # the one `docker service inspect -f` format the lessons type
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
            published, _, target = self.publish.partition(":")
            parts.append(f"--publish published={published},target={target}")
        parts.append(f"${self.role}_image")
        bound = f"   (N = {low}-{high})" if high > 1 and low != high else ""
        return " ".join(parts) + bound


# the services the lessons create, each in the one shape its lesson types (01, 07, 08)
SHAPES: Mapping[str, Shape] = {
    "web": Shape("web"),
    "client": Shape("client", replicas=(1, 1)),
    "webrr": Shape("web", endpoint_mode="dnsrr"),
    "webpub": Shape("web", overlay=False, replicas=(2, 2), publish="8080:80"),
}


@dataclass(frozen=True)
class Vocabulary:
    """What the lab holds: its images by role and its overlay networks (a lab may be configured with others)."""

    images: Mapping[str, str] = field(default_factory=lambda: dict(LAB_IMAGES))
    networks: tuple[str, ...] = ("mynet",)
    services: tuple[str, ...] = tuple(SHAPES)


DEFAULT = Vocabulary()


class Refused(SwarmlabError):
    """A typed command outside the course's vocabulary: why (en, zh), and the commands allowed instead."""

    def __init__(self, en: str, zh: str, allowed: list[str] | None = None) -> None:
        super().__init__(en)
        self.reason = {"en": en, "zh": zh}
        self.allowed = list(allowed or [])

    def said(self, lang: str) -> str:
        return self.reason.get(lang, self.reason["en"])


Bound = Callable[[Mapping[str, Any], Vocabulary], None]  # raises `Refused`


def one_of(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def _count(what_en: str, what_zh: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise Refused(f"{what_en} {value}: from {low} to {high} here (what the lessons need)",
                      f"{what_zh} {value}：这里只允许 {low} 到 {high}（课程所需的范围）")


def _service(name: object, vocab: Vocabulary, tasks: bool = False) -> None:
    base = str(name)
    if tasks and base.startswith("tasks."):
        base = base[len("tasks."):]
    if base not in vocab.services:
        raise Refused(f"{name!r} is not one of the lessons' services ({one_of(vocab.services)})",
                      f"{name!r} 不是课程里的服务（{one_of(vocab.services)}）")


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
            raise Refused(f"network {args.get('name')!r}: only {one_of(allowed)} here",
                          f"网络 {args.get('name')!r}：这里只能用 {one_of(allowed)}")
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
        raise Refused(f"a command after the image ({' '.join(args['command'])!r}): the lab's images run their own",
                      f"镜像后面不能再跟命令（{' '.join(args['command'])!r}）：实验镜像运行它们自己的程序")
    if args.get("mode") is not None:
        raise Refused("--mode global: the lessons' services are replicated",
                      "--mode global：课程里的服务都是 replicated 模式")
    image = vocab.images.get(shape.role)
    if args.get("image") != image and CHAPTER_IMAGES.get(str(args.get("image"))) != shape.role:
        raise Refused(f"image {args.get('image')!r}: {name} runs the lab's image {image} (${shape.role}_image)",
                      f"镜像 {args.get('image')!r}：{name} 使用实验的镜像 {image}（${shape.role}_image）")
    net = args.get("network")
    if shape.overlay and net not in vocab.networks:
        raise Refused(f"--network {net}: {name} joins the lab's overlay network ({one_of(vocab.networks)})",
                      f"--network {net}：{name} 加入实验的 overlay 网络（{one_of(vocab.networks)}）")
    if not shape.overlay and net is not None:
        raise Refused(f"--network {net}: {name} joins no network of its own (lesson 08)",
                      f"--network {net}：{name} 不加入其他网络（第 08 课）")
    _count("--replicas", "--replicas", args.get("replicas", 1), *shape.replicas)
    if args.get("endpoint_mode") not in (shape.endpoint_mode, None if shape.endpoint_mode else "vip"):
        raise Refused(f"--endpoint-mode {args.get('endpoint_mode')}: {name} uses "
                      f"{shape.endpoint_mode or 'vip (the default)'}",
                      f"--endpoint-mode {args.get('endpoint_mode')}：{name} 使用 "
                      f"{shape.endpoint_mode or 'vip（默认）'}")
    if args.get("publish") != shape.publish:
        said = f"--publish {args.get('publish')}" if args.get("publish") else "no --publish"
        raise Refused(f"{said}: only webpub publishes a port, published=8080,target=80 (lesson 08)",
                      f"{said}：只有 webpub 发布端口，published=8080,target=80（第 08 课）")


def scale(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    name = str(args.get("name"))
    _service(name, vocab)
    low, high = SHAPES[name].replicas
    if low == high:
        raise Refused(f"{name} keeps {low} replica(s) in the lessons: scale web (1 to {MAX_REPLICAS})",
                      f"{name} 在课程里保持 {low} 个副本：请扩缩 web（1 到 {MAX_REPLICAS}）")
    _count("replicas", "副本数", args.get("replicas"), 1, high)


def requests(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("target"), vocab)
    _count("requests", "请求数", args.get("n", 1), 1, MAX_REQUESTS)
    if len(str(args.get("path", "/"))) > 64:
        raise Refused("a URL path longer than 64 characters", "URL 路径超过 64 个字符")


def ping(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("target"), vocab, tasks=True)
    _count("ping -c", "ping -c", args.get("count"), 1, MAX_PING)


def service_inspect(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    _service(args.get("name"), vocab)
    if args.get("format") not in (None, VIP_FORMAT):
        raise Refused(f"-f {args.get('format')!r}: the lessons read -f '{VIP_FORMAT}' (or no -f)",
                      f"-f {args.get('format')!r}：课程只用 -f '{VIP_FORMAT}'（或不加 -f）")


def mesh_request(args: Mapping[str, Any], vocab: Vocabulary) -> None:
    if args.get("port") not in PUBLISHED:
        raise Refused(f"port {args.get('port')}: the published port is {one_of(PUBLISHED)} (lesson 08)",
                      f"端口 {args.get('port')}：发布的端口是 {one_of(PUBLISHED)}（第 08 课）")
