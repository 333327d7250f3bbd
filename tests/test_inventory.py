"""Inventories: `vagrant ssh-config` output, TOML and YAML files, code; and `swarmlab nodes`."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmlab import inventory
from swarmlab.cli import main
from swarmlab.errors import InventoryError
from swarmlab.i18n import rendered
from swarmlab.inventory import FIELDS
from swarmlab.transport import Node
from tests.conftest import english_left

FIXTURES = Path(__file__).parent / "fixtures"


def test_vagrant_ssh_config_three_machines() -> None:
    inv = inventory.from_vagrant_ssh_config((FIXTURES / "vagrant" / "ssh-config-3-machines.txt").read_text())
    assert inv.names == ["swarm-manager", "swarm-worker1", "swarm-worker2"]
    manager = inv["swarm-manager"]
    assert (manager.host, manager.port, manager.user) == ("192.168.123.23", 22, "vagrant")
    assert manager.key_file.endswith(".vagrant/machines/swarm-manager/libvirt/private_key")
    assert [n.host for n in inv] == ["192.168.123.23", "192.168.123.81", "192.168.123.54"]
    assert inv.manager.name == "swarm-manager" and inv["swarm-worker2"].role == "worker"
    assert inv.extra["images"] == {"web": "swarmlab/whoami:1", "client": "swarmlab/client:1"}


def test_vagrant_ssh_config_quoted_paths_and_proxyjump() -> None:
    text = (
        "Host bastion\n  HostName 10.1.0.1\n  User vagrant\n  Port 22\n"
        '  IdentityFile "/home/a b/.vagrant/machines/bastion/libvirt/private_key"\n'
        "Host swarm-manager\n  HostName 10.20.0.10\n  User vagrant\n  ProxyJump bastion\n"
    )
    inv = inventory.from_vagrant_ssh_config(text)
    assert inv["bastion"].key_file == "/home/a b/.vagrant/machines/bastion/libvirt/private_key"
    assert inv["swarm-manager"].jump == "bastion" and inv["swarm-manager"].port == 22


@pytest.mark.parametrize(("text", "message"), [
    ("", "no 'Host' entry"),
    ("  HostName 1.2.3.4\n", "setting before any 'Host' line"),
    ("Host a\n  Port http\n", "line 2"),
])
def test_vagrant_ssh_config_errors(text: str, message: str) -> None:
    with pytest.raises(InventoryError, match=message) as info:
        inventory.from_vagrant_ssh_config(text)
    zh = rendered(info.value, "zh")  # the parser's reason too, inside the inventory's words
    assert zh.startswith("无法解析 `vagrant ssh-config` 的输出") and english_left(
        zh, "'Host'", "Vagrant", "'  HostName 1.2.3.4'", "'  Port http'", "'http'", "TCP") == [], zh


def test_toml_and_yaml_inventories(tmp_path: Path) -> None:
    toml = tmp_path / "inv.toml"
    toml.write_text(
        '[[nodes]]\nname = "swarm-manager"\nhost = "192.168.200.10"\nuser = "vagrant"\nkey_file = "~/.ssh/k"\n'
        'role = "manager"\n\n[[nodes]]\nname = "swarm-worker1"\nhost = "10.20.0.11"\nport = 2201\n'
        'jump = "swarm-manager"\n')
    yml = tmp_path / "inv.yaml"
    yml.write_text("nodes:\n  - {name: swarm-manager, host: 192.168.200.10, user: vagrant, key_file: ~/.ssh/k,"
                   " role: manager}\n  - {name: swarm-worker1, host: 10.20.0.11, port: 2201, jump: swarm-manager}\n")
    a, b = inventory.load(toml), inventory.load(yml)
    assert a.nodes == b.nodes
    assert a["swarm-worker1"] == Node("swarm-worker1", "10.20.0.11", 2201, "root", None, "swarm-manager", None)
    assert a["swarm-manager"].key_path == Path("~/.ssh/k").expanduser()
    assert list(a.to_frame().columns) == ["name", "host", "port", "user", "key_file", "jump", "role"]


@pytest.mark.parametrize(("body", "message"), [
    ('[[nodes]]\nname = "a"\n', "lacks 'host'"),
    ('[[nodes]]\nname = "a"\nhost = "h"\nport = 70000\n', "bad port"),
    ('[[nodes]]\nname = "a"\nhost = "h"\ncolour = "red"\n', "unknown key"),
    ('[[nodes]]\nname = "a"\nhost = "h"\n[[nodes]]\nname = "a"\nhost = "i"\n', "unique"),
    ('[[nodes]]\nname = "a"\nhost = "h"\njump = "z"\n', "unknown node 'z'"),
    ('[[nodes]]\nname = "a"\nhost = "h"\njump = "b"\n[[nodes]]\nname = "b"\nhost = "h"\njump = "a"\n', "loop"),
    ('[[nodes]]\nname = "a;reboot"\nhost = "h"\n', "not a valid node name"),
    # an option or a shell word where OpenSSH (`rig ssh`, a ProxyCommand) reads a host or a login
    ('[[nodes]]\nname = "a"\nhost = "-oProxyCommand=touch x"\n', r"host = '-oProxyCommand=touch x' is not a host"),
    ('[[nodes]]\nname = "a"\nhost = "h$(id)"\n', r"host = 'h\$\(id\)' is not a host name or an IP address"),
    ('[[nodes]]\nname = "a"\nhost = "[fe80::1]"\n', r"\(IPv6 without brackets\): fix it"),
    ('[[nodes]]\nname = "a"\nhost = "h"\nuser = "root; reboot"\n', "user = 'root; reboot' is not a login name"),
    ('[[nodes]]\nname = "a"\nhost = "h"\nuser = "-lroot"\n', "user = '-lroot' is not a login name"),
    ("nodes = 3\n", "expected a list 'nodes'"),
    ("[[nodes]\n", "not valid TOML"),
    # the top-level keys the lab reads: before, tracebacks in `doctor` and `Lab.connect`
    ('known_hosts = 5\n[[nodes]]\nname = "a"\nhost = "h"\n', r"known_hosts = 5 must be a file's path"),
    ('images = "x"\n[[nodes]]\nname = "a"\nhost = "h"\n', r"images = 'x' must be a table of the lab's images"),
    ('images = [1]\n[[nodes]]\nname = "a"\nhost = "h"\n', "must be a table of the lab's images"),
    ('[images]\nweb = 5\n[[nodes]]\nname = "a"\nhost = "h"\n', "images.web = 5 must be an image.s name"),
    ('[images]\nweb = "x; reboot"\n[[nodes]]\nname = "a"\nhost = "h"\n', "images.web: 'x; reboot' is not a valid"),
    ('[images]\nwbe = "busybox"\n[[nodes]]\nname = "a"\nhost = "h"\n', "images.wbe is not one of the lab's images"),
])
def test_bad_inventory_files_say_why(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "inv.toml"
    path.write_text(body)
    with pytest.raises(InventoryError, match=message):
        inventory.load(path)


@pytest.mark.parametrize(("body", "said", "kept"), [
    ('[[nodes]]\nname = "a"\nhost = "h"\nuser = "root; reboot"\n', "不是登录名", ("user", "'root; reboot'")),
    ('[[nodes]]\nname = "a"\nhost = "h"\nport = 70000\n', "端口 70000 不对", ()),
    ('[[nodes]]\nname = "a"\nhost = "h"\ncolour = "red"\n', "未知的键 colour；允许的键：name、host",
     ("colour", *FIELDS)),
    ('[[nodes]]\nname = "a"\nhost = "h"\njump = "z"\n', "跳板机 'z' 不在节点清单里", ("'z'",)),
    ('[[nodes]]\nname = "a;reboot"\nhost = "h"\n', "'a;reboot' 不是有效的节点名（不允许的字符：';'）：请使用字母",
     ("'a;reboot'", "';'")),  # InvalidName's message (swarmlab.commands.names) inside the inventory's
    (None, "不存在：请提供一个节点清单文件", ("toml", "yaml")),  # two parts, the second of paths
])
def test_an_inventory_error_is_chinese_on_a_zh_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      body: str | None, said: str, kept: tuple[str, ...]) -> None:
    """In a zh notebook the magic shows 错误：rendered(exc, "zh"): the inventory's mistake in Chinese to the end (its
    values and TOML as written); str(exc), what the CLI prints and the tests match, stays the English."""
    path = tmp_path / "inv.toml"
    if body is not None:
        path.write_text(body)
    monkeypatch.setenv("SWARMLAB_INVENTORY", str(path))
    with pytest.raises(InventoryError) as info:
        inventory.discover(tmp_path)
    zh = rendered(info.value, "zh")
    assert said in zh and english_left(zh, str(path), "SWARMLAB_INVENTORY", "'a'", *kept) == [], zh
    assert str(info.value).startswith(f"SWARMLAB_INVENTORY={path}: {path}") and str(info.value).isascii()


def test_discover_prefers_the_environment_then_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    assert inventory.discover(tmp_path) is None
    (tmp_path / "swarmlab-inventory.toml").write_text('[[nodes]]\nname = "local"\nhost = "h"\n')
    assert inventory.discover(tmp_path).names == ["local"]
    other = tmp_path / "other.yaml"
    other.write_text("nodes: [{name: fromenv, host: h}]\n")
    monkeypatch.setenv("SWARMLAB_INVENTORY", str(other))
    assert inventory.discover(tmp_path).names == ["fromenv"]


@pytest.mark.real
def test_a_vagrantfile_without_machines_is_no_swarm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's own Vagrantfile before `vagrant up`: no live swarm (auto mode replays), not an error; once
    Vagrant has created a machine, `vagrant ssh-config` is asked (real Vagrant), and a machine it cannot reach
    is a clear error."""
    import shutil

    if shutil.which("vagrant") is None:
        pytest.skip("needs vagrant (`./run tests` installs it as root on Debian)")
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    monkeypatch.delenv("VAGRANT_DOTFILE_PATH", raising=False)
    monkeypatch.setenv("SWARMLAB_RIG_HOME", str(tmp_path / "no-rig"))
    project = tmp_path / "checkout"
    project.mkdir()
    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "Vagrantfile", project / "Vagrantfile")
    shutil.copytree(root / "vagrant", project / "vagrant")  # the Vagrantfile loads vagrant/kit.rb
    assert inventory.discover(project) is None
    machine = project / ".vagrant" / "machines" / "swarm-manager" / "virtualbox"
    machine.mkdir(parents=True)
    (machine / "id").write_text("0b5c8d4e-0000-4000-8000-000000000000")
    monkeypatch.setenv("VAGRANT_HOME", str(tmp_path / "vagrant.d"))
    monkeypatch.setenv("VAGRANT_CHECKPOINT_DISABLE", "1")
    with pytest.raises(InventoryError, match=r"vagrant ssh-config` failed: .*VirtualBox.*are the VMs up") as err:
        inventory.discover(project)
    assert "\n" not in str(err.value)


