"""Every official figure is computed for exactly the period chosen: two school years of data, and
each figure of the school's report (online periods planned, lessons published, grade book per
term, report cards of the years closing in the period, payments) and of the department's ranking
checked for the calendar year, both halves, a school year and its terms — by hand-counted numbers."""
from __future__ import annotations

import re

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from lms.auth.models import User
from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.courses import plans
from lms.gradebook import book
from lms.gradebook.models import ReportCard
from lms.people import imports, services
from lms.people.models import School, Subject
from lms.reports import cashless, official
from tests.factories import csv_bytes

PUPILS = [["HSA001", "Nguyễn Văn An", "05/09/2014", "Nam", "5A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""],
          ["HSA002", "Nguyễn Thị Bình", "12/03/2014", "Nữ", "5A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""],
          ["HSA003", "Trần Minh Châu", "01/01/2014", "Nữ", "5A1", "", "Trần Văn Dũng", "Bố", "0912000002", ""]]


def _plan(s, admin, course, online_weeks):
    rows = [plans.PeriodInput(None, str(w), f"Bài {w}", "Trực tuyến tự học" if w in online_weeks else "Trực tiếp")
            for w in range(1, 36)]
    assert not plans.save_plan(s, admin, course, rows)


def _marks(s, admin, course, term, codes, now):
    grid = book.grid_of(s, course, term)
    cells = [book.CellInput(row.student.id, c.key, "7") for row in grid.rows if row.student.student_code in codes
             for c in grid.columns]
    assert not book.save_grid(s, admin, "admin", course, term, cells, now=now).issues


def _card(s, school, year, school_class, student, when, n):
    s.add(ReportCard(school_id=school.id, student_id=student.id, school_year_id=year.id, class_id=school_class.id,
                     token=f"tok{n:040d}", snapshot="{}", snapshot_sha256="0" * 64, pdf_name=f"c{n}.pdf",
                     pdf_sha256="0" * 64, key_id="k", signature="s", issued_at=when))


def _payment(s, school, student, method, amount, when):
    from lms.billing.models import Payment

    s.add(Payment(school_id=school.id, student_id=student.id, method=method, channel=method, amount=amount,
                  received_at=when, payer_name="Nguyễn Thị Lan", beneficiary_name="TRUONG THU A",
                  reason="Học phí"))


def _two_years(world, s):
    """Two school years of one school (a primary class last year, a lower-secondary one this
    year): plans, marks, report cards, lessons and payments on both sides of every boundary."""
    school = s.get(School, world.a.school.id)
    admin = s.get(User, world.a.admin.id)
    school.levels = "TH,THCS"                               # 2026-2027: 6A1, Toán; 2025-2026: 5A1
    last = services.create_school_year(s, admin, school, name="2025-2026", make_current=False,
                                       term1=(date(2025, 9, 5), date(2026, 1, 16)),
                                       term2=(date(2026, 1, 19), date(2026, 5, 30)))
    old_class = services.save_class(s, admin, school, year=last, grade=5, name="5A1",
                                      homeroom_teacher_id=world.a.teacher.id)
    services.add_programme_subjects(s, admin, school)
    math = s.scalars(select(Subject).where(Subject.school_id == school.id, Subject.code == "toan",
                                           Subject.level == "TH")).one()
    old_course = services.save_course(s, admin, school, school_class=old_class, subject=math,
                                      teacher_id=world.a.teacher.id)
    plan = imports.plan_student_import(s, school, last, "hs.csv", csv_bytes(PUPILS), 1000)
    assert plan.ok, plan.issues
    imports.apply_student_import(s, admin, school, last, plan)
    course = s.get(type(old_course), world.a.course.id)
    # Online periods: last year weeks 1–4 (autumn 2025) and 20–21 (January 2026);
    # this year weeks 3 (September 2026) and 19–20 (January 2027).
    _plan(s, admin, old_course, {1, 2, 3, 4, 20, 21})
    _plan(s, admin, course, {3, 19, 20})
    now = utcnow()
    local = utc_to_local(now, school_tz())
    if local.hour == 23 and local.minute >= 50:    # the tests add a minute to it: never across a month's end
        now -= timedelta(minutes=15)
    _marks(s, admin, course, 1, {"HSA001", "HSA002"}, now)
    pupils = {st.student_code: st for st in services.students_of_class(s, course.school_class)}
    for n, (code, when) in enumerate((("HSA001", datetime(2026, 6, 2, 3, tzinfo=timezone.utc)),
                                      ("HSA002", datetime(2026, 6, 3, 3, tzinfo=timezone.utc)),
                                      ("HSA003", datetime(2026, 7, 2, 3, tzinfo=timezone.utc)))):
        _card(s, school, last, old_class, pupils[code], when, n)
    # A card of this year issued early (December 2026): it belongs to 2026-2027, whose results
    # are final in May 2027 — never to "6 tháng cuối năm 2026" or "Học kỳ I 2026-2027".
    _card(s, school, s.get(type(last), world.a.year.id), course.school_class, pupils["HSA001"],
          datetime(2026, 12, 1, 3, tzinfo=timezone.utc), 9)
    # Lessons: two of last year's (February 2026), one of this year's (October 2026); 3 pupils each.
    from lms.courses.models import Lesson

    for c, when in ((old_course, datetime(2026, 2, 2, 3, tzinfo=timezone.utc)),
                    (old_course, datetime(2026, 2, 9, 3, tzinfo=timezone.utc)),
                    (course, datetime(2026, 10, 5, 3, tzinfo=timezone.utc))):
        s.add(Lesson(school_id=school.id, course_id=c.id, title="Bài", publish_at=when))
    # Payments: cash 100.000 in March 2026 (last year's term II), QR 200.000 and 300.000 in
    # October 2026 (this year's term I).
    _payment(s, school, pupils["HSA001"], "cash", 100_000, datetime(2026, 3, 10, 3, tzinfo=timezone.utc))
    _payment(s, school, pupils["HSA001"], "qr", 200_000, datetime(2026, 10, 5, 3, tzinfo=timezone.utc))
    _payment(s, school, pupils["HSA002"], "qr", 300_000, datetime(2026, 10, 6, 3, tzinfo=timezone.utc))
    s.commit()
    return school, admin, pupils, course, now


def test_each_figure_of_the_school_report_is_the_periods_own(world, dbs, client):
    with dbs() as s:
        school, admin, pupils, course, now = _two_years(world, s)
        periods = {p.key: p for p in official.periods_for(s, school, 2026)}
        term1_now = next(p for k, p in periods.items() if k == "HK1-2026-2027")
        term2_last = next(p for k, p in periods.items() if k == "HK2-2025-2026")

        def figures(period: cashless.Period):
            r = official.school_official(s, school, period, now)
            return (r.board.online.whole, [(m.label, m.part, m.whole) for m in r.board.gradebook], r.cards)

        # Weeks (a week belongs to the period of its Monday; week 1 to that of the year's first day):
        # 2025-2026 week 1 = 1–7/9/2025, week 19 = 5/1/2026 … week 35 = 27/4/2026 (17 weeks in H1 2026);
        # 2026-2027 week 1 = 5–6/9/2026 … week 18 = 28/12/2026 (18 weeks in H2 2026).
        # Grade book: Toán of 6A1 term I has 3 pupils × 6 columns = 18 required, 12 entered; the
        # primary class 5A1 of last year has nothing entered (its TT27 checkpoints are required).
        # Report cards: 2025-2026's results are final on 30/5/2026 (its term II's end), so its three
        # cards — issued 2/6, 3/6 and 2/7/2026 — count in H1 2026, 2026, the year 2025-2026 and its
        # term II; the card of 2026-2027 issued in December 2026 counts in none of them.
        h1 = figures(periods["2026-H1"])
        assert h1[0] == 17
        assert [label for label, _p, _w in h1[1]] == ["Học kỳ I 2025-2026", "Học kỳ II 2025-2026"]
        assert all(part == 0 and whole > 0 for _l, part, whole in h1[1])
        assert h1[2] == 3
        h2 = figures(periods["2026-H2"])
        assert h2 == (18, [("Học kỳ I 2026-2027", 12, 18)], 0)
        whole_year = figures(periods["2026"])
        assert whole_year[0] == 35 and whole_year[2] == 3
        assert [label for label, _p, _w in whole_year[1]] == ["Học kỳ I 2025-2026", "Học kỳ II 2025-2026",
                                                            "Học kỳ I 2026-2027"]
        assert figures(term1_now) == (20, [("Học kỳ I 2026-2027", 12, 18)], 0)
        t2 = figures(term2_last)
        assert t2[0] == 15 and [m[0] for m in t2[1]] == ["Học kỳ II 2025-2026"] and t2[2] == 3
        last_year = figures(periods["NH2025-2026"])
        assert last_year[0] == 35 and last_year[2] == 3
        assert figures(periods["HK1-2025-2026"])[2] == 0
        assert official.school_official(s, school, periods["2026-H1"], now).card_years == ["2025-2026"]

        # Lessons (pupils × lessons published in the period) and payments, per period.
        def money_and_lessons(period):
            r = official.school_official(s, school, period, now)
            return r.board.lessons.whole, r.money.total.count, r.money.cashless.count, r.money.total.value
        assert money_and_lessons(periods["2026-H1"]) == (6, 1, 0, 100_000)
        assert money_and_lessons(periods["2026-H2"]) == (3, 2, 2, 500_000)
        assert money_and_lessons(periods["2026"]) == (9, 3, 2, 600_000)
        assert money_and_lessons(term2_last) == (6, 1, 0, 100_000)
        assert money_and_lessons(term1_now) == (3, 2, 2, 500_000)
        assert money_and_lessons(periods["NH2025-2026"]) == (6, 1, 0, 100_000)

        # The department's ranking (computed, then from the kept figures) and its totals: the same cards.
        from lms.people.models import Department

        department = s.get(Department, world.dept_a.id)
        weights = dict(official.DEFAULT_WEIGHTS)
        for key, cards in (("2026-H1", 3), ("2026-H2", 0), ("HK2-2025-2026", 3), ("HK1-2026-2027", 0)):
            d = official.department_official(s, department, [school], periods[key], weights, now)
            assert (d.rows[0].report.cards, d.cards) == (cards, cards), key
            official.keep_figures(s, school, key, d.rows[0].report, now)
            kept = official.department_page(s, department, [school], periods[key], weights, now)
            assert kept.computed == 0 and (kept.rows[0].report.cards, kept.cards) == (cards, cards), key
        # The online share counts online periods of the period only.
        r = official.school_official(s, school, periods["2026-H1"], now)
        assert r.board.online.part == 0                      # nothing delivered: no lesson opened
        s.commit()
    client.login("admin.a")
    page = client.get("/reports/official?year=2026&period=HK2-2025-2026").get_data(as_text=True)
    assert re.search(r"Học bạ số đã phát hành \(ký số, có mã xác minh\) của năm học 2025-2026, năm học kết thúc "
                     r"trong kỳ</td><td[^>]*>3</td>", page)


def test_kept_figures_equal_the_live_ones_for_every_period_right_after_a_card_and_a_refund(world, dbs, client, app):
    """The pages read what the refresh job kept, yet a report card issued or a refund paid a
    minute later is on the school's report page, its dashboard, the department's ranking and
    side-by-side cashless page — and in the PDF and Excel files — as counted live: every figure of
    every period offered over two school years equals the live computation (issue #24: the page of
    an ended period showed 0 cards while its PDF counted the card just issued)."""
    from datetime import timedelta

    from lms.billing.models import Payment, Refund, RefundStatus
    from lms.people.models import Department, SchoolYear
    from tests.integration.test_province_figures import _board, _cashless_rows, _official, _ranking

    with dbs() as s:
        school, admin, pupils, course, now = _two_years(world, s)
        department = s.get(Department, world.dept_a.id)
        assert school.department_id is not None
        periods = list({p.key: p for y in (2025, 2026, 2027) for p in official.periods_for(s, school, y)}.values())
        assert {"2026", "2026-H2", "NH2025-2026", "HK2-2025-2026", "HK1-2026-2027", "2027"} <= {p.key for p in periods}
        kept = 0
        while done := official.refresh_figures(s, now):
            kept += done
        assert kept >= len(periods)
        s.commit()

        # After the refresh: a card of this year is issued, a QR payment is partly refunded, cash comes in.
        later = now + timedelta(minutes=1)
        this_year = s.get(SchoolYear, world.a.year.id)
        _card(s, school, this_year, course.school_class, pupils["HSA002"], later, 10)
        qr = s.scalars(select(Payment).where(Payment.school_id == school.id, Payment.amount == 300_000)).one()
        s.add(Refund(school_id=school.id, student_id=qr.student_id, payment_id=qr.id, amount=50_000, method="bank",
                     reason="Nộp thừa", status=RefundStatus.PAID, paid_at=later, approved_at=later))
        _payment(s, school, pupils["HSA003"], "cash", 150_000, later)
        s.commit()

        weights = dict(official.DEFAULT_WEIGHTS)
        changed = set()
        for p in periods:
            page, kept_at = official.school_page(s, school, p, later)
            assert kept_at == now, p.key                        # the teaching figures are the kept ones …
            live = official.school_official(s, school, p, later)
            assert _official(page) == _official(live), p.key    # … and every figure is the live one
            ranking = official.department_page(s, department, [school], p, weights, later)
            assert ranking.computed == 0, p.key
            assert _ranking(ranking) == _ranking(official.department_official(s, department, [school], p, weights,
                                                                               later)), p.key
            side = official.department_cashless(s, [school], p, later)
            assert _cashless_rows(side.rows, side.total) == _cashless_rows(
                *cashless.department_report(s, [school], p)), p.key
            if page.cards or page.money.refunded:
                changed.add(p.key)
        # The events are in the periods they belong to: the cards of 2026-2027 in those holding the
        # year's close (May 2027), the refund and the cash in December 2026.
        assert {"2027", "2027-H1", "NH2026-2027", "HK2-2026-2027", "2026", "2026-H2"} <= changed
        assert official.school_page(s, school, next(p for p in periods if p.key == "NH2026-2027"), later)[0].cards == 2
        board, kept_at = official.school_dashboard(s, school, later)
        assert kept_at == now and _board(board) == _board(dashboard_live(s, school, later))
        assert official.school_page(s, school, next(p for p in periods if p.key == "2026-H2"),
                                    later)[0].money.total.value == 500_000 - 50_000 + 150_000

    # The files read the same source as the page: the card just issued is in both.
    client.login("admin.a")
    page = client.get("/reports/official?year=2027&period=NH2026-2027").get_data(as_text=True)
    assert re.search(r"của năm học 2026-2027, năm học kết thúc trong kỳ</td><td[^>]*>2</td>", page)  # December's, and this one
    started = client.post("/reports/official", {"year": "2027", "period": "NH2026-2027", "format": "xlsx"})
    job_id = int(started.headers["Location"].rsplit("/", 1)[-1])
    app.extensions["lms_jobs"].wait()
    import io

    from openpyxl import load_workbook

    xlsx = client.get(f"/jobs/{job_id}/result").data
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows()]
    assert next(r for r in rows if str(r[0]).startswith("Học bạ số đã phát hành"))[1] == 2


def dashboard_live(s, school, now):
    from lms.reports import dashboard

    return dashboard.school_dashboard(s, school, now)


def test_kept_months_and_the_payments_since_give_the_live_tally_for_any_period(world, dbs):
    """The department's pages sum each school's payments kept by month (cashless.keep_months) and
    count only the payments above the mark and the months a period's edge cuts (a term from the
    5th): the same figures as counting every payment, for whole months, terms, odd spans and a
    payment at local midnight; and a payment still being written when the job runs (another
    transaction, PostgreSQL) is counted when it lands, never lost below the mark (issue #31)."""
    from datetime import timedelta

    from sqlalchemy import func, update
    from sqlalchemy.orm import Session

    from lms.billing.models import Payment
    from lms.reports.models import MonthMoney, MoneyMark

    def figures(f):
        return ({m: (c.count, c.value) for m, c in f.methods.items()},
                {c: (cell.count, cell.value) for c, cell in f.channels.items()}, f.refunded)

    with dbs() as s:
        school, _admin, pupils, _course, now = _two_years(world, s)
        # Local midnight of 1 November (17:00 UTC the day before) belongs to November.
        _payment(s, school, pupils["HSA003"], "qr", 70_000, datetime(2026, 10, 31, 17, tzinfo=timezone.utc))
        _payment(s, school, pupils["HSA003"], "cash", 30_000, datetime(2026, 10, 31, 16, 59, tzinfo=timezone.utc))
        s.commit()
        periods = list({p.key: p for y in (2025, 2026, 2027) for p in cashless.periods_of(s, school, y)}.values())
        periods += [cashless.Period("odd", "odd", date(2026, 10, 6), date(2026, 11, 1), "term")]
        assert any(p.kind == "term" and p.start.day != 1 for p in periods)
        ids = [school.id, world.b.school.id]

        assert cashless.keep_months(s, now) == 5
        s.commit()
        assert s.scalar(select(MoneyMark.payment_id)) == s.scalar(select(func.max(Payment.id)))
        assert s.scalar(select(func.sum(MonthMoney.count)).where(MonthMoney.school_id == school.id)) == 5
        november = s.scalars(select(MonthMoney).where(MonthMoney.month == date(2026, 11, 1))).one()
        assert (november.method, november.count, november.value) == ("qr", 1, 70_000)

        def same():
            live, kept = cashless.tally(s, ids, periods), cashless.kept_tally(s, ids, periods)
            for p in periods:
                assert figures(kept[(school.id, p.key)]) == figures(live[(school.id, p.key)]), p.key
            return live

        same()
        # Payments after the mark are counted from the payments, and the next turn keeps them.
        _payment(s, school, pupils["HSA002"], "website", 40_000, now + timedelta(minutes=1))
        s.commit()
        assert same()[(school.id, "2026-H2")].total.value == 200_000 + 300_000 + 70_000 + 30_000 + 40_000
        assert cashless.keep_months(s, now) == 1
        s.commit()
        same()
        # The kept rows are what the page reads (changed by hand here, the page follows them).
        s.execute(update(MonthMoney).where(MonthMoney.id == november.id).values(value=71_000))
        year = cashless.calendar_year(2026)
        assert cashless.kept_tally(s, ids, [year])[(school.id, "2026")].total.value == 100_000 + 600_000 + 40_000 + 1_000
        s.rollback()

        engine = s.get_bind()
        if engine.dialect.name == "postgresql":
            # A payment whose transaction is still open when the job runs: the job cannot take
            # its mark (it waits a second for the writers, then leaves the mark as it was).
            with Session(engine) as other:
                _payment(other, school, pupils["HSA001"], "qr", 90_000, now)
                other.flush()
                before = s.scalar(select(MoneyMark.payment_id))
                s.commit()
                assert cashless.keep_months(s, now) == 0
                assert s.scalar(select(MoneyMark.payment_id)) == before
                s.commit()
                other.commit()
            assert same()[(school.id, "2026-H2")].total.value == 730_000
            assert cashless.keep_months(s, now) == 1
            s.commit()
            same()


def test_a_period_not_begun_has_no_figure_verdict_or_rank_and_the_grade_book_counts_begun_terms(world, dbs):
    """On 7/12/2026: the calendar year 2027 has not begun — no online share (not 0 %), no
    verdict, no rank; term II 2026-2027 (from 18/1/2027) owes no marks yet, so the grade-book
    figure of the school year is term I's, the one the dashboard shows — one figure, one rule."""
    from lms.people.models import Department
    from lms.reports import dashboard

    day = datetime(2026, 12, 7, 3, tzinfo=timezone.utc)
    with dbs() as s:
        school, admin, pupils, course, _now = _two_years(world, s)
        periods = {p.key: p for y in (2026, 2027) for p in official.periods_for(s, school, y)}
        ahead = official.school_official(s, school, periods["2027"], day)
        assert ahead.upcoming and ahead.board.online.share is None and ahead.board.gradebook == []
        assert ahead.findings == ["Năm 2027 chưa bắt đầu (từ ngày 01/01/2027): chưa có số liệu, không đánh giá chỉ "
                                  "tiêu và không xếp hạng."], ahead.findings
        department = s.get(Department, world.dept_a.id)
        d = official.department_official(s, department, [school], periods["2027"], dict(official.DEFAULT_WEIGHTS), day)
        assert (d.rows[0].score, d.rows[0].rank) == (None, None)
        year = official.school_official(s, school, periods["NH2026-2027"], day).board
        assert [(m.label, m.part, m.whole) for m in year.gradebook] == [("Học kỳ I 2026-2027", 12, 18)]
        board = dashboard.school_dashboard(s, school, day)
        assert (board.gradebook_total.part, board.gradebook_total.whole) == (12, 18)
        assert (year.gradebook_total.part, year.gradebook_total.whole) == (12, 18)
        assert board.gradebook_terms == ["Học kỳ I 2026-2027"]
        s.commit()
