"""A student's spawn page while their rig boots (provider `rig`, classhub/spawnprogress.py): the rig's own phases,
in the class's language, with the time since the boot began; a failed boot is one line naming what failed.

Cheap: no VM. The rig's phases come from a real `up.log` (tests/fixtures/class-rig/) replayed by a fake boot, and
from a real child process standing in for the rig's `up`. The real boot, with the hub's progress API read during it,
is tests/test_class_rig.py's real test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from swarmlab.classhub import pool, providers, rigs, spawnprogress
from tests.test_class_rig import base_with_image, configured

UP_LOG = Path(__file__).parent / "fixtures" / "class-rig" / "up.log"
ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    """Time the test moves by hand (the page's elapsed times are then exact)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def collect(board: spawnprogress.Board, student: str, lang: str, boot: Callable[[], None],
            fails: bool = False) -> list[dict[str, Any]]:
    """The page's events while `boot` runs in a thread (as the hub's pre-spawn hook runs the provider), until the
    generator ends; a generator that never ends fails the test (wait_for)."""

    async def run() -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            return [e async for e in spawnprogress.events(board, student, lang, poll=0.01, tick=3600)]

        reader = asyncio.ensure_future(asyncio.wait_for(read(), timeout=30))
        with pytest.raises(rigs.RigTableError) if fails else contextlib.nullcontext():
            await asyncio.to_thread(boot)
        return await reader

    return asyncio.run(run())


def rig_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_boot: Callable[..., Path],
                 clock: FakeClock) -> tuple[providers.RigProvider, list[str]]:
    settings = rigs.RigSettings(base_with_image(tmp_path / "base"), tmp_path / "homes")
    provider = providers.RigProvider(settings)
    provider.board = spawnprogress.Board(clock)
    halted: list[str] = []
    monkeypatch.setattr(rigs, "boot", fake_boot)
    monkeypatch.setattr(rigs, "halt", lambda settings, student: halted.append(student) or False)
    monkeypatch.setattr(pool, "open_swarm", lambda student, inventory: ("fake swarm", student, inventory))
    monkeypatch.setattr(pool, "install", lambda swarm: None)  # fake: the handover is tests/test_class_pool.py's
    return provider, halted


def fake_boot_replaying_the_real_up_log(clock: FakeClock) -> Callable[..., Path]:
    """A fake rig boot: each line of a real `up`'s log reported in order, 30 s (by the fake clock) apart."""

    def boot(settings: rigs.RigSettings, student: str, report: Callable[[str], None]) -> Path:
        for line in UP_LOG.read_text().splitlines():
            clock.now += 30
            report(line)
        return settings.inventory(student)

    return boot


EN = ["preparing your swarm's VM (0 s)",
      "booting your swarm's VM (1 min 00 s)",
      "your VM is up; the three nodes are starting (1 min 30 s)",
      "the three nodes are ready; forming the swarm (2 min 00 s)",
      "the swarm is initialised on swarm-manager; the workers are joining (2 min 30 s)",
      "swarm-worker1 joined the swarm (3 min 00 s)",
      "swarm-worker2 joined the swarm (3 min 30 s)",
      "the swarm is formed; giving it a key of its own (4 min 00 s)",
      "your swarm has a key of its own (4 min 30 s)",
      "your swarm is ready; starting your JupyterLab (4 min 30 s)"]
ZH = ["正在准备你的集群的虚拟机（0 秒）",
      "正在启动你的集群的虚拟机（1 分 00 秒）",
      "虚拟机已启动；三个节点正在启动（1 分 30 秒）",
      "三个节点已就绪；正在组建集群（2 分 00 秒）",
      "集群已在 swarm-manager 上初始化；工作节点正在加入（2 分 30 秒）",
      "swarm-worker1 已加入集群（3 分 00 秒）",
      "swarm-worker2 已加入集群（3 分 30 秒）",
      "集群已组建好；正在给它一把专属的密钥（4 分 00 秒）",
      "你的集群有了专属的密钥（4 分 30 秒）",
      "你的集群已就绪；正在启动你的 JupyterLab（4 分 30 秒）"]


