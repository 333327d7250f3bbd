"""whoami HTTP answers (containous/traefik whoami, and swarmlab's own responder), one or many -> one record each.

Our own parser. Real output from the seed chapter (`curl web` from the client)::

    Hostname: 6039865a1e5d
    IP: 127.0.0.1
    IP: 10.0.1.32
    IP: 172.18.0.3
    RemoteAddr: 10.0.1.37:40972
    GET / HTTP/1.1
    Host: web
    User-Agent: curl/7.69.1
    Accept: */*

Many answers concatenated (a loop of wget/curl) are split at each `Hostname:` line. A loop may also print
`swarmlab-request N` before each request (its sequence number) and `FAIL` for a request that got no answer.
A body that is not a whoami answer (another web server's page) is kept as `body` with no hostname.
`parse_counts()` reads the `sort | uniq -c` summary of many answers (`      5 Hostname: 0653261dac56`).
`frame()` columns: seq (Int64), ok (boolean), hostname (string), ips (object: list of str), task_ip (string: the
first IP that is not loopback nor on docker_gwbridge 172.16/12), remote_addr (string), remote_port (Int64), method,
path, protocol, host, user_agent (string), body (string).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from swarmlab.errors import ParseError
from swarmlab.parsers._commands import Reads
from swarmlab.parsers._text import clean_lines, records_frame

if TYPE_CHECKING:
    import pandas as pd

KIND = "whoami"
_SEQ = re.compile(r"swarmlab-request (\d+)")
_REQUEST = re.compile(r"([A-Z]+) (\S+) (HTTP/\d(?:\.\d)?)")
_COUNT = re.compile(r"\s*(\d+) (.*)")
DTYPES = {"seq": "Int64", "ok": "boolean", "hostname": "string", "ips": "object", "task_ip": "string",
          "remote_addr": "string", "remote_port": "Int64", "method": "string", "path": "string",
          "protocol": "string", "host": "string", "user_agent": "string", "body": "string"}
_GWBRIDGE = ipaddress.ip_network("172.16.0.0/12")


@dataclass
class Answer:
    seq: int | None = None
    ok: bool = True
    hostname: str | None = None
    ips: list[str] = field(default_factory=list)
    remote_addr: str | None = None
    remote_port: int | None = None
    method: str | None = None
    path: str | None = None
    protocol: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    @property
    def task_ip(self) -> str | None:
        """The address the task has on the overlay: not loopback, not IPv6, not docker_gwbridge (172.16/12)."""
        for ip in self.ips:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                continue
            if addr.version == 4 and not addr.is_loopback and addr not in _GWBRIDGE:
                return ip
        return None


def parse(text: str) -> list[Answer]:
    answers: list[Answer] = []
    current: Answer | None = None
    seq: int | None = None
    in_headers = False
    for no, line in enumerate(clean_lines(text), 1):
        stripped = line.strip()
        if not stripped:
            in_headers = False
            continue
        m = _SEQ.fullmatch(stripped)
        if m:
            seq, current = int(m.group(1)), None
            continue
        if stripped == "FAIL":
            answers.append(Answer(seq=seq, ok=False))
            current, seq = None, None
            continue
        key, sep, value = stripped.partition(": ")
        if not sep and stripped.endswith(":"):
            key, sep, value = stripped[:-1], ":", ""
        if key == "Hostname" and sep:
            current = Answer(seq=seq, hostname=value.strip())
            answers.append(current)
            seq, in_headers = None, False
            continue
        if current is None:  # not a whoami answer: keep the body
            current = Answer(seq=seq, body=stripped)
            answers.append(current)
            seq = None
            continue
        if current.hostname is None:
            current.body = f"{current.body}\n{stripped}"
            continue
        if key == "IP" and sep:
            current.ips.append(value.strip())
        elif key == "RemoteAddr" and sep:
            host, _, port = value.strip().rpartition(":")
            if not port.isdigit():
                raise ParseError(KIND, "RemoteAddr without a port", line_no=no, line=line)
            host = host.strip("[]")
            # a dual-stack listener reports IPv4 clients v4-mapped (::ffff:10.0.1.9): that is 10.0.1.9
            current.remote_addr = host[7:] if host.lower().startswith("::ffff:") and "." in host else host
            current.remote_port = int(port)
        elif _REQUEST.fullmatch(stripped):
            current.method, current.path, current.protocol = _REQUEST.fullmatch(stripped).groups()  # type: ignore[union-attr]
            in_headers = True
        elif sep and (in_headers or current.method is None):
            current.headers[key] = value
        else:
            raise ParseError(KIND, "unexpected line in a whoami answer", line_no=no, line=line)
    return answers


def parse_counts(text: str) -> dict[str, int]:
    """`... | sort | uniq -c` of whoami answers -> {hostname: count} (other lines, e.g. FAIL, by their text)."""
    counts: dict[str, int] = {}
    for no, line in enumerate(clean_lines(text), 1):
        if not line.strip():
            continue
        m = _COUNT.fullmatch(line)
        if not m:
            if line != line.lstrip():
                raise ParseError("uniq -c", "expected '<count> <line>'", line_no=no, line=line)
            # a line the loop's shell printed to stderr around the pipe (busybox `timeout` prints
            # `Terminated` when it kills a request): counted as itself
            counts[line.strip()] = counts.get(line.strip(), 0) + 1
            continue
        what = m.group(2).strip()
        key = what.split(": ", 1)[1] if what.startswith("Hostname: ") else what
        counts[key] = counts.get(key, 0) + int(m.group(1))
    return counts


def frame(text_or_answers: str | list[Answer]) -> pd.DataFrame:
    answers = parse(text_or_answers) if isinstance(text_or_answers, str) else text_or_answers
    return records_frame([{"seq": a.seq, "ok": a.ok, "hostname": a.hostname, "ips": a.ips, "task_ip": a.task_ip,
                           "remote_addr": a.remote_addr, "remote_port": a.remote_port, "method": a.method,
                           "path": a.path, "protocol": a.protocol, "host": a.headers.get("Host"),
                           "user_agent": a.headers.get("User-Agent"), "body": a.body} for a in answers], DTYPES)

READS = [Reads(parse, frame, "whoami", (("curl",), ("wget",)),
               examples=("curl web",
                         "docker exec c sh -c 'for i in $(seq 20); do timeout 5 wget -qO- http://web/; done'")),
         Reads(parse_counts, None, "whoami_counts", (("uniq",),), when=(r"\b(?:curl|wget)\b", r"\s-c\b"),
               examples=("wget -qO- http://web/ | sort | uniq -c",))]
