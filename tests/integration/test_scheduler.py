"""Periodic work runs where it should: in serving processes (from their first request) or a
`flask scheduler`, once per interval however many run it — never inside `flask seed-demo` or
`flask db upgrade`."""
from sqlalchemy import select

from lms import create_app
from lms.config import TestConfig
from lms.core import jobs
from lms.core.models import PeriodicRun
from lms.extensions import db


def test_creating_the_app_starts_no_scheduler_its_first_request_does(app):
    other = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                                 "INSTANCE_DIR": app.config["INSTANCE_DIR"],
                                                 "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SCHEDULER_SECONDS": 3600}))
    scheduler = other.extensions["lms_scheduler"]
    assert not scheduler.is_alive()              # what `flask seed-demo` and `flask db upgrade` create
    other.test_client().get("/login")
    assert scheduler.is_alive()
    scheduler.stopped.set()
    with other.app_context():
        db.engine.dispose()


def test_each_task_runs_once_per_interval_however_many_processes_run_it(app, monkeypatch):
    runs = []
    monkeypatch.setattr(jobs, "PERIODIC", {"count": lambda session, now: runs.append(now) or 1})
    first, second = jobs.Scheduler(app, 600), jobs.Scheduler(app, 600)
    second.holder = "other-server:1"
    assert first.run_due() == {"count": 1}
    assert second.run_due() == {} and first.run_due() == {}
    assert len(runs) == 1
    with app.app_context():
        row = db.session.scalars(select(PeriodicRun)).one()
        assert row.holder == first.holder
        from datetime import timedelta

        row.next_at -= timedelta(seconds=601)   # the interval has passed
        db.session.commit()
    assert second.run_due() == {"count": 1} and first.run_due() == {}
    assert len(runs) == 2
    assert first.run_once() == {"count": 1}      # `flask scheduler --once` and the tests run it regardless


def test_a_failing_task_leaves_the_others_running(app, monkeypatch):
    def broken(session, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "PERIODIC", {"broken": broken, "fine": lambda session, now: 2})
    assert jobs.Scheduler(app, 60).run_due() == {"broken": None, "fine": 2}


def test_flask_scheduler_once_runs_every_task_and_says_so(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "finish_overdue_attempts: 0" in result.output and "retry_jobs: 0" in result.output
