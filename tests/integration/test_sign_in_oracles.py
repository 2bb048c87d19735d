"""The sign-in's waits tell nobody whether an identifier names an account, nor whether two name
the same one (issue #22, found by an outside attacker).

Before: failures were counted on the account an identifier resolved to, and on the typed text
only when it resolved to none. So five failures with a real pupil's code at the school's address
made the sixth try, `code.school` at `/login`, wait ("thử lại sau 1 giây", 429), while a made-up
code's two spellings counted apart (200): six requests told whether a code was a pupil. The same
shared counter linked a person's phone, e-mail and username; and a browser where an account had
signed in judged every identifier of that account on the browser's own counter, so a pupil at a
lab computer could tell that a phone belonged to a classmate who signed in there. Now every wait
a caller can see is counted on what was typed, in its normal form (services.sign_in_key), and the
account is guarded by a ceiling that refuses like any wrong password.
"""
import dataclasses
import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from lms.auth.models import LoginThrottle, User
from lms.auth.throttle import Ceiling
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow

WRONG = "mật khẩu đoán bừa"


def answer(response) -> tuple[int, str]:
    """Status and page, without the echoed identifier and the form's token (value attributes)."""
    return response.status_code, re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def sixth_after_five(make_client, first: tuple[str, str | None], then: tuple[str, str | None], address="127.0.0.1"):
    """Five wrong passwords with one spelling, then the sixth try with another (each from a new
    browser at `address`)."""
    def at():
        client = make_client()
        client.http.environ_base["REMOTE_ADDR"] = address
        return client

    for _ in range(5):
        assert at().login(first[0], WRONG, school=first[1] or "").status_code == 200
    return answer(at().login(then[0], WRONG, school=then[1] or ""))


# (first five, sixth): `{c}` the code, `{s}` the school's part; a school of None is `/login`.
ORDERS = ((("{c}", "{s}"), ("{c}.{s}", None)),
          (("{c}.{s}", None), ("{c}", "{s}")),
          (("{C}", "{s}"), ("{c}.{S}", None)))


def spelled(template: tuple[str, str | None], code: str, part: str) -> tuple[str, str | None]:
    fill = {"c": code, "C": code.upper(), "s": part, "S": part.upper()}
    return template[0].format(**fill), template[1].format(**fill) if template[1] else None


def test_a_real_and_a_made_up_pupil_code_get_the_same_sixth_answer(world, make_client):
    with time_machine.travel(utcnow(), tick=False):
        for number, (part, real, made_up) in enumerate((("a", "hsa001", "hsa987"), ("b", "hsb001", "hsb987"))):
            for n, (first, then) in enumerate(ORDERS):
                address = f"198.51.{100 + number}.{n + 1}"   # fresh counters for each order
                seen_real = sixth_after_five(make_client, spelled(first, real, part), spelled(then, real, part),
                                             address)
                seen_made_up = sixth_after_five(make_client, spelled(first, made_up, part),
                                                spelled(then, made_up, part), address)
                assert seen_real[0] == seen_made_up[0] == 429, (part, first, seen_real[0], seen_made_up[0])
                assert seen_real == seen_made_up, (part, first)


def test_a_pupil_code_of_digits_is_one_key_at_its_school_and_qualified():
    from lms.auth.services import sign_in_key

    # Demo codes are digits (`8910000031`), which also read as a phone number.
    assert sign_in_key("8910000031", "thcs-nd") == sign_in_key("8910000031.thcs-nd") \
        == sign_in_key(" 8910000031.THCS-ND ") == sign_in_key("8910000031.thcs-nd", "thcs-nd")
    assert sign_in_key("8910999991", "thcs-nd") == sign_in_key("8910999991.thcs-nd")
    assert sign_in_key("8910000031") != sign_in_key("8910000031", "thcs-nd")
    assert len({sign_in_key(p) for p in ("0912 000 001", "+84912000001", "84912000001", "0912.000.001")}) == 1


def test_a_persons_phone_email_and_username_are_not_linked_by_the_wait(world, make_client, dbs):
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        teacher.phone = "0903555666"
        teacher.phone_verified_at = utcnow()   # proven: an unproven number signs nobody in
        s.commit()
    with time_machine.travel(utcnow(), tick=False):
        # One person: gv.a's phone, then gv.a's e-mail, then gv.a's username.
        one = [sixth_after_five(make_client, ("0903 555 666", None), ("gv.a@test.example", None)),
               answer(make_client().login("gv.a", WRONG))]
        # Two people: a father's phone, then the accountant's e-mail and username.
        two = [sixth_after_five(make_client, ("0912 000 002", None), ("kt.a@test.example", None)),
               answer(make_client().login("kt.a", WRONG))]
        # And an identifier of nobody after a phone of nobody.
        none = [sixth_after_five(make_client, ("0903 000 999", None), ("khong.ai@test.example", None)),
                answer(make_client().login("khong.ai", WRONG))]
    assert [a[0] for a in one] == [200, 200]
    assert one == two == none


