"""The instructor's dashboard (a page in zh or en, gettext) and the grades as CSV, from progressdb.summary."""

from __future__ import annotations

import csv
import html
import io
import time
from collections.abc import Mapping

from swarmlab.classhub.progressdb import Summary
from swarmlab.classhub.providers import Health
from swarmlab.i18n import _

GREEN, RED, GREY = "#009E73", "#D55E00", "#999999"
GRADE_COLUMNS = ("student", "lessons_opened", "lessons_finished", "selfchecks_green", "exercises_tried",
                 "exercises_right", "first_try_right")


def grades_csv(s: Summary) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GRADE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(s.grades)
    return out.getvalue()


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


def page(s: Summary, class_name: str, lang: str, hub_base: str = "/",
         health: Mapping[str, Health | None] | None = None) -> str:
    """The whole page: students × lessons (and each student's swarm health, when the class has swarms), then per
    exercise the first-try rate and the commonest wrong answers."""
    esc = html.escape
    head = "".join(f"<th>{esc(les)}</th>" for les in s.lessons)
    rows = []
    for student in s.students:
        cells = "".join(_cell(s, student, les, lang) for les in s.lessons)
        reached = s.reached.get(student) or "–"
        link = f'<a href="{esc(hub_base)}hub/admin">{esc(student)}</a>'  # the hub's users page (servers, activity)
        swarm = _health(health.get(student), lang) if health is not None else ""
        rows.append(f'<tr data-student="{esc(student)}"><th>{link}</th>{swarm}<td class="reached">{esc(reached)}</td>'
                    f"{cells}</tr>")
    ex_rows = []
    for ex, info in sorted(s.exercises.items()):
        wrong = "; ".join(f"<code>{esc(a)}</code> ×{n}" for a, n in info["wrong"]) or "–"
        ex_rows.append(f'<tr data-exercise="{esc(ex)}"><td><code>{esc(ex)}</code></td><td>{info["students"]}</td>'
                       f'<td class="rate">{info["first_try_rate"]:.0%}</td><td class="wrong">{wrong}</td></tr>')
    title = esc(_("Class {name}: progress", lang, name=class_name))
    grades = esc(_("Grades (CSV)", lang))
    lessons = esc(_("Students and lessons", lang))
    legend = esc(_("✓ self-check green, ✗ self-check red, ○ opened (no self-check yet)", lang))
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
                               "hover for which; … being checked), again at most once a minute: reload the page",
                               lang))
    html_lang = {"zh": "zh-CN"}.get(lang, lang)
    return f"""<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:center}} td.wrong{{text-align:left}}</style></head>
<body><h1>{title}</h1>
<p><a href="?lang=zh" hreflang="zh-CN">zh</a> · <a href="?lang=en" hreflang="en">en</a>
 · <a href="grades.csv">{grades}</a></p>
<h2>{lessons}</h2>
<p>{legend}</p>
<table id="lessons"><tr><th>{student_h}</th>{swarm_h}<th>{reached_h}</th>{head}</tr>
{"".join(rows)}</table>
<h2>{exercises}</h2>
<table id="exercises"><tr><th>{exercise_h}</th><th>{students_h}</th><th>{first_h}</th><th>{wrong_h}</th></tr>
{"".join(ex_rows) or '<tr><td colspan="4">–</td></tr>'}</table>
</body></html>
"""
