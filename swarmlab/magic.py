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
never the typed string. A command that is no step, or a step outside its bounds (`swarmlab.commands.bounds`: the
lab's images and network, the lessons' services and counts), is refused with the reason and the allowed commands:
nothing reaches outside the swarm (`ping 8.8.8.8` is no step), and nothing changes the swarm beyond what the
lessons do. swarmlab's own words (refusals, substitutions, "already exists") are a note beside the terminal block,
never in it.
"""

from __future__ import annotations

import builtins
import dataclasses
import html
import keyword
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmlab.commands.bounds import MAX_REQUESTS, Refused, Vocabulary
from swarmlab.commands.steps import STEPS, Step, admit, tokens_of
from swarmlab.errors import CommandFailed, NotRecorded, SudoPasswordRequired, SwarmlabError
from swarmlab.i18n import N_, _, rendered, t

if TYPE_CHECKING:
    from swarmlab.lab.core import Lab
    from swarmlab.lab.results import StepResult

_FLAG = re.compile(r"\s*(-f|--frame)(?=\s)")
_OPTION = re.compile(r"""\s*(-H|--highlight|-o|--out|-n)\s+('[^']*'|"[^"]*"|\S+)""")
_VAR = re.compile(r"\$([A-Za-z_]\w*)")
FOLD_OVER = 30  # an output longer than this many lines is folded in the notebook (Shown._kept)
FOLD_HEAD = 3   # header lines a folded output keeps

# the magic's words that other modules look for (testing.notebooks: a lesson must never show them)
REFUSED = N_("swarmlab runs only the course's commands here, so that nothing reaches outside the swarm and nothing "
             "changes it beyond what the lessons do. This is not one of them:")
NOT_RECORDED = N_("This recording does not hold this command on {node}. A replay can only show what was recorded: run "
                  "the lesson live on a swarm (`swarmlab rig up` or `vagrant up`, then MODE = \"live\").")
EXISTS = N_("already exists: created earlier, nothing to do")


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
            raise SwarmlabError(t("unknown option in {option}", option=repr(rest.strip().split()[0])))
        flag, value = m.group(1), m.group(2)
        if value[0] in "'\"":
            value = value[1:-1]
        if flag in ("-H", "--highlight"):
            inv.highlight.append(safe_pattern(value))
        elif flag in ("-o", "--out"):
            if not value.isidentifier() or keyword.iskeyword(value) or hasattr(builtins, value):
                raise SwarmlabError(t("-o {value}: not a Python name of your own (a keyword or built-in such as "
                                      "print would be overwritten); use e.g. -o result", value=repr(value)))
            inv.out = value
        else:
            if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= MAX_REQUESTS:
                raise SwarmlabError(t("-n {value}: a whole number of requests from 1 to {most}, e.g. -n 20",
                                      value=repr(value), most=MAX_REQUESTS))
            inv.n = int(value)
        rest = rest[m.end():]
    parts = rest.strip().split(None, 1)
    if not parts:
        raise SwarmlabError(t("no node given"))
    inv.node = parts[0]
    inv.command = parts[1].strip() if len(parts) > 1 else ""
    return inv


MAX_PATTERN = 200    # characters of a -H pattern
MAX_REPEATS = 2      # large repeats (* + {n,} {n,m} with m > 9) in one -H pattern: matching stays polynomial
HIGHLIGHT_SPAN = 300  # characters of each output line a -H pattern looks at
HIGHLIGHT_BUDGET = 2.0  # seconds of matching for one block: the lines after it are shown without highlights
_clock = time.monotonic  # (tests/test_vocabulary.py gives a clock that runs fast, to see the budget run out)


