"""The official half-year and annual reports — a school's to its department, a department's of
all its schools — as PDF (WeasyPrint) and Excel, built in a background job with progress.

A school's report has the layout a Vietnamese department expects: the issuing body and the
national motto, a number and date, a title naming the period, numbered sections (online
teaching; homework and online exams; digital grade books and report cards; cashless fee
payments, with the counting rule; assessment against the targets), and a signature block.
A department's report puts its schools side by side with totals and ranks them by a weighted
score of the online share and the cashless shares (weights chosen by the department, stated in
the report)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.core.numbers import percent_text, reaches, share_text
from lms.core.sheets import as_float, new_workbook, to_bytes
from lms.core import jobs
from lms.core.errors import ValidationError
from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.reports import cashless, dashboard
from lms.reports.dashboard import Metric

DEFAULT_WEIGHTS = {"online": 50, "cashless_count": 25, "cashless_value": 25}
# The labels the department's ranking form shows for each weight; a refusal names the weight by them.
WEIGHT_LABELS = {"online": _l("trực tuyến"), "cashless_count": _l("không tiền mặt (theo số)"),
                 "cashless_value": _l("không tiền mặt (theo giá trị)")}
FORMATS = ("pdf", "xlsx")


@dataclass
class SchoolOfficial:
    school: object
    period: cashless.Period
    board: dashboard.Dashboard
    money: cashless.Figures
    target: cashless.Milestone | None
    readiness: list
    cards: int                       # report cards of the school years that end in the period (still valid)
    generated: datetime
    card_years: list[str] = field(default_factory=list)   # those school years' names
    kept_at: datetime | None = None  # when the teaching figures were kept by the refresh job (None: counted now)

    @property
    def ready(self) -> int:
        return sum(1 for s in self.readiness if s.ready)

    @property
    def used(self) -> int:
        """Cashless methods that brought a payment in the period (shown, never judged)."""
        return len(self.money.used_methods)

    @property
    def upcoming(self) -> bool:
        """The period has not begun on the report's day: nothing to judge yet."""
        return not_begun(self.period, self.generated)

    @property
    def findings(self) -> list[str]:
        """One sentence per target: met or not (judged on the exact share), or no data; a period
        not begun is said so, with no verdict."""
        if self.upcoming:
            return [starts_on(self.period)]
        out = []
        b, f = self.board, self.money
        if b.online.target is not None:
            out.append(str(_l("Dạy học trực tuyến: %(v)s, chỉ tiêu %(t)s — %(r)s.",
                              v=share_text(b.online.part, b.online.whole, b.online.target),
                              t=percent_text(b.online.target),
                              r=verdict(reaches(b.online.part, b.online.whole, b.online.target)))))
        if self.target is not None:
            for what, cells, aim in ((_l("theo số giao dịch"), (f.cashless.count, f.total.count), self.target.count_percent),
                                     (_l("theo giá trị"), (f.cashless.value, f.total.value), self.target.value_percent)):
                out.append(str(_l("Thanh toán không dùng tiền mặt %(w)s: %(v)s, chỉ tiêu %(t)s %% — %(r)s.", w=what,
                                  v=share_text(*cells, aim), t=aim, r=verdict(reaches(*cells, aim)))))
        out.append(str(_l("Hình thức không dùng tiền mặt sẵn sàng nhận tiền: %(n)s/4 (yêu cầu ít nhất %(m)s) — %(r)s; "
                          "có giao dịch trong kỳ: %(u)s/4 (để đối chiếu).", n=self.ready, m=cashless.MINIMUM_READY,
                          r=verdict(self.ready >= cashless.MINIMUM_READY), u=self.used)))
        return out


def not_begun(period: cashless.Period | None, now: datetime) -> bool:
    """Whether `period` starts after the school's day at `now`."""
    return period is not None and period.start > utc_to_local(now, school_tz()).date()


def starts_on(period: cashless.Period) -> str:
    """What a report of a period not begun says instead of figures and verdicts."""
    return str(_l("%(p)s chưa bắt đầu (từ ngày %(d)s): chưa có số liệu, không đánh giá chỉ tiêu và không xếp hạng.",
                  p=period.label, d=period.start.strftime("%d/%m/%Y")))


def verdict(ok: bool | None) -> str:
    """"đạt", "chưa đạt", or "không có số liệu" when there is no figure to judge."""
    if ok is None:
        return str(_l("không có số liệu"))
    return str(_l("đạt") if ok else _l("chưa đạt"))


def periods_for(session: Session, school, year: int) -> list[cashless.Period]:
    """What an official report may cover: the year, its halves, the school years and terms touching it."""
    return [p for p in cashless.periods_of(session, school, year) if p.kind != "month"]


def department_periods_for(session: Session, schools: list, year: int) -> list[cashless.Period]:
    """What a department's report may cover: the year, its halves, and the school years and terms
    touching it (each school counted over its own dates of them)."""
    return cashless.department_periods(session, schools, year)


