"""`ipvsadm` in all its forms -> the IPVS table: virtual services and their real servers.

No library parses ipvsadm; this one is ours. Forms read: `ipvsadm` / `-L` (host and service names allowed),
`-Ln`, `--stats`, `--rate`, and `-S`/`--save` (`-A`/`-a` rule lines); FWM, TCP, UDP and SCTP virtual services;
Masq, Route, Tunnel and Local forwarding; weights; `persistent N` and other flags; IPv6 `[addr]:port`.
Real output from the seed chapter (inside `lb_lpirdge00`)::

    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port Scheduler Flags
    -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
    FWM  262 rr
    -> 10.0.1.31:0                  Masq    1      0          0
    -> 10.0.1.32:0                  Masq    1      0          0
    FWM  263 rr
    -> 10.0.1.36:0                  Masq    1      0          0

`--stats` (Docker 20.10 in the qemu VM)::

    Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
      -> RemoteAddress:Port
    FWM  256                                64      385      383    24756    35276
      -> 10.0.1.3:0                         32      193      191    12404    17612

A kernel without IPVS answers `Can't initialize ipvs: Protocol not available`: that gives a table with
mode 'unavailable' and the message in `error` (the doctor's IPVS check reads it).

`frame()` has one row per (virtual service, real server); a virtual service without real servers gets one row
with the real-server columns empty. Columns and dtypes:
protocol (string: FWM | TCP | UDP | SCTP), virtual (string as printed: '262' or '10.0.0.1:80'), mark (Int64, for
FWM), vip (string), vport (string), scheduler (string), flags (string, e.g. 'persistent 360'), persistent
(Int64 seconds), real_address (string), real_port (string), forward (string: Masq | Route | Tunnel | Local),
weight, active_conn, inactive_conn (Int64); with --stats: conns, in_pkts, out_pkts, in_bytes, out_bytes (Int64,
per real server); with --rate: cps, in_pps, out_pps, in_bps, out_bps (Int64).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, counter, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "ipvsadm"
STAT_FIELDS = ("conns", "in_pkts", "out_pkts", "in_bytes", "out_bytes")
RATE_FIELDS = ("cps", "in_pps", "out_pps", "in_bps", "out_bps")
FORWARDS = {"Masq": "Masq", "Route": "Route", "Tunnel": "Tunnel", "Local": "Local"}
_SAVE_FORWARD = {"-m": "Masq", "--masquerading": "Masq", "-g": "Route", "--gatewaying": "Route",
                 "-i": "Tunnel", "--ipip": "Tunnel"}
_PROTOCOLS = ("TCP", "UDP", "SCTP", "FWM")
_BANNER = re.compile(r"IP Virtual Server version (\S+) \(size=(\d+)\)")
DTYPES = {"protocol": "string", "virtual": "string", "mark": "Int64", "vip": "string", "vport": "string",
          "scheduler": "string", "flags": "string", "persistent": "Int64", "real_address": "string",
          "real_port": "string", "forward": "string", "weight": "Int64", "active_conn": "Int64",
          "inactive_conn": "Int64", **dict.fromkeys(STAT_FIELDS, "Int64"), **dict.fromkeys(RATE_FIELDS, "Int64")}


@dataclass
class RealServer:
    address: str
    port: str
    forward: str | None = None
    weight: int | None = None
    active_conn: int | None = None
    inactive_conn: int | None = None
    counters: dict[str, int] = field(default_factory=dict)


@dataclass
class VirtualService:
    protocol: str
    virtual: str
    scheduler: str | None = None
    flags: str = ""
    counters: dict[str, int] = field(default_factory=dict)
    reals: list[RealServer] = field(default_factory=list)

    @property
    def mark(self) -> int | None:
        return int(self.virtual) if self.protocol == "FWM" else None

    @property
    def vip(self) -> str | None:
        return None if self.protocol == "FWM" else split_address(self.virtual)[0]

    @property
    def vport(self) -> str | None:
        return None if self.protocol == "FWM" else split_address(self.virtual)[1]

    @property
    def persistent(self) -> int | None:
        m = re.search(r"persistent (\d+)", self.flags)
        return int(m.group(1)) if m else None


@dataclass
class IPVSTable:
    mode: str  # list | stats | rate | save | unavailable
    version: str | None = None
    size: int | None = None
    services: list[VirtualService] = field(default_factory=list)
    error: str | None = None

    @property
    def available(self) -> bool:
        return self.mode != "unavailable"

    def service(self, mark: int) -> VirtualService | None:
        return next((s for s in self.services if s.mark == mark), None)

    @property
    def marks(self) -> list[int]:
        return [s.mark for s in self.services if s.mark is not None]


def split_address(text: str) -> tuple[str, str]:
    """'10.0.1.31:0' -> ('10.0.1.31', '0'); '[fd00::1]:80' -> ('fd00::1', '80'); 'docker0.local:0'."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host, port
    host, sep, port = text.rpartition(":")
    return (host, port) if sep else (text, "")


