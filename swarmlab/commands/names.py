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
from swarmlab.i18n import N_, Msg, t

_RULES: dict[str, tuple[re.Pattern[str], int, str]] = {
    "service": (re.compile(r"[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*"), 63,
                N_("letters and digits, '-' or '_' only between them (a DNS name component)")),
    "network": (re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"), 128,
                N_("letters, digits, '_', '.' and '-', starting with a letter or digit")),
    "container": (re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"), 255,
                  N_("letters, digits, '_', '.' and '-', starting with a letter or digit")),
    "namespace": (re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_.-]*"), 64,
                  N_("letters, digits, '_', '.' and '-' (a file name under /var/run/docker/netns, never a path)")),
    "node": (re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?"), 253,
             N_("letters, digits, '.' and '-' (a host name)")),
    "id": (re.compile(r"[a-z0-9]+"), 64, N_("lowercase letters and digits")),
    "chain": (re.compile(r"[A-Za-z0-9_-]+"), 28, N_("letters, digits, '_' and '-' (an iptables chain)")),
    "capture": (re.compile(r"[a-z0-9][a-z0-9-]*"), 64, N_("lowercase letters, digits and '-' (a capture's file name)")),
    # a class's roster: a login name on the class host (useradd's portable set, lowercase) and in the hub's URLs
    "user": (re.compile(r"[a-z][a-z0-9-]*"), 32,
             N_("lowercase letters, digits and '-', starting with a letter (a login name)")),
    "class": (re.compile(r"[a-z0-9][a-z0-9-]*"), 40, N_("lowercase letters, digits and '-' (a class's folder name)")),
    "image": (re.compile(r"[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"), 255,
              N_("a lowercase repository path with an optional :tag")),
}

# what a name of each kind is called in a message ("the node name is empty"), translated where it is shown
_WHAT = {"service": N_("service name"), "network": N_("network name"), "container": N_("container name"),
         "namespace": N_("namespace name"), "node": N_("node name"), "id": N_("id name"), "chain": N_("chain name"),
         "capture": N_("capture name"), "user": N_("user name"), "class": N_("class name"), "image": N_("image name")}

KINDS = tuple(_RULES)


def validate(name: str, kind: str) -> str:
    """Return `name` unchanged if Docker accepts it as a `kind`; raise `InvalidName` saying why otherwise."""
    try:
        pattern, max_len, rule = _RULES[kind]
    except KeyError:
        raise ValueError(f"unknown name kind {kind!r}; one of {', '.join(KINDS)}") from None
    what = Msg(_WHAT[kind])
    if not isinstance(name, str) or not name:
        raise InvalidName(t("the {what} is empty", what=what))
    if len(name) > max_len:
        raise InvalidName(t("{what} {name}... is {n} characters long; at most {most}", what=what,
                            name=repr(name[:40]), n=len(name), most=max_len))
    if not pattern.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[A-Za-z0-9_.:/-]", c)})
        if bad:
            raise InvalidName(t("{name} is not a valid {what} (refused characters: {chars}): use {rule}",
                                name=repr(name), what=what, chars=" ".join(repr(c) for c in bad), rule=Msg(rule)))
        raise InvalidName(t("{name} is not a valid {what}: use {rule}", name=repr(name), what=what, rule=Msg(rule)))
    return name


def quoted(name: str, kind: str) -> str:
    """Validate, then shell-quote: the form every command builder puts into a command line."""
    return shlex.quote(validate(name, kind))
