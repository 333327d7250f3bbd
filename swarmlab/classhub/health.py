"""Each student's swarm health for the instructor's dashboard (issue #24 item 5): the provider's `health` (pool:
`swarmlab doctor` on the student's swarm) run in threads of the progress service, only while an instructor looks
(each look starts the checks older than MAX_AGE), a few at a time; the page shows the latest results."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from swarmlab.classhub.providers import Health, Provider

MAX_AGE = 60.0  # s: a result younger than this is not checked again
WORKERS = 4  # doctors at once (each opens SSH to every node of a swarm)


class SwarmHealth:
    def __init__(self, provider: Provider, students: Iterable[str], workers: int = WORKERS) -> None:
        self.provider = provider
        self.students = list(students)
        self.results: dict[str, Health] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="swarm-health")

    def refresh(self) -> None:
        """Start checking every student whose result is missing or older than MAX_AGE (and not being checked)."""
        now = time.time()
        with self._lock:
            due = [s for s in self.students if s not in self._running
                   and (s not in self.results or now - self.results[s].checked >= MAX_AGE)]
            self._running.update(due)
        for student in due:
            self._pool.submit(self._check, student)

    def _check(self, student: str) -> None:
        try:
            result = self.provider.health(student)
        except Exception as exc:  # reported on the page, never lost in a thread
            result = Health(False, 0, (f"{type(exc).__name__}: {exc}"[:300],), time.time())
        with self._lock:
            self._running.discard(student)
            if result is not None:
                self.results[student] = result

    def snapshot(self) -> dict[str, Health | None]:
        with self._lock:
            return {s: self.results.get(s) for s in self.students}
