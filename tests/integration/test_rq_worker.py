"""Background jobs through a real Redis and RQ: the app (configured with LMS_REDIS_URL) queues
the job after its commit, a `flask worker --burst` process — another process, sharing only the
database and the upload folder — runs it, and the Job row shows it done with its file."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import create_app
from lms.config import TestConfig
from lms.core.models import Job
from lms.extensions import db
from tests.factories import build_world

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    from redis import Redis

    client = Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:  # noqa: BLE001 (not up yet)
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_a_job_queued_in_redis_is_run_by_a_worker_process(redis_url, tmp_path):
    from lms.reports import official

    database = tmp_path / "shared.sqlite3"
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "INSTANCE_DIR": tmp_path / "instance",
                "UPLOAD_DIR": tmp_path / "uploads", "REDIS_URL": redis_url}
    app = create_app(type("C", (TestConfig,), settings))
    with app.app_context():
        db.create_all()
        world = build_world(db.session, app.extensions["lms_auth"])
        db.session.commit()
        job = official.start(db.session, world.a.admin, scope="school", owner_id=world.a.school.id, year=2026,
                             period_key="2026", fmt="xlsx", weights=None, total=2, locale="vi")
        db.session.commit()     # only now is it handed to Redis
        job_id = job.id
        from redis import Redis

        assert Redis.from_url(redis_url).llen("rq:queue:lms") == 1
        assert db.session.get(Job, job_id).status == "queued"
        db.session.remove()
    env = {**os.environ, "LMS_DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
           "LMS_INSTANCE_DIR": str(settings["INSTANCE_DIR"]), "LMS_UPLOAD_DIR": str(settings["UPLOAD_DIR"]),
           "LMS_REDIS_URL": redis_url, "LMS_SCHEDULER_SECONDS": "0", "LMS_ENV": "development"}
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    with app.app_context():
        done = db.session.scalars(select(Job).where(Job.id == job_id)).one()
        assert (done.status, done.done, done.total) == ("done", 2, 2), done.message
        assert (settings["UPLOAD_DIR"] / "jobs" / done.result_path).stat().st_size > 0
        db.session.remove()
        db.engine.dispose()
