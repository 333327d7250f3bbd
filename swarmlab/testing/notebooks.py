"""Executing the course's lesson notebooks (labs/zh, labs/en) headless with nbclient, for the tests, the static
site and the notebooks benchmark."""

from __future__ import annotations

import time
from pathlib import Path

from swarmlab.i18n import LANGS

LABS = Path(__file__).resolve().parent.parent.parent / "labs"
__all__ = ["LABS", "LANGS", "error_outputs", "execute", "execute_all", "key", "notebooks", "problems"]


def notebooks(lang: str | None = None) -> list[Path]:
    """The lessons' built notebooks, Chinese first then English (or one language)."""
    return [p for lg in ((lang,) if lang else LANGS) for p in sorted((LABS / lg).glob("[0-9][0-9]-*.ipynb"))]


def key(path: Path) -> str:
    """'zh/04-marks-and-ipvs': a lesson in one language."""
    return f"{path.parent.name}/{path.stem}"


def execute(path: Path, timeout: int = 600) -> tuple[object, float]:
    """Run every cell (in the notebook's folder); raises nbclient's CellExecutionError on the first error."""
    import os
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    # kernels of parallel runs must not share ~/.ipython (its SQLite history can lock a starting kernel)
    os.environ.setdefault("IPYTHONDIR", tempfile.mkdtemp(prefix="swarmlab-ipython-"))
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    return nb, time.perf_counter() - t0


def error_outputs(nb: object) -> list[str]:
    """Error outputs and stderr tracebacks left in an executed notebook."""
    found = []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr" and "Traceback" in out["text"]:
                found.append(out["text"][:300])
    return found


def execute_all(paths: list[Path], timeout: int = 600, workers: int = 2) -> tuple[dict[str, object],
                                                                                  dict[str, float], dict[str, str]]:
    """Execute each notebook, `workers` kernels at a time (each lesson in a kernel of its own, top to bottom); go
    on after a failure. Returns the executed notebooks, seconds and failures, by key, in the order of `paths`."""
    from concurrent.futures import ThreadPoolExecutor

    from nbclient.exceptions import CellExecutionError

    def one(path: Path) -> tuple[object | None, float, str | None]:
        t0 = time.perf_counter()
        try:
            nb, took = execute(path, timeout)
        except CellExecutionError as exc:
            return None, round(time.perf_counter() - t0, 2), f"{exc.ename}: {exc.evalue}"[:500]
        return nb, round(took, 2), None

    with ThreadPoolExecutor(max(1, workers)) as pool:
        results = list(pool.map(one, paths))
    done = {key(p): nb for p, (nb, _took, _why) in zip(paths, results, strict=True) if nb is not None}
    seconds = {key(p): took for p, (_nb, took, _why) in zip(paths, results, strict=True)}
    failed = {key(p): why for p, (_nb, _took, why) in zip(paths, results, strict=True) if why is not None}
    return done, seconds, failed


def problems(nb: object) -> list[str]:
    """What an executed lesson shows that it should not: a step its recording lacks (the lab's note, a self-check's
    line, the magic's message, zh and en), a command %swarm refused, a failed command's red block."""
    import json

    from swarmlab.i18n import _
    from swarmlab.magic import ERROR_COLOR, NOT_RECORDED, REFUSED

    missing = [*(_("not in this recording: {error}", lang).split("{error}")[0] for lang in LANGS),
               *(_(NOT_RECORDED, lang).split("{node}")[0].strip() for lang in LANGS)]
    refused = [_(REFUSED, lang).split("'")[0][:30] for lang in LANGS]
    texts = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)  # type: ignore[attr-defined]
    found = [f"the recording lacks a step it shows ({m!r})" for m in missing if m in texts]
    found += [f"%swarm refused a command the lesson shows ({m!r})" for m in refused if m in texts]
    failed = [c for c in nb.cells if f"solid {ERROR_COLOR}" in json.dumps(c.get("outputs", []))]  # type: ignore[attr-defined]
    found += [f"a command failed (red block): {''.join(c.source).splitlines()[0][:80]!r}, showing {_said(c)!r}"
              for c in failed]
    return found


def _said(cell: dict[str, object]) -> str:
    """The end of what a cell's outputs show, as text (what the failed command printed, for the test's message)."""
    import html
    import re

    shown = []
    outputs = cell.get("outputs", [])
    for out in outputs if isinstance(outputs, list) else []:
        data = out.get("data", {}) if isinstance(out, dict) else {}
        for kind in ("text/html", "text/plain"):
            value = data.get(kind)
            if value:
                shown.append("".join(value) if isinstance(value, list) else str(value))
                break
    text = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(" ".join(shown))).split())
    return text[-200:]
