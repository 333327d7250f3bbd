"""`swarmlab class` (issue #24 item 1, provider replay): the class file checked line by line, the hub's
configuration, and a real JupyterHub with configurable-http-proxy on loopback: two students and an instructor log
in through the login form, spawn their own servers (as their own system accounts), open a lesson; a student cannot
reach another's server or files; the instructor's role sees every student but cannot enter their servers; `class
stop` leaves no process behind."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config

from swarmlab.classhub import accounts, classfile, hubconfig, providers, server
from swarmlab.cli import main
from swarmlab.errors import SwarmlabError

ROOT = Path(__file__).resolve().parent.parent
GOOD = """\
name = "lb-test"
language = "en"
provider = "replay"
instructors = ["teach"]
students = ["ann", "bob"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def test_a_good_class_file(tmp_path: Path) -> None:
    cf = classfile.load(write(tmp_path, GOOD + "port = 9000\n[limits]\nactive_servers = 5\n"))
    assert (cf.name, cf.language, cf.provider, cf.port) == ("lb-test", "en", "replay", 9000)
    assert cf.students == ("ann", "bob") and cf.instructors == ("teach",) and cf.users == ("teach", "ann", "bob")
    assert cf.course == ROOT / "labs" / "en"
    assert cf.limits == {"active_servers": 5, "concurrent_spawns": 10, "start_timeout": 120, "idle_minutes": 0}


def test_a_roster_name_that_is_a_group_here_is_refused_before_any_account_is_made() -> None:
    """A student called `sudo`, `adm` or `docker`: before, useradd's own refusal came mid-way through the roster,
    suggesting to join that group (`use -g`)."""
    import grp
    import pwd

    users = {u.pw_name for u in pwd.getpwall()}
    group = next(g.gr_name for g in grp.getgrall() if g.gr_name not in users)  # adm, sudo...: a group, no login
    with pytest.raises(SwarmlabError, match=f"'{re.escape(group)}' is already a group on this host .* rename them"):
        accounts.check_free([group])


def test_a_class_file_saved_with_a_bom_loads(tmp_path: Path) -> None:
    """Notepad saves UTF-8 with a byte order mark: before, 'not valid TOML (Invalid statement (at line 1, column
    1))', naming no fix."""
    path = write(tmp_path, GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert classfile.load(path).students == ("ann", "bob")


@pytest.mark.parametrize(("change", "said"), [
    (lambda t: t + "studnets = []\n", "unknown key 'studnets': did you mean 'students'?"),
    (lambda t: t + "zzz = 1\n", "unknown key 'zzz': the keys are name, language"),
    (lambda t: t.replace('students = ["ann", "bob"]\n', ""), "missing 'students': add it"),
    (lambda t: t.replace('["ann", "bob"]', '["ann", "ann"]'), "students: 'ann' is listed twice: keep one"),
    (lambda t: t.replace('["ann", "bob"]', '["ann", "teach"]'), "'teach' is both an instructor and a student"),
    (lambda t: t.replace('"ann"', '"Ann"'), "students: 'Ann' is not a valid user name"),
    (lambda t: t.replace('"ann"', '"ann; rm -rf /"'), "refused characters"),
    (lambda t: t.replace('"ann"', '"' + "a" * 40 + '"'), "at most 32"),
    (lambda t: t.replace('"ann"', "3"), "students must be a list of login names"),
    (lambda t: t.replace('["teach"]', "[]"), "instructors is empty"),
    (lambda t: t.replace('"lb-test"', '"../etc"'), "name: '../etc' is not a valid class name"),
    (lambda t: t.replace('"en"', '"fr"'), "language 'fr': use \"zh\" or \"en\""),
    (lambda t: t.replace('"replay"', '"rig"'), "provider \"rig\" needs a [rig] table: at least base = "),
    (lambda t: t.replace('"replay"', '"docker"'), "provider 'docker': use \"replay\""),
    (lambda t: t + "port = 80\n", "port 80: give a TCP port from 1024 to 65535"),
    (lambda t: t + 'course = "nowhere"\n', "is not a folder of notebooks"),
    (lambda t: t + "[limits]\nstart_timout = 30\n", "unknown key limits.start_timout: did you mean 'start_timeout'?"),
    (lambda t: t + "[limits]\nstart_timeout = 1\n", "limits.start_timeout = 1: give a whole number from 10"),
    (lambda t: t + "[limits]\nactive_servers = true\n", "limits.active_servers = True"),
    (lambda t: t + "limits = 3\n", "limits must be a table"),
    (lambda t: t + "name = 'x'\n", "not valid TOML"),
    (lambda t: t + "progress_db = 'progress.sqlite'\n", "progress_db must be a database URL"),
])
def test_a_bad_class_file_is_one_line_naming_the_fix(tmp_path: Path, change: Any, said: str) -> None:
    path = write(tmp_path, change(GOOD))
    with pytest.raises(classfile.ClassFileError) as exc:
        classfile.load(path)
    assert said in str(exc.value) and "\n" not in str(exc.value)
    err = io.StringIO()  # the CLI says the same in one line, exit 2
    with contextlib.redirect_stderr(err):
        assert main(["class", "status", str(path)]) == 2
    assert err.getvalue().count("\n") == 1 and said in err.getvalue()


@pytest.mark.parametrize("command", ["start", "stop"])
def test_start_and_stop_refuse_without_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", command, str(write(tmp_path, GOOD))]) == 2
    assert f"class {command} needs root" in err.getvalue() and err.getvalue().count("\n") == 1


@pytest.mark.parametrize(("db", "said"), [
    ("postgresql://progress@/lb?host=/nonexistent", "cannot create the events table (connection is bad"),
    ("mysql://progress@db.invalid/lb", "use SQLite (the default) or PostgreSQL (postgresql://...)"),
    ("postgresql+pg8000://progress@db.invalid/lb", "no driver (pg8000): install it into the hub's Python"),
])
def test_start_refuses_a_progress_db_it_cannot_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str,
                                                   said: str) -> None:
    """Before any account or process: the service would die on it at each of the hub's restarts."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "start", str(write(tmp_path, GOOD + f"progress_db = {db!r}\n"))]) == 2
    assert said in err.getvalue() and err.getvalue().count("\n") == 1


def test_replay_provider_and_a_rig_without_its_table() -> None:
    replay = providers.get("replay")
    replay.start("ann")
    assert replay.env("ann") == {"SWARMLAB_MODE": "replay"}
    replay.stop("ann")
    with pytest.raises(Exception, match=r"provider \"rig\" needs its \[rig\] table"):
        providers.get("rig")


def test_stop_never_signals_a_pid_that_is_not_the_class_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A state.json whose pid is now another process (a reboot, a crash) is left alone: `stop` signals only a
    process whose command line is this class's hub; nor a proxy.pid that is not a proxy."""
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # the process to spare is our own child: no root needed
    cf = classfile.load(write(tmp_path, GOOD))
    where = server.folder(cf)
    other = subprocess.Popen(["sleep", "60"])
    try:
        (where / "state.json").write_text(json.dumps({"pid": other.pid, "url": "http://127.0.0.1:1"}))
        (where / "proxy.pid").write_text(f"{other.pid}\n")
        assert server.running(cf) is None
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["class", "stop", str(cf.path)]) == 0
        assert "was not running" in out.getvalue() and other.poll() is None
        assert not (where / "state.json").exists()
    finally:
        other.kill()
        other.wait()


