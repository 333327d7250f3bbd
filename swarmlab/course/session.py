"""`course.start(lesson_id, MODE, ...)`: the second cell of every lesson.

It connects a Lab (the lesson's bundled recording unless a live swarm is configured), sets the language, registers
the `%swarm` magics, shows a badge saying where the data comes from, and puts the lesson's names into the notebook:
`client`, `client_node`, `lb`, `net`, `web_image`, `client_image`.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Any

from swarmlab import recordings
from swarmlab.course import frames, i18n, progress
from swarmlab.course.lessons import lesson
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import N_, _, t
from swarmlab.lab import Lab

_state: dict[str, Any] = {"lab": None, "lesson": None}


def current_lab() -> Lab | None:
    return _state["lab"]


def start(lesson_id: str, mode: str | None = None, *, recording: str | Path | None = None,
          inventory: Any = None, record_to: str | Path | None = None, lang: str = "zh",
          shell: Any = None, show: bool = True, replace: bool = False) -> Lab:
    les = lesson(lesson_id)
    i18n.set_lang(lang)
    if les.replay_only and mode is None and recording is None:
        # a lesson about a broken swarm: its recording, even beside a live swarm (MODE = "live" overrides)
        mode, recording = "replay", recordings.get(les.recording)
    if recording is None and _replays(mode, inventory):
        recording = recordings.get(les.replay_recording)  # the lesson's own recording
        mode = "replay"
    lab = Lab.connect(mode, recording=recording, inventory=inventory, record_to=record_to, replace=replace)
    _state.update(lab=lab, lesson=les.id)
    progress.lesson(les.id, "opened")  # only in a class (course/progress.py)
    shell = shell if shell is not None else _ipython()
    if shell is not None:
        shell.user_ns.update(names(lab))
        _register_magic(shell, lab, lang)
        frames.register(shell, lang)  # a zh lesson's tables: Chinese headers, 是/否
        _follow_the_client(shell, lab)
    if show and shell is not None:
        from IPython.display import HTML, display

        display(HTML(badge_html(lab, lang)))
    return lab


def _replays(mode: str | None, inventory: Any) -> bool:
    """Whether Lab.connect would replay: MODE says so, or MODE is unset and no live swarm is configured."""
    import os

    mode = mode or os.environ.get("SWARMLAB_MODE") or None
    if os.environ.get("SWARMLAB_RECORDING"):
        return False  # the environment names a recording: Lab.connect takes it
    if mode is not None:
        return mode == "replay"
    from swarmlab import inventory as inv_mod

    return inventory is None and inv_mod.discover() is None


def refresh(shell: Any = None, lab: Lab | None = None) -> dict[str, Any]:
    """Recompute the lesson's names (after the lesson created the services) and put them into the notebook."""
    lab = lab or current_lab()
    if lab is None:
        raise SwarmlabError(t("no lab yet: run `course.start(...)` first"))
    found = names(lab)
    shell = shell if shell is not None else _ipython()
    if shell is not None:
        shell.user_ns.update(found)
    return found


def names(lab: Lab) -> dict[str, Any]:
    """client, client_node, lb (None before the service/network exists), net, web_image, client_image."""
    found: dict[str, Any] = {"net": lab.network, "web_image": lab.images.get("web"),
                             "client_image": lab.images.get("client"),
                             "client": None, "client_node": None, "lb": None}
    try:
        found["client_node"], found["client"] = lab.client_container()
        found["lb"] = lab.lb_namespace(found["client_node"])
    except SwarmlabError:  # not there yet (live), or not in the recording (`NotRecorded`)
        pass
    return found


BADGES = {
    "replay": N_("replaying {recording}: recorded {when} UTC, Docker {docker}, kernel {kernel}. Read-only: commands "
                 "show what they really printed then."),
    "live": N_("live: {source}. Commands run on your swarm."),
    "record": N_("record: {source}. Commands run on your swarm."),
}


def badge_text(lab: Lab, lang: str | None = None) -> str:
    lang = lang or i18n.current()
    if lab.replaying:
        rec = lab.transport.recording  # type: ignore[attr-defined]
        prov = rec.provenance
        when = str(prov.get("recorded_at", "?"))[:16].replace("T", " ")
        return _(BADGES["replay"], lang, recording=rec.path.name, when=when, docker=prov.get("docker", "?"),
                 kernel=prov.get("kernel", "?"))
    return _(BADGES.get(lab.mode, BADGES["live"]), lang, source=lab.source)


def badge_html(lab: Lab, lang: str | None = None) -> str:
    colour = "#56B4E9;color:black" if lab.replaying else "#009E73;color:white"
    return (f'<div class="swarmlab-badge" data-mode="{lab.mode}"><span style="background:{colour};padding:3px 8px;'
            f'border-radius:4px">{html.escape(badge_text(lab, lang))}</span></div>')


def _follow_the_client(shell: Any, lab: Lab) -> None:
    """A lesson may create the client after start() (lesson 01, live): after each cell, until `client` is known,
    look again, so `$client`, `client_node` and `$lb` work in the very next cell. A replay knows them from the
    start (its recording answers), so there the hook only looks while a recording holds no client (lesson 00)."""
    events = getattr(shell, "events", None)
    if events is None:
        return
    old = _state.get("hook")
    if old is not None:
        with contextlib.suppress(ValueError):
            events.unregister("post_run_cell", old)

    def hook(*event: Any) -> None:
        if shell.user_ns.get("client") is None and current_lab() is lab:
            shell.user_ns.update(names(lab))

    events.register("post_run_cell", hook)
    _state["hook"] = hook


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _register_magic(shell: Any, lab: Lab, lang: str) -> None:
    try:
        from swarmlab import magic
    except ImportError:  # the %swarm magic lands with the lead's work on main
        return
    magic.register(shell, lab, lang=lang)
