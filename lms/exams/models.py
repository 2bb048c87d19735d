"""Question banks, exams, attempts and their grading.

A question's content lives in immutable versions: an attempt keeps the version it showed. Marks
are stored in ten-thousandths of a point (`*_e4`), so a quarter point or a third of a quarter is
exact on every backend.
"""
from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, Json, UTCDateTime


# A name that is only a number from a file: "Câu 3", "Câu hỏi số 3", "Câu thứ 3", "Bài 3:", "Question 3", "3."
_NUMBERED = re.compile(r"\s*(?:(?:câu(?:\s+hỏi)?|bài|question|q)(?:\s+(?:số|thứ))?\s*)?\d+\s*[.:)]?\s*",
                       re.IGNORECASE)


class QuestionStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    RETIRED = "retired"


class QuestionCategory(Base):
    """A category of a school's bank for one subject; categories nest."""

    __tablename__ = "question_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject = relationship("Subject", lazy="joined")
    owner = relationship("User", lazy="joined")
    parent = relationship("QuestionCategory", remote_side=[id])


class CategoryShare(Base):
    """A colleague who may use (and, with `can_edit`, change) the questions of a category."""

    __tablename__ = "category_shares"
    __table_args__ = (UniqueConstraint("category_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    can_edit: Mapped[bool] = mapped_column(Boolean, default=False)

    user = relationship("User", lazy="joined")


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"), index=True)
    qtype: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[int] = mapped_column(SmallInteger, default=1)   # 1 Nhận biết … 4 Vận dụng cao
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    tags: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(String(1000), default="")
    default_mark_e4: Mapped[int] = mapped_column(Integer, default=10000)
    status: Mapped[str] = mapped_column(String(10), default=QuestionStatus.READY)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    # The newest version (no foreign key: versions point at their question, and the cycle is not worth it).
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship(QuestionCategory, lazy="joined")
    current = relationship("QuestionVersion", primaryjoin="foreign(Question.current_version_id) == QuestionVersion.id",
                           lazy="joined", viewonly=True)

    @property
    def given_name(self) -> str:
        """The name a teacher gave, or "" when there is none worth showing: a number the file gave
        it ("Câu 3", "Bài 2:", "Question 7") names a place in one file, not the question — files
        imported before names came from the text kept those."""
        return "" if _NUMBERED.fullmatch(self.name or "") else (self.name or "").strip()

    @property
    def title(self) -> str:
        """The question as one line, wherever it is listed: its name, else its own first words —
        both as text (Markdown read, formulas as text: a name "Lũy thừa $2^{4}$" is "Lũy thừa 2⁴")."""
        from lms.exams.mathtext import plain, title_of

        return plain(self.given_name) or title_of(self.current.text if self.current else "")


class QuestionVersion(Base):
    """What a question said at one time. Never changed once an attempt has shown it."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)                  # Markdown with $LaTeX$
    data: Mapped[dict] = mapped_column(Json, default=dict)    # the type's options, keys, settings
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)  # set when an attempt first shows it


class ExamStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Exam(Base):
    __tablename__ = "exams"
    __table_args__ = (CheckConstraint("time_limit_min >= 0", name="limit_nonnegative"),
                      CheckConstraint("attempts_allowed >= 0", name="attempts_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ExamStatus.DRAFT)
    open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit_min: Mapped[int] = mapped_column(Integer, default=45)        # 0: until the close time
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)       # 0: unlimited
    grading_method: Mapped[str] = mapped_column(String(10), default="highest")  # highest|average|first|last
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    per_page: Mapped[int] = mapped_column(Integer, default=5)               # 0: all on one page
    navigation: Mapped[str] = mapped_column(String(12), default="free")     # free | sequential
    review: Mapped[dict] = mapped_column(Json, default=dict)                # moment → what may be shown
    access_code: Mapped[str] = mapped_column(String(40), default="")
    ip_ranges: Mapped[str] = mapped_column(String(500), default="")
    overdue: Mapped[str] = mapped_column(String(12), default="autosubmit")  # autosubmit | grace
    grace_minutes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10), default="fixed")        # fixed | blueprint
    results_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_at_close: Mapped[bool] = mapped_column(Boolean, default=False)
    gradebook_term: Mapped[int | None] = mapped_column(SmallInteger)
    gradebook_key: Mapped[str | None] = mapped_column(String(4))            # tx1…tx4, gk1, ck1
    # A readiness check (kiểm tra chuẩn bị bài) is an exam tied to the lesson it prepares; a pupil
    # whose result reaches `ready_percent` of the marks counts as ready.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), index=True)
    ready_percent: Mapped[int] = mapped_column(SmallInteger, default=70)
    # Sit the printed versions (mã đề) online: each attempt gets one of the exam's papers.
    use_papers: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language of the printed paper (its fixed texts: "Họ và tên", "Mã đề"…): the school's, "vi",
    # whatever the teacher's interface; "en" for an exam the teacher marks English (an English test).
    paper_language: Mapped[str] = mapped_column(String(2), default="vi", server_default="vi")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded on use, not with every exam: an attempt's autosave reads its exam on each request.
    subject = relationship("Subject", lazy="joined")
    author = relationship("User")
    courses = relationship("ExamCourse", cascade="all, delete-orphan")
    items = relationship("ExamItem", cascade="all, delete-orphan", order_by="ExamItem.position")
    rules = relationship("ExamRule", cascade="all, delete-orphan", order_by="ExamRule.position")


class ExamCourse(Base):
    """A class (through its course of the exam's subject) that sits the exam."""

    __tablename__ = "exam_courses"
    __table_args__ = (UniqueConstraint("exam_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)

    course = relationship("Course", lazy="joined")


class ExamItem(Base):
    """A question of a fixed-list exam, with its mark."""

    __tablename__ = "exam_items"
    __table_args__ = (UniqueConstraint("exam_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    mark_e4: Mapped[int] = mapped_column(Integer, default=10000)

    question = relationship(Question, lazy="joined")


class ExamRule(Base):
    """A row of the blueprint (ma trận đề): draw `count` questions of this category (and its
    sub-categories), topic and level, each worth `mark`."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[int | None] = mapped_column(SmallInteger)
    qtype: Mapped[str] = mapped_column(String(20), default="")
    count: Mapped[int] = mapped_column(Integer)
    mark_e4: Mapped[int] = mapped_column(Integer, default=10000)

    category = relationship(QuestionCategory, lazy="joined")


class ExamPaper(Base):
    """A printed version of an exam (mã đề): its questions, versions, marks and option orders,
    frozen when made, so printing again — or sitting it online — gives the same paper."""

    __tablename__ = "exam_papers"
    __table_args__ = (UniqueConstraint("exam_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint, which starts with it, serves lookups.
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items = relationship("ExamPaperItem", order_by="ExamPaperItem.position", cascade="all, delete-orphan")


class ExamPaperItem(Base):
    __tablename__ = "exam_paper_items"
    __table_args__ = (UniqueConstraint("paper_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    mark_e4: Mapped[int] = mapped_column(Integer)
    layout: Mapped[dict] = mapped_column(Json, default=dict)
    rule_position: Mapped[int | None] = mapped_column(Integer)

    version = relationship(QuestionVersion, lazy="joined")
    question = relationship(Question, lazy="joined")


class Override(Base):
    """One pupil's own window, extra time or extra attempts for an exam."""

    __tablename__ = "exam_overrides"
    __table_args__ = (UniqueConstraint("exam_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The extra minutes move the pupil's close too (True), or the exam's close still ends the attempt.
    past_close: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    reason: Mapped[str] = mapped_column(String(200), default="")

    student = relationship("Student", lazy="joined")


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"        # grace period: may only submit
    SUBMITTED = "submitted"    # waiting for manual grading
    FINISHED = "finished"
    ABANDONED = "abandoned"


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("exam_id", "student_id", "number"),
                      Index("ix_attempts_state_deadline", "state", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default=AttemptState.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auto_finished: Mapped[bool] = mapped_column(Boolean, default=False)
    device: Mapped[str] = mapped_column(String(64), default="")             # SHA-256 of the device cookie
    page: Mapped[int] = mapped_column(Integer, default=0)                  # furthest page (sequential)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    total_e4: Mapped[int | None] = mapped_column(Integer)                  # marks earned, once graded
    max_e4: Mapped[int] = mapped_column(Integer, default=0)
    score10: Mapped[int | None] = mapped_column(SmallInteger)              # on the 10-point scale, tenths
    needs_grading: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(64), default="")
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("exam_papers.id", ondelete="SET NULL"), index=True)

    exam = relationship(Exam, lazy="joined")
    student = relationship("Student", lazy="joined")
    paper = relationship(ExamPaper, lazy="select")   # the printed version (mã đề) it was sat on, if any
    slots = relationship("AttemptSlot", order_by="AttemptSlot.position", cascade="all, delete-orphan")


class AttemptSlot(Base):
    """A question of an attempt: the exact version shown, its option order and its mark."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    graded_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id", ondelete="SET NULL"))
    mark_e4: Mapped[int] = mapped_column(Integer)
    layout: Mapped[dict] = mapped_column(Json, default=dict)               # option orders for this attempt
    rule_position: Mapped[int | None] = mapped_column(Integer)

    version = relationship(QuestionVersion, foreign_keys=[version_id], lazy="joined")
    question = relationship(Question, lazy="joined")


class Response(Base):
    """The latest saved answer of a slot; `seq` only ever grows (stale saves are refused)."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (attempt_id, position) constraint serves lookups by attempt.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(Text)          # canonical JSON
    seq: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResponseSave(Base):
    """Every save of an answer, as it was written (time and value), for a dispute over what a pupil
    answered and when. Written by the database itself (`lms.exams.ddl`: a trigger on `responses`),
    so every path that saves — the guarded upsert of the autosave layer, of the route, of the
    rules — is recorded, in the same transaction, and nothing else can write here by mistake."""

    __tablename__ = "response_saves"
    __table_args__ = (Index("ix_response_saves_attempt_position", "attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(Text)          # canonical JSON, as in `responses`
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _history_triggers(target, connection, **kw) -> None:
    from lms.exams import ddl

    ddl.install(connection)


# create_all (tests, fresh databases) gets the same triggers as the migration, once both tables exist.
from sqlalchemy import event  # noqa: E402

ResponseSave.__table__.add_is_dependent_on(Response.__table__)
event.listen(ResponseSave.__table__, "after_create", _history_triggers)


class SlotGrade(Base):
    """A mark given to one slot of an attempt. Append-only: regrading and manual grading add rows;
    the newest row of a slot counts."""

    __tablename__ = "slot_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    fraction_e4: Mapped[int | None] = mapped_column(Integer)   # None: waits for a teacher
    mark_e4: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))            # auto | manual | regrade
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grader = relationship("User", lazy="joined")


class AttemptEvent(Base):
    """What happened during an attempt: starts, resumes, device switches, focus loss, full-screen
    exits, reconnections, submission. Shown to teachers; never an automatic penalty."""

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(String(200), default="")
