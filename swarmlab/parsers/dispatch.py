"""Which parser reads a transcript's command: `parse_output(command, text)`, for what no step covers.

A command line one of the lab's steps recognises is read by that step's own parse and frame
(`swarmlab.commands.output.parse_output`, one layer up); this dispatcher reads the rest: the seed's and the
fixtures' transcripts, captures and the peers' outputs (`ping -c 3 127.0.0.1`, `df -T`, `docker network inspect
-f ...`). Built from the parsers' own declarations (each module's `READS`, see `_commands.py`): `PARSERS` maps
every kind name to its declaration. A command line is cut into its simple commands (pipes, `;`, loops, `sh -c
'...'`), each stripped of what only carries it somewhere (`sudo`, `nsenter --net=...`, `ip netns exec NS`,
`docker [-H ...] exec [-it] CONTAINER`, `timeout N`, docker's global `-H`); the last one some parser declares
decides, and the most specific declaration reads it. Ties are errors, checked at import on every declared example.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads

if TYPE_CHECKING:
    import pandas as pd

_NSENTER_ARG = {"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-w", "--wd", "-r", "--root"}
_EXEC_ARG = {"-u", "--user", "-e", "--env", "-w", "--workdir", "--env-file"}
_DOCKER_GLOBAL_ARG = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"}


def _parser_modules() -> tuple[ModuleType, ...]:
    """Every module of swarmlab.parsers that declares what it reads (`READS`): a new parser module is found
    without registering it anywhere."""
    import importlib
    import pkgutil

    import swarmlab.parsers as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in ("dispatch", "_commands"):
            continue
        module = importlib.import_module(f"swarmlab.parsers.{info.name}")
        if hasattr(module, "READS"):
            found.append(module)
    return tuple(found)


_MODULES = _parser_modules()


def _collect(modules: tuple[ModuleType, ...]) -> list[tuple[Reads, ModuleType]]:
    found = [(r, m) for m in modules for r in m.READS]
    seen: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], str] = {}
    for r, _ in found:
        for words in r.words:
            key = (words, r.when, r.unless)
            if key in seen and seen[key] != r.kind:
                raise ImportError(f"parsers {seen[key]!r} and {r.kind!r} both declare {' '.join(words)!r} "
                                  f"with the same conditions")
            seen[key] = r.kind
    return found


DECLARED = _collect(_MODULES)
# kind -> its declaration (parse, frame, kind, words, ...; `PARSERS[kind][0]` is the parse function)
PARSERS: dict[str, Reads] = {r.kind: r for r, _ in DECLARED}
_KEYWORDS = {"do", "then", "else", "elif", "{", "}", "!", "time", "busybox", "exec", "command"}


def core_command(command: str) -> str:
    """'sudo nsenter --net=/var/run/docker/netns/lb_x sh -c "ipvsadm -Ln"' -> 'ipvsadm -Ln'."""
    command = command.strip()
    if command.startswith("for ") or ("|" in command.split("'")[0] and not command.startswith("docker")):
        return command
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    changed = True
    while words and changed:
        changed = False
        head = words[0]
        if head in ("sudo", "env"):
            words = words[1:]
            while words and (words[0].startswith("-") or (head == "env" and "=" in words[0])):
                words = words[1:]
            changed = True
        elif head == "nsenter":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in _NSENTER_ARG else words[1:]
            changed = True
        elif head == "timeout":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-s", "--signal", "-k", "--kill-after") else words[1:]
            words = words[1:]
            changed = True
        elif words[:3] == ["ip", "netns", "exec"] and len(words) > 3:
            words = words[4:]
            changed = True
        elif head in ("sh", "bash", "ash") and len(words) >= 3 and words[1] == "-c":
            return core_command(words[2])
        elif head == "docker":
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in _DOCKER_GLOBAL_ARG else rest[1:]
            if rest[:1] == ["exec"] or rest[:2] == ["container", "exec"]:
                rest = rest[1:] if rest[0] == "exec" else rest[2:]
                while rest and rest[0].startswith("-"):
                    rest = rest[2:] if rest[0] in _EXEC_ARG else rest[1:]
                words = rest[1:]  # drop the container
                changed = True
            elif rest != words[1:]:
                words = ["docker", *rest]
                changed = True
    return shlex.join(words) if words else command


def _pieces(command: str, depth: int = 0) -> list[list[str]]:
    """The simple commands of a shell line, in order, each without what only carries it (sudo, nsenter,
    `docker exec C`, `sh -c '...'` opened up): `a | b; for x in y; do c; done` -> [a], [b], [for x in y], [c]."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    pieces: list[list[str]] = [[]]
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token and set(token) <= set("();|&<>"):
            if set(token) & set("<>"):
                skip = True  # a redirection and its target
            elif pieces[-1]:
                pieces.append([])
        else:
            pieces[-1].append(token)
    out: list[list[str]] = []
    for words in pieces:
        while words and words[0] in _KEYWORDS:
            words = words[1:]
        if not words:
            continue
        if words[0] in _WRAPPERS and depth < 8:
            joined = shlex.join(words)
            core = core_command(joined)
            if core != joined:
                out.extend(_pieces(core, depth + 1))
                continue
        out.append(words)
    return out


