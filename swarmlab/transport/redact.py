"""Secrets never reach a recording.

Redaction works on the BYTES a command printed, before anything decides how they are stored (text, or base64 when
they are not UTF-8), so one stray byte cannot carry a secret past it. What it hides:

* swarm join tokens and unlock keys (`SWMTKN-1-...`, `SWMKEY-1-...`, in any case);
* private key blocks: PEM (`-----BEGIN ... PRIVATE KEY-----`, also cut short before their END line: then all
  that follows is hidden) and PGP (private key and message blocks);
* values of secret-named fields: JSON (`"Password": "..."`, `"SecretAccessKey": ...`: the value becomes the JSON
  string "<redacted>", so the JSON stays valid), env-style and config assignments (`DB_PASSWORD=...`,
  `aws_secret_access_key = ...`: only the value, a whole line when the assignment starts it), `key: value`, and
  command-line flags (`--password x`, `--token=x`);
* AWS access key ids (`AKIA...`) and the secret printed beside one, `Authorization:` headers and bearer tokens,
  passwords inside URLs (`scheme://user:PASSWORD@host`).

Output that is a JSON document (or JSON Lines) is redacted string by string: a secret-named field's value is
replaced whole, every other string is redacted as text and re-encoded only if that changed it, so the document
keeps its structure and every byte that held no secret.
"""

from __future__ import annotations

import json
import re

REDACTED = b"<redacted>"

# Words that make a field's value a secret (`auth` as a word of its own: Docker's config.json, DB_AUTH=; not
# `author`).
_WORDS = (rb"(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?"
          rb"|authorization|auth(?![a-z]))")
# Rules start AT a word of theirs (not before it: what precedes a key is kept as it is anyway), so a scan costs a
# few steps per byte; spans are bounded ({0,64}) so no long run of letters is scanned twice.
_KEY_END = rb"[\w.-]{0,64}"
_SECRET_KEY = re.compile(rb"(?i)" + _WORDS)
_SCHEMES = rb"(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256)"
# not again: a value already redacted (by an earlier rule, or an earlier run)
_NOT_DONE = rb"(?![ \t]*\\?[\"']?(?:SWM(?:TKN|KEY)-1-|" + _SCHEMES + rb"\s+)?<redacted>)"
# A value without quotes: up to whitespace or a quote (so a JSON string or a shell word around it stays whole);
# escape pairs (\") are taken whole.
_BARE = rb"(?:[^\s\"'\\]|\\[^\s\"])+"
_QUOTED = rb"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"

_PEM = re.compile(
    rb"(?is)(-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?|PGP (?:PRIVATE KEY BLOCK|SECRET KEY BLOCK|MESSAGE))"
    rb"-----).*?(?:(-----END \2-----)|\Z)")
_RULES: list[tuple[re.Pattern[bytes], bytes]] = [
    # "key": "value" (a JSON pair inside other text; whole JSON documents are walked string by string instead)
    (re.compile(rb'(?i)(' + _WORDS + rb'[^"\\\n]{0,200}"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)', re.S),
     rb'\1"<redacted>"'),
    (re.compile(rb"(?i)(SWMTKN-1-)[0-9a-z]+(?:-[0-9a-z]+)*"), rb"SWMTKN-1-<redacted>"),
    (re.compile(rb"(?i)(SWMKEY-1-)[A-Za-z0-9+/=]+"), rb"SWMKEY-1-<redacted>"),
    (re.compile(rb"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:" + _SCHEMES + rb"\s+)?+)" + _NOT_DONE + _BARE),
     rb"\1<redacted>"),
    (re.compile(rb"(?i)(bearer\s+)" + _NOT_DONE + rb"[A-Za-z0-9._~+/=-]+"), rb"\1<redacted>"),
    (re.compile(rb"(?i)(://[^\s:/@\"']{1,200}:)" + _NOT_DONE + rb"[^\s/@\"']{1,200}@"),
     rb"\1<redacted>@"),
    # KEY=value starting a line (env, .env files, `aws_secret_access_key = x`): the rest of the line
    (re.compile(rb"(?im)^([ \t]*(?:export[ \t]+)?[\w.-]{0,64}" + _WORDS + _KEY_END + rb"[ \t]*=[ \t]*)" + _NOT_DONE +
                rb"[^\r\n]+"), rb"\1<redacted>"),
    # KEY=value anywhere else, KEY: value, --flag value: only the value
    (re.compile(rb"(?i)(" + _WORDS + _KEY_END + rb"(?:\\\")?[ \t]*[=:][ \t]*(?:\\\")?)" + _NOT_DONE +
                rb"(?:" + _QUOTED + rb"|" + _BARE + rb")"), rb"\1<redacted>"),
    (re.compile(rb"(?i)((?<![\w-])--?[\w-]{0,64}" + _WORDS + rb"[\w-]{0,64}[ \t]+)" + _NOT_DONE +
                rb"(?!-)(?:" + _QUOTED + rb"|" + _BARE + rb")"), rb"\1<redacted>"),
]
# an AWS access key id, and the 40-character secret when printed right after it (credentials.csv, tables)
_AWS = re.compile(rb"(A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}"
                  rb"(?:([\s,;:|\"']+)[A-Za-z0-9/+=]{40})?")