def test_a_leftover_is_named_by_pid_user_and_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `stop` kills after the hub (a crash, a hub that did not finish) is named in its one line, so a CI log
    alone says what was left: here a process of the class's (its config on the command line) with no hub."""
    import pwd
    import sys

    monkeypatch.setattr(os, "geteuid", lambda: 0)  # the leftover is our own child: no root needed
    cf = classfile.load(write(tmp_path, GOOD))
    where = server.folder(cf)
    left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", str(where / "jupyterhub_config.py")])
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["class", "stop", str(cf.path)]) == 0
        me = pwd.getpwuid(os.getuid()).pw_name
        said = out.getvalue()
        assert f"was not running; 1 leftover process(es) killed (pid user command: {left.pid} {me} python" in said
        assert left.wait(timeout=30) is not None
    finally:
        left.kill()
        left.wait()


def test_describe_names_a_process_shortly() -> None:
    import sys

    module = subprocess.Popen([sys.executable, "-m", "http.server", "--help"], stdout=subprocess.DEVNULL)
    module.wait()
    assert server.describe(module.pid) == f"{module.pid} (gone)"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "-m", "not.this", "x"])
    try:
        for _ in range(100):  # until it has exec'd
            if b"not.this" in Path(f"/proc/{sleeper.pid}/cmdline").read_bytes():
                break
            __import__("time").sleep(0.05)
        assert server.describe(sleeper.pid).endswith(" not.this")  # python ... -m X: X
    finally:
        sleeper.kill()
        sleeper.wait()
    assert server.describe(os.getpid()).split()[0] == str(os.getpid())


def test_a_hub_that_does_not_stop_is_killed_waited_for_and_said(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub is given HUB_STOP_TIMEOUT to stop what it owns; past it, it is killed, waited for (not reported as
    a leftover of its own) and the line says so."""
    import sys

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(server, "HUB_STOP_TIMEOUT", 1.0)
    monkeypatch.setattr(server, "HUB_STOP_SAY_AFTER", 0.3)  # the instructor is told it waits
    cf = classfile.load(write(tmp_path, GOOD))
    where = server.folder(cf)
    stuck = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
                              "signal.SIG_IGN); print('up', flush=True); time.sleep(60)", "jupyterhub", "-f",
                              str(where / "jupyterhub_config.py")], stdout=subprocess.PIPE)
    try:
        assert stuck.stdout is not None and stuck.stdout.readline() == b"up\n"  # SIGTERM ignored from here on
        (where / "state.json").write_text(json.dumps({"pid": stuck.pid, "url": "http://127.0.0.1:1"}))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["class", "stop", str(cf.path)]) == 0
        waiting, said = out.getvalue().split("\n", 1)
        assert waiting.startswith("waiting for the hub to stop every student's server and the proxy (0 s, at most 1 s)")
        assert said.startswith("class 'lb-test' stopped; the hub did not stop within 1 s of SIGTERM: killed (see ")
        assert "leftover" not in said and not server._alive(stuck.pid)
    finally:
        stuck.kill()
        stuck.wait()


def sigint_ignored(pid: int) -> bool:
    """Whether process `pid` ignores SIGINT (its SigIgn mask in /proc)."""
    import signal

    mask = next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


def test_the_hub_is_started_with_sigint_at_its_default() -> None:
    """A caller ignoring SIGINT (a script's background job) does not pass that on to what `start` starts (the hub,
    and through it its services), and ignores it again after."""
    import signal

    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with server.sigint_passed_on():
            child = subprocess.Popen(["sleep", "30"])
        inherited = subprocess.Popen(["sleep", "30"])
        try:
            assert not sigint_ignored(child.pid) and sigint_ignored(inherited.pid)  # the latter: what it was
        finally:
            for p in (child, inherited):
                p.kill()
                p.wait()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, saved)


def test_status_of_a_hub_that_does_not_answer(tmp_path: Path) -> None:
    """A process that is this class's hub by its command line, on a port where nothing listens: status says so."""
    import sys

    from swarmlab.ports import free_port

    cf = classfile.load(write(tmp_path, GOOD))
    where = server.folder(cf)
    (where / "service-token").write_text("x\n")
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "jupyterhub", "-f",
                             str(where / "jupyterhub_config.py")])
    try:
        (where / "state.json").write_text(json.dumps({"pid": fake.pid, "url": f"http://127.0.0.1:{free_port()}"}))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["class", "status", str(cf.path)]) == 0
        said = json.loads(out.getvalue())
        assert said["running"] is True and said["pid"] == fake.pid
        assert said["users"].startswith("the hub does not answer") and "hub.log" in said["users"]
    finally:
        fake.kill()
        fake.wait()


def test_the_hub_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cf = classfile.load(write(tmp_path, GOOD))
    (tmp_path / "service-token").write_text("t0k3n\n")
    data = hubconfig.settings(cf, tmp_path, hub_port=8081, api_port=8001, chp="/x/chp", singleuser=["py", "-m", "x"])
    (tmp_path / "settings.json").write_text(json.dumps(data))
    c = Config()
    hubconfig.configure(c, tmp_path / "settings.json")
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8001" and c.Spawner.ip == "127.0.0.1"
    assert c.Authenticator.allowed_users == {"ann", "bob", "teach"} and c.Authenticator.admin_users == set()
    assert c.JupyterHub.authenticator_class == "pam" and c.JupyterHub.spawner_class == "localprocess"
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["instructor"]["users"] == ["teach"]
    assert not any(s.startswith(("access:servers", "admin:", "servers")) for s in roles["instructor"]["scopes"])
    status, progress = c.JupyterHub.services
    assert status == {"name": "swarmlab-class", "api_token": "t0k3n"}
    assert progress["name"] == "swarmlab-progress" and progress["url"].startswith("http://127.0.0.1:")
    assert progress["command"][1:] == ["-m", "swarmlab.classhub.progress", str(tmp_path / "settings.json")]
    assert "access:services!service=swarmlab-progress" in roles["instructor"]["scopes"]
    spawner = SimpleNamespace(user=SimpleNamespace(name="ann"), environment={})
    asyncio.run(c.Spawner.pre_spawn_hook(spawner))  # the hub awaits it
    assert spawner.environment == {"SWARMLAB_MODE": "replay", "SWARMLAB_PROGRESS_URL":
                                   "http://127.0.0.1:8000/services/swarmlab-progress/api/events"}
    assert str(tmp_path) in c.JupyterHub.db_url and c.JupyterHub.pid_file == str(tmp_path / "hub.pid")
    from jupyter_server.serverapp import ServerApp

    app = ServerApp()  # each student's server, as jupyterhub.singleuser starts it with the spawner's args
    app.parse_command_line(c.Spawner.args)
    assert app.jpserver_extensions == {"swarmlab.course.serverext": True}  # its queued progress sent at start


# --- provider pool: each student's own swarm (an inventory the instructor has) ------------------------------------

def swarm_files(folder: Path, student: str, port: int) -> Path:
    """A rig-like inventory for `student` (a jump host on 127.0.0.1:`port`, a manager behind it at 10.99.0.10, the
    same address in every rig), its key and known_hosts; relative paths, from the inventory's folder."""
    (folder / f"key-{student}").write_text(f"{student}'s private key\n")
    (folder / f"kh-{student}").write_text(f"[127.0.0.1]:{port} ssh-ed25519 AAAA{student}\n")
    path = folder / f"{student}.toml"
    path.write_text(f'known_hosts = "kh-{student}"\n[images]\nweb = "swarmlab/whoami:1"\n'
                    f'[[nodes]]\nname = "rig"\nhost = "127.0.0.1"\nport = {port}\nkey_file = "key-{student}"\n'
                    f'role = "jump"\n[[nodes]]\nname = "swarm-manager"\nhost = "10.99.0.10"\nkey_file = '
                    f'"key-{student}"\njump = "rig"\nrole = "manager"\n')
    return path


