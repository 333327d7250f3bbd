"""One way to translate (swarmlab.i18n): gettext catalogs compiled by Babel. Every message id the code marks has its
Chinese, the shipped .mo is the compiled .po, and a missing translation or a stale .mo is found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from swarmlab import i18n
from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent
catalogs = tool("i18n")  # tools/i18n.py


def test_every_message_in_the_code_has_chinese_and_the_mo_is_compiled() -> None:
    assert catalogs.problems() == []
    assert len(catalogs.extracted()) > 100


def test_a_missing_translation_or_a_stale_mo_is_found(tmp_path: Path) -> None:
    po = catalogs.po_path("zh_CN")
    copy = catalogs.po_path("zh_CN", tmp_path)
    copy.parent.mkdir(parents=True)
    shutil.copy(po.with_suffix(".mo"), copy.with_suffix(".mo"))
    text = po.read_text().replace('msgstr "应答的请求数"', 'msgstr ""')
    assert text != po.read_text()
    copy.write_text(text)
    assert catalogs.problems(tmp_path) == ["zh_CN: no translation of 'requests answered'",
                                           "zh_CN: swarmlab.mo is stale: run tools/i18n.py compile"]


def test_lookup_in_both_languages() -> None:
    assert i18n._("requests answered", "zh") == "应答的请求数"
    assert i18n._("requests answered", "en") == "requests answered"
    assert i18n._("even share: {share:.1f}", "zh", share=2) == "平均份额：2.0"
    with pytest.raises(i18n.UnknownLanguage, match="lang='fr'"):
        i18n._("requests answered", "fr")


def test_the_compiled_catalog_is_package_data() -> None:
    """An installed swarmlab (Binder installs it, not editable) finds its .mo: pyproject ships it."""
    import fnmatch

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["swarmlab"]
    mo = catalogs.po_path("zh_CN").with_suffix(".mo").relative_to(ROOT / "swarmlab").as_posix()
    assert any(fnmatch.fnmatch(mo, pattern) for pattern in data), (mo, data)