_WRAPPERS = {"sudo", "env", "nsenter", "timeout", "ip", "docker", "sh", "bash", "ash"}


def _matches(words: list[str], declared: tuple[str, ...]) -> bool:
    """`declared` leads `words`, options (`-x`, `-x value` are not known: only `-x`) between them skipped."""
    plain = [w for w in words if not w.startswith("-")]
    return plain[: len(declared)] == list(declared) and words[0] == declared[0]


def _candidates(command: str) -> list[tuple[tuple[int, int], Reads]]:
    """The declarations that read `command`, most specific first: those of the last simple command that has any
    (a pipeline's output is its last stage's), scored by leading words matched, then conditions."""
    for words in reversed(_pieces(command)):
        found = []
        for r, _ in DECLARED:
            if any(re.search(c, command) is None for c in r.when) or any(re.search(c, command) for c in r.unless):
                continue
            best = max((len(w) for w in r.words if _matches(words, w)), default=0)
            if best:
                found.append(((best, len(r.when) + len(r.unless)), r))
        if found:
            return sorted(found, key=lambda f: f[0], reverse=True)
    return []


def kind_of(command: str) -> str | None:
    """The kind of parser that reads `command`'s output; None if no parser declares it. Two parsers that claim it
    equally are a ParseError (a declaration bug, caught at import for every declared example)."""
    found = _candidates(command)
    if not found:
        return None
    top = [r.kind for score, r in found if score == found[0][0]]
    if len(set(top)) > 1:
        raise ParseError(command[:60], f"ambiguous: parsers {', '.join(sorted(set(top)))} all read it")
    return top[0]


def declaration(command: str, kind: str | None = None) -> Reads:
    """The declaration that reads `command`: a kind may have several (service_inspect: whole services, Endpoint
    fragments, published ports), the most specific one that matches the command, else the kind's last."""
    kind = kind or kind_of(command)
    if kind is None or kind not in PARSERS:
        raise ParseError(command[:60], "no parser for this command" if kind is None else f"no parser {kind!r}")
    return next((r for _, r in _candidates(command) if r.kind == kind), PARSERS[kind])


def _check_examples() -> None:
    for r, m in DECLARED:
        for example in r.examples:
            try:
                got = kind_of(example)
            except ParseError as exc:
                raise ImportError(f"{m.__name__}: example {example!r}: {exc}") from None
            if got != r.kind:
                raise ImportError(f"{m.__name__}: example {example!r} is read by {got!r}, not {r.kind!r}")


_check_examples()


@dataclass
class Parsed:
    kind: str          # the parser kind that read it (`swarmlab.commands.output`: the step's name)
    command: str
    value: Any
    frame_of: Callable[[Any], pd.DataFrame] | None = None

    @property
    def frame(self) -> pd.DataFrame | None:
        """The frame of what read the command (`.Endpoint.Ports`: the ports, not the VIPs)."""
        return None if self.frame_of is None else self.frame_of(self.value)


def parse_output(command: str, text: str, kind: str | None = None) -> Parsed:
    """Parse `text`, the output of `command`, by the declaration that reads it (bound to what it needs from the
    command line: iptables' table, an inspect's fragment); `kind` overrides the choice of parser."""
    r = declaration(command, kind)
    parse = r.for_command(core_command(command)) if r.for_command else r.parse
    return Parsed(r.kind, command, parse(text), r.frame)
