"""The closed vocabulary of `%swarm` (swarmlab.commands.bounds, steps.admit): every lesson line is admitted, every
attack form is refused with a reason and the allowed typed forms, and a replay answers only the same step with the
same key arguments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from swarmlab import magic, recordings
from swarmlab.commands import bounds
from swarmlab.commands.bounds import Refused
from swarmlab.commands.steps import admit, recognise
from swarmlab.errors import NotRecorded, SwarmlabError
from swarmlab.i18n import rendered
from swarmlab.lab import Lab

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
# what the lessons' notebooks hold in these variables (any real values of the same kind)
VARIABLES = {"client": "3f2a9c1b7d4e", "lb": "lb_yz6bq8kx1", "victim_id": "0123456789ab",
             "web_image": "swarmlab/whoami:1", "client_image": "swarmlab/client:1", "port": "30001"}
# a lab whose swarm reports the lessons' containers on the node (`docker kill $victim_id`)
LAB_VOCAB = bounds.Vocabulary(containers=lambda: {VARIABLES["victim_id"], VARIABLES["client"]})


def lesson_lines() -> list[tuple[str, str]]:
    """Every `%swarm` line of every lesson, both languages: (where, line after `%swarm `)."""
    found = []
    for md in sorted(LESSONS.glob("*/*.md")):
        for no, line in enumerate(md.read_text().splitlines(), 1):
            if line.startswith("%swarm ") and line.split()[1] not in ("NODE", "节点"):  # 00 shows the syntax
                found.append((f"{md.parent.name}/{md.name}:{no}", line[len("%swarm "):]))
    return found


LINES = lesson_lines()


def test_the_lessons_have_swarm_lines() -> None:
    assert len(LINES) > 100 and {w.split("/")[0] for w, _ in LINES} == {"en", "zh"}


@pytest.mark.parametrize(("where", "line"), LINES, ids=[w for w, _ in LINES])
def test_every_lesson_command_is_admitted(where: str, line: str) -> None:
    inv = magic.parse_line(line)  # its -H patterns are bounded, its -n within the limit
    command = magic.expand(inv.command, VARIABLES)
    step, _ = admit(command, LAB_VOCAB)
    assert step.typed, where


def test_the_bounds_are_the_lessons_needs() -> None:
    """The replicas and request bounds are what the lessons use, no more (the largest number any lesson types)."""
    replicas = [int(m) for _, line in LINES for m in re.findall(r"(?:--replicas |web=)(\d+)", line)]
    requests = [int(m) for _, line in LINES for m in re.findall(r"-n (\d+)", line)]
    assert max(replicas) == bounds.MAX_REPLICAS
    assert max(requests) <= bounds.MAX_REQUESTS and max(requests) == 20
    pings = [int(m) for _, line in LINES for m in re.findall(r"ping -c (\d+)", line)]
    assert max(pings) <= bounds.MAX_PING


CREATE = "docker service create --name web --network mynet --replicas 2"
ATTACKS = [
    # the issue's own forms
    "docker service create --name evil --network host --mode global busybox sh -c 'nc -l -p 4444 -e sh'",
    f"{CREATE} --network host swarmlab/whoami:1",
    "docker service create --name web --network host --replicas 2 swarmlab/whoami:1",
    "docker service create --name web --network mynet --mode global swarmlab/whoami:1",
    "docker service create --name web --network mynet --replicas 2 --publish 22:22 swarmlab/whoami:1",
    "docker service create --name web --network mynet --replicas 2 -p 8080:80 swarmlab/whoami:1",
    "docker service create --name web --network mynet --replicas 100000 swarmlab/whoami:1",
    f"{CREATE} busybox",
    f"{CREATE} alpine:latest",
    f"{CREATE} swarmlab/whoami:1 sh -c 'wget http://8.8.8.8'",
    f"{CREATE} swarmlab/client:1",
    "docker service create --name client --network mynet swarmlab/client:1 ping 8.8.8.8",
    "docker service create --name client --network mynet --replicas 5 swarmlab/client:1",
    "docker service create --name webpub --replicas 2 --publish published=22,target=22 swarmlab/whoami:1",
    "docker service create --name webpub --replicas 50 --publish published=8080,target=80 swarmlab/whoami:1",
    "docker service create --name webpub --network host --replicas 2 --publish published=8080,target=80 "
    "swarmlab/whoami:1",
    "docker service create --name webrr --network mynet --replicas 2 --endpoint-mode vip busybox",
    f"{CREATE} --cap-add NET_ADMIN swarmlab/whoami:1",
    f"{CREATE} --mount type=bind,source=/,target=/host swarmlab/whoami:1",
    "docker service scale web=100000",
    "docker service scale web=0",
    "docker service scale web=4",
    "docker service scale client=3",
    "docker service scale evil=1",
    # a typed request loop cannot skip -n's limit
    "docker exec abc sh -c 'i=0; while [ $i -lt 99999999 ]; do i=$((i+1)); echo swarmlab-request $i; timeout 5 "
    "wget -qO- http://web/ 2>/dev/null || echo FAIL; done'",
    "docker exec abc curl nosuchservice",
    "docker exec abc wget -qO- http://nosuchservice",
    "docker exec abc wget -qO- http://8.8.8.8",
    "docker exec abc ping -c 6 web",
    "docker exec abc ping -c 99999999 web",
    "docker exec abc ping -c 2 example",
    "docker exec abc nslookup evil",
    "docker network create -d overlay --attachable othernet",
    "docker network create -d bridge mynet",
    "docker network inspect -v host",
    "docker service inspect -f '{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{.}}{{end}}' web",
    "docker service inspect evil",
    "docker service ps evil",
    "wget -qO- http://127.0.0.1:22",
    "docker exec -it abc sh",
    "sudo nsenter --net=/var/run/docker/netns/lb_abc sh",
    "docker service rm web",
    "docker swarm leave --force",
    "docker run --rm --network host busybox",
    "ping 8.8.8.8",
    # any other mode than replicated; a container the lab does not own (no lab: none is)
    "docker service create --name web --network mynet --mode global-job swarmlab/whoami:1",
    "docker service create --name web --network mynet --mode=global swarmlab/whoami:1",
    "docker kill 0123456789ab",
    "docker container kill deadbeefcafe",
    "docker inspect -f '{{.NetworkSettings.SandboxKey}}' 0123456789ab",
]


def test_there_are_enough_attack_forms() -> None:
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("typed", ATTACKS)
def test_an_attack_form_is_refused_naming_what_is_allowed(typed: str) -> None:
    with pytest.raises(Refused) as caught:
        admit(typed)
    exc = caught.value
    assert exc.said("en") and exc.said("zh") and exc.said("en") != exc.said("zh")
    assert "\n" not in exc.said("en") and "\n" not in exc.said("zh")  # one clear line
    assert re.search(r"[\u4e00-\u9fff]", exc.said("zh")), exc.said("zh")  # said in Chinese (the catalog)
    # any code that renders it as an error (i18n.rendered) says the same, and str() stays the English
    assert rendered(exc, "zh") == exc.said("zh") and str(exc) == exc.said("en")
    assert exc.allowed and all(" " in form for form in exc.allowed)  # typed commands, not titles
    assert recognise(typed, typed_only=True) is None


@pytest.mark.parametrize(("typed", "allowed"), [
    ("docker service create --name evil --network host --mode global busybox sh", "--name web --network mynet"),
    ("docker service scale web=100000", "docker service scale web=N"),
    ("docker exec abc ping -c 6 web", "ping -c N SERVICE"),
    ("docker exec -it abc sh", "docker exec $client wget -qO- http://SERVICE"),
])
def test_the_refusal_names_the_allowed_form(typed: str, allowed: str) -> None:
    with pytest.raises(Refused) as caught:
        admit(typed)
    assert any(allowed in form for form in caught.value.allowed), caught.value.allowed


def test_a_lab_with_other_images_or_network_admits_those() -> None:
    vocab = bounds.Vocabulary(images={"web": "reg.local/whoami:2", "client": "reg.local/client:2"},
                              networks=("labnet",))
    admit("docker service create --name web --network labnet --replicas 2 reg.local/whoami:2", vocab)
    with pytest.raises(Refused):
        admit("docker service create --name web --network mynet --replicas 2 reg.local/whoami:2", vocab)


@pytest.mark.parametrize(("typed", "step"), [
    ("sudo nsenter --net=/var/run/docker/netns/lb_lpirdge00 ipvsadm", "lb_ipvs"),  # the chapter's own, bare
    ("docker container exec -it 36dc curl web", "requests"),
    ("docker container ls", "container_ls"),
    ("docker service create --name webpub --replicas 2 --publish published=8080,target=80 swarmlab/whoami:1",
     "service_create"),
])
def test_the_chapters_own_lines_are_admitted(typed: str, step: str) -> None:
    assert admit(typed)[0].name == step


def test_the_chapters_image_runs_as_the_labs_look_alike() -> None:
    step, args = admit("docker service create --name web --network mynet --replicas 2 containous/whoami")
    assert args["image"] == "swarmlab/whoami:1" and "containous" not in step.command(**args)
    said = magic.substitutions("docker service create --name web --network mynet --replicas 2 containous/whoami",
                               step, args, "en")
    assert "containous/whoami" in said and "swarmlab/whoami:1" in said
    with pytest.raises(Refused, match="a command after the image"):  # the chapter's client pings 8.8.8.8: never
        admit("docker service create --name client --network mynet xiaopeng163/net-box:latest ping 8.8.8.8")


def test_curl_at_the_nodes_prompt_points_to_the_client() -> None:
    with pytest.raises(Refused, match="client's container") as caught:
        admit("curl web")
    assert any("wget -qO- http://SERVICE" in f for f in caught.value.allowed)


# -- the magic's own inputs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "-H '(a+)+$' @manager docker service ls", "-H '(a|a)*b' @manager docker service ls",
    "-H '(?:x*y?)+z' @manager docker service ls", "-H '.*.*.*x' @manager docker service ls",
    "-H '" + "a" * 300 + "' @manager docker service ls", "-H '(' @manager docker service ls",
    "-o print @manager docker service ls", "-o class @manager docker service ls", "-o len @manager docker service ls",
    "-n -5 @client docker exec abc wget -qO- http://web", "-n 10**12 @client docker exec abc wget -qO- http://web",
    "-n 0 @client docker exec abc wget -qO- http://web", "-n 101 @client docker exec abc wget -qO- http://web",
])
def test_bad_magic_options_are_one_line(line: str) -> None:
    with pytest.raises(SwarmlabError) as caught:
        magic.parse_line(line)
    assert "\n" not in str(caught.value)


def test_a_catastrophic_pattern_never_runs() -> None:
    """Refused by its shape, before it matches anything (the old check ran `(a+)+$` for over 20 s)."""
    with pytest.raises(SwarmlabError, match="forever"):
        magic.safe_pattern("(a+)+$")
    assert magic.safe_pattern("Preparing|Starting|Running") and magic.safe_pattern("inet .*/24")
    assert magic.safe_pattern("a{1,9}b{2,3}") and magic.safe_pattern(".*x{1,300}")


def test_large_bounded_repeats_count_as_repeats() -> None:
    """`a{1,300}` four times took 108 s on one 300-character line: a bounded repeat above 9 counts."""
    with pytest.raises(SwarmlabError, match="unbounded or large repeats"):
        magic.safe_pattern("a{1,300}a{1,300}a{1,300}a{1,300}b")
    with pytest.raises(SwarmlabError, match="unbounded or large repeats"):
        magic.safe_pattern("a{10,}a{0,10}.*b")


def test_highlighting_stops_when_its_time_budget_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget's failure path, with a clock that runs fast (no timing assert): the lines after the budget are
    shown unmarked and the note says where highlighting stopped, in the notebook's language."""
    ticks = iter(range(0, 10**6))
    monkeypatch.setattr(magic, "_clock", lambda: float(next(ticks)))  # one second per look at the clock
    out = magic.Shown("$", "x", "".join(f"web {i}\n" for i in range(10)), ["web"], lang="zh")
    marks = out._marked()
    assert [hit for hit, _ in marks] == [True] * out.cut + [False] * (10 - out.cut) and 0 < out.cut < 10
    assert f"第 {out.cut + 1} 行停止" in repr(out) and f"第 {out.cut + 1} 行停止" in out._repr_html_()
    monkeypatch.setattr(magic, "_clock", lambda: 0.0)  # a clock that stands still: every line is looked at
    out = magic.Shown("$", "x", "".join(f"web {i}\n" for i in range(10)), ["web"])
    assert all(hit for hit, _ in out._marked()) and out.cut is None and "stopped" not in repr(out)


