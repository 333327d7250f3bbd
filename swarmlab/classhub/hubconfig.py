"""The hub's configuration, from a class: `settings` (plain data, written to the class folder as settings.json by
`swarmlab class start`) and `configure` (run inside the hub process by the generated jupyterhub_config.py).

What it sets, and why:
* loopback only: the proxy's public and API addresses, the hub, every student's server on 127.0.0.1;
* PAMAuthenticator, with the roster as `allowed_users` (a system account outside the roster, root included, cannot
  log in), nobody an admin;
* LocalProcessSpawner: each server runs as the student's own account, in their home, opening the course
  (provider rig: its subclass whose spawn page shows the rig's boot phases, spawnprogress.py);
  the provider's environment (replay: SWARMLAB_MODE=replay; pool and rig: SWARMLAB_MODE=live and SWARMLAB_INVENTORY,
  the copy of the student's own swarm the provider made in their home) added per student by a pre-spawn hook, which
  first starts the student's swarm (rig: boots their VM) in a thread; a post-stop hook stops it;
* a zh class: JupyterHub's own pages (login, home, spawn-pending, errors, token) in Chinese (hubpages.py), and a
  failed start's reason in Chinese on them;
* an `instructor` role: list users, read their servers and activity, the admin page (read-only without more
  scopes); students keep JupyterHub's default `user` role (their own server only);
* the `swarmlab-progress` service (progress.py), started and restarted by the hub: each student's server gets its
  address (SWARMLAB_PROGRESS_URL) and a server extension sending its queued events at its start (course/serverext.py),
  instructors its access scope (the dashboard);
* with `[limits] idle_minutes`, `jupyterhub-idle-culler` as a service the hub starts: it stops a server idle that
  long (its post-stop hook then stops the student's swarm: the rig provider's VM), with only the scopes it needs;
* a `swarmlab-class` service whose token (in the class folder, 0600) `swarmlab class status` uses;
* state in the class folder: database, cookie secret, pid files.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from swarmlab.classhub import hubpages, providers, spawnprogress
from swarmlab.classhub.accounts import COURSE_DIR
from swarmlab.classhub.classfile import ClassFile
from swarmlab.course.progress import URL_ENV as PROGRESS_ENV

LOOPBACK = "127.0.0.1"
PROGRESS = "swarmlab-progress"  # the progress service (progress.py): events in, the instructors' dashboard out
FLUSH_ARG = "--ServerApp.jpserver_extensions=swarmlab.course.serverext=True"  # course/serverext.py
INSTRUCTOR_SCOPES = ["list:users", "read:users", "read:users:activity", "read:servers", "admin-ui",
                     f"access:services!service={PROGRESS}"]
SERVICE = "swarmlab-class"
SERVICE_SCOPES = ["list:users", "read:users:activity", "read:servers"]
CULLER = "idle-culler"
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]  # its README's minimum


def cull_every(idle_minutes: int) -> int:
    """How often the culler looks (s): a quarter of the idle time, from 15 s to 5 minutes."""
    return max(15, min(300, idle_minutes * 60 // 4))


def settings(cf: ClassFile, folder: Path, *, hub_port: int, api_port: int, chp: str,
             singleuser: list[str], progress_port: int = 0, python: str = "") -> dict[str, Any]:
    """Everything the hub process needs, as JSON-able data."""
    return {
        "name": cf.name, "language": cf.language, "provider": cf.provider,
        "instructors": list(cf.instructors), "students": list(cf.students),
        "port": cf.port, "hub_port": hub_port, "api_port": api_port, "folder": str(folder),
        "chp": chp, "singleuser": singleuser, "limits": dict(cf.limits),
        "progress_port": progress_port, "progress_db": cf.progress_db, "python": python,
        "pool": {student: str(path) for student, path in cf.pool.items()},
        "rig": cf.rig.as_json() if cf.rig else None,
    }


def configure(c: Any, settings_file: str | Path) -> None:
    """Set the hub's traits on `c` (a traitlets Config) from the settings file."""
    s = json.loads(Path(settings_file).read_text(encoding="utf-8"))
    folder = Path(s["folder"])
    provider = providers.from_settings(s)

    c.JupyterHub.bind_url = f"http://{LOOPBACK}:{s['port']}"
    c.JupyterHub.hub_ip = LOOPBACK
    c.JupyterHub.hub_port = s["hub_port"]
    c.ConfigurableHTTPProxy.api_url = f"http://{LOOPBACK}:{s['api_port']}"
    c.ConfigurableHTTPProxy.command = [s["chp"]]
    c.ConfigurableHTTPProxy.pid_file = str(folder / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{folder / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(folder / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(folder / "hub.pid")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server
    c.JupyterHub.cleanup_proxy = True
    c.JupyterHub.active_server_limit = s["limits"]["active_servers"]
    c.JupyterHub.concurrent_spawn_limit = s["limits"]["concurrent_spawns"]

    pages = hubpages.templates(s["language"])
    if pages:  # JupyterHub's own pages in the class's language (zh); an en class keeps JupyterHub's as they are
        c.JupyterHub.template_paths = [str(pages)]
        c.JupyterHub.template_vars = {"swarmlab": hubpages.Pages(s["language"])}

    c.JupyterHub.authenticator_class = "pam"
    c.Authenticator.allowed_users = set(s["students"]) | set(s["instructors"])
    c.Authenticator.admin_users = set()
    c.PAMAuthenticator.open_sessions = False

    c.JupyterHub.spawner_class = "localprocess"
    if isinstance(provider, providers.RigProvider):  # the spawn page shows the rig's boot (minutes under tcg)
        c.JupyterHub.spawner_class = spawnprogress.spawner_class(provider.board, s["language"])
    c.Spawner.cmd = s["singleuser"]
    c.Spawner.args = [FLUSH_ARG]  # sends the student's queued progress at the server's start, kernel or not
    c.Spawner.ip = LOOPBACK
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = f"/lab/tree/{COURSE_DIR}"
    c.Spawner.start_timeout = s["limits"]["start_timeout"]
    c.Spawner.http_timeout = s["limits"]["start_timeout"]

    idle = int(s["limits"].get("idle_minutes", 0))
    if idle:  # the culler sees a server's activity as the hub has it: the server and the proxy report it this often
        c.JupyterHub.last_activity_interval = cull_every(idle)

    async def pre_spawn(spawner: Any) -> None:  # the hub awaits it; start (a rig's boot: minutes) in a thread
        student = spawner.user.name
        try:
            await asyncio.to_thread(provider.start, student)
        except Exception as exc:  # translated pages show a failed spawn's jupyterhub_message (in their language)
            if pages:
                why = spawnprogress.failure(str(exc) or type(exc).__name__, s["language"])
                exc.jupyterhub_message = why  # type: ignore[attr-defined]
            raise
        spawner.environment.update(provider.env(student))
        spawner.environment[PROGRESS_ENV] = progress_events  # the course sends its progress there (course/progress.py)
        if idle:
            spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"] = str(cull_every(idle))

    async def post_stop(spawner: Any) -> None:
        await asyncio.to_thread(provider.stop, spawner.user.name)

    progress_events = f"http://{LOOPBACK}:{s['port']}/services/{PROGRESS}/api/events"
    c.Spawner.pre_spawn_hook = pre_spawn
    c.Spawner.post_stop_hook = post_stop

    roles = [
        {"name": "instructor", "description": "sees every student of the class: who, their servers, activity",
         "scopes": INSTRUCTOR_SCOPES, "users": sorted(s["instructors"])},
        {"name": "swarmlab-class", "description": "`swarmlab class status`", "scopes": SERVICE_SCOPES,
         "services": [SERVICE]},
    ]
    token = (folder / "service-token").read_text(encoding="utf-8").strip()
    services = [
        {"name": SERVICE, "api_token": token},
        {"name": PROGRESS, "url": f"http://{LOOPBACK}:{s['progress_port']}", "oauth_no_confirm": True,
         "command": [s["python"] or sys.executable, "-m", "swarmlab.classhub.progress", str(settings_file)],
         "cwd": str(folder)},
    ]
    if idle:
        services.append({"name": CULLER, "command": [
            s["python"] or sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle * 60}",
            f"--cull-every={cull_every(idle)}"]})
        roles.append({"name": CULLER, "description": "stops servers idle for [limits] idle_minutes",
                      "scopes": CULLER_SCOPES, "services": [CULLER]})
    c.JupyterHub.load_roles = roles
    c.JupyterHub.services = services
