"""What the contact book tells parents is what is true of the day: an absence from some periods
is told as those periods (in the app, the ZNS parameters and the SMS alike)."""
from __future__ import annotations

from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from lms.attendance import registers
from lms.auth.models import User
from lms.core.models import Notification
from lms.core.notify import render
from lms.messaging import dispatch, settings
from lms.messaging.models import SandboxMessage
from lms.people import services
from lms.people.models import Course, Guardianship, School, SchoolClass

from tests.integration.test_contact_book import DAY, _before_the_day, at, context, messages, set_up  # noqa: F401


def _period_absence(s, world, period: int = 3, code: str = "HSA001", day=DAY) -> None:
    school_class = s.get(SchoolClass, world.a.school_class.id)
    course = s.get(Course, world.a.course.id)
    teacher = s.get(User, course.teacher_id)
    registers.take_register(s, teacher, "teacher", school_class, day, period, {world.a.students[code].id: "K"},
                            now=at(day, 9, 30), today=day, course_id=course.id)
    s.commit()


def test_an_absence_from_one_period_is_told_as_that_period_on_every_channel(world, app, dbs):
    with dbs() as s:
        set_up(s, app, world, no_zalo="")
        _period_absence(s, world)
        subject = s.get(Course, world.a.course.id).subject.name
        note = s.scalars(select(Notification).where(Notification.kind == "absence",
                                                    Notification.user_id == world.mother_a.id)).one()
        assert render(note) == f"Em Nguyễn Văn An (lớp 6A1) vắng không phép tiết 3 ({subject}) ngày 07/12/2026"
        now = at(DAY, 9, 31)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        [zns] = messages(s, kind="absence")
        status = zns.payload["sent"]["template_data"]["status"]
        assert status.startswith("Vắng không phép tiết 3") and len(status) <= 30
    with dbs() as s, time_machine.travel(at(DAY + timedelta(days=1), 9, 30), tick=False):
        set_up(s, app, world, no_zalo="0912000001")
        _period_absence(s, world, period=4, code="HSA002", day=DAY + timedelta(days=1))
        later = at(DAY + timedelta(days=1), 9, 31)
        dispatch.send_due(s, later, context(s, app, lambda: later))
        sms = [m for m in messages(s, channel="sms")][-1]
        assert "vang khong phep tiet 4 (" in sms.payload["sent"]["text"]
        assert "ngay 08/12/2026" in sms.payload["sent"]["text"]


def test_the_absence_status_keeps_the_periods_when_the_subjects_do_not_fit():
    assert dispatch.absence_status("") == "Vắng không phép"
    assert dispatch.absence_status("3 (Toán)") == "Vắng không phép tiết 3 (Toán)"
    assert dispatch.absence_status("3 (Hoạt động trải nghiệm, hướng nghiệp), 5 (Ngữ văn)") == \
        "Vắng không phép tiết 3, 5"


def test_only_an_absence_about_the_day_it_is_recorded_on_is_urgent(world, app, dbs):
    """At 22:00 (quiet hours, urgent kinds let through) an absence for today goes at once; one
    recorded now for last Friday waits for 06:00 like any notice, and a digest parent has it in
    the digest."""
    friday = DAY - timedelta(days=3)
    with dbs() as s, time_machine.travel(at(DAY, 22, 0), tick=False):
        set_up(s, app, world, digest_on=False)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        teacher = s.get(User, world.a.teacher.id)
        registers.take_register(s, teacher, "teacher", school_class, friday, 0,
                                {world.a.students["HSA001"].id: "K"}, now=at(DAY, 22, 0), today=DAY)
        registers.take_register(s, teacher, "teacher", school_class, DAY, 0,
                                {world.a.students["HSA002"].id: "K"}, now=at(DAY, 22, 0), today=DAY)
        s.commit()
        past, same = messages(s, kind="absence")
        assert past.payload["params"]["date"] == "04/12/2026" and same.payload["params"]["date"] == "07/12/2026"
        assert (past.urgent, past.send_after) == (False, at(DAY + timedelta(days=1), 6))
        assert same.urgent is True and same.send_after <= at(DAY, 22, 0)
        now = at(DAY, 22, 1)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        assert [m.status for m in messages(s, kind="absence")] == ["queued", "accepted"]


def _mark(s, world, code: str, mark: str, when, day=DAY) -> None:
    """Save the day's whole-day register with one pupil's mark changed (the others kept)."""
    school_class = s.get(SchoolClass, world.a.school_class.id)
    register = registers.register_of(s, school_class.id, day, 0)
    marks = {m.student_id: m.status for m in register.marks} if register else {}
    marks[world.a.students[code].id] = mark
    with time_machine.travel(when, tick=False):
        registers.take_register(s, s.get(User, world.a.teacher.id), "teacher", school_class, day, 0, marks,
                                now=when, today=day)
        s.commit()