@pytest.fixture(scope="module")
def lab_and_shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    lab = Lab.connect("replay", recording=recordings.get("rig-session"))
    magic.register(ip, lab, lang="en", display=SHOWN.append)
    ip.user_ns.update(lab=lab, lb=lab.lb_namespace("@client"), client=lab.client_container()[1])
    yield lab, ip
    InteractiveShell.clear_instance()


SHOWN: list[Any] = []


def shown(ip: Any, line: str) -> magic.Shown:
    SHOWN.clear()
    ip.run_line_magic("swarm", line)
    return SHOWN[0]


def test_o_never_overwrites_a_name_of_the_notebook(lab_and_shell: Any) -> None:
    _, ip = lab_and_shell
    ip.user_ns["mine"] = 42
    out = shown(ip, "-o mine @manager docker service ls")
    assert out.error and "taken" in out.note and ip.user_ns["mine"] == 42
    shown(ip, "-o kept @manager docker service ls")
    shown(ip, "-o kept @manager docker service ls")  # re-running the cell may replace its own result
    assert ip.user_ns["kept"].step == "service_ls"


def test_curl_typed_says_wget_ran(lab_and_shell: Any) -> None:
    _, ip = lab_and_shell
    out = shown(ip, "@client docker exec -it $client curl web")
    assert not out.error and "wget" in out.note and "-it dropped" in out.note
    assert out.note not in out.output and "[swarmlab]" in repr(out)
    assert 'class="swarmlab-note"' in out._repr_html_()


