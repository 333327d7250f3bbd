"""Where swarmlab keeps its own state (known_hosts, rig files): `$SWARMLAB_HOME`, else `~/.swarmlab`.

Reading never creates anything (a replay works with a read-only or missing home); only a writer asks for the
folder to exist (`made`), and a home that cannot be made is one clear error naming `SWARMLAB_HOME`.
"""

from __future__ import annotations

import os
from pathlib import Path

from swarmlab.errors import SwarmlabError
from swarmlab.i18n import t


def home() -> Path:
    """The home folder (not created: see `made`)."""
    env = os.environ.get("SWARMLAB_HOME")
    return Path(env or Path.home() / ".swarmlab").expanduser()


def made(path: Path) -> Path:
    """`path` as a folder, created if missing; a folder that cannot be made is a SwarmlabError saying what to set."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SwarmlabError(t("cannot create swarmlab's folder {path} ({error}): set SWARMLAB_HOME (or "
                              "SWARMLAB_RIG_HOME for the rig) to a writable folder", path=str(path),
                              error=str(exc.strerror or exc))) from None
    return path


def known_hosts_file() -> Path:
    return home() / "known_hosts"


def rig_home(create: bool = True) -> Path:
    """The rig's images and run state: `$SWARMLAB_RIG_HOME`, else `<swarmlab home>/rig`; created unless told not
    to (`create=False` for a reader: is there a rig?)."""
    env = os.environ.get("SWARMLAB_RIG_HOME")
    path = Path(env).expanduser() if env else home() / "rig"
    return made(path) if create else path


SPECIAL = ("/proc", "/sys", "/dev")  # kernel files: a read may never end (/dev/zero, /proc/kmsg) or be huge


def shown(path: str | Path) -> str:
    """A path as a one-line message shows it: as typed when printable, else quoted with escapes."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def input_file(path: str | Path, what: str, fix: str, error: type[SwarmlabError] = SwarmlabError) -> Path:
    """`path` as a file to read (a recording, an inventory): it must be named, exist, be a regular non-empty file
    outside the kernel's folders; else one `error` saying what it is and `fix`."""
    if not str(path).strip():
        raise error(t("no file named (an empty path): {fix}", fix=fix))
    try:
        p = Path(path).expanduser()
        resolved = p.resolve()
        if any(resolved == Path(s) or Path(s) in resolved.parents for s in SPECIAL):
            raise error(t("{path} is a kernel file, not {what}: {fix}", path=shown(p), what=what, fix=fix))
        if p.is_dir():
            raise error(t("{path} is a folder, not {what}: {fix}", path=shown(p), what=what, fix=fix))
        if not p.exists():
            raise error(t("{path} does not exist: {fix}", path=shown(p), fix=fix))
        if not p.is_file():
            raise error(t("{path} is not a regular file (a device or a pipe), not {what}: {fix}", path=shown(p),
                          what=what, fix=fix))
        with open(p, "rb"):
            pass
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a symlink loop, no access
        raise error(t("cannot read {path} ({error}): {fix}", path=shown(path),
                      error=str(getattr(exc, "strerror", None) or exc), fix=fix)) from None
    return p
