"""swarmlab.course on the bundled recordings: start() and its names, the badge, exercises with right and wrong
answers (checkers computed from the lab's data, or hashed), the self-checks in both languages, each with a state in
which it fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swarmlab import checks, course, recordings
from swarmlab.course import exercises, quiz
from swarmlab.course.lessons import LESSONS
from swarmlab.errors import SwarmlabError
from swarmlab.lab import Lab
from tests.conftest import tool

SESSION = recordings.get("rig-session")  # the values below are this recording's (Docker 20.10 on the rig)


@pytest.fixture(scope="module")
def lab() -> Lab:
    return course.start("04", "replay", recording=SESSION, lang="en", show=False)


@pytest.fixture(scope="module")
def traced() -> Lab:
    return course.start("10", "replay", lang="en", show=False)  # its own recording, made live on the Debian 13 rig


@pytest.fixture(scope="module")
def broken() -> Lab:
    return course.start("09", lang="en", show=False)  # its own recording: the no-IPVS swarm


def test_start_puts_the_lessons_names_into_the_notebook_and_registers_the_magic() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    lab = course.start("03", "replay", recording=SESSION, lang="zh", shell=shell, show=False)
    assert "swarm" in shell.magics_manager.magics["line"] and "swarm" in shell.magics_manager.magics["cell"]
    assert course.lang == "zh" and course.current_lab() is lab
    ns = shell.user_ns
    assert (ns["client_node"], ns["net"], ns["web_image"], ns["client_image"]) == \
        ("swarm-worker2", "mynet", "swarmlab/whoami:1", "swarmlab/client:1")
    assert ns["lb"] == "lb_1yrvy526i" and len(ns["client"]) == 12


def test_lesson_09_replays_the_no_ipvs_recording_unless_told_otherwise(broken: Lab) -> None:
    assert broken.transport.recording.path.name == "09-break-it.jsonl"  # type: ignore[attr-defined]
    other = course.start("09", "replay", recording=recordings.get("rig-session"), lang="en", show=False)
    assert other.transport.recording.path.name == "rig-session.jsonl"  # type: ignore[attr-defined]


def test_bad_lesson_or_language_is_one_clear_error() -> None:
    with pytest.raises(SwarmlabError, match="lessons 00, 01"):
        course.start("42", "replay", show=False)
    with pytest.raises(SwarmlabError, match="'zh' or 'en'"):
        course.start("04", "replay", lang="fr", show=False)


def test_the_badge_names_the_recording_versions_and_date_in_both_languages(lab: Lab) -> None:
    en, zh = course.badge_text(lab, "en"), course.badge_text(lab, "zh")
    for text in (en, zh):
        assert "rig-session.jsonl" in text and "20.10.24" in text and "6.1.0-50-amd64" in text
        assert "2026-11-26 03:02" in text
    assert en.startswith("replaying") and zh.startswith("回放") and 'data-mode="replay"' in course.badge_html(lab)


# -- exercises: right and wrong answers -------------------------------------------------------------------------

build_lessons = tool("build_lessons")
# each exercise's answer on its lesson's own recording and the forms students type, right and wrong: its
# ```{answers}``` block in the lesson source (tests/test_grading.py answers every form)
ANSWERS = build_lessons.answer_tables()["en"]


@pytest.fixture(scope="module")
def own() -> Callable[[str], Lab]:
    """A lesson's lab on its own recording after Run All (the answer is what the lesson shows: 05.repeats counts its
    sample of 1000 requests), one per lesson, run when first asked for."""
    from tests.test_grading import quiet_shell, run_lesson

    labs: dict[str, Lab] = {}

    def get(lesson_id: str) -> Lab:
        if lesson_id not in labs:
            with quiet_shell() as shell:
                labs[lesson_id] = run_lesson(shell, "en", LESSONS[lesson_id].name)[0]
        return labs[lesson_id]
    return get


def test_every_exercise_is_tested() -> None:
    assert sorted(set(exercises.REGISTRY) ^ set(ANSWERS)) == [], "an exercise without its ```{answers}``` block"
    assert all(sum(k.startswith(f"{i}.") for k in ANSWERS) >= 2 for i in LESSONS)
    assert set(RIGHT) == set(WRONG) and set(RIGHT) <= set(ANSWERS)


@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_right_and_wrong_answers(exercise_id: str, own: Callable[[str], Lab]) -> None:
    """Its answer on its lesson's recording, then a wrong one twice: the hint, then the explanation too."""
    _grades_right_then_wrong(exercise_id, own(exercise_id[:2]), ANSWERS[exercise_id].value,
                             ANSWERS[exercise_id].wrong[0])


