from lms.auth.models import User
from lms.people.models import School
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from lms.auth.models import UserSession
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from tests.conftest import PASSWORD


def test_sign_in_with_username_email_or_phone(world, make_client):
    for identifier in ("admin.a", "ADMIN.A@test.example", "0912 000 001", "+84912000001"):
        client = make_client()
        if identifier.startswith(("0", "+")):
            response = client.login(identifier)  # the mother of two in school A signs in by phone
        else:
            response = client.login(identifier)
        assert response.status_code == 302, identifier
        assert response.headers["Location"] == "/"


def test_unknown_user_and_wrong_password_get_identical_answers(world, make_client):
    wrong = make_client().login("admin.a", "sai mật khẩu rồi")
    unknown = make_client().login("khong.ton.tai", "sai mật khẩu rồi")
    assert wrong.status_code == unknown.status_code == 200

    def strip(body):
        import re
        return re.sub(r'value="[^"]*"', "", body)
    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.get_data(as_text=True)


def test_throttling_is_per_account_and_locks_then_expires(world, make_client, app):
    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(app.config["LOGIN_LOCK_AFTER"]):
            traveller.shift(timedelta(seconds=61))  # wait out each progressive delay
            response = make_client().login("gv.a", "không đúng đâu nhé")
            assert response.status_code == 200, i
        # Locked now: even the right password is refused, with a clear message and 429.
        locked = make_client().login("gv.a", PASSWORD)
        assert locked.status_code == 429
        assert "quá nhiều lần" in locked.get_data(as_text=True)
        # Another account from the same address (a computer lab) is not affected.
        assert make_client().login("kt.a").status_code == 302
        traveller.shift(timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1))
        assert make_client().login("gv.a").status_code == 302


def test_progressive_delay_after_free_failures(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
            make_client().login("gv.a", "không đúng đâu nhé")
        assert make_client().login("gv.a").status_code == 429  # must wait before the next try


def test_logout_revokes_server_session_and_old_cookie_is_refused(world, client):
    client.login("admin.a")
    cookie = client.http.get_cookie("lms_session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    replay = client.app.test_client()
    replay.set_cookie("lms_session", cookie)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabling_an_account_ends_its_sessions_at_once(world, make_client):
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get("/").status_code == 200
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/school/users/{world.a.teacher.id}/active").status_code == 302
    assert teacher.get("/").status_code == 302
    assert make_client().login("gv.a").status_code == 200  # refused with the generic message


def test_session_cookie_flags_and_fresh_session_at_sign_in(world, client, dbs):
    before = client.http.get_cookie("lms_session")
    response = client.login("admin.a", remember="y")
    header = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("lms_session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Expires=" in header  # remember me: a persistent cookie
    assert before is None or before.value != client.http.get_cookie("lms_session").value
    with dbs() as s:
        row = s.scalars(select(UserSession).where(UserSession.user_id == world.a.admin.id)).one()
        assert row.expires_at - row.created_at <= timedelta(days=30)


def test_without_remember_the_cookie_ends_with_the_browser(world, client):
    response = client.login("admin.a")
    session_cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lms_session=")]
    assert session_cookie and "Expires=" not in session_cookie[0]


def test_change_password_signs_out_other_devices(world, make_client):
    laptop, phone = make_client(), make_client()
    laptop.login("gv.a")
    phone.login("gv.a")
    response = laptop.post("/account/password", {"current_password": PASSWORD, "new_password": "bầu trời xanh thẳm",
                                                 "confirm": "bầu trời xanh thẳm", "sign_out_others": "y"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert make_client().login("gv.a", "bầu trời xanh thẳm").status_code == 302


def test_change_password_rejects_common_and_wrong_current(world, client):
    client.login("gv.a")
    common = client.post("/account/password", {"current_password": PASSWORD, "new_password": "password123",
                                               "confirm": "password123"})
    assert "quá phổ biến" in common.get_data(as_text=True)
    wrong = client.post("/account/password", {"current_password": "không phải", "new_password": "bầu trời xanh",
                                              "confirm": "bầu trời xanh"})
    assert "Mật khẩu hiện tại không đúng" in wrong.get_data(as_text=True)


def test_admin_reset_link_is_single_use_and_ends_sessions(world, make_client):
    parent = make_client()
    parent.login("0912000001")
    admin = make_client()
    admin.login("admin.a")
    page = admin.post(f"/school/users/{world.mother_a.id}/reset")
    assert page.status_code == 200
    import re
    link = re.search(r'id="reset-link">([^<]+)<', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    path = link.replace("http://localhost", "")
    fresh = make_client()
    form = fresh.get(path)
    assert form.status_code == 200 and world.mother_a.username in form.get_data(as_text=True)
    done = fresh.post(path, {"new_password": "con đi học vui vẻ", "confirm": "con đi học vui vẻ"})
    assert done.status_code == 302
    assert parent.get("/").status_code == 302  # the old session is over
    assert make_client().get(path).status_code == 404  # used once
    assert make_client().login("0912000001", "con đi học vui vẻ").status_code == 302


def test_admin_cannot_take_over_an_account_with_power_elsewhere(world, make_client, app, dbs):
    from lms.people import services

    with dbs() as s:
        services.grant_role(s, s.get(User, world.b.admin.id), s.get(School, world.a.school.id), "teacher")
        s.commit()
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/school/users/{world.b.admin.id}/reset").status_code == 403


def test_outdated_hash_is_upgraded_at_sign_in(world, make_client, app, dbs):
    from argon2 import PasswordHasher

    with dbs() as s:
        s.get(User, world.a.teacher.id).password_hash = PasswordHasher(time_cost=1, memory_cost=1024,
                                                                       parallelism=1).hash(PASSWORD)
        s.commit()
    assert make_client().login("gv.a").status_code == 302
    with dbs() as s:
        assert s.get(User, world.a.teacher.id).password_hash.startswith("$argon2id$v=19$m=8192,t=1,p=1$")


def test_sign_ins_and_failures_are_audited(world, make_client, dbs):
    make_client().login("admin.a")
    make_client().login("admin.a", "sai rồi nhé bạn")
    with dbs() as s:
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.actor_id == world.a.admin.id)))
    assert "login" in actions and "login_failed" in actions


def test_next_parameter_only_follows_local_paths(world, client):
    ok = client.login("admin.a", next="/school/classes")
    assert ok.headers["Location"] == "/school/classes"


def test_next_parameter_to_another_host_goes_home(world, client):
    evil = client.login("admin.a", next="//evil.example/steal")
    assert evil.headers["Location"] == "/"


def test_session_count_is_shown_on_password_page(world, client, dbs):
    client.login("admin.a")
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 1
    assert "1 thiết bị" in client.get("/account/password").get_data(as_text=True)


def test_the_default_language_is_a_setting_and_a_choice_wins(app, make_client):
    visitor = make_client()
    assert '<h1 class="h4 mb-3">Đăng nhập</h1>' in visitor.get("/login").get_data(as_text=True)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"   # LMS_DEFAULT_LOCALE=en
    assert '<h1 class="h4 mb-3">Sign in</h1>' in visitor.get("/login").get_data(as_text=True)
    visitor.get("/language/vi")
    assert '<h1 class="h4 mb-3">Đăng nhập</h1>' in visitor.get("/login").get_data(as_text=True)
