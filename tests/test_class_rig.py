"""`swarmlab class` with provider `rig` (issue #24 item 2): one rig VM per student, booted when their server spawns,
stopped when it stops or when jupyterhub-idle-culler culls it idle.

Cheap: the [rig] table and `idle_minutes` checked line by line, the hub's configuration (the culler service with
its scopes, the hooks), a student's rig home sharing the base's image. Real (one test, a real hub, a real rig VM
booted by the provider at spawn): the student's server reaches their own swarm (the doctor from their kernel,
green), the image's key no longer opens their rig, and the culler stops the idle server, whose post-stop hook
stops the VM. It boots a rig of its own (never the suite's test rigs): marked after_rigs, it runs once they are
stopped; its rig home is $SWARMLAB_TEST_CLASS_RIG (default /var/tmp/swarmlab-test-class-rig), the image copied
there from the suite's Debian 12 rig home (cp -a) or built once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import io
import json
import os
import pwd
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config

from swarmlab.classhub import classfile, hubconfig, providers, rigs, spawnprogress
from swarmlab.cli import main

GOOD = """\
name = "lb-rig"
language = "en"
provider = "rig"
instructors = ["teach"]
students = ["ann", "bob"]
"""


def base_with_image(folder: Path, release: str = "12") -> Path:
    """A rig home holding (the marker of) the image this swarmlab boots: build.json under images/<recipe>."""
    from swarmlab.rig import image

    img = folder / "images" / image.recipe_hash(release)
    img.mkdir(parents=True)
    (img / "build.json").write_text("{}\n")
    (folder / "accel").write_text("tcg (KVM guest did not answer SSH in time)\n")
    return folder


def rig_class(tmp_path: Path, table: str = 'base = "base"\nhomes = "homes"\n', limits: str = "") -> Path:
    base_with_image(tmp_path / "base")
    path = tmp_path / "class.toml"
    path.write_text(GOOD + limits + f"[rig]\n{table}")
    return path


def test_a_rig_class_file(tmp_path: Path) -> None:
    cf = classfile.load(rig_class(tmp_path, limits="[limits]\nidle_minutes = 30\n"))
    assert cf.provider == "rig" and cf.limits["idle_minutes"] == 30
    assert cf.rig == rigs.RigSettings(tmp_path / "base", tmp_path / "homes", "12", 4096)
    defaults = classfile.load(rig_class(tmp_path / "d", 'base = "base"\n'))
    assert defaults.rig is not None and defaults.rig.homes == Path(rigs.DEFAULT_HOMES)
    assert classfile.load(rig_class(tmp_path / "m", 'base = "base"\nmemory = 3072\n')).rig.memory == 3072  # type: ignore[union-attr]


@pytest.mark.parametrize(("table", "said"), [
    ('bse = "base"\n', "unknown key rig.bse: did you mean 'base'?"),
    ('homes = "homes"\n', "rig.base is missing: name a rig home whose image is built"),
    ('base = ""\n', "rig.base must be a folder's path"),
    ("base = 3\n", "rig.base must be a folder's path"),
    ('base = "base"\nrelease = 12\n', "rig.release = 12: use \"12\" or \"13\" (text"),
    ('base = "base"\nrelease = "11"\n', "rig.release = '11': use \"12\" or \"13\""),
    ('base = "base"\nmemory = 512\n', "rig.memory = 512: give the VM's MiB, a whole number from 2048"),
    ('base = "base"\nmemory = true\n', "rig.memory = True"),
    ('base = "base"\nhomes = "base/students"\n', "is inside rig.base: give the students' rig homes a folder"),
    ('base = "elsewhere"\n', "has no rig image for Debian 12 of this swarmlab"),
    ('base = "base"\nrelease = "13"\n', "swarmlab rig build --debian 13"),
])
def test_a_bad_rig_table_is_one_line_naming_the_fix(tmp_path: Path, table: str, said: str) -> None:
    with pytest.raises(classfile.ClassFileError) as exc:
        classfile.load(rig_class(tmp_path, table))
    assert said in str(exc.value) and "\n" not in str(exc.value), str(exc.value)


@pytest.mark.parametrize(("text", "said"), [
    (GOOD, "provider \"rig\" needs a [rig] table: at least base = "),
    (GOOD.replace('"rig"', '"replay"') + '[rig]\nbase = "base"\n', "[rig] is read only with provider = \"rig\""),
    (GOOD + "rig = 3\n", "rig must be a table"),
    (GOOD + '[limits]\nidle_minutes = -1\n[rig]\nbase = "b"\n', "limits.idle_minutes = -1: give a whole number"),
])
def test_a_bad_rig_class_is_one_line_through_the_cli(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "class.toml"
    path.write_text(text)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "status", str(path)]) == 2
    assert err.getvalue().count("\n") == 1 and said in err.getvalue(), err.getvalue()


def configured(tmp_path: Path, limits: str = "") -> tuple[Config, dict[str, Any]]:
    cf = classfile.load(rig_class(tmp_path, limits=limits))
    (tmp_path / "service-token").write_text("t0k3n\n")
    data = hubconfig.settings(cf, tmp_path, hub_port=8081, api_port=8001, chp="/x/chp", singleuser=["py"],
                              python="/opt/py")
    (tmp_path / "settings.json").write_text(json.dumps(data))
    c = Config()
    hubconfig.configure(c, tmp_path / "settings.json")
    return c, data


def test_the_hub_runs_the_idle_culler_with_its_scopes(tmp_path: Path) -> None:
    from jupyterhub.scopes import scope_definitions

    c, data = configured(tmp_path, "[limits]\nidle_minutes = 1\n")
    assert providers.from_settings(data).name == "rig" and data["rig"]["base"] == str(tmp_path / "base")
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["idle-culler"]["command"] == ["/opt/py", "-m", "jupyterhub_idle_culler", "--timeout=60",
                                                  "--cull-every=15"]
    (role,) = [r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler"]
    assert role["services"] == ["idle-culler"]
    assert sorted(role["scopes"]) == ["delete:servers", "list:users", "read:servers", "read:users:activity"]
    assert all(scope in scope_definitions for scope in role["scopes"])  # JupyterHub's own scopes, no admin
    assert c.JupyterHub.last_activity_interval == 15  # the culler sees activity at its own pace
    # 30 minutes: looks every 5 minutes at most
    c30, _ = configured(tmp_path / "30", "[limits]\nidle_minutes = 30\n")
    assert next(s for s in c30.JupyterHub.services if s["name"] == "idle-culler")["command"][3:] == \
        ["--timeout=1800", "--cull-every=300"]
    # no idle_minutes: no culler, no role for it
    c0, _ = configured(tmp_path / "0")
    assert "idle-culler" not in {s["name"] for s in c0.JupyterHub.services}
    assert "idle-culler" not in {r["name"] for r in c0.JupyterHub.load_roles}


def test_the_hooks_are_awaited_and_stop_the_rig(tmp_path: Path) -> None:
    """The hub awaits both hooks (a rig boots for minutes: never on the hub's loop); post-stop with no rig running
    is a no-op; pre-spawn for a student whose base image vanished is the provider's one line."""
    c, _ = configured(tmp_path, "[limits]\nidle_minutes = 1\n")
    assert asyncio.iscoroutinefunction(c.Spawner.pre_spawn_hook)
    assert asyncio.iscoroutinefunction(c.Spawner.post_stop_hook)
    spawner = SimpleNamespace(user=SimpleNamespace(name="ann"), environment={})
    asyncio.run(c.Spawner.post_stop_hook(spawner))
    shutil.rmtree(tmp_path / "base" / "images")
    with pytest.raises(rigs.RigTableError, match="has no rig image for Debian 12"):
        asyncio.run(c.Spawner.pre_spawn_hook(spawner))
    assert spawner.environment == {}


def test_each_students_rig_home_shares_the_base_image(tmp_path: Path) -> None:
    settings = rigs.RigSettings(base_with_image(tmp_path / "base"), tmp_path / "homes")
    img = rigs.image_dir(settings)
    stale = settings.home("ann") / "images" / "0123456789abcdef"
    stale.parent.mkdir(parents=True)
    stale.symlink_to(tmp_path)  # an older recipe's link: replaced
    home = rigs.prepare(settings, "ann")
    assert home == tmp_path / "homes" / "ann" and home.stat().st_mode & 0o777 == 0o700
    (link,) = (home / "images").iterdir()
    assert link.is_symlink() and link.resolve() == img.resolve()  # the base's image, not a copy
    assert (home / "accel").read_text() == (settings.base / "accel").read_text()  # no second KVM probe
    assert rigs.prepare(settings, "ann") == home and not rigs.is_up(settings, "ann")
    assert rigs.halt(settings, "ann") is False  # nothing runs: nothing to stop
    health = providers.RigProvider(settings).health("ann")
    assert health is not None and not health.ok and health.failed[0].startswith("no rig running")
    blocked = rigs.RigSettings(settings.base, tmp_path / "file" / "homes")
    (tmp_path / "file").write_text("not a folder\n")
    with pytest.raises(rigs.RigTableError, match=r"^cannot make ann's rig home .* set \[rig\] homes to a folder"):
        rigs.prepare(blocked, "ann")


# --- real: a hub, a student, their rig booted at spawn, culled idle ---------------------------------------------

def spawn_page_events(client: Any, user: str) -> list[dict[str, Any]]:
    """The events JupyterHub's spawn page reads (/hub/api/users/NAME/server/progress, an event stream) until the
    spawn ends: what the student sees while their rig boots."""
    events: list[dict[str, Any]] = []
    with client.api("GET", f"/hub/api/users/{user}/server/progress", stream=True) as r:
        r.raise_for_status()
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[len("data:"):]))
    return events


