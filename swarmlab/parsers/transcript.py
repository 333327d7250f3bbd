"""Transcripts -> (command, output) sections: terminal sessions with prompts, recorded fixture files, RST.

Three shapes, all real:
* a terminal session as the seed chapter shows it: `vagrant@swarm-manager:~$ docker service ls`, `/omd # curl
  web`, `# ip a` (root shell in a namespace); a bare prompt ends the previous output;
* recorded fixture files: `### <command>` ... `### rc=<n>` (vm-ipvs-docker20), `## <command>` with `real/user/
  sys` timings and `rc=<n>` (host-noipvs-docker20), or one `# <command>` first line with `# NOTE:` notes;
* reStructuredText: the `.. code-block::` bodies of the seed, dedented (`rst_code_blocks`).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from swarmlab.parsers._text import clean_lines

_PROMPT = re.compile(r"(?P<prompt>[\w.-]+@[\w.-]+:[^$#\s]*[$#]|/[\w./-]* #|#|\$)(?: (?P<command>.*))?")
_TIMING = re.compile(r"(real|user|sys)\s+(\d+)m([\d.]+)s")
_RC = re.compile(r"(?:### )?rc=(-?\d+)")
# a `# ...` line inside a file is a new command only when it reads like one (nft prints `# Warning: ...`)
_COMMANDISH = re.compile(r"(?:sudo |docker |nsenter |ip |iptables|ipvsadm|ls |cat |curl |wget |busybox |tar |nft |"
                         r"for |timeout |echo |grep |vagrant |df |ping |nslookup )")


@dataclass
class Section:
    command: str | None
    output_lines: list[str] = field(default_factory=list)
    exit_code: int | None = None
    real_s: float | None = None
    notes: list[str] = field(default_factory=list)
    line_no: int = 1
    prompt: str | None = None

    @property
    def output(self) -> str:
        lines = list(self.output_lines)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines) + ("\n" if lines else "")


def split_fixture(text: str) -> list[Section]:
    sections: list[Section] = []
    current: Section | None = None
    first_content = True
    for no, line in enumerate(clean_lines(text), 1):
        header = None
        if line.startswith("### "):
            header = line[4:]
        elif line.startswith("## "):
            header = line[3:]
        elif line.startswith("# ") and (first_content or _COMMANDISH.match(line[2:])):
            header = line[2:]
        if line.strip():
            first_content = False
        if header is not None and header.startswith("NOTE"):
            if current is None:
                current = Section(None, line_no=no)
                sections.append(current)
            current.notes.append(header)
            continue
        if header is not None:
            rc = _RC.fullmatch(line.strip())
            if rc and current is not None:
                current.exit_code = int(rc.group(1))
                continue
            notes = []
            m = re.match(r"\(([^)]*)\)\s*(.*)", header)
            if m:
                notes.append(m.group(1))
                header = m.group(2)
            described = re.match(r"(.*?):\s+(?=" + _COMMANDISH.pattern + ")", header)
            if described and not _COMMANDISH.match(header):  # `host: wget ...`, `task container ...: nsenter ...`
                notes.append(described.group(1))
                header = header[described.end():]
            current = Section(header.strip(), notes=notes, line_no=no)
            sections.append(current)
            continue
        if current is None or (current.exit_code is not None and line.strip()):
            # output after `rc=N` belongs to a command the recording did not name
            current = Section(None, line_no=no)
            sections.append(current)
        if line.startswith("# NOTE") and not any(ln.strip() for ln in current.output_lines):
            current.notes.append(line[2:])
            continue
        if (rc := _RC.fullmatch(line.strip())) and line.strip() == line:
            current.exit_code = int(rc.group(1))
            continue
        if t := _TIMING.fullmatch(line.strip()):
            if t.group(1) == "real":
                current.real_s = int(t.group(2)) * 60 + float(t.group(3))
            continue
        current.output_lines.append(line)
    return [s for s in sections if s.command or s.output.strip()]


def split_shell(text: str) -> list[Section]:
    """A terminal session: each prompt line starts a section; bare prompts and empty commands are dropped."""
    sections: list[Section] = []
    current: Section | None = None
    for no, line in enumerate(clean_lines(text), 1):
        m = _PROMPT.fullmatch(line.strip())
        if m and (line.strip() != "#" or current is not None):
            current = Section((m.group("command") or "").strip() or None, line_no=no, prompt=m.group("prompt"))
            sections.append(current)
            continue
        if current is None:
            current = Section(None, line_no=no)
            sections.append(current)
        current.output_lines.append(line)
    return [s for s in sections if s.command or s.output.strip()]


def rst_code_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the block's first line, dedented body) for every `.. code-block::` of an RST text."""
    lines = clean_lines(text)
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith(".. code-block::"):
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            start, body = i, []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append((start + 1, textwrap.dedent("\n".join(body)) + "\n"))
        else:
            i += 1
    return blocks
