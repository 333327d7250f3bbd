"""The SSH transport against a real OpenSSH server on loopback (and in network namespaces for the jump host)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import paramiko
import pytest

from swarmlab.errors import (
    AuthenticationFailed,
    CommandFailed,
    CommandTimeout,
    DockerUnavailable,
    HostKeyChanged,
    NodeUnreachable,
    SudoPasswordRequired,
)
from swarmlab.i18n import rendered
from swarmlab.testing.sshd import LocalSSHD, free_port, keygen
from swarmlab.transport import CommandResult, Node, SSHTransport
from swarmlab.transport.hostkeys import forget
from tests.conftest import english_left, node_of

PATHS = pytest.mark.parametrize("fast", [True, False], ids=["fast-shell", "channel-per-command"])


def via(t: SSHTransport, node: str, command: str, *, fast: bool, **kw: Any) -> CommandResult:
    """The fast path (`run`), or a channel of its own (`run_channel`)."""
    return t.run(node, command, **kw) if fast else t.run_channel(node, command, **kw)


@pytest.fixture(params=["auto", "sh"], ids=["bash", "sh+setsid"])
def transport(sshd: LocalSSHD, request: pytest.FixtureRequest):
    """Every test of the fast path runs on both of its shells: bash's job control and sh + setsid."""
    with SSHTransport([node_of(sshd)], shell=request.param) as t:
        yield t


def test_the_fast_shell_is_bash_when_the_node_has_it(sshd: LocalSSHD) -> None:
    for shell, kind in (("auto", "bash"), ("sh", "sh")):
        with SSHTransport([node_of(sshd)], shell=shell) as t:
            assert t.run("n1", "echo $$").ok
            assert t._links["n1"].shell is not None and t._links["n1"].shell.kind == kind
    with pytest.raises(ValueError, match="shell must be one of"):
        SSHTransport([node_of(sshd)], shell="zsh")


def test_bash_job_notices_never_reach_a_commands_stderr(sshd: LocalSSHD) -> None:
    with SSHTransport([node_of(sshd)]) as t:
        with pytest.raises(CommandTimeout):
            t.run("n1", "sleep 1000.6161", timeout=1)
        r = t.run("n1", "echo before; kill -KILL $BASHPID")  # bash would print `Killed` for this job
        assert (r.stdout, r.stderr, r.exit_code) == ("before\n", "", 137)
        assert t.run("n1", "true").stderr == ""


@PATHS
def test_exit_codes_and_streams_apart(transport: SSHTransport, fast: bool) -> None:
    r = via(transport, "n1", "echo out; echo err >&2; exit 3", fast=fast)
    assert (r.stdout, r.stderr, r.exit_code, r.ok) == ("out\n", "err\n", 3, False)
    assert r.node == "n1" and r.command == "echo out; echo err >&2; exit 3"
    assert r.duration > 0 and r.started is not None
    ok = via(transport, "n1", "true", fast=fast)
    assert ok.ok and ok.exit_code == 0 and ok.stdout == ""


@PATHS
def test_check_raises_command_failed_with_code_and_stderr(transport: SSHTransport, fast: bool) -> None:
    with pytest.raises(CommandFailed) as info:
        via(transport, "n1", "echo boom >&2; exit 7", check=True, fast=fast)
    assert info.value.exit_code == 7 and "boom" in info.value.stderr and "n1" in str(info.value)


@PATHS
def test_ten_megabytes_arrive_byte_for_byte(transport: SSHTransport, fast: bool, tmp_path: Path) -> None:
    payload = os.urandom(10_000_000)
    big = tmp_path / "big.bin"
    big.write_bytes(payload)
    r = via(transport, "n1", f"cat {big}", fast=fast, timeout=60)
    assert r.exit_code == 0 and r.stdout_bytes == payload


@PATHS
def test_invalid_utf8_is_kept_visible(transport: SSHTransport, fast: bool) -> None:
    r = via(transport, "n1", r"printf 'caf\303\251 \377\376 end'; printf '\377' >&2", fast=fast)
    assert r.stdout_bytes == b"caf\xc3\xa9 \xff\xfe end"
    assert r.stdout == "café \\xff\\xfe end" and r.stderr == "\\xff"


def _processes_with(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line]


