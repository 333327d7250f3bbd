"""Small system outputs the rig and the doctor read: `/proc/loadavg`, `df` (any layout, by its header), kernel
console lines, dockerd's logfmt log, and `nft list ruleset`.

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


# df's column names (GNU coreutils with -h/-k/-P/-T/-i/--output, busybox, BSD) -> record keys
_DF_COLUMNS = {"filesystem": "filesystem", "type": "type", "size": "size", "used": "used", "avail": "avail",
               "available": "avail", "use%": "use", "capacity": "use", "mounted on": "mounted_on",
               "inodes": "inodes", "iused": "iused", "ifree": "ifree", "iuse%": "iuse", "%iused": "iuse",
               "file": "file"}
_DF_BLOCKS = re.compile(r"(\d+[KMGTP]?)-blocks")


def _df_header(line: str) -> list[str]:
    words = line.split()
    keys: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i:i + 2]).lower()
        if pair == "mounted on":
            keys.append("mounted_on")
            i += 2
            continue
        word = words[i]
        if m := _DF_BLOCKS.fullmatch(word):
            keys.append(f"blocks_{m.group(1).lower()}")
        elif word.lower() in _DF_COLUMNS:
            keys.append(_DF_COLUMNS[word.lower()])
        else:
            raise ParseError("df", f"unknown column {word!r} in df's header", line_no=1, line=line)
        i += 1
    if "filesystem" not in keys and "mounted_on" not in keys and "file" not in keys:
        raise ParseError("df", "expected df's header (Filesystem ... Mounted on)", line_no=1, line=line)
    if len(set(keys)) != len(keys):
        raise ParseError("df", "a column twice in df's header", line_no=1, line=line)
    return keys


def parse_df(text: str) -> list[dict[str, str]]:
    """`df` in any layout: rows keyed by the header's own column names (`Filesystem Type 1K-blocks Used Available
    Use% Mounted on` -> filesystem, type, blocks_1k, used, avail, use, mounted_on; `-h` gives size, `-i` inodes,
    iused, ifree, iuse; `-P` 1024-blocks and Capacity (-> use)). A header word df does not print is a ParseError,
    never a shifted column. A mount point may hold spaces (the last column takes the rest); a long device name
    on a line of its own (busybox, old GNU) is joined to the next line. A `du -sh` line appended in the same
    command (`SIZE PATH`) comes as {'size', 'path'}; df's own complaints (`df: /run/netns: No such file or
    directory`, busybox on a mount that went away) as {'error'}."""
    rows: list[dict[str, str]] = []
    lines = [(no, ln) for no, ln in enumerate(clean_lines(text), 1) if ln.strip()]
    if not lines:
        raise ParseError("df", "empty output (expected the 'Filesystem ...' header)")
    keys = _df_header(lines[0][1])
    pending: tuple[int, str] | None = None
    for no, line in lines[1:]:
        if m := re.fullmatch(r"df: (.+)", line.strip()):  # df's complaint about one mount (stderr), kept as such
            rows.append({"error": m.group(1)})
            continue
        words = line.split()
        if pending is not None:
            words = [pending[1], *words]
            pending = None
        if len(words) == 1 and keys[0] == "filesystem" and len(keys) > 1:
            pending = (no, words[0])
            continue
        if len(words) == len(keys) or (len(words) > len(keys) and keys[-1] in ("mounted_on", "file")):
            cells = [*words[: len(keys) - 1], " ".join(words[len(keys) - 1:])]
            rows.append(dict(zip(keys, cells, strict=True)))
        elif len(words) == 2 and words[1].startswith("/"):
            rows.append({"size": words[0], "path": words[1]})
        else:
            raise ParseError("df", f"expected {len(keys)} columns ({', '.join(keys)})", line_no=no, line=line)
    if pending is not None:
        raise ParseError("df", "a device name with no figures after it", line_no=pending[0], line=pending[1])
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
