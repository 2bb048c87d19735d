"""Reading the audit trail: who on staff read a pupil's data, and what happened in a school over a
period — what a breach investigation asks first (docs/breach-response.md), and what a parent may
ask under Law 91/2025/QH15.

A read is recorded against what was read (lms/core/audited.py): the pupil's profile, or one of the
pupil's records (an attempt, an invoice, a homework hand-in…), or a list that shows the pupil among
others (the class's grade book, the exam's results, the school's invoices). `reads_of_pupil`
gathers all three, so the answer to "who saw this child's data" is complete.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.models import AuditLog
from lms.db import Base
from lms.i18n import lazy_gettext as _l
from lms.people.models import School, Student

# kind of record read -> its table, found by the pupil's id in `student_id`
OWN_RECORDS = {"attempt": "attempts", "invoice": "invoices", "payment": "payments", "submission": "submissions",
               "report_card": "report_cards", "exemption": "exemptions"}
SCHOOL_LISTS = ("invoices", "payments")
LIMIT = 5000
# What a row of the trail is about, in the reader's words (the trail stores a code: "student", …).
SUBJECTS = {
    "student": _l("Học sinh"), "user": _l("Tài khoản"), "staff": _l("Cán bộ, giáo viên"),
    "students": _l("Danh sách học sinh"), "school": _l("Trường"), "school_year": _l("Năm học"),
    "class": _l("Lớp"), "class_records": _l("Hồ sơ lớp"), "attendance": _l("Điểm danh của lớp"),
    "course": _l("Môn học của lớp"), "course_grades": _l("Sổ điểm môn"), "course_progress": _l("Tiến độ môn"),
    "exam": _l("Bài thi"), "exam_results": _l("Kết quả bài thi"), "attempt": _l("Bài làm"),
    "question_category": _l("Nhóm câu hỏi"), "lesson": _l("Bài học"), "assignment": _l("Bài tập về nhà"),
    "homework": _l("Bài tập về nhà"), "submission": _l("Bài nộp"), "submission_file": _l("Tệp bài nộp"),
    "invoice": _l("Hoá đơn"), "invoices": _l("Danh sách hoá đơn"), "payment": _l("Khoản thu"),
    "payments": _l("Danh sách khoản thu"), "exemption": _l("Miễn giảm"), "fee_type": _l("Loại phí"),
    "fee_plan": _l("Mức thu"), "bank_transaction": _l("Giao dịch ngân hàng"), "billing_task": _l("Việc cần xử lý"),
    "channel": _l("Kênh thanh toán"), "callback": _l("Thông báo từ cổng thanh toán"),
    "payment_report": _l("Báo đã thanh toán"), "report_card": _l("Học bạ"), "invitation": _l("Lời mời"),
    "leave": _l("Đơn xin nghỉ"), "school_day_off": _l("Ngày nghỉ của trường"),
}


@dataclass
class Entry:
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    subject: str
    route: str | None
    ip: str | None


def _t(name: str) -> Table:
    return Base.metadata.tables[name]


def _ids(session: Session, query) -> list[int]:
    return list(session.scalars(query)) or [0]


def _pupil_subjects(session: Session, student: Student):
    """(subject_type, ids) pairs that are the pupil or show the pupil's data."""
    out = [("student", [student.id])]
    for kind, table in OWN_RECORDS.items():
        t = _t(table)
        out.append((kind, _ids(session, select(t.c.id).where(t.c.student_id == student.id))))
    submissions = _t("submissions")
    files = _t("submission_files")
    out.append(("submission_file", _ids(session, select(files.c.id).join(submissions, files.c.submission_id == submissions.c.id)
                                        .where(submissions.c.student_id == student.id))))
    out.append(("homework", _ids(session, select(submissions.c.assignment_id).where(submissions.c.student_id == student.id))))
    attempts = _t("attempts")
    out.append(("exam_results", _ids(session, select(attempts.c.exam_id).where(attempts.c.student_id == student.id))))
    enrollments, courses = _t("enrollments"), _t("courses")
    class_ids = _ids(session, select(enrollments.c.class_id).where(enrollments.c.student_id == student.id))
    out += [("class_records", class_ids), ("attendance", class_ids)]
    course_ids = _ids(session, select(courses.c.id).where(courses.c.class_id.in_(class_ids)))
    out += [("course_grades", course_ids), ("course_progress", course_ids)]
    return out


def reads_of_pupil(session: Session, school: School, student: Student) -> list[AuditLog]:
    """Every audited staff read that showed this pupil's data, newest first."""
    conditions = [and_(AuditLog.subject_type == kind, AuditLog.subject_id.in_(ids))
                  for kind, ids in _pupil_subjects(session, student)]
    conditions.append(and_(AuditLog.subject_type.in_(SCHOOL_LISTS), AuditLog.school_id == school.id))
    return list(session.scalars(select(AuditLog).where(AuditLog.action.like("view_%"), or_(*conditions))
                                .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(LIMIT)))


def school_trail(session: Session, school: School, *, since: datetime, until: datetime,
                 reads_only: bool = False) -> list[AuditLog]:
    """Everything recorded for the school in [since, until), newest first."""
    query = select(AuditLog).where(AuditLog.school_id == school.id, AuditLog.at >= since, AuditLog.at < until)
    if reads_only:
        query = query.where(AuditLog.action.like("view_%"))
    return list(session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(LIMIT)))


def subject_text(kind: str | None, subject_id: int | None, names: dict[tuple[str, int], str]) -> str:
    """"Học sinh Nguyễn Văn An (#12)": the kind in the reader's words, the person's name where it is one."""
    if not kind:
        return "—"
    label = str(SUBJECTS.get(kind, _l("Bản ghi")))
    if subject_id is None:
        return label
    name = names.get((kind, subject_id))
    return f"{label} {name} (#{subject_id})" if name else f"{label} #{subject_id}"


def entries(session: Session, rows: list[AuditLog]) -> list[Entry]:
    """Rows with the actor's name (an erased or removed account shows its id) and what each is
    about in words, with the pupil's or account's name."""
    users = {r.actor_id for r in rows if r.actor_id} | {r.subject_id for r in rows if r.subject_type == "user"}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(users or {0}))).all())
    pupils = {r.subject_id for r in rows if r.subject_type == "student" and r.subject_id}
    subjects = {("user", i): n for i, n in names.items()}
    subjects.update({("student", i): n for i, n in session.execute(
        select(Student.id, Student.full_name).where(Student.id.in_(pupils or {0}))).all()})
    return [Entry(at=r.at, actor_id=r.actor_id, actor=names.get(r.actor_id, f"#{r.actor_id}" if r.actor_id else "—"),
                  action=r.action, subject=subject_text(r.subject_type, r.subject_id, subjects), route=r.route,
                  ip=r.ip) for r in rows]
