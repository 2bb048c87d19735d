"""Teaching plans (kế hoạch dạy học): the periods of a course, week by week, with topic and mode.

A plan is generated from the subject's periods per year, imported from the school's Excel plan
(one row per lesson or topic, with its number of periods), or edited as a table. Whatever the
route, the plan is validated whole and saved whole: an error on one line saves nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import ValidationError
from lms.core.text import fold, nfc
from lms.courses.models import Mode, PlanPeriod
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.imports import Issue
from lms.people.models import Course, SchoolYear
from lms.core.sheets import write_workbook
from lms.core.tables import Column, Table, read_table, to_int

TEACHING_WEEKS = 35   # MOET frame: HK I 18 weeks + HK II 17 weeks
TERM1_WEEKS = 18
MAX_WEEK = 53
MAX_PERIODS = 400
TOPIC_MAX = 300

MODE_LABELS = {Mode.IN_PERSON: _l("Trực tiếp"), Mode.ONLINE_LIVE: _l("Trực tuyến trực tiếp"),
               Mode.ONLINE_SELF: _l("Trực tuyến tự học")}
# Accepted spellings in imported files (accent-insensitive).
_MODE_ALIASES = {
    Mode.IN_PERSON: ("truc tiep", "truc tiep tai lop", "tai lop", "in person", "offline", "tt"),
    Mode.ONLINE_LIVE: ("truc tuyen", "truc tuyen truc tiep", "truc tuyen dong bo", "online", "online live",
                       "hoc truc tuyen"),
    Mode.ONLINE_SELF: ("truc tuyen tu hoc", "tu hoc", "tu hoc truc tuyen", "truc tuyen khong dong bo",
                       "online self-paced", "self-paced", "elearning", "e-learning"),
}
_MODE_LOOKUP = {alias: mode for mode, aliases in _MODE_ALIASES.items() for alias in aliases}

# The template's headers, those of the provinces' plan forms (CV 5512 Phụ lục I and III: "Bài học
# (1) | Số tiết (2) | Thời điểm (3) | Thiết bị dạy học (4)…") and of a programme distribution (PPCT:
# "Tuần | Tiết | Tên bài dạy"); compared without accents or case.
PLAN_SPEC: list[Column] = [
    Column("week", "Tuần", ("Tuần học", "Tuần thứ", "Tuần dạy", "Thời điểm", "Thời điểm (tuần)", "Thời gian",
                            "Thời gian thực hiện", "Week"), anchor=True),
    Column("topic", "Tên bài học / chủ đề", ("Tên bài học", "Bài học", "Chủ đề", "Tên bài", "Nội dung",
                                             "Tên bài học/chủ đề", "Bài học / chủ đề", "Tên chủ đề/bài học",
                                             "Tên bài dạy", "Bài dạy", "Nội dung bài học", "Chủ đề/Bài học",
                                             "Bài học/Chủ đề", "Tên chủ đề", "Chương/Bài", "Lesson", "Topic"),
           required=True, text=True),
    Column("count", "Số tiết", ("Số tiết dạy", "Thời lượng", "Thời lượng (tiết)", "Số tiết thực hiện", "Periods")),
    Column("period", "Tiết", ("Tiết thứ", "Tiết PPCT", "Tiết theo PPCT", "Tiết số")),
    Column("mode", "Hình thức", ("Hình thức dạy học", "Hình thức tổ chức", "Hình thức tổ chức dạy học",
                                 "Hình thức dạy", "Mode")),
]
PLAN_COLUMNS: dict[str, tuple[str, ...]] = {c.key: (str(c.label), *c.aliases) for c in PLAN_SPEC}
PLAN_REQUIRED = ("week", "topic")
PLAN_HEADERS = ["Tuần*", "Tên bài học / chủ đề*", "Số tiết", "Hình thức"]


@dataclass
class PeriodInput:
    """One row of the plan as edited: an existing period (id) or a new one (id None)."""

    id: int | None
    week: str
    topic: str
    mode: str


def parse_mode(text: str) -> Mode | None:
    folded = fold(text).strip().rstrip(".")
    if not folded:
        return Mode.IN_PERSON
    if folded in {m.value for m in Mode}:
        return Mode(folded)
    return _MODE_LOOKUP.get(folded)


def plan_of(session: Session, course: Course) -> list[PlanPeriod]:
    return list(session.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course.id)
                                .order_by(PlanPeriod.number)))


def term_of_week(year: SchoolYear | None, week: int) -> int:
    """The term a teaching week falls in: by the year's term dates when they exist."""
    if year is not None and year.terms:
        day = week_start(year, week)
        for term in year.terms:
            if day <= term.end_date:
                return term.number
        return year.terms[-1].number
    return 1 if week <= TERM1_WEEKS else 2