def safe_pattern(pattern: str) -> str:
    """`pattern` if it is a regular expression whose matching is bounded in time on a line of output: at most
    MAX_PATTERN characters, MAX_REPEATS unbounded repeats, and no repeated group that itself repeats or
    alternates (`(a+)+`, `(a|a)*`: exponential backtracking). `SwarmlabError`, one line, otherwise."""
    if len(pattern) > MAX_PATTERN:
        raise SwarmlabError(t("-H: a pattern of {n} characters; at most {most}", n=len(pattern), most=MAX_PATTERN))
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SwarmlabError(t("-H {pattern}: not a regular expression ({error})", pattern=repr(pattern),
                              error=str(exc))) from None
    stack = [False]  # per open group: does it repeat or alternate inside?
    repeats, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 2 if nxt == "]" else 1  # `[]...]`: a literal ] first
            continue
        elif ch == "(":
            stack.append(False)
        elif ch == ")" and len(stack) > 1:
            inner = stack.pop()
            if nxt in "*+{" and nxt and inner:
                raise SwarmlabError(t("-H {pattern}: a repeated group that repeats inside (such as (a+)+) can take "
                                      "forever to match; write it without the outer repeat, e.g. a+",
                                      pattern=repr(pattern)))
            stack[-1] = stack[-1] or inner or (nxt in "*+?{" and bool(nxt))
        elif ch in "*+{?|":
            stack[-1] = True
            large = re.match(r"\{\d*,(\d*)\}", pattern[i:]) if ch == "{" else None
            if ch in "*+" or (large and (not large[1] or int(large[1]) > 9)):  # a{1,300}a{1,300}a{1,300}a{1,300}b
                repeats += 1
        i += 1
    if repeats > MAX_REPEATS:
        raise SwarmlabError(t("-H {pattern}: {repeats} unbounded or large repeats (* + {{n,}} {{n,m}} with m > 9); "
                              "at most {most}", pattern=repr(pattern), repeats=repeats, most=MAX_REPEATS))
    return pattern


def expand(command: str, namespace: dict[str, Any]) -> str:
    """`$name` -> the notebook variable `name` (left as is when there is no such variable)."""
    return _VAR.sub(lambda m: str(namespace[m[1]]) if m[1] in namespace else m[0], command)


