"""The demo school, loaded the way `make run` loads it — `flask db upgrade` then `flask seed-demo`,
in a process of their own, with the scheduler's interval shortened — for the tests that need the
whole demo (the page crawl, the browser tests, the demo's own checks).

It is seeded once per test run and database (`SharedDemo`): the first xdist worker to want it seeds
it under a file lock in the run's shared temporary folder, in a background thread started as soon as
the worker has collected a test that needs it; every worker then takes a copy of its own (the SQLite
file and the instance folder; on PostgreSQL a restore of the seeded database's dump into the worker's
own server). So the browser tests and the demo's checks spread over every worker, instead of waiting
for one worker that seeded its own demo."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from filelock import FileLock

from lms.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SeededDemo:
    url: str                  # the database
    folder: Path              # its instance folder (uploads, demo-logins.txt)
    output: str               # what `flask db upgrade` and `flask seed-demo` printed
    logins: list[SimpleNamespace]

    def config(self, **extra) -> type:
        """A test configuration on this demo. The keys are the ones the demo was seeded with, so
        receipts, report cards and payment-channel secrets stay readable."""
        return type("Demo", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": self.url, "INSTANCE_DIR": self.folder,
                                            "UPLOAD_DIR": self.folder / "uploads", **extra})

    def by_role(self) -> dict[str, list[SimpleNamespace]]:
        out: dict[str, list[SimpleNamespace]] = {}
        for login in self.logins:
            out.setdefault(login.role, []).append(login)
        return out


DEMO_ADDRESS = "http://127.0.0.1:5202"


def seed(url: str, folder: Path | None = None) -> SeededDemo:
    folder = folder or Path(tempfile.mkdtemp(prefix="lms-demo-"))
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_INSTANCE_DIR": str(folder),
           "LMS_UPLOAD_DIR": str(folder / "uploads"), "LMS_SCHEDULER_SECONDS": "1",
           "LMS_SIGNING_KEY": TestConfig.SIGNING_KEY, "LMS_SECRETS_KEY": TestConfig.SECRETS_KEY,
           "LMS_ENV": "development", "LMS_LOG_FORMAT": "text", "FLASK_APP": "wsgi.py",
           # As `make run PORT=5202` seeds it: the documents it issues carry the address it is served at.
           "LMS_PUBLIC_BASE_URL": DEMO_ADDRESS}
    output = []
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=1800)
        output.append(done.stdout + done.stderr)
        assert done.returncode == 0, "\n".join(output)
    logins = [SimpleNamespace(**row) for row in json.loads((folder / "demo-logins.json").read_text(encoding="utf-8"))]
    return SeededDemo(url, folder, "\n".join(output), logins)


def run_folder(basetemp: Path) -> Path:
    """The temporary folder every process of this test run shares: under pytest-xdist each worker's
    base folder is inside the run's own (`pytest-N/popen-gwK`); without it, the base folder itself."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


class SharedDemo:
    """One seeded demo per test run and database, copied into each worker that needs it.

    `seed_into(folder)` seeds the demo once (under the lock, in the one worker that gets there first)
    and leaves in `folder` what the others copy; `copy_into(folder, mine)` makes this worker's copy
    and returns its database URL. `start()` begins in a background thread (the seeding is two
    subprocesses: the worker goes on running other tests meanwhile); `get()` waits for it."""

    def __init__(self, root: Path, name: str, seed_into: Callable[[Path], SeededDemo],
                 copy_into: Callable[[Path, Path], str]):
        self.shared = root / name
        self.mine = Path(tempfile.mkdtemp(prefix=f"lms-{name}-"))
        self.lock = FileLock(str(root / f"{name}.lock"))
        self.seed_into, self.copy_into = seed_into, copy_into
        self._thread: threading.Thread | None = None
        self._result: SeededDemo | BaseException | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"seed {self.shared.name}", daemon=True)
            self._thread.start()

    def get(self) -> SeededDemo:
        self.start()
        self._thread.join()
        if isinstance(self._result, BaseException):
            raise self._result
        return self._result

    def _run(self) -> None:
        try:
            self._result = self._take()
        except BaseException as error:  # handed to the test that asks for the demo
            self._result = error

    def _take(self) -> SeededDemo:
        done = self.shared / "seeded.json"
        with self.lock:
            if not done.exists():
                self.shared.mkdir(parents=True, exist_ok=True)
                seeded = self.seed_into(self.shared)
                done.write_text(json.dumps({"output": seeded.output, "logins": [vars(x) for x in seeded.logins]},
                                           ensure_ascii=False), encoding="utf-8")
        about = json.loads(done.read_text(encoding="utf-8"))
        shutil.copytree(self.shared / "instance", self.mine / "instance")
        url = self.copy_into(self.shared, self.mine)
        return SeededDemo(url, self.mine / "instance", about["output"],
                          [SimpleNamespace(**row) for row in about["logins"]])


def shared_sqlite(root: Path) -> SharedDemo:
    def seed_into(folder: Path) -> SeededDemo:
        return seed(f"sqlite:///{folder / 'demo.sqlite3'}", folder / "instance")

    def copy_into(shared: Path, mine: Path) -> str:
        shutil.copyfile(shared / "demo.sqlite3", mine / "demo.sqlite3")
        return f"sqlite:///{mine / 'demo.sqlite3'}"

    return SharedDemo(root, "demo-sqlite", seed_into, copy_into)


def shared_postgresql(root: Path, server_url: Callable[[], str]) -> SharedDemo:
    """`server_url()` is this worker's own PostgreSQL (started on first use). The worker that seeds
    keeps its database and leaves a dump (`pg_dump -Fc`); the others restore it into theirs."""
    from sqlalchemy import create_engine, text

    from tests.pg import find_bin

    def create(url: str) -> str:
        base = url.rsplit("/", 1)[0]
        engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text('CREATE DATABASE "lms_demo"'))
        engine.dispose()
        return base + "/lms_demo"

    def libpq(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    def seed_into(folder: Path) -> SeededDemo:
        url = create(server_url())
        seeded = seed(url, folder / "instance")
        subprocess.run([find_bin("pg_dump"), "-Fc", "-f", str(folder / "demo.dump"), libpq(url)], check=True,
                       capture_output=True)
        (folder / "seeded-by").write_text(url, encoding="utf-8")
        return seeded

    def copy_into(shared: Path, mine: Path) -> str:
        url = server_url().rsplit("/", 1)[0] + "/lms_demo"
        if (shared / "seeded-by").read_text(encoding="utf-8") == url:
            return url  # this worker seeded it: its own database is the demo
        url = create(server_url())
        subprocess.run([find_bin("pg_restore"), "--no-owner", "-d", libpq(url), str(shared / "demo.dump")],
                       check=True, capture_output=True)
        return url

    return SharedDemo(root, "demo-postgresql", seed_into, copy_into)
