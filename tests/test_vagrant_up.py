"""`vagrant up` for real (issue #14): the project's own Vagrantfile, Debian's vagrant-libvirt, a libvirt daemon and
qemu (software emulation), the box built here from Debian packages (swarmlab/testing/box.py), synced folders off (the
default): three machines come up with the provisioning running, `swarmlab nodes` finds them from `vagrant
ssh-config`, the doctor passes, the chapter and one lesson run live over Vagrant's SSH as user vagrant, a rebuilt
manager heals the workers, `vagrant provision` again changes nothing, `vagrant destroy -f` leaves nothing behind.
The machines have no route out.

One bring-up per session (module fixture), ordered after every other test (marker after_rigs) with the test rigs
stopped first: three more emulated machines on two cores. ~30 min here; the phases' times land in
benchmarks/results/vagrant.json. State: `$SWARMLAB_VAGRANT_HOME` (else /var/tmp/swarmlab-test-vagrant); the box is
cached by recipe like the rig's image. SWARMLAB_KEEP_VAGRANT=1 leaves the machines up.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmlab import doctor, inventory
from swarmlab.inventory import Inventory
from swarmlab.transport import SSHTransport

pytestmark = [pytest.mark.real, pytest.mark.after_rigs, pytest.mark.timeout(2400)]
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "vagrant.json"
FIXTURE = ROOT / "tests" / "fixtures" / "vagrant" / "ssh-config-3-machines.txt"
MACHINES = ["swarm-manager", "swarm-worker1", "swarm-worker2"]


def state_dir() -> Path:
    return Path(os.environ.get("SWARMLAB_VAGRANT_HOME") or "/var/tmp/swarmlab-test-vagrant")


@pytest.fixture(autouse=True)
def swarmlab_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its own known_hosts (rebuilt machines get new host keys on reused addresses), as tests/conftest.py does."""
    monkeypatch.setenv("SWARMLAB_HOME", str(tmp_path_factory.mktemp("swarmlab-home")))


@pytest.fixture(scope="module")
def vagrant_kit() -> Iterator[object]:
    from swarmlab.rig import RigError
    from swarmlab.testing import vagrant as v
    from swarmlab.testing.rig import stop_test_rigs

    if os.geteuid() != 0 and not v.libvirt_ready():
        pytest.skip("needs root (a libvirt daemon, debootstrap for the box) or a running libvirtd")
    stop_test_rigs(progress=lambda m: print(f"[vagrant] test rigs: {m}", flush=True))
    try:
        k = v.prepare(state_dir(), progress=lambda m: print(f"[vagrant] {m}", flush=True))
    except RigError as exc:
        pytest.fail(str(exc))
    k.vagrant("destroy", "-f", timeout=600, check=False)  # a previous run killed half-way
    try:
        k.vagrant("up", phase="up", timeout=1800)
        yield k
    finally:
        if os.environ.get("SWARMLAB_KEEP_VAGRANT") != "1":
            k.vagrant("destroy", "-f", timeout=600, check=False)
        v.write_results(k, RESULTS, {"tests": "tests/test_vagrant_up.py", "runs": 1,
                                     "phases_measured": sorted(k.timings)})


@pytest.fixture(scope="module")
def inv(vagrant_kit: object) -> Inventory:
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    t0 = time.monotonic()
    found = inventory.from_vagrant(kit.project)
    kit.timings["swarmlab_nodes"] = round(time.monotonic() - t0, 1)
    return found