def parse(text: str) -> IPVSTable:
    lines = clean_lines(text)
    content = [(no, ln) for no, ln in enumerate(lines, 1) if ln.strip()]
    if not content:
        raise ParseError(KIND, "empty output (is ipvsadm installed and IPVS loaded? try `modprobe ip_vs`)")
    if content[0][1].lstrip().startswith(("-A", "-a")):
        return _parse_save(content)
    if any(ln.startswith("Can't initialize ipvs") for _, ln in content):
        # the kernel has no IPVS (ip_vs module missing, or refused by modprobe): no VIP load balancing here
        return IPVSTable(mode="unavailable", error=" ".join(ln.strip() for _, ln in content))
    return _parse_listing(content)


def _parse_listing(content: list[tuple[int, str]]) -> IPVSTable:
    table = IPVSTable(mode="list")
    current: VirtualService | None = None
    header_seen = False
    for no, line in content:
        stripped = line.strip()
        banner = _BANNER.fullmatch(stripped)
        if banner:
            table.version, table.size = banner.group(1), int(banner.group(2))
            continue
        if stripped.startswith("Prot "):
            header_seen = True
            table.mode = "stats" if "Conns" in stripped else "rate" if "CPS" in stripped else "list"
            continue
        if stripped.startswith("-> RemoteAddress"):
            continue
        if not header_seen:
            raise ParseError(KIND, "expected the 'Prot LocalAddress:Port ...' header first", line_no=no, line=line)
        words = stripped.split()
        if words[0] == "->":
            if current is None:
                raise ParseError(KIND, "a real server before any virtual service", line_no=no, line=line)
            current.reals.append(_real(words[1:], table.mode, no, line))
        elif words[0] in _PROTOCOLS:
            current = _virtual(words, table.mode, no, line)
            table.services.append(current)
        else:
            raise ParseError(KIND, "neither a virtual service (TCP/UDP/SCTP/FWM) nor a real server ('->')",
                             line_no=no, line=line)
    if not header_seen:
        raise ParseError(KIND, "no 'Prot LocalAddress:Port' header: not ipvsadm output")
    return table


def _virtual(words: list[str], mode: str, no: int, line: str) -> VirtualService:
    if len(words) < 2:
        raise ParseError(KIND, "virtual service without an address or mark", line_no=no, line=line)
    protocol, virtual = words[0], words[1]
    if protocol == "FWM" and not virtual.isdigit():
        raise ParseError(KIND, f"firewall mark {virtual!r} is not a number", line_no=no, line=line)
    service = VirtualService(protocol, virtual)
    if mode == "list":
        if len(words) < 3:
            raise ParseError(KIND, "virtual service without a scheduler", line_no=no, line=line)
        service.scheduler, service.flags = words[2], " ".join(words[3:])
    else:
        service.counters = _counters(words[2:], mode, no, line)
    return service


