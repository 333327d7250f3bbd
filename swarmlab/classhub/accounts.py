"""Each user of a class is a system account on the class host, as The Littlest JupyterHub makes them: their server
runs as them (JupyterHub's LocalProcessSpawner), their home is theirs alone (mode 0700), they log in with their own
password (JupyterHub's PAMAuthenticator checks it against the system's). Accounts carry the group `swarmlab-class`;
a roster name that exists on the host outside that group is refused, never taken over.

A new account gets a random first password, written to the class folder's `passwords.tsv` (mode 0600, for the
instructor to hand out); the student changes it with `passwd` in a JupyterLab terminal. Accounts and homes stay
when the class stops (the students' work is in them).
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from swarmlab.errors import SwarmlabError
from swarmlab.i18n import locale_of

GROUP = "swarmlab-class"
COURSE_DIR = "course"  # the course's folder in each home


def lab_settings(language: str) -> dict[str, dict[str, object]]:
    """A new account's JupyterLab user settings (the same defaults `./run lab` and Binder set as overrides,
    tools/jupyterlab_settings.py): the course's language for the menus (the zh-CN language pack is a swarmlab
    dependency), no news popup over the first lesson. A student can change them in Settings."""
    return {
        "@jupyterlab/translation-extension/plugin": {"locale": locale_of(language)},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }


def _run(argv: list[str], what: str, stdin: str | None = None) -> None:
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SwarmlabError(f"cannot {what} ({exc}): run `swarmlab class` as root on a Linux host with "
                            "useradd/chpasswd (Debian's passwd package)") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise SwarmlabError(f"cannot {what}: {last}")


def ensure_group() -> int:
    try:
        return grp.getgrnam(GROUP).gr_gid
    except KeyError:
        _run(["groupadd", "--system", GROUP], f"create the group {GROUP}")
        return grp.getgrnam(GROUP).gr_gid


def is_class_account(user: str) -> bool:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return False
    try:
        group = grp.getgrnam(GROUP)
    except KeyError:
        return False
    return user in group.gr_mem or entry.pw_gid == group.gr_gid


def check_free(users: Iterable[str]) -> None:
    """Refuse a roster name that is an account on this host but not one of a class (root, daemon, a staff login),
    or a group of its own (sudo, adm, docker: useradd would refuse it and suggest joining that group)."""
    for user in users:
        try:
            pwd.getpwnam(user)
        except KeyError:
            try:
                grp.getgrnam(user)
            except KeyError:
                continue
            raise SwarmlabError(f"{user!r} is already a group on this host (useradd cannot give the student a group "
                                "of their own, and would suggest joining it): rename them in the roster") from None
        if not is_class_account(user):
            raise SwarmlabError(f"{user!r} is already an account on this host, not a class account (group {GROUP}): "
                                "rename them in the roster")


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def _write_settings(home: Path, language: str, uid: int, gid: int) -> None:
    """JupyterLab's user settings in a home, each file only if absent (a student's own choice stays)."""
    import json

    root = home / ".jupyter" / "lab" / "user-settings"
    for plugin, values in lab_settings(language).items():
        path = root / f"{plugin}.jupyterlab-settings"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
        folder = path
        while folder != home:  # every folder made here, and the file, belong to the student
            os.chown(folder, uid, gid, follow_symlinks=False)
            folder = folder.parent


def ensure(users: Iterable[str], course: Path, passwords: Path, language: str = "en") -> list[str]:
    """Make the missing accounts (random first password appended to `passwords`), each home 0700 holding the course
    in ~/course (copied once: a student's edits are never overwritten) and JupyterLab in the class's language.
    Returns the accounts created."""
    users = list(users)
    check_free(users)
    ensure_group()
    created: list[str] = []
    for user in users:
        if not is_class_account(user):
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", "--groups", GROUP,
                  "--comment", "swarmlab class", user], f"create the account {user!r}")
            password = secrets.token_urlsafe(12)
            _run(["chpasswd"], f"set {user!r}'s first password", stdin=f"{user}:{password}\n")
            fd = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(f"{user}\t{password}\n")
            created.append(user)
        entry = pwd.getpwnam(user)
        home = Path(entry.pw_dir)
        os.chmod(home, 0o700)
        target = home / COURSE_DIR
        if not target.exists():
            shutil.copytree(course, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            _chown_tree(target, entry.pw_uid, entry.pw_gid)
        _write_settings(home, language, entry.pw_uid, entry.pw_gid)
    return created


def can_run(user: str, argv: list[str]) -> str | None:
    """None when `user` can run `argv` (e.g. the hub's Python importing the single-user server), else why not."""
    try:
        proc = subprocess.run(["runuser", "-u", user, "--", *argv], capture_output=True, text=True, timeout=120,
                              check=False, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    return (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
