"""What `Lab.run` returns for a declared step is the type its parse function returns: mypy proves it here (never
run). A step's `Step[T]` is held to the parse it names (`parse=service_ps.parse`), so a wrong `T` in
swarmlab/commands/steps.py (`SERVICE_PS: Step[list[Network]]`) fails mypy there, and one of these lines with it."""

from __future__ import annotations

from typing import assert_type

from swarmlab.commands import steps as st
from swarmlab.lab import Lab
from swarmlab.parsers.docker_cli import ServiceChange
from swarmlab.parsers.iptables import Ruleset
from swarmlab.parsers.ipvsadm import IPVSTable
from swarmlab.parsers.service_inspect import ServiceInfo
from swarmlab.parsers.service_ps import Task
from swarmlab.parsers.whoami import Answer


def _proof(lab: Lab) -> None:
    assert_type(lab.run(st.SERVICE_PS, name="web").value, list[Task] | None)
    assert_type(lab.run(st.SERVICE_INSPECT, name="web").value, list[ServiceInfo] | None)
    assert_type(lab.run(st.LB_MANGLE).value, Ruleset | None)
    assert_type(lab.run(st.IPVS_ALL).value, dict[str, IPVSTable] | None)
    assert_type(lab.run(st.REQUESTS, n=3).value, list[Answer] | None)
    assert_type(lab.run(st.SCALE, name="web", replicas=2).value, ServiceChange | None)
    assert_type(lab.run(st.KILL_TASK, container="abc").value, None)
    assert_type(lab.run("service_ps").value, object)  # by name: the type is not known, never claimed
    assert_type(st.SERVICE_PS.reader().parse("")[0], Task)