POOL = GOOD.replace('"replay"', '"pool"') + '[pool]\nann = "ann.toml"\nbob = "bob.toml"\n'


def pool_class(tmp_path: Path, text: str = POOL) -> Path:
    swarm_files(tmp_path, "ann", 2201)
    swarm_files(tmp_path, "bob", 2202)
    return write(tmp_path, text)


def test_a_pool_class_file(tmp_path: Path) -> None:
    cf = classfile.load(pool_class(tmp_path))
    assert cf.provider == "pool" and cf.pool == {"ann": tmp_path / "ann.toml", "bob": tmp_path / "bob.toml"}
    swarms = classfile.swarms(cf)  # the rig case: the same node addresses, behind jump hosts of their own
    assert swarms["ann"].keys == {"rig": tmp_path / "key-ann", "swarm-manager": tmp_path / "key-ann"}
    assert swarms["bob"].known_hosts == tmp_path / "kh-bob"
    # a jump host (a bastion) several students share is no swarm node: accepted
    (tmp_path / "bob.toml").write_text((tmp_path / "bob.toml").read_text().replace("2202", "2201")
                                       .replace("10.99.0.10", "10.99.0.11"))
    classfile.load(tmp_path / "class.toml")


def _same(tmp_path: Path) -> None:
    (tmp_path / "bob.toml").write_text((tmp_path / "ann.toml").read_text())


def _edit(name: str, old: str, new: str) -> Any:
    def change(tmp_path: Path) -> None:
        path = tmp_path / name
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    return change


@pytest.mark.parametrize(("change", "said"), [
    (_edit("class.toml", '[pool]\nann = "ann.toml"\nbob = "bob.toml"\n', ""),
     "provider \"pool\" needs a [pool] table: each student's swarm, e.g. [pool] then ann = "),
    (_edit("class.toml", '"pool"', '"replay"'), "[pool] is read only with provider = \"pool\""),
    (_edit("class.toml", '[pool]\nann = "ann.toml"\nbob = "bob.toml"\n', "pool = 3\n"), "pool must be a table"),
    (_edit("class.toml", 'bob = "bob.toml"', "bob = 5"), "pool.bob must be an inventory file's path"),
    (_edit("class.toml", 'bob = "bob.toml"\n', ""), "pool: no inventory for student 'bob': add bob = "),
    (_edit("class.toml", 'bob = "bob.toml"', 'bob = "bob.toml"\ncarol = "bob.toml"'),
     "pool.carol: 'carol' is not a student of this class: remove the line or add 'carol' to students"),
    (_edit("class.toml", 'bob = "bob.toml"', 'bob = "bob.toml"\nteach = "bob.toml"'),
     "pool.teach: 'teach' is not a student of this class"),
    (_edit("class.toml", 'bob = "bob.toml"', 'bob = "bob.toml"\n"x\\ny" = "bob.toml"'), "pool.'x\\ny': 'x\\ny'"),
    (lambda p: (p / "bob.toml").unlink(), "pool.bob: " + "{tmp}/bob.toml does not exist: give an inventory file"),
    (_edit("bob.toml", "[images]", "[images"), "pool.bob: {tmp}/bob.toml: not valid TOML"),
    (_edit("bob.toml", 'role = "jump"', 'roll = "jump"'), "pool.bob: {tmp}/bob.toml: unknown key(s) roll"),
    (lambda p: (p / "bob.toml").write_text("nodes = []\n"), "pool.bob: {tmp}/bob.toml has no nodes"),
    (lambda p: (p / "key-bob").unlink(),
     "pool.bob: node 'rig''s key file {tmp}/key-bob is missing: fix key_file in {tmp}/bob.toml"),
    (_edit("bob.toml", 'key_file = "key-bob"\njump', "jump"),
     "pool.bob: node 'swarm-manager' in {tmp}/bob.toml has no key_file: give each node the key"),
    (lambda p: (p / "kh-bob").unlink(), "pool.bob: known_hosts {tmp}/kh-bob in {tmp}/bob.toml is missing"),
    (_same, "pool: 'ann' and 'bob' are on the same swarm (node 'swarm-manager' and 'swarm-manager' are both "
            "127.0.0.1:2201 -> 10.99.0.10:22): give each student a swarm of their own"),
    (_edit("bob.toml", 'host = "10.99.0.10"\nkey_file = "key-bob"\njump = "rig"',
           'host = "127.0.0.1"\nport = 2201\nkey_file = "key-bob"'),  # bob's manager is ann's jump host: allowed
     None),
    (lambda p: (p / "bob.toml").write_text((p / "bob.toml").read_text() + '[[nodes]]\nname = "w"\nhost = '
                                           '"10.99.0.10"\nport = 22\nkey_file = "key-bob"\njump = "rig"\n'
                                           .replace('"rig"', '"swarm-manager"')), None),
    (lambda p: (p / "bob.toml").write_text((p / "ann.toml").read_text().replace('"rig"', '"gw"')  # other names,
                                           .replace("swarm-manager", "boss")),  # the same swarm
     "pool: 'ann' and 'bob' are on the same swarm (node 'swarm-manager' and 'boss' are both 127.0.0.1:2201 -> "
     "10.99.0.10:22)"),
    (lambda p: (p / "bob.toml").write_text((p / "ann.toml").read_text()  # the same jump host, another port behind
                                           .replace('"10.99.0.10"', '"10.99.0.10"\nport = 2222')), None),
])
def test_a_bad_pool_is_one_line_naming_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any,
                                               said: str | None) -> None:
    path = pool_class(tmp_path)
    change(tmp_path)
    if said is None:  # accepted
        classfile.load(path)
        return
    said = said.replace("{tmp}", str(tmp_path))
    with pytest.raises(classfile.ClassFileError) as exc:
        classfile.load(path)
    assert said in str(exc.value) and "\n" not in str(exc.value), str(exc.value)

    def refused(*_a: object, **_k: object) -> None:
        raise AssertionError("a class with a bad pool must not start")

    monkeypatch.setattr(server, "start", refused)
    err = io.StringIO()  # `class start` says the same in one line, exit 2
    with contextlib.redirect_stderr(err):
        assert main(["class", "start", str(path)]) == 2
    assert err.getvalue().count("\n") == 1 and said in err.getvalue()


