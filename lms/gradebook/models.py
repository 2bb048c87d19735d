"""Grade book: assessments per course and term, teachers' remarks, term locks and the change
history, primary (TT27) records, the homeroom teacher's conduct and attendance, and issued
report cards.

Scores are stored as whole tenths (8.5 → 85) so that every backend keeps them exact.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, UTCDateTime


class Kind(StrEnum):
    REGULAR = "tx"      # đánh giá thường xuyên
    MIDTERM = "gk"      # giữa kỳ
    FINAL = "ck"        # cuối kỳ
    RETEST = "kl"       # kiểm tra lại (year, recorded under term 2)


class Checkpoint(StrEnum):
    """TT27's four assessment points."""
    MID1 = "gk1"
    END1 = "ck1"
    MID2 = "gk2"
    YEAR = "cn"


def tenths_to_decimal(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 10).quantize(Decimal("0.1"))


class GradeEntry(Base):
    """One assessment of one pupil: a score (score subjects) or Đạt/Chưa đạt (comment subjects)."""

    __tablename__ = "grade_entries"
    __table_args__ = (UniqueConstraint("course_id", "student_id", "term", "kind", "position"),
                      CheckConstraint("term IN (1, 2)", name="term_1_or_2"),
                      CheckConstraint("score10 IS NULL OR (score10 >= 0 AND score10 <= 100)", name="score_range"),
                      CheckConstraint("(score10 IS NULL) <> (passed IS NULL)", name="score_or_passed"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    term: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(4))
    position: Mapped[int] = mapped_column(SmallInteger, default=1)
    score10: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    source_type: Mapped[str] = mapped_column(String(12), default="manual")  # manual | import | assignment | exam
    source_id: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def score(self) -> Decimal | None:
        return tenths_to_decimal(self.score10)


class GradeRemark(Base):
    """The subject teacher's comment on a pupil for a term (term 2's goes into the report card)."""

    __tablename__ = "grade_remarks"
    __table_args__ = (UniqueConstraint("course_id", "student_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    term: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    # When it was last saved (None: before this was kept): a page opened earlier is checked against it.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class GradeChange(Base):
    """Append-only history of corrections: who changed which value from what to what, when and
    why (the red-ink correction of the paper book). First entries are not logged; every change of
    an existing value, every removal, and every write to a locked term is."""

    __tablename__ = "grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(12))        # "1:tx2", "2:ck1", "ck1" (primary), "1:nx" (remark)
    old_value: Mapped[str] = mapped_column(String(500), default="")   # a remark holds up to 500 characters
    new_value: Mapped[str] = mapped_column(String(500), default="")
    source_type: Mapped[str] = mapped_column(String(12), default="manual")
    source_id: Mapped[int | None] = mapped_column(Integer)
    after_lock: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor = relationship("User", lazy="joined")


class TermLock(Base):
    """A locked term of a school year: teachers can no longer change its grades."""

    __tablename__ = "term_locks"
    __table_args__ = (UniqueConstraint("school_year_id", "term"),
                      CheckConstraint("term IN (1, 2)", name="term_1_or_2"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"))
    term: Mapped[int] = mapped_column(SmallInteger)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    locker = relationship("User", lazy="joined")


class PrimaryRecord(Base):
    """TT27: a primary subject at one checkpoint — level T/H/C, periodic test score, comment."""

    __tablename__ = "primary_records"
    __table_args__ = (UniqueConstraint("course_id", "student_id", "checkpoint"),
                      CheckConstraint("test_score IS NULL OR (test_score >= 1 AND test_score <= 10)",
                                      name="test_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    checkpoint: Mapped[str] = mapped_column(String(4))
    level: Mapped[str | None] = mapped_column(String(1))       # T | H | C
    test_score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrimaryQuality(Base):
    """TT27: one quality or competence of a pupil at one checkpoint — T, D (Đạt) or C."""

    __tablename__ = "primary_qualities"
    __table_args__ = (UniqueConstraint("class_id", "student_id", "checkpoint", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    checkpoint: Mapped[str] = mapped_column(String(4))
    code: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(1))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class TermRecord(Base):
    """The homeroom teacher's record of a pupil for a term: conduct and sessions absent."""

    __tablename__ = "term_records"
    __table_args__ = (UniqueConstraint("class_id", "student_id", "term"),
                      CheckConstraint("term IN (1, 2)", name="term_1_or_2"),
                      CheckConstraint("absent_excused >= 0 AND absent_unexcused >= 0", name="absences_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    term: Mapped[int] = mapped_column(SmallInteger)
    conduct: Mapped[str | None] = mapped_column(String(1))     # T | K | D | C
    absent_excused: Mapped[int] = mapped_column(Integer, default=0)
    absent_unexcused: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class YearRecord(Base):
    """The homeroom teacher's year comment and conduct after summer training, per pupil."""

    __tablename__ = "year_records"
    __table_args__ = (UniqueConstraint("class_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    homeroom_comment: Mapped[str] = mapped_column(Text, default="")
    summer_conduct: Mapped[str | None] = mapped_column(String(1))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class CardStatus(StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"


class ReportCard(Base):
    """An issued report card (học bạ) of a pupil for a school year: the frozen snapshot, the PDF
    made from it, and the school's Ed25519 signature over both hashes. Never edited: re-issuing
    makes a new version and marks this one superseded."""

    __tablename__ = "report_cards"
    __table_args__ = (UniqueConstraint("student_id", "school_year_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default=CardStatus.VALID)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    snapshot: Mapped[str] = mapped_column(Text)              # canonical JSON, byte for byte as signed
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    pdf_name: Mapped[str] = mapped_column(String(120))       # stored file, in the storage's report-cards area
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))      # base64 Ed25519 signature
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student = relationship("Student", lazy="joined")
    school_class = relationship("SchoolClass", lazy="joined")
    issuer = relationship("User", lazy="joined")
