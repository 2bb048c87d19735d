"""Exams in Chromium: a teacher builds an exam from a blueprint; a pupil takes it with the network
cut for a while (and a reload in between) and loses nothing; an attempt finishes by itself at the
deadline; the teacher grades an essay and publishes the results.

Time up is reached without waiting for it: the browser's clock (Playwright's `page.clock`) and the
server's (`time_machine`, the whole test process, where the served app runs in a thread) flow
naturally and are moved forward together by the time left (`_time_passes`)."""
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import func, select
from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e


def _db(live_server):
    from lms.extensions import db

    return live_server.app.app_context(), db


def _local(dt):
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%dT%H:%M")


def _responses(live_server, attempt_id):
    from lms.exams.models import Response

    context, db = _db(live_server)
    with context:
        return db.session.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))


def _time_passes(page, server_clock, seconds: float) -> None:
    """`seconds` pass at once for the server and for the page, as for a laptop whose lid was shut:
    each of the page's timers that fell due runs once."""
    server_clock.shift(timedelta(seconds=seconds))
    page.clock.fast_forward(int(seconds * 1000))


def _left(live_server, attempt_id) -> float:
    """Seconds from the server's now to the attempt's deadline."""
    from lms.core.timeutil import utcnow
    from lms.exams.models import Attempt

    context, db = _db(live_server)
    with context:
        return (db.session.get(Attempt, attempt_id).deadline - utcnow()).total_seconds()


def test_blueprint_exam_taken_offline_loses_nothing(sign_in, page, live_server):
    from lms.core.timeutil import utcnow

    now = utcnow()
    sign_in("gv1.thcs")
    page.goto(live_server.url + "/exams/new")
    page.fill("#title", "Kiểm tra nhanh 10 phút")
    page.select_option("#subject_id", label="Toán")
    page.select_option("#course_ids", label="Toán — 6A1")
    page.fill("#open_at", _local(now - timedelta(minutes=2)))
    page.fill("#close_at", _local(now + timedelta(hours=2)))
    page.fill("#time_limit_min", "30")
    page.fill("#per_page", "0")
    page.click("#save-exam")
    expect(page.locator("#exam-title")).to_contain_text("Kiểm tra nhanh 10 phút")
    page.click("#tab-blueprint")
    rows = page.locator("#rules tbody tr.blank-rule")
    rows.nth(0).locator("select[name=category]").select_option(label="Toán 6 — Chương I và Hình học / Tập hợp")
    rows.nth(0).locator("select[name=level]").select_option("1")
    rows.nth(0).locator("select[name=qtype]").select_option("single_choice")  # every question has radios
    rows.nth(0).locator("input[name=count]").fill("2")
    rows.nth(0).locator("input[name=mark]").fill("2,5")
    rows.nth(1).locator("select[name=category]").select_option(label="Toán 6 — Chương I và Hình học / Phép tính với số tự nhiên")
    rows.nth(1).locator("select[name=qtype]").select_option("single_choice")
    rows.nth(1).locator("input[name=count]").fill("2")
    rows.nth(1).locator("input[name=mark]").fill("2,5")
    page.click("#save-blueprint")
    expect(page.locator("#matrix-total")).to_contain_text("4 câu, 10 điểm")
    page.click("#sample-draw")
    expect(page.locator("#sample li")).to_have_count(4)
    page.click("#tab-home")
    page.click("#publish")
    expect(page.locator(".alert-success")).to_contain_text("Đã giao bài thi")
    _sign_out(page)

    sign_in("8910000023", school="thcs-nd")  # a pupil of 6A1
    page.goto(live_server.url + "/exams")
    page.get_by_text("Kiểm tra nhanh 10 phút").click()
    page.click("#start")
    page.wait_for_selector("#attempt[data-ready]")   # the page's script watches the answers from here
    questions = page.locator("section.question")
    expect(questions).to_have_count(4)
    attempt_id = int(page.url.rsplit("/", 1)[1])
    state = page.locator("#save-state")
    # Before any answer the badge claims nothing saved (issue #29, tester finding 7: it read "all
    # saved" before the first answer); "saved" once the server acknowledged the first save.
    expect(state).to_have_text("Chưa có câu trả lời")
    with page.expect_response(lambda r: r.url.endswith("/save") and r.status == 200):
        questions.nth(0).locator("input").first.check()
    expect(state).to_have_text("Đã lưu tất cả câu trả lời")
    # The network drops: answers are kept in the browser and the page says so.
    page.context.set_offline(True)
    questions.nth(1).locator("input").nth(1).check()
    questions.nth(2).locator("input").nth(2).check()
    expect(state).to_contain_text("Mất kết nối")
    assert _responses(live_server, attempt_id) == 1
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(state).to_have_text("Đã lưu tất cả câu trả lời", timeout=15000)
    assert _responses(live_server, attempt_id) == 3
    # Saves fail again, and the page is reloaded before they get through: the browser's journal
    # brings the answer back and sends it when it can.
    page.route("**/save", lambda route: route.abort())
    questions.nth(3).locator("input").nth(0).check()
    expect(state).to_contain_text("Mất kết nối")
    page.reload()
    expect(page.locator("section.question").nth(3).locator("input").nth(0)).to_be_checked()
    page.unroute("**/save")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#save-state")).to_have_text("Đã lưu tất cả câu trả lời", timeout=15000)
    assert _responses(live_server, attempt_id) == 4
    page.click("#open-submit")
    expect(page.locator("#unanswered")).to_contain_text("Em đã trả lời tất cả các câu")
    page.click("#confirm-submit")
    expect(page.locator("#result-score")).to_contain_text("/ 10")
    assert page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('lms-attempt-{attempt_id}'))") == []  # cleared after submit