def test_a_refusal_is_swarmlabs_note_not_terminal_output(lab_and_shell: Any) -> None:
    _, ip = lab_and_shell
    out = shown(ip, "@manager docker service create --name evil --network host --mode global busybox sh")
    assert out.error and out.output == "" and "docker service create --name web --network mynet" in out.note


# -- replay never invents ----------------------------------------------------------------------------------------

def test_a_request_to_another_service_is_not_answered_with_webs(lab_and_shell: Any) -> None:
    lab, ip = lab_and_shell
    with pytest.raises(NotRecorded, match="no requests to nosuchservice"):
        lab.requests(1, "nosuchservice")
    out = shown(ip, "@client docker exec $client curl nosuchservice")
    assert out.error and "Hostname" not in out.output + out.note


def test_a_transcript_answers_only_the_same_key() -> None:
    lab = Lab.connect("replay", recording=recordings.get("seed-docker-tips"))
    assert "Hostname" in lab.requests(1, "web").output  # the chapter's `curl web`
    with pytest.raises(NotRecorded):
        lab.requests(1, "client")
    assert lab.run("ping", target="web", count=2).exit_code == 0
    with pytest.raises(NotRecorded):
        lab.run("ping", target="web", count=5)
    with pytest.raises(NotRecorded):
        lab.run("network_inspect", name="mynet", verbose=True)
    assert lab.run("network_inspect", name="mynet").exit_code == 0