def _real(words: list[str], mode: str, no: int, line: str) -> RealServer:
    if not words:
        raise ParseError(KIND, "'->' without a real server", line_no=no, line=line)
    address, port = split_address(words[0])
    if mode != "list":
        return RealServer(address, port, counters=_counters(words[1:], mode, no, line))
    if len(words) != 5 or words[1] not in FORWARDS:
        raise ParseError(KIND, "expected 'ADDRESS:PORT Forward Weight ActiveConn InActConn'", line_no=no, line=line)
    weight, active, inactive = (_int(w, no, line) for w in words[2:5])
    return RealServer(address, port, FORWARDS[words[1]], weight, active, inactive)


def _counters(values: list[str], mode: str, no: int, line: str) -> dict[str, int]:
    names = STAT_FIELDS if mode == "stats" else RATE_FIELDS
    if len(values) != len(names):
        raise ParseError(KIND, f"expected {len(names)} counters ({', '.join(names)})", line_no=no, line=line)
    return {n: counter(v, KIND, no, line) for n, v in zip(names, values, strict=True)}


def _int(value: str, no: int, line: str) -> int:
    if not value.isdigit():
        raise ParseError(KIND, f"{value!r} is not a whole number", line_no=no, line=line)
    return int(value)


def _parse_save(content: list[tuple[int, str]]) -> IPVSTable:
    table = IPVSTable(mode="save")
    by_key: dict[tuple[str, str], VirtualService] = {}
    for no, line in content:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise ParseError(KIND, f"bad quoting ({exc})", line_no=no, line=line) from None
        verb, opts = words[0], words[1:]
        protocol = virtual = real = scheduler = forward = None
        weight: int | None = None
        flags: list[str] = []
        i = 0
        while i < len(opts):
            opt = opts[i]
            arg = opts[i + 1] if i + 1 < len(opts) else None
            if opt in ("-t", "--tcp-service", "-u", "--udp-service", "--sctp-service", "-f", "--fwmark-service"):
                if arg is None:
                    raise ParseError(KIND, f"{opt} without a value", line_no=no, line=line)
                protocol = {"-t": "TCP", "--tcp-service": "TCP", "-u": "UDP", "--udp-service": "UDP",
                            "--sctp-service": "SCTP"}.get(opt, "FWM")
                virtual, i = arg, i + 2
            elif opt in ("-s", "--scheduler") and arg is not None:
                scheduler, i = arg, i + 2
            elif opt in ("-r", "--real-server") and arg is not None:
                real, i = arg, i + 2
            elif opt in ("-w", "--weight") and arg is not None:
                weight, i = _int(arg, no, line), i + 2
            elif opt in _SAVE_FORWARD:
                forward, i = _SAVE_FORWARD[opt], i + 1
            elif opt in ("-p", "--persistent"):
                if arg is not None and arg.isdigit():
                    flags.append(f"persistent {arg}")
                    i += 2
                else:
                    flags.append("persistent 300")
                    i += 1
            elif opt in ("-M", "--netmask", "-x", "--u-threshold", "-y", "--l-threshold", "--pe", "-b") \
                    and arg is not None:
                flags.append(f"{opt} {arg}")
                i += 2
            elif opt in ("-o", "--ops"):
                flags.append("ops")
                i += 1
            elif opt in ("--tun-type", "--tun-port") and arg is not None:  # a tunnel real server's encapsulation
                i += 2
            elif opt in ("--tun-nocsum", "--tun-csum", "--tun-remcsum"):
                i += 1
            else:
                raise ParseError(KIND, f"unknown option {opt!r} in saved rules", line_no=no, line=line)
        if protocol is None or virtual is None:
            raise ParseError(KIND, "rule without -t/-u/-f/--sctp-service", line_no=no, line=line)
        if protocol == "FWM" and not virtual.isdigit():
            raise ParseError(KIND, f"firewall mark {virtual!r} is not a number", line_no=no, line=line)
        key = (protocol, virtual)
        if verb in ("-A", "--add-service"):
            service = VirtualService(protocol, virtual, scheduler or "wlc", " ".join(flags))
            by_key[key] = service
            table.services.append(service)
        elif verb in ("-a", "--add-server"):
            if key not in by_key:
                raise ParseError(KIND, "real server for a virtual service not added before", line_no=no, line=line)
            if real is None:
                raise ParseError(KIND, "-a without -r", line_no=no, line=line)
            address, port = split_address(real)
            by_key[key].reals.append(RealServer(address, port, forward or "Route", 1 if weight is None else weight))
        else:
            raise ParseError(KIND, f"unknown command {verb!r} in saved rules", line_no=no, line=line)
    return table


