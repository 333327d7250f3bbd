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

from swarmlab.classhub.spawnprogress import Known, known
from swarmlab.i18n import N_, _, locale_of

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Messages JupyterHub's code puts on a page a student can reach (jupyterhub/handlers, scopes.py; 6.1.1)
MESSAGES = (
    Known(re.compile(r"^Invalid username or password$"), N_("wrong username or password")),
    Known(re.compile(r"^Action is not authorized with current scopes; requires any of \[(?P<scopes>[^\]]*)\]$"),
          N_("your account is not allowed to do this (it needs one of these permissions: {scopes})")),
    Known(re.compile(r"^No access to resources or resources not found$"),
          N_("this does not exist, or your account may not see it")),
    Known(re.compile(r"^No such user:? (?P<name>\S+)$"), N_("there is no user {name}")),
    Known(re.compile(r"^(?P<name>\S+) has no such server (?P<server>.*)$"), N_("{name} has no server {server}")),
    Known(re.compile(r"^Spawn cancelled$"), N_("the start was cancelled")),
    Known(re.compile(r"^Unhandled error starting server (?P<name>\S+)$"),  # a start failing in its first second
          N_("the server of {name} could not be started")),
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
        return known(line, MESSAGES, self.lang) or _(UNKNOWN, self.lang, text=line)
