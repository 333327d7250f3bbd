"""JupyterHub's own pages in the class's language: login, home, token, spawn-pending, not-running, errors.

JupyterHub ships no translations of its templates. For a class whose language has a folder here (`templates/LOCALE`,
LOCALE as i18n.locale_of names it: zh_CN), hubconfig puts that folder first in `c.JupyterHub.template_paths`:
JupyterHub's loader then finds our login.html, home.html, ... there, and each of them
`{% extends "templates/X.html" %}` (JupyterHub's own X.html, through its loader's "templates/" prefix) and replaces
blocks. page.html is the one copy (JupyterHub 6.1.1's, whole: the page's `<html lang>` and the error dialog are
outside its blocks). An English class has no folder: JupyterHub's pages as they are.

`Pages` is what those templates call (the template variable `swarmlab`):
* `sub(html, pairs)`: a block of JupyterHub's, rendered, with its English words replaced (keeps the copies out);
* `text(message)`: a message JupyterHub's code made at run time (the login error, an error page's reason) in the
  class's language through the course's catalogue, or labelled 原文 when it is not one we know.

tests/test_class_zh.py renders every page with JupyterHub's installed templates and fails on English left over, and
when a block we replace is no longer JupyterHub's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from swarmlab.i18n import N_, _, locale_of, matched

TEMPLATES = Path(__file__).resolve().parent / "templates"

# What JupyterHub's code says on a page a student can reach (jupyterhub/handlers, scopes.py; 6.1.1), as it words it:
# each is its message id (i18n.matched fills in its {names})
MESSAGES = (
    N_("Invalid username or password"),
    N_("Action is not authorized with current scopes; requires any of [{scopes}]"),
    N_("No access to resources or resources not found"),
    N_("No such user: {name}"),
    N_("No such user {name}"),
    N_("{name} has no such server {server}"),
    N_("Spawn cancelled"),
    N_("Unhandled error starting server {name}"),  # a start failing in its first second
)
UNKNOWN = N_("(original text) {text}")
HAN = re.compile(r"[\u4e00-\u9fff]")  # a message already in Chinese (a failed boot's: hubconfig's pre-spawn hook)


def templates(lang: str) -> Path | None:
    """The folder of JupyterHub pages in `lang` (None: JupyterHub's own, English, are the class's)."""
    folder = TEMPLATES / locale_of(lang)
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class Pages:
    """The template variable `swarmlab` of a class's translated pages."""

    lang: str

    def sub(self, html: str, pairs: list[tuple[str, str]]) -> Markup:
        """`html` (a block JupyterHub rendered) with each English text of `pairs` replaced by its translation."""
        text = str(html)
        for english, translated in pairs:
            text = text.replace(str(english), str(translated))
        return Markup(text)  # JupyterHub's own rendered (escaped) HTML and our templates' fixed words

    def text(self, message: object) -> str:
        """A run-time message in the class's language ("" stays ""); one we do not know: labelled 原文."""
        line = str(message or "").strip()
        if not line or HAN.search(line):
            return line
        said = matched(line, MESSAGES, self.lang)
        return said if said != line else _(UNKNOWN, self.lang, text=line)  # no template fits: as it is, labelled
