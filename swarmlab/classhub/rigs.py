"""The `rig` provider's swarms (issue #24 item 2): one rig VM per student on the class host.

    provider = "rig"
    [rig]
    base = "/var/tmp/swarmlab-rig"          # a rig home whose image is built (`swarmlab rig build`): shared, read-only
    homes = "/var/lib/swarmlab-class/rigs"  # each student's rig home: HOMES/STUDENT (root's, 0700)
    release = "12"                          # the Debian of the image (12 or 13; the base must hold that image)
    memory = 4096                           # MiB per VM (the rig's default; 2.1-2.3 GB of it is really used)

A student's rig home gets the base's image by a symbolic link (`images/<recipe>` -> the base's: never rebuilt, never
copied; the VM boots a throw-away overlay over it) and the base's `accel` (no second KVM probe). `boot` runs the
rig's own `up` in a child process (its rig home is an environment variable: one child per student, so the hub's
process never changes its own), then gives that rig a key of its own: every rig of an image accepts the image's
client key, so the child replaces the VM's authorized_keys (the nodes share the VM's /root) with the public half of
a key made for this student (`<rig home>/student_key`); the inventory is rewritten to name it. The student's server
gets only that key (pool.install copies it into their home): it opens their rig, not another student's, and the
image's key stays root's. Each rig forwards its SSH to a free port of 127.0.0.1 (qemu user networking with
`restrict=on`, no route out), so any number run at once, one per student.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmlab import paths
from swarmlab.errors import SwarmlabError

KEYS = ("base", "homes", "release", "memory")
DEFAULT_HOMES = "/var/lib/swarmlab-class/rigs"
RELEASES = ("12", "13")
MEMORY = (4096, 2048, 65536)  # MiB: default (the rig's own), lowest, highest
STUDENT_KEY = "student_key"
UP_TIMEOUT = 900.0  # s: boot, nodes, swarm under software emulation on a loaded host (360 s seen: docs/rig.md)


class RigTableError(SwarmlabError):
    """A [rig] table or rig home that cannot be used (the message names the key and the fix)."""


@dataclass(frozen=True)
class RigSettings:
    base: Path
    homes: Path
    release: str = "12"
    memory: int = MEMORY[0]

    def as_json(self) -> dict[str, Any]:
        return {"base": str(self.base), "homes": str(self.homes), "release": self.release, "memory": self.memory}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RigSettings:
        return cls(Path(data["base"]), Path(data["homes"]), str(data["release"]), int(data["memory"]))

    def home(self, student: str) -> Path:
        return self.homes / student

    def inventory(self, student: str) -> Path:
        return self.home(student) / "inventory.toml"


def parse(table: Any, folder: Path) -> RigSettings:
    """The [rig] table's shape (relative paths from `folder`, the class file's); RigTableError (one line)."""
    if not isinstance(table, dict):
        raise RigTableError("rig must be a table: [rig] then base = \"<a rig home with its image built>\"")
    for key in table:
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(key, KEYS, n=1)
            raise RigTableError(f"unknown key rig.{key}: " + (f"did you mean {close[0]!r}?" if close
                                                              else f"the keys are {', '.join(KEYS)}"))
    found: dict[str, Path] = {}
    for key, default in (("base", None), ("homes", DEFAULT_HOMES)):
        value = table.get(key, default)
        if value is None:
            raise RigTableError("rig.base is missing: name a rig home whose image is built, e.g. base = "
                                "\"/var/tmp/swarmlab-rig\" (`SWARMLAB_RIG_HOME=/var/tmp/swarmlab-rig swarmlab rig "
                                "build` makes one)")
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            example = default or "/var/tmp/swarmlab-rig"
            raise RigTableError(f"rig.{key} must be a folder's path, e.g. {key} = \"{example}\"")
        found[key] = (folder / Path(value).expanduser()).resolve()
    release = table.get("release", RELEASES[0])
    if release not in RELEASES:
        raise RigTableError(f"rig.release = {release!r}: use \"12\" or \"13\" (text: the Debian of the rig's image)")
    memory = table.get("memory", MEMORY[0])
    if not isinstance(memory, int) or isinstance(memory, bool) or not MEMORY[1] <= memory <= MEMORY[2]:
        raise RigTableError(f"rig.memory = {memory!r}: give the VM's MiB, a whole number from {MEMORY[1]} to "
                            f"{MEMORY[2]} (the rig's default is {MEMORY[0]})")
    if found["homes"] == found["base"] or found["base"] in found["homes"].parents:
        raise RigTableError(f"rig.homes {paths.shown(found['homes'])} is inside rig.base: give the students' rig "
                            "homes a folder of their own")
    return RigSettings(found["base"], found["homes"], release, memory)


def image_dir(settings: RigSettings) -> Path:
    """The base's image for the release (built by `swarmlab rig build` in the base rig home)."""
    from swarmlab.rig import image

    return settings.base / "images" / image.recipe_hash(settings.release)


