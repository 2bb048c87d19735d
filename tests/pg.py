"""A throwaway PostgreSQL server for the test session, from the installed server binaries.

PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the server is
started as the `postgres` system user in a directory it owns.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    return None


def fresh_database(server_url: str, name: str) -> str:
    """An empty database `name` (dropped first if a test left one) on the server of `server_url`;
    its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(server_url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """`durable=True` keeps PostgreSQL's own commit rule (synchronous_commit on), so that a commit
    acknowledged to the app survives an immediate stop of the server (the crash test); the
    default trades that for speed, which the tests do not need."""

    def __init__(self, durable: bool = False):
        self.durable = durable
        self.initdb, self.pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql")
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="lms-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._start()
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def _start(self) -> None:
        # fsync off either way: the machine does not crash in any test, only the server's processes.
        opts = f"-p {self.port} -k {self.dir} -h 127.0.0.1 -F -c fsync=off -c full_page_writes=off " \
               f"-c max_connections=200" + ("" if self.durable else " -c synchronous_commit=off")
        self._run(self.pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")
        self._wait()

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every server process quits at once, without a checkpoint;
        the next start recovers from the write-ahead log."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")

    def restart(self) -> None:
        self._start()

    def _wait(self) -> None:
        import psycopg

        for _ in range(50):
            try:
                psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres").close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
