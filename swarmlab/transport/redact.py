"""Secrets never reach a recording: swarm join tokens, swarm unlock keys, private keys, passwords."""

from __future__ import annotations

import re

_RULES = [
    (re.compile(r"SWMTKN-1-[0-9a-z]+-[0-9a-z]+"), "SWMTKN-1-<redacted>"),
    (re.compile(r"SWMKEY-1-[A-Za-z0-9+/=]+"), "SWMKEY-1-<redacted>"),
    (re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.S),
     r"-----BEGIN \1PRIVATE KEY-----<redacted>-----END \1PRIVATE KEY-----"),
    (re.compile(r"(?i)((?:--)?(?:password|passwd|secret)(?:\s*[=:]\s*|\s+))(?!<redacted>)(\S+)"), r"\1<redacted>"),
]


def redact(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