# The checkers on a second recording, rig-session.jsonl (Docker 20.10, the client on swarm-worker2): what they compute
# follows the swarm, not a stored value. Optional: an exercise needs no line here.
RIGHT = {"00.nodes": "3", "01.replicas": "2", "01.network-driver": "overlay",
         "02.owner": "web", "02.web-vip": "10.0.4.2", "03.lb-name": "lb_1yrvy526i", "03.remote-addr": "10.0.4.9",
         "04.mark-decimal": "262", "04.lbindex-hex": "0x107", "05.next-task": "8a79c43c1f81", "05.even-share": "50",
         "06.weight-zero": "0", "06.after-scale": "3", "07.dnsrr-count": "2", "07.dnsrr-marks": "0",
         "08.ingress-chain": "PREROUTING", "08.host-chain": "DOCKER-INGRESS",
         "05.repeats": "0", "06.mark-after-scale": "262", "06.exit-signal": "SIGKILL", "07.fwm-count": "2",
         "08.ingress-fwm": "275",
         "00.builtin-overlay": "ingress", "00.scope": "swarm", "01.node-without-web": "swarm-worker2",
         "02.tasks-count": "2", "03.vip-count": "2", "03.endpoint-count": "3", "04.masq-rewrites": "destination",
         "04.first-mark": "0x100", "04.chain-order": "BDACE"}
WRONG = {"00.nodes": "2", "01.replicas": "1", "01.network-driver": "bridge",
         "02.owner": "client", "02.web-vip": "10.0.4.3", "03.lb-name": "lb_mynet", "03.remote-addr": "10.0.4.5",
         "04.mark-decimal": "0x106", "04.lbindex-hex": "263", "05.next-task": "0123456789ab",
         "05.even-share": "100", "06.weight-zero": "1", "06.after-scale": "2", "07.dnsrr-count": "1",
         "07.dnsrr-marks": "1", "08.ingress-chain": "INPUT", "08.host-chain": "POSTROUTING",
         "05.repeats": "21", "06.mark-after-scale": "0x106", "06.exit-signal": "137", "07.fwm-count": "3",
         "08.ingress-fwm": "0x113",
         "00.builtin-overlay": "docker_gwbridge", "00.scope": "local", "01.node-without-web": "swarm-worker1",
         "02.tasks-count": "1", "03.vip-count": "1", "03.endpoint-count": "2", "04.masq-rewrites": "source",
         "04.first-mark": "0x106", "04.chain-order": "DBACE"}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_right_and_wrong_answers_on_another_recording(exercise_id: str, lab: Lab) -> None:
    _grades_right_then_wrong(exercise_id, lab, RIGHT[exercise_id], WRONG[exercise_id])


