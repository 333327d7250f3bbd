"""The `%swarm` magic: students type the chapter's commands in a notebook cell and see their real output.

    %swarm swarm-manager docker service ps web
    %swarm -H 'MARK set' @client sudo nsenter --net=/var/run/docker/netns/$lb iptables -nvL -t mangle
    %swarm -n 6 @client docker exec $client wget -qO- http://web
    %%swarm @client
    sudo nsenter --net=/var/run/docker/netns/$lb ip addr
    sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln

NODE is a node name or `@manager` / `@client` (the node where `docker service ps client` says the client runs).
Options before NODE: `-H REGEX` highlights matching lines (repeatable), `-f` also shows the parsed table, `-o NAME`
stores the `StepResult` in NAME, `-n N` sends N requests at once. `$name` is replaced by the notebook's variable
`name` (`$lb`, `$client`, `$web_image`, ...).

Every command is recognised as one of the lab's declared steps (`swarmlab.commands.steps`) and run through
`Lab.run`, live or from a recording alike: the builder's command runs (with its quoting and the lab's labels),
never the typed string. A command that is no step is refused with the reason: nothing reaches outside the swarm
(`ping 8.8.8.8` is no step), and nothing changes the swarm beyond what the lessons do.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.commands.steps import STEPS, recognise
from swarmlab.errors import CommandFailed, SwarmlabError
from swarmlab.i18n import LANGS, N_, _

if TYPE_CHECKING:
    from swarmlab.lab.core import Lab
    from swarmlab.lab.results import StepResult

_FLAG = re.compile(r"\s*(-f|--frame)(?=\s)")
_OPTION = re.compile(r"""\s*(-H|--highlight|-o|--out|-n)\s+('[^']*'|"[^"]*"|\S+)""")
_VAR = re.compile(r"\$([A-Za-z_]\w*)")

# the magic's own words: key -> English, the message id of its Chinese in swarmlab/locale (swarmlab.i18n)
TEXT = {
    "refused": N_("swarmlab runs only the course's commands here, so that nothing reaches outside the swarm and "
                  "nothing changes it beyond what the lessons do. This is not one of them:"),
    "known": N_("Commands it knows (as in the lessons):"),
    "not_recorded": N_("This recording does not hold this command on {node}. A replay can only show what was "
                       "recorded: run the lesson live on a swarm (`swarmlab rig up` or `vagrant up`, then "
                       "MODE = \"live\")."),
    "recorded": N_("recorded"),
    "ran": N_("what swarmlab ran"),
    "error": N_("error"),
    "exists": N_("already exists: created earlier, nothing to do"),
    "usage": N_("usage: %swarm [-H REGEX] [-f] [-o NAME] [-n N] NODE COMMAND"),
}


def say(key: str, lang: str, **kw: str) -> str:
    return _(TEXT[key], lang if lang in LANGS else "en", **kw)


@dataclass
class Invocation:
    node: str
    command: str
    highlight: list[str] = field(default_factory=list)
    frame: bool = False
    out: str | None = None
    n: int | None = None


def parse_line(line: str) -> Invocation:
    """`[-H REGEX]... [-f] [-o NAME] [-n N] NODE COMMAND...` (the command kept exactly as typed)."""
    inv = Invocation("", "")
    rest = line
    while rest.strip().startswith("-"):
        flag_match = _FLAG.match(rest)
        if flag_match:
            inv.frame = True
            rest = rest[flag_match.end():]
            continue
        m = _OPTION.match(rest)
        if m is None:
            raise SwarmlabError(f"unknown option in {rest.strip().split()[0]!r}")
        flag, value = m.group(1), m.group(2)
        if value[0] in "'\"":
            value = value[1:-1]
        if flag in ("-H", "--highlight"):
            re.compile(value)
            inv.highlight.append(value)
        elif flag in ("-o", "--out"):
            if not value.isidentifier():
                raise SwarmlabError(f"-o {value!r}: not a Python name")
            inv.out = value
        else:
            if not value.isdigit() or not 1 <= int(value) <= 1000:
                raise SwarmlabError(f"-n {value!r}: a number of requests from 1 to 1000")
            inv.n = int(value)
        rest = rest[m.end():]
    parts = rest.strip().split(None, 1)
    if not parts:
        raise SwarmlabError("no node given")
    inv.node = parts[0]
    inv.command = parts[1].strip() if len(parts) > 1 else ""
    return inv


def expand(command: str, namespace: dict[str, Any]) -> str:
    """`$name` -> the notebook variable `name` (left as is when there is no such variable)."""
    return _VAR.sub(lambda m: str(namespace[m[1]]) if m[1] in namespace else m[0], command)


def known_commands(lang: str = "en") -> list[str]:
    return [s.title.get(lang, s.title["en"]) for s in STEPS.values() if s.typed]


ERROR_COLOR = "#c0392b"  # the left border of a failed command's block (swarmlab.testing.notebooks looks for it)


