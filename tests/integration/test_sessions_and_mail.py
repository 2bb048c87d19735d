import re
from datetime import timedelta

import time_machine

from lms.core.timeutil import utcnow


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


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


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
    assert len(FakeSMTP.sent) == 1
