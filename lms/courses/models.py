"""Teaching plans, lessons, the resource library, progress, announcements, messages and events."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, Json, UTCDateTime


class Mode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE_LIVE = "online_live"
    ONLINE_SELF = "online_self"

    @property
    def online(self) -> bool:
        return self is not Mode.IN_PERSON


class OnlineTarget(Base):
    """A school's target share of online periods for one level (TH, THCS, THPT, or OTHER)."""

    __tablename__ = "online_targets"
    __table_args__ = (UniqueConstraint("school_id", "level"),
                      CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(5))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class PlanPeriod(Base):
    """One period (tiết) of a course's teaching plan."""

    __tablename__ = "plan_periods"
    __table_args__ = (UniqueConstraint("course_id", "number"),
                      CheckConstraint("week >= 1 AND week <= 53", name="week_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(300), default="")
    mode: Mapped[str] = mapped_column(String(12), default=Mode.IN_PERSON)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), index=True)

    lesson = relationship("Lesson", back_populates="periods", foreign_keys=[lesson_id])


class Lesson(Base):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")          # Markdown as written
    body_html: Mapped[str] = mapped_column(Text, default="")     # rendered and sanitised
    video_links: Mapped[str] = mapped_column(Text, default="")   # one URL per line
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: draft
    prerequisite_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    periods = relationship(PlanPeriod, back_populates="lesson", foreign_keys=[PlanPeriod.lesson_id],
                           order_by=PlanPeriod.number)
    prerequisite = relationship("Lesson", remote_side=[id])
    attachments = relationship("LessonResource", back_populates="lesson", cascade="all, delete-orphan",
                               order_by="LessonResource.position")

    def is_published(self, now: datetime) -> bool:
        return self.publish_at is not None and self.publish_at <= now


class Resource(Base):
    """A file in the school's library, uploaded once and reused in any lesson."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("school_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"))
    grade: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[str] = mapped_column(String(300), default="")
    search_text: Mapped[str] = mapped_column(String(1000), default="")  # folded title, topic, tags, file name
    shared_with_department: Mapped[bool] = mapped_column(Boolean, default=False)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject = relationship("Subject", lazy="joined")
    school = relationship("School", lazy="joined")


class LessonResource(Base):
    __tablename__ = "lesson_resources"
    __table_args__ = (UniqueConstraint("lesson_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    lesson = relationship(Lesson, back_populates="attachments")
    resource = relationship(Resource, lazy="joined")


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("lesson_id", "student_id"),
                      CheckConstraint("seconds >= 0", name="seconds_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[int] = mapped_column(Integer, default=0)


class Announcement(Base):
    """To a whole class (course_id empty) or to the pupils of one course."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    author = relationship("User", lazy="joined")
    school_class = relationship("SchoolClass", lazy="joined")
    course = relationship("Course")


class MessageThread(Base):
    """Teacher and parent, about one child."""

    __tablename__ = "message_threads"
    __table_args__ = (UniqueConstraint("student_id", "teacher_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    teacher_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parent_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student = relationship("Student", lazy="joined")
    teacher = relationship("User", foreign_keys=[teacher_id], lazy="joined")
    parent = relationship("User", foreign_keys=[parent_id], lazy="joined")
    messages = relationship("Message", back_populates="thread", order_by="Message.id", cascade="all, delete-orphan")


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread = relationship(MessageThread, back_populates="messages")
    sender = relationship("User", lazy="joined")


class Event(Base):
    """A dated entry of a class calendar that is not a lesson (lessons are read from their own
    table): a test, homework due, an outing. Homework and exams write their own rows here."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # homework | exam | other
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CalendarToken(Base):
    """The secret in a personal iCalendar feed address (a phone cannot sign in)."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class Assignment(Base):
    """Homework for one or more classes (through their courses of one subject), optionally tied
    to a lesson. Scores are kept in tenths of a point; lateness is derived from each
    submission's time and the current due time, so moving the due time re-decides it."""

    __tablename__ = "assignments"
    __table_args__ = (CheckConstraint("max_tenths > 0 AND max_tenths <= 1000", name="max_range"),
                      CheckConstraint("penalty_percent >= 0 AND penalty_percent <= 100", name="penalty_range"),
                      CheckConstraint("resubmissions >= 0 AND resubmissions <= 20", name="resubmissions_range"),
                      CheckConstraint("minutes > 0 AND minutes <= 600", name="minutes_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")       # Markdown as written
    instructions_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    late_policy: Mapped[str] = mapped_column(String(8), default="refuse")   # refuse | penalty
    penalty_percent: Mapped[int] = mapped_column(Integer, default=0)       # of the score, per day late
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)          # last moment a late one is taken
    max_tenths: Mapped[int] = mapped_column(Integer, default=100)
    resubmissions: Mapped[int] = mapped_column(Integer, default=0)
    rubric: Mapped[list] = mapped_column(Json, default=list)   # [{"name", "levels": [{"label", "points"}]}]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)       # None: draft
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gradebook_term: Mapped[int | None] = mapped_column(Integer)
    gradebook_key: Mapped[str | None] = mapped_column(String(4))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)          # scores sent to the grade book
    # The teacher's estimate of the time it takes (the evening's load adds these up), and who
    # set it over the school's limit for the evening, when.
    minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    load_override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    load_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject = relationship("Subject", lazy="joined")
    lesson = relationship(Lesson)
    author = relationship("User", foreign_keys=[created_by])
    courses = relationship("AssignmentCourse", cascade="all, delete-orphan")
    attachments = relationship("AssignmentResource", cascade="all, delete-orphan",
                               order_by="AssignmentResource.position")


class AssignmentCourse(Base):
    __tablename__ = "assignment_courses"
    __table_args__ = (UniqueConstraint("assignment_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint, which starts with it, serves lookups.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)

    course = relationship("Course", lazy="joined")


class AssignmentResource(Base):
    """A library file handed out with the assignment."""

    __tablename__ = "assignment_resources"
    __table_args__ = (UniqueConstraint("assignment_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint, which starts with it, serves lookups.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    resource = relationship(Resource, lazy="joined")


class Submission(Base):
    """One hand-in. A resubmission is a new row with the next number; the newest counts. A
    revision asked for by the teacher (`is_revision`) does not use up the allowance and keeps
    the time of the work it revises (`counted_at`) for lateness."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id", "number"),
                      CheckConstraint("score_tenths IS NULL OR score_tenths >= 0", name="score_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    # No index of its own: the unique constraint, which starts with it, serves lookups.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    is_revision: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="submitted")   # submitted | graded | returned
    score_tenths: Mapped[int | None] = mapped_column(Integer)             # before any late penalty
    rubric_marks: Mapped[dict] = mapped_column(Json, default=dict)        # criterion index → level index
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revise_by: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student = relationship("Student", lazy="joined")
    files = relationship("SubmissionFile", cascade="all, delete-orphan", order_by="SubmissionFile.position")
    grader = relationship("User")


class SubmissionFile(Base):
    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(200))     # as the pupil named it (NFC)
    stored_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
