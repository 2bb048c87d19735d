"""Teaching plans, lessons, the resource library, progress, announcements, messages and events."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, UTCDateTime


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
