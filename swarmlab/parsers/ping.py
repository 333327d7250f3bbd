"""`ping` / `ping6` (iputils, busybox, GNU inetutils) -> the name, the address it resolved to, one row per packet
event (replies and unanswered sequence numbers) and the statistics.

Our own parser. Real output from the seed chapter (busybox, in the client container)::

    PING web (10.0.1.30): 56 data bytes
    64 bytes from 10.0.1.30: seq=0 ttl=64 time=0.044 ms
    64 bytes from 10.0.1.30: seq=1 ttl=64 time=0.071 ms

    --- web ping statistics ---
    2 packets transmitted, 2 packets received, 0% packet loss
    round-trip min/avg/max = 0.044/0.057/0.071 ms

What is read (the peers' real outputs are in tests/fixtures/peer-jc/, iputils from CentOS 7.7, busybox from
Alpine 3.13):

* headers: `PING name (ip) 56(84) bytes of data.` (iputils), `PING name (ip) from SRC IFACE: ...` (-I),
  `PING name(rname (ip)) 56 data bytes` and `PING ip(ip) 56 data bytes` (iputils' ping6), `PING name (ip): 56 data
  bytes` (busybox, inetutils); an empty name (`PING  (100.68.105.124)`) stays ''.
* replies: `N bytes from IP: ...` and `N bytes from NAME (IP): ...` (reverse DNS: a task's name inside a Docker
  network) with `icmp_seq=`/`seq=`, `ttl=`, `time=`, an optional `[epoch]` prefix (-D), `(DUP!)`.
* unanswered packets, each a row of kind 'unanswered' with its reason: `no answer yet for icmp_seq=N` (-O),
  `From ADDR icmp_seq=N Destination Host Unreachable` (and every other ICMP error iputils prints),
  `Request timeout for icmp_seq N`, inetutils' `92 bytes from ADDR: Destination Host Unreachable` (+ its `-v`
  header dump); and, when the statistics say how many were sent, every sequence number that got no reply and no
  printed line (reason 'no reply', `printed=False`: iputils counts from 1, busybox and inetutils from 0; not done
  past 100,000 sent, which no lab run reaches).
* `PATTERN: 0x..` (-p), `WARNING: pinging broadcast address`, `ping: Warning: ...` -> `pattern` / `warnings`.
* statistics: transmitted, received, `+N duplicates` (busybox: `N duplicates`), `+N corrupted`, `+N errors`,
  loss, `time Nms`, rtt min/avg/max/mdev (`stddev` for inetutils), `pipe N` (on the rtt line or alone),
  `ipg/ewma`.
* `ping: bad address 'web'` (busybox), `ping: web: Name or service not known` (iputils), `ping: unknown host`
  (inetutils) -> a result whose `error` says so.

Anything else is a ParseError naming the line (jc's two hand-edited fixtures with `unparsable line` are refused).
`frame()` (one row per event, in the order printed; inferred rows last): kind ('reply' | 'unanswered'),
destination, destination_ip, from_ip, from_name, reason (string), seq, ttl, bytes (Int64), time_ms, timestamp
(float64), duplicate, printed (boolean).
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

KIND = "ping"
_ADDR = r"[^\s()]+"
_HEAD = re.compile(
    rf"PING (?P<dest>[^\s(]*) ?\((?:(?P<rname>{_ADDR}) \((?P<rip>{_ADDR})\)|(?P<ip>{_ADDR}))\)"
    rf"(?: from (?P<src>{_ADDR}) (?P<iface>[^\s:]*))?(?P<colon>:)? (?P<data>\d+)(?:\((?P<total>\d+)\))? "
    r"(?:data bytes(?:, id 0x[0-9a-f]+ = \d+)?|bytes of data\.)")
_STAMP = re.compile(r"\[(\d+\.\d+)\] ")
_REPLY = re.compile(
    r"(?P<bytes>\d+) bytes from (?P<from>.+?): (?P<seqword>icmp_seq|seq)=(?P<seq>\d+)(?: ident=\d+)?"
    r"(?: (?:ttl|hlim)=(?P<ttl>\d+))?(?: time[=<](?P<time>\d+(?:\.\d+)?) ?ms)?"
    r"(?P<flags>(?: \((?:DUP!|BAD CHECKSUM!|truncated)\))*)")
_NO_ANSWER = re.compile(r"no answer yet for icmp_seq=(\d+)")
_FROM = re.compile(r"From (?P<from>.+?):? icmp_seq=(?P<seq>\d+) (?P<reason>\S.*)")
_TIMEOUT = re.compile(r"Request timeout for icmp_seq[= ](\d+)")
_INET_ERROR = re.compile(r"(?P<bytes>\d+) bytes from (?P<from>.+?): (?P<reason>[A-Z][A-Za-z ]+[a-z])")
_INET_DUMP = re.compile(r"IP Hdr Dump:|[0-9a-f]{4}(?: [0-9a-f]{4})+|Vr HL TOS .*|\S+(?: +\S+){9,}")
_INET_ICMP = re.compile(r"ICMP: type \d+, code \d+, size \d+, id 0x[0-9a-f]+, seq 0x([0-9a-f]+)")
_STATS = re.compile(
    r"(?P<tx>\d+) packets transmitted, (?P<rx>\d+) (?:packets )?received"
    r"(?:, \+?(?P<dup>\d+) duplicates)?(?:, \+(?P<corrupt>\d+) corrupted)?(?:, \+(?P<err>\d+) errors)?"
    r"(?:, (?P<loss>\d+(?:\.\d+)?)% packet loss)?(?:, time (?P<time>\d+)ms)?(?:, pipe (?P<pipe>\d+))?")
_RTT = re.compile(r"(?:round-trip|rtt) min/avg/max(?:/(?:mdev|stddev))? = (\d+\.\d+)/(\d+\.\d+)/(\d+\.\d+)"
                  r"(?:/(\d+\.\d+))? ms(?:, pipe (?P<pipe>\d+))?"
                  r"(?:, ipg/ewma (?P<ipg>\d+\.\d+)/(?P<ewma>\d+\.\d+) ms)?")
_PIPE = re.compile(r"pipe (\d+)")
_WARNING = re.compile(r"WARNING: .*|(?:ping6?: )?Warning: .*")
_ERROR = re.compile(r"ping6?: (.*)")
DTYPES = {"kind": "string", "destination": "string", "destination_ip": "string", "from_ip": "string",
          "from_name": "string", "reason": "string", "seq": "Int64", "ttl": "Int64", "bytes": "Int64",
          "time_ms": "float64", "timestamp": "float64", "duplicate": "boolean", "printed": "boolean"}


@dataclass
class Reply:
    """An echo reply: who answered (address, and the name when ping printed one), which packet, how fast."""

    from_ip: str
    seq: int
    ttl: int | None
    time_ms: float | None
    from_name: str | None = None
    bytes: int | None = None
    timestamp: float | None = None
    duplicate: bool = False


@dataclass
class Unanswered:
    """A sequence number with no reply: what ping printed about it (`reason`), or 'no reply' when only the
    statistics tell (`printed=False`). `from_ip` is who reported an ICMP error (a router, or our own host)."""

    seq: int | None
    reason: str
    from_ip: str | None = None
    from_name: str | None = None
    timestamp: float | None = None
    printed: bool = True


@dataclass
class PingResult:
    destination: str | None = None
    destination_ip: str | None = None
    destination_name: str | None = None
    source_ip: str | None = None
    interface: str | None = None
    data_bytes: int | None = None
    pattern: str | None = None
    responses: list[Reply | Unanswered] = field(default_factory=list)
    transmitted: int | None = None
    received: int | None = None
    duplicates: int | None = None
    corrupted: int | None = None
    errors: int | None = None
    loss_percent: float | None = None
    time_ms: int | None = None
    pipe: int | None = None
    rtt_min: float | None = None
    rtt_avg: float | None = None
    rtt_max: float | None = None
    rtt_mdev: float | None = None
    ipg_ms: float | None = None
    ewma_ms: float | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    flavour: str | None = None  # 'iputils' | 'busybox' | 'inetutils' (None when only an error was printed)

    @property
    def replies(self) -> list[Reply]:
        return [r for r in self.responses if isinstance(r, Reply)]

    @property
    def unanswered(self) -> list[Unanswered]:
        return [r for r in self.responses if isinstance(r, Unanswered)]


def _who(text: str) -> tuple[str, str | None]:
    """'NAME (IP)' -> (IP, NAME); 'IP (IP)' -> (IP, None); 'IP' -> (IP, None)."""
    m = re.fullmatch(rf"({_ADDR}) \(({_ADDR})\)", text)
    if m:
        return m.group(2), (m.group(1) if m.group(1) != m.group(2) else None)
    return text, None


class _Reader:
    def __init__(self) -> None:
        self.r = PingResult()
        self.in_stats = False
        self.seen = False

    def line(self, no: int, line: str) -> None:
        s = line.strip()
        r = self.r
        stamp = None
        if m := _STAMP.match(s):
            stamp, s = float(m.group(1)), s[m.end():]
        if m := _HEAD.fullmatch(s):
            if r.destination is not None:
                raise ParseError(KIND, "a second 'PING' line", line_no=no, line=line)
            r.destination = m["dest"]
            r.destination_ip = m["rip"] or m["ip"]
            r.destination_name = m["rname"] if m["rname"] != r.destination_ip else None
            r.source_ip, r.interface, r.data_bytes = m["src"], m["iface"], int(m["data"])
            r.flavour = "iputils" if not m["colon"] or m["src"] else None  # busybox vs inetutils: by the replies
        elif m := _REPLY.fullmatch(s):
            self._need_head(no, line)
            ip, name = _who(m["from"])
            r.responses.append(Reply(ip, int(m["seq"]), int(m["ttl"]) if m["ttl"] else None,
                                     float(m["time"]) if m["time"] else None, name, int(m["bytes"]), stamp,
                                     "(DUP!)" in m["flags"]))
            if r.flavour is None:
                r.flavour = "busybox" if m["seqword"] == "seq" else "inetutils"
        elif m := _NO_ANSWER.fullmatch(s):
            self._need_head(no, line)
            r.responses.append(Unanswered(int(m.group(1)), "no answer yet", timestamp=stamp))
        elif m := _FROM.fullmatch(s):
            self._need_head(no, line)
            ip, name = _who(m["from"])
            r.responses.append(Unanswered(int(m["seq"]), m["reason"], ip, name, stamp))
        elif m := _TIMEOUT.fullmatch(s):
            self._need_head(no, line)
            r.responses.append(Unanswered(int(m.group(1)), "Request timeout", timestamp=stamp))
        elif m := _INET_ERROR.fullmatch(s):
            self._need_head(no, line)
            ip, name = _who(m["from"])
            r.responses.append(Unanswered(None, m["reason"], ip, name, stamp))
        elif (m := _INET_ICMP.fullmatch(s)) and r.responses and isinstance(r.responses[-1], Unanswered):
            last = r.responses[-1]
            if last.seq is None:
                last.seq = int(m.group(1), 16)
        elif _INET_DUMP.fullmatch(s) and r.responses and isinstance(r.responses[-1], Unanswered) \
                and r.responses[-1].seq is None:
            pass  # inetutils -v: the returned packet's IP header, printed after the error line
        elif s.startswith("---") and s.endswith("statistics ---"):
            self._need_head(no, line)
            self.in_stats = True
        elif self.in_stats and (m := _STATS.fullmatch(s)):
            r.transmitted, r.received = int(m["tx"]), int(m["rx"])
            r.duplicates = int(m["dup"]) if m["dup"] else 0
            r.corrupted = int(m["corrupt"]) if m["corrupt"] else 0
            r.errors = int(m["err"]) if m["err"] else 0
            r.loss_percent = float(m["loss"]) if m["loss"] else None
            r.time_ms = int(m["time"]) if m["time"] else None
            if m["pipe"]:
                r.pipe = int(m["pipe"])
        elif self.in_stats and (m := _RTT.fullmatch(s)):
            r.rtt_min, r.rtt_avg, r.rtt_max = (float(m.group(i)) for i in (1, 2, 3))
            r.rtt_mdev = float(m.group(4)) if m.group(4) else None
            if m["pipe"]:
                r.pipe = int(m["pipe"])
            if m["ipg"]:
                r.ipg_ms, r.ewma_ms = float(m["ipg"]), float(m["ewma"])
        elif self.in_stats and (m := _PIPE.fullmatch(s)):
            r.pipe = int(m.group(1))
        elif m := re.fullmatch(r"PATTERN: (0x[0-9a-fA-F]+)", s):
            r.pattern = m.group(1)
        elif _WARNING.fullmatch(s):
            r.warnings.append(s)
        elif m := _ERROR.fullmatch(s):
            r.error = r.error or m.group(1)
        else:
            raise ParseError(KIND, "not a line of ping's output", line_no=no, line=line)
        self.seen = True

    def _need_head(self, no: int, line: str) -> None:
        if self.r.destination is None:
            raise ParseError(KIND, "expected the 'PING name (address) ...' line first", line_no=no, line=line)

    def finish(self) -> PingResult:
        r = self.r
        if not self.seen:
            raise ParseError(KIND, "empty output")
        if r.destination is None and r.error is None:
            raise ParseError(KIND, "no 'PING name (address)' line")
        if r.transmitted is not None and r.transmitted <= 100_000:
            first = 1 if r.flavour == "iputils" else 0
            known = {e.seq for e in r.responses}
            missing = [seq for seq in range(first, first + r.transmitted) if seq not in known]
            # inetutils' `92 bytes from X: Destination Host Unreachable` names no sequence number: those lines
            # stand for the first missing ones
            unnumbered = sum(1 for e in r.responses if e.seq is None)
            r.responses.extend(Unanswered(seq, "no reply", printed=False) for seq in missing[unnumbered:])
        return r


def parse(text: str) -> PingResult:
    reader = _Reader()
    for no, line in enumerate(clean_lines(text), 1):
        if line.strip():
            reader.line(no, line)
    return reader.finish()


def frame(text_or_result: str | PingResult) -> pd.DataFrame:
    r = parse(text_or_result) if isinstance(text_or_result, str) else text_or_result
    rows = []
    for e in r.responses:
        row = {"destination": r.destination, "destination_ip": r.destination_ip, "from_ip": e.from_ip,
               "from_name": e.from_name, "seq": e.seq, "timestamp": e.timestamp}
        if isinstance(e, Reply):
            row |= {"kind": "reply", "ttl": e.ttl, "bytes": e.bytes, "time_ms": e.time_ms, "duplicate": e.duplicate,
                    "printed": True}
        else:
            row |= {"kind": "unanswered", "reason": e.reason, "duplicate": False, "printed": e.printed}
        rows.append(row)
    return records_frame(rows, DTYPES)

READS = [Reads(parse, frame, "ping", (("ping",), ("ping6",)),
               examples=("docker exec c timeout 10 ping -c 2 web", "ping6 -c 2 ::1", "ping -O -D -p abcd 127.0.0.1"))]