def test_every_line_of_a_real_boot_is_read_as_its_phase() -> None:
    lines = UP_LOG.read_text().splitlines()
    found = [spawnprogress.phase_of(line) for line in lines]
    assert found[0] is None  # "rig image ... is built (cached)": no phase of its own
    assert [(p.key, v) for p, v in filter(None, found)] == [
        ("boot", {}), ("vm", {}), ("nodes", {}), ("init", {"node": "swarm-manager"}),
        ("joined", {"node": "swarm-worker1"}), ("joined", {"node": "swarm-worker2"}), ("up", {}), ("key", {})]
    progress = [p.progress for p, _ in filter(None, found)]
    assert progress == sorted(progress)  # the bar never goes back
    # the two phases a tcg boot of an already running rig does not print: lines the rig's code prints
    rig_code = "".join((ROOT / f).read_text() for f in ("swarmlab/rig/vm.py", "swarmlab/classhub/rigs.py"))
    for key, text in (("tcg", "KVM did not bring the guest up in time here"), ("kept", "the rig is already running")):
        assert text in rig_code
        hit = spawnprogress.phase_of(text + ": kept")
        assert hit is not None and hit[0].key == key


@pytest.mark.parametrize("lang, expected", [("en", EN), ("zh", ZH)])
def test_the_spawn_page_shows_the_rigs_phases_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       lang: str, expected: list[str]) -> None:
    clock = FakeClock()
    provider, halted = rig_provider(tmp_path, monkeypatch, fake_boot_replaying_the_real_up_log(clock), clock)
    said = collect(provider.board, "ann", lang, lambda: provider.start("ann"))
    assert [e["message"] for e in said] == expected
    assert [e["progress"] for e in said] == [5, 10, 35, 60, 70, 75, 75, 85, 90, 95]
    assert halted == []
    provider.stop("ann")  # the server stopped: the next spawn's page starts afresh
    assert provider.board.get("ann") is None


def fake_boot_failing_after_the_vm_boots(clock: FakeClock) -> Callable[..., Path]:
    """A fake rig boot that reports the VM booting, then fails as rigs.boot does (RigTableError, its message's
    first line naming what failed)."""

    def boot(settings: rigs.RigSettings, student: str, report: Callable[[str], None]) -> Path:
        clock.now += 40
        report("booting the rig VM (Debian 12, tcg, 2 CPUs, 4096 MiB)")
        clock.now += 300
        raise rigs.RigTableError(f"{student}'s rig did not come up: the rig VM did not answer SSH (all of it in "
                                 "/var/lib/swarmlab-class/rigs/ann/up.log)\nsecond line never shown")

    return boot


@pytest.mark.parametrize("lang, failed", [  # a line spawnprogress.FAILURES knows (others: tests/test_class_zh.py)
    ("en", "your swarm did not start: its VM started but never answered SSH"),
    ("zh", "你的集群没有启动：它的虚拟机启动了，但一直没有响应 SSH")])
def test_a_failed_boot_ends_the_page_with_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      lang: str, failed: str) -> None:
    clock = FakeClock()
    boot = fake_boot_failing_after_the_vm_boots(clock)
    provider, halted = rig_provider(tmp_path, monkeypatch, boot, clock)
    said = collect(provider.board, "ann", lang, lambda: provider.start("ann"), fails=True)
    assert said[-1] == {"progress": 100, "message": failed}  # one line, then the generator ends (no hang)
    assert len(said) == 3 and "\n" not in said[-1]["message"]
    assert halted == ["ann"]  # the provider stops what the failed boot left


def test_a_long_phase_is_shown_again_with_the_time_so_far() -> None:
    clock = FakeClock()
    board = spawnprogress.Board(clock)

    async def run() -> list[str]:
        said = []
        gen = spawnprogress.events(board, "ann", "en", poll=0.001, tick=10).__aiter__()
        board.begin("ann")
        board.line("ann", "booting the rig VM (Debian 12, tcg, 2 CPUs, 4096 MiB)")
        said.append((await gen.__anext__())["message"])
        said.append((await gen.__anext__())["message"])
        clock.now = 125  # tcg: minutes in the same phase
        said.append((await gen.__anext__())["message"])
        board.line("ann", "a line that is no phase")
        board.done("ann")
        said += [e["message"] async for e in gen]
        return said

    assert asyncio.run(asyncio.wait_for(run(), timeout=30)) == [
        "preparing your swarm's VM (0 s)", "booting your swarm's VM (0 s)", "booting your swarm's VM (2 min 05 s)",
        "your swarm is ready; starting your JupyterLab (2 min 05 s)"]


