"""`swarmlab rig` as a product: status, ssh, a second up refused, and down leaving nothing behind.

Marked `rig_last`: conftest moves these to the end of the session, since `down` ends the shared rig.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmlab.inventory import Inventory
from swarmlab.rig import RigError, vm
from swarmlab.transport import Transport

pytestmark = [pytest.mark.real, pytest.mark.rig_last]
SWARMLAB = str(Path(sys.executable).parent / "swarmlab")


def gone(pid: int) -> bool:
    """No such process, or a zombie (qemu daemonized, so its reaper is PID 1, which may take a moment)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_status_reports_the_running_rig(rig: Inventory) -> None:
    status = vm.status()
    assert status["running"] is True and status["accel"] in ("kvm", "tcg")
    state = vm.running()
    assert state is not None and status["ssh"] == f"127.0.0.1:{state.port}"
    assert rig["rig"].port == state.port and rig["swarm-manager"].jump == "rig"


def test_rig_ssh_reaches_each_node_through_the_vm(rig: Inventory) -> None:
    for node in ("swarm-manager", "swarm-worker2"):
        out = subprocess.run([SWARMLAB, "rig", "ssh", node, "hostname; ls /var/run/docker/netns | head -n 1"],
                             capture_output=True, text=True, timeout=60, env=os.environ.copy())
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines()[0] == node