def cards_in(session: Session, school, period: cashless.Period) -> tuple[int, list[str]]:
    """The report cards a report of `period` counts, and the school years they are of: the valid
    cards of every school year whose results are final in the period — the day its last term ends, or
    the year's end when it has no terms — whenever they
    were issued. A card issued in June for 2025-2026 counts in "Học kỳ II 2025-2026", "Năm học
    2025-2026", "6 tháng đầu năm 2026" and "Năm 2026"; never in "Học kỳ I", nor in the calendar
    period of its issuing day when that is another."""
    return cards_by_school(session, {school.id: period})[school.id]


def cards_by_school(session: Session, own: dict[int, cashless.Period]) -> dict[int, tuple[int, list[str]]]:
    """cards_in for many schools at once (each over its own period, `own` by school id), in three
    statements whatever their number: the report pages read cards at the time of viewing."""
    from lms.gradebook.models import ReportCard
    from lms.people.models import SchoolYear, Term

    ids = list(own) or [0]
    close: dict[int, date] = {}
    for year_id, end in session.execute(select(Term.school_year_id, Term.end_date)
                                        .join(SchoolYear, SchoolYear.id == Term.school_year_id)
                                        .where(SchoolYear.school_id.in_(ids))):
        close[year_id] = max(close.get(year_id, end), end)
    years: dict[int, list[tuple[int, str]]] = {i: [] for i in own}
    for year_id, school_id, name, end in session.execute(
            select(SchoolYear.id, SchoolYear.school_id, SchoolYear.name, SchoolYear.end_date)
            .where(SchoolYear.school_id.in_(ids)).order_by(SchoolYear.start_date, SchoolYear.id)):
        period = own[school_id]
        if period.start <= close.get(year_id, end) <= period.end:
            years[school_id].append((year_id, name))
    chosen = [year_id for found in years.values() for year_id, _name in found]
    counts = dict(session.execute(select(ReportCard.school_year_id, func.count()).where(
        ReportCard.school_year_id.in_(chosen or [0]), ReportCard.status == "valid")
        .group_by(ReportCard.school_year_id)).all())
    return {school_id: (sum(int(counts.get(i, 0)) for i, _n in found), [name for _i, name in found])
            for school_id, found in years.items()}


def money_by_school(session: Session, own: dict[int, cashless.Period]) -> dict[int, cashless.Figures]:
    """Each school's payments by method and channel over its own period (`own` by school id), as
    of the time of viewing: the months the refresh job kept, and the payments since
    (cashless.kept_tally) — a grouped read of a few rows a school, exactly the live tally."""
    return cashless.by_school(session, own, cashless.kept_tally)


def school_official(session: Session, school, period: cashless.Period, now: datetime) -> SchoolOfficial:
    """The school's report for `period`, every figure counted now."""
    from lms.billing import channel_settings

    board = dashboard.school_dashboard(session, school, now, period)
    money = cashless.tally(session, [school.id], [period]).get((school.id, period.key)) or cashless.Figures()
    target = cashless.target_for(cashless.targets_of(session, school.id), period)
    cards, card_years = cards_in(session, school, period)
    return SchoolOfficial(school, period, board, money, target, channel_settings.readiness(session, school),
                          cards, now, card_years)


# ---------------------------------------------------------------- the department

@dataclass
class DepartmentRow:
    school: object
    report: SchoolOfficial
    score: Decimal | None = None
    rank: int | None = None


@dataclass
class DepartmentOfficial:
    department: object
    period: cashless.Period
    weights: dict[str, int]
    rows: list[DepartmentRow] = field(default_factory=list)
    total: cashless.Figures = field(default_factory=cashless.Figures)
    generated: datetime | None = None
    # Who signs: by default the head of the department by its kind (Giám đốc Sở, Trưởng phòng).
    signer_title: str | None = None
    signer_name: str | None = None
    signer_over: str | None = None
    recipients: list[str] = field(default_factory=list)   # "Nơi nhận"; empty: the department's default
    # The page (department_page): the oldest kept figures it shows, and how many schools it computed.
    kept_since: datetime | None = None
    computed: int = 0
    # The schools' figures summed part by part (periods online of all periods planned …), never
    # an average of their percentages.
    board_total: dict[str, Metric] = field(default_factory=dict)
    cards: int = 0                   # the schools' report cards of the years closing in the period

    def add(self, report) -> None:
        """A school's figures into the totals."""
        self.total.add(report.money)
        self.cards += report.cards
        for key in BOARD_TOTALS:
            metric = getattr(report.board, key)
            total = self.board_total.setdefault(key, Metric(key))
            total.part += metric.part
            total.whole += metric.whole


BOARD_TOTALS = ("online", "homework", "exams", "gradebook_total")


def check_weights(raw: dict[str, object]) -> dict[str, int]:
    out = {}
    for key in DEFAULT_WEIGHTS:
        try:
            value = int(raw.get(key, DEFAULT_WEIGHTS[key]))
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 100:
            raise ValidationError(_l("Trọng số “%(w)s” phải là số nguyên từ 0 đến 100.", w=WEIGHT_LABELS[key]),
                                  field=key)
        out[key] = value
    if not sum(out.values()):
        raise ValidationError(_l("Cần ít nhất một trọng số (trực tuyến, không tiền mặt theo số hoặc theo giá trị) "
                                 "lớn hơn 0."), field="online")
    return out