def test_an_attempt_finishes_by_itself_at_the_deadline(sign_in, page, live_server):
    from lms.core.timeutil import utcnow
    from lms.exams import services
    from lms.exams.models import Attempt, Exam, Question, QuestionCategory
    from lms.people.models import Course, School, SchoolClass, SchoolYear, Subject

    travel = time_machine.travel(utcnow(), tick=True)
    server_clock = travel.start()
    context, db = _db(live_server)
    with context:
        course = db.session.scalars(select(Course).join(SchoolClass).join(SchoolYear).join(
            Subject, Subject.id == Course.subject_id).where(SchoolClass.name == "6A1", Subject.code == "toan",
                                                            SchoolYear.is_current.is_(True))).first()
        teacher = db.session.get(type(course.teacher), course.teacher_id)
        now = utcnow()
        school = db.session.get(School, course.school_id)
        exam = services.save_exam(db.session, teacher, "teacher", school,
                                  services.ExamInput(title="Kiểm tra cuối giờ", subject_id=course.subject_id,
                                                     course_ids=[course.id], open_at=now - timedelta(minutes=1),
                                                     close_at=now + timedelta(minutes=2), time_limit_min=0))
        category = db.session.scalars(select(QuestionCategory).where(QuestionCategory.name == "Tập hợp")).first()
        questions = db.session.scalars(select(Question).where(Question.category_id == category.id,
                                                              Question.qtype == "single_choice")).all()
        services.set_items(db.session, teacher, "teacher", school, exam, [(q.id, "5") for q in questions[:2]])
        services.publish_exam(db.session, teacher, "teacher", exam)
        db.session.commit()
        exam_id = exam.id
    page.clock.install()
    sign_in("8910000023", school="thcs-nd")
    page.goto(f"{live_server.url}/exams/{exam_id}")
    page.click("#start")
    page.wait_for_selector("#attempt[data-ready]")   # the page's script watches the answers from here
    page.locator("section.question").nth(0).locator("input").first.check()
    expect(page.locator("#save-state")).to_have_text("Đã lưu tất cả câu trả lời")
    try:
        with context:
            attempt_id = db.session.scalars(select(Attempt.id).where(Attempt.exam_id == exam_id)).one()
        # Nobody presses submit: at zero the page submits what was saved.
        _time_passes(page, server_clock, max(0, _left(live_server, attempt_id)) + 1)
        expect(page.locator("#result-state")).to_contain_text("nộp tự động khi hết giờ")
        with context:
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.state == "finished" and attempt.auto_finished and attempt.finished_at <= attempt.deadline
            assert db.session.get(Exam, exam_id).close_at == attempt.deadline
    finally:
        travel.stop()