def test_swarmlab_nodes_finds_the_rig(rig: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    from swarmlab import inventory

    found = inventory.discover(tmp_path)
    assert found is not None and found.names == ["rig", "swarm-manager", "swarm-worker1", "swarm-worker2"]


def test_second_up_says_so(rig: Inventory) -> None:
    with pytest.raises(RigError, match="already running"):
        vm.up(progress=lambda m: None)


def test_no_attack_form_reaches_dockerd_and_lesson_commands_run(rig: Inventory) -> None:
    """Every attack form of tests/test_vocabulary.py sent through `%swarm` on the live swarm: each refused, and
    dockerd's own event log on the manager shows nothing happened (no service or container created, changed or
    removed); then a handful of the lessons' own lines run. Before the reset test (which removes the services)."""
    from IPython.core.interactiveshell import InteractiveShell

    from swarmlab import magic
    from swarmlab.lab import Lab
    from tests.test_vocabulary import ATTACKS

    shown: list[magic.Shown] = []
    ip = InteractiveShell.instance()
    try:
        with Lab.connect(mode="live", inventory=rig) as lab:
            lab.create_services()
            magic.register(ip, lab, lang="en", display=shown.append)
            node, container = lab.client_container()
            ip.user_ns.update(lab=lab, client=container, lb=lab.lb_namespace(node))
            m = lab.manager
            since = lab.transport.run(m, "date +%s", check=True).stdout.strip()
            before = lab.transport.run(m, "docker service ls --format '{{.Name}} {{.Replicas}}'", check=True).stdout
            for attack in ATTACKS:
                shown.clear()
                ip.run_line_magic("swarm", f"@manager {attack}")
                assert shown[0].error and not shown[0].output and "Allowed here" in shown[0].note, attack
            events = lab.transport.run(
                m, f"docker events --since {since} --until $(date +%s) --format '{{{{.Type}}}} {{{{.Action}}}}'",
                check=True).stdout
            assert events.strip() == "", f"the refused commands reached dockerd: {events}"
            after = lab.transport.run(m, "docker service ls --format '{{.Name}} {{.Replicas}}'", check=True).stdout
            assert after == before
            for line in ("@manager docker service ls", "-H Running @manager docker service ps web",
                         "-n 3 @client docker exec $client wget -qO- http://web",
                         "@client docker exec $client ping -c 2 web",
                         "-H FWM @client sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm -Ln",
                         "@client sudo nsenter --net=/var/run/docker/netns/$lb ipvsadm"):
                shown.clear()
                ip.run_line_magic("swarm", line)
                assert not shown[0].error and shown[0].output.strip(), (line, shown[0])
            assert shown[-1].output.count("FWM") >= 1 and "-Ln" in shown[-1].note  # the chapter's bare ipvsadm
    finally:
        InteractiveShell.clear_instance()


def test_lab_snapshot_kill_task_and_reset(rig: Inventory) -> None:
    """The lab's own verbs, live: snapshot of every node, a killed task replaced, reset removing what it made."""
    import time

    from swarmlab.lab import Lab

    with Lab.connect(mode="live", inventory=rig) as lab:
        lab.create_services()
        snap = lab.snapshot()
        assert set(snap) == {"swarm-manager", "swarm-worker1", "swarm-worker2"}
        for state in snap.values():
            assert state["netns"].ok and "ipvs_all" in state
        with_lb = [n for n, st in snap.items() if "marks" in st]
        assert with_lb and all(snap[n]["marks"].value.marks() for n in with_lb)
        before = {x.id for x in lab.tasks("web").value if not x.history and x.state == "Running"}
        killed = lab.kill_task("web")
        assert killed.ok and killed.command.startswith("docker kill ")
        deadline = time.monotonic() + 120
        while True:
            tasks = lab.tasks("web").value
            running = {x.id for x in tasks if not x.history and x.state == "Running"}
            if len(running) == 2 and running != before:
                break
            assert time.monotonic() < deadline, f"no replacement task: {tasks}"
            time.sleep(2)
        assert any(x.history for x in tasks), "the killed task stays in the history as a \\_ row"
        lab.reset()
        deadline = time.monotonic() + 60
        while lab.network in [n.name for n in lab.networks().value] and time.monotonic() < deadline:
            lab.reset()
            time.sleep(3)
        left = [x.name for x in lab.services().value]
        assert "web" not in left and "client" not in left
        assert lab.network not in [n.name for n in lab.networks().value]


def upload_provisioning(t: Transport) -> None:
    """vagrant/provision-manager.sh and provision-worker.sh to /tmp on each of the rig's nodes."""
    from swarmlab.rig import NODES

    root = Path(__file__).resolve().parent.parent / "vagrant"
    for name, _ in NODES:
        for script in ("provision-manager.sh", "provision-worker.sh"):
            body = (root / script).read_text()
            t.run(name, f"cat > /tmp/{script} <<'SWARMLAB_EOF'\n{body}SWARMLAB_EOF\nchmod +x /tmp/{script}",
                  timeout=30, check=True)


def test_vagrant_provisioning_forms_the_swarm_on_real_nodes(rig: Inventory) -> None:
    """The classroom's provisioning (vagrant/provision-*.sh) run on the rig's three dockerd nodes, their swarm
    dissolved first: the manager inits; each worker joins with the token handed to it in a file (the Vagrantfile's
    trigger + file provisioner do that in a classroom: tests/test_vagrant_up.py), which it then removes."""
    from swarmlab.rig import NODES
    from swarmlab.rig.swarm import transport

    with transport(rig) as t:
        for name, _ in reversed(NODES):
            t.run(name, "docker swarm leave --force", timeout=60)
        upload_provisioning(t)
        (manager, manager_ip), workers = NODES[0], NODES[1:]
        out = t.run(manager, f"ADVERTISE_ADDR={manager_ip} /tmp/provision-manager.sh",
                    timeout=120, check=True).stdout
        assert f"swarm initialised on {manager_ip}" in out
        token = t.run(manager, "docker swarm join-token -q worker", timeout=60, check=True).stdout.strip()
        first = workers[0]
        empty = t.run(first[0], f"rm -f /tmp/tok; touch /tmp/tok; ADVERTISE_ADDR={first[1]} "
                                f"MANAGER_ADDR={manager_ip} TOKEN_FILE=/tmp/tok /tmp/provision-worker.sh", timeout=60)
        assert empty.exit_code == 1 and "no worker join token" in empty.stderr, "an empty token is refused"
        for name, ip in workers:
            joined = t.run(name, f"echo {token} > /tmp/tok; ADVERTISE_ADDR={ip} MANAGER_ADDR={manager_ip} "
                                 "TOKEN_FILE=/tmp/tok /tmp/provision-worker.sh", timeout=120, check=True).stdout
            assert f"joined the swarm at {manager_ip}:2377" in joined and "SWMTKN" not in joined
            assert t.run(name, "test -e /tmp/tok", timeout=30).exit_code == 1, "the token file is removed"
        nodes = t.run(manager, "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'",
                      timeout=60, check=True).stdout.split("\n")
        assert sorted(x for x in nodes if x) == ["swarm-manager Ready Leader", "swarm-worker1 Ready ",
                                                "swarm-worker2 Ready "]
        again = t.run(manager, f"ADVERTISE_ADDR={manager_ip} /tmp/provision-manager.sh",
                      timeout=120, check=True).stdout
        assert "already active" in again
        for name, ip in workers:
            rerun = t.run(name, f"ADVERTISE_ADDR={ip} MANAGER_ADDR={manager_ip} TOKEN_FILE=/tmp/tok "
                                "/tmp/provision-worker.sh", timeout=120, check=True).stdout
            assert "already in the swarm" in rerun
        count = t.run(manager, "docker node ls -q | wc -l", timeout=30, check=True).stdout.strip()
        assert count == "3", "re-provisioning is idempotent: still three nodes"


def test_vagrant_provisioning_heals_a_worker_after_the_manager_is_rebuilt(rig: Inventory) -> None:
    """Issue #25: `vagrant destroy swarm-manager && vagrant up` gives a new swarm on the same address; the workers
    still see themselves in the old one. Here the manager is rebuilt the way that leaves it (`swarm leave --force`,
    then its provisioning inits a new swarm), each worker is provisioned with what the Vagrantfile's trigger hands
    it (the token, then the manager's node ID): it leaves the old swarm and joins the new one. Run again, nothing
    changes. Needs the swarm the test above formed (it forms one itself if not)."""
    from swarmlab.rig import NODES
    from swarmlab.rig.swarm import transport

    (manager, manager_ip), workers = NODES[0], NODES[1:]
    with transport(rig) as t:
        upload_provisioning(t)
        state = t.run(manager, "docker info --format '{{.Swarm.LocalNodeState}}'", timeout=60).stdout.strip()
        if state != "active":
            t.run(manager, f"ADVERTISE_ADDR={manager_ip} /tmp/provision-manager.sh", timeout=120, check=True)
        old_id = t.run(manager, "docker info --format '{{.Swarm.NodeID}}'", timeout=60, check=True).stdout.strip()
        old_token = t.run(manager, "docker swarm join-token -q worker", timeout=60, check=True).stdout.strip()
        for name, ip in workers:
            t.run(name, f"printf '%s\\n%s\\n' {old_token} {old_id} > /tmp/tok; ADVERTISE_ADDR={ip} "
                        f"MANAGER_ADDR={manager_ip} TOKEN_FILE=/tmp/tok /tmp/provision-worker.sh",
                  timeout=120, check=True)
        t.run(manager, "docker swarm leave --force", timeout=60, check=True)
        out = t.run(manager, f"ADVERTISE_ADDR={manager_ip} /tmp/provision-manager.sh", timeout=120, check=True).stdout
        assert f"swarm initialised on {manager_ip}" in out
        new_id = t.run(manager, "docker info --format '{{.Swarm.NodeID}}'", timeout=60, check=True).stdout.strip()
        token = t.run(manager, "docker swarm join-token -q worker", timeout=60, check=True).stdout.strip()
        assert new_id and new_id != old_id
        for name, ip in workers:
            stale = t.run(name, "docker info --format '{{.Swarm.LocalNodeState}}'", timeout=60).stdout.strip()
            assert stale != "inactive", f"{name} should still think it is in the old swarm"
            healed = t.run(name, f"printf '%s\\n%s\\n' {token} {new_id} > /tmp/tok; ADVERTISE_ADDR={ip} "
                                 f"MANAGER_ADDR={manager_ip} TOKEN_FILE=/tmp/tok /tmp/provision-worker.sh",
                           timeout=180, check=True).stdout
            assert "left a swarm whose managers" in healed and f"joined the swarm at {manager_ip}:2377" in healed
            assert "SWMTKN" not in healed
        nodes = t.run(manager, "docker node ls --format '{{.Hostname}} {{.Status}}'", timeout=60,
                      check=True).stdout.split("\n")
        assert sorted(x for x in nodes if x) == ["swarm-manager Ready", "swarm-worker1 Ready", "swarm-worker2 Ready"]
        for name, ip in workers:
            again = t.run(name, f"printf '%s\\n%s\\n' {token} {new_id} > /tmp/tok; ADVERTISE_ADDR={ip} "
                                f"MANAGER_ADDR={manager_ip} TOKEN_FILE=/tmp/tok /tmp/provision-worker.sh",
                          timeout=120, check=True).stdout
            assert "already in the swarm" in again


@pytest.mark.rig_down
def test_down_leaves_no_process_overlay_or_file(rig: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    # the Debian 12 rig's home: a two_rigs test just before may have booted the Debian 13 rig, whose fixture
    # points $SWARMLAB_RIG_HOME at its own home
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(Path(rig.source).parent))
    state = vm.running()
    assert state is not None
    run_dir = vm.run_dir()
    assert (run_dir / "overlay.qcow2").exists()
    assert vm.down(progress=lambda m: None)
    assert gone(state.pid), "qemu is still running"
    assert not run_dir.exists() and not vm.inventory_file().exists()
    qemus = subprocess.run(["pgrep", "-f", f"qemu-system.*{run_dir}"], capture_output=True, text=True).stdout
    assert qemus.strip() == ""
    assert vm.status()["running"] is False
    assert vm.down(progress=lambda m: None) is False  # nothing left to stop