def _grades_right_then_wrong(exercise_id: str, use: Lab, right_answer: str, wrong_answer: str) -> None:
    right = course.exercise(exercise_id, answer=right_answer, lab=use, lang="en")
    assert right.correct and str(right) == "✓ Right!"
    assert course.exercise(exercise_id, answer=f"  {right_answer.upper()} ", lab=use).correct
    ex = exercises.get(exercise_id)
    hint, why = (ex.text(ex.hint, ex.values(use), "en"), ex.text(ex.explanation, ex.values(use), "en"))
    tries = course.exercise(exercise_id, answer=wrong_answer, lab=use, lang="en").tries
    wrong = course.exercise(exercise_id, answer=wrong_answer, lab=use, lang="en")
    assert not wrong.correct and wrong.tries == tries + 1 >= 2  # a second wrong answer: hint and explanation
    assert wrong.message == f"Not quite. Hint: {hint} Explanation: {why}"
    zh = course.exercise(exercise_id, answer=wrong_answer, lab=use, lang="zh")
    assert zh.message.startswith("不对。提示：") and ex.text(ex.hint, ex.values(use), "zh") in zh.message
    assert "解析：" in zh.message and "原因" not in zh.message
    assert not course.exercise(exercise_id, answer="", lab=use).correct


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("02.web-vip", "10.0.4.2/24"), ("03.remote-addr", "[::ffff:10.0.4.9]"), ("03.remote-addr", "10.0.4.9:59920"),
    ("03.remote-addr", "[::ffff:10.0.4.9]:59920"), ("00.nodes", "three"), ("00.nodes", "三"),
    ("07.dnsrr-marks", "none"), ("07.dnsrr-marks", "zero"), ("06.weight-zero", "zero"), ("06.after-scale", "three"),
    ("05.even-share", "50 each"), ("04.masq-rewrites", "the destination address"), ("02.tasks-count", "2个"),
    ("04.mark-decimal", "0x106 = 262"), ("04.mark-decimal", "FWM  262 rr"), ("04.lbindex-hex", "0x107（263）"),
    ("02.owner", "web's VIP"), ("03.remote-addr", "ffff:10.0.4.9"), ("01.replicas", "2/2"),
    ("01.node-without-web", "swarm worker2"),
])
def test_the_forms_the_lessons_print_are_accepted(exercise_id: str, answer: str, lab: Lab) -> None:
    assert course.exercise(exercise_id, answer=answer, lab=lab).correct


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("02.web-vip", "10.0.4.3/24"), ("03.remote-addr", "[::ffff:10.0.4.5]:59920"), ("03.remote-addr", "10.0.4.90"),
    ("00.nodes", "two"), ("07.dnsrr-marks", "one"), ("06.after-scale", "two"), ("05.even-share", "100 each"),
    ("04.masq-rewrites", "the source address"),
    ("04.mark-decimal", "0x106 = 263"), ("04.mark-decimal", "0x106"), ("04.lbindex-hex", "0x107 = 264"),
    ("02.owner", "web task"), ("01.replicas", "1/2"), ("01.node-without-web", "swarm worker1"),
])
def test_other_forms_of_wrong_answers_stay_wrong(exercise_id: str, answer: str, lab: Lab) -> None:
    assert not course.exercise(exercise_id, answer=answer, lab=lab).correct


def test_next_task_is_round_robins_successor_and_the_other_task_is_wrong(lab: Lab) -> None:
    """en-reader: the exercise used to accept every task when no repeat showed (it could not fail): the question
    now says the connection is scheduled, so only round robin's successor is right."""
    assert exercises._next_scheduled(lab, {"sequence": "a → b → a → b"}) == {"a"}
    assert exercises._next_scheduled(lab, {"sequence": "a → b → b → a"}) == {"b"}
    sequence = exercises._sequence(lab)["sequence"].split(" → ")
    successor = exercises.next_backend(sequence)
    (other,) = set(sequence) - {successor}
    assert course.exercise("05.next-task", answer=successor, lab=lab).correct
    assert not course.exercise("05.next-task", answer=other, lab=lab).correct


def test_computed_answers_follow_the_swarm_not_a_stored_value(lab: Lab, broken: Lab) -> None:
    assert course.exercise("03.lb-name", answer="lb_1yrvy526i", lab=lab).correct
    assert course.exercise("02.web-vip", answer="10.0.4.2", lab=lab).correct
    assert not course.exercise("02.web-vip", answer="10.0.4.2", lab=broken).correct  # 10.0.1.2 there


def test_no_answer_is_readable_in_the_question_or_the_module(lab: Lab) -> None:
    import inspect

    source = inspect.getsource(exercises)
    for exercise_id in ("04.mark-decimal", "04.lbindex-hex", "03.remote-addr", "03.lb-name", "02.owner"):
        ex = exercises.get(exercise_id)
        html = quiz.question_html(ex, ex.values(lab), "en") + quiz.question_html(ex, ex.values(lab), "zh")
        assert RIGHT[exercise_id] not in html, exercise_id
    for fixed_id in ("08.host-chain", "09.diagnosis", "05.even-share"):
        assert exercises.answer_hash(fixed_id, ANSWERS[fixed_id].value) in source


