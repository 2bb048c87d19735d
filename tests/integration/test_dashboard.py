"""The principal's dashboard, on both databases: each figure is built from data made for it in
school A's class 6A1 (three pupils) — a teaching plan, lessons and their progress, homework on
time and late, a closed exam with scores, a complete grade book, fees and payments — then read
from the service and the page; a department sees the dashboard of its own schools only."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.billing import payments
from lms.billing.models import Invoice, Method
from lms.core.signing import signer_from_config
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local, utcnow
from lms.courses.models import Lesson, LessonProgress, PlanPeriod
from lms.exams.models import Attempt
from lms.people.models import School
from lms.reports import dashboard
from tests.billing_helpers import issue, set_up_fees
from tests.factories import fill_year, make_bank, make_exam
from tests.integration.test_homework import hand_in, make_assignment

TZ = "Asia/Ho_Chi_Minh"


def _at(y, m, d, hh=9):
    return local_to_utc(datetime(y, m, d, hh), TZ)


def _build(app, world, dbs):
    a = world.a
    pupils = [a.students[c].id for c in ("HSA001", "HSA002", "HSA003")]
    with dbs() as s:
        school = s.get(School, a.school.id)
        l1 = Lesson(school_id=school.id, course_id=a.course.id, title="Phân số", publish_at=_at(2026, 10, 5))
        l2 = Lesson(school_id=school.id, course_id=a.course.id, title="Số thập phân", publish_at=_at(2026, 11, 10))
        l3 = Lesson(school_id=school.id, course_id=a.course.id, title="Bản nháp")
        s.add_all([l1, l2, l3])
        s.flush()
        # Plan: 4 periods, 2 online (L1 opened by all three pupils: delivered; L2 by one: not).
        s.add_all([PlanPeriod(school_id=school.id, course_id=a.course.id, number=n, week=n, mode=mode, lesson_id=lid)
                   for n, mode, lid in ((1, "in_person", None), (2, "online_self", l1.id), (3, "in_person", None),
                                        (4, "online_self", l2.id))])
        s.add_all([LessonProgress(lesson_id=l1.id, student_id=pupils[0], completed_at=_at(2026, 10, 6)),
                   LessonProgress(lesson_id=l1.id, student_id=pupils[1], completed_at=_at(2026, 10, 7)),
                   LessonProgress(lesson_id=l1.id, student_id=pupils[2]),          # opened, not finished
                   LessonProgress(lesson_id=l2.id, student_id=pupils[0], completed_at=_at(2026, 11, 11))])
        # A closed exam: two of three pupils took it, scoring 7.5 and 9.5.
        bank = make_bank(s, a, count=2)
        exam = make_exam(s, a, bank.questions, opens_in=-60 * 24 * 20, closes_in=-60 * 24 * 19)
        s.add_all([Attempt(school_id=school.id, exam_id=exam.id, student_id=pupils[0], state="finished",
                           deadline=exam.close_at, finished_at=exam.close_at, score10=75),
                   Attempt(school_id=school.id, exam_id=exam.id, student_id=pupils[1], state="finished",
                           deadline=exam.close_at, finished_at=exam.close_at, score10=95)])
        fill_year(s, a)
        set_up_fees(s, a)
        issue(s, a)
        signer = signer_from_config(app.config)
        for code, method, amount, when, extra in (
                ("HSA001", Method.CASH, 300_000, _at(2026, 10, 2), {}),
                ("HSA002", Method.QR, 200_000, _at(2026, 11, 3),
                 {"channel": "vietqr_bank", "provider": "sepay", "provider_txn_id": "D1"})):
            invoice = s.scalars(select(Invoice).where(Invoice.student_id == a.students[code].id)).first()
            payments.record_payment(s, a.accountant, school, invoice.student, invoice,
                                    payments.PaymentInput(method, amount, "Nguyễn Thị Lan", when, **extra),
                                    signer=signer, now=when)
        s.commit()
        exam_close = exam.close_at
    # Homework due 20 November, taken late with a penalty: one on time, one late, one missing.
    due = _at(2026, 11, 20, 17)
    assignment_id = make_assignment(dbs, world, now=due - timedelta(days=3), open_at=due - timedelta(days=3),
                                    due_at=due, late_policy="penalty", penalty_percent=10,
                                    cutoff_at=due + timedelta(days=5))
    hand_in(dbs, app, assignment_id, "HSA001", at=due - timedelta(hours=2))
    hand_in(dbs, app, assignment_id, "HSA002", at=due + timedelta(days=1))
    return exam_close


def test_every_figure_of_the_dashboard(app, world, dbs, make_client):
    exam_close = _build(app, world, dbs)
    with dbs() as s:
        board = dashboard.school_dashboard(s, s.get(School, world.a.school.id), utcnow())
    keys = [p.key for p in board.months]
    assert keys[:4] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert (board.online.part, board.online.whole, board.online.share) == (1, 4, Decimal("25.0"))
    assert board.online.target == Decimal("15")                       # THCS's default
    assert (board.lessons.part, board.lessons.whole, board.lessons.share) == (3, 6, Decimal("50.0"))
    assert board.lessons.trend[:4] == [None, Decimal("66.7"), Decimal("33.3"), None]
    assert (board.homework.part, board.homework.whole) == (1, 3)
    assert board.homework.trend[keys.index("2026-11")] == Decimal("33.3")
    assert (board.exams.part, board.exams.whole, board.exams.share) == (2, 3, Decimal("66.7"))
    assert board.scores == [0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    # A term not begun yet has no figure (one definition: Dashboard.gradebook_total counts begun terms).
    today = utc_to_local(utcnow(), school_tz()).date()
    with dbs() as s:
        begun = [t.start_date <= today for t in s.get(type(world.a.year), world.a.year.id).terms]
    assert [m.share for m in board.gradebook] == [Decimal("100.0") if b else None for b in begun]
    assert board.fees["collected"] == 500_000 and board.fees["invoices"] == 3
    assert board.collected[keys.index("2026-10")] == 300_000 and board.collected[keys.index("2026-11")] == 200_000
    assert (board.cashless.part, board.cashless.whole, board.cashless.share) == (1, 2, Decimal("50.0"))
    assert board.cashless.trend[keys.index("2026-10")] == Decimal("0.0")
    assert board.cashless.target == Decimal("95")
    assert exam_close < utcnow()

    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/reports/dashboard").get_data(as_text=True)
    for card, value in (("online", "25,0 %"), ("lessons", "50,0 %"), ("homework", "33,3 %"), ("exams", "66,7 %"),
                        ("gradebook", "100,0 %"), ("cashless", "50,0 %")):
        assert f'id="value-{card}">{value}' in page, card
    for metric in ("online", "lessons", "homework", "exams", "scores", "gradebook", "collected", "cashless"):
        svg = admin.get(f"/reports/dashboard.svg?metric={metric}")
        assert svg.status_code == 200 and b"<svg" in svg.data and b"<script" not in svg.data, metric
    assert admin.get("/reports/dashboard.svg?metric=nothing").status_code == 404
    admin.get("/language/en")  # the terms' labels are whole in English too ("Term II", not "Term …")
    assert b">Term II<" in admin.get("/reports/dashboard.svg?metric=gradebook").data
    viewer = make_client()
    viewer.login("so.a")
    assert 'id="value-lessons">50,0 %' in viewer.get(f"/department/schools/{world.a.school.id}/dashboard").get_data(
        as_text=True)
    assert viewer.get(f"/department/schools/{world.b.school.id}/dashboard").status_code == 404


def test_the_cashless_card_computes_exactly_the_school_year_it_names(app, world, dbs, make_client):
    """A payment in September before the year's first day (05/09) is in the calendar month, not in
    "năm học 2026-2027": the card counts the year's own dates, as the cashless report and the
    official report of NH2026-2027 do, for the admin and for the department's drill-down."""
    from lms.reports import cashless

    a = world.a
    with dbs() as s:
        school = s.get(School, a.school.id)
        set_up_fees(s, a)
        issue(s, a)
        signer = signer_from_config(app.config)
        for code, method, when, extra in (
                ("HSA001", Method.CASH, _at(2026, 9, 2), {}),
                ("HSA002", Method.QR, _at(2026, 10, 3), {"channel": "vietqr_bank", "provider": "sepay",
                                                          "provider_txn_id": "Y1"}),
                ("HSA003", Method.QR, _at(2026, 11, 3), {"channel": "vietqr_bank", "provider": "sepay",
                                                          "provider_txn_id": "Y2"})):
            invoice = s.scalars(select(Invoice).where(Invoice.student_id == a.students[code].id)).first()
            payments.record_payment(s, a.accountant, school, invoice.student, invoice,
                                    payments.PaymentInput(method, 100_000, "Nguyễn Thị Lan", when, **extra),
                                    signer=signer, now=when)
        s.commit()
        board = dashboard.school_dashboard(s, school, utcnow())
        year_period = next(p for p in cashless.periods_of(s, school, 2026) if p.key == "NH2026-2027")
        report = cashless.school_report(s, school, 2026, year_period, [year_period])
    assert board.span.key == "NH2026-2027"
    assert (report.figures.cashless.count, report.figures.total.count) == (2, 2)
    assert (board.cashless.part, board.cashless.whole, board.cashless.share) == (2, 2, Decimal("100.0"))
    keys = [p.key for p in board.months]
    assert board.cashless.trend[keys.index("2026-09")] is None       # 2 September is before the year
    admin = make_client()
    admin.login("admin.a")
    assert 'id="value-cashless">100,0 %' in admin.get("/reports/dashboard").get_data(as_text=True)
    assert "100,0 %" in admin.get("/reports/cashless?year=2026&period=NH2026-2027").get_data(as_text=True)
    viewer = make_client()
    viewer.login("so.a")
    assert 'id="value-cashless">100,0 %' in viewer.get(
        f"/department/schools/{a.school.id}/dashboard").get_data(as_text=True)
