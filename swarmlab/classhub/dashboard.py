"""The instructor's dashboard (a page in zh or en, gettext) and the grades as CSV, from progressdb.summary."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import time
from collections.abc import Mapping
from typing import Any

from swarmlab.classhub.progressdb import Summary
from swarmlab.classhub.providers import Health
from swarmlab.i18n import _

GREEN, RED, GREY = "#009E73", "#D55E00", "#999999"
REFRESH_S = 10  # the page asks api/summary this often, and reloads when the class moved
GRADE_COLUMNS = ("student", "lessons_opened", "lessons_finished", "selfchecks_green", "exercises_tried",
                 "exercises_right", "first_try_right")


def grades_csv(s: Summary) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GRADE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(s.grades)
    return out.getvalue()


def version(rows: list[dict[str, Any]], health: Mapping[str, Health | None] | None = None) -> str:
    """Changes whenever what the page shows may change: a new event stored, a swarm checked again."""
    seen = [(len(rows), max((r["pk"] for r in rows), default=0))]
    checked = sorted((k, h.checked if h else None) for k, h in (health or {}).items())
    return hashlib.sha256(repr((seen, checked)).encode()).hexdigest()[:16]


def as_json(s: Summary, ver: str, health: Mapping[str, Health | None] | None = None) -> dict[str, Any]:
    """What the page shows, as data (GET api/summary): the page polls it and reloads on a new version."""
    def state(student: str, lesson: str) -> str | None:
        cell = s.cells.get((student, lesson))
        if cell is None:
            return None
        return "opened" if cell.selfcheck is None else ("green" if cell.selfcheck else "red")

    return {
        "version": ver,
        "students": {st: {"reached": s.reached.get(st), "lessons": {les: state(st, les) for les in s.lessons
                                                                      if (st, les) in s.cells},
                          "swarm": (h.as_json() if (h := health.get(st)) else None) if health is not None else None}
                     for st in s.students},
        "exercises": {ex: {**info, "wrong": [list(w) for w in info["wrong"]]} for ex, info in s.exercises.items()},
        "grades": s.grades,
    }


def _cell(s: Summary, student: str, lesson: str, lang: str) -> str:
    cell = s.cells.get((student, lesson))
    if cell is None:
        return '<td class="none"></td>'
    if cell.selfcheck is None:
        mark, colour, title = "○", GREY, _("opened", lang)
    elif cell.selfcheck:
        mark, colour, title = "✓", GREEN, _("self-check green", lang)
    else:
        failed = sum(c is False for c in cell.checks)
        mark, colour = "✗", RED
        title = _("self-check red: {n} check(s) failed", lang, n=failed)
    state = "green" if cell.selfcheck else ("red" if cell.selfcheck is False else "opened")
    return (f'<td class="{state}" data-student="{html.escape(student)}" data-lesson="{lesson}" '
            f'title="{html.escape(title)}" style="color:{colour}">{mark}</td>')


def _health(h: Health | None, lang: str) -> str:
    """A student's swarm: ✓ doctor green, ✗ red with the failed checks on hover, … not checked yet."""
    if h is None:
        checking = html.escape(_("checking…", lang))
        return f'<td class="swarm" data-health="checking" title="{checking}">…</td>'
    when = time.strftime("%H:%M:%S", time.localtime(h.checked))
    if h.ok:
        title = _("swarmlab doctor at {time}: {n} checks passed", lang, time=when, n=h.passed)
        return (f'<td class="swarm" data-health="green" title="{html.escape(title)}" style="color:{GREEN}">✓</td>')
    title = _("swarmlab doctor at {time}: {n} check(s) failed", lang, time=when, n=len(h.failed))
    title = "\n".join([title, *h.failed])
    return (f'<td class="swarm" data-health="red" title="{html.escape(title)}" style="color:{RED}">'
            f"✗ {len(h.failed)}</td>")


def _server(student: str, hub_base: str, lang: str) -> str:
    """The link to a student's server: the hub's admin view of it (running or not, last activity, its address),
    filtered to that student. Instructors hold no access:servers, so /user/NAME/ itself stays closed to them."""
    admin = f"{hub_base}hub/admin#/?name_filter={student}"
    url = f"{hub_base}user/{student}/"
    title = _("the hub's view of {url}: running or not, last activity", lang, url=url)
    word = _("server", lang)
    return (f'<td class="server"><a href="{html.escape(admin)}" target="_blank" rel="noopener" '
            f'title="{html.escape(title)}">{html.escape(word)} ↗</a></td>')


