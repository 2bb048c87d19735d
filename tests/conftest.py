"""Fixtures shared by every suite: the app on SQLite and on a real PostgreSQL, a client that
speaks CSRF, and a small two-school world built through the services."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db
from tests.pg import PostgresServer

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "mật khẩu thử nghiệm dài"


@pytest.fixture(scope="session")
def pg_url():
    server = PostgresServer()
    server.start()
    url = server.create_database("lms_test")
    yield url
    server.stop()


@pytest.fixture(scope="session")
def pg_schema(pg_url):
    """Create the schema once per session; tests truncate what they wrote."""
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": pg_url}))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return pg_url


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    overrides = {"INSTANCE_DIR": tmp_path, "UPLOAD_DIR": tmp_path / "uploads"}
    if backend == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_schema")
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(type("C", (TestConfig,), overrides))
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
    # No app context stays pushed during the test: each request must get its own, as in production
    # (a shared one would share `g`, and with it the signed-in user, between requests).
    yield app
    with app.app_context():
        if backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


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
        page = self.http.get("/login") if not self.logged_in() else self.http.get("/account/password")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def logged_in(self) -> bool:
        with self.http.session_transaction() as s:
            return "_user_id" in s

    def login(self, identifier: str, password: str = PASSWORD, **extra):
        data = {"identifier": identifier, "password": password, "csrf_token": self.token(), **extra}
        return self.http.post("/login", data=data)

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
    from sqlalchemy.orm import Session

    from tests.factories import build_world

    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as s:
            return build_world(s, app.extensions["lms_auth"])
