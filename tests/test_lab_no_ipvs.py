"""The bundled no-IPVS session (`swarmlab rig up --no-ipvs`): what a kernel without IPVS looks like, so the lab
can teach it. Docker still allocates the VIP and numbers a load balancer, but nothing carries traffic."""

from __future__ import annotations

import pytest

from swarmlab import checks, recordings
from swarmlab.lab import Lab

NO_IPVS = recordings.get("rig-no-ipvs")


@pytest.fixture
def lab() -> Lab:
    return Lab.connect(mode="replay", recording=NO_IPVS)


def test_requests_and_ping_get_nothing(lab: Lab) -> None:
    answers = lab.requests(3).value
    assert [a.ok for a in answers] == [False, False, False]
    assert lab.ping("web").value is None  # killed by its timeout before printing anything


def test_the_vip_exists_but_is_never_programmed(lab: Lab) -> None:
    web = next(x for x in lab.inspect_network().value[0].services if x.name == "web")
    assert (web.vip, web.mark) == ("10.0.1.2", 256)  # allocated, and numbered
    eth0 = next(i for i in lab.addresses().value if i.name == "eth0")
    assert eth0.vips == [] and [a.address for a in eth0.addresses] == ["10.0.1.5"]
    assert lab.marks().value.marks() == []
    table = lab.ipvs().value
    assert table.mode == "unavailable" and "Can't initialize ipvs: Protocol not available" in table.error
    chain = lab.vip_chain("web")
    assert set(chain.vip) == {"10.0.1.2"} and set(chain.mark) == {256} and not chain.mark_rule.any()
    assert chain.real_server.isna().all()


def test_the_self_checks_name_the_cause(lab: Lab) -> None:
    vip, ns, marks = checks.vip(lab), checks.lb_namespace(lab), checks.marks_and_ipvs(lab)
    assert not vip.passed and "IPVS missing" in str(vip)
    assert not ns.passed and "no /32 VIP in the lb namespace" in str(ns)
    assert not marks.passed and "numbered its load balancer 256, but never programmed it" in str(marks)
