"""JupyterLab as a zh student meets it: the zh-CN language pack installed with swarmlab, the interface locale and no
news popup set by settings overrides that JupyterLab's own schemas accept (tools/jupyterlab_settings.py). Seen in a
browser (screenshots in the zh helper's report): English menus and the news popup without the overrides, Chinese
menus and no popup with them."""

from __future__ import annotations

import json
from pathlib import Path

from jupyterlab.commands import get_app_dir

from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent
settings = tool("jupyterlab_settings")  # tools/jupyterlab_settings.py

SCHEMAS = Path(get_app_dir()) / "schemas"


def test_the_overrides_are_settings_this_jupyterlab_has() -> None:
    for lang in ("zh", "en"):
        assert settings.schema_problems(settings.overrides(lang), SCHEMAS) == []
    assert settings.overrides("zh")["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}


def test_a_misnamed_setting_or_a_wrong_value_is_refused() -> None:
    wrong = {"@jupyterlab/apputils-extension:notification": {"fetchNewz": "false", "fetchNews": False},
             "@jupyterlab/apputils-extension:news": {"x": 1}}
    assert settings.schema_problems(wrong, SCHEMAS) == [
        "@jupyterlab/apputils-extension:notification: no setting 'fetchNewz'",
        "@jupyterlab/apputils-extension:notification: fetchNews=False is not one of its values",
        f"@jupyterlab/apputils-extension:news: no such plugin in {SCHEMAS}"]


def test_the_chinese_language_pack_is_a_dependency_and_installed(tmp_path: Path) -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("jupyterlab-language-pack-zh-CN") for d in deps)
    assert "zh_CN" in settings.language_packs()
    written = settings.write("zh", tmp_path)
    assert written == tmp_path / "settings" / "overrides.json"
    assert json.loads(written.read_text()) == settings.overrides("zh")
