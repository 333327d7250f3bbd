"""`iptables -L` listings (with or without -n, -v, --line-numbers, K/M/G counters, any table) and `iptables-save`
-> chains and rules.

Our own parser. jc 1.26's `iptables` parser was tried on the fixtures first: it reads the clean captures, but
raises IndexError on the seed's own output (fixtures/captured/iptables_mangle/02: rows whose leading spaces were
lost) and has no iptables-save parser, so this module does both. Real output from the seed chapter, inside
`lb_lpirdge00` (`iptables -nvL -t mangle`)::

    Chain INPUT (policy ACCEPT 92 packets, 6743 bytes)
    pkts bytes target     prot opt in     out     source               destination
    72  4995 MARK       all  --  *      *       0.0.0.0/0            10.0.1.30            MARK set 0x106
        0     0 MARK       all  --  *      *       0.0.0.0/0            10.0.1.35            MARK set 0x107

`--line-numbers` (a `num` column first, in every form) is read, and its numbers checked against the rule's place.
An error iptables printed instead of a listing comes back as a Ruleset with no chains and `error` set.
Rules are read from their words, not columns, so damaged alignment is fine; a rule without a target (iptables
prints blanks there) is recognised by where the `opt` word (`--`, `-f`, `!f`) stands.
`rules_frame()` columns: table (string), chain (string), num (Int64, 1-based in its chain), pkts, bytes (Int64;
<NA> without -v), target, prot, opt, in_iface, out_iface, source, destination, options (string), mark (Int64:
the MARK/--set-mark value), mark_hex (string, '0x106'), dport (string, 'dpt:8080' -> '8080').
`chains_frame()`: table, chain, policy (string; <NA> for user chains), packets, bytes (Int64), references (Int64).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, counter, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "iptables"
_CHAIN = re.compile(r"Chain (\S+) \((?:policy (\S+)(?: (\S+) packets, (\S+) bytes)?|(\d+) references)\)")
_OPT = re.compile(r"^(--|-f|!f)$")
_MARK = re.compile(r"MARK (?:set|xset|or|and|xor) (0x[0-9a-fA-F]+)")
_DPT = re.compile(r"dpts?:(\S+)")
RULE_DTYPES = {"table": "string", "chain": "string", "num": "Int64", "pkts": "Int64", "bytes": "Int64",
               "target": "string", "prot": "string", "opt": "string", "in_iface": "string", "out_iface": "string",
               "source": "string", "destination": "string", "options": "string", "mark": "Int64",
               "mark_hex": "string", "dport": "string"}
CHAIN_DTYPES = {"table": "string", "chain": "string", "policy": "string", "packets": "Int64", "bytes": "Int64",
                "references": "Int64"}


@dataclass
class Rule:
    table: str | None
    chain: str
    num: int
    pkts: int | None
    bytes: int | None
    target: str
    prot: str
    opt: str
    in_iface: str | None
    out_iface: str | None
    source: str
    destination: str
    options: str

    @property
    def mark(self) -> int | None:
        m = _MARK.search(self.options)
        return int(m.group(1), 16) if m else None

    @property
    def mark_hex(self) -> str | None:
        mark = self.mark
        return None if mark is None else hex(mark)

    @property
    def dport(self) -> str | None:
        m = _DPT.search(self.options)
        return m.group(1) if m else None


@dataclass
class Chain:
    table: str | None
    name: str
    policy: str | None
    packets: int | None
    bytes: int | None
    references: int | None
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Ruleset:
    chains: list[Chain] = field(default_factory=list)
    error: str | None = None

    def chain(self, name: str, table: str | None = None) -> Chain | None:
        return next((c for c in self.chains if c.name == name and (table is None or c.table == table)), None)

    @property
    def rules(self) -> list[Rule]:
        return [r for c in self.chains for r in c.rules]

    def marks(self) -> list[Rule]:
        """The MARK rules: what feeds IPVS (INPUT per VIP; PREROUTING per published port; OUTPUT before 18.06)."""
        return [r for r in self.rules if r.mark is not None]


def parse(text: str, table: str | None = None) -> Ruleset:
    """A `-L` listing (give `table`, e.g. 'mangle', to label it) or an `iptables-save` dump."""
    lines = clean_lines(text)
    content = [(no, ln) for no, ln in enumerate(lines, 1) if ln.strip()]
    if not content:
        raise ParseError(KIND, "empty output")
    first = content[0][1].lstrip()
    if re.match(r"iptables(?:-legacy|-nft)?(?: v[\d.]+(?: \(\w+\))?)?: ", first):
        # iptables refused (`chain ... is incompatible, use 'nft' tool`, `No chain/target/match by that name`)
        return Ruleset(error=" ".join(ln.strip() for _, ln in content))
    if first.startswith(("*", "# Generated by", ":")) or first.startswith("-A "):
        return _parse_save(content)
    return _parse_listing(content, table)


def _parse_listing(content: list[tuple[int, str]], table: str | None) -> Ruleset:
    rules = Ruleset()
    chain: Chain | None = None
    verbose = numbered = False
    for no, line in content:
        stripped = line.strip()
        m = _CHAIN.fullmatch(stripped)
        if m:
            name, policy, pkts, byts, refs = m.groups()
            chain = Chain(table, name, policy, counter(pkts, KIND, no, line) if pkts else None,
                          counter(byts, KIND, no, line) if byts else None, int(refs) if refs else None)
            rules.chains.append(chain)
            continue
        if chain is None:
            raise ParseError(KIND, "expected a 'Chain NAME (policy ...)' line first", line_no=no, line=line)
        words = stripped.split()
        if words[0] in ("pkts", "target", "num"):
            verbose, numbered = "pkts" in words, words[0] == "num"
            continue
        chain.rules.append(_rule(words, chain, verbose, numbered, no, line))
    return rules


def _rule(words: list[str], chain: Chain, verbose: bool, numbered: bool, no: int, line: str) -> Rule:
    pkts = byts = None
    if numbered:  # --line-numbers: the rule's number comes first, before the counters
        if not words[0].isdigit() or int(words[0]) != len(chain.rules) + 1:
            raise ParseError(KIND, f"expected rule number {len(chain.rules) + 1} (--line-numbers)", line_no=no,
                             line=line)
        words = words[1:]
    if verbose:
        if len(words) < 2:
            raise ParseError(KIND, "rule without counters", line_no=no, line=line)
        pkts, byts = counter(words[0], KIND, no, line), counter(words[1], KIND, no, line)
        words = words[2:]
    # target prot opt [in out] source destination [options...]; the target may be blank
    if len(words) >= 3 and _OPT.match(words[2]):
        target, prot, opt, rest = words[0], words[1], words[2], words[3:]
    elif len(words) >= 2 and _OPT.match(words[1]):
        target, prot, opt, rest = "", words[0], words[1], words[2:]
    else:
        raise ParseError(KIND, "cannot find the rule's 'opt' column (--)", line_no=no, line=line)
    need = 4 if verbose else 2
    if len(rest) < need:
        raise ParseError(KIND, f"rule lacks {'in, out, ' if verbose else ''}source or destination",
                         line_no=no, line=line)
    in_iface, out_iface = (rest[0], rest[1]) if verbose else (None, None)
    source, destination = rest[need - 2], rest[need - 1]
    return Rule(chain.table, chain.name, len(chain.rules) + 1, pkts, byts, target, prot, opt, in_iface, out_iface,
                source, destination, " ".join(rest[need:]))


def _parse_save(content: list[tuple[int, str]]) -> Ruleset:
    rules = Ruleset()
    table: str | None = None
    for no, line in content:
        stripped = line.strip()
        if stripped.startswith("#") or stripped == "COMMIT":
            continue
        if stripped.startswith("*"):
            table = stripped[1:]
            continue
        if stripped.startswith(":"):
            m = re.fullmatch(r":(\S+) (\S+)(?: \[(\d+):(\d+)\])?", stripped)
            if not m:
                raise ParseError(KIND, "bad chain line", line_no=no, line=line)
            name, policy, pkts, byts = m.groups()
            rules.chains.append(Chain(table, name, None if policy == "-" else policy,
                                      int(pkts) if pkts else None, int(byts) if byts else None, None))
            continue
        counts = re.match(r"\[(\d+):(\d+)\]\s+", stripped)
        pkts = byts = None
        if counts:
            pkts, byts = int(counts.group(1)), int(counts.group(2))
            stripped = stripped[counts.end():]
        try:
            words = shlex.split(stripped)
        except ValueError as exc:
            raise ParseError(KIND, f"bad quoting ({exc})", line_no=no, line=line) from None
        if len(words) < 2 or words[0] not in ("-A", "-I"):
            raise ParseError(KIND, "expected '-A CHAIN ...'", line_no=no, line=line)
        chain = rules.chain(words[1], table)
        if chain is None:
            chain = Chain(table, words[1], None, None, None, None)
            rules.chains.append(chain)
        chain.rules.append(_save_rule(words[2:], chain, pkts, byts, no, line))
    return rules


def _save_rule(words: list[str], chain: Chain, pkts: int | None, byts: int | None, no: int, line: str) -> Rule:
    source = destination = "0.0.0.0/0"
    prot, target, in_iface, out_iface = "all", "", "*", "*"
    options: list[str] = []
    i = 0
    while i < len(words):
        opt, arg = words[i], words[i + 1] if i + 1 < len(words) else ""
        if opt in ("-s", "-d", "-p", "-j", "-i", "-o", "-m") and not arg:
            raise ParseError(KIND, f"{opt} without a value", line_no=no, line=line)
        if opt == "-s":
            source = arg
        elif opt == "-d":
            destination = arg
        elif opt == "-p":
            prot = arg
        elif opt == "-j":
            target = arg
        elif opt == "-i":
            in_iface = arg
        elif opt == "-o":
            out_iface = arg
        elif opt == "-m":
            pass
        elif opt in ("--set-xmark", "--set-mark"):
            value = arg.split("/")[0]
            if not re.fullmatch(r"0x[0-9a-fA-F]+|\d+", value):
                raise ParseError(KIND, f"{opt} {arg!r} is not a mark", line_no=no, line=line)
            options.append(f"MARK set {value if value.startswith('0x') else hex(int(value))}")
        elif opt == "--dport":
            options.append(f"dpt:{arg}")
        elif opt.startswith("--") and arg and not arg.startswith("-"):
            options.append(f"{opt[2:]} {arg}")
        else:
            options.append(opt)
            i += 1
            continue
        i += 2
    return Rule(chain.table, chain.name, len(chain.rules) + 1, pkts, byts, target, prot, "--", in_iface,
                out_iface, _strip32(source), _strip32(destination), " ".join(options))


def _strip32(address: str) -> str:
    """iptables-save writes '10.0.1.30/32' where the listing shows '10.0.1.30'."""
    return address[:-3] if address.endswith("/32") else address


def rules_frame(text_or_rules: str | Ruleset, table: str | None = None) -> pd.DataFrame:
    rules = parse(text_or_rules, table) if isinstance(text_or_rules, str) else text_or_rules
    rows = [{**{k: v for k, v in asdict(r).items()}, "mark": r.mark, "mark_hex": r.mark_hex, "dport": r.dport}
            for r in rules.rules]
    return records_frame(rows, RULE_DTYPES)


def chains_frame(text_or_rules: str | Ruleset, table: str | None = None) -> pd.DataFrame:
    rules = parse(text_or_rules, table) if isinstance(text_or_rules, str) else text_or_rules
    return records_frame([{"table": c.table, "chain": c.name, "policy": c.policy, "packets": c.packets,
                           "bytes": c.bytes, "references": c.references} for c in rules.chains], CHAIN_DTYPES)


frame = rules_frame


def parser_for(table: str | None) -> Callable[[str], Ruleset]:
    """The parse of a listing of `table` (`-t nat`): its rules labelled with that table."""
    def parse_table(text: str) -> Ruleset:
        return parse(text, table)
    return parse_table


def for_command(command: str) -> Callable[[str], Ruleset]:
    """The parser for this command line: labels the rules with the table it listed (`-t nat`, `--table=raw`;
    `filter` when a listing names none, unknown for `iptables-save`, whose dump names its tables)."""
    m = re.search(r"(?:\s-t\s*|\s--table[=\s])(\w+)", command)
    return parser_for(m.group(1) if m else (None if "-save" in command else "filter"))

READS = [Reads(parse, rules_frame, "iptables", (("iptables",), ("iptables-legacy",), ("iptables-nft",)),
               when=(r"\s-\w*L|\s--list\b",), for_command=for_command,
               examples=("iptables -nvL -t mangle", "iptables -t nat -L --line-numbers")),
         Reads(parse, rules_frame, "iptables", (("iptables-save",), ("iptables-legacy-save",), ("iptables-nft-save",)),
               for_command=for_command, examples=("iptables-save -t mangle",))]
