"""Start, stop and report a class's JupyterHub (JupyterHub + configurable-http-proxy, both real, on loopback).

The class folder, `$SWARMLAB_HOME/classes/NAME/`, holds the hub's state: settings.json, jupyterhub_config.py,
the database, the cookie secret, hub.pid and proxy.pid, the service token, hub.log, passwords.tsv (new accounts'
first passwords) and state.json while the class runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from swarmlab import paths
from swarmlab.classhub import accounts, hubconfig
from swarmlab.classhub.classfile import ClassFile
from swarmlab.errors import SwarmlabError
from swarmlab.ports import free_port

CHP = "configurable-http-proxy"
UP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0  # what `_end` gives leftovers: SIGTERM, then SIGKILL
# The hub's own shutdown is bounded by JupyterHub's Spawner timeouts (interrupt 10 s + term 5 s + kill 5 s = 20 s
# per process): its managed services one after another (progress, the idle culler: 40 s), then every server at once
# (20 s, then its post-stop hook: a rig's `down`), the proxy meanwhile. Waiting less would kill the hub in the middle
# of stopping what it owns and leave all of it to `_end`; this leaves it time to finish, with a margin for a loaded
# host.
HUB_STOP_TIMEOUT = 120.0
HUB_STOP_SAY_AFTER = 5.0  # `class stop` says it is waiting after this long, then every HUB_STOP_SAY_EVERY
HUB_STOP_SAY_EVERY = 30.0


def folder(cf: ClassFile, create: bool = True) -> Path:
    path = paths.home() / "classes" / cf.name
    if create:
        paths.made(path)
        os.chmod(path, 0o700)
    return path


def find_proxy() -> str:
    """configurable-http-proxy: $SWARMLAB_CHP, the one `./run` installs beside the venv (npm, node_modules), PATH."""
    env = os.environ.get("SWARMLAB_CHP")
    candidates = [env] if env else []
    candidates += [str(Path(sys.prefix) / "node_modules" / ".bin" / CHP), shutil.which(CHP) or ""]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    raise SwarmlabError(f"no {CHP} found: install it with `npm install --prefix {sys.prefix} {CHP}@4` (`./run` "
                        "does), or set SWARMLAB_CHP to its path")


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child (a hub started in this process): reap it
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (our own child not yet reaped) is gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _state(where: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((where / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state


def _hub_alive(state: dict[str, Any] | None, where: Path) -> bool:
    """The state's pid is alive AND is this class's hub (a pid reused after a reboot is never signalled)."""
    if not state or not isinstance(state.get("pid"), int) or not _alive(state["pid"]):
        return False
    try:
        cmdline = Path(f"/proc/{state['pid']}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "jupyterhub" in cmdline and str(where / "jupyterhub_config.py") in cmdline


def running(cf: ClassFile) -> dict[str, Any] | None:
    """The state of the class's hub if it runs, else None."""
    where = folder(cf, create=False)
    state = _state(where)
    return state if state and _hub_alive(state, where) else None


def _get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, Any]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # loopback only: the hub's own address
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _last_line(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1][-300:] if lines else "an empty log"


