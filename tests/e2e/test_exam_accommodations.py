"""Accommodations reach a pupil who is already sitting the exam, in Chromium with a mocked clock:
extra minutes given by the teacher show on the timer within 5 seconds and outrank the exam's
close unless the teacher chose otherwise; and on a phone the time left and the saved / not saved
state stay in view at the bottom of the paper, offline too."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
PUPIL = "8910000023"   # a pupil of 6A1 in the demo
PUPIL_SCHOOL = "thcs-nd"   # the sign-in address of its school: /login?school=thcs-nd


def _exam(live_server, title: str, *, minutes: int, closes_in: int) -> int:
    """A published fixed-list exam of three ready Toán questions for 6A1, set up through the
    services as the teacher's pages do."""
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.core.timeutil import utcnow
    from lms.exams import services
    from lms.exams.models import Question, QuestionStatus
    from lms.extensions import db
    from lms.people.models import Course, School, SchoolClass, Subject

    with live_server.app.app_context():
        teacher = db.session.scalars(select(User).where(User.username == "gv1.thcs")).one()
        course = db.session.scalars(select(Course).join(SchoolClass).join(Subject, Subject.id == Course.subject_id).where(
            SchoolClass.name == "6A1", Course.teacher_id == teacher.id, Subject.name == "Toán")).one()
        school = db.session.get(School, course.school_id)
        now = utcnow()
        exam = services.save_exam(db.session, teacher, "teacher", school, services.ExamInput(
            title=title, subject_id=course.subject_id, course_ids=[course.id], open_at=now - timedelta(minutes=1),
            close_at=now + timedelta(minutes=closes_in), time_limit_min=minutes, per_page=0))
        questions = db.session.scalars(select(Question).where(
            Question.school_id == school.id, Question.qtype == "single_choice",
            Question.status == QuestionStatus.READY).order_by(Question.id).limit(3)).all()
        services.set_items(db.session, teacher, "teacher", school, exam, [(q.id, "1") for q in questions])
        services.publish_exam(db.session, teacher, "teacher", exam)
        db.session.commit()
        return exam.id


def _give(live_server, exam_id: int, minutes: int, past_close: bool) -> None:
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.exams import services
    from lms.exams.models import Exam
    from lms.extensions import db
    from lms.people.models import Student

    with live_server.app.app_context():
        teacher = db.session.scalars(select(User).where(User.username == "gv1.thcs")).one()
        student = db.session.scalars(select(Student).where(Student.student_code == PUPIL)).one()
        services.save_override(db.session, teacher, "teacher", db.session.get(Exam, exam_id), services.OverrideInput(
            student_id=student.id, extra_minutes=minutes, past_close=past_close, reason="Khuyết tật vận động"))
        db.session.commit()


def _minutes_left(page) -> float:
    text = page.locator("#timer").inner_text()
    parts = [int(p) for p in text.split(":")]
    return parts[-2] + parts[-1] / 60 + (parts[0] * 60 if len(parts) == 3 else 0)


def _start(page, live_server, exam_id: int) -> None:
    page.goto(f"{live_server.url}/exams/{exam_id}")
    page.click("#start")
    page.wait_for_selector("#attempt[data-ready]")


def test_extra_time_reaches_the_running_timer_within_five_seconds(sign_in, page, live_server):
    exam_id = _exam(live_server, "Kiểm tra 15 phút có gia hạn", minutes=15, closes_in=10)
    page.clock.install()
    sign_in(PUPIL, school=PUPIL_SCHOOL)
    _start(page, live_server, exam_id)
    page.clock.run_for(1000)
    assert 9 <= _minutes_left(page) <= 10                  # the close cuts the 15 minutes short

    _give(live_server, exam_id, 20, past_close=True)       # the pupil's extra time outranks the close
    page.clock.run_for(5000)                              # the poll runs within these 5 seconds
    for _ in range(20):                                   # its answer comes back in real time
        page.clock.run_for(250)
        if _minutes_left(page) > 25:
            break
        page.wait_for_timeout(100)
    assert 29 <= _minutes_left(page) <= 30                 # close + 20 min, before start + 15 + 20
    expect(page.locator("#attempt-alert")).to_contain_text("vừa được thầy cô điều chỉnh")

    _give(live_server, exam_id, 20, past_close=False)      # the teacher's choice: the close still ends it
    page.clock.run_for(5000)
    for _ in range(20):
        page.clock.run_for(250)
        if _minutes_left(page) < 11:
            break
        page.wait_for_timeout(100)
    assert 9 <= _minutes_left(page) <= 10


def test_a_change_made_before_the_first_poll_answers_is_still_told(sign_in, page, live_server):
    """The page's first poll can be answered after the teacher's change (a slow network, a busy
    server): the page compares with the deadline it was written with, so the pupil is told; and the
    alert names the minutes really left (10), not the threshold already passed (15)."""
    exam_id = _exam(live_server, "Kiểm tra có gia hạn sớm", minutes=15, closes_in=10)
    held = []
    page.route("**/attempts/*/clock", lambda route: held.append(route) if not held else route.continue_())
    page.clock.install()
    sign_in(PUPIL, school=PUPIL_SCHOOL)
    _start(page, live_server, exam_id)
    page.clock.run_for(1000)
    expect(page.locator("#attempt-alert")).to_have_text("Còn 10 phút làm bài.")
    assert len(held) == 1                                  # the first poll is not answered yet
    _give(live_server, exam_id, 20, past_close=True)
    held[0].continue_()                                    # now it is, with the new deadline
    expect(page.locator("#attempt-alert")).to_contain_text("vừa được thầy cô điều chỉnh")
    page.clock.run_for(500)                                # the timer's next tick
    assert 29 <= _minutes_left(page) <= 30


def test_on_a_phone_the_timer_and_the_save_state_stay_in_view_offline(sign_in, page, live_server):
    exam_id = _exam(live_server, "Kiểm tra trên điện thoại", minutes=15, closes_in=30)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(PUPIL, school=PUPIL_SCHOOL)
    _start(page, live_server, exam_id)
    page.context.set_offline(True)
    questions = page.locator("section.question")
    questions.last.scroll_into_view_if_needed()
    questions.last.locator("input").first.check()
    page.mouse.wheel(0, 4000)
    page.wait_for_timeout(300)
    expect(page.locator("#save-state")).to_contain_text("Mất kết nối")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    for selector in ("#timer", "#save-state"):
        box = page.locator(selector).bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, (selector, box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, (selector, box)   # not pushed off the side
    assert re.fullmatch(r"\d+:\d\d", page.locator("#timer").inner_text())
    page.screenshot(path="/tmp/exam-phone-offline.png")
    page.context.set_offline(False)
