"""The class file (`class.toml`): who is in the class, its language, where the swarms come from, its limits.

    name = "lb-2026"              # the class's folder name (state under $SWARMLAB_HOME/classes/NAME)
    language = "zh"               # zh | en: the course each student gets (labs/zh or labs/en)
    provider = "replay"           # where each student's swarm comes from: replay (none), pool or rig (#24 item 2)
    instructors = ["teacher"]     # login names; a JupyterHub role that sees every student, no more
    students = ["alice", "bob"]   # login names; each gets a system account, a home with the course, a server
    port = 8000                   # the hub on http://127.0.0.1:PORT (loopback only)
    course = "labs/zh"            # optional: the course folder (relative to this file); default the checkout's
    [limits]                      # optional; each is a JupyterHub setting
    active_servers = 60           # JupyterHub.active_server_limit (0: none)
    concurrent_spawns = 10        # JupyterHub.concurrent_spawn_limit
    start_timeout = 120           # Spawner.start_timeout, seconds
    idle_minutes = 30             # jupyterhub-idle-culler stops a server idle this long (0: never; the default)
    progress_db = "postgresql://progress@db/lb"  # optional: where progress is stored (default SQLite in the folder)
    [pool]                        # with provider = "pool": each student's swarm, an inventory file (pool.py)
    alice = "swarms/alice.toml"   # relative to this file
    [rig]                         # with provider = "rig": one rig VM per student (rigs.py)
    base = "/var/tmp/swarmlab-rig"  # a rig home with its image built; homes, release, memory optional
    [kube]                        # optional: the same class on Kubernetes (`swarmlab class kube`; kubefile.py)
    image = "registry.example/swarmlab-course:zh"
    guest_image = "registry.example/swarmlab-guest:12"
    hub_image = "registry.example/swarmlab-hub:5.5.0"

Everything is checked before anything starts; each mistake is one line naming the key and the fix.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmlab import paths
from swarmlab.classhub import kubefile, rigs
from swarmlab.classhub import pool as pool_mod
from swarmlab.commands import names
from swarmlab.errors import InvalidName, SwarmlabError

LANGUAGES = ("zh", "en")
PROVIDERS = ("replay", "rig", "pool")
KEYS = ("name", "language", "provider", "instructors", "students", "port", "course", "limits", "progress_db",
        "pool", "rig", "kube")
REQUIRED = ("name", "language", "provider", "instructors", "students")
LIMITS: dict[str, tuple[int, int, int]] = {  # key: (default, lowest, highest)
    "active_servers": (0, 0, 10000),
    "concurrent_spawns": (10, 1, 1000),
    "start_timeout": (120, 10, 3600),
    "idle_minutes": (0, 0, 10080),  # jupyterhub-idle-culler's --timeout, in minutes (0: no culler)
}
MAX_USERS = 2000


class ClassFileError(SwarmlabError):
    """A class file that cannot be used: the message names the key and the fix."""


@dataclass(frozen=True)
class ClassFile:
    path: Path
    name: str
    language: str
    provider: str
    instructors: tuple[str, ...]
    students: tuple[str, ...]
    port: int
    course: Path
    limits: dict[str, int] = field(default_factory=dict)
    progress_db: str | None = None  # a SQLAlchemy URL; None: SQLite in the class folder
    pool: dict[str, Path] = field(default_factory=dict)  # provider pool: student -> their swarm's inventory file
    rig: rigs.RigSettings | None = None  # provider rig: where each student's rig home is, the base image
    kube: kubefile.KubeSettings | None = None  # [kube]: the class on Kubernetes (`swarmlab class kube`)

    @property
    def users(self) -> tuple[str, ...]:
        return self.instructors + self.students


def _fix(path: Path, message: str) -> ClassFileError:
    return ClassFileError(f"{paths.shown(path)}: {message}")


def _users(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fix(path, f"{key} must be a list of login names, e.g. {key} = [\"alice\", \"bob\"]")
    if key == "instructors" and not value:
        raise _fix(path, "instructors is empty: name at least one instructor (a login name)")
    if len(value) > MAX_USERS:
        raise _fix(path, f"{key} has {len(value)} names; at most {MAX_USERS}")
    seen: set[str] = set()
    for user in value:
        try:
            names.validate(user, "user")
        except InvalidName as exc:
            raise _fix(path, f"{key}: {exc}") from None
        if user in seen:
            raise _fix(path, f"{key}: {user!r} is listed twice: keep one")
        seen.add(user)
    return tuple(value)


def _default_course(language: str) -> Path:
    """The checkout's built course (labs/zh, labs/en), beside the swarmlab package."""
    return Path(__file__).resolve().parent.parent.parent / "labs" / language


