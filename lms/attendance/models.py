"""Attendance registers, the marks on them, and parents' leave requests."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, UTCDateTime


class Mark(StrEnum):
    EXCUSED = "P"      # vắng có phép
    UNEXCUSED = "K"    # vắng không phép
    LATE = "M"         # đi muộn


WHOLE_DAY = 0          # the period of a register taken once for the whole day
MAX_PERIOD = 10


class AttendanceRegister(Base):
    """One taking of attendance: a class on a day, for the whole day (period 0) or one period.
    Everyone without a mark on it was present."""

    __tablename__ = "attendance_registers"
    __table_args__ = (UniqueConstraint("class_id", "day", "period"),
                      CheckConstraint(f"period >= 0 AND period <= {MAX_PERIOD}", name="period_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    period: Mapped[int] = mapped_column(SmallInteger, default=WHOLE_DAY)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    marks = relationship("AttendanceMark", cascade="all, delete-orphan", back_populates="register")
    course = relationship("Course")


class AttendanceMark(Base):
    """A pupil who was absent (with or without permission) or late on a register."""

    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("register_id", "student_id"),
                      CheckConstraint("status IN ('P', 'K', 'M')", name="status_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("attendance_registers.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(1))
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id", ondelete="SET NULL"))
    # When the pupil's parents were told of this unexcused absence (once per pupil and day).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    register = relationship(AttendanceRegister, back_populates="marks")


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class LeaveRequest(Base):
    """A parent's request that the child be excused for one or more days."""

    __tablename__ = "leave_requests"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="days_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=LeaveStatus.PENDING, index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student = relationship("Student")
    parent = relationship("User", foreign_keys=[requested_by])
    decider = relationship("User", foreign_keys=[decided_by])

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class SchoolDayOff(Base):
    """A day, or days, a school does not sit besides the public holidays: a day given in place of
    another (nghỉ bù), a school event, a closure. No register is taken and no homework is due
    then."""

    __tablename__ = "school_days_off"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="days_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
