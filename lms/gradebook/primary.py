"""Primary assessment (Thông tư 27): subject levels, periodic test scores and comments per
checkpoint, and the qualities and competences the homeroom teacher rates."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.core.text import fold, nfc, nfc_text
from lms.gradebook import tt27
from lms.gradebook.book import (REASON_MAX, CellError, Field, Issue, Loaded, WriteResult, check_fresh, check_remark,
                                check_writable, record_write)
from lms.gradebook.labels import QUALITY_NAMES, REMARK
from lms.gradebook.models import GradeChange, PrimaryQuality, PrimaryRecord, TermLock
from lms.gradebook.permissions import require_class, require_course
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, SchoolClass, Student
from lms.people.services import students_of_class

TERM_OF_CHECKPOINT = {"gk1": 1, "ck1": 1, "gk2": 2, "cn": 2}
_SUBJECT_WORDS = {"t": "T", "htt": "T", "hoan thanh tot": "T", "h": "H", "ht": "H", "hoan thanh": "H",
                  "c": "C", "cht": "C", "chua hoan thanh": "C"}
_QUALITY_WORDS = {"t": "T", "tot": "T", "d": "D", "dat": "D", "c": "C", "ccg": "C", "can co gang": "C"}


def check_checkpoint(checkpoint: str) -> str:
    if checkpoint not in tt27.CHECKPOINTS:
        raise ValidationError(_l("Thời điểm đánh giá không hợp lệ."))
    return checkpoint


def parse_subject_level(text: str) -> str | None:
    value = fold(text).replace(".", "").strip()
    if not value:
        return None
    if value not in _SUBJECT_WORDS:
        raise CellError(_l("“%(v)s” không hợp lệ: nhập T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành).",
                           v=nfc(text)))
    return _SUBJECT_WORDS[value]


def parse_quality_level(text: str) -> str | None:
    value = fold(text).replace(".", "").strip()
    if not value:
        return None
    if value not in _QUALITY_WORDS:
        raise CellError(_l("“%(v)s” không hợp lệ: nhập T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng).", v=nfc(text)))
    return _QUALITY_WORDS[value]


def parse_test(text: str) -> int | None:
    value = nfc(text)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 10:
        raise CellError(_l("“%(v)s” không hợp lệ: điểm kiểm tra định kỳ là số nguyên từ 1 đến 10.", v=value))
    return int(value)


def tested(course: Course, checkpoint: str) -> bool:
    grade = course.school_class.grade
    row = next((g for g in course.subject.grades if g.grade == grade), None)
    return tt27.has_test(course.subject.code, grade, bool(row and row.periodic_test), checkpoint)


@dataclass
class PrimaryRow:
    student: Student
    records: dict[str, PrimaryRecord]      # checkpoint → record

    def record(self, checkpoint: str) -> PrimaryRecord | None:
        return self.records.get(checkpoint)


@dataclass
class PrimaryGrid:
    course: Course
    checkpoint: str
    has_test: bool
    rows: list[PrimaryRow]
    locked: TermLock | None   # the lock of the checkpoint's term, if locked


def records_by_student(session: Session, course_ids: list[int]) -> dict[tuple[int, int], dict[str, PrimaryRecord]]:
    out: dict[tuple[int, int], dict[str, PrimaryRecord]] = {}
    if course_ids:
        for r in session.scalars(select(PrimaryRecord).where(PrimaryRecord.course_id.in_(course_ids))):
            out.setdefault((r.course_id, r.student_id), {})[r.checkpoint] = r
    return out


def primary_grid(session: Session, course: Course, checkpoint: str) -> PrimaryGrid:
    from lms.gradebook.book import lock_of

    check_checkpoint(checkpoint)
    records = records_by_student(session, [course.id])
    rows = [PrimaryRow(s, records.get((course.id, s.id), {})) for s in students_of_class(session, course.school_class)]
    locked = lock_of(session, course.school_class.school_year_id, TERM_OF_CHECKPOINT[checkpoint])
    return PrimaryGrid(course, checkpoint, tested(course, checkpoint), rows, locked)


@dataclass
class PrimaryInput:
    """What was posted for a pupil (None: that field was not posted)."""
    student_id: int
    level: str | None = ""
    test: str | None = ""
    comment: str | None = ""


def primary_fields(grid: PrimaryGrid, rows: dict[int, PrimaryInput] | None = None) -> list[Field]:
    """The checkpoint's fields for the stale-page check (book.check_fresh), with what was posted."""
    rows, out = rows or {}, []
    for i, row in enumerate(grid.rows, start=1):
        rec, sid, name, item = row.record(grid.checkpoint), row.student.id, row.student.full_name, rows.get(row.student.id)
        at = rec.updated_at if rec is not None else None
        out.append(Field(f"l-{sid}", i, name, str(_l("Mức đạt được")), rec.level or "" if rec else "", at,
                         item.level if item else None, parse_subject_level))
        if grid.has_test:
            out.append(Field(f"t-{sid}", i, name, str(_l("Điểm KTĐK")),
                             str(rec.test_score) if rec and rec.test_score else "", at, item.test if item else None,
                             parse_test))
        out.append(Field(f"m-{sid}", i, name, str(_l("Nhận xét")), rec.comment or "" if rec else "", at,
                         item.comment if item else None, check_remark))
    return out