def test_the_teacher_grades_an_essay_and_publishes_the_results(sign_in, page, live_server):
    from lms.exams.models import Attempt, Exam

    context, db = _db(live_server)
    with context:
        exam_id = db.session.scalars(select(Exam.id).where(Exam.title == "Kiểm tra giữa kỳ I — Toán 6")).one()
    sign_in("gv1.thcs")
    page.goto(f"{live_server.url}/exams/{exam_id}/grading")
    field = None
    for candidate in page.locator("#grading-form input[name^=mark-]").all():
        if not candidate.input_value():
            field = candidate
            break
    assert field is not None
    name = field.get_attribute("name")
    attempt_id, position = (int(x) for x in name.split("-")[1:])
    field.fill("2,5")
    page.fill(f"textarea[name=comment-{attempt_id}-{position}]", "Lập luận đúng, thiếu đơn vị.")
    page.click("#save-grading")
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu 1 điểm chấm tay")
    page.click("#tab-results")
    page.click("#release")
    expect(page.locator("#released")).to_be_visible()
    _sign_out(page)
    with context:
        attempt = db.session.get(Attempt, attempt_id)
        username = attempt.student.user.username
        graded_all = not attempt.needs_grading
    sign_in(username)
    page.goto(f"{live_server.url}/attempts/{attempt_id}/result")
    expect(page.locator("body")).to_contain_text("Lập luận đúng, thiếu đơn vị.")
    if graded_all:
        expect(page.locator("#result-score")).to_contain_text("/ 10")
    expect(page.locator(".review-right").first).to_contain_text("Đáp án đúng")


def test_answers_made_offline_before_time_up_arrive_when_the_network_returns_within_the_allowance(
        sign_in, page, live_server):
    """The network drops before the deadline and returns just after it (Playwright's offline mode,
    which fires the browser's own offline and online events): the answers kept in the browser go
    with the submission, within the 60-s allowance, instead of the paper closing without them."""
    from lms.core.timeutil import utcnow

    travel = time_machine.travel(utcnow(), tick=True)
    server_clock = travel.start()
    try:
        _offline_at_time_up(page, sign_in, live_server, server_clock)
    finally:
        travel.stop()


def _offline_at_time_up(page, sign_in, live_server, server_clock):
    from lms.core.timeutil import utcnow
    from lms.exams import services
    from lms.exams.models import Attempt, Question, QuestionCategory, Response
    from lms.people.models import Course, School, SchoolClass, SchoolYear, Subject

    context, db = _db(live_server)
    with context:
        course = db.session.scalars(select(Course).join(SchoolClass).join(SchoolYear).join(
            Subject, Subject.id == Course.subject_id).where(SchoolClass.name == "6A1", Subject.code == "toan",
                                                            SchoolYear.is_current.is_(True))).first()
        teacher = db.session.get(type(course.teacher), course.teacher_id)
        now = utcnow()
        school = db.session.get(School, course.school_id)
        exam = services.save_exam(db.session, teacher, "teacher", school,
                                  services.ExamInput(title="Kiểm tra mất mạng lúc hết giờ", subject_id=course.subject_id,
                                                     course_ids=[course.id], open_at=now - timedelta(minutes=1),
                                                     close_at=now + timedelta(minutes=10), time_limit_min=1))
        category = db.session.scalars(select(QuestionCategory).where(QuestionCategory.name == "Tập hợp")).first()
        questions = db.session.scalars(select(Question).where(Question.category_id == category.id,
                                                              Question.qtype == "single_choice")).all()
        services.set_items(db.session, teacher, "teacher", school, exam, [(q.id, "5") for q in questions[:2]])
        services.publish_exam(db.session, teacher, "teacher", exam)
        db.session.commit()
        exam_id = exam.id
    page.clock.install()
    sign_in("8910000023", school="thcs-nd")
    page.goto(f"{live_server.url}/exams/{exam_id}")
    page.click("#start")
    page.wait_for_selector("#attempt[data-ready]")
    # Less than a minute to go: the warning says so, never "5 minutes".
    expect(page.locator("#attempt-alert")).to_have_text("Còn 1 phút làm bài.")
    shown = page.locator("section.question")
    with page.expect_response(lambda r: r.url.endswith("/save") and r.status == 200):
        shown.nth(0).locator("input").first.check()
    page.context.set_offline(True)
    shown.nth(1).locator("input").nth(1).check()
    expect(page.locator("#save-state")).to_contain_text("Mất kết nối")
    with context:
        attempt = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam_id)).one()
        attempt_id, deadline = attempt.id, attempt.deadline
    # Time runs out offline; the network returns about ten seconds later.
    _time_passes(page, server_clock, max(0, _left(live_server, attempt_id)) + 1)
    expect(page.locator("#attempt-alert")).to_contain_text("Đừng đóng trang")
    _time_passes(page, server_clock, 10)
    page.context.set_offline(False)
    expect(page.locator("#result-state")).to_contain_text("nộp tự động khi hết giờ")
    assert utcnow() < deadline + timedelta(seconds=60)
    with context:
        db.session.expire_all()
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.auto_finished and attempt.finished_at == attempt.deadline
        assert db.session.scalar(select(func.count()).select_from(Response)
                                 .where(Response.attempt_id == attempt_id)) == 2
