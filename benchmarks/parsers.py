"""Parser speed on large inputs: a 10,000-real-server `ipvsadm -Ln` table, a 1,000-task `docker service ps`, a
10,000-packet iputils `ping -O -D` run (with unanswered packets), a 5,000-rule `iptables -nvL --line-numbers`
listing, and the dispatcher choosing a parser for 1,000 command lines.

Run:  ./run bench parsers      -> benchmarks/results/parsers.json
The inputs are SYNTHETIC (generated here in the exact layout of the real captures in tests/fixtures): no swarm
with 10,000 tasks exists to capture from. Aim: under 100 ms each, parse and DataFrame included.
"""

from __future__ import annotations

import statistics
import sys
import time

from benchmarks import header, write_report
from swarmlab.parsers import dispatch, iptables, ipvsadm, ping, service_ps


def ipvsadm_table(reals: int, per_service: int = 100) -> str:
    lines = ["IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags",
             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
    for i in range(reals):
        if i % per_service == 0:
            lines.append(f"FWM  {256 + i // per_service} rr")
        ip = f"10.{1 + i // 65000}.{(i // 250) % 256}.{2 + i % 250}:0"
        lines.append(f"  -> {ip:<28} Masq    1      {i % 7:<10} {i % 13}")
    return "\n".join(lines) + "\n"


def service_ps_table(tasks: int) -> str:
    header = ("ID             NAME        IMAGE                      NODE            DESIRED STATE   "
              "CURRENT STATE            ERROR     PORTS")
    rows = [header]
    for i in range(tasks):
        history = i % 10 == 9
        name = (" \\_ " if history else "") + f"web.{i // 2 + 1}"
        task_id, node = f"t{i:011d}", f"swarm-worker{i % 3}"
        rows.append(f"{task_id:<15}{name:<12}{'containous/whoami:latest':<27}{node:<16}"
                    f"{'Shutdown' if history else 'Running':<16}{'Running 47 seconds ago':<25}{'':<10}")
    return "\n".join(rows) + "\n"


def ping_run(packets: int) -> str:
    """iputils `ping -O -D` (tests/fixtures/local-ping-debian12/iputils-O-D-p.txt layout); every 50th unanswered."""
    lines = ["PING web (10.0.1.2) 56(84) bytes of data."]
    for seq in range(1, packets + 1):
        stamp = f"[{1795765807 + seq}.{seq % 999999:06d}] "
        reply = f"64 bytes from web.1.abc (10.0.1.{3 + seq % 2}): icmp_seq={seq} ttl=64 time=0.0{seq % 90 + 10} ms"
        lines.append(stamp + (f"no answer yet for icmp_seq={seq}" if seq % 50 == 0 else reply))
    lost = packets // 50
    lines += ["", "--- web ping statistics ---",
              f"{packets} packets transmitted, {packets - lost} received, 2% packet loss, time {packets * 1000}ms",
              "rtt min/avg/max/mdev = 0.010/0.055/0.099/0.026 ms"]
    return "\n".join(lines) + "\n"


def iptables_listing(rules: int, per_chain: int = 500) -> str:
    """`iptables -t mangle -nvL --line-numbers` (rig-parsers-docker20 layout), MARK rules as in the lb_ namespace."""
    lines: list[str] = []
    for i in range(rules):
        if i % per_chain == 0:
            lines += ["", f"Chain CHAIN{i // per_chain} (policy ACCEPT 0 packets, 0 bytes)",
                      "num   pkts bytes target     prot opt in     out     source               destination"]
        lines.append(f"{i % per_chain + 1:<5} {i % 977:>5} {i % 9973:>5} MARK       all  --  *      *       "
                     f"0.0.0.0/0            10.0.{i // 250 % 256}.{2 + i % 250}          MARK set {hex(256 + i)}")
    return "\n".join(lines).lstrip("\n") + "\n"


COMMANDS = ["docker exec 34003d928edd timeout 10 ping -c 2 web",
            "nsenter --net=/var/run/docker/netns/lb_x iptables -t mangle -nvL --line-numbers",
            "docker service inspect -f '{{json .Endpoint.Ports}}' web", "df -T",
            "for ns in $(ls -d /var/run/docker/netns/lb_*); do echo $ns; nsenter --net=$ns ipvsadm -Ln; done",
            "docker exec c sh -c 'for i in $(seq 20); do timeout 5 wget -qO- http://web/; done' | sort | uniq -c",
            "docker service ps --no-trunc web", "docker run -d busybox", "ip -o a", "ls /var/run/docker/netns"]


def timed(fn, repeat: int = 7) -> dict[str, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2), "runs": repeat}


def main() -> int:
    big_ipvs = ipvsadm_table(10_000)
    big_ps = service_ps_table(1_000)
    assert sum(len(s.reals) for s in ipvsadm.parse(big_ipvs).services) == 10_000
    assert len(service_ps.parse(big_ps)) == 1_000
    big_ping = ping_run(10_000)
    assert len(ping.parse(big_ping).responses) == 10_000
    big_rules = iptables_listing(5_000)
    assert len(iptables.parse(big_rules, "mangle").rules) == 5_000
    commands = COMMANDS * 100
    import pandas  # noqa: F401 - imported before timing: the first DataFrame should not pay for the import

    results = {
        "ipvsadm -Ln, 10,000 real servers: parse": timed(lambda: ipvsadm.parse(big_ipvs)),
        "ipvsadm -Ln, 10,000 real servers: parse + DataFrame": timed(lambda: ipvsadm.frame(big_ipvs)),
        "docker service ps, 1,000 tasks: parse": timed(lambda: service_ps.parse(big_ps)),
        "docker service ps, 1,000 tasks: parse + DataFrame": timed(lambda: service_ps.frame(big_ps)),
        "ping -O -D, 10,000 packets: parse": timed(lambda: ping.parse(big_ping)),
        "ping -O -D, 10,000 packets: parse + DataFrame": timed(lambda: ping.frame(big_ping)),
        "iptables -nvL --line-numbers, 5,000 rules: parse": timed(lambda: iptables.parse(big_rules, "mangle")),
        "iptables -nvL --line-numbers, 5,000 rules: parse + DataFrame":
            timed(lambda: iptables.rules_frame(big_rules, "mangle")),
        "dispatch: kind_of for 1,000 command lines": timed(lambda: [dispatch.kind_of(c) for c in commands]),
    }
    import os

    report = {**header("parser speed on synthetic large inputs laid out like the real captures",
                       load_1min_before=round(os.getloadavg()[0], 2)),
              "aim": "under 100 ms each", "results": results}
    path = write_report("parsers", report)
    for name, r in results.items():
        print(f"{name:<58} {r['median_ms']:8.2f} ms (median of {r['runs']})")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