def stand_in_for_up(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> rigs.RigSettings:
    """rigs.boot with a real child process standing in for the rig's `up` (no VM)."""
    settings = rigs.RigSettings(base_with_image(tmp_path / "base"), tmp_path / "homes")
    code = tmp_path / "up.py"
    code.write_text(textwrap.dedent(script))
    monkeypatch.setattr(rigs, "_argv", lambda settings, command: [sys.executable, str(code), str(tmp_path)])
    return settings


def test_boot_hands_each_line_of_up_as_it_is_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child prints its second line only once the hub has the first (a boot that read the output only at the
    end would never see it: the child then gives up and says so)."""
    settings = stand_in_for_up(tmp_path, """\
        import pathlib, sys, time
        go = pathlib.Path(sys.argv[1]) / "go"
        print("booting the rig VM (Debian 12, tcg, 2 CPUs, 4096 MiB)", flush=True)
        deadline = time.monotonic() + 20
        while not go.exists():
            if time.monotonic() > deadline:
                print("never told to go", file=sys.stderr)
                sys.exit(3)
            time.sleep(0.05)
        print("VM up, SSH on 127.0.0.1:40000 (23 s)", flush=True)
        print("the rig VM did not answer SSH; serial console tail:", file=sys.stderr, flush=True)
        sys.exit(1)
        """, monkeypatch)
    seen: list[str] = []

    def report(line: str) -> None:
        seen.append(line)
        (tmp_path / "go").touch()

    with pytest.raises(rigs.RigTableError) as err:
        rigs.boot(settings, "ann", report)
    assert seen == ["booting the rig VM (Debian 12, tcg, 2 CPUs, 4096 MiB)", "VM up, SSH on 127.0.0.1:40000 (23 s)",
                    "the rig VM did not answer SSH; serial console tail:"]
    assert str(err.value).startswith("ann's rig did not come up: the rig VM did not answer SSH; serial console")
    assert (settings.home("ann") / "up.log").read_text().splitlines() == seen


def test_a_boot_past_its_time_is_stopped_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = stand_in_for_up(tmp_path, """\
        import time
        print("booting the rig VM (Debian 12, tcg, 2 CPUs, 4096 MiB)", flush=True)
        time.sleep(60)
        """, monkeypatch)
    monkeypatch.setattr(rigs, "UP_TIMEOUT", 1.0)
    with pytest.raises(rigs.RigTableError, match=r"^ann's rig did not come up within 1 s \(stopped; see .*up\.log\)$"):
        rigs.boot(settings, "ann")


def test_the_hub_of_a_rig_class_shows_the_boot_on_the_spawn_page(tmp_path: Path) -> None:
    """hubconfig: a rig class's spawner is LocalProcessSpawner with the boot as its progress, fed by the same
    provider the pre-spawn hook runs (here a boot failing at once: the base's image is gone)."""
    from jupyterhub.spawner import LocalProcessSpawner, Spawner

    c, data = configured(tmp_path)
    assert data["language"] == "en"
    cls = c.JupyterHub.spawner_class
    assert issubclass(cls, LocalProcessSpawner) and cls.progress is not Spawner.progress
    spawner = SimpleNamespace(user=SimpleNamespace(name="ann"), environment={})
    (tmp_path / "base" / "images").rename(tmp_path / "gone")

    async def run() -> list[dict[str, Any]]:
        with pytest.raises(rigs.RigTableError):
            await c.Spawner.pre_spawn_hook(spawner)
        return [e async for e in cls.progress(spawner)]

    said = asyncio.run(asyncio.wait_for(run(), timeout=30))
    assert said[0]["message"] == "preparing your swarm's VM (0 s)"
    assert said[-1] == {"progress": 100, "message": "your swarm did not start: the class's rig base has no VM image "
                                                    "for Debian 12 (the instructor builds it)"}
    assert json.loads(json.dumps(said)) == said  # what the hub writes to the page: plain JSON