def test_up_provisions_the_three_machines(vagrant_kit: object, inv: Inventory) -> None:
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    log = kit.logs["up"]
    assert log.count("checking the provider, Vagrant's version and the box") == 3, "vagrant/kit.rb let libvirt on"
    assert "swarm initialised on 192.168.56.10" in log
    assert log.count("joined the swarm at 192.168.56.10:2377") == 2
    assert "made the lab images" in log and "SWMTKN" not in log, "the token never shows in the output"
    assert log.count("installed from the classroom cache: bridge-utils busybox-static tcpdump conntrack") == 3, \
        "what the box lacks came from the classroom cache (the machines have no route out)"
    assert [n.name for n in inv] == MACHINES and {n.user for n in inv} == {"vagrant"}
    # The workers boot and provision alongside the manager (libvirt brings machines up in parallel) and wait for
    # the join token only in their "token" provisioner: each starts `common` before the manager runs `manager`.
    # With the token fetched before `up` (a trigger), they would not boot until the manager's swarm existed.
    lines = log.splitlines()

    def first(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    manager_swarm = first("swarm-manager: Running provisioner: manager")
    for worker in MACHINES[1:]:
        common = first(f"{worker}: Running provisioner: common")
        assert common < manager_swarm, f"{worker} waited to boot"
        assert first(f"{worker}: swarmlab: reading the worker join token") > common


def test_the_real_ssh_config_is_the_inventory_fixture(vagrant_kit: object, inv: Inventory) -> None:
    """`vagrant ssh-config` as it really printed (tests/fixtures/vagrant/ssh-config-3-machines.txt is a copy
    of it, with this machine's paths): the parser reads both the same way."""
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    real = kit.vagrant("ssh-config", timeout=300).stdout
    fixture = inventory.from_vagrant_ssh_config(FIXTURE.read_text())
    live = inventory.from_vagrant_ssh_config(real)
    assert [n.name for n in live] == [n.name for n in fixture] == MACHINES
    assert {n.user for n in live} == {n.user for n in fixture} == {"vagrant"}
    assert all(n.key_file and n.key_file.endswith(f"/{n.name}/libvirt/private_key") for n in live)


def test_no_route_out_of_the_machines(inv: Inventory) -> None:
    """The network rule: no default route in any machine, and the libvirt networks have no <forward>."""
    from swarmlab.testing.vagrant import VIRSH

    with SSHTransport(inv) as t:
        routes = t.run_all(None, "ip route show default; ip -6 route show default", timeout=60)
    for r in routes:
        assert r.exit_code == 0 and r.stdout.strip() == "", f"{r.node} has a default route: {r.stdout}"
    for net in ("swarmlab-mgmt", "project0"):
        xml = subprocess.run([*VIRSH, "net-dumpxml", net], capture_output=True, text=True, timeout=60).stdout
        assert "<network" in xml and "<forward" not in xml, f"{net} forwards: {xml}"


def test_doctor_passes(vagrant_kit: object, inv: Inventory) -> None:
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    t0 = time.monotonic()
    with SSHTransport(inv) as t:
        checks = doctor.run(t, inv)
    kit.timings["doctor"] = round(time.monotonic() - t0, 1)
    bad = [c.line for c in checks if not c.ok]
    assert checks and bad == [], doctor.report(checks)


def test_the_chapter_runs_live_as_user_vagrant(vagrant_kit: object, inv: Inventory) -> None:
    """The chapter end to end over Vagrant's SSH (user vagrant; sudo where the chapter uses it): the VIP chain is
    complete and 100 requests through the VIP reach both replicas."""
    from swarmlab.lab import Lab
    from swarmlab.lab.walk import walk
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    lines: list[str] = []
    t0 = time.monotonic()
    with Lab.connect("live", inventory=inv) as lab:
        ok = walk(lab, out=lines.append, requests=100)
        lab.reset()
    kit.timings["chapter"] = round(time.monotonic() - t0, 1)
    assert ok, "\n".join(lines[-40:])


def test_one_lesson_executes_live(vagrant_kit: object, inv: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmlab.testing.notebooks import error_outputs, execute_all, notebooks
    from swarmlab.testing.notebooks import problems as shown_problems
    from swarmlab.testing.vagrant import Kit, volume_allocations_mib

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    monkeypatch.setenv("SWARMLAB_MODE", "live")
    # the notebook runs in labs/en, not next to the Vagrantfile: the machines as `vagrant ssh-config` gave them
    toml = kit.state / "vagrant-inventory.toml"
    toml.write_text("".join(f'[[nodes]]\nname = "{n.name}"\nhost = "{n.host}"\nport = {n.port}\n'
                            f'user = "{n.user}"\nkey_file = "{n.key_file}"\n\n' for n in inv))
    monkeypatch.setenv("SWARMLAB_INVENTORY", str(toml))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    t0 = time.monotonic()
    done, _, failed = execute_all([p for p in notebooks("en") if p.stem.startswith("01")], timeout=900, workers=1)
    kit.timings["lesson_01"] = round(time.monotonic() - t0, 1)
    problems = [f"{name}: {why}" for name, why in failed.items()]
    problems += [f"{name}: {e}" for name, nb in done.items() for e in error_outputs(nb) + shown_problems(nb)]
    assert len(done) == 1 and problems == []
    # laptop sizing (docs/instructor-guide.md): each machine's memory and disk after a lesson ran, the host's volumes
    with SSHTransport(inv) as t:
        for node in inv.names:
            mem = t.run(node, "free -m | awk '/^Mem:/ {print $3, $7}'", timeout=60, check=True).stdout.split()
            disk = t.run(node, "df -m --output=used / | tail -1", timeout=60, check=True).stdout.split()
            kit.sizes[node] = {"mem_used_mib": int(mem[0]), "mem_available_mib": int(mem[1]),
                               "root_used_mib": int(disk[0])}
    kit.sizes["host_volumes_mib"] = volume_allocations_mib()
    assert kit.sizes["host_volumes_mib"], "no libvirt volume measured"


def test_a_rebuilt_manager_heals_the_workers_and_provisioning_again_keeps_what_is_right(
        vagrant_kit: object, inv: Inventory) -> None:
    """The manager rebuilt as an instructor does it (#25.5): `vagrant destroy -f swarm-manager && vagrant up
    swarm-manager` (a new disk, a new swarm, new tokens, a new host key and key pair); then `vagrant provision` on the
    workers, which still see themselves active in the old swarm: they leave it and join the new one, and what was
    right on them stays (the packages, the lab images: "already installed", "are there"). Then `vagrant provision`
    again on the new manager changes nothing ("swarm already active: left as it is"). Every provisioner runs but
    `cache` on the second pass (the same 161 MB uploaded again; the scripts already hold every package)."""
    from swarmlab.testing.vagrant import Kit

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    with SSHTransport(inv) as t:
        old = t.run("swarm-manager", "docker info --format '{{.Swarm.NodeID}}'", timeout=60, check=True).stdout.strip()
    kit.vagrant("destroy", "-f", "swarm-manager", phase="rebuild_destroy", timeout=600)
    assert not (kit.project / ".vagrant" / "swarmlab" / "worker-token").exists()  # the after-destroy trigger
    out = kit.vagrant("up", "swarm-manager", phase="rebuild_up", timeout=1800).stdout
    assert "swarm initialised on" in out, out[-3000:]
    files = "lab-image-whoami-server,lab-image-index.cgi"
    out = kit.vagrant("provision", "swarm-worker1", "swarm-worker2", "--provision-with", f"{files},common,token,worker",
                      phase="heal_workers", timeout=900).stdout
    assert out.count("already installed") == 2 and out.count("the lab images are there") == 2, out[-3000:]
    assert out.count("left a swarm whose managers") == 2 and out.count("joined the swarm at") == 2, out[-3000:]
    assert "SWMTKN" not in out  # the token never reaches the log
    out = kit.vagrant("provision", "swarm-manager", "--provision-with", f"{files},common,manager",
                      phase="provision_again", timeout=600).stdout
    assert "already installed" in out and "the lab images are there" in out, out[-3000:]
    assert "swarm already active: left as it is" in out and "swarm initialised on" not in out, out[-3000:]
    rebuilt = inventory.from_vagrant(kit.project)  # the new machine's key (and maybe address)
    ready = ["swarm-manager Ready", "swarm-worker1 Ready", "swarm-worker2 Ready"]
    with SSHTransport(rebuilt) as t:
        new = t.run("swarm-manager", "docker info --format '{{.Swarm.NodeID}}'", timeout=60, check=True).stdout.strip()
        for _ in range(30):  # a joined node is Unknown until its first heartbeat
            nodes = t.run("swarm-manager", "docker node ls --format '{{.Hostname}} {{.Status}}' | sort", timeout=60,
                          check=True).stdout.split()
            if [" ".join(nodes[i:i + 2]) for i in range(0, len(nodes), 2)] == ready:
                break
            time.sleep(2)
    assert new and new != old
    assert [" ".join(nodes[i:i + 2]) for i in range(0, len(nodes), 2)] == ready


def test_destroy_leaves_nothing_behind(vagrant_kit: object) -> None:
    from swarmlab.testing.vagrant import Kit, libvirt_names

    assert isinstance(vagrant_kit, Kit)
    kit = vagrant_kit
    kit.vagrant("destroy", "-f", phase="destroy", timeout=900)
    assert [d for d in libvirt_names("domain") if d.startswith("project_")] == []
    assert [v for v in libvirt_names("volume") if v.startswith("project_")] == []
    assert [n for n in libvirt_names("network") if n in ("swarmlab-mgmt", "project0")] == []
    assert not (kit.project / ".vagrant" / "swarmlab" / "worker-token").exists()
