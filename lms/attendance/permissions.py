"""Who may take which register and decide which leave request. The one place these rules live."""
from __future__ import annotations

from lms.auth.models import User
from lms.core.errors import NotFound
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, SchoolClass


def keeps_class(user: User, role: str, school_class: SchoolClass) -> bool:
    """The homeroom teacher and the school's admins: whole-day registers, any period, the month
    grid, leave requests."""
    return role == "admin" or (role == "teacher" and school_class.homeroom_teacher_id == user.id)


def teaches_class(user: User, role: str, courses: list[Course]) -> bool:
    """A subject teacher takes the registers of their own periods in the class."""
    return role == "teacher" and any(c.teacher_id == user.id for c in courses)


def may_take(user: User, role: str, school_class: SchoolClass, courses: list[Course], period: int,
             course: Course | None) -> bool:
    if keeps_class(user, role, school_class):
        return True
    return period > 0 and course is not None and course.teacher_id == user.id and course in courses


def require_keeper(user: User, role: str, school_class: SchoolClass) -> None:
    if not keeps_class(user, role, school_class):
        raise NotFound(_l("Không tìm thấy lớp."))
