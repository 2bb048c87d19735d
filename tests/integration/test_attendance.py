"""Daily attendance from the register page, the same-morning notice to parents, the term totals
the grade book and report card read, and leave requests from parents."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from lms.attendance import leave as leaves
from lms.attendance import registers
from lms.attendance.models import AttendanceMark, AttendanceRegister, LeaveRequest
from lms.auth.models import User
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.core.models import Notification
from lms.core.timeutil import utc_to_local, utcnow
from lms.gradebook import homeroom
from lms.people.models import SchoolClass, Student

TODAY = date(2026, 12, 4)
NOW = utcnow()


@pytest.fixture(autouse=True)
def _on_a_wednesday():
    """The machine's clock on Wednesday 9 December 2026, 08:00 in Hà Nội: yesterday and the day
    before are school days (the tests ran against the real date, and failed on a Monday)."""
    with time_machine.travel(datetime(2026, 12, 9, 1, 0, tzinfo=timezone.utc), tick=True):
        yield


def _today() -> date:
    return utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").date()


def _school_day(back: int = 1) -> date:
    return _today() - timedelta(days=back)


def _absence_notes(s, user_id: int) -> int:
    return s.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user_id,
                                                                         Notification.kind == "absence"))


def test_homeroom_teacher_takes_the_register_on_the_page_and_parents_hear_once(world, client, dbs):
    class_id = world.a.school_class.id
    an, chau = world.a.students["HSA001"].id, world.a.students["HSA003"].id
    day = _school_day()
    client.login("gv.a")
    home = client.get("/attendance").get_data(as_text=True)
    assert "6A1" in home and f'id="take-{class_id}"' in home
    page = client.get(f"/attendance/classes/{class_id}?day={day.isoformat()}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="s-{an}"' in body and "Nguyễn Văn An" in body
    form = {"day": day.isoformat(), "period": "0", "course_id": "0", f"s-{an}": "K", f"s-{chau}": "M"}
    answer = client.post(f"/attendance/classes/{class_id}", form)
    assert answer.status_code == 302
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 vắng, 1 đi muộn" in shown and "Đã báo cho phụ huynh của 1 em" in shown
    assert f'id="s-{an}-K" value="K" autocomplete="off" checked' in shown
    with dbs() as s:
        register = s.scalars(select(AttendanceRegister)).one()
        assert {(m.student_id, m.status) for m in register.marks} == {(an, "K"), (chau, "M")}
        assert _absence_notes(s, world.mother_a.id) == 1
        note = s.scalars(select(Notification).where(Notification.kind == "absence")).one()
        assert note.params["student"] == "Nguyễn Văn An" and note.params["date"] == day.strftime("%d/%m/%Y")
    # Saving again, and a period register the same day, tell nobody twice.
    assert client.post(f"/attendance/classes/{class_id}", form).status_code == 302
    assert client.post(f"/attendance/classes/{class_id}", {**form, "period": "2", "course_id": str(world.a.course.id)}
                       ).status_code == 302
    # A pupil marked present again loses the mark.
    assert client.post(f"/attendance/classes/{class_id}", {**form, f"s-{an}": ""}).status_code == 302
    with dbs() as s:
        assert _absence_notes(s, world.mother_a.id) == 1
        day_register = s.scalars(select(AttendanceRegister).where(AttendanceRegister.period == 0)).one()
        assert {m.student_id for m in day_register.marks} == {chau}
    # Corrected back to absent: the same absence, already told (and paid for) once.
    assert client.post(f"/attendance/classes/{class_id}", form).status_code == 302
    with dbs() as s:
        assert _absence_notes(s, world.mother_a.id) == 1


def test_register_refuses_what_it_cannot_be(world, client, dbs):
    class_id = world.a.school_class.id
    an = world.a.students["HSA001"].id
    client.login("gv.a")
    tomorrow = _today() + timedelta(days=1)
    answer = client.post(f"/attendance/classes/{class_id}", {"day": tomorrow.isoformat(), "period": "0",
                                                             "course_id": "0", f"s-{an}": "K"})
    assert answer.status_code == 422 and "chưa tới: không điểm danh trước" in answer.get_data(as_text=True)
    before_year = date(2026, 8, 20)
    answer = client.post(f"/attendance/classes/{class_id}", {"day": before_year.isoformat(), "period": "0",
                                                             "course_id": "0", f"s-{an}": "K"})
    assert answer.status_code == 422 and "không thuộc năm học 2026-2027" in answer.get_data(as_text=True)
    answer = client.post(f"/attendance/classes/{class_id}", {"day": _school_day().isoformat(), "period": "0",
                                                             "course_id": "0", f"s-{an}": "X"})
    assert answer.status_code == 422 and "không hợp lệ" in answer.get_data(as_text=True)
    other = world.b.students["HSB001"].id
    answer = client.post(f"/attendance/classes/{class_id}", {"day": _school_day().isoformat(), "period": "0",
                                                             "course_id": "0", f"s-{other}": "K"})
    assert answer.status_code == 422
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AttendanceRegister)) == 0
    # Another school's class, and people who do not take registers.
    assert client.get(f"/attendance/classes/{world.b.school_class.id}").status_code == 404
    parent = client.__class__(client.app)
    parent.login("0912000001")
    assert parent.get(f"/attendance/classes/{class_id}").status_code == 403


def test_subject_teacher_takes_own_periods_only(world, dbs):
    from lms.auth.services import create_user
    from lms.people import services
    from lms.people.models import School, Subject

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        admin = s.get(User, world.a.admin.id)
        teacher = create_user(s, None, username="gv.van", full_name="Lê Thị Văn", password_hash="x")
        services.grant_role(s, teacher, school, "teacher")
        van = s.scalars(select(Subject).where(Subject.school_id == school.id, Subject.code == "ngu_van")).one()
        school_class = s.get(SchoolClass, world.a.school_class.id)
        course = services.save_course(s, admin, school, school_class=school_class, subject=van, teacher_id=teacher.id)
        an = world.a.students["HSA001"].id
        with pytest.raises(Forbidden):
            registers.take_register(s, teacher, "teacher", school_class, TODAY, 0, {an: "K"}, now=NOW, today=TODAY)
        with pytest.raises(Forbidden):  # someone else's subject
            registers.take_register(s, teacher, "teacher", school_class, TODAY, 3, {an: "K"}, now=NOW, today=TODAY,
                                    course_id=world.a.course.id)
        outcome = registers.take_register(s, teacher, "teacher", school_class, TODAY, 3, {an: "K"}, now=NOW,
                                          today=TODAY, course_id=course.id)
        assert outcome.absent == 1 and outcome.register.course_id == course.id
        outsider = s.get(User, world.b.teacher.id)
        with pytest.raises(NotFound):
            registers.take_register(s, outsider, "teacher", school_class, TODAY, 3, {}, now=NOW, today=TODAY,
                                    course_id=course.id)


def test_term_totals_come_from_daily_registers_where_kept_and_typed_figures_elsewhere(world, dbs, client):
    with dbs() as s:
        admin = s.get(User, world.a.admin.id)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        an, binh = world.a.students["HSA001"].id, world.a.students["HSA002"].id
        rows = [homeroom.TermRecordInput(an, "T", "3", "2"), homeroom.TermRecordInput(binh, "K", "1", "")]
        for term in (1, 2):
            assert not homeroom.save_term_records(s, admin, "admin", school_class, term, rows, now=NOW).issues
        typed = registers.term_absences(s, school_class)
        assert typed[(an, 1)] == registers.TermAbsence(3, 2, False)
        # Term I is now kept in the daily registers: a whole day and a day of periods.
        d1, d2 = date(2026, 11, 2), date(2026, 11, 3)
        registers.take_register(s, admin, "admin", school_class, d1, 0, {an: "K", binh: "P"}, now=NOW, today=TODAY)
        registers.take_register(s, admin, "admin", school_class, d2, 1, {an: "P"}, now=NOW, today=TODAY)
        registers.take_register(s, admin, "admin", school_class, d2, 2, {an: "P", binh: "K"}, now=NOW, today=TODAY)
        s.commit()
        totals = registers.term_absences(s, school_class)
        assert totals[(an, 1)] == registers.TermAbsence(1, 1, True)     # d1 without, d2 with permission
        assert totals[(binh, 1)] == registers.TermAbsence(1, 0, True)   # d2: present in period 1
        assert totals[(an, 2)] == registers.TermAbsence(3, 2, False)    # term II still on paper
        summary = homeroom.build_summary(s, school_class, 1)
        row = next(r for r in summary.rows if r.student.id == an)
        assert (row.excused, row.unexcused) == (1, 1)
        year = homeroom.build_summary(s, school_class, 0)
        row = next(r for r in year.rows if r.student.id == an)
        assert (row.excused, row.unexcused) == (4, 3)
    client.login("admin.a")
    page = client.get(f"/classes/{world.a.school_class.id}/conduct?term=1").get_data(as_text=True)
    assert 'id="daily-note"' in page and 'class="text-end daily-count" data-kind="unexcused">1<' in page
    page = client.get(f"/classes/{world.a.school_class.id}/conduct?term=2").get_data(as_text=True)
    assert 'id="daily-note"' not in page and f'name="p-{an}"' in page
    # Saving the conduct page keeps the typed figures the daily registers stand in for.
    form = {f"k-{an}": "T", f"p-{an}": "3", f"u-{an}": "2", f"m-{an}": ""}
    assert client.post(f"/classes/{world.a.school_class.id}/conduct?term=1", form).status_code == 302
    with dbs() as s:
        from lms.gradebook.models import TermRecord

        record = s.scalars(select(TermRecord).where(TermRecord.student_id == an, TermRecord.term == 1)).one()
        assert (record.absent_excused, record.absent_unexcused) == (3, 2)


def test_locked_term_registers_are_for_admins(world, dbs):
    from lms.gradebook import book
    from lms.people.models import School, SchoolYear

    with dbs() as s:
        admin, teacher = s.get(User, world.a.admin.id), s.get(User, world.a.teacher.id)
        book.lock_term(s, admin, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id), 1, NOW)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        an = world.a.students["HSA001"].id
        with pytest.raises(Forbidden):
            registers.take_register(s, teacher, "teacher", school_class, TODAY, 0, {an: "K"}, now=NOW, today=TODAY)
        registers.take_register(s, admin, "admin", school_class, TODAY, 0, {an: "K"}, now=NOW, today=TODAY)


def test_month_grid_and_pupil_days(world, dbs, client):
    with dbs() as s:
        admin = s.get(User, world.a.admin.id)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        an = world.a.students["HSA001"].id
        registers.take_register(s, admin, "admin", school_class, date(2026, 11, 2), 0, {an: "K"}, now=NOW, today=TODAY)
        registers.take_register(s, admin, "admin", school_class, date(2026, 11, 5), 0, {an: "M"}, now=NOW, today=TODAY)
        s.commit()
        grid = registers.month_grid(s, school_class, date(2026, 11, 17))
        assert len(grid.days) == 30 and grid.cells[(an, date(2026, 11, 2))] == "K"
        assert grid.cells[(an, date(2026, 11, 5))] == "M"
        lines, totals = registers.pupil_days(s, s.get(Student, an), school_class, date(2026, 9, 5), date(2027, 1, 16))
        assert [(x.day, x.outcome, x.late) for x in lines] == [(date(2026, 11, 5), None, True),
                                                               (date(2026, 11, 2), "K", False)]
        assert (totals.unexcused, totals.late) == (1, 1)
    client.login("gv.a")
    page = client.get(f"/attendance/classes/{world.a.school_class.id}/month?month=2026-11")
    assert page.status_code == 200 and 'id="month-grid"' in page.get_data(as_text=True)
    parent = client.__class__(client.app)
    parent.login("0912000001")
    body = parent.get(f"/children/{an}/attendance").get_data(as_text=True)
    assert "Vắng không phép" in body and 'id="attendance-days"' in body
    assert parent.get(f"/children/{world.a.students['HSA003'].id}/attendance").status_code == 404


def test_leave_request_approved_by_the_homeroom_teacher(world, dbs, make_client):
    an = world.a.students["HSA001"].id
    first = _school_day(2)
    with dbs() as s:  # the pupil was marked absent without permission before the parent wrote
        registers.take_register(s, s.get(User, world.a.teacher.id), "teacher", s.get(SchoolClass, world.a.school_class.id),
                                first, 0, {an: "K"}, now=NOW, today=_today())
        s.commit()
    parent = make_client()
    parent.login("0912000001")
    answer = parent.post(f"/children/{an}/attendance", {"first_day": first.isoformat(),
                                                        "last_day": _today().isoformat(), "reason": "Cháu bị sốt."})
    assert answer.status_code == 302
    again = parent.post(f"/children/{an}/attendance", {"first_day": _today().isoformat(), "last_day": "",
                                                       "reason": "Lần nữa"})
    assert again.status_code == 422 and "Đã có đơn xin nghỉ" in again.get_data(as_text=True)
    empty = parent.post(f"/children/{an}/attendance", {"first_day": _today().isoformat(), "reason": ""})
    assert empty.status_code == 422
    teacher = make_client()
    teacher.login("gv.a")
    queue = teacher.get("/attendance/leave").get_data(as_text=True)
    assert "Cháu bị sốt." in queue
    with dbs() as s:
        leave = s.scalars(select(LeaveRequest)).one()
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == world.a.teacher.id, Notification.kind == "leave_requested")) == 1
    refuse = teacher.post(f"/attendance/leave/{leave.id}", {"decision": "refuse", "note": ""})
    assert refuse.status_code == 422
    assert "Ghi chú cho phụ huynh: Ghi lý do không duyệt" in refuse.get_data(as_text=True)
    # A note too long is the form's refusal on its field (what was typed kept), not a bare 400.
    long_note = "Đơn chưa có giấy của bác sĩ. " * 70
    refuse = teacher.post(f"/attendance/leave/{leave.id}", {"decision": "refuse", "note": long_note})
    assert refuse.status_code == 422
    page = refuse.get_data(as_text=True)
    assert "Ghi chú cho phụ huynh: Không được dài quá 300 ký tự." in page
    assert 'id="note"' in page and "Đơn chưa có giấy của bác sĩ." in page
    with dbs() as s:
        assert s.get(LeaveRequest, leave.id).status == "pending"
    assert teacher.post(f"/attendance/leave/{leave.id}", {"decision": "approve", "note": ""}).status_code == 302
    with dbs() as s:
        mark = s.scalars(select(AttendanceMark).where(AttendanceMark.student_id == an)).one()
        assert mark.status == "P" and mark.leave_request_id == leave.id
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == world.mother_a.id, Notification.kind == "leave_approved")) == 1
        # A register taken later in those days comes prefilled with the leave.
        roster = registers.roster(s, s.get(SchoolClass, world.a.school_class.id), _today(), 0)
        assert next(r for r in roster.rows if r.student.id == an).mark == "P"
    body = parent.get(f"/children/{an}/attendance").get_data(as_text=True)
    assert 'data-status="approved"' in body
    # Another school's teacher cannot answer it; a decided request cannot be withdrawn.
    other = make_client()
    other.login("gv.b")
    assert other.post(f"/attendance/leave/{leave.id}", {"decision": "refuse", "note": "x"}).status_code == 404
    with dbs() as s:
        with pytest.raises(Conflict):
            leaves.cancel_leave(s, s.get(User, world.mother_a.id), s.get(LeaveRequest, leave.id), now=NOW)


def test_leave_request_rules(world, dbs):
    with dbs() as s:
        mother = s.get(User, world.mother_a.id)
        an = s.get(Student, world.a.students["HSA001"].id)
        with pytest.raises(ValidationError):
            leaves.request_leave(s, mother, an, TODAY, TODAY - timedelta(days=1), "Ốm", now=NOW, today=TODAY)
        with pytest.raises(ValidationError):
            leaves.request_leave(s, mother, an, TODAY, TODAY + timedelta(days=40), "Ốm", now=NOW, today=TODAY)
        with pytest.raises(ValidationError):
            leaves.request_leave(s, mother, an, TODAY - timedelta(days=45), TODAY, "Ốm", now=NOW, today=TODAY)
        with pytest.raises(NotFound):  # not her child
            leaves.request_leave(s, mother, s.get(Student, world.a.students["HSA003"].id), TODAY, TODAY, "Ốm",
                                 now=NOW, today=TODAY)
        leave = leaves.request_leave(s, mother, an, TODAY, TODAY, "Ốm", now=NOW, today=TODAY)
        leaves.cancel_leave(s, mother, leave, now=NOW)
        assert leave.status == "cancelled"
        with pytest.raises(Conflict) as again:      # withdrawn, not answered: it says so
            leaves.cancel_leave(s, mother, leave, now=NOW)
        assert str(again.value.message) == "Đơn này đã được rút lại rồi."
        # Withdrawn, the days are free again.
        leaves.request_leave(s, mother, an, TODAY, TODAY, "Đi khám", now=NOW, today=TODAY)
        # A day with no school is refused, named: a Sunday, a Saturday at a school without Saturday
        # classes (as the first or the last day of a range); a weekend inside a range is no matter.
        with pytest.raises(ValidationError) as refused:
            leaves.request_leave(s, mother, an, date(2026, 12, 6), None, "Ốm", now=NOW, today=TODAY)
        assert str(refused.value.message) == "Ngày 06/12/2026 là Chủ nhật: không có buổi học, không cần xin nghỉ."
        with pytest.raises(ValidationError) as refused:
            leaves.request_leave(s, mother, an, date(2026, 12, 7), date(2026, 12, 12), "Ốm", now=NOW, today=TODAY)
        assert refused.value.field == "last_day" and "12/12/2026 là thứ Bảy" in str(refused.value.message)
        week = leaves.request_leave(s, mother, an, date(2026, 12, 11), date(2026, 12, 14), "Về quê", now=NOW,
                                    today=TODAY)
        assert (week.first_day, week.last_day) == (date(2026, 12, 11), date(2026, 12, 14))


def test_the_register_page_says_why_a_day_cannot_be_taken_instead_of_a_form(world, client, dbs, app):
    from lms.messaging import settings
    from lms.people.models import School

    class_id = world.a.school_class.id
    client.login("gv.a")

    def page(day: str):
        answer = client.get(f"/attendance/classes/{class_id}?day={day}&period=0")
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    for day, why in (("2026-12-06", "Ngày 06/12/2026 là Chủ nhật"),
                     ("2026-12-05", "Ngày 05/12/2026 là thứ Bảy, trường không học thứ Bảy"),
                     ("2026-11-24", "Ngày 24/11/2026 là ngày nghỉ lễ (Ngày Văn hóa Việt Nam)"),
                     ("2026-12-10", "Ngày 10/12/2026 chưa tới"),
                     ("2026-08-20", "Ngày 20/08/2026 không thuộc năm học 2026-2027")):
        body = page(day)
        assert 'id="register-refusal"' in body and why in body, day
        assert 'id="register-form"' not in body and 'id="save-register"' not in body
        assert f'href="/attendance/classes/{class_id}?day=2026-12-09&amp;period=0"' in body   # today is one
    # Saving such a day anyway is refused with the same reason, and nothing is written.
    an = world.a.students["HSA001"].id
    refused = client.post(f"/attendance/classes/{class_id}", {"day": "2026-12-06", "period": "0", "course_id": "0",
                                                              f"s-{an}": "K"})
    assert refused.status_code == 422 and "là Chủ nhật" in refused.get_data(as_text=True)
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AttendanceRegister)) == 0
        # A school that teaches on Saturdays takes Saturday's register.
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.saturday_classes = True
        settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data, now=NOW)
        s.commit()
    assert 'id="register-form"' in page("2026-12-05")
    assert 'id="register-refusal"' in page("2026-12-06")
    # In English the holiday has its English name.
    client.get("/language/en")
    english = client.get(f"/attendance/classes/{class_id}?day=2026-11-24&period=0").get_data(as_text=True)
    assert "Vietnam Cultural Day" in english and 'id="register-form"' not in english
    client.get("/language/vi")


def test_the_attendance_page_says_when_today_has_no_school(world, client, make_client):
    client.login("gv.a")
    assert 'id="attendance-day-off"' not in client.get("/attendance").get_data(as_text=True)   # a Wednesday
    with time_machine.travel(datetime(2026, 12, 13, 1, 0, tzinfo=timezone.utc), tick=True):
        sunday = make_client()
        sunday.login("gv.a")
        page = sunday.get("/attendance").get_data(as_text=True)
    assert 'id="attendance-day-off"' in page and "Ngày 13/12/2026 là Chủ nhật" in page


def test_a_date_in_the_address_that_cannot_be_read_is_said_not_silently_replaced(world, client, make_client):
    """?day=abc on the register, ?month=2026-13 on the cost report: the page shows its default and
    says the value was not read, in the reader's language (outside tester F4; lms.core.inputs._arg
    reads every date and month of a query string)."""
    client.login("gv.a")
    class_id = world.a.school_class.id
    for bad in ("abc", "2026-13-45"):
        page = client.get(f"/attendance/classes/{class_id}?day={bad}").get_data(as_text=True)
        assert f"Không đọc được ngày “{bad}” trong địa chỉ trang" in page
    assert "Không đọc được" not in client.get(f"/attendance/classes/{class_id}").get_data(as_text=True)
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/contact-book/report?month=2026-13").get_data(as_text=True)
    assert "Không đọc được tháng “2026-13” trong địa chỉ trang" in page
