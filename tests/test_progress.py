"""Progress for the class's instructor (issue #24 items 4-5) without a hub: the course's events (nothing outside a
class; queued in the home and sent, kept while the service is down), the service's storage (checked events, an
event stored once) and what the dashboard and the grades show. The real hub's service: tests/test_class.py."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from swarmlab import course
from swarmlab.classhub import dashboard, progressdb
from swarmlab.course import progress
from swarmlab.course.lessons import LESSONS
from swarmlab.ports import free_port


class _Service(http.server.BaseHTTPRequestHandler):
    """A stand-in on loopback that stores what it is sent (the real service, with the hub: test_class.py)."""

    got: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.got.extend(body["events"])
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"stored": 1}')

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(progress.URL_ENV, raising=False)
    monkeypatch.delenv(progress.TOKEN_ENV, raising=False)
    return tmp_path


@pytest.fixture
def service() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: ClassVar[list[dict[str, Any]]] = []
    handler = type("Svc", (_Service,), {"got": got})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/services/swarmlab-progress/api/events", got
    srv.shutdown()
    srv.server_close()


def _lesson_01() -> None:
    course.start("01", "replay", lang="en", show=False, shell=None)
    course.exercise("01.replicas", answer="3")
    course.exercise("01.replicas", answer=" 2 ")
    course.check("01")


def test_outside_a_class_nothing_is_sent_nor_written(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no network outside a class")

    monkeypatch.setattr(progress.urllib.request, "urlopen", no_network)
    _lesson_01()
    assert progress.record("lesson", lesson="01", state="opened") is None
    assert list(home.iterdir()) == []  # no queue, no folder
    monkeypatch.setenv(progress.URL_ENV, "http://127.0.0.1:9/x")  # only the URL, no hub token: still outside
    assert progress.record("lesson", lesson="01", state="opened") is None and list(home.iterdir()) == []


def test_in_a_class_the_lesson_sends_its_events_with_the_hub_token(
        home: Path, monkeypatch: pytest.MonkeyPatch, service: tuple[str, list[dict[str, Any]]]) -> None:
    url, got = service
    monkeypatch.setenv(progress.URL_ENV, url)
    monkeypatch.setenv(progress.TOKEN_ENV, "the-servers-token")
    monkeypatch.setattr(progress, "record", _synchronous(progress.record))
    _lesson_01()
    kinds = [(e["kind"], e.get("state") or e.get("answer") or e.get("passed")) for e in got]
    assert kinds == [("lesson", "opened"), ("attempt", "3"), ("attempt", "2"), ("selfcheck", True),
                     ("lesson", "finished")]
    first, second = got[1], got[2]
    assert (first["exercise"], first["correct"], first["attempt"]) == ("01.replicas", False, 1)
    assert (second["correct"], second["attempt"], second["lesson"]) == (True, 2, "01")
    assert all("student" not in e and "user" not in e for e in got)  # identity: the token's, never the payload's
    assert progress.pending() == []


def _synchronous(record: Any) -> Any:
    def call(kind: str, **data: Any) -> Any:
        data["background"] = False
        return record(kind, **data)
    return call


def test_events_wait_in_the_home_while_the_service_is_down(
        home: Path, monkeypatch: pytest.MonkeyPatch, service: tuple[str, list[dict[str, Any]]]) -> None:
    url, got = service
    monkeypatch.setenv(progress.URL_ENV, f"http://127.0.0.1:{free_port()}/down")  # nothing listens
    monkeypatch.setenv(progress.TOKEN_ENV, "t")
    monkeypatch.setattr(progress, "record", _synchronous(progress.record))
    _lesson_01()
    queued = progress.pending()
    assert [e["kind"] for e in queued] == ["lesson", "attempt", "attempt", "selfcheck", "lesson"]
    queue = home / ".swarmlab" / "progress-queue.jsonl"
    assert len(queue.read_text().splitlines()) == 5
    with queue.open("a") as out:
        out.write('{"cut by a crash\n')  # a line cut mid-write is dropped, the rest kept
    monkeypatch.setenv(progress.URL_ENV, url)  # the service is back
    assert progress.flush() == 5
    assert [e["id"] for e in got] == [e["id"] for e in queued] and progress.pending() == []


def _until(done: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_restarted_server_sends_the_queue_without_a_kernel(
        home: Path, monkeypatch: pytest.MonkeyPatch, service: tuple[str, list[dict[str, Any]]]) -> None:
    """The server extension, loaded as jupyter_server loads it (its extension points, then its loader), sends what
    a kernel queued while the service was down, once; outside a class it starts nothing."""
    from jupyter_server.extension.manager import ExtensionPackage

    from swarmlab.course import serverext

    url, got = service
    app = SimpleNamespace(log=logging.getLogger("test-serverapp"))
    package = ExtensionPackage(name="swarmlab.course.serverext", enabled=True)  # as jpserver_extensions names it
    assert package.validate()

    def load() -> None:
        package.link_point("swarmlab.course.serverext", app)
        package.load_point("swarmlab.course.serverext", app)

    load()  # outside a class: no thread
    assert not [t for t in threading.enumerate() if t.name == "swarmlab-progress-flush"]
    monkeypatch.setenv(progress.URL_ENV, f"http://127.0.0.1:{free_port()}/down")  # the kernel's lesson, service down
    monkeypatch.setenv(progress.TOKEN_ENV, "the-servers-token")
    monkeypatch.setattr(progress, "record", _synchronous(progress.record))
    _lesson_01()
    queued = progress.pending()
    assert len(queued) == 5 and got == []
    monkeypatch.setattr(serverext, "PERIOD", 3600.0)  # the start's send only
    monkeypatch.setattr(serverext, "STOP", threading.Event())
    monkeypatch.setenv(progress.URL_ENV, url)  # the server restarts, the service is back: no kernel, no new event
    load()
    try:
        _until(lambda: len(got) >= 5 and not progress.pending(), "the queue was not sent at the server's start")
    finally:
        serverext.STOP.set()
    assert [e["id"] for e in got] == [e["id"] for e in queued]


def test_the_server_keeps_the_queue_while_the_service_is_down_and_sends_it_once(
        home: Path, monkeypatch: pytest.MonkeyPatch, service: tuple[str, list[dict[str, Any]]]) -> None:
    """Down at the server's start: nothing lost (the queue kept at each try); up later: sent by the periodic send,
    each event once however many rounds follow."""
    from swarmlab.course import serverext

    url, got = service
    monkeypatch.setenv(progress.URL_ENV, f"http://127.0.0.1:{free_port()}/down")
    monkeypatch.setenv(progress.TOKEN_ENV, "t")
    monkeypatch.setattr(progress, "record", _synchronous(progress.record))
    _lesson_01()
    queued = progress.pending()
    assert len(queued) == 5
    rounds: list[int] = []
    flush = progress.flush
    monkeypatch.setattr(progress, "flush", lambda: rounds.append(flush()) or rounds[-1])
    stop = threading.Event()
    thread = serverext.start(logging.getLogger("test-serverapp"), period=0.01, stop=stop)
    try:
        _until(lambda: len(rounds) >= 3, "the server extension does not retry")
        assert got == [] and progress.pending() == queued  # service down: all still queued
        monkeypatch.setenv(progress.URL_ENV, url)
        _until(lambda: len(got) >= 5, "the queue was not sent once the service was back")
        after = len(rounds)
        _until(lambda: len(rounds) >= after + 3, "the server extension stopped sending")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [e["id"] for e in got] == [e["id"] for e in queued] and progress.pending() == []  # each once


def _ev(kind: str, lesson: str = "01", **data: Any) -> dict[str, Any]:
    import uuid

    return {"id": uuid.uuid4().hex, "kind": kind, "time": 1.0, "lesson": lesson, **data}


@pytest.mark.parametrize(("event", "said"), [
    ([], "an event must be a JSON object"),
    ({"kind": "x"}, "kind must be one of attempt, selfcheck, lesson"),
    ({**_ev("lesson", state="opened"), "time": "now"}, "time must be a number"),
    ({**_ev("lesson", state="opened"), "id": ""}, "id must be text of 1 to 64"),
    (_ev("lesson", state="done"), "state must be \"opened\" or \"finished\""),
    (_ev("attempt", exercise="01.replicas", answer="2", correct="yes", attempt=1), "correct must be true or false"),
    (_ev("attempt", exercise="01.replicas", answer="2", correct=True, attempt=0), "attempt must be the try's"),
    (_ev("attempt", exercise="01.replicas", answer=3, correct=True, attempt=1), "answer must be text"),
    (_ev("selfcheck", checks=[True, "green"]), "checks must be a list of true, false or null"),
    (_ev("selfcheck", checks=[True] * 101), "at most 100 checks"),
    (_ev("lesson", "99", state="opened"), "lesson must be one of the course's: 00, 01"),
    # what one database takes and another refuses (a 500 from the service): refused before either sees it
    (_ev("attempt", exercise="01.replicas", answer="a\x00b", correct=False, attempt=1), "answer must not contain NUL"),
    (_ev("attempt", exercise="01.replicas", answer="\ud800", correct=False, attempt=1), "answer must be valid Unicode"),
    (_ev("attempt", exercise="01.replicas", answer="2", correct=True, attempt=2 ** 40), "at most 1000000"),
    ({**_ev("lesson", state="opened"), "time": float("nan")}, "time must be a finite number"),
    ({**_ev("lesson", state="opened"), "time": float("inf")}, "time must be a finite number"),
    ({**_ev("lesson", state="opened"), "time": 10 ** 400}, "time must be a finite number"),
    ({**_ev("lesson", state="opened"), "id": "i\x00d"}, "id must not contain NUL"),
    (_ev("selfcheck", checks=[True], texts=["\udfff"]), "texts must be valid Unicode"),
    (_ev("selfcheck", checks=[True], texts=["a\x00b"]), "texts must not contain NUL"),
])
def test_a_bad_event_is_refused_naming_the_field(event: Any, said: str) -> None:
    with pytest.raises(progressdb.BadEvent, match=said.replace("(", r"\(")):
        progressdb.row(event)


@pytest.fixture(scope="module")
def postgresql() -> Iterator[Any]:
    """A real PostgreSQL cluster of this machine (Debian's server, a unix socket in a temp folder), for the module."""
    from swarmlab.testing import postgres

    why = postgres.unavailable_reason()
    if why:
        pytest.skip(why)
    with postgres.cluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The progress service's database URL: SQLite in the class folder (the default), or PostgreSQL (a new database
    of the module's cluster for each test), as `progress_db` in a class file names it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'p.sqlite'}"
    cluster = request.getfixturevalue("postgresql")
    name = f"t{len(list(tmp_path.parent.iterdir()))}_{tmp_path.name}".lower()[:60]
    return str(cluster.create_database(name))


def test_the_store_and_what_the_instructor_sees(db_url: str) -> None:
    store = progressdb.Store(db_url)
    ann = [_ev("lesson", state="opened"),
           _ev("attempt", exercise="01.replicas", answer="3", correct=False, attempt=1),
           _ev("attempt", exercise="01.replicas", answer="2", correct=True, attempt=2),
           _ev("selfcheck", checks=[True, None]), _ev("lesson", state="finished"),
           _ev("lesson", "02", state="opened")]
    bob = [_ev("lesson", state="opened"),
           _ev("attempt", exercise="01.replicas", answer="2", correct=True, attempt=1),
           _ev("attempt", exercise="01.network-driver", answer="bridge", correct=False, attempt=1),
           _ev("selfcheck", checks=[False, True])]
    assert store.add("ann", [progressdb.row(e) for e in ann]) == (6, 0)
    assert store.add("ann", [progressdb.row(e) for e in ann[:2]]) == (0, 2)  # sent twice: stored once
    assert store.add("bob", [progressdb.row(e) for e in bob]) == (4, 0)
    assert store.add("bob", [progressdb.row(ann[0])]) == (1, 0)  # an id is per student
    s = progressdb.summary(store.of(), ["ann", "bob", "chen"], list(LESSONS))
    assert s.reached == {"ann": "02", "bob": "01", "chen": None}
    assert s.cells["ann", "01"].selfcheck is True and s.cells["ann", "01"].finished
    assert s.cells["bob", "01"].selfcheck is False and not s.cells["bob", "01"].finished
    assert s.exercises["01.replicas"] == {"students": 2, "first_try_right": 1, "first_try_rate": 0.5,
                                          "wrong": [("3", 1)]}
    assert s.exercises["01.network-driver"]["wrong"] == [("bridge", 1)]
    csv = dashboard.grades_csv(s).splitlines()
    assert csv[0] == ",".join(dashboard.GRADE_COLUMNS)
    assert csv[1:] == ["ann,2,1,1,1,1,0", "bob,1,0,0,2,1,1", "chen,0,0,0,0,0,0"]
    zh = dashboard.page(s, "lb", "zh")
    assert "班级 lb：学习进度" in zh and "首次即答对" in zh and '<html lang="zh-CN">' in zh
    assert 'data-student="bob" data-lesson="01"' in zh and "自检未通过：1 项失败" in zh
    en = dashboard.page(s, "lb", "en")
    assert "Right at the first try" in en and "<code>bridge</code> ×1" in en and "50%" in en
    # each student's server: the hub's admin view of it (instructors cannot enter /user/NAME/ itself)
    assert '<td class="server"><a href="/hub/admin#/?name_filter=bob"' in en and "/user/bob/: running" in en
    assert '<td class="server"><a href="/hub/admin#/?name_filter=bob"' in zh and "服务器 ↗" in zh
    assert "<th>Server</th>" in en and "<th>服务器</th>" in zh

    # live: the page polls api/summary and reloads on a new version, which a new event (and only that) makes
    rows = store.of()
    ver = dashboard.version(rows)
    live = dashboard.page(s, "lb", "en", ver=ver, xsrf="x|1")
    assert f'<body data-version="{ver}" data-xsrf="x|1">' in live and '"X-XSRFToken": document.body.dataset.xsrf' in en
    assert 'fetch("api/summary"' in en
    assert "every 10 s" in en and "每 10 秒" in zh
    before = dashboard.as_json(s, ver)
    assert before["students"]["bob"] == {"reached": "01", "lessons": {"01": "red"}, "swarm": None}
    assert before["exercises"]["01.replicas"]["wrong"] == [["3", 1]] and before["grades"] == s.grades
    assert dashboard.version(store.of()) == ver  # nothing new: the page stays
    assert store.add("bob", [progressdb.row(_ev("lesson", "03", state="opened"))]) == (1, 0)
    rows = store.of()
    after = dashboard.as_json(progressdb.summary(rows, ["ann", "bob", "chen"], list(LESSONS)), dashboard.version(rows))
    assert after["version"] != ver and after["students"]["bob"]["reached"] == "03"
    assert json.loads(json.dumps(after)) == after  # plain JSON (the service sends it as is)


@pytest.mark.parametrize("event", [
    _ev("attempt", exercise="01.replicas", answer="x" * 2000, correct=False, attempt=1_000_000),
    _ev("attempt", exercise="é" * 64, answer="负载均衡 ✓", correct=False, attempt=1),
    {**_ev("lesson", state="opened"), "time": 1765000000.123456, "id": "x" * 64},
    _ev("selfcheck", checks=[True, None, False], texts=["a\tb", "负载 ✓", ""]),
])
def test_an_event_reads_back_as_sent_on_each_database(db_url: str, event: dict[str, Any]) -> None:
    """The largest and the non-ASCII of what row() takes reads back the same on both databases, stored once (what
    one of them would refuse, e.g. NUL in text on PostgreSQL, row() refuses first: the test above)."""
    store = progressdb.Store(db_url)
    checked = progressdb.row(event)
    assert store.add("ann", [checked]) == (1, 0)
    (back,) = store.of("ann")
    assert {k: back[k] for k in checked} == checked
    assert store.add("ann", [checked]) == (0, 1)


def test_the_store_outlives_a_restart_of_postgresql(postgresql: Any) -> None:
    """The database server restarts under a running service (an upgrade, a failover): the pooled connections are
    dead, the next event is stored all the same (the pool checks a connection before use)."""
    url = postgresql.create_database("restarted").replace("postgresql://", "postgres://")  # libpq's spelling too
    store = progressdb.Store(url)
    assert store.add("ann", [progressdb.row(_ev("lesson", state="opened"))]) == (1, 0)
    postgresql.stop()
    postgresql.start()
    assert store.add("ann", [progressdb.row(_ev("lesson", state="finished"))]) == (1, 0)
    assert [r["state"] for r in store.of("ann")] == ["opened", "finished"]


def test_the_same_events_sent_at_once_are_stored_once(db_url: str) -> None:
    """Two senders of the same events at the same moment (a kernel's resend while the first POST is still being
    stored, or two service processes on one database): each event once, and no sender gets an error."""
    from concurrent.futures import ThreadPoolExecutor

    events = [progressdb.row(_ev("attempt", exercise="01.replicas", answer=str(i), correct=False, attempt=1))
              for i in range(40)]
    stores = [progressdb.Store(db_url) for _ in range(2)]  # two processes' engines, one database
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: stores[i % 2].add("ann", events), range(6)))
    assert sum(stored for stored, _dupes in results) == 40 and all(s + d == 40 for s, d in results)
    assert len(stores[0].of("ann")) == 40


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql://progress:hunter2@db:54x2/lb", "'postgresql://progress:***@db:54x2/lb': its host:port cannot be"),
    ("postgresql://progress:hunter2@[::1/lb", "its host:port cannot be read"),  # before: a ValueError traceback
    ("post gres://progress:hunter2@db/lb", "'post gres://progress:***@db/lb': not a database URL"),  # before: shown
])
def test_a_progress_db_url_that_cannot_be_read_is_one_line_without_its_password(url: str, said: str) -> None:
    with pytest.raises(progressdb.StoreError) as info:
        progressdb.engine_url(url)
    assert said in str(info.value) and "hunter2" not in str(info.value) and "\n" not in str(info.value)


def test_an_answer_with_a_lone_surrogate_or_a_nul_is_queued_and_stored(
        home: Path, monkeypatch: pytest.MonkeyPatch, service: tuple[str, list[dict[str, Any]]]) -> None:
    """A pasted answer may hold a lone surrogate (no UTF-8: the queue could not be written) or a NUL (PostgreSQL
    refuses it): each becomes U+FFFD before the event is queued, so the cell answers and the service stores it."""
    url, got = service
    monkeypatch.setenv(progress.URL_ENV, url)
    monkeypatch.setenv(progress.TOKEN_ENV, "t")
    monkeypatch.setattr(progress, "record", _synchronous(progress.record))
    course.start("01", "replay", lang="en", show=False, shell=None)
    course.exercise("01.replicas", answer="3\ud800\x00")
    attempt = next(e for e in got if e["kind"] == "attempt")
    assert attempt["answer"] == "3\ufffd\ufffd"
    assert progressdb.row(attempt)["answer"] == "3\ufffd\ufffd"  # what the class's service checks before storing
    assert progress.pending() == []
    assert progress.storable({"texts": ["a\udfff", 1, None]}) == {"texts": ["a\ufffd", 1, None]}
