"""Redaction that holds: random secrets embedded in random text, JSON and bytes never reach a recording (property
tests), JSON stays valid JSON, and the bundled recordings are left as they are."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from swarmlab.transport import CommandResult
from swarmlab.transport.recording import Writer, load
from swarmlab.transport.redact import redact, redact_bytes

RECORDINGS = sorted((Path(__file__).parent.parent / "swarmlab" / "recordings").glob("**/*.jsonl"))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALNUM = string.ascii_letters + string.digits
B36 = string.ascii_lowercase + string.digits
B64 = ALNUM + "+/"
secret_values = st.text(ALNUM + "_.-", min_size=16, max_size=40).filter(lambda s: s[0] in ALNUM)
b64_values = st.text(B64, min_size=24, max_size=300)


def any_case(s: str, flips: list[bool]) -> str:
    return "".join(c.upper() if f else c.lower() for c, f in zip(s, flips + [False] * len(s), strict=False))


@st.composite
def secrets_in_context(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A snippet holding a secret as some tool prints it, and the parts of it that must not survive."""
    kind = draw(st.sampled_from(["swarm", "unlock", "pem", "pgp", "json", "env", "env_line", "aws_id", "aws_csv",
                                 "aws_file", "bearer", "url", "flag", "yaml", "prefixed"]))
    flips = draw(st.lists(st.booleans(), max_size=90))
    s = draw(secret_values)
    if kind == "swarm":
        a, b = draw(st.text(B36, min_size=20, max_size=50)), draw(st.text(B36, min_size=16, max_size=25))
        return any_case(f"SWMTKN-1-{a}-{b}", flips), [a, b]
    if kind == "unlock":
        k = draw(b64_values)
        return f"SWMKEY-1-{k}", [k]
    if kind in ("pem", "pgp"):
        body = draw(b64_values)
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        label = draw(st.sampled_from(["PGP PRIVATE KEY BLOCK", "PGP MESSAGE"])) if kind == "pgp" else draw(
            st.sampled_from(["PRIVATE KEY", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY",
                             "ENCRYPTED PRIVATE KEY"]))
        end = draw(st.sampled_from(["whole", "truncated"]))
        block = f"-----BEGIN {label}-----\n" + ("\n" if kind == "pgp" else "") + "\n".join(lines)
        if end == "whole":
            block += f"\n-----END {label}-----\n"
        else:  # cut anywhere after the first 16 characters of the body
            block = block[: draw(st.integers(block.index(lines[0]) + 16, len(block)))]
        return block, [ln for ln in lines if len(ln) >= 16]
    if kind == "json":
        key = draw(st.sampled_from(["Password", "password", "SecretAccessKey", "db_password", "apiKey", "api_key",
                                    "AccessKey", "token", "SessionToken", "client_secret", "privateKey"]))
        return json.dumps({key: s}), [s]
    if kind in ("env", "env_line"):
        name = draw(st.sampled_from(["DB_PASSWORD", "GITHUB_TOKEN", "APP_SECRET", "AWS_SECRET_ACCESS_KEY",
                                     "API_KEY", "PASSWORD", "client_secret", "POSTGRES_PASSWD"]))
        if kind == "env_line":
            return f"\nexport {name}={s}\n", [s]
        return f"{name}={s}", [s]
    if kind.startswith("aws"):
        key_id = "AKIA" + draw(st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16))
        secret = draw(st.text(B64, min_size=40, max_size=40))
        if kind == "aws_id":
            return key_id, [key_id[4:]]
        if kind == "aws_csv":
            return f"\nalice,{key_id},{secret}\n", [key_id[4:], secret]
        return f"\n[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n", [key_id[4:], secret]
    if kind == "bearer":
        token = draw(st.text(ALNUM + "._~+/-", min_size=16, max_size=80))
        return any_case("Authorization: Bearer ", flips) + token, [token]
    if kind == "url":
        return f" https://bob:{s}@registry.example.org/v2/ ", [s]
    if kind == "flag":
        flag = draw(st.sampled_from(["--password", "--token", "--secret", "--password=", "--token="]))
        return f" {flag}{'' if flag.endswith('=') else ' '}{s} ", [s]
    if kind == "prefixed":
        prefix = draw(st.sampled_from(["ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "sk-", "sk-proj-", "hf_",
                                       "AIza"]))
        token = draw(st.text(ALNUM + "_-", min_size=20, max_size=60))
        return f" {prefix}{token} ", [token]
    return f"\n  password: {s}\n", [s]  # yaml


