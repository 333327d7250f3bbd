"""Where the swarm's nodes are: `vagrant ssh-config`, an inventory file (TOML or YAML), or code.

Inventory file (TOML)::

    [[nodes]]
    name = "swarm-manager"
    host = "192.168.200.10"
    user = "vagrant"
    key_file = "~/.ssh/swarm"
    role = "manager"

    [[nodes]]
    name = "swarm-worker1"
    host = "10.20.0.11"
    jump = "swarm-manager"      # reached through swarm-manager (ProxyJump)

The same keys in YAML under `nodes:`. `discover()` looks, in order, at `$SWARMLAB_INVENTORY`,
`./swarmlab-inventory.{toml,yaml,yml}`, the rig's inventory, and `vagrant ssh-config` when a Vagrantfile is here
and `vagrant up` has created its machines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmlab import paths
from swarmlab.commands.chapter import LAB_IMAGES
from swarmlab.commands.names import validate
from swarmlab.errors import InvalidName, InventoryError, ParseError
from swarmlab.i18n import Listed, t
from swarmlab.parsers import vagrant_ssh_config
from swarmlab.transport.node import Node

if TYPE_CHECKING:
    import pandas as pd

FIELDS = ("name", "host", "port", "user", "key_file", "jump", "role")
# the classroom's images: made on every node by vagrant/provision-common.sh from busybox, as the rig makes them
# (nothing is pulled; the names are the chapter's, swarmlab/commands/chapter.py LAB_IMAGES)
CLASSROOM_IMAGES = dict(LAB_IMAGES)
MAX_BYTES = 1_000_000
_HOST = re.compile(r"[A-Za-z0-9_:][A-Za-z0-9_.:%-]{0,252}")  # IPv6 may start with ::
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
LOCAL_FILES = ("swarmlab-inventory.toml", "swarmlab-inventory.yaml", "swarmlab-inventory.yml")


@dataclass
class Inventory:
    nodes: list[Node]
    source: str = "code"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [n.name for n in self.nodes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InventoryError(t("{source}: node names must be unique; repeated: {names}", source=self.source,
                                   names=Listed(dupes)))
        for node in self.nodes:
            try:
                validate(node.name, "node")
            except InvalidName as exc:
                raise InventoryError(t("{source}: {error}", source=self.source, error=exc)) from None
            if node.jump is not None and node.jump not in names:
                raise InventoryError(t("{source}: node {name} jumps through unknown node {jump}", source=self.source,
                                       name=repr(node.name), jump=repr(node.jump)))
        for node in self.nodes:  # no jump cycles
            seen, hop = {node.name}, node.jump
            while hop is not None:
                if hop in seen:
                    raise InventoryError(t("{source}: jump hosts loop through {name}", source=self.source,
                                           name=repr(node.name)))
                seen.add(hop)
                hop = self[hop].jump

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    @property
    def manager(self) -> Node:
        """The node that runs manager commands: role 'manager', else a name with 'manager', else the first."""
        if not self.nodes:
            raise InventoryError(t("{source}: the inventory is empty", source=self.source))
        for test in (lambda n: n.role == "manager", lambda n: "manager" in n.name):
            for node in self.nodes:
                if test(node):
                    return node
        return self.nodes[0]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([n.as_record() for n in self.nodes], columns=list(FIELDS))

    def table(self) -> str:
        rows = [[str(getattr(n, f) if getattr(n, f) is not None else "-") for f in FIELDS] for n in self.nodes]
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(FIELDS)]
        lines = ["  ".join(h.upper().ljust(w) for h, w in zip(FIELDS, widths, strict=True))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(line.rstrip() for line in lines)


def from_nodes(nodes: Iterable[Node | dict[str, Any]], source: str = "code") -> Inventory:
    return Inventory([n if isinstance(n, Node) else _node(n, source) for n in nodes], source=source)


def _node(entry: dict[str, Any], source: str) -> Node:
    if not isinstance(entry, dict):
        raise InventoryError(t("{source}: each node must be a table/mapping, got {entry}", source=source,
                               entry=repr(entry)))
    unknown = set(entry) - set(FIELDS)
    if unknown:
        raise InventoryError(t("{source}: unknown key(s) {keys}; allowed: {allowed}", source=source,
                               keys=Listed(sorted(map(str, unknown))), allowed=Listed(FIELDS)))
    for key in ("name", "host"):
        if not entry.get(key):
            raise InventoryError(t("{source}: a node lacks {key}: {entry}", source=source, key=repr(key),
                                   entry=str(entry)))
    for key in ("name", "host", "user", "key_file", "jump", "role"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, str) or not value.isprintable() or not value.strip()):
            raise InventoryError(t("{source}: node {name}: {key} = {value} must be a non-empty string (in TOML: "
                                   "{key} = \"...\")", source=source, name=repr(entry.get("name")), key=key,
                                   value=repr(value)))
    # reached by paramiko, and by OpenSSH's argv and ProxyCommand (`rig ssh`): a word that no shell or option
    # parser reads as anything but a host or a login
    for key, pattern, what in (("host", _HOST, t("a host name or an IP address (IPv6 without brackets)")),
                               ("user", _USER, t("a login name (letters, digits, '.', '_', '-')"))):
        value = entry.get(key)
        if value is not None and not pattern.fullmatch(value):
            raise InventoryError(t("{source}: node {name}: {key} = {value} is not {what}: fix it", source=source,
                                   name=repr(entry.get("name")), key=key, value=repr(value), what=what))
    port = entry.get("port", 22)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise InventoryError(t("{source}: node {name} has a bad port {port}", source=source,
                               name=repr(entry["name"]), port=repr(port)))
    return Node(name=str(entry["name"]), host=str(entry["host"]), port=port, user=str(entry.get("user") or "root"),
                key_file=entry.get("key_file"), jump=entry.get("jump"), role=entry.get("role"))


def from_vagrant_ssh_config(text: str, source: str = "vagrant ssh-config") -> Inventory:
    try:
        machines = vagrant_ssh_config.parse(text)
    except ParseError as exc:  # its words again, as a message whose reason is one (ParseError joins them in English)
        if exc.line_no is None or exc.line is None:
            raise InventoryError(t("cannot parse `{kind}` output: {reason}", kind=exc.kind,
                                   reason=exc.reason)) from None
        raise InventoryError(t("cannot parse `{kind}` output at line {no}: {line}: {reason}", kind=exc.kind,
                               no=exc.line_no, line=repr(exc.line[:200]), reason=exc.reason)) from None
    aliases = {m["host"] for m in machines}
    nodes = [
        Node(name=m["host"], host=m["hostname"], port=m["port"], user=m["user"] or "vagrant",
             key_file=m["identity_file"], jump=m["proxy_jump"] if m["proxy_jump"] in aliases else None,
             role="manager" if "manager" in m["host"] else "worker")
        for m in machines
    ]
    return Inventory(nodes, source=source, extra={"images": dict(CLASSROOM_IMAGES)})


def from_vagrant(directory: str | Path | None = None, timeout: float = 120) -> Inventory:
    """Ask Vagrant once for every machine (`vagrant ssh-config`, one call) in `directory`."""
    if directory is not None and not Path(directory).is_dir():
        raise InventoryError(t("{directory} is not a folder: give the folder of the Vagrantfile (`swarmlab nodes "
                               "--vagrant DIR`)", directory=repr(directory)))
    if shutil.which("vagrant") is None:
        raise InventoryError(t("`vagrant` is not installed here; give an inventory file instead"))
    try:
        proc = subprocess.run(["vagrant", "ssh-config"], cwd=directory, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InventoryError(t("`vagrant ssh-config` took more than {timeout:g} s", timeout=timeout)) from None
    if proc.returncode != 0 and "Host " not in proc.stdout:
        said = " ".join(proc.stderr.split())  # Vagrant wraps its messages over many lines: one line here
        said = said if len(said) <= 400 else said[:400] + " ..."
        raise InventoryError(t("`vagrant ssh-config` failed: {said} (are the VMs up? `vagrant status` says)",
                               said=said))
    return from_vagrant_ssh_config(proc.stdout, source=t("vagrant ssh-config in {directory}",
                                                            directory=str(directory or os.getcwd())))


def load(path: str | Path) -> Inventory:
    """An inventory file: `.toml`, or `.yaml`/`.yml`."""
    fix = t("give an inventory file (.toml or .yaml, see `swarmlab nodes --help`)")
    path = paths.input_file(path, t("an inventory file"), fix, InventoryError)
    if path.suffix not in (".toml", ".yaml", ".yml"):
        raise InventoryError(t("{path}: an inventory is a .toml, .yaml or .yml file", path=str(path)))
    if path.stat().st_size > MAX_BYTES:
        raise InventoryError(t("{path}: {size} bytes is no inventory (at most {most}): {fix}", path=str(path),
                               size=path.stat().st_size, most=MAX_BYTES, fix=fix))
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: as Windows editors save it, with a BOM
    except UnicodeDecodeError as exc:
        raise InventoryError(t("{path}: not UTF-8 text (byte {byte}): {fix}", path=str(path), byte=exc.start,
                               fix=fix)) from None
    try:
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise InventoryError(t("{path}: an inventory is a .toml, .yaml or .yml file", path=str(path)))
    except InventoryError:
        raise
    except Exception as exc:
        raise InventoryError(t("{path}: not valid {format}: {error}", path=str(path), format=path.suffix[1:].upper(),
                               error=str(exc))) from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise InventoryError(t("{path}: expected a list 'nodes' (see `swarmlab nodes --help`)", path=str(path)))
    extra = {k: v for k, v in data.items() if k != "nodes"}
    _check_extra(extra, str(path))
    inv = from_nodes(data["nodes"], source=str(path))
    inv.extra = extra
    return inv


def _check_extra(extra: dict[str, Any], source: str) -> None:
    """The top-level keys swarmlab reads besides `nodes`: `known_hosts` (a file's path) and `images` (the lab's
    images by role, as LAB_IMAGES)."""
    known = extra.get("known_hosts")
    if known is not None and (not isinstance(known, str) or not known.strip() or not known.isprintable()):
        raise InventoryError(t("{source}: known_hosts = {value} must be a file's path (in TOML: known_hosts = "
                               "\"~/.swarmlab/known_hosts\")", source=source, value=repr(known)))
    images = extra.get("images")
    if images is None:
        return
    example = ", ".join(f'{k} = "{v}"' for k, v in LAB_IMAGES.items())
    if not isinstance(images, dict):
        raise InventoryError(t("{source}: images = {value} must be a table of the lab's images (in TOML: [images] "
                               "then {example})", source=source, value=repr(images), example=example))
    for role, image in images.items():
        if role not in LAB_IMAGES:
            raise InventoryError(t("{source}: images.{role} is not one of the lab's images: give {roles} ({example})",
                                   source=source, role=role, roles=Listed(LAB_IMAGES), example=example))
        if not isinstance(image, str):
            raise InventoryError(t("{source}: images.{role} = {value} must be an image's name (in TOML: {role} = "
                                   "\"{image}\")", source=source, role=role, value=repr(image),
                                   image=LAB_IMAGES[role]))
        try:
            validate(image, "image")
        except InvalidName as exc:
            raise InventoryError(t("{source}: images.{role}: {error}", source=source, role=role, error=exc)) from None


def rig_inventory_file() -> Path:
    return paths.rig_home(create=False) / "inventory.toml"


def discover(directory: str | Path | None = None) -> Inventory | None:
    """The first inventory found (see the module doc), or None when there is no live swarm configured."""
    base = Path(directory or os.getcwd())
    env = os.environ.get("SWARMLAB_INVENTORY")
    if env:
        try:
            return load(env)
        except InventoryError as exc:
            raise InventoryError(t("SWARMLAB_INVENTORY={env}: {error}", env=env, error=exc)) from None
    for name in LOCAL_FILES:
        if (base / name).exists():
            return load(base / name)
    if rig_inventory_file().exists():
        return load(rig_inventory_file())
    if (base / "Vagrantfile").exists() and shutil.which("vagrant") and vagrant_machines_created(base):
        return from_vagrant(base)
    return None


def vagrant_machines_created(base: Path) -> bool:
    """Has `vagrant up` created a machine here? Vagrant writes `.vagrant/machines/<name>/<provider>/id` (or under
    $VAGRANT_DOTFILE_PATH) when it creates one and removes it on destroy. A checkout with a Vagrantfile and no
    machine (before `vagrant up`) is then no live swarm, not an error; a created but stopped machine still is."""
    dotfile = Path(os.environ.get("VAGRANT_DOTFILE_PATH") or ".vagrant")
    return any((base / dotfile).glob("machines/*/*/id"))