STUDENT, TEACH = "swlr-ann", "swlr-teach"


def class_rig_root() -> Path:
    return Path(os.environ.get("SWARMLAB_TEST_CLASS_RIG") or "/var/tmp/swarmlab-test-class-rig")


def digest(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.real
@pytest.mark.after_rigs
@pytest.mark.timeout(1800)
def test_a_students_rig_boots_at_spawn_and_stops_when_culled_idle(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmlab.rig import image
    from swarmlab.testing import classhub
    from swarmlab.testing.rig import RIG_HOME_DEFAULT, rig_unavailable_reason, stop_test_rigs
    from swarmlab.transport.node import Node
    from swarmlab.transport.ssh import SSHTransport

    reason = rig_unavailable_reason()
    if reason:
        pytest.skip(reason)
    stop_test_rigs()  # the suite's rigs (unless SWARMLAB_KEEP_RIG=1): this test boots one of its own
    root = class_rig_root()
    base = classhub.rig_base(root / "base", Path(RIG_HOME_DEFAULT))  # the suite's Debian 12 image, copied once
    settings = rigs.RigSettings(base, root / "homes")
    rigs.halt(settings, STUDENT)  # a run killed before its teardown
    users = [TEACH, STUDENT]
    classhub.remove_accounts(users)
    text = f'name = "swlr"\nlanguage = "en"\nprovider = "rig"\ninstructors = ["{TEACH}"]\nstudents = ["{STUDENT}"]\n'
    tables = f'[limits]\nidle_minutes = 1\n[rig]\nbase = "{base}"\nhomes = "{root / "homes"}"\n'
    home = settings.home(STUDENT)
    times: dict[str, float] = {}
    try:
        with classhub.running_class(tmp_path, text, users, tables=tables) as hub:
            monkeypatch.setenv("SWARMLAB_HOME", str(hub.home))
            client = classhub.HubClient(hub.url)
            assert client.login(STUDENT, hub.passwords[STUDENT]).status_code == 302
            client.new_token(STUDENT)
            t0 = time.monotonic()
            assert client.form_post(f"/hub/api/users/{STUDENT}/server").status_code in (201, 202)
            with concurrent.futures.ThreadPoolExecutor(1) as pool_:  # the spawn page's events, read during the boot
                page = pool_.submit(spawn_page_events, client, STUDENT)
                client.wait_ready(STUDENT, timeout=900)  # the pre-spawn hook boots the rig first
                times["spawn_to_ready_s"] = time.monotonic() - t0
                on_page = [str(e.get("message", "")) for e in page.result(timeout=120)]
            phases = [m.split(" (")[0] for m in on_page if m.endswith(" s)")]  # the rig's phases, in order, live
            assert phases[:2] == ["preparing your swarm's VM", "booting your swarm's VM"], on_page
            assert phases.index("swarm-worker2 joined the swarm") < phases.index(
                spawnprogress.READY.message), on_page
            assert on_page[-1].startswith("Server ready at"), on_page
            assert classhub.qemu_alive(home) and rigs.is_up(settings, STUDENT)

            (pid,) = [pid for pid, cmd in classhub.processes_of(STUDENT) if "jupyterhub.singleuser" in cmd]
            env = classhub.environ_of(pid)
            copy = Path(pwd.getpwnam(STUDENT).pw_dir) / ".swarmlab" / "swarm" / "inventory.toml"
            assert env["SWARMLAB_MODE"] == "live" and env["SWARMLAB_INVENTORY"] == str(copy)
            assert env["JUPYTERHUB_ACTIVITY_INTERVAL"] == "15"
            key = copy.parent / "key-1"  # the rig's own key, not the image's (compared by digest: no key in a log)
            img_key = image.Image(base / "images" / image.recipe_hash("12")).client_key
            assert digest(key) == digest(home / rigs.STUDENT_KEY) != digest(img_key)

            said = json.loads(classhub.run_in_kernel(hub.url, STUDENT, client.token or "", classhub.DOCTOR_CELL,
                                                     timeout=300))
            times["ready_to_doctor_green_s"] = time.monotonic() - t0 - times["spawn_to_ready_s"]
            assert said["mode"] == "live" and said["inventory"] == str(copy), said
            assert said["failed"] == [] and said["passed"] >= 10, said  # the doctor, green, from their kernel
            assert sorted(said["nodes"]) == ["Ready"] * 3 + ["swarm-manager", "swarm-worker1", "swarm-worker2"], said

            port = json.loads((home / "run" / "state.json").read_text())["port"]
            door = "opened"  # the image's key at this rig's door: refused (the rig has a key of its own)
            try:
                with SSHTransport([Node("rig", "127.0.0.1", port, "root", str(img_key))],
                                  known_hosts=str(home / "known_hosts")) as t:
                    t.run("rig", "true", timeout=60)
            except Exception as exc:
                door = type(exc).__name__
            assert door == "AuthenticationFailed"

            t_idle = time.monotonic()  # nothing more on the server: the culler stops it (60 s idle, looks every 15)
            deadline = t_idle + 600
            while time.monotonic() < deadline:
                user = client.api("GET", f"/hub/api/users/{STUDENT}").json()
                if not (user.get("servers") or {}):
                    break
                time.sleep(2)
            times["idle_to_culled_s"] = time.monotonic() - t_idle
            assert not (user.get("servers") or {}), user
            stopped = time.monotonic() + 120
            while classhub.qemu_alive(home) and time.monotonic() < stopped:  # the post-stop hook stops the VM
                time.sleep(1)
            times["idle_to_rig_stopped_s"] = time.monotonic() - t_idle
            assert not classhub.qemu_alive(home) and not rigs.is_up(settings, STUDENT)
            log = (hub.folder / "hub.log").read_text(errors="replace")
            assert "Culling server" in log and STUDENT in log  # the culler did it, not a crash
            times["total_s"] = time.monotonic() - t0
    finally:
        rigs.halt(settings, STUDENT)
        print("timings:", json.dumps({k: round(v, 1) for k, v in times.items()}))
