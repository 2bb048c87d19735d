"""Report settings: a school's cashless-payment milestones; and each school's figures for the
department's ranking, kept by a job so that a province's page need not compute every school."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, Json, Money, UTCDateTime


class CashlessTarget(Base):
    """From `starts` on, the school aims for at least these cashless shares (by number and by
    value of transactions). Without rows the provincial defaults apply (cashless.DEFAULT_TARGETS)."""

    __tablename__ = "cashless_targets"
    __table_args__ = (UniqueConstraint("school_id", "starts"),
                      CheckConstraint("count_percent >= 0 AND count_percent <= 100", name="count_range"),
                      CheckConstraint("value_percent >= 0 AND value_percent <= 100", name="value_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    count_percent: Mapped[int] = mapped_column(Integer)
    value_percent: Mapped[int] = mapped_column(Integer)


class SchoolFigures(Base):
    """A school's teaching figures for one period, or its dashboard (official.figures_of: the
    shares' parts and wholes and the whole board), as computed at `computed_at` by the refresh
    job (official.refresh_figures). The pages and their files use them while fresh enough
    (official.max_age) and say how fresh; report cards and payments are never kept (counted at
    the time of viewing); a school without fresh figures is computed on the spot."""

    __tablename__ = "school_figures"
    __table_args__ = (UniqueConstraint("school_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(Json, default=dict)


class MonthMoney(Base):
    """A school's payments received in one month (Vietnam time) by one method and channel: how
    many and how much, counting every payment up to the mark (MoneyMark.payment_id). Kept by the
    refresh job (cashless.keep_months), which adds the payments that came since its last mark:
    payments are append-only, so these rows plus the payments above the mark are exactly every
    payment — the department's pages sum a few rows a school instead of counting the province's
    payments (cashless.kept_tally). Refunds are not kept: they are few, and counted when viewed."""

    __tablename__ = "school_month_money"
    __table_args__ = (UniqueConstraint("school_id", "month", "method", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)            # its first day
    method: Mapped[str] = mapped_column(String(15))
    channel: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Money)


class MoneyMark(Base):
    """The one row saying up to which payment the kept months (MonthMoney) count, in which time
    zone their months are, and when the refresh job last moved the mark."""

    __tablename__ = "money_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(Money)
    tz: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
