"""Sign-in throttling keyed on the account, a per-address ceiling a lab never reaches, and sign-ins
that cannot clash with each other.

Before: the lock was keyed on the typed text, so the same phone number typed with spaces, dots,
+84 or 84 (and the account's username and e-mail) each had a counter of its own (now a phone's
spellings are one key, and every name of the account counts on the account's silent ceiling); and the first
sign-in of an account created its counter row with a select-then-insert, so two sign-ins at the
same moment gave one of them HTTP 500 on the unique key.
"""
import dataclasses
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from lms.auth.models import LoginThrottle, User
from lms.auth.services import create_user, sign_in_key, stored_key
from lms.auth.throttle import Ceiling
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from tests.conftest import PASSWORD

WRONG = "không phải mật khẩu này"


def failures_processed(dbs, user_id: int) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "login_failed",
                                                                          AuditLog.actor_id == user_id))


def test_a_phone_number_written_any_way_is_one_counter(world, make_client, app):
    spellings = ["0912000001", "0912 000 001", "+84912000001", "84912000001", "0912.000.001", "+84 912-000-001"]
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for i in range(app.config["LOGIN_LOCK_AFTER"]):
            traveller.shift(timedelta(seconds=61))
            assert make_client().login(spellings[i % len(spellings)], WRONG).status_code == 200, i
        for spelling in spellings:
            assert make_client().login(spelling, PASSWORD).status_code == 429, spelling


def test_username_email_and_phone_share_the_accounts_ceiling(world, make_client, app, dbs):
    """Every way of naming the account counts on its one (silent) ceiling; the waits a caller sees
    are counted on what was typed (test_sign_in_oracles.py: a shared visible counter linked them)."""
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        teacher.phone = "0903555666"
        teacher.phone_verified_at = utcnow()   # proven: an unproven number signs nobody in
        s.commit()
    auth = app.extensions["lms_auth"]
    limit = app.config["LOGIN_LOCK_AFTER"]
    app.extensions["lms_auth"] = dataclasses.replace(auth, account_ceiling=Ceiling(failures=limit, window_minutes=60))
    typed = ["gv.a", "GV.A@test.example", "0903 555 666", "+84903555666"]
    try:
        with time_machine.travel(utcnow(), tick=False) as traveller:
            for i in range(limit):
                traveller.shift(timedelta(seconds=61))
                assert make_client().login(typed[i % len(typed)], WRONG).status_code == 200
            for identifier in typed:   # held: even the right password reads as a wrong one
                traveller.shift(timedelta(seconds=61))
                assert make_client().login(identifier).status_code == 200, identifier
            assert failures_processed(dbs, world.a.teacher.id) == limit
            # Others are not touched; after the ceiling's window the right password works.
            assert make_client().login("kt.a").status_code == 302
            traveller.shift(timedelta(minutes=61))
            assert make_client().login("0903555666").status_code == 302
    finally:
        app.extensions["lms_auth"] = auth
    with dbs() as s:
        keys = set(s.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("t:%"))))
        everywhere = s.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == f"a:u:{world.a.teacher.id}"))
    # A delay counter per typed identifier (the two phone spellings in one) and address.
    assert keys == {f"{stored_key(sign_in_key(typed))}@127.0.0.1" for typed in ("gv.a", "gv.a@test.example", "0903555666",
                                                                              "kt.a")}
    assert not any("gv.a" in key or "0903555666" in key for key in keys)   # a digest, never what was typed
    assert everywhere == limit   # the held tries were not judged, so not counted


