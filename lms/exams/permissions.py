"""Who may use which bank category, question, exam and attempt. The one place these rules live."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from lms.auth.models import User
from lms.core.errors import Forbidden, NotFound
from lms.exams.models import Attempt, CategoryShare, Exam, ExamCourse, QuestionCategory
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Enrollment, School, SchoolYear, Student


def category_access(session: Session, user: User, role: str, category: QuestionCategory) -> str | None:
    """"edit", "use" or None. Admins and the owner edit; colleagues it is shared with use or edit."""
    if role == "admin" or category.owner_id == user.id:
        return "edit"
    if role != "teacher":
        return None
    share = session.scalars(select(CategoryShare).where(CategoryShare.category_id == category.id,
                                                        CategoryShare.user_id == user.id)).first()
    if share is None:
        return None
    return "edit" if share.can_edit else "use"


def require_category(session: Session, user: User, role: str, category: QuestionCategory, *, edit: bool) -> None:
    access = category_access(session, user, role, category)
    if access is None:
        raise NotFound(_l("Không tìm thấy danh mục câu hỏi."))
    if edit and access != "edit":
        raise Forbidden(_l("Danh mục này chỉ được chia sẻ để dùng, không được sửa."))


def can_manage_exam(user: User, role: str, exam: Exam) -> bool:
    return role == "admin" or (role == "teacher" and exam.created_by == user.id)


def require_exam(user: User, role: str, exam: Exam) -> None:
    if not can_manage_exam(user, role, exam):
        raise NotFound(_l("Không tìm thấy bài thi."))


def sits_exam(session: Session, student: Student, exam: Exam) -> bool:
    """A pupil sits an exam set for a class they are in this year."""
    return bool(session.scalar(select(exists().where(
        ExamCourse.exam_id == exam.id, ExamCourse.course_id == Course.id, Course.class_id == Enrollment.class_id,
        Enrollment.student_id == student.id, Enrollment.school_year_id == SchoolYear.id,
        SchoolYear.is_current.is_(True)))))


def own_attempt(session: Session, user_id: int, attempt_id: int, school: School | None = None) -> Attempt:
    """The signed-in pupil's own attempt (in this school, when one is acting); anyone else's id is
    a 404. One query with ownership in it: the autosave runs this on every request."""
    stmt = select(Attempt).join(Student, Student.id == Attempt.student_id).where(
        Attempt.id == attempt_id, Student.user_id == user_id).options(joinedload(Attempt.exam).lazyload(Exam.subject))
    if school is not None:
        stmt = stmt.where(Student.school_id == school.id)
    attempt = session.scalars(stmt).first()
    if attempt is None:
        raise NotFound(_l("Không tìm thấy bài làm."))
    return attempt


def pupils_of_exam(session: Session, exam: Exam) -> list[tuple[Student, Course]]:
    """Every pupil who sits the exam, with the course they sit it in, in roster order."""
    course_ids = [link.course_id for link in exam.courses]
    rows = session.execute(select(Student, Course).join(Enrollment, Enrollment.student_id == Student.id)
                           .join(Course, Course.class_id == Enrollment.class_id)
                           .where(Course.id.in_(course_ids or [0])).order_by(Student.sort_name)).all()
    return sorted(((s, c) for s, c in rows), key=lambda row: (row[1].school_class.name, row[0].sort_name))