def test_stop_and_status_do_not_need_the_swarms(tmp_path: Path) -> None:
    """A rig stopped before the class: its inventory is gone, yet `class stop` and `status` work."""
    path = pool_class(tmp_path)
    (tmp_path / "bob.toml").unlink()
    for command in ("status", "stop"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "geteuid", lambda: 0)  # nothing runs: stop only looks
            assert main(["class", command, str(path)]) == 0
        assert "not running" in out.getvalue() or '"running": false' in out.getvalue()


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Homes (0700) for ann and bob in tmp_path: pwd answers with them, owned by `nobody` when we are root (the
    provider chowns each copy to its student), else by us."""
    import pwd

    uid = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.getuid()
    found = {}
    for user in ("ann", "bob"):
        home = tmp_path / f"home-{user}"
        home.mkdir(mode=0o700)
        found[user] = home
    from swarmlab.classhub import pool

    monkeypatch.setattr(pool.pwd, "getpwnam", lambda user: SimpleNamespace(
        pw_uid=uid, pw_gid=uid if os.geteuid() else 65534, pw_dir=str(found[user])))
    return found


def test_pool_copies_each_students_swarm_into_their_home(tmp_path: Path, homes: dict[str, Path]) -> None:
    from swarmlab.classhub import pool
    from swarmlab.inventory import load

    cf = classfile.load(pool_class(tmp_path))
    provider = providers.get("pool", cf.pool)
    folder = homes["ann"] / ".swarmlab" / "swarm"
    folder.mkdir(parents=True)
    (folder / "key-7").write_text("an earlier swarm's key\n")  # an earlier copy: removed
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    (folder / "inventory.toml").symlink_to(victim)  # a link the student planted: replaced, never written through
    provider.start("ann")
    copy = folder / "inventory.toml"
    assert provider.env("ann") == {"SWARMLAB_MODE": "live", "SWARMLAB_INVENTORY": str(copy)}
    assert sorted(p.name for p in folder.iterdir()) == ["inventory.toml", "key-1", "known_hosts"]
    assert victim.read_text() == "untouched\n" and not copy.is_symlink()
    inv = load(copy)
    assert [n.name for n in inv] == ["rig", "swarm-manager"] and inv["rig"].port == 2201
    assert {n.key_file for n in inv} == {str(folder / "key-1")} and inv.manager.jump == "rig"
    assert inv.extra == {"known_hosts": str(folder / "known_hosts"), "images": {"web": "swarmlab/whoami:1"}}
    assert (folder / "key-1").read_text() == "ann's private key\n"
    assert (folder / "known_hosts").read_text() == (tmp_path / "kh-ann").read_text()
    for path in (folder.parent, folder, *folder.iterdir()):
        assert path.stat().st_uid == (pool.pwd.getpwnam("ann").pw_uid)
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path
    assert "bob" not in "".join(p.read_text() for p in folder.iterdir())  # nothing of bob's
    # bob's swarm moved onto ann's since the class started: bob's start is refused, naming both
    (tmp_path / "bob.toml").write_text((tmp_path / "ann.toml").read_text())
    with pytest.raises(pool.PoolError, match=r"^pool: 'bob' and 'ann' are on the same swarm"):
        provider.start("bob")
    assert not (homes["bob"] / ".swarmlab").exists()
    with pytest.raises(Exception, match="'carol' has no swarm in this class's"):
        provider.start("carol")


def test_pool_never_writes_through_a_link_in_the_home(tmp_path: Path, homes: dict[str, Path]) -> None:
    from swarmlab.classhub import pool

    cf = classfile.load(pool_class(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (homes["ann"] / ".swarmlab").symlink_to(elsewhere)
    with pytest.raises(pool.PoolError) as exc:
        providers.get("pool", cf.pool).start("ann")
    assert str(exc.value).startswith("~/.swarmlab cannot be used (") and "move it away" in str(exc.value)
    assert list(elsewhere.iterdir()) == []


def test_the_copy_reaches_the_swarm_over_ssh(tmp_path: Path, homes: dict[str, Path], sshd: Any) -> None:
    """A real sshd as a student's one-node swarm: the rewritten inventory, its copied key and known_hosts work."""
    from swarmlab.inventory import load
    from swarmlab.transport.ssh import SSHTransport

    host_key = " ".join(Path(f"{sshd.host_key}.pub").read_text().split()[:2])
    (tmp_path / "kh").write_text(f"[{sshd.host}]:{sshd.port} {host_key}\n")
    for student, port in (("ann", sshd.port), ("bob", 1)):
        (tmp_path / f"{student}.toml").write_text(
            f'known_hosts = "kh"\n[[nodes]]\nname = "swarm-manager"\nhost = "{sshd.host}"\nport = {port}\n'
            f'user = "root"\nkey_file = "{sshd.client_key}"\n')
    cf = classfile.load(write(tmp_path, POOL))
    provider = providers.get("pool", cf.pool)
    provider.start("ann")
    inv = load(provider.env("ann")["SWARMLAB_INVENTORY"])
    assert inv["swarm-manager"].key_file != str(sshd.client_key)
    with SSHTransport(inv, known_hosts=inv.extra["known_hosts"]) as t:
        assert t.run("swarm-manager", "echo from-the-swarm").stdout == "from-the-swarm\n"
    # the instructor's dashboard: the doctor on each swarm, from the service (as root, the instructor's files)
    ann, bob = provider.health("ann"), provider.health("bob")
    assert ann is not None and bob is not None
    assert not ann.ok and ann.passed >= 1 and any(f.startswith("swarm-manager docker") for f in ann.failed)
    assert not bob.ok and bob.passed == 0 and bob.failed[0].startswith("swarm-manager ssh: ")  # nothing on port 1
    (tmp_path / "bob.toml").unlink()
    gone = provider.health("bob")
    assert gone is not None and gone.failed[0].startswith("pool.bob: ") and "does not exist" in gone.failed[0]
    assert providers.get("replay").health("ann") is None


def test_the_hub_gives_a_pool_students_server_their_copy(tmp_path: Path, homes: dict[str, Path]) -> None:
    cf = classfile.load(pool_class(tmp_path))
    (tmp_path / "service-token").write_text("t0k3n\n")
    data = hubconfig.settings(cf, tmp_path, hub_port=8081, api_port=8001, chp="/x/chp", singleuser=["py"])
    (tmp_path / "settings.json").write_text(json.dumps(data))
    c = Config()
    hubconfig.configure(c, tmp_path / "settings.json")
    for student in ("ann", "bob"):
        spawner = SimpleNamespace(user=SimpleNamespace(name=student), environment={})
        asyncio.run(c.Spawner.pre_spawn_hook(spawner))
        copy = homes[student] / ".swarmlab" / "swarm" / "inventory.toml"
        assert spawner.environment["SWARMLAB_MODE"] == "live"
        assert spawner.environment["SWARMLAB_INVENTORY"] == str(copy) and copy.is_file()
        assert f"key-{student}" not in copy.read_text() and f"{student}.toml" in copy.read_text()


def test_the_dashboard_shows_each_students_swarm_health() -> None:
    """The swarm column (a class with swarms only): ✓, ✗ with the failed checks on hover, … before the first check;
    SwarmHealth runs each provider check once a minute at most, a crash in one is a red line, not lost."""
    import time

    from swarmlab.classhub import dashboard, health, progressdb
    from swarmlab.course.lessons import LESSONS

    s = progressdb.summary([], ["ann", "bob", "chen"], list(LESSONS))
    green = providers.Health(True, 12, (), time.time())
    red = providers.Health(False, 10, ("swarm-worker1 docker: Cannot connect", "swarm-worker1 ipvs: no ip_vs"),
                           time.time())
    zh = dashboard.page(s, "lb", "zh", health={"ann": green, "bob": red, "chen": None})
    assert "<th>集群</th>" in zh and "项检查全部通过" in zh
    en = dashboard.page(s, "lb", "en", health={"ann": green, "bob": red, "chen": None})
    rows = {r.split('"')[0]: r for r in en.split('<tr data-student="')[1:]}
    assert 'data-health="green"' in rows["ann"] and "12 checks passed" in rows["ann"]
    assert 'data-health="red"' in rows["bob"] and "✗ 2</td>" in rows["bob"]
    assert "2 check(s) failed\nswarm-worker1 docker: Cannot connect\nswarm-worker1 ipvs: no ip_vs" in rows["bob"]
    assert 'data-health="checking"' in rows["chen"]
    assert "Swarm" not in dashboard.page(s, "lb", "en")  # replay: no swarms, no column
    # a swarm checked again is a new version: the open page reloads to show it
    assert dashboard.version([], {"ann": green, "bob": None}) != dashboard.version([], {"ann": green, "bob": red})

    calls: list[str] = []

    class Provider(providers.ReplayProvider):
        def health(self, student: str) -> providers.Health | None:
            calls.append(student)
            if student == "bob":
                raise RuntimeError("boom")
            return green

    checker = health.SwarmHealth(Provider(), ["ann", "bob"])
    checker.refresh()
    for _ in range(100):
        if all(checker.snapshot().values()):
            break
        time.sleep(0.05)
    got = checker.snapshot()
    assert got["ann"] == green and got["bob"] is not None and got["bob"].failed == ("RuntimeError: boom",)
    checker.refresh()  # younger than a minute: not checked again
    checker._pool.shutdown(wait=True)
    assert sorted(calls) == ["ann", "bob"]