MAX_RECIPIENTS = 10          # the refusal below says 10


@dataclass
class Signing:
    """Who signs a department's report and who receives it, as chosen on its page."""
    deputy: bool = False
    name: str = ""
    recipients: list[str] = field(default_factory=list)

    def params(self) -> dict:
        return {"deputy": self.deputy, "name": self.name, "recipients": self.recipients}

    def apply(self, report: DepartmentOfficial) -> None:
        from lms.core.official import department_recipients, department_signer

        report.signer_over, report.signer_title, report.signer_name = department_signer(
            report.department, self.deputy, self.name)
        report.recipients = self.recipients or department_recipients(report.department)


def check_signing(raw, default_recipients: list[str] | None = None) -> Signing:
    """The signer and recipients fields of the department's report: a deputy signs with a name;
    a name is at most 120 characters; at most 10 recipient lines of 200 characters. The page shows
    the department's default recipients in the field from the start; a request without the field
    takes them, and the field sent empty is refused on it (never silently replaced by the default)."""

    deputy = raw.get("signer", "head") == "deputy"
    if raw.get("signer", "head") not in ("head", "deputy"):
        raise ValidationError(_l("Chọn người ký: thủ trưởng hoặc cấp phó ký thay."), field="signer")
    from lms.core.official import printed_text

    name = printed_text(raw.get("signer_name"), field="signer_name", label=_l("Họ tên người ký")) or ""
    if len(name) > 120:
        raise ValidationError(_l("Họ tên người ký dài quá 120 ký tự."), field="signer_name")
    if deputy and not name:
        raise ValidationError(_l("Cấp phó ký thay (KT.) cần ghi rõ họ tên người ký."), field="signer_name")
    lines = [" ".join(line.split()).strip(" -;.") for line in (raw.get("recipients") or "").splitlines()]
    lines = [line for line in lines if line]
    if "recipients" in raw and not lines:
        hint = "; ".join(default_recipients or [])
        raise ValidationError(_l("Nơi nhận chưa có dòng nào: ghi mỗi dòng một nơi nhận văn bản, ví dụ: %(d)s.",
                                 d=hint) if hint else _l("Nơi nhận chưa có dòng nào: ghi mỗi dòng một nơi nhận văn bản."),
                              field="recipients")
    if len(lines) > MAX_RECIPIENTS:
        raise ValidationError(_l("Nơi nhận: nhiều nhất 10 dòng."), field="recipients")
    for n, line in enumerate(lines, start=1):
        if len(line) > 200:
            raise ValidationError(_l("Nơi nhận, dòng %(n)s: dài quá 200 ký tự.", n=n), field="recipients")
        printed_text(line, field="recipients", label=_l("Nơi nhận, dòng %(n)s", n=n))
    return Signing(deputy, name, lines)


def rank_rule(weights: dict[str, int]) -> str:
    """The ranking's rule in words, as `rank` computes it: the one text of the page, PDF and Excel."""
    from lms.i18n import gettext as _

    return _("Điểm xếp hạng = (%(a)s × tỷ lệ dạy học trực tuyến + %(b)s × tỷ lệ không dùng tiền mặt theo số giao "
             "dịch + %(c)s × theo giá trị) / tổng trọng số của các tỷ lệ trường có số liệu (đủ cả ba: %(t)s). "
             "Tỷ lệ chưa có số liệu không được tính, không coi là 0 %%; trường không có tỷ lệ nào thì không "
             "xếp hạng.", a=weights["online"], b=weights["cashless_count"], c=weights["cashless_value"],
             t=sum(weights.values()))


def rank(rows: list[DepartmentRow], weights: dict[str, int]) -> list[DepartmentRow]:
    """Score = weighted mean of the online share and the cashless shares by number and by value,
    over the figures a school has (a period with no data is not ranked on that figure, never
    counted as 0 %); a school with none of them is not ranked. Equal scores share a rank; best first."""
    for row in rows:
        r = row.report
        parts = {"online": r.board.online.share, "cashless_count": r.money.count_share,
                 "cashless_value": r.money.value_share}
        known = {k: v for k, v in parts.items() if v is not None and weights[k]}
        total = sum(weights[k] for k in known)
        if not total:
            row.score = row.rank = None
            continue
        score = sum(Decimal(weights[k]) * v for k, v in known.items()) / Decimal(total)
        row.score = score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.school.name))
    ranked = [row for row in rows if row.score is not None]
    for i, row in enumerate(ranked):
        row.rank = ranked[i - 1].rank if i and ranked[i - 1].score == row.score else i + 1
    return rows


def department_official(session: Session, department, schools: list, period: cashless.Period, weights: dict[str, int],
                        now: datetime, progress: Callable[[int], None] | None = None) -> DepartmentOfficial:
    out = DepartmentOfficial(department, period, weights, generated=now)
    own = cashless.resolved(session, schools, period)
    for n, school in enumerate(schools, start=1):
        report = school_official(session, school, own[school.id], now)
        out.rows.append(DepartmentRow(school, report))
        out.add(report)
        if progress:
            progress(n)
    rank(out.rows, weights)
    return out


