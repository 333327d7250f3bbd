"""A fuzz test over the `%swarm` magic (issue 22, "Measured"): random typed lines made from the vocabulary's own
words (every lesson's `%swarm` line, mutated token by token: words of other steps, hostile values, options with
hostile values), run through a real IPython shell. Whatever is typed: no exception escapes the magic, everything
it shows renders, and a refusal or error is swarmlab's note whose reason is one line.

Three labs: two replays (the rig session; lesson 06, whose `docker kill` asks which containers the lab owns) and a
live lab on the loopback sshd (`LocalSSHD`: this machine as a node, without a dockerd, so every docker command
fails there as on a node whose dockerd is down; the admitted commands are the builders' read-only listings,
nothing else runs). A live swarm is the rig tests' part (tests/test_rig_lifecycle.py sends the attack forms)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmlab import magic, recordings
from swarmlab.commands.steps import STEPS
from swarmlab.lab import Lab
from tests.test_cli_fuzz import HOSTILE
from tests.test_vocabulary import LINES

# the vocabulary's words: every typed form's and every lesson line's tokens
WORDS = sorted({w for step in STEPS.values() if step.typed for form in step.forms for w in form.split()}
               | {w for _, line in LINES for w in line.split()})
MORE = ["web=100000", "web=0", "--mode", "global", "--network", "host", "--publish", "22:22", "-p", "busybox",
        "sh", "-c", "-it", "-lt", "99999999", "8.8.8.8", "127.0.0.1:22", "http://8.8.8.8", "tasks.evil",
        "4cbc0337525c", "deadbeefcafe", "$victim_id", "$client", "$lb", "$nosuchvar", "$", "'", '"', "\\", ";",
        "&&", "|", "`id`", "$(id)", ">", "/etc/shadow", "--format", "{{.}}", "{{json .Spec}}", "-n", "-H", "-o"]
TOKEN = st.sampled_from(WORDS) | st.sampled_from(MORE) | st.sampled_from(HOSTILE) | st.text(max_size=8)
PATTERNS = ["(a+)+$", "(a|a)*b", "MARK set", "inet .*/24", "(", "[", "*", "a{1,}b{2,}c*", "x" * 250,
            "(?P<x>a)(?P=x)", "\\", "(?i)web", "[]a]+"]
NODES = ["@manager", "@client", "swarm-manager", "swarm-worker1", "swarm-worker2", "nosuchnode", "$victim_node",
         "@", "@nobody", "-", "''"]


@st.composite
def typed_line(draw: st.DrawFn) -> str:
    """A `%swarm` line: options (some hostile), a node, and a lesson's command mutated a few times."""
    options = []
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):  # mostly none: the command is the target
        flag = draw(st.sampled_from(["-H", "--highlight", "-f", "--frame", "-o", "--out", "-n", "-Z", "--"]))
        if flag in ("-f", "--frame", "--"):
            options.append(flag)
            continue
        value = draw(st.sampled_from(PATTERNS) | st.sampled_from(HOSTILE) | st.text(max_size=6)
                     | st.sampled_from(["result", "print", "class", "lab", "20", "101", "-5", "10**12"]))
        options.append(f"{flag} {shlex.quote(value) if draw(st.booleans()) else value}")
    node = draw(st.sampled_from(NODES[:6] * 4 + NODES[6:]) | TOKEN) if draw(st.integers(0, 4)) == 0 \
        else draw(st.sampled_from(NODES[:3]))
    _, line = draw(st.sampled_from(LINES))
    tokens = magic.parse_line(line).command.split()
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        what = draw(st.sampled_from(["replace", "insert", "delete", "swap"]))
        i = draw(st.integers(0, max(len(tokens) - 1, 0)))
        if what == "replace" and tokens:
            tokens[i] = draw(TOKEN)
        elif what == "insert":
            tokens.insert(i, draw(TOKEN))
        elif what == "delete" and tokens:
            del tokens[i]
        elif what == "swap" and len(tokens) > 1:
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
    return " ".join([*options, node, *tokens])


SHOWN: list[Any] = []


SIX = Path(recordings.__file__).parent / "lessons" / "06-scaling-and-failure.jsonl"


