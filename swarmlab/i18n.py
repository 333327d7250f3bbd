"""The course's one way to translate: gettext catalogs, as JupyterLab's own language packs do.

The English text is the message id; `swarmlab/locale/zh_CN/LC_MESSAGES/swarmlab.po` holds its Chinese, compiled to
`swarmlab.mo` (shipped as package data). Code marks a student-visible string with `_()` (translate now) or `N_()`
(a constant translated later), and Babel finds them:

    from swarmlab.i18n import _
    _("requests answered", "zh")                    # -> 应答的请求数
    _("{n} requests", "zh", n=3)                    # values are formatted after the lookup

Maintainers (Babel comes with the test extra, through Sphinx):

    .venv/bin/python tools/i18n.py extract     # code -> swarmlab/locale/swarmlab.pot, merged into the zh_CN .po
    .venv/bin/python tools/i18n.py compile     # .po -> .mo (tests/test_i18n.py fails on a stale .mo)
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

from swarmlab.errors import SwarmlabError

LANGS = ("zh", "en")
DOMAIN = "swarmlab"
LOCALES = Path(__file__).resolve().parent / "locale"
CATALOGS = {"zh": "zh_CN"}  # the course's language -> its gettext catalog (English is the message ids themselves)


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


class Msg(str):
    """A message: the English text (what str() gives) made from a message id of the course's catalog and its
    values; `render(lang)` looks the id up and fills in the same values (a value that is itself a Msg in the same
    language). The id must be marked for extraction where it is written (`N_`, or swarmlab.checks.t)."""

    message: str
    values: dict[str, object]

    def __new__(cls, message: str, **values: object) -> Msg:
        obj = super().__new__(cls, message.format(**values) if values else message)
        obj.message, obj.values = message, values
        return obj

    def render(self, lang: str) -> str:
        values = {k: v.render(lang) if isinstance(v, Msg) else v for k, v in self.values.items()}
        return _(self.message, lang, **values)


def N_(message: str) -> str:
    """Mark a constant for extraction: it is translated where it is shown, with `_()`."""
    return message


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
