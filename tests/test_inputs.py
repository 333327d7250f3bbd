"""Every input a user can type (issue 22.7): a bad one is one line on stderr naming the fix, exit 2, never a
traceback; a replay needs no writable home. In-process (main()), so each case costs milliseconds."""

from __future__ import annotations

import json
from pathlib import Path

import paramiko
import pytest

from swarmlab.cli import main
from swarmlab.errors import TransportError


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No swarm anywhere: a fresh home, no inventory, no rig, a folder with no Vagrantfile."""
    monkeypatch.setenv("SWARMLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(tmp_path / "no-rig"))
    for name in ("SWARMLAB_INVENTORY", "SWARMLAB_RECORDING", "SWARMLAB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "user5.toml").write_text('[[nodes]]\nname = "m"\nhost = "127.0.0.1"\nuser = 5\n')
    (tmp_path / "folder").mkdir()
    return tmp_path


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI; it must exit 2 with exactly one line on stderr and no traceback. Returns that line."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("swarmlab") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(("argv", "says"), [
    (["replay", "folder"], "folder is a folder, not a swarmlab recording: give a file written by `swarmlab record`"),
    (["replay", "/proc/self/status"], "is a kernel file, not a swarmlab recording"),
    (["replay", "/dev/zero"], "is a kernel file"),  # would read for ever
    (["replay", ""], "no file named (an empty path)"),  # played the default recording
    (["demo", "--recording", ""], "no recording named (an empty name)"),
    (["demo", "--recording", "folder"], "is a folder, not a swarmlab recording"),
    (["trace", "--recording", "folder"], "is a folder, not a swarmlab recording"),
    (["nodes", "-i", "folder"], "is a folder, not an inventory file: give an inventory file"),
    (["nodes", "-i", "/proc/self/status"], "is a kernel file, not an inventory file"),
    (["nodes", "-i", "user5.toml"], "user = 5 must be a non-empty string (in TOML: user = \"...\")"),
    (["record", "-o", "user5.toml/x.jsonl"], "cannot write -o user5.toml/x.jsonl"),
    (["record", "-o", "nul\x00byte.jsonl"], "cannot write -o 'nul\\x00byte.jsonl' (embedded null byte)"),
    (["record", "-o", "folder"], "folder is a folder: give a file name"),
    (["record", "-o", "/proc/x.jsonl"], "cannot write -o /proc/x.jsonl"),
    (["record", "-o", "x.jsonl", "--title", "bad\udcffbyte"], "argument --title: not valid UTF-8 text"),
    (["record", "-o", "x.jsonl", "--title", "two\nlines"], "argument --title: 'two\\nlines': give printable text"),
    (["record", "-o", "x.jsonl", "--recorded-by", "x" * 300], "give printable text on one line, 1 to 200"),
    (["trace", "--port", "-1"], "argument --port: -1 is out of range: give a TCP port from 1 to 65535"),
    (["trace", "--port", "0"], "argument --port: 0 is out of range"),
    (["trace", "--port", "65536"], "argument --port: 65536 is out of range"),
    (["trace", "--port", "99999999"], "argument --port: 99999999 is out of range"),
    (["demo", "-n", "-5"], "argument -n/--requests: -5 is out of range: give a number of requests from 1 to 1000"),
    (["demo", "-n", "1000000000000"], "1000000000000 is out of range"),
    (["demo", "-n", "10**12"], "'10**12' is not a whole number"),
    (["replay", "x.jsonl", "-n", "0"], "0 is out of range"),
    (["forget-host", ""], "forget-host '': give a host name or address"),
    (["forget-host", "a b"], "forget-host 'a b': give a host name or address"),
    (["forget-host", "10.0.0.9", "-p", "70000"], "argument -p/--port: 70000 is out of range"),
    (["classroom", "cache", "x" * 300], "cannot create xxx"),  # a name too long
    (["classroom", "cache", "nul\x00byte"], "cannot create 'nul\\x00byte' (embedded null byte)"),
    (["classroom", "cache", "user5.toml"], "user5.toml is a file: give a folder for the cache"),
    (["classroom", "cache", "c", "--mirror", "not a url"], "--mirror 'not a url' is not an archive's address"),
    (["classroom", "cache", "c", "--mirror", "ftp://x/debian"], "is not an archive's address"),
    (["nosuch"], "invalid choice: 'nosuch'"),
    # a recording without the trace's commands: the failure and the node's stderr on one line (before: two)
    (["trace", "--recording", "lessons/00-setup"], "command exited 1: 'docker service ps client'; stderr: no such "
                                                   "service: client"),
])
def test_a_bad_input_is_one_line_naming_the_fix(argv: list[str], says: str, clean: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, argv)
    assert says in line, line


def test_swarmlab_inventory_naming_a_folder(clean: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SWARMLAB_INVENTORY", "/tmp")
    line = one_line(capsys, ["nodes"])
    assert line.startswith("swarmlab: SWARMLAB_INVENTORY=/tmp: /tmp is a folder, not an inventory file"), line


@pytest.mark.parametrize("content", [b"h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n", b"\xff\xfe\x00\n"])
def test_a_damaged_known_hosts_is_a_clear_error(content: bytes, tmp_path: Path) -> None:
    """It was paramiko's InvalidHostKey / UnicodeDecodeError (the doctor: "swarmlab bug")."""
    from swarmlab.transport import hostkeys

    kh = tmp_path / "known_hosts"
    kh.write_bytes(content)
    with pytest.raises(TransportError, match=r"known_hosts file .* cannot be used .*: move it away \(`mv "):
        hostkeys.load(paramiko.SSHClient(), kh)
    assert hostkeys.forget(kh, "10.0.0.9") == 0 and kh.read_bytes() == content  # nothing else is touched


