"""A zh class's JupyterHub pages in Chinese (classhub/hubpages.py, templates/zh_CN): every page rendered here with
JupyterHub's installed templates and its own loader, as the hub renders them; no hub (the real hub and browser:
tests/test_class.py's test_a_zh_class_sees_jupyterhub_in_chinese). Also the spawn page's failed-boot reasons
(spawnprogress.FAILURES) from the rig's real failure lines. Cheap: ~1 s."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

jinja2 = pytest.importorskip("jinja2")
pytest.importorskip("jupyterhub")

from swarmlab.classhub import hubpages, spawnprogress  # noqa: E402

JH_TEMPLATES = Path(sys.prefix) / "share" / "jupyterhub" / "templates"
PAGE_SHA256 = "3c7a6bab48766c935bfdbdcd71ceaa6693bab88e80b5060b2fc3c7cce9c3539b"  # JupyterHub 6.1.1's page.html

# JupyterHub's own English words on the pages a student or instructor reaches (its templates, 6.1.1): none may show
ENGLISH = ["Sign in", "Username", "Password", "Invalid username or password", "Warning", "Home", "Token", "Admin",
           "Services", "Logout", "Login", "Start", "Stop", "My Server", "Your server", "starting up",
           "redirected automatically", "Complete", "Event log", "Stop Server", "Server not running", "Spawn failed",
           "Launch", "Relaunch", "Would you like", "Forbidden", "Not Found", "Jupyter has lots of moons",
           "Action is not authorized", "is stopping", "refresh", "Successfully logged out", "Note", "Permissions",
           "Request new API token", "API Tokens", "Last used", "Created", "Expires", "Never", "revoke", "scopes",
           "Token expires in", "1 Hour", "Error", "OK", "The error", "requires JavaScript", "You can try",
           "Server at", "Requested via"]
JS_ENGLISH = ["'Stopping...'", "'Stopping server...'", "'Server stopped successfully!'", "'Error stopping server'",
              "'Stop Server'", "Start My Server", "Your server is stopping", "Show password"]
NAMES = ["JupyterHub", "JavaScript", "HTTP", "HTTPS", "API", "OAuth", "swlt-ann", "notebook"]


def env(zh: bool) -> Any:
    """JupyterHub's template environment (jupyterhub/app.py init_tornado_settings), with a zh class's folder."""
    paths = [str(hubpages.templates("zh"))] if zh else []
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"templates": jinja2.FileSystemLoader([str(JH_TEMPLATES)])}, "/"),
        jinja2.FileSystemLoader([*paths, str(JH_TEMPLATES)])])
    return jinja2.Environment(loader=loader, autoescape=True, enable_async=True)


class Visible(HTMLParser):
    """The text a reader sees (scripts and styles left out) and the scripts apart."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = tag if tag in ("script", "style") else None
        for name, value in attrs:
            if name in ("value", "placeholder", "title", "alt") and value:  # shown too (a button, a tooltip)
                self.text.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in == "script" else self.text if self._in is None else []).append(data)


def english_in(text: str) -> list[str]:
    for name in NAMES:
        text = text.replace(name, "")
    return [w for w in ENGLISH if re.search(rf"(?<![\w/]){re.escape(w)}(?!\w)", text)]


USER = SimpleNamespace(name="swlt-ann", json_escaped_name="swlt-ann", spawner=SimpleNamespace(options_form=None))
TOKEN = SimpleNamespace(api_id="a1", note="Server at /user/swlt-ann/", scopes=["access:servers!user=swlt-ann"],
                        last_activity=None, created=None, expires_at=None)
