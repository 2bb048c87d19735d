"""Who may manage or see a course, a lesson and a library file. The one place these rules live."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import Forbidden, NotFound
from lms.courses.models import Lesson, LessonResource, Resource
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Enrollment, School, Student
from lms.people.permissions import can_view_course


def can_manage_course(user: User, role: str, course: Course) -> bool:
    """The course's teacher and the school's admins edit its plan and lessons."""
    return role == "admin" or (role == "teacher" and course.teacher_id == user.id)


def require_course_view(session: Session, user: User, role: str, course: Course) -> None:
    if not can_view_course(session, user, role, course):
        raise NotFound(_l("Không tìm thấy môn học của lớp."))


def _pupil(session: Session, school: School, user: User) -> Student | None:
    return session.scalars(select(Student).where(Student.school_id == school.id, Student.user_id == user.id)).first()


def pupil_of(session: Session, school: School, user: User) -> Student:
    student = _pupil(session, school, user)
    if student is None:
        raise Forbidden(_l("Tài khoản này không gắn với học sinh nào của trường."))
    return student


def can_open_resource(session: Session, user: User, role: str, school: School, resource: Resource,
                      now: datetime) -> bool:
    """Staff open any file of their library (and shared ones); a pupil only files of lessons
    published, and homework set, in their own class's courses."""
    if role in ("admin", "teacher"):
        return True
    if role != "student":
        return False
    student = _pupil(session, school, user)
    if student is None:
        return False
    from lms.courses.models import Assignment, AssignmentCourse, AssignmentResource

    in_lesson = exists().where(
        LessonResource.resource_id == resource.id, LessonResource.lesson_id == Lesson.id,
        Lesson.publish_at <= now, Lesson.course_id == Course.id, Course.class_id == Enrollment.class_id,
        Enrollment.student_id == student.id)
    in_homework = exists().where(
        AssignmentResource.resource_id == resource.id, AssignmentResource.assignment_id == Assignment.id,
        Assignment.published_at.is_not(None), Assignment.open_at <= now,
        AssignmentCourse.assignment_id == Assignment.id, AssignmentCourse.course_id == Course.id,
        Course.class_id == Enrollment.class_id, Enrollment.student_id == student.id)
    return bool(session.scalar(select(in_lesson | in_homework)))


def can_read_class(session: Session, user: User, role: str, school: School | None, class_id: int,
                   school_id: int) -> bool:
    """Who reads what is posted to a class: its pupils, their parents (in any school), and the
    staff who may see the class."""
    from lms.courses.comms import current_class_ids
    from lms.people.models import Guardianship, SchoolClass
    from lms.people.permissions import can_view_class

    if role == "parent":
        child_ids = list(session.scalars(select(Guardianship.student_id).where(Guardianship.guardian_id == user.id)))
        return class_id in current_class_ids(session, child_ids)
    if school is None or school.id != school_id:
        return False
    if role == "student":
        pupil_ids = list(session.scalars(select(Student.id).where(Student.user_id == user.id,
                                                                  Student.school_id == school.id)))
        return class_id in current_class_ids(session, pupil_ids)
    school_class = session.get(SchoolClass, class_id)
    return school_class is not None and can_view_class(session, user, role, school_class)
