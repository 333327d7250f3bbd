"""`ping` (busybox and iputils) -> the name, the address it resolved to, replies and statistics.

Our own parser. jc 1.26's `ping` parser was tried first: it reads busybox's output, but turns every reply of
iputils' (fixtures/captured/ping/02) into `unparsable_line` and raises IndexError on a cut-short output, so this
module reads both. Real output from the seed chapter (busybox, in the client container)::

    PING web (10.0.1.30): 56 data bytes
    64 bytes from 10.0.1.30: seq=0 ttl=64 time=0.044 ms
    64 bytes from 10.0.1.30: seq=1 ttl=64 time=0.071 ms

    --- web ping statistics ---
    2 packets transmitted, 2 packets received, 0% packet loss
    round-trip min/avg/max = 0.044/0.057/0.071 ms

`ping: bad address 'web'` (busybox) and `ping: web: Name or service not known` (iputils) give a result whose
`error` says so. `frame()` (one row per reply) columns: destination, destination_ip, from_ip (string),
seq, ttl (Int64), time_ms (float64).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "ping"
_HEAD = re.compile(r"PING (\S+) \(([^)]+)\)(?::)? (\d+)(?:\(\d+\))? (?:data )?bytes(?: of data)?\.?")
_REPLY = re.compile(r"\d+ bytes from ([^:]+): (?:icmp_)?seq=(\d+) ttl=(\d+) time=([\d.]+) ms(?: \(DUP!\))?")
_STATS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received,(?: \+\d+ duplicates,)?"
                    r"(?: \+\d+ errors,)? ([\d.]+)% packet loss(?:, time (\d+)ms)?")
_RTT = re.compile(r"(?:round-trip|rtt) min/avg/max(?:/mdev)? = ([\d.]+)/([\d.]+)/([\d.]+)(?:/([\d.]+))? ms")
_ERROR = re.compile(r"ping: (.*)")
DTYPES = {"destination": "string", "destination_ip": "string", "from_ip": "string", "seq": "Int64", "ttl": "Int64",
          "time_ms": "float64"}


@dataclass
class Reply:
    from_ip: str
    seq: int
    ttl: int
    time_ms: float


@dataclass
class PingResult:
    destination: str | None = None
    destination_ip: str | None = None
    data_bytes: int | None = None
    replies: list[Reply] = field(default_factory=list)
    transmitted: int | None = None
    received: int | None = None
    loss_percent: float | None = None
    rtt_min: float | None = None
    rtt_avg: float | None = None
    rtt_max: float | None = None
    rtt_mdev: float | None = None
    error: str | None = None


def parse(text: str) -> PingResult:
    result = PingResult()
    seen = False
    for no, line in enumerate(clean_lines(text), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if m := _HEAD.fullmatch(stripped):
            result.destination, result.destination_ip, result.data_bytes = m.group(1), m.group(2), int(m.group(3))
        elif m := _REPLY.fullmatch(stripped):
            result.replies.append(Reply(m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4))))
        elif stripped.startswith("---") and stripped.endswith("statistics ---"):
            pass
        elif m := _STATS.fullmatch(stripped):
            result.transmitted, result.received = int(m.group(1)), int(m.group(2))
            result.loss_percent = float(m.group(3))
        elif m := _RTT.fullmatch(stripped):
            result.rtt_min, result.rtt_avg, result.rtt_max = (float(m.group(i)) for i in (1, 2, 3))
            result.rtt_mdev = float(m.group(4)) if m.group(4) else None
        elif m := _ERROR.fullmatch(stripped):
            result.error = m.group(1)
        elif stripped.startswith(("From ", "Request timeout")):
            pass  # unreachable / timeout notices: counted in the statistics line
        else:
            raise ParseError(KIND, "not a line of ping's output", line_no=no, line=line)
        seen = True
    if not seen:
        raise ParseError(KIND, "empty output")
    if result.destination is None and result.error is None:
        raise ParseError(KIND, "no 'PING name (address)' line")
    return result


def frame(text_or_result: str | PingResult) -> pd.DataFrame:
    r = parse(text_or_result) if isinstance(text_or_result, str) else text_or_result
    return records_frame([{"destination": r.destination, "destination_ip": r.destination_ip, "from_ip": p.from_ip,
                           "seq": p.seq, "ttl": p.ttl, "time_ms": p.time_ms} for p in r.replies], DTYPES)
