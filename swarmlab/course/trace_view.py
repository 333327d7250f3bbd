"""How a lesson shows one capture of a traced request: the tcpdump command as a student would type it on that
node, then the lines of the followed connection exactly as tcpdump printed them, the SYN and the SYN-ACK picked
out (`course.capture(trace, "lb")`)."""

from __future__ import annotations

from swarmlab.commands.chapter import CAPTURE_PACKETS, CAPTURE_SECONDS
from swarmlab.course.i18n import tr
from swarmlab.course.session import current_lab
from swarmlab.errors import SwarmlabError
from swarmlab.lab.trace import ROLES, CapturePoint, Trace
from swarmlab.magic import Shown, prompt

SYN_LINES = [r"Flags \[S\]", r"Flags \[S\.\]"]


def point_of(trace: Trace, where: str) -> CapturePoint:
    """The capture point `where` names: client, lb, underlay, or task (the task that answered)."""
    if where not in ROLES:
        raise SwarmlabError(f"capture {where!r}: one of {', '.join(ROLES)}")
    if where == "task":
        if trace.answered_by is None:
            raise SwarmlabError("no task saw the request: nothing to show")
        return trace.answered_by
    return next(p for p in trace.points if p.role == where)


def capture(trace: Trace, where: str = "lb", lang: str | None = None) -> Shown:
    point = point_of(trace, where)
    lab = current_lab()
    head = prompt(lab, point.node) if lab is not None else f"{point.node}$"
    none = tr("（这个连接的包一个也没有经过这里）", "(no packet of this connection passed here)", lang)
    lines, more = trace.capture_lines(point, until_syn_ack=True)
    footer = tr(f"swarmlab 在后台运行它（最多 {CAPTURE_SECONDS} 秒、{CAPTURE_PACKETS} 个包），"
                "同时 client 只发一个请求；这里列出这个连接到 SYN-ACK 为止的行（SYN 和 SYN-ACK 已标出），"
                f"后面还有 {more} 行（握手的最后一个 ACK、HTTP 请求和响应、关闭连接）",
                f"swarmlab ran it in the background (at most {CAPTURE_SECONDS} s, {CAPTURE_PACKETS} packets) while the "
                f"client sent one request; shown: this connection's lines up to the SYN-ACK (the SYN and the SYN-ACK "
                f"picked out), then {more} more lines (the handshake's last ACK, the HTTP request and answer, the "
                "close)", lang)
    lines = lines or none
    return Shown(head, trace.typed_command(point), lines, SYN_LINES, footer)
