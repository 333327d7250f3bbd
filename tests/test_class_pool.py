"""`swarmlab class` with provider `pool` (issue #24 item 2), for real: a hub with two students, each on a swarm of
their own, the suite's two rigs (Debian 12 for ann, Debian 13 for bob) as the instructor's pool. Each student's
server gets their own copy of their swarm (inventory, key, known_hosts) and runs lesson 01's cells live in a kernel
of their own server: what ann's kernel reads is rig 12's swarm (its node IDs, Docker 20.10), bob's rig 13's
(Docker 26.1); ann's server cannot read bob's key (nor the instructor's originals), and ann's own key does not
open bob's swarm. The instructor's dashboard shows both at lesson 01, and each swarm's health (the doctor, run by
the progress service). Only reading commands run on the rigs: the swarms are left as they were.

Both rigs must run at once: marked `two_rigs`, conftest orders this after the Debian 12 rig's other tests and
before the one that stops it (`rig_down`); the Debian 13 rig is booted here, once, and its tests follow.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from swarmlab.inventory import Inventory

pytestmark = [pytest.mark.real, pytest.mark.two_rigs]

ANN, BOB = STUDENTS = ["swlp-ann", "swlp-bob"]
INSTRUCTOR = "swlp-teach"
PROGRESS = "/services/swarmlab-progress"
DOCKER = {"12": "20.10.", "13": "26.1."}  # the docker.io of each rig's Debian (tests/conftest.py DOCKER_OF_DEBIAN)
CELL = """
import json, os
from swarmlab import course
lab = course.start("01", lang="zh", show=False)  # lesson 01's second cell; MODE from the server's environment
%swarm -o networks -H overlay @manager docker network ls
%swarm -o nodes @manager docker node ls
version = lab.transport.run(lab.manager, "docker version --format '{{{{.Server.Version}}}}'").stdout.strip()
mine = os.path.expanduser("~/.swarmlab/swarm/key-1")
try:
    open({other_key!r}).read()
    other = "read"
except PermissionError:
    other = "denied"
from swarmlab.transport.node import Node
from swarmlab.transport.ssh import SSHTransport
try:  # my own key at the other swarm's door
    with SSHTransport([Node("rig", "127.0.0.1", {other_port}, "root", mine)],
                      known_hosts=os.path.expanduser("~/.swarmlab/probe_known_hosts")) as t:
        t.run("rig", "true")
    door = "opened"
except Exception as exc:
    door = type(exc).__name__
print(json.dumps({{"mode": lab.mode, "inventory": lab.inventory.source, "networks": networks.ok,
                  "nodes": nodes.output, "version": version, "other_key": other, "door": door}}))
"""


def node_ids(inv: Inventory) -> set[str]:
    from swarmlab.transport.ssh import SSHTransport

    with SSHTransport(inv, known_hosts=inv.extra.get("known_hosts")) as t:
        return set(t.run("swarm-manager", "docker node ls -q", timeout=60, check=True).stdout.split())


@pytest.fixture(scope="module")
def pool_hub(rig: Inventory, rig13: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A class of two students on the two rigs (their inventories as `swarmlab rig up` wrote them)."""
    from swarmlab.testing import classhub

    tmp = tmp_path_factory.mktemp("class-pool")
    users = [INSTRUCTOR, *STUDENTS]
    classhub.remove_accounts(users)  # a run killed before its teardown
    text = (f'name = "swlp"\nlanguage = "zh"\nprovider = "pool"\ninstructors = ["{INSTRUCTOR}"]\n'
            f'students = {json.dumps(STUDENTS)}\n')
    with classhub.running_class(tmp, text, users, tables=f'[pool]\n{ANN} = "{rig.source}"\n'
                                                           f'{BOB} = "{rig13.source}"\n') as running:
        running.rigs = {ANN: rig, BOB: rig13}  # for the test: which rig is whose
        yield running


