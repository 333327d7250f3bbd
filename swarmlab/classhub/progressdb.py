"""The class's progress, stored with SQLAlchemy: SQLite in the class folder by default, PostgreSQL otherwise
(`progress_db = "postgresql://..."` in the class file; both tested, other databases refused). One table of events;
an event's id is stored once per student, so an event a kernel sends twice counts once. The student is the one the
hub named for the token that sent the event (progress.py), never a field of the event."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from swarmlab.course.lessons import LESSONS
from swarmlab.course.progress import KINDS

metadata = sa.MetaData()
events = sa.Table(
    "events", metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.String(64), nullable=False, index=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("lesson", sa.String(8), nullable=False),
    sa.Column("exercise", sa.String(64)),
    sa.Column("answer", sa.Text),
    sa.Column("correct", sa.Boolean),
    sa.Column("attempt", sa.Integer),
    sa.Column("state", sa.String(16)),
    sa.Column("checks", sa.Text),  # JSON: [true, false, null, ...] and the checks' texts
    sa.Column("time", sa.Float, nullable=False),  # when the kernel recorded it
    sa.Column("received", sa.Float, nullable=False),
    sa.UniqueConstraint("student", "event_id", name="one_event_once"),
)
MAX_TEXT = 2000
DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}  # the tested ones; both have INSERT ... ON CONFLICT
MAX_ATTEMPT = 1_000_000  # the column is a 32-bit integer on PostgreSQL


class BadEvent(ValueError):
    """An event the service refuses: the message says which field and what it must be."""


def _storable(key: str, value: str) -> str:
    """Text every database stores as sent: PostgreSQL refuses NUL in text, and no database takes a lone surrogate
    (JSON's \\ud800 decodes to one; it has no UTF-8)."""
    if "\x00" in value:
        raise BadEvent(f"{key} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadEvent(f"{key} must be valid Unicode (a lone surrogate has no UTF-8)") from None
    return value


def _text(event: dict[str, Any], key: str, limit: int = 64) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadEvent(f"{key} must be text of 1 to {limit} characters")
    return _storable(key, value)


def _time(event: dict[str, Any]) -> float:
    when = event.get("time")
    if not isinstance(when, (int, float)) or isinstance(when, bool):
        raise BadEvent("time must be a number (seconds since the epoch)")
    try:
        seconds = float(when)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):  # NaN: NULL in SQLite, unequal to itself in PostgreSQL
        raise BadEvent("time must be a finite number (seconds since the epoch)")
    return seconds


def row(event: Any) -> dict[str, Any]:
    """The stored columns of one event sent by a kernel (course/progress.py), checked."""
    if not isinstance(event, dict):
        raise BadEvent("an event must be a JSON object")
    kind = event.get("kind")
    if kind not in KINDS:
        raise BadEvent(f"kind must be one of {', '.join(KINDS)}")
    when = _time(event)
    lesson = event.get("lesson")
    if lesson not in LESSONS:
        raise BadEvent(f"lesson must be one of the course's: {', '.join(LESSONS)}")
    out: dict[str, Any] = {"event_id": _text(event, "id"), "kind": kind, "lesson": lesson, "time": when}
    if kind == "attempt":
        out["exercise"] = _text(event, "exercise")
        answer = event.get("answer")
        if not isinstance(answer, str) or len(answer) > MAX_TEXT:
            raise BadEvent(f"answer must be text of at most {MAX_TEXT} characters")
        out["answer"] = _storable("answer", answer)
        if not isinstance(event.get("correct"), bool):
            raise BadEvent("correct must be true or false")
        out["correct"] = event["correct"]
        number = event.get("attempt")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_ATTEMPT:
            raise BadEvent(f"attempt must be the try's number (1, 2, ... at most {MAX_ATTEMPT})")
        out["attempt"] = number
    elif kind == "selfcheck":
        checks = event.get("checks")
        texts = event.get("texts", [])
        if not isinstance(checks, list) or not all(c in (True, False, None) for c in checks):
            raise BadEvent("checks must be a list of true, false or null")
        if not isinstance(texts, list) or not all(isinstance(x, str) for x in texts):
            raise BadEvent("texts must be a list of the checks' texts")
        if len(checks) > 100 or sum(len(x) for x in texts) > MAX_TEXT * 10:
            raise BadEvent("a self-check has at most 100 checks and their texts 20000 characters")
        for text in texts:
            _storable("texts", text)
        out["checks"] = json.dumps({"results": checks, "texts": texts}, ensure_ascii=False)
        out["correct"] = all(c is not False for c in checks)
    else:
        state = event.get("state")
        if state not in ("opened", "finished"):
            raise BadEvent("state must be \"opened\" or \"finished\"")
        out["state"] = state
    return out


class StoreError(RuntimeError):
    """The database named by progress_db cannot be used: the message is one line naming the fix."""


def engine_url(url: str) -> sa.URL:
    """The SQLAlchemy URL of `progress_db`: a bare postgresql:// or postgres:// (Heroku's and libpq's spelling, which
    SQLAlchemy refuses) means psycopg, the driver the `class` extra installs (SQLAlchemy before 2.1 would pick
    psycopg2)."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number, a lone [
        # said without its password: user:PASSWORD@ (the URL could not be parsed to hide it)
        shown = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)
        what = "its host:port cannot be read" if isinstance(exc, ValueError) else "not a database URL"
        raise StoreError(f"progress_db {shown!r}: {what}: e.g. postgresql://user@host:5432/db") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Store:
    def __init__(self, url: str) -> None:
        parsed = engine_url(url)
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() not in DIALECTS:
            raise StoreError(f"progress_db {shown}: use SQLite (the default) or PostgreSQL (postgresql://...), the "
                             "two databases the progress service is tested on")
        try:
            # pre_ping: a connection the server dropped (a restart, a failover) is replaced, not an error
            self.engine = sa.create_engine(parsed, pool_pre_ping=True)
        except ImportError as exc:
            raise StoreError(f"progress_db {shown}: no driver ({exc.name or exc}): install it into the hub's Python "
                             "(pip install 'swarmlab[class]' brings psycopg for PostgreSQL)") from None
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"progress_db {shown}: {str(exc).splitlines()[0]}") from None
        try:
            metadata.create_all(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(f"progress_db {shown}: cannot create the events table ({first}): check that the "
                             "database exists, answers and lets that user create tables") from None

    def add(self, student: str, items: list[dict[str, Any]]) -> tuple[int, int]:
        """Store checked rows for `student`; returns (stored, already there). INSERT ... ON CONFLICT DO NOTHING on
        (student, event_id): two senders of one event at once store it once, neither gets an error (a SELECT
        first would race)."""
        once = DIALECTS[self.engine.dialect.name].insert(events).on_conflict_do_nothing(
            index_elements=["student", "event_id"])
        stored = 0
        now = time.time()
        with self.engine.begin() as conn:
            for item in items:
                # RETURNING, not rowcount: psycopg's is -1 for an insert that returns the new key
                stored += len(conn.execute(once.values(student=student, received=now, **item)
                                           .returning(events.c.pk)).all())
        return stored, len(items) - stored

    def of(self, student: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(events).order_by(events.c.time, events.c.pk)
        if student is not None:
            query = query.where(events.c.student == student)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


@dataclass
class Cell:
    """One student in one lesson: opened, finished, the last self-check (None: not run)."""

    opened: bool = False
    finished: bool = False
    selfcheck: bool | None = None
    checks: list[bool | None] = field(default_factory=list)


@dataclass
class Summary:
    students: list[str]
    lessons: list[str]
    cells: dict[tuple[str, str], Cell]
    reached: dict[str, str | None]  # the furthest lesson each student opened
    exercises: dict[str, dict[str, Any]]  # id -> students, first_try_right, first_try_rate, wrong: [(answer, n)]
    grades: list[dict[str, Any]]


def summary(rows: list[dict[str, Any]], students: list[str], lessons: list[str], top: int = 3) -> Summary:
    """What the dashboard shows, from every stored event (in time order)."""
    cells: dict[tuple[str, str], Cell] = {}
    reached: dict[str, str | None] = dict.fromkeys(students)
    first: dict[tuple[str, str], bool] = {}  # (exercise, student) -> the first answer was right
    right: set[tuple[str, str]] = set()
    wrong: dict[str, Counter[str]] = {}
    for r in rows:
        student, les = r["student"], r["lesson"]
        cell = cells.setdefault((student, les), Cell())
        cell.opened = True
        if r["kind"] == "lesson":
            cell.finished = cell.finished or r["state"] == "finished"
            if reached.get(student) is None or les > str(reached[student]):
                reached[student] = les
        elif r["kind"] == "selfcheck":
            cell.selfcheck = bool(r["correct"])
            cell.checks = json.loads(r["checks"] or "{}").get("results", [])
        elif r["kind"] == "attempt":
            key = (r["exercise"], student)
            first.setdefault(key, bool(r["correct"]))
            if r["correct"]:
                right.add(key)
            else:
                wrong.setdefault(r["exercise"], Counter())[r["answer"]] += 1
    exercises: dict[str, dict[str, Any]] = {}
    for (ex, _student), ok in sorted(first.items()):
        info = exercises.setdefault(ex, {"students": 0, "first_try_right": 0})
        info["students"] += 1
        info["first_try_right"] += int(ok)
    for ex, info in exercises.items():
        info["first_try_rate"] = info["first_try_right"] / info["students"]
        info["wrong"] = (wrong.get(ex) or Counter()).most_common(top)
    grades = []
    for student in students:
        mine = [c for (s, _les), c in cells.items() if s == student]
        grades.append({
            "student": student,
            "lessons_opened": sum(c.opened for c in mine),
            "lessons_finished": sum(c.finished for c in mine),
            "selfchecks_green": sum(c.selfcheck is True for c in mine),
            "exercises_tried": sum(1 for (_ex, s) in first if s == student),
            "exercises_right": sum(1 for (_ex, s) in right if s == student),
            "first_try_right": sum(ok for (_ex, s), ok in first.items() if s == student),
        })
    return Summary(students, lessons, cells, reached, exercises, grades)
