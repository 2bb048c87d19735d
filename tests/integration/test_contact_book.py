"""The contact book's messages: the same-morning absence by Zalo ZNS through the sandbox,
delivered later; ZNS refused, then SMS; the evening digest; quiet hours; the monthly cap;
consent; token refresh; retries without duplicates; webhooks; the cost report."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from lms.attendance import registers
from lms.auth.models import User
from lms.messaging import digest, dispatch, reports, sandbox, settings, texts
from lms.messaging.models import OutboundMessage, SandboxMessage, SandboxToken, Status
from lms.people import services
from lms.people.models import Guardianship, School, SchoolClass

TZ = "Asia/Ho_Chi_Minh"
BASE = "http://lms.test"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time in Hà Nội as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone(timedelta(hours=7))).astimezone(
        timezone.utc)


DAY = date(2026, 12, 7)     # a Monday


@pytest.fixture(autouse=True)
def _before_the_day():
    """The machine's clock at the start of DAY: notices are queued and dated at the time they are
    made (lms.core.notify calls the router without a `now`), and each test then sends at its own
    times later on DAY. Without this the tests passed only until DAY came."""
    with time_machine.travel(at(DAY, 0, 1), tick=True):
        yield


class Mailbox(list):
    def __call__(self, to, subject, body):
        self.append((to, subject, body))
        return True


def context(s, app, clock, transport=None, mail=None) -> dispatch.SendContext:
    box = app.extensions["lms_secrets"]
    return dispatch.SendContext(box=box, transport=transport or sandbox.direct_transport(s, box, BASE, clock),
                                text=lambda kind, params, locale: texts.render(kind, params),
                                mail=mail if mail is not None else Mailbox(), base_url=BASE, tz=TZ, sandbox_on=True)


def children_agree(s, parent) -> None:
    """The parent's children (all 7 or older) gave their own consent too (lms/people/child_consent.py)."""
    from lms.people import child_consent

    for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == parent.id)):
        child_consent.record(s, link.student, True)


def set_up(s, app, world, *, no_zalo: str = "", prefs=("zalo", "sms"), digest_on=True, consent=True):
    """School A with a ZNS and an eSMS account in the sandbox; the Nguyễn mother (two children)
    chose the given channels and consented."""
    box = app.extensions["lms_secrets"]
    school, admin = s.get(School, world.a.school.id), s.get(User, world.a.admin.id)
    now = at(DAY, 7)
    settings.save_account(s, admin, school, "zns", {
        "app_id": "1234567890", "oa_id": "9876543210", "template_absence": "301", "template_digest": "302",
        "template_notice": "303", "app_secret": "app-secret", "oa_secret_key": "oa-secret", "refresh_token": "rt-0",
        "sandbox_no_zalo": no_zalo}, enabled=True, sandbox=True, box=box, now=now)
    settings.save_account(s, admin, school, "esms", {"brandname": "THCS.THUA", "api_key": "api-key",
                                                    "secret_key": "esms-secret"},
                          enabled=True, sandbox=True, box=box, now=now)
    mother = s.get(User, world.mother_a.id)
    if consent:
        for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == mother.id)):
            services.set_consent(s, mother, link, True)
    children_agree(s, mother)
    settings.save_preference(s, mother, settings.PreferenceInput(email=False, zalo="zalo" in prefs,
                                                                 sms="sms" in prefs, digest=digest_on,
                                                                 digest_time=None), now=now)
    s.commit()
    return mother


def absent(s, world, day=DAY, code="HSA001"):
    """Mark one more pupil absent without permission on the day's register at 07:15 that day (the
    others keep their marks: saving a register without them would correct them to present). The
    clock is that morning's: only an absence about the day it is recorded on is urgent."""
    school_class = s.get(SchoolClass, world.a.school_class.id)
    register = registers.register_of(s, school_class.id, day, 0)
    marks = {m.student_id: m.status for m in register.marks} if register else {}
    with time_machine.travel(at(day, 7, 15), tick=False):
        registers.take_register(s, s.get(User, world.a.teacher.id), "teacher", school_class, day, 0,
                                {**marks, world.a.students[code].id: "K"}, now=at(day, 7, 15), today=day)
        s.commit()


def messages(s, **where) -> list[OutboundMessage]:
    stmt = select(OutboundMessage).order_by(OutboundMessage.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboundMessage, name) == value)
    return list(s.scalars(stmt))


