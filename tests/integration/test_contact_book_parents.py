"""What parents and the school read of the contact book's messages: an announcement's text on
every channel outside the app, each school's quiet hours named for a parent with children in two
schools, and whom each message was about on the school's list of failures (a digest too)."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from lms.attendance import registers
from lms.auth.models import User
from lms.courses import comms
from lms.messaging import digest, dispatch, settings
from lms.messaging.models import OutboundMessage
from lms.people import services
from lms.people.models import School, SchoolClass
from tests.integration.test_contact_book import DAY, TZ, Mailbox, absent, at, context, messages, set_up

ANNOUNCEMENT = ("Họp phụ huynh cuối học kỳ I",
                "Kính mời quý phụ huynh dự họp lúc 8 giờ sáng thứ Bảy 12/12/2026 tại phòng 6A1.\n"
                "Nội dung: kết quả học tập học kỳ I, kế hoạch ôn tập, các khoản thu học kỳ II.")


@pytest.fixture(autouse=True)
def _on_the_day():
    with time_machine.travel(at(DAY, 0, 1), tick=True):
        yield


@pytest.fixture
def smtp_set():
    """Guardians' e-mail goes through the contact book (as when SMTP is configured)."""
    from lms.messaging import routing

    routing.configure(email=True)
    yield
    routing.configure(email=False)


def test_an_announcement_reaches_parents_with_its_text_not_only_its_title(world, app, dbs, smtp_set):
    with dbs() as s:
        mother = set_up(s, app, world)
        mother.email = "lan.nguyen@gmail.com"
        settings.save_preference(s, mother, settings.PreferenceInput(True, True, True, False, None), now=at(DAY, 7))
        s.commit()
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, *ANNOUNCEMENT)
        s.commit()
        mailbox, noon = Mailbox(), at(DAY, 12)
        dispatch.send_due(s, noon, context(s, app, lambda: noon, mail=mailbox))
        [zns] = messages(s, channel="zns")
        data = zns.payload["sent"]["template_data"]
        assert "Kính mời quý phụ huynh dự họp lúc 8 giờ" in data["content"] and len(data["content"]) <= 200
        assert data["student_name"] == "An, Bình"     # the parent's children, not the class (the field is the pupil's)
        [(to, subject, body)] = mailbox
        assert to == "lan.nguyen@gmail.com" and subject.endswith("Họp phụ huynh cuối học kỳ I")
        assert ANNOUNCEMENT[1] in body and "\n" not in subject
        # By SMS (the parent without Zalo): the text, unaccented, within two segments.
        settings.save_preference(s, mother, settings.PreferenceInput(False, False, True, False, None), now=noon)
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, "Nghỉ học do bão", "Ngày mai 08/12 học sinh nghỉ học ở nhà do bão số 15.")
        s.commit()
        dispatch.send_due(s, noon, context(s, app, lambda: noon))
        sms = messages(s, channel="sms")[-1]
        assert "Ngay mai 08/12 hoc sinh nghi hoc o nha do bao so 15." in sms.payload["sent"]["text"]


def test_the_evening_digest_carries_an_announcements_text(world, app, dbs, smtp_set):
    with dbs() as s:
        mother = set_up(s, app, world)
        mother.email = "lan.nguyen@gmail.com"
        settings.save_preference(s, mother, settings.PreferenceInput(True, False, False, True, None), now=at(DAY, 7))
        s.commit()
        comms.post_announcement(s, s.get(User, world.a.teacher.id), s.get(SchoolClass, world.a.school_class.id),
                                None, *ANNOUNCEMENT)
        s.commit()
        evening = at(DAY, 19, 5)
        assert digest.compose_school(s, world.a.school.id, evening, TZ) >= 1
        mailbox = Mailbox()
        dispatch.send_due(s, evening, context(s, app, lambda: evening, mail=mailbox))
        [(_to, _subject, body)] = [m for m in mailbox if m[0] == "lan.nguyen@gmail.com"]
        assert "Kính mời quý phụ huynh dự họp" in body


