"""A fuzz test over the CLI (issue 22.7): random argv built from the real subcommands and options with hostile
values, run in-process (main()); whatever is typed, the answer is an exit code and never a traceback.

Nothing leaves the machine: no swarm is configured (a fresh home, no inventory, a folder without a Vagrantfile),
the only inventory offered points at a closed port on 127.0.0.1, the classroom cache's downloads are switched off,
and the rig's VM commands (build, up, down, ssh) are not generated (`rig status` is)."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmlab import classroom
from swarmlab.cli import build_parser, main
from swarmlab.ports import free_port

HOSTILE = [
    "", " ", "-", "--", "-1", "0", "1", "3", "65535", "65536", "99999999", "10**12", "1e3", "nan", "0x50", "٣",
    "/", "/tmp", "/proc/self/status", "/proc/kmsg", "/dev/null", "/dev/zero", "/sys", "/etc/passwd", "missing.jsonl",
    "folder", "file.txt", "inv.toml", "user5.toml", "bad.yaml", "rec.jsonl", "empty.jsonl", "../../../etc/shadow",
    "rig-session", "lessons/04-marks-and-ipvs", "web", "webrr", "a b", "'; rm -rf / #", "$(id)", "x" * 5000,
    "bad\udcffbyte", "nul\x00byte", "tab\there", "new\nline", "http://", "not a url", "ftp://x/debian",
    "file:///nonexistent", "http://127.0.0.1:9/debian", "[10.0.0.9]:2222", "10.0.0.9", "zh", "en", "12", "13",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12), st.integers().map(str))


def _options(parser: argparse.ArgumentParser) -> tuple[list[argparse.Action], list[argparse.Action]]:
    optional = [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]
    positional = [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
    return optional, positional


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


SKIP = {("rig", "build"), ("rig", "up"), ("rig", "down"), ("rig", "ssh")}  # VMs, root, exec: not for a fuzz


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    """A command line from the parser itself: a real subcommand (sometimes a wrong one), some of its options with
    hostile values, its positionals (sometimes missing), sometimes a stray argument."""
    parser = build_parser()
    out: list[str] = []
    path: tuple[str, ...] = ()
    while True:
        subs = {k: v for k, v in _subparsers(parser).items() if (*path, k) not in SKIP}
        if not subs:
            break
        if draw(st.integers(0, 15)) == 0:
            out.append(draw(VALUES))  # not a subcommand at all
            return out
        name = draw(st.sampled_from(sorted(subs)))
        out.append(name)
        path = (*path, name)
        parser = subs[name]
    optional, positional = _options(parser)
    for action in draw(st.lists(st.sampled_from(optional), max_size=4)) if optional else []:
        out.append(draw(st.sampled_from(action.option_strings)))
        if action.nargs != 0:
            choices = list(action.choices) if action.choices else []
            out.append(draw(st.sampled_from(choices) | VALUES) if choices else draw(VALUES))
    for action in positional:
        if action.nargs == argparse.REMAINDER or draw(st.integers(0, 9)) == 0:
            continue
        out.append(draw(VALUES))
    if draw(st.integers(0, 9)) == 0:
        out.append(draw(VALUES))
    return out


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWARMLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(tmp_path / "rig"))
    for name in ("SWARMLAB_INVENTORY", "SWARMLAB_RECORDING", "SWARMLAB_MODE", "SWARMLAB_RIG_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def offline(url: str) -> bytes:
        raise classroom.CacheError(f"cannot fetch {url}: downloads are off in this test")

    monkeypatch.setattr(classroom, "_fetch", offline)
    from swarmlab import recordings

    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("text\n")
    (tmp_path / "inv.toml").write_text(f'[[nodes]]\nname = "m"\nhost = "127.0.0.1"\nport = {free_port()}\n')
    (tmp_path / "user5.toml").write_text('[[nodes]]\nname = "m"\nhost = "127.0.0.1"\nuser = 5\n')
    (tmp_path / "bad.yaml").write_text("nodes: [1, {name: x}]\n")
    (tmp_path / "rec.jsonl").write_text(recordings.default().read_text().splitlines()[0] + "\n")
    (tmp_path / "empty.jsonl").write_text("")
    return tmp_path


@settings(max_examples=int(__import__("os").environ.get("FUZZ_N", "400")), deadline=None,
          derandomize=not __import__("os").environ.get("FUZZ_RANDOM"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=argv())
def test_no_input_gives_a_traceback(args: list[str], sandbox: Path) -> None:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: --help (0) or a refusal (2)
            code = exc.code if isinstance(exc.code, int) else 2
    said = err.getvalue()
    assert "Traceback" not in said, (args, said)
    assert code in (0, 1, 2), (args, code, said)
    if code == 2:
        lines = said.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("swarmlab"), (args, said)
