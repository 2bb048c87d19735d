"""The homeroom teacher's part: conduct and attendance per term, the year comment and summer
training, and the class summary (bảng tổng hợp) with its promotion, re-test, summer-training and
award lists — for secondary (TT22) and primary (TT27) classes."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.attendance.registers import term_absences
from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.core.text import fold, nfc, nfc_text
from lms.core.timeutil import utcnow
from lms.gradebook import results, tt22, tt27
from lms.gradebook.book import (REASON_MAX, CellError, Field, Issue, Loaded, WriteResult, check_fresh, check_remark,
                                check_writable, columns_of, entries_by_student, in_programme_order, is_comment,
                                record_write, subject_marks)
from lms.gradebook.labels import (AWARD_LABELS, DECISION_LABELS, LEVEL_LABELS, PASS_LABELS,
                                  PRIMARY_LEVEL_LABELS, PRIMARY_RESULT_LABELS, TERM_LABELS,
                                  summary_rule)
from lms.gradebook.models import TermRecord, YearRecord
from lms.gradebook.permissions import require_class
from lms.gradebook.primary import (QUALITY_CODES, qualities_by_student, records_by_student, tested)
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Course, SchoolClass, Student, level_of_grade
from lms.people.services import courses_of_class, students_of_class

_CONDUCT_WORDS = {"t": "T", "tot": "T", "k": "K", "kha": "K", "d": "D", "dat": "D", "c": "C", "cd": "C",
                  "chua dat": "C"}
ABSENCE_MAX = 200


def is_primary(school_class: SchoolClass) -> bool:
    return level_of_grade(school_class.grade).value == "TH"


def parse_conduct(text: str) -> str | None:
    value = fold(text).replace(".", "").strip()
    if not value:
        return None
    if value not in _CONDUCT_WORDS:
        raise CellError(_l("“%(v)s” không hợp lệ: nhập T (Tốt), K (Khá), Đ (Đạt) hoặc CĐ (Chưa đạt).", v=nfc(text)))
    return _CONDUCT_WORDS[value]


def parse_sessions(text: str) -> int:
    value = nfc(text)
    if not value:
        return 0
    if not (value.isascii() and value.isdigit()) or int(value) > ABSENCE_MAX:
        raise CellError(_l("“%(v)s” không hợp lệ: số buổi nghỉ là số nguyên từ 0 đến %(m)s.", v=value, m=ABSENCE_MAX))
    return int(value)


# ---------------------------------------------------------------- conduct and attendance

@dataclass
class TermRecordInput:
    """What was posted for a pupil (None: that field was not posted)."""
    student_id: int
    conduct: str | None = ""
    excused: str | None = ""
    unexcused: str | None = ""
    comment: str | None = ""


def term_records(session: Session, school_class: SchoolClass) -> dict[tuple[int, int], TermRecord]:
    """(student, term) → record."""
    return {(r.student_id, r.term): r for r in session.scalars(
        select(TermRecord).where(TermRecord.class_id == school_class.id))}


CONDUCT_SHOWN = {"T": "T", "K": "K", "D": "Đ", "C": "CĐ"}   # a conduct level as the page shows it

# field prefix → (record attribute, label, parser, input attribute)
_TERM_FIELDS = (("k", "conduct", _l("Rèn luyện"), parse_conduct, "conduct"),
                ("p", "absent_excused", _l("Nghỉ có phép"), parse_sessions, "excused"),
                ("u", "absent_unexcused", _l("Nghỉ không phép"), parse_sessions, "unexcused"),
                ("m", "comment", _l("Nhận xét"), check_remark, "comment"))


def term_fields(school_class: SchoolClass, term: int, students: list[Student],
                records: dict[tuple[int, int], TermRecord], rows: dict[int, TermRecordInput] | None = None
                ) -> list[Field]:
    """Conduct and attendance fields of a term for the stale-page check (book.check_fresh)."""
    rows, out, primary = rows or {}, [], is_primary(school_class)
    for i, s in enumerate(students, start=1):
        r, item = records.get((s.id, term)), rows.get(s.id)
        for prefix, attr, label, parser, posted in _TERM_FIELDS:
            if prefix == "k" and primary:
                continue
            value = getattr(r, attr) if r is not None else None
            shown = (CONDUCT_SHOWN[value] if prefix == "k" else str(value)) if value else ""
            out.append(Field(f"{prefix}-{s.id}", i, s.full_name, str(label), shown,
                             r.updated_at if r is not None else None,
                             getattr(item, posted) if item is not None else None, parser))
    return out


def save_term_records(session: Session, actor: User, role: str, school_class: SchoolClass, term: int,
                      rows: list[TermRecordInput], *, now: datetime, reason: str = "",
                      loaded: Loaded | None = None) -> WriteResult:
    """Conduct and attendance of a term. Only the fields the user changed are written; one a
    colleague saved since the page was opened (`loaded`) is refused (book.check_fresh)."""
    require_class(actor, role, school_class)
    if term not in (1, 2):
        raise ValidationError(_l("Học kỳ không hợp lệ."))
    pupils = students_of_class(session, school_class)
    students = {s.id: (i, s) for i, s in enumerate(pupils, start=1)}
    if any(item.student_id not in students for item in rows):
        raise ValidationError(_l("Có học sinh không thuộc lớp này; hãy tải lại trang."))
    existing = term_records(session, school_class)
    edits = check_fresh(loaded, term_fields(school_class, term, pupils, existing,
                                            {item.student_id: item for item in rows}))
    if not edits.changed:   # nothing to write: said as such, before a locked term asks for a reason
        return WriteResult(issues=list(edits.conflicts))
    after_lock = check_writable(session, role, school_class.school_year_id, term, nfc(reason)[:REASON_MAX])
    primary = is_primary(school_class)
    result, clean = WriteResult(issues=list(edits.conflicts)), []
    for student_id, (line, student) in students.items():
        if not edits.touched(*(f"{prefix}-{student_id}" for prefix, *_ in _TERM_FIELDS)):
            continue
        record = existing.get((student_id, term))
        values = {"conduct": None if primary else (record.conduct if record else None),
                  "absent_excused": record.absent_excused if record else 0,
                  "absent_unexcused": record.absent_unexcused if record else 0,
                  "comment": record.comment if record else ""}
        for prefix, attr, label, parser, _posted in _TERM_FIELDS:
            text = edits.changed.get(f"{prefix}-{student_id}")
            if text is None:
                continue
            try:
                values[attr] = parser(text)
            except CellError as exc:
                result.issues.append(Issue(line, student.full_name, str(label), nfc(text), str(exc.message)))
        clean.append((student_id, values))
    if result.issues:
        return result
    for student_id, values in clean:
        record = existing.get((student_id, term))
        if record is None:
            if not any([values["conduct"], values["absent_excused"], values["absent_unexcused"], values["comment"]]):
                continue
            record = TermRecord(school_id=school_class.school_id, class_id=school_class.id, student_id=student_id,
                                term=term)
            session.add(record)
        elif all(getattr(record, k) == v for k, v in values.items()):
            continue
        for k, v in values.items():
            setattr(record, k, v)
        record.updated_by, record.updated_at = actor.id, now
        result.written += 1
    session.flush()
    if result.written:
        record_write(session, actor, school_class.school_id, "class", school_class.id, after_lock=after_lock,
                     action="conduct_saved",
                     detail=f"term {term}: {result.written}" + (f" — {nfc(reason)[:120]}" if after_lock else ""))
    return result


@dataclass
class YearRecordInput:
    """What was posted for a pupil (None: that field was not posted)."""
    student_id: int
    comment: str | None = ""
    summer_conduct: str | None = ""


def year_records(session: Session, school_class: SchoolClass) -> dict[int, YearRecord]:
    return {r.student_id: r for r in session.scalars(select(YearRecord).where(YearRecord.class_id == school_class.id))}


def year_fields(students: list[Student], records: dict[int, YearRecord],
                rows: dict[int, YearRecordInput] | None = None) -> list[Field]:
    """The year comment and summer-training conduct fields for the stale-page check (book.check_fresh)."""
    rows, out = rows or {}, []
    for i, s in enumerate(students, start=1):
        r, item = records.get(s.id), rows.get(s.id)
        at = r.updated_at if r is not None else None
        out.append(Field(f"h-{s.id}", i, s.full_name, str(_l("Rèn luyện sau hè")),
                         CONDUCT_SHOWN[r.summer_conduct] if r and r.summer_conduct else "", at,
                         item.summer_conduct if item else None, parse_conduct))
        out.append(Field(f"m-{s.id}", i, s.full_name, str(_l("Nhận xét của GVCN")), r.homeroom_comment if r else "",
                         at, item.comment if item else None, check_remark))
    return out


def save_year_records(session: Session, actor: User, role: str, school_class: SchoolClass,
                      rows: list[YearRecordInput], *, reason: str = "", now: datetime | None = None,
                      loaded: Loaded | None = None) -> WriteResult:
    """The homeroom teacher's year comment (for the report card) and conduct after summer
    training. Only the fields the user changed are written; one a colleague saved since the page
    was opened (`loaded`) is refused (book.check_fresh)."""
    require_class(actor, role, school_class)
    pupils = students_of_class(session, school_class)
    students = {s.id: (i, s) for i, s in enumerate(pupils, start=1)}
    if any(item.student_id not in students for item in rows):
        raise ValidationError(_l("Có học sinh không thuộc lớp này; hãy tải lại trang."))
    existing = year_records(session, school_class)
    edits = check_fresh(loaded, year_fields(pupils, existing, {item.student_id: item for item in rows}))
    if not edits.changed:   # nothing to write: said as such, before a locked term asks for a reason
        return WriteResult(issues=list(edits.conflicts))
    after_lock = check_writable(session, role, school_class.school_year_id, 2, nfc(reason)[:REASON_MAX])
    result, clean = WriteResult(issues=list(edits.conflicts)), []
    for student_id, (line, student) in students.items():
        if not edits.touched(f"h-{student_id}", f"m-{student_id}"):
            continue
        record = existing.get(student_id)
        comment = record.homeroom_comment if record else ""
        summer = record.summer_conduct if record else None
        if f"m-{student_id}" in edits.changed:   # printed on the report card: the grids' one check
            try:
                comment = check_remark(edits.changed[f"m-{student_id}"])
            except CellError as exc:
                result.issues.append(Issue(line, student.full_name, str(_l("Nhận xét của GVCN")),
                                           nfc_text(edits.changed[f"m-{student_id}"]), str(exc.message)))
        if f"h-{student_id}" in edits.changed:
            try:
                summer = parse_conduct(edits.changed[f"h-{student_id}"])
            except CellError as exc:
                result.issues.append(Issue(line, student.full_name, str(_l("Rèn luyện sau hè")),
                                           nfc(edits.changed[f"h-{student_id}"]), str(exc.message)))
        clean.append((student_id, comment, summer))
    if result.issues:
        return result
    for student_id, comment, summer in clean:
        record = existing.get(student_id)
        if record is None:
            if not comment and not summer:
                continue
            record = YearRecord(school_id=school_class.school_id, class_id=school_class.id, student_id=student_id)
            session.add(record)
        elif record.homeroom_comment == comment and record.summer_conduct == summer:
            continue
        record.homeroom_comment, record.summer_conduct = comment, summer
        record.updated_at = now or utcnow()
        result.written += 1
    session.flush()
    if result.written:
        record_write(session, actor, school_class.school_id, "class", school_class.id, after_lock=after_lock,
                     action="year_records_saved", detail=str(result.written))
    return result


# ---------------------------------------------------------------- the class summary (TT22)

@dataclass
class SummaryRow:
    student: Student
    marks: dict[int, results.Mark]            # course id → result for the period
    subject_marks: dict[int, results.SubjectMarks]
    missing: list[str]                        # subjects without a result yet
    learning: tt22.LearningResult | None
    conduct: str | None                       # tt22 level
    excused: int
    unexcused: int
    outcome: results.YearOutcome | None = None
    record: YearRecord | None = None
    conduct_terms: dict[int, str | None] = field(default_factory=dict)

    @property
    def absences(self) -> int:
        return self.excused + self.unexcused


@dataclass
class Summary:
    school_class: SchoolClass
    period: int                                # 1, 2, or 0 for the year
    courses: list[Course]
    rows: list[SummaryRow]

    def count(self, what: str) -> Counter:
        if what == "learning":
            return Counter(r.learning.level for r in self.rows if r.learning)
        if what == "conduct":
            return Counter(r.conduct for r in self.rows if r.conduct)
        return Counter(r.outcome.final or r.outcome.decision for r in self.rows if r.outcome and r.outcome.decision)

    def tallies(self) -> list[tuple[str, str, list[tuple[str, int]]]]:
        """The counts the page, the PDF and the Excel file print, from this one place: (key, title,
        [(level, pupils)]) — learning by level and the pupils whose learning cannot be computed yet,
        conduct by level and those without it yet."""
        learning, conduct = self.count("learning"), self.count("conduct")
        levels = (tt22.TOT, tt22.KHA, tt22.DAT, tt22.CHUA_DAT)
        return [
            ("learning", str(_l("Kết quả học tập")),
             [(str(LEVEL_LABELS[lv]), learning.get(lv, 0)) for lv in levels]
             + [(str(_l("Chưa đủ điểm")), sum(1 for r in self.rows if r.learning is None))]),
            ("conduct", str(_l("Kết quả rèn luyện")),
             [(str(LEVEL_LABELS[lv]), conduct.get(lv, 0)) for lv in levels]
             + [(str(_l("Chưa đánh giá")), sum(1 for r in self.rows if r.conduct is None))]),
        ]

    @property
    def complete(self) -> bool:
        return all(r.learning is not None and r.conduct is not None for r in self.rows)

    def retest_marks(self, row: SummaryRow) -> list[tuple[str, object]]:
        """Each subject the pupil re-takes, with the re-test mark (None until it is entered)."""
        by_name = {c.subject.name: row.subject_marks[c.id] for c in self.courses if c.id in row.subject_marks}
        return [(name, by_name[name].retest if name in by_name else None) for name in row.outcome.retest_subjects]

    def list_entries(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """The year's lists as the page, the PDF and the Excel file print them: (key, title, [(pupil, what)])
        — re-tests with each mark and the result after them, summer training and its outcome, pupils
        retained, awards."""
        from lms.gradebook.book import mark_text
        from lms.i18n import current_locale

        comma = "," if current_locale() == "vi" else "."
        lists = self.lists()

        def retest(r: SummaryRow) -> str:
            none_yet = str(_l("(chưa có điểm)"))
            marks = ", ".join(f"{name} {mark_text(value, comma) if value is not None else none_yet}"
                              for name, value in self.retest_marks(r))
            text = str(_l("Kiểm tra lại: %(m)s", m=marks))
            if r.outcome.learning_after:
                text += " — " + str(_l("sau kiểm tra lại: học tập %(l)s", l=LEVEL_LABELS[r.outcome.learning_after.level]))
                if r.outcome.final:
                    text += f", {DECISION_LABELS[r.outcome.final]}"
            return text

        def training(r: SummaryRow) -> str:
            text = str(_l("Rèn luyện hè"))
            if r.outcome.conduct_after:
                text += " — " + str(_l("sau hè: %(c)s", c=LEVEL_LABELS[r.outcome.conduct_after]))
            return text

        def retained(r: SummaryRow) -> str:
            text = str(_l("Ở lại lớp"))
            return text + (" — " + str(ngettext("nghỉ %(n)s buổi", "nghỉ %(n)s buổi", r.absences, n=r.absences)) if r.absences > 45 else "")

        what = {"retest": retest, "training": training, "retained": retained,
                "awards": lambda r: str(AWARD_LABELS[r.outcome.award])}
        titles = {"retest": _l("Danh sách kiểm tra lại"), "training": _l("Danh sách rèn luyện trong kỳ nghỉ hè"),
                  "retained": _l("Danh sách ở lại lớp"), "awards": _l("Danh sách khen thưởng")}
        return [(key, str(titles[key]), [(r.student.full_name, what[key](r)) for r in lists[key]]) for key in titles]

    def lists(self) -> dict[str, list[SummaryRow]]:
        rows = [r for r in self.rows if r.outcome]
        return {
            "promoted": [r for r in rows if r.outcome.decision == tt22.LEN_LOP],
            "retest": [r for r in rows if r.outcome.retest_subjects],
            "training": [r for r in rows if r.outcome.needs_training],
            "retained": [r for r in rows if r.outcome.final == tt22.O_LAI_LOP],
            "awards": [r for r in rows if r.outcome.award],
        }


def class_summary(session: Session, actor: User, role: str, school_class: SchoolClass, period: int) -> Summary:
    """Every pupil's results for term I, term II or the year (period 0), in a fixed number of queries."""
    require_class(actor, role, school_class)
    return build_summary(session, school_class, period)


