"""The %swarm magic in a real IPython shell, answering from the bundled recording."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from swarmlab import magic, recordings
from swarmlab.errors import SwarmlabError
from swarmlab.lab import Lab


@pytest.fixture(scope="module")
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    lab = Lab.connect("replay", recording=recordings.get("rig-session"))  # the values below are its
    magic.register(ip, lab, lang="zh", display=SHOWN.append)
    node, container = lab.client_container()
    ip.user_ns.update(lab=lab, lb=lab.lb_namespace("@client"), client=container, client_node=node)
    yield ip
    InteractiveShell.clear_instance()


SHOWN: list[Any] = []


def shown(ip: Any, line: str, cell: str | None = None) -> list[Any]:
    SHOWN.clear()
    if cell is None:
        ip.run_line_magic("swarm", line)
    else:
        ip.run_cell_magic("swarm", line, cell)
    return list(SHOWN)


def test_a_typed_command_shows_prompt_output_and_highlights(shell: Any) -> None:
    out = shown(shell, "-H 'MARK set 0x106' -o marks @client sudo nsenter --net=/var/run/docker/netns/$lb "
                       "iptables -t mangle -nvL")
    term = out[0]
    assert isinstance(term, magic.Shown) and not term.error
    assert term.prompt == "root@swarm-worker2:~#"
    assert term.command.startswith("sudo nsenter --net=/var/run/docker/netns/lb_")  # $lb expanded
    text = repr(term)
    assert ">> " in text and "MARK set 0x106" in next(line for line in text.splitlines() if line.startswith(">> "))
    assert 'class="swarmlab-hl"' in term._repr_html_()
    assert "录制于" in term.footer  # the language of the lesson
    assert shell.user_ns["marks"].value is not None  # -o stored the parsed result


def test_json_format_braces_reach_the_step_unchanged(shell: Any) -> None:
    out = shown(shell, "@manager docker service inspect -f '{{json .Endpoint.VirtualIPs}}' web")
    assert "{{json .Endpoint.VirtualIPs}}" in out[0].command


def test_a_variable_names_the_node(shell: Any) -> None:  # a lesson computes it: `%swarm $victim_node ...`
    shell.user_ns["victim_node"] = "swarm-worker1"
    out = shown(shell, "$victim_node docker container ls")
    assert out[0].prompt == "root@swarm-worker1:~#", out[0]


def test_outside_the_swarm_is_refused_with_the_reason(shell: Any) -> None:
    out = shown(shell, "@client docker exec $client ping -c 2 8.8.8.8")
    assert out[0].error and "不访问集群之外" in out[0].note and not out[0].output


def test_not_recorded_says_which_recording_and_how_to_run_live(shell: Any) -> None:
    out = shown(shell, "@client sudo nsenter --net=/var/run/docker/netns/lb_nothere1 ipvsadm -Ln")
    assert out[0].error and "MODE = \"live\"" in out[0].note


def test_cell_magic_runs_each_line_and_frames(shell: Any) -> None:
    out = shown(shell, "-f @manager", "docker service ls\n# a comment\ndocker network ls\n")
    terms = [o for o in out if isinstance(o, magic.Shown)]
    assert [t.command for t in terms] == ["docker service ls", "docker network ls"]
    assert len(out) == 3  # the network table; the first recorded `service ls` lists no service: no table


def test_requests_hide_the_lab_markers(shell: Any) -> None:
    out = shown(shell, "-n 3 @client docker exec $client wget -qO- http://web")
    assert "swarmlab-request" not in out[0].output and out[0].output.count("Hostname:") == 3


def test_unknown_node_and_bad_options_are_one_clear_line(shell: Any) -> None:
    """In the language of the lesson (this shell's: zh): the lab's error, the magic's own, one line each."""
    unknown = shown(shell, "@nowhere docker service ls")[0].note
    assert unknown.startswith("未知节点 '@nowhere'：") and "\n" not in unknown
    bad = shown(shell, "-n many @client docker exec x wget -qO- http://web")[0].note
    assert bad.startswith("-n 'many'：请求数是 1 到") and "用法：" in bad and "\n" not in bad
    lab = Lab.connect(mode="replay", recording=recordings.get("seed-docker-tips"))
    english, _ = magic.run_command(lab, "@nowhere", "docker service ls", lang="en")
    assert english.note.startswith("unknown node '@nowhere': one of ")


@pytest.mark.parametrize(("line", "node", "command"), [
    ("swarm-manager docker service ls", "swarm-manager", "docker service ls"),
    ("-H a -H 'b c' -f -o x -n 3 @client docker exec $client wget -qO- web", "@client",
     "docker exec $client wget -qO- web"),
])
def test_parse_line(line: str, node: str, command: str) -> None:
    inv = magic.parse_line(line)
    assert (inv.node, inv.command) == (node, command)


def test_parse_line_errors() -> None:
    with pytest.raises(SwarmlabError):
        magic.parse_line("-o 1x @client ls")
    with pytest.raises(SwarmlabError):
        magic.parse_line("-Z @client ls")


def _folded(html_text: str) -> tuple[str, str]:
    """(what the terminal block shows, what the 'show all' fold holds)"""
    visible, _, rest = html_text.partition('<details class="swarmlab-fold"')
    return visible, rest


def test_a_long_output_shows_the_lines_that_matter_and_the_rest_one_click_away() -> None:
    from swarmlab.i18n import _
    from swarmlab.magic import Shown

    lines = ["Chain PREROUTING (policy ACCEPT)", "target prot opt source destination"]
    lines += [f"rule {i} for 10.0.1.{i}" for i in range(60)] + ["MARK all -- 0.0.0.0/0 10.0.1.2 MARK set 0x106"]
    lines += [f"tail {i}" for i in range(20)]
    shown = Shown("root@swarm-manager:~#", "iptables -t mangle -L", "\n".join(lines), ["MARK set"],
                  fold_label=_("show all {n} lines", "zh"), gap_label=_("{n} lines not shown", "zh"))
    visible, fold = _folded(shown._repr_html_())
    assert "MARK set 0x106" in visible and "Chain PREROUTING" in visible  # the hit and the header
    assert "rule 59 for 10.0.1.59" in visible and "tail 0" in visible      # a line either side of the hit
    assert "rule 30 for" not in visible and "tail 19" not in visible        # the rest is folded...
    assert "rule 30 for" in fold and "tail 19" in fold and "显示全部 83 行" in fold  # ...one click away
    assert "省略了 58 行" in visible and "省略了 19 行" in visible
    assert repr(shown).count("\n") == 83  # the text form (what tests and logs read) is never folded


def test_a_short_output_or_one_without_a_fold_label_is_shown_whole() -> None:
    from swarmlab.i18n import _
    from swarmlab.magic import Shown

    short = Shown("$", "docker service ls", "\n".join(f"line {i}" for i in range(30)), ["line 3"],
                  fold_label=_("show all {n} lines", "en"), gap_label=_("{n} lines not shown", "en"))
    assert "swarmlab-fold" not in short._repr_html_() and "line 29" in short._repr_html_()
    unlabelled = Shown("$", "x", "\n".join(f"line {i}" for i in range(100)), ["line 3"])
    assert "swarmlab-fold" not in unlabelled._repr_html_() and "line 99" in unlabelled._repr_html_()


def test_a_long_output_without_highlights_keeps_its_head_and_tail() -> None:
    from swarmlab.i18n import _
    from swarmlab.magic import FOLD_OVER, Shown

    shown = Shown("$", "x", "\n".join(f"line {i}" for i in range(100)), [],
                  fold_label=_("show all {n} lines", "en"), gap_label=_("{n} lines not shown", "en"))
    visible, fold = _folded(shown._repr_html_())
    assert f"line {FOLD_OVER - 6}\n" in visible and "line 99" in visible and "line 50\n" not in visible
    assert "show all 100 lines" in fold and "line 50\n" in fold


def test_a_long_loop_of_answers_keeps_only_the_highlighted_lines() -> None:
    from swarmlab.i18n import _
    from swarmlab.magic import Shown

    answers = "\n".join(f"Hostname: {'ab' if i % 2 else 'cd'}\nIP: 127.0.0.1\nIP: 10.0.1.{i}\n" for i in range(20))
    visible, _ = _folded(Shown("$", "loop", answers, ["Hostname"], fold_label=_("show all {n} lines", "en"),
                               gap_label=_("{n} lines not shown", "en"))._repr_html_())
    assert visible.count("Hostname: ") == 20 and "IP: 10.0.1.5" not in visible and "IP: 127.0.0.1" in visible


def test_a_notes_label_is_followed_by_the_languages_colon() -> None:
    """zh-reader-2 #75: a Chinese label takes a full-width colon ("swarmlab 提示：..."), an English one ": "."""
    from swarmlab.i18n import _
    from swarmlab.magic import Shown

    zh = Shown("$", "x", "", note="webrr: 已经存在", note_label=_("swarmlab", "zh"), lang="zh")._repr_html_()
    en = Shown("$", "x", "", note="webrr: already exists", note_label="swarmlab", lang="en")._repr_html_()
    assert "</b>：webrr" in zh and "</b>: webrr" in en