# ---------------------------------------------------------------- the department's page at province size

FRESH_MINUTES = 60          # kept figures of a current period older than this are computed again on the page
PAST_HOURS = 48             # … of a period that has ended (or not begun): older than this
REFRESH_BATCH = 40          # schools (× periods) the periodic refresh recomputes per run, stalest first


@dataclass
class KeptReport:
    """A school's kept figures, with what the ranking page reads of a SchoolOfficial."""
    school: object
    board: object            # .online, .homework, .exams, .gradebook_total: dashboard.Metric
    money: cashless.Figures
    ready: int
    generated: datetime
    cards: int = 0

    @property
    def used(self) -> int:
        return len(self.money.used_methods)


def figures_of(report: SchoolOfficial) -> dict:
    """What the refresh job keeps of a school's report for a period: the teaching figures (every
    share as its part and whole, the whole board). Payments and report cards are not kept: they
    change by single events (a payment, a refund, a card issued) and every page and file reads
    them at the time of viewing (money_by_school, cards_by_school), so a card issued or a refund
    paid a minute ago is on the page as on the PDF."""
    b = report.board
    return {"online": [b.online.part, b.online.whole], "homework": [b.homework.part, b.homework.whole],
            "exams": [b.exams.part, b.exams.whole],
            "gradebook": [b.gradebook_total.part, b.gradebook_total.whole],
            "board": {**dashboard.to_json(b), "years": [y.id for y in b.years]}}


def kept_report(school, figures: dict, computed_at: datetime, money: cashless.Figures, ready: int,
                cards: int) -> KeptReport:
    from types import SimpleNamespace

    def metric(key):
        part, whole = figures[key]
        return dashboard.Metric(key, part, whole)

    board = SimpleNamespace(online=metric("online"), homework=metric("homework"), exams=metric("exams"),
                            gradebook_total=metric("gradebook"))
    return KeptReport(school, board, money, ready, computed_at, cards)


def school_page(session: Session, school, period: cashless.Period, now: datetime
                ) -> tuple[SchoolOfficial, datetime | None]:
    """The school's report for `period`, as its page and its PDF and Excel files show it: the
    teaching figures as the refresh job kept them while fresh enough (max_age), with when they
    were computed; else computed now (None). Payments, report cards, the milestone and the
    methods ready are read now."""
    from lms.billing import channel_settings
    from lms.people.models import SchoolYear

    row = kept_figures(session, [school], period.key, now, period).get(school.id)
    if row is None or "board" not in row.figures:     # none, or kept before the page was
        return school_official(session, school, period, now), None
    kept = row.figures
    board = dashboard.from_json(session, school, kept["board"])
    board.years = [session.get(SchoolYear, i) for i in kept["board"]["years"]]
    dashboard.read_money(session, school, board, now, cashless.kept_tally)
    money = money_by_school(session, {school.id: period})[school.id]
    cards, card_years = cards_in(session, school, period)
    target = cashless.target_for(cashless.targets_of(session, school.id), period)
    return (SchoolOfficial(school, period, board, money, target, channel_settings.readiness(session, school),
                           cards, now, card_years, row.computed_at), row.computed_at)


def keep_figures(session: Session, school, period_key: str, report: SchoolOfficial, now: datetime) -> None:
    from lms.reports.models import SchoolFigures

    row = session.scalars(select(SchoolFigures).where(SchoolFigures.school_id == school.id,
                                                      SchoolFigures.period_key == period_key)).first()
    if row is None:
        row = SchoolFigures(school_id=school.id, period_key=period_key)
        session.add(row)
    row.figures, row.computed_at = figures_of(report), now
    session.flush()


def current(period: cashless.Period | None, today: date) -> bool:
    """A period still running (holding today): its figures change as the school works. One that
    has ended, or not begun, changes only by late entries."""
    return period is None or period.start <= today <= period.end


def max_age(period: cashless.Period | None, now: datetime) -> timedelta:
    """How old kept figures of `period` may be on a page: FRESH_MINUTES while it runs, PAST_HOURS
    once it has ended (the refresh job recomputes those daily); None: the dashboard (current)."""
    today = utc_to_local(now, school_tz()).date()
    return timedelta(minutes=FRESH_MINUTES) if current(period, today) else timedelta(hours=PAST_HOURS)


def kept_figures(session: Session, schools: list, period_key: str, now: datetime,
                 period: cashless.Period | None = None) -> dict[int, object]:
    """The schools' kept figures for a period still fresh enough (max_age), by school id, in
    one statement (SchoolFigures rows)."""
    from lms.reports.models import SchoolFigures

    return {row.school_id: row for row in session.scalars(select(SchoolFigures).where(
        SchoolFigures.school_id.in_([s.id for s in schools] or [0]), SchoolFigures.period_key == period_key,
        SchoolFigures.computed_at >= now - max_age(period, now)))}


@dataclass
class DepartmentCashless:
    """The department's side-by-side cashless page: a row per school, the total, and how fresh."""
    rows: list
    total: cashless.Figures
    kept_since: datetime | None = None
    computed: int = 0


