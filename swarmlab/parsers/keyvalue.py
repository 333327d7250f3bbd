"""Indented `Key: value` reports (`docker info`, `docker version`) and `name value` lines (timings).

Our own parser. Real output, `docker version` against the Docker 20.10 daemon on this machine kind::

    Server:
     Engine:
      Version:          20.10.24+dfsg1
      API version:      1.41 (minimum version 1.12)

-> {"Server": {"Engine": {"Version": "20.10.24+dfsg1", "API version": "1.41 (minimum version 1.12)"}}}.
A key with sub-keys and a value keeps the value under "" (`Server: Docker Engine - Community`); list items
(`  - ipvs`) become lists. `docker info`'s `WARNING:` lines are collected under "WARNINGS".
"""

from __future__ import annotations

import re
from typing import Any

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines


def parse_report(text: str, kind: str = "docker info") -> dict[str, Any]:
    root: dict[str, Any] = {}
    stack: list[tuple[int, Any]] = [(-1, root)]
    warnings: list[str] = []
    seen = False
    for no, line in enumerate(clean_lines(text), 1):
        if not line.strip():
            continue
        seen = True
        if line.startswith("WARNING:"):
            warnings.append(line[len("WARNING:"):].strip())
            continue
        indent = len(line) - len(line.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        stripped = line.strip()
        if stripped.startswith("- ") or stripped == "-":
            if not isinstance(parent, list):
                raise ParseError(kind, "a list item outside a list", line_no=no, line=line)
            parent.append(stripped[2:].strip())
            continue
        key, sep, value = stripped.partition(":")
        if isinstance(parent, list) or not key:
            raise ParseError(kind, "expected 'Key: value'", line_no=no, line=line)
        if not sep:  # a bare item (`docker info`'s Security Options: `seccomp`, then its own `Profile: ...`)
            key, value = stripped, "true"
        value = value.strip()
        if value:
            parent[key] = _Holder(value)  # a value that may still get sub-keys
            stack.append((indent, parent[key].children))
        else:
            container: Any = [] if _next_is_list(text, no) else {}
            parent[key] = container
            stack.append((indent, container))
    if not seen:
        raise ParseError(kind, "empty output")
    result = _unwrap(root)
    if warnings:
        result["WARNINGS"] = warnings
    return result


class _Holder:
    def __init__(self, value: str) -> None:
        self.value = value
        self.children: dict[str, Any] = {}


def _next_is_list(text: str, line_no: int) -> bool:
    rest = clean_lines(text)[line_no:]
    nxt = next((ln for ln in rest if ln.strip()), "")
    return nxt.strip().startswith("- ")


def _unwrap(node: Any) -> Any:
    if isinstance(node, _Holder):
        return {"": node.value, **_unwrap(node.children)} if node.children else node.value
    if isinstance(node, dict):
        return {k: _unwrap(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unwrap(v) for v in node]
    return node


def parse_pairs(text: str, kind: str = "timings") -> dict[str, float | str]:
    """`name value` per line (`boot_to_ssh_s 12.81`; several pairs on a line allowed); numbers become floats.
    A line without a number (`dummy iface ok`) is kept whole under its text with value ''."""
    out: dict[str, float | str] = {}
    for no, line in enumerate(clean_lines(text), 1):
        words = line.split()
        if not words:
            continue
        if len(words) % 2 == 0 and all(_number(w) for w in words[1::2]):
            for name, value in zip(words[::2], words[1::2], strict=True):
                out[name] = float(value)
        elif not any(_number(w) for w in words):
            out[line.strip()] = ""
        else:
            raise ParseError(kind, "expected 'name value' pairs", line_no=no, line=line)
    return out


def _number(word: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d+)?", word) is not None

FORMAT = r"(?:\s-f\s|\s-f\S|--format)"
READS = [Reads(lambda t: parse_report(t, "docker info"), None, "docker_info", (("docker", "info"),),
               unless=(FORMAT,), examples=("docker info",)),
         Reads(lambda t: parse_report(t, "docker version"), None, "docker_version", (("docker", "version"),),
               unless=(FORMAT,), examples=("docker version",)),
         Reads(lambda t: t.splitlines(), None, "text", (("docker", "info"), ("docker", "version")), when=(FORMAT,),
               examples=("docker version -f '{{.Server.Version}}'",))]
