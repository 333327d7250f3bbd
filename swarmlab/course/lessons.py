"""The course's lessons: id, file slug, the bundled recording each replays by default, and its self-checks."""

from __future__ import annotations

from dataclasses import dataclass

from swarmlab.errors import SwarmlabError
from swarmlab.i18n import N_, t

# the comments of every lesson's parameters cell (the sources share the English ones; tools/build_lessons.py writes
# each in the notebook's language, through the catalog)
PARAMETER_COMMENTS = (
    N_('"live", "record" or "replay"; None: replay unless a live swarm is configured'),
    N_("a recording file; None: this lesson's bundled recording"),
    N_("an inventory file; None: the one `swarmlab nodes` finds"),
    N_('with MODE = "record": the file to write'),
    N_('"zh" or "en"'),
)


@dataclass(frozen=True)
class Lesson:
    id: str
    slug: str
    checks: tuple[str, ...]  # names in swarmlab.checks.ALL, DIAGNOSES or TRACES, run by course.check(id)
    recording: str = "rig-session"  # bundled recording replayed by default
    replay_only: bool = False  # a lesson about a broken swarm: replays its recording unless MODE says otherwise

    @property
    def name(self) -> str:
        return f"{self.id}-{self.slug}"

    @property
    def replay_recording(self) -> str:
        """The recording this lesson replays by default: its own (made by tools/record_lessons.py, which runs the
        lesson live), else the bundled session it names."""
        from swarmlab import recordings

        own = f"lessons/{self.name}"
        return own if (recordings.folder() / f"{own}.jsonl").exists() and not self.replay_only else self.recording


LESSONS: dict[str, Lesson] = {x.id: x for x in (
    Lesson("00", "setup", ("setup",)),
    Lesson("01", "overlay-and-services", ("services",)),
    Lesson("02", "the-vip", ("vip",)),
    Lesson("03", "lb-namespace", ("lb_namespace",)),
    Lesson("04", "marks-and-ipvs", ("marks_and_ipvs",)),
    Lesson("05", "distribution", ("distribution",)),
    Lesson("06", "scaling-and-failure", ("scaling",)),
    Lesson("07", "dnsrr", ("dnsrr",)),
    Lesson("08", "routing-mesh", ("mesh",)),
    Lesson("09", "break-it", ("no_ipvs",), recording="lessons/09-break-it", replay_only=True),
    Lesson("10", "follow-one-request", ("trace",), recording="rig-trace-debian13"),
    Lesson("11", "published-port", ("published",)),
)}


def lesson(lesson_id: str) -> Lesson:
    key = str(lesson_id).split("-")[0].zfill(2)
    if key not in LESSONS:
        raise SwarmlabError(t("lesson {lesson}: the course has lessons {choices}", lesson=repr(lesson_id),
                              choices=", ".join(LESSONS)))
    return LESSONS[key]
