"""How a lesson shows one capture of a traced request: the tcpdump command as a student would type it on that
node, then the lines of the followed connection exactly as tcpdump printed them, the SYN and the SYN-ACK picked
out (`course.capture(trace, "lb")`)."""

from __future__ import annotations

from swarmlab.commands.chapter import CAPTURE_PACKETS, CAPTURE_SECONDS
from swarmlab.course.i18n import current
from swarmlab.course.session import current_lab
from swarmlab.errors import SwarmlabError
from swarmlab.i18n import _, t
from swarmlab.lab.trace import ROLES, CapturePoint, Trace
from swarmlab.magic import Shown, prompt

SYN_LINES = [r"Flags \[S\]", r"Flags \[S\.\]"]


def point_of(trace: Trace, where: str) -> CapturePoint:
    """The capture point `where` names: client, lb, underlay, or task (the task that answered)."""
    if where not in ROLES:
        raise SwarmlabError(t("capture {where}: one of {choices}", where=repr(where), choices=", ".join(ROLES)))
    if where == "task":
        if trace.answered_by is None:
            raise SwarmlabError(t("no task saw the request: nothing to show"))
        return trace.answered_by
    return next(p for p in trace.points if p.role == where)


def capture(trace: Trace, where: str = "lb", lang: str | None = None) -> Shown:
    point = point_of(trace, where)
    lab = current_lab()
    head = prompt(lab, point.node) if lab is not None else f"{point.node}$"
    lang = lang or current()
    none = _("(no packet of this connection passed here)", lang)
    lines, more = trace.capture_lines(point, until_syn_ack=True)
    footer = _("swarmlab ran it in the background (at most {seconds} s, {packets} packets) while the client sent one "
               "request; shown: this connection's lines up to the SYN-ACK (the SYN and the SYN-ACK picked out), then "
               "{more} more lines (the handshake's last ACK, the HTTP request and answer, the close)", lang,
               seconds=CAPTURE_SECONDS, packets=CAPTURE_PACKETS, more=more)
    lines = lines or none
    return Shown(head, trace.typed_command(point), lines, SYN_LINES, footer)
