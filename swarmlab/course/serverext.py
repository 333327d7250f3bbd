"""Sends a student's queued progress events from their Jupyter server, without any kernel (issue #24 item 4).

The course queues its events in the student's home (`progress.py`) and a kernel sends them with the next event;
a server culled idle or restarted while the progress service was down kept them there, and a student who never
answers again (the lesson was finished) would never send them. This Jupyter server extension, enabled by the class
hub on every student's server (`--ServerApp.jpserver_extensions=swarmlab.course.serverext=True`, hubconfig.py),
sends the queue when the server starts and then every `PERIOD` seconds while it runs, in a daemon thread (the
server's start never waits: each send times out after `progress.TIMEOUT`). It is `progress.flush` itself: the same
queue, lock and sender; the identity is the server's own hub token (`JUPYTERHUB_API_TOKEN`, the kernel's too),
never the payload. An event the server and a kernel send at once is stored once (the service keeps an event id
once per student). Outside a class (no `SWARMLAB_PROGRESS_URL` or no hub token) it does nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from swarmlab.course import progress

PERIOD = 60.0  # seconds between sends while the server runs (an empty queue costs one small file read)
STOP = threading.Event()  # set: the thread ends (the server's own process ends it otherwise: a daemon thread)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """jupyter_server calls this at the server's start."""
    if progress.enabled():
        start(getattr(serverapp, "log", None) or logging.getLogger(__name__), PERIOD, STOP)


def start(log: logging.Logger | logging.LoggerAdapter[Any], period: float = PERIOD,
          stop: threading.Event | None = None) -> threading.Thread:
    """Send the queue now and every `period` seconds (until `stop` is set), in a daemon thread."""
    thread = threading.Thread(target=_run, args=(log, period, stop or threading.Event()),
                              name="swarmlab-progress-flush", daemon=True)
    thread.start()
    return thread


def _run(log: logging.Logger | logging.LoggerAdapter[Any], period: float, stop: threading.Event) -> None:
    while True:
        try:
            sent = progress.flush()
        except Exception as exc:  # a broken home or disk must never take the student's server down
            log.warning("swarmlab: queued progress events not sent: %s", exc)
        else:
            if sent:
                log.info("swarmlab: %d queued progress event(s) sent", sent)
        if stop.wait(period):
            return
