"""Progress events for the class's instructor (issue #24 item 4): sent from the student's kernel, only in a class.

A class hub's spawner gives each student's server `SWARMLAB_PROGRESS_URL` (the progress service, through the hub's
proxy) and JupyterHub gives it `JUPYTERHUB_API_TOKEN` (the student's server's token): the kernel inherits both.
Without them (a laptop, Binder, the static site) `record` does nothing: no network, no file.

In a class every event is first appended to a queue in the student's home (`~/.swarmlab/progress-queue.jsonl`, one
JSON object a line), then the queue is sent in the background, and what the service stored is removed from it. When
the service is down, the events wait there and go with the next one (or the next `flush()`, which the student's
server also runs at its start and every minute, kernel or not: serverext.py): nothing is lost. Each
event has a random id; the service stores an id once, so an event sent twice (an answer lost on the way) counts once.
The student's identity is never in an event: the service asks the hub whose token sent it.

Events (`kind`): `attempt` (exercise, normalised answer, correct, try), `selfcheck` (lesson, each check's result:
true/false/null for skipped), `lesson` (lesson, state "opened" or "finished"; a lesson is finished when its
self-check, its last cell, has run).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

URL_ENV = "SWARMLAB_PROGRESS_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
TIMEOUT = 5.0
BATCH = 500
KINDS = ("attempt", "selfcheck", "lesson")
_sending = threading.Lock()
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL refuses it) and lone surrogates (no UTF-8)


def storable(value: Any) -> Any:
    """`value` with every text in it as the service stores it: NUL and lone surrogates (a pasted answer may hold
    one) each replaced by U+FFFD. Unchanged, the event could not be written to the queue (UTF-8), and the service
    would refuse it (`classhub.progressdb`) with every event queued after it."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return [storable(x) for x in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def enabled() -> bool:
    """In a class: the spawner named the service and the hub gave the server its token."""
    return bool(os.environ.get(URL_ENV) and os.environ.get(TOKEN_ENV))


def queue_path() -> Path:
    return Path.home() / ".swarmlab" / "progress-queue.jsonl"


@contextlib.contextmanager
def _locked() -> Iterator[Path]:
    """The queue, locked against the student's other kernels (several lessons open at once)."""
    path = queue_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record(kind: str, *, background: bool = True, **data: Any) -> dict[str, Any] | None:
    """Queue one event and send the queue (in a thread unless `background` is False). None outside a class."""
    if not enabled():
        return None
    event = {"id": uuid.uuid4().hex, "kind": kind, "time": time.time(), **storable(data)}
    line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
    with contextlib.suppress(OSError), _locked() as path, open(path, "a", encoding="utf-8") as out:
        out.write(line)  # (a full disk must not break the student's cell)
    if background:
        threading.Thread(target=flush, name="swarmlab-progress", daemon=True).start()
    else:
        flush()
    return event


def pending() -> list[dict[str, Any]]:
    """The events still queued (not yet stored by the service)."""
    with _locked() as path:
        return _read(path)


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    events = []
    for line in lines:
        with contextlib.suppress(ValueError):  # a line cut by a crash mid-write is dropped, not the queue
            item = json.loads(line)
            if isinstance(item, dict) and "id" in item:
                events.append(item)
    return events


def flush() -> int:
    """Send the queued events; returns how many the service took (0 when it is down: they stay queued)."""
    if not enabled():
        return 0
    sent = 0
    with _sending:
        while True:
            with _locked() as path:
                batch = _read(path)[:BATCH]
            if not batch:
                return sent
            if not _post(batch):
                return sent
            done = {e["id"] for e in batch}
            with _locked() as path:  # events appended while sending stay
                left = [e for e in _read(path) if e["id"] not in done]
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
                                      for e in left), encoding="utf-8")
                os.replace(tmp, path)
            sent += len(batch)


def _post(events: list[dict[str, Any]]) -> bool:
    body = json.dumps({"events": events}).encode()
    req = urllib.request.Request(os.environ[URL_ENV], data=body, method="POST",
                                 headers={"Authorization": f"token {os.environ[TOKEN_ENV]}",
                                          "Content-Type": "application/json"})
    try:  # the class hub's own proxy on loopback (the spawner's environment), never anywhere else
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return 200 <= resp.status < 300
    except (OSError, urllib.error.HTTPError):
        return False


def attempt(exercise: str, answer: str, correct: bool, try_number: int) -> None:
    record("attempt", lesson=exercise.split(".")[0], exercise=exercise, answer=answer, correct=correct,
           attempt=try_number)


def selfcheck(lesson: str, results: list[bool | None], topics: list[str]) -> None:
    record("selfcheck", lesson=lesson, checks=results, texts=topics, passed=all(r is not False for r in results))
    record("lesson", lesson=lesson, state="finished")


def lesson(lesson_id: str, state: str) -> None:
    record("lesson", lesson=lesson_id, state=state)