def test_absence_goes_by_zalo_at_once_and_is_reported_delivered_later(world, app, dbs):
    with dbs() as s:
        set_up(s, app, world)
        absent(s, world)
        [zns] = messages(s)
        assert (zns.channel, zns.kind, zns.urgent, zns.status, zns.student_id) == \
            ("zns", "absence", True, "queued", world.a.students["HSA001"].id)
        now = at(DAY, 7, 16)
        assert dispatch.send_due(s, now, context(s, app, lambda: now)) == 1
        zns = s.get(OutboundMessage, zns.id)
        assert zns.status == Status.ACCEPTED and zns.provider_id and zns.cost == 250 and zns.address == "0912000001"
        sent = zns.payload["sent"]
        assert sent["template_id"] == "301"
        assert sent["template_data"] == {"student_name": "Nguyễn Văn An", "class_name": "6A1", "date": "07/12/2026",
                                         "status": "Vắng không phép", "school_name": "Trường THCS Thử A"}
        box_row = s.scalars(select(SandboxMessage)).one()
        assert box_row.payload["tracking_id"] == zns.tracking_id and box_row.phone == "0912000001"
        # The refresh token was spent and a new one kept, sealed.
        account = settings.account_of(s, world.a.school.id, "zns")
        assert settings.secrets_of(app.extensions["lms_secrets"], account)["refresh_token"] != "rt-0"
        assert "rt-0" not in account.secret and settings.access_token_of(app.extensions["lms_secrets"], account)
        # Zalo reports the delivery half a minute later, signed; a second report changes nothing.
        later = now + timedelta(seconds=31)
        calls = sandbox.due_reports(s, app.extensions["lms_secrets"], later, BASE)
        assert len(calls) == 1 and calls[0][2]["X-ZEvent-Signature"].startswith("mac=")
        assert sandbox.deliver_directly(s, app.extensions["lms_secrets"], calls + calls, later) == 2
        s.commit()
        zns = s.get(OutboundMessage, zns.id)
        assert zns.status == Status.DELIVERED and zns.delivered_at is not None
        # Another pupil absent the same day: the access token is reused, not refreshed.
        absent(s, world, code="HSA002")
        dispatch.send_due(s, later, context(s, app, lambda: later))
        assert s.scalar(select(func.count()).select_from(SandboxToken)) == 1


def test_zalo_refused_then_sms_and_only_when_the_parent_ticked_sms(world, app, dbs):
    with dbs() as s:
        set_up(s, app, world, no_zalo="0912000001")
        absent(s, world)
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        zns, sms = messages(s)
        assert (zns.status, zns.error_code, zns.error_text) == ("failed", "-118", "Zalo account not existed")
        assert (sms.channel, sms.fallback_of_id, sms.status, sms.urgent) == ("sms", zns.id, "accepted", True)
        text = sms.payload["sent"]["text"]
        assert text.startswith("Truong THCS Thu A: Em Nguyen Van An (lop 6A1) vang mat khong phep ngay 07/12/2026")
        assert text.isascii() and sms.segments == 1 and sms.cost == 800
        later = now + timedelta(minutes=1)
        sandbox.deliver_directly(s, app.extensions["lms_secrets"],
                                 sandbox.due_reports(s, app.extensions["lms_secrets"], later, BASE), later)
        s.commit()
        assert s.get(OutboundMessage, sms.id).status == Status.DELIVERED
        # A parent who chose Zalo only gets no SMS.
        mother = s.get(User, world.mother_a.id)
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, False, True, None), now=later)
        absent(s, world, code="HSA002")
        dispatch.send_due(s, later, context(s, app, lambda: later))
        assert [m.channel for m in messages(s, fallback_of_id=messages(s)[-1].id)] == []
        assert messages(s)[-1].status == "failed"


def test_notices_wait_for_the_digest_or_the_end_of_quiet_hours(world, app, dbs):
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        comms.post_announcement(s, s.get(User, world.a.teacher.id), school_class, None, "Họp phụ huynh",
                                "Thứ bảy 8 giờ")
        s.commit()
        assert messages(s) == []                     # the evening digest will carry it
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, True, False, None),
                                 now=at(DAY, 7))
        comms.post_announcement(s, s.get(User, world.a.teacher.id), school_class, None, "Nghỉ học", "Bão")
        s.commit()
        [notice] = messages(s)
        assert (notice.kind, notice.urgent, notice.channel) == ("announcement", False, "zns")
        # At 22:30 it waits for 06:00; at 06:00 it goes.
        night = at(DAY, 22, 30)
        dispatch.send_due(s, night, context(s, app, lambda: night))
        notice = s.get(OutboundMessage, notice.id)
        assert notice.status == "queued" and notice.send_after == at(DAY + timedelta(days=1), 6)
        assert s.scalar(select(func.count()).select_from(SandboxMessage)) == 0
        morning = at(DAY + timedelta(days=1), 6, 1)
        dispatch.send_due(s, morning, context(s, app, lambda: morning))
        notice = s.get(OutboundMessage, notice.id)
        assert notice.status == "accepted" and notice.payload["sent"]["template_id"] == "303"
        assert notice.payload["sent"]["template_data"]["title"] == "Thông báo"
        # An urgent absence at night goes through (the school lets urgent kinds through)...
        absent(s, world, day=DAY + timedelta(days=1))
        night2 = at(DAY + timedelta(days=1), 23, 0)
        dispatch.send_due(s, night2, context(s, app, lambda: night2))
        assert messages(s, kind="absence")[0].status == "accepted"


def test_quiet_hours_that_end_when_they_start_are_refused_on_their_field(world, app, dbs):
    from lms.core.errors import ValidationError

    with dbs() as s:
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_start = data.quiet_end = time(6, 0)
        with pytest.raises(ValidationError) as refused:
            settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data,
                                   now=at(DAY, 7))
        assert refused.value.field == "quiet_end"


