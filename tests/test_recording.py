"""Recording files: round trip, redaction on real secret-bearing output, crash safety, and clear errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from swarmlab.errors import CommandTimeout, NotRecorded, RecordingError
from swarmlab.i18n import rendered
from swarmlab.transport import CommandResult, ReplayTransport
from swarmlab.transport.recording import Writer, load
from swarmlab.transport.redact import redact
from tests.conftest import english_left

FIX = Path(__file__).parent / "fixtures"
REAL_INIT = (FIX / "host-noipvs-docker20" / "docker_swarm_init.txt").read_text()


def write(path: Path, *results: CommandResult) -> Path:
    w = Writer(path, {"title": "t", "nodes": ["n1", "n2"]})
    for r in results:
        w.add(r, step="s")
    w.close()
    return path


def test_round_trip_keeps_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "printf x", b"caf\xc3\xa9\n\xff", b"err", 3),
                 CommandResult("n2", "true", b"", b"", 0))
    rec = load(path)
    assert rec.title == "t" and rec.nodes == ["n1", "n2"]
    first = rec.entries[0]
    assert (first.stdout, first.stderr, first.exit_code, first.step) == (b"caf\xc3\xa9\n\xff", b"err", 3, "s")
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "swarmlab-recording" and "stdout_b64" in lines[1]


def test_real_join_token_is_redacted(tmp_path: Path) -> None:
    token = next(w for w in REAL_INIT.split() if w.startswith("SWMTKN-1-"))
    path = write(tmp_path / "r.jsonl", CommandResult("n1", f"docker swarm join --token {token} 10.99.0.1:2377",
                                                     REAL_INIT.encode(), b"", 0))
    text = path.read_text()
    assert token not in text and "SWMTKN-1-<redacted>" in text
    assert "Swarm initialized: current node (o8q2cq90uuk2g71ji6efhlmsf)" in text


def test_private_keys_and_passwords_are_redacted() -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----"
    assert "b3BlbnNz" not in redact(f"cat id\n{key}\n")
    assert redact("mysql --password hunter2 -u x") == "mysql --password <redacted> -u x"
    assert redact("PASSWORD=hunter2") == "PASSWORD=<redacted>"
    assert redact("docker swarm unlock-key: SWMKEY-1-abc+/=") == "docker swarm unlock-key: SWMKEY-1-<redacted>"


def test_a_crash_loses_at_most_the_command_in_flight(tmp_path: Path) -> None:
    w = Writer(tmp_path / "r.jsonl", {"title": "t"})
    w.add(CommandResult("n1", "a", b"1", b"", 0))
    w.add(CommandResult("n1", "b", b"2", b"", 0))
    # no close(): every line was flushed and fsync-ed as it was added
    assert [e.command for e in load(tmp_path / "r.jsonl").entries] == ["a", "b"]
    w.close()


def test_replay_answers_in_order_then_keeps_the_last(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "date", b"one\n", b"", 0),
                 CommandResult("n1", "date", b"two\n", b"", 0))
    t = ReplayTransport(path)
    assert [t.run("n1", "date").stdout for _ in range(3)] == ["one\n", "two\n", "two\n"]


def test_the_labs_own_reads_recorded_between_commands_are_skipped(tmp_path: Path) -> None:
    """Live, the lab reads `docker service ps client` for itself before each cell (replay answers those reads from
    the end, `latest`), and they were recorded between the lesson's commands. A command the lab also read that way
    answers with an entry recorded after the last answer given in order, not with one of those earlier reads."""
    r = [CommandResult("n1", "ps", b"", b"no such service\n", 1),  # the lab's read before the service existed
         CommandResult("n1", "create", b"created\n", b"", 0),
         CommandResult("n1", "ps", b"running\n", b"", 0)]  # the lesson's own `ps`, after the create
    t = ReplayTransport(write(tmp_path / "r.jsonl", *r))
    assert t.run("n1", "ps", latest=True).stdout == "running\n"
    assert t.run("n1", "create").stdout == "created\n"
    assert t.run("n1", "ps").stdout == "running\n"
    # a command the lab never read for itself keeps its own order, whatever was answered in between (a trace's
    # captures start in threads: their recorded order is not the order of the calls)
    t = ReplayTransport(write(tmp_path / "r2.jsonl", *r))
    assert t.run("n1", "create").stdout == "created\n"
    assert t.run("n1", "ps").exit_code == 1


def test_lesson_01_replays_the_client_task_not_a_read_from_before_it_existed() -> None:
    """The bundled recording of lesson 01 holds seven failed `docker service ps client` (the lab's reads before the
    client service existed) before the lesson's own; the lesson's cell gets the client task."""
    from swarmlab import recordings
    from swarmlab.commands.steps import key_of

    rec = recordings.get("lessons/01-overlay-and-services")
    plain = ReplayTransport(rec, key=key_of)
    assert plain.run("swarm-manager", "docker service ps client").exit_code == 1  # without the lab's reads

    t = ReplayTransport(rec, key=key_of)
    t.run("swarm-manager", "docker service ps client", latest=True)  # what course.start reads
    t.run("swarm-manager", "docker service ls")
    shown = t.run("swarm-manager", "docker service ps client")
    assert shown.exit_code == 0 and "client.1" in shown.stdout and "swarm-worker2" in shown.stdout


def test_recorded_errors_come_back_typed(tmp_path: Path) -> None:
    w = Writer(tmp_path / "r.jsonl", {"title": "t", "nodes": ["n1"]})
    w.add(CommandResult("n1", "sleep 99"), error=CommandTimeout("timed out after 1 s", node="n1"))
    w.close()
    with pytest.raises(CommandTimeout, match="recorded"):
        ReplayTransport(tmp_path / "r.jsonl").run("n1", "sleep 99")


def test_not_recorded_names_the_command_and_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "docker service ps web", b"", b"", 0))
    with pytest.raises(NotRecorded) as info:
        ReplayTransport(path).run("n1", "docker service ps client")
    message = str(info.value)
    assert "'docker service ps client'" in message and "closest recorded: 'docker service ps web'" in message


def test_damaged_entry(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "a", b"1", b"", 0), CommandResult("n1", "b", b"", b"", 0))
    lines = path.read_text().splitlines()
    lines[1] = "#" + lines[1][1:]  # the entry's opening brace gone
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match="damaged entry at line 2"):
        load(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "a", b"1", b"", 0), CommandResult("n1", "b", b"2", b"", 0))
    text = path.read_text()
    path.write_text(text[: len(text) - 15])
    with pytest.raises(RecordingError, match=r"truncated: line 3, the last, ends mid-entry.*1 complete entries"):
        load(path)


def test_newer_format_and_not_a_recording(tmp_path: Path) -> None:
    newer = tmp_path / "new.jsonl"
    newer.write_text(json.dumps({"format": "swarmlab-recording", "version": 99, "provenance": {}}) + "\n")
    with pytest.raises(RecordingError, match=r"version 99 is newer.*upgrade swarmlab"):
        load(newer)
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n')
    with pytest.raises(RecordingError, match="not a swarmlab recording"):
        load(other)
    with pytest.raises(RecordingError, match="no recording at"):
        load(tmp_path / "missing.jsonl")


@pytest.mark.parametrize(("line", "change", "says"), [
    (0, {"provenance": [1]}, "damaged header at line 1: provenance is not a JSON object"),
    (0, {"provenance": {"nodes": [1, {}]}}, "provenance nodes is not a list of node names"),
    (0, {"provenance": {"nodes": "n1"}}, "provenance nodes is not a list of node names"),
    (0, {"provenance": {"images": ["web"]}}, "provenance images is not an object of names"),
    (0, {"provenance": {"manager": ["n1"]}}, "provenance manager is not a node name"),
    (1, {"step": ["s"]}, "damaged entry at line 2: step is not text"),
    (1, {"started": "yesterday"}, "damaged entry at line 2: Invalid isoformat string"),
    (1, {"started": 5}, "started is not an ISO time"),
    (1, {"seq": 1e308}, "seq is not a whole number"),
    (1, {"duration": "1s"}, "duration is not a number of seconds"),
    (1, {"error": "boom"}, "error is not an object with text type and message"),
    (1, {"error": {"type": ["NodeUnreachable"], "message": "m"}}, "error is not an object"),
])
def test_a_field_of_the_wrong_type_is_a_damaged_line(line: int, change: dict[str, object], says: str,
                                                      tmp_path: Path) -> None:
    """A hand-edited or damaged recording: each field the replay reads has its type checked on load (before, a
    provenance that was a list, a list as a step, an unreadable start time... were tracebacks mid-replay)."""
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "a", b"1", b"", 0))
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    lines[line].update(change)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(RecordingError, match=says):
        ReplayTransport(path).run("n1", "a")


def test_a_recording_not_written_by_record_shows_no_secret(tmp_path: Path) -> None:
    """A recording edited by hand (or by an older swarmlab) is redacted when read as when written: its outputs,
    commands, recorded errors and provenance."""
    token = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    header = {"format": "swarmlab-recording", "version": 1, "provenance": {"nodes": ["n1"], "title": f"t {token}"}}
    entries = [{"seq": 1, "node": "n1", "command": f"docker swarm join --token {token} 10.0.0.9:2377",
                "stdout": f"{token}\n{key}password=hunter2\n", "stderr": "", "exit_code": 0},
               {"seq": 2, "node": "n1", "command": "cat key", "stdout_b64": base64.b64encode(key.encode()).decode(),
                "stderr": "", "exit_code": 0},
               {"seq": 3, "node": "n1", "command": "x", "stdout": "", "stderr": "", "exit_code": None,
                "error": {"type": "NodeUnreachable", "message": f"lost it; Authorization: Bearer {token}"}}]
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in [header, *entries]))
    rec = load(path)
    shown = repr(rec.provenance) + repr([(e.command, e.stdout, e.stderr, e.error) for e in rec.entries])
    assert "<redacted>" in shown
    for secret in ("3pu6hszjas19", "b3BlbnNzaC1rZXkt", "hunter2"):
        assert secret not in shown


def test_a_recording_saved_with_a_bom_loads(tmp_path: Path) -> None:
    """A recording opened and saved again by an editor that adds a byte order mark still replays."""
    path = write(tmp_path / "r.jsonl", CommandResult("n1", "a", b"1", b"", 0))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert ReplayTransport(path).run("n1", "a").stdout == "1"


def test_a_file_far_larger_than_any_recording_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A disk image given by mistake: before, read whole into memory (twice: bytes, then text) before line 1 was
    looked at. A sparse file: nothing is written to the disk."""
    path = tmp_path / "disk.img"
    with open(path, "wb") as f:
        f.truncate(20 * 10**9)
    with pytest.raises(RecordingError, match=r"20000 MB is no swarmlab recording \(at most 200 MB"):
        load(path)


