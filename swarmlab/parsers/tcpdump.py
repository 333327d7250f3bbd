"""`tcpdump -i any -nn -S -tt -l` -> one record per packet (IPv4 TCP and UDP, VXLAN with the packet it carries).

Real output (tcpdump 4.99 on the Debian 13 rig, `-i any`: each line names the interface and the direction), in the
lb_ namespace of the client's node, then on that node's underlay (VXLAN: the carried packet on the next line)::

    1795775685.760342 eth0  In  IP 10.0.1.8.56848 > 10.0.1.2.80: Flags [S], seq 1178353379, win 64860, ...
    1795775685.840759 eth0  Out IP 10.0.1.9.56848 > 10.0.1.4.80: Flags [S], seq 1178353379, win 64860, ...
    1795775663.148998 eth0  Out IP 10.99.0.12.57674 > 10.99.0.11.4789: VXLAN, flags [I] (0x08), vni 4097
    IP 10.0.1.9.55984 > 10.0.1.3.80: Flags [S], seq 3125362276, win 64860, options [...], length 0

`-S` prints absolute TCP sequence numbers, so one connection's packets can be recognised at every capture point
(NAT rewrites addresses and ports, never sequence numbers). tcpdump's own report (`N packets captured`, `listening
on ...`) goes to stderr and is not parsed here.

`frame()` columns: time (float seconds), interface, direction (In/Out/...), src, sport, dst, dport, protocol
(tcp/udp), flags (tcpdump's, e.g. `S`, `S.`, `P.`), seq, seq_end, ack (Int64), length (Int64), info (what tcpdump
decoded after the length, e.g. `HTTP: GET / HTTP/1.1`), and for a packet carried in VXLAN: vni, outer_src,
outer_sport, outer_dst, outer_dport.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads

if TYPE_CHECKING:
    import pandas as pd

KIND = "tcpdump"
_HEAD = re.compile(r"^(?P<time>\d+\.\d+) (?P<iface>\S+)\s+(?P<dir>In|Out|B|M|P)\s+(?P<rest>IP .*)$")
_IP = re.compile(r"^IP (?P<src>\d+\.\d+\.\d+\.\d+)\.(?P<sport>\d+) > (?P<dst>\d+\.\d+\.\d+\.\d+)\.(?P<dport>\d+): "
                 r"(?P<body>.*)$")
_VXLAN = re.compile(r"^VXLAN, flags \[\w*\] \(0x[0-9a-f]+\), vni (?P<vni>\d+)$")
_TCP = re.compile(r"^Flags \[(?P<flags>[^\]]*)\](?:, seq (?P<seq>\d+)(?::(?P<seq_end>\d+))?)?(?:, ack (?P<ack>\d+))?"
                  r".*?, length (?P<length>\d+)(?:: (?P<info>.*))?$")
_UDP = re.compile(r"^UDP, length (?P<length>\d+)$")


@dataclass
class Packet:
    time: float
    interface: str
    direction: str
    src: str
    sport: int
    dst: str
    dport: int
    protocol: str
    flags: str | None = None
    seq: int | None = None
    seq_end: int | None = None
    ack: int | None = None
    length: int | None = None
    info: str | None = None
    vni: int | None = None
    outer_src: str | None = None
    outer_sport: int | None = None
    outer_dst: str | None = None
    outer_dport: int | None = None

    @property
    def endpoints(self) -> tuple[str, int, str, int]:
        return self.src, self.sport, self.dst, self.dport

    @property
    def syn(self) -> bool:
        return self.flags == "S"

    @property
    def syn_ack(self) -> bool:
        return self.flags == "S."


def _ip_packet(text: str, line_no: int, line: str) -> tuple[str, int, str, int, str]:
    m = _IP.match(text)
    if m is None:
        raise ParseError(KIND, "expected 'IP a.b.c.d.port > a.b.c.d.port: ...'", line_no=line_no, line=line)
    return m["src"], int(m["sport"]), m["dst"], int(m["dport"]), m["body"]


def _fill(p: Packet, body: str, line_no: int, line: str) -> Packet:
    tcp = _TCP.match(body)
    if tcp is not None:
        p.protocol, p.flags = "tcp", tcp["flags"]
        p.seq = int(tcp["seq"]) if tcp["seq"] else None
        p.seq_end = int(tcp["seq_end"]) if tcp["seq_end"] else None
        p.ack = int(tcp["ack"]) if tcp["ack"] else None
        p.length, p.info = int(tcp["length"]), tcp["info"]
        return p
    udp = _UDP.match(body)
    if udp is not None:
        p.protocol, p.length = "udp", int(udp["length"])
        return p
    raise ParseError(KIND, "neither a TCP nor a UDP packet tcpdump decoded", line_no=line_no, line=line)


def parse(text: str) -> list[Packet]:
    lines = text.splitlines()
    out: list[Packet] = []
    i = 0
    while i < len(lines):
        line, no = lines[i], i + 1
        i += 1
        if not line.strip():
            continue
        head = _HEAD.match(line)
        if head is None:
            raise ParseError(KIND, "expected 'TIME IFACE In|Out IP ...' (tcpdump -i any -nn -tt)", line_no=no,
                             line=line)
        src, sport, dst, dport, body = _ip_packet(head["rest"], no, line)
        vxlan = _VXLAN.match(body)
        if vxlan is None:
            out.append(_fill(Packet(float(head["time"]), head["iface"], head["dir"], src, sport, dst, dport, ""),
                             body, no, line))
            continue
        if i >= len(lines):
            raise ParseError(KIND, "a VXLAN packet without the packet it carries", line_no=no, line=line)
        inner, inner_no = lines[i], i + 1
        i += 1
        isrc, isport, idst, idport, ibody = _ip_packet(inner, inner_no, inner)
        p = Packet(float(head["time"]), head["iface"], head["dir"], isrc, isport, idst, idport, "",
                   vni=int(vxlan["vni"]), outer_src=src, outer_sport=sport, outer_dst=dst, outer_dport=dport)
        out.append(_fill(p, ibody, inner_no, inner))
    return out


DTYPES = {"time": "float64", "interface": "string", "direction": "string", "src": "string", "sport": "Int64",
          "dst": "string", "dport": "Int64", "protocol": "string", "flags": "string", "seq": "Int64",
          "seq_end": "Int64", "ack": "Int64", "length": "Int64", "info": "string", "vni": "Int64",
          "outer_src": "string", "outer_sport": "Int64", "outer_dst": "string", "outer_dport": "Int64"}


def frame(packets: list[Packet]) -> pd.DataFrame:
    from swarmlab.parsers._text import records_frame

    return records_frame(packets, DTYPES)


READS = [Reads(parse, frame, "tcpdump", (("tcpdump",),),
               examples=("tcpdump -i any -nn -S -tt -l 'tcp port 80'",
                         "sudo nsenter --net=/var/run/docker/netns/lb_x tcpdump -i any -nn -S -tt -l"))]