def test_a_parent_with_children_in_two_schools_reads_each_schools_hours_by_name(world, app, dbs, make_client):
    with dbs() as s:
        row = settings.settings_of(s, world.b.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_start, data.digest_time = time(22, 0), time(20, 0)
        settings.save_settings(s, s.get(User, world.b.admin.id), s.get(School, world.b.school.id), data,
                               now=at(DAY, 7))
        s.commit()
    father = make_client()
    father.login("0912000002")
    page = father.get("/notices/settings").get_data(as_text=True)
    hours = page[page.index('id="school-hours"'):]
    hours = hours[:hours.index("</ul>")]
    assert hours.count("<li>") == 2
    assert "Trường THCS Thử A: giờ yên lặng 21:00–06:00; tin tóm tắt mặc định lúc 19:00." in hours
    assert "Trường THPT Thử B: giờ yên lặng 22:00–06:00; tin tóm tắt mặc định lúc 20:00." in hours
    # A digest time inside one school's quiet hours names that school.
    refused = father.post("/notices/settings", {"digest": "y", "digest_time": "21:30"})
    assert refused.status_code == 422 and "giờ yên lặng của Trường THCS Thử A (21:00–06:00)" in \
        refused.get_data(as_text=True)
    # Schools with the same hours share one line that names both.
    with dbs() as s:
        row = settings.settings_of(s, world.b.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.quiet_start, data.digest_time = time(21, 0), time(19, 0)
        settings.save_settings(s, s.get(User, world.b.admin.id), s.get(School, world.b.school.id), data,
                               now=at(DAY, 7))
        s.commit()
    page = father.get("/notices/settings").get_data(as_text=True)
    assert "Trường THCS Thử A, Trường THPT Thử B: giờ yên lặng 21:00–06:00" in page


def test_the_failures_list_names_the_pupils_of_a_digest(world, app, dbs, client, make_client):
    from lms.gradebook import book
    from lms.people.models import Course

    with dbs() as s:
        set_up(s, app, world, no_zalo="0912000001", prefs=("zalo",))
        course = s.get(Course, world.a.course.id)
        for code in ("HSA001", "HSA002"):
            book.save_grid(s, s.get(User, world.a.teacher.id), "teacher", course, 1,
                           [book.CellInput(world.a.students[code].id, "tx1", "8")], now=at(DAY, 10))
        s.commit()
        evening = at(DAY, 19, 5)
        digest.compose_school(s, world.a.school.id, evening, TZ)
        dispatch.send_due(s, evening, context(s, app, lambda: evening))
        [failed] = messages(s, kind="digest")
        assert failed.status == "failed" and failed.student_id is None
    client.login("admin.a")
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    row = page[page.index("<code>Zalo -118</code>") - 900:page.index("<code>Zalo -118</code>")]
    assert "<td>Nguyễn Văn An, Nguyễn Thị Bình</td>" in row
    # The parent's own list says whom each message was about, too.
    mother = make_client()
    mother.login("0912000001")
    mine = mother.get("/notices/settings").get_data(as_text=True)
    assert "· Nguyễn Văn An, Nguyễn Thị Bình" in mine[mine.index('id="my-messages"'):]


def test_a_register_corrected_after_the_absence_notice_tells_the_parents_once(world, app, dbs, client):
    from lms.core.models import Notification
    from lms.people.models import Guardianship

    class_id, an = world.a.school_class.id, world.a.students["HSA001"].id
    with dbs() as s:
        set_up(s, app, world)
        father = s.get(User, world.father_ab.id)
        for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == father.id)):
            services.set_consent(s, father, link, True)
        from tests.integration.test_contact_book import children_agree
        children_agree(s, father)
        s.commit()
        absent(s, world)                                  # 07:15: An absent without permission, told at once
        now = at(DAY, 7, 16)
        dispatch.send_due(s, now, context(s, app, lambda: now))
    client.login("gv.a")
    form = {"day": DAY.isoformat(), "period": "0", "course_id": "0"}
    # An walks in late: the teacher corrects the register to present.
    saved = client.post(f"/attendance/classes/{class_id}", form)
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Đã báo cho phụ huynh của 1 em rằng tin vắng không phép đã gửi là nhầm." in shown
    # Saved again unchanged: nothing more is told.
    assert client.post(f"/attendance/classes/{class_id}", form).status_code == 302
    with dbs() as s:
        notes = list(s.scalars(select(Notification).where(Notification.user_id == world.mother_a.id,
                                                          Notification.kind.in_(["absence", "absence_corrected"]))
                               .order_by(Notification.id)))
        assert [n.kind for n in notes] == ["absence", "absence_corrected"]
        from lms.core.notify import render

        assert render(notes[1]) == ("Sửa điểm danh: em Nguyễn Văn An (lớp 6A1) không vắng không phép ngày "
                                    "07/12/2026 như đã báo")
        [correction] = messages(s, kind="absence_corrected")
        assert correction.urgent and correction.channel == "zns"
        later = at(DAY, 8, 6)
        dispatch.send_due(s, later, context(s, app, lambda: later))
        correction = s.get(OutboundMessage, correction.id)
        assert correction.status == "accepted"
        assert correction.payload["sent"]["template_id"] == "301"          # the absence template
        assert correction.payload["sent"]["template_data"]["status"] == "Đã sửa: có mặt"
        # Parents of a pupil who was never told get nothing.
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "absence_corrected")) == 1
    # Marked absent without permission again, the parents hear it again (their last message said
    # he was not absent); then late: corrected again; saved again as late: nothing more.
    for marks in ({f"s-{an}": "K"}, {f"s-{an}": "M"}, {f"s-{an}": "M"}):
        assert client.post(f"/attendance/classes/{class_id}", {**form, **marks}).status_code == 302
    with dbs() as s:
        notes = list(s.scalars(select(Notification).where(Notification.user_id == world.mother_a.id,
                                                          Notification.kind.in_(["absence", "absence_corrected"]))
                               .order_by(Notification.id)))
        assert [n.kind for n in notes] == ["absence", "absence_corrected", "absence", "absence_corrected"]
        assert notes[3].params["mark"] == "M"