def parse(path: Path, data: dict[str, Any]) -> ClassFile:
    """A validated ClassFile from the parsed TOML `data` of `path` (relative course paths are from its folder)."""
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(KEYS)}"
            raise _fix(path, f"unknown key {key!r}: {hint}")
    for key in REQUIRED:
        if key not in data:
            raise _fix(path, f"missing {key!r}: add it (see `swarmlab class --help` for an example)")
    name = data["name"]
    if not isinstance(name, str):
        raise _fix(path, "name must be text, e.g. name = \"lb-2026\"")
    try:
        names.validate(name, "class")
    except InvalidName as exc:
        raise _fix(path, f"name: {exc}") from None
    language = data["language"]
    if language not in LANGUAGES:
        raise _fix(path, f"language {language!r}: use \"zh\" or \"en\"")
    provider = data["provider"]
    if provider not in PROVIDERS:
        raise _fix(path, f"provider {provider!r}: use \"replay\" (no swarm), \"pool\" (swarms you have) or \"rig\" "
                         "(a rig VM per student)")
    instructors = _users(path, data, "instructors")
    students = _users(path, data, "students")
    both = sorted(set(instructors) & set(students))
    if both:
        raise _fix(path, f"{both[0]!r} is both an instructor and a student: keep them in one list")
    port = data.get("port", 8000)
    if not isinstance(port, int) or isinstance(port, bool) or not 1024 <= port <= 65535:
        raise _fix(path, f"port {port!r}: give a TCP port from 1024 to 65535 (the hub listens on 127.0.0.1)")
    course_value = data.get("course")
    if course_value is None:
        course = _default_course(language)
    elif isinstance(course_value, str) and course_value.strip() and "\x00" not in course_value:
        course = (path.parent / course_value).expanduser()
    else:
        raise _fix(path, "course must be a folder's path, e.g. course = \"labs/zh\"")
    if not course.is_dir() or not any(course.glob("*.ipynb")):
        raise _fix(path, f"course {paths.shown(course)} is not a folder of notebooks: set course to the built "
                         "course (labs/zh or labs/en; `python tools/build_lessons.py` builds it)")
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise _fix(path, "limits must be a table: [limits] with active_servers, concurrent_spawns, start_timeout, "
                         "idle_minutes")
    for key in limits:
        if key not in LIMITS:
            close = difflib.get_close_matches(key, LIMITS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the limits are {', '.join(LIMITS)}"
            raise _fix(path, f"unknown key limits.{key}: {hint}")
    checked: dict[str, int] = {}
    for key, (default, lo, hi) in LIMITS.items():
        value = limits.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise _fix(path, f"limits.{key} = {value!r}: give a whole number from {lo} to {hi}")
        checked[key] = value
    progress_db = data.get("progress_db")
    if progress_db is not None and (not isinstance(progress_db, str) or "://" not in progress_db):
        raise _fix(path, "progress_db must be a database URL, e.g. progress_db = \"postgresql://user@host/db\" "
                         "(leave it out for SQLite in the class folder)")
    kube = None
    if "kube" in data:
        try:
            kube = kubefile.parse(data["kube"])
        except kubefile.KubeTableError as exc:
            raise _fix(path, str(exc)) from None
    return ClassFile(path=path, name=name, language=language, provider=provider, instructors=instructors,
                     students=students, port=port, course=course.resolve(), limits=checked, progress_db=progress_db,
                     pool=_pool(path, data, provider, students), rig=_rig(path, data, provider), kube=kube)


def _rig(path: Path, data: dict[str, Any], provider: str) -> rigs.RigSettings | None:
    """The [rig] table (provider rig only); its base image is checked by `swarms`."""
    table = data.get("rig")
    if provider != "rig":
        if table is not None:
            raise _fix(path, f"[rig] is read only with provider = \"rig\" (this class has {provider!r}): remove "
                             "the table or set provider = \"rig\"")
        return None
    if table is None:
        raise _fix(path, "provider \"rig\" needs a [rig] table: at least base = \"<a rig home with its image "
                         "built>\" (see `swarmlab rig build`)")
    try:
        return rigs.parse(table, path.parent)
    except rigs.RigTableError as exc:
        raise _fix(path, str(exc)) from None


def _pool(path: Path, data: dict[str, Any], provider: str, students: tuple[str, ...]) -> dict[str, Path]:
    """The [pool] table's shape (student -> inventory path); its files are checked by `swarms`."""
    table = data.get("pool")
    if provider != "pool":
        if table is not None:
            raise _fix(path, f"[pool] is read only with provider = \"pool\" (this class has {provider!r}): remove "
                             "the table or set provider = \"pool\"")
        return {}
    if table is None:
        raise _fix(path, "provider \"pool\" needs a [pool] table: each student's swarm, e.g. [pool] then "
                         f"{students[0] if students else 'alice'} = \"swarms/inventory.toml\"")
    if not isinstance(table, dict):
        raise _fix(path, "pool must be a table: [pool] then one line per student, e.g. alice = \"swarms/alice.toml\"")
    pool = {}
    for student, value in table.items():
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise _fix(path, f"pool.{pool_mod.label(student)} must be an inventory file's path, e.g. "
                             f"{pool_mod.label(student)} = \"swarms/{pool_mod.label(student)}.toml\"")
        pool[student] = (path.parent / Path(value).expanduser()).resolve()
    try:
        pool_mod.check_names(pool, students)
    except pool_mod.PoolError as exc:
        raise _fix(path, str(exc)) from None
    return pool


def swarms(cf: ClassFile) -> dict[str, pool_mod.Swarm]:
    """Each student's swarm (provider pool; none otherwise), its files checked: a ClassFileError (one line). With
    provider rig: the base image is checked (the swarms are booted at each spawn)."""
    if cf.rig is not None:
        try:
            rigs.check(cf.rig)
        except rigs.RigTableError as exc:
            raise _fix(cf.path, str(exc)) from None
    if cf.provider != "pool":
        return {}
    try:
        return pool_mod.check(cf.pool, cf.students)
    except pool_mod.PoolError as exc:
        raise _fix(cf.path, str(exc)) from None


def load(path: str | Path, check_swarms: bool = True) -> ClassFile:
    """Read and validate a class file; a ClassFileError (one line) for any mistake. With `check_swarms` (what
    `start` needs; `stop` and `status` do not), the pool's inventories and their files too."""
    fix = "give a class file (class.toml: name, language, provider, instructors, students)"
    p = paths.input_file(path, "a class file", fix, ClassFileError)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))  # -sig: Notepad's BOM
    except UnicodeDecodeError:
        raise _fix(p, "not UTF-8 text: save the class file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fix(p, f"not valid TOML ({exc}): {fix}") from None
    cf = parse(p.resolve(), data)
    if check_swarms:
        swarms(cf)
    return cf
