"""Small system outputs the rig and the doctor read: `/proc/loadavg`, `df -h`, kernel console lines, dockerd's
logfmt log, and `nft list ruleset`.

Our own parsers. Real `/proc/loadavg` in the qemu VM: `1.06 0.33 0.11 1/250 1510`. A real dockerd log line on
a kernel without IPVS (the reason VIPs carry no traffic there)::

    time="2026-11-26T01:02:03.123Z" level=error msg="Could not get ipvs family information from the kernel..."
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines


@dataclass(frozen=True)
class LoadAvg:
    one: float
    five: float
    fifteen: float
    running: int
    total: int
    last_pid: int


def parse_loadavg(text: str) -> LoadAvg:
    m = re.fullmatch(r"\s*(\d+\.\d+) (\d+\.\d+) (\d+\.\d+) (\d+)/(\d+) (\d+)\s*", text)
    if not m:
        raise ParseError("cat /proc/loadavg", "expected 'l1 l5 l15 running/total lastpid'", line_no=1,
                         line=text.strip()[:80])
    g = m.groups()
    return LoadAvg(float(g[0]), float(g[1]), float(g[2]), int(g[3]), int(g[4]), int(g[5]))


def parse_df(text: str) -> list[dict[str, str]]:
    """`df -h` (header `Filesystem Size Used Avail Use% Mounted on`): rows keyed filesystem, size, used, avail,
    use, mounted_on. A `du -sh` line appended in the same command (`SIZE PATH`) comes as {'size', 'path'}."""
    rows: list[dict[str, str]] = []
    lines = [(no, ln) for no, ln in enumerate(clean_lines(text), 1) if ln.strip()]
    if not lines or not lines[0][1].startswith("Filesystem"):
        raise ParseError("df", "expected the 'Filesystem ...' header", line_no=1, line=lines[0][1] if lines else "")
    for no, line in lines[1:]:
        words = line.split()
        if len(words) >= 6:
            rows.append(dict(zip(("filesystem", "size", "used", "avail", "use"), words[:5], strict=True))
                        | {"mounted_on": " ".join(words[5:])})
        elif len(words) == 2:
            rows.append({"size": words[0], "path": words[1]})
        else:
            raise ParseError("df", "expected 6 columns", line_no=no, line=line)
    return rows


def parse_console(text: str) -> list[tuple[float | None, str]]:
    """A serial console / dmesg: `[    1.234567] message` lines (time in seconds since boot); lines printed by
    user space (initramfs, init scripts) have no time stamp and come with None."""
    out: list[tuple[float | None, str]] = []
    for line in clean_lines(text):
        if not line.strip():
            continue
        m = re.match(r"\[\s*(\d+\.\d+)\] ?(.*)", line)
        out.append((float(m.group(1)), m.group(2)) if m else (None, line.strip()))
    return out


def parse_logfmt(text: str) -> list[dict[str, str]]:
    """dockerd's log: one `key=value key="quoted value"` record per line."""
    records = []
    for no, line in enumerate(clean_lines(text), 1):
        if not line.strip():
            continue
        try:
            words = shlex.split(line, posix=True)
        except ValueError as exc:
            raise ParseError("dockerd log", f"bad quoting ({exc})", line_no=no, line=line) from None
        record: dict[str, str] = {}
        for word in words:
            key, sep, value = word.partition("=")
            if not sep:
                raise ParseError("dockerd log", f"{word!r} is not key=value", line_no=no, line=line)
            record[key] = value
        records.append(record)
    return records


@dataclass
class NftChain:
    table: str
    name: str
    hook: str | None = None
    policy: str | None = None
    rules: list[str] = field(default_factory=list)


def parse_nft(text: str) -> list[NftChain]:
    """`nft list ruleset` -> chains with their rules (as text), hook and policy."""
    chains: list[NftChain] = []
    table: str | None = None
    chain: NftChain | None = None
    for no, line in enumerate(clean_lines(text), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if m := re.fullmatch(r"table (\S+ \S+) \{", s):
            table = m.group(1)
        elif m := re.fullmatch(r"chain (\S+) \{", s):
            if table is None:
                raise ParseError("nft list ruleset", "chain outside a table", line_no=no, line=line)
            chain = NftChain(table, m.group(1))
            chains.append(chain)
        elif s == "}":
            if chain is not None:
                chain = None
            else:
                table = None
        elif chain is None:
            raise ParseError("nft list ruleset", "rule outside a chain", line_no=no, line=line)
        elif m := re.fullmatch(r"type \S+ hook (\S+) priority [^;]+;(?: policy (\S+);)?", s):
            chain.hook, chain.policy = m.group(1), m.group(2)
        else:
            chain.rules.append(s)
    return chains

READS = [Reads(parse_nft, None, "nft", (("nft", "list", "ruleset"),), examples=("nft list ruleset",)),
         Reads(parse_loadavg, None, "loadavg", (("cat",),), when=(r"/proc/loadavg",),
               examples=("cat /proc/loadavg",)),
         Reads(parse_df, None, "df", (("df",),), examples=("df -h /; du -sh /var/lib/docker", "df -T"))]
