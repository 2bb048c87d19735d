"""Databases for the integration tests, built once per worker and copied for each test.

Building the schema costs seconds on SQLite (every CREATE is its own synced write) and the shared
two-school world costs about a second more on either database. Each test still needs a database
of its own, with real commits: requests commit, jobs run in threads, concurrency tests race real
transactions. So the schema, and the schema with the world, are built once per test process:

- SQLite: two template files; a test gets a file copy (milliseconds).
- PostgreSQL: two template databases; a test gets `CREATE DATABASE … TEMPLATE …`, made ahead of
  time by a background thread so that the copy for the next test is ready while this one runs,
  and dropped in the background afterwards.

The world's objects are pickled once and unpickled for each test, so no test sees another's
changes to them.
"""
from __future__ import annotations

import itertools
import pickle
import queue
import shutil
import tempfile
import threading
from pathlib import Path

SCHEMA, WORLD = "schema", "world"
# More of the world for the tests of one module: name → fn(app, world) → data (pickled with the world).
# A module asks for one with `pytestmark = pytest.mark.world("name")`; its tests read the data from
# the `world_extra` fixture.
EXTRAS: dict = {}


def world_extra(name: str):
    """Register a builder of more world content (see EXTRAS)."""
    def decorator(fn):
        EXTRAS[name] = fn
        return fn
    return decorator


def build(url: str, kind: str, folder: Path) -> bytes | None:
    """Create the schema at `url` and, for WORLD, the two-school world; the world pickled."""
    from sqlalchemy.orm import Session

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db
    from tests.factories import build_world

    app = create_app(type("T", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": folder,
                                               "UPLOAD_DIR": folder / "uploads"}))
    built = None
    with app.app_context():
        db.create_all()
        if kind != SCHEMA:
            with Session(db.engine, expire_on_commit=False) as session:
                built = build_world(session, app.extensions["lms_auth"])
    # Outside any app context: each request of a builder gets its own, as in the tests.
    extra = EXTRAS[kind.split("+", 1)[1]](app, built) if "+" in kind else None
    app.extensions["lms_jobs"].wait()
    with app.app_context():
        db.engine.dispose()
    return pickle.dumps((built, extra)) if built is not None else None


class SqliteTemplates:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lms-templates-"))
        self.files: dict[str, Path] = {}
        self.worlds: dict[str, bytes | None] = {}

    def copy(self, kind: str, dest: Path) -> str:
        if kind not in self.files:
            path = self.folder / f"{kind}.sqlite3"
            self.worlds[kind] = build(f"sqlite:///{path}", kind, self.folder)
            self.files[kind] = path
        shutil.copyfile(self.files[kind], dest)
        return f"sqlite:///{dest}"

    def world(self, kind: str):
        return pickle.loads(self.worlds[kind])


class PostgresTemplates:
    """Template databases on the worker's PostgreSQL, and copies of them made ahead of need."""

    def __init__(self, url: str):
        self.base = url.rsplit("/", 1)[0]
        self.dsn = self.base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        self.folder = Path(tempfile.mkdtemp(prefix="lms-pg-templates-"))
        self.worlds: dict[str, bytes | None] = {}
        self.ready: dict[str, queue.Queue] = {}
        self.todo: queue.Queue = queue.Queue()
        self.numbers = itertools.count(1)
        self.thread: threading.Thread | None = None

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(statement)

    def _template(self, kind: str) -> None:
        name = f"template_{kind}"
        self._sql(f'CREATE DATABASE "{name}"')
        self.worlds[kind] = build(f"{self.base}/{name}", kind, self.folder)
        self.ready[kind] = queue.Queue()

    def _work(self) -> None:
        """Make one copy ahead for each template in use and drop what tests have finished with."""
        while True:
            job = self.todo.get()
            if job is None:
                return
            action, arg = job
            try:
                if action == "copy":
                    name = f"test_{next(self.numbers)}"
                    self._sql(f'CREATE DATABASE "{name}" TEMPLATE "template_{arg}"')
                    self.ready[arg].put(name)
                else:
                    self._sql(f'DROP DATABASE IF EXISTS "{arg}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - handed to the test that waits for the copy
                if action == "copy":
                    self.ready[arg].put(exc)

    def take(self, kind: str) -> str:
        if kind not in self.ready:
            self._template(kind)
            if self.thread is None:
                self.thread = threading.Thread(target=self._work, name="pg-templates", daemon=True)
                self.thread.start()
            self.todo.put(("copy", kind))
        name = self.ready[kind].get()
        if isinstance(name, Exception):
            raise name
        self.todo.put(("copy", kind))  # the next test's copy, made while this one runs
        return name

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def release(self, name: str) -> None:
        self.todo.put(("drop", name))

    def world(self, kind: str):
        return pickle.loads(self.worlds[kind])

    def close(self) -> None:
        self.todo.put(None)
        if self.thread is not None:
            self.thread.join(timeout=30)