def build_summary(session: Session, school_class: SchoolClass, period: int) -> Summary:
    if period not in (0, 1, 2):
        raise ValidationError(_l("Học kỳ không hợp lệ."))
    courses = in_programme_order(courses_of_class(session, school_class.id))
    students = students_of_class(session, school_class)
    entries = entries_by_student(session, [c.id for c in courses])
    records = term_records(session, school_class)
    years = year_records(session, school_class)
    absences = term_absences(session, school_class)
    layouts = {c.id: columns_of(c) for c in courses}
    comments = {c.subject.name: is_comment(c) for c in courses}
    rows = []
    for s in students:
        marks, subject_data, missing = {}, {}, []
        for c in courses:
            data = subject_marks(c, layouts[c.id], entries.get((c.id, s.id), {}))
            subject_data[c.id] = data
            marks[c.id] = data.semester(period) if period else data.year()
            if marks[c.id] is None:
                missing.append(c.subject.name)
        by_name = {c.subject.name: marks[c.id] for c in courses}
        learning = results.learning(by_name, comments)
        r1, r2 = records.get((s.id, 1)), records.get((s.id, 2))
        wanted = (1, 2) if period == 0 else (period,)
        excused = sum(absences[(s.id, t)].excused for t in wanted if (s.id, t) in absences)
        unexcused = sum(absences[(s.id, t)].unexcused for t in wanted if (s.id, t) in absences)
        c1 = results.CONDUCT_CODES.get(r1.conduct) if r1 and r1.conduct else None
        c2 = results.CONDUCT_CODES.get(r2.conduct) if r2 and r2.conduct else None
        record = years.get(s.id)
        row = SummaryRow(s, marks, subject_data, missing, learning, None, excused, unexcused, record=record,
                         conduct_terms={1: c1, 2: c2})
        if period == 1:
            row.conduct = c1
        elif period == 2:
            row.conduct = c2
        else:
            summer = results.CONDUCT_CODES.get(record.summer_conduct) if record and record.summer_conduct else None
            row.outcome = results.year_outcome(list(subject_data.values()), c1, c2, excused + unexcused, summer)
            row.conduct = row.outcome.conduct
        rows.append(row)
    return Summary(school_class, period, courses, rows)