def save_primary(session: Session, actor: User, role: str, course: Course, checkpoint: str,
                 rows: list[PrimaryInput], *, now: datetime, reason: str = "", loaded: Loaded | None = None
                 ) -> WriteResult:
    """Save a checkpoint of a primary subject; all-or-nothing, every bad cell named. Only the
    fields the user changed are written; one a colleague saved since the page was opened
    (`loaded`) is refused (book.check_fresh)."""
    require_course(actor, role, course, edit=True)
    grid = primary_grid(session, course, checkpoint)
    reason = nfc(reason)[:REASON_MAX]
    by_id = {r.student.id: (i, r) for i, r in enumerate(grid.rows, start=1)}
    if any(item.student_id not in by_id for item in rows):
        raise ValidationError(_l("Có học sinh không thuộc lớp này; hãy tải lại trang."))
    edits = check_fresh(loaded, primary_fields(grid, {item.student_id: item for item in rows}))
    if not edits.changed:   # nothing to write: said as such, before a locked term asks for a reason
        return WriteResult(issues=list(edits.conflicts))
    after_lock = check_writable(session, role, course.school_class.school_year_id, TERM_OF_CHECKPOINT[checkpoint],
                                reason)
    result, clean = WriteResult(issues=list(edits.conflicts)), []
    for line, row in by_id.values():
        sid, record = row.student.id, row.record(checkpoint)
        if not edits.touched(f"l-{sid}", f"t-{sid}", f"m-{sid}"):
            continue
        level = record.level if record else None
        if f"l-{sid}" in edits.changed:
            try:
                level = parse_subject_level(edits.changed[f"l-{sid}"])
            except CellError as exc:
                result.issues.append(Issue(line, row.student.full_name, str(_l("Mức đạt được")),
                                           nfc(edits.changed[f"l-{sid}"]), str(exc.message)))
        test = record.test_score if record and grid.has_test else None
        if f"t-{sid}" in edits.changed:
            try:
                test = parse_test(edits.changed[f"t-{sid}"])
            except CellError as exc:
                result.issues.append(Issue(line, row.student.full_name, str(_l("Điểm KTĐK")),
                                           nfc(edits.changed[f"t-{sid}"]), str(exc.message)))
        comment = record.comment if record else ""
        if f"m-{sid}" in edits.changed:   # printed on the card: the grids' one check
            try:
                comment = check_remark(edits.changed[f"m-{sid}"])
            except CellError as exc:
                result.issues.append(Issue(line, row.student.full_name, str(_l("Nhận xét")),
                                           nfc_text(edits.changed[f"m-{sid}"]), str(exc.message)))
        clean.append((row, level, test, comment))
    if result.issues:
        return result
    for row, level, test, comment in clean:
        record = row.record(checkpoint)
        old = (record.level, record.test_score, record.comment) if record else (None, None, "")
        if old == (level, test, comment):
            continue
        if record is None:
            record = PrimaryRecord(school_id=course.school_id, course_id=course.id, student_id=row.student.id,
                                   checkpoint=checkpoint)
            session.add(record)
        record.level, record.test_score, record.comment = level, test, comment
        record.updated_by, record.updated_at = actor.id, now
        result.written += 1
        if old[:2] != (level, test) and (old[0] is not None or old[1] is not None or after_lock):
            session.add(GradeChange(school_id=course.school_id, course_id=course.id, student_id=row.student.id,
                                    what=f"{checkpoint}", old_value=f"{old[0] or ''}/{old[1] or ''}",
                                    new_value=f"{level or ''}/{test or ''}", after_lock=after_lock, reason=reason,
                                    actor_id=actor.id, at=now))
        if old[2] != comment and (old[2] or after_lock):   # a remark's correction, as the TT22 grid's
            session.add(GradeChange(school_id=course.school_id, course_id=course.id, student_id=row.student.id,
                                    what=f"{checkpoint}:{REMARK}", old_value=old[2], new_value=comment,
                                    after_lock=after_lock, reason=reason, actor_id=actor.id, at=now))
    session.flush()
    if result.written:
        record_write(session, actor, course.school_id, "course", course.id, after_lock=after_lock,
                     action="grades_saved", detail=f"{checkpoint}: {result.written}")
    return result


# ---------------------------------------------------------------- qualities and competences

QUALITY_CODES = tt27.QUALITIES + tt27.COMPETENCES


