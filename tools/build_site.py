"""Build the course's static site (both languages, every output from the bundled recordings) with Sphinx + myst-nb,
for students who cannot reach Binder. Offline: no CDN script, no web font, nothing fetched when a page opens.

    ./run site                                   # -> build/site/index.html
    .venv/bin/python tools/build_site.py --out DIR [--executed DIR]

Steps: execute every lesson notebook (labs/{zh,en}) in replay, or take already executed ones (`--executed`, as
the tests do), put them with the glossaries and the index pages into a Sphinx source tree, build HTML.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from swarmlab.testing.notebooks import LANGS, execute_all, key, notebooks  # noqa: E402

TITLES = {"zh": "Docker Swarm 内部负载均衡和 VIP：动手实验课",
          "en": "Docker Swarm internal load balancing and the VIP: a hands-on course"}
INTRO = {
    "zh": "{n} 节实验课，从准备实验环境、亲手“弄坏它”，到逐个数据包跟踪一个请求：跟着 client 所在的节点，"
          "从虚拟IP（VIP）、lb_ 命名空间、防火墙标记到 IPVS。"
          "这里的每个输出都来自在真实三节点集群上录制的会话（回放）。要自己运行命令，请在 Jupyter 里打开 "
          "`labs/zh/` 下的笔记本。",
    "en": "{n} lessons, from setting up the lab to breaking it on purpose and following one request packet by "
          "packet: follow the client's node from the virtual IP (VIP) through the lb_ namespace and the firewall "
          "mark to IPVS. Every output here comes from a session recorded on a real "
          "three-node swarm (replay). To run the commands yourself, open the notebooks in `labs/en/` in Jupyter.",
}
OTHER = {"zh": ("English", "../en/index.html", "en"), "en": ("中文", "../zh/index.html", "zh-CN")}
# each language is a Sphinx project of its own: its pages say <html lang="zh-CN"> and Sphinx's chrome (contents,
# search, previous/next) speaks the language
SPHINX_LANGUAGE = {"zh": "zh_CN", "en": "en"}

CONF = '''
extensions = ["myst_nb"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_theme_options = {"font_family": "sans-serif", "head_font_family": "sans-serif"}
html_show_sphinx = False
html_show_copyright = False
html_sidebars = {"**": ["localtoc.html", "prevnext.html", "searchbox.html"]}
templates_path = ["_templates"]
nb_execution_mode = "off"          # the notebooks come executed (replay of the bundled recordings)
nb_ipywidgets_js = {}              # no CDN scripts: a static page cannot run widgets anyway
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None),
                              ("html", "application/vnd.jupyter.widget-state+json", None)]
nb_output_stderr = "remove-warn"
myst_enable_extensions = ["colon_fence"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]
'''

# previous/next in Sphinx's own words (its catalogs translate them; alabaster's relations.html says "Previous:" in
# every language)
PREVNEXT = """{%- if prev %}<h4>{{ _('Previous topic') }}</h4>
<p class="topless"><a href="{{ prev.link|e }}">{{ prev.title }}</a></p>{%- endif %}
{%- if next %}<h4>{{ _('Next topic') }}</h4>
<p class="topless"><a href="{{ next.link|e }}">{{ next.title }}</a></p>{%- endif %}
"""

CSS = """
.alert { padding: .6em 1em; margin: .8em 0; border-left: 4px solid; border-radius: 3px; }
.alert-info { background: #eef6fc; border-color: #0072B2; }
.alert-warning { background: #fff6e5; border-color: #E69F00; }
.alert-success { background: #eaf7f2; border-color: #009E73; }
details { background: #f7f7f7; padding: .3em .8em; margin: .6em 0; }
div.body { max-width: 1100px; }
div.document { width: 1300px; }
"""


def index(lang: str, names: list[str]) -> str:
    label, link, other = OTHER[lang]
    toc = "\n".join(names + (["glossary"] if (ROOT / "lessons" / lang / "glossary.md").exists() else []))
    return (f"# {TITLES[lang]}\n\n{INTRO[lang].format(n=len(names))}\n\n"
            f'<a href="{link}" lang="{other}">{label}</a>\n\n'
            f"```{{toctree}}\n:maxdepth: 1\n\n{toc}\n```\n")


def top() -> str:
    """The site's first page: one link per language (static HTML, no Sphinx: each language is its own project)."""
    links = "".join(f'<li><a href="{lang}/index.html" lang="{SPHINX_LANGUAGE[lang].replace("_", "-")}">'
                    f"{TITLES[lang]}</a></li>" for lang in LANGS)
    return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8"><title>swarmlab</title></head>\n'
            f"<body><h1>swarmlab</h1><ul>{links}</ul></body>\n</html>\n")


def execute_lessons(dest: Path) -> dict[str, str]:
    """Execute every lesson in replay into dest/<lang>/<name>.ipynb; return the failures."""
    import nbformat

    os.environ["SWARMLAB_MODE"] = "replay"
    os.environ.pop("MPLBACKEND", None)
    done, _, failed = execute_all(notebooks())
    for name, nb in done.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / f"{name}.ipynb")
    return failed


def source_tree(src: Path, executed: Path) -> list[str]:
    """The Sphinx source folder; returns the lessons that have no executed notebook."""
    if src.exists():
        shutil.rmtree(src)
    missing = []
    for lang in LANGS:
        (src / lang / "_static").mkdir(parents=True)
        (src / lang / "conf.py").write_text(f"project = {TITLES[lang]!r}\nhtml_title = {TITLES[lang]!r}\n"
                                            f"language = {SPHINX_LANGUAGE[lang]!r}\n{CONF}")
        (src / lang / "_static" / "course.css").write_text(CSS)
        (src / lang / "_templates").mkdir()
        (src / lang / "_templates" / "prevnext.html").write_text(PREVNEXT)
        names = []
        for path in notebooks(lang):
            done = executed / f"{key(path)}.ipynb"
            if not done.exists():
                missing.append(key(path))
                continue
            shutil.copy(done, src / lang / done.name)
            names.append(path.stem)
        glossary = ROOT / "lessons" / lang / "glossary.md"
        if glossary.exists():
            shutil.copy(glossary, src / lang / "glossary.md")
        (src / lang / "index.md").write_text(index(lang, names))
    return missing


def build(out: Path, executed: Path | None = None, strict: bool = True) -> dict[str, object]:
    t0 = time.perf_counter()
    work = out.parent / f"{out.name}-src"
    failed: dict[str, str] = {}
    if executed is None:
        executed = out.parent / f"{out.name}-executed"
        if executed.exists():
            shutil.rmtree(executed)
        failed = execute_lessons(executed)
    t1 = time.perf_counter()
    missing = source_tree(work, executed)
    if strict and (failed or missing):
        raise SystemExit(f"lessons that did not execute: {json.dumps(failed or missing, ensure_ascii=False)}")
    if out.exists():
        shutil.rmtree(out)
    warnings = []
    for lang in LANGS:
        run = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", str(work / lang),
                              str(out / lang)], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"sphinx failed ({lang}):\n{run.stderr[-3000:]}")
        warnings += [w for w in run.stderr.splitlines() if "WARNING" in w]
    shutil.rmtree(out / "jupyter_execute", ignore_errors=True)  # myst-nb's working copies, not pages
    (out / "index.html").write_text(top())
    return {"out": str(out), "execute_s": round(t1 - t0, 2), "sphinx_s": round(time.perf_counter() - t1, 2),
            "pages": len(list(out.rglob("*.html"))), "missing": missing, "failed": failed,
            "warnings": warnings[:20]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    ap.add_argument("--executed", type=Path, help="take executed notebooks (<lang>/<name>.ipynb) from here")
    ap.add_argument("--allow-missing", action="store_true", help="build even when some lessons do not execute")
    args = ap.parse_args(argv)
    report = build(args.out.resolve(), args.executed, strict=not args.allow_missing)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