# ---------------------------------------------------------------- the class summary (TT27)

@dataclass
class PrimarySummaryRow:
    student: Student
    records: dict[int, object]                 # course id → PrimaryRecord at the checkpoint
    qualities: dict[str, str]
    result: str | None                         # year result at "cn"
    excused: int
    unexcused: int
    record: YearRecord | None = None

    @property
    def award(self) -> str | None:
        return results.primary_award(self.result)


@dataclass
class PrimarySummary:
    school_class: SchoolClass
    checkpoint: str
    courses: list[Course]
    tests: dict[int, bool]
    rows: list[PrimarySummaryRow]

    def count(self) -> Counter:
        return Counter(r.result for r in self.rows if r.result)

    def totals(self) -> list[tuple[str, int]]:
        """The year's results counted, best first, named ("Hoàn thành xuất sắc: 3") — what the
        page, the PDF and the Excel file print under PRIMARY_TOTALS_TITLE; none before "cn"."""
        from lms.gradebook.labels import PRIMARY_RESULT_LABELS

        if self.checkpoint != "cn":
            return []
        counts = self.count()
        return [(str(PRIMARY_RESULT_LABELS[level]), counts.get(level, 0))
                for level in (tt27.HTXS, tt27.HTT, tt27.HT, tt27.CHT)]

    @property
    def complete(self) -> bool:
        return all(r.result is not None for r in self.rows)