def test_cli_nodes_prints_the_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.toml"
    path.write_text('[[nodes]]\nname = "swarm-manager"\nhost = "192.168.200.10"\nuser = "vagrant"\n')
    assert main(["nodes", "-i", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 node(s)" in out and "swarm-manager" in out and "192.168.200.10" in out and "vagrant" in out


def test_cli_nodes_error_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nodes", "-i", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("swarmlab: ") and "missing.toml does not exist" in err and "Traceback" not in err


def test_cli_nodes_without_any_swarm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWARMLAB_INVENTORY", raising=False)
    assert main(["nodes"]) == 0
    assert "no live swarm configured" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["inv.toml", "inv.yaml"])
def test_an_inventory_saved_with_a_bom_loads(tmp_path: Path, name: str) -> None:
    """Windows editors (Notepad) save UTF-8 with a byte order mark: before, TOML said 'Invalid statement (at line 1,
    column 1)', naming no fix."""
    body = '[[nodes]]\nname = "m"\nhost = "h"\n' if name.endswith(".toml") else "nodes:\n  - {name: m, host: h}\n"
    (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert inventory.load(tmp_path / name).names == ["m"]


def test_doctor_fails_a_key_file_other_users_can_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSH refuses a private key others can read; paramiko used it silently: on a shared classroom host another
    login could take it. The doctor says so first (the node here is a closed port: only the key is at stake)."""
    from swarmlab.ports import free_port
    from swarmlab.testing.sshd import keygen

    monkeypatch.setenv("SWARMLAB_HOME", str(tmp_path / "home"))
    key = keygen(tmp_path / "key")
    inv = tmp_path / "inv.toml"
    inv.write_text(f'[[nodes]]\nname = "m"\nhost = "127.0.0.1"\nport = {free_port()}\nkey_file = "{key}"\n')
    key.chmod(0o644)
    assert main(["doctor", "-i", str(inv)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  m               key file               {key} can be read by other users (mode 0644)" in out
    assert f"fix: chmod 600 {key}" in out
    key.chmod(0o600)
    assert main(["doctor", "-i", str(inv)]) == 1  # the closed port still fails
    assert "key file" not in capsys.readouterr().out


@pytest.mark.parametrize("host", ["::1", "fe80::1%eth0", "swarm-manager.lab.example", "10.0.0.9", "my_host"])
def test_a_host_name_or_address_of_any_form_loads(tmp_path: Path, host: str) -> None:
    path = tmp_path / "inv.toml"
    path.write_text(f'[[nodes]]\nname = "m"\nhost = "{host}"\nuser = "ec2-user"\n')
    assert inventory.load(path)["m"].host == host