def test_a_leave_approved_for_a_day_told_absent_is_one_message_with_the_teachers_note(world, app, dbs, make_client):
    from lms.attendance import leave as leaves
    from lms.attendance.models import LeaveRequest
    from lms.core.models import Notification
    from lms.people.models import Student

    an = world.a.students["HSA001"].id
    with dbs() as s:
        set_up(s, app, world)
        absent(s, world)                                  # 07:15: told absent without permission
        told = len(messages(s))
        leaves.request_leave(s, s.get(User, world.mother_a.id), s.get(Student, an), DAY, DAY, "Con bị sốt",
                             now=at(DAY, 9), today=DAY)
        s.commit()
        leave_id = s.scalars(select(LeaveRequest.id)).one()
    teacher = make_client()
    teacher.login("gv.a")
    note = "Cô đã nhận, chúc cháu mau khỏe."
    assert teacher.post(f"/attendance/leave/{leave_id}", {"decision": "approve", "note": note}).status_code == 302
    with dbs() as s:
        kinds = list(s.scalars(select(Notification.kind).where(
            Notification.user_id == world.mother_a.id,
            Notification.kind.in_(["absence", "absence_corrected", "leave_approved"])).order_by(Notification.id)))
        assert kinds == ["absence", "absence_corrected", "leave_approved"]     # the app keeps the record
        # Outside the app: one message for the approval, at once (it excuses today's absence), with the note.
        new = messages(s)[told:]
        assert [(m.kind, m.urgent) for m in new] == [("leave_approved", True)]
        sent = at(DAY, 9, 30)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        approval = s.get(OutboundMessage, new[0].id)
        content = approval.payload["sent"]["template_data"]["content"]
        assert approval.status == "accepted" and note in content
        # It says itself that the absence told this morning is now excused (outside tester F2).
        assert f"ngày {DAY.strftime('%d/%m/%Y')} đã báo vắng không phép nay đã chuyển thành nghỉ có phép" in content
        assert s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.kind == "absence_corrected")) == 0
    # The next save of the register tells nothing more.
    assert teacher.post(f"/attendance/classes/{world.a.school_class.id}",
                        {"day": DAY.isoformat(), "period": "0", "course_id": "0", f"s-{an}": "P"}).status_code == 302
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "absence_corrected")) == 1
        assert len(messages(s)) == told + 1