@contextlib.contextmanager
def sigint_passed_on() -> Iterator[None]:
    """While it is open, a child this process starts gets SIGINT at its default (Ctrl-C stops it), even if this
    process ignores SIGINT (a background job of a script does: the shell sets it ignored). An ignored SIGINT is
    inherited across exec, a handled one is not: so it is handled here, by doing nothing, meanwhile. Without this,
    the hub and what it starts before its own handlers (its services) would ignore SIGINT, and JupyterHub stops a
    service with SIGINT first: each would cost the hub its Spawner's SIGINT timeout and more at stop (28 s seen)."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, lambda _sig, _frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(cf: ClassFile, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Accounts and homes, then the hub in the background; returns the state once the hub answers."""
    if os.geteuid() != 0:
        raise SwarmlabError("swarmlab class start needs root: the hub starts each student's server as their own "
                            "system account (run it with sudo)")
    if running(cf):
        raise SwarmlabError(f"class {cf.name!r} is already running: `swarmlab class stop {cf.path}` first")
    if cf.progress_db:  # the service would die on it at every restart: say why now, in one line
        from swarmlab.classhub import progressdb

        try:
            progressdb.Store(cf.progress_db).engine.dispose()
        except progressdb.StoreError as exc:
            raise SwarmlabError(f"{exc} (in {cf.path})") from None
    chp = find_proxy()
    where = folder(cf)
    url = f"http://{hubconfig.LOOPBACK}:{cf.port}"
    try:
        with socket.socket() as sock:  # as the proxy (node) binds: connections in TIME_WAIT do not count
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((hubconfig.LOOPBACK, cf.port))
    except OSError:
        raise SwarmlabError(f"port {cf.port} on {hubconfig.LOOPBACK} is taken: set another port in {cf.path}") from None

    created = accounts.ensure(cf.users, cf.course, where / "passwords.tsv", cf.language)
    if created:
        progress(f"{len(created)} new account(s); their first passwords are in {where / 'passwords.tsv'}")
    if cf.limits.get("idle_minutes"):
        import importlib.util

        if importlib.util.find_spec("jupyterhub_idle_culler") is None:
            raise SwarmlabError(f"limits.idle_minutes needs jupyterhub-idle-culler in {sys.executable}: "
                                "pip install 'swarmlab[class]' (or set idle_minutes = 0)")
    python = os.environ.get("SWARMLAB_CLASS_PYTHON") or sys.executable
    singleuser = [python, "-m", "jupyterhub.singleuser"]
    why = accounts.can_run(cf.users[0], [python, "-c", "import jupyterhub, jupyterlab, swarmlab"])
    if why is not None:
        raise SwarmlabError(f"the class's accounts cannot run {python} ({why}): install swarmlab where every user "
                            "can read it (e.g. a venv under /opt), or set SWARMLAB_CLASS_PYTHON to a Python with it")

    token_file = where / "service-token"
    if not token_file.exists():
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    data = hubconfig.settings(cf, where, hub_port=free_port(), api_port=free_port(), chp=chp, singleuser=singleuser,
                              progress_port=free_port(), python=sys.executable)
    (where / "settings.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    config = where / "jupyterhub_config.py"
    config.write_text("# written by `swarmlab class start`; the settings are in settings.json\n"
                      "from swarmlab.classhub.hubconfig import configure\n\n"
                      f"configure(c, {str(where / 'settings.json')!r})  # noqa: F821\n", encoding="utf-8")
    log = where / "hub.log"
    with open(log, "ab") as out, sigint_passed_on():
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=where,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    state = {"pid": proc.pid, "url": url, "name": cf.name, "class_file": str(cf.path), "started": time.time()}
    (where / "state.json").write_text(json.dumps(state) + "\n", encoding="utf-8")
    deadline = time.monotonic() + UP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (where / "state.json").unlink(missing_ok=True)
            raise SwarmlabError(f"the hub exited ({proc.returncode}): {_last_line(log)} (all of it in {log})")
        try:
            code, _ = _get(f"{url}/hub/api/", timeout=2)
        except OSError:
            code = 0
        if code == 200:
            progress(f"class {cf.name!r}: {url}/hub/login ({len(cf.students)} students, {len(cf.instructors)} "
                     f"instructor(s), {cf.provider}); log {log}")
            return state
        time.sleep(0.5)
    stop(cf, progress=lambda _m: None)
    raise SwarmlabError(f"the hub did not answer on {url} within {UP_TIMEOUT:.0f} s: {_last_line(log)} (all of it "
                        f"in {log})")


def _class_processes(cf: ClassFile, where: Path) -> list[int]:
    """Processes the class left (a hub killed, a crash): its hub, its proxy (proxy.pid, if it is a proxy), its
    progress service, the single-user servers of its accounts. Nothing else is ever matched."""
    import pwd

    uids = set()
    for user in cf.users:
        with contextlib.suppress(KeyError):
            uids.add(pwd.getpwnam(user).pw_uid)
    try:
        proxy_pid = int((where / "proxy.pid").read_text().strip())
    except (OSError, ValueError):
        proxy_pid = None
    config = str(where / "jupyterhub_config.py")
    settings = str(where / "settings.json")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            owner = entry.stat().st_uid
        except OSError:
            continue
        server = owner in uids and ("jupyterhub.singleuser" in cmdline or "jupyterhub-singleuser" in cmdline)
        proxy = int(entry.name) == proxy_pid and CHP in cmdline
        service = "swarmlab.classhub.progress" in cmdline and settings in cmdline  # the hub's progress service
        if (server or proxy or service or config in cmdline) and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def describe(pid: int) -> str:
    """`PID USER COMMAND`, short (`python -m X` as X, `node SCRIPT` as the script's name): a process named so that a
    log line alone says what it was."""
    import pwd

    try:
        argv = (Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode(errors="replace").split("\0"))
        uid = Path(f"/proc/{pid}").stat().st_uid
    except OSError:
        return f"{pid} (gone)"
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    name = Path(argv[0]).name or "?"
    if "-m" in argv[1:-1] and name.startswith("python"):
        name = argv[argv.index("-m", 1) + 1]
    elif name in ("node", "nodejs") and len(argv) > 1:
        name = Path(argv[1]).name
    return f"{pid} {user} {name[:40]}"


def _end(pids: list[int]) -> None:
    """SIGTERM (a server then shuts its kernels down), SIGKILL what still runs after STOP_TIMEOUT / 3, and return
    only once every one is gone."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT / 3), (signal.SIGKILL, STOP_TIMEOUT / 3)):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        pids = [p for p in pids if _alive(p)]
        if not pids:
            return
    raise SwarmlabError(f"processes {', '.join(map(str, pids))} of the class survive SIGKILL: see `ps -o pid,stat,args "
                        f"-p {','.join(map(str, pids))}`")


def _wait_gone(pid: int, seconds: float, progress: Callable[[str], None]) -> bool:
    """Wait up to `seconds` for the hub to exit after SIGTERM (it stops every server, rig and the proxy first);
    from HUB_STOP_SAY_AFTER on, say so every HUB_STOP_SAY_EVERY, so the instructor is not left at a silent prompt.
    Returns whether it exited."""
    started = time.monotonic()
    say_at = started + HUB_STOP_SAY_AFTER
    while _alive(pid):
        now = time.monotonic()
        if now >= started + seconds:
            return False
        if now >= say_at:
            progress(f"waiting for the hub to stop every student's server and the proxy ({now - started:.0f} s, "
                     f"at most {seconds:.0f} s)")
            say_at = now + HUB_STOP_SAY_EVERY
        time.sleep(0.2)
    return True


def stop(cf: ClassFile, progress: Callable[[str], None] = print) -> bool:
    """Stop the hub (it stops every server and the proxy it started), then anything of the class still left.
    Returns whether a hub was running."""
    if os.geteuid() != 0:
        raise SwarmlabError("swarmlab class stop needs root: the class's servers run as its students' accounts "
                            "(run it with sudo)")
    where = folder(cf, create=False)
    state = _state(where)
    was = _hub_alive(state, where)
    killed = ""
    if state and was:
        pid = int(state["pid"])
        os.kill(pid, signal.SIGTERM)
        started = time.monotonic()
        if not _wait_gone(pid, HUB_STOP_TIMEOUT, progress):
            killed = (f"; the hub did not stop within {HUB_STOP_TIMEOUT:.0f} s of SIGTERM: killed (see "
                      f"{where / 'hub.log'})")
            os.kill(pid, signal.SIGKILL)
            while _alive(pid) and time.monotonic() < started + HUB_STOP_TIMEOUT + 10:  # gone, not counted below
                time.sleep(0.1)
    left = _class_processes(cf, where)
    named = [describe(pid) for pid in left]  # before they are gone
    _end(left)
    for name in ("state.json", "hub.pid", "proxy.pid"):
        (where / name).unlink(missing_ok=True)
    rigs_left = []
    if cf.rig is not None:  # the hub stops each server's rig (post-stop hook); what a crashed hub left, here
        from swarmlab.classhub import rigs

        rigs_left = [student for student in cf.students if rigs.halt(cf.rig, student)]
    extra = killed + (f"; {len(left)} leftover process(es) killed (pid user command: {', '.join(named)})"
                      if left else "")
    extra += f"; {len(rigs_left)} rig(s) left running stopped" if rigs_left else ""
    progress(f"class {cf.name!r} stopped{extra}" if was else f"class {cf.name!r} was not running{extra}")
    return was


def status(cf: ClassFile) -> dict[str, Any]:
    """Is the hub up, where, and each user's server (through the hub's API, with the class's service token)."""
    where = folder(cf, create=False)
    state = running(cf)
    if state is None:
        return {"name": cf.name, "running": False}
    token = (where / "service-token").read_text(encoding="utf-8").strip()
    try:
        code, users = _get(f"{state['url']}/hub/api/users", token)
    except OSError as exc:  # the process runs but does not answer (starting, stuck)
        return {"name": cf.name, "running": True, "pid": state["pid"], "url": state["url"],
                "users": f"the hub does not answer ({exc}): see {where / 'hub.log'}"}
    servers = {}
    if code == 200 and isinstance(users, list):
        for u in users:
            server = (u.get("servers") or {}).get("", {})
            servers[u["name"]] = {"server": "ready" if server.get("ready") else ("starting" if server else "none"),
                                  "last_activity": u.get("last_activity")}
    return {"name": cf.name, "running": True, "pid": state["pid"], "url": state["url"], "users": servers}
