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
* tokens whose prefix names them (`ghp_`, `github_pat_`, `glpat-`, `xoxb-`, `sk-`, `hf_`, `AIza`), wherever they
  stand: the prefix is kept;
* AWS access key ids (`AKIA...`) and the secret printed beside one, `Authorization:` headers and bearer tokens,
  passwords inside URLs (`scheme://user:PASSWORD@host`).

Output that is a JSON document (or JSON Lines) is redacted string by string: a secret-named field's value is
replaced whole, every other string is redacted as text and re-encoded only if that changed it, so the document
keeps its structure and every byte that held no secret.
"""

from __future__ import annotations

import bisect
import json
import re

REDACTED = b"<redacted>"

# Words that make a field's value a secret (`auth` as a word of its own: Docker's config.json, DB_AUTH=; not
# `author`, nor `authorization`: its scheme word is kept, see the Authorization rule).
_WORDS = (rb"(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?"
          rb"|auth(?![a-z]))")
# Rules start AT a word of theirs (not before it: what precedes a key is kept as it is anyway), so a scan costs a
# few steps per byte; spans are bounded ({0,64}) so no long run of letters is scanned twice.
_KEY_END = rb"[\w.-]{0,64}"
_SECRET_KEY = re.compile(rb"(?i)" + _WORDS + rb"|authorization")  # JSON keys (in text: the Authorization rule)
_SCHEMES = rb"(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256)"
# not again: a value redacted by an earlier run (redacting twice changes nothing)
_NOT_DONE = rb"(?![ \t]*\\?[\"']?(?:swm(?:tkn|key)-1-|" + _SCHEMES + rb"\s+)?<redacted>)"
# A value without quotes: up to whitespace or a quote (so a JSON string or a shell word around it stays whole);
# escape pairs (\") are taken whole.
_BARE = rb"(?:[^\s\"'\\]|\\[^\s\"])+"
_QUOTED = rb"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"

_NOT_TOKEN = rb"(?![ \t]*\\?[\"']?swm(?:tkn|key)-1-)"  # a join token as a value: its own rule hides it
# Each rule marks the secret's bytes as group `v` (and `w`, a second secret); all rules look at the same original
# data and every marked span is hidden, so no rule can spoil another's context. Group `n`: a JSON number, hidden
# as the JSON string "<redacted>". The rules read the data LOWER-CASED (same length, same offsets; a
# case-sensitive scan is ~5x faster than re.I), so they are written in lower case.
_RULES: list[re.Pattern[bytes]] = [re.compile(rule, flags) for rule, flags in [
    # private key blocks, also cut short before their END line (then everything after BEGIN)
    (rb"-----begin ((?:[a-z0-9]+ )*private key(?: block)?|pgp (?:private key block|secret key block|message))"
     rb"-----(?P<v>.*?)(?:-----end \1-----|\Z)", re.S),
    # "key": "value" (a JSON pair inside other text; whole JSON documents are walked string by string instead)
    (_WORDS + rb'[^"\\\n]{0,200}"\s*:\s*(?:"(?P<v>(?:[^"\\]|\\.)*)"|(?P<n>-?\d[\d.e+-]*))', re.S),
    (rb"swmtkn-1-(?P<v>[0-9a-z]+(?:-[0-9a-z]+)*)", 0),
    (rb"swmkey-1-(?P<v>[a-z0-9+/=-]+)", 0),
    # tokens whose prefix says what they are, wherever they stand (a URL's user, a bare line): GitHub, GitLab,
    # Slack, OpenAI/Anthropic-style sk-, Hugging Face, Google API keys; the prefix is kept, as SWMTKN-1-'s
    (rb"(?<![a-z0-9_-])(?:gh[pousr]_|github_pat_|glpat-|xox[abposr]-|sk-(?:proj-|ant-[a-z0-9]{1,8}-)?|hf_|aiza)"
     rb"(?P<v>[a-z0-9_-]{20,255})", 0),
    (rb"authorization[\"']?\s*[:=]\s*[\"']?(?:" + _SCHEMES + rb"\s+)?+" + _NOT_DONE + rb"(?P<v>" + _BARE + rb")", 0),
    (rb"bearer\s+" + _NOT_DONE + rb"(?P<v>[a-z0-9._~+/=-]+)", 0),
    (rb"://[^\s:/@\"']{1,200}:" + _NOT_DONE + rb"(?P<v>[^\s/@\"']{1,200})@", 0),
    # KEY=value starting a line (env, .env files, `aws_secret_access_key = x`): the rest of the line
    (rb"^[ \t]*(?:export[ \t]+)?[\w.-]{0,64}" + _WORDS + _KEY_END + rb"[ \t]*=[ \t]*" + _NOT_DONE + _NOT_TOKEN +
     rb"(?P<v>[^\r\n]+)", re.M),
    # KEY=value anywhere else, KEY: value, --flag value: only the value
    (_WORDS + _KEY_END + rb"(?:\\\")?[ \t]*[=:][ \t]*(?:\\\")?" + _NOT_DONE + _NOT_TOKEN +
     rb"(?P<v>" + _QUOTED + rb"|" + _BARE + rb")", 0),
    (rb"(?<![\w-])--?[\w-]{0,64}" + _WORDS + rb"[\w-]{0,64}[ \t]+" + _NOT_DONE + _NOT_TOKEN +
     rb"(?!-)(?P<v>" + _QUOTED + rb"|" + _BARE + rb")", 0),
]]
# an AWS access key id, and the 40-character secret when printed right after it (credentials.csv, tables): read
# as printed (upper case is what makes a key id)
_AWS = re.compile(rb"(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)(?P<v>[A-Z0-9]{16})"
                  rb"(?:[\s,;:|\"']+(?P<w>[A-Za-z0-9/+=]{40}))?")
# What the rules need somewhere in the data (lower-cased), and the AWS key ids' prefixes (as they are): data
# without any of these is left alone at the cost of a few substring searches.
_TRIGGERS = (b"-----begin ", b"swmtkn-1-", b"swmkey-1-", b"bearer", b"://", b"password", b"passwd", b"passphrase",
             b"secret", b"token", b"apikey", b"api_key", b"api-key", b"accesskey", b"access_key", b"access-key",
             b"privatekey", b"private_key", b"private-key", b"credential", b"auth", b"ghp_", b"gho_", b"ghu_",
             b"ghs_", b"ghr_", b"github_pat_", b"glpat-", b"xox", b"sk-", b"hf_", b"aiza")
_AWS_PREFIXES = (b"A3T", b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA")


_TRIGGER = re.compile(b"(?i)" + b"|".join(re.escape(t) for t in _TRIGGERS))
_TRIGGER_LOW = re.compile(b"|".join(re.escape(t) for t in _TRIGGERS))  # on lower-cased data
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


def redact_text_bytes(data: bytes) -> bytes:
    """The rules on any bytes (text, a JSON fragment, or not UTF-8 at all)."""
    if not _triggered(data) and not _aws_triggered(data):
        return data
    spans: list[tuple[int, int, bytes]] = []
    low = data.lower()
    for pattern, text in [(rule, low) for rule in _RULES] + [(_AWS, data)]:
        for m in pattern.finditer(text):
            for group, hidden in (("v", REDACTED), ("w", REDACTED), ("n", b'"<redacted>"')):
                if group in pattern.groupindex and m.end(group) > m.start(group) >= 0:
                    spans.append((m.start(group), m.end(group), hidden))
    if not spans:
        return data
    out = bytearray()
    pos = 0
    spans.sort()
    i = 0
    while i < len(spans):
        start, end, hidden = spans[i]
        i += 1
        while i < len(spans) and spans[i][0] <= end:  # overlapping or touching: one span
            end = max(end, spans[i][1])
            hidden = REDACTED
            i += 1
        out += data[pos:start] + hidden
        pos = end
    out += data[pos:]
    return bytes(out)


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
    string is redacted as text, re-encoded only when that changed it. Everything between strings is kept. Only
    strings holding a trigger (or an escape, which could hide one) are looked at closely."""
    low = data.lower()
    hits = sorted(m.start() for m in _TRIGGER_LOW.finditer(low))
    hits += [m.start() for m in _AWS_TRIGGER.finditer(data)]
    hits.sort()
    out = bytearray()
    pos = 0
    for m in _JSON_STRING.finditer(data):
        if m.start() < pos:  # the value of a secret key, already written
            continue
        token = m.group()
        at = bisect.bisect_left(hits, m.start())
        if b"\\" not in token and not (at < len(hits) and hits[at] < m.end()):
            continue  # nothing in it: kept as it is (copied with what follows)
        out += data[pos:m.start()]
        pos = m.end()
        after = _AFTER_KEY.match(data, pos)
        key = token[1:-1] if b"\\" not in token else json.loads(token).encode("utf-8", "surrogatepass")
        if after and after.group().strip() == b":" and _SECRET_KEY.search(key):
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