def test_an_absence_held_by_quiet_hours_is_not_sent_once_its_leave_is_approved(world, app, dbs):
    from lms.attendance import leave as leaves
    from lms.messaging.models import ContactSettings
    from lms.people.models import Student

    an = world.a.students["HSA001"].id
    with dbs() as s:
        set_up(s, app, world, digest_on=False)
        s.add(ContactSettings(school_id=world.a.school.id, quiet_start=time(18, 0), quiet_end=time(8, 0),
                              urgent_bypass=False))
        s.commit()
        absent(s, world)                                  # 07:15, held until 08:00
        [held] = messages(s)
        assert held.status == "queued"
        leave = leaves.request_leave(s, s.get(User, world.mother_a.id), s.get(Student, an), DAY, DAY, "Con bị sốt",
                                     now=at(DAY, 7, 20), today=DAY)
        leaves.decide_leave(s, s.get(User, world.a.teacher.id), "teacher", leave, approve=True, note="",
                            now=at(DAY, 7, 30))
        s.commit()
        later = at(DAY, 8, 5)
        dispatch.send_due(s, later, context(s, app, lambda: later))
        assert [(m.kind, m.status) for m in messages(s)] == [("absence", "skipped"), ("leave_approved", "accepted")]


def _never_received(s, app, world, phones: str) -> None:
    """The sandbox takes ZNS for these numbers but they never reach the phone (no report comes)."""
    settings.save_account(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), "zns", {
        "app_id": "1234567890", "oa_id": "9876543210", "template_absence": "301", "template_digest": "302",
        "template_notice": "303", "app_secret": "app-secret", "oa_secret_key": "oa-secret", "refresh_token": "rt-0",
        "sandbox_undelivered": phones}, enabled=True, sandbox=True, box=app.extensions["lms_secrets"], now=at(DAY, 7))
    s.commit()


