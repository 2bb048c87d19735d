"""Report settings: a school's cashless-payment milestones."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


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