def department_cashless(session: Session, schools: list, period: cashless.Period, now: datetime) -> DepartmentCashless:
    """cashless.department_report: every school's payments as of the time of viewing, from the
    months the refresh job kept and the payments since (cashless.kept_tally), one grouped read
    per distinct period."""
    rows, total = cashless.department_report(session, schools, period, cashless.kept_tally)
    return DepartmentCashless(rows, total, None, len(schools))


def department_page(session: Session, department, schools: list, period: cashless.Period, weights: dict[str, int],
                    now: datetime, progress: Callable[[int], None] | None = None) -> DepartmentOfficial:
    """The ranking as the department's page and its PDF and Excel files show it: each school's
    teaching figures as kept while fresh enough (one statement for all of them), the schools
    without counted now (their dashboards); every school's payments, report cards, milestone and
    methods ready read now for all schools at once (money_by_school, cards_by_school, …)."""
    from lms.billing import channel_settings

    out = DepartmentOfficial(department, period, weights, generated=now)
    kept = {i: row for i, row in kept_figures(session, schools, period.key, now, period).items()
            if "online" in row.figures}
    own = cashless.resolved(session, schools, period)
    money = money_by_school(session, own)
    cards = cards_by_school(session, own)
    ready = channel_settings.readiness_by_school(session, schools, payments=False)
    unkept = [s for s in schools if s.id not in kept]
    targets = cashless.targets_by_school(session, [s.id for s in unkept]) if unkept else {}
    for n, school in enumerate(schools, start=1):
        row = kept.get(school.id)
        if row is not None:
            report = kept_report(school, row.figures, row.computed_at, money[school.id],
                                 sum(1 for m in ready[school.id] if m.ready), cards[school.id][0])
            out.kept_since = min(out.kept_since or row.computed_at, row.computed_at)
        else:
            p = own[school.id]
            report = SchoolOfficial(school, p, dashboard.school_dashboard(session, school, now, p), money[school.id],
                                    cashless.target_for(targets[school.id], p), ready[school.id], cards[school.id][0],
                                    now, cards[school.id][1])
            out.computed += 1
        out.rows.append(DepartmentRow(school, report))
        out.add(report)
        if progress:
            progress(n)
    rank(out.rows, weights)
    return out


def refresh_periods(today) -> list[cashless.Period]:
    """The periods the pages open with: the calendar year (the first choice) and its current half."""
    return [cashless.calendar_year(today.year), cashless.half_year(today.year, 1 if today.month <= 6 else 2)]


def kept_periods(years: list, today: date) -> list[cashless.Period]:
    """Every period a page lets a user choose for a school, from the first calendar year of its
    school years to next year (the choosers' last): each year, its halves, and the school's own
    school years and terms with its own dates. `years`: the school's calendar
    (cashless.school_years_of). Months and earlier years are not kept (see README)."""
    from lms.reports.choice import last_year

    first = min([y.start_date.year for y in years] + [today.year])
    out: dict[str, cashless.Period] = {}
    for year in range(first, last_year(today) + 1):
        for p in [cashless.calendar_year(year), cashless.half_year(year, 1), cashless.half_year(year, 2),
                  *cashless.school_calendar_periods(years, year)]:
            out.setdefault(p.key, p)
    return list(out.values())


DASHBOARD = "dashboard"     # the key of a school's kept dashboard (its current school year so far)


def keep_dashboard(session: Session, school, now: datetime) -> None:
    from lms.reports.models import SchoolFigures

    figures = dashboard.to_json(dashboard.school_dashboard(session, school, now))
    row = session.scalars(select(SchoolFigures).where(SchoolFigures.school_id == school.id,
                                                      SchoolFigures.period_key == DASHBOARD)).first()
    if row is None:
        row = SchoolFigures(school_id=school.id, period_key=DASHBOARD)
        session.add(row)
    row.figures, row.computed_at = figures, now
    session.flush()


def school_dashboard(session: Session, school, now: datetime) -> tuple[dashboard.Dashboard, datetime | None]:
    """The school's dashboard as the refresh job kept it while fresher than FRESH_MINUTES, with
    when it was computed, its fees and cashless share counted now (dashboard.read_money); else
    computed now (None)."""
    row = kept_figures(session, [school], DASHBOARD, now, None).get(school.id)
    if row is not None:
        board = dashboard.from_json(session, school, row.figures)
        dashboard.read_money(session, school, board, now, cashless.kept_tally)
        return board, row.computed_at
    return dashboard.school_dashboard(session, school, now), None