def test_a_zns_that_never_reaches_the_phone_is_shown_failed_and_goes_by_sms(world, app, dbs, client, make_client):
    from lms.messaging import sandbox
    from lms.messaging.models import SandboxMessage

    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world)
        _never_received(s, app, world, "0912000001")
        absent(s, world)
        sent = at(DAY, 7, 16)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        [zns] = messages(s)
        assert zns.status == "accepted"
        # Zalo's webhook never comes for it.
        assert sandbox.due_reports(s, box, at(DAY, 7, 17), "http://lms.test") == []
        for minute, asked in ((19, False), (22, True)):
            when = at(DAY, 7, minute)
            assert dispatch.check_deliveries(s, when, context(s, app, lambda when=when: when)) == 0
            zns = s.get(OutboundMessage, zns.id)
            assert zns.status == "accepted" and (zns.checked_at == when) is asked
        # Fifteen minutes after sending, the same-morning absence is not left waiting for Zalo.
        late = at(DAY, 7, 32)
        assert dispatch.check_deliveries(s, late, context(s, app, lambda: late)) == 1
        zns = s.get(OutboundMessage, zns.id)
        assert (zns.status, zns.error_code, zns.cost) == ("failed", "undelivered", 0)
        assert "sau 15 phút" in zns.error_text
        dispatch.send_due(s, late, context(s, app, lambda: late))
        [sms] = messages(s, channel="sms")
        assert (sms.fallback_of_id, sms.status, sms.urgent) == (zns.id, "accepted", True)
        # Asked again, the ZNS stays as it is (one fallback, one SMS); the SMS, whose callback
        # this test never delivers, is asked of eSMS the same way and is delivered.
        later = at(DAY, 7, 50)
        assert dispatch.check_deliveries(s, later, context(s, app, lambda: later)) == 1
        [sms] = messages(s, channel="sms")
        assert sms.status == "delivered" and s.get(OutboundMessage, zns.id).status == "failed"
        assert s.scalar(select(func.count()).select_from(SandboxMessage)) == 2     # the ZNS and the SMS
    client.login("admin.a")
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "Zalo chưa đưa tin tới điện thoại của phụ huynh sau 15 phút" in page and "Nguyễn Văn An" in page
    mother = make_client()
    mother.login("0912000001")
    mine = mother.get("/notices/settings").get_data(as_text=True)
    assert 'data-status="failed" data-channel="zns"' in mine and 'data-status="delivered" data-channel="sms"' in mine


def test_asking_zalo_settles_a_zns_whose_report_was_lost_or_that_zalo_never_had(world, app, dbs):
    with dbs() as s:
        set_up(s, app, world, prefs=("zalo",))
        registers.take_register(s, s.get(User, world.a.teacher.id), "teacher",
                                s.get(SchoolClass, world.a.school_class.id), DAY, 0,
                                {world.a.students[c].id: "K" for c in ("HSA001", "HSA002")}, now=at(DAY, 7, 15),
                                today=DAY)
        s.commit()
        sent = at(DAY, 7, 16)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        an, binh = messages(s)
        binh.provider_id = "not-a-zalo-message"        # Zalo answers status -1 for it
        s.commit()
        when = at(DAY, 7, 22)                            # no webhook was delivered for either
        assert dispatch.check_deliveries(s, when, context(s, app, lambda: when)) == 2
        an, binh = s.get(OutboundMessage, an.id), s.get(OutboundMessage, binh.id)
        assert an.status == "delivered" and an.delivered_at == sent + timedelta(seconds=30) and an.cost == 250
        assert (binh.status, binh.error_text, binh.cost) == ("failed", "Zalo không có tin này", 0)
        assert messages(s, channel="sms") == []          # this parent did not tick SMS


def test_a_message_stopped_for_want_of_consent_is_counted_shown_and_explained(world, app, dbs, make_client):
    from lms.messaging import reports

    with dbs() as s:
        set_up(s, app, world, consent=False)          # ticked Zalo and SMS, not consented to the children's data
        absent(s, world)
        evening = at(DAY, 19, 5)
        digest.compose_school(s, world.a.school.id, evening, TZ)
        s.commit()
        stopped = messages(s)
        assert [(m.kind, m.status, m.error_code) for m in stopped] == [("absence", "skipped", "consent"),
                                                                        ("digest", "skipped", "consent")]
        lines, total = reports.cost_report(s, world.a.school.id, at(DAY, 0), at(DAY + timedelta(days=1), 0))
        assert {line.channel: line.held for line in lines}["zns"] == 2 and total.held == 2
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert page.count("Chưa có sự đồng ý gửi tin ra ngoài: phụ huynh (hoặc học sinh từ 7 tuổi)") == 2
    mother = make_client()
    mother.login("0912000001")
    page = mother.get("/notices/settings").get_data(as_text=True)
    assert 'id="consent-held"' in page
    assert "Tin về em Nguyễn Văn An chỉ có trong ứng dụng" in page


