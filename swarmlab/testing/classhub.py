"""A real class hub for tests: a Python the class's accounts can run, a browser-like client of the hub.

The hub starts each student's server as that student; their Python must be one every account can execute. A venv
made from a Python under /root (pyenv) is not: then `students_python` makes a small venv from the system's Python
of the same version whose .pth adds this venv's site-packages (and links its Jupyter data and config), in
/var/tmp. When this venv itself is out of the accounts' reach (a checkout under /root), it installs swarmlab with
the `class` extra into a venv of the system's Python in /var/tmp instead (pip: the first time takes a while).
Checkout-only; a class host installs swarmlab where every user can read it (docs/class.md).
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from swarmlab.classhub import accounts
from swarmlab.classhub.classfile import ClassFile

SHIM = Path("/var/tmp/swarmlab-test-class-python")
VENV = Path("/var/tmp/swarmlab-test-class-venv")
ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = "import jupyterhub, jupyterlab, swarmlab"


def students_python(user: str = "nobody") -> str:
    """A Python with this checkout's packages that `user` can run: this one, else a shim venv (see above)."""
    if accounts.can_run(user, [sys.executable, "-c", PROBE]) is None:
        return sys.executable
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    base = Path(f"/usr/bin/python{version}")
    if not base.exists():
        raise RuntimeError(f"{sys.executable} is not runnable by other users and there is no {base} to make a "
                           "shim venv from")
    if os.environ.get("SWARMLAB_TEST_CLASS_VENV") != "1":  # =1: go straight to the installed venv (to test it)
        python = SHIM / "bin" / "python"
        if not python.exists():
            subprocess.run([str(base), "-m", "venv", "--without-pip", str(SHIM)], check=True, timeout=120)
        purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True, timeout=60).stdout.strip()
        ours = sysconfig.get_paths()["purelib"]
        (Path(purelib) / "swarmlab-test.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
        for name in ("etc", "share"):  # Jupyter's config (server extensions enabled) and data (JupyterLab's assets)
            link = SHIM / name
            if not link.is_symlink():
                link.symlink_to(Path(sys.prefix) / name)
        if accounts.can_run(user, [str(python), "-c", PROBE]) is None:
            return str(python)
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(VENV)], check=True, timeout=120)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                                f"{ROOT}[class]"], timeout=900, capture_output=True, text=True)
    if installed.returncode != 0:
        raise RuntimeError(f"cannot install swarmlab[class] into {VENV}: {installed.stderr[-500:]}")
    why = accounts.can_run(user, [str(python), "-c", PROBE])
    if why is not None:
        raise RuntimeError(f"{python} is not runnable by {user}: {why}")
    return str(python)

@dataclass
class RunningClass:
    cf: ClassFile
    path: Path  # the class file
    url: str
    home: Path  # its SWARMLAB_HOME
    folder: Path  # the class folder
    passwords: dict[str, str]  # the new accounts' first passwords (passwords.tsv)
    said: str  # what `class start` printed
    clients: dict[str, Any] = field(default_factory=dict)