def test_quiet_hours_hold_urgent_notices_too_when_the_school_says_so(world, app, dbs):
    with dbs() as s:
        set_up(s, app, world)
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.urgent_bypass = False
        settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data,
                               now=at(DAY, 7))
        absent(s, world)
        night = at(DAY, 21, 30)
        dispatch.send_due(s, night, context(s, app, lambda: night))
        assert messages(s)[0].status == "queued"


def test_evening_digest_once_a_day_with_what_happened(world, app, dbs):
    from lms.gradebook import book
    from lms.people.models import Course

    with dbs() as s:
        set_up(s, app, world)
        an = world.a.students["HSA001"].id
        course = s.get(Course, world.a.course.id)
        result = book.save_grid(s, s.get(User, world.a.teacher.id), "teacher", course, 1,
                                [book.CellInput(an, "tx1", "8,5")], now=at(DAY, 10))
        assert not result.issues
        from lms.courses import comms

        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Họp phụ huynh", "Thứ bảy")
        s.commit()
        registers.take_register(s, s.get(User, world.a.teacher.id), "teacher",
                                s.get(SchoolClass, world.a.school_class.id), DAY, 0,
                                {world.a.students["HSA002"].id: "M"}, now=at(DAY, 7), today=DAY)
        s.commit()
        assert digest.compose_school(s, world.a.school.id, at(DAY, 18, 59), TZ) == 0     # not yet time
        evening = at(DAY, 19, 5)
        assert digest.compose_school(s, world.a.school.id, evening, TZ) == 1
        assert digest.compose_school(s, world.a.school.id, evening + timedelta(minutes=1), TZ) == 0
        [message] = messages(s, kind="digest")
        kinds = [i["kind"] for i in message.payload["items"]]
        assert kinds[0] == "digest_late" and "digest_mark" in kinds and "announcement" in kinds
        mark = next(i for i in message.payload["items"] if i["kind"] == "digest_mark")
        assert mark["params"] == {"student": "Nguyễn Văn An", "subject": "Toán", "mark": "8,5", "column": "TX1"}
        assert message.payload["students"] == ["An", "Bình"] and message.student_id is None
        dispatch.send_due(s, evening, context(s, app, lambda: evening))
        message = s.get(OutboundMessage, message.id)
        data = message.payload["sent"]["template_data"]
        assert message.payload["sent"]["template_id"] == "302" and data["student_name"] == "An, Bình"
        # Who was late or absent is said, not counted (outside tester F6): the parent need not open the app.
        assert data["summary"] == "Bình đi muộn, 1 điểm mới, 1 thông báo" and data["count"] == "3"
        # The next evening tells only what is new since: nothing, so nothing is sent.
        assert digest.compose_school(s, world.a.school.id, at(DAY + timedelta(days=1), 19, 5), TZ) == 1
        assert len(messages(s, kind="digest")) == 1


def test_the_monthly_cap_stops_paid_notices_but_not_an_absence(world, app, dbs):
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world)
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.monthly_cap = 1
        settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data,
                               now=at(DAY, 7))
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, True, False, None), now=at(DAY, 7))
        for title in ("Một", "Hai"):
            comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                    None, title, "…")
        s.commit()
        noon = at(DAY, 12)
        dispatch.send_due(s, noon, context(s, app, lambda: noon))
        assert [m.status for m in messages(s)] == ["accepted", "capped"]
        absent(s, world)
        dispatch.send_due(s, noon, context(s, app, lambda: noon))
        assert messages(s, kind="absence")[0].status == "accepted"
        # The next month starts afresh.
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Ba", "…")
        s.commit()
        january = at(date(2027, 1, 4), 12)
        dispatch.send_due(s, january, context(s, app, lambda: january))
        assert messages(s)[-1].status == "accepted"


def test_consent_gates_every_paid_message(world, app, dbs):
    with dbs() as s:
        mother = set_up(s, app, world, consent=False)
        absent(s, world)
        # No consent to the child's data: only the app, and the stopped message is recorded.
        [stopped] = messages(s)
        assert (stopped.channel, stopped.status, stopped.error_code) == ("zns", "skipped", "consent")
        for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == mother.id)):
            services.set_consent(s, mother, link, True)
        s.commit()
        absent(s, world, code="HSA002")
        [_stopped, queued] = messages(s)
        # Withdrawn before it went: not sent.
        link = s.scalars(select(Guardianship).where(Guardianship.guardian_id == mother.id,
                                                    Guardianship.student_id == world.a.students["HSA002"].id)).one()
        services.set_consent(s, mother, link, False)
        s.commit()
        now = at(DAY, 8)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        assert s.get(OutboundMessage, queued.id).status == "skipped"
        # Unticking Zalo and SMS stops what is queued and is recorded as a withdrawal.
        services.set_consent(s, mother, link, True)
        absent(s, world, day=DAY + timedelta(days=1), code="HSA002")
        settings.save_preference(s, mother, settings.PreferenceInput(True, False, False, True, None), now=now)
        s.commit()
        assert messages(s)[-1].status == "skipped" and messages(s)[-1].error_code == "withdrawn"
        assert settings.preference_of(s, mother.id).withdrawn_at is not None