def parse_per_namespace(text: str) -> dict[str, IPVSTable]:
    """Output of a loop that echoes each namespace path, then runs ipvsadm in it (one remote command for all)::

        /run/docker/netns/lb_z7vyly9zq
        IP Virtual Server version 1.2.1 (size=4096)
        ...
    """
    tables: dict[str, IPVSTable] = {}
    label: str | None = None
    chunk: list[str] = []
    for no, line in enumerate(clean_lines(text), 1):
        if line.startswith("/") and " " not in line.strip():
            if label is not None:
                tables[label] = parse("\n".join(chunk))
            label, chunk = line.strip(), []
        elif label is None and line.strip():
            raise ParseError(KIND, "expected a namespace path line before the table", line_no=no, line=line)
        else:
            chunk.append(line)
    if label is not None:
        tables[label] = parse("\n".join(chunk))
    return tables


def rows(table: IPVSTable) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for s in table.services:
        base: dict[str, object] = {"protocol": s.protocol, "virtual": s.virtual, "mark": s.mark, "vip": s.vip,
                                   "vport": s.vport, "scheduler": s.scheduler, "flags": s.flags,
                                   "persistent": s.persistent}
        if not s.reals:
            out.append(base)
        for r in s.reals:
            out.append({**base, "real_address": r.address, "real_port": r.port, "forward": r.forward,
                        "weight": r.weight, "active_conn": r.active_conn, "inactive_conn": r.inactive_conn,
                        **r.counters})
    return out


def services_frame(table: IPVSTable) -> pd.DataFrame:
    """One row per virtual service: protocol, virtual, mark, scheduler, flags, reals (count), and its counters."""
    dtypes = {"protocol": "string", "virtual": "string", "mark": "Int64", "scheduler": "string", "flags": "string",
              "reals": "Int64", **dict.fromkeys(STAT_FIELDS, "Int64"), **dict.fromkeys(RATE_FIELDS, "Int64")}
    return records_frame([{"protocol": s.protocol, "virtual": s.virtual, "mark": s.mark, "scheduler": s.scheduler,
                           "flags": s.flags, "reals": len(s.reals), **s.counters} for s in table.services], dtypes)


def frame(text_or_table: str | IPVSTable) -> pd.DataFrame:
    table = parse(text_or_table) if isinstance(text_or_table, str) else text_or_table
    return records_frame(rows(table), DTYPES)

READS = [Reads(parse, frame, "ipvsadm", (("ipvsadm",),), unless=(r"^\s*for\s",),
               examples=("ipvsadm -Ln", "sudo nsenter --net=/var/run/docker/netns/lb_x sh -c 'ipvsadm -Ln --stats'")),
         Reads(parse_per_namespace, None, "ipvsadm_per_namespace", (("ipvsadm",),), when=(r"^\s*for\s",),
               examples=("for ns in $(ls -d /var/run/docker/netns/lb_*); do echo $ns; "
                         "nsenter --net=$ns ipvsadm -Ln; done",))]
