import re
from datetime import timedelta

import time_machine

from lms.core.timeutil import utcnow
from tests.mailbox import FakeSMTP


def test_idle_session_expires(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        client = make_client()
        client.login("gv.a")
        traveller.shift(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 5))
        assert client.get("/").status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
        assert client.get("/").status_code == 302


def test_absolute_limit_even_when_active(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        client = make_client()
        client.login("gv.a")
        for _ in range(app.config["SESSION_ABSOLUTE_HOURS"]):
            traveller.shift(timedelta(minutes=59))
            client.get("/")
        traveller.shift(timedelta(hours=1))
        assert client.get("/").status_code == 302


def test_remembered_session_lasts_past_idle_but_not_past_30_days(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        client = make_client()
        client.login("gv.a", remember="y")
        traveller.shift(timedelta(days=3))
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(days=28))
        assert client.get("/").status_code == 302


def test_reset_link_is_emailed_when_smtp_is_configured(world, make_client, app, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "smtp.test"
    admin = make_client()
    admin.login("admin.a")
    page = admin.post(f"/school/users/{world.a.teacher.id}/reset").get_data(as_text=True)
    assert "Đã gửi liên kết tới e-mail gv.a@test.example" in page
    assert len(FakeSMTP.sent) == 1 and FakeSMTP.sent[0]["To"] == "gv.a@test.example"
    link = re.search(r"http://\S+", FakeSMTP.sent[0].get_content()).group(0)
    assert "/reset?t=" in link


def test_forgot_password_answers_the_same_for_unknown_accounts(world, make_client, app, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "smtp.test"
    known = make_client().post("/forgot", {"identifier": "gv.a"}, follow_redirects=True).get_data(as_text=True)
    unknown = make_client().post("/forgot", {"identifier": "ai.do"}, follow_redirects=True).get_data(as_text=True)
    message = "Nếu tài khoản có e-mail, chúng tôi đã gửi liên kết"
    assert message in known and message in unknown
    app.extensions["lms_jobs"].wait()  # sent by a background job, not while the request waits
    assert len(FakeSMTP.sent) == 1


class FlakySMTP(FakeSMTP):
    """Refuses the first `failures` connections, as a mail server that is down for a while."""
    failures = 0

    def __init__(self, host, port, timeout=None):
        if FlakySMTP.failures > 0:
            FlakySMTP.failures -= 1
            raise ConnectionRefusedError("smtp down")
        super().__init__(host, port, timeout)


def _notice(app, dbs, emails):
    from lms.auth.models import User
    from lms.core import notify

    with dbs() as s:
        users = [s.query(User).filter(User.email == e).one() for e in emails]
        notify.notify(s, users, "announcement", {"author": "Cô Mai", "title": "Họp phụ huynh"}, "/", None)
        s.commit()
    app.extensions["lms_jobs"].wait()


def test_notice_mail_goes_through_a_job_and_is_retried_until_the_server_is_back(world, app, dbs, monkeypatch):
    from sqlalchemy import select

    from lms.core import jobs
    from lms.core.models import Job

    monkeypatch.setattr("smtplib.SMTP", FlakySMTP)
    FakeSMTP.sent, FlakySMTP.failures = [], 0
    app.config["SMTP_HOST"] = "smtp.test"
    # Two readers: sent at once while the server is up; then down for two connections, then one.
    _notice(app, dbs, ["gv.a@test.example", "kt.a@test.example"])
    assert sorted(m["To"] for m in FakeSMTP.sent) == ["gv.a@test.example", "kt.a@test.example"]
    assert all("Họp phụ huynh" in m["Subject"] for m in FakeSMTP.sent)

    FakeSMTP.sent = []
    FlakySMTP.failures = 2
    _notice(app, dbs, ["gv.a@test.example", "kt.a@test.example"])
    assert FakeSMTP.sent == []
    with dbs() as s:
        job = s.scalars(select(Job).where(Job.kind == "notification_mail").order_by(Job.id.desc())).first()
        assert job.status == "failed" and len(job.params["messages"]) == 2 and job.params["_tries"] == 2
        assert "2 thư chưa gửi được" in job.message
        job_id, retry_at = job.id, job.params["_retry_at"]
    from datetime import datetime

    due = datetime.fromisoformat(retry_at)
    FlakySMTP.failures = 1
    with dbs() as s:
        assert jobs.retry_jobs(s, due - timedelta(seconds=1)) == 0   # not yet
        assert jobs.retry_jobs(s, due) == 1
        assert jobs.retry_jobs(s, due) == 0                          # claimed once
        s.commit()
    app.extensions["lms_jobs"].wait()
    # The next try finds the server refusing one more connection: the second reader gets the
    # message, the job keeps only the first.
    with dbs() as s:
        job = s.get(Job, job_id)
        assert job.status == "failed" and [m["to"] for m in job.params["messages"]] == ["gv.a@test.example"]
        assert job.params["_tries"] == 3
        due = datetime.fromisoformat(job.params["_retry_at"])
        assert jobs.retry_jobs(s, due) == 1
        s.commit()
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        job = s.get(Job, job_id)
        assert job.status == "done" and job.done == job.total == 2
    assert sorted(m["To"] for m in FakeSMTP.sent) == ["gv.a@test.example", "kt.a@test.example"]  # each once


def test_a_job_retried_four_times_then_stays_failed(world, app, dbs, monkeypatch):
    from datetime import datetime

    from sqlalchemy import select

    from lms.core import jobs
    from lms.core.models import Job

    monkeypatch.setattr("smtplib.SMTP", FlakySMTP)
    FakeSMTP.sent, FlakySMTP.failures = [], 100
    app.config["SMTP_HOST"] = "smtp.test"
    _notice(app, dbs, ["gv.a@test.example"])
    for _ in jobs.RETRY_DELAYS:
        with dbs() as s:
            job = s.scalars(select(Job).where(Job.kind == "notification_mail")).one()
            assert jobs.retry_jobs(s, datetime.fromisoformat(job.params["_retry_at"])) == 1
            s.commit()
        app.extensions["lms_jobs"].wait()
    with dbs() as s:
        job = s.scalars(select(Job).where(Job.kind == "notification_mail")).one()
        assert job.status == "failed" and "_retry_at" not in job.params and job.params["_tries"] == 5
        assert jobs.retry_jobs(s, utcnow() + timedelta(hours=23)) == 0
    assert FakeSMTP.sent == []


def test_without_smtp_no_mail_job_is_written(world, app, dbs):
    from sqlalchemy import func, select

    from lms.core.models import Job

    app.config["SMTP_HOST"] = None
    _notice(app, dbs, ["gv.a@test.example"])
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "notification_mail")) == 0