def test_each_student_works_on_their_own_swarm_debian12_and_debian13(pool_hub: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmlab.testing.classhub import HubClient, environ_of, processes_of, run_in_kernel

    hub = pool_hub
    monkeypatch.setenv("SWARMLAB_HOME", str(hub.home))
    ids = {user: node_ids(inv) for user, inv in hub.rigs.items()}
    assert len(ids[ANN]) == len(ids[BOB]) == 3 and not ids[ANN] & ids[BOB]
    clients = {}
    for user in STUDENTS:
        client = HubClient(hub.url)
        assert client.login(user, hub.passwords[user]).status_code == 302
        client.new_token(user)
        assert client.form_post(f"/hub/api/users/{user}/server").status_code in (201, 202)
        clients[user] = client
    for user in STUDENTS:
        clients[user].wait_ready(user)
        home = Path(pwd.getpwnam(user).pw_dir)
        copy = home / ".swarmlab" / "swarm" / "inventory.toml"
        (pid,) = [pid for pid, cmd in processes_of(user) if "jupyterhub.singleuser" in cmd]
        env = environ_of(pid)
        assert env["SWARMLAB_MODE"] == "live" and env["SWARMLAB_INVENTORY"] == str(copy)
        key = copy.parent / "key-1"
        assert key.stat().st_uid == pwd.getpwnam(user).pw_uid and key.stat().st_mode & 0o777 == 0o600
        original = Path(hub.rigs[user]["rig"].key_file or "")  # the same key (compared by digest: no key in a log)
        assert hashlib.sha256(key.read_bytes()).hexdigest() == hashlib.sha256(original.read_bytes()).hexdigest()

    teach = HubClient(hub.url)  # the instructor looks: the service starts each swarm's doctor (read below)
    assert teach.login(INSTRUCTOR, hub.passwords[INSTRUCTOR]).status_code == 302
    teach.new_token(INSTRUCTOR)
    assert set(teach.api("GET", f"{PROGRESS}/api/health").json()["health"]) == set(STUDENTS)

    said = {}
    for user, other in ((ANN, BOB), (BOB, ANN)):
        other_key = Path(pwd.getpwnam(other).pw_dir) / ".swarmlab" / "swarm" / "key-1"
        cell = CELL.format(other_key=str(other_key), other_port=hub.rigs[other]["rig"].port)
        said[user] = json.loads(run_in_kernel(hub.url, user, clients[user].token, cell, timeout=300))
    docker = {ANN: DOCKER[os.environ.get("SWARMLAB_RIG_DEBIAN") or "12"], BOB: DOCKER["13"]}  # as the rigs run
    for user, other in ((ANN, BOB), (BOB, ANN)):
        got = said[user]
        assert got["mode"] == "live" and got["inventory"].endswith(f"/{user}/.swarmlab/swarm/inventory.toml"), got
        assert got["networks"] and got["version"].startswith(docker[user]), got
        assert all(i in got["nodes"] for i in ids[user]), (user, got["nodes"])  # their swarm ...
        assert not any(i in got["nodes"] for i in ids[other]), (user, got["nodes"])  # ... and not the other's
        assert got["other_key"] == "denied" and got["door"] == "AuthenticationFailed", got
    for user, other in ((ANN, BOB), (BOB, ANN)):  # nor the instructor's originals
        original = hub.rigs[other]["rig"].key_file or ""
        denied = subprocess.run(["runuser", "-u", user, "--", "cat", original], capture_output=True, text=True,
                                timeout=30)
        assert denied.returncode != 0 and "Permission denied" in denied.stderr

    for user in STUDENTS:  # the instructor sees both students at lesson 01 (the progress service) ...
        events = teach.api("GET", f"{PROGRESS}/api/students/{user}").json()["events"]
        assert [(e["kind"], e["lesson"]) for e in events][:1] == [("lesson", "01")], events
    # ... and each one's swarm health: `swarmlab doctor` on it, run by the service when an instructor looks
    health: dict[str, Any] = {}
    for _ in range(240):
        health = teach.api("GET", f"{PROGRESS}/api/health").json()["health"]
        if all(health.values()):
            break
        time.sleep(0.5)
    for user in STUDENTS:
        assert health[user]["ok"] and health[user]["passed"] >= 10 and health[user]["failed"] == [], health
    page = teach.session.get(f"{hub.url}{PROGRESS}/", timeout=60)  # the browser's path
    assert page.status_code == 200 and "<th>集群</th>" in page.text
    for user in STUDENTS:  # each student's row: their server's link, then their swarm green
        row = re.search(rf'<tr data-student="{user}"><th>{user}</th>(.*?)</tr>', page.text)
        assert row and f'<td class="server"><a href="/hub/admin#/?name_filter={user}"' in row.group(1), page.text
        assert '<td class="swarm" data-health="green"' in row.group(1), row.group(1)
    assert clients[ANN].api("GET", f"{PROGRESS}/api/health").status_code == 403  # not for students
