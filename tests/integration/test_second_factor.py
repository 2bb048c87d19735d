"""Staff second factor: an authenticator app's codes (TOTP) with recovery codes, optional for
teachers, required of admins and accountants where the school says so."""
import re
from datetime import timedelta

import pyotp
import time_machine
from sqlalchemy import select

from lms.auth.models import SecondFactor, User
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.conftest import PASSWORD


def enable(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    done = client.post("/account/two-factor", {"action": "enable", "code": pyotp.TOTP(secret).now()})
    body = done.get_data(as_text=True)
    assert done.status_code == 200, body[:500]
    codes = re.findall(r"<li class=\"col-6\">([A-Z0-9-]{14})</li>", body)
    assert len(codes) == 10
    return secret, codes


def test_a_teacher_turns_it_on_and_signs_in_with_a_code(world, make_client, dbs):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        teacher = make_client()
        teacher.login("gv.a")
        secret, _codes = enable(teacher)
        with dbs() as s:
            sealed = s.scalars(select(SecondFactor.secret_sealed).where(SecondFactor.user_id == world.a.teacher.id)).one()
        assert secret not in sealed  # kept sealed, never in clear
        traveller.shift(timedelta(seconds=31))
        client = make_client()
        first = client.login("gv.a")
        assert first.headers["Location"].endswith("/login/code")
        assert client.get("/").status_code == 302  # not signed in on the password alone
        assert client.post("/login/code", {"code": "000000"}).status_code == 422
        code = pyotp.TOTP(secret).now()
        assert client.post("/login/code", {"code": code}).headers["Location"] == "/"
        assert client.get("/").status_code == 200
        # The same code cannot be used a second time.
        again = make_client()
        again.login("gv.a")
        assert again.post("/login/code", {"code": code}).status_code == 422


def test_a_recovery_code_works_once(world, make_client):
    teacher = make_client()
    teacher.login("gv.a")
    _secret, codes = enable(teacher)
    for expected in (302, 422):
        client = make_client()
        client.login("gv.a")
        assert client.post("/login/code", {"code": codes[0].lower()}).status_code == expected


def test_wrong_codes_are_throttled_per_account(world, make_client, app):
    teacher = make_client()
    teacher.login("gv.a")
    secret, _codes = enable(teacher)
    with time_machine.travel(utcnow() + timedelta(minutes=1), tick=False) as traveller:
        client = make_client()
        client.login("gv.a")
        for _ in range(app.config["LOGIN_LOCK_AFTER"]):
            traveller.shift(timedelta(seconds=61))
            client.post("/login/code", {"code": "123456"})
            client = make_client()
            client.login("gv.a")  # the five-minute window of the password step
        refused = client.post("/login/code", {"code": pyotp.TOTP(secret).now()})
        assert refused.status_code == 429


def test_the_school_requires_it_of_admins_and_accountants(world, make_client, dbs):
    with dbs() as s:
        s.get(School, world.a.school.id).require_staff_totp = True
        s.commit()
    accountant = make_client()
    accountant.login("kt.a")
    assert accountant.get("/billing").headers["Location"].endswith("/account/two-factor")
    assert accountant.get("/account/two-factor").status_code == 200
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get("/").status_code == 200  # optional for teachers
    _secret, _codes = enable(accountant)
    assert accountant.get("/billing").status_code == 200
    # While required, the owner cannot turn it off; an admin who manages the account can (lost phone).
    off = accountant.post("/account/two-factor", {"action": "disable", "password": PASSWORD}, follow_redirects=True)
    assert "bắt buộc" in off.get_data(as_text=True)
    admin = make_client()
    admin.login("admin.a")
    # The admin must set up their own first.
    assert admin.post(f"/school/users/{world.a.accountant.id}/two-factor", {}).headers["Location"].endswith(
        "/account/two-factor")
    enable(admin)
    assert admin.post(f"/school/users/{world.a.accountant.id}/two-factor", {}).status_code == 302
    with dbs() as s:
        assert not s.get(User, world.a.accountant.id).totp_enabled
    assert accountant.get("/").status_code == 302  # signed out by the reset


def test_the_school_setting_is_on_the_school_page(world, make_client, dbs):
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/school").get_data(as_text=True)
    assert 'name="require_staff_totp"' in page
