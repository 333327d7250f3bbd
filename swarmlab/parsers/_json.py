"""JSON as docker prints it, and fragments of it as tutorials quote it."""

from __future__ import annotations

import json
from typing import Any

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines


def load(text: str, kind: str) -> tuple[Any, bool]:
    """(value, is_fragment). A fragment is a quoted piece such as `"Containers": { ... ` with its closing
    brackets cut off: it is wrapped in braces and closed. Anything else that is not JSON is a ParseError."""
    body = "\n".join(clean_lines(text)).strip()
    if not body:
        raise ParseError(kind, "empty output")
    try:
        return json.loads(body), False
    except json.JSONDecodeError as exc:
        first_error = exc
    if first_error.msg == "Extra data":  # `-f '{{json ...}}'` on several objects: one document per line
        try:
            return [json.loads(line) for line in body.split("\n") if line.strip()], False
        except json.JSONDecodeError:
            pass
    if body.startswith('"'):
        candidate = "{" + body.rstrip(",") + _closers("{" + body)
        try:
            return json.loads(candidate), True
        except json.JSONDecodeError:
            pass
    lines = body.split("\n")
    line_no = first_error.lineno
    raise ParseError(kind, f"not JSON ({first_error.msg})", line_no=line_no,
                     line=lines[line_no - 1] if 0 < line_no <= len(lines) else None)


def _closers(text: str) -> str:
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    return "".join(reversed(stack))


def obj(value: Any, kind: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(kind, f"{what} should be a JSON object, got {type(value).__name__}")
    return value


def lst(value: Any, kind: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(kind, f"{what} should be a JSON list, got {type(value).__name__}")
    return value

FORMAT = r"(?:\s-f\s|\s-f\S|--format)"


def load_any(text: str) -> Any:
    """`docker ... inspect -f '{{json ...}}'` for anything without a parser of its own: the JSON value."""
    return load(text, "docker --format json")[0]


READS = [Reads(load_any, None, "json", tuple(("docker", *w, "inspect") for w in
                                             ((), ("container",), ("node",), ("network",), ("service",),
                                              ("image",), ("volume",), ("task",))),
               when=(FORMAT,), examples=("docker network inspect mynet -f '{{json .Peers}}'",
                                         "docker inspect -f '{{json .NetworkSettings}}' c"))]
