"""What each role's home page shows, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.courses import comms, lessons
from lms.people.models import (Course, Enrollment, Guardianship, Membership, Role, School, SchoolClass,
                               SchoolYear, Student, Subject)
from lms.people.services import class_sizes, courses_of_class, current_year


def role_counts(session: Session, school_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {sid: {} for sid in school_ids}
    if not school_ids:
        return out
    for sid, role, n in session.execute(select(Membership.school_id, Membership.role, func.count())
                                        .where(Membership.school_id.in_(school_ids))
                                        .group_by(Membership.school_id, Membership.role)):
        out[sid][role] = n
    for sid, n in session.execute(select(SchoolClass.school_id, func.count()).join(SchoolYear)
                                  .where(SchoolClass.school_id.in_(school_ids), SchoolYear.is_current.is_(True))
                                  .group_by(SchoolClass.school_id)):
        out[sid]["classes"] = n
    for sid, n in session.execute(select(Student.school_id, func.count()).where(Student.school_id.in_(school_ids))
                                  .group_by(Student.school_id)):
        out[sid]["students"] = n
    return out


@dataclass
class AdminHome:
    counts: dict[str, int]
    year: SchoolYear | None
    checklist: list[tuple[str, bool, str]]
    consent: tuple[int, int]


def admin_home(session: Session, school: School) -> AdminHome:
    year = current_year(session, school)
    counts = role_counts(session, [school.id])[school.id]
    counts["subjects"] = session.scalar(select(func.count()).select_from(Subject)
                                        .where(Subject.school_id == school.id)) or 0
    counts["courses"] = session.scalar(select(func.count()).select_from(Course).join(SchoolClass)
                                       .where(Course.school_id == school.id,
                                              SchoolClass.school_year_id == (year.id if year else 0))) or 0
    given = session.scalar(select(func.count()).select_from(Guardianship).join(Student)
                           .where(Student.school_id == school.id, Guardianship.consent.is_(True))) or 0
    total = session.scalar(select(func.count()).select_from(Guardianship).join(Student)
                           .where(Student.school_id == school.id)) or 0
    checklist = [
        ("details", bool(school.tax_code and school.address), "people.school_edit"),
        ("bank", bool(school.bank_bin and school.bank_account_number), "people.school_edit"),
        ("year", year is not None, "people.years"),
        ("subjects", counts["subjects"] > 0, "people.subjects"),
        ("classes", counts.get("classes", 0) > 0, "people.classes"),
        ("staff", counts.get(Role.TEACHER, 0) > 0, "people.staff"),
        ("students", counts.get("students", 0) > 0, "people.students"),
        ("courses", counts["courses"] > 0, "people.courses"),
    ]
    return AdminHome(counts, year, checklist, (given, total))


@dataclass
class TeacherHome:
    homeroom: list[tuple[SchoolClass, int]]
    courses: list[Course]
    sizes: dict[int, int]


def teacher_home(session: Session, school: School, teacher: User) -> TeacherHome:
    year = current_year(session, school)
    year_id = year.id if year else 0
    homeroom = list(session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                              SchoolClass.school_year_id == year_id,
                                                              SchoolClass.homeroom_teacher_id == teacher.id)
                                    .order_by(SchoolClass.grade, SchoolClass.name)))
    courses = list(session.scalars(select(Course).join(SchoolClass).join(Subject)
                                   .where(Course.school_id == school.id, Course.teacher_id == teacher.id,
                                          SchoolClass.school_year_id == year_id)
                                   .order_by(SchoolClass.grade, SchoolClass.name, Subject.name)))
    sizes = class_sizes(session, list({c.id for c in homeroom} | {c.class_id for c in courses}))
    return TeacherHome([(c, sizes.get(c.id, 0)) for c in homeroom], courses, sizes)


@dataclass
class StudentHome:
    student: Student | None
    school_class: SchoolClass | None
    courses: list[Course]
    completion: dict[int, tuple[int, int]] = field(default_factory=dict)
    upcoming: list = field(default_factory=list)
    news: list = field(default_factory=list)
    homework: list = field(default_factory=list)   # what is still to hand in, soonest due first


def student_home(session: Session, school: School, user: User) -> StudentHome:
    student = session.scalars(select(Student).where(Student.school_id == school.id, Student.user_id == user.id)).first()
    year = current_year(session, school)
    if student is None or year is None:
        return StudentHome(student, None, [])
    enrollment = session.scalars(select(Enrollment).where(Enrollment.student_id == student.id,
                                                          Enrollment.school_year_id == year.id)).first()
    if enrollment is None:
        return StudentHome(student, None, [])
    from lms.courses.homework import State, pupil_items

    courses = courses_of_class(session, enrollment.class_id)
    now = utcnow()
    todo = [i for i in pupil_items(session, [student], now)[student.id] if i.state in (State.NOT_DUE, State.RETURNED)]
    return StudentHome(student, enrollment.school_class, courses,
                       lessons.course_completion(session, student, courses, now),
                       lessons.upcoming_lessons(session, [enrollment.class_id], now),
                       comms.announcements_for_classes(session, [enrollment.class_id], limit=5), todo[:5])


@dataclass
class ChildRow:
    link: Guardianship
    school: School
    school_class: SchoolClass | None


def parent_home(session: Session, parent: User) -> list[ChildRow]:
    """Every child of the parent, across every school, with the class of the current year."""
    links = list(session.scalars(select(Guardianship).join(Student).where(Guardianship.guardian_id == parent.id)
                                 .order_by(Student.sort_name)))
    student_ids = [g.student_id for g in links]
    classes: dict[int, SchoolClass] = {}
    if student_ids:
        for enrollment in session.scalars(select(Enrollment).join(SchoolYear)
                                          .where(Enrollment.student_id.in_(student_ids),
                                                 SchoolYear.is_current.is_(True))):
            classes[enrollment.student_id] = enrollment.school_class
    schools = {s.id: s for s in session.scalars(select(School).where(
        School.id.in_([g.student.school_id for g in links] or [0])))}
    return [ChildRow(g, schools[g.student.school_id], classes.get(g.student_id)) for g in links]


def department_home(session: Session, school_ids: list[int]) -> list[tuple[School, dict[str, int]]]:
    schools = list(session.scalars(select(School).where(School.id.in_(school_ids or [0])).order_by(School.name)))
    counts = role_counts(session, [s.id for s in schools])
    return [(s, counts[s.id]) for s in schools]
