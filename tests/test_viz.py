"""The pictures, drawn from real (replayed) data: what each one states, not how it looks pixel by pixel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from swarmlab import recordings, viz
from swarmlab.lab import Lab
from swarmlab.model.chain import NodeView, vip_chain
from swarmlab.parsers import ipvsadm, network_inspect, service_ps

FIX = Path(__file__).parent / "fixtures" / "vm-ipvs-docker20"


def texts(fig) -> str:  # type: ignore[no-untyped-def]
    out = [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]
    out += [t.get_text() for t in fig.texts]
    out += [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
    legend = [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    out += [t.get_text() for lg in legend for t in lg.get_texts()]
    return "\n".join(out)


@pytest.fixture(scope="module")
def seed_lab() -> Lab:
    return Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))


def test_distribution_states_counts_share_and_deviation(seed_lab: Lab, tmp_path: Path) -> None:
    fig = viz.distribution(seed_lab.sample_requests(3).summary, source="replay: seed")
    shown = texts(fig)
    assert "largest deviation 33.3%" in shown and "even share: 1.5" in shown
    assert "6039865a1e5d\n10.0.1.32" in shown and "replay: seed" in shown
    fig.savefig(tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 5000


def test_topology_draws_the_chain_and_admits_unknowns(seed_lab: Lab) -> None:
    shown = texts(viz.topology(seed_lab.vip_chain("web"), client="swarm-manager"))
    assert "VIP 10.0.1.30/32" in shown and "MARK 0x106 = 262 -> FWM 262 rr" in shown
    assert "lb endpoint 10.0.1.37" in shown and "10.0.1.31 (?)" in shown


def test_topology_of_three_nodes_names_tasks() -> None:
    def body(name: str) -> str:
        return "\n".join(ln for ln in (FIX / name).read_text().splitlines() if not ln.startswith("###"))

    view = NodeView(node="swarmvm", inspect=network_inspect.parse(body("multinode-network-inspect-mynet-v.txt"))[0],
                    ipvs=next(iter(ipvsadm.parse_per_namespace(body("multinode-node1-lb-ipvsadm.txt")).values())),
                    tasks=service_ps.parse(body("multinode-service-ps-web.txt")))
    shown = texts(viz.topology(vip_chain("web", [view])))
    assert "web.1  10.0.1.4" in shown and "sw3" in shown and "swarmvm" in shown


def test_allocation_in_address_order_with_roles() -> None:
    def body(name: str) -> str:
        return "\n".join(ln for ln in (FIX / name).read_text().splitlines() if not ln.startswith("###"))

    net = network_inspect.parse(body("multinode-network-inspect-mynet-v.txt"))[0]
    rows = viz.allocation_rows(net)
    assert [r["address"] for r in rows][:4] == ["10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"]
    assert {r["role"] for r in rows} == {"gateway", "vip", "task", "lb endpoint"}
    assert next(r for r in rows if r["address"] == "10.0.1.2")["label"] == "VIP web"
    shown = texts(viz.vip_allocation(rows, subnet=net.subnet))
    assert "10.0.1.0/24" in shown and ".5\nlb-mynet" in shown and "allocation order" in shown


def test_empty_inputs_draw_a_message() -> None:
    assert "no answered requests" in texts(viz.distribution(pd.DataFrame()))
    assert "no addresses" in texts(viz.vip_allocation([]))