def test_forget_host_keeps_lines_that_are_not_text(tmp_path: Path) -> None:
    from swarmlab.transport import hostkeys

    kh = tmp_path / "known_hosts"
    kh.write_bytes(b"\xff junk\n10.0.0.9 ssh-ed25519 AAAA\n[10.0.0.9]:2222 ssh-ed25519 AAAA\n")
    assert hostkeys.forget(kh, "10.0.0.9") == 1
    assert kh.read_bytes() == b"\xff junk\n[10.0.0.9]:2222 ssh-ed25519 AAAA\n"


def test_replay_with_a_home_that_cannot_be_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only home: the course, the lab and the CLI replay without writing anything (as root a chmod does not
    stop a write, so the home here is below a regular file: it can never be created)."""
    from swarmlab import course, paths
    from swarmlab.errors import SwarmlabError
    from swarmlab.lab import Lab

    (tmp_path / "file").write_text("")
    home = tmp_path / "file" / "home"
    monkeypatch.setenv("SWARMLAB_HOME", str(home))
    monkeypatch.delenv("SWARMLAB_RIG_HOME", raising=False)
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    course.start("02")
    with Lab.connect() as lab:
        assert lab.mode == "replay"
    assert main(["demo", "-n", "3"]) == 0
    assert not home.exists()
    with pytest.raises(SwarmlabError, match=r"cannot create swarmlab's folder .*: set SWARMLAB_HOME"):
        paths.rig_home()


@pytest.mark.parametrize("value", ["/tmp", "/proc/self/status", "/dev/zero"])
def test_swarmlab_recording_naming_no_recording(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebooks' way to pick a recording: a folder or a kernel file is a RecordingError, not a traceback (or
    reading /dev/zero until memory runs out)."""
    from swarmlab.errors import RecordingError
    from swarmlab.lab import Lab

    monkeypatch.setenv("SWARMLAB_RECORDING", value)
    with pytest.raises(RecordingError, match="give a file written by `swarmlab record`"):
        Lab.connect(mode="replay")


def test_a_recordings_terminal_escapes_are_shown_not_obeyed(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A recording's outputs reach the terminal as text: an escape in one (ANSI colours, an OSC title or clipboard
    write, a carriage return that hides a line) is printed escaped, never sent to the terminal raw."""
    from swarmlab import recordings

    lines = [json.loads(x) for x in (Path(recordings.__file__).parent / "lessons" / "00-setup.jsonl").read_text()
             .splitlines()]
    lines[0]["provenance"]["title"] = "t\x1b]0;owned\x07"
    for entry in lines[1:]:
        entry["stdout"] = "\x1b]52;c;ZWNobyBvd25lZA==\x07\x9b2J" + entry.get("stdout", "") + "\rhidden"
    (clean / "r.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    main(["replay", "r.jsonl", "-n", "1"])
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "\\x1b]52;c;" in shown and "\\x9b" in shown and "\\rhidden" in shown and "\\x1b]0;owned" in shown
    assert not {"\x1b", "\x9b", "\r", "\x07"} & set(shown)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (not Linux)")
def test_an_output_that_cannot_be_written_is_one_line(clean: Path) -> None:
    """`swarmlab demo > file` on a full disk (/dev/full: every write is ENOSPC): before, an OSError traceback."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "swarmlab", "demo", "-n", "1"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr == (
        "swarmlab: cannot write (No space left on device): free some space, or write the output elsewhere\n")
