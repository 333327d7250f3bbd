"""`ls /var/run/docker/netns` (plain, one per line, `ls -l`/`-la`, GNU or busybox) and `ip netns` -> entries.

Our own parser. Real output from the seed chapter::

    1-14fy2l7a4m  1-lpirdge00y  dfb766d83076  ingress_sbox  lb_lpirdge00

Each entry is classified by moby's naming rules (docs/swarm-lb-facts.md section 1):
`lb_<9>` -> `lb` (load balancer of the overlay whose id starts with those 9 characters; named so since 18.09),
`ingress_sbox` -> `ingress`, `1-<10>` -> `overlay` (the overlay driver's own namespace, network id prefix),
12 hex -> `sandbox` (a container or task sandbox, or before 18.09 an unnamed LB sandbox), `default` -> `default`.
DataFrame columns: name (string), kind (string), network_prefix (string: the network-id prefix for lb/overlay),
netns_id (Int64: the `(id: N)` of `ip netns`), mode (string: `-r--r--r--` with -l).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "ls /var/run/docker/netns"
DTYPES = {"name": "string", "kind": "string", "network_prefix": "string", "netns_id": "Int64", "mode": "string"}
_LONG = re.compile(r"[-dlcbps][-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\d+\s+[\d:]+\s+(.+)")
_IPNETNS = re.compile(r"(\S+)\s+\(id: (\d+)\)")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class NetnsEntry:
    name: str
    kind: str
    network_prefix: str | None
    netns_id: int | None = None
    mode: str | None = None


def classify(name: str) -> tuple[str, str | None]:
    if name.startswith("lb_") and len(name) > 3:
        return "lb", name[3:]
    if name == "ingress_sbox":
        return "ingress", None
    if re.fullmatch(r"\d+-[a-z0-9]+", name):
        return "overlay", name.split("-", 1)[1]
    if re.fullmatch(r"[0-9a-f]{12}", name):
        return "sandbox", None
    if name == "default":
        return "default", None
    return "other", None


def lb_namespace_for(network_id: str) -> str:
    """The `lb_` namespace moby names after a network id: 'lb_' + id, cut to 12 characters."""
    return ("lb_" + network_id)[:12]


def find_lb_namespace(network_id: str, entries: list[NetnsEntry]) -> str | None:
    """The network's lb_ namespace among a node's netns `entries`: the expected name, else an `lb_` entry whose
    prefix the id starts with (`docker network ls` shows 12 characters, enough for the 9 of the name); None when
    the node has none (no task of that network runs there)."""
    expected = lb_namespace_for(network_id)
    names = [e.name for e in entries]
    if expected in names:
        return expected
    found = [e.name for e in entries if e.kind == "lb" and network_id.startswith(e.network_prefix or "-")]
    return found[0] if found else None


def parse(text: str) -> list[NetnsEntry]:
    entries: list[NetnsEntry] = []
    for no, line in enumerate(clean_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("total "):
            continue
        long = _LONG.fullmatch(stripped)
        if long:
            mode = stripped.split()[0]
            name = long.group(1).split(" -> ")[0]
            if name in (".", ".."):
                continue
            entries.append(_entry(name, no, line, mode=mode))
            continue
        ipn = _IPNETNS.fullmatch(stripped)
        if ipn:
            entries.append(_entry(ipn.group(1), no, line, netns_id=int(ipn.group(2))))
            continue
        for name in stripped.split():
            entries.append(_entry(name, no, line))
    return entries


def _entry(name: str, no: int, line: str, mode: str | None = None, netns_id: int | None = None) -> NetnsEntry:
    if not _NAME.fullmatch(name):
        raise ParseError(KIND, f"{name!r} is not a namespace file name", line_no=no, line=line)
    kind, prefix = classify(name)
    return NetnsEntry(name, kind, prefix, netns_id, mode)


def frame(text_or_entries: str | list[NetnsEntry]) -> pd.DataFrame:
    entries = parse(text_or_entries) if isinstance(text_or_entries, str) else text_or_entries
    return records_frame([asdict(e) for e in entries], DTYPES)

READS = [Reads(parse, frame, "netns_ls", (("ls",),), when=(r"\bnetns\b",),
               examples=("ls /var/run/docker/netns", "nsenter -t 1583 -m -n ls -la /run/docker3/netns")),
         Reads(parse, frame, "netns_ls", (("ip", "netns"),), when=(r"\bip netns(?: list| ls)?\s*$",),
               examples=("ip netns", "ip netns list"))]