def primary_summary(session: Session, school_class: SchoolClass, checkpoint: str) -> PrimarySummary:
    courses = in_programme_order(courses_of_class(session, school_class.id))
    students = students_of_class(session, school_class)
    records = records_by_student(session, [c.id for c in courses])
    qualities = qualities_by_student(session, school_class.id, checkpoint)
    absences = term_absences(session, school_class)
    years = year_records(session, school_class)
    tests = {c.id: tested(c, checkpoint) for c in courses}
    rows = []
    for s in students:
        mine = {c.id: records.get((c.id, s.id), {}).get(checkpoint) for c in courses}
        levels = qualities.get(s.id, {}).get(checkpoint, {})
        result = None
        if checkpoint == "cn":
            subjects = [results.PrimarySubject(c.subject.name, mine[c.id].level if mine[c.id] else None,
                                               mine[c.id].test_score if mine[c.id] else None, tests[c.id])
                        for c in courses]
            result = results.primary_year(subjects, {q: levels.get(q) for q in tt27.QUALITIES},
                                          {q: levels.get(q) for q in tt27.COMPETENCES})
        wanted = (1,) if checkpoint in ("gk1", "ck1") else (1, 2)
        excused = sum(absences[(s.id, t)].excused for t in wanted if (s.id, t) in absences)
        unexcused = sum(absences[(s.id, t)].unexcused for t in wanted if (s.id, t) in absences)
        rows.append(PrimarySummaryRow(s, mine, levels, result, excused, unexcused, years.get(s.id)))
    return PrimarySummary(school_class, checkpoint, courses, tests, rows)


