"""`swarmlab record` loses no data: an existing recording is replaced only with --force and only by a session that
ran (written to a temporary file beside it, renamed at the end); an unreachable swarm leaves it untouched."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from swarmlab.cli import main
from swarmlab.testing.sshd import LocalSSHD, free_port
from swarmlab.transport.recording import load

OLD = b'{"format": "swarmlab-recording", "version": 1, "provenance": {"title": "the old one"}}\n' + b"x" * 5000


def inventory(tmp_path: Path, host: str, port: int, key: str = "/nonexistent") -> str:
    path = tmp_path / "inv.toml"
    path.write_text(f'[[nodes]]\nname = "swarm-manager"\nhost = "{host}"\nport = {port}\nuser = "root"\n'
                    f'key_file = "{key}"\nrole = "manager"\n')
    return str(path)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("swarmlab: ") and "Traceback" not in err, err
    return err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "session.jsonl"
    path.write_bytes(OLD)
    return path


def test_an_existing_recording_is_not_replaced_without_force(existing: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "-o", str(existing), "-i", inventory(tmp_path, "127.0.0.1", free_port())]) == 2
    assert "exists: give --force to replace it, or another -o" in one_line_error(capsys)
    assert existing.read_bytes() == OLD and leftovers(existing.parent) == []


def test_an_unreachable_swarm_leaves_the_recording_untouched_even_with_force(
        existing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["record", "-o", str(existing), "--force", "-i", inventory(tmp_path, "127.0.0.1", free_port())]
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert "cannot record: the swarm is not reachable" in err and f"{existing} is as it was" in err
    assert existing.read_bytes() == OLD and leftovers(existing.parent) == []


@pytest.mark.parametrize(("value", "said"), [
    ("{bad", "SWARMLAB_PROVENANCE='{bad' is not a JSON object: fix it"),  # before: a JSONDecodeError traceback
    ("[1]", "SWARMLAB_PROVENANCE='[1]' is not a JSON object"),  # before: TypeError
    # before: written, into a recording no replay could read
    ('{"nodes": 5}', "cannot record: provenance nodes is not a list of node names"),
])
def test_a_provenance_that_is_not_one_is_a_one_line_error_before_connecting(
        existing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        value: str, said: str) -> None:
    monkeypatch.setenv("SWARMLAB_PROVENANCE", value)
    argv = ["record", "-o", str(existing), "--force", "-i", inventory(tmp_path, "127.0.0.1", free_port())]
    assert main(argv) == 2
    assert said in one_line_error(capsys)
    assert existing.read_bytes() == OLD and leftovers(existing.parent) == []


@pytest.mark.parametrize("where", ["folder", "unwritable"])
def test_an_output_that_cannot_be_a_file_is_a_one_line_error(tmp_path: Path, where: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path if where == "folder" else Path("/proc/swarmlab-nope/session.jsonl")
    assert main(["record", "-o", str(output), "-i", inventory(tmp_path, "127.0.0.1", free_port())]) == 2
    assert ("is a folder: give a file name" if where == "folder" else "cannot write -o") in one_line_error(capsys)


def _walk_once(seen: dict[str, Any], stop: BaseException | None = None) -> Any:
    def walk(lab: Any, **_: Any) -> bool:
        lab.transport.run(lab.manager, "echo recorded", step="probe")
        seen["during"] = Path(seen["path"]).read_bytes()
        if stop is not None:
            raise stop
        return True

    return walk


def test_a_session_that_ran_replaces_the_file_at_the_end(existing: Path, tmp_path: Path, sshd: LocalSSHD,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {"path": existing}
    monkeypatch.setattr("swarmlab.lab.walk.walk", _walk_once(seen))
    inv = inventory(tmp_path, sshd.host, sshd.port, str(sshd.client_key))
    assert main(["record", "-o", str(existing), "--force", "-i", inv, "--title", "my secret title"]) == 0
    assert seen["during"] == OLD, "the old recording stayed in place while the session ran"
    rec = load(existing)
    assert rec.title == "my secret title"
    assert [(e.command, e.stdout) for e in rec.entries] == [("echo recorded", b"recorded\n")]
    assert leftovers(existing.parent) == []


def test_a_session_stopped_midway_keeps_the_old_file_and_says_where_its_commands_are(
        existing: Path, tmp_path: Path, sshd: LocalSSHD, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, Any] = {"path": existing}
    monkeypatch.setattr("swarmlab.lab.walk.walk", _walk_once(seen, KeyboardInterrupt()))
    inv = inventory(tmp_path, sshd.host, sshd.port, str(sshd.client_key))
    assert main(["record", "-o", str(existing), "--force", "-i", inv]) == 130
    assert existing.read_bytes() == OLD
    [partial] = leftovers(existing.parent)
    assert f"what it recorded is in {existing.parent / partial}" in capsys.readouterr().err
    assert [e.command for e in load(existing.parent / partial).entries] == ["echo recorded"]


def test_a_full_disk_stops_the_session_and_keeps_the_old_recording(existing: Path, tmp_path: Path,
                                                                   sshd: LocalSSHD) -> None:
    """A write that fails (here: a file size limit, EFBIG, as a full disk's ENOSPC) stops the session: nothing more
    runs unrecorded, the old recording stays, and it is said in lines, not tracebacks. Before: chained OSError
    tracebacks (the writer's close flushed the same buffer again). A process of its own: the limit is per process."""
    inv = inventory(tmp_path, sshd.host, sshd.port, str(sshd.client_key))

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2500, 2500))  # the header and a few entries

    proc = subprocess.run([sys.executable, "-m", "swarmlab", "record", "-o", str(existing), "--force", "-i", inv],
                          preexec_fn=small_files, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SWARMLAB_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    [partial] = leftovers(existing.parent)
    assert proc.stderr.splitlines() == [
        f"swarmlab: the session stopped; what it recorded is in {existing.parent / partial} ({existing} is as it was)",
        f"swarmlab: cannot write the recording {existing.parent / partial} (File too large): free some space or "
        "record elsewhere (-o); the session stopped there"]
    assert existing.read_bytes() == OLD


# -- Lab.connect(record_to=...): the same rule as `swarmlab record` --------------------------------------------

def test_lab_connect_refuses_an_existing_record_to_before_connecting(existing: Path, tmp_path: Path) -> None:
    from swarmlab.errors import RecordingError
    from swarmlab.lab import Lab

    inv = inventory(tmp_path, "127.0.0.1", free_port())  # nothing listens: the refusal comes first
    with pytest.raises(RecordingError, match="exists: give replace=True to replace it, or another record_to"):
        Lab.connect("record", inventory=inv, record_to=existing)
    assert existing.read_bytes() == OLD and leftovers(existing.parent) == []


def test_lab_connect_records_beside_and_renames_when_the_lab_closes(existing: Path, tmp_path: Path,
                                                                     sshd: LocalSSHD) -> None:
    from swarmlab.lab import Lab

    inv = inventory(tmp_path, sshd.host, sshd.port, str(sshd.client_key))
    with Lab.connect("record", inventory=inv, record_to=existing, replace=True) as lab:
        lab.transport.run(lab.manager, "echo recorded", step="probe")
        assert existing.read_bytes() == OLD and len(leftovers(existing.parent)) == 1
    assert [e.command for e in load(existing).entries][-1] == "echo recorded"
    assert leftovers(existing.parent) == []


def test_lab_connect_stopped_by_an_error_keeps_the_old_file(existing: Path, tmp_path: Path, sshd: LocalSSHD,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from swarmlab.lab import Lab

    inv = inventory(tmp_path, sshd.host, sshd.port, str(sshd.client_key))
    with pytest.raises(KeyboardInterrupt), Lab.connect("record", inventory=inv, record_to=existing,
                                                       replace=True) as lab:
        lab.transport.run(lab.manager, "echo recorded", step="probe")
        raise KeyboardInterrupt
    assert existing.read_bytes() == OLD
    [partial] = leftovers(existing.parent)
    assert f"what it recorded is in {existing.parent / partial}" in capsys.readouterr().err
    assert [e.command for e in load(existing.parent / partial).entries][-1] == "echo recorded"
