"""The course's language: Simplified Chinese ("zh", the chapter's own) or English ("en").

Everything a lesson's code prints in words (self-checks, exercise feedback, widget labels, badges) asks `tr()`
for the current language, which `course.start(..., lang=LANG)` sets."""

from __future__ import annotations

from swarmlab.errors import SwarmlabError
from swarmlab.i18n import LANGS

__all__ = ["LANGS", "current", "set_lang", "tr"]
_current = ["zh"]


def current() -> str:
    return _current[0]


def set_lang(lang: str) -> str:
    if lang not in LANGS:
        raise SwarmlabError(f"LANG = {lang!r}: the course speaks {' or '.join(repr(x) for x in LANGS)}")
    _current[0] = lang
    return lang


def tr(zh: str, en: str, lang: str | None = None) -> str:
    """The text in `lang` (default: the course's current language)."""
    return zh if (lang or current()) == "zh" else en
