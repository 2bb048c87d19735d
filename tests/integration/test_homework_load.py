"""The homework-load guard: the evening's load shown when setting homework, the school's limit
by level needing an explicit override, nothing due after the school's hour, the week's view for
the class's teachers and the parents."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.models import AuditLog
from lms.core.timeutil import local_to_utc, utcnow
from lms.courses import homework
from lms.courses.models import Assignment
from lms.messaging import settings
from lms.people.models import School

TZ = "Asia/Ho_Chi_Minh"
MONDAY = date(2027, 3, 8)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime(day.year, day.month, day.day, hour, minute), TZ)


def limits(s, world, *, lower=60, latest=time(20, 30)):
    row = settings.settings_of(s, world.a.school.id)
    data = settings.SettingsInput(**{n: getattr(row, n) for n in settings.DEFAULTS})
    data.hw_minutes_lower, data.hw_latest_due = lower, latest
    settings.save_settings(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), data, now=utcnow())
    s.commit()


def make(s, world, title, due, minutes, **extra):
    return homework.save_assignment(s, s.get(User, world.a.teacher.id), "teacher", s.get(School, world.a.school.id),
                                    homework.AssignmentInput(title=title, course_ids=[world.a.course.id],
                                                             open_at=local(MONDAY - timedelta(days=7), 8), due_at=due,
                                                             minutes=minutes, **extra),
                                    now=local(MONDAY - timedelta(days=7), 8)).assignment


def test_without_limits_the_load_is_shown_and_nothing_refused(world, dbs):
    with dbs() as s:
        for n in range(4):
            make(s, world, f"Bài {n}", local(MONDAY, 20), 45)
        from lms.people.models import Course

        lines = homework.load_check(s, s.get(School, world.a.school.id), [s.get(Course, world.a.course.id)],
                                    local(MONDAY, 21), 30)
        [line] = lines
        assert (line.before, line.after, line.limit, line.over) == (homework.rules.Load(4, 180),
                                                                    homework.rules.Load(5, 210), None, False)


def test_over_the_evening_needs_an_explicit_override(world, dbs):
    with dbs() as s:
        limits(s, world)
        make(s, world, "Luyện tập", local(MONDAY, 20), 40)
        with pytest.raises(homework.LoadExceeded) as refused:
            make(s, world, "Đọc trước bài", local(MONDAY + timedelta(days=1), 7), 30)   # tomorrow morning: tonight
        [line] = refused.value.lines
        assert (line.before.count, line.after.minutes, line.limit, line.evening) == (1, 70, 60, MONDAY)
        assert "quá giới hạn 60 phút" in str(refused.value.message) and refused.value.field == "override_load"
        s.rollback()
        limits(s, world)
        make(s, world, "Luyện tập", local(MONDAY, 20), 40)
        make(s, world, "Đọc trước bài", local(MONDAY + timedelta(days=1), 13), 30)        # another evening: fine
        forced = make(s, world, "Ôn tập", local(MONDAY, 19), 30, override_load=True)
        assert forced.load_override_by == world.a.teacher.id and forced.load_override_at is not None
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "homework_load_override")) == 1
        # A draft adds nothing; publishing it is checked.
        draft = make(s, world, "Nháp", local(MONDAY, 20), 30, publish=False)
        teacher, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        data = homework.AssignmentInput(title="Nháp", course_ids=[world.a.course.id], open_at=draft.open_at,
                                        due_at=draft.due_at, minutes=30)
        with pytest.raises(homework.LoadExceeded):
            homework.save_assignment(s, teacher, "teacher", school, data, now=utcnow(), assignment=draft)
        s.rollback()
        # Editing something else than the evening, estimate or classes is not checked again.
        data = homework.AssignmentInput(title="Ôn tập (sửa tên)", course_ids=[world.a.course.id],
                                        open_at=forced.open_at, due_at=forced.due_at, minutes=30)
        homework.save_assignment(s, teacher, "teacher", school, data, now=utcnow(), assignment=s.get(Assignment, forced.id))


def test_nothing_due_after_the_schools_hour(world, dbs):
    from lms.core.errors import ValidationError

    with dbs() as s:
        limits(s, world, latest=time(20, 0))
        for due in (local(MONDAY, 20, 1), local(MONDAY, 23, 59), local(MONDAY + timedelta(days=1), 5, 30)):
            with pytest.raises(ValidationError) as refused:
                make(s, world, "Muộn", due, 20)
            assert refused.value.field == "due_at" and "20:00" in str(refused.value.message)
            s.rollback()
        make(s, world, "Sáng mai", local(MONDAY + timedelta(days=1), 6, 45), 20)


def test_the_form_shows_the_load_and_takes_an_override(world, dbs, client):
    with dbs() as s:
        limits(s, world)
        make(s, world, "Luyện tập", local(MONDAY, 20), 40)
        s.commit()
    client.login("gv.a")
    form = {"title": "Bài mới", "course_ids": str(world.a.course.id), "lesson_id": "0", "instructions": "",
            "open_at": "2027-03-01T08:00", "due_at": MONDAY.isoformat() + "T20:00", "minutes": "30",
            "late_policy": "refuse", "penalty_percent": "10", "max_score": "10", "resubmissions": "0", "rubric": "",
            "publish": "y"}
    refused = client.post("/homework/new", form)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "quá giới hạn 60 phút" in body
    assert 'data-over="yes"' in body and "đã có 1 bài, 40 phút; cộng bài này 70 phút" in body
    answer = client.get(f"/homework/load?course_ids={world.a.course.id}&due_at={MONDAY.isoformat()}T20:00&minutes=30")
    [line] = answer.get_json()["lines"]
    assert line["over"] and "giới hạn 60 phút" in line["text"]
    assert client.post("/homework/new", {**form, "override_load": "y"}).status_code == 302
    too_late = client.post("/homework/new", {**form, "due_at": MONDAY.isoformat() + "T22:00", "override_load": "y"})
    assert too_late.status_code == 422 and "sau 20:30" in too_late.get_data(as_text=True)
    none = client.post("/homework/new", {**form, "minutes": "0"}).get_data(as_text=True)
    assert "từ 1 đến 600 phút" in none and "Nhập số phút." not in none    # 0 was typed: the range, not "empty"


def test_the_weeks_load_for_the_class_and_the_parents(world, dbs, make_client):
    with dbs() as s:
        limits(s, world)
        make(s, world, "Luyện tập", local(MONDAY, 20), 40)
        make(s, world, "Đọc trước", local(MONDAY + timedelta(days=1), 7), 30, override_load=True)
        make(s, world, "Ôn tập", local(MONDAY + timedelta(days=3), 18), 20)
        days = homework.week_load(s, s.get(type(world.a.school_class), world.a.school_class.id), MONDAY + timedelta(3))
        assert [(d.day.weekday(), d.load.count, d.load.minutes, d.over) for d in days if d.load.count] == \
            [(0, 2, 70, True), (3, 1, 20, False)]
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/classes/{world.a.school_class.id}/homework-load?week={MONDAY.isoformat()}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="table-danger"' in body and "Luyện tập" in body
    assert "Bài tập trong tuần:" in teacher.get("/homework/manage").get_data(as_text=True)
    parent = make_client()
    parent.login("0912000001")
    an = world.a.students["HSA001"].id
    body = parent.get(f"/children/{an}/homework-load?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert "Ôn tập" in body and 'data-day="2027-03-11"' in body
    assert parent.get(f"/children/{world.a.students['HSA003'].id}/homework-load").status_code == 404
    other = make_client()
    other.login("gv.b")
    assert other.get(f"/classes/{world.a.school_class.id}/homework-load").status_code == 404


def test_setting_homework_shows_the_weeks_load_too(world, dbs, client):
    """Beside the evening, the class's week so far (Monday to Sunday): count and minutes, the
    assignment being edited left out."""
    from lms.people.models import Course

    with dbs() as s:
        make(s, world, "Thứ Hai", local(MONDAY, 20), 40)
        make(s, world, "Thứ Tư", local(MONDAY + timedelta(days=2), 19), 25)
        make(s, world, "Sáng thứ Hai", local(MONDAY, 7), 15)                      # the Sunday evening before: last week
        make(s, world, "Tuần sau", local(MONDAY + timedelta(days=7), 20), 50)     # another week
        edited = make(s, world, "Đang sửa", local(MONDAY + timedelta(days=4), 20), 30)
        s.commit()
        [line] = homework.load_check(s, s.get(School, world.a.school.id), [s.get(Course, world.a.course.id)],
                                     local(MONDAY + timedelta(days=2), 20), 30, exclude=edited.id)
        assert (line.before, line.week) == (homework.rules.Load(1, 25), homework.rules.Load(2, 65))
        edited_id = edited.id
    client.login("gv.a")
    answer = client.get(f"/homework/load?course_ids={world.a.course.id}&due_at={MONDAY.isoformat()}T20:00"
                        f"&minutes=30&assignment={edited_id}")
    [line] = answer.get_json()["lines"]
    assert "cả tuần đã có 2 bài, 65 phút" in line["text"]
    assert line["week_url"].endswith(f"/classes/{world.a.school_class.id}/homework-load?week={MONDAY.isoformat()}")
    page = client.get("/homework/new").get_data(as_text=True)
    assert 'id="load-lines"' in page
    edit = client.get(f"/homework/{edited_id}/edit").get_data(as_text=True)
    assert "cả tuần đã có 2 bài, 65 phút" in edit


def test_the_load_counts_agree_with_their_noun_in_english(world, dbs, client):
    """Each count in the load's sentence is its own plural entry: "1 assignment, 40 minutes", not
    "1 assignment(s)"; the limit's refusal counts its minutes the same way."""
    with dbs() as s:
        limits(s, world)
        make(s, world, "Luyện tập", local(MONDAY, 20), 40)
        s.commit()
    client.login("gv.a")
    client.get("/language/en")
    answer = client.get(f"/homework/load?course_ids={world.a.course.id}&due_at={MONDAY.isoformat()}T20:00&minutes=1")
    [line] = answer.get_json()["lines"]
    assert "already 1 assignment, 40 minutes; 41 minutes with this one" in line["text"]
    assert "the week already has 1 assignment, 40 minutes" in line["text"]
    form = {"title": "Bài mới", "course_ids": str(world.a.course.id), "lesson_id": "0", "instructions": "",
            "open_at": "2027-03-01T08:00", "due_at": MONDAY.isoformat() + "T20:00", "minutes": "30",
            "late_policy": "refuse", "penalty_percent": "10", "max_score": "10", "resubmissions": "0", "rubric": "",
            "publish": "y"}
    refused = client.post("/homework/new", form).get_data(as_text=True)
    assert "already has 1 assignment; with this one it is 70 minutes, over the school&#39;s limit of 60 minutes" \
        in refused


