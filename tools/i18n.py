"""Maintain the gettext catalogs of swarmlab/i18n.py with Babel (installed with the test extra, through Sphinx).

    .venv/bin/python tools/i18n.py extract   # every _()/N_() string of swarmlab/ -> swarmlab/locale/swarmlab.pot,
                                             # merged into each language's .po (new ids come with an empty msgstr)
    .venv/bin/python tools/i18n.py compile   # each .po -> its .mo (the compiled catalog the package ships)
    .venv/bin/python tools/i18n.py check     # exit 1 when a .mo is stale or a message has no
                                             # translation or a fuzzy one
"""

from __future__ import annotations

import argparse
import io
import re
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from swarmlab.i18n import CATALOGS as _CATALOGS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "swarmlab"
LOCALES = PACKAGE / "locale"
POT = LOCALES / "swarmlab.pot"
KEYWORDS = {"_": None, "N_": None}  # swarmlab.i18n: translate now, mark a constant
# swarmlab.i18n.t (translate when shown), in the modules that import it (others have a t of their own)
LAZY = {"t": None}
IMPORTS_LAZY = re.compile(r"^from swarmlab\.i18n import [^\n]*\bt\b", re.MULTILINE)
CATALOGS = tuple(sorted(set(_CATALOGS.values())))  # zh_CN
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def po_path(lang: str, locales: Path = LOCALES) -> Path:
    return locales / lang / "LC_MESSAGES" / "swarmlab.po"


def extracted() -> Catalog:
    """Every message id the code marks, with where it is."""
    cat = Catalog(project="swarmlab", msgid_bugs_address="", fuzzy=False)
    found = list(extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS))
    for path in sorted(PACKAGE.rglob("*.py")):
        if IMPORTS_LAZY.search(path.read_text(encoding="utf-8")):
            found += [(path.relative_to(PACKAGE).as_posix(), *x)
                      for x in extract_from_file("python", str(path), keywords=LAZY)]
    for filename, lineno, message, comments, context in found:
        if isinstance(message, str) and message:
            cat.add(message, None, [(f"swarmlab/{filename}", lineno)], auto_comments=comments, context=context)
    return cat


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def compiled(po: Path) -> bytes:
    """The .mo of `po`; the same bytes for the same messages (the catalog's dates fixed: the .po has no header)."""
    cat = read(po)
    cat.creation_date = cat.revision_date = STAMP
    out = io.BytesIO()
    write_mo(out, cat, use_fuzzy=False)
    return out.getvalue()


def names(text: str) -> list[str]:
    """The {names} a message fills in (each once, sorted): a translation must fill in the same."""
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name is not None})


def problems(locales: Path = LOCALES) -> list[str]:
    """Stale .mo files, message ids in the code that a catalog lacks, leaves untranslated or marks fuzzy."""
    ids = {m.id for m in extracted() if m.id}
    found = []
    for lang in CATALOGS:
        po = po_path(lang, locales)
        messages = {m.id: m for m in read(po, lang) if m.id}
        found += [f"{lang}: no translation of {i!r}" for i in sorted(ids)
                  if i not in messages or not messages[i].string]
        found += [f"{lang}: fuzzy (unchecked) translation of {i!r}" for i in sorted(ids)
                  if i in messages and messages[i].fuzzy]
        found += [f"{lang}: the translation of {i!r} has other {{names}}: {names(str(messages[i].string))}"
                  for i in sorted(ids) if i in messages and messages[i].string
                  and names(str(messages[i].string)) != names(i)]
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(po):
            found.append(f"{lang}: {mo.name} is stale: run tools/i18n.py compile")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("extract", "compile", "check"))
    args = ap.parse_args(argv)
    if args.action == "extract":
        pot = extracted()
        POT.parent.mkdir(parents=True, exist_ok=True)
        with POT.open("wb") as f:
            write_po(f, pot, omit_header=True, sort_output=True, include_lineno=False)
        for lang in CATALOGS:
            po = po_path(lang)
            cat = read(po, lang) if po.exists() else Catalog(locale=lang)
            cat.update(pot, no_fuzzy_matching=True)
            po.parent.mkdir(parents=True, exist_ok=True)
            with po.open("wb") as f:
                # the header kept and lines as wide as the code's: an extract changes only the entries that changed
                write_po(f, cat, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
    elif args.action == "compile":
        for lang in CATALOGS:
            po_path(lang).with_suffix(".mo").write_bytes(compiled(po_path(lang)))
    else:
        found = problems()
        for p in found:
            print(p, file=sys.stderr)
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