def term_weeks(year: SchoolYear | None, term: int) -> tuple[int, int]:
    """The first and last teaching week of a term, from the year's own term dates (the plan
    template and the online-share report both read them here); (0, -1) when the term has none."""
    if year is not None and year.terms:
        last_week = max(TEACHING_WEEKS, (year.end_date - week_start(year, 1)).days // 7 + 1)
        weeks = [w for w in range(1, last_week + 1) if term_of_week(year, w) == term]
        return (min(weeks), max(weeks)) if weeks else (0, -1)
    return (1, TERM1_WEEKS) if term == 1 else (TERM1_WEEKS + 1, TEACHING_WEEKS)


def week_start(year: SchoolYear, week: int) -> date:
    """Monday of a teaching week (week 1 is the week of the year's first day)."""
    first = year.start_date - timedelta(days=year.start_date.weekday())
    return first + timedelta(days=7 * (week - 1))


def generate_plan(session: Session, actor: User, course: Course, *, weeks: int = TEACHING_WEEKS) -> int:
    """Create the periods of an empty plan from the subject's periods per year, spread evenly over
    the teaching weeks. Returns how many periods were created."""
    if session.scalar(select(func.count()).select_from(PlanPeriod).where(PlanPeriod.course_id == course.id)):
        raise ValidationError(_l("Kế hoạch đã có tiết; hãy sửa trong bảng hoặc nhập lại từ Excel."))
    total = course.subject.periods_for(course.school_class.grade)
    if not total:
        raise ValidationError(_l("Môn %(s)s chưa có số tiết cả năm cho khối %(g)s; hãy khai báo trong mục Môn học.",
                                 s=course.subject.name, g=course.school_class.grade))
    for i in range(total):
        session.add(PlanPeriod(school_id=course.school_id, course_id=course.id, number=i + 1,
                               week=i * weeks // total + 1, topic="", mode=Mode.IN_PERSON))
    session.flush()
    audit.record(session, "plan_generated", actor_id=actor.id, school_id=course.school_id,
                 subject_type="course", subject_id=course.id, detail=str(total))
    return total


def save_plan(session: Session, actor: User, course: Course, rows: list[PeriodInput]) -> list[Issue]:
    """Replace the plan with these rows (in this order). Existing periods keep their lesson.
    Returns the problems found; when there are any, nothing is changed."""
    issues: list[Issue] = []
    parsed: list[tuple[int | None, int, str, Mode]] = []
    existing = {p.id: p for p in plan_of(session, course)}
    if len(rows) > MAX_PERIODS:
        issues.append(Issue(0, _("Tiết"), ngettext("Kế hoạch có tối đa %(m)s tiết.", "Kế hoạch có tối đa %(m)s tiết.", MAX_PERIODS, m=MAX_PERIODS)))
    for line, row in enumerate(rows, start=1):
        week, row_issues = _check_row(line, row.week, row.topic, row.mode)
        issues += row_issues
        if row.id is not None and row.id not in existing:
            issues.append(Issue(line, _("Tiết"), _("Tiết này không thuộc kế hoạch dạy học của môn học.")))
        if not row_issues:
            parsed.append((row.id, week, nfc(row.topic).strip(), parse_mode(row.mode)))
    if issues:
        return issues
    _write(session, course, existing, parsed)
    audit.record(session, "plan_saved", actor_id=actor.id, school_id=course.school_id,
                 subject_type="course", subject_id=course.id, detail=str(len(parsed)))
    return []


def _check_row(line: int, week_text: str, topic: str, mode_text: str) -> tuple[int, list[Issue]]:
    issues = []
    week = 0
    try:
        week = int(str(week_text).strip())
        if not 1 <= week <= MAX_WEEK:
            raise ValueError
    except ValueError:
        issues.append(Issue(line, _("Tuần"), _("Tuần phải là số nguyên từ 1 đến %(m)s (đang là “%(v)s”).",
                                                m=MAX_WEEK, v=week_text)))
    if len(nfc(topic).strip()) > TOPIC_MAX:
        issues.append(Issue(line, _("Tên bài học / chủ đề"), ngettext("Tên bài dài quá %(m)s ký tự.", "Tên bài dài quá %(m)s ký tự.", TOPIC_MAX, m=TOPIC_MAX)))
    if parse_mode(mode_text) is None:
        issues.append(Issue(line, _("Hình thức"),
                            _("Không hiểu hình thức “%(v)s”; dùng: Trực tiếp, Trực tuyến trực tiếp, Trực tuyến tự học.",
                              v=mode_text)))
    return week, issues


def _write(session: Session, course: Course, existing: dict[int, PlanPeriod],
           parsed: list[tuple[int | None, int, str, Mode]], numbers: list[int] | None = None) -> None:
    """Save the rows as the course's periods, numbered 1, 2, 3… in order or with `numbers`."""
    keep = {pid for pid, *_ in parsed if pid is not None}
    gone = [pid for pid in existing if pid not in keep]
    if gone:
        session.execute(delete(PlanPeriod).where(PlanPeriod.id.in_(gone)))
    # Numbers are unique per course: move the kept ones out of the way before renumbering.
    for period in existing.values():
        if period.id in keep:
            period.number = -period.id
    session.flush()
    for number, (pid, week, topic, mode) in zip(numbers or range(1, len(parsed) + 1), parsed, strict=True):
        if pid is None:
            session.add(PlanPeriod(school_id=course.school_id, course_id=course.id, number=number, week=week,
                                   topic=topic, mode=mode))
        else:
            period = existing[pid]
            period.number, period.week, period.topic, period.mode = number, week, topic, mode
    session.flush()


@dataclass
class PlanImport:
    issues: list[Issue]
    unknown_headers: list[str]
    periods: int = 0
    online: int = 0
    table: Table | None = None
    rows: list[tuple[int, int, str, Mode]] = field(default_factory=list)   # (line, week, topic, mode) per period
    numbers: list[int] = field(default_factory=list)   # each period's number, as the plan's "Tiết" gives it
    numbered_by: str | None = None    # the file's period column the numbers are taken from (None: in line order)


# One number or a span of two, with the unit's word before each. Three digits, since a programme
# distribution numbers a subject's periods through the year (Toán 6: tiết 1 to 140); the bounds
# (MAX_WEEK, MAX_PERIODS) are checked on the numbers, never by the pattern's width.
_SPAN = r"^(?:{w})?\s*(\d{{1,3}})(?:\s*(?:-|–|den|->|,)\s*(?:(?:{w})\s*)?(\d{{1,3}}))?$"
_WEEKS = re.compile(_SPAN.format(w="tuan|t|week"))
_PERIODS = re.compile(_SPAN.format(w="tiet|t|period"))


_DAYS_ECHO = re.compile(r"\(\s*[\d/.\s\-–đếnden]+\)|[:,]\s*\d{1,2}/\d{1,2}\S*\s*[-–]\s*\d{1,2}/\d{1,2}\S*\s*$")


def _week_range(text: str, pattern: re.Pattern[str] = _WEEKS) -> tuple[int, int] | None:
    """“3”, “Tuần 3”, “T3”, “Tuần 3–4”, “3, 4”: the first and last teaching week (with `_PERIODS`,
    the first and last period: “101”, “Tiết 99-100”)."""
    # The form's “Thời điểm” often repeats the week's days after it: “Tuần 1 (07/9 - 12/9)”,
    # “Tuần 1: 07/9-12/9” — the week is what is read, its days only echo it.
    text = _DAYS_ECHO.sub(" ", str(text))
    found = pattern.match(" ".join(fold(text).split()).strip().rstrip(".:"))
    if found is None:
        return None
    first = int(found.group(1))
    last = int(found.group(2) or first)
    return (first, last) if first <= last else None


def _week_refusal(raw: str) -> str:
    """Why a plan line's week is not read: a month where a week is meant, a span written backwards,
    a week outside the year, or no week at all."""
    folded = fold(raw).strip()
    if folded.startswith(("thang", "month")):
        return _("Ghi tuần học (ví dụ “Tuần 1” hoặc “Tuần 1 (07/9 - 12/9)”), không ghi tháng (đang là “%(v)s”).",
                 v=raw)
    spans = re.findall(r"\d{1,3}", _DAYS_ECHO.sub(" ", raw))
    if len(spans) == 2 and int(spans[0]) > int(spans[1]):
        return _("Tuần đầu phải trước tuần cuối, như “Tuần 5-6” (đang là “%(v)s”).", v=raw)
    return _("Tuần phải là số nguyên từ 1 đến %(m)s, hoặc hai tuần liền như “Tuần 5-6” (đang là “%(v)s”).",
             m=MAX_WEEK, v=raw)


def read_plan(filename: str, data: bytes) -> PlanImport:
    """Read the school's plan as it is (title block, chapter and term headings, footer skipped and
    listed) into its periods, checking every line; nothing is written."""
    table = read_table(filename, data, PLAN_SPEC, max_rows=MAX_PERIODS)
    result = PlanImport([], table.unknown, table=table)
    header_line = table.header_lines[0] if table.header_lines else 1
    result.issues = [Issue(header_line, label, _("Thiếu cột bắt buộc “%(c)s”.", c=label)) for label in table.missing
                     if label != table.label("week")]
    if result.issues:
        return result
    # Refusals name the columns as the file names them ("Số tiết (2) (C)").
    week_label, count_label = table.column_name("week"), table.column_name("count")
    previous_week: int | None = None
    previous_heading: str | None = None
    numbered = "period" in table.columns
    period_label = table.column_name("period")
    next_number = 1
    claimed: list[tuple[int, list[int]]] = []   # (line, its period numbers), bad lines' too
    unreadable = False                          # a period cell not read: the gaps are not known
    for line in table.lines:
        row_issues: list[Issue] = []
        numbers: list[int] | None = None
        topic = nfc(line.text("topic"))
        weeks = None
        raw_week = line.text("week")
        heading = line.headings[-1] if line.headings else None
        if raw_week:
            weeks = _week_range(raw_week)
            if weeks is None or not (1 <= weeks[0] and weeks[1] <= MAX_WEEK):
                row_issues.append(Issue(line.number, week_label, _week_refusal(raw_week)))
        elif heading and heading != previous_heading and _week_range(heading):
            weeks = _week_range(heading)          # under a heading row “TUẦN 5”
        elif previous_week is not None:
            weeks = (previous_week, previous_week)  # the week is written once, on its first lesson
        else:
            row_issues.append(Issue(line.number, week_label, _("Thiếu tuần học.")))
        previous_heading = heading
        if not topic:
            row_issues.append(Issue(line.number, table.column_name("topic"), _("Thiếu tên bài học hoặc chủ đề.")))
        elif len(topic) > TOPIC_MAX:
            row_issues.append(Issue(line.number, table.column_name("topic"), ngettext("Tên bài dài quá %(m)s ký tự.", "Tên bài dài quá %(m)s ký tự.", TOPIC_MAX, m=TOPIC_MAX)))
        count = 1
        span = None
        if line.has("period"):
            span = _week_range(line.text("period"), _PERIODS)   # “Tiết 5–6”: two periods
            if span is None or not (1 <= span[0] and span[1] <= MAX_PERIODS and span[1] - span[0] < 20):
                row_issues.append(Issue(line.number, period_label, _(
                    "Tiết phải là số tiết theo phân phối chương trình, từ 1 đến %(m)s, hoặc hai số như “4-5” "
                    "(đang là “%(v)s”).", m=MAX_PERIODS, v=line.text("period"))))
                span = None
        try:
            if line.has("count"):
                count = to_int(line.get("count"))
                if not 1 <= count <= 20:
                    raise ValueError
                if span is not None and span[1] > span[0] and span[1] - span[0] + 1 != count:
                    row_issues.append(Issue(line.number, count_label, _(
                        "Số tiết “%(c)s” không khớp với cột tiết “%(p)s”.", c=line.text("count"),
                        p=line.text("period"))))
            elif span is not None:
                count = span[1] - span[0] + 1
        except ValueError:
            row_issues.append(Issue(line.number, count_label, _(
                "Số tiết phải là số nguyên từ 1 đến 20 (đang là “%(v)s”).", v=line.text("count"))))
        if numbered and (span is not None or not line.has("period")):
            # The plan's own numbering is kept; a line without its number follows the one above.
            first_number = span[0] if span is not None else next_number
            numbers = list(range(first_number, first_number + count))
            next_number = numbers[-1] + 1
            claimed.append((line.number, numbers))
        elif numbered:
            unreadable = True
        mode = parse_mode(line.text("mode"))
        if mode is None:
            row_issues.append(Issue(line.number, table.column_name("mode"), _(
                "Không hiểu hình thức “%(v)s”; dùng: Trực tiếp, Trực tuyến trực tiếp, Trực tuyến tự học.",
                v=line.text("mode"))))
        result.issues += row_issues
        if row_issues:
            continue
        previous_week = weeks[1]
        first, last = weeks
        numbers = numbers or list(range(next_number, next_number + count))
        next_number = numbers[-1] + 1
        for k in range(count):
            result.rows.append((line.number, first + k * (last - first + 1) // count, topic, mode))
        result.numbers += numbers
    if numbered:
        result.numbered_by = period_label
        result.issues = sorted(result.issues + _numbering_issues(claimed, period_label, gaps=not unreadable),
                               key=lambda i: i.line)
    if not result.rows and not result.issues:
        result.issues.append(Issue(header_line + 1, table.column_name("topic"), _("Tệp không có dòng kế hoạch nào.")))
    if len(result.rows) > MAX_PERIODS:
        result.issues.append(Issue(0, count_label, ngettext("Kế hoạch có tối đa %(m)s tiết.", "Kế hoạch có tối đa %(m)s tiết.", MAX_PERIODS, m=MAX_PERIODS)))
    result.periods = len(result.rows)
    result.online = sum(1 for *_rest, mode in result.rows if mode.online)
    return result


def _numbering_issues(claimed: list[tuple[int, list[int]]], column: str, *, gaps: bool) -> list[Issue]:
    """A period number used twice, and (`gaps`) the periods a plan leaves out — a gap in its
    numbering, or a plan that does not start at tiết 1 — each named on its line."""
    issues: list[Issue] = []
    seen: dict[int, int] = {}
    for line, numbers in claimed:
        twice = [n for n in numbers if n in seen]
        if twice:
            issues.append(Issue(line, column, _("Tiết %(n)s đã có ở dòng %(l)s; mỗi tiết chỉ có một dòng.",
                                                n=twice[0], l=seen[twice[0]])))
        for n in numbers:
            seen.setdefault(n, line)
    if not gaps:
        return issues
    expected = 1
    for line, number in sorted(((line, n) for line, numbers in claimed for n in numbers), key=lambda x: x[1]):
        if number > expected:
            missing = str(expected) if number - 1 == expected else f"{expected}–{number - 1}"
            issues.append(Issue(line, column, _(
                "Kế hoạch thiếu tiết %(m)s: dòng này là tiết %(n)s, dòng trước trong thứ tự tiết là tiết %(p)s.",
                m=missing, n=number, p=expected - 1) if expected > 1 else _(
                "Kế hoạch thiếu tiết %(m)s: tiết đầu tiên của tệp là tiết %(n)s.", m=missing, n=number)))
        expected = max(expected, number + 1)
    issues.sort(key=lambda i: i.line)
    return issues


def import_plan(session: Session, actor: User, course: Course, filename: str, data: bytes) -> PlanImport:
    """Read the school's plan (see `read_plan`) and, when no line is bad, replace the course's
    periods with it. Periods are matched by number, so lessons already attached stay attached."""
    result = read_plan(filename, data)
    if result.issues:
        return result
    existing = plan_of(session, course)
    by_number = {p.number: p.id for p in existing}
    rows = [(by_number.get(n), week, topic, mode) for n, (_line, week, topic, mode) in zip(result.numbers, result.rows,
                                                                                          strict=True)]
    _write(session, course, {p.id: p for p in existing}, rows, numbers=result.numbers)
    audit.record(session, audit.Action.IMPORT, actor_id=actor.id, school_id=course.school_id,
                 subject_type="course", subject_id=course.id, detail=f"plan:{len(rows)}")
    return result


def plan_template(year: SchoolYear | None = None) -> bytes:
    rows = [[1, "Bài 1. Tập hợp", 2, "Trực tiếp"], [2, "Bài 2. Cách ghi số tự nhiên", 1, "Trực tuyến tự học"],
            [2, "Luyện tập chung", 2, "Trực tuyến trực tiếp"]]
    notes = ["Mỗi dòng là một bài học hoặc chủ đề; cột “Số tiết” cho biết bài đó chiếm bao nhiêu tiết (mặc định 1).",
             "Cột “Tuần” là tuần học trong năm, tính từ tuần khai giảng (HK I: tuần %d–%d, HK II: tuần %d–%d, "
             "theo ngày của học kỳ trong năm học)." % (*term_weeks(year, 1), *term_weeks(year, 2)),
             "Cột “Hình thức”: Trực tiếp, Trực tuyến trực tiếp, hoặc Trực tuyến tự học (để trống = Trực tiếp).",
             "Có cột “Tiết” (số tiết theo phân phối chương trình, “4-5” cho bài 2 tiết) thì các tiết giữ số đó; không có "
             "thì được đánh số theo thứ tự dòng. Nhập lại tệp giữ nguyên các bài học đã gắn với tiết cùng số."]
    return write_workbook("Kế hoạch dạy học", PLAN_HEADERS, rows, widths=[8, 60, 10, 24], notes=notes)


def plan_workbook(periods: list[PlanPeriod]) -> bytes:
    rows = [[p.week, p.topic or f"Tiết {p.number}", 1, str(MODE_LABELS[Mode(p.mode)])] for p in periods]
    return write_workbook("Kế hoạch dạy học", PLAN_HEADERS, rows, widths=[8, 60, 10, 24])
