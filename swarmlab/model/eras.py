"""Which design era of Docker's swarm load balancing produced an output (docs/swarm-lb-facts.md section 10).

| era | where the VIP lives | mark chain |
|---|---|---|
| `task-eth0` (1.12 - 17.06) | /32 on the eth0 of every task sandbox; IPVS in every sandbox | OUTPUT |
| `task-lo` (17.09 - 18.03) | /32 on the lo of every task sandbox (libnetwork ea2dcf7e) | OUTPUT |
| `lb-namespace` (18.06+) | /32 on eth0 of one `lb_<9 chars of network id>` namespace per overlay and node | INPUT |
"""

from __future__ import annotations

from swarmlab.parsers.ip_addr import Interface
from swarmlab.parsers.iptables import Ruleset
from swarmlab.parsers.netns_ls import classify

ERAS = {
    "task-eth0": "1.12 - 17.06: the VIP is a /32 on each task's eth0 (IPVS in every task sandbox)",
    "task-lo": "17.09 - 18.03: the VIP is a /32 on each task's loopback (IPVS in every task sandbox)",
    "lb-namespace": "18.06 and later: the VIP is a /32 on eth0 of the network's lb_ namespace (one per node)",
}


def era_from_addresses(interfaces: list[Interface], namespace: str | None = None) -> str | None:
    """The era an `ip a` shows, given the namespace it was run in (`lb_x`, `ingress_sbox`, a sandbox id).

    None when the output cannot tell: no VIP at all, or a VIP on eth0 of a namespace we were not told about.
    """
    on_lo = any(i.vips for i in interfaces if i.name == "lo")
    on_eth = any(i.vips for i in interfaces if i.name != "lo")
    if on_lo:
        return "task-lo"
    if not on_eth or namespace is None:
        return None
    kind, _ = classify(namespace.rsplit("/", 1)[-1])
    if kind == "lb":
        return "lb-namespace"
    if kind == "sandbox":
        return "task-eth0"
    return None  # ingress_sbox carries VIPs on eth0 in more than one era


def era_from_marks(rules: Ruleset) -> str | None:
    """OUTPUT-chain VIP marks are the old per-task design (before 18.06); INPUT-chain marks the lb_ design."""
    chains = {r.chain for r in rules.marks() if r.dport is None}
    if "INPUT" in chains:
        return "lb-namespace"
    if "OUTPUT" in chains:
        return "task-eth0 or task-lo"
    return None
