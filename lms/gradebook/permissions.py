"""Who may read and write which part of the grade book. The one place these rules live."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import Forbidden, NotFound
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Guardianship, SchoolClass, Student


def can_edit_course(user: User, role: str, course: Course) -> bool:
    """The subject teacher and the school's admins enter a course's grades."""
    return role == "admin" or (role == "teacher" and course.teacher_id == user.id)


def can_view_course(user: User, role: str, course: Course) -> bool:
    """…and the class's homeroom teacher reads them."""
    return can_edit_course(user, role, course) or (
        role == "teacher" and course.school_class.homeroom_teacher_id == user.id)


def require_course(user: User, role: str, course: Course, *, edit: bool) -> None:
    if not can_view_course(user, role, course):
        raise NotFound(_l("Không tìm thấy môn học của lớp."))
    if edit and not can_edit_course(user, role, course):
        raise Forbidden(_l("Chỉ giáo viên bộ môn và quản trị trường được nhập điểm môn này."))


def can_keep_class(user: User, role: str, school_class: SchoolClass) -> bool:
    """Conduct, attendance, the class summary and report cards: the homeroom teacher and admins."""
    return role == "admin" or (role == "teacher" and school_class.homeroom_teacher_id == user.id)


def require_class(user: User, role: str, school_class: SchoolClass) -> None:
    if not can_keep_class(user, role, school_class):
        raise NotFound(_l("Không tìm thấy lớp."))


def child_of(session: Session, parent: User, student_id: int) -> Student:
    """A parent's own child, in any school; another family's child is a 404."""
    student = session.scalars(select(Student).join(Guardianship, Guardianship.student_id == Student.id)
                              .where(Student.id == student_id, Guardianship.guardian_id == parent.id)).first()
    if student is None:
        raise NotFound(_l("Không tìm thấy học sinh."))
    return student
