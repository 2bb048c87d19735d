"""Fixing what stops a pupil's transcript: the personal identification number (số định danh cá
nhân) and the lifelong learning-record code, typed by the homeroom teacher or the admin for the
pupils of a class. Every row is checked first; with any error nothing is saved."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.personal_ids import personal_id_problem
from lms.gradebook.transcript.record import id_disagreements
from lms.gradebook.transcript.workflow import require_class
from lms.i18n import lazy_gettext as _l
from lms.people.models import SchoolClass, Student

RECORD_CODE = re.compile(r"[0-9A-Za-z.\-]{1,30}")


@dataclass
class Entry:
    student_id: int
    personal_id: str
    record_code: str


@dataclass
class Result:
    changed: int = 0
    errors: dict[int, str] = field(default_factory=dict)
    # Pupils whose issued transcript carries the number just replaced: (name, the number it carries).
    issued_with_old: list[tuple[str, str]] = field(default_factory=list)


def _clean(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def save(session: Session, actor: User, role: str, school_class: SchoolClass, entries: list[Entry], *,
         now: datetime) -> Result:
    require_class(actor, role, school_class)
    from lms.people import services as people

    pupils = {s.id: s for s in people.students_of_class(session, school_class)}
    result = Result()
    wanted: dict[int, tuple[str | None, str | None]] = {}
    for e in entries:
        student = pupils.get(e.student_id)
        if student is None:
            continue
        pid, code = _clean(e.personal_id) or None, (e.record_code or "").strip() or None
        problem = personal_id_problem(pid) if pid else None
        if problem:
            result.errors[e.student_id] = problem[:1].upper() + problem[1:] + "."
            continue
        disagree = id_disagreements(pid, student.gender, student.birth_date) if pid else []
        if disagree:   # nothing is saved while a number contradicts the profile (fix whichever is wrong)
            text = "; ".join(disagree)
            result.errors[e.student_id] = text[:1].upper() + text[1:] + "."
        if code and not RECORD_CODE.fullmatch(code):
            result.errors[e.student_id] = str(_l("Mã hồ sơ học tập chỉ gồm chữ, số, dấu chấm, gạch ngang; tối đa 30 ký tự."))
            continue
        wanted[e.student_id] = (pid, code)
    taken = {}
    for pid_owner in session.scalars(select(Student).where(Student.school_id == school_class.school_id,
                                                           Student.personal_id.in_([p for p, _c in wanted.values() if p]
                                                                                   or ["-"]))):
        taken[pid_owner.personal_id] = pid_owner
    seen: dict[str, int] = {}
    for student_id, (pid, _code) in wanted.items():
        if not pid:
            continue
        owner = taken.get(pid)
        if (owner is not None and owner.id != student_id) or seen.get(pid, student_id) != student_id:
            other = owner.full_name if owner is not None and owner.id != student_id else pupils[seen[pid]].full_name
            said = str(_l("Số định danh %(v)s đã ghi cho %(n)s.", v=pid, n=other))
            result.errors[student_id] = f"{result.errors[student_id]} {said}" if student_id in result.errors else said
        seen.setdefault(pid, student_id)
    if result.errors:
        return result
    for student_id, (pid, code) in wanted.items():
        student = pupils[student_id]
        if (student.personal_id, student.record_code) == (pid, code):
            continue
        student.personal_id, student.record_code = pid, code
        result.changed += 1
        old = issued_personal_id(session, student)
        if old is not None and old != (pid or ""):
            result.issued_with_old.append((student.full_name, old))
        audit.record(session, "student_identity_changed", actor_id=actor.id, school_id=school_class.school_id,
                     subject_type="student", subject_id=student_id, detail="personal_id/record_code")
    session.flush()
    return result


def issued_personal_id(session: Session, student: Student) -> str | None:
    """The personal ID number the pupil's issued transcripts carry (the newest issued version of
    any year); None when none is issued. A number changed since must be corrected into them."""
    from lms.gradebook.transcript.models import State, Transcript
    from lms.gradebook.transcript.workflow import record_of

    t = session.scalars(select(Transcript).where(Transcript.student_id == student.id, Transcript.state == State.ISSUED,
                                                 Transcript.record.is_not(None))
                        .order_by(Transcript.id.desc())).first()
    return None if t is None else str(record_of(t)["record"].get("sodinhdanhcanhan") or "")
