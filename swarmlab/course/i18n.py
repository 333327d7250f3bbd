"""The course's current language: Simplified Chinese ("zh", the chapter's own) or English ("en").

`course.start(..., lang=LANG)` sets it; everything a lesson's code prints in words (self-checks, exercise feedback,
widget labels, badges) is translated into it by the one mechanism, swarmlab.i18n (gettext)."""

from __future__ import annotations

from swarmlab.errors import SwarmlabError
from swarmlab.i18n import LANGS, t

__all__ = ["LANGS", "current", "set_lang"]
_current = ["zh"]


def current() -> str:
    return _current[0]


def set_lang(lang: str) -> str:
    if lang not in LANGS:
        raise SwarmlabError(t("LANG = {lang}: the course speaks 'zh' or 'en'", lang=repr(lang)))
    _current[0] = lang
    return lang