@contextmanager
def running_class(tmp: Path, text: str, users: list[str], tables: str = "") -> Iterator[RunningClass]:
    """A class started by `swarmlab class start` (through `main()`) from the class file `text`, its port (a free
    one) and `tables` (e.g. [pool]), with SWARMLAB_HOME in `tmp`; afterwards stopped, and the accounts `users`
    removed."""
    import contextlib
    import io

    from swarmlab.classhub import classfile, server
    from swarmlab.cli import main
    from swarmlab.ports import free_port

    port = free_port()
    path = tmp / "class.toml"
    path.write_text(f"{text}port = {port}\n{tables}")
    home = tmp / "home"
    cf = classfile.load(path)  # before anything changes: these three may raise
    chp, python = server.find_proxy(), students_python()
    saved = {k: os.environ.get(k) for k in ("SWARMLAB_HOME", "SWARMLAB_CHP", "SWARMLAB_CLASS_PYTHON")}
    os.environ.update(SWARMLAB_CHP=chp, SWARMLAB_CLASS_PYTHON=python, SWARMLAB_HOME=str(home))
    try:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert main(["class", "start", str(path)]) == 0, err.getvalue()
        folder = home / "classes" / cf.name
        passwords = dict(line.split("\t") for line in (folder / "passwords.tsv").read_text().splitlines())
        yield RunningClass(cf, path, f"http://127.0.0.1:{port}", home, folder, passwords, out.getvalue())
    finally:
        os.environ["SWARMLAB_HOME"] = str(home)
        server.stop(cf, progress=lambda _m: None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        remove_accounts(users)


# A cell for a student's kernel: `docker node ls` and `swarmlab doctor` on the swarm their server was handed
# (SWARMLAB_INVENTORY), printed as one JSON line.
DOCTOR_CELL = """
import json, os
from swarmlab import doctor
from swarmlab.inventory import load
from swarmlab.transport.ssh import SSHTransport
inv = load(os.environ["SWARMLAB_INVENTORY"])
with SSHTransport(inv, known_hosts=inv.extra.get("known_hosts")) as t:
    nodes = t.run("swarm-manager", "docker node ls --format '{{.Hostname}} {{.Status}}'", timeout=120).stdout
    checks = doctor.run(t, inv)
print(json.dumps({"mode": os.environ["SWARMLAB_MODE"], "inventory": inv.source, "nodes": nodes.split(),
                  "passed": sum(c.ok for c in checks), "failed": [f"{c.node} {c.name}" for c in checks if not c.ok]}))
"""


def rig_base(base: Path, source: Path, release: str = "12") -> Path:
    """`base`, a rig home holding the rig image of `release` for the class's [rig] base: the image copied with
    `cp -a` from the rig home `source` if it has it (with its `accel` and `debian`: no KVM probe per student),
    else built in `base` once. `source` is only read."""
    from swarmlab.rig import image
    from swarmlab.testing.rig import rig_home_named

    img = base / "images" / image.recipe_hash(release)
    if not (img / "build.json").is_file():
        built = source / "images" / img.name
        img.parent.mkdir(parents=True, exist_ok=True)
        if (built / "build.json").is_file():
            subprocess.run(["cp", "-a", str(built), str(img)], check=True, timeout=600)
        else:
            with rig_home_named(base):
                image.build(debian=release)
    for name in ("accel", "debian"):
        if (source / name).is_file() and not (base / name).exists():
            subprocess.run(["cp", "-a", str(source / name), str(base / name)], check=True, timeout=60)
    return base


def qemu_alive(home: Path) -> bool:
    """Whether the rig of rig home `home` has its qemu running (its state's pid is a qemu)."""
    import json

    try:
        pid = json.loads((home / "run" / "state.json").read_text())["pid"]
        return b"qemu-system" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def remove_accounts(users: list[str]) -> None:
    """Delete the test's class accounts and their homes (only accounts of the class group)."""
    for user in users:
        if accounts.is_class_account(user):
            subprocess.run(["userdel", "--remove", user], capture_output=True, timeout=60, check=False)


def processes_of(user: str) -> list[tuple[int, str]]:
    """(pid, command line) of every process running as `user` (zombies left to an init that does not reap them
    are not running)."""
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                zombie = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"  # dead, not yet reaped
                if entry.stat().st_uid == uid and not zombie:
                    found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
            except OSError:
                continue
    return found


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)


class HubClient:
    """One person's browser session on the hub (cookies, the login form with its XSRF token) plus API calls."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.token: str | None = None

    def login(self, user: str, password: str) -> requests.Response:
        self.session.get(f"{self.url}/hub/login", timeout=30)
        return self.session.post(f"{self.url}/hub/login", timeout=60, allow_redirects=False,
                                 data={"username": user, "password": password,
                                       "_xsrf": self.session.cookies.get("_xsrf", "")})

    def form_post(self, path: str, **kwargs: Any) -> requests.Response:
        """A POST from the logged-in browser (cookie and XSRF header, as the hub's own pages send it)."""
        return self.session.post(f"{self.url}{path}", timeout=60,
                                 headers={"X-XSRFToken": self.session.cookies.get("_xsrf") or ""}, **kwargs)

    def new_token(self, user: str) -> str:
        r = self.form_post(f"/hub/api/users/{user}/tokens", json={"note": "swarmlab test", "expires_in": 600})
        r.raise_for_status()
        self.token = str(r.json()["token"])
        return self.token

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        """A request with a token only (no cookie): what a script holding that token can do."""
        return requests.request(method, f"{self.url}{path}", timeout=60,
                                headers={"Authorization": f"token {token or self.token or ''}"}, **kwargs)

    def wait_ready(self, user: str, timeout: float = 150) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.api("GET", f"/hub/api/users/{user}")
            server = (r.json().get("servers") or {}).get("", {}) if r.status_code == 200 else {}
            if server.get("ready"):
                return dict(server)
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server not ready within {timeout} s")



def run_in_kernel(url: str, user: str, token: str, code: str, timeout: float = 120) -> str:
    """Run `code` in a new kernel of `user`'s server (through the hub's proxy, with `token`), as a notebook cell
    does: Jupyter's REST API starts the kernel, its websocket carries the execute request. Returns what the cell
    printed; raises with the cell's error. The kernel is shut down after."""
    import asyncio
    import json
    import uuid

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}"}
    base = f"{url}/user/{user}/api/kernels"
    r = requests.post(base, headers=headers, json={"name": "python3"}, timeout=60)
    r.raise_for_status()
    kernel = r.json()["id"]

    async def execute() -> str:
        ws = await websocket_connect(HTTPRequest(f"{base.replace('http', 'ws', 1)}/{kernel}/channels",
                                                 headers=headers, connect_timeout=60))
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": user, "session": uuid.uuid4().hex,
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out: list[str] = []
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout)
            if raw is None:
                raise RuntimeError(f"{user}'s kernel closed its websocket")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"{user}'s cell failed: {content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                ws.close()
                return "".join(out)

    try:
        return asyncio.run(execute())
    finally:
        requests.delete(f"{base}/{kernel}", headers=headers, timeout=60)