PAGES: dict[str, dict[str, Any]] = {
    "login.html": {"user": None, "login_error": "Invalid username or password", "username": "swlt-ann",
                   "authenticator_login_url": "/hub/login", "authenticator": SimpleNamespace(request_otp=False),
                   "login_term_url": "/terms"},
    "home.html": {"default_server": SimpleNamespace(active=True), "url": "/user/swlt-ann/"},
    "spawn_pending.html": {"progress_url": "/hub/api/users/swlt-ann/server/progress", "spawner": None},
    "stop_pending.html": {},
    "not_running.html": {"server_name": "", "spawn_url": "/hub/spawn/swlt-ann", "failed": False},
    "error.html": {"status_code": 403, "status_message": "Forbidden",
                   "message": "Action is not authorized with current scopes; requires any of [admin-ui]",
                   "extra_error_html": "You can try restarting your server from the <a href='/hub/home'>home</a>."},
    "404.html": {"status_code": 404, "status_message": "Not Found", "message": ""},
    "token.html": {"api_tokens": [TOKEN], "oauth_clients": [{"token_id": "o1", "description": "Server at /user/x/",
                   "tokens": [TOKEN], "last_activity": None, "created": None}],
                   "token_expires_in_options_html": '<option value="3600">1 Hour</option>\n'
                                                    '<option selected="selected"value="">Never</option>'},
    "logout.html": {"user": None},
}


def render(name: str, zh: bool = True, **more: Any) -> str:
    ns = {"base_url": "/hub/", "prefix": "/", "user": USER, "login_url": "/hub/login", "logout_url": "/hub/logout",
          "static_url": lambda path, **_k: f"/hub/static/{path}", "services": [SimpleNamespace(
              name="swarmlab-progress", href="/services/swarmlab-progress/")], "parsed_scopes": {"admin-ui"},
          "xsrf": "x", "xsrf_token": "x", "login_service": None, "swarmlab": hubpages.Pages("zh"),
          **PAGES[name], **more}
    return asyncio.run(env(zh).get_template(name).render_async(**ns))


def read(html: str) -> Visible:
    seen = Visible()
    seen.feed(html)
    return seen


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_a_zh_class_reaches_is_in_chinese(name: str) -> None:
    html = render(name)
    seen = read(html)
    assert '<html lang="zh-CN">' in html
    assert english_in(" ".join(seen.text)) == [], name
    assert [w for w in JS_ENGLISH if w in " ".join(seen.scripts)] == [], name
    assert re.search(r"[\u4e00-\u9fff]", " ".join(seen.text))
    en = read(render(name, zh=False))  # an en class: JupyterHub's own pages, untouched; the check sees their English
    assert english_in(" ".join(en.text)), name


@pytest.mark.parametrize("name, more, said", [
    ("not_running.html", {"failed": True, "failed_message": "你的集群没有启动：它的虚拟机启动了，但一直没有响应 SSH"},
     ["启动失败", "上一次启动失败了", "一直没有响应 SSH", "重新启动"]),
    ("error.html", {"status_code": 500, "message": "something JupyterHub said", "extra_error_html": ""},
     ["错误 500：服务器出错", "原文：something JupyterHub said"]),
    ("login.html", {"login_error": None}, ["用户名", "密码", "登录"]),
])
def test_the_other_states_of_a_page(name: str, more: dict[str, Any], said: list[str]) -> None:
    text = " ".join(read(render(name, **more)).text)
    assert all(x in text for x in said), text


def test_a_tokens_times_say_what_each_column_means() -> None:
    """JupyterHub writes Never both for a token never used and one that never expires: 从未使用 / 永不过期."""
    cells = re.findall(r'<td class="time-col col">([^<]*)</td>', render("token.html"))
    assert cells == ["从未使用", "未知", "永不过期"]  # Last used, Created, Expires


def test_the_spawn_page_shows_jupyterhubs_own_events_in_chinese() -> None:
    scripts = " ".join(read(render("spawn_pending.html")).scripts)
    assert "var evt = swarmlabZhEvent(JSON.parse(e.data));" in scripts  # JupyterHub's handler, its event translated
    assert '"Server requested": "已请求启动服务器"' in scripts and "启动失败：" in scripts


def blocks(env_: Any, name: str) -> set[str]:
    """The block names of an installed template and the templates it extends."""
    from jinja2 import nodes

    tree = env_.parse(env_.loader.get_source(env_, name)[0])
    found = {b.name for b in tree.find_all(nodes.Block)}
    for ext in tree.find_all(nodes.Extends):
        parent = str(ext.template.value).removeprefix("templates/")
        found |= blocks(env_, parent)
    return found


