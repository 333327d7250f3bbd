"""`ss -ltnp` (or `-ltn`): the node's listening TCP sockets -> sockets.

Our own parser. Real output on the rig (Debian 13, iproute2 6.15, Docker 26.1), swarm-worker1 after a service
published port 30000 (tests/fixtures/rig-ipvs-docker26/ss-ltnp.txt); ss glues the last two headers together::

    State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
    LISTEN 0      128       10.99.0.11:22         0.0.0.0:*    users:(("sshd",pid=335,fd=7))
    LISTEN 0      4096               *:30000            *:*    users:(("dockerd",pid=344,fd=23))
    LISTEN 0      4096               *:7946             *:*    users:(("dockerd",pid=344,fd=26))

Without `-p` the Process column is absent. For a listening socket Recv-Q is the number of connections waiting to
be accepted, Send-Q the backlog. An address is `*` (every address, IPv4 and IPv6), an IPv4 address, `[v6]` or
`addr%interface`. Anything else is a ParseError naming the line.
`frame()` columns: state, recv_q, send_q (Int64), address (string), port (Int64), process (string: the first
program, `dockerd`), pid (Int64), processes (string: every `name/pid`, comma-separated; <NA> without -p).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "ss -ltn"
DTYPES = {"state": "string", "recv_q": "Int64", "send_q": "Int64", "address": "string", "port": "Int64",
          "process": "string", "pid": "Int64", "processes": "string"}
_HEADER = re.compile(r"(?:Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port\s*(?:Process)?")
_ENDPOINT = re.compile(r"(?P<address>\*|\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(?:%\S+)?:(?P<port>\d+|\*)")
_LINE = re.compile(r"(?P<state>[A-Z][A-Z0-9-]*)\s+(?P<recv>\d+)\s+(?P<send>\d+)\s+(?P<local>\S+)\s+(?P<peer>\S+)"
                   r"(?:\s+users:\((?P<users>.*)\))?")
_USER = re.compile(r'\("(?P<name>[^"]+)",pid=(?P<pid>\d+),fd=\d+\)')


@dataclass(frozen=True)
class Socket:
    state: str
    recv_q: int
    send_q: int
    address: str
    port: int
    processes: tuple[tuple[str, int], ...] = ()  # (program, pid) for each holder; empty without -p

    @property
    def process(self) -> str | None:
        return self.processes[0][0] if self.processes else None


def parse(text: str) -> list[Socket]:
    sockets: list[Socket] = []
    for no, line in enumerate(clean_lines(text), 1):
        stripped = line.strip()
        if not stripped or _HEADER.fullmatch(stripped):
            continue
        m = _LINE.fullmatch(stripped)
        local = _ENDPOINT.fullmatch(m["local"]) if m else None
        if m is None or local is None or local["port"] == "*" or _ENDPOINT.fullmatch(m["peer"]) is None:
            raise ParseError(KIND, "not a socket line (State Recv-Q Send-Q Local:Port Peer:Port [users:(...)])",
                             line_no=no, line=line)
        users = tuple((u["name"], int(u["pid"])) for u in _USER.finditer(m["users"] or ""))
        if m["users"] is not None and not users:
            raise ParseError(KIND, "a users:(...) column without a (\"name\",pid=N,fd=N)", line_no=no, line=line)
        sockets.append(Socket(m["state"], int(m["recv"]), int(m["send"]), local["address"].strip("[]"),
                              int(local["port"]), users))
    return sockets


def frame(text_or_sockets: str | list[Socket]) -> pd.DataFrame:
    sockets = parse(text_or_sockets) if isinstance(text_or_sockets, str) else text_or_sockets
    return records_frame([{"state": s.state, "recv_q": s.recv_q, "send_q": s.send_q, "address": s.address,
                           "port": s.port, "process": s.process, "pid": s.processes[0][1] if s.processes else None,
                           "processes": ",".join(f"{n}/{p}" for n, p in s.processes) or None}
                          for s in sockets], DTYPES)


READS = [Reads(parse, frame, "ss", (("ss",),), when=(r"^(?:sudo (?:-n )?)?ss -(?=[ltnp]*l)(?=[ltnp]*t)[ltnp]+\s*$",),
               examples=("ss -ltnp", "ss -ltn", "ss -tlnp"))]
