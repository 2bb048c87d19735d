"""Class calendars (lessons opening, homework due, tests, other events) and the personal iCalendar
feed a parent or pupil adds to a phone."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import DomainError, ValidationError
from lms.core.text import nfc
from lms.core.timeutil import school_tz
from lms.courses.comms import current_class_ids
from lms.courses.models import CalendarToken, Event, Lesson
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Guardianship, Membership, SchoolClass, SchoolYear, Student

EVENT_KINDS = {"homework": _l("Hạn nộp bài"), "exam": _l("Kiểm tra"), "other": _l("Sự kiện")}


@dataclass
class CalendarItem:
    uid: str
    kind: str        # lesson | homework | exam | other
    title: str
    starts_at: datetime
    ends_at: datetime | None
    class_name: str
    link: str | None
    target_id: int | None = None   # the lesson's or the assignment's id


def add_event(session: Session, actor: User, school_class: SchoolClass, *, kind: str, title: str,
              starts_at: datetime, ends_at: datetime | None = None, course: Course | None = None) -> Event:
    if kind not in EVENT_KINDS:
        raise ValidationError(_l("Loại sự kiện không hợp lệ."), field="kind")
    text = nfc(title).strip()
    if not text or len(text) > 200:
        raise ValidationError(_l("Nhập tên sự kiện (tối đa 200 ký tự)."), field="title")
    if ends_at is not None and ends_at < starts_at:
        raise ValidationError(_l("Giờ kết thúc phải sau giờ bắt đầu."), field="ends_at")
    event = Event(school_id=school_class.school_id, class_id=school_class.id, course_id=course.id if course else None,
                  kind=kind, title=text, starts_at=starts_at, ends_at=ends_at, created_by=actor.id)
    session.add(event)
    session.flush()
    return event


def items_for_classes(session: Session, class_ids: list[int], start: datetime, end: datetime) -> list[CalendarItem]:
    """Everything dated in [start, end) for these classes, oldest first."""
    if not class_ids:
        return []
    names = dict(session.execute(select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids))).all())
    items = []
    for lesson, course in session.execute(
            select(Lesson, Course).join(Course, Course.id == Lesson.course_id)
            .where(Course.class_id.in_(class_ids), Lesson.publish_at >= start, Lesson.publish_at < end)):
        items.append(CalendarItem(f"lesson-{lesson.id}@lms", "lesson", f"{course.subject.name}: {lesson.title}",
                                  lesson.publish_at, None, names[course.class_id], f"/lessons/{lesson.id}",
                                  lesson.id))
    from lms.courses.models import Assignment, AssignmentCourse

    for assignment, course in session.execute(
            select(Assignment, Course).join(AssignmentCourse, AssignmentCourse.assignment_id == Assignment.id)
            .join(Course, Course.id == AssignmentCourse.course_id)
            .where(Course.class_id.in_(class_ids), Assignment.published_at.is_not(None),
                   Assignment.due_at >= start, Assignment.due_at < end)):
        items.append(CalendarItem(f"homework-{assignment.id}-{course.class_id}@lms", "homework",
                                  f"{EVENT_KINDS['homework']} {course.subject.name}: {assignment.title}",
                                  assignment.due_at, None, names[course.class_id], f"/homework/{assignment.id}",
                                  assignment.id))
    for event in session.scalars(select(Event).where(Event.class_id.in_(class_ids), Event.starts_at >= start,
                                                     Event.starts_at < end)):
        items.append(CalendarItem(f"event-{event.id}@lms", event.kind, event.title, event.starts_at, event.ends_at,
                                  names[event.class_id], None))
    items.sort(key=lambda i: (i.starts_at, i.title))
    return items


def feed_class_ids(session: Session, user: User) -> list[int]:
    """The classes whose calendar a user's feed carries: own class (pupil), children's classes
    (parent), taught and homeroom classes (teacher), in current school years."""
    pupil_ids = list(session.scalars(select(Student.id).where(Student.user_id == user.id)))
    child_ids = list(session.scalars(select(Guardianship.student_id).where(Guardianship.guardian_id == user.id)))
    ids = set(current_class_ids(session, pupil_ids + child_ids))
    teaching = select(SchoolClass.id).join(SchoolYear).where(SchoolYear.is_current.is_(True), (
        SchoolClass.homeroom_teacher_id == user.id) | SchoolClass.id.in_(
        select(Course.class_id).where(Course.teacher_id == user.id)))
    if session.scalar(select(Membership.id).where(Membership.user_id == user.id, Membership.role == "teacher")):
        ids |= set(session.scalars(teaching))
    return sorted(ids)


def readable_links(session: Session, user: User, roles: list[str], items: list[CalendarItem],
                   now: datetime) -> list[CalendarItem]:
    """The items, each keeping its link only if one of the reader's `roles` opens that page — the
    same rules as the pages themselves: a lesson of a course the reader may view (a pupil's only
    once published), homework its reader manages (admin, its teacher) or a pupil's own opened
    homework. Parents open neither. A page is never shown a link that answers 403 or 404."""
    from lms.courses import homework
    from lms.courses.models import Assignment
    from lms.people.permissions import can_view_course

    lesson_ids = {i.target_id for i in items if i.kind == "lesson" and i.link}
    assignment_ids = {i.target_id for i in items if i.kind == "homework" and i.link}
    lessons = {lesson.id: (lesson, course) for lesson, course in session.execute(
        select(Lesson, Course).join(Course, Course.id == Lesson.course_id).where(Lesson.id.in_(lesson_ids)))}
    assignments = {a.id: a for a in session.scalars(select(Assignment).where(Assignment.id.in_(assignment_ids)))}
    pupils = list(session.scalars(select(Student).where(Student.user_id == user.id))) if "student" in roles else []
    staff = [r for r in roles if r in ("admin", "teacher")]

    def opens(item: CalendarItem) -> bool:
        if item.kind == "lesson" and item.target_id in lessons:
            lesson, course = lessons[item.target_id]
            return (any(can_view_course(session, user, r, course) for r in staff)
                    or (bool(pupils) and lesson.publish_at <= now and can_view_course(session, user, "student", course)))
        if item.kind == "homework" and item.target_id in assignments:
            assignment = assignments[item.target_id]
            if any(homework.can_manage(user, r, assignment) for r in staff):
                return True
            for pupil in pupils:
                try:
                    homework.assignment_for_pupil(session, pupil, assignment.id, now)
                    return True
                except DomainError:
                    continue
        return False

    return [item if item.link is None or opens(item) else replace(item, link=None) for item in items]


def roles_of(session: Session, user: User) -> list[str]:
    """Every role the person holds in any school (the calendar feed has no session to say which)."""
    return sorted(set(session.scalars(select(Membership.role).where(Membership.user_id == user.id))))


def feed_token(session: Session, user: User, *, reset: bool = False) -> str:
    row = session.scalars(select(CalendarToken).where(CalendarToken.user_id == user.id)).first()
    if row is None:
        row = CalendarToken(user_id=user.id, token=secrets.token_urlsafe(24))
        session.add(row)
    elif reset:
        row.token = secrets.token_urlsafe(24)
    session.flush()
    return row.token


def user_of_token(session: Session, token: str) -> User | None:
    row = session.scalars(select(CalendarToken).where(CalendarToken.token == token)).first()
    if row is None or not row.user or not row.user.is_active:
        return None
    return row.user


def ics_feed(session: Session, user: User, now: datetime, base_url: str) -> bytes:
    """An RFC 5545 calendar of the user's classes from 60 days back to a year ahead."""
    cal = Calendar()
    cal.add("prodid", "-//lms//Lich lop hoc//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Lịch học (lms)")
    cal.add("x-wr-timezone", school_tz())
    items = readable_links(session, user, roles_of(session, user),
                           items_for_classes(session, feed_class_ids(session, user), now - timedelta(days=60),
                                             now + timedelta(days=366)), now)
    for item in items:
        event = IcsEvent()
        event.add("uid", item.uid)
        event.add("dtstamp", now)
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.ends_at or item.starts_at + timedelta(minutes=45))
        event.add("summary", f"[{item.class_name}] {item.title}")
        event.add("categories", [item.kind])
        if item.link:
            event.add("url", base_url.rstrip("/") + item.link)
        cal.add_component(event)
    return cal.to_ical()
