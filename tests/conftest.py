"""Fixtures shared by every suite: the app on SQLite and on a real PostgreSQL, a client that
speaks CSRF, and a small two-school world built through the services."""
from __future__ import annotations

import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db
from tests import speed
from tests.pg import PostgresServer, fresh_database
from tests.s3 import s3_server, s3_settings  # noqa: F401  (fixtures: an S3 server, a bucket per test)
from tests.templates import SCHEMA, WORLD, PostgresTemplates, SqliteTemplates

# No test has a timing threshold, Hypothesis's included: its 200 ms deadline per example and its
# "too slow" data-generation check failed property tests at random while the machine ran other
# work (a Markdown example took 259 ms).
hypothesis.settings.register_profile("lms", deadline=None,
                                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("lms")

speed.install()

pytest_plugins = ["tests.log_canaries"]

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "mật khẩu thử nghiệm dài"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    speed.collect_after_test()


@pytest.fixture(scope="session")
def pg_url():
    server = PostgresServer()
    server.start()
    url = server.create_database("lms_test")
    yield url
    server.stop()


@pytest.fixture
def empty_database(request, backend, tmp_path):
    """`empty_database(name)`: the URL of an empty database on the test's backend, for tests that
    build a schema themselves (the migrations')."""
    def make(name: str) -> str:
        if backend == "postgresql":
            return fresh_database(request.getfixturevalue("pg_url"), name)
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"

    return make


@pytest.fixture(scope="session")
def pg_templates(pg_url):
    templates = PostgresTemplates(pg_url)
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def sqlite_templates():
    return SqliteTemplates()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def _needs_demo(item) -> str | None:
    """Which seeded demo a collected test needs: "sqlite" (the browser tests, which serve a copy of
    it, and the SQLite demo checks), "postgresql", or None."""
    names = getattr(item, "fixturenames", ())
    backend = item.callspec.params.get("backend") if hasattr(item, "callspec") else None
    if "tests/e2e/" in str(item.fspath).replace("\\", "/") or "demo_sqlite" in names:
        return "sqlite"
    if "demo_postgresql" in names:
        return "postgresql"
    if "demo" in names:
        return backend or "postgresql"
    return None


@pytest.fixture(scope="session")
def _shared_demos(tmp_path_factory):
    from tests import demo

    return {}, demo.run_folder(tmp_path_factory.getbasetemp())


def _shared_demo(request, which: str):
    from tests import demo

    demos, root = request.getfixturevalue("_shared_demos")
    if which not in demos:
        if which == "sqlite":
            demos[which] = demo.shared_sqlite(root)
        else:
            url = request.getfixturevalue("pg_url")
            demos[which] = demo.shared_postgresql(root, lambda: url)
    return demos[which]


@pytest.fixture(scope="session", autouse=True)
def _seed_demos_early(request):
    """As soon as a test process starts, the demos its collected tests need begin seeding (or, in
    the other workers, copying) in the background, while the process runs its other tests."""
    wanted = {_needs_demo(item) for item in request.session.items} - {None}
    for which in sorted(wanted):
        _shared_demo(request, which).start()


@pytest.fixture(scope="session")
def demo_sqlite(request):
    return _shared_demo(request, "sqlite").get()


@pytest.fixture(scope="session")
def demo_postgresql(request):
    return _shared_demo(request, "postgresql").get()


@pytest.fixture
def demo(request, backend):
    """The demo on the test's database. Tests that read it must not change it (they share it)."""
    return request.getfixturevalue(f"demo_{backend}")


def pytest_collection_modifyitems(config, items):
    """The tests that need a seeded demo run after the others of their kind: the demo seeds in the
    background meanwhile (`_seed_demos_early`). The unit tests run first, then the demo's checks and
    browser tests (the longest, spread over every worker), then the other integration tests, which
    fill the workers' ends evenly."""
    def rank(item) -> int:
        path = str(item.fspath).replace("\\", "/")
        if "tests/unit/" in path:
            return 0
        return 1 if _needs_demo(item) else 2

    items.sort(key=rank)
    # A browser-test file's tests share one served demo and may build on each other's steps (a
    # payment made, then seen): with pytest-xdist each file runs whole, in order, on one worker.
    # The accessibility crawl only reads, so its roles spread over the workers.
    for item in items:
        path = Path(str(item.fspath))
        if path.parent.name == "e2e" and path.name != "test_accessibility.py":
            item.add_marker(pytest.mark.xdist_group(f"e2e-{path.stem}"))


@pytest.fixture
def app(request, backend, tmp_path):
    """The app on a database of the test's own: a copy of the schema (or of the schema with the
    shared world, when the test asks for `world`) built once per test process (tests/templates.py)."""
    kind = WORLD if "world" in request.fixturenames else SCHEMA
    extra = request.node.get_closest_marker("world")
    if extra is not None:
        kind = f"{WORLD}+{extra.args[0]}"
    overrides = {"INSTANCE_DIR": tmp_path, "UPLOAD_DIR": tmp_path / "uploads"}
    if "s3_settings" in request.fixturenames:  # files in a bucket of tests/s3.py's server
        overrides.update(request.getfixturevalue("s3_settings"))
    pg_name = None
    if backend == "postgresql":
        templates = request.getfixturevalue("pg_templates")
        pg_name = templates.take(kind)
        overrides["SQLALCHEMY_DATABASE_URI"] = templates.url(pg_name)
    else:
        templates = request.getfixturevalue("sqlite_templates")
        overrides["SQLALCHEMY_DATABASE_URI"] = templates.copy(kind, tmp_path / "test.sqlite3")
    app = create_app(type("C", (TestConfig,), overrides))
    app.extensions["lms_test_world"] = (templates, kind)
    from tests.log_canaries import watch

    watch(app)   # tests/log_canaries.py: what its requests carry must reach no log
    # No app context stays pushed during the test: each request must get its own, as in production
    # (a shared one would share `g`, and with it the signed-in user, between requests).
    yield app
    app.extensions["lms_jobs"].wait(timeout=30)
    with app.app_context():
        db.engine.dispose()
    if pg_name:
        templates.release(pg_name)


@pytest.fixture
def dbs(app):
    """`with dbs() as s:` — a session for the test's own reads and writes, in a context of its own
    that is closed again before the next request."""
    @contextmanager
    def open_session():
        with app.app_context():
            yield db.session

    return open_session


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """A test client that fetches a CSRF token the way a browser has one."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def token(self) -> str:
        """The session's CSRF token, the one every form page of this session carries (Flask-WTF's
        `generate_csrf`): made from the session itself, not read from a page fetched for it, which
        was a third of the integration tests' requests. That forms carry the token is the pages'
        own tests' (tests/integration/test_demo_pages.py signs in by the login page's)."""
        secret = self.app.config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.http.session_transaction() as session:
            if field not in session:
                session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session[field]
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def logged_in(self) -> bool:
        with self.http.session_transaction() as s:
            return "_user_id" in s

    def login(self, identifier: str, password: str = PASSWORD, *, school: str | None = None, **extra):
        """Sign in where the person would: a pupil's bare code (`hsa001`) at the school's own
        sign-in address (`/login?school=a`) — `school` names it, else it is the one school that
        has a pupil of that code — and anything else at the generic `/login`, where a bare code
        names nobody (a pupil's username is `hsa001.a`)."""
        if school is None:
            school = self._school_of_code(identifier)
        data = {"identifier": identifier, "password": password, "csrf_token": self.token(), **extra}
        return self.http.post(f"/login?school={school}" if school else "/login", data=data)

    def _school_of_code(self, identifier: str) -> str | None:
        from sqlalchemy import select

        from lms.people.accounts import school_part
        from lms.people.models import School, Student

        if "." in identifier or "@" in identifier or not identifier.strip():
            return None
        with self.app.app_context():
            schools = db.session.scalars(select(School).join(Student, Student.school_id == School.id).where(
                Student.student_code == identifier.strip().upper(), Student.user_id.is_not(None))).unique().all()
            assert len(schools) <= 1, f"pupils {identifier} in {len(schools)} schools: say which (school=)"
            return school_part(schools[0]) if schools else None

    def get(self, url: str, **kw):
        return self.http.get(url, **kw)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token()
        return self.http.post(url, data=data, **kw)


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


@pytest.fixture
def world(app):
    """Two schools in two departments (tests/factories.py's build_world), fresh for each test."""
    templates, kind = app.extensions["lms_test_world"]
    return templates.world(kind)[0]


@pytest.fixture
def world_extra(app, world):
    """What the module's `pytest.mark.world(name)` builder added to the world (tests/templates.py)."""
    templates, kind = app.extensions["lms_test_world"]
    return templates.world(kind)[1]
