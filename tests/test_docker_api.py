"""The Docker Engine API beside the CLI, offline: replaying a recording that holds API answers (made on the rig by
tools/record_api.py), falling back to the CLI on recordings that hold none, and the cross-check's failing cases.
The live side (the real dockerd over SSH, a stopped dockerd, a socket permission error) is tests/test_rig_api.py."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from swarmlab import recordings
from swarmlab.errors import DockerUnavailable, NotRecorded
from swarmlab.lab import Lab
from swarmlab.lab.core import _readings
from swarmlab.model.crosscheck import compare, disagreements
from swarmlab.testing.sshd import LocalSSHD
from swarmlab.transport import SSHTransport
from swarmlab.transport.base import api_command
from tests.conftest import node_of

API_RECORDING = recordings.get("api-debian13")


@pytest.fixture
def lab() -> Lab:
    return Lab.connect("replay", recording=API_RECORDING)


def test_the_api_recording_replays_the_api_and_the_cli(lab: Lab) -> None:
    assert lab.api_ready
    services = {s.name: s for s in lab.api_services().value}
    assert set(services) == {"web", "client"} and services["web"].vips
    tasks = [t for t in lab.api_tasks("web").value if not t.history]
    assert len(tasks) == 2 and all(t.node.startswith("swarm-") and t.addresses["mynet"].startswith("10.0.")
                                   for t in tasks)
    net = lab.api_network("swarm-manager").value[0]
    assert net.name == "mynet" and net.lb_endpoint is not None and {s.name for s in net.services} == {"web", "client"}
    assert {n.hostname for n in lab.api_nodes().value} == {"swarm-manager", "swarm-worker1", "swarm-worker2"}


def test_every_recorded_reading_agrees_and_the_side_by_side_says_so(lab: Lab) -> None:
    from swarmlab.viz.cli_api import side_by_side

    checks = lab.cross_check("web")
    assert disagreements(checks) == []
    fields = {c.field for c in checks}
    assert {"vip of web on mynet", "lb endpoint", "mark of web (iptables)", "mark of web (ipvsadm)",
            "lb endpoint in the lb namespace"} <= fields
    assert any(f.startswith("ip of task web.") for f in fields) and any(f.startswith("node of task web.")
                                                                         for f in fields)
    table = side_by_side(Lab.connect("replay", recording=API_RECORDING), lang="zh")
    assert table.columns[0] == "项目" and table["一致"].all() and len(table) == len(checks)
    vips = side_by_side(Lab.connect("replay", recording=API_RECORDING), facts=("vip",))
    assert len(vips) == 4 and vips["fact"].str.startswith("vip of web").all()  # the service's, and 3 nodes' -v


def test_a_disagreement_names_the_field_the_node_and_both_readings(lab: Lab) -> None:
    cli_snap, api_snap = lab.snapshot(api=False), lab.snapshot(api=True)
    cli, api = _readings(cli_snap, lab.manager, kernel=True), _readings(api_snap, lab.manager, kernel=False)
    assert disagreements(compare("web", "mynet", cli, api)) == []
    node = "swarm-worker1"
    net = api.networks[node]
    assert net is not None
    web = next(s for s in net.services if s.name == "web")
    wrong_mark = dataclasses.replace(web, mark=(web.mark or 0) + 1)
    tampered = dataclasses.replace(net, services=[wrong_mark if s is web else s for s in net.services])
    bad = disagreements(compare("web", "mynet", cli, dataclasses.replace(api, networks={**api.networks,
                                                                                       node: tampered})))
    assert any(b.startswith(f"mark of web (iptables) on {node}: DISAGREE: CLI {web.mark} ") for b in bad), bad
    assert any(b.startswith(f"mark of web (ipvsadm) on {node}: DISAGREE: CLI {web.mark} ") for b in bad), bad
    moved = [dataclasses.replace(t, node="swarm-elsewhere") for t in api.tasks]
    bad = disagreements(compare("web", "mynet", cli, dataclasses.replace(api, tasks=moved)))
    assert bad and all(b.startswith("node of task web.") and "API swarm-elsewhere" in b for b in bad), bad


def test_a_request_the_recording_does_not_hold_is_refused(lab: Lab) -> None:
    with pytest.raises(NotRecorded, match=r"GET /v1\.41/secrets"):
        lab.transport.api("swarm-manager", "/secrets")
    assert api_command("/secrets") == "GET /v1.41/secrets"


def test_recordings_without_api_answers_fall_back_to_the_cli() -> None:
    from swarmlab.viz.cli_api import side_by_side

    old = Lab.connect("replay")  # the bundled session: made before the lab asked the API anything
    assert not old.api_ready
    snap = old.snapshot()
    assert set(snap) == {"swarm-manager", "swarm-worker1", "swarm-worker2"}
    assert all(st["netns"].ok and "ipvs_all" in st for st in snap.values())
    assert not any(r.command.startswith("GET ") for st in snap.values() for r in st.values())
    assert "no Docker Engine API answers" in side_by_side(old).iloc[0, 0]


def test_replaying_the_api_loads_no_ssh_and_no_docker_sdk() -> None:
    code = ("import sys; from swarmlab.lab import Lab; lab = Lab.connect('replay', recording=sys.argv[1]); "
            "lab.snapshot(); lab.api_services(); "
            "print(sorted(m for m in ('docker', 'paramiko', 'cryptography', 'requests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(API_RECORDING)], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.real
def test_over_a_real_sshd_a_node_without_a_dockerd_is_a_typed_error(sshd: LocalSSHD) -> None:
    """This machine's own sshd as the node: `docker system dial-stdio` runs for real and says why it cannot connect
    (no dockerd here; or no docker CLI at all); the request fails with the typed error, never a traceback wall."""
    import os
    import shutil

    with SSHTransport([node_of(sshd)]) as t:
        assert t.run("n1", "true").ok
        if os.path.exists("/var/run/docker.sock"):  # a machine with a dockerd: the API answers
            assert t.api("n1", "/_ping").stdout == "OK"
            return
        expected = "dockerd is not running" if shutil.which("docker") else "no docker CLI"
        with pytest.raises(DockerUnavailable, match=rf"\[n1\] {expected}"):
            t.api("n1", "/_ping", timeout=30)
        assert t.run("n1", "echo still").stdout == "still\n", "the node's SSH connection is unharmed"


def test_the_side_by_side_view_names_its_facts_in_the_lessons_language() -> None:
    from swarmlab import recordings
    from swarmlab.lab import Lab
    from swarmlab.viz.cli_api import FIELDS, _field, side_by_side

    zh = side_by_side(Lab.connect("replay", recording=recordings.get("api-debian13")), "web", lang="zh")
    en = side_by_side(Lab.connect("replay", recording=recordings.get("api-debian13")), "web", lang="en")
    assert len(zh) == len(en) > 10 and zh["一致"].all()
    assert not any(w in f for f in zh["项目"] for w in ("vip of", "mark of", "node of", "ip of", "lb endpoint"))
    assert "web 在 mynet 上的 VIP" in set(zh["项目"]) and "vip of web on mynet" in set(en["fact"])
    assert len(FIELDS) == 7 and _field("a field nobody named", "zh") == "a field nobody named"
    # where each reading comes from, in Chinese too (the English ones are the cross-check's own words)
    shown = [s for col in ("CLI 命令", "API 请求") for s in zh[col]]
    assert not any(w in s for s in shown for w in ("namespace", " in GET", "every"))
    assert "iptables -t mangle（lb_ 命名空间）：VIP 的 MARK set 规则" in set(zh["CLI 命令"])
