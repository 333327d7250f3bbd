"""Capture real ping outputs (iputils, busybox, GNU inetutils) into tests/fixtures/local-ping-debian12/.

Run as root:  .venv/bin/python -m tests.fixture_capture_ping /path/to/extracted/debs
The three pings are Debian 12's packages (iputils-ping 3:20221126-1+deb12u1, busybox 1:1.35.0-4+deb12u1+b1,
inetutils-ping 2:2.4-2+deb12u3), fetched with `apt-get download` and unpacked with `dpkg -x` (not installed:
iputils and inetutils both own /bin/ping). Every ping runs inside a network namespace this script creates and
deletes: loopback (127.0.0.1, ::1), a veth pair on TEST-NET-1 to a peer namespace at 192.0.2.9 that ignores echo
requests (sysctl icmp_echo_ignore_all: -O reports `no answer yet`), and a veth pair on TEST-NET-2
(198.51.100.1/24) whose peer end has no address (ARP is never answered: `Destination Host Unreachable`). No
packet leaves this machine (the machine's kernel is gVisor's netstack: what it answers is what these show).
Each file is `### <command>`, the output (stdout and stderr, as a terminal shows them), `### rc=<n>`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "fixtures" / "local-ping-debian12"
NS, PEER = "swl-pcap", "swl-pcap-peer"
SETUP = [
    f"ip netns add {NS}", f"ip netns add {PEER}",
    f"ip -n {NS} link set lo up", f"ip -n {PEER} link set lo up",
    # 192.0.2.9 answers ARP but ignores echo requests: silent loss
    f"ip -n {NS} link add v0 type veth peer name v1 netns {PEER}",
    f"ip -n {NS} addr add 192.0.2.1/24 dev v0", f"ip -n {NS} link set v0 up",
    f"ip -n {PEER} addr add 192.0.2.9/24 dev v1", f"ip -n {PEER} link set v1 up",
    f"ip netns exec {PEER} sysctl -qw net.ipv4.icmp_echo_ignore_all=1",
    f"ip netns exec {PEER} sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1",
    # 198.51.100.9 is nobody: ARP is never answered
    f"ip -n {NS} link add v2 type veth peer name v3 netns {PEER}",
    f"ip -n {NS} addr add 198.51.100.1/24 dev v2", f"ip -n {NS} link set v2 up", f"ip -n {PEER} link set v3 up",
]
TEARDOWN = [f"ip netns del {NS}", f"ip netns del {PEER}"]

# file name -> (program: iputils | busybox | inetutils, arguments as the fixture shows them)
CAPTURES = {
    "iputils-O-D-p.txt": ("iputils", "ping -c 3 -i 0.2 -O -D -p abcd 127.0.0.1"),
    "iputils-name.txt": ("iputils", "ping -c 2 -i 0.2 localhost"),
    "iputils-s-I.txt": ("iputils", "ping -c 2 -i 0.2 -s 1400 -I lo 127.0.0.1"),
    "iputils-ping6.txt": ("iputils", "ping6 -c 2 -i 0.2 ::1"),
    "iputils-6-name.txt": ("iputils", "ping -6 -c 2 -i 0.2 localhost"),
    "iputils-O-no-answer.txt": ("iputils", "ping -c 4 -i 0.5 -O -W 1 192.0.2.9"),
    "iputils-unreachable.txt": ("iputils", "ping -c 4 -i 0.5 198.51.100.9"),
    "iputils-broadcast.txt": ("iputils", "ping -c 2 -i 0.5 -W 1 -b 192.0.2.255"),
    "iputils-w-deadline.txt": ("iputils", "ping -w 2 -O 192.0.2.9"),
    "busybox-ip.txt": ("busybox", "busybox ping -c 2 127.0.0.1"),
    "busybox-ping6.txt": ("busybox", "busybox ping6 -c 2 ::1"),
    "busybox-loss.txt": ("busybox", "busybox ping -c 3 -W 1 192.0.2.9"),
    "busybox-s.txt": ("busybox", "busybox ping -c 2 -s 1400 localhost"),
    "inetutils-ip.txt": ("inetutils", "ping -c 2 127.0.0.1"),
    "inetutils-unreachable.txt": ("inetutils", "ping -c 3 198.51.100.9"),
    "inetutils-unreachable-v.txt": ("inetutils", "ping -v -c 2 198.51.100.9"),
}


def binary(root: Path, program: str, args: str) -> list[str]:
    words = args.split()
    if program == "busybox":
        return [str(root / "busybox" / "bin" / "busybox"), *words[1:]]
    folder = "iputils-ping" if program == "iputils" else "inetutils-ping"
    name = "ping6" if words[0] == "ping6" else "ping"
    return [str(root / folder / "bin" / name), *words[1:]]


def main(root: Path) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        for step in SETUP:
            subprocess.run(step.split(), check=True)
        for name, (program, args) in CAPTURES.items():
            argv = binary(root, program, args)
            # argv[0] as a shell would pass it (`ping`, `ping6`): iputils names itself by it in messages
            r = subprocess.run(["ip", "netns", "exec", NS, "timeout", "20", "python3", "-c",
                                "import os, sys; os.execv(sys.argv[1], sys.argv[2:])", argv[0],
                                args.split()[0] if program != "busybox" else "busybox", *argv[1:]],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            (OUT / name).write_text(f"### {args}\n{r.stdout}### rc={r.returncode}\n")
            print(name, r.returncode)
    finally:
        for step in TEARDOWN:
            subprocess.run(step.split(), check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
