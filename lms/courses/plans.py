"""Teaching plans (kế hoạch dạy học): the periods of a course, week by week, with topic and mode.

A plan is generated from the subject's periods per year, imported from the school's Excel plan
(one row per lesson or topic, with its number of periods), or edited as a table. Whatever the
route, the plan is validated whole and saved whole: an error on one line saves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
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
from lms.people.imports import Issue
from lms.people.models import Course, SchoolYear
from lms.people.tables import cell_text, map_headers, read_table, write_workbook

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

PLAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "week": ("Tuần", "Tuần học", "Tuần thứ"),
    "topic": ("Tên bài học / chủ đề", "Tên bài học", "Bài học", "Chủ đề", "Tên bài", "Nội dung",
              "Tên bài học/chủ đề", "Bài học / chủ đề", "Tên chủ đề/bài học"),
    "count": ("Số tiết", "Số tiết dạy"),
    "mode": ("Hình thức", "Hình thức dạy học", "Hình thức tổ chức"),
}
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
        issues.append(Issue(0, _("Tiết"), _("Kế hoạch có tối đa %(m)s tiết.", m=MAX_PERIODS)))
    for line, row in enumerate(rows, start=1):
        week, row_issues = _check_row(line, row.week, row.topic, row.mode)
        issues += row_issues
        if row.id is not None and row.id not in existing:
            issues.append(Issue(line, _("Tiết"), _("Tiết này không thuộc kế hoạch của lớp học phần.")))
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
        issues.append(Issue(line, _("Tên bài học / chủ đề"), _("Tên bài dài quá %(m)s ký tự.", m=TOPIC_MAX)))
    if parse_mode(mode_text) is None:
        issues.append(Issue(line, _("Hình thức"),
                            _("Không hiểu hình thức “%(v)s”; dùng: Trực tiếp, Trực tuyến trực tiếp, Trực tuyến tự học.",
                              v=mode_text)))
    return week, issues


def _write(session: Session, course: Course, existing: dict[int, PlanPeriod],
           parsed: list[tuple[int | None, int, str, Mode]]) -> None:
    keep = {pid for pid, *_ in parsed if pid is not None}
    gone = [pid for pid in existing if pid not in keep]
    if gone:
        session.execute(delete(PlanPeriod).where(PlanPeriod.id.in_(gone)))
    # Numbers are unique per course: move the kept ones out of the way before renumbering.
    for period in existing.values():
        if period.id in keep:
            period.number = -period.id
    session.flush()
    for number, (pid, week, topic, mode) in enumerate(parsed, start=1):
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


def import_plan(session: Session, actor: User, course: Course, filename: str, data: bytes) -> PlanImport:
    """Read the school's Excel plan: one row per lesson or topic, expanded into its periods.
    Periods are matched by number, so lessons already attached stay attached."""
    sheet = read_table(filename, data, MAX_PERIODS)
    found, unknown = map_headers(sheet.headers, PLAN_COLUMNS)
    issues = [Issue(1, PLAN_COLUMNS[k][0], _("Thiếu cột bắt buộc “%(c)s”.", c=PLAN_COLUMNS[k][0]))
              for k in PLAN_REQUIRED if k not in found]
    if issues:
        return PlanImport(issues, unknown)
    parsed: list[tuple[int, str, Mode]] = []
    for line, cells in sheet.rows:
        value = {k: cell_text(cells[i]) if i < len(cells) else "" for k, i in found.items()}
        week, row_issues = _check_row(line, value.get("week", ""), value.get("topic", ""), value.get("mode", ""))
        if not value.get("topic", "").strip():
            row_issues.append(Issue(line, _("Tên bài học / chủ đề"), _("Thiếu tên bài học hoặc chủ đề.")))
        count = 1
        if value.get("count", "").strip():
            try:
                count = int(value["count"].strip())
                if not 1 <= count <= 20:
                    raise ValueError
            except ValueError:
                row_issues.append(Issue(line, _("Số tiết"), _("Số tiết phải là số nguyên từ 1 đến 20 (đang là “%(v)s”).",
                                                               v=value["count"])))
        issues += row_issues
        if not row_issues:
            parsed += [(week, nfc(value["topic"]).strip(), parse_mode(value.get("mode", "")))] * count
    if not parsed and not issues:
        issues.append(Issue(2, _("Tên bài học / chủ đề"), _("Tệp không có dòng kế hoạch nào.")))
    if len(parsed) > MAX_PERIODS:
        issues.append(Issue(0, _("Số tiết"), _("Kế hoạch có tối đa %(m)s tiết.", m=MAX_PERIODS)))
    if issues:
        return PlanImport(issues, unknown)
    existing = plan_of(session, course)
    by_number = {p.number: p.id for p in existing}
    rows = [(by_number.get(n), week, topic, mode) for n, (week, topic, mode) in enumerate(parsed, start=1)]
    _write(session, course, {p.id: p for p in existing}, rows)
    audit.record(session, audit.Action.IMPORT, actor_id=actor.id, school_id=course.school_id,
                 subject_type="course", subject_id=course.id, detail=f"plan:{len(rows)}")
    return PlanImport([], unknown, len(rows), sum(1 for _w, _t, m in parsed if m.online))


def plan_template() -> bytes:
    rows = [[1, "Bài 1. Tập hợp", 2, "Trực tiếp"], [2, "Bài 2. Cách ghi số tự nhiên", 1, "Trực tuyến tự học"],
            [2, "Luyện tập chung", 2, "Trực tuyến trực tiếp"]]
    notes = ["Mỗi dòng là một bài học hoặc chủ đề; cột “Số tiết” cho biết bài đó chiếm bao nhiêu tiết (mặc định 1).",
             "Cột “Tuần” là tuần học trong năm, từ 1 đến 35 (HK I: tuần 1–18, HK II: tuần 19–35).",
             "Cột “Hình thức”: Trực tiếp, Trực tuyến trực tiếp, hoặc Trực tuyến tự học (để trống = Trực tiếp).",
             "Các tiết được đánh số theo thứ tự dòng; nhập lại tệp giữ nguyên các bài học đã gắn với tiết cùng số."]
    return write_workbook("Kế hoạch dạy học", PLAN_HEADERS, rows, widths=[8, 60, 10, 24], notes=notes)


def plan_workbook(periods: list[PlanPeriod]) -> bytes:
    rows = [[p.week, p.topic or f"Tiết {p.number}", 1, str(MODE_LABELS[Mode(p.mode)])] for p in periods]
    return write_workbook("Kế hoạch dạy học", PLAN_HEADERS, rows, widths=[8, 60, 10, 24])