def survivors(parts: list[str], out: str, around: str = "") -> list[str]:
    """Every 16-character piece of a secret that is still in `out` (and not also in the text `around` it)."""
    return [p[i:i + 16] for p in parts for i in range(len(p) - 15) if p[i:i + 16] in out and p[i:i + 16] not in around]


@FAST
@given(secrets_in_context(), st.text(max_size=60), st.text(max_size=60))
def test_secrets_embedded_in_random_text_never_survive(case: tuple[str, list[str]], before: str, after: str) -> None:
    snippet, parts = case
    out = redact(before + snippet + after)
    assert survivors(parts, out, before + "\0" + after) == [], out


@FAST
@given(secrets_in_context(), st.binary(max_size=40), st.binary(max_size=40))
def test_secrets_embedded_in_random_bytes_never_survive(case: tuple[str, list[str]], before: bytes,
                                                       after: bytes) -> None:
    snippet, parts = case
    out = redact_bytes(before + snippet.encode() + after)
    assert survivors(parts, out.decode("latin-1"), (before + b"\0" + after).decode("latin-1")) == [], out


def skeleton(value: Any) -> Any:
    """A JSON value's shape: the keys and lengths, with every string as str."""
    if isinstance(value, dict):
        return {k: skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(v) for v in value]
    return type(value).__name__


JSON_KEYS = ["Password", "password", "SecretAccessKey", "secret_access_key", "db_password", "apiKey", "token",
             "SessionToken", "client_secret", "privateKey", "auth", "Authorization"]


@FAST
@given(st.data(), secret_values, st.sampled_from(JSON_KEYS), st.sampled_from(["field", "env", "nested"]),
       st.sampled_from([None, 2]), st.booleans())
def test_json_keeps_its_shape_and_loses_its_secrets(data: st.DataObject, secret: str, key: str, where: str,
                                                   indent: int | None, ascii_only: bool) -> None:
    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    tree = st.recursive(leaves, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.text(string.ascii_letters, min_size=1, max_size=10), kids, max_size=4), max_leaves=12)
    doc = data.draw(st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=10), tree, max_size=4))
    if where == "field":
        doc[key] = secret
    elif where == "env":  # a container's environment, as `docker inspect` prints it
        doc["Env"] = ["PATH=/usr/bin", f"DB_{key.upper()}={secret}", "LANG=C.UTF-8"]
    else:
        doc["Spec"] = {"Labels": {"k": "v"}, "Creds": [{key: secret, "user": "bob"}]}
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    documents = [text, json.dumps({"other": 1}) + "\n" + json.dumps(doc, ensure_ascii=ascii_only) + "\n"]
    for raw, pick in zip(documents, (lambda out: out, lambda out: out.split("\n")[1]), strict=True):
        out = redact(raw)  # one document, and JSON Lines
        assert secret not in out
        again = json.loads(pick(out))
        assert skeleton(again) == skeleton(doc)
        if where == "env":
            assert again["Env"][0] == "PATH=/usr/bin" and again["Env"][2] == "LANG=C.UTF-8"


@FAST
@given(st.text(max_size=200))
def test_text_without_anything_secret_looking_is_left_alone(text: str) -> None:
    low = text.lower()
    assume(not any(w in low for w in ("pass", "secret", "token", "key", "credential", "auth", "bearer", "swm",
                                      "akia", "asia", "a3t", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "://",
                                      "-----begin")))
    assert redact(text) == text


@FAST
@given(secrets_in_context(), st.binary(max_size=30), st.binary(min_size=1, max_size=30))
def test_a_recording_never_holds_a_secret_even_in_output_that_is_not_utf8(
        tmp_path_factory: pytest.TempPathFactory, case: tuple[str, list[str]], before: bytes, after: bytes) -> None:
    """Output that is not UTF-8 is stored as base64: the secret must be gone from the bytes it encodes."""
    snippet, parts = case
    path = tmp_path_factory.mktemp("rec") / "r.jsonl"
    w = Writer(path, {"title": "t"})
    w.add(CommandResult("n1", f"cat key {snippet}", before + snippet.encode() + b"\xff" + after,
                        b"\xfe" + snippet.encode(), 0))
    w.close()
    entry = load(path).entries[0]
    body = path.read_bytes().split(b"\n", 1)[1]  # the entry's line as stored (base64 and all), not the header
    for stored in (entry.stdout, entry.stderr, entry.command.encode(), body):
        assert survivors(parts, stored.decode("latin-1"), (before + b"\0" + after).decode("latin-1")) == []


