"""The Docker Engine API live, on the Debian 13 rig's real dockerd (Docker 26.1), over the lab's own SSH
connections (jump host `rig` included): every CLI reading of the chapter's state agrees with the API; a node whose
dockerd is stopped gives a typed error while the other nodes' state is kept; a user outside the docker group gets
an error naming the fix. The rig13 fixture: tests/conftest.py (home $SWARMLAB_TEST_RIG13_HOME)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from swarmlab.errors import DockerPermissionDenied
from swarmlab.inventory import Inventory, from_nodes
from swarmlab.lab import Lab
from swarmlab.model.crosscheck import disagreements
from swarmlab.rig.swarm import transport

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def lab(rig13: Inventory) -> Iterator[Lab]:
    with Lab.connect(mode="live", inventory=rig13) as lab:
        lab.create_services()
        deadline = time.monotonic() + 180
        while len([t for t in lab.api_tasks("web").value if t.state == "Running" and not t.history]) < 2:
            assert time.monotonic() < deadline, "web did not converge"
            time.sleep(2)
        yield lab


def test_every_cli_reading_agrees_with_the_api(lab: Lab) -> None:
    checks = lab.cross_check("web")
    assert disagreements(checks) == []
    running = {t.node for t in lab.api_tasks().value if t.state == "Running" and not t.history}
    assert {c.node for c in checks if c.field == "lb endpoint"} == running, "an lb endpoint where a task runs"
    assert {c.node for c in checks if c.field == "mark of web (ipvsadm)"} == running
    assert {c.field for c in checks} >= {"mark of web (iptables)", "mark of web (ipvsadm)", "vip of web on mynet"}
    # the Docker SDK itself rides the same connection: its own call gives the VIP the cross-check compared
    sdk = lab.transport.docker(lab.manager).sdk  # type: ignore[attr-defined]
    vips = {v["Addr"].split("/")[0] for s in sdk.services(filters={"name": "web"}) for v in s["Endpoint"]["VirtualIPs"]}
    assert next(c.api for c in checks if c.field == "vip of web on mynet") in vips


def test_a_user_without_the_docker_group_is_told_the_fix(rig13: Inventory) -> None:
    with transport(rig13) as t:
        t.run("rig", "id nodocker >/dev/null 2>&1 || useradd -m -s /bin/bash nodocker; usermod -p '*' nodocker; "
                     "install -d -m 700 -o nodocker /home/nodocker/.ssh; "
                     "install -m 600 -o nodocker /root/.ssh/authorized_keys /home/nodocker/.ssh/authorized_keys",
              timeout=60, check=True)
    nodes = [n if n.role == "jump" else type(n)(**{**n.as_record(), "user": "nodocker"}) for n in rig13]
    inv = from_nodes(nodes, source="nodocker")
    inv.extra = dict(rig13.extra)  # the rig's known_hosts
    with transport(inv) as t:
        cli = t.run("swarm-manager", "docker info", timeout=60)
        assert cli.exit_code != 0 and "permission denied" in cli.stderr, "the CLI is refused the same socket"
        with pytest.raises(DockerPermissionDenied, match=r"nodocker may not use the Docker socket.*usermod -aG "
                                                         r"docker nodocker"):
            t.api("swarm-manager", "/info", timeout=30)


def test_ctrl_c_during_an_api_request_leaves_the_next_answers_exact(lab: Lab) -> None:
    """#22.3 on the Engine API path: Ctrl-C in a notebook raises KeyboardInterrupt in the kernel's main thread; here
    a timer raises it while `GET /events` is in flight (dockerd streams events until `until`, ~10 s away). The
    interrupted request is abandoned and the next API and CLI answers are exact (not the stream's bytes)."""
    import signal

    m = lab.manager
    def service_names() -> list[str]:
        listed = lab.api("/services")
        assert isinstance(listed, list)
        return sorted(s["Spec"]["Name"] for s in listed)

    before = service_names()
    now = int(lab.transport.run(m, "date +%s", check=True).stdout)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 2.0)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            lab.api(f"/events?since={now - 3600}&until={now + 10}")
        assert time.monotonic() - started < 9, "the interrupt did not stop the request"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    info = lab.api("/info")
    assert isinstance(info, dict) and info["Swarm"]["LocalNodeState"] == "active"
    assert service_names() == before
    assert lab.transport.run(m, "echo exact", check=True).stdout == "exact\n"