def test_token_refresh_is_one_time_and_a_refused_refresh_is_the_schools_to_fix(world, app, dbs):
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world)
        absent(s, world)
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        # The old refresh token is spent: the sandbox refuses it as Zalo does.
        status, answer = sandbox.zalo_token(s, box, "app-secret", {"app_id": "1234567890", "refresh_token": "rt-0",
                                                                   "grant_type": "refresh_token"}, now)
        assert answer["error"] == -14014
        # An access token Zalo no longer takes (-124): refreshed once and the send tried again.
        s.execute(SandboxToken.__table__.update().values(expires_at=now))
        s.commit()
        absent(s, world, code="HSA002")
        later = now + timedelta(minutes=2)
        dispatch.send_due(s, later, context(s, app, lambda: later))
        assert messages(s)[-1].status == "accepted"
        assert s.scalar(select(func.count()).select_from(SandboxToken)) == 2
        # A school that pastes a refresh token Zalo does not know: refused, the ZNS fails, SMS follows.
        account = settings.account_of(s, world.a.school.id, "zns")
        settings.save_account(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), "zns",
                              {**account.public, "refresh_token": "rt-typo"}, enabled=True, sandbox=True, box=box,
                              now=later)
        absent(s, world, day=DAY + timedelta(days=1))
        tomorrow = at(DAY + timedelta(days=1), 7, 20)
        dispatch.send_due(s, tomorrow, context(s, app, lambda: tomorrow))
        zns, sms = messages(s)[-2:]
        assert (zns.status, zns.error_code) == ("failed", "token") and "refresh token is invalid" in zns.error_text
        assert sms.channel == "sms" and sms.status == "accepted"


def test_retries_back_off_and_nothing_is_sent_twice(world, app, dbs):
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world, prefs=("sms",))
        absent(s, world)
        [sms] = messages(s)
        now = at(DAY, 7, 16)
        direct = sandbox.direct_transport(s, box, BASE, lambda: now)
        down = lambda *a: (503, {}, True)  # noqa: E731
        dispatch.send_due(s, now, context(s, app, lambda: now, transport=down))
        sms = s.get(OutboundMessage, sms.id)
        assert (sms.status, sms.attempts, sms.send_after) == ("queued", 1, now + timedelta(minutes=1))
        assert dispatch.send_due(s, now + timedelta(seconds=30), context(s, app, lambda: now, transport=down)) == 0
        # The answer is lost after eSMS took it: sent again with the same RequestId, taken once.
        def lost_answer(method, url, headers, body):
            direct(method, url, headers, body)
            return 599, {}, True
        dispatch.send_due(s, now + timedelta(minutes=1), context(s, app, lambda: now, transport=lost_answer))
        sms = s.get(OutboundMessage, sms.id)
        assert (sms.status, sms.attempts) == ("queued", 2)
        dispatch.send_due(s, now + timedelta(minutes=7), context(s, app, lambda: now, transport=direct))
        sms = s.get(OutboundMessage, sms.id)
        assert sms.status == "accepted" and sms.provider_id is None          # eSMS: Duplicate RequestId
        assert s.scalar(select(func.count()).select_from(SandboxMessage)) == 1
        # Its report still finds it, by RequestId.
        later = now + timedelta(minutes=9)
        sandbox.deliver_directly(s, box, sandbox.due_reports(s, box, later, BASE), later)
        s.commit()
        assert s.get(OutboundMessage, sms.id).status == "delivered"


def test_a_zalo_call_without_an_answer_is_never_sent_again(world, app, dbs):
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world, prefs=("zalo", "sms"))
        absent(s, world)
        now = at(DAY, 7, 16)
        direct = sandbox.direct_transport(s, box, BASE, lambda: now)

        def timeout_on_send(method, url, headers, body):
            answer = direct(method, url, headers, body)
            return (599, {}, True) if url.endswith("/message/template") else answer
        dispatch.send_due(s, now, context(s, app, lambda: now, transport=timeout_on_send))
        [zns] = messages(s)
        assert zns.status == "unknown" and zns.attempts == 1            # no retry, no SMS on top
        # The delivery report settles it.
        later = now + timedelta(minutes=1)
        sandbox.deliver_directly(s, box, sandbox.due_reports(s, box, later, BASE), later)
        s.commit()
        assert s.get(OutboundMessage, zns.id).status == "delivered"
        # A sender that died mid-call leaves a ZNS unknown but sends an SMS again.
        absent(s, world, code="HSA002")
        stuck = messages(s)[-1]
        stuck.status, stuck.lease_until = "sending", later
        s.commit()
        dispatch.send_due(s, later + timedelta(minutes=6), context(s, app, lambda: later))
        assert s.get(OutboundMessage, stuck.id).status == "unknown"