def test_the_widget_checks_hints_and_shows_the_solution_in_its_language() -> None:
    lab = course.start("04", "replay", recording=SESSION, lang="zh", show=False)  # a session of its own: no tries yet
    box = course.exercise("04.mark-decimal", lab=lab, lang="zh")
    row, out = box.children
    text, check, explain, reveal = row.children
    assert (check.description, explain.description, reveal.description) == ("检查", "解析", "显示答案")
    text.value = "0x106"
    check.click()
    assert "不对" in out.value and "十六进制" in out.value and "解析" not in out.value
    check.click()
    assert "解析：" in out.value and "256、16、1" in out.value  # the second wrong answer: the explanation too
    text.value = "２６２"
    check.click()
    assert "正确" in out.value
    explain.click()
    assert out.value.count("解析：") == 1 and "256、16、1" in out.value
    reveal.click()
    assert "0x106 = 262" in out.value
    en = course.exercise("04.mark-decimal", lab=lab, lang="en").children[0].children
    assert [b.description for b in en[1:]] == ["Check", "Explanation", "Show solution"]


def test_next_backend_is_round_robins_cycle() -> None:
    assert exercises.next_backend(["a", "b", "a", "b"]) == "a"
    assert exercises.next_backend(["a", "b", "b", "a"]) == "b"  # a repeat does not move the cycle
    assert exercises.next_backend(["a", "b", "c", "a"]) == "b"
    with pytest.raises(SwarmlabError):
        exercises.next_backend(["a", "a"])


def test_unknown_exercise_is_one_clear_error() -> None:
    with pytest.raises(SwarmlabError, match="no exercise 'nope'"):
        course.exercise("nope")


# -- self-checks: in both languages, each with a state in which it fails -------------------------------------------


@pytest.mark.parametrize("lesson_id", [f"{i:02d}" for i in range(9)])
def test_each_lessons_self_check_passes_on_the_recording_in_both_languages(lesson_id: str, lab: Lab) -> None:
    if lesson_id == "06":  # the session ends less than a second after a kill (see test_lab_rig_recording): its own
        lab = course.start("06", "replay", lang="en", show=False)  # recording ends with the live check's reads
    en = course.check(lesson_id, lab=lab, lang="en")
    zh = course.check(lesson_id, lab=lab, lang="zh")
    assert en.passed and zh.passed, str(en)
    assert str(en).startswith("Self-check: ") and str(zh).startswith("自检：")
    assert len(en.lines) == len(zh.lines) and str(en) != str(zh)


def test_a_self_checks_list_reads_as_a_list_in_each_language(lab: Lab) -> None:
    """Lists in a check's words are joined as each language writes them: `a, b` in English, `a、b` in Chinese,
    never a Python list."""
    for lesson_id in ("00", "07"):
        en, zh = str(course.check(lesson_id, lab=lab, lang="en")), str(course.check(lesson_id, lab=lab, lang="zh"))
        assert "['" not in en + zh and ", " in en and "、" in zh and ", swarm" not in zh and ", 10." not in zh, zh