@PATHS
def test_timeout_kills_the_remote_process_group(transport: SSHTransport, fast: bool) -> None:
    marker = f"1000.{4242 + fast}"
    t0 = time.monotonic()
    with pytest.raises(CommandTimeout) as info:
        via(transport, "n1", f"echo started; sleep {marker}", timeout=1, fast=fast)
    assert time.monotonic() - t0 < 8
    assert info.value.timeout == 1 and "started" in info.value.stdout
    zh = rendered(info.value, "zh")  # both paths (the fast shell's, a channel's) say it in the notebook's language
    assert "秒未结束，已被终止" in zh and english_left(zh, "n1", repr(f"echo started; sleep {marker}")) == [], zh
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == [], "the timed-out command is still running on the node"
    assert via(transport, "n1", "echo alive", fast=fast).stdout == "alive\n"


def test_timeout_kills_children_too_and_keeps_the_fast_shell(transport: SSHTransport) -> None:
    marker = "1000.5151"
    transport.run("n1", "true")
    shell_before = transport._links["n1"].shell
    with pytest.raises(CommandTimeout):
        transport.run("n1", f"(sleep {marker}) & sleep {marker}; wait", timeout=1)
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []
    assert transport.run("n1", "echo same shell").ok
    assert transport._links["n1"].shell is shell_before


def test_output_that_looks_like_a_sentinel(transport: SSHTransport) -> None:
    cmd = r"printf 'swl0123-end 0\nswl0123-pid 99\n'; printf 'swlfake-end\n' >&2; printf 'no newline'"
    r = transport.run("n1", cmd)
    assert r.stdout == "swl0123-end 0\nswl0123-pid 99\nno newline"
    assert r.stderr == "swlfake-end\n" and r.exit_code == 0


def test_commands_cannot_read_the_protocol_stream(transport: SSHTransport) -> None:
    r = transport.run("n1", "cat; echo after", timeout=5)
    assert r.stdout == "after\n"
    assert transport.run("n1", "echo next").stdout == "next\n"


def test_syntax_errors_and_exit_in_the_command(transport: SSHTransport) -> None:
    bad = transport.run("n1", "if then fi")
    assert bad.exit_code == 2 and bad.stderr
    assert transport.run("n1", "exit 42").exit_code == 42
    assert transport.run("n1", "echo still here").stdout == "still here\n"


def test_one_connection_serves_many_commands(fresh_sshd: LocalSSHD) -> None:
    with SSHTransport([node_of(fresh_sshd)]) as t:
        for i in range(5):
            assert via(t, "n1", f"echo {i}", fast=bool(i % 2)).stdout == f"{i}\n"
    assert fresh_sshd.log.read_text().count("Accepted publickey") == 1


def test_keepalive_is_sent(tmp_path: Path) -> None:
    from tests.conftest import need_root_sshd

    need_root_sshd()
    with LocalSSHD(log_level="DEBUG1") as server, SSHTransport([node_of(server)], keepalive=1) as t:
        t.run("n1", "true")
        deadline = time.monotonic() + 10  # one is due after 1 s idle; a loaded machine may log it later
        while "keepalive@lag.net" not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "keepalive@lag.net" in server.log.read_text()


@PATHS
def test_connection_cut_mid_command_is_a_typed_error_then_reconnects(fresh_sshd: LocalSSHD, fast: bool) -> None:
    with SSHTransport([node_of(fresh_sshd)]) as t:
        via(t, "n1", "true", fast=fast)
        threading.Timer(0.7, fresh_sshd.cut_connections).start()
        t0 = time.monotonic()
        with pytest.raises(NodeUnreachable, match="connection lost"):
            via(t, "n1", "sleep 20", timeout=30, fast=fast)
        assert time.monotonic() - t0 < 5
        assert via(t, "n1", "echo back", fast=fast).stdout == "back\n"
    assert fresh_sshd.log.read_text().count("Accepted publickey") == 2


@PATHS
def test_dead_connection_between_commands_reconnects_once(fresh_sshd: LocalSSHD, fast: bool) -> None:
    with SSHTransport([node_of(fresh_sshd)]) as t:
        assert via(t, "n1", "echo one", fast=fast).ok
        fresh_sshd.cut_connections()
        assert via(t, "n1", "echo two", fast=fast).stdout == "two\n"
    assert fresh_sshd.log.read_text().count("Accepted publickey") == 2


def test_wrong_key_is_authentication_failed(sshd: LocalSSHD, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "stranger")
    with SSHTransport([node_of(sshd, key_file=str(stranger))]) as t, pytest.raises(AuthenticationFailed) as info:
        t.run("n1", "true")
    assert "refused our key" in str(info.value) and info.value.node == "n1"


