"""Two apps in one process (a test process, or a server that mounts a second app): each serves its
requests with its own settings, whichever was created last."""
from lms import create_app
from lms.config import TestConfig
from lms.extensions import db


def test_a_later_app_does_not_change_how_an_earlier_one_resolves_sessions(app, world, client, tmp_path):
    assert client.login("admin.a").status_code == 302
    # A second app whose sessions expire at once (idle for less than no time at all).
    other = create_app(type("Other", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite3'}", "INSTANCE_DIR": tmp_path / "other",
        "UPLOAD_DIR": tmp_path / "other" / "uploads", "SESSION_IDLE_MINUTES": -1}))
    try:
        home = client.get("/")
        assert home.status_code == 200  # still signed in: the first app's two hours of idle time
        assert "Trường THCS Thử A" in home.get_data(as_text=True)
    finally:
        other.extensions["lms_jobs"].wait(timeout=30)
        with other.app_context():
            db.engine.dispose()
