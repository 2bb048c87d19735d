"""The principal's dashboard: one figure per area of the school's current year, each with its
monthly trend (September to the current month) and the page that details it.

- Online share: periods taught online and delivered ÷ all periods of the teaching plans
  (courses.share, the same figure as the online-share report), against the level's target.
- Lesson completion: (lesson, pupil) pairs completed ÷ pupils × lessons published, for the
  lessons published so far, by the month they were published.
- Homework on time: hand-ins not late ÷ pupils set the work, for homework already due, by the
  month it was due.
- Exam participation: pupils with a submitted or finished attempt ÷ pupils set the exam, for
  published exams already closed, by the month they closed; and the distribution of those
  attempts' scores (10-point scale, in whole-point bins).
- Grade-book completeness: entries made ÷ entries required, term by term, each level by its own
  rule set (gradebook.progress: TT22's columns, TT27's checkpoints, tests, qualities, competences).

With a reporting period (the official reports) every figure is that period's: the school years
and terms that overlap it, the teaching weeks inside it, the lessons, homework and exams dated in it.
- Fees: billed, collected, still owed and overdue (billing.queries.summary), collected by month.
- Cashless share: reports.cashless, by number of transactions, by month."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.core.timeutil import school_tz, utc_to_local
from lms.reports.cashless import Period, months, percent, tally

BINS = 10   # score bins [0,1), [1,2) … [9,10]


@dataclass
class Metric:
    key: str
    part: int = 0
    whole: int = 0
    target: Decimal | None = None
    trend: list[Decimal | None] = field(default_factory=list)
    label: str = ""

    @property
    def share(self) -> Decimal | None:
        return percent(self.part, self.whole)


@dataclass
class Dashboard:
    school: object
    year: object
    months: list[Period]
    online: Metric
    lessons: Metric
    homework: Metric
    exams: Metric
    scores: list[int]                 # attempts per score bin
    gradebook: list[Metric]           # one per term
    fees: dict[str, int]
    collected: list[int]              # value received per month
    cashless: Metric
    today: date | None = None
    years: list = field(default_factory=list)   # the school years the figures cover
    span: Period | None = None        # what the figures cover, named as every report names it

    @property
    def span_label(self) -> str:
        return self.span.label if self.span else "—"

    @property
    def gradebook_total(self) -> Metric:
        """Every term of the period begun by its day together (summed entries, never averaged
        shares): the grade-book figure of the dashboard, the school's report and the ranking."""
        return Metric("gradebook", sum(m.part for m in self.gradebook), sum(m.whole for m in self.gradebook))

    @property
    def gradebook_terms(self) -> list[str]:
        """The terms gradebook_total counts, named ("Học kỳ I 2026-2027"), for the line under it."""
        return [m.label for m in self.gradebook if m.label]


def _month_index(periods: list[Period], when: datetime | None) -> int | None:
    if when is None:
        return None
    day = utc_to_local(when, school_tz()).date()
    for i, p in enumerate(periods):
        if p.start <= day <= p.end:
            return i
    return None


def _summed(key: str, periods: list[Period], rows: list[tuple[int, int, datetime | None]]) -> Metric:
    """A share summed over (part, whole, when) rows, with its trend by the month of `when`."""
    metric = Metric(key)
    parts, wholes = [0] * len(periods), [0] * len(periods)
    for part, whole, when in rows:
        metric.part += part
        metric.whole += whole
        if (i := _month_index(periods, when)) is not None:
            parts[i] += part
            wholes[i] += whole
    metric.trend = [percent(p, w) for p, w in zip(parts, wholes, strict=True)]
    return metric


def years_in(session: Session, school, period: Period) -> list:
    """The school's years that overlap a reporting period, oldest first."""
    from lms.people.models import SchoolYear

    return list(session.scalars(select(SchoolYear).where(
        SchoolYear.school_id == school.id, SchoolYear.start_date <= period.end, SchoolYear.end_date >= period.start)
        .order_by(SchoolYear.start_date)))