def test_notices_held_through_quiet_hours_tell_only_what_is_still_true_when_released(world, app, dbs):
    """Quiet hours hold absences too. An (told at 17:00, then late, then absent again at night):
    the parent was told right, nothing more goes. Bình (absent, then late at night): the absence
    and its correction cancel out. The next night Bình absent, late, absent: one absence goes."""
    with dbs() as s:
        set_up(s, app, world, digest_on=False)
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.urgent_bypass = False
        settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data,
                               now=at(DAY, 7))
        s.commit()
        _mark(s, world, "HSA001", "K", at(DAY, 17, 0))
        dispatch.send_due(s, at(DAY, 17, 0), context(s, app, lambda: at(DAY, 17, 0)))
        assert [m.status for m in messages(s)] == ["accepted"]
        _mark(s, world, "HSA001", "M", at(DAY, 21, 30))
        _mark(s, world, "HSA001", "K", at(DAY, 21, 35))
        _mark(s, world, "HSA002", "K", at(DAY, 21, 40))
        _mark(s, world, "HSA002", "M", at(DAY, 21, 45))
        night = at(DAY, 22, 0)
        dispatch.send_due(s, night, context(s, app, lambda: night))
        assert [m.status for m in messages(s)][1:] == ["queued"] * 4
        morning = at(DAY + timedelta(days=1), 6, 1)
        dispatch.send_due(s, morning, context(s, app, lambda: morning))
        held = messages(s)[1:]
        assert [(m.kind, m.status) for m in held] == [("absence_corrected", "skipped"), ("absence", "skipped"),
                                                      ("absence", "skipped"), ("absence_corrected", "skipped")]
        assert s.scalar(select(func.count()).select_from(SandboxMessage)) == 1
        # Absent, late, absent again, all held: the last absence goes, once.
        day2 = DAY + timedelta(days=1)
        for mark, minute in (("K", 0), ("M", 5), ("K", 10)):
            _mark(s, world, "HSA002", mark, at(day2, 22, minute), day=day2)
        morning2 = at(day2 + timedelta(days=1), 6, 1)
        dispatch.send_due(s, morning2, context(s, app, lambda: morning2))
        assert [(m.kind, m.status) for m in messages(s)[5:]] == [
            ("absence", "skipped"), ("absence_corrected", "skipped"), ("absence", "accepted")]


def test_the_cost_report_adds_up_when_an_sms_failed(world, app, dbs):
    """The network fails the father's SMS: it costs nothing, and its segment is not charged."""
    from lms.messaging import reports, sandbox

    from tests.integration.test_contact_book import BASE, absent, children_agree

    box = app.extensions["lms_secrets"]
    with dbs() as s:
        mother = set_up(s, app, world, no_zalo="0912000002")
        settings.save_account(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), "esms",
                              {"brandname": "THCS.THUA", "sandbox_failed": "0912000002"}, enabled=True,
                              sandbox=True, box=box, now=at(DAY, 7))
        father = s.get(User, world.father_ab.id)
        for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == father.id)):
            services.set_consent(s, father, link, True)
        children_agree(s, father)
        for parent in (mother, father):
            settings.save_preference(s, parent, settings.PreferenceInput(False, True, True, False, None),
                                     now=at(DAY, 7))
        s.commit()
        absent(s, world)                                      # mother: ZNS
        absent(s, world, code="HSA003")                       # father: ZNS refused → SMS the network fails
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        later = now + timedelta(minutes=2)
        sandbox.deliver_directly(s, box, sandbox.due_reports(s, box, later, BASE), later)
        s.commit()
        [sms] = messages(s, channel="sms")
        assert (sms.status, sms.cost) == ("failed", 0) and sms.segments == 1
        lines, total = reports.cost_report(s, world.a.school.id, at(date(2026, 12, 1), 0), at(date(2027, 1, 1), 0))
        by = {line.channel: line for line in lines}
        assert (by["sms"].made, by["sms"].failed, by["sms"].segments, by["sms"].cost) == (1, 1, 0, 0)
        assert by["zns"].cost == 250 and total.cost == 250 and total.segments * 800 == by["sms"].cost


def test_a_class_notice_names_the_parents_children_in_the_zns_pupil_field(world, app, dbs):
    from lms.courses import comms

    with dbs() as s:
        mother = set_up(s, app, world)
        settings.save_preference(s, mother, settings.PreferenceInput(False, True, True, False, None), now=at(DAY, 7))
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Họp phụ huynh", "Thứ bảy 8 giờ")
        s.commit()
        now = at(DAY, 12)
        dispatch.send_due(s, now, context(s, app, lambda: now))
        [notice] = messages(s, kind="announcement")
        data = notice.payload["sent"]["template_data"]
        assert set(data["student_name"].split(", ")) == {"An", "Bình"} and data["title"] == "Thông báo"


def test_the_unit_prices_are_shown_an_example_of_their_size(world, client):
    client.login("admin.a")
    page = client.get("/contact-book").get_data(as_text=True)
    assert "Ví dụ 250" in page and "Ví dụ 800" in page and "Ví dụ 1.250.000" not in page