@pytest.mark.parametrize("port", [99999999, 0, -1, 65536])
def test_trace_refuses_a_port_outside_tcp_before_replay(port: int) -> None:
    lab = Lab.connect("replay", recording=recordings.get("rig-trace-debian13"))
    with pytest.raises(SwarmlabError, match="1 to 65535"):
        lab.trace_request(port=port)
    assert lab.log == []  # refused before any step


def test_a_trace_on_another_port_is_not_answered_with_port_80s_packets() -> None:
    lab = Lab.connect("replay", recording=recordings.get("rig-trace-debian13"))
    with pytest.raises(SwarmlabError, match="not in this recording"):
        lab.trace_request(port=81)


def test_a_creation_with_other_replicas_is_not_answered_with_the_recorded_one(lab_and_shell: Any) -> None:
    _, ip = lab_and_shell
    ip.user_ns["web_image"] = "swarmlab/whoami:1"
    out = shown(ip, "@manager docker service create --name web --network mynet --replicas 3 $web_image")
    assert out.error and "not" in out.note and "converged" not in out.output


@pytest.mark.parametrize("n", [-5, 0, 10**12, 2.5, True])
def test_lab_requests_refuses_a_count_out_of_bounds_before_anything(n: Any) -> None:
    lab = Lab.connect("replay", recording=recordings.get("rig-session"))
    with pytest.raises(SwarmlabError, match="1 to 10000"):
        lab.requests(n)
    assert lab.log == []


