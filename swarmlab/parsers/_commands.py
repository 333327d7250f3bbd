"""How a parser module declares the commands it reads (as jc's parsers declare their magic commands).

Each parser module ends with `READS = [Reads(...), ...]`: a kind name, the parse function (and frame), the
command's leading words (`("docker", "service", "inspect")`; options between words are skipped, so `ip -o a`
is `("ip", "a")`), and optional regexes the whole command line must match (`when`) or must not (`unless`).
`dispatch` builds its table from these declarations; a command is read by the most specific declaration that
matches it (more leading words, then more conditions), and two declarations that tie are an error (at import for
every declared example, at run time for any other command), never an order-sensitive choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd


class Reads(NamedTuple):
    parse: Callable[[str], Any]
    frame: Callable[[Any], pd.DataFrame] | None
    kind: str
    words: tuple[tuple[str, ...], ...]
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # for parsers that need something from the command line (iptables: the table it listed)
    for_command: Callable[[str], Callable[[str], Any]] | None = None