def page(s: Summary, class_name: str, lang: str, hub_base: str = "/",
         health: Mapping[str, Health | None] | None = None, ver: str = "", xsrf: str = "") -> str:
    """The whole page: students × lessons (each student's server, their swarm's health when the class has swarms),
    then per exercise the first-try rate and the commonest wrong answers. Live: every REFRESH_S seconds it asks
    api/summary and reloads when the version differs from `ver` (a new event, a swarm checked again). `xsrf`: the
    service's XSRF token, which the hub's cookie auth demands of a script's request (fetch is not a navigation)."""
    esc = html.escape
    head = "".join(f"<th>{esc(les)}</th>" for les in s.lessons)
    rows = []
    for student in s.students:
        cells = "".join(_cell(s, student, les, lang) for les in s.lessons)
        reached = s.reached.get(student) or "–"
        server = _server(student, hub_base, lang)
        swarm = _health(health.get(student), lang) if health is not None else ""
        rows.append(f'<tr data-student="{esc(student)}"><th>{esc(student)}</th>{server}{swarm}'
                    f'<td class="reached">{esc(reached)}</td>{cells}</tr>')
    ex_rows = []
    for ex, info in sorted(s.exercises.items()):
        wrong = "; ".join(f"<code>{esc(a)}</code> ×{n}" for a, n in info["wrong"]) or "–"
        ex_rows.append(f'<tr data-exercise="{esc(ex)}"><td><code>{esc(ex)}</code></td><td>{info["students"]}</td>'
                       f'<td class="rate">{info["first_try_rate"]:.0%}</td><td class="wrong">{wrong}</td></tr>')
    title = esc(_("Class {name}: progress", lang, name=class_name))
    grades = esc(_("Grades (CSV)", lang))
    lessons = esc(_("Students and lessons", lang))
    legend = esc(_("✓ self-check green, ✗ self-check red, ○ opened (no self-check yet)", lang))
    legend += " " + esc(_("The page follows the class by itself (every {n} s).", lang, n=REFRESH_S))
    server_h = esc(_("Server", lang))
    student_h = esc(_("Student", lang))
    reached_h = esc(_("Reached", lang))
    exercises = esc(_("Exercises", lang))
    exercise_h = esc(_("Exercise", lang))
    students_h = esc(_("Students", lang))
    first_h = esc(_("Right at the first try", lang))
    wrong_h = esc(_("Most common wrong answers", lang))
    swarm_word = esc(_("Swarm", lang))
    swarm_h = f"<th>{swarm_word}</th>" if health is not None else ""
    if health is not None:
        legend += " " + esc(_("Swarm: swarmlab doctor on each student's swarm (✓ every check passed, ✗ some failed: "
                               "hover for which; … being checked), again at most once a minute",
                               lang))
    html_lang = {"zh": "zh-CN"}.get(lang, lang)
    return f"""<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:center}} td.wrong{{text-align:left}}</style></head>
<body data-version="{esc(ver)}" data-xsrf="{esc(xsrf)}"><h1>{title}</h1>
<p><a href="?lang=zh" hreflang="zh-CN">zh</a> · <a href="?lang=en" hreflang="en">en</a>
 · <a href="grades.csv">{grades}</a></p>
<h2>{lessons}</h2>
<p>{legend}</p>
<table id="lessons"><tr><th>{student_h}</th><th>{server_h}</th>{swarm_h}<th>{reached_h}</th>{head}</tr>
{"".join(rows)}</table>
<h2>{exercises}</h2>
<table id="exercises"><tr><th>{exercise_h}</th><th>{students_h}</th><th>{first_h}</th><th>{wrong_h}</th></tr>
{"".join(ex_rows) or '<tr><td colspan="4">–</td></tr>'}</table>
<script>
// once the instructor follows a link (another language, the CSV, a server), a poll answering late must not reload
// this page over the one they asked for
var leaving = false;
window.addEventListener("beforeunload", function () {{ leaving = true; }});
setInterval(function () {{
  if (leaving) {{ return; }}
  fetch("api/summary", {{credentials: "same-origin", cache: "no-store",
                        headers: {{"X-XSRFToken": document.body.dataset.xsrf}}}})
    .then(function (r) {{ return r.ok ? r.json() : null; }})
    .then(function (j) {{
      if (!leaving && j && j.version !== document.body.dataset.version) {{ location.reload(); }}
    }})
    .catch(function () {{}});
}}, {REFRESH_S * 1000});
</script>
</body></html>
"""
