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


def managed_school_ids(session: Session, actor: User) -> set[int]:
    """The schools whose accounts this person administers: those where they are the school's
    admin, and every school under a department they administer (and its sub-departments)."""
    from lms.people.services import schools_under

    ids = set(session.scalars(select(Membership.school_id).where(Membership.user_id == actor.id,
                                                                  Membership.role == "admin")))
    for link in session.scalars(select(DepartmentViewer).where(DepartmentViewer.user_id == actor.id,
                                                               DepartmentViewer.role == "admin")):
        ids.update(schools_under(session, link.department))
    return ids


def wholly_within(session: Session, target: User, school_ids: set[int] | frozenset[int]) -> bool:
    """True when every role the account holds is in these schools (and it holds at least one),
    and it is no department official's account."""
    schools = set(session.scalars(select(Membership.school_id).where(Membership.user_id == target.id)))
    if not schools or not schools <= set(school_ids):
        return False
    return not session.scalar(select(exists().where(DepartmentViewer.user_id == target.id)))


def can_manage_account(session: Session, actor: User, target: User, school_ids: set[int] | None = None) -> bool:
    """Whether `actor` may give the account a one-time password link, lock or unlock it, or end its
    sessions: only when every one of the account's roles is in schools the actor administers.
    A parent with a child in another school, or a teacher who also teaches elsewhere, is managed by
    nobody at one school alone (their department's administrator, or they themselves by e-mail):
    otherwise one school could take over an account that acts in another."""
    if target.id == actor.id:
        return False
    managed = managed_school_ids(session, actor) if school_ids is None else school_ids
    return wholly_within(session, target, managed)


def manageable_among(session: Session, actor: User, user_ids: list[int]) -> set[int]:
    """Of these accounts, those `actor` may manage (see can_manage_account), in two queries: for
    the buttons of a list page."""
    managed = managed_school_ids(session, actor)
    schools: dict[int, set[int]] = {}
    for uid, sid in session.execute(select(Membership.user_id, Membership.school_id)
                                    .where(Membership.user_id.in_(user_ids or [0]))):
        schools.setdefault(uid, set()).add(sid)
    officials = set(session.scalars(select(DepartmentViewer.user_id).where(DepartmentViewer.user_id.in_(user_ids or [0]))))
    return {uid for uid, ids in schools.items() if ids <= managed and uid not in officials and uid != actor.id}