def known_commands(lang: str = "en") -> list[str]:
    return [_(s.title, lang) for s in STEPS.values() if s.typed]


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
    note: str = ""       # swarmlab's own words (a refusal, a substitution, "already exists"): never in the terminal
    note_label: str = "swarmlab"
    lang: str = "en"
    cut: int | None = None  # the line (from 0) where highlighting stopped: its time budget ran out
    _marks: list[tuple[bool, str]] | None = field(default=None, repr=False, compare=False)
    fold_label: str = ""  # "show all {n} lines": set, a long output shows the lines that matter, the rest a click away
    gap_label: str = ""   # "{n} lines not shown"

    def _marked(self) -> list[tuple[bool, str]]:
        """Each output line, and whether a -H pattern matches it: matched until HIGHLIGHT_BUDGET seconds are
        spent (a pattern `safe_pattern` admits costs at most a fraction of a second on one line), the lines after
        that unmarked and said in the note (`cut`). Computed once per block."""
        if self._marks is None:
            pats = [re.compile(h) for h in self.highlight]
            lines = self.output.rstrip("\n").split("\n") if self.output else []
            marks: list[tuple[bool, str]] = []
            deadline = _clock() + HIGHLIGHT_BUDGET
            for no, line in enumerate(lines):
                if pats and _clock() > deadline:
                    self.cut = no
                    marks += [(False, rest) for rest in lines[no:]]
                    break
                marks.append((any(p.search(line[:HIGHLIGHT_SPAN]) for p in pats), line))
            self._marks = marks
        return self._marks

    def _said(self) -> str:
        """The note, with the highlighting's own word when it stopped early."""
        budget = f"{HIGHLIGHT_BUDGET:g}"
        cut = _("-H: highlighting stopped at line {line} after {budget} s; the lines after it are shown without "
                "highlights", self.lang, line=str(self.cut + 1), budget=budget) if self.cut is not None else ""
        return "\n".join(x for x in (self.note, cut) if x)

    def __repr__(self) -> str:
        lines = [f"{self.prompt} {self.command}"]
        lines += [(">> " if hit else "   ") + line if self.highlight else line for hit, line in self._marked()]
        if self._said():
            lines += [f"[{self.note_label}] {x}" for x in self._said().split("\n")]
        if self.footer:
            lines.append(f"# {self.footer}")
        return "\n".join(lines)

    def _kept(self, marked: list[tuple[bool, str]]) -> set[int] | None:
        """The lines a folded output shows (None: all of them): the first lines (headers), the highlighted ones with a
        line either side (up to ten of them); without highlights, the head and the tail."""
        if not self.fold_label or len(marked) <= FOLD_OVER:
            return None
        hits = [i for i, (hit, _line) in enumerate(marked) if hit]
        if hits:
            around = 1 if len(hits) <= 10 else 0  # many hits (a loop of answers): the hits alone
            keep = set(range(FOLD_HEAD)) | {j for i in hits for j in range(i - around, i + around + 1)
                                            if 0 <= j < len(marked)}
        else:
            keep = set(range(FOLD_OVER - 5)) | set(range(len(marked) - 5, len(marked)))
        return keep if len(marked) - len(keep) >= 5 else None

    def _repr_html_(self) -> str:
        marked = self._marked()
        keep = self._kept(marked)

        def line_html(hit: bool, line: str) -> str:
            esc = html.escape(line)
            return (f'<span class="swarmlab-hl" style="background:#fff3a0;color:#000;font-weight:bold">{esc}</span>'
                    if hit else esc)

        def gap(n: int) -> str:
            return f'<span class="swarmlab-gap" style="color:#777">⋯ {html.escape(self.gap_label.format(n=n))}</span>'

        body: list[str] = []
        hidden = 0
        for i, (hit, line) in enumerate(marked):
            if keep is not None and i not in keep:
                hidden += 1
                continue
            if hidden:
                body.append(gap(hidden))
                hidden = 0
            body.append(line_html(hit, line))
        if hidden:
            body.append(gap(hidden))
        whole = (f'<details class="swarmlab-fold" style="font-size:85%"><summary>'
                 f"{html.escape(self.fold_label.format(n=len(marked)))}</summary><pre style=\"white-space:pre-wrap\">"
                 + "\n".join(line_html(hit, line) for hit, line in marked) + "</pre></details>") if keep else ""
        color = ERROR_COLOR if self.error else "#2e7d32"
        ran = (f'<details style="font-size:85%"><summary>{html.escape(self.ran_label)}</summary>'
               f"<code>{html.escape(self.ran)}</code></details>") if self.ran else ""
        footer = f'<div style="font-size:85%;color:#555">{html.escape(self.footer)}</div>' if self.footer else ""
        colon = _(": ", self.lang)  # "：" after a Chinese label
        note = (f'<div class="swarmlab-note" style="font-family:sans-serif;font-size:90%;white-space:pre-wrap;'
                f'border:1px dashed {color};padding:4px 8px;margin:2px 0"><b>{html.escape(self.note_label)}</b>'
                f"{html.escape(colon)}"
                f"{html.escape(self._said())}</div>") if self._said() else ""
        return ('<div class="swarmlab-terminal"><pre style="background:#f6f8fa;border-left:4px solid '
                f'{color};padding:6px 10px;white-space:pre-wrap;font-family:var(--jp-code-font-family,'
                'ui-monospace,DejaVu Sans Mono,Noto Sans Mono CJK SC,monospace);font-size:12.5px;line-height:1.35">'
                f'<span style="color:{color};font-weight:bold">{html.escape(self.prompt)}</span> '
                f"<b>{html.escape(self.command)}</b>\n" + "\n".join(body) + f"</pre>{whole}{note}{footer}{ran}</div>")


def prompt(lab: Lab, node: str) -> str:
    user = lab.user(node)
    return f"{user}@{node}:~{'#' if user == 'root' else '$'}"


