"""The progress service: a JupyterHub service (started and restarted by the hub, `python -m
swarmlab.classhub.progress SETTINGS`) that takes progress events from students' kernels and shows the instructor's
dashboard (issue #24 items 4 and 5).

Under the hub's proxy at /services/swarmlab-progress/:
* `POST api/events` {"events": [...]}: the token in `Authorization` is asked to the hub (HubAuth.user_for_token);
  the events are stored as the student the hub named. A token that is not a student's of this class: 403.
* `GET api/students/NAME`: a student's events, as JSON: that student's own token, or an instructor's; else 403.
* `GET ` (the dashboard, `?lang=zh|en`, the class's language by default) and `GET grades.csv`: instructors only
  (the scope `access:services!service=swarmlab-progress`, held by the class's `instructor` role); a browser logs in
  through the hub (HubOAuth); a student gets 403.
* `GET api/summary`: what the dashboard shows, as JSON, with a version that changes with each new event (the page
  polls it every few seconds and reloads on a change), instructors only.
* `GET api/health`: each student's swarm health (provider pool: `swarmlab doctor` on it, health.py), as JSON,
  instructors only; it and the dashboard start the checks older than a minute, and show the latest results.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any, ClassVar

from tornado import ioloop, web

from swarmlab.classhub import dashboard, health, progressdb, providers
from swarmlab.course.lessons import LESSONS

NAME = "swarmlab-progress"
SCOPE = f"access:services!service={NAME}"
MAX_BODY = 4 * 1024 * 1024


def db_url(settings: dict[str, Any]) -> str:
    return str(settings.get("progress_db") or f"sqlite:///{Path(settings['folder']) / 'progress.sqlite'}")


class _Base(web.RequestHandler):
    @property
    def cls(self) -> dict[str, Any]:
        return self.settings["swarmlab"]

    @property
    def store(self) -> progressdb.Store:
        return self.settings["store"]

    async def token_identity(self) -> dict[str, Any]:
        """The hub's answer for the request's token (never the payload's word); 403 without a known token."""
        header = self.request.headers.get("Authorization", "")
        kind, _space, token = header.partition(" ")
        if kind.lower() not in ("token", "bearer") or not token.strip():
            raise web.HTTPError(403, "send the hub's token: Authorization: token $JUPYTERHUB_API_TOKEN")
        model = await self.settings["hub_auth"].user_for_token(token.strip(), sync=False)
        if not model or model.get("kind", "user") != "user":
            raise web.HTTPError(403, "the hub does not know this token")
        return dict(model)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        reason = exc.log_message if isinstance(exc, web.HTTPError) and exc.log_message else self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"status": status_code, "message": reason}))


class EventsHandler(_Base):
    async def post(self) -> None:
        who = await self.token_identity()
        student = who["name"]
        if student not in self.cls["students"]:
            raise web.HTTPError(403, f"{student} is not a student of this class")
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            raise web.HTTPError(400, "the body must be JSON: {\"events\": [...]}") from None
        items = body.get("events") if isinstance(body, dict) else None
        if not isinstance(items, list) or len(items) > 1000:
            raise web.HTTPError(400, "the body must be {\"events\": [...]} with at most 1000 events")
        try:
            rows = [progressdb.row(e) for e in items]
        except progressdb.BadEvent as exc:
            raise web.HTTPError(400, f"bad event: {exc}") from None
        stored, dupes = self.store.add(student, rows)
        self.finish({"stored": stored, "duplicates": dupes})


class StudentHandler(_Base):
    async def get(self, student: str) -> None:
        who = await self.token_identity()
        if who["name"] != student and SCOPE not in who.get("scopes", []):
            raise web.HTTPError(403, "a student sees only their own progress")
        if student not in self.cls["students"]:
            raise web.HTTPError(404, f"{student} is not a student of this class")
        self.finish({"student": student, "events": self.store.of(student)})


