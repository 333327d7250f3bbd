"""The `pool` provider's swarms (issue #24 item 2): swarms the instructor already has (a rig per student, a
Vagrant classroom, cloud VMs), one inventory file per student in the class file's `[pool]` table.

    provider = "pool"
    [pool]                          # student = their swarm's inventory (relative paths: from the class file)
    ann = "swarms/ann.toml"         # e.g. what `swarmlab rig up` writes (<rig home>/inventory.toml)
    bob = "/srv/swarms/bob.toml"

`check` refuses, one line each naming the fix: a student without an inventory, an inventory for a name not on the
roster, an inventory that does not load, a node without a key file or whose key file is missing, a known_hosts
that is missing, two students on the same swarm (a node reached the same way in both). `install` copies a
student's inventory, its key file(s) and its known_hosts into the student's home (~/.swarmlab/swarm/, theirs,
0700; keys 0600), the inventory rewritten to point at the copies: their server runs as them and reads only
that copy (another student's home is 0700). It runs as root, in the hub, before the student's server spawns,
and writes into a folder the student controls: every path under the home is opened without following symlinks,
and each file is created anew (never written through an existing one).

A relative `key_file` or `known_hosts` in an inventory is from the inventory's folder; `~` is the hub's (root's).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from swarmlab import paths
from swarmlab.errors import InventoryError, SwarmlabError
from swarmlab.inventory import Inventory, load

SWARM_DIR = (".swarmlab", "swarm")  # in the student's home
INVENTORY = "inventory.toml"
KNOWN_HOSTS = "known_hosts"
MAX_KEY_BYTES = 64_000


class PoolError(SwarmlabError):
    """A pool entry that cannot be used (the message names the student and the fix)."""


@dataclass(frozen=True)
class Swarm:
    """A student's swarm as the instructor's files have it: the inventory and the files it names."""

    student: str
    path: Path
    inventory: Inventory
    keys: dict[str, Path]  # node name -> its key file (absolute)
    known_hosts: Path | None

    def resolved(self) -> Inventory:
        """The inventory with each node's key file as an absolute path (as found from the inventory's folder)."""
        nodes = [replace(node, key_file=str(self.keys[node.name])) for node in self.inventory]
        return Inventory(nodes, source=self.inventory.source, extra=dict(self.inventory.extra))

    def reach(self) -> dict[tuple[str, ...], str]:
        """How each swarm node is reached (the host:port of every hop, jump hosts first) -> its name. Jump hosts
        alone (role "jump", e.g. a bastion several students share) are not swarm nodes."""
        found = {}
        for node in self.inventory:
            if node.role == "jump":
                continue
            hops, hop = [], node
            while True:
                hops.append(f"{hop.host.lower()}:{hop.port}")
                if hop.jump is None:
                    break
                hop = self.inventory[hop.jump]
            found[tuple(reversed(hops))] = node.name
        return found


def _beside(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def open_swarm(student: str, path: Path) -> Swarm:
    """Load `student`'s inventory and check the files it names; a PoolError (one line) otherwise."""
    try:
        inv = load(path)
    except InventoryError as exc:
        raise PoolError(f"pool.{student}: {exc}") from None
    if not len(inv):
        raise PoolError(f"pool.{student}: {paths.shown(path)} has no nodes: give the inventory of {student}'s swarm")
    base = path.resolve().parent
    keys = {}
    for node in inv:
        if not node.key_file:
            raise PoolError(f"pool.{student}: node {node.name!r} in {paths.shown(path)} has no key_file: give each "
                            "node the key it is reached with (the student's server has no key of its own)")
        key = _beside(base, node.key_file)
        if not key.is_file():
            raise PoolError(f"pool.{student}: node {node.name!r}'s key file {paths.shown(key)} is missing: fix "
                            f"key_file in {paths.shown(path)} (a relative path is from the inventory's folder)")
        if key.stat().st_size > MAX_KEY_BYTES:
            raise PoolError(f"pool.{student}: {paths.shown(key)} ({key.stat().st_size} bytes) is no SSH key: fix "
                            f"node {node.name!r}'s key_file in {paths.shown(path)}")
        keys[node.name] = key.resolve()
    known = inv.extra.get("known_hosts")
    known_hosts = None
    if known is not None:
        if not isinstance(known, str) or not known.strip():
            raise PoolError(f"pool.{student}: known_hosts in {paths.shown(path)} must be a file's path")
        known_hosts = _beside(base, known)
        if not known_hosts.is_file():
            raise PoolError(f"pool.{student}: known_hosts {paths.shown(known_hosts)} in {paths.shown(path)} is "
                            "missing: fix it, or remove the line (the student's server then trusts each host key "
                            "on first use)")
        known_hosts = known_hosts.resolve()
    return Swarm(student, path, inv, keys, known_hosts)


def label(name: str) -> str:
    """A [pool] key as a one-line message shows it."""
    return name if name.isprintable() and name.strip() == name and name else repr(name)


def check_names(pool: Mapping[str, Path], students: tuple[str, ...] | list[str]) -> None:
    """One inventory for each student, none for another name."""
    for name in pool:
        if name not in students:
            raise PoolError(f"pool.{label(name)}: {name!r} is not a student of this class: remove the line or add "
                            f"{name!r} to students")
    for student in students:
        if student not in pool:
            raise PoolError(f"pool: no inventory for student {student!r}: add {student} = \"<their swarm's "
                            "inventory.toml>\" under [pool]")


