"""`ip a` / `ip addr` (iproute2 and busybox), `ip -o addr` and `ip -j addr` -> interfaces and addresses.

Our own parser (jc has no `ip addr` parser). Real output from the seed chapter, inside `lb_lpirdge00`::

    50: eth0@if51: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default
        link/ether 02:42:0a:00:01:25 brd ff:ff:ff:ff:ff:ff link-netnsid 0
        inet 10.0.1.37/24 brd 10.0.1.255 scope global eth0
        valid_lft forever preferred_lft forever
        inet 10.0.1.30/32 scope global eth0
        valid_lft forever preferred_lft forever

A VIP shows up as a /32 IPv4 alias (`vip` column): on eth0 of the `lb_` namespace (18.06+), on a task's eth0
(1.12-17.06) or on a task's lo (17.09-18.03); 127.0.0.1 is never one.
`frame()` (one row per address) columns: index (Int64), interface (string), peer (string: 'if51'), mac (string),
mtu (Int64), state (string), family (string: inet | inet6), address (string), prefix (Int64), broadcast
(string), scope (string), vip (boolean). `interfaces_frame()`: index, interface, peer, flags, mtu, state, mac.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "ip addr"
_LINK = re.compile(r"(\d+):\s+([^:@\s]+)(?:@(\S+?))?:\s+<([^>]*)>(.*)")
DTYPES = {"index": "Int64", "interface": "string", "peer": "string", "mac": "string", "mtu": "Int64",
          "state": "string", "family": "string", "address": "string", "prefix": "Int64", "broadcast": "string",
          "scope": "string", "vip": "boolean"}


@dataclass
class Address:
    family: str
    address: str
    prefix: int
    broadcast: str | None = None
    scope: str | None = None

    @property
    def vip(self) -> bool:
        return self.family == "inet" and self.prefix == 32 and not self.address.startswith("127.")


@dataclass
class Interface:
    index: int
    name: str
    peer: str | None
    flags: list[str]
    mtu: int | None = None
    state: str | None = None
    mac: str | None = None
    addresses: list[Address] = field(default_factory=list)

    @property
    def vips(self) -> list[str]:
        return [a.address for a in self.addresses if a.vip]


def parse(text: str) -> list[Interface]:
    if text.lstrip().startswith("["):
        return parse_json(text)
    lines = clean_lines(text)
    interfaces: list[Interface] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if line[0].isdigit():
            head = line.partition("\\")[0]  # `ip -o` puts a whole interface or address on one line
            m = _LINK.fullmatch(head.strip())
            if m:
                interfaces.append(_interface(m, no, line))
                continue
            one = re.fullmatch(r"(\d+):\s+(\S+)\s+(inet6?\s.*)", head.strip())
            if one:
                iface = next((i for i in interfaces if i.name == one.group(2)), None)
                if iface is None:
                    iface = Interface(int(one.group(1)), one.group(2), None, [])
                    interfaces.append(iface)
                iface.addresses.append(_address(one.group(3).split(), no, line))
                continue
            raise ParseError(KIND, "expected 'N: NAME: <FLAGS> ...'", line_no=no, line=line)
        if not interfaces:
            raise ParseError(KIND, "an address line before any interface", line_no=no, line=line)
        words = line.split()
        if words[0] in ("inet", "inet6"):
            interfaces[-1].addresses.append(_address(words, no, line))
        elif words[0].startswith("link/"):
            interfaces[-1].mac = words[1] if len(words) > 1 else None
        elif words[0] in ("valid_lft", "altname"):
            continue
        else:
            raise ParseError(KIND, "unknown line inside an interface", line_no=no, line=line)
    if not interfaces:
        raise ParseError(KIND, "no interface found")
    return interfaces


def _interface(m: re.Match[str], no: int, line: str) -> Interface:
    index, name, peer, flags, rest = m.groups()
    words = rest.split()
    attrs = dict(zip(words[::2], words[1::2], strict=False))
    mtu = attrs.get("mtu")
    if mtu is not None and not mtu.isdigit():
        raise ParseError(KIND, f"mtu {mtu!r} is not a number", line_no=no, line=line)
    return Interface(int(index), name, peer, [f for f in flags.split(",") if f], int(mtu) if mtu else None,
                     attrs.get("state"))


def _address(words: list[str], no: int, line: str) -> Address:
    if len(words) < 2:
        raise ParseError(KIND, "address line without an address", line_no=no, line=line)
    family, cidr = words[0], words[1]
    address, _, prefix = cidr.partition("/")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ParseError(KIND, f"{address!r} is not an IP address", line_no=no, line=line) from None
    if prefix and not prefix.isdigit():
        raise ParseError(KIND, f"prefix {prefix!r} is not a number", line_no=no, line=line)
    attrs = dict(zip(words[2::2], words[3::2], strict=False))
    default_prefix = 32 if family == "inet" else 128
    return Address(family, address, int(prefix) if prefix else default_prefix, attrs.get("brd"), attrs.get("scope"))


def parse_json(text: str) -> list[Interface]:
    """`ip -j addr`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(KIND, f"not JSON ({exc.msg})", line_no=exc.lineno) from None
    if not isinstance(data, list):
        raise ParseError(KIND, "`ip -j addr` prints a JSON list")
    out = []
    for item in data:
        if not isinstance(item, dict) or "ifindex" not in item or "ifname" not in item:
            raise ParseError(KIND, f"interface entry without ifindex/ifname: {str(item)[:80]}")
        index = _int(item["ifindex"])
        if index is None:
            raise ParseError(KIND, f"interface entry with ifindex null: {str(item)[:80]}")
        iface = Interface(index, str(item["ifname"]), _peer(item), list(item.get("flags", [])),
                          _int(item.get("mtu")), item.get("operstate"), item.get("address"))
        for a in item.get("addr_info", []) or []:
            if not isinstance(a, dict) or "local" not in a:
                raise ParseError(KIND, f"address entry without 'local': {str(a)[:80]}")
            iface.addresses.append(Address(str(a.get("family")), str(a["local"]), _int(a.get("prefixlen")) or 0,
                                           a.get("broadcast"), a.get("scope")))
        out.append(iface)
    return out