@jobs.periodic("refresh_school_figures")
def refresh_figures(session: Session, now: datetime, batch: int = REFRESH_BATCH) -> int:
    """Recompute the kept figures of the schools under a department — for every period their
    pages offer (kept_periods) and their dashboards — `batch` at a time, so that a province of
    hundreds of schools is kept without one long run: first those never kept or older than two
    thirds of their max_age (40 minutes) among the running periods and dashboards, then those of
    ended periods older than a day, stalest first. A province of 300 schools keeps about five
    running figures a school (the year, its half, the school year, the term, the dashboard):
    1,500 per 40 minutes, which a batch of 40 a minute keeps up with. First, the payments that
    came since its last turn are added to the kept months (cashless.keep_months). Returns how
    many figures were recomputed."""
    from lms.people.models import School
    from lms.reports.models import SchoolFigures

    cashless.keep_months(session, now)
    today = utc_to_local(now, school_tz()).date()
    schools = list(session.scalars(select(School).where(School.department_id.is_not(None)).order_by(School.id)))
    if not schools:
        return 0
    calendars = cashless.school_years_of(session, [s.id for s in schools])
    kept = {(school_id, key): when for school_id, key, when in session.execute(
        select(SchoolFigures.school_id, SchoolFigures.period_key, SchoolFigures.computed_at)
        .where(SchoolFigures.school_id.in_([s.id for s in schools])))}
    stale = []
    for school in schools:
        for period in [None, *kept_periods(calendars[school.id], today)]:
            key = DASHBOARD if period is None else period.key
            when = kept.get((school.id, key))
            running = current(period, today)
            refresh_after = max_age(period, now) * 2 / 3 if running else timedelta(hours=PAST_HOURS // 2)
            if when is None or when < now - refresh_after:
                stale.append((not running, when is not None, when or now, school.id, school, period))
    stale.sort(key=lambda r: r[:4])
    for *_order, school, period in stale[:batch]:
        if period is None:
            keep_dashboard(session, school, now)
        else:
            keep_figures(session, school, period.key, school_official(session, school, period, now), now)
    return len(stale[:batch])


# ---------------------------------------------------------------- the rows every rendering prints

@dataclass
class Cell:
    """One cell of a report's table, typed: a count ("n"), a share ("pct", a Decimal per cent), an
    amount of đồng ("money"), a ratio ("ratio", (x, of)), a text ("text") or nothing ("blank").
    The page and the PDF print `text()` (in the language they render in); the Excel file writes
    `sheet()` — the same figure, as a number where it is one."""
    kind: str
    value: object = None

    def text(self) -> str:
        from lms.core.numbers import money

        if self.kind == "blank":
            return ""
        if self.value is None:
            return "—"
        if self.kind == "pct":
            return percent_text(self.value)
        if self.kind == "money":
            return money(self.value)
        if self.kind == "ratio":
            return f"{self.value[0]}/{self.value[1]}"
        return str(self.value)

    def sheet(self):
        if self.kind == "blank":
            return None
        if self.kind == "pct":
            return as_float(self.value)
        if self.kind in ("ratio", "text") or self.value is None:
            return self.text() if self.value is not None else None
        return self.value


def _n(v) -> Cell:
    return Cell("n", v)


def _pct(v) -> Cell:
    return Cell("pct", v)


def _t(v) -> Cell:
    return Cell("text", str(v))


BLANK = Cell("blank")


@dataclass
class Line:
    cells: list[Cell]
    total: bool = False          # the table's total line (bold)
    school: object = None        # the department's rows: the school it is of


@dataclass
class Table:
    header: list[str]
    lines: list[Line]


@dataclass
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def target_cell(target) -> Cell:
    """A target as a table prints it: "95 %", or "không có chỉ tiêu" when none is set."""
    return _pct(target) if target is not None else _t(_l("không có chỉ tiêu"))


def school_sections(r: SchoolOfficial) -> list[Section]:
    """The school's report as numbered sections of tables and notes: the one source of its page,
    its PDF and its Excel file, so that they cannot differ in a label or a figure. Built in the
    language it is rendered in (the PDF: Vietnamese)."""
    b, f = r.board, r.money
    years = ", ".join(y.name for y in (getattr(b, "years", None) or []))
    online = (str(_l("Tiết dạy trực tuyến theo kế hoạch dạy học (các tuần học trong kỳ, năm học %(y)s)", y=years))
              if years else str(_l("Tiết dạy trực tuyến theo kế hoạch dạy học (các tuần học trong kỳ)")))
    one = Section("1. " + str(_l("Dạy học trực tuyến")), [Table(
        [str(_l("Nội dung")), str(_l("Đã thực hiện")), str(_l("Tổng")), str(_l("Tỷ lệ")), str(_l("Chỉ tiêu"))],
        [Line([_t(online), _n(b.online.part), _n(b.online.whole), _pct(b.online.share), target_cell(b.online.target)]),
         Line([_t(_l("Học sinh hoàn thành bài học trực tuyến đã đăng trong kỳ")), _n(b.lessons.part),
               _n(b.lessons.whole), _pct(b.lessons.share), BLANK])])])
    two = Section("2. " + str(_l("Bài tập và kiểm tra trực tuyến")), [
        Table([str(_l("Nội dung")), str(_l("Đạt")), str(_l("Tổng")), str(_l("Tỷ lệ"))],
              [Line([_t(_l("Lượt nộp bài tập đúng hạn (bài đến hạn trong kỳ)")), _n(b.homework.part),
                     _n(b.homework.whole), _pct(b.homework.share)]),
               Line([_t(_l("Học sinh tham gia bài thi trực tuyến (bài thi đóng trong kỳ)")), _n(b.exams.part),
                     _n(b.exams.whole), _pct(b.exams.share)])]),
        Table([str(_l("Điểm"))] + [f"{i}–{i + 1}" for i in range(len(b.scores))],
              [Line([_t(_l("Số bài làm đã chấm"))] + [_n(n) for n in b.scores])])])
    if r.card_years:
        cards = _l("Học bạ số đã phát hành (ký số, có mã xác minh) của năm học %(y)s, năm học kết thúc trong kỳ",
                   y=", ".join(r.card_years))
    else:
        cards = _l("Học bạ số đã phát hành (ký số, có mã xác minh): không có năm học nào kết thúc trong kỳ")
    three = Section("3. " + str(_l("Sổ điểm điện tử, học bạ số")), [Table(
        [str(_l("Nội dung")), str(_l("Đã có")), str(_l("Phải có")), str(_l("Tỷ lệ"))],
        [Line([_t(_l("Điểm đã nhập sổ, %(t)s", t=m.label)), _n(m.part), _n(m.whole), _pct(m.share)])
         for m in b.gradebook]
        or [Line([_t(_l("Không có học kỳ nào trong kỳ báo cáo")), BLANK, BLANK, BLANK])])])
    three.tables[0].lines.append(Line([_t(cards), _n(r.cards), BLANK, BLANK]))
    methods = [Line([_t(cashless.METHOD_LABELS[m]), _n(f.methods[m].count), Cell("money", f.methods[m].value),
                     _pct(f.method_share(m)[0]), _pct(f.method_share(m)[1])]) for m in cashless.METHODS]
    four = Section("4. " + str(_l("Thu phí không dùng tiền mặt")), [
        Table([str(_l("Hình thức")), str(_l("Số giao dịch")), str(_l("Giá trị (đồng)")), str(_l("Tỷ lệ theo số")),
               str(_l("Tỷ lệ theo giá trị"))],
              methods + [Line([_t(_l("Không dùng tiền mặt")), _n(f.cashless.count), Cell("money", f.cashless.value),
                               _pct(f.count_share), _pct(f.value_share)], total=True),
                         Line([_t(_l("Chỉ tiêu")), BLANK, BLANK,
                               target_cell(r.target.count_percent if r.target else None),
                               target_cell(r.target.value_percent if r.target else None)])]),
        Table([str(_l("Hình thức không dùng tiền mặt")), str(_l("Số hình thức")), str(_l("Ghi chú"))],
              [Line([_t(cashless.READY_LABEL), Cell("ratio", (r.ready, 4)),
                     _t(_l("yêu cầu ít nhất %(m)s", m=cashless.MINIMUM_READY))]),
               Line([_t(cashless.USED_LABEL), Cell("ratio", (r.used, 4)), _t(_l("để đối chiếu"))])])],
        [str(cashless.READINESS_RULE), str(_l("Quy tắc tính: %(r)s", r=str(cashless.RULE)))])
    five = Section("5. " + str(_l("Đánh giá")), notes=list(r.findings))
    return [one, two, three, four, five]


def department_table(d: DepartmentOfficial) -> Table:
    """The department's ranking as one table — a line per school and the total: the one source of
    its page, its PDF and its Excel file."""
    header = [str(_l("Hạng")), str(_l("Trường")), str(_l("Dạy học trực tuyến")), str(_l("Nộp bài đúng hạn")),
              str(_l("Tham gia thi")), str(_l("Sổ điểm trong kỳ")), str(_l("Học bạ số")), str(_l("Số giao dịch")),
              str(_l("Không tiền mặt theo số giao dịch")), str(_l("Không tiền mặt theo giá trị")),
              str(cashless.READY_LABEL), str(cashless.USED_LABEL), str(_l("Điểm"))]
    lines = []
    for row in d.rows:
        r = row.report
        lines.append(Line([_n(row.rank), _t(row.school.name), _pct(r.board.online.share), _pct(r.board.homework.share),
                           _pct(r.board.exams.share), _pct(r.board.gradebook_total.share), _n(r.cards),
                           _n(r.money.total.count), _pct(r.money.count_share), _pct(r.money.value_share),
                           Cell("ratio", (r.ready, 4)), Cell("ratio", (r.used, 4)), _pct(row.score)], school=row.school))
    totals = [_pct(d.board_total[k].share) if k in d.board_total else _pct(None) for k in BOARD_TOTALS]
    lines.append(Line([BLANK, _t(ngettext("Tổng %(n)s trường", "Tổng %(n)s trường", len(d.rows), n=len(d.rows))),
                       *totals, _n(d.cards), _n(d.total.total.count), _pct(d.total.count_share),
                       _pct(d.total.value_share), BLANK, BLANK, BLANK], total=True))
    return Table(header, lines)


def _write_table(ws, table: Table) -> None:
    from openpyxl.styles import Font

    ws.append(table.header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for line in table.lines:
        ws.append([c.sheet() for c in line.cells])
        if line.total:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)


# ---------------------------------------------------------------- files

def school_workbook(r: SchoolOfficial) -> bytes:
    """The school's report as Excel: the rows of `school_sections`, figures as numbers."""
    from openpyxl.styles import Font

    from lms.i18n import gettext as _

    wb = new_workbook()
    ws = wb.active
    ws.title = _("Báo cáo")[:31]
    ws.append([r.school.name])
    ws.append([_("BÁO CÁO KẾT QUẢ CHUYỂN ĐỔI SỐ VÀ THANH TOÁN KHÔNG DÙNG TIỀN MẶT")])
    ws["A2"].font = Font(bold=True, size=13)
    ws.append([f"{r.period.label} ({r.period.start:%d/%m/%Y} – {r.period.end:%d/%m/%Y})"])
    for section in school_sections(r):
        ws.append([])
        ws.append([section.title])
        ws[ws.max_row][0].font = Font(bold=True)
        for table in section.tables:
            _write_table(ws, table)
        for note in section.notes:
            ws.append([note])
    ws.column_dimensions["A"].width = 60
    for letter in "BCDEFGHIJK":
        ws.column_dimensions[letter].width = 14
    return to_bytes(wb)


def department_workbook(d: DepartmentOfficial) -> bytes:
    """The department's ranking as Excel: the rows of `department_table`, figures as numbers."""
    from lms.i18n import gettext as _

    wb = new_workbook()
    ws = wb.active
    ws.title = _("Các trường")[:31]
    ws.append([d.department.name])
    ws.append([_("BÁO CÁO TỔNG HỢP CHUYỂN ĐỔI SỐ VÀ THANH TOÁN KHÔNG DÙNG TIỀN MẶT CỦA CÁC TRƯỜNG")])
    ws.append([d.period.label])
    ws.append([rank_rule(d.weights)])
    ws.append([])
    _write_table(ws, department_table(d))
    ws.column_dimensions["B"].width = 40
    return to_bytes(wb)


def local_date(when: datetime) -> str:
    return f"{utc_to_local(when, school_tz()):%d/%m/%Y}"


def local_time(when: datetime) -> str:
    return f"{utc_to_local(when, school_tz()):%H:%M %d/%m/%Y}"


# ---------------------------------------------------------------- the background job

def start(session: Session, actor, *, scope: str, owner_id: int, year: int, period_key: str, fmt: str,
          weights: dict[str, int] | None, total: int, locale: str, signing: Signing | None = None) -> jobs.Job:
    if fmt not in FORMATS:
        raise ValidationError(_l("Chọn định dạng PDF hoặc Excel."), field="format")
    params = {"scope": scope, "owner_id": owner_id, "year": year, "period": period_key, "format": fmt,
              "weights": weights or DEFAULT_WEIGHTS, "signing": (signing or Signing()).params()}
    return jobs.enqueue(session, actor.id, "official_report", params,
                        school_id=owner_id if scope == "school" else None, total=total, locale=locale)


@jobs.handler("official_report")
def _build(session: Session, ctx: jobs.JobContext) -> None:
    from lms.core.pdf import render_pdf
    from lms.people.models import Department, School

    p = ctx.params
    now = utcnow()
    if p["scope"] == "school":
        school = session.get(School, p["owner_id"])
        period = next((x for x in periods_for(session, school, p["year"]) if x.key == p["period"]), None)
        if period is None:
            raise ValidationError(_l("Kỳ báo cáo không hợp lệ."))
        ctx.progress(0, 2, str(_l("Đang tổng hợp số liệu…")))
        report, _kept_at = school_page(session, school, period, now)
        ctx.progress(1, message=str(_l("Đang tạo tệp…")))
        name = f"Báo cáo {school.code} – {period.label}".replace("/", "-")
        if p["format"] == "pdf":
            data = render_pdf(ctx.render("reports/official_school_pdf.html", {"r": report, "rule": cashless.RULE,
                                                                              "labels": cashless.METHOD_LABELS,
                                                                              "methods": cashless.METHODS,
                                                                              "local_date": local_date,
                                                                              "local_time": local_time}, "vi"))
        else:
            data = school_workbook(report)
    else:
        from lms.people.services import department_schools

        department = session.get(Department, p["owner_id"])
        schools = department_schools(session, department)
        period = next((x for x in department_periods_for(session, schools, p["year"]) if x.key == p["period"]), None)
        if period is None:
            raise ValidationError(_l("Kỳ báo cáo không hợp lệ."))
        ctx.progress(0, len(schools) + 1, str(_l("Đang tổng hợp từng trường…")))
        report = department_page(session, department, schools, period, p["weights"], now,
                                 progress=lambda n: ctx.progress(n, message=schools[n - 1].name))
        Signing(**p.get("signing", {})).apply(report)
        name = f"Báo cáo tổng hợp – {period.label}".replace("/", "-")
        if p["format"] == "pdf":
            data = render_pdf(ctx.render("reports/official_department_pdf.html",
                                         {"d": report, "local_date": local_date, "local_time": local_time}, "vi"))
        else:
            data = department_workbook(report)
    ctx.save_result(data, p["format"], f"{name}.{p['format']}")