# --- a real hub ---------------------------------------------------------------------------------------------------

STUDENTS = ["swlt-ann", "swlt-bob"]
INSTRUCTOR = "swlt-teach"
OUTSIDER = "swlt-eve"  # a class account of this host with a known password, not in this class's roster
LESSON = "01-overlay-and-services.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if os.geteuid() != 0:
        pytest.skip("the class hub needs root (system accounts, servers started as each student)")
    from swarmlab.testing import classhub

    try:
        server.find_proxy()
    except Exception as exc:
        pytest.skip(f"{exc}")
    tmp = tmp_path_factory.mktemp("class")
    users = [INSTRUCTOR, *STUDENTS, OUTSIDER]
    classhub.remove_accounts(users)  # a run killed before its teardown
    from swarmlab.classhub import accounts

    accounts.ensure([OUTSIDER], ROOT / "labs" / "en", tmp / "outsider.tsv")
    outsider = (tmp / "outsider.tsv").read_text().split()
    text = (f'name = "swlt"\nlanguage = "zh"\nprovider = "replay"\ninstructors = ["{INSTRUCTOR}"]\n'
            f'students = {json.dumps(STUDENTS)}\n')
    with contextlib.ExitStack() as stack:
        import signal

        # started as a background job of a script starts it (the shell ignores SIGINT there), as in the CI run whose
        # stop left the hub's children: the hub must not pass the ignored SIGINT on (test_stop_leaves_nothing_running)
        saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            running = stack.enter_context(classhub.running_class(tmp, text, users))
        finally:
            signal.signal(signal.SIGINT, saved)
        running.passwords[OUTSIDER] = outsider[1]
        yield running