def weeks_in(year, period: Period) -> tuple[int, int]:
    """The teaching weeks of `year` that belong to the period: a week belongs to the period of its
    Monday (the first week, to that of the year's first day), so adjacent periods never share a
    week; (0, -1) when none."""
    from lms.courses.plans import week_start

    def day_of(week: int):
        return max(week_start(year, week), year.start_date)

    weeks = [w for w in range(1, 54) if period.start <= day_of(w) <= period.end]
    return (weeks[0], weeks[-1]) if weeks else (0, -1)


def school_dashboard(session: Session, school, now: datetime, period: Period | None = None) -> Dashboard:
    """The figures for the current school year so far — or, with `period`, for the lessons,
    homework and exams of that period (the official reports) with its months as the trend."""
    from lms.courses import share
    from lms.courses.models import Assignment, Lesson, LessonProgress
    from lms.exams.models import Attempt, AttemptState, Exam, ExamCourse, ExamStatus
    from lms.gradebook import progress
    from lms.people import services as people
    from lms.people.models import Course, SchoolClass

    today = utc_to_local(now, school_tz()).date()
    if period is not None:
        years = years_in(session, school, period)
        year = years[-1] if years else None
    else:
        year = people.current_year(session, school)
        years = [year] if year else []
    if period is not None:
        periods = months(period.start, max(period.start, min(today, period.end)))
    else:
        first = date(year.start_date.year, year.start_date.month, 1) if year else date(today.year, 1, 1)
        periods = months(first, max(first, min(today, year.end_date) if year else today))
    from lms.reports.cashless import instant

    lo = instant(periods[0].start) if period is not None else instant(date(2000, 1, 1))
    hi = min(now, instant(date.fromordinal(periods[-1].end.toordinal() + 1)))
    courses = list(session.scalars(select(Course).join(SchoolClass, SchoolClass.id == Course.class_id)
                                   .where(SchoolClass.school_year_id.in_([y.id for y in years] or [-1]))))
    sizes = people.class_sizes(session, list({c.class_id for c in courses}))
    class_of = {c.id: c.class_id for c in courses}
    pupils_of_course = {c.id: sizes.get(c.class_id, 0) for c in courses}

    # Online share (the report's own figure): the year and its two terms, or the period's weeks.
    online = Metric("online")
    if period is None and year:
        report = share.online_share(session, school, year, now)
        if report.total:
            online = Metric("online", report.total.tally.delivered, report.total.tally.planned, report.total.target)
            terms = [share.online_share(session, school, year, now, term=t) for t in (1, 2)]
            online.trend = [t.total.tally.delivered_share if t.total else None for t in terms]
    elif period is not None and period.start <= today:   # a period not begun has no figure yet, not 0 %
        targets = []
        for y in years:
            report = share.online_share(session, school, y, now, weeks=weeks_in(y, period))
            if report.total and report.total.tally.planned:
                online.part += report.total.tally.delivered
                online.whole += report.total.tally.planned
                targets.append((report.total.target, report.total.tally.planned))
        if targets:
            weight = sum(w for _t, w in targets)
            online.target = (sum(t * w for t, w in targets) / weight).quantize(Decimal("0.1"))

    # Lessons published so far: pupils × lessons, and completions.
    lessons = session.execute(select(Lesson.id, Lesson.course_id, Lesson.publish_at).where(
        Lesson.course_id.in_(list(class_of) or [0]), Lesson.publish_at.is_not(None), Lesson.publish_at >= lo,
        Lesson.publish_at <= hi)).all()
    done = dict(session.execute(select(LessonProgress.lesson_id, func.count()).where(
        LessonProgress.lesson_id.in_([row[0] for row in lessons] or [0]), LessonProgress.completed_at.is_not(None))
        .group_by(LessonProgress.lesson_id)).all())
    lesson_metric = _summed("lessons", periods, [
        (min(int(done.get(lesson_id, 0)), pupils_of_course.get(course_id, 0)), pupils_of_course.get(course_id, 0),
         published) for lesson_id, course_id, published in lessons])

    # Homework already due.
    from lms.courses import homework as hw

    due = list(session.scalars(select(Assignment).where(Assignment.school_id == school.id,
                                                         Assignment.published_at.is_not(None),
                                                         Assignment.due_at >= lo, Assignment.due_at <= hi)))
    due = [a for a in due if any(link.course_id in class_of for link in a.courses)]
    counts = hw.overview(session, due, now) if due else {}
    homework_metric = _summed("homework", periods, [
        (counts[a.id]["handed_in"] - counts[a.id]["late"], counts[a.id]["pupils"], a.due_at) for a in due])

    # Exams already closed: participation, and the scores of the attempts that count.
    exams = session.execute(select(Exam.id, Exam.close_at).where(
        Exam.school_id == school.id, Exam.status == ExamStatus.PUBLISHED, Exam.close_at >= lo,
        Exam.close_at <= hi)).all()
    exam_ids = [e[0] for e in exams]
    set_for: dict[int, int] = defaultdict(int)
    for exam_id, course_id in session.execute(select(ExamCourse.exam_id, ExamCourse.course_id).where(
            ExamCourse.exam_id.in_(exam_ids or [0]))):
        set_for[exam_id] += pupils_of_course.get(course_id, 0)
    took = dict(session.execute(select(Attempt.exam_id, func.count(func.distinct(Attempt.student_id))).where(
        Attempt.exam_id.in_(exam_ids or [0]), Attempt.state.in_((AttemptState.SUBMITTED, AttemptState.FINISHED)))
        .group_by(Attempt.exam_id)).all())
    exam_metric = _summed("exams", periods, [
        (min(int(took.get(exam_id, 0)), set_for[exam_id]), set_for[exam_id], closed) for exam_id, closed in exams])
    scores = [0] * BINS
    for (score10,) in session.execute(select(Attempt.score10).where(
            Attempt.exam_id.in_(exam_ids or [0]), Attempt.state == AttemptState.FINISHED,
            Attempt.score10.is_not(None))):
        scores[min(BINS - 1, int(score10) // 10)] += 1

    # Grade book, term by term: the current year's terms, or every term overlapping the period —
    # only the terms begun by today (nothing is owed yet in a term not begun: counting its marks as
    # missing halved the figure). The one definition the dashboard, the reports and the ranking
    # read, pooled as Dashboard.gradebook_total.
    from lms.gradebook.labels import TERM_LABELS

    gradebook = []
    for y in years:
        year_courses = [c for c in courses if c.school_class.school_year_id == y.id]
        for term in y.terms:
            if period is not None and not (term.start_date <= period.end and term.end_date >= period.start):
                continue
            if term.start_date > today or (period is not None and period.start > today):
                continue
            filled = progress.class_progress(session, year_courses, sizes, term.number)
            gradebook.append(Metric(f"gradebook{term.number}", sum(f for f, _ in filled.values()),
                                    sum(r for _, r in filled.values()),
                                    label=f"{TERM_LABELS[term.number]} {y.name}"))
    if period is None:
        while len(gradebook) < 2:   # the dashboard's two cards, even before terms are set
            gradebook.append(Metric(f"gradebook{len(gradebook) + 1}"))

    board = Dashboard(school, year, periods, online, lesson_metric, homework_metric, exam_metric, scores, gradebook,
                      {}, [], Metric("cashless"), today, years, span_of(year, period))
    read_money(session, school, board, now)
    return board


def span_of(year, period: Period | None) -> Period | None:
    """What a dashboard covers: the report's period, or the school year's own dates."""
    from lms.reports.cashless import school_year_period

    if period is not None:
        return period
    return school_year_period(year.start_date.year, year.start_date, year.end_date) if year else None


def read_money(session: Session, school, board: Dashboard, now: datetime, count=tally) -> None:
    """The board's fees (billed, collected, owed, overdue), money collected by month and the
    cashless share with its trend, counted now: they change by single events (a payment, a
    refund, an invoice voided), so a dashboard or report whose other figures were kept by the
    refresh job still shows them as of the time of viewing. The card's figure is that of
    exactly the span it names (the school year's or the report's own dates, not the calendar
    months around them). `count`: tally, or cashless.kept_tally (the same figures from the months
    the refresh job kept, for the pages that read kept figures)."""
    from lms.billing.queries import summary
    from lms.reports.cashless import target_for, targets_of

    today = utc_to_local(now, school_tz()).date()
    periods, span = board.months, board.span
    counted = count(session, [school.id], periods)
    board.collected = [counted[(school.id, p.key)].total.value if (school.id, p.key) in counted else 0
                       for p in periods]
    cashless = Metric("cashless")
    if span is not None and periods:
        inside = [Period(p.key, p.label, max(p.start, span.start), min(p.end, span.end), p.kind) for p in periods]
        counted = count(session, [school.id], [span, *[p for p in inside if p.start <= p.end]])
        total = counted.get((school.id, span.key))
        if total:
            cashless = Metric("cashless", total.cashless.count, total.total.count)
        cashless.trend = [counted[(school.id, p.key)].count_share
                          if p.start <= p.end and (school.id, p.key) in counted else None for p in inside]
    milestone = target_for(targets_of(session, school.id), periods[-1]) if periods else None
    cashless.target = Decimal(milestone.count_percent) if milestone else None
    board.cashless = cashless
    board.fees = summary(session, school, today)
    board.today = today      # "đến <ngày>": the day of viewing, as the money is (kept boards kept their own day)


# ---------------------------------------------------------------- kept by the refresh job

def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _metric_json(m: Metric) -> dict:
    return {"key": m.key, "part": m.part, "whole": m.whole, "target": _dec(m.target),
            "trend": [_dec(v) for v in m.trend], "label": m.label}


def _metric_of(data: dict) -> Metric:
    def dec(value):
        return None if value is None else Decimal(value)
    return Metric(data["key"], data["part"], data["whole"], dec(data["target"]), [dec(v) for v in data["trend"]],
                  data["label"])


def to_json(board: Dashboard) -> dict:
    """The dashboard as plain JSON (kept in school_figures by official.refresh_figures): every
    teaching figure, part and whole, trend, and the school year by id; the months by their keys.
    Its money (fees, collected, cashless share) is not kept: read_money counts it when viewed."""
    return {"year": board.year.id if board.year else None, "months": [p.key for p in board.months],
            "online": _metric_json(board.online), "lessons": _metric_json(board.lessons),
            "homework": _metric_json(board.homework), "exams": _metric_json(board.exams), "scores": list(board.scores),
            "gradebook": [_metric_json(m) for m in board.gradebook],
            "today": board.today.isoformat() if board.today else None,
            "span": [board.span.key, board.span.label, board.span.start.isoformat(), board.span.end.isoformat(),
                     board.span.kind] if board.span else None}


def from_json(session: Session, school, data: dict) -> Dashboard:
    """The dashboard `to_json` kept, as school_dashboard returned it (its school year read again),
    without its money: the caller reads it now (read_money)."""
    from lms.people.models import SchoolYear
    from lms.reports.cashless import calendar_period

    year = session.get(SchoolYear, data["year"]) if data["year"] else None
    return Dashboard(school, year, [calendar_period(key) for key in data["months"]], _metric_of(data["online"]),
                     _metric_of(data["lessons"]), _metric_of(data["homework"]), _metric_of(data["exams"]),
                     list(data["scores"]), [_gradebook_of(m) for m in data["gradebook"]], {}, [],
                     Metric("cashless"),
                     date.fromisoformat(data["today"]) if data["today"] else None, [year] if year else [],
                     _span_of(data.get("span")))


def _span_of(data: list | None) -> Period | None:
    """The span kept, named again in the reader's language (the job named it in its own)."""
    from lms.reports.cashless import calendar_period, school_year_period, term_period

    if not data:
        return None
    key, label, start, end, kind = data
    start, end = date.fromisoformat(start), date.fromisoformat(end)
    if kind == "school_year":
        return school_year_period(start.year, start, end)
    if kind == "term":
        return term_period(int(key.split("-")[-2]), int(key[2]), start, end)
    return calendar_period(key) or Period(key, label, start, end, kind)


def _gradebook_of(data: dict) -> Metric:
    """A term's grade-book metric kept, its label ("Học kỳ I 2026-2027") in the reader's language."""
    from lms.gradebook.labels import TERM_LABELS

    metric = _metric_of(data)
    number = metric.key.removeprefix("gradebook")
    if metric.label and number.isdigit() and int(number) in TERM_LABELS:
        metric.label = f"{TERM_LABELS[int(number)]} {metric.label.rsplit(' ', 1)[-1]}"
    return metric
