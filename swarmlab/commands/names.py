"""Names that reach a remote shell: validated against Docker's own rules, then quoted.

Rules, from the Docker sources:
* service, and swarm-scoped (overlay) network: swarmkit `controlapi` `isValidDNSName`
  `^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`, at most 63 characters (`validateAnnotations`);
* container (task containers are `web.1.<task id>`) and local network: moby `RestrictedNamePattern`
  `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$` (one character is allowed here, docker allows it for networks);
* network namespace file under /var/run/docker/netns (`lb_<9>`, `1-<10>`, `ingress_sbox`, 12 hex, `default`):
  letters, digits, `_ . -`, not starting with a dot, at most 64 characters: never a path;
* node (host) name: letters, digits, `.` and `-`;
* object id (service, task, network, container): lowercase letters and digits;
* a class's user (`swarmlab class`): a login name, lowercase letters, digits and `-`, starting with a letter, at
  most 32 characters (useradd's portable names; also safe in the hub's URLs).

A name like `web; rm -rf /` is refused with `InvalidName` before anything runs.
"""

from __future__ import annotations

import re
import shlex

from swarmlab.errors import InvalidName

_RULES: dict[str, tuple[re.Pattern[str], int, str]] = {
    "service": (re.compile(r"[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*"), 63,
                "letters and digits, '-' or '_' only between them (a DNS name component)"),
    "network": (re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"), 128,
                "letters, digits, '_', '.' and '-', starting with a letter or digit"),
    "container": (re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"), 255,
                  "letters, digits, '_', '.' and '-', starting with a letter or digit"),
    "namespace": (re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_.-]*"), 64,
                  "letters, digits, '_', '.' and '-' (a file name under /var/run/docker/netns, never a path)"),
    "node": (re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?"), 253,
             "letters, digits, '.' and '-' (a host name)"),
    "id": (re.compile(r"[a-z0-9]+"), 64, "lowercase letters and digits"),
    "chain": (re.compile(r"[A-Za-z0-9_-]+"), 28, "letters, digits, '_' and '-' (an iptables chain)"),
    "capture": (re.compile(r"[a-z0-9][a-z0-9-]*"), 64, "lowercase letters, digits and '-' (a capture's file name)"),
    # a class's roster: a login name on the class host (useradd's portable set, lowercase) and in the hub's URLs
    "user": (re.compile(r"[a-z][a-z0-9-]*"), 32, "lowercase letters, digits and '-', starting with a letter (a login "
             "name)"),
    "class": (re.compile(r"[a-z0-9][a-z0-9-]*"), 40, "lowercase letters, digits and '-' (a class's folder name)"),
    "image": (re.compile(r"[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"), 255,
              "a lowercase repository path with an optional :tag"),
}

KINDS = tuple(_RULES)


def validate(name: str, kind: str) -> str:
    """Return `name` unchanged if Docker accepts it as a `kind`; raise `InvalidName` saying why otherwise."""
    try:
        pattern, max_len, rule = _RULES[kind]
    except KeyError:
        raise ValueError(f"unknown name kind {kind!r}; one of {', '.join(KINDS)}") from None
    if not isinstance(name, str) or not name:
        raise InvalidName(f"the {kind} name is empty")
    if len(name) > max_len:
        raise InvalidName(f"{kind} name {name[:40]!r}... is {len(name)} characters long; at most {max_len}")
    if not pattern.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[A-Za-z0-9_.:/-]", c)})
        detail = f" (refused characters: {' '.join(repr(c) for c in bad)})" if bad else ""
        raise InvalidName(f"{name!r} is not a valid {kind} name{detail}: use {rule}")
    return name


def quoted(name: str, kind: str) -> str:
    """Validate, then shell-quote: the form every command builder puts into a command line."""
    return shlex.quote(validate(name, kind))
