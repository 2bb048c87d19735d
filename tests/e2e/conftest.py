"""Browser tests: the app on a seeded demo database served in a thread, driven in Debian's
headless Chromium (no browser download)."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from lms import create_app
from lms.config import TestConfig
from tests.e2e.helpers import PASSWORD, sign_in_as
from tests.e2e.helpers import sign_out  # noqa: F401 - its home is helpers; kept importable from here

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = os.environ.get("LMS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium not found: install Debian's chromium package (.ci/run does) or set LMS_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def live_server(demo_sqlite):
    """A copy of the seeded SQLite demo, served in a thread: one per browser-test file, so each file
    starts from the demo as seeded whatever other files changed, on whichever worker it runs."""
    folder = Path(tempfile.mkdtemp(prefix="lms-e2e-"))
    shutil.copyfile(demo_sqlite.url.removeprefix("sqlite:///"), folder / "e2e.sqlite3")
    shutil.copytree(demo_sqlite.folder / "uploads", folder / "uploads")
    config = type("E2E", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
                                         "INSTANCE_DIR": folder, "UPLOAD_DIR": folder / "uploads"})
    app = create_app(config)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"  # gateway redirects and QR links lead back here
    # The payment sandbox plays the gateways on another origin, as VNPay or MoMo are (the same server
    # under another host name): the browser's CSP and cookies see a real cross-origin checkout.
    app.config["PAYMENT_SANDBOX_URL"] = f"http://localhost:{port}"
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", gateway=f"http://localhost:{port}", app=app,
                          logins=demo_sqlite.by_role())
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def sign_in(page, live_server):
    def _sign_in(username: str, password: str = PASSWORD, school: str | None = None):
        return sign_in_as(page, live_server.url, username, password, school)

    return _sign_in
