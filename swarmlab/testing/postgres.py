"""A throwaway PostgreSQL cluster for tests: Debian's own server (package `postgresql`, which `./run tests` installs as
root), made by `initdb` and run by `pg_ctl` in a temp folder, reachable only on a unix socket in that folder (no
TCP port at all). The server refuses to run as root: as root it runs as the system account `postgres` (made by the
Debian package) through `runuser`; otherwise as the current user. Checkout-only, like the other harnesses here.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ACCOUNT = "postgres"  # the Debian package's system account
SUPERUSER = "swarmlab"


def bin_dir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: the newest /usr/lib/postgresql/N/bin (Debian keeps them off PATH),
    else next to an `initdb` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(os.path.realpath(initdb)).parent if initdb else None


def unavailable_reason() -> str | None:
    """None when a cluster can be made here, else why not (for a test's skip)."""
    where = bin_dir()
    if where is None or not all((where / b).exists() for b in ("initdb", "pg_ctl", "postgres")):
        return "needs PostgreSQL's server (Debian's postgresql: `./run tests` installs it as root)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(ACCOUNT)
        except KeyError:
            return f"as root the server runs as the account {ACCOUNT!r}, which Debian's postgresql makes: none here"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "needs the driver psycopg (pip install 'swarmlab[class]')"
    return None


@dataclass
class Cluster:
    folder: Path  # data/, the socket, server.log
    bin: Path

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, database: str = "postgres") -> str:
        """The URL of `database` over the cluster's unix socket, as a class file's progress_db would say it (no
        driver named: progressdb picks psycopg)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", ACCOUNT, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.folder)
        if proc.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}"
                               f"{' | log: ' + tail if tail else ''}")

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} -c fsync=off"
        self._run("pg_ctl", "-D", "data", "-l", "server.log", "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", "data", "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(host=self.socket_dir, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # the name is the caller's (a test's), not input
        return self.url(name)


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A new cluster, started; stopped and deleted afterwards. Its folder is a short one in the temp dir (a unix
    socket's path is at most 107 bytes) that only the server's account can enter."""
    where = bin_dir()
    if where is None:
        raise RuntimeError(unavailable_reason() or "no PostgreSQL")
    root = os.geteuid() == 0
    # as root in /tmp itself: a TMPDIR under /root would be closed to the server's account
    folder = Path(tempfile.mkdtemp(prefix="swarmlab-pg-", dir="/tmp" if root and os.path.isdir("/tmp") else None))
    try:
        if root:
            account = pwd.getpwnam(ACCOUNT)
            os.chown(folder, account.pw_uid, account.pw_gid)
        c = Cluster(folder, where)
        c._run("initdb", "-D", "data", "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
               timeout=120)
        c.start()
        try:
            yield c
        finally:
            c._run("pg_ctl", "-D", "data", "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
