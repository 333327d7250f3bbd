"""Docker CLI column tables (`docker network ls`, `service ls`, `service ps`, `node ls`, `container ls`).

Docker prints these with Go's tabwriter: column names are separated by two or more spaces (a name may hold one
space: `DESIRED STATE`), and every row lines up with the header, whatever the version's padding (2 spaces in
1.13/17.03, 3 in 20.10, 20-column cells in 17.06-17.10). Rows are cut at the header's column starts; a row that
does not line up is split on runs of 2+ spaces when that gives the right number of cells, else it is a
`ParseError`. The machine-readable form `--format '{{json .}}'` (one JSON object per line) is read too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from swarmlab.errors import ParseError
from swarmlab.parsers._text import clean_lines, snake

_COLUMN = re.compile(r"\S+(?: \S+)*")


def parse_table(text: str, kind: str, required: tuple[str, ...], aliases: dict[str, str] | None = None
                ) -> list[dict[str, str]]:
    """Rows as dicts keyed by snake_case column names (after `aliases`); cells are stripped strings."""
    aliases = aliases or {}
    lines = [ln for ln in clean_lines(text) if ln.strip()]
    if not lines:
        raise ParseError(kind, "empty output (expected a header line)")
    if lines[0].lstrip().startswith("{"):
        return parse_json_lines(lines, kind, aliases, required)
    header = lines[0]
    spans = [(m.start(), m.group()) for m in _COLUMN.finditer(header)]
    names = [aliases.get(snake(name), snake(name)) for _, name in spans]
    missing = [r for r in required if r not in names]
    if missing:
        raise ParseError(kind, f"header lacks column(s) {', '.join(missing)}", line_no=1, line=header)
    starts = [s for s, _ in spans]
    rows = []
    for no, line in enumerate(lines[1:], 2):
        cells = _cut(line, starts)
        if cells is None:
            pieces = re.split(r"\s{2,}", line.strip())
            if len(pieces) != len(starts):
                raise ParseError(kind, f"row does not line up with the header's {len(starts)} columns",
                                 line_no=no, line=line)
            cells = pieces
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def _cut(line: str, starts: list[int]) -> list[str] | None:
    """Cut at the column starts; None when a cut would split a word (the row does not line up)."""
    for start in starts[1:]:
        if start < len(line) and line[start - 1] != " " and line[start] != " ":
            return None
    if starts[0] > 0 and line[: starts[0]].strip():
        return None
    bounds = [*starts[1:], None]
    return [line[s:e].strip() for s, e in zip(starts, bounds, strict=True)]


def parse_json_lines(lines: list[str], kind: str, aliases: dict[str, str], required: tuple[str, ...] = ()
                     ) -> list[dict[str, str]]:
    rows = []
    for no, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(kind, f"not a JSON object ({exc.msg})", line_no=no, line=line) from None
        if not isinstance(obj, dict):
            raise ParseError(kind, "each line of --format '{{json .}}' must be a JSON object", line_no=no, line=line)
        row = {aliases.get(snake(k), snake(k)): _text(v) for k, v in obj.items()}
        missing = [r for r in required if r not in row]
        if missing:
            raise ParseError(kind, f"JSON object lacks {', '.join(missing)}", line_no=no, line=line)
        rows.append(row)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
