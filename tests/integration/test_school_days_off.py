"""Days without school: a public holiday named in the reader's language wherever a register is
refused."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine


@pytest.fixture(autouse=True)
def _in_december():
    with time_machine.travel(datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc), tick=True):
        yield


def test_a_refused_save_names_the_holiday_in_the_readers_language(world, client):
    class_id, an = world.a.school_class.id, world.a.students["HSA001"].id
    client.login("gv.a")
    client.get("/language/en")
    refused = client.post(f"/attendance/classes/{class_id}", data={"day": "2026-11-24", "period": "0",
                                                                   "course_id": "0", f"s-{an}": "K"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Vietnam Cultural Day" in body and "Ngày Văn hóa Việt Nam" not in body
    client.get("/language/vi")
    refused = client.post(f"/attendance/classes/{class_id}", data={"day": "2026-11-24", "period": "0",
                                                                   "course_id": "0", f"s-{an}": "K"})
    assert "Ngày 24/11/2026 là ngày nghỉ lễ (Ngày Văn hóa Việt Nam)" in refused.get_data(as_text=True)


def _register(client, class_id: int, day: str, an: int):
    return client.post(f"/attendance/classes/{class_id}", data={"day": day, "period": "0", "course_id": "0",
                                                                f"s-{an}": "K"})


def test_the_school_declares_its_own_days_off_and_no_register_is_taken_then(world, client, make_client, dbs):
    from sqlalchemy import func, select

    from lms.attendance.models import AttendanceRegister, SchoolDayOff
    from lms.core.models import AuditLog

    class_id, an = world.a.school_class.id, world.a.students["HSA001"].id
    admin = make_client()
    admin.login("admin.a")
    assert 'id="link-days-off"' in admin.get("/contact-book").get_data(as_text=True)
    page = admin.get("/attendance/days-off").get_data(as_text=True)
    assert 'id="day-off-form"' in page and "Chưa khai báo ngày nghỉ riêng nào." in page
    # Refusals name their field; nothing is saved.
    for data, why in (({"first_day": "2026-12-08", "last_day": "2026-12-07", "reason": "Nghỉ bù"},
                       "Ngày cuối phải từ ngày đầu trở đi."),
                      ({"first_day": "2026-12-07", "reason": "  "}, "Ghi lý do nghỉ"),
                      ({"first_day": "2026-12-01", "last_day": "2027-03-01", "reason": "Nghỉ dài"},
                       "Mỗi lần khai báo tối đa 60 ngày nghỉ."),
                      # Far outside the school year: refused with the year's dates.
                      ({"first_day": "2020-01-01", "reason": "Nghỉ Tết"},
                       "Ngày nghỉ phải trong năm học 2026-2027 (05/09/2026 – 29/05/2027)."),
                      ({"first_day": "2030-01-01", "reason": "Nghỉ Tết"}, "Ngày nghỉ phải trong năm học 2026-2027")):
        refused = admin.post("/attendance/days-off", data=data)
        assert refused.status_code == 422 and why in refused.get_data(as_text=True), data
    # A range (nghỉ bù after a Saturday event) and a single day.
    done = admin.post("/attendance/days-off", data={"first_day": "2026-12-07", "last_day": "2026-12-08",
                                                    "reason": "Nghỉ bù hội khoẻ Phù Đổng"})
    assert done.status_code == 302
    assert admin.post("/attendance/days-off", data={"first_day": "2026-12-02", "reason": "Trường làm điểm thi"}
                      ).status_code == 302
    clash = admin.post("/attendance/days-off", data={"first_day": "2026-12-08", "reason": "Khác"})
    assert clash.status_code == 409 or clash.status_code == 422
    assert "Trùng với ngày nghỉ đã khai báo 07/12/2026 – 08/12/2026" in clash.get_data(as_text=True)
    page = admin.get("/attendance/days-off").get_data(as_text=True)
    assert "Nghỉ bù hội khoẻ Phù Đổng" in page and "Trường làm điểm thi" in page
    # The register: the page says why instead of a form, and a save is refused.
    client.login("gv.a")
    body = client.get(f"/attendance/classes/{class_id}?day=2026-12-08&period=0").get_data(as_text=True)
    assert 'id="register-refusal"' in body and 'id="register-form"' not in body
    assert "Ngày 08/12/2026 trường nghỉ (Nghỉ bù hội khoẻ Phù Đổng)" in body
    refused = _register(client, class_id, "2026-12-02", an)
    assert refused.status_code == 422 and "Ngày 02/12/2026 trường nghỉ (Trường làm điểm thi)" in refused.get_data(
        as_text=True)
    # "The latest school day" skips them: today (09/12) is one; the link on 08/12 leads there.
    assert f'href="/attendance/classes/{class_id}?day=2026-12-09&amp;period=0"' in body
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AttendanceRegister)) == 0
        row = s.scalars(select(SchoolDayOff).where(SchoolDayOff.reason == "Trường làm điểm thi")).one()
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "school_day_off_added")) == 2
        row_id = row.id
    # Another school's admin cannot remove it; this school's admin can, and the day is a school day again.
    other = make_client()
    other.login("admin.b")
    assert other.post(f"/attendance/days-off/{row_id}/delete").status_code in (302, 404)
    assert _register(client, class_id, "2026-12-02", an).status_code == 422
    assert admin.post(f"/attendance/days-off/{row_id}/delete").status_code == 302
    assert _register(client, class_id, "2026-12-02", an).status_code == 302
    # Only admins reach the page.
    assert client.get("/attendance/days-off").status_code in (403, 404)


def test_no_homework_is_due_on_a_day_off_public_or_the_schools(world, dbs, client):
    from lms.attendance import days_off
    from lms.auth.models import User
    from lms.core.errors import ValidationError
    from lms.core.timeutil import local_to_utc
    from lms.courses import homework
    from lms.people.models import School

    def due(day, hour=20):
        return local_to_utc(datetime(day.year, day.month, day.day, hour), "Asia/Ho_Chi_Minh")

    def make(s, when):
        return homework.save_assignment(
            s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
            homework.AssignmentInput(title="Luyện tập", course_ids=[world.a.course.id], open_at=due(date(2026, 12, 9), 8),
                                     due_at=when, minutes=30), now=due(date(2026, 12, 9), 8)).assignment

    with dbs() as s:
        days_off.add_day_off(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), date(2026, 12, 14),
                             None, "Nghỉ bù", now=due(date(2026, 12, 9), 8))
        s.commit()
        with pytest.raises(ValidationError) as refused:
            make(s, due(date(2026, 12, 14)))
        assert refused.value.field == "due_at" and "Ngày 14/12/2026 trường nghỉ (Nghỉ bù)" in str(refused.value)
        s.rollback()
        with pytest.raises(ValidationError) as refused:
            make(s, due(date(2027, 1, 1), 7))
        assert "Ngày 01/01/2027 trường nghỉ (Tết Dương lịch)" in str(refused.value)
        s.rollback()
        # The evening of a day off may hold homework due the next school day; a school day is fine.
        assignment = make(s, due(date(2026, 12, 15), 7))
        assert make(s, due(date(2026, 12, 16))).id != assignment.id
        # Editing a saved assignment's other fields is not refused if the school later declares its day off.
        days_off.add_day_off(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), date(2026, 12, 15),
                             None, "Sự kiện", now=due(date(2026, 12, 9), 8))
        s.commit()
        again = homework.save_assignment(
            s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
            homework.AssignmentInput(title="Luyện tập (sửa)", course_ids=[world.a.course.id],
                                     open_at=assignment.open_at, due_at=assignment.due_at, minutes=30),
            now=due(date(2026, 12, 9), 9), assignment=assignment).assignment
        assert again.title == "Luyện tập (sửa)"


def test_no_homework_is_due_on_a_sunday_nor_on_a_saturday_without_classes(world, dbs, make_client):
    """A due date with no lessons that day is refused naming the field and the day, on the page
    and through the service, and nothing is saved; a school teaching on Saturdays takes Saturday."""
    from lms.auth.models import User
    from lms.core.errors import ValidationError
    from lms.core.timeutil import local_to_utc
    from lms.courses import homework
    from lms.courses.models import Assignment
    from lms.messaging import settings
    from lms.people.models import School
    from sqlalchemy import func, select

    def due(day, hour=20):
        return local_to_utc(datetime(day.year, day.month, day.day, hour), "Asia/Ho_Chi_Minh")

    def make(s, when):
        return homework.save_assignment(
            s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
            homework.AssignmentInput(title="Luyện tập", course_ids=[world.a.course.id], open_at=due(date(2026, 12, 9), 8),
                                     due_at=when, minutes=30), now=due(date(2026, 12, 9), 8)).assignment

    teacher = make_client()
    assert teacher.login("gv.a").status_code == 302
    # Set on a Sunday, the form's proposed due time a week ahead is the Monday after, not a Sunday.
    with time_machine.travel(datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc), tick=False):
        on_sunday = make_client()
        assert on_sunday.login("gv.a").status_code == 302
        proposed = on_sunday.get("/homework/new").get_data(as_text=True)
    assert re.search(r'id="due_at"[^>]*value="2026-12-14T21:00"|value="2026-12-14T21:00"[^>]*id="due_at"', proposed)
    form = {"title": "Bài tập cuối tuần", "subject_id": str(world.a.subject.id), "course_ids": [str(world.a.course.id)],
            "lesson_id": "0", "instructions": "", "open_at": "2026-12-09T08:00", "due_at": "2026-12-13T20:00",
            "late_policy": "refuse", "penalty_percent": "10", "cutoff_at": "", "max_score": "10",
            "resubmissions": "0", "rubric": "", "publish": "y", "minutes": "30"}
    refused = teacher.post("/homework/new", form)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Ngày 13/12/2026 là Chủ nhật" in body and 'id="due_at"' in body
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Assignment).where(Assignment.school_id == world.a.school.id)) == 0
        with pytest.raises(ValidationError) as sunday:
            make(s, due(date(2026, 12, 13), 7))
        assert sunday.value.field == "due_at"
        s.rollback()
        with pytest.raises(ValidationError) as saturday:
            make(s, due(date(2026, 12, 12)))
        assert saturday.value.field == "due_at" and "Ngày 12/12/2026 là thứ Bảy" in str(saturday.value)
        s.rollback()
        row = settings.settings_of(s, world.a.school.id)
        data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
        data.saturday_classes = True
        settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data,
                               now=due(date(2026, 12, 9), 8))
        s.commit()
        assert make(s, due(date(2026, 12, 12))).id
        s.commit()
    teacher.get("/language/en")
    english = teacher.post("/homework/new", form).get_data(as_text=True)
    assert "13/12/2026 is a Sunday" in english


def test_a_past_day_declared_off_warns_of_its_absences_and_they_leave_the_term_totals(world, client, make_client,
                                                                                        dbs):
    from lms.attendance import registers
    from lms.people.models import SchoolClass, Student

    class_id, an = world.a.school_class.id, world.a.students["HSA001"].id

    def unexcused() -> int:
        with dbs() as s:
            return registers.term_absences(s, s.get(SchoolClass, class_id))[(an, 1)].unexcused

    client.login("gv.a")
    assert _register(client, class_id, "2026-12-02", an).status_code == 302
    assert _register(client, class_id, "2026-12-03", an).status_code == 302
    assert unexcused() == 2
    admin = make_client()
    admin.login("admin.a")
    day_off = {"first_day": "2026-12-02", "reason": "Nghỉ bù hội khoẻ Phù Đổng"}
    refused = admin.post("/attendance/days-off", data=day_off)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Sổ điểm danh những ngày này đã ghi 1 lượt vắng" in page
    assert 'id="absences-taken"' in page and "Nguyễn Văn An" in page and "02/12/2026" in page
    assert unexcused() == 2                             # nothing declared yet
    assert admin.post("/attendance/days-off", data={**day_off, "confirmed": "y"}).status_code == 302
    assert unexcused() == 1                             # 02/12 has no school: its absence no longer counts
    with dbs() as s:                                    # the parent's page reads the same
        lines, totals = registers.pupil_days(s, s.get(Student, an), s.get(SchoolClass, class_id),
                                             date(2026, 12, 1), date(2026, 12, 9))
        assert [line.day for line in lines] == [date(2026, 12, 3)] and totals.unexcused == 1