ZH_TEMPLATES = hubpages.TEMPLATES / "zh_CN"


@pytest.mark.parametrize("name", sorted(p.name for p in ZH_TEMPLATES.glob("*.html") if p.name != "page.html"))
def test_the_blocks_we_replace_are_still_jupyterhubs(name: str) -> None:
    """A newer JupyterHub that renames or drops a block we replace fails here (then port templates/zh_CN to it)."""
    from jinja2 import nodes

    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(JH_TEMPLATES)))
    ours = env(True)
    tree = ours.parse(ours.loader.get_source(ours, name)[0])
    assert [str(e.template.value) for e in tree.find_all(nodes.Extends)] == [f"templates/{name}"]
    mine = {b.name for b in tree.find_all(nodes.Block)}
    assert mine <= blocks(plain, name), mine - blocks(plain, name)


def test_our_page_html_is_a_copy_of_the_installed_one() -> None:
    """templates/zh_CN/page.html is JupyterHub 6.1.1's page.html translated: another JupyterHub's fails here."""
    assert hashlib.sha256((JH_TEMPLATES / "page.html").read_bytes()).hexdigest() == PAGE_SHA256, \
        "JupyterHub's page.html changed: copy it again into swarmlab/classhub/templates/zh_CN/page.html and translate"


def test_runtime_messages_are_translated_or_labelled() -> None:
    zh = hubpages.Pages("zh")
    assert hubpages.templates("en") is None
    assert zh.text("Invalid username or password") == "用户名或密码错误"
    assert zh.text("Action is not authorized with current scopes; requires any of [admin-ui]") == \
        "当前权限不允许执行这个操作（需要以下权限之一：admin-ui）"
    assert zh.text("Unhandled error starting server swlt-ann") == "启动 swlt-ann 的服务器时出错"
    assert zh.text("a message we never saw") == "原文：a message we never saw"
    assert zh.text("你的集群没有启动") == "你的集群没有启动" and zh.text(None) == ""


# --- the spawn page's failed-boot reason (spawnprogress.FAILURES), from the rig's own lines -----------------------

LOG = "(all of it in /var/lib/swarmlab-class/rigs/ann/up.log)"
FAILED_LINES = [  # as rigs.boot / rigs.prepare raise them, the inner line as the rig's `up` child prints it
    (f"ann's rig did not come up: qemu did not start (kvm): Could not access KVM kernel module {LOG}",
     "你的集群没有启动：它的虚拟机模拟器（qemu，kvm）没有启动"),
    (f"ann's rig did not come up: a rig is already running (qemu pid 4242, ssh on 127.0.0.1:2222); use it, or "
     f"`swarmlab rig down` first {LOG}",
     "你的集群没有启动：你的实验主机目录里已经有一台虚拟机在运行（qemu 进程号 4242）"),
    (f"ann's rig did not come up: the rig VM did not answer SSH; serial console tail: [ 1.0] Linux {LOG}",
     "你的集群没有启动：它的虚拟机启动了，但一直没有响应 SSH"),
    (f"ann's rig did not come up: the rig's nodes did not get ready in 180 s: swarm-manager {LOG}",
     "你的集群没有启动：它的三个节点在 180 秒内没有就绪"),
    (f"ann's rig did not come up: swarm-worker1 could not join the swarm: Error response from daemon {LOG}",
     "你的集群没有启动：swarm-worker1 没能加入集群"),
    (f"ann's rig did not come up: swarm nodes not Ready after 120 s: {{'swarm-worker2': 'Down'}} {LOG}",
     "你的集群没有启动：过了 120 秒，集群的节点仍未进入 Ready 状态"),
    (f"ann's rig did not come up: no output {LOG}", "你的集群没有启动：实验主机什么都没有输出就停止了"),
    ("ann's rig did not come up within 900 s (stopped; see /var/lib/swarmlab-class/rigs/ann/up.log)",
     "你的集群没有启动：它在 900 秒内没有启动完成（已停止）"),
    ("rig.base /var/lib/rigbase has no rig image for Debian 12 of this swarmlab (abc123): build it with "
     "`SWARMLAB_RIG_HOME=/var/lib/rigbase swarmlab rig build --debian 12`",
     "你的集群没有启动：班级的实验主机基础目录里没有 Debian 12 的虚拟机镜像（需要讲师构建）"),
    ("cannot make ann's rig home /var/lib/homes/ann (Permission denied): set [rig] homes to a folder the hub "
     "(root) can write", "你的集群没有启动：JupyterHub 无法创建你的实验主机目录（[rig] homes）"),
]


