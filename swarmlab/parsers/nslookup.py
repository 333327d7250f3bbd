"""`nslookup NAME [SERVER]` (busybox) -> the server asked and the addresses answered.

Our own parser (jc has none). Real output, Docker 20.10 in the qemu VM, for the VIP service and its tasks::

    Server:		127.0.0.11
    Address:	127.0.0.11:53

    Non-authoritative answer:
    Name:	tasks.web
    Address: 10.0.1.4
    Name:	tasks.web
    Address: 10.0.1.3

`web` answers the VIP; `tasks.web` the task IPs; a dnsrr service's name answers the task IPs too.
`** server can't find web: NXDOMAIN` gives `error`. `frame()` columns: server (string), name (string),
address (string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "nslookup"
_KV = re.compile(r"(Server|Address|Name)(?: \d+)?:\s*(.*)")
DTYPES = {"server": "string", "name": "string", "address": "string"}


@dataclass
class Lookup:
    server: str | None = None
    server_address: str | None = None
    answers: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [a for _, a in self.answers]

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None


def parse(text: str) -> Lookup:
    result = Lookup()
    name: str | None = None
    seen = False
    for no, line in enumerate(clean_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped in ("Non-authoritative answer:", "Authoritative answers can be found from:"):
            continue
        seen = True
        if stripped.startswith(("** ", ";;")) or stripped.startswith("nslookup: "):
            result.errors.append(stripped.lstrip("*; ").strip())
            continue
        m = _KV.fullmatch(stripped)
        if not m:
            raise ParseError(KIND, "not a line of nslookup's output", line_no=no, line=line)
        key, value = m.group(1), m.group(2).strip()
        if key == "Server":
            result.server = value
        elif key == "Name":
            name = value
        elif name is None:
            result.server_address = value
        else:
            result.answers.append((name, value))
    if not seen:
        raise ParseError(KIND, "empty output")
    return result


def frame(text_or_result: str | Lookup) -> pd.DataFrame:
    r = parse(text_or_result) if isinstance(text_or_result, str) else text_or_result
    return records_frame([{"server": r.server, "name": n, "address": a} for n, a in r.answers], DTYPES)

READS = [Reads(parse, frame, "nslookup", (("nslookup",),), examples=("nslookup tasks.web 127.0.0.11",))]
