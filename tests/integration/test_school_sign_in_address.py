"""A school's sign-in address (`/login?school=a`) is kept by the pages around signing in.

Before: "Quên mật khẩu?" on the school's address led to `/forgot` and back to `/login`, where a
pupil's code alone names nobody, and the reset job looked the code up without the school, so a
pupil who typed the code there got no link; signing out led to `/login` too.
"""
from lms.auth.models import User
from tests.mailbox import FakeSMTP

from lms.core.timeutil import utcnow


def test_forgot_password_keeps_the_schools_address(world, make_client):
    page = make_client().get("/login?school=a").get_data(as_text=True)
    assert 'href="/forgot?school=a"' in page
    asked = make_client().get("/forgot?school=a").get_data(as_text=True)
    assert world.a.school.name in asked and 'href="/login?school=a"' in asked
    answered = make_client().post("/forgot?school=a", {"identifier": "hsa001"})
    assert answered.status_code == 302 and answered.headers["Location"] == "/login?school=a"
    # At the generic address, and at one that names no school, the generic sign-in page.
    assert 'href="/forgot"' in make_client().get("/login").get_data(as_text=True)
    assert make_client().post("/forgot", {"identifier": "gv.a"}).headers["Location"] == "/login"
    assert make_client().post("/forgot?school=khong-co", {"identifier": "x"}).headers["Location"] == "/login"
    assert 'href="/login"' in make_client().get("/forgot?school=khong-co").get_data(as_text=True)


def test_a_pupils_code_at_the_schools_forgot_page_finds_the_pupil(world, make_client, app, dbs, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "smtp.test"
    with dbs() as s:
        pupil = s.get(User, world.a.students["HSA001"].user_id)
        pupil.email, pupil.email_verified_at = "an.hsa001@test.example", utcnow()
        s.commit()
    make_client().post("/forgot?school=a", {"identifier": "hsa001"})
    make_client().post("/forgot", {"identifier": "hsa001"})   # the bare code names nobody here
    app.extensions["lms_jobs"].wait()
    assert [m["To"] for m in FakeSMTP.sent] == ["an.hsa001@test.example"]


def test_signing_out_leads_back_to_the_address_signed_in_at(world, make_client):
    pupil = make_client()
    assert pupil.login("hsa001", school="a").status_code == 302
    out = pupil.post("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login?school=a"
    teacher = make_client()
    assert teacher.login("gv.a").status_code == 302
    assert teacher.post("/logout").headers["Location"] == "/login"
    # The next sign-in at the generic address forgets the school's.
    assert pupil.login("hsa001.a", school="").status_code == 302
    assert pupil.post("/logout").headers["Location"] == "/login"