def test_webhooks_check_who_is_calling(world, app, dbs, client):
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world)
        absent(s, world)
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        zns_id = messages(s)[0].id
        [(_m, _url, headers, raw)] = sandbox.due_reports(s, box, now + timedelta(minutes=1), BASE)
        s.commit()
    forged = raw.replace(b"user_received_message", b"user_received_messagE")
    assert client.http.post("/hooks/zalo", data=forged, headers=headers).status_code == 401
    assert client.http.post("/hooks/zalo", data=raw, headers={"X-ZEvent-Signature": "mac=00"}).status_code == 401
    with dbs() as s:
        assert s.get(OutboundMessage, zns_id).status == "accepted"
    answer = client.http.post("/hooks/zalo", data=raw, headers=headers)
    assert answer.status_code == 200 and answer.get_json() == {"error": 0, "message": "Success"}
    with dbs() as s:
        assert s.get(OutboundMessage, zns_id).status == "delivered"
        token = settings.account_of(s, world.a.school.id, "esms").hook_token
    assert client.get("/hooks/esms/not-a-token?SMSID=x&SendStatus=5").status_code == 404
    assert client.get(f"/hooks/esms/{token}?SMSID=unknown&SendStatus=5&SendSuccess=1").status_code == 200


def test_the_cost_report_adds_up(world, app, dbs, client, make_client):
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world, no_zalo="0912000002")
        father = s.get(User, world.father_ab.id)
        for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == father.id)):
            services.set_consent(s, father, link, True)
        children_agree(s, father)
        settings.save_preference(s, father, settings.PreferenceInput(False, True, True, False, None), now=at(DAY, 7))
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, True, False, None), now=at(DAY, 7))
        absent(s, world)                                      # mother: ZNS
        absent(s, world, code="HSA003")                       # father: ZNS refused → SMS
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Họp", "…")             # both: ZNS (father's refused → SMS)
        s.commit()
        noon = at(DAY, 12)
        dispatch.send_due(s, noon, context(s, app, lambda: noon))
        start, end = at(date(2026, 12, 1), 0), at(date(2027, 1, 1), 0)
        lines, total = reports.cost_report(s, world.a.school.id, start, end)
        by = {line.channel: line for line in lines}
        assert (by["zns"].made, by["zns"].sent, by["zns"].failed, by["zns"].cost) == (4, 2, 2, 500)
        sms_cost = sum(m.cost for m in messages(s, channel="sms"))
        assert (by["sms"].made, by["sms"].sent, by["sms"].cost) == (2, 2, sms_cost) and sms_cost == 1600
        # The SMS's charged segments are on the report, so count × segments × price adds up.
        assert by["sms"].segments == sum(m.segments for m in messages(s, channel="sms")) == 2
        assert by["sms"].segments * 800 == by["sms"].cost and total.segments == 2
        assert total.cost == 2100 and total.made == sum(line.made for line in lines) == 6
        failures = list(s.scalars(reports.problems_query(world.a.school.id, start, end)))
        assert {m.error_code for m in failures} == {"-118"}
    client.login("admin.a")
    page = client.get("/contact-book/report?month=2026-12").get_data(as_text=True)
    assert 'data-channel="total"' in page and "2.100 ₫" in page
    assert '<td class="text-end" data-col="segments">2</td>' in page and "số đoạn SMS tính phí × đơn giá" in page
    problems = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "Số điện thoại của phụ huynh chưa có tài khoản Zalo" in problems
    # What was actually sent is shown: the ZNS template and its parameters.
    assert 'data-col="sent-text">ZNS #301: ' in problems and "Vắng không phép" in problems
    mother = make_client()
    mother.login("0912000001")
    mine = mother.get("/notices/settings").get_data(as_text=True)
    # The parent reads the values under their labels, not the template id and parameter names.
    assert 'data-col="sent-text">Tên học sinh: Nguyễn Văn An · Lớp: 6A1 · Ngày: 07/12/2026 · Tình trạng: Vắng không phép' \
        in mine and "ZNS #301" not in mine and "student_name" not in mine
    mother.get("/language/en")
    assert "Pupil: Nguyễn Văn An · Class: 6A1" in mother.get("/notices/settings").get_data(as_text=True)