@dataclass
class QualityGrid:
    school_class: SchoolClass
    checkpoint: str
    rows: list[tuple[Student, dict[str, str]]]   # student, code → level
    locked: TermLock | None   # the lock of the checkpoint's term, if locked
    saved: dict[tuple[int, str], PrimaryQuality] = field(default_factory=dict)   # (student, code) → stored row


def qualities_by_student(session: Session, class_id: int, checkpoint: str | None = None
                         ) -> dict[int, dict[str, dict[str, str]]]:
    """student → checkpoint → code → level."""
    stmt = select(PrimaryQuality).where(PrimaryQuality.class_id == class_id)
    if checkpoint:
        stmt = stmt.where(PrimaryQuality.checkpoint == checkpoint)
    out: dict[int, dict[str, dict[str, str]]] = {}
    for q in session.scalars(stmt):
        out.setdefault(q.student_id, {}).setdefault(q.checkpoint, {})[q.code] = q.level
    return out


def quality_grid(session: Session, school_class: SchoolClass, checkpoint: str) -> QualityGrid:
    from lms.gradebook.book import lock_of

    check_checkpoint(checkpoint)
    saved = {(q.student_id, q.code): q for q in session.scalars(select(PrimaryQuality).where(
        PrimaryQuality.class_id == school_class.id, PrimaryQuality.checkpoint == checkpoint))}
    levels: dict[int, dict[str, str]] = {}
    for (student_id, code), q in saved.items():
        levels.setdefault(student_id, {})[code] = q.level
    rows = [(s, levels.get(s.id, {})) for s in students_of_class(session, school_class)]
    locked = lock_of(session, school_class.school_year_id, TERM_OF_CHECKPOINT[checkpoint])
    return QualityGrid(school_class, checkpoint, rows, locked, saved)


QUALITY_SHOWN = {"T": "T", "D": "Đ", "C": "C"}   # a level as the page shows it


def quality_fields(grid: QualityGrid, cells: dict[tuple[int, str], str] | None = None) -> list[Field]:
    """The qualities' fields for the stale-page check (book.check_fresh), with what was posted."""
    cells = cells or {}
    return [Field(f"q-{s.id}-{code}", i, s.full_name, str(QUALITY_NAMES[code]),
                  QUALITY_SHOWN[levels[code]] if levels.get(code) else "",
                  grid.saved[(s.id, code)].updated_at if (s.id, code) in grid.saved else None,
                  cells.get((s.id, code)), parse_quality_level)
            for i, (s, levels) in enumerate(grid.rows, start=1) for code in QUALITY_CODES]


def save_qualities(session: Session, actor: User, role: str, school_class: SchoolClass, checkpoint: str,
                   cells: dict[tuple[int, str], str], *, now: datetime, reason: str = "",
                   loaded: Loaded | None = None) -> WriteResult:
    """cells: (student id, quality code) → what was typed. Only the cells the user changed are
    written; one a colleague saved since the page was opened (`loaded`) is refused."""
    require_class(actor, role, school_class)
    grid = quality_grid(session, school_class, checkpoint)
    lines = {s.id: (i, s) for i, (s, _) in enumerate(grid.rows, start=1)}
    if any(student_id not in lines or code not in QUALITY_CODES for student_id, code in cells):
        raise ValidationError(_l("Có ô không thuộc lớp này; hãy tải lại trang."))
    edits = check_fresh(loaded, quality_fields(grid, cells))
    if not edits.changed:   # nothing to write: said as such, before a locked term asks for a reason
        return WriteResult(issues=list(edits.conflicts))
    after_lock = check_writable(session, role, school_class.school_year_id, TERM_OF_CHECKPOINT[checkpoint],
                                nfc(reason))
    result, clean = WriteResult(issues=list(edits.conflicts)), []
    for (student_id, code), text in cells.items():
        if f"q-{student_id}-{code}" not in edits.changed:
            continue
        line, student = lines[student_id]
        try:
            clean.append((student_id, code, parse_quality_level(text)))
        except CellError as exc:
            result.issues.append(Issue(line, student.full_name, str(QUALITY_NAMES[code]), nfc(text), str(exc.message)))
    if result.issues:
        return result
    for student_id, code, level in clean:
        row = grid.saved.get((student_id, code))
        if level is None:
            session.delete(row)
        elif row is None:
            session.add(PrimaryQuality(school_id=school_class.school_id, class_id=school_class.id,
                                       student_id=student_id, checkpoint=checkpoint, code=code, level=level,
                                       updated_at=now))
        else:
            row.level, row.updated_at = level, now
        result.written += 1
    session.flush()
    if result.written:
        record_write(session, actor, school_class.school_id, "class", school_class.id, after_lock=after_lock,
                     action="qualities_saved", detail=f"{checkpoint}: {result.written}")
    return result