# ---------------------------------------------------------------- the summary sheet (Excel)

def _mark_cell(value: results.Mark):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(PASS_LABELS[value])
    return value.quantize(Decimal("0.1"))   # written as 9,0, never 9 (core/sheets keeps the places)


def summary_workbook(summary: Summary) -> bytes:
    from openpyxl.styles import Alignment, Font, PatternFill

    from lms.core.sheets import new_workbook, to_bytes

    wb = new_workbook()
    ws = wb.active
    ws.title = f"{summary.school_class.name} {TERM_LABELS[summary.period]}"[:31]
    headers = [str(_l("STT")), str(_l("Mã học sinh")), str(_l("Họ và tên")),
               *[c.subject.name for c in summary.courses], str(_l("Kết quả học tập")), str(_l("Kết quả rèn luyện")),
               str(_l("Nghỉ có phép")), str(_l("Nghỉ không phép"))]
    if summary.period == 0:
        headers += [str(_l("Xét lên lớp")), str(_l("Môn kiểm tra lại")), str(_l("Danh hiệu"))]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for n, row in enumerate(summary.rows, start=1):
        values = [n, row.student.student_code, row.student.full_name,
                  *[_mark_cell(row.marks[c.id]) for c in summary.courses],
                  str(LEVEL_LABELS[row.learning.level]) if row.learning else "",
                  str(LEVEL_LABELS[row.conduct]) if row.conduct else "", row.excused, row.unexcused]
        if summary.period == 0:
            o = row.outcome
            decision = o.final or o.decision if o else None
            values += [str(DECISION_LABELS[decision]) if decision else "", ", ".join(o.retest_subjects) if o else "",
                       str(AWARD_LABELS[o.award]) if o and o.award else ""]
        ws.append(values)
        for cell, v in zip(ws[ws.max_row], values):
            if isinstance(v, Decimal):
                cell.number_format = "0.0"                       # 9,0 — never 9
    ws.append([])
    for _key, title, counts in summary.tallies():   # the counts the page and the PDF show
        ws.append(["", "", title, *[f"{label}: {n}" for label, n in counts]])
        ws[ws.max_row][2].font = Font(bold=True)
    if summary.period == 0:       # the lists the page and the PDF show, item by item
        for _key, title, entries in summary.list_entries():
            ws.append([])
            ws.append([f"{title} ({len(entries)})"])
            ws[ws.max_row][0].font = Font(bold=True)
            for n, (name, what) in enumerate(entries, start=1):
                ws.append([n, "", name, what])
            if not entries:
                ws.append(["", "", str(_l("Không có"))])
    ws.append([])
    ws.append([summary_rule(summary.period)])
    ws.freeze_panes = "D2"
    ws.column_dimensions["C"].width = 28
    ws.row_dimensions[1].height = 60
    return to_bytes(wb)


