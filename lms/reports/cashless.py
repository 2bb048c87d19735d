"""The cashless share of a school's (or many schools') fee payments — by number and by value, per
legal method and per channel, per month, term, half-year and year — and the school's targets.

The counting rule (stated on every page and in every report, `RULE`):
- a transaction is one payment received by the school, counted once, in the month it was
  received (Vietnam time), with its whole amount — a partial payment is a transaction, and so is
  an overpayment, whatever part of it became the family's credit;
- using the family's credit on a later invoice is not a new transaction; a voided invoice has
  none (nothing is paid on an invoice before it can be voided);
- a refund paid out is taken off the value of the method the money came in by, in the month it
  was paid out; the number of transactions does not change;
- cash is the one non-cashless method; QR, website, Mobile Money and card are cashless
  (domain/payments.md §1: the legal method, not the technical channel).

Everything is summed in SQL, grouped by school, method, channel and month bucket, so a province
of hundreds of schools is a handful of grouped queries."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from lms.core.numbers import percent, reaches
from lms.core.sheets import as_float, new_workbook, to_bytes
from lms.billing.channels import registry
from lms.billing.models import Payment, Refund, RefundStatus
from lms.core.timeutil import local_to_utc, school_tz
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

# The legal methods and their names are the payment registry's (lms.billing.channels.registry).
CASHLESS, METHODS, METHOD_LABELS = registry.CASHLESS, registry.METHODS, registry.METHOD_LABELS
CHANNELS = ("vietqr_bank", "payos", "vnpay", "momo", "mobile_money", "pos", "cash")
CHANNEL_LABELS = {"vietqr_bank": _l("Chuyển khoản VietQR"), "payos": _l("payOS"), "vnpay": _l("VNPay"),
                  "momo": _l("Ví MoMo"), "mobile_money": _l("Ví viễn thông (Viettel Money, VNPT Money)"),
                  "pos": _l("Máy POS tại trường"), "cash": _l("Tiền mặt")}
RULE = _l("Mỗi khoản tiền trường nhận được là một giao dịch, tính một lần vào tháng nhận tiền (giờ Việt Nam) "
          "với toàn bộ số tiền — nộp một phần hay nộp thừa đều là một giao dịch. Dùng tiền thừa cho hoá đơn "
          "sau không phải giao dịch mới; hoá đơn đã huỷ không có giao dịch. Tiền hoàn trả đã chi được trừ vào "
          "giá trị của hình thức đã nhận, trong tháng chi; số giao dịch không đổi. Không dùng tiền mặt: mã QR, "
          "website, Mobile Money và thẻ (theo hình thức pháp lý, không theo kênh kỹ thuật).")

# The plans ask that at least 3 of the 4 cashless methods be ready to take money (domain/payments.md
# §1): that is the figure judged. How many of them brought a payment in the period is shown beside
# it, under its own name, and never judged.
MINIMUM_READY = 3
READY_LABEL = _l("Hình thức sẵn sàng nhận tiền")
USED_LABEL = _l("Hình thức có giao dịch trong kỳ")
READINESS_RULE = _l("Kế hoạch yêu cầu ít nhất 3/4 hình thức không dùng tiền mặt (mã QR, website, Mobile Money, thẻ) "
                    "sẵn sàng nhận tiền: đã cấu hình và đang nhận tiền thật, tính tại ngày lập báo cáo. Số hình thức "
                    "có giao dịch trong kỳ chỉ để đối chiếu, không xét đạt hay chưa đạt.")


def _days(n: int) -> str:
    return ngettext("%(n)s ngày", "%(n)s ngày", n, n=n)


def readiness_text(ready: int, used: int) -> str:
    """Both figures, named as everywhere: "Sẵn sàng nhận tiền: 3/4 (yêu cầu ít nhất 3) · có giao
    dịch trong kỳ: 2/4"."""
    return str(_l("Sẵn sàng nhận tiền: %(r)s/4 (yêu cầu ít nhất %(m)s) · có giao dịch trong kỳ: %(u)s/4",
                  r=ready, m=MINIMUM_READY, u=used))


@dataclass
class Cell:
    count: int = 0
    value: int = 0

    def add(self, count: int, value: int) -> None:
        self.count += count
        self.value += value