def test_unknown_identifiers_are_counted_by_their_normal_form(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for i in range(app.config["LOGIN_LOCK_AFTER"]):
            traveller.shift(timedelta(seconds=61))
            make_client().login("0988 777 666" if i % 2 else "+84988777666", WRONG)
        assert make_client().login("0988.777.666", WRONG).status_code == 429


def lab_pupils(app, dbs, count: int) -> list[str]:
    with dbs() as s:
        hashed = app.extensions["lms_auth"].hasher.hash(PASSWORD)
        names = []
        for i in range(count):
            create_user(s, None, username=f"lab{i:02d}", full_name=f"Học Sinh {i}", password_hash=hashed)
            names.append(f"lab{i:02d}")
        s.commit()
    return names


def test_a_lab_of_forty_from_one_address_is_never_refused(world, make_client, app, dbs):
    """Forty pupils behind one address, each mistyping three times before getting in."""
    pupils = lab_pupils(app, dbs, 40)
    for name in pupils:
        for _ in range(3):
            assert make_client().login(name, WRONG).status_code == 200
    for name in pupils:
        assert make_client().login(name).status_code == 302, name


def test_an_address_over_its_ceiling_is_refused_then_released(world, make_client, app, dbs):
    auth = app.extensions["lms_auth"]
    app.extensions["lms_auth"] = dataclasses.replace(auth, ip_ceiling=Ceiling(failures=12, window_minutes=15))
    try:
        with time_machine.travel(utcnow(), tick=False) as traveller:
            for i in range(12):  # spraying: one guess at each of many identifiers
                assert make_client().login(f"nobody{i}", WRONG).status_code == 200
            refused = make_client().login("admin.a")
            assert refused.status_code == 429 and "từ địa chỉ này" in refused.get_data(as_text=True)
            # Another address (behind a proxy configured with LMS_PROXY_HOPS) is unaffected.
            other = make_client()
            other.http.environ_base["REMOTE_ADDR"] = "10.1.2.3"
            assert other.login("admin.a").status_code == 302
            traveller.shift(timedelta(minutes=16))
            assert make_client().login("admin.a").status_code == 302
    finally:
        app.extensions["lms_auth"] = auth


def _concurrently(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run():
        barrier.wait()
        results.append(work())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _login_request(app, identifier: str, password: str, token: str, cookies: dict) -> int:
    http = app.test_client()
    for name, value in cookies.items():
        http.set_cookie(name, value)
    return http.post("/login", data={"identifier": identifier, "password": password, "csrf_token": token}).status_code


def _prepared(make_client):
    """A CSRF token and its session cookie, as a browser that opened the sign-in page has them."""
    client = make_client()
    token = client.token()
    return token, {"lms_session": client.http.get_cookie("lms_session").value}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_first_sign_ins_at_the_same_moment_all_succeed(world, make_client, app, dbs):
    """Issue #24: two sign-ins of an account that had never signed in, at the same moment, gave 500."""
    token, cookies = _prepared(make_client)
    for identifier in (f"hsb001.{world.b.school.code.lower()}", "0912000003"):   # a pupil signs in by code.school
        codes = _concurrently(8, lambda i=identifier: _login_request(app, i, PASSWORD, token, cookies))
        assert codes == [302] * 8, (identifier, codes)
    # Wrong passwords of a never-seen account at the same moment: refused, never a 500.
    codes = _concurrently(8, lambda: _login_request(app, "kt.b", WRONG, token, cookies))
    assert set(codes) <= {200, 429}, codes


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_guesses_on_one_account_are_judged_one_after_another(world, make_client, app, dbs):
    """Guesses arriving together on several workers: no more than the lock allows are processed."""
    token, cookies = _prepared(make_client)
    spellings = ["0912000001", "0912 000 001", "+84912000001", "84912000001"]
    codes = _concurrently(40, lambda: _login_request(app, spellings[threading.get_ident() % 4], WRONG, token, cookies))
    assert set(codes) <= {200, 429} and codes.count(429) > 0, codes
    assert failures_processed(dbs, world.mother_a.id) <= app.config["LOGIN_LOCK_AFTER"]


def test_the_refusal_says_when_to_come_back(world, make_client, app):
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
            make_client().login("gv.a", WRONG)
        body = make_client().login("gv.a").get_data(as_text=True)
    assert re.search(r"thử lại sau \d+ giây", body)
