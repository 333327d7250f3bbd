"""The course's lessons: id, file slug, the bundled recording each replays by default, and its self-checks, as the
lesson sources declare them in their front matter (`swarmlab:`), gathered by tools/build_lessons.py in
lessons.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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


DECLARATIONS = Path(__file__).with_name("lessons.json")  # id -> slug, checks[, recording, replay_only]


def _declared() -> dict[str, Lesson]:
    """The lessons the sources declare; none before the first build (tools/build_lessons.py loads this module to
    read PARAMETER_COMMENTS, and writes lessons.json)."""
    if not DECLARATIONS.exists():
        return {}
    data = json.loads(DECLARATIONS.read_text(encoding="utf-8"))
    return {i: Lesson(i, x.pop("slug"), tuple(x.pop("checks")), **x) for i, x in sorted(data.items())}


LESSONS: dict[str, Lesson] = _declared()


def lesson(lesson_id: str) -> Lesson:
    key = str(lesson_id).split("-")[0].zfill(2)
    if not LESSONS:
        raise SwarmlabError(t("the course has no lessons: build them with tools/build_lessons.py"))
    if key not in LESSONS:
        raise SwarmlabError(t("lesson {lesson}: the course has lessons {choices}", lesson=repr(lesson_id),
                              choices=", ".join(LESSONS)))
    return LESSONS[key]
