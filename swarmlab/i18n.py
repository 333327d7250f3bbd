"""The course's one way to translate: gettext catalogs, as JupyterLab's own language packs do.

The English text is the message id; `swarmlab/locale/zh_CN/LC_MESSAGES/swarmlab.po` holds its Chinese, compiled to
`swarmlab.mo` (shipped as package data). Code marks a student-visible string with `_()` (translate now) or `N_()`
(a constant translated later) or `t()` (a message translated where it is shown, in whatever language that is: a
self-check's line, an error the lab raises), and Babel finds them:

    from swarmlab.i18n import _, rendered, t
    _("requests answered", "zh")                    # -> 得到响应的请求数
    _("{n} requests", "zh", n=3)                    # values are formatted after the lookup
    exc = SwarmlabError(t("{service} has no running task", service="web"))
    str(exc)                                        # -> the English, as any exception's text
    rendered(exc, "zh")                             # -> web 没有正在运行的任务

There is no other way: no (zh, en) pairs, no tables keyed by language, no helper of a module's own
(tests/test_i18n.py scans the code for them).

Maintainers (Babel comes with the test extra, through Sphinx):

    .venv/bin/python tools/i18n.py extract     # code -> swarmlab/locale/swarmlab.pot, merged into the zh_CN .po
    .venv/bin/python tools/i18n.py compile     # .po -> .mo (tests/test_i18n.py fails on a stale .mo)
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from swarmlab.errors import SwarmlabError

LANGS = ("zh", "en")
DOMAIN = "swarmlab"
LOCALES = Path(__file__).resolve().parent / "locale"
CATALOGS = {"zh": "zh_CN"}  # the course's language -> its gettext catalog (English is the message ids themselves)


def locale_of(lang: str) -> str:
    """The locale JupyterLab (its language packs) and gettext name `lang` by: zh_CN, en."""
    return CATALOGS.get(check_lang(lang), lang)


class UnknownLanguage(SwarmlabError, ValueError):
    """Text was asked for in a language the course does not have."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UnknownLanguage(f"lang={lang!r}: the course speaks {' and '.join(repr(x) for x in LANGS)}")
    return lang


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang` (English: the message ids, untranslated)."""
    if check_lang(lang) not in CATALOGS:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALES, languages=[CATALOGS[lang]])


def _(message: str, lang: str, **values: object) -> str:
    """`message` (English, the message id) in `lang`, then formatted with `values` when given."""
    text = catalog(lang).gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Mark a constant for extraction: it is translated where it is shown, with `_()`."""
    return message


class Msg(str):
    """A message translated where it is shown: the English text (what str() gives, so it reads as any string and any
    exception's text) made from a message id of the catalog and its values; `render(lang)` looks the id up and fills
    in the same values (a value that is itself a Msg in the same language)."""

    message: str
    values: dict[str, object]

    def __new__(cls, message: str, **values: object) -> Msg:
        obj = super().__new__(cls, message.format(**values) if values else message)
        obj.message, obj.values = message, values
        return obj

    def render(self, lang: str) -> str:
        values = {k: rendered(v, lang) if isinstance(v, (Msg, BaseException)) else v for k, v in self.values.items()}
        return _(self.message, lang, **values)


class Joined(Msg):
    """Texts (messages or plain strings) joined by the language's separator ("; ", "；")."""

    items: list[str]

    def __new__(cls, items: Sequence[str]) -> Joined:
        obj = str.__new__(cls, "; ".join(items))
        obj.message, obj.values, obj.items = "; ".join(items), {}, list(items)
        return obj

    def render(self, lang: str) -> str:
        return _("; ", lang).join(rendered(x, lang) for x in self.items)


class Listed(Msg):
    """Items as a value of a message: `a, b` in English, `a、b` in Chinese."""

    items: list[str]

    def __new__(cls, items: Iterable[object]) -> Listed:
        words = [str(x) for x in items]
        obj = str.__new__(cls, ", ".join(words))
        obj.message, obj.values, obj.items = ", ".join(words), {}, words
        return obj

    def render(self, lang: str) -> str:
        return _(", ", lang).join(self.items)


def t(message: str, **values: object) -> Msg:
    """A message of the catalog (English, with {names} for `values`), translated when it is shown (`rendered`)."""
    return Msg(message, **values)


def rendered(text: object, lang: str) -> str:
    """What a student of `lang` reads for `text`: a Msg translated, an exception whose message is a Msg translated
    (any other exception: its own words, e.g. a command's stderr), anything else as str() gives it."""
    if isinstance(text, Msg):
        return text.render(lang)
    if isinstance(text, BaseException) and len(text.args) == 1 and isinstance(text.args[0], Msg):
        return text.args[0].render(lang)
    return str(text)


def _pattern(template: str) -> re.Pattern[str]:
    """`template` as a regular expression: each {name} some text, the rest literal."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("^" + "".join(re.escape(x) if i % 2 == 0 else f"(?P<{x}>.+?)" for i, x in enumerate(parts))
                      + "$", re.DOTALL)


def matched(text: str, templates: tuple[str, ...], lang: str) -> str:
    """`text` (English, made from one of `templates`) in `lang`: the first template that fits is translated and
    filled with the words `text` has in its {names}; a text no template fits is returned as it is."""
    for template in templates:
        found = _pattern(template).match(text)
        if found:
            return _(template, lang, **found.groupdict())
    return text