def check(settings: RigSettings) -> None:
    """The base holds the image this swarmlab boots (same recipe): else one line naming the command to build it."""
    img = image_dir(settings)
    if not (img / "build.json").is_file():
        raise RigTableError(f"rig.base {paths.shown(settings.base)} has no rig image for Debian {settings.release} "
                            f"of this swarmlab ({img.name}): build it with `SWARMLAB_RIG_HOME={settings.base} "
                            f"swarmlab rig build --debian {settings.release}`")


def prepare(settings: RigSettings, student: str) -> Path:
    """The student's rig home (root's, 0700), its image a link to the base's; returns the home."""
    check(settings)
    home = settings.home(student)
    try:
        settings.homes.mkdir(parents=True, exist_ok=True)
        home.mkdir(mode=0o700, exist_ok=True)
        os.chmod(home, 0o700)
    except OSError as exc:
        raise RigTableError(f"cannot make {student}'s rig home {paths.shown(home)} ({exc.strerror or exc}): set "
                            "[rig] homes to a folder the hub (root) can write") from None
    images = home / "images"
    images.mkdir(exist_ok=True)
    img = image_dir(settings)
    for old in images.iterdir():  # a link to an older recipe (swarmlab upgraded): replaced
        if old.name != img.name and old.is_symlink():
            old.unlink()
    link = images / img.name
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(img)
    for name in ("accel",):
        if (settings.base / name).is_file() and not (home / name).exists():
            shutil.copyfile(settings.base / name, home / name)
    return home


def _argv(settings: RigSettings, command: str) -> list[str]:
    return [sys.executable, "-m", "swarmlab.classhub.rigs", command, settings.release, str(settings.memory)]


