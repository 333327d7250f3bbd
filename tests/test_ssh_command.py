"""`swarmlab rig ssh`'s OpenSSH command line when the rig home holds a space or a `%`: built (its ProxyCommand a
shell command that splits back to the intended argv), and run for real through a local sshd as the jump host."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from swarmlab.rig import RigError
from swarmlab.rig.vm import openssh_argv
from swarmlab.testing.sshd import LocalSSHD
from swarmlab.transport.node import Node

from .conftest import node_of

HOME = "/home/stu dent/my rigs/50%off"


def nodes(home: str) -> tuple[Node, Node]:
    key = f"{home}/id_ed25519"
    return (Node("swarm-manager", "10.10.10.2", 22, "root", key, jump="rig"),
            Node("rig", "127.0.0.1", 2201, "swarmlab", key))


def test_the_proxy_command_keeps_each_path_one_word() -> None:
    target, jump = nodes(HOME)
    argv = openssh_argv(target, jump, f"{HOME}/known_hosts", ["hostname"])
    # OpenSSH splits an option's value on spaces and expands % tokens in these
    assert argv[:3] == ["ssh", "-o", 'IdentityFile="/home/stu dent/my rigs/50%%off/id_ed25519"']
    assert 'UserKnownHostsFile="/home/stu dent/my rigs/50%%off/known_hosts"' in argv
    assert argv[-4:] == ["-p", "22", "root@10.10.10.2", "hostname"]
    proxy = next(x for x in argv if x.startswith("ProxyCommand=")).removeprefix("ProxyCommand=")
    # OpenSSH expands %h %p (and %% -> %) in it, then hands it to a shell: the jump's ssh gets this argv
    words = shlex.split(proxy.replace("%h", "10.10.10.2").replace("%p", "22").replace("%%", "%"))
    assert words == ["ssh", "-o", 'IdentityFile="/home/stu dent/my rigs/50%%off/id_ed25519"', "-o",
                     'UserKnownHostsFile="/home/stu dent/my rigs/50%%off/known_hosts"', "-o",
                     "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
                     "-p", "2201", "-W", "10.10.10.2:22", "swarmlab@127.0.0.1"]


def test_a_known_hosts_path_with_a_double_quote_is_one_line_naming_the_fix() -> None:
    target, jump = nodes('/tmp/a"b')
    with pytest.raises(RigError, match="SWARMLAB_RIG_HOME"):
        openssh_argv(target, jump, '/tmp/a"b/known_hosts')


def test_openssh_reaches_a_node_through_the_jump_from_a_home_with_a_space(sshd: LocalSSHD, tmp_path: Path) -> None:
    """The command line as built, run by OpenSSH itself: a jump host (ProxyCommand) and a target, both the local
    sshd, the key and known_hosts under a folder named like a student's home with a space and a `%`."""
    home = tmp_path / "stu dent" / "50%off"
    home.mkdir(parents=True)
    assert sshd.client_key is not None and sshd.host_key is not None
    key = home / "id_ed25519"
    shutil.copy(sshd.client_key, key)
    key.chmod(0o600)
    host_key = Path(f"{sshd.host_key}.pub").read_text().split()[:2]
    (home / "known_hosts").write_text(f"[{sshd.host}]:{sshd.port} {' '.join(host_key)}\n")
    jump = node_of(sshd, "rig", user=sshd.login_user, key_file=str(key))
    target = node_of(sshd, "swarm-manager", user=sshd.login_user, key_file=str(key), jump="rig")
    argv = openssh_argv(target, jump, str(home / "known_hosts"), ["echo", "reached"])
    done = subprocess.run([*argv[:1], "-o", "BatchMode=yes", *argv[1:]], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout.strip()) == (0, "reached"), done.stderr
