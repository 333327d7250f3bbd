"""Which parser reads which command's output: `parse_output(command, text)`.

The command is first stripped of what only carries it somewhere (`sudo`, `nsenter --net=...`, `ip netns exec
NS`, `docker [-H ...] exec [-it] CONTAINER`, `timeout N`, `sh -c '...'`, docker's global `-H`), then matched.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmlab.errors import ParseError
from swarmlab.parsers import (
    _json,
    container_ls,
    docker_cli,
    ip_addr,
    iptables,
    ipvs_connections,
    ipvsadm,
    keyvalue,
    netns_ls,
    network_inspect,
    network_ls,
    node_ls,
    nslookup,
    ping,
    service_inspect,
    service_ls,
    service_ps,
    system,
    vagrant_ssh_config,
    whoami,
)

if TYPE_CHECKING:
    import pandas as pd

_NSENTER_ARG = {"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-w", "--wd", "-r", "--root"}
_EXEC_ARG = {"-u", "--user", "-e", "--env", "-w", "--workdir", "--env-file"}
_DOCKER_GLOBAL_ARG = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"}


def _json_any(text: str) -> Any:
    return _json.load(text, "docker --format json")[0]


def _iptables(command: str) -> Callable[[str], Any]:
    m = re.search(r"-t\s*(\w+)", command)
    table = m.group(1) if m else ("filter" if "save" not in command else None)
    return lambda text: iptables.parse(text, table)


# kind -> (parser, frame or None)
PARSERS: dict[str, tuple[Callable[[str], Any], Callable[[Any], pd.DataFrame] | None]] = {
    "network_ls": (network_ls.parse, network_ls.frame),
    "service_ls": (service_ls.parse, service_ls.frame),
    "service_ps": (service_ps.parse, service_ps.frame),
    "node_ls": (node_ls.parse, node_ls.frame),
    "container_ls": (container_ls.parse, container_ls.frame),
    "service_inspect": (service_inspect.parse, service_inspect.vips_frame),
    "network_inspect": (network_inspect.parse, network_inspect.endpoints_frame),
    "netns_ls": (netns_ls.parse, netns_ls.frame),
    "ip_addr": (ip_addr.parse, ip_addr.frame),
    "iptables": (iptables.parse, iptables.rules_frame),
    "ipvsadm": (ipvsadm.parse, ipvsadm.frame),
    "ipvsadm_per_namespace": (ipvsadm.parse_per_namespace, None),
    "ipvsadm_connections": (ipvs_connections.parse, ipvs_connections.frame),
    "whoami": (whoami.parse, whoami.frame),
    "whoami_counts": (whoami.parse_counts, None),
    "ping": (ping.parse, ping.frame),
    "nslookup": (nslookup.parse, nslookup.frame),
    "vagrant_ssh_config": (vagrant_ssh_config.parse, None),
    "service_change": (docker_cli.parse_service_change, None),
    "swarm_init": (docker_cli.parse_swarm_init, None),
    "swarm_join": (docker_cli.parse_swarm_join, None),
    "docker_import": (docker_cli.parse_import, None),
    "docker_info": (lambda t: keyvalue.parse_report(t, "docker info"), None),
    "docker_version": (lambda t: keyvalue.parse_report(t, "docker version"), None),
    "json": (_json_any, None),
    "text": (lambda t: t.splitlines(), None),
    "nft": (system.parse_nft, None),
    "loadavg": (system.parse_loadavg, None),
    "df": (system.parse_df, None),
}

_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), k) for p, k in [
    (r"^for .*\bipvsadm\b", "ipvsadm_per_namespace"),
    (r"\bipvsadm\s+-(?:Lnc|Lcn|cLn|nLc)\b", "ipvsadm_connections"),
    (r"\bipvsadm\b", "ipvsadm"),
    (r"\biptables(?:-legacy|-nft)?(?:-save\b|\b.*\s-\w*L)", "iptables"),
    (r"\bnft list ruleset\b", "nft"),
    (r"^docker service inspect\b.*\.Endpoint", "service_inspect"),
    (r"^docker (?:\w+ )?inspect\b.*(?:\s-f\s|--format)", "json"),
    (r"^docker network inspect\b", "network_inspect"),
    (r"^docker service inspect\b", "service_inspect"),
    (r"^docker network ls\b", "network_ls"),
    (r"^docker service ls\b", "service_ls"),
    (r"^docker (?:service ps|stack ps|service tasks)\b", "service_ps"),
    (r"^docker node ls\b", "node_ls"),
    (r"^docker (?:container ls|container ps|ps)\b", "container_ls"),
    (r"^docker service (?:create|update|scale)\b", "service_change"),
    (r"^docker swarm init\b", "swarm_init"),
    (r"^docker swarm join\b", "swarm_join"),
    (r"\bdocker\b(?: -\S+ \S+)* (?:image )?import\b", "docker_import"),
    (r"^docker (?:info|version)\b.*(?:\s-f\s|--format)", "text"),
    (r"^docker info\b", "docker_info"),
    (r"^docker version\b", "docker_version"),
    (r"\bls\b.*\bnetns\b|^ip netns(?: list| ls)?$", "netns_ls"),
    (r"^ip (?:-\S+ )*(?:a|ad|addr|address)(?: |$)", "ip_addr"),
    (r"\bping\b", "ping"),
    (r"\bnslookup\b", "nslookup"),
    (r"\b(?:curl|wget)\b.*\buniq -c\b", "whoami_counts"),
    (r"\b(?:curl|wget)\b", "whoami"),
    (r"^vagrant ssh-config\b", "vagrant_ssh_config"),
    (r"\bcat /proc/loadavg\b", "loadavg"),
    (r"^df\b", "df"),
]]


def core_command(command: str) -> str:
    """'sudo nsenter --net=/var/run/docker/netns/lb_x sh -c "ipvsadm -Ln"' -> 'ipvsadm -Ln'."""
    command = command.strip()
    if command.startswith("for ") or ("|" in command.split("'")[0] and not command.startswith("docker")):
        return command
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    changed = True
    while words and changed:
        changed = False
        head = words[0]
        if head in ("sudo", "env"):
            words = words[1:]
            while words and (words[0].startswith("-") or (head == "env" and "=" in words[0])):
                words = words[1:]
            changed = True
        elif head == "nsenter":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in _NSENTER_ARG else words[1:]
            changed = True
        elif head == "timeout":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-s", "--signal", "-k", "--kill-after") else words[1:]
            words = words[1:]
            changed = True
        elif words[:3] == ["ip", "netns", "exec"] and len(words) > 3:
            words = words[4:]
            changed = True
        elif head in ("sh", "bash", "ash") and len(words) >= 3 and words[1] == "-c":
            return core_command(words[2])
        elif head == "docker":
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in _DOCKER_GLOBAL_ARG else rest[1:]
            if rest[:1] == ["exec"] or rest[:2] == ["container", "exec"]:
                rest = rest[1:] if rest[0] == "exec" else rest[2:]
                while rest and rest[0].startswith("-"):
                    rest = rest[2:] if rest[0] in _EXEC_ARG else rest[1:]
                words = rest[1:]  # drop the container
                changed = True
            elif rest != words[1:]:
                words = ["docker", *rest]
                changed = True
    return shlex.join(words) if words else command


def kind_of(command: str) -> str | None:
    if re.search(r"\b(?:curl|wget)\b", command) and re.search(r"\buniq -c\b", command):
        return "whoami_counts"  # the pipeline may sit outside the `docker exec ... sh -c '...'` that runs the loop
    core = core_command(command)
    for text in (core, command):
        for pattern, kind in _RULES:
            if pattern.search(text):
                return kind
    return None


@dataclass
class Parsed:
    kind: str
    command: str
    value: Any

    @property
    def frame(self) -> pd.DataFrame | None:
        maker = PARSERS[self.kind][1]
        return None if maker is None else maker(self.value)


def parse_output(command: str, text: str, kind: str | None = None) -> Parsed:
    """Parse `text`, the output of `command`; `kind` overrides the choice of parser."""
    kind = kind or kind_of(command)
    if kind is None:
        raise ParseError(command[:60], "no parser for this command")
    parser = PARSERS[kind][0]
    if kind == "iptables":
        parser = _iptables(core_command(command))
    return Parsed(kind, command, parser(text))
