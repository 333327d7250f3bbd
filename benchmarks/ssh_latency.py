"""Per-command latency of the ways swarmlab could reach a node, side by side, against a real local sshd.

Run:  ./run bench ssh_latency   (as root: it starts Debian's sshd on loopback)
Writes benchmarks/results/ssh_latency.json and prints a table. Command measured: `true` (a small command), plus
`echo` of 100 kB for the two kept-connection paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import paramiko

from benchmarks import header, measure, write_report
from swarmlab.testing.sshd import LocalSSHD
from swarmlab.transport import Node, SSHTransport


def main() -> int:
    os.environ.setdefault("SWARMLAB_HOME", tempfile.mkdtemp(prefix="swarmlab-bench-"))
    results: dict[str, dict[str, float]] = {}
    with LocalSSHD() as sshd:
        node = Node("bench", sshd.host, sshd.port, "root", str(sshd.client_key))
        ssh_base = ["ssh", "-i", str(sshd.client_key), "-p", str(sshd.port), "-o", "BatchMode=yes",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
        control = Path(tempfile.mkdtemp(prefix="swarmlab-cm-")) / "cm"
        ssh_cm = [*ssh_base, "-o", "ControlMaster=auto", "-o", f"ControlPath={control}", "-o", "ControlPersist=120"]
        with SSHTransport([node]) as t:
            results["fast path (one long-lived shell)"] = measure(lambda: t.run("bench", "true"), 500)
        with SSHTransport([node], shell="sh") as t:  # the fallback for nodes without bash 4+
            results["fast path, sh + setsid"] = measure(lambda: t.run("bench", "true"), 300)
        with SSHTransport([node]) as t:
            results["kept connection, channel per command"] = measure(
                lambda: t.run_channel("bench", "true"), 60)
            payload = "head -c 100000 /dev/zero"
            results["fast path, 100 kB output"] = measure(lambda: t.run("bench", payload), 100)
            results["kept connection, channel per command, 100 kB output"] = measure(
                lambda: t.run_channel("bench", payload), 40)

        def fresh() -> None:
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # benchmark only: throw-away sshd
            client.connect(sshd.host, sshd.port, "root", key_filename=str(sshd.client_key),
                           look_for_keys=False, allow_agent=False)
            _, out, _ = client.exec_command("true")
            out.channel.recv_exit_status()
            client.close()

        results["fresh paramiko connection per command"] = measure(fresh, 20)
        results["OpenSSH ssh per command"] = measure(
            lambda: subprocess.run([*ssh_base, f"root@{sshd.host}", "true"], check=True), 20)
        results["OpenSSH with ControlMaster"] = measure(
            lambda: subprocess.run([*ssh_cm, f"root@{sshd.host}", "true"], check=True), 40)
        subprocess.run([*ssh_cm, "-O", "exit", f"root@{sshd.host}"], capture_output=True)

    fast = results["fast path (one long-lived shell)"]["median_ms"]
    cm = results["OpenSSH with ControlMaster"]["median_ms"]
    report = {
        **header("median per-command latency of `true` on a real sshd over loopback", paramiko=paramiko.__version__),
        "results": results,
        "fast_path_speedup_vs_controlmaster": round(cm / fast, 1),
        "aim": "fast path >= 20x faster than OpenSSH ControlMaster",
    }
    path = write_report("ssh_latency", report)
    width = max(map(len, results))
    print(f"{'method'.ljust(width)}  median ms    p90 ms      n")
    for name, r in results.items():
        print(f"{name.ljust(width)}  {r['median_ms']:9.2f} {r['p90_ms']:9.2f} {r['n']:6d}")
    print(f"\nfast path vs OpenSSH ControlMaster: {report['fast_path_speedup_vs_controlmaster']}x faster "
          f"(aim >= 20x)\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
