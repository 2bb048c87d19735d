"""The department's pages at province size show each school's figures as the refresh job kept
them (issue #31): on the demo, the kept figures give the same side-by-side cashless rows and the
same ranking, the same dashboards and the same school report pages as counting every school now. The demo is shared read-only: the kept figures are
written in a transaction that is rolled back."""
from __future__ import annotations

from lms import create_app


def _cashless_rows(rows, total) -> list:
    def cells(f):
        return ({m: (c.count, c.value) for m, c in f.methods.items()}, f.refunded, f.total, f.cashless,
                f.count_share, f.value_share, f.used_methods)
    return [(r.school.id, cells(r.figures), r.target, r.ready, r.meets) for r in rows] + [cells(total)]


def _ranking(d) -> list:
    def share(m):
        return m.part, m.whole, m.share
    return [(row.school.id, row.rank, row.score, share(row.report.board.online), share(row.report.board.homework),
             share(row.report.board.exams), share(row.report.board.gradebook_total), row.report.money.count_share,
             row.report.money.value_share, row.report.ready) for row in d.rows] + \
        [(d.total.count_share, d.total.value_share, {k: share(m) for k, m in d.board_total.items()})]


def _board(b) -> tuple:
    """Everything the dashboard page and its charts show."""
    def metric(m):
        return m.key, m.part, m.whole, m.share, m.target, m.trend, m.label
    return (b.school.id, b.year.id if b.year else None, [p.key for p in b.months], metric(b.lessons)[:4],
            metric(b.online), metric(b.lessons), metric(b.homework), metric(b.exams), b.scores,
            [metric(m) for m in b.gradebook], metric(b.gradebook_total), b.fees, b.collected, metric(b.cashless), b.today,
            [y.id for y in b.years], b.span, b.span_label)


def _official(r) -> tuple:
    """Everything the school's report page shows."""
    f = r.money
    return (_board(r.board), {m: (c.count, c.value) for m, c in f.methods.items()},
            {c: (cell.count, cell.value) for c, cell in f.channels.items()}, f.refunded, r.target, r.ready, r.cards,
            r.card_years, r.findings, r.period)


def test_kept_figures_give_the_same_pages_as_the_live_computation_on_the_demo(demo):
    from sqlalchemy import select

    from lms.core.timeutil import school_tz, utc_to_local, utcnow
    from lms.extensions import db
    from lms.people.models import Department
    from lms.people.services import department_schools
    from lms.reports import cashless, official

    app = create_app(demo.config())
    with app.app_context():
        s = db.session
        now = utcnow()
        today = utc_to_local(now, school_tz()).date()
        department = s.scalars(select(Department).where(Department.parent_id.is_(None)).order_by(Department.id)).first()
        schools = department_schools(s, department)
        assert len(schools) >= 3
        # Every period the department's pages offer, from the schools' first school year to next
        # year (issue #31: an earlier year or the other half-year took 16 s at 30 schools live).
        from lms.reports.choice import last_year

        calendars = cashless.school_years_of(s, [school.id for school in schools])
        first = min(y.start_date.year for years in calendars.values() for y in years)
        periods = list({p.key: p for year in range(first, last_year(today) + 1)
                        for p in official.department_periods_for(s, schools, year)}.values())
        assert {"2026", "2026-H1", "2026-H2"} <= {p.key for p in periods}
        assert any(p.kind == "school_year" for p in periods) and any(p.kind == "term" for p in periods)
        own = {school.id: list({p.key: p for year in range(first, last_year(today) + 1)
                                for p in official.periods_for(s, school, year)}.values()) for school in schools}
        live = {}
        for p in periods:
            d = official.department_cashless(s, schools, p, now)
            assert d.kept_since is None and d.computed == len(schools)
            live[p.key] = (_cashless_rows(*cashless.department_report(s, schools, p)),
                           _ranking(official.department_official(s, department, schools, p,
                                                                 official.DEFAULT_WEIGHTS, now)))
            assert _cashless_rows(d.rows, d.total) == live[p.key][0], p.key
        assert any(row[1][0]["qr"][0] for row in live[str(today.year)][0][:-1]), "the demo has cashless payments"
        live_reports = {}
        for school in schools:
            for p in own[school.id]:
                report, kept_at = official.school_page(s, school, p, now)
                assert kept_at is None
                live_reports[(school.id, p.key)] = _official(report)
        live_boards = {}
        for school in schools:
            board, kept_at = official.school_dashboard(s, school, now)
            assert kept_at is None
            live_boards[school.id] = _board(board)
        assert any(b[3][1] for b in live_boards.values()), "the demo has lessons published"
        try:
            kept = 0
            while done := official.refresh_figures(s, now):
                kept += done
            assert kept == sum(len(official.kept_periods(calendars[school.id], today)) + 1   # + the dashboard
                               for school in schools)
            for school in schools:
                board, kept_at = official.school_dashboard(s, school, now)
                assert kept_at == now
                assert _board(board) == live_boards[school.id]
            for school in schools:
                for p in own[school.id]:
                    report, kept_at = official.school_page(s, school, p, now)
                    assert kept_at == now and _official(report) == live_reports[(school.id, p.key)], p.key
            for p in periods:
                d = official.department_cashless(s, schools, p, now)      # payments are always counted now
                assert _cashless_rows(d.rows, d.total) == live[p.key][0]
                page = official.department_page(s, department, schools, p, official.DEFAULT_WEIGHTS, now)
                assert page.computed == 0
                assert _ranking(page) == live[p.key][1], p.key
        finally:
            s.rollback()
        db.engine.dispose()