@pytest.mark.parametrize(("case", "said", "kept"), [
    ("missing", "处没有录制文件", ()),
    ("folder", "是文件夹，不是一份 swarmlab 录制文件", ()),  # paths.input_file: its `what` and `fix` messages too
    ("truncated", "文件被截断：最后一行（第 3 行）", ()),
    ("newer", "录制格式版本 99 比这个 swarmlab 能读的（1）更新", ("pip install -U swarmlab",)),
    ("header", "第 1 行的文件头已损坏：provenance 的 nodes 不是节点名的列表", ("provenance", "nodes")),  # two parts
])
def test_a_recording_error_is_chinese_on_a_zh_screen(tmp_path: Path, case: str, said: str,
                                                     kept: tuple[str, ...]) -> None:
    """A student's RECORDING parameter that is wrong: in a zh notebook (错误：rendered(exc, "zh")) Chinese to the
    end, its values as they are; str(exc), what the CLI prints, stays the English."""
    path = tmp_path / "r.jsonl"
    if case == "folder":
        path.mkdir()
    elif case == "truncated":
        write(path, CommandResult("n1", "a", b"1", b"", 0), CommandResult("n1", "b", b"2", b"", 0))
        path.write_text(path.read_text()[:-15])
    elif case in ("newer", "header"):
        header = {"version": 99} if case == "newer" else {"version": 1, "provenance": {"nodes": "n1"}}
        path.write_text(json.dumps({"format": "swarmlab-recording", **header}) + "\n")
    with pytest.raises(RecordingError) as info:
        load(path)
    zh = rendered(info.value, "zh")
    assert said in zh and english_left(zh, str(path), "swarmlab", *kept) == [], zh
    english = str(info.value)
    assert english.startswith(("no recording at", str(path))) and max(map(ord, english)) < 0x3000  # no Chinese