def test_a_browser_judges_what_was_typed_there_not_whose_account_it_is(world, make_client, app):
    """A lab computer where gv.a signed in: six wrong passwords with gv.a's e-mail and with the
    accountant's (who never signed in there) get the same answer; the username gv.a typed there
    keeps its own counter (a stranger elsewhere never delays it)."""
    lab = make_client()
    assert lab.login("gv.a").status_code == 302
    lab.post("/logout")
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(5):
            lab.login("gv.a@test.example", WRONG)
            lab.login("kt.a@test.example", WRONG)
        mine, other = answer(lab.login("gv.a@test.example", WRONG)), answer(lab.login("kt.a@test.example", WRONG))
        assert mine[0] == other[0] == 429 and mine == other
        for _ in range(app.config["LOGIN_LOCK_AFTER"] + 2):   # a stranger at the same address
            make_client().login("gv.a", WRONG)
        assert make_client().login("gv.a").status_code == 429
        assert lab.login("gv.a").status_code == 302


def failures(dbs, user_id: int, action: str) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action,
                                                                          AuditLog.actor_id == user_id))


def test_the_account_ceiling_refuses_like_a_wrong_password(world, make_client, app, dbs):
    """Guesses spread over the account's spellings and many addresses: past the account's ceiling
    the password is no longer tried, and the refusal reads like any wrong password — for the right
    one too, so it tells nothing — except on a browser where the owner signed in before."""
    auth = app.extensions["lms_auth"]
    app.extensions["lms_auth"] = dataclasses.replace(auth, account_ceiling=Ceiling(failures=8, window_minutes=60))
    owner = make_client()
    assert owner.login("gv.a").status_code == 302
    owner.post("/logout")
    try:
        with dbs() as s:
            teacher = s.get(User, world.a.teacher.id)
            teacher.phone = "0903555666"
            teacher.phone_verified_at = utcnow()   # proven: an unproven number signs nobody in
            s.commit()
        typed = ["gv.a", "GV.A@test.example", "0903 555 666", "+84903555666"]
        with time_machine.travel(utcnow(), tick=False) as traveller:
            for i in range(12):
                guesser = make_client()
                guesser.http.environ_base["REMOTE_ADDR"] = f"198.51.100.{i}"
                assert guesser.login(typed[i % 4], WRONG).status_code == 200
            assert failures(dbs, world.a.teacher.id, "login_failed") == 8   # only these were judged
            assert failures(dbs, world.a.teacher.id, "login_locked") == 4
            fresh = make_client()
            fresh.http.environ_base["REMOTE_ADDR"] = "203.0.113.9"
            right = answer(fresh.login("gv.a"))
            wrong = answer(make_client().login("gv.a@test.example", WRONG))
            nobody = answer(make_client().login("khong.ai.ca", WRONG))
            assert right[0] == wrong[0] == nobody[0] == 200 and right == wrong == nobody
            assert owner.login("gv.a").status_code == 302       # the owner's own browser
            owner.post("/logout")
            assert make_client().login("kt.a").status_code == 302   # other accounts untouched
            traveller.shift(timedelta(minutes=61))
            assert make_client().login("0903555666").status_code == 302
    finally:
        app.extensions["lms_auth"] = auth
    with dbs() as s:
        keys = set(s.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("u:%"))))
    assert keys == set()   # no counter a caller can see is the account's


def test_a_reset_link_lifts_the_account_ceiling(world, make_client, app, dbs):
    from lms.auth.services import issue_reset_token

    auth = app.extensions["lms_auth"]
    app.extensions["lms_auth"] = dataclasses.replace(auth, account_ceiling=Ceiling(failures=3, window_minutes=60))
    try:
        with time_machine.travel(utcnow(), tick=False):
            for _ in range(3):
                make_client().login("kt.a", WRONG)
            assert make_client().login("kt.a").status_code == 200   # silently held
            with dbs() as s:
                token = issue_reset_token(s, auth, None, s.get(User, world.a.accountant.id))
                s.commit()
            person = make_client()
            new = "một mật khẩu mới đủ dài 2026"
            assert person.post(f"/reset?t={token}", {"new_password": new, "confirm": new}).status_code == 302
            assert make_client().login("kt.a", new).status_code == 302
    finally:
        app.extensions["lms_auth"] = auth
