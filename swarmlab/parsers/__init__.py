"""Text (or JSON) printed by the chapter's commands -> typed records and pandas DataFrames.

One module per command; each is a pure function with a real capture in its docstring. Everything a parser cannot
read raises `swarmlab.errors.ParseError` (command kind, line number, line); nothing else escapes.
"""

from swarmlab.errors import ParseError

__all__ = ["ParseError"]