def vocabulary(lab: Lab, node: str | None = None) -> Vocabulary:
    """What this lab's students may name: its images, its overlay network, and on `node` the containers of the
    lessons' services (read from the swarm only when a command names a container)."""
    vocab = lab.vocabulary
    return dataclasses.replace(vocab, containers=lambda: lab.owned_containers(node, vocab.services))


def refusal(command: str, exc: Refused, lang: str) -> str:
    return "\n".join([_(REFUSED, lang), f"    {command}", f"  -> {exc.said(lang)}", "",
                      _("Allowed here, as typed (SERVICE: web, client, webrr, webpub):", lang),
                      *(f"  {f}" for f in exc.allowed)])


def one_line(text: object) -> str:
    """An error as one line of a note (a failed command's stderr follows its summary on the same line)."""
    return "; ".join(x.strip() for x in str(text).splitlines() if x.strip())


def substitutions(command: str, step: Step[object], args: dict[str, Any], lang: str) -> str:
    """What swarmlab changed between the typed command and the step it ran, said in the note (never hidden): the
    generic changes here, the step's own as it declares them (`Step.said`)."""
    tokens = tokens_of(command) or []
    said = []
    if tokens[:1] == ["docker"] and any(re.fullmatch(r"-[it]+|--interactive|--tty", t) for t in tokens[:5]):
        said.append(_("-it dropped: a notebook cell has no terminal, so the command ran without one", lang))
    if tokens[-1:] == ["ipvsadm"]:
        said.append(_("ran as `ipvsadm -Ln`: the same listing, addresses as numbers (-n)", lang))
    said += [rendered(msg, lang) for say in step.said if (msg := say(tokens, args)) is not None]
    return "\n".join(said)


def run_command(lab: Lab, node_ref: str, command: str, *, lang: str = "en", highlight: list[str] | None = None,
                n: int | None = None) -> tuple[Shown, StepResult[object] | None]:
    """Admit `command` (a step, within its bounds), run it as its step on `node_ref`, and return what to show
    (and the result)."""
    highlight = highlight or []
    label = _("swarmlab", lang)
    try:
        node = lab.node(node_ref)
    except SwarmlabError as exc:
        return Shown(f"{node_ref}$", command, "", error=True, note=one_line(rendered(exc, lang)),
                     note_label=label), None
    try:
        step, args = admit(command, vocabulary(lab, node))
    except Refused as exc:
        return Shown(prompt(lab, node), command, "", error=True, note=refusal(command, exc, lang),
                     note_label=label), None
    except SwarmlabError as exc:  # the swarm could not say what the command names (the node's containers)
        note = _("error: {error}", lang, error=one_line(rendered(exc, lang)))
        return Shown(prompt(lab, node), command, "", error=True, note=note, note_label=label), None
    if n is not None:
        if step.counted is None:
            return Shown(prompt(lab, node), command, "", error=True, note=_("-n goes with requests only", lang),
                         note_label=label), None
        args[step.counted] = n
    changed = substitutions(command, step, args, lang)
    result: StepResult[object]
    try:
        if step.counted is not None:  # a recording may hold these requests as part of a longer recorded run
            result = lab.requests(int(args.get(step.counted, 1)), str(args.get("target", "web")))
            result.typed = command
        else:
            result = lab.run(step, node, typed=command, **args)
    except CommandFailed as exc:
        if step.exists_is_done and "already exists" in (exc.stderr or ""):
            return Shown(prompt(lab, node), command, exc.stdout + exc.stderr,  # what docker printed, as printed
                         note=_("{name}: {exists}", lang, name=args.get("name"), exists=_(EXISTS, lang)),
                         note_label=label), None
        said = rendered(exc, lang).split("\n")[0]  # what the command printed is the block itself, as printed: not again
        if isinstance(exc, SudoPasswordRequired):
            said += f" {exc.HINT}"
        return Shown(prompt(lab, node), command, exc.stdout + exc.stderr, error=True,
                     note=_("error: {error}", lang, error=said), note_label=label), None
    except NotRecorded:  # said once, here: a replay can only show what was recorded
        return Shown(prompt(lab, node), command, "", error=True, note=_(NOT_RECORDED, lang, node=node),
                     note_label=label), None
    except SwarmlabError as exc:
        return Shown(prompt(lab, node), command, "", error=True,
                     note=_("error: {error}", lang, error=one_line(rendered(exc, lang))), note_label=label), None
    footer = result.note
    if result.replayed and result.started:
        stamp = f"{result.started:%Y-%m-%d %H:%M}"
        when = _("recorded {when}", lang, when=stamp)
        footer = _("; ", lang).join(x for x in (when, rendered(footer, lang)) if x)
    ran = result.command if " ".join(result.command.split()) != " ".join(command.removeprefix("sudo ").split()) \
        else ""
    output = result.output
    if step.plumbing is not None:  # the lab's own markers (per request): a blank line between answers
        output = step.plumbing.sub("", output)
    shown = Shown(prompt(lab, node), command, output, highlight, footer, ran, _("what swarmlab ran", lang),
                  error=result.exit_code not in (0, None) and not step.failure_is_data, note=changed,
                  note_label=label, lang=lang, fold_label=_("show all {n} lines", lang),
                  gap_label=_("{n} lines not shown", lang))
    return shown, result