def test_pages_save_settings_accounts_and_a_parents_choices(world, app, dbs, client, make_client):
    client.login("admin.a")
    page = client.get("/contact-book")
    assert page.status_code == 200 and 'id="account-zns"' in page.get_data(as_text=True)
    bad = client.post("/contact-book", {"quiet_start": "21:00", "quiet_end": "06:00", "digest_time": "22:00",
                                        "urgent_bypass": "y", "monthly_cap": "40", "zns_cost": "250",
                                        "sms_cost": "800", "hw_minutes_primary": "30", "hw_minutes_lower": "90",
                                        "hw_minutes_upper": "120", "hw_latest_due": "20:00"})
    assert bad.status_code == 422 and "ngoài giờ yên lặng" in bad.get_data(as_text=True)
    good = client.post("/contact-book", {"quiet_start": "21:30", "quiet_end": "06:00", "digest_time": "19:30",
                                         "monthly_cap": "30", "zns_cost": "220", "sms_cost": "750",
                                         "hw_minutes_primary": "20", "hw_minutes_lower": "90",
                                         "hw_minutes_upper": "120", "hw_latest_due": "20:00"})
    assert good.status_code == 302
    saved = client.post("/contact-book/accounts/zns", {
        "app_id": "1234567890", "oa_id": "9876543210", "template_absence": "301", "template_digest": "302",
        "template_notice": "303", "app_secret": "top-secret-app", "oa_secret_key": "top-secret-oa",
        "refresh_token": "top-secret-refresh", "enabled": "y", "sandbox": "y"})
    assert saved.status_code == 302
    body = client.get("/contact-book").get_data(as_text=True)
    assert "top-secret" not in body and 'value="1234567890"' in body
    refused = client.post("/contact-book/accounts/esms", {"brandname": "tên có dấu", "enabled": "y"})
    assert refused.status_code == 422 and "chưa đúng" in refused.get_data(as_text=True)
    with dbs() as s:
        row = settings.settings_of(s, world.a.school.id)
        assert (row.quiet_start, row.monthly_cap, row.urgent_bypass) == (time(21, 30), 30, False)
        account = settings.account_of(s, world.a.school.id, "zns")
        assert account.sandbox and settings.secrets_of(app.extensions["lms_secrets"], account)["app_secret"] == \
            "top-secret-app"
        assert settings.account_of(s, world.a.school.id, "esms") is None
    parent = make_client()
    parent.login("0912000001")
    assert parent.get("/contact-book").status_code == 403
    page = parent.get("/notices/settings").get_data(as_text=True)
    assert 'id="zalo"' in page and 'id="zalo" name="zalo" type="checkbox" value="y">' in page   # never pre-ticked
    late = parent.post("/notices/settings", {"zalo": "y", "digest": "y", "digest_time": "22:00"})
    assert late.status_code == 422
    assert parent.post("/notices/settings", {"zalo": "y", "digest": "y", "digest_time": "20:00"}).status_code == 302
    with dbs() as s:
        pref = settings.preference_of(s, world.mother_a.id)
        assert pref.zalo and not pref.email and pref.consent_at and pref.consent_version == "2026-12"
        assert pref.digest_time == time(20, 0)


def test_guardians_email_goes_in_the_digest_when_smtp_is_set(world, app, dbs):
    from lms.courses import comms
    from lms.messaging import routing

    routing.configure(email=True)
    try:
        with dbs() as s:
            mother = s.get(User, world.mother_a.id)
            mother.email = "lan@example.vn"
            s.commit()
            comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                    None, "Họp", "…")
            s.commit()
            assert messages(s) == []     # the digest will carry it (and the core sends no e-mail for it)
            evening = at(DAY, 19, 5)
            digest.compose_school(s, world.a.school.id, evening, TZ)
            [mail] = messages(s)
            assert mail.channel == "email" and mail.address == "lan@example.vn"
            box = Mailbox()
            dispatch.send_due(s, evening, context(s, app, lambda: evening, mail=box))
            assert s.get(OutboundMessage, mail.id).status == "delivered"
            [(to, subject, body)] = box
            assert to == "lan@example.vn" and "Tin trong ngày 07/12/2026" in subject and "Họp" in body
    finally:
        routing.configure(email=False)


def test_the_running_app_sends_through_the_sandbox_over_its_own_routes(world, app, dbs, client):
    """The scheduler's task: the absence taken on the page goes by ZNS through the sandbox's HTTP
    endpoints, and the sandbox's signed webhook comes back through /hooks/zalo."""
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.messaging.views_hooks import run_contact_book

    with dbs() as s:
        set_up(s, app, world)
    client.login("gv.a")
    today = (utcnow() + timedelta(hours=7)).date()
    an = world.a.students["HSA001"].id
    assert client.post(f"/attendance/classes/{world.a.school_class.id}",
                       {"day": today.isoformat(), "period": "0", "course_id": "0", f"s-{an}": "K"}).status_code == 302
    with app.app_context():
        run_contact_book(db.session, utcnow())
        db.session.commit()
        db.session.remove()
    with dbs() as s:
        [zns] = messages(s)
        assert zns.status == "accepted" and zns.provider_id
    with app.app_context():
        run_contact_book(db.session, utcnow() + timedelta(minutes=1))
        db.session.commit()
        db.session.remove()
    with dbs() as s:
        assert s.get(OutboundMessage, zns.id).status == "delivered"
    # The parent sees what was sent on the settings page.
    parent = client.__class__(app)
    parent.login("0912000001")
    page = parent.get("/notices/settings").get_data(as_text=True)
    assert 'data-status="delivered" data-channel="zns"' in page


def test_a_refused_provider_account_keeps_what_the_admin_typed_and_names_the_field(world, client):
    client.login("admin.a")
    typed = {"app_id": "", "oa_id": "9876543210", "template_absence": "301", "template_digest": "abc",
             "template_notice": "303", "enabled": "y"}
    page = client.post("/contact-book/accounts/zns", typed)
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'value="9876543210"' in body and 'value="abc"' in body          # nothing typed is lost
    assert "Nhập “App ID (ứng dụng Zalo)”." in body and 'aria-invalid="true"' in body