@pytest.fixture
def live(hub: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The running hub, with this test's SWARMLAB_HOME (conftest gives each test its own) set to the hub's."""
    monkeypatch.setenv("SWARMLAB_HOME", str(hub.home))
    return hub


def _login(hub: Any, user: str) -> Any:
    from swarmlab.testing.classhub import HubClient

    if user not in hub.clients:
        client = HubClient(hub.url)
        r = client.login(user, hub.passwords[user])
        assert r.status_code == 302, (user, r.status_code)
        client.new_token(user)
        hub.clients[user] = client
    return hub.clients[user]


def _server_pid(user: str) -> int:
    from swarmlab.testing.classhub import processes_of

    (pid,) = [pid for pid, cmd in processes_of(user) if "jupyterhub.singleuser" in cmd]
    return pid


@pytest.mark.real
def test_start_made_the_accounts_and_homes(live: Any) -> None:
    hub = live
    assert f"{hub.url}/hub/login" in hub.said and "3 new account(s)" in hub.said
    assert sorted(hub.passwords) == sorted([INSTRUCTOR, *STUDENTS, OUTSIDER])
    assert (hub.folder / "passwords.tsv").stat().st_mode & 0o777 == 0o600
    import pwd

    for user in STUDENTS:
        entry = pwd.getpwnam(user)
        home = Path(entry.pw_dir)
        assert home.stat().st_mode & 0o777 == 0o700 and home.stat().st_uid == entry.pw_uid
        assert (home / "course" / LESSON).stat().st_uid == entry.pw_uid
    state = server.running(hub.cf)
    assert state is not None and state["url"] == hub.url
    err = io.StringIO()  # a second start is refused while it runs
    with contextlib.redirect_stderr(err):
        assert main(["class", "start", str(hub.path)]) == 2
    assert "already running" in err.getvalue()


@pytest.mark.real
def test_only_the_roster_logs_in_with_its_own_password(live: Any) -> None:
    hub = live
    from swarmlab.testing.classhub import HubClient

    assert HubClient(hub.url).login(STUDENTS[0], hub.passwords[STUDENTS[0]]).status_code == 302
    assert HubClient(hub.url).login(STUDENTS[0], hub.passwords[STUDENTS[1]]).status_code == 403  # bob's password
    assert HubClient(hub.url).login(OUTSIDER, hub.passwords[OUTSIDER]).status_code == 403  # the right password,
    assert HubClient(hub.url).login("root", "whatever").status_code == 403  # ... but not in the roster


@pytest.mark.real
def test_students_spawn_their_own_server_and_open_a_lesson(live: Any) -> None:
    hub = live
    for user in STUDENTS:
        client = _login(hub, user)
        r = client.form_post(f"/hub/api/users/{user}/server")
        assert r.status_code in (201, 202), r.text
    import pwd

    for user in STUDENTS:
        client = hub.clients[user]
        client.wait_ready(user)
        r = client.api("GET", f"/user/{user}/api/contents/course/{LESSON}")
        assert r.status_code == 200, r.text[:300]
        cells = r.json()["content"]["cells"]
        built = json.loads((ROOT / "labs" / "zh" / LESSON).read_text())["cells"]
        assert [c["source"] for c in cells] == ["".join(c["source"]) for c in built]
        pid = _server_pid(user)  # the server runs as the student, with the provider's environment
        assert Path(f"/proc/{pid}").stat().st_uid == pwd.getpwnam(user).pw_uid
        from swarmlab.testing.classhub import environ_of

        env = environ_of(pid)
        assert env["SWARMLAB_MODE"] == "replay" and env["HOME"] == pwd.getpwnam(user).pw_dir
        r = client.api("GET", f"/user/{user}/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert r.status_code == 200 and r.json()["settings"]["locale"] == "zh_CN"  # a zh class: JupyterLab in Chinese
    status = server.status(hub.cf)
    assert status["running"] and all(status["users"][u]["server"] == "ready" for u in STUDENTS)
    assert status["users"][INSTRUCTOR]["server"] == "none"


@pytest.mark.real
def test_a_student_reaches_only_their_own_server_and_files(live: Any) -> None:
    hub = live
    ann, bob = STUDENTS
    client = _login(hub, ann)
    bob_client = _login(hub, bob)
    bob_client.wait_ready(bob)
    assert client.api("GET", f"/user/{bob}/api/contents/course").status_code == 403  # ann's token
    assert client.session.get(f"{hub.url}/user/{bob}/api/contents/course", timeout=60).status_code == 403  # cookie
    r = client.session.get(f"{hub.url}/user/{bob}/lab", timeout=60)  # the browser path: through the hub's OAuth
    assert r.status_code == 403 and "/user/" + bob not in r.url.split("?")[0].rstrip("/").rsplit("/hub", 1)[-1]
    assert client.api("GET", f"/hub/api/users/{bob}").status_code == 404  # another user is not even visible
    assert client.api("GET", "/hub/api/users").status_code == 403
    assert client.api("POST", f"/hub/api/users/{bob}/server").status_code in (403, 404)
    assert client.api("DELETE", f"/hub/api/users/{bob}/server").status_code in (403, 404)
    assert bob_client.api("GET", f"/hub/api/users/{bob}").json()["servers"][""]["ready"]  # still running
    assert client.api("GET", f"/user/{ann}/api/contents/..%2F{bob}").status_code in (400, 403, 404)
    import pwd

    bob_lesson = Path(pwd.getpwnam(bob).pw_dir) / "course" / LESSON
    denied = subprocess.run(["runuser", "-u", ann, "--", "cat", str(bob_lesson)], capture_output=True, text=True,
                            timeout=30)
    assert denied.returncode != 0 and "Permission denied" in denied.stderr  # ann's server runs as ann
    own = Path(pwd.getpwnam(ann).pw_dir) / "course" / LESSON
    assert subprocess.run(["runuser", "-u", ann, "--", "cat", str(own)], capture_output=True,
                          timeout=30).returncode == 0


@pytest.mark.real
def test_the_instructor_sees_every_student_but_not_inside_their_servers(live: Any) -> None:
    hub = live
    client = _login(hub, INSTRUCTOR)
    r = client.api("GET", "/hub/api/users")
    assert r.status_code == 200
    users = {u["name"]: u for u in r.json()}
    assert set(STUDENTS) <= set(users)
    r = client.api("GET", f"/hub/api/users/{STUDENTS[1]}")
    assert r.status_code == 200 and "" in r.json()["servers"] and "last_activity" in r.json()
    assert client.api("GET", f"/user/{STUDENTS[0]}/api/contents/course").status_code == 403
    assert client.api("POST", f"/hub/api/users/{STUDENTS[0]}/server").status_code in (403, 404)
    assert client.api("DELETE", f"/hub/api/users/{STUDENTS[0]}/server").status_code in (403, 404)
    assert client.api("POST", "/hub/api/users/swlt-eve").status_code in (403, 404)  # no new users
    assert client.api("GET", "/hub/api/users/swlt-eve").status_code == 404
    after = client.api("GET", f"/hub/api/users/{STUDENTS[0]}").json()["servers"]
    assert after[""]["ready"] and after[""]["started"] == users[STUDENTS[0]]["servers"][""]["started"]
    assert client.api("GET", "/hub/api/user").json()["admin"] is False


# --- progress (items 4-5): events from the students' kernels, the instructor's dashboard --------------------------

PROGRESS = "/services/swarmlab-progress"
CELL = """
import json
from swarmlab import course
from swarmlab.course import progress
progress.TIMEOUT = 2  # the test's kernel waits 2 s, not 5, for a service that does not answer
course.start("01", "replay", lang="zh", show=False)
for answer in {answers!r}:
    course.exercise("01.replicas", answer=answer)
course.exercise("01.network-driver", answer={driver!r})
course.check("01")
progress.flush()
print(json.dumps({{"enabled": progress.enabled(), "pending": len(progress.pending())}}))
"""


def _ready(hub: Any, user: str) -> Any:
    client = _login(hub, user)
    r = client.api("GET", f"/hub/api/users/{user}")
    if not (r.json().get("servers") or {}).get("", {}).get("ready"):
        client.form_post(f"/hub/api/users/{user}/server")
        client.wait_ready(user)
    return client


def _service_pid(hub: Any) -> int:
    from swarmlab.testing.classhub import processes_of

    (pid,) = [pid for pid, cmd in processes_of("root") if "swarmlab.classhub.progress" in cmd
              and str(hub.folder / "settings.json") in cmd]
    return pid


@pytest.mark.real
def test_students_kernels_send_progress_and_the_instructor_sees_it(live: Any) -> None:
    """Each student runs lesson 01's cells in a kernel of their own server; the events reach the service as them
    (the hub names the token's owner); the instructor's dashboard, CSV and API show both; students get 403."""
    import signal

    from swarmlab.testing.classhub import run_in_kernel

    hub = live
    ann, bob = STUDENTS
    said = {}
    for user, answers, driver in ((ann, ["3", "2"], "overlay"), (bob, ["3", "2"], "bridge")):
        client = _ready(hub, user)
        said[user] = json.loads(run_in_kernel(hub.url, user, client.token, CELL.format(answers=answers,
                                                                                        driver=driver)))
        assert said[user] == {"enabled": True, "pending": 0}, user
    teach = _login(hub, INSTRUCTOR)
    events = {u: teach.api("GET", f"{PROGRESS}/api/students/{u}").json()["events"] for u in STUDENTS}
    assert [e["kind"] for e in events[ann]] == ["lesson", "attempt", "attempt", "attempt", "selfcheck", "lesson"]
    assert [(e["exercise"], e["answer"], e["correct"], e["attempt"]) for e in events[bob] if e["kind"] == "attempt"] \
        == [("01.replicas", "3", False, 1), ("01.replicas", "2", True, 2), ("01.network-driver", "bridge", False, 1)]

    # the service stops answering mid-lesson (SIGSTOP): ann's next events wait in her home, then arrive
    pid = _service_pid(hub)
    os.kill(pid, signal.SIGSTOP)
    try:
        cell = ('from swarmlab import course\nfrom swarmlab.course import progress\nprogress.TIMEOUT = 2\n'
                'course.start("02", "replay", lang="zh", show=False)\ncourse.exercise("02.tasks-count", answer="x")\n'
                'progress.flush()\nprint(len(progress.pending()))')
        queued = int(run_in_kernel(hub.url, ann, hub.clients[ann].token, cell).strip())
    finally:
        os.kill(pid, signal.SIGCONT)
    import pwd

    queue = Path(pwd.getpwnam(ann).pw_dir) / ".swarmlab" / "progress-queue.jsonl"
    ids = [json.loads(line)["id"] for line in queue.read_text().splitlines()]
    assert queued == len(ids) >= 2  # lesson 02 opened, the attempt: in ann's home, not lost
    out = run_in_kernel(hub.url, ann, hub.clients[ann].token,
                        "from swarmlab.course import progress\nprint(progress.flush(), len(progress.pending()))")
    assert out.split()[1] == "0"
    stored = teach.api("GET", f"{PROGRESS}/api/students/{ann}").json()["events"]
    assert set(ids) <= {e["event_id"] for e in stored} and len(stored) == 6 + len(ids)  # each once: 0 lost

    # a kernel that cannot reach the service queues its events, then ann's server stops (as the culler stops it) and
    # starts again: its server extension (course/serverext.py) sends the queue, with no kernel and no new event
    cell = ('import os\nos.environ["SWARMLAB_PROGRESS_URL"] = "http://127.0.0.1:9/unreachable"\n'
            'from swarmlab import course\nfrom swarmlab.course import progress\n'
            'course.start("02", "replay", lang="zh", show=False)\ncourse.exercise("02.tasks-count", answer="x")\n'
            'progress.flush()\nprint(len(progress.pending()))')
    assert int(run_in_kernel(hub.url, ann, hub.clients[ann].token, cell).strip()) == 2
    late = [json.loads(line)["id"] for line in queue.read_text().splitlines()]
    assert len(late) == 2 and hub.clients[ann].api("DELETE", f"/hub/api/users/{ann}/server").status_code in (202, 204)
    deadline = time.monotonic() + 60
    while hub.clients[ann].api("GET", f"/hub/api/users/{ann}").json().get("servers"):
        assert time.monotonic() < deadline, "ann's server did not stop"
        time.sleep(0.5)
    _ready(hub, ann)
    deadline = time.monotonic() + 60
    while not set(late) <= {e["event_id"] for e in stored}:
        assert time.monotonic() < deadline, "the restarted server did not send the queued events"
        time.sleep(0.5)
        stored = teach.api("GET", f"{PROGRESS}/api/students/{ann}").json()["events"]
    assert len(stored) == 6 + len(ids) + len(late) and queue.read_text() == ""  # each once, the queue emptied

    # the dashboard through the browser's path (the hub's login, then OAuth to the service), and the CSV
    page = teach.session.get(f"{hub.url}{PROGRESS}/", timeout=60)
    assert page.status_code == 200 and "班级 swlt：学习进度" in page.text  # the class's language: zh
    assert f'data-student="{ann}" data-lesson="01"' in page.text and f'data-student="{bob}"' in page.text
    assert '<tr data-exercise="01.replicas">' in page.text and "<code>3</code> ×2" in page.text
    assert "Right at the first try" in teach.session.get(f"{hub.url}{PROGRESS}/?lang=en", timeout=60).text
    csv = teach.session.get(f"{hub.url}{PROGRESS}/grades.csv", timeout=60)
    assert csv.status_code == 200 and csv.text.splitlines()[1:] == [f"{ann},2,1,1,3,2,1", f"{bob},1,1,1,2,1,0"]

    # live: api/summary's version changes with a new event (the open page polls it and reloads), and shows it
    before = teach.api("GET", f"{PROGRESS}/api/summary").json()
    assert before["students"][bob]["lessons"] == {"01": "green"} and before["grades"][1]["student"] == bob
    assert teach.api("GET", f"{PROGRESS}/api/summary").json()["version"] == before["version"]  # nothing new
    new = {"id": "live-1", "kind": "lesson", "lesson": "03", "state": "opened", "time": 2.0}
    assert hub.clients[bob].api("POST", f"{PROGRESS}/api/events", json={"events": [new]}).status_code == 200
    after = teach.api("GET", f"{PROGRESS}/api/summary").json()
    assert after["version"] != before["version"] and after["students"][bob]["reached"] == "03"
    assert f'<td class="server"><a href="/hub/admin#/?name_filter={bob}"' in page.text  # their server: hub's view

    # students: their own data only, never the dashboard
    me = hub.clients[ann]
    assert me.api("GET", f"{PROGRESS}/api/summary").status_code == 403
    assert me.api("GET", f"{PROGRESS}/api/students/{ann}").status_code == 200
    assert me.api("GET", f"{PROGRESS}/api/students/{bob}").status_code == 403
    assert me.api("GET", f"{PROGRESS}/").status_code == 403 and me.api("GET", f"{PROGRESS}/grades.csv").status_code \
        == 403
    assert me.session.get(f"{hub.url}{PROGRESS}/", timeout=60).status_code == 403  # the browser's path
    # the payload cannot choose who it is: ann's token, an event claiming to be bob's, is stored as ann's
    fake = {"id": "forged", "kind": "lesson", "lesson": "05", "state": "opened", "time": 1.0, "student": bob}
    assert me.api("POST", f"{PROGRESS}/api/events", json={"events": [fake]}).status_code == 200
    assert not [e for e in teach.api("GET", f"{PROGRESS}/api/students/{bob}").json()["events"] if e["lesson"] == "05"]
    assert teach.api("POST", f"{PROGRESS}/api/events", json={"events": [fake]}).status_code == 403  # not a student
    assert me.api("POST", f"{PROGRESS}/api/events", token="not-a-token", json={"events": []}).status_code == 403


@pytest.mark.real
def test_the_instructors_dashboard_in_a_real_browser(live: Any) -> None:
    """Chromium: the instructor logs in through the hub's form and opens the dashboard (OAuth to the service, no
    prompt): both students' rows and lesson 01's self-checks, the class's misconception, each student's server link;
    a student's new event appears on the open page by itself (it polls api/summary); a student gets 403."""
    from swarmlab.testing.jupyter import CHROMIUM, CHROMIUM_ARGS, browser_unavailable_reason

    why = browser_unavailable_reason()
    if why:
        pytest.skip(why)
    import time

    from playwright.sync_api import sync_playwright

    from swarmlab.classhub import dashboard

    hub = live
    ann, bob = STUDENTS
    teach = _login(hub, INSTRUCTOR)
    for user in STUDENTS:
        if not teach.api("GET", f"{PROGRESS}/api/students/{user}").json()["events"]:  # alone (-k): they work first
            from swarmlab.testing.classhub import run_in_kernel

            run_in_kernel(hub.url, user, _ready(hub, user).token, CELL.format(answers=["3", "2"], driver="bridge"))
    with sync_playwright() as p:
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            for user in (INSTRUCTOR, ann):
                page = browser.new_context().new_page()
                page.goto(f"{hub.url}/hub/login?next={PROGRESS}/")
                page.fill("#username_input", user)
                page.fill("#password_input", hub.passwords[user])
                with page.expect_navigation(timeout=60_000):
                    page.click("#login_submit")
                page.wait_for_load_state("load")
                if user == ann:
                    response = page.goto(f"{hub.url}{PROGRESS}/")
                    assert response is not None and response.status == 403
                    assert not page.locator("#lessons").count()
                    continue
                page.wait_for_selector("#lessons", timeout=60_000)
                assert page.title() == "班级 swlt：学习进度"
                assert page.locator(f'#lessons tr[data-student="{bob}"] td[data-lesson="01"]').inner_text() == "✓"
                assert page.locator(f'#lessons tr[data-student="{ann}"] td.reached').inner_text() != "–"
                wrong = page.locator('#exercises tr[data-exercise="01.replicas"] td.wrong').inner_text()
                assert "3 ×" in wrong
                server = page.locator(f'#lessons tr[data-student="{bob}"] td.server a')
                assert server.get_attribute("href") == f"/hub/admin#/?name_filter={bob}"
                page.click("a[href='?lang=en']")
                page.wait_for_selector("text=Right at the first try", timeout=30_000)
                # live: a student's new event shows up without a reload by the instructor (the page polls)
                new = {"id": f"live-{time.time()}", "kind": "lesson", "lesson": "07", "state": "opened",
                       "time": time.time()}
                posted = _login(hub, ann).api("POST", f"{PROGRESS}/api/events", json={"events": [new]})
                assert posted.status_code == 200
                page.wait_for_selector(f'#lessons tr[data-student="{ann}"] td[data-lesson="07"]',
                                       timeout=(dashboard.REFRESH_S + 20) * 1000)
                assert "Right at the first try" in page.content()  # reloaded as it was: in English
        finally:
            browser.close()


def _shown(page: Any) -> str:
    """What a reader of the page sees: its title, its text, the words of its buttons, fields and tooltips."""
    return str(page.evaluate("""() => [document.title, document.body.innerText, ...Array.from(
        document.querySelectorAll('[placeholder], [title], input[type=submit], img[alt]')).map(
        e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.value, e.getAttribute('alt')].join(' '))
        ].join('\\n')"""))


@pytest.mark.real
def test_a_zh_class_sees_jupyterhub_in_chinese(live: Any, tmp_path: Path) -> None:
    """Chromium, a student of this zh class (then its instructor's home): JupyterHub's own pages (login with a
    wrong password, home, token, a 403 and a 404, not-running, spawn-pending with the hub's own progress events) show
    no English word of JupyterHub's (tests/test_class_zh.py's list; names like JupyterHub and the student's own
    aside), each saved as a PNG in the test's tmp_path. (An en class's pages, JupyterHub's untouched:
    tests/test_class_zh.py.) The page's progress stream is the hub's own, its `ready` turned off (no reload)."""
    from swarmlab.testing.jupyter import CHROMIUM, CHROMIUM_ARGS, browser_unavailable_reason
    from tests.test_class_zh import english_in

    why = browser_unavailable_reason()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    hub = live
    ann = STUDENTS[0]
    client = _ready(hub, ann)  # running, as the tests before leave it (alone: started here); and so it ends
    seen: dict[str, str] = {}

    def look(page: Any, name: str, *, status: int | None = None, response: Any = None) -> str:
        if status is not None:
            assert response is not None and response.status == status, (name, response and response.status)
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        seen[name] = text = _shown(page)
        assert page.evaluate("document.documentElement.lang") == "zh-CN", name
        assert english_in(text) == [], (name, text)
        return text

    with sync_playwright() as p:
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()
            look(page, "login", status=200, response=page.goto(f"{hub.url}/hub/login?next=/hub/home"))
            page.fill("#username_input", ann)
            page.fill("#password_input", "not-" + hub.passwords[ann])
            with page.expect_navigation(timeout=60_000):
                page.click("#login_submit")
            assert "用户名或密码错误" in look(page, "login-error")
            page.fill("#username_input", ann)
            page.fill("#password_input", hub.passwords[ann])
            with page.expect_navigation(timeout=60_000):
                page.click("#login_submit")
            page.wait_for_url("**/hub/home", timeout=60_000)
            assert "令牌" in look(page, "token", status=200, response=page.goto(f"{hub.url}/hub/token"))
            page.wait_for_function("window._jupyterhub_page_loaded === true", timeout=30_000)
            page.evaluate("""() => require(["utils"], (u) => u.ajax_error_dialog(
                {status: 403, statusText: "Forbidden", responseJSON: {message: "denied"}}, "error", "Forbidden"))""")
            page.wait_for_selector("#error-dialog.show", timeout=30_000)  # the dialog JupyterHub's scripts open
            assert page.inner_text("#error-dialog .ajax-error") == "请求失败（403）。原文：denied"
            assert page.inner_text("#error-dialog .modal-title") == "出错了"
            look(page, "error-dialog")
            assert "没有权限" in look(page, "403", status=403, response=page.goto(f"{hub.url}/hub/admin"))
            assert "找不到这个页面" in look(page, "404", status=404, response=page.goto(f"{hub.url}/hub/nowhere"))
            page.goto(f"{hub.url}/hub/home")  # running: stop it from home (the page's own script, in Chinese)
            assert "停止我的服务器" in look(page, "home-running")
            page.click("#stop")
            page.wait_for_function("document.getElementById('start').textContent.trim() === '启动我的服务器'",
                                   timeout=120_000)
            look(page, "home-stopped")
            for _ in range(600):  # stopped (not pending a stop): the not-running page, then a start from there
                if not client.api("GET", f"/hub/api/users/{ann}").json().get("servers"):
                    break
                time.sleep(0.1)
            said = look(page, "not-running", status=424, response=page.goto(f"{hub.url}/hub/user/{ann}/"))
            assert "服务器没有运行" in said

            events: list[str] = []

            def progress(route: Any) -> None:  # the hub's real event stream, without its `ready` (no reload)
                response = route.fetch(timeout=180_000)
                body = response.text()
                events.append(body)
                body = "retry: 86400000\n\n" + body.replace('"ready": true', '"ready": false')  # no reconnect
                route.fulfill(response=response, body=body)

            page.route("**/hub/api/users/*/server/progress*", progress)
            page.click("#start")
            page.wait_for_url("**/hub/spawn-pending/**", timeout=60_000)
            page.wait_for_function("document.getElementById('progress-log').textContent.includes('服务器已就绪')",
                                   timeout=180_000)
            page.evaluate("document.getElementById('progress-details').open = true")
            said = look(page, "spawn-pending")
            assert "你的服务器正在启动" in said and "已请求启动服务器" in said
            assert "Server requested" in events[0] and "Server ready at" in events[0]  # what JupyterHub sent
            client.wait_ready(ann)  # running again, as the tests after this one expect
            teach = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()  # the nav bar's
            teach.goto(f"{hub.url}/hub/login?next=/hub/home")  # admin and services links: the instructor's
            teach.fill("#username_input", INSTRUCTOR)
            teach.fill("#password_input", hub.passwords[INSTRUCTOR])
            with teach.expect_navigation(timeout=60_000):
                teach.click("#login_submit")
            teach.wait_for_url("**/hub/home", timeout=60_000)
            said = look(teach, "instructor-home")
            assert "管理" in said and "服务" in said
        finally:
            browser.close()


@pytest.mark.real
def test_stop_leaves_nothing_running(live: Any) -> None:
    hub = live
    from swarmlab.testing.classhub import processes_of

    proxy = int((hub.folder / "proxy.pid").read_text())
    hub_pid = server.running(hub.cf)["pid"]  # type: ignore[index]
    assert all(processes_of(u) for u in STUDENTS)
    # the hub was started with SIGINT ignored (fixture hub): neither it nor the service it started first ignores it,
    # so JupyterHub's SIGINT stops the service at once (ignored, it cost the stop 28 s and the class its leftovers)
    service = [pid for pid in server._class_processes(hub.cf, hub.folder)
               if b"swarmlab.classhub.progress" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(service) == 1
    for pid in (hub_pid, *service):
        assert not sigint_ignored(pid), pid
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["class", "stop", str(hub.path)]) == 0
    assert "stopped" in out.getvalue() and "leftover" not in out.getvalue()  # the hub stopped its own children
    for user in [*STUDENTS, INSTRUCTOR]:
        assert processes_of(user) == []
    for pid in (proxy, hub_pid):
        assert not server._alive(pid)
    assert not (hub.folder / "state.json").exists() and not (hub.folder / "hub.pid").exists()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["class", "status", str(hub.path)]) == 0
    assert json.loads(out.getvalue()) == {"name": "swlt", "running": False}