def _instructor_handlers() -> tuple[type[web.RequestHandler], ...]:
    from jupyterhub.services.auth import HubOAuthenticated

    class Instructor(HubOAuthenticated, _Base):
        hub_scopes: ClassVar[set[str]] = {SCOPE}  # the class's instructor role holds it; students do not: 403

        def summary(self) -> progressdb.Summary:
            return progressdb.summary(self.store.of(), list(self.cls["students"]), list(LESSONS))

        def shown(self) -> tuple[progressdb.Summary, str, dict[str, providers.Health | None] | None]:
            """What the dashboard shows and its version (dashboard.version): the page reloads when it changes."""
            rows = self.store.of()
            found = self.swarms()
            summary = progressdb.summary(rows, list(self.cls["students"]), list(LESSONS))
            return summary, dashboard.version(rows, found), found

        def swarms(self) -> dict[str, providers.Health | None] | None:
            """The latest health of each student's swarm (the checks due are started now); None: no swarms."""
            checker: health.SwarmHealth | None = self.settings["health"]
            if checker is None:
                return None
            checker.refresh()
            return checker.snapshot()

    class Dashboard(Instructor):
        @web.authenticated
        def get(self) -> None:
            lang = self.get_argument("lang", self.cls["language"])
            if lang not in ("zh", "en"):
                raise web.HTTPError(400, "lang must be zh or en")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            base = os.environ.get("JUPYTERHUB_BASE_URL", "/")
            summary, ver, found = self.shown()
            xsrf = self.xsrf_token  # the hub's: its cookie auth wants it from the page's script (fetch)
            self.finish(dashboard.page(summary, self.cls["name"], lang, hub_base=base, health=found, ver=ver,
                                       xsrf=xsrf.decode() if isinstance(xsrf, bytes) else str(xsrf)))

    class SummaryJSON(Instructor):
        @web.authenticated
        def get(self) -> None:
            summary, ver, found = self.shown()
            self.set_header("Cache-Control", "no-store")
            self.finish(dashboard.as_json(summary, ver, found))

    class Grades(Instructor):
        @web.authenticated
        def get(self) -> None:
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="{self.cls["name"]}-grades.csv"')
            self.finish(dashboard.grades_csv(self.summary()))

    class Swarms(Instructor):
        @web.authenticated
        def get(self) -> None:
            found = self.swarms() or {}
            self.finish({"health": {s: h.as_json() if h else None for s, h in found.items()}})

    return Dashboard, Grades, Swarms, SummaryJSON


def app(settings: dict[str, Any], prefix: str) -> web.Application:
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler

    hub_auth = HubOAuth.instance(cache_max_age=60)  # the one the handlers' hub_auth finds
    dash, grades, swarms, summary = _instructor_handlers()
    provider = providers.from_settings(settings)
    checker = None if provider.name == "replay" else health.SwarmHealth(provider, settings["students"])
    return web.Application([
        (prefix, dash),
        (prefix + "grades.csv", grades),
        (prefix + "api/health", swarms),
        (prefix + "api/summary", summary),
        (prefix + "api/events", EventsHandler),
        (prefix + r"api/students/([a-z][a-z0-9-]{0,31})", StudentHandler),
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
    ], swarmlab=settings, store=progressdb.Store(db_url(settings)), hub_auth=hub_auth, health=checker,
        cookie_secret=secrets.token_bytes(32), login_url=hub_auth.login_url)


def main(argv: list[str]) -> int:
    from urllib.parse import urlparse

    settings = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{NAME}/")
    try:
        application = app(settings, prefix)
    except progressdb.StoreError as exc:
        print(f"{NAME}: {exc}", file=sys.stderr, flush=True)
        return 1
    # on Kubernetes the service's URL names the hub's Service: it listens on every address of the hub pod (kube.py)
    address = settings.get("listen") or url.hostname or "127.0.0.1"
    application.listen(url.port or 80, address=address, max_body_size=MAX_BODY)
    print(f"{NAME}: listening on {url.geturl()}{prefix}, database {db_url(settings).split('://')[0]}", flush=True)
    ioloop.IOLoop.current().start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
