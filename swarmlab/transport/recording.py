"""The recording file: JSON Lines, human-readable, versioned.

Line 1 is the header: {"format": "swarmlab-recording", "version": 1, "provenance": {...}} (who, where, when,
which nodes, Docker and kernel versions, swarmlab version, how it was made). Every further line is one command:
{"seq", "node", "command", "step", "stdout", "stderr", "exit_code", "started", "duration"} (output that is not
UTF-8 is kept as "stdout_b64"/"stderr_b64"; a command that failed to run keeps "error": {"type", "message"}).
Each line is written and flushed (and fsync-ed) as the command ends, so a crash loses at most the command in
flight; everything is redacted (swarmlab.transport.redact: an output's bytes, before they are encoded) before it is
written, and again when read (a file edited by hand, or written by an older swarmlab, shows no secret either).
(`swarmlab record` writes to a temporary file beside its output and renames it only on success.)
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from swarmlab import paths
from swarmlab.errors import RecordingError
from swarmlab.i18n import t
from swarmlab.transport.redact import redact, redact_bytes, redact_value
from swarmlab.transport.result import CommandResult

FORMAT = "swarmlab-recording"
VERSION = 1
MAX_BYTES = 200 * 10**6


@dataclass
class Entry:
    seq: int
    node: str
    command: str
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    step: str | None = None
    started: str | None = None
    duration: float = 0.0
    error: dict[str, str] | None = None

    def result(self) -> CommandResult:
        started = datetime.fromisoformat(self.started) if self.started else datetime.now()
        return CommandResult(self.node, self.command, self.stdout, self.stderr, self.exit_code, started,
                             self.duration)


@dataclass
class Recording:
    path: Path
    provenance: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)

    @property
    def nodes(self) -> list[str]:
        declared = self.provenance.get("nodes") or []
        seen = [e.node for e in self.entries]
        return list(dict.fromkeys([*declared, *seen]))

    @property
    def title(self) -> str:
        return str(self.provenance.get("title") or self.path.stem)


def _text(data: bytes) -> dict[str, str]:
    try:
        return {"": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"_b64": base64.b64encode(data).decode("ascii")}


def _entry_json(entry: Entry) -> str:
    obj: dict[str, Any] = {"seq": entry.seq, "node": entry.node, "command": redact(entry.command),
                           "step": entry.step}
    for name, data in (("stdout", entry.stdout), ("stderr", entry.stderr)):
        encoded = _text(redact_bytes(data))  # redacted as bytes: the base64 of a non-UTF-8 output holds no secret
        if "" in encoded:
            obj[name] = encoded[""]
        else:
            obj[name + "_b64"] = encoded["_b64"]
    obj.update(exit_code=entry.exit_code, started=entry.started,
               duration=round(entry.duration, 6) if entry.started else None)
    if entry.error:
        obj["error"] = {k: redact(v) for k, v in entry.error.items()}
    return json.dumps(obj, ensure_ascii=False)


class Writer:
    """Appends entries to a new recording file, one flushed line per command. Thread-safe."""

    def __init__(self, path: Path, provenance: dict[str, Any]) -> None:
        self.path = Path(path)
        try:  # a recording this swarmlab could not read back is not written
            header = {"format": FORMAT, "version": VERSION, "provenance": _provenance(redact_value(provenance))}
        except ValueError as exc:
            raise RecordingError(t("cannot record: {error}: give the provenance its types (nodes: a list of names, "
                                   "images and users: objects of names, manager: a name)", error=exc)) from None
        line = json.dumps(header, ensure_ascii=False)  # before the file is opened: a bad header touches nothing
        if self.path.is_dir():
            raise RecordingError(t("{path} is a folder: give a file name for the recording (e.g. {example})",
                                   path=str(self.path), example=str(self.path / "session.jsonl")))
        self._lock = threading.Lock()
        self._seq = 0
        self.failed: RecordingError | None = None  # a write that failed (a full disk): every later one fails too
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise RecordingError(t("cannot write the recording {path}: {error}; choose a file in a folder you can "
                                   "write to", path=str(self.path), error=str(exc.strerror or exc))) from None
        self._write(line)

    def _write(self, line: str) -> None:
        if self.failed is not None:
            raise self.failed
        try:
            self._fh.write(line + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            self.failed = RecordingError(t("cannot write the recording {path} ({error}): free some space or record "
                                           "elsewhere (-o); the session stopped there", path=str(self.path),
                                           error=str(exc.strerror or exc)))
            raise self.failed from None

    def add(self, result: CommandResult, step: str | None = None, error: Exception | None = None,
            timed: bool = True) -> None:
        """`timed=False` for a transcribed output whose time nobody knows: its start and duration stay null."""
        with self._lock:
            self._seq += 1
            entry = Entry(self._seq, result.node, result.command, result.stdout_bytes, result.stderr_bytes,
                          result.exit_code, step, result.started.isoformat(timespec="milliseconds") if timed else None,
                          result.duration if timed else 0.0,
                          {"type": type(error).__name__, "message": str(error)} if error else None)
            self._write(_entry_json(entry))

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                try:
                    self._fh.close()
                except OSError:  # what a failed write left in the buffer cannot be written either
                    if self.failed is None:
                        raise


REPLACE_FIX = t("give --force to replace it, or another -o")


def writable(output: Path, *, replace: bool = False, fix: str = REPLACE_FIX) -> Path:
    """`output` if a recording may be written there (`partial_beside` can make its temporary file, which it
    removes again): checked before a session connects anywhere."""
    partial_beside(output, replace=replace, fix=fix).unlink()
    return output


def partial_beside(output: Path, *, replace: bool = False, fix: str = REPLACE_FIX) -> Path:
    """A new, empty temporary file in `output`'s folder, to record into and then rename to `output` (atomic: same
    folder). Refuses an `output` that is a folder, or that exists unless `replace` (saying `fix`)."""
    if output.is_dir():
        raise RecordingError(t("-o {output} is a folder: give a file name (e.g. -o {example})", output=str(output),
                               example=str(output / "session.jsonl")))
    if output.exists() and not replace:
        raise RecordingError(t("{output} exists: {fix}", output=str(output), fix=fix))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    except OSError as exc:
        raise RecordingError(t("cannot write -o {output}: {error}; choose a folder you can write to",
                               output=str(output), error=str(exc.strerror or exc))) from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # as any new file (mkstemp makes it 0600)
    return Path(name)


def load(path: str | Path) -> Recording:
    path = Path(path)
    if not path.exists():
        raise RecordingError(t("no recording at {path}: give a file written by `swarmlab record`, or a bundled one "
                               "by name (`swarmlab demo --recording rig-session`)", path=str(path)))
    paths.input_file(path, t("a swarmlab recording"), t("give a file written by `swarmlab record`"), RecordingError)
    size = path.stat().st_size
    if size > MAX_BYTES:  # read whole, a disk image or a dump given by mistake would exhaust the memory first
        raise RecordingError(t("{path}: {size:.0f} MB is no swarmlab recording (at most {most} MB; a --full session "
                               "is under 1 MB): give a file written by `swarmlab record`", path=str(path),
                               size=size / 1e6, most=MAX_BYTES // 10**6))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # -sig: a file saved again by an editor that adds a BOM
    except UnicodeDecodeError as exc:
        raise RecordingError(t("{path}: not a swarmlab recording (not UTF-8 text at byte {byte})", path=str(path),
                               byte=exc.start)) from None
    lines = text.split("\n")
    truncated = not text.endswith("\n")
    if not lines[0].strip():
        raise RecordingError(t("{path}: empty file, not a swarmlab recording", path=str(path)))
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError:
        raise RecordingError(t("{path}: line 1 is not a swarmlab recording header (JSON)", path=str(path))) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(t("{path}: not a swarmlab recording (line 1 lacks \"format\": \"{format}\")",
                               path=str(path), format=FORMAT))
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordingError(t("{path}: recording format version {version} is newer than this swarmlab reads "
                               "({most}); upgrade swarmlab (pip install -U swarmlab)", path=str(path),
                               version=repr(version), most=VERSION))
    try:
        provenance = _provenance(redact_value(header.get("provenance") or {}))
    except ValueError as exc:
        raise RecordingError(t("{path}: damaged header at line 1: {error}", path=str(path), error=exc)) from None
    recording = Recording(path, provenance)
    body = lines[1:-1] if lines[-1] == "" else lines[1:]
    for no, line in enumerate(body, 2):
        last = no == len(body) + 1
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            recording.entries.append(_entry(obj))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if last and truncated:
                raise RecordingError(t(
                    "{path}: truncated: line {no}, the last, ends mid-entry (the recording session stopped while "
                    "writing it); the {n} complete entries before it are intact — delete that last line to replay "
                    "them", path=str(path), no=no, n=len(recording.entries))) from None
            raise RecordingError(t("{path}: damaged entry at line {no}: {error}", path=str(path), no=no,
                                   error=exc)) from None
    return recording


def _provenance(prov: object) -> dict[str, Any]:
    """The header's provenance, its fields the replay reads checked for their types (ValueError says which)."""
    if not isinstance(prov, dict):
        raise ValueError(t("provenance is not a JSON object"))
    for name in ("nodes", "swarm_nodes"):
        value = prov.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
            raise ValueError(t("provenance {name} is not a list of node names", name=name))
    for name in ("images", "users"):
        value = prov.get(name)
        if value is not None and not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
            raise ValueError(t("provenance {name} is not an object of names", name=name))
    if prov.get("manager") is not None and not isinstance(prov["manager"], str):
        raise ValueError(t("provenance manager is not a node name"))
    return prov