def _peer(item: dict[str, Any]) -> str | None:
    if "link_index" in item:
        return f"if{item['link_index']}"
    return item.get("link")


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(KIND, f"{value!r} is not a number")
    return value


def frame(text_or_interfaces: str | list[Interface]) -> pd.DataFrame:
    interfaces = parse(text_or_interfaces) if isinstance(text_or_interfaces, str) else text_or_interfaces
    rows = [{"index": i.index, "interface": i.name, "peer": i.peer, "mac": i.mac, "mtu": i.mtu, "state": i.state,
             "family": a.family, "address": a.address, "prefix": a.prefix, "broadcast": a.broadcast,
             "scope": a.scope, "vip": a.vip} for i in interfaces for a in i.addresses]
    return records_frame(rows, DTYPES)


def interfaces_frame(text_or_interfaces: str | list[Interface]) -> pd.DataFrame:
    interfaces = parse(text_or_interfaces) if isinstance(text_or_interfaces, str) else text_or_interfaces
    dtypes = {"index": "Int64", "interface": "string", "peer": "string", "flags": "string", "mtu": "Int64",
              "state": "string", "mac": "string"}
    return records_frame([{"index": i.index, "interface": i.name, "peer": i.peer, "flags": ",".join(i.flags),
                           "mtu": i.mtu, "state": i.state, "mac": i.mac} for i in interfaces], dtypes)

READS = [Reads(parse, frame, "ip_addr", (("ip", "a"), ("ip", "ad"), ("ip", "addr"), ("ip", "address")),
               examples=("ip a", "ip -o addr show", "nsenter --net=/var/run/docker/netns/lb_x ip -j a"))]
