"""`vagrant ssh-config` -> one record per machine.

Our own parser (jc has none). Real output of Vagrant 2.x for the classroom's VirtualBox machines::

    Host swarm-manager
      HostName 127.0.0.1
      User vagrant
      Port 2222
      UserKnownHostsFile /dev/null
      StrictHostKeyChecking no
      PasswordAuthentication no
      IdentityFile /home/alice/swarm/.vagrant/machines/swarm-manager/virtualbox/private_key
      IdentitiesOnly yes
      LogLevel FATAL
      PubkeyAcceptedKeyTypes +ssh-rsa
      HostKeyAlgorithms +ssh-rsa

Records: {"host": alias, "hostname": str, "user": str, "port": int, "identity_file": str | None,
"proxy_jump": str | None, "options": {other keys}}; keys are matched case-insensitively as OpenSSH does.
"""

from __future__ import annotations

import shlex
from typing import Any

from swarmlab.errors import ParseError
from swarmlab.i18n import t
from swarmlab.parsers._commands import Reads

KIND = "vagrant ssh-config"


def parse(text: str) -> list[dict[str, Any]]:
    machines: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if "=" in key and not value:
            key, _, value = key.partition("=")
        value = value.strip().lstrip("=").strip()
        if not value:
            raise ParseError(KIND, t("{key} has no value", key=repr(key)), line_no=no, line=raw)
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise ParseError(KIND, t("bad quoting ({error})", error=str(exc)), line_no=no, line=raw) from None
        value = " ".join(words) if words else value
        lkey = key.lower()
        if lkey == "host":
            current = {"host": value, "hostname": value, "user": None, "port": 22, "identity_file": None,
                       "proxy_jump": None, "options": {}}
            machines.append(current)
            continue
        if current is None:
            raise ParseError(KIND, t("setting before any 'Host' line"), line_no=no, line=raw)
        if lkey == "hostname":
            current["hostname"] = value
        elif lkey == "user":
            current["user"] = value
        elif lkey == "port":
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise ParseError(KIND, t("port {value} is not a TCP port", value=repr(value)), line_no=no, line=raw)
            current["port"] = int(value)
        elif lkey == "identityfile":
            current["identity_file"] = current["identity_file"] or value
        elif lkey == "proxyjump":
            current["proxy_jump"] = value
        else:
            current["options"][key] = value
    if not machines:
        raise ParseError(KIND, t("no 'Host' entry found (is the Vagrant environment up? try `vagrant status`)"))
    return machines

READS = [Reads(parse, None, "vagrant_ssh_config", (("vagrant", "ssh-config"),),
               examples=("vagrant ssh-config",))]