@pytest.mark.real
def test_a_hub_that_cannot_start_is_one_line_and_leaves_no_state(live: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = live
    server.stop(hub.cf, progress=lambda _m: None)  # after test_stop...; alone (-k) the hub still runs
    monkeypatch.setenv("SWARMLAB_CHP", "/bin/false")  # the proxy exits at once: so does the hub
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["class", "start", str(hub.path)]) == 2
    assert "the hub exited (1)" in err.getvalue() and "Proxy failed to start" in err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert not (hub.folder / "state.json").exists() and server.running(hub.cf) is None


@pytest.mark.real
def test_stop_after_the_hub_crashed_kills_what_it_left(live: Any) -> None:
    """The hub killed (SIGKILL: no cleanup) while a student's server and the proxy run: `class stop` finds them
    (proxy.pid, the class accounts' single-user servers) and stops them."""
    import signal

    from swarmlab.testing.classhub import processes_of

    hub = live
    server.stop(hub.cf, progress=lambda _m: None)  # alone (-k) the hub still runs
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["class", "start", str(hub.path)]) == 0, out.getvalue()
    hub.clients.clear()  # a new hub: new tokens (the database kept the old ones, but log in again as a student does)
    client = _login(hub, STUDENTS[0])
    assert client.form_post(f"/hub/api/users/{STUDENTS[0]}/server").status_code in (201, 202)
    client.wait_ready(STUDENTS[0])
    proxy = int((hub.folder / "proxy.pid").read_text())
    state = server.running(hub.cf)
    assert state is not None
    os.kill(state["pid"], signal.SIGKILL)
    for _ in range(100):  # until it is gone (reaped: it is this process's child)
        if not server._alive(state["pid"]):
            break
        __import__("time").sleep(0.1)
    assert processes_of(STUDENTS[0]) and Path(f"/proc/{proxy}").exists()  # orphans
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["class", "stop", str(hub.path)]) == 0
    assert "was not running; 3 leftover process(es) killed" in out.getvalue()  # + the progress service
    assert processes_of(STUDENTS[0]) == [] and not server._alive(proxy)