def check(pool: Mapping[str, Path], students: tuple[str, ...] | list[str]) -> dict[str, Swarm]:
    """Every student's swarm, checked: one for each student, none for another name, each loading with its files,
    no two students on the same swarm."""
    check_names(pool, students)
    swarms = {student: open_swarm(student, Path(pool[student])) for student in students}
    overlap(swarms)
    return swarms


def overlap(swarms: Mapping[str, Swarm]) -> None:
    """A PoolError when two students' swarms share a node (reached the same way: every hop's host:port)."""
    seen: dict[tuple[str, ...], tuple[str, str]] = {}
    for student, swarm in swarms.items():
        for hops, node in swarm.reach().items():
            if hops in seen and seen[hops][0] != student:
                other, other_node = seen[hops]
                raise PoolError(f"pool: {other!r} and {student!r} are on the same swarm (node {other_node!r} and "
                                f"{node!r} are both {' -> '.join(hops)}): give each student a swarm of their own")
            seen[hops] = (student, node)


# --- the copy in the student's home -------------------------------------------------------------------------------

def _toml(value: Any) -> str:
    """A TOML value: text (every control character escaped), whole numbers, booleans, lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(name: str) -> str:
    return _toml(name) if not name.replace("-", "").replace("_", "").isalnum() or not name.isascii() else name


def inventory_text(swarm: Swarm, keys: Mapping[str, str], known_hosts: str | None) -> str:
    """The student's copy: the instructor's inventory with each node's key_file (and known_hosts) replaced by
    the copies' paths. Extra top-level keys (e.g. `images`) are kept when they are text, numbers or flat tables."""
    lines = [f"# written by `swarmlab class` (provider pool) from {swarm.path} when your server started;",
             "# it is written again at each start: edit your instructor's copy, not this one"]
    extra = dict(swarm.inventory.extra)
    extra.pop("known_hosts", None)
    if known_hosts is not None:
        lines.append(f"known_hosts = {_toml(known_hosts)}")
    tables = []
    for key, value in extra.items():
        try:
            if isinstance(value, dict):
                tables.append(f"\n[{_key(key)}]\n" + "".join(f"{_key(k)} = {_toml(v)}\n" for k, v in value.items()))
            else:
                lines.append(f"{_key(key)} = {_toml(value)}")
        except TypeError:
            continue  # nested tables: nothing swarmlab reads
    for node in swarm.inventory:
        lines.append("\n[[nodes]]")
        record = node.as_record()
        record["key_file"] = keys[node.name]
        for field, value in record.items():
            if value is not None:
                lines.append(f"{field} = {_toml(value)}")
    return "\n".join(lines) + "\n" + "".join(tables)


def _subdir(parent: int, name: str, shown: str, uid: int, gid: int) -> int:
    """The folder `name` (`shown` in messages) in the folder open as `parent` (made if absent), never through a
    symlink; the student's, 0700. Returns its descriptor."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o700, dir_fd=parent)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    except OSError as exc:
        raise PoolError(f"{shown} cannot be used ({exc.strerror}): it must be a folder, not a link or a file; "
                        "move it away") from None
    os.fchown(fd, uid, gid)
    os.fchmod(fd, 0o700)
    return fd


def _write(folder: int, name: str, data: bytes, uid: int, gid: int) -> None:
    """A new file `name` (whatever was there removed first, never written through), the student's, 0600."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=folder)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    try:
        os.fchown(fd, uid, gid)
        os.write(fd, data)
    finally:
        os.close(fd)


def copy_path(student: str) -> Path:
    """Where `student`'s copy of their inventory is (in their home)."""
    return Path(pwd.getpwnam(student).pw_dir).joinpath(*SWARM_DIR, INVENTORY)


def install(swarm: Swarm) -> Path:
    """Copy `swarm` (its inventory, keys, known_hosts) into its student's home; returns the inventory's copy.
    Run as root. What an earlier copy left in that folder is removed first."""
    entry = pwd.getpwnam(swarm.student)
    uid, gid, home = entry.pw_uid, entry.pw_gid, Path(entry.pw_dir)
    fds: list[int] = []
    try:
        fds.append(os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW))
        for i, name in enumerate(SWARM_DIR):
            fds.append(_subdir(fds[-1], name, "/".join(["~", *SWARM_DIR[:i + 1]]), uid, gid))
        folder = fds[-1]
        for old in os.listdir(folder):  # an earlier copy (another swarm's keys): gone
            if not stat.S_ISDIR(os.stat(old, dir_fd=folder, follow_symlinks=False).st_mode):
                os.unlink(old, dir_fd=folder)
        where = home.joinpath(*SWARM_DIR)
        copies: dict[Path, str] = {}
        keys = {}
        for node, key in swarm.keys.items():
            if key not in copies:
                copies[key] = f"key-{len(copies) + 1}"
                _write(folder, copies[key], key.read_bytes(), uid, gid)
            keys[node] = str(where / copies[key])
        known = None
        if swarm.known_hosts is not None:
            _write(folder, KNOWN_HOSTS, swarm.known_hosts.read_bytes(), uid, gid)
            known = str(where / KNOWN_HOSTS)
        _write(folder, INVENTORY, inventory_text(swarm, keys, known).encode(), uid, gid)
    except OSError as exc:
        raise PoolError(f"cannot copy {swarm.student}'s swarm into {home / '/'.join(SWARM_DIR)} "
                        f"({exc.strerror or exc}): see that folder and {paths.shown(swarm.path)}") from None
    finally:
        for fd in fds:
            os.close(fd)
    return where / INVENTORY