def test_every_refused_provider_field_says_what_is_expected_summarised_at_the_top(world, client):
    client.login("admin.a")
    page = client.post("/contact-book/accounts/zns", {
        "app_id": "1" * 5000, "oa_id": "9876543210", "template_absence": "301", "template_digest": "302",
        "template_notice": "303", "app_secret": "x" * 100_000, "enabled": "y"})
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="error-summary-zns"' in body and "Cần sửa (4):" in body
    assert "“App ID (ứng dụng Zalo)” chưa đúng: cần chỉ gồm chữ số, từ 5 đến 25 chữ số (đã nhập 5.000 ký tự)." in body
    assert "cần tối đa 200 ký tự, dán đúng như nhà cung cấp cấp (đã nhập 100.000 ký tự)" in body
    assert "Nhập “Khoá bí mật của OA (xác thực webhook)”." in body and "Nhập “Refresh token của OA”." in body
    assert 'href="#zns-app_id"' in body
    for brand, typed in (("Trường Nguyễn Du", 16), ("THCS" * 125, 500)):
        page = client.post("/contact-book/accounts/esms", {"brandname": brand, "api_key": "k", "secret_key": "s",
                                                           "enabled": "y"})
        assert page.status_code == 422 and "Cần sửa (1):" in page.get_data(as_text=True)
        assert (f"“Brandname đã đăng ký” chưa đúng: cần từ 2 đến 11 ký tự không dấu: chữ cái, chữ số, dấu cách, "
                f"dấu chấm, gạch dưới, gạch ngang (như đã đăng ký với nhà mạng) (đã nhập {typed} ký tự).") in \
            page.get_data(as_text=True)
    # Whether a secret is stored is said (never the secret).
    assert client.post("/contact-book/accounts/esms", {"brandname": "THCS.THUA", "api_key": "api-key-1",
                                                       "secret_key": "secret-1", "enabled": "y"}).status_code == 302
    body = client.get("/contact-book").get_data(as_text=True)
    assert body.count("Đã lưu một khoá; để trống để giữ khoá này.") == 2 and "secret-1" not in body
    assert body.count("Chưa lưu khoá nào.") == 3                          # Zalo's three


def test_a_providers_failure_reason_is_said_in_the_readers_language_with_its_code(world, app, dbs, make_client):
    with dbs() as s:
        set_up(s, app, world, no_zalo="0912000001")
        absent(s, world)
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        [zns, _sms] = messages(s)
        assert (zns.error_code, zns.error_text) == ("-118", "Zalo account not existed")   # kept as Zalo said it
    admin = make_client()
    admin.login("admin.a")
    body = admin.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "<code>Zalo -118</code> Số điện thoại của phụ huynh chưa có tài khoản Zalo" in body
    assert "Zalo account not existed" not in body
    admin.get("/language/en")
    body = admin.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "<code>Zalo -118</code> The parent&#39;s phone number has no Zalo account" in body


def test_every_published_provider_code_has_a_reason_of_its_own():
    from lms.messaging import reasons
    from lms.messaging.providers import esms, zns

    assert {str(c) for c in zns.ERRORS} <= set(reasons.ZNS) and set(esms.CODES) <= set(reasons.ESMS)
    assert reasons.reason("zns", "-999", "Something new") == "Something new"        # an unknown code: its own words


def test_shortened_quiet_hours_retime_held_notices_and_a_digest_time_inside_them_is_counted(world, app, dbs):
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world)
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, True, False, None),
                                 now=at(DAY, 0, 1))
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Nghỉ học", "Bão")
        s.commit()
        [notice] = messages(s)
        assert notice.send_after == at(DAY, 6)             # made at 00:01, held to the end of the quiet hours
        admin, school = s.get(User, world.a.admin.id), s.get(School, world.a.school.id)
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_end = time(5, 0)
        settings.save_settings(s, admin, school, data, now=at(DAY, 0, 30))
        s.commit()
        assert s.get(OutboundMessage, notice.id).send_after == at(DAY, 5)
        # A parent's digest at 20:30, then quiet hours from 20:00: the school is told of it.
        father = s.get(User, world.father_ab.id)
        settings.save_preference(s, father, settings.PreferenceInput(False, True, True, True, time(20, 30)),
                                 now=at(DAY, 0, 40))
        assert settings.digests_in_quiet(s, world.a.school.id) == 0
        data.quiet_start = time(20, 0)
        settings.save_settings(s, admin, school, data, now=at(DAY, 0, 45))
        assert settings.digests_in_quiet(s, world.a.school.id) == 1