# What the rules need somewhere in the data (lower-cased), and the AWS key ids' prefixes (as they are): data
# without any of these is left alone at the cost of a few substring searches.
_TRIGGERS = (b"-----begin ", b"swmtkn-1-", b"swmkey-1-", b"bearer", b"://", b"password", b"passwd", b"passphrase",
             b"secret", b"token", b"apikey", b"api_key", b"api-key", b"accesskey", b"access_key", b"access-key",
             b"privatekey", b"private_key", b"private-key", b"credential", b"auth")
_AWS_PREFIXES = (b"A3T", b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA")


_TRIGGER = re.compile(b"(?i)" + b"|".join(re.escape(t) for t in _TRIGGERS))
_AWS_TRIGGER = re.compile(b"|".join(_AWS_PREFIXES))
_SHORT = 4096  # below this one regex search is cheaper than many substring searches


def _triggered(data: bytes) -> bool:
    if len(data) < _SHORT:
        return _TRIGGER.search(data) is not None
    low = data.lower()
    return any(t in low for t in _TRIGGERS)


def _aws_triggered(data: bytes) -> bool:
    if len(data) < _SHORT:
        return _AWS_TRIGGER.search(data) is not None
    return any(p in data for p in _AWS_PREFIXES)

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_AFTER_KEY = re.compile(rb"\s*:\s*")
_SCALAR = re.compile(rb'"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*', re.S)


def _pem(m: re.Match[bytes]) -> bytes:
    return m.group(1) + REDACTED + (m.group(3) or b"")


def _aws(m: re.Match[bytes]) -> bytes:
    return m.group(1) + REDACTED + (m.group(2) + REDACTED if m.group(2) else b"")


def redact_text_bytes(data: bytes) -> bytes:
    """The rules on any bytes (text, a JSON fragment, or not UTF-8 at all)."""
    if _aws_triggered(data):
        data = _AWS.sub(_aws, data)
    if not _triggered(data):
        return data
    data = _PEM.sub(_pem, data)
    for pattern, replacement in _RULES:
        data = pattern.sub(replacement, data)
    return data


def _is_json(data: bytes) -> bool:
    """A JSON document, or JSON Lines (every non-blank line one document), as Docker's --format json prints."""
    head = data.lstrip()[:1]
    if head not in (b"{", b"["):
        return False
    try:
        json.loads(data)
        return True
    except ValueError:
        pass
    try:
        return all(json.loads(line) is not None for line in data.splitlines() if line.strip())
    except ValueError:
        return False


def _redact_json(data: bytes) -> bytes:
    """String by string: a secret-named key's value (a string or number) becomes "<redacted>"; every other
    string is redacted as text, re-encoded only when that changed it. Everything between strings is kept."""
    out = bytearray()
    pos = 0
    for m in _JSON_STRING.finditer(data):
        if m.start() < pos:  # the value of a secret key, already written
            continue
        out += data[pos:m.start()]
        token = m.group()
        pos = m.end()
        after = _AFTER_KEY.match(data, pos)
        if after and after.group().strip() == b":" and _SECRET_KEY.search(token[1:-1]):
            value = _SCALAR.match(data, after.end())
            if value:
                out += token + after.group() + b'"<redacted>"'
                pos = value.end()
                continue
        out += _redact_string(token)
    out += data[pos:]
    return bytes(out)


def _redact_string(token: bytes) -> bytes:
    if b"\\" not in token:  # nothing escaped: the bytes between the quotes are the text itself
        inner = token[1:-1]
        done = redact_text_bytes(inner)
        if done == inner:
            return token
    text: str = json.loads(token)
    raw = text.encode("utf-8", "surrogatepass")
    done = redact_text_bytes(raw)
    if done == raw:
        return token
    again = done.decode("utf-8", "surrogatepass")
    try:
        return json.dumps(again, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) in the string: keep it escaped
        return json.dumps(again).encode("ascii")


def redact_bytes(data: bytes) -> bytes:
    """`data` with every secret replaced by `<redacted>` (a JSON document stays valid JSON)."""
    if not _triggered(data) and not _aws_triggered(data):
        return data
    if _is_json(data):
        return _redact_json(data)
    return redact_text_bytes(data)


def redact(text: str) -> str:
    """`redact_bytes` for text (commands, error messages); characters that are not UTF-8 are kept as they were."""
    return redact_bytes(text.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")


def redact_value(value: object) -> object:
    """A JSON-like structure (a recording's provenance) with every string in it redacted; keys are kept, and a
    secret-named key's string value is hidden whole."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: "<redacted>" if isinstance(k, str) and isinstance(v, str) and v and
                _SECRET_KEY.search(k.encode()) else redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value