def test_lesson_10s_trace_check_passes_on_its_recording_and_fails_on_a_dropped_request(
        traced: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    import copy

    from swarmlab.lab.trace import follow

    trace_lab = course.start("10", "replay", lang="en", show=False)  # a fresh replay: the check runs the recorded trace
    en = course.check("10", lab=trace_lab, lang="en")
    assert en.passed and len(en.lines) == 8, str(en)
    zh = course.check("10", lab=course.start("10", "replay", lang="zh", show=False), lang="zh")
    assert zh.passed and str(zh).startswith("自检：逐包跟踪一个请求") and "负载均衡命名空间" in str(zh)
    good = course.start("10", "replay", lang="en", show=False).trace_request("web")
    dropped = copy.deepcopy(good)
    dropped.hops, dropped.checks = [], []
    for p in dropped.points:  # as if the lb namespace had dropped the SYN: nothing left it, no task saw it
        if p.role in ("task", "underlay") and p.result is not None:
            p.result.value = []
        if p.role == "lb" and p.result is not None:
            p.result.value = [k for k in p.packets if k.direction == "In" and k.syn]
    follow(dropped)
    monkeypatch.setattr(Lab, "trace_request", lambda self, service="web", port=80: dropped)
    failed = course.check("10", lab=trace_lab, lang="en")
    assert not failed.passed and "NOT: a task received the request" in str(failed)


def test_lesson_11s_check_passes_on_its_recording_and_fails_when_a_connection_waits_on_dockerds_socket(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from swarmlab.commands import steps as st

    en = course.check("11", lab=course.start("11", "replay", lang="en", show=False), lang="en")
    zh = course.check("11", lab=course.start("11", "replay", lang="zh", show=False), lang="zh")
    assert en.passed and zh.passed and len(en.lines) == len(zh.lines) == 4, str(en)
    assert "30001" in str(en) and "dockerd" in str(zh) and str(zh).startswith("自检：集群分配的端口")
    run = Lab.run

    def queued(self: Lab, step: object, *a: object, **k: object) -> object:  # dockerd with a connection waiting
        r = run(self, step, *a, **k)  # type: ignore[call-overload]
        if step is st.LISTENING:
            r.value = [dataclasses.replace(x, recv_q=1) for x in r.value]
        return r

    monkeypatch.setattr(Lab, "run", queued)
    failed = course.check("11", lab=course.start("11", "replay", lang="en", show=False), lang="en")
    assert not failed.passed and "1 connection(s) waiting on dockerd's socket" in str(failed)


def test_lesson_09s_diagnosis_passes_on_the_broken_swarm_and_fails_on_a_healthy_one(broken: Lab, lab: Lab) -> None:
    diagnosis = course.check("09", lab=broken)
    # ipvsadm's own line, not modprobe's lines before it nor the question after it
    assert diagnosis.passed and "`Can't initialize ipvs: Protocol not available`" in str(diagnosis)
    assert "modprobe" not in str(diagnosis) and "Are you sure" not in str(diagnosis)
    healthy = course.check("09", lab=lab, lang="zh")
    assert not healthy.passed and "这个内核有 IPVS" in str(healthy)


def test_the_no_ipvs_swarm_fails_the_chapters_checks() -> None:
    # the whole `swarmlab record` session on the no-IPVS rig: lesson 09's own recording holds only lesson 09's steps
    broken = Lab.connect("replay", recording=recordings.get("rig-no-ipvs"))
    for lesson_id in ("01", "02", "03", "04", "05"):
        report = course.check(lesson_id, lab=broken, lang="zh")
        assert not report.passed and "✗" in str(report), lesson_id


def test_setup_fails_on_a_one_node_swarm() -> None:
    lab = course.start("00", "replay", recording=SESSION, lang="en", show=False)
    lab.swarm_nodes = ["swarm-manager"]
    report = course.check("00", lab=lab, lang="en")
    assert not report.passed and "needs at least two" in str(report)


def test_dnsrr_fails_for_a_vip_service_and_mesh_for_an_unpublished_port(lab: Lab) -> None:
    assert not checks.dnsrr(lab, name="web").passed
    report = checks.mesh(lab, port=9999)
    report.lang = "zh"
    assert not report.passed and "9999" in str(report)


def _ipvs_lags_behind(lab: Lab, monkeypatch: pytest.MonkeyPatch, reads: int) -> list[float]:
    """The swarm as the recording left it, read again and again (a replay would answer a re-read with what was
    recorded next), except that for the first `reads` reads one node's IPVS lacks one of the running tasks (a task
    `service ps` already shows Running that this node's lb namespace has not got yet). Returns the pauses asked."""
    chain, tasks = lab.vip_chain("web"), lab.tasks("web")
    node = chain.node.iloc[0]
    lagging = chain[~((chain.node == node) & (chain.real_server == chain[chain.node == node].real_server.iloc[0]))]
    calls: list[int] = []

    def vip_chain(service: str, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return lagging if len(calls) <= reads else chain

    paused: list[float] = []
    monkeypatch.setattr(lab, "vip_chain", vip_chain)
    monkeypatch.setattr(lab, "tasks", lambda service, *args, **kwargs: tasks)
    monkeypatch.setattr(lab.transport, "pause", paused.append)
    return paused


def test_scaling_fails_when_ipvs_does_not_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    lab = course.start("06", "replay", recording=SESSION, lang="en", show=False)  # a whole session: every check passes
    paused = _ipvs_lags_behind(lab, monkeypatch, reads=checks.SETTLE_READS)
    report = course.check("06", lab=lab)
    assert not report.passed and "IPVS and tasks disagree" in str(report), str(report)
    assert len(paused) == checks.SETTLE_READS - 1  # it read again before it said so


def test_scaling_waits_for_ipvs_to_catch_up_with_a_new_task(monkeypatch: pytest.MonkeyPatch) -> None:
    lab = course.start("06", "replay", recording=SESSION, lang="en", show=False)  # a whole session: every check passes
    paused = _ipvs_lags_behind(lab, monkeypatch, reads=2)
    report = course.check("06", lab=lab)
    assert report.passed, str(report)
    assert paused == [checks.SETTLE_PAUSE_S] * 2


def test_distribution_fails_a_99_1_split_that_repeats_like_a_coin() -> None:
    assert checks.few_repeats(1000, 2, 21) and checks.few_repeats(300, 2, 18)
    assert not checks.few_repeats(100, 2, 98)  # 99/1 with 98 repeats: |99 - 50| <= 98 + 1 would have passed
    assert not checks.few_repeats(100, 1, 0)


def test_05_repeats_counts_the_lessons_own_sample() -> None:
    lab = course.start("05", "replay", recording=SESSION, lang="en", show=False)
    assert exercises._sample_params(lab) == {"n": "100"}  # no batch yet: 100 requests now
    sample = lab.sample_requests(60)  # the lesson's picture: the checker counts this batch, not a new one
    assert exercises._sample_params(lab) == {"n": "60"}
    course.exercise("05.repeats", lab=lab)  # the question, shown under the picture
    course.check("05", lab=lab)  # the self-check's own 100 requests come later
    assert exercises._sample_params(lab) == {"n": "60"}
    assert course.exercise("05.repeats", answer=str(sample.repeats), lab=lab).correct


def test_a_checker_grades_what_the_student_saw_last() -> None:
    """A recording answers a repeated command with its next recorded output (a later state): the checker must take
    the output the lesson showed last, not run the command once more."""
    lab = course.start("06", "replay", recording=SESSION, lang="en", show=False)
    counts = []
    while 3 not in counts:  # the recording scales web 2 -> 3: step through what a lesson would show
        counts.append(len([t for t in lab.tasks("web").value or [] if not t.history and t.state == "Running"]))
        assert len(counts) < 30
    assert course.exercise("01.replicas", answer="3", lab=lab).correct
    assert not course.exercise("01.replicas", answer="2", lab=lab).correct
    assert course.exercise("01.replicas", answer="3", lab=lab).correct  # checking again changes nothing


def test_each_lesson_replays_its_own_recording_made_live() -> None:
    from swarmlab.course import LESSONS

    for les in LESSONS.values():
        lab = course.start(les.id, "replay", lang="en", show=False)
        path = lab.transport.recording.path  # type: ignore[attr-defined]
        prov = lab.transport.recording.provenance  # type: ignore[attr-defined]
        assert path == recordings.get(f"lessons/{les.name}"), les.name  # 09 too: recorded on the rig without IPVS
        assert prov["lesson"] == les.id and prov["recorded_by"] == "tools/record_lessons.py"
        assert prov["docker"] and prov["kernel"] and prov["where"], "provenance: Docker, kernel, where"


def web_marks(recording: str) -> dict[str, int | None]:
    lab = Lab.connect("replay", recording=recordings.get(recording))
    return {node: next(s.mark for s in lab.inspect_network(node).value[0].services if s.name == "web")
            for node in lab.swarm_nodes}


def test_lesson_04_is_recorded_on_a_swarm_whose_marks_differ_between_nodes() -> None:
    """Lesson 04 teaches that each node numbers its marks itself: its recording shows three different marks for web,
    none the trivial 0x100 (lesson 02's recording, from a fresh swarm, has the same mark on every node)."""
    marks = web_marks("lessons/04-marks-and-ipvs")
    assert marks == {"swarm-manager": 262, "swarm-worker1": 268, "swarm-worker2": 271}
    assert len(set(web_marks("lessons/02-the-vip").values())) == 1


def test_a_zh_lesson_shows_tables_with_chinese_headers_and_no_lesson_cuts_a_cell() -> None:
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    long = "ipvsadm -Ln (lb_ namespace): the FWM whose real servers are the tasks"
    frame = pd.DataFrame({"hostname": ["090d0674b4f6"], "count": [3], "ok": [True], "source": [long]})
    html_of = shell.display_formatter.formatters["text/html"]
    course.start("05", "replay", lang="zh", shell=shell, show=False)
    shown = html_of(frame)
    assert "<th>主机名</th>" in shown and "<th>次数</th>" in shown and "<td>是</td>" in shown
    assert "hostname" not in shown and "True" not in shown and frame.columns[0] == "hostname"
    course.start("05", "replay", lang="en", shell=shell, show=False)
    assert "<th>hostname</th>" in html_of(frame) and "True" in html_of(frame) and long in html_of(frame)
    assert long not in frame._repr_html_()  # pandas alone cuts it
