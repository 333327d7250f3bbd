"""JupyterLab as a student of the course meets it: in the lesson's language (the zh-CN language pack, a dependency of
swarmlab) and without the "Would you like to get notified about official Jupyter news?" popup over the first lesson.

    python tools/jupyterlab_settings.py zh      # -> <sys.prefix>/share/jupyter/lab/settings/overrides.json
    python tools/jupyterlab_settings.py en --app-dir DIR

Writes JupyterLab's settings overrides (defaults a student can still change in Settings): the interface locale
(zh_CN or en), news never fetched, no update check. Every setting is checked against the schema of the JupyterLab
installed here, so a renamed setting fails this script instead of being ignored by JupyterLab. Binder's postBuild
runs it (zh); `./run lab zh|en` runs it before starting JupyterLab.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LOCALES = {"zh": "zh_CN", "en": "en"}


def overrides(lang: str) -> dict[str, dict[str, object]]:
    return {
        "@jupyterlab/translation-extension:plugin": {"locale": LOCALES[lang]},
        # "false": Never (the schema's values are the strings "true", "false" and "none" = ask, the default)
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }


def schema_problems(settings: dict[str, dict[str, object]], schemas: Path) -> list[str]:
    """Settings the installed JupyterLab does not have, or values its schema does not allow."""
    found = []
    for plugin, values in settings.items():
        package, _, name = plugin.partition(":")
        path = schemas / package / f"{name}.json"
        if not path.exists():
            found.append(f"{plugin}: no such plugin in {schemas}")
            continue
        props = json.loads(path.read_text()).get("properties", {})
        for key, value in values.items():
            spec = props.get(key)
            if spec is None:
                found.append(f"{plugin}: no setting {key!r}")
            elif "oneOf" in spec and value not in [c.get("const") for c in spec["oneOf"]]:
                found.append(f"{plugin}: {key}={value!r} is not one of its values")
            elif {"boolean": bool, "string": str}.get(spec.get("type", ""), object) is not type(value) and \
                    "oneOf" not in spec:
                found.append(f"{plugin}: {key}={value!r} is not a {spec.get('type')}")
    return found


def language_packs() -> list[str]:
    from jupyterlab_server.translation_utils import get_language_packs

    return list(get_language_packs()[0])


def write(lang: str, app_dir: Path | None = None) -> Path:
    from jupyterlab.commands import get_app_dir

    app = Path(app_dir or get_app_dir())
    settings = overrides(lang)
    problems = schema_problems(settings, Path(get_app_dir()) / "schemas")
    if LOCALES[lang] not in language_packs():
        problems.append(f"no {LOCALES[lang]} language pack: pip install jupyterlab-language-pack-zh-CN")
    if problems:
        raise SystemExit("jupyterlab_settings.py: " + "; ".join(problems))
    path = app / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lang", choices=sorted(LOCALES))
    ap.add_argument("--app-dir", type=Path, help="JupyterLab's application directory (default: this environment's)")
    args = ap.parse_args(argv)
    print(write(args.lang, args.app_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