def _ours(value: object) -> bool:
    """A value an earlier `%swarm -o` stored (re-running a cell may overwrite it)."""
    from swarmlab.lab.results import StepResult

    items = value if isinstance(value, list) else [value]
    return all(x is None or isinstance(x, StepResult) for x in items)


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
                usage = _("usage: %swarm [-H REGEX] [-f] [-o NAME] [-n N] NODE COMMAND", lang)
                note = _("{error} ({usage})", lang, error=one_line(rendered(exc, lang)), usage=usage)
                show(Shown("%swarm", line, "", error=True, note=note, note_label=_("swarmlab", lang)))
                return None
            if inv.out and inv.out in shell.user_ns and not _ours(shell.user_ns[inv.out]):
                what = type(shell.user_ns[inv.out]).__name__
                taken = _("-o {name}: that name is taken ({what}); choose another name, e.g. -o {name}_result", lang,
                          name=inv.out, what=what)
                show(Shown("%swarm", line, "", error=True, note=taken, note_label=_("swarmlab", lang)))
                return None
            commands = [inv.command] if cell is None else \
                [x.strip() for x in cell.splitlines() if x.strip() and not x.strip().startswith("#")]
            if not commands:  # a %%swarm cell with only comments or blank lines: said, not silently nothing
                empty = _("this cell holds no command: write one command per line under %%swarm NODE", lang)
                show(Shown("%%swarm", line, "", error=True, note=empty, note_label=_("swarmlab", lang)))
                return None
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
    quiet_errors(shell, lang)


def error_line(exc: BaseException, lang: str) -> str:
    """swarmlab's own error as the one line a student reads, in `lang` (a refusal says why in `lang` too)."""
    return _("error: {error}", lang, error=one_line(rendered(exc, lang)))


def quiet_errors(shell: Any, lang: str = "en") -> None:
    """A `SwarmlabError` a cell raises (the Lab API, the course's helpers) is shown as its one line in `lang`, no
    traceback; the cell still fails (Run All stops there). Any other exception keeps IPython's traceback."""
    if not hasattr(shell, "set_custom_exc"):
        return

    def handler(ip: Any, etype: type[BaseException], value: BaseException, tb: Any,
                tb_offset: int | None = None) -> list[str]:
        line = error_line(value, lang)
        ip._showtraceback(etype, value, [line])  # a kernel sends it as the cell's error output: the one line
        return [line]

    shell.set_custom_exc((SwarmlabError,), handler)


def load_ipython_extension(shell: Any) -> None:
    """`%load_ext swarmlab.magic`: a Lab as `Lab.connect()` finds it (live swarm, else the bundled recording)."""
    from swarmlab.lab import Lab

    lab = Lab.connect()
    shell.user_ns.setdefault("lab", lab)
    register(shell, lab)
