"""`ipvsadm -Lnc` -> IPVS's connection table: which client connection went to which real server, and its state.

Real output (Docker 20.10 on the rig, in the client node's `lb_` namespace, after four requests to `web`)::

    IPVS connection entries
    pro expire state       source             virtual            destination
    TCP 00:24  TIME_WAIT   10.0.1.8:49398     10.0.1.2:80        10.0.1.4:80
    TCP 00:25  TIME_WAIT   10.0.1.8:49404     10.0.1.2:80        10.0.1.3:80

For a Docker VIP the virtual column is the VIP and the port the client asked for (the FWM service matched the
packet's mark; the entry keeps its addresses), the destination a task: the proof of IPVS's DNAT, connection by
connection. `-c` without `-n` prints names; they are read as printed.

`frame()` columns: protocol, state (string), expire_s (Int64 seconds), source, source_port, virtual,
virtual_port, destination, destination_port (string; ports as printed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads

if TYPE_CHECKING:
    import pandas as pd

KIND = "ipvsadm -Lnc"
_ADDR = r"(\[[0-9a-fA-F:.]+\]|[^\s:]+):(\w+)"
_ROW = re.compile(rf"^(\w+)\s+(\d+):(\d\d)\s+(\S+)\s+{_ADDR}\s+{_ADDR}\s+{_ADDR}\s*$")


@dataclass
class Connection:
    protocol: str
    expire_s: int
    state: str
    source: str
    source_port: str
    virtual: str
    virtual_port: str
    destination: str
    destination_port: str


def parse(text: str) -> list[Connection]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].strip() != "IPVS connection entries":
        raise ParseError(KIND, "expected 'IPVS connection entries'", line_no=1, line=lines[0] if lines else "")
    if len(lines) < 2 or lines[1].split()[:3] != ["pro", "expire", "state"]:
        raise ParseError(KIND, "expected the 'pro expire state' header", line_no=2,
                         line=lines[1] if len(lines) > 1 else "")
    out = []
    for no, line in enumerate(lines[2:], 3):
        m = _ROW.match(line)
        if m is None:
            raise ParseError(KIND, "not a connection row", line_no=no, line=line)
        g = m.groups()
        out.append(Connection(g[0], int(g[1]) * 60 + int(g[2]), g[3], g[4].strip("[]"), g[5], g[6].strip("[]"), g[7],
                              g[8].strip("[]"), g[9]))
    return out


DTYPES = {"protocol": "string", "state": "string", "expire_s": "Int64", "source": "string", "source_port": "string",
          "virtual": "string", "virtual_port": "string", "destination": "string", "destination_port": "string"}


def frame(connections: list[Connection]) -> pd.DataFrame:
    from swarmlab.parsers._text import records_frame

    return records_frame(connections, DTYPES)


READS = [Reads(parse, frame, "ipvsadm_connections", (("ipvsadm",),), when=(r"(?:^|\s)ipvsadm\s+-\w*c",),
               unless=(r"^\s*for\s",),
               examples=("ipvsadm -Lnc", "sudo nsenter --net=/var/run/docker/netns/lb_x ipvsadm -Lnc"))]
