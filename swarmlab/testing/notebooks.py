"""Executing the lab's notebooks headless (nbclient), for the tests and the notebooks benchmark."""

from __future__ import annotations

import time
from pathlib import Path

LABS = Path(__file__).resolve().parent.parent.parent / "labs"


def notebooks() -> list[Path]:
    return sorted(LABS.glob("[0-9][0-9]-*.ipynb"))


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