def _child(settings: RigSettings, student: str, command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWARMLAB_RIG_HOME": str(settings.home(student))}
    return subprocess.run(_argv(settings, command), env=env, capture_output=True, text=True, timeout=UP_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def _up(settings: RigSettings, student: str, log: Path, report: Callable[[str], None]) -> tuple[int, str, bool]:
    """The rig's `up` in a child, each line of its output (stdout and stderr) handed to `report` as it comes and
    written to `log`; its exit status, last non-empty line, and whether UP_TIMEOUT killed it."""
    env = {**os.environ, "SWARMLAB_RIG_HOME": str(settings.home(student))}
    expired = threading.Event()
    last = ""
    with log.open("w", encoding="utf-8") as out, subprocess.Popen(
            _argv(settings, "up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL) as child:

        def expire() -> None:
            expired.set()
            child.kill()

        timer = threading.Timer(UP_TIMEOUT, expire)
        timer.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:
                out.write(line)
                out.flush()
                if line.strip():
                    last = line.strip()
                    report(last)
        finally:
            timer.cancel()
        code = child.wait()
    return code, last, expired.is_set()


def _head(line: str, limit: int = 300) -> str:
    """A long last line cut at its end: its start says what failed (spawnprogress.FAILURES); the log has it all."""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def boot(settings: RigSettings, student: str, report: Callable[[str], None] | None = None) -> Path:
    """Boot the student's rig (kept if it runs), with a key of its own; returns its inventory. Slow (minutes).
    `report` gets each line the rig's `up` prints (its phases: spawnprogress.PHASES) as it prints it."""
    home = prepare(settings, student)
    log = home / "up.log"
    code, last, expired = _up(settings, student, log, report or (lambda line: None))
    if expired:
        halt(settings, student)
        raise RigTableError(f"{student}'s rig did not come up within {UP_TIMEOUT:.0f} s (stopped; see "
                            f"{paths.shown(log)})")
    if code != 0:
        raise RigTableError(f"{student}'s rig did not come up: {_head(last or 'no output')} (all of it in "
                            f"{paths.shown(log)})")
    return settings.inventory(student)


def halt(settings: RigSettings, student: str) -> bool:
    """Stop the student's rig VM (the rig's own `down`); whether one was there."""
    if not (settings.home(student) / "run").exists():
        return False
    done = _child(settings, student, "down")
    if done.returncode != 0:
        raise RigTableError(f"{student}'s rig did not stop: {done.stderr.strip()[-300:]}")
    return True


def is_up(settings: RigSettings, student: str) -> bool:
    """Whether the student's rig has an inventory (`up` wrote it, `down` removes it)."""
    return settings.inventory(student).is_file()


# --- in the child process (SWARMLAB_RIG_HOME = the student's rig home) --------------------------------------------

def _own_key(release: str, progress: Any) -> None:
    """Give the running rig (in $SWARMLAB_RIG_HOME) a key of its own: the VM's (and the nodes') authorized_keys
    become the student key's public half, and the inventory names that key."""
    from swarmlab.inventory import load
    from swarmlab.rig import image, vm
    from swarmlab.rig import swarm as swarm_mod

    home = paths.rig_home()
    key = home / STUDENT_KEY
    if not key.is_file():
        with contextlib.suppress(FileNotFoundError):
            (home / f"{STUDENT_KEY}.pub").unlink()
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"swarmlab-class-{home.name}", "-f",
                        str(key)], check=True, capture_output=True, timeout=60)
    public = " ".join((home / f"{STUDENT_KEY}.pub").read_text().split()[:2])
    inventory = vm.inventory_file()
    with swarm_mod.transport(load(inventory)) as t:  # the image's key (a fresh boot) or this one (already given)
        t.run("rig", f"printf '%s\\n' '{public}' > /root/.ssh/authorized_keys.new && "
                     "chmod 600 /root/.ssh/authorized_keys.new && "
                     "mv /root/.ssh/authorized_keys.new /root/.ssh/authorized_keys", timeout=60, check=True)
    text = inventory.read_text().replace(f'key_file = "{image.current(release).client_key}"', f'key_file = "{key}"')
    inventory.write_text(text)
    with swarm_mod.transport(load(inventory)) as t:  # the new key opens the VM and a node
        t.run("swarm-manager", "true", timeout=60, check=True)
    progress(f"the rig's key is now {key} (the image's key no longer opens it)")


def _main(argv: list[str]) -> int:
    command, release, memory = argv
    from swarmlab.rig import vm

    vm.MEMORY_MB = int(memory)  # this child's only rig: qemu's -m
    try:
        if command == "up":
            if vm.running() is None:
                vm.up(progress=lambda m: print(m, flush=True), debian=release)
            else:
                print("the rig is already running: kept", flush=True)
            _own_key(release, lambda m: print(m, flush=True))
        elif command == "down":
            vm.down(progress=lambda m: print(m, flush=True))
        else:
            print(f"unknown command {command!r}: up or down", file=sys.stderr)
            return 2
    except SwarmlabError as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