def test_already_exists_is_a_note_beside_what_docker_printed() -> None:
    """Lesson 10 creates webrr, which an earlier lesson made: docker's own error is terminal output, swarmlab's
    "already exists" is a note (never under the root prompt as if the terminal said it)."""
    ten = Path(recordings.__file__).parent / "lessons" / "10-follow-one-request.jsonl"
    lab = Lab.connect("replay", recording=ten)
    out, _ = magic.run_command(lab, "@manager", "docker service create --name webrr --network mynet --replicas 2 "
                               "--endpoint-mode dnsrr swarmlab/whoami:1")
    assert magic.EXISTS in out.note and magic.EXISTS not in out.output
    assert "AlreadyExists" in out.output and not out.error  # what docker printed, as printed


# -- docker kill: only a container of the lab's services on that node --------------------------------------------

SIX = Path(recordings.__file__).parent / "lessons" / "06-scaling-and-failure.jsonl"  # kills 79d8de04cc1f


def test_kill_is_bounded_to_the_containers_the_lab_owns() -> None:
    owned = bounds.Vocabulary(containers=lambda: {"79d8de04cc1f"})
    assert admit("docker kill 79d8de04cc1f", owned)[0].name == "kill_task"
    assert admit("docker kill " + "79d8de04cc1f" + "0" * 52, owned)[0].name == "kill_task"  # its full id
    for other in ("79d8", "79d8de04c", "0123456789ab"):  # a short prefix could name another container too
        with pytest.raises(Refused) as caught:
            admit(f"docker kill {other}", owned)
        assert caught.value.allowed == ["docker kill 79d8de04cc1f"]
        assert "not a container of the lessons' services" in caught.value.said("en")
        assert "不是本节点上课程服务" in caught.value.said("zh")


def test_kill_in_a_lesson_replay_names_the_nodes_own_containers() -> None:
    lab = Lab.connect("replay", recording=SIX)
    assert lab.owned_containers("swarm-worker1", bounds.DEFAULT.services) == {"79d8de04cc1f"}
    out, _ = magic.run_command(lab, "swarm-worker1", "docker kill 0123456789ab", lang="zh")
    assert out.error and "docker kill 79d8de04cc1f" in out.note and "不是本节点上课程服务" in out.note
    assert not any(r.step == "kill_task" for r in lab.log)  # refused before anything ran or was replayed
    out, result = magic.run_command(lab, "swarm-worker1", "docker kill 79d8de04cc1f")
    assert not out.error and result is not None and result.output.strip() == "79d8de04cc1f"


def test_a_refusal_is_said_in_the_notebooks_language() -> None:
    with pytest.raises(Refused) as caught:
        admit("docker service scale web=100000")
    assert caught.value.said("en") == "replicas 100000: from 1 to 3 here (what the lessons need)"
    assert caught.value.said("zh") == "副本数 100000：这里只允许 1 到 3（课程所需的范围）"
    assert str(caught.value) == caught.value.said("en")


@pytest.mark.parametrize("typed", ["docker exec $client \"Chain wget -qO- http://web",
                                   "docker service inspect -f '{{json .Endpoint.VirtualIPs}} web", "docker ps \\"])
def test_an_unclosed_quote_is_said_as_such(typed: str) -> None:
    """Found by tests/test_magic_fuzz.py: a command shlex cannot split was refused as "no command"."""
    with pytest.raises(Refused) as caught:
        admit(typed)
    assert "unclosed quote" in caught.value.said("en") and "引号" in caught.value.said("zh")
    assert caught.value.allowed


def test_kill_when_the_swarm_cannot_list_the_containers_is_an_error_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live, the node may not answer the lab's `docker container ls`: the kill is not admitted, and the note says
    why (no traceback out of the magic)."""
    from swarmlab.errors import NodeUnreachable

    lab = Lab.connect("replay", recording=SIX)

    def unreachable(node: str | None = None, services: Any = ()) -> set[str]:
        raise NodeUnreachable("[swarm-worker1] connection refused", node="swarm-worker1")

    monkeypatch.setattr(lab, "owned_containers", unreachable)
    out, result = magic.run_command(lab, "swarm-worker1", "docker kill 79d8de04cc1f")
    assert out.error and "connection refused" in out.note and result is None
    assert not any(r.step == "kill_task" for r in lab.log)
