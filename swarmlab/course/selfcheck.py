"""`course.check(lesson_id)`: the lesson's self-check of the swarm (swarmlab.checks), in the lesson's language."""

from __future__ import annotations

from swarmlab import checks
from swarmlab.course import i18n, progress
from swarmlab.course.exercises import not_evidence
from swarmlab.course.lessons import lesson
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import t
from swarmlab.lab import Lab


def check(lesson_id: str, *, lab: Lab | None = None, lang: str | None = None) -> checks.Report:
    from swarmlab.course import session

    lab = lab or session.current_lab()
    if lab is None:
        raise SwarmlabError(t("no lab yet: run `course.start(...)` first"))
    found = {**checks.ALL, **checks.DIAGNOSES, **checks.TRACES}
    with not_evidence(lab):  # its requests and readings are no answer to a question the lesson asked before
        reports = [found[name](lab) for name in lesson(lesson_id).checks]
    report = reports[0]
    for other in reports[1:]:  # one report per lesson, whatever number of checks it runs
        report.lines += other.lines
    report.lang = lang or i18n.current()
    progress.selfcheck(lesson(lesson_id).id, [flag for flag, _text in report.lines],  # only in a class
                       [str(text) for _flag, text in report.lines])
    return report
