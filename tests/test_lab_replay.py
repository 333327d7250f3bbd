"""The lab on the bundled seed recording: the chapter's chain from its own numbers, with nothing sent anywhere."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from swarmlab import recordings
from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.lab import Lab
from swarmlab.transport.recording import load

SEED = recordings.get("seed-docker-tips")


@pytest.fixture
def lab() -> Lab:
    return Lab.connect(mode="replay", recording=SEED)


def test_default_mode_without_a_live_swarm_is_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    monkeypatch.delenv("SWARMLAB_MODE", raising=False)
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(tmp_path / "no-rig"))
    with Lab.connect() as lab:
        assert lab.mode == "replay" and lab.replaying and "rig-session-debian13.jsonl" in lab.source


def test_the_seed_chain_through_the_lab(lab: Lab) -> None:
    chain = lab.vip_chain("web")
    assert list(chain.real_server) == ["10.0.1.31", "10.0.1.32"]
    row = chain.iloc[0]
    assert (row.node, row.vip, row.mark, row.mark_hex, row.ipvs_service, row.lb_namespace, row.lb_endpoint_ip) == (
        "swarm-manager", "10.0.1.30", 262, "0x106", "FWM 262", "lb_lpirdge00", "10.0.1.37")


def test_steps_show_the_recorded_command_and_output_verbatim(lab: Lab) -> None:
    recorded = {e.command: e.stdout.decode() for e in load(SEED).entries}
    nets = lab.networks()
    assert (nets.command, nets.output) == ("docker network ls", recorded["docker network ls"])
    assert nets.replayed and [n.name for n in nets.value][4] == "mynet" and len(nets.frame) == 6
    ipvs = lab.ipvs()
    assert ipvs.command == "ipvsadm" and ipvs.output == recorded["ipvsadm"]
    assert ipvs.value.marks == [262, 263]
    assert lab.lb_namespace() == "lb_lpirdge00"


def test_requests_and_sample(lab: Lab) -> None:
    answers = lab.requests(3).frame
    assert list(answers.seq) == [1, 2, 3]
    assert list(answers.hostname) == ["6039865a1e5d", "c3b3e99b9bb1", "6039865a1e5d"]
    assert set(answers.remote_addr) == {"10.0.1.37"}
    sample = lab.sample_requests(3)
    assert dict(zip(sample.summary.task_ip, sample.summary["count"], strict=True)) == {"10.0.1.32": 2,
                                                                                      "10.0.1.31": 1}
    assert sample.largest_deviation == pytest.approx(1 / 3)


def test_what_was_not_recorded_says_so(lab: Lab) -> None:
    with pytest.raises(NotRecorded, match="not in the recording") as info:  # the magic and widgets say it once
        lab.scale("web", 3)
    assert info.value.asked.startswith("[swarm-manager] 'docker service scale") and "(step scale)" in info.value.asked
    # where the lab keeps going without it (a snapshot's reading), the result holds the fact as data
    missing = lab._or_failed("scale", "swarm-manager", lambda: lab.scale("web", 3))
    assert missing.exit_code is None and missing.note.startswith("not in this recording: [swarm-manager]")
    assert missing.not_recorded and isinstance(missing.error, NotRecorded)
    assert not lab.tasks("web").not_recorded


@pytest.mark.parametrize(("step", "said"), [
    ("servce_ps", "no step 'servce_ps': a step's name, e.g. service_ps"),  # before: KeyError: 'servce_ps'
    ("", "no step '': a step's name, e.g. "),
    (None, "no step None: "),  # before: AttributeError
])
def test_a_step_that_does_not_exist_is_named_with_the_closest(lab: Lab, step: object, said: str) -> None:
    with pytest.raises(SwarmlabError) as info:
        lab.run(step)  # type: ignore[call-overload]
    assert str(info.value).startswith(said) and "swarmlab.commands.steps.STEPS" in str(info.value)


def test_replay_never_sends_anything(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("replay tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from swarmlab.lab.walk import walk

    lines: list[str] = []
    assert walk(lab, lines.append, requests=3)
    assert any("0x106" in line for line in lines)


def test_demo_on_the_seed_shows_the_chapters_chain() -> None:
    swarmlab = str(Path(sys.executable).parent / "swarmlab")
    out = subprocess.run([swarmlab, "demo", "--recording", "seed-docker-tips"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "10.0.1.30" in out.stdout and "0x106" in out.stdout and "FWM 262" in out.stdout
    assert "request distribution" in out.stdout


def test_demo_is_the_readmes_main_job() -> None:
    swarmlab = str(Path(sys.executable).parent / "swarmlab")
    out = subprocess.run([swarmlab, "demo"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    default = load(recordings.default())
    assert default.title in out.stdout and "=== 13. the VIP chain" in out.stdout
    assert "FAILED" not in out.stdout


def test_a_service_that_already_exists_is_reused_as_docker_answered() -> None:
    """Lesson 10's recording holds Docker's real refusal of a second `webrr` (lesson 07 made the first): the lab
    reuses the service, live and in a replay alike, showing what Docker said (no branch on the mode)."""
    path = Path(recordings.__file__).parent / "lessons" / "10-follow-one-request.jsonl"
    with Lab.connect(mode="replay", recording=path) as lab:
        r = lab.create_dnsrr("webrr")
    assert r.note == "service webrr exists: reused" and r.exit_code == 1
    assert "service webrr already exists" in r.output and r in lab.log


@pytest.mark.parametrize(("call", "said"), [
    (lambda lab: lab.scale("web", 10**6), "replicas 1000000: from 1 to 3 here (what the lessons need)"),
    (lambda lab: lab.scale("web", "x"), "replicas x: from 1 to 3 here"),
    (lambda lab: lab.scale("web", 0), "replicas 0: from 1 to 3 here"),
    (lambda lab: lab.scale("client", 2), "client keeps 1 replica(s) in the lessons: scale web (1 to 3)"),
    (lambda lab: lab.scale("db", 2), "'db' is not one of the lessons' services"),
    (lambda lab: lab.ping(count="x"), "ping -c x: from 1 to 5 here"),
    (lambda lab: lab.ping(count=10**6), "ping -c 1000000: from 1 to 5 here"),
    (lambda lab: lab.ping("8.8.8.8"), "'8.8.8.8' is not one of the lessons' services"),
    (lambda lab: lab.create_services(replicas=50), "--replicas 50: from 1 to 3 here"),
    (lambda lab: lab.create_dnsrr(replicas=9), "--replicas 9: from 1 to 3 here"),
    (lambda lab: lab.publish(port=22), "--publish 22:80: only these services publish a port"),
])
def test_the_lab_api_keeps_the_magics_bounds(lab: Lab, call: Any, said: str) -> None:
    """What `%swarm` refuses, the Lab API refuses too, in the magic's words, before anything runs or is replayed:
    a count from a notebook never reaches a live swarm, and a wrong type is a refusal, not a ValueError."""
    from swarmlab.commands.bounds import Refused

    logged = len(lab.log)
    with pytest.raises(Refused) as info:
        call(lab)
    assert str(info.value).startswith(said) and len(lab.log) == logged


def test_within_the_bounds_the_lab_api_answers(lab: Lab) -> None:
    assert lab.ping("web", count=2).value is not None
