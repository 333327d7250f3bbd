"""Helpers every parser shares: line cleaning, DataFrame building with declared dtypes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields, is_dataclass
from typing import TYPE_CHECKING, Any, cast

from swarmlab.errors import ParseError

if TYPE_CHECKING:
    import pandas as pd

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def clean_lines(text: str) -> list[str]:
    """Lines without CR (captures often carry CRLF), tabs expanded, trailing whitespace dropped."""
    if not isinstance(text, str):
        raise ParseError("input", f"expected text, got {type(text).__name__}")
    return [ln.rstrip().expandtabs(8) for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def snake(name: str) -> str:
    """'DESIRED STATE' / 'DesiredState' / 'desired-state' -> 'desired_state'."""
    return re.sub(r"[^a-z0-9]+", "_", _CAMEL.sub("_", name.strip()).lower()).strip("_")


def records_frame(records: Iterable[Any], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly the columns of `dtypes`, in that order, with those dtypes."""
    import pandas as pd

    rows = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r) for r in records]
    frame = pd.DataFrame(rows, columns=list(dtypes))
    for column, dtype in dtypes.items():
        if dtype == "object":
            continue
        frame[column] = frame[column].astype(cast(Any, dtype))  # pandas' stubs list dtype names as literals
    return frame


def field_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def to_int(value: str, kind: str, line_no: int | None = None, line: str | None = None) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ParseError(kind, f"{value!r} is not a whole number", line_no=line_no, line=line) from None


_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


def counter(value: str, kind: str, line_no: int | None = None, line: str | None = None) -> int:
    """iptables / ipvsadm counters: '4995', '475K', '12M' (iptables' units are powers of 1000)."""
    m = re.fullmatch(r"(\d+)([KMGT]?)", value or "")
    if not m:
        raise ParseError(kind, f"{value!r} is not a counter", line_no=line_no, line=line)
    return int(m.group(1)) * _UNITS[m.group(2)]
