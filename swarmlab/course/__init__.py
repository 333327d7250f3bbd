"""The course: the lessons of `lessons.LESSONS` in Chinese and English around one lab.

    from swarmlab import course
    lab = course.start("04", MODE, recording=RECORDING, inventory=INVENTORY, record_to=RECORD_TO, lang=LANG)
    course.exercise("04.mark-decimal")            # question, input box, Check, Explanation, Show solution
    course.exercise("04.mark-decimal", answer="262")   # a Verdict (hint first; 解析/Explanation from the 2nd try)
    course.exercise("04.mark-decimal", reveal="explanation")   # or "solution"
    course.check("04")                            # the lesson's self-check of the swarm, in LANG
    course.capture(lab.trace_request("web"), "lb")   # one capture of a traced request, as a terminal shows it
    course.lang                                   # "zh" or "en"
"""

from __future__ import annotations

from typing import Any

from swarmlab.course.exercises import REGISTRY as EXERCISES
from swarmlab.course.i18n import LANGS, set_lang
from swarmlab.course.lessons import LESSONS, lesson
from swarmlab.course.quiz import Verdict, exercise
from swarmlab.course.selfcheck import check
from swarmlab.course.session import badge_html, badge_text, current_lab, names, refresh, start
from swarmlab.course.trace_view import capture

__all__ = ["EXERCISES", "LANGS", "LESSONS", "Verdict", "badge_html", "badge_text", "capture", "check", "current_lab",
           "exercise", "lesson", "names", "refresh", "set_lang", "start"]


def __getattr__(name: str) -> Any:
    if name == "lang":  # the current language, "zh" or "en"
        from swarmlab.course import i18n

        return i18n.current()
    raise AttributeError(name)