@pytest.fixture(scope="module", params=["rig-session", "lesson-06", "live-sshd"])
def shell(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    if request.param == "live-sshd":
        sshd = request.getfixturevalue("sshd")
        inv = tmp_path_factory.mktemp("fuzz") / "inventory.toml"
        inv.write_text(f'[[nodes]]\nname = "swarm-manager"\nhost = "{sshd.host}"\nport = {sshd.port}\n'
                       f'user = "root"\nkey_file = "{sshd.client_key}"\nrole = "manager"\n')
        lab = Lab.connect("live", inventory=inv)
        ip.user_ns.update(lb="lb_abcdefghi", client="3f2a9c1b7d4e")
    else:
        lab = Lab.connect("replay", recording=recordings.get("rig-session") if request.param == "rig-session"
                          else SIX)
        ip.user_ns.update(lb=lab.lb_namespace("@client"), client=lab.client_container()[1])
    magic.register(ip, lab, lang="zh", display=SHOWN.append)
    ip.user_ns.update(lab=lab, victim_id="4cbc0337525c", victim_node="swarm-worker1",
                      web_image="swarmlab/whoami:1", client_image="swarmlab/client:1")
    yield ip
    lab.close()
    InteractiveShell.clear_instance()


def reason_lines(note: str) -> list[str]:
    """The reason in a note: a refusal's `-> why` line, or the whole note of any other error."""
    lines = note.split("\n")
    why = [x for x in lines if x.startswith("  -> ")]
    return why or lines


def check(shown: list[Any], line: str) -> None:
    assert shown, line
    for out in shown:
        if not isinstance(out, magic.Shown):
            continue  # a parsed table (-f)
        repr(out)
        out._repr_html_()
        if out.error:
            said = reason_lines(out.note)
            assert out.note and len(said) == 1 and said[0].strip(), (line, out.note)
            assert "Traceback" not in out.note and "swarmlab bug" not in out.note, (line, out.note)


@settings(max_examples=int(os.environ.get("FUZZ_N", "150")), deadline=None,
          derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(line=typed_line(), cell=st.booleans())
def test_no_typed_line_gives_a_traceback(shell: Any, line: str, cell: bool) -> None:
    SHOWN.clear()
    if cell:  # %%swarm NODE, then the command as the cell's one line
        head, _, command = line.rpartition(" ")
        shell.run_cell_magic("swarm", head, command + "\n# a comment\n")
    else:
        shell.run_line_magic("swarm", line)
    check(SHOWN, line)


def test_the_check_fails_on_a_multi_line_reason() -> None:
    """The fuzz's own check is not vacuous: a note that is a traceback, or a reason on two lines, fails it."""
    bad = magic.Shown("$", "x", "", error=True, note="error: Traceback (most recent call last):\n  File ...")
    with pytest.raises(AssertionError):
        check([bad], "x")
    ok = magic.Shown("$", "x", "", error=True, note="refused\n    x\n  -> why, on one line\n\nallowed:\n  a b")
    check([ok], "x")


@pytest.mark.parametrize("cell", ["\n", "# only a comment\n", "   \n# x\n"])
def test_a_cell_without_a_command_is_said(shell: Any, cell: str) -> None:
    """Found by this fuzz: `%%swarm @manager` over a cell of comments showed nothing at all."""
    SHOWN.clear()
    shell.run_cell_magic("swarm", "@manager", cell)
    [out] = SHOWN
    assert out.error and "没有命令" in out.note


def test_a_live_failure_is_one_line_beside_what_the_node_printed(sshd: Any, tmp_path: Path) -> None:
    """Found by this fuzz on the live lab: a failed command's note repeated its stderr on a second line, and a node
    that could not be found (`@client`: `docker service ps client` failed) gave a two-line note."""
    inv = tmp_path / "inventory.toml"
    inv.write_text(f'[[nodes]]\nname = "swarm-manager"\nhost = "{sshd.host}"\nport = {sshd.port}\nuser = "root"\n'
                   f'key_file = "{sshd.client_key}"\nrole = "manager"\n')
    with Lab.connect("live", inventory=inv) as lab:
        out, _ = magic.run_command(lab, "@manager", "docker network ls")
        assert out.error and "Cannot connect to the Docker daemon" in out.output  # as the node printed it
        assert "\n" not in out.note and "Cannot connect" not in out.note and "exited 1" in out.note
        out, _ = magic.run_command(lab, "@client", "docker network ls")
        assert out.error and "\n" not in out.note and "Cannot connect to the Docker daemon" in out.note
