"""Who may see which class, course, student or account. The one place these rules live."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.people.models import Course, DepartmentViewer, Enrollment, Membership, SchoolClass, Student


def teaches_class(session: Session, user: User, school_class: SchoolClass) -> bool:
    if school_class.homeroom_teacher_id == user.id:
        return True
    return bool(session.scalar(select(exists().where(Course.class_id == school_class.id,
                                                     Course.teacher_id == user.id))))


def can_view_class(session: Session, user: User, role: str, school_class: SchoolClass) -> bool:
    return role == "admin" or (role == "teacher" and teaches_class(session, user, school_class))


def can_view_student(session: Session, user: User, role: str, student: Student) -> bool:
    """Admins see every student of their school; a teacher those of the classes they teach."""
    if role == "admin":
        return True
    if role != "teacher":
        return False
    class_ids = select(Enrollment.class_id).where(Enrollment.student_id == student.id)
    homeroom = select(exists().where(SchoolClass.id.in_(class_ids), SchoolClass.homeroom_teacher_id == user.id))
    teaching = select(exists().where(Course.class_id.in_(class_ids), Course.teacher_id == user.id))
    return bool(session.scalar(homeroom) or session.scalar(teaching))


def can_view_course(session: Session, user: User, role: str, course: Course) -> bool:
    if role == "admin":
        return True
    if role == "teacher":
        return course.teacher_id == user.id or course.school_class.homeroom_teacher_id == user.id
    if role == "student":
        return bool(session.scalar(select(exists().where(Enrollment.class_id == course.class_id,
                                                         Enrollment.student_id == Student.id,
                                                         Student.user_id == user.id))))
    return False


def can_manage_account(session: Session, actor: User, target: User, school_id: int) -> bool:
    """A school admin manages accounts of its own people, but never an account that holds
    power elsewhere (an admin of another school, a department official): that would let one
    school take over another."""
    if target.id == actor.id:
        return False
    elsewhere = session.scalar(select(exists().where(Membership.user_id == target.id,
                                                     Membership.school_id != school_id,
                                                     Membership.role == "admin")))
    official = session.scalar(select(exists().where(DepartmentViewer.user_id == target.id)))
    return not elsewhere and not official