@pytest.mark.parametrize("line, zh", FAILED_LINES)
def test_each_boot_failure_of_the_rig_reads_in_chinese(line: str, zh: str) -> None:
    assert spawnprogress.failure(line + "\nsecond line", "zh") == zh
    assert "原文" not in zh and spawnprogress.failure(line, "en").startswith("your swarm did not start: ")


def test_an_unknown_boot_failure_is_shown_as_it_is() -> None:
    line = "ann's rig did not come up: CommandFailed: ssh exited 255"
    assert spawnprogress.failure(line, "zh") == f"你的集群没有启动，实验主机报告（原文）：{line}"
    assert spawnprogress.failure(line, "en") == f"your swarm did not start: {line}"


def test_the_failure_patterns_match_the_rigs_own_messages() -> None:
    """Each pattern's text is in the rig's code as it raises it (a reworded error fails here)."""
    root = Path(spawnprogress.__file__).resolve().parent.parent
    code = "".join((root / p).read_text() for p in ("rig/vm.py", "rig/swarm.py", "classhub/rigs.py"))
    for words in ["qemu did not start (", "a rig is already running (qemu pid ", "the rig VM did not answer SSH",
                  "the rig's nodes did not get ready in ", " could not join the swarm", "swarm nodes not Ready after ",
                  "'s rig did not come up within ", "'s rig did not come up: ", "'no output'",
                  " has no rig image for Debian ", "cannot make {student}'s rig home"]:
        assert words in code, words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_hub_of_a_zh_class_uses_the_pages_and_an_en_class_jupyterhubs(tmp_path: Path, lang: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """hubconfig: a zh class's hub has the zh_CN folder first and the `swarmlab` variable, and a failed start's
    reason in Chinese for the hub's pages; an en class's config names neither (JupyterHub as it is)."""
    import json

    from traitlets.config import Config

    from swarmlab.classhub import classfile, hubconfig, providers
    from tests.test_class import GOOD, write

    cf = classfile.load(write(tmp_path, GOOD.replace('language = "en"', f'language = "{lang}"')))
    (tmp_path / "service-token").write_text("t0k3n\n")
    data = hubconfig.settings(cf, tmp_path, hub_port=8081, api_port=8001, chp="/x/chp", singleuser=["py"])
    (tmp_path / "settings.json").write_text(json.dumps(data))
    c = Config()
    failing = providers.ReplayProvider()

    def boom(student: str) -> None:
        raise RuntimeError(f"{student}'s rig did not come up: the rig VM did not answer SSH; serial console tail:")

    monkeypatch.setattr(failing, "start", boom)
    monkeypatch.setattr(providers, "from_settings", lambda s: failing)
    hubconfig.configure(c, tmp_path / "settings.json")
    spawner = SimpleNamespace(user=SimpleNamespace(name="ann"), environment={})
    with pytest.raises(RuntimeError) as failed:
        asyncio.run(c.Spawner.pre_spawn_hook(spawner))
    if lang == "zh":
        assert c.JupyterHub.template_paths == [str(ZH_TEMPLATES)]
        assert c.JupyterHub.template_vars["swarmlab"] == hubpages.Pages("zh")
        said = failed.value.jupyterhub_message  # type: ignore[attr-defined]
        assert said == "你的集群没有启动：它的虚拟机启动了，但一直没有响应 SSH"
    else:
        assert "template_paths" not in c.JupyterHub and "template_vars" not in c.JupyterHub
        assert not hasattr(failed.value, "jupyterhub_message")