def _entry(obj: dict[str, Any]) -> Entry:
    def data(name: str) -> bytes:  # redacted again: a file not written by `record` (edited, older) shows none
        if name + "_b64" in obj:
            return redact_bytes(base64.b64decode(obj[name + "_b64"], validate=True))
        value = obj.get(name, "")
        if not isinstance(value, str):
            raise ValueError(t("{name} is not text", name=name))
        return redact_bytes(value.encode("utf-8"))

    if not isinstance(obj, dict) or not isinstance(obj["node"], str) or not isinstance(obj["command"], str):
        raise ValueError(t("an entry needs text 'node' and 'command'"))
    code, seq = obj.get("exit_code"), obj.get("seq", 0)
    for name, value in (("exit_code", code), ("seq", seq)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(t("{name} is not a whole number", name=name))
    step, started, duration, error = obj.get("step"), obj.get("started"), obj.get("duration") or 0.0, obj.get("error")
    if step is not None and not isinstance(step, str):
        raise ValueError(t("{name} is not text", name="step"))
    if started is not None:
        if not isinstance(started, str):
            raise ValueError(t("started is not an ISO time"))
        datetime.fromisoformat(started)  # ValueError names the text
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration):
        raise ValueError(t("duration is not a number of seconds"))
    if error is not None and not (isinstance(error, dict) and isinstance(error.get("type", ""), str)
                                  and isinstance(error.get("message", ""), str)):
        raise ValueError(t("error is not an object with text type and message"))
    return Entry(seq or 0, obj["node"], redact(obj["command"]), data("stdout"), data("stderr"), code, step, started,
                 float(duration), {k: redact(str(v)) for k, v in error.items()} if error is not None else None)
