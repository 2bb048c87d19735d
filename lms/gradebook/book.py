"""The grade book of a course (Thông tư 22): the columns a term records, the grid of entries,
saving it all-or-nothing, marks posted by homework and exams, term locks, the correction history,
and Excel import and export."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Forbidden, ValidationError
from lms.core.numbers import decimal_text, local_decimal
from lms.core.official import printed_text_problem
from lms.core.text import fold, nfc, nfc_text
from lms.gradebook import tt22
from lms.gradebook.labels import PASS_LABELS, REMARK, TERM_LABELS, column_label
from lms.gradebook.models import GradeChange, GradeEntry, GradeRemark, Kind, TermLock
from lms.gradebook.permissions import require_course
from lms.gradebook.results import Mark, SubjectMarks, TermMarks
from lms.gradebook.scores import round_score
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Course, School, SchoolClass, SchoolYear, Student
from lms.people.pupil_lines import How, Roster
from lms.people.services import students_of_class
from lms.core.sheets import write_workbook
from lms.core.tables import Column as TableColumn
from lms.core.tables import FAMILY_NAME_HEADERS, GIVEN_NAME_HEADERS, Table, cell_text, read_table

REMARK_MAX = 500
REASON_MAX = 300
_SCORE_RE = re.compile(r"^\d{1,2}(?:[.,]\d+)?$", re.ASCII)   # ASCII digits: "٨" (Arabic-Indic) is not 8
_PASS_WORDS = {"d": True, "dat": True, "cd": False, "chua dat": False}


@dataclass(frozen=True)
class Column:
    kind: str
    position: int

    @property
    def key(self) -> str:
        return f"{self.kind}{self.position}"

    @property
    def label(self) -> str:
        return column_label(self.kind, self.position)


def in_programme_order(courses: list[Course]) -> list[Course]:
    """Courses as the grade book and the report card list them: programme order, then name."""
    from lms.core.text import collation_key
    from lms.people.programme import programme_rank

    return sorted(courses, key=lambda c: (programme_rank(c.subject.level, c.subject.code), collation_key(c.subject.name)))


def is_comment(course: Course) -> bool:
    return course.subject.assessment == "comment"


def columns_of(course: Course, rules: tt22.Rules = tt22.CURRENT) -> list[Column]:
    """The assessments a term records for this course: n regular (by periods), midterm, final."""
    n = tt22.regular_count(course.subject.periods_for(course.school_class.grade), is_comment(course), rules)
    return [*(Column(Kind.REGULAR, i) for i in range(1, n + 1)), Column(Kind.MIDTERM, 1), Column(Kind.FINAL, 1)]


RETEST = Column(Kind.RETEST, 1)


def term_columns(course: Course, term: int) -> list[Column]:
    """Every column a term's grade book writes — the grid, its Excel export and the import alike:
    the term's assessments, and in term II the year's re-test (kiểm tra lại, recorded under term II)."""
    return [*columns_of(course), *([RETEST] if term == 2 else [])]


def column_by_key(course: Course, key: str) -> Column | None:
    return next((c for c in term_columns(course, 2) if c.key == key), None)


# ---------------------------------------------------------------- cell values

class CellError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_score(text: str) -> int | None:
    """A score typed or pasted by a teacher, as whole tenths: "8", "8.5", "8,5", "10" → 80, 85, 85,
    100. Blank is None. Anything else (11, 8.25, "tám", -1) raises CellError with the reason."""
    value = nfc(text)
    if not value:
        return None
    if not _SCORE_RE.match(value):
        raise CellError(_l("“%(v)s” không phải điểm: nhập số từ 0 đến 10, tối đa một chữ số thập phân.", v=value))
    number = Decimal(value.replace(",", "."))
    if number > 10:
        raise CellError(_l("“%(v)s” lớn hơn 10.", v=value))
    if number != number.quantize(Decimal("0.1")):
        raise CellError(_l("“%(v)s” có quá một chữ số thập phân.", v=value))
    return int(number * 10)


def parse_pass(text: str) -> bool | None:
    """Đạt / Chưa đạt as typed: "Đ", "Đạt", "d" → True; "CĐ", "Chưa đạt", "cd" → False."""
    value = fold(text).replace(".", "").strip()
    if not value:
        return None
    if value not in _PASS_WORDS:
        raise CellError(_l("“%(v)s” không hợp lệ: môn đánh giá bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).",
                           v=nfc(text)))
    return _PASS_WORDS[value]


def parse_mark(text: str, comment: bool) -> int | bool | None:
    return parse_pass(text) if comment else parse_score(text)


def check_remark(text: str) -> str:
    """A remark as it is stored (NFC), or CellError saying why it cannot be. The one check of every
    remark that prints on the report card — the TT22 grid and its Excel import (the preview and
    the confirmation alike), the primary grid, the homeroom's conduct remark and year comment: at
    most REMARK_MAX characters, starting with a letter or a digit, no control character
    (core.official.printed_text_problem: "=…", "+…", "-…", "@…" are formulas in a spreadsheet)."""
    value = nfc_text(text)
    if len(value) > REMARK_MAX:
        raise CellError(ngettext("dài quá %(n)s ký tự.", "dài quá %(n)s ký tự.", REMARK_MAX, n=REMARK_MAX))
    if value and (problem := printed_text_problem(value, _l("Nhận xét"))):
        raise CellError(problem)
    return value


def stored_value(entry: GradeEntry | None) -> int | bool | None:
    if entry is None:
        return None
    return entry.passed if entry.score10 is None else entry.score10


def mark_of(entry: GradeEntry | None) -> Mark:
    if entry is None:
        return None
    return entry.passed if entry.score10 is None else entry.score


def value_text(value: int | bool | None) -> str:
    """As the history stores it: "8.5", "Đ", "CĐ" or "" (pages show it with labels.change_value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Đ" if value else "CĐ"
    return f"{value // 10}.{value % 10}"


def mark_text(value: Mark, decimal_sep: str | None = None) -> str:
    """A mark as its reader writes it: "6,5" in Vietnamese, "6.5" in English (`decimal_sep`
    None: the reader's language; "," or "." to choose), "Đạt" / "Chưa đạt" for a pass mark."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(PASS_LABELS[value])
    if decimal_sep is None:
        return local_decimal(value, None, 1)
    return decimal_text(value, 1) if decimal_sep == "," else f"{value:.1f}"


# ---------------------------------------------------------------- locks

def lock_of(session: Session, year_id: int, term: int) -> TermLock | None:
    return session.scalars(select(TermLock).where(TermLock.school_year_id == year_id, TermLock.term == term)).first()


def locks_of(session: Session, year: SchoolYear) -> dict[int, TermLock]:
    return {lock.term: lock for lock in session.scalars(select(TermLock).where(TermLock.school_year_id == year.id))}


def lock_term(session: Session, actor: User, school: School, year: SchoolYear, term: int, now: datetime, *,
              incomplete: list[tuple[str, int, int]] | None = None) -> TermLock:
    """Lock a term's grade book. Given the classes whose book is not full (`incomplete`, from
    progress.incomplete_classes: the admin's page until the admin confirms), the lock is refused
    saying which classes and how far each is; the demo and tests lock deliberately."""
    if year.school_id != school.id or term not in (1, 2):
        raise ValidationError(_l("Học kỳ không hợp lệ."))
    lock = lock_of(session, year.id, term)
    if lock is None and incomplete:
        missing = incomplete
        if missing:
            listed = "; ".join(str(ngettext("%(c)s: %(f)s/%(r)s ô", "%(c)s: %(f)s/%(r)s ô", required, c=name, f=filled, r=required))
                               for name, filled, required in missing[:12])
            more = str(ngettext(" và %(n)s lớp khác", " và %(n)s lớp khác", len(missing) - 12, n=len(missing) - 12)) if len(missing) > 12 else ""
            raise ValidationError(ngettext("Chưa khoá: sổ điểm %(t)s còn thiếu ở %(n)s lớp (%(l)s%(m)s). Nhập đủ rồi "
                                           "khoá, hoặc đánh dấu “Vẫn khoá khi còn thiếu”.",
                                           "Chưa khoá: sổ điểm %(t)s còn thiếu ở %(n)s lớp (%(l)s%(m)s). Nhập đủ rồi "
                                           "khoá, hoặc đánh dấu “Vẫn khoá khi còn thiếu”.",
                                           len(missing), t=TERM_LABELS[term], n=len(missing), l=listed, m=more),
                                  field="incomplete_ok")
    if lock is None:
        lock = TermLock(school_id=school.id, school_year_id=year.id, term=term, locked_at=now, locked_by=actor.id)
        session.add(lock)
        session.flush()
        audit.record(session, "term_locked", actor_id=actor.id, school_id=school.id, subject_type="school_year",
                     subject_id=year.id, detail=f"term {term}")
    return lock


@dataclass
class LockNotice:
    """What a locked page tells whoever opens it: which term of which year, locked when and by
    whom, and who can correct a mark or reopen the term (the school's administrators)."""
    term: int
    year: str
    locked_at: datetime
    locked_by: str
    admins: list[str]


def lock_notice(session: Session, lock: TermLock | None) -> LockNotice | None:
    """The notice of a term lock, with the school's administrators by name (one query)."""
    if lock is None:
        return None
    from lms.people.models import Membership, Role

    year = session.get(SchoolYear, lock.school_year_id)
    admins = list(session.scalars(select(User.full_name).join(Membership, Membership.user_id == User.id).where(
        Membership.school_id == lock.school_id, Membership.role == Role.ADMIN.value).order_by(User.sort_name)))
    return LockNotice(lock.term, year.name if year else "", lock.locked_at,
                      lock.locker.full_name if lock.locker else "", admins)


def unlock_term(session: Session, actor: User, school: School, year: SchoolYear, term: int) -> None:
    lock = lock_of(session, year.id, term)
    if lock is not None and year.school_id == school.id:
        session.delete(lock)
        session.flush()
        audit.record(session, "term_unlocked", actor_id=actor.id, school_id=school.id, subject_type="school_year",
                     subject_id=year.id, detail=f"term {term}")


def check_writable(session: Session, role: str, year_id: int, term: int, reason: str) -> bool:
    """Whether the write goes to a locked term (then only an admin, with a reason, may make it)."""
    if lock_of(session, year_id, term) is None:
        return False
    if role != "admin":
        raise Forbidden(_l("%(t)s đã khoá sổ: chỉ quản trị trường được sửa, kèm lý do.", t=TERM_LABELS[term]))
    if not nfc(reason):
        raise ValidationError(_l("Học kỳ đã khoá sổ: nhập lý do sửa điểm (sẽ được ghi vào lịch sử)."), field="reason")
    return True


# ---------------------------------------------------------------- the grid

@dataclass
class Row:
    student: Student
    entries: dict[int, dict[str, GradeEntry]]   # term → key → entry
    remark: str
    marks: SubjectMarks
    remark_row: GradeRemark | None = None

    def entry(self, term: int, key: str) -> GradeEntry | None:
        return self.entries.get(term, {}).get(key)


@dataclass
class Grid:
    course: Course
    term: int
    columns: list[Column]
    rows: list[Row]
    comment: bool
    lock: TermLock | None

    def row_of(self, student_id: int) -> Row | None:
        return next((r for r in self.rows if r.student.id == student_id), None)


def retest_open(grid: Grid, row: Row) -> bool:
    """Whether a pupil has a KT lại cell in term II: a year result that needs a re-test (below
    5,0, or Chưa đạt in a comment subject), or a re-test mark already stored. The grid, its save
    and the Excel import all ask this."""
    if row.entry(2, RETEST.key) is not None:
        return True
    year = row.marks.year()
    if year is None:
        return False
    return year is False if grid.comment else (not isinstance(year, bool) and year < 5)


def retest_refusal(grid: Grid, row: Row) -> str:
    """Why a re-test mark is refused for a pupil without a re-test (see retest_open)."""
    year = row.marks.year()
    if year is None:
        return str(_l("không phải kiểm tra lại: học sinh chưa có kết quả cả năm môn này."))
    return str(_l("không phải kiểm tra lại: kết quả cả năm môn này là %(y)s, chỉ học sinh có kết quả dưới 5,0 "
                  "(môn đánh giá bằng nhận xét: Chưa đạt) mới kiểm tra lại.", y=mark_text(year)))


def check_mark(grid: Grid, row: Row | None, column: Column, text: str) -> int | bool | None:
    """A typed mark as stored (whole tenths, Đ/CĐ as True/False, blank None), or CellError saying
    why not: the one check of a grade-book cell, for the grid's save and the Excel import's
    preview and confirmation alike. A re-test mark is refused for a pupil without a re-test (a
    line that matches no pupil, `row` None, is checked as a mark only)."""
    value = parse_mark(text, grid.comment)
    if row is not None and column.kind == Kind.RETEST and value is not None and not retest_open(grid, row):
        raise CellError(retest_refusal(grid, row))
    return value


def subject_marks(course: Course, columns: list[Column], entries: dict[int, dict[str, GradeEntry]]) -> SubjectMarks:
    terms = {}
    for term in (1, 2):
        mine = entries.get(term, {})
        terms[term] = TermMarks([mark_of(mine.get(c.key)) for c in columns if c.kind == Kind.REGULAR],
                                mark_of(mine.get("gk1")), mark_of(mine.get("ck1")))
    return SubjectMarks(course.subject.name, is_comment(course), terms, mark_of(entries.get(2, {}).get("kl1")))


def entries_by_student(session: Session, course_ids: list[int], student_ids: list[int] | None = None
                       ) -> dict[tuple[int, int], dict[int, dict[str, GradeEntry]]]:
    """(course, student) → term → key → entry, in one query."""
    out: dict[tuple[int, int], dict[int, dict[str, GradeEntry]]] = {}
    if not course_ids:
        return out
    stmt = select(GradeEntry).where(GradeEntry.course_id.in_(course_ids))
    if student_ids is not None:
        stmt = stmt.where(GradeEntry.student_id.in_(student_ids or [0]))
    for e in session.scalars(stmt):
        out.setdefault((e.course_id, e.student_id), {}).setdefault(e.term, {})[f"{e.kind}{e.position}"] = e
    return out


def grid_of(session: Session, course: Course, term: int) -> Grid:
    """The course's pupils with both terms' entries and the term's remarks, in three queries."""
    if term not in (1, 2):
        raise ValidationError(_l("Học kỳ không hợp lệ."))
    columns = columns_of(course)
    students = students_of_class(session, course.school_class)
    entries = entries_by_student(session, [course.id])
    remarks = {r.student_id: r for r in session.scalars(
        select(GradeRemark).where(GradeRemark.course_id == course.id, GradeRemark.term == term))}
    rows = []
    for s in students:
        mine, remark = entries.get((course.id, s.id), {}), remarks.get(s.id)
        rows.append(Row(s, mine, remark.text if remark is not None else "", subject_marks(course, columns, mine),
                        remark))
    return Grid(course, term, columns, rows, is_comment(course), lock_of(session, course.school_class.school_year_id,
                                                                          term))


# ---------------------------------------------------------------- writing

@dataclass
class CellInput:
    student_id: int
    key: str
    text: str


@dataclass
class Issue:
    line: int            # the row as the user sees it (grid row number or spreadsheet line)
    student: str
    column: str
    value: str
    message: str

    def __post_init__(self) -> None:
        # A refused cell is echoed as far as it helps to find it: a long one (a pasted page, a
        # 100,000-character cell) is cut like a long remark, in its column and in its message.
        value = str(self.value or "")
        if len(value) > ECHO_MAX + 1:
            short = value.strip()[:ECHO_MAX] + "…"
            message = str(self.message)
            for typed in (value, value.strip(), nfc(value).strip(), " ".join(value.split())):
                if len(typed) > ECHO_MAX:
                    message = message.replace(typed, short)
            self.message, self.value = message, short


ECHO_MAX = 40            # characters of a refused cell shown back


# ---------------------------------------------------------------- a page opened some time ago

@dataclass(frozen=True)
class Loaded:
    """What the page being saved held when it was rendered: when (`at`) and the text each field
    showed (`was`, by field name). A field posted as it was shown is one the user left alone. An
    import's confirmation or a client that posts bare cells has `at` only (or nothing)."""
    at: datetime | None = None
    was: dict[str, str] | None = None

    @classmethod
    def read(cls, at: str | None, was: str | None) -> "Loaded":
        """From the page's hidden fields, leniently: a missing or garbled one is left out."""
        try:
            when = datetime.fromisoformat(at or "")
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        try:
            shown = json.loads(was or "")
        except ValueError:
            shown = None
        return cls(when, {str(k): str(v) for k, v in shown.items()} if isinstance(shown, dict) else None)


def _plain(text: str) -> object:
    return nfc(text)


@dataclass(frozen=True)
class Field:
    """One field of a save as the stale-page check sees it."""
    name: str                           # the page's field name ("c-12-tx1", "r-12", "l-12", "q-12-cham")
    line: int
    pupil: str
    label: str
    shown: str                          # what is stored now, as the page shows it
    updated_at: datetime | None         # when its row was last saved (None: no row, or saved before this was kept)
    typed: str | None = None            # as posted (None: not posted)
    norm: Callable[[str], object] = _plain   # what a text means (8 = 8,0 = 8.0), for every comparison


@dataclass
class Edits:
    """A save's fields after the stale-page check: what each shows when the page comes back (the
    user's input over what is stored), the fields to write, the refused ones, and the snapshot
    (`was`) the page carries."""
    values: dict[str, str]
    changed: dict[str, str]
    conflicts: list["Issue"] = field(default_factory=list)
    was: str = ""

    def of(self, name: str) -> str:
        return self.values.get(name, "")

    def touched(self, *names: str) -> bool:
        return any(n in self.changed for n in names)


def _meaning(f: Field, text: str) -> object:
    try:
        return f.norm(text)
    except CellError:
        return nfc(text)


def check_fresh(loaded: Loaded | None, fields: Iterable[Field]) -> Edits:
    """The one stale-page check every grade-book save goes through. A field posted as the page
    showed it (the user left it alone), or meaning what is stored, writes nothing. A field the
    user changed whose row someone saved after the page was opened (`loaded.at`), to something
    other than what the page showed, is refused — naming the pupil and the field and showing the
    newer value — so nobody overwrites a colleague unknowingly; the other fields are written (or,
    if the save is refused for any reason, kept as typed when the page comes back)."""
    loaded = loaded or Loaded()
    values, changed, conflicts, shown = {}, {}, [], {}
    for f in fields:
        shown[f.name] = f.shown
        if f.typed is None:
            values[f.name] = f.shown
            continue
        now, typed = _meaning(f, f.shown), _meaning(f, f.typed)
        known = loaded.was is not None and f.name in loaded.was
        before = _meaning(f, loaded.was[f.name]) if known else None
        if typed == now or (known and typed == before):
            values[f.name] = f.shown
            continue
        if (loaded.at is not None and f.updated_at is not None and f.updated_at > loaded.at
                and (not known or before != now)):
            conflicts.append(Issue(f.line, f.pupil, f.label, nfc(f.typed), str(_l(
                "người khác vừa lưu “%(v)s” vào ô này sau khi bạn mở trang; giá trị bạn nhập chưa được lưu — "
                "xem lại rồi lưu lại nếu vẫn muốn sửa.", v=f.shown or "—"))))
            values[f.name] = f.shown
            continue
        values[f.name] = changed[f.name] = f.typed
    return Edits(values, changed, conflicts, json.dumps(shown, ensure_ascii=False, sort_keys=True))


@dataclass
class SaveResult:
    issues: list[Issue] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0
    remarks: int = 0     # remarks written (new, changed or emptied)

    @property
    def written(self) -> int:
        return self.created + self.changed + self.cleared


@dataclass
class WriteResult:
    """What a save of the homeroom or primary grids did: the refused cells, or how many rows changed."""
    issues: list[Issue] = field(default_factory=list)
    written: int = 0


def record_write(session: Session, actor: User, school_id: int, subject_type: str, subject_id: int, *,
                 after_lock: bool, action: str, detail: str) -> None:
    """The audit row of a grade-book write; writes to a locked term have an action of their own."""
    audit.record(session, "grades_changed_after_lock" if after_lock else action, actor_id=actor.id,
                 school_id=school_id, subject_type=subject_type, subject_id=subject_id, detail=detail)


@dataclass
class _Write:
    student_id: int
    column: Column
    value: int | bool | None
    entry: GradeEntry | None


def _apply(session: Session, actor: User, course: Course, term: int, writes: list[_Write], *, now: datetime,
           source_type: str, source_id: int | None, after_lock: bool, reason: str, result: SaveResult) -> None:
    new_rows, changes = [], []
    for w in writes:
        old = stored_value(w.entry)
        if old == w.value:
            # A value equal to the stored one is not a change, whoever sends it (a re-imported
            # export, a re-posted exam): nothing is written to the permanent history. A mark
            # another area posts takes over an equal entry quietly, so its later updates follow.
            if w.entry is not None and source_type not in ("manual", "import", w.entry.source_type):
                w.entry.source_type, w.entry.source_id = source_type, source_id
            result.unchanged += 1
            continue
        score10 = None if isinstance(w.value, bool) else w.value
        passed = w.value if isinstance(w.value, bool) else None
        if w.value is None:
            session.delete(w.entry)
            result.cleared += 1
        elif w.entry is None:
            new_rows.append({"school_id": course.school_id, "course_id": course.id, "student_id": w.student_id,
                             "term": term, "kind": w.column.kind, "position": w.column.position, "score10": score10,
                             "passed": passed, "source_type": source_type, "source_id": source_id,
                             "updated_by": actor.id, "updated_at": now})
            result.created += 1
        else:
            w.entry.score10, w.entry.passed = score10, passed
            w.entry.source_type, w.entry.source_id = source_type, source_id
            w.entry.updated_by, w.entry.updated_at = actor.id, now
            result.changed += 1
        if old is not None or after_lock:
            changes.append({"school_id": course.school_id, "course_id": course.id, "student_id": w.student_id,
                            "what": f"{term}:{w.column.key}", "old_value": value_text(old),
                            "new_value": value_text(w.value), "source_type": source_type, "source_id": source_id,
                            "after_lock": after_lock, "reason": reason, "actor_id": actor.id, "at": now})
    session.flush()
    # A class's worth of new marks in one statement each: a grid is saved in a few round trips.
    if new_rows:
        session.execute(insert(GradeEntry), new_rows)
    if changes:
        session.execute(insert(GradeChange), changes)


def grid_fields(grid: Grid, cells: dict[tuple[int, str], str] | None = None, remarks: dict[int, str] | None = None,
                lines: dict[int, int] | None = None) -> list[Field]:
    """The grid's fields for the stale-page check: every mark cell of the term (a re-test cell
    where the pupil has one, or where one is posted) and every remark, with what was posted."""
    cells, remarks, lines = cells or {}, remarks or {}, lines or {}

    def mark(text: str) -> object:
        return parse_mark(text, grid.comment)

    out = []
    for i, row in enumerate(grid.rows, start=1):
        sid, name, line = row.student.id, row.student.full_name, lines.get(row.student.id, i)
        for c in term_columns(grid.course, grid.term):
            if c.kind == Kind.RETEST and (sid, c.key) not in cells and not retest_open(grid, row):
                continue
            entry = row.entry(grid.term, c.key)
            out.append(Field(f"c-{sid}-{c.key}", line, name, c.label, mark_text(mark_of(entry)),
                             entry.updated_at if entry is not None else None, cells.get((sid, c.key)), mark))
        saved = row.remark_row
        out.append(Field(f"r-{sid}", line, name, str(_l("Nhận xét")), row.remark,
                         saved.updated_at if saved is not None else None, remarks.get(sid), nfc_text))
    return out


def save_grid(session: Session, actor: User, role: str, course: Course, term: int, cells: list[CellInput],
              remarks: dict[int, str] | None = None, *, now: datetime, loaded: Loaded | None = None,
              reason: str = "", source_type: str = "manual", lines: dict[int, int] | None = None) -> SaveResult:
    """Save what the teacher typed. Every cell is checked first; with any error nothing is saved
    and each error names its row, pupil and column. Only what the user changed is written, and a
    cell someone else saved since the page was opened (`loaded`) is an error too (check_fresh)."""
    require_course(actor, role, course, edit=True)
    grid = grid_of(session, course, term)
    reason = nfc(reason)[:REASON_MAX]
    keys = {c.key: c for c in term_columns(course, term)}
    posted = {}
    for cell in cells:
        if grid.row_of(cell.student_id) is None or cell.key not in keys:
            raise ValidationError(_l("Có ô điểm không thuộc môn học của lớp này; hãy tải lại trang."))
        posted[(cell.student_id, cell.key)] = cell.text
    if any(grid.row_of(student_id) is None for student_id in (remarks or {})):
        raise ValidationError(_l("Có nhận xét không thuộc môn học của lớp này; hãy tải lại trang."))
    edits = check_fresh(loaded, grid_fields(grid, posted, remarks, lines))
    if not edits.changed:   # nothing to write: said as such, before a locked term asks for a reason
        return SaveResult(issues=list(edits.conflicts), unchanged=len(posted))
    after_lock = check_writable(session, role, course.school_class.school_year_id, term, reason)
    line_of = lines or {r.student.id: i for i, r in enumerate(grid.rows, start=1)}
    result, writes = SaveResult(issues=list(edits.conflicts)), []
    for (student_id, key), text in posted.items():
        if f"c-{student_id}-{key}" not in edits.changed:
            result.unchanged += 1
            continue
        row, column = grid.row_of(student_id), keys[key]
        try:
            value = check_mark(grid, row, column, text)
        except CellError as exc:
            result.issues.append(Issue(line_of.get(student_id, 0), row.student.full_name, column.label,
                                       nfc(text), str(exc.message)))
            continue
        writes.append(_Write(student_id, column, value, row.entry(term, column.key)))
    clean_remarks = {}
    for student_id, text in (remarks or {}).items():
        if f"r-{student_id}" not in edits.changed:
            continue
        row = grid.row_of(student_id)
        try:
            clean_remarks[student_id] = check_remark(text)
        except CellError as exc:
            result.issues.append(Issue(line_of.get(student_id, 0), row.student.full_name, str(_l("Nhận xét")),
                                       nfc_text(text), str(exc.message)))
    if result.issues:
        return result
    _apply(session, actor, course, term, writes, now=now, source_type=source_type, source_id=None,
           after_lock=after_lock, reason=reason, result=result)
    result.remarks = _save_remarks(session, actor, course, term, grid, clean_remarks, now=now, after_lock=after_lock,
                                   reason=reason, source_type=source_type)
    if result.written or result.remarks:
        record_write(session, actor, course.school_id, "course", course.id, after_lock=after_lock, action="grades_saved",
                     detail=f"term {term}: +{result.created} ~{result.changed} -{result.cleared}"
                            + (f" — {reason[:120]}" if after_lock else ""))
    return result


def _save_remarks(session: Session, actor: User, course: Course, term: int, grid: Grid, remarks: dict[int, str], *,
                  now: datetime, after_lock: bool, reason: str, source_type: str) -> int:
    """Write the remarks that changed; how many did. A remark changed or removed (and any written
    to a locked term) goes into the correction history like a mark; a first remark does not."""
    written, changes = 0, []
    for student_id, text in remarks.items():
        row = grid.row_of(student_id).remark_row
        old = row.text if row is not None else ""
        if old == text:
            continue
        if row is None:
            session.add(GradeRemark(school_id=course.school_id, course_id=course.id, student_id=student_id,
                                    term=term, text=text, updated_at=now))
        else:
            row.text, row.updated_at = text, now
        written += 1
        if old or after_lock:
            changes.append({"school_id": course.school_id, "course_id": course.id, "student_id": student_id,
                            "what": f"{term}:{REMARK}", "old_value": old, "new_value": text,
                            "source_type": source_type, "source_id": None, "after_lock": after_lock,
                            "reason": reason, "actor_id": actor.id, "at": now})
    session.flush()
    if changes:
        session.execute(insert(GradeChange), changes)
    return written


@dataclass
class PostResult:
    created: int
    changed: int
    unchanged: int
    skipped: list[int]   # students not (or no longer) in the class


def post_marks(session: Session, actor: User, role: str, course: Course, term: int, key: str,
               marks: dict[int, Decimal | None], *, source_type: str, source_id: int, now: datetime,
               reason: str = "") -> PostResult:
    """Fill one column from homework or an exam: scores (Decimal on 0–10) rounded half-up to one
    decimal. Posting again updates what changed and reports it; a pupil without a mark keeps
    what the column had."""
    require_course(actor, role, course, edit=True)
    column = column_by_key(course, key)
    if column is None or column.kind == Kind.RETEST:
        raise ValidationError(_l("Cột điểm không hợp lệ."), field="column")
    if is_comment(course):
        raise ValidationError(_l("Môn đánh giá bằng nhận xét không nhận điểm số."), field="column")
    after_lock = check_writable(session, role, course.school_class.school_year_id, term, reason)
    grid = grid_of(session, course, term)
    writes, skipped = [], []
    for student_id, mark in marks.items():
        row = grid.row_of(student_id)
        if row is None:
            skipped.append(student_id)
            continue
        if mark is None:
            continue
        value = int(round_score(min(max(Decimal(mark), Decimal(0)), Decimal(10))) * 10)
        writes.append(_Write(student_id, column, value, row.entry(term, key)))
    result = SaveResult()
    _apply(session, actor, course, term, writes, now=now, source_type=source_type, source_id=source_id,
           after_lock=after_lock, reason=nfc(reason), result=result)
    audit.record(session, "grades_posted", actor_id=actor.id, school_id=course.school_id, subject_type="course",
                 subject_id=course.id, detail=f"{source_type} {source_id} → term {term} {key}: "
                                              f"+{result.created} ~{result.changed}")
    return PostResult(result.created, result.changed, result.unchanged, skipped)


def changes_of_course(session: Session, course: Course, limit: int = 300) -> list[GradeChange]:
    return list(session.scalars(select(GradeChange).where(GradeChange.course_id == course.id)
                                .order_by(GradeChange.id.desc()).limit(limit)))


# ---------------------------------------------------------------- completeness

def completeness(session: Session, courses: list[Course], sizes: dict[int, int], term: int) -> dict[int, tuple[int, int]]:
    """(entries filled, entries required) per course for a term, in one query."""
    if not courses:
        return {}
    filled = dict(session.execute(select(GradeEntry.course_id, func.count()).where(
        GradeEntry.course_id.in_([c.id for c in courses]), GradeEntry.term == term,
        GradeEntry.kind != Kind.RETEST).group_by(GradeEntry.course_id)).all())
    return {c.id: (filled.get(c.id, 0), len(columns_of(c)) * sizes.get(c.class_id, 0)) for c in courses}


# ---------------------------------------------------------------- Excel

CODE_HEADERS = ("Mã học sinh", "Mã HS", "Student code", "Ma hoc sinh")
NAME_HEADERS = ("Họ và tên", "Họ tên", "Full name", "Name")
BIRTH_HEADERS = ("Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Date of birth", "Birth date")
REMARK_HEADERS = ("Nhận xét", "Remark", "Comment")


TENTH = Decimal("0.1")      # marks are written to Excel with one place: 9,0 (core/sheets keeps the places)


YEAR_HEADERS = (_l("ĐTB cả năm"), _l("Kết quả cả năm"))


def _cell(mark: Mark) -> object:
    return mark.quantize(TENTH) if isinstance(mark, Decimal) else mark_text(mark)


def grid_workbook(grid: Grid) -> bytes:
    """The term's grade book as the teacher edits it in Excel and imports back: the term's columns,
    the computed averages (never read back) and, in term II, the year's and the re-test's columns."""
    year = grid.term == 2
    headers = [CODE_HEADERS[0], NAME_HEADERS[0], *[c.label for c in grid.columns],
               str(_l("ĐTB học kỳ")) if not grid.comment else str(_l("Kết quả học kỳ")),
               *([str(YEAR_HEADERS[1 if grid.comment else 0]), RETEST.label] if year else []), REMARK_HEADERS[0]]
    rows = []
    for row in grid.rows:
        values: list[object] = [row.student.student_code, row.student.full_name]
        values += [_cell(mark_of(row.entry(grid.term, c.key))) for c in grid.columns]
        values.append(_cell(row.marks.semester(grid.term)))
        if year:
            values += [_cell(row.marks.year()), _cell(mark_of(row.entry(2, RETEST.key)))]
        values.append(row.remark)
        rows.append(values)
    notes = [str(_l("Sổ điểm %(s)s lớp %(c)s — %(t)s.", s=grid.course.subject.name, c=grid.course.school_class.name,
                    t=TERM_LABELS[grid.term])),
             str(_l("Điểm từ 0 đến 10, tối đa một chữ số thập phân (8,5 hoặc 8.5). Môn nhận xét: Đ hoặc CĐ.")),
             str(_l("Khi nhập lại tệp: ô trống giữ nguyên điểm đang có; cột ĐTB được tính lại, không đọc từ tệp.")),
             str(_l("Không đổi tiêu đề cột và mã học sinh."))]
    if year:
        notes.append(str(_l("Cột KT lại: điểm kiểm tra lại của học sinh phải kiểm tra lại môn này; cột ĐTB cả năm "
                            "được tính lại, không đọc từ tệp.")))
    return write_workbook(f"{grid.course.subject.name} {grid.course.school_class.name}"[:31], headers, rows,
                          widths=[14, 28] + [8] * len(grid.columns) + [12] + ([12, 8] if year else []) + [40],
                          notes=notes)


# A term named in a file's title or notes: "Học kỳ II", "HK 1", "Học kì I", "Term II", "Semester 2".
_TERM_RE = re.compile(r"\b(?:hoc k[yi]|hk|term|semester)\s*(ii|i|1|2)\b")


def file_term(table: Table) -> int | None:
    """The term a grade-book file says it holds — in the export's "Hướng dẫn" sheet ("Sổ điểm Toán
    lớp 6A2 — Học kỳ I.") or a school sheet's title above its header —, None when it names no term
    or names both."""
    found = {2 if m.group(1) in ("ii", "2") else 1 for note in table.notes for m in _TERM_RE.finditer(fold(note))}
    return found.pop() if len(found) == 1 else None


@dataclass
class ImportChange:
    """One pupil's line of an imported file as the preview shows it: the marks it writes (the
    column as the file names it, the book's mark, the file's) and its remark."""
    line: int
    student: Student
    marks: list[tuple[str, Mark, Mark]] = field(default_factory=list)
    remark: tuple[str, str] | None = None


@dataclass
class Matched:
    """A line with no pupil code, matched by its name (and birth date) within the class: the
    preview says which pupil it is."""
    line: int
    student: Student
    name: str              # as the file writes it
    by_birth: bool = False  # the birth date told the pupil apart (or confirmed it)


@dataclass
class GridImport:
    """A grade-book file read and checked against the book, nothing written: what it would
    write, the marks equal to the book's, and each refused cell with its line and column."""
    table: Table
    cells: list[CellInput] = field(default_factory=list)
    remarks: dict[int, str] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)        # student id → the file's line
    issues: list[Issue] = field(default_factory=list)
    changes: list[ImportChange] = field(default_factory=list)
    unchanged: int = 0
    after_lock: bool = False
    matched: list[Matched] = field(default_factory=list)       # the lines matched by name (no code), in order

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def written(self) -> int:
        return sum(len(c.marks) for c in self.changes)


@dataclass
class ImportResult:
    save: SaveResult
    unknown_headers: list[str]
    table: Table | None = None


def _mark_value(value: int | bool | None) -> Mark:
    if value is None or isinstance(value, bool):
        return value
    return Decimal(value) / 10


def read_grid_import(session: Session, actor: User, role: str, course: Course, term: int, filename: str, data: bytes,
                     *, max_rows: int, reason: str = "") -> GridImport:
    """Read a grade-book file as the teacher has it — the book's own export, or a school system's
    sheet with its title block, a two-row "ĐĐGtx 1 2 3 4" header and the signature footer — and
    check every cell against the book without writing anything. Blank cells keep what the book
    has; every refusal names the file's line and the column as the file names it."""
    require_course(actor, role, course, edit=True)
    columns = term_columns(course, term)
    average = (str(_l("ĐTB học kỳ")), str(_l("Kết quả học kỳ")), "ĐTB học kỳ", "Kết quả học kỳ", "ĐTB", "TBM",
               "TB", "TB môn", "TBHK", "TB HK", "ĐTB HK", "ĐTBHK", "Điểm trung bình", "Trung bình môn", "ĐTBmhk",
               "ĐTB môn học kỳ", "Điểm trung bình môn học kỳ",
               "Xếp loại", "Kết quả")
    year = (*(str(h) for h in YEAR_HEADERS), "ĐTB cả năm", "Kết quả cả năm", "Cả năm", "ĐTBmcn", "ĐTB môn cả năm",
            "Điểm trung bình môn cả năm", "TBCN")
    # A line's pupil: by the code, or — a teacher's own sheet has none — by the name and the birth
    # date within the class (lms.people.pupil_lines), so the name is an anchor too.
    code = TableColumn("code", CODE_HEADERS[0], CODE_HEADERS[1:] + ("Mã định danh", "Mã số học sinh"), anchor=True,
                       required=True)
    spec = [code,
            TableColumn("name", NAME_HEADERS[0], NAME_HEADERS[1:] + ("Họ và tên học sinh", "Họ tên học sinh",
                                                                     *FAMILY_NAME_HEADERS), text=True,
                        anchor=True, tail=GIVEN_NAME_HEADERS),
            TableColumn("remark", REMARK_HEADERS[0], REMARK_HEADERS[1:] + ("Nhận xét của giáo viên", "Nhận xét môn học"),
                        text=True),
            # Computed by the book, never read: named so that it is not reported as unknown.
            TableColumn("average", average[0], average[1:], computed=True),
            TableColumn("year", year[0], year[1:], computed=True),
            # Headers in either language, whichever the export was made in, and the Circular's own
            # names (ĐĐGgk, ĐĐGck, ĐĐGtx over 1 2 3 4).
            TableColumn("gk1", "GK", ("Giữa kỳ", "Giữa kì", "Mid", "Midterm", "ĐĐGgk", "Điểm giữa kỳ", "Giữa HK")),
            TableColumn("ck1", "CK", ("Cuối kỳ", "Cuối kì", "Final", "ĐĐGck", "Điểm cuối kỳ", "Cuối HK"))]
    spec += [TableColumn(c.key, f"TX{c.position}", (c.label, f"ĐĐGtx{c.position}", f"ĐĐGtx {c.position}",
                                                    f"TX {c.position}", f"Thường xuyên {c.position}",
                                                    f"Điểm thường xuyên {c.position}"))
             for c in columns if c.kind == Kind.REGULAR]
    if RETEST in columns:   # term II: the year's re-test, as the export names it or a school's sheet does
        spec.append(TableColumn(RETEST.key, RETEST.label, ("KT lại", "Kiểm tra lại", "Điểm kiểm tra lại", "Điểm KT lại",
                                                           "KTL", "Retest", "Re-test")))
    table = read_table(filename, data, spec, max_rows=max_rows)
    if "code" not in table.columns and "name" in table.columns:
        # No code: the pupils are found by name, and the birth date tells apart two of one name.
        # With the code it is not read (and is named as a column not imported). The code is required
        # on the first reading only, so that a text file renamed .xlsx is still said to be one.
        spec[0] = dataclasses.replace(code, required=False)
        table = read_table(filename, data, [*spec, TableColumn("birth", BIRTH_HEADERS[0], BIRTH_HEADERS[1:])],
                           max_rows=max_rows)
    if "code" not in table.columns and "name" not in table.columns:
        raise ValidationError(_l("Tệp “%(f)s” không có cột “Mã học sinh” (hoặc “Mã HS”, “Mã định danh”) hay cột “Họ và "
                                 "tên”: không biết mỗi dòng là học sinh nào. Hãy tải tệp Excel của sổ điểm rồi điền vào "
                                 "đó.", f=filename), field="file")
    said = file_term(table)
    if said is not None and said != term:
        # Every mark of one term would be written into the other, each one "valid".
        raise ValidationError(_l("Tệp “%(f)s” là sổ điểm %(file)s, nhưng bạn đang nhập vào %(t)s: không nhập điểm của "
                                 "học kỳ này sang học kỳ khác. Hãy chọn %(file)s để nhập tệp này, hoặc tải tệp Excel "
                                 "của %(t)s rồi điền vào đó.", f=filename, file=TERM_LABELS[said],
                                 t=TERM_LABELS[term]), field="file")
    out = GridImport(table)
    year_id = course.school_class.school_year_id
    if role != "admin":   # a teacher writes no locked term, whatever the file holds
        check_writable(session, role, year_id, term, "")
    grid = grid_of(session, course, term)
    roster = Roster(grid.rows, course.school_class.name, lambda r: r.student)
    seen: dict[int, int] = {}
    for line in table.lines:
        # Every cell of every line is checked, whatever else is wrong with the line, so that one
        # upload lists every refusal (a line with an unknown code and a mark of 12 gets both).
        code = line.text("code").strip()
        found = roster.find(code, line.text("name"), line.get("birth") if "birth" in table.columns else None)
        row = found.row
        name = row.student.full_name if row is not None else line.text("name")
        if row is None:
            key = found.column if found.column in table.columns else "name" if "name" in table.columns else "code"
            out.issues.append(Issue(line.number, name, table.column_name(key), cell_text(line.get(key)), found.refusal))
        elif row.student.id in seen:
            key = "code" if found.how == How.CODE else "name"
            out.issues.append(Issue(line.number, name, table.column_name(key), line.text(key),
                                    str(_l("học sinh này đã có ở dòng %(l)s.", l=seen[row.student.id]))))
            row = None
        else:
            seen[row.student.id] = out.lines[row.student.id] = line.number
            if found.by_name:
                out.matched.append(Matched(line.number, row.student, line.text("name"), found.how == How.NAME_BIRTH))
        change = ImportChange(line.number, row.student) if row is not None else None
        for c in columns:
            if c.key not in table.columns:
                continue
            text = line.text(c.key)
            formula = line.uncomputed(c.key)
            if formula is not None:
                out.issues.append(Issue(line.number, name, table.column_name(c.key), formula.formula,
                                        formula.message))
                continue
            if not text.strip():
                continue
            try:
                value = check_mark(grid, row, c, text)
            except CellError as exc:
                out.issues.append(Issue(line.number, name, table.column_name(c.key), nfc(text), str(exc.message)))
                continue
            if change is None:
                continue
            out.cells.append(CellInput(row.student.id, c.key, text))
            old = stored_value(row.entry(term, c.key))
            if old == value:
                out.unchanged += 1
            else:
                change.marks.append((table.column_name(c.key), _mark_value(old), _mark_value(value)))
        formula = line.uncomputed("remark") if "remark" in table.columns else None
        remark = nfc_text(line.text("remark")) if formula is None else ""
        if formula is not None:
            out.issues.append(Issue(line.number, name, table.column_name("remark"), formula.formula, formula.message))
        elif remark and (change is None or remark != row.remark):
            # Checked as the confirmation's save checks it (check_remark): a remark equal to the
            # book's is no change and is not checked there either.
            try:
                check_remark(remark)
            except CellError as exc:
                out.issues.append(Issue(line.number, name, table.column_name("remark"), remark, str(exc.message)))
            else:
                if change is not None:
                    out.remarks[row.student.id] = remark
                    change.remark = (row.remark, remark)
        elif remark:
            out.remarks[row.student.id] = remark
        if change is None:
            continue
        if change.marks or change.remark:
            out.changes.append(change)
    if out.ok and out.changes:
        # A locked term asks its reason only of a file that writes something: one that changes
        # nothing is told so (the preview), never asked why.
        out.after_lock = check_writable(session, role, year_id, term, nfc(reason))
    return out


def import_grid(session: Session, actor: User, role: str, course: Course, term: int, filename: str, data: bytes, *,
                now: datetime, max_rows: int, reason: str = "", loaded_at: datetime | None = None) -> ImportResult:
    """Write a file the teacher previewed (read_grid_import) and confirmed: read and checked again,
    then saved all-or-nothing like the grid. A mark someone changed since `loaded_at` (the
    preview) is refused, not overwritten."""
    checked = read_grid_import(session, actor, role, course, term, filename, data, max_rows=max_rows, reason=reason)
    if checked.issues:
        return ImportResult(SaveResult(issues=checked.issues), checked.table.unknown, checked.table)
    result = save_grid(session, actor, role, course, term, checked.cells, checked.remarks, now=now, reason=reason,
                       source_type="import", lines=checked.lines, loaded=Loaded(loaded_at))
    names = {c.label: checked.table.column_name(c.key) for c in term_columns(course, term)}
    for issue in result.issues:
        issue.column = names.get(issue.column, issue.column)
    return ImportResult(result, checked.table.unknown, checked.table)


# ---------------------------------------------------------------- what a pupil and their parents see

@dataclass
class PupilCourse:
    course: Course
    columns: list[Column]
    entries: dict[int, dict[str, GradeEntry]]
    marks: SubjectMarks
    remarks: dict[int, str]

    def mark(self, term: int, key: str) -> Mark:
        return mark_of(self.entries.get(term, {}).get(key))


def pupil_book(session: Session, student: Student, school_class: SchoolClass) -> list[PupilCourse]:
    """A pupil's marks in every course of their class, in three queries."""
    from lms.people.services import courses_of_class

    courses = in_programme_order(courses_of_class(session, school_class.id))
    entries = entries_by_student(session, [c.id for c in courses], [student.id])
    remarks: dict[int, dict[int, str]] = {}
    for r in session.scalars(select(GradeRemark).where(GradeRemark.student_id == student.id,
                                                       GradeRemark.course_id.in_([c.id for c in courses] or [0]))):
        remarks.setdefault(r.course_id, {})[r.term] = r.text
    out = []
    for c in courses:
        columns = columns_of(c)
        mine = entries.get((c.id, student.id), {})
        out.append(PupilCourse(c, columns, mine, subject_marks(c, columns, mine), remarks.get(c.id, {})))
    return out


def books_of_year(session: Session, year, teacher: User | None) -> tuple[list[Course], list[SchoolClass]]:
    """A year's courses and classes: a teacher's own (taught, kept as homeroom), or all (admin)."""
    courses = (select(Course).join(SchoolClass, SchoolClass.id == Course.class_id)
               .where(SchoolClass.school_year_id == year.id).order_by(SchoolClass.grade, SchoolClass.name))
    classes = (select(SchoolClass).where(SchoolClass.school_year_id == year.id)
               .order_by(SchoolClass.grade, SchoolClass.name))
    if teacher is not None:
        courses = courses.where(Course.teacher_id == teacher.id)
        classes = classes.where(SchoolClass.homeroom_teacher_id == teacher.id)
    return list(session.scalars(courses)), list(session.scalars(classes))
