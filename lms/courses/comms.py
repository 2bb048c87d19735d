"""Announcements to a class or a course, and two-way messages between a teacher and a parent about
one child. Both notify in the app (and by e-mail when configured)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.cards import refuse_card_numbers
from lms.core.errors import Forbidden, NotFound, ValidationError
from lms.core.notify import notify
from lms.core.text import nfc_text
from lms.courses.models import Announcement, Message, MessageThread
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Course, Enrollment, Guardianship, SchoolClass, SchoolYear, Student

TITLE_MAX = 200
BODY_MAX = 5000


def _text(value: str, field: str, limit: int, empty) -> str:
    text = nfc_text(value or "").strip()
    if not text:
        raise ValidationError(empty, field=field)
    if len(text) > limit:
        raise ValidationError(ngettext("Dài quá %(n)s ký tự.", "Dài quá %(n)s ký tự.", limit, n=limit), field=field)
    refuse_card_numbers(**{field: text})   # a full card number is never stored (PCI DSS 3.3.1)
    return text


def post_announcement(session: Session, actor: User, school_class: SchoolClass, course: Course | None,
                      title: str, body: str) -> Announcement:
    """Post to the class (course None) or to one course of it; notifies its pupils and parents."""
    title = _text(title, "title", TITLE_MAX, _l("Nhập tiêu đề thông báo."))
    body = _text(body, "body", BODY_MAX, _l("Nhập nội dung thông báo."))
    if course is not None and course.class_id != school_class.id:
        raise ValidationError(_l("Môn học đã chọn không thuộc lớp này."), field="course_id")
    row = Announcement(school_id=school_class.school_id, class_id=school_class.id,
                       course_id=course.id if course else None, author_id=actor.id, title=title, body=body)
    session.add(row)
    session.flush()
    pupils = [s.user for s in session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id)
                                              .where(Enrollment.class_id == school_class.id)) if s.user]
    notify(session, pupils + guardians_of_class(session, school_class.id), "announcement",
           {"author": actor.full_name, "title": title, "body": body, "class": school_class.name},
           f"/announcements/{row.id}", school_class.school_id)
    return row


def guardians_of_class(session: Session, class_id: int) -> list[User]:
    rows = session.scalars(select(Guardianship).join(Enrollment, Enrollment.student_id == Guardianship.student_id)
                           .where(Enrollment.class_id == class_id))
    return [g.guardian for g in rows]


def announcements_for_classes(session: Session, class_ids: list[int], limit: int = 20) -> list[Announcement]:
    if not class_ids:
        return []
    return list(session.scalars(select(Announcement).where(Announcement.class_id.in_(class_ids))
                                .order_by(Announcement.id.desc()).limit(limit)))


def announcements_of_course(session: Session, course: Course, limit: int = 20) -> list[Announcement]:
    return list(session.scalars(select(Announcement).where(
        Announcement.class_id == course.class_id,
        or_(Announcement.course_id.is_(None), Announcement.course_id == course.id))
        .order_by(Announcement.id.desc()).limit(limit)))


def current_class_ids(session: Session, student_ids: list[int]) -> list[int]:
    if not student_ids:
        return []
    return list(session.scalars(select(Enrollment.class_id).join(SchoolYear)
                                .where(Enrollment.student_id.in_(student_ids), SchoolYear.is_current.is_(True))))


# ---------------------------------------------------------------- messages

def teaches_student(session: Session, teacher: User, student: Student) -> bool:
    class_ids = select(Enrollment.class_id).where(Enrollment.student_id == student.id)
    return bool(session.scalar(select(
        exists().where(Course.class_id.in_(class_ids), Course.teacher_id == teacher.id)
        | exists().where(SchoolClass.id.in_(class_ids), SchoolClass.homeroom_teacher_id == teacher.id))))


def teachers_of_student(session: Session, student: Student) -> list[User]:
    """The child's homeroom teacher and subject teachers this year, each once."""
    class_ids = current_class_ids(session, [student.id])
    out: dict[int, User] = {}
    for school_class in session.scalars(select(SchoolClass).where(SchoolClass.id.in_(class_ids or [0]))):
        if school_class.homeroom_teacher:
            out[school_class.homeroom_teacher.id] = school_class.homeroom_teacher
    for course in session.scalars(select(Course).where(Course.class_id.in_(class_ids or [0]),
                                                       Course.teacher_id.is_not(None))):
        out.setdefault(course.teacher.id, course.teacher)
    return list(out.values())


def start_thread(session: Session, actor: User, student: Student, teacher: User, parent: User) -> MessageThread:
    """The conversation of this teacher and this parent about this child (created once)."""
    is_guardian = session.scalar(select(exists().where(Guardianship.guardian_id == parent.id,
                                                       Guardianship.student_id == student.id)))
    if not is_guardian:
        raise NotFound(_l("Không tìm thấy phụ huynh của học sinh này."))
    if not teaches_student(session, teacher, student):
        raise Forbidden(_l("Giáo viên này không dạy học sinh này."))
    if actor.id not in (teacher.id, parent.id):
        raise Forbidden(_l("Bạn không tham gia cuộc trao đổi này."))
    thread = session.scalars(select(MessageThread).where(MessageThread.student_id == student.id,
                                                         MessageThread.teacher_id == teacher.id,
                                                         MessageThread.parent_id == parent.id)).first()
    if thread is None:
        thread = MessageThread(school_id=student.school_id, student_id=student.id, teacher_id=teacher.id,
                               parent_id=parent.id)
        session.add(thread)
        session.flush()
    return thread


def thread_for(session: Session, user: User, thread_id: int) -> MessageThread:
    thread = session.get(MessageThread, thread_id)
    if thread is None or user.id not in (thread.teacher_id, thread.parent_id):
        raise NotFound(_l("Không tìm thấy cuộc trao đổi."))
    return thread


def send_message(session: Session, actor: User, thread: MessageThread, body: str, now: datetime) -> Message:
    if actor.id not in (thread.teacher_id, thread.parent_id):
        raise Forbidden(_l("Bạn không tham gia cuộc trao đổi này."))
    text = _text(body, "body", BODY_MAX, _l("Nhập nội dung tin nhắn."))
    message = Message(thread_id=thread.id, sender_id=actor.id, body=text, created_at=now)
    session.add(message)
    thread.last_message_at = now
    if actor.id == thread.teacher_id:
        thread.teacher_read_at = now
        other = thread.parent
    else:
        thread.parent_read_at = now
        other = thread.teacher
    session.flush()
    notify(session, [other], "message", {"sender": actor.full_name, "student": thread.student.full_name},
           f"/messages/{thread.id}", thread.school_id)
    return message


def mark_thread_read(session: Session, user: User, thread: MessageThread, now: datetime) -> None:
    if user.id == thread.teacher_id:
        thread.teacher_read_at = now
    elif user.id == thread.parent_id:
        thread.parent_read_at = now
    session.flush()


def threads_of(user: User, school_id: int | None = None):
    """The query of the user's conversations, the latest message first."""
    stmt = select(MessageThread).where(or_(MessageThread.teacher_id == user.id, MessageThread.parent_id == user.id))
    if school_id is not None:
        stmt = stmt.where(MessageThread.school_id == school_id)
    return stmt.order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())


def is_unread(thread: MessageThread, user: User) -> bool:
    seen = thread.teacher_read_at if user.id == thread.teacher_id else thread.parent_read_at
    return seen is None or seen < thread.last_message_at