def test_email_is_offered_only_to_a_parent_it_can_reach(world, dbs, make_client, smtp_set):
    import re

    def email_box(page: str) -> str:
        return re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)

    mother = make_client()
    mother.login("0912000001")
    page = mother.get("/notices/settings").get_data(as_text=True)
    assert "disabled" in email_box(page) and "checked" not in email_box(page)
    assert "chưa có địa chỉ e-mail" in page
    mother.post("/notices/settings", {"email": "y", "digest": "y", "digest_time": ""})
    with dbs() as s:
        assert settings.preference_of(s, world.mother_a.id).email is False
        s.get(User, world.mother_a.id).email = "lan.nguyen@gmail.com"
        s.commit()
    page = mother.get("/notices/settings").get_data(as_text=True)
    assert "disabled" not in email_box(page) and "chưa có địa chỉ e-mail" not in page


def test_the_debts_page_says_where_payment_reminders_go_and_that_zalo_and_sms_cost(world, app, dbs, make_client):
    accountant = make_client()
    accountant.login("kt.a")
    page = accountant.get("/billing/debts").get_data(as_text=True)
    assert "Lời nhắc chỉ có trong ứng dụng" in page and "e-mail nếu có" not in page
    with dbs() as s:
        set_up(s, app, world)
    page = accountant.get("/billing/debts").get_data(as_text=True)
    assert "Zalo (tin trả phí, khoảng 250 đ một tin)" in page
    assert "SMS (tin trả phí, khoảng 800 đ một đoạn 160 ký tự)" in page


def test_english_pages_say_a_status_not_a_verb_and_name_the_notifications(world, app, dbs, make_client):
    from lms.attendance import leave as leaves
    from lms.people.models import Student

    with dbs() as s:
        leave = leaves.request_leave(s, s.get(User, world.mother_a.id), s.get(Student, world.a.students["HSA001"].id),
                                     DAY, DAY, "Về quê", now=at(DAY, 7), today=DAY)
        leaves.decide_leave(s, s.get(User, world.a.teacher.id), "teacher", leave, approve=False,
                            note="Tuần này kiểm tra giữa kỳ", now=at(DAY, 8))
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    teacher.get("/language/en")
    page = teacher.get("/attendance/leave").get_data(as_text=True)
    assert "Refused: Tuần này kiểm tra giữa kỳ" in page and "Refuse:" not in page
    assert 'id="notifications-title">Notifications<' in teacher.get("/notifications").get_data(as_text=True)


def test_equal_quiet_hours_are_refused_naming_the_field_whole(world, make_client):
    admin = make_client()
    admin.login("admin.a")
    page = admin.post("/contact-book", {"quiet_start": "21:00", "quiet_end": "21:00", "digest_time": "19:00",
                                        "monthly_cap": "40", "zns_cost": "250", "sms_cost": "800"})
    assert page.status_code == 422
    assert "Giờ yên lặng đến: Giờ yên lặng phải kết thúc ở giờ khác giờ bắt đầu" in page.get_data(as_text=True)


def test_a_leave_request_outside_the_year_names_the_years_dates(world, dbs):
    # Outside re-test of the contact book (N2): the homework's message gives the year's dates, the
    # leave request's gave its name only.
    from lms.attendance.leave import request_leave
    from lms.core.errors import ValidationError
    from lms.core.timeutil import utcnow
    from lms.people.models import SchoolYear, Student

    with dbs() as s:
        year = s.get(SchoolYear, world.a.year.id)
        day = year.end_date + timedelta(days=10)
        with pytest.raises(ValidationError) as refused:
            request_leave(s, s.get(User, world.mother_a.id), s.get(Student, world.a.students["HSA001"].id), day, day,
                          "Ốm", now=utcnow(), today=day)
        said = str(refused.value.message)
        assert year.start_date.strftime("%d/%m/%Y") in said and year.end_date.strftime("%d/%m/%Y") in said, said
