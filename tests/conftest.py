"""Shared fixtures: real components only (a real OpenSSH server, network namespaces), started per session.

Under CI (CI=true) a skipped test is a failure: the CI machine has root and installs every component, so a skip
there means a component silently went missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from swarmlab.testing.sshd import LocalSSHD, sshd_available
from swarmlab.transport.node import Node

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
IS_ROOT = os.geteuid() == 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"
    return report


HEAVY_TIMEOUT = 2400  # s: building and booting the rig (~3 min) counts in the first test that uses it


RIG_FIXTURES = {"rig", "rig13", "both_rigs"}


def on_debian13_rig(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return "rig13" in getattr(item, "fixturenames", ()) or (
        callspec is not None and callspec.params.get("both_rigs") == "13")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test that leaves the process's SIGINT handler changed is named on stderr: the Ctrl-C tests
    (test_transport_ssh) need Python's own handler, as a Jupyter kernel has it while a cell runs."""
    import signal
    import sys

    before = signal.getsignal(signal.SIGINT)
    yield
    after = signal.getsignal(signal.SIGINT)
    if after is not before:
        said = f"[conftest] {item.nodeid} left the SIGINT handler {before!r} -> {after!r}"
        reporter = item.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(said)
        else:
            print(said, file=sys.stderr)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order: everything else, then tests marked rig_last (they stop the shared Debian 12 rig), then the tests
    on the Debian 13 rig (so only one rig runs at a time; see docs/testing.md), then those marked after_rigs
    (the real `vagrant up`, which stops the test rigs first). Tests marked two_rigs need both rigs at once (the
    class's pool): they come after the other rig_last tests and just before the one marked rig_down (it stops the
    Debian 12 rig for good), so the Debian 13 rig is booted there, once, and the two run together only that long.
    Tests on a rig get a generous timeout of their own (the global 300 s guards everything else against hangs)."""
    def order(item: pytest.Item) -> tuple[bool, ...]:
        two = item.get_closest_marker("two_rigs") is not None
        down = item.get_closest_marker("rig_down") is not None
        return (item.get_closest_marker("after_rigs") is not None, on_debian13_rig(item) and not two,
                item.get_closest_marker("rig_last") is not None or two or down, two or down, down)

    items.sort(key=order)
    for item in items:
        if RIG_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(HEAVY_TIMEOUT))


def need_root_sshd() -> None:
    if not IS_ROOT:
        pytest.skip("needs root: the test sshd logs in as root and tests sudo, users and namespaces")
    if not sshd_available():
        pytest.skip("needs Debian's openssh-server (/usr/sbin/sshd); `./run tests` installs it as root")


@pytest.fixture(autouse=True)
def swarmlab_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own known_hosts and state folder."""
    home = tmp_path_factory.mktemp("swarmlab-home")
    monkeypatch.setenv("SWARMLAB_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sshd() -> Iterator[LocalSSHD]:
    need_root_sshd()
    with LocalSSHD() as server:
        yield server


@pytest.fixture
def fresh_sshd() -> Iterator[LocalSSHD]:
    """An sshd of the test's own, for tests that cut or restart connections."""
    need_root_sshd()
    with LocalSSHD() as server:
        yield server


def node_of(server: LocalSSHD, name: str = "n1", **kw: object) -> Node:
    return Node(name=name, host=server.host, port=server.port, user=str(kw.pop("user", "root")),
                key_file=str(kw.pop("key_file", server.client_key)), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def three_sshd() -> Iterator[list[LocalSSHD]]:
    need_root_sshd()
    servers = [LocalSSHD(host=f"127.0.0.{i}").start() for i in (1, 2, 3)]
    yield servers
    for s in servers:
        s.cleanup()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def bastion() -> Iterator[dict[str, LocalSSHD]]:
    """A node reachable only through a jump host, made of two network namespaces of our own.

    swl-jump (10.231.1.2) is reachable from here over a veth; swl-hidden (10.231.2.2) only from swl-jump.
    An `unreachable` route for 10.231.2.0/24 here makes a direct attempt fail at once, so no packet for it
    ever leaves this machine.
    """
    need_root_sshd()
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (`ip`)")
    _cleanup_bastion()
    _ip("netns", "add", "swl-jump")
    _ip("netns", "add", "swl-hidden")
    _ip("link", "add", "swl-j0", "type", "veth", "peer", "name", "swl-j1", "netns", "swl-jump")
    _ip("addr", "add", "10.231.1.1/30", "dev", "swl-j0")
    _ip("link", "set", "swl-j0", "up")
    _ip("route", "add", "unreachable", "10.231.2.0/24")
    _ip("-n", "swl-jump", "link", "add", "swl-h0", "type", "veth", "peer", "name", "swl-h1", "netns", "swl-hidden")
    for ns, dev, addr in (("swl-jump", "swl-j1", "10.231.1.2/30"), ("swl-jump", "swl-h0", "10.231.2.1/30"),
                          ("swl-hidden", "swl-h1", "10.231.2.2/30")):
        _ip("-n", ns, "addr", "add", addr, "dev", dev)
        _ip("-n", ns, "link", "set", dev, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
    jump = LocalSSHD(host="10.231.1.2", port=2222, netns="swl-jump").start()
    hidden = LocalSSHD(host="10.231.2.2", port=2222, netns="swl-hidden", client_key=jump.client_key).start()
    yield {"jump": jump, "hidden": hidden}
    jump.cleanup()
    hidden.cleanup()
    _cleanup_bastion()


def _cleanup_bastion() -> None:
    for args in (["route", "del", "unreachable", "10.231.2.0/24"], ["link", "del", "swl-j0"],
                 ["netns", "del", "swl-jump"], ["netns", "del", "swl-hidden"]):
        subprocess.run(["ip", *args], capture_output=True)


@pytest.fixture(scope="session")
def rig():  # type: ignore[no-untyped-def]
    """A running rig (three nodes, swarm formed), once per session; down at the end unless SWARMLAB_KEEP_RIG=1.
    Debian 12 (docker.io 20.10) unless $SWARMLAB_RIG_DEBIAN says 13; home $SWARMLAB_RIG_HOME."""
    from swarmlab.testing.rig import RIG_HOME_DEFAULT, running_rig

    os.environ.setdefault("SWARMLAB_RIG_HOME", RIG_HOME_DEFAULT)
    with running_rig(os.environ["SWARMLAB_RIG_HOME"], os.environ.get("SWARMLAB_RIG_DEBIAN") or "12") as inv:
        yield inv


@pytest.fixture(scope="session")
def rig13():  # type: ignore[no-untyped-def]
    """The Debian 13 rig (docker.io 26.1, kernel 6.12, iptables over nf_tables), once per session, in its own
    home ($SWARMLAB_TEST_RIG13_HOME). Its tests are ordered after every other test, the Debian 12 rig's last
    ones included (which stop that rig), so the two rigs do not run at once."""
    from swarmlab.testing.rig import RIG13_HOME_DEFAULT, running_rig

    with running_rig(os.environ.get("SWARMLAB_TEST_RIG13_HOME") or RIG13_HOME_DEFAULT, "13") as inv:
        yield inv


DOCKER_OF_DEBIAN = {"12": "20.10.", "13": "26.1."}  # what docker.io each rig's Debian ships


@pytest.fixture
def rig_docker(request: pytest.FixtureRequest, both_rigs: object) -> str:
    """The Docker version prefix of the rig `both_rigs` gave this test ("20.10." or "26.1.")."""
    return DOCKER_OF_DEBIAN[request.node.callspec.params["both_rigs"]]


@pytest.fixture(scope="module", params=["12", "13"], ids=["debian12", "debian13"])
def both_rigs(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The same tests on both rigs: the session's `rig` (Debian 12), then `rig13` (Debian 13)."""
    return request.getfixturevalue("rig" if request.param == "12" else "rig13")


def english_left(zh: str, *kept: str) -> list[str]:
    """The English words of a Chinese text besides `kept` (its values: a path, a node's name; literals such as key_file)
    and `code` spans: what a zh screen would show in English ([] when it is Chinese to the end)."""
    for word in sorted(kept, key=len, reverse=True):
        zh = zh.replace(word, " ")
    return re.findall(r"[A-Za-z]+", re.sub(r"`[^`]*`", " ", zh))


def tool(name: str) -> ModuleType:
    """A script of tools/ (not a package), imported as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class ExecutedLessons:
    folder: Path  # <lang>/<name>.ipynb, executed
    notebooks: dict[str, object]
    seconds: dict[str, float]
    failed: dict[str, str]
    wall_s: float


@pytest.fixture(scope="session")
def executed_lessons(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExecutedLessons]:
    """Every lesson in both languages executed once in replay, shared by the notebook test and the site build."""
    import nbformat

    from swarmlab.testing.notebooks import execute_all, notebooks

    folder = tmp_path_factory.mktemp("executed-lessons")
    saved = {k: os.environ.get(k) for k in ("SWARMLAB_MODE", "MPLBACKEND", "IPYTHONDIR")}
    os.environ["SWARMLAB_MODE"] = "replay"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws
    os.environ["IPYTHONDIR"] = str(folder / ".ipython")
    t0 = time.perf_counter()
    try:
        done, seconds, failed = execute_all(notebooks())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    for name, nb in done.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    yield ExecutedLessons(folder, done, seconds, failed, round(time.perf_counter() - t0, 2))