@dataclass
class Figures:
    """One school (or a sum of schools) over one period."""
    methods: dict[str, Cell] = field(default_factory=lambda: {m: Cell() for m in METHODS})
    channels: dict[str, Cell] = field(default_factory=dict)
    refunded: int = 0

    def add(self, other: Figures) -> None:
        for m, cell in other.methods.items():
            self.methods[m].add(cell.count, cell.value)
        for c, cell in other.channels.items():
            self.channels.setdefault(c, Cell()).add(cell.count, cell.value)
        self.refunded += other.refunded

    @property
    def total(self) -> Cell:
        return Cell(sum(c.count for c in self.methods.values()), sum(c.value for c in self.methods.values()))

    @property
    def cashless(self) -> Cell:
        return Cell(sum(self.methods[m].count for m in CASHLESS), sum(self.methods[m].value for m in CASHLESS))

    @property
    def count_share(self) -> Decimal | None:
        return percent(self.cashless.count, self.total.count)

    @property
    def value_share(self) -> Decimal | None:
        return percent(self.cashless.value, self.total.value)

    def method_share(self, method: str) -> tuple[Decimal | None, Decimal | None]:
        cell, total = self.methods[method], self.total
        return percent(cell.count, total.count), percent(cell.value, total.value)

    @property
    def used_methods(self) -> list[str]:
        return [m for m in CASHLESS if self.methods[m].count]


@dataclass(frozen=True)
class Period:
    key: str          # 2026-09, 2026-H2, 2026, NH2025-2026, HK1-2025-2026
    label: str
    start: date       # first day, local
    end: date         # last day, local (inclusive)
    kind: str = "month"   # year | half | month | school_year | term

    @property
    def school_calendar(self) -> bool:
        """A school year or one of its terms: each school has its own dates for it."""
        return self.kind in ("school_year", "term")


