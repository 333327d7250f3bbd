r"""`conntrack -L` -> the kernel's connection tracking entries: each connection as it left its sender (`orig`) and
as its reply is expected (`reply`), which is how NAT is remembered.

Real output (conntrack-tools 1.4.8 on the Debian 13 rig, in the client node's lb_ namespace, after one request to
`web`; the count line goes to stderr)::

    tcp      6 113 TIME_WAIT src=10.0.1.8 dst=10.0.1.2 sport=55984 dport=80 src=10.0.1.3 dst=10.0.1.9 sport=80 \
    dport=55984 [ASSURED] mark=0 use=1

(one line, folded here).

The reply direction is the proof of both rewrites: IPVS sent the connection to the real server 10.0.1.3 (the reply
comes from it, not from the VIP 10.0.1.2) and the SNAT rule made the lb endpoint 10.0.1.9 its source (the reply
goes to it, not to the client 10.0.1.8). UDP entries have no state; `[UNREPLIED]` marks a reply never seen.

`frame()` columns: protocol, timeout_s, state, src, dst, sport, dport (as sent), reply_src, reply_dst,
reply_sport, reply_dport (as the reply is expected), flags (`ASSURED`, `UNREPLIED`, comma separated), mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads

if TYPE_CHECKING:
    import pandas as pd

KIND = "conntrack -L"
_HEAD = re.compile(r"^(?P<proto>[a-z0-9]+)\s+(?P<num>\d+)\s+(?P<timeout>\d+)\s+(?P<rest>.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")


@dataclass
class Entry:
    protocol: str
    timeout_s: int
    state: str | None
    src: str
    dst: str
    sport: int | None
    dport: int | None
    reply_src: str
    reply_dst: str
    reply_sport: int | None
    reply_dport: int | None
    flags: str
    mark: int | None


def _port(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def parse(text: str) -> list[Entry]:
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("conntrack v"):
            continue
        m = _HEAD.match(line)
        if m is None:
            raise ParseError(KIND, "expected 'PROTO NUMBER TIMEOUT ...'", line_no=no, line=line)
        words = m["rest"].split()
        state = words[0] if words and "=" not in words[0] and not words[0].startswith("[") else None
        orig: dict[str, str] = {}
        reply: dict[str, str] = {}
        extra: dict[str, str] = {}
        for key, value in _FIELD.findall(m["rest"]):
            if key in ("src", "dst", "sport", "dport"):
                (reply if key in orig else orig)[key] = value
            else:
                extra[key] = value
        if "src" not in orig or "src" not in reply:
            raise ParseError(KIND, "expected src=... twice (as sent, and as the reply is expected)", line_no=no,
                             line=line)
        flags = ",".join(re.findall(r"\[(\w+)\]", m["rest"]))
        mark = extra.get("mark")
        out.append(Entry(m["proto"], int(m["timeout"]), state, orig["src"], orig.get("dst", ""),
                         _port(orig.get("sport")), _port(orig.get("dport")), reply["src"], reply.get("dst", ""),
                         _port(reply.get("sport")), _port(reply.get("dport")), flags,
                         int(mark) if mark is not None and mark.isdigit() else None))
    return out


DTYPES = {"protocol": "string", "timeout_s": "Int64", "state": "string", "src": "string", "dst": "string",
          "sport": "Int64", "dport": "Int64", "reply_src": "string", "reply_dst": "string", "reply_sport": "Int64",
          "reply_dport": "Int64", "flags": "string", "mark": "Int64"}


def frame(entries: list[Entry]) -> pd.DataFrame:
    from swarmlab.parsers._text import records_frame

    return records_frame(entries, DTYPES)


READS = [Reads(parse, frame, "conntrack", (("conntrack",),),
               examples=("conntrack -L", "sudo nsenter --net=/var/run/docker/netns/lb_x conntrack -L"))]