@dataclass
class Shown:
    """One command's terminal block: prompt + typed command, the real output with highlighted lines, a footer."""

    prompt: str
    command: str
    output: str
    highlight: list[str] = field(default_factory=list)
    footer: str = ""
    ran: str = ""
    ran_label: str = ""
    error: bool = False

    def _marked(self) -> list[tuple[bool, str]]:
        pats = [re.compile(h) for h in self.highlight]
        return [(any(p.search(line) for p in pats), line) for line in self.output.rstrip("\n").split("\n")]

    def __repr__(self) -> str:
        lines = [f"{self.prompt} {self.command}"]
        lines += [(">> " if hit else "   ") + line if self.highlight else line for hit, line in self._marked()]
        if self.footer:
            lines.append(f"# {self.footer}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = []
        for hit, line in self._marked():
            esc = html.escape(line)
            body.append(f'<span class="swarmlab-hl" style="background:#fff3a0;color:#000;font-weight:bold">{esc}'
                        "</span>" if hit else esc)
        color = ERROR_COLOR if self.error else "#2e7d32"
        ran = (f'<details style="font-size:85%"><summary>{html.escape(self.ran_label)}</summary>'
               f"<code>{html.escape(self.ran)}</code></details>") if self.ran else ""
        footer = f'<div style="font-size:85%;color:#555">{html.escape(self.footer)}</div>' if self.footer else ""
        return ('<div class="swarmlab-terminal"><pre style="background:#f6f8fa;border-left:4px solid '
                f'{color};padding:6px 10px;white-space:pre-wrap;font-family:var(--jp-code-font-family,'
                'ui-monospace,DejaVu Sans Mono,Noto Sans Mono CJK SC,monospace);font-size:12.5px;line-height:1.35">'
                f'<span style="color:{color};font-weight:bold">{html.escape(self.prompt)}</span> '
                f"<b>{html.escape(self.command)}</b>\n" + "\n".join(body) + f"</pre>{footer}{ran}</div>")


def prompt(lab: Lab, node: str) -> str:
    user = lab.user(node)
    return f"{user}@{node}:~{'#' if user == 'root' else '$'}"


def run_command(lab: Lab, node_ref: str, command: str, *, lang: str = "en", highlight: list[str] | None = None,
                n: int | None = None) -> tuple[Shown, StepResult[object] | None]:
    """Recognise `command`, run it as its step on `node_ref`, and return what to show (and the result)."""
    highlight = highlight or []
    try:
        node = lab.node(node_ref)
    except SwarmlabError as exc:
        return Shown(f"{node_ref}$", command, str(exc), error=True), None
    got = recognise(command, typed_only=True)
    if got is None:
        text = "\n".join([say("refused", lang), f"    {command}", "", say("known", lang),
                          *(f"  - {t}" for t in known_commands(lang))])
        return Shown(prompt(lab, node), command, text, error=True), None
    step, args = got
    if n is not None:
        if step.name != "requests":
            return Shown(prompt(lab, node), command, "-n goes with requests only", error=True), None
        args["n"] = n
    result: StepResult[object]
    try:
        if step.name == "requests":  # a recording may hold these requests as part of a longer recorded run
            result = lab.requests(int(args.get("n", 1)), str(args.get("target", "web")))
            result.typed = command
        else:
            result = lab.run(step, node, typed=command, **args)
    except CommandFailed as exc:
        if step.name == "service_create" and "already exists" in (exc.stderr or ""):
            return Shown(prompt(lab, node), command, f"{args.get('name')}: {say('exists', lang)}"), None
        return Shown(prompt(lab, node), command, f"{say('error', lang)}: {exc}", error=True), None
    except SwarmlabError as exc:
        return Shown(prompt(lab, node), command, f"{say('error', lang)}: {exc}", error=True), None
    if result.exit_code is None and result.note.startswith("not in this recording"):
        return Shown(prompt(lab, node), command, say("not_recorded", lang, node=node), error=True), result
    footer = result.note
    if result.replayed and result.started:
        footer = "; ".join(x for x in (f"{say('recorded', lang)} {result.started:%Y-%m-%d %H:%M}", footer) if x)
    ran = result.command if " ".join(result.command.split()) != " ".join(command.removeprefix("sudo ").split()) \
        else ""
    output = result.output
    if step.name == "requests":  # the lab's per-request markers are plumbing: a blank line between answers
        output = re.sub(r"(?m)^swarmlab-request \d+\n", "", output)
    shown = Shown(prompt(lab, node), command, output, highlight, footer, ran, say("ran", lang),
                  error=result.exit_code not in (0, None) and not step.failure_is_data)
    return shown, result


def register(shell: Any, lab: Lab, *, lang: str = "en", display: Callable[[Any], None] | None = None) -> None:
    """Register `%swarm` / `%%swarm` in the running IPython `shell`, answering from `lab`; `display` shows each
    block (IPython's display by default)."""
    from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

    if display is None:
        from IPython.display import display as ipython_display

        display = ipython_display
    show: Callable[[Any], None] = display

    @magics_class
    class SwarmMagics(Magics):
        @no_var_expand
        @line_cell_magic
        def swarm(self, line: str, cell: str | None = None) -> Any:
            try:
                inv = parse_line(line)
            except (SwarmlabError, re.error) as exc:
                show(Shown("%swarm", line, f"{exc}\n{say('usage', lang)}", error=True))
                return None
            commands = [inv.command] if cell is None else \
                [x.strip() for x in cell.splitlines() if x.strip() and not x.strip().startswith("#")]
            results = []
            for typed in commands:
                node = expand(inv.node, shell.user_ns)  # a lesson may compute the node: `%swarm $victim_node ...`
                shown, result = run_command(lab, node, expand(typed, shell.user_ns), lang=lang,
                                            highlight=inv.highlight, n=inv.n)
                show(shown)
                if inv.frame and result is not None and result.frame is not None and len(result.frame):
                    show(result.frame.dropna(axis=1, how="all"))
                results.append(result)
            if inv.out:
                shell.user_ns[inv.out] = results[0] if cell is None else results
            return None

    shell.register_magics(SwarmMagics(shell))


def load_ipython_extension(shell: Any) -> None:
    """`%load_ext swarmlab.magic`: a Lab as `Lab.connect()` finds it (live swarm, else the bundled recording)."""
    from swarmlab.lab import Lab

    lab = Lab.connect()
    shell.user_ns.setdefault("lab", lab)
    register(shell, lab)