def months(start: date, end: date) -> list[Period]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        first = date(y, m, 1)
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.append(Period(f"{y}-{m:02d}", f"{m:02d}/{y}", first, date.fromordinal(nxt.toordinal() - 1), "month"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def half_year(year: int, half: int) -> Period:
    return (Period(f"{year}-H1", str(_l("6 tháng đầu năm %(y)s", y=year)), date(year, 1, 1), date(year, 6, 30), "half")
            if half == 1 else
            Period(f"{year}-H2", str(_l("6 tháng cuối năm %(y)s", y=year)), date(year, 7, 1), date(year, 12, 31),
                   "half"))


def calendar_year(year: int) -> Period:
    return Period(str(year), str(_l("Năm %(y)s", y=year)), date(year, 1, 1), date(year, 12, 31), "year")


def calendar_period(key: str) -> Period | None:
    """The year (2026), half-year (2026-H2) or month (2026-09) a key names; None for any other key,
    and for a year outside the one range of dates (timeutil.DATE_MIN–DATE_MAX: "9999-12"'s next
    month overflowed into a 500)."""
    import re

    from lms.core.timeutil import DATE_MAX, DATE_MIN

    def known(year: str) -> bool:
        return DATE_MIN.year <= int(year) <= DATE_MAX.year

    if m := re.fullmatch(r"(\d{4})", key):
        return calendar_year(int(m.group(1))) if known(m.group(1)) else None
    if m := re.fullmatch(r"(\d{4})-H([12])", key):
        return half_year(int(m.group(1)), int(m.group(2))) if known(m.group(1)) else None
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", key)) and 1 <= int(m.group(2)) <= 12 and known(m.group(1)):
        first = date(int(m.group(1)), int(m.group(2)), 1)
        return months(first, first)[0]
    return None


def school_year_name(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def school_year_period(start_year: int, start: date, end: date) -> Period:
    """A school year, keyed by its calendar years (NH2025-2026) so that the department's schools,
    each with its own dates and row for it, mean the same year by the same key."""
    name = school_year_name(start_year)
    return Period(f"NH{name}", str(_l("Năm học %(y)s", y=name)), start, end, "school_year")


def term_period(start_year: int, number: int, start: date, end: date) -> Period:
    name = school_year_name(start_year)
    return Period(f"HK{number}-{name}", str(_l("Học kỳ %(n)s năm học %(y)s", n="I" if number == 1 else "II",
                                               y=name)), start, end, "term")


def school_calendar_periods(years: list, year: int) -> list[Period]:
    """The school years touching calendar year `year`, and their terms touching it, as periods
    (oldest first; each year before its terms)."""
    out = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    for sy in sorted(years, key=lambda y: y.start_date):
        if sy.start_date > last or sy.end_date < first:
            continue
        out.append(school_year_period(sy.start_date.year, sy.start_date, sy.end_date))
        out += [term_period(sy.start_date.year, t.number, t.start_date, t.end_date) for t in sy.terms
                if t.start_date <= last and t.end_date >= first]
    return out


def for_school(years: list, period: Period) -> Period | None:
    """The period as one school keeps it: a school year or term with that school's own dates (None
    when the school has no such year or term); any other period as it is."""
    if not period.school_calendar:
        return period
    start_year = int(period.key.split("-")[-2][-4:])
    sy = next((y for y in years if y.start_date.year == start_year), None)
    if sy is None:
        return None
    if period.kind == "school_year":
        return school_year_period(start_year, sy.start_date, sy.end_date)
    number = int(period.key[2])
    term = next((t for t in sy.terms if t.number == number), None)
    return term_period(start_year, number, term.start_date, term.end_date) if term else None


def trend_title(period: Period) -> str:
    """The trend chart's title, named by the period its months are of (one label source: Period.label)."""
    return str(_l("Tỷ lệ không dùng tiền mặt theo tháng — %(p)s", p=period.label))


def instant(day: date) -> datetime:
    return local_to_utc(datetime.combine(day, time()), school_tz())


def _segments(periods: list[Period]) -> tuple[list[date], list[tuple[date, date]]]:
    """The range of `periods` cut at all their boundaries: the cuts, and the segments [start, next start)."""
    cuts = sorted({p.start for p in periods} | {date.fromordinal(p.end.toordinal() + 1) for p in periods})
    return cuts, list(zip(cuts, cuts[1:]))


def _bucket(at, segments: list[tuple[date, date]]):
    return case(*((and_(at >= instant(a), at < instant(b)), i) for i, (a, b) in enumerate(segments)), else_=-1)


def _count(session: Session, school_ids: list[int], segments: list[tuple[date, date]],
           seg: dict[tuple[int, int], Figures], payments_where=(), refunds: bool = True) -> None:
    """Count into `seg` (by school and segment) the payments received and the refunds paid out in
    each segment: two grouped statements; `payments_where` narrows the payments counted."""
    cuts = (segments[0][0], segments[-1][1])
    for kind in ("payments", "refunds") if refunds else ("payments",):
        at = Payment.received_at if kind == "payments" else Refund.paid_at
        window = (at >= instant(cuts[0]), at < instant(cuts[-1]))
        bucket = _bucket(at, segments)        # one expression: PostgreSQL groups by what it selects
        if kind == "payments":
            stmt = (select(Payment.school_id, Payment.method, Payment.channel, bucket, func.count(),
                           func.sum(Payment.amount))
                    .where(Payment.school_id.in_(school_ids), *window, *payments_where)
                    .group_by(Payment.school_id, Payment.method, Payment.channel, bucket))
        else:
            stmt = (select(Refund.school_id, Payment.method, Payment.channel, bucket, func.count(),
                           func.sum(Refund.amount))
                    .join(Payment, Payment.id == Refund.payment_id)
                    .where(Refund.school_id.in_(school_ids), Refund.status == RefundStatus.PAID, *window)
                    .group_by(Refund.school_id, Payment.method, Payment.channel, bucket))
        for school_id, method, channel, index, count, amount in session.execute(stmt):
            if index is None or index < 0:
                continue
            _add(seg[(school_id, index)], kind == "payments", method, channel, int(count), int(amount or 0))


def _add(figures: Figures, payment: bool, method: str, channel: str, count: int, amount: int) -> None:
    if method not in METHODS:
        return
    if payment:
        figures.methods[method].add(count, amount)
        figures.channels.setdefault(channel, Cell()).add(count, amount)
    else:
        figures.methods[method].add(0, -amount)
        figures.channels.setdefault(channel, Cell()).add(0, -amount)
        figures.refunded += amount


def _by_period(seg: dict[tuple[int, int], Figures], segments: list[tuple[date, date]], periods: list[Period]
               ) -> dict[tuple[int, str], Figures]:
    out: dict[tuple[int, str], Figures] = defaultdict(Figures)
    for p in periods:
        inside = [i for i, (a, b) in enumerate(segments) if a >= p.start and b <= date.fromordinal(p.end.toordinal() + 1)]
        for (school_id, index), figures in seg.items():
            if index in inside:
                out[(school_id, p.key)].add(figures)
    return out


def tally(session: Session, school_ids: list[int], periods: list[Period]) -> dict[tuple[int, str], Figures]:
    """Figures per (school id, period key), counted now from every payment and refund. Periods may
    overlap (a year, its halves, its months, a term): the range is cut into the segments between
    all their boundaries, each payment and refund is counted once in its segment by two grouped
    queries, and each period sums its segments."""
    if not school_ids or not periods:
        return defaultdict(Figures)
    _cuts, segments = _segments(periods)
    seg: dict[tuple[int, int], Figures] = defaultdict(Figures)
    _count(session, school_ids, segments, seg)
    return _by_period(seg, segments, periods)


def kept_tally(session: Session, school_ids: list[int], periods: list[Period]) -> dict[tuple[int, str], Figures]:
    """`tally`, the same figures exactly, from the months the refresh job kept (keep_months): a
    whole month inside one segment is read from its kept rows (payments up to the mark), and only
    the payments above the mark, and those of months a period's edge cuts (a term from the 5th),
    are counted from the payments; refunds are always counted (they are few, and change state).
    Without a mark (nothing kept yet, or kept in another time zone), `tally`."""
    from lms.reports.models import MonthMoney, MoneyMark

    mark = session.scalar(select(MoneyMark.payment_id).where(MoneyMark.tz == school_tz()))
    if mark is None or not school_ids or not periods:
        return tally(session, school_ids, periods)
    cuts, segments = _segments(periods)
    kept: dict[date, int] = {}                 # a month's first day → the segment holding it whole
    cut: list[tuple[date, date]] = []          # the parts of months cut by a segment's edge: counted
    first = date(cuts[0].year, cuts[0].month, 1)
    for m in months(first, date.fromordinal(cuts[-1].toordinal() - 1)):
        after = date.fromordinal(m.end.toordinal() + 1)
        whole = next((i for i, (a, b) in enumerate(segments) if a <= m.start and after <= b), None)
        if whole is not None:
            kept[m.start] = whole
        else:
            cut.append((max(m.start, cuts[0]), min(after, cuts[-1])))
    seg: dict[tuple[int, int], Figures] = defaultdict(Figures)
    # Two statements, each answered by its own index (an OR of both made PostgreSQL scan the
    # payments): those above the mark outside the cut months, and every payment of the cut months.
    edges = [and_(Payment.received_at >= instant(a), Payment.received_at < instant(b)) for a, b in cut]
    _count(session, school_ids, segments, seg, [Payment.id > mark, *(~e for e in edges)])
    if edges:
        _count(session, school_ids, segments, seg, [or_(*edges)], refunds=False)
    if kept:
        bucket = case(*((MonthMoney.month == month, i) for month, i in kept.items()), else_=-1)
        for school_id, method, channel, index, count, value in session.execute(
                select(MonthMoney.school_id, MonthMoney.method, MonthMoney.channel, bucket, func.sum(MonthMoney.count),
                       func.sum(MonthMoney.value))
                .where(MonthMoney.school_id.in_(school_ids), MonthMoney.month.in_(list(kept)))
                .group_by(MonthMoney.school_id, MonthMoney.method, MonthMoney.channel, bucket)):
            if index is not None and index >= 0:
                _add(seg[(school_id, index)], True, method, channel, int(count or 0), int(value or 0))
    return _by_period(seg, segments, periods)


def _payment_mark(session: Session) -> int | None:
    """The last payment id such that every payment up to it is committed. On PostgreSQL, a
    share lock on payments taken in a short transaction of its own waits for the transactions
    inserting payments to end (new ones wait a moment: an insert takes its id once it has its
    lock); None if that takes more than a second (the mark stays; tried again next turn). SQLite
    has one writer at a time: an uncommitted payment's id is above every committed one."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return session.scalar(select(func.max(Payment.id))) or 0
    from sqlalchemy.exc import OperationalError

    with bind.connect() as conn:
        try:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            conn.exec_driver_sql("LOCK TABLE payments IN SHARE MODE")
            mark = conn.scalar(select(func.max(Payment.id))) or 0
            conn.commit()
        except OperationalError:
            conn.rollback()
            return None
    return mark


def keep_months(session: Session, now: datetime) -> int:
    """Add to the kept months (MonthMoney) the payments that came since the mark, and move the
    mark: one grouped statement over those payments, by school, method, channel and month (Vietnam
    time). Payments are append-only (a correction is a refund or a new row), so a month's rows
    plus the payments above the mark are every payment of it. Several processes may run it: the
    mark's row is locked while it moves. Returns how many payments were added."""
    from sqlalchemy import delete, insert, update

    from lms.reports.models import MonthMoney, MoneyMark

    row = session.scalars(select(MoneyMark).with_for_update()).first()
    tz = school_tz()
    if row is None:               # the one row: a second first turn at once fails on its key
        row = MoneyMark(id=1, payment_id=0, tz=tz, computed_at=now)
        session.add(row)
    elif row.tz != tz:             # months of another time zone: counted again
        session.execute(delete(MonthMoney))
        row.payment_id, row.tz = 0, tz
    mark = _payment_mark(session)
    if mark is None or mark <= row.payment_id:
        row.computed_at = now if mark is not None else row.computed_at
        session.flush()
        return 0
    new = (Payment.id > row.payment_id, Payment.id <= mark)
    lo, hi, n = session.execute(select(func.min(Payment.received_at), func.max(Payment.received_at), func.count())
                                .where(*new)).one()
    if n:
        from lms.core.timeutil import utc_to_local

        spans = months(utc_to_local(lo, tz).date(), utc_to_local(hi, tz).date())
        segments = [(m.start, date.fromordinal(m.end.toordinal() + 1)) for m in spans]
        bucket = _bucket(Payment.received_at, segments)
        found = session.execute(select(Payment.school_id, Payment.method, Payment.channel, bucket, func.count(),
                                       func.sum(Payment.amount)).where(*new)
                                .group_by(Payment.school_id, Payment.method, Payment.channel, bucket)).all()
        have = {(r.school_id, r.month, r.method, r.channel): r for r in session.execute(
            select(MonthMoney.id, MonthMoney.school_id, MonthMoney.month, MonthMoney.method, MonthMoney.channel,
                   MonthMoney.count, MonthMoney.value)
            .where(MonthMoney.school_id.in_({f[0] for f in found} or {0}),
                   MonthMoney.month.in_([m.start for m in spans])))}
        added, changed = [], []
        for school_id, method, channel, index, count, amount in found:
            key = (school_id, spans[index].start, method, channel)
            if (old := have.get(key)) is not None:
                changed.append({"id": old.id, "count": old.count + int(count), "value": old.value + int(amount)})
            else:
                added.append({"school_id": school_id, "month": key[1], "method": method, "channel": channel,
                              "count": int(count), "value": int(amount)})
        if added:
            session.execute(insert(MonthMoney), added)
        if changed:
            session.execute(update(MonthMoney), changed)
    row.payment_id, row.computed_at = mark, now
    session.flush()
    return int(n)


def by_school(session: Session, own: dict[int, Period], count=tally) -> dict[int, Figures]:
    """Each school's figures over its own period (`own` by school id: a school year or term with
    that school's dates), one `count` (tally or kept_tally) per distinct period."""
    out: dict[int, Figures] = {i: Figures() for i in own}
    for p in set(own.values()):
        for (school_id, _key), figures in count(session, [i for i, q in own.items() if q == p], [p]).items():
            out[school_id] = figures
    return out


# ---------------------------------------------------------------- targets

@dataclass(frozen=True)
class Milestone:
    starts: date
    count_percent: int
    value_percent: int


# Tây Ninh KH 2349/KH-UBND (2022): more than 50 % of transactions by the end of 2022, more than
# 95 % by the end of 2025 (domain/tuition.md §8); other provinces differ, so a school sets its own.
DEFAULT_TARGETS = (Milestone(date(2022, 1, 1), 50, 50), Milestone(date(2025, 1, 1), 95, 95))


def targets_of(session: Session, school_id: int) -> list[Milestone]:
    return targets_by_school(session, [school_id])[school_id]


def targets_by_school(session: Session, school_ids: list[int]) -> dict[int, list[Milestone]]:
    """Each school's milestones, oldest first (the defaults where it set none), in one query
    whatever the number of schools (a province's side-by-side view)."""
    from lms.reports.models import CashlessTarget

    found: dict[int, list[Milestone]] = defaultdict(list)
    for r in session.scalars(select(CashlessTarget).where(CashlessTarget.school_id.in_(list(school_ids) or [0]))
                             .order_by(CashlessTarget.school_id, CashlessTarget.starts)):
        found[r.school_id].append(Milestone(r.starts, r.count_percent, r.value_percent))
    return {school_id: found.get(school_id) or list(DEFAULT_TARGETS) for school_id in school_ids}


def target_for(milestones: list[Milestone], period: Period) -> Milestone | None:
    """The milestone in force at the end of the period (the latest one started by then)."""
    started = [m for m in milestones if m.starts <= period.end]
    return started[-1] if started else None


def set_targets(session: Session, actor, school_id: int, milestones: list[tuple[date | None, int | None, int | None]]
                ) -> None:
    """Replace the school's milestones. Each row needs a start date and two shares from 0 to 100;
    dates must differ; empty rows are skipped."""
    from lms.core import audit
    from lms.core.errors import ValidationError
    from lms.reports.models import CashlessTarget

    rows = []
    for n, (starts, count, value) in enumerate(milestones, start=1):
        if starts is None and count is None and value is None:
            continue
        if starts is None:
            raise ValidationError(_l("Dòng %(n)s: nhập ngày bắt đầu áp dụng.", n=n), field=f"starts_{n}")
        for name, v in (("count", count), ("value", value)):
            if v is None or not 0 <= v <= 100:
                raise ValidationError(_l("Dòng %(n)s: chỉ tiêu phải từ 0 đến 100 %%.", n=n), field=f"{name}_{n}")
        if any(r.starts == starts for r in rows):
            raise ValidationError(_l("Dòng %(n)s: đã có mốc bắt đầu ngày này.", n=n), field=f"starts_{n}")
        rows.append(CashlessTarget(school_id=school_id, starts=starts, count_percent=count, value_percent=value))
    if not rows:
        raise ValidationError(_l("Cần ít nhất một mốc chỉ tiêu."), field="starts_1")
    from sqlalchemy import delete

    session.execute(delete(CashlessTarget).where(CashlessTarget.school_id == school_id))
    session.add_all(rows)
    session.flush()
    audit.record(session, "cashless_targets_set", actor_id=actor.id, school_id=school_id,
                 detail="; ".join(f"{r.starts:%d/%m/%Y} {r.count_percent}/{r.value_percent}" for r in rows))


# ---------------------------------------------------------------- a school's report, a department's roll-up

@dataclass
class SchoolReport:
    school: object
    year: int
    periods: list[Period]            # every period one may pick, for the selector
    period: Period
    figures: Figures
    target: Milestone | None
    months: list[tuple[Period, Figures, Milestone | None]]
    readiness: list                   # billing.channel_settings.MethodState per cashless method
    open_items: object = None         # billing.queries.OpenItems at the time of the report (the notes)
    as_of: datetime | None = None

    @property
    def ready(self) -> int:
        return sum(1 for s in self.readiness if s.ready)

    @property
    def used(self) -> int:
        return len(self.figures.used_methods)


@dataclass(frozen=True)
class TermDates:
    number: int
    start_date: date
    end_date: date


@dataclass(frozen=True)
class YearDates:
    """What the periods are made of: a school year's dates and its terms'."""
    start_date: date
    end_date: date
    terms: tuple[TermDates, ...]


def school_years_of(session: Session, school_ids: list[int]) -> dict[int, list[YearDates]]:
    """Each school's years with their terms' dates, oldest first, by school id — two column
    queries and no ORM objects: a province's department pages read hundreds of schools' calendars
    on every request."""
    from lms.people.models import SchoolYear, Term

    ids = list(school_ids) or [0]
    terms: dict[int, list[TermDates]] = defaultdict(list)
    for year_id, number, start, end in session.execute(
            select(Term.school_year_id, Term.number, Term.start_date, Term.end_date)
            .join(SchoolYear, SchoolYear.id == Term.school_year_id).where(SchoolYear.school_id.in_(ids))
            .order_by(Term.school_year_id, Term.number)):
        terms[year_id].append(TermDates(number, start, end))
    out: dict[int, list[YearDates]] = {i: [] for i in school_ids}
    for year_id, school_id, start, end in session.execute(
            select(SchoolYear.id, SchoolYear.school_id, SchoolYear.start_date, SchoolYear.end_date)
            .where(SchoolYear.school_id.in_(ids)).order_by(SchoolYear.start_date, SchoolYear.id)):
        out[school_id].append(YearDates(start, end, tuple(terms[year_id])))
    return out


def periods_of(session: Session, school, year: int) -> list[Period]:
    """What a report can be asked for: the calendar year, its halves, its months, and the school
    years and terms that touch it."""
    out = [calendar_year(year), half_year(year, 1), half_year(year, 2), *months(date(year, 1, 1), date(year, 12, 31))]
    return out + school_calendar_periods(school_years_of(session, [school.id])[school.id], year)


def department_periods(session: Session, schools: list, year: int, *, with_months: bool = False) -> list[Period]:
    """What a department may look at: the calendar year and its halves (its months too where
    asked), and the school years and terms touching it that any of its schools keeps — each
    school is counted over its own dates, so the dates shown span the schools'."""
    out = [calendar_year(year), half_year(year, 1), half_year(year, 2)]
    if with_months:
        out += months(date(year, 1, 1), date(year, 12, 31))
    spans: dict[str, Period] = {}
    for years in school_years_of(session, [s.id for s in schools]).values():
        for p in school_calendar_periods(years, year):
            seen = spans.get(p.key)
            spans[p.key] = p if seen is None else Period(p.key, p.label, min(seen.start, p.start),
                                                          max(seen.end, p.end), p.kind)
    return out + sorted(spans.values(), key=lambda p: (p.key[-9:], p.kind != "school_year", p.key))


def school_report(session: Session, school, year: int, period: Period, periods: list[Period]) -> SchoolReport:
    """The school's figures for `period` (one of `periods`, the choices of calendar year `year`),
    with the months of that period as the trend (of calendar year `year` for a month): a school
    year's figure is never shown beside the calendar year's months."""
    from lms.billing import channel_settings, queries
    from lms.core.timeutil import utcnow

    now = utcnow()
    month_list = (months(date(year, 1, 1), date(year, 12, 31)) if period.kind == "month"
                  else months(period.start, period.end))
    wanted = [period, *[m for m in month_list if m.key != period.key]]
    counted = tally(session, [school.id], wanted)
    milestones = targets_of(session, school.id)
    return SchoolReport(school, year, periods, period, counted.get((school.id, period.key), Figures()),
                        target_for(milestones, period),
                        [(m, counted.get((school.id, m.key), Figures()), target_for(milestones, m)) for m in month_list],
                        channel_settings.readiness(session, school), queries.open_items(session, school.id, now), now)


def notes(report: SchoolReport) -> list[str]:
    """The report's notes on what is not in its figures yet: credits in the queue (suspense) and
    parents' open "I have paid" reports (consumer protection: complaints are reported, with their age)."""
    from lms.core.numbers import money

    items = report.open_items
    if items is None:
        return []
    from lms.core.timeutil import utc_to_local

    when = utc_to_local(report.as_of, school_tz()).strftime("%d/%m/%Y %H:%M") if report.as_of else ""
    out = []
    if items.unmatched:
        out.append(ngettext("%(n)s khoản tiền vào tài khoản (%(v)s đ) chưa đối chiếu được với hoá đơn, khoản lâu nhất "
                            "%(d)s; chưa tính vào số liệu trên (tại %(t)s).",
                            "%(n)s khoản tiền vào tài khoản (%(v)s đ) chưa đối chiếu được với hoá đơn, khoản lâu nhất "
                            "%(d)s; chưa tính vào số liệu trên (tại %(t)s).", items.unmatched, n=items.unmatched,
                            v=money(items.unmatched_value), d=_days(items.oldest_unmatched_days), t=when))
    if items.reports:
        out.append(ngettext("%(n)s báo “đã nộp” của phụ huynh (%(v)s đ) chưa xử lý, báo lâu nhất %(d)s (tại %(t)s).",
                            "%(n)s báo “đã nộp” của phụ huynh (%(v)s đ) chưa xử lý, báo lâu nhất %(d)s (tại %(t)s).",
                            items.reports, n=items.reports, v=money(items.reported_value),
                            d=_days(items.oldest_report_days), t=when))
    if not out:
        out.append(str(_l("Không còn khoản tiền chờ đối chiếu hay báo “đã nộp” chưa xử lý (tại %(t)s).", t=when)))
    return out


@dataclass
class SchoolRow:
    school: object
    figures: Figures
    target: Milestone | None
    ready: int

    @property
    def meets(self) -> bool | None:
        if self.target is None:
            return None
        f = self.figures
        by_count = reaches(f.cashless.count, f.total.count, self.target.count_percent)
        if by_count is None:
            return None
        return by_count and bool(reaches(f.cashless.value, f.total.value, self.target.value_percent))


def department_report(session: Session, schools: list, period: Period, count=tally
                      ) -> tuple[list[SchoolRow], Figures]:
    """Every school of a department side by side for one period, and their total: each school
    over its own dates of a school year or term, counted by `count` (tally, or kept_tally: the
    same figures from the kept months)."""
    from lms.billing import channel_settings

    own = resolved(session, schools, period)
    figures = by_school(session, own, count)
    targets = targets_by_school(session, [s.id for s in schools])
    ready = channel_settings.readiness_by_school(session, schools, payments=False)
    rows = [SchoolRow(s, figures[s.id], target_for(targets[s.id], own[s.id]), sum(1 for m in ready[s.id] if m.ready))
            for s in schools]
    total = Figures()
    for s in schools:
        total.add(figures[s.id])
    return rows, total


def resolved(session: Session, schools: list, period: Period) -> dict[int, Period]:
    """The period as each school keeps it (its own dates of a school year or term); a school
    without that year is counted over the department's span of it."""
    if not period.school_calendar:
        return {s.id: period for s in schools}
    years = school_years_of(session, [s.id for s in schools])
    return {s.id: for_school(years[s.id], period) or period for s in schools}


def workbook(report: SchoolReport) -> bytes:
    """The report as an Excel workbook: title, the rule, the period by method and channel, the months."""

    from openpyxl.styles import Font, PatternFill

    from lms.i18n import gettext as _

    wb = new_workbook()
    ws = wb.active
    ws.title = _("Không dùng tiền mặt")[:31]
    ws.append([_("BÁO CÁO THANH TOÁN KHÔNG DÙNG TIỀN MẶT")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([report.school.name])
    ws.append([report.period.label + f" ({report.period.start:%d/%m/%Y} – {report.period.end:%d/%m/%Y})"])
    ws.append([_("Quy tắc tính: %(r)s", r=str(RULE))])
    ws.append([])

    def header(*names):
        ws.append(list(names))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")

    f = report.figures
    header(_("Hình thức"), _("Số giao dịch"), _("Giá trị (đồng)"), _("Tỷ lệ theo số (%)"), _("Tỷ lệ theo giá trị (%)"))
    for m in METHODS:
        by_count, by_value = f.method_share(m)
        ws.append([str(METHOD_LABELS[m]), f.methods[m].count, f.methods[m].value, as_float(by_count), as_float(by_value)])
    ws.append([_("Không dùng tiền mặt"), f.cashless.count, f.cashless.value, as_float(f.count_share), as_float(f.value_share)])
    ws.append([_("Tổng"), f.total.count, f.total.value, 100.0 if f.total.count else None,
               100.0 if f.total.value else None])
    if report.target:
        ws.append([_("Chỉ tiêu"), None, None, report.target.count_percent, report.target.value_percent])
    if f.refunded:
        ws.append([_("Đã trừ tiền hoàn trả"), None, f.refunded])
    ws.append([])
    header(_("Kênh"), _("Số giao dịch"), _("Giá trị (đồng)"))
    for c in CHANNELS:
        if c in f.channels:
            ws.append([str(CHANNEL_LABELS[c]), f.channels[c].count, f.channels[c].value])
    ws.append([])
    header(_("Tháng"), _("Số giao dịch"), _("Không dùng tiền mặt"), _("Tỷ lệ theo số (%)"), _("Giá trị (đồng)"),
           _("Không dùng tiền mặt (đồng)"), _("Tỷ lệ theo giá trị (%)"))
    for m, g, _t in report.months:
        ws.append([m.label, g.total.count, g.cashless.count, as_float(g.count_share), g.total.value, g.cashless.value,
                   as_float(g.value_share)])
    ws.append([])
    header(_("Ghi chú"))
    for note in notes(report):
        ws.append([note])
    for letter, width in zip("ABCDEFG", (34, 14, 18, 16, 18, 22, 18)):
        ws.column_dimensions[letter].width = width
    return to_bytes(wb)