def test_a_private_key_plus_one_bad_byte_is_not_stored_whole(tmp_path: Path) -> None:
    key = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
           "-----END OPENSSH PRIVATE KEY-----\n")
    path = tmp_path / "r.jsonl"
    w = Writer(path, {"title": "t"})
    w.add(CommandResult("n1", "cat ~/.ssh/id_ed25519; printf '\\377'", key.encode() + b"\xff", b"", 0))
    w.close()
    stdout = load(path).entries[0].stdout
    assert b"b3BlbnNz" not in stdout and stdout.endswith(b"-----END OPENSSH PRIVATE KEY-----\n\xff")


@pytest.mark.parametrize(("raw", "expected"), [
    ('{"Env": ["DB_PASSWORD=hunter2", "PATH=/usr/bin"]}', '{"Env": ["DB_PASSWORD=<redacted>", "PATH=/usr/bin"]}'),
    ('{"Password": "p\\"w", "User": "bob"}', '{"Password": "<redacted>", "User": "bob"}'),
    ("Authorization: Bearer eyJhbGciOi.e30.sig", "Authorization: Bearer <redacted>"),
    ("docker swarm join --token SWMTKN-1-3ABCDEF012-XYZ987 10.0.0.1:2377",
     "docker swarm join --token SWMTKN-1-<redacted> 10.0.0.1:2377"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA", "-----BEGIN RSA PRIVATE KEY-----<redacted>"),
    ("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIA<redacted> <redacted>"),
    ("docker secret ls; docker swarm join-token -q worker", "docker secret ls; docker swarm join-token -q worker"),
    # found by the property tests: one rule's match must not hide another rule's context
    ("swmtkn-1-API_KEY=0000000000000000", "swmtkn-1-<redacted>_KEY=<redacted>"),
    ("swmkey-1-SWMKEY-1-000000000000000000000000", "swmkey-1-<redacted>"),
    ('{"a": 1, "password": 123}x', '{"a": 1, "password": "<redacted>"}x'),
    # a token its prefix names, with no secret-named key beside it (before: kept whole)
    ("git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/x/y",
     "git clone https://ghp_<redacted>@github.com/x/y"),
    ("glpat-abcdefghij0123456789 xoxb-1234567890-0987654321-AbCdEfGhIjKlMn",
     "glpat-<redacted> xoxb-<redacted>"),
    ("sk-proj-Abc123Def456Ghi789Jkl0 hf_AbCdEfGhIjKlMnOpQrStUvWxYz AIzaSyA-1234567890abcdefghijklmnopqrs",
     "sk-proj-<redacted> hf_<redacted> AIza<redacted>"),
    ("disk-usage-0123456789abcdefghij task-0123456789abcdefghijk", "disk-usage-0123456789abcdefghij "
     "task-0123456789abcdefghijk"),  # a word that only ends in a prefix is no token
])
def test_what_each_rule_keeps(raw: str, expected: str) -> None:
    assert redact(raw) == expected
    assert redact(expected) == expected, "redacting twice changes nothing"


def test_a_title_with_the_word_secret_makes_a_whole_recording(tmp_path: Path) -> None:
    """The header used to be redacted as one JSON text: `secret title",...` was cut, the header no longer parsed
    and the recording was left at 0 bytes."""
    path = tmp_path / "r.jsonl"
    w = Writer(path, {"title": "my secret title", "nodes": ["n1"], "db_password": "hunter2",
                      "note": "export API_TOKEN=abc123def456ghi789"})
    w.close()
    rec = load(path)
    assert rec.title == "my secret title" and rec.nodes == ["n1"]
    assert rec.provenance["db_password"] == "<redacted>" and "abc123def456" not in path.read_text()


@pytest.mark.parametrize("path", RECORDINGS, ids=[p.stem for p in RECORDINGS])
def test_bundled_recordings_load_and_hold_nothing_the_rules_would_change(path: Path) -> None:
    """Every bundled recording loads, and redacting its outputs again changes no byte: the rules leave real lab
    output (JSON from docker inspect, ipvsadm tables, ...) exactly as recorded."""
    rec = load(path)
    assert rec.entries
    changed = [(e.seq, name) for e in rec.entries for name, data in (("stdout", e.stdout), ("stderr", e.stderr))
               if redact_bytes(data) != data]
    changed += [(e.seq, "command") for e in rec.entries if redact(e.command) != e.command]
    assert changed == []