def primary_workbook(summary: PrimarySummary) -> bytes:
    from lms.gradebook.labels import QUALITY_LEVEL_LABELS, QUALITY_NAMES
    from lms.core.sheets import write_workbook

    headers = [str(_l("STT")), str(_l("Mã học sinh")), str(_l("Họ và tên"))]
    for c in summary.courses:
        headers.append(c.subject.name)
        if summary.tests[c.id]:
            headers.append(str(_l("%(s)s — điểm KTĐK", s=c.subject.name)))
    headers += [str(QUALITY_NAMES[q]) for q in QUALITY_CODES]
    headers += [str(_l("Nghỉ có phép")), str(_l("Nghỉ không phép"))]
    if summary.checkpoint == "cn":
        headers += [str(_l("Kết quả cuối năm")), str(_l("Khen thưởng"))]
    rows = []
    for n, row in enumerate(summary.rows, start=1):
        values: list[object] = [n, row.student.student_code, row.student.full_name]
        for c in summary.courses:
            rec = row.records[c.id]
            values.append(str(PRIMARY_LEVEL_LABELS[rec.level]) if rec and rec.level else "")
            if summary.tests[c.id]:
                values.append(rec.test_score if rec and rec.test_score else "")
        values += [str(QUALITY_LEVEL_LABELS[row.qualities[q]]) if row.qualities.get(q) else "" for q in QUALITY_CODES]
        values += [row.excused, row.unexcused]
        if summary.checkpoint == "cn":
            values += [str(PRIMARY_RESULT_LABELS[row.result]) if row.result else "",
                       str(AWARD_LABELS[row.award]) if row.award else ""]
        rows.append(values)
    from lms.gradebook.labels import PRIMARY_TOTALS_TITLE, primary_summary_rule

    if summary.checkpoint == "cn":
        rows += [[], [str(PRIMARY_TOTALS_TITLE)], *[["", label, n] for label, n in summary.totals()]]
    rows += [[], [primary_summary_rule(summary.checkpoint)]]
    return write_workbook(summary.school_class.name, headers, rows)