@pytest.mark.parametrize("key", ["/nonexistent/key", "folder", "public.pub", "passphrase"])
def test_a_key_file_that_cannot_be_used_is_said_as_such(sshd: LocalSSHD, tmp_path: Path, key: str) -> None:
    """Before, paramiko's OSError for a missing key came after the connection and was said as `cannot reach ...
    Is the node up?`: the wrong fix, for a node that is up."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "public.pub").write_text(Path(f"{sshd.client_key}.pub").read_text())
    if key == "passphrase":
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(tmp_path / key)], check=True)
    path = key if key.startswith("/") else str(tmp_path / key)
    with SSHTransport([node_of(sshd, key_file=path)], known_hosts=tmp_path / "kh") as t, \
            pytest.raises(AuthenticationFailed) as info:
        t.run("n1", "true")
    said = str(info.value)
    assert f"[n1] key_file {path} " in said and "fix key_file in the inventory" in said and "\n" not in said
    assert "needs a passphrase" in said if key == "passphrase" else "is not a private key swarmlab can read" in said
    if key == "passphrase":  # in a zh notebook: Chinese to the end (the values and literals as they are)
        zh = rendered(info.value, "zh")
        assert "需要口令" in zh and english_left(zh, path, "n1", "key_file", "swarmlab", "Vagrant") == [], zh


def test_a_node_without_a_dockerd_is_said_in_the_notebooks_language(sshd: LocalSSHD) -> None:
    """This machine's sshd as the node, no dockerd behind it (tests/test_docker_api.py has the English): what a zh
    notebook shows is Chinese to the end, but for what `docker system dial-stdio` said (its own words)."""
    import shutil

    with SSHTransport([node_of(sshd)]) as t:
        if os.path.exists("/var/run/docker.sock"):  # a machine with a dockerd: the API answers, nothing to say
            assert t.api("n1", "/_ping").stdout == "OK"
            return
        with pytest.raises(DockerUnavailable) as info:
            t.api("n1", "/_ping", timeout=30)
    said = str(info.value).split("(", 1)[1].split(")")[0]  # dial-stdio's stderr, as printed
    zh = rendered(info.value, "zh")
    assert said in zh and ("没有运行" if shutil.which("docker") else "没有可用来连接") in zh, zh
    assert english_left(zh, said, "n1", "dockerd", "docker", "socket", "rig") == [], zh


def test_unreachable_port_is_node_unreachable() -> None:
    node = Node("gone", "127.0.0.1", free_port())
    with SSHTransport([node], connect_timeout=3) as t, pytest.raises(NodeUnreachable, match="cannot reach"):
        t.run("gone", "true")


def test_first_use_remembers_the_host_key(sshd: LocalSSHD, swarmlab_home: Path) -> None:
    with SSHTransport([node_of(sshd)]) as t:
        t.run("n1", "true")
    known = (swarmlab_home / "known_hosts").read_text()
    host_pub = Path(f"{sshd.host_key}.pub").read_text().split()[1]
    assert f"[{sshd.host}]:{sshd.port} ssh-ed25519 {host_pub}" in known


def test_changed_host_key_is_refused_with_the_fix(sshd: LocalSSHD, swarmlab_home: Path) -> None:
    address = f"[{sshd.host}]:{sshd.port}"
    old = paramiko.Ed25519Key.from_private_key_file(str(keygen(swarmlab_home / "old")))
    (swarmlab_home / "known_hosts").write_text(f"{address} ssh-ed25519 {old.get_base64()}\n")
    with SSHTransport([node_of(sshd)]) as t:
        with pytest.raises(HostKeyChanged) as info:
            t.run("n1", "true")
        message = str(info.value)
        assert "CHANGED" in message and "rebuilt" in message and f"swarmlab forget-host '{address}'" in message
        assert forget(swarmlab_home / "known_hosts", address) == 1
        assert t.run("n1", "echo trusted").ok
    assert old.get_base64() not in (swarmlab_home / "known_hosts").read_text()


def test_cli_forget_host(swarmlab_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from swarmlab.cli import main

    (swarmlab_home / "known_hosts").write_text("[10.0.0.9]:2222 ssh-ed25519 AAAA\nother ssh-ed25519 BBBB\n")
    assert main(["forget-host", "10.0.0.9", "-p", "2222"]) == 0
    assert "forgot 1 key" in capsys.readouterr().out
    assert (swarmlab_home / "known_hosts").read_text() == "other ssh-ed25519 BBBB\n"


def test_jump_host_reaches_a_hidden_node(bastion: dict[str, LocalSSHD]) -> None:
    jump, hidden = bastion["jump"], bastion["hidden"]
    nodes = [Node("bastion", jump.host, jump.port, "root", str(jump.client_key)),
             Node("hidden", hidden.host, hidden.port, "root", str(hidden.client_key), jump="bastion")]
    with SSHTransport(nodes) as t:
        r = t.run("hidden", "ip -o -4 addr show dev swl-h1")
        assert "10.231.2.2/30" in r.stdout
        assert "10.231.2.2" not in t.run("bastion", "ip -o -4 addr").stdout.replace("10.231.2.1", "")
        assert t.run_channel("hidden", "echo via channel").stdout == "via channel\n"
    assert "direct-tcpip" in jump.log.read_text() or "Accepted publickey" in jump.log.read_text()
    direct = [Node("hidden", hidden.host, hidden.port, "root", str(hidden.client_key))]
    with SSHTransport(direct, connect_timeout=3) as t, pytest.raises(NodeUnreachable):
        t.run("hidden", "true")


def test_run_all_in_parallel_with_one_node_down(three_sshd: list[LocalSSHD]) -> None:
    up = [node_of(s, name=f"node{i}") for i, s in enumerate(three_sshd[:2], 1)]
    down = Node("node3", "127.0.0.3", free_port("127.0.0.3"), key_file=str(three_sshd[2].client_key))
    with SSHTransport([*up, down], connect_timeout=3) as t:
        results = t.run_all(None, "sleep 1; echo $SSH_CONNECTION")
    assert [r.node for r in results] == ["node1", "node2", "node3"]
    assert results["node1"].ok and " 127.0.0.1 " in results["node1"].stdout
    assert results["node2"].ok and " 127.0.0.2 " in results["node2"].stdout
    assert isinstance(results["node3"].error, NodeUnreachable) and results["node3"].exit_code is None
    first, second = results["node1"], results["node2"]
    assert abs((first.started - second.started).total_seconds()) < min(first.duration, second.duration)
    frame = results.to_frame()
    assert list(frame["node"]) == ["node1", "node2", "node3"]
    assert list(frame["ok"]) == [True, True, False]
    assert str(frame["exit_code"].dtype) == "Int64" and "NodeUnreachable" in frame.loc[2, "error"]


# -- sudo -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sudo_users(sshd: LocalSSHD) -> dict[str, str]:
    import shutil

    if shutil.which("sudo") is None or shutil.which("useradd") is None:
        pytest.skip("needs sudo and useradd (`./run tests` installs sudo as root)")
    users = {"swlnopw": "NOPASSWD:ALL", "swlpw": "ALL"}
    rules = Path("/etc/sudoers.d/swarmlab-test")
    rules.write_text("".join(f"{u} ALL=(ALL) {r}\n" for u, r in users.items()))
    rules.chmod(0o440)
    for user in users:
        if subprocess.run(["id", user], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True)
        subprocess.run(["usermod", "-p", "*", user], check=True)  # no password, not locked: key login works
        sshd.authorize(sshd.client_key, user)  # type: ignore[arg-type]
    yield {u: u for u in users}
    rules.unlink()


def test_sudo_without_password(sshd: LocalSSHD, sudo_users: dict[str, str]) -> None:
    with SSHTransport([node_of(sshd, user="swlnopw")]) as t:
        assert t.run("n1", "id -u").stdout.strip() != "0"
        assert t.run("n1", "id -u", sudo=True).stdout.strip() == "0"


def test_privileged_steps_in_shell_syntax_run_under_sudo(sshd: LocalSSHD, sudo_users: dict[str, str]) -> None:
    """`sudo -n -- CMD` runs one program; the privileged steps written as shell syntax (a loop, `;`, `&`) work for
    a classroom user because the transport runs every command as `sudo -n -- sh -c '...'` (root on the rig would
    never notice a bare `sudo -n -- for ...`)."""
    from swarmlab.commands import chapter as c
    from swarmlab.commands.steps import STEPS

    samples = {"ipvs_all": {}, "capture_start": {"capture": "web-lb", "bpf": "tcp port 80"},
               "capture_stop": {"capture": "web-lb", "pid": 999999}}
    with SSHTransport([node_of(sshd, user="swlnopw")]) as t:
        for name, args in samples.items():
            step = STEPS[name]
            assert step.privileged
            r = t.run("n1", step.command(**args), sudo=True, timeout=30)
            assert "command not found" not in r.stderr, (name, r.stderr)
        bare = t.run("n1", f"sudo -n -- {c.ipvsadm_all_lb()}", timeout=30)
        assert bare.exit_code != 0, "what the transport's `sh -c` spares the steps: a bare loop after sudo fails"


def test_sudo_that_wants_a_password_is_a_clear_error(sshd: LocalSSHD, sudo_users: dict[str, str]) -> None:
    with SSHTransport([node_of(sshd, user="swlpw")]) as t:
        r = t.run("n1", "id -u", sudo=True, timeout=10)
        assert r.exit_code == 1 and "password is required" in r.stderr
        with pytest.raises(SudoPasswordRequired, match="NOPASSWD"):
            t.run("n1", "id -u", sudo=True, check=True, timeout=10)


def test_sudo_timeout_kills_the_root_process(sshd: LocalSSHD, sudo_users: dict[str, str]) -> None:
    marker = "1000.6161"
    with SSHTransport([node_of(sshd, user="swlnopw")]) as t, pytest.raises(CommandTimeout):
        t.run("n1", f"sleep {marker}", sudo=True, timeout=1)
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []


def test_output_streams_to_a_callback_while_the_command_runs(transport: SSHTransport) -> None:
    seen: list[int] = []
    r = transport.run("n1", "for i in 1 2 3; do echo swarmlab-request $i; sleep 0.3; done",
                      on_output=lambda out: seen.append(out.count(b"swarmlab-request ")))
    assert r.stdout.count("swarmlab-request") == 3
    assert seen == sorted(seen) and {1, 2, 3} <= set(seen), "the callback saw the markers one by one"


BATCH = ["printf 'a\\n'; echo err >&2", "printf 'no newline'", "exit 3", "cd / && pwd", "pwd", "cat; echo after",
         "printf '\\nswl-rc 0\\n'; printf '\\nswl-err\\n' >&2", "true"]


def test_run_many_answers_each_command_as_if_run_alone(transport: SSHTransport) -> None:
    """One remote command for a batch (`run_many`): every command's stdout, stderr and exit code are what it
    gives alone, `exit` and `cd` stay inside their own command, stdin is empty, marker look-alikes are output."""
    together = transport.run_many("n1", [(cmd, "step") for cmd in BATCH], timeout=10)
    alone = [transport.run("n1", cmd, timeout=10) for cmd in BATCH]
    assert [r.command for r in together] == BATCH
    assert [(r.stdout, r.stderr, r.exit_code) for r in together] == [(r.stdout, r.stderr, r.exit_code) for r in alone]
    assert together[2].exit_code == 3 and together[3].stdout == "/\n" and together[4].stdout != "/\n"


def test_run_many_under_sudo_and_its_timeout(sshd: LocalSSHD, sudo_users: dict[str, str]) -> None:
    marker = "1000.7171"
    with SSHTransport([node_of(sshd, user="swlnopw")]) as t:
        ids = t.run_many("n1", [("id -u", None), ("id -u; echo $((1 + 1))", None)], sudo=True, timeout=10)
        assert [r.stdout for r in ids] == ["0\n", "0\n2\n"] and {r.exit_code for r in ids} == {0}
        t0 = time.monotonic()
        with pytest.raises(CommandTimeout):
            t.run_many("n1", [(f"sleep {marker}", None), ("echo never", None)], sudo=True, timeout=1)
        assert time.monotonic() - t0 < 10
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []


def test_a_batch_killed_midway_is_an_error_not_a_wrong_answer(transport: SSHTransport) -> None:
    """`kill -KILL 0` kills the batch's whole process group: the later commands never answer, and the batch says
    so instead of handing out what it has as their answers."""
    from swarmlab.errors import TransportError

    with pytest.raises(TransportError, match="a batch of 3 commands answered out of frame"):
        transport.run_many("n1", [("echo one", None), ("kill -KILL 0", None), ("echo three", None)], timeout=10)
    assert transport.run("n1", "echo still here").stdout == "still here\n"


def test_run_many_is_recorded_one_entry_per_command_and_replays(sshd: LocalSSHD, tmp_path: Path) -> None:
    from swarmlab.transport.record import RecordingTransport
    from swarmlab.transport.replay import ReplayTransport

    path = tmp_path / "batch.jsonl"
    with RecordingTransport(SSHTransport([node_of(sshd)]), path, {"kind": "test"}) as t:
        live = t.run_many("n1", [("echo one", "first"), ("echo two >&2; exit 4", "second")], timeout=10)
    replay = ReplayTransport(path)
    again = [replay.run("n1", "echo one"), replay.run("n1", "echo two >&2; exit 4")]
    assert [(r.stdout, r.stderr, r.exit_code) for r in again] == [(r.stdout, r.stderr, r.exit_code) for r in live]
    assert [e.step for e in replay.recording.entries] == ["first", "second"]
    assert replay.run_many("n1", [("echo one", None)])[0].stdout == "one\n"


# -- Ctrl-C (KeyboardInterrupt) during a live command ----------------------------------------------------------


@pytest.fixture
def sigint_as_a_kernel() -> Any:
    """Ctrl-C as a Jupyter kernel receives it while a cell runs: Python's own SIGINT handler (KeyboardInterrupt in
    the main thread). Restored after; a handler an earlier test left behind is named on stderr (pytest -rA)."""
    import signal
    import sys

    before = signal.getsignal(signal.SIGINT)
    if before is not signal.default_int_handler:
        print(f"SIGINT handler left by an earlier test: {before!r}", file=sys.stderr)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _interrupt_when_running(marker: str) -> threading.Thread:
    """Send this process SIGINT, as Jupyter's interrupt button does to its kernel, once the remote command with
    `marker` runs (so the interrupt lands while the command is being waited for, never outside it)."""
    import signal

    def go() -> None:
        deadline = time.monotonic() + 10
        while not _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _processes_with(marker):
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def _gone(marker: str) -> bool:
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processes_with(marker) == []


INTERRUPTED = {"sleep": "sleep {m}", "yes": "yes {m}"}  # a silent command, and one that floods the channel


@pytest.mark.parametrize("kind", INTERRUPTED)
def test_ctrl_c_kills_the_remote_command_and_the_next_answer_is_exact(transport: SSHTransport, kind: str,
                                                                   sigint_as_a_kernel: None) -> None:
    marker = f"1000.{8100 + 10 * list(INTERRUPTED).index(kind) + (transport.shell == 'sh')}"
    assert transport.run("n1", "echo before").stdout == "before\n"
    shell_before = transport._links["n1"].shell
    thread = _interrupt_when_running(marker)
    with pytest.raises(KeyboardInterrupt):
        transport.run("n1", INTERRUPTED[kind].format(m=marker), timeout=30)
    thread.join()
    assert _gone(marker), "the interrupted command still runs on the node"
    r = transport.run("n1", "echo next; echo err >&2; exit 4")
    assert (r.stdout, r.stderr, r.exit_code) == ("next\n", "err\n", 4)
    assert [transport.run("n1", f"echo {i}").stdout for i in range(3)] == ["0\n", "1\n", "2\n"]
    assert transport._links["n1"].shell is shell_before, "the shell was put back in step, not replaced"


def test_ctrl_c_under_sudo_kills_the_root_command(sshd: LocalSSHD, sudo_users: dict[str, str],
                                                  sigint_as_a_kernel: None) -> None:
    marker = "1000.8282"
    with SSHTransport([node_of(sshd, user="swlnopw")]) as t:
        thread = _interrupt_when_running(marker)
        with pytest.raises(KeyboardInterrupt):
            t.run("n1", f"sleep {marker}", sudo=True, timeout=30)
        thread.join()
        assert _gone(marker), "the interrupted root command still runs on the node"
        assert t.run("n1", "id -u", sudo=True).stdout == "0\n"
        assert t.run("n1", "echo plain").stdout == "plain\n"


def test_an_interrupted_command_never_reaches_a_recording(sshd: LocalSSHD, tmp_path: Path,
                                                          sigint_as_a_kernel: None) -> None:
    from swarmlab.transport.record import RecordingTransport
    from swarmlab.transport.recording import load

    marker = "1000.8383"
    path = tmp_path / "r.jsonl"
    with RecordingTransport(SSHTransport([node_of(sshd)]), path, {"kind": "test"}) as t:
        thread = _interrupt_when_running(marker)
        with pytest.raises(KeyboardInterrupt):
            t.run("n1", f"yes {marker}", timeout=30)
        thread.join()
        t.run("n1", "echo next")
    entries = load(path).entries
    assert [(e.command, e.stdout, e.stderr, e.exit_code) for e in entries] == [("echo next", b"next\n", b"", 0)]