@pytest.mark.parametrize("digest_on", [False, True])
def test_payment_reminders_are_one_message_a_day_per_parent(world, app, dbs, digest_on):
    """A mother of two pupils with two unpaid invoices each, reminded twice in a day: one message
    that evening (Zalo refused, so one SMS in its place) listing each invoice once — child, code,
    amount, due date — whether she has the digest or each notice as it happens; in the app she
    keeps one notice per invoice and reminder. It was one message per invoice and reminder."""
    from lms.billing import queries
    from lms.billing.models import Invoice
    from tests.billing_helpers import issue, set_up_fees

    with dbs() as s:
        mother = set_up(s, app, world, no_zalo="0912000001", digest_on=digest_on)
        with time_machine.travel(at(DAY - timedelta(days=1), 10), tick=False):    # billed the day before
            set_up_fees(s, world.a)
            issue(s, world.a, 9)
            issue(s, world.a, 10)
            s.commit()
        school, accountant = s.get(School, world.a.school.id), s.get(User, world.a.accountant.id)
        kids = {world.a.students["HSA001"].id, world.a.students["HSA002"].id}
        invoices = list(s.scalars(select(Invoice).where(Invoice.student_id.in_(kids))))
        assert len(invoices) == 4
        for hour in (9, 15):
            queries.remind_unpaid(s, accountant, school, DAY, now=at(DAY, hour))
            s.commit()
        assert messages(s, user_id=mother.id, kind="invoice_reminder") == []   # not one message per invoice
        evening = at(DAY, 19, 5)
        assert digest.compose_school(s, world.a.school.id, evening, TZ) >= 1
        dispatch.send_due(s, evening, context(s, app, lambda: evening))
        dispatch.send_due(s, evening, context(s, app, lambda: evening))
        s.commit()
        mine = [m for m in messages(s, user_id=mother.id) if m.kind != "invoice_issued"]
        assert [(m.kind, m.channel, m.status) for m in mine] == [("digest", "zns", "failed"),
                                                                 ("digest", "sms", "accepted")]
        text = mine[1].payload["sent"]["text"]
        for invoice in invoices:
            assert invoice.code in text, (invoice.code, text)
        assert "Em Nguyen Van An chua nop" in text and "Em Nguyen Thi Binh chua nop" in text
        lines = [i for i in mine[1].payload["items"] if i["kind"] == "digest_invoices"]
        assert sorted(len(i["params"]["invoices"]) for i in lines) == [2, 2]
        assert "4 khoản cần nộp" in texts.summary(mine[1].payload["items"])
        # The next evening, nothing new: nothing sent.
        digest.compose_school(s, world.a.school.id, at(DAY + timedelta(days=1), 19, 5), TZ)
        assert len(messages(s, user_id=mother.id, kind="digest")) == 2


def test_a_notice_already_sent_on_its_own_is_not_told_again_in_the_digest(world, app, dbs):
    """A parent who had each notice as it happens, then switches to the digest the same day, is not
    sent (and charged for) the notices that already went one by one (outside tester F3)."""
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world, digest_on=False)
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Họp phụ huynh", "Thứ bảy")
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Nghỉ học chiều thứ sáu", "Sửa điện")
        s.commit()
        morning = at(DAY, 6, 55)
        dispatch.send_due(s, morning, context(s, app, lambda: morning))
        sent = messages(s)
        assert len(sent) == 2 and {m.status for m in sent} == {"accepted"}
        # The second announcement's message failed on every channel: the digest still tells it.
        failed = next(m for m in sent if m.payload["params"]["title"] == "Nghỉ học chiều thứ sáu")
        failed.status = "failed"
        settings.save_preference(s, mother, settings.PreferenceInput(email=False, zalo=True, sms=True, digest=True,
                                                                     digest_time=None), now=at(DAY, 7))
        s.commit()
        evening = at(DAY, 19, 5)
        assert digest.compose_school(s, world.a.school.id, evening, TZ) == 1
        [message] = messages(s, kind="digest")
        assert [i["params"]["title"] for i in message.payload["items"]] == ["Nghỉ học chiều thứ sáu"]


def test_a_notice_whose_zalo_failed_but_whose_sms_went_is_not_told_again_in_the_digest(world, app, dbs):
    """The SMS that follows a refused Zalo message tells its notice as well as the Zalo would have
    (outside re-test of F3: the demo's announcement went by SMS at 06:01 and came again in the
    08:45 digest)."""
    import uuid

    from lms.courses import comms
    from lms.messaging.models import OutboundMessage

    with dbs() as s:
        mother = set_up(s, app, world, digest_on=False)
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Đổi lịch học ngày mai", "Tiết 1 chuyển sang chiều")
        s.commit()
        morning = at(DAY, 6, 1)
        dispatch.send_due(s, morning, context(s, app, lambda: morning))
        [zalo] = messages(s)
        zalo.status = "failed"
        s.add(OutboundMessage(school_id=zalo.school_id, user_id=zalo.user_id, channel="sms", kind=zalo.kind,
                              dedupe_key=f"fb{zalo.id}", tracking_id=uuid.uuid4().hex, payload=zalo.payload,
                              status="delivered", send_after=morning, fallback_of_id=zalo.id, created_at=morning))
        settings.save_preference(s, mother, settings.PreferenceInput(email=False, zalo=True, sms=True, digest=True,
                                                                     digest_time=None), now=at(DAY, 8, 30))
        s.commit()
        evening = at(DAY, 19, 5)
        digest.compose_school(s, world.a.school.id, evening, TZ)
        titles = [i.get("params", {}).get("title") for m in messages(s, kind="digest") for i in m.payload["items"]]
        assert "Đổi lịch học ngày mai" not in titles, titles
