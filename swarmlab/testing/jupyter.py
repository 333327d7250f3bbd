"""A real JupyterLab server on loopback, for the browser tests (started from this Python's environment)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from swarmlab.testing.sshd import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@dataclass
class JupyterLab:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    proc: subprocess.Popen[bytes] | None = None
    settings: Path | None = None  # JupyterLab's application settings (overrides.json), e.g. the course's zh ones

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> JupyterLab:
        self.port = self.port or free_port()
        jupyter = str(Path(sys.executable).parent / "jupyter")
        argv = [jupyter, "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--allow-root", "--LabApp.extension_manager=readonly"]
        if self.settings is not None:
            argv.append(f"--LabApp.app_settings_dir={self.settings}")
        log = open(self.root / "jupyter.log", "wb")  # noqa: SIM115 - kept open for the server's life
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env or None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {(self.root / 'jupyter.log').read_text()[-1500:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("jupyter lab did not answer in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def browser_unavailable_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return "needs Debian's chromium (/usr/bin/chromium); `./run tests` installs it as root"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs playwright (the test extra)"
    if shutil.which("jupyter", path=str(Path(sys.executable).parent)) is None:
        return "needs jupyterlab in this environment"
    return None