def test_nothing_due_outside_the_school_year(world, dbs):
    """Homework due in the summer holidays (after the year's last day) or before its first day is
    refused on *Hạn nộp*, naming the year and its dates, as the register's day is (outside tester
    F7); and an exam's opening and closing and a lesson's publication go through the same check."""
    from lms.core.errors import ValidationError
    from lms.courses import lessons
    from lms.exams import services as exams

    with dbs() as s:
        for due, shown in ((local(date(2027, 8, 10), 19), "10/08/2027"), (local(date(2027, 6, 1), 19), "01/06/2027")):
            with pytest.raises(ValidationError) as refused:
                make(s, world, "Hè", due, 20)
            assert refused.value.field == "due_at"
            assert str(refused.value.message) == (f"Hạn nộp {shown} không thuộc năm học 2026-2027 "
                                                  "(05/09/2026 – 29/05/2027).")
            s.rollback()
        teacher, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        data = exams.ExamInput(title="Thi hè", subject_id=world.a.course.subject_id, course_ids=[world.a.course.id],
                               open_at=local(date(2026, 8, 31), 8), close_at=local(date(2027, 6, 15), 8))
        problems = exams.exam_problems(s, teacher, "teacher", school, data)
        assert [(p.field, str(p.message)) for p in problems] == [
            ("open_at", "Giờ mở 31/08/2026 không thuộc năm học 2026-2027 (05/09/2026 – 29/05/2027)."),
            ("close_at", "Giờ đóng 15/06/2027 không thuộc năm học 2026-2027 (05/09/2026 – 29/05/2027).")]
        with pytest.raises(ValidationError) as refused:
            lessons.save_lesson(s, teacher, s.get(type(world.a.course), world.a.course.id),
                                lessons.LessonInput(title="Bài hè", publish=lessons.PublishMode.AT,
                                                    publish_at=local(date(2027, 7, 1), 8)), now=local(MONDAY, 8))
        assert refused.value.field == "publish_at" and "01/07/2027 không thuộc năm học 2026-2027" in str(
            refused.value.message)
