"""The three design eras are told apart from real captures (docs/swarm-lb-facts.md section 10)."""

from __future__ import annotations

from pathlib import Path

from swarmlab.model.eras import era_from_addresses, era_from_marks
from swarmlab.parsers import ip_addr, iptables

CAPTURED = Path(__file__).parent / "fixtures" / "captured"


def addresses(name: str) -> list[ip_addr.Interface]:
    return ip_addr.parse((CAPTURED / "ip_addr" / name).read_text())


def test_vip_on_task_eth0_17_03() -> None:  # ollypom, task sandbox netns, Docker 17.03
    assert era_from_addresses(addresses("06-ollypom-task-sandbox-vip.txt"), "f9f4ceb4012b") == "task-eth0"


def test_vip_on_task_lo_17_09() -> None:  # ervikrant, inside a task container, Docker 17.09
    assert era_from_addresses(addresses("03-ervikrant-container-lo-vip.txt")) == "task-lo"


def test_vip_in_lb_namespace_20_10() -> None:
    assert era_from_addresses(addresses("02-docker-tips-lb-mynet.txt"), "lb_lpirdge00") == "lb-namespace"
    assert era_from_addresses(addresses("05-tanjunchen-lb_12uyuotr1.txt"),
                              "/run/docker/netns/lb_12uyuotr1") == "lb-namespace"


def test_undecidable_without_a_vip_or_namespace() -> None:
    assert era_from_addresses(addresses("04-ervikrant-ingress-sbox-nobrd.txt"), "ingress_sbox") is None
    assert era_from_addresses(addresses("02-docker-tips-lb-mynet.txt")) is None


def test_mark_chains() -> None:
    def rules(name: str) -> iptables.Ruleset:
        return iptables.parse((CAPTURED / "iptables_mangle" / name).read_text(), "mangle")

    assert era_from_marks(rules("02-docker-tips-lb-mynet.txt")) == "lb-namespace"
    assert era_from_marks(rules("03-ervikrant-container-sbox-output.txt")) == "task-eth0 or task-lo"
    assert era_from_marks(rules("05-ollypom-output-K-suffix.txt")) == "task-eth0 or task-lo"
