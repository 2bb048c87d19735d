"""The online share of the programme, measured from the teaching plans.

Rule (stated on the report): a period counts as *planned online* when its mode is "online live" or
"online self-paced". It counts as *delivered online* when, in addition, its lesson is published
and has been opened by at least the school's threshold share of the class (default 50 %, and at
least one pupil). Shares are sums of periods, never averages of percentages, at every level:
course, class, grade, level, school. Percentages are Decimal, one decimal place, half up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from openpyxl.styles import Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.core.numbers import percent, reaches
from lms.core.sheets import as_float, new_workbook, to_bytes
from lms.auth.models import User
from lms.core import audit
from lms.core.errors import ValidationError
from lms.courses.models import Lesson, LessonProgress, Mode, OnlineTarget, PlanPeriod
from lms.courses.plans import term_weeks
from lms.i18n import gettext as _
from lms.i18n import lazy_gettext as _l
from lms.people.models import LEVEL_GRADES, Course, Enrollment, School, SchoolClass, SchoolYear, Subject, level_of_grade
from lms.people.services import class_sizes

OTHER = "OTHER"
DEFAULT_TARGETS = {"TH": Decimal("10"), "THCS": Decimal("15"), "THPT": Decimal("25"), OTHER: Decimal("20")}
LEVEL_ORDER = ["TH", "THCS", "THPT", OTHER]


def targets_of(session: Session, school: School) -> dict[str, Decimal]:
    out = dict(DEFAULT_TARGETS)
    for row in session.scalars(select(OnlineTarget).where(OnlineTarget.school_id == school.id)):
        out[row.level] = Decimal(row.percent)
    return out


def set_targets(session: Session, actor: User, school: School, targets: dict[str, Decimal], open_percent: int) -> None:
    for level, value in targets.items():
        if level not in DEFAULT_TARGETS:
            raise ValidationError(_l("Cấp học không hợp lệ."), field=f"target_{level}")
        if value is None or not Decimal(0) <= value <= Decimal(100):
            raise ValidationError(_l("Chỉ tiêu phải từ 0 đến 100 %."), field=f"target_{level}")
    if not 1 <= open_percent <= 100:
        raise ValidationError(_l("Tỷ lệ học sinh mở bài phải từ 1 đến 100 %."), field="open_percent")
    existing = {t.level: t for t in session.scalars(select(OnlineTarget).where(OnlineTarget.school_id == school.id))}
    for level, value in targets.items():
        row = existing.get(level) or OnlineTarget(school_id=school.id, level=level)
        row.percent = value.quantize(Decimal("0.01"))
        session.add(row)
    school.online_open_percent = open_percent
    session.flush()
    audit.record(session, "online_targets_set", actor_id=actor.id, school_id=school.id,
                 detail=", ".join(f"{k}={v}" for k, v in targets.items()) + f"; open={open_percent}")


@dataclass
class Tally:
    planned: int = 0
    online: int = 0
    delivered: int = 0

    def add(self, other: Tally) -> None:
        self.planned += other.planned
        self.online += other.online
        self.delivered += other.delivered

    @property
    def planned_share(self) -> Decimal | None:
        return percent(self.online, self.planned)

    @property
    def delivered_share(self) -> Decimal | None:
        return percent(self.delivered, self.planned)


@dataclass
class Row:
    """One line of the report: a course, or a total for a class, grade, level or the school."""

    kind: str            # course | class | grade | level | school, or teacher: the total of a teacher's own courses
    label: str
    tally: Tally
    target: Decimal
    level: str
    course: Course | None = None
    school_class: SchoolClass | None = None

    @property
    def below_planned(self) -> bool | None:
        """Below the target on the exact share; None when nothing is planned (no data, no verdict)."""
        met = reaches(self.tally.online, self.tally.planned, self.target)
        return None if met is None else not met

    @property
    def below_delivered(self) -> bool | None:
        met = reaches(self.tally.delivered, self.tally.planned, self.target)
        return None if met is None else not met


@dataclass
class ShareReport:
    school: School
    year: SchoolYear | None
    term: int | None
    open_percent: int
    targets: dict[str, Decimal]
    courses: list[Row] = field(default_factory=list)
    classes: list[Row] = field(default_factory=list)
    grades: list[Row] = field(default_factory=list)
    levels: list[Row] = field(default_factory=list)
    total: Row | None = None

    @property
    def total_heading(self) -> str:
        """What the total line's figures are of, as its column heading (page, PDF, Excel): the school's,
        or a teacher's own courses — never "Trường" above a teacher's totals."""
        return str(TOTAL_HEADINGS[self.total.kind if self.total else "school"])


TOTAL_HEADINGS = {"school": _l("Trường"), "teacher": _l("Giáo viên (các lớp, môn được giao)")}


def _level_key(grade: int) -> str:
    if not any(grade in grades for grades in LEVEL_GRADES.values()):
        return OTHER
    return level_of_grade(grade).value


def _week_range(year: SchoolYear | None, term: int | None) -> tuple[int, int]:
    """The teaching weeks of a term; whole year when term is None."""
    if term is None:
        return 1, 53
    first, last = term_weeks(year, term)
    # Weeks planned past the last term's end still belong to it.
    return (first, 53) if term == 2 and first > 0 else (first, last)


def courses_taught(session: Session, school: School, year: SchoolYear | None, teacher: User) -> list[int]:
    return list(session.scalars(select(Course.id).join(SchoolClass).where(
        Course.teacher_id == teacher.id, Course.school_id == school.id,
        SchoolClass.school_year_id == (year.id if year else 0))))


def online_share(session: Session, school: School, year: SchoolYear | None, now: datetime, *,
                 term: int | None = None, course_ids: list[int] | None = None,
                 weeks: tuple[int, int] | None = None, teacher: User | None = None) -> ShareReport:
    """The report for a school year (and optionally one term, or the teaching weeks `weeks` of a
    reporting period), in a fixed number of queries. With `teacher`, the report of her courses
    (`course_ids`): its total is hers, named by her, not the school's."""
    targets = targets_of(session, school)
    report = ShareReport(school, year, term, school.online_open_percent, targets)
    if year is None:
        return report
    first, last = weeks if weeks is not None else _week_range(year, term)
    stmt = (select(Course).join(SchoolClass).join(Subject)
            .where(Course.school_id == school.id, SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.name, Subject.name))
    if course_ids is not None:
        stmt = stmt.where(Course.id.in_(course_ids or [0]))
    courses = list(session.scalars(stmt))
    ids = [c.id for c in courses]
    sizes = class_sizes(session, list({c.class_id for c in courses}))

    # Openers per published lesson, counting only pupils currently enrolled in the lesson's class.
    opened = dict(session.execute(
        select(Lesson.id, func.count(LessonProgress.id))
        .join(Course, Course.id == Lesson.course_id)
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .join(Enrollment, (Enrollment.student_id == LessonProgress.student_id) & (Enrollment.class_id == Course.class_id))
        .where(Lesson.course_id.in_(ids or [0]), Lesson.publish_at.is_not(None), Lesson.publish_at <= now)
        .group_by(Lesson.id)).all())
    periods = session.execute(
        select(PlanPeriod.course_id, PlanPeriod.mode, PlanPeriod.lesson_id, func.count())
        .where(PlanPeriod.course_id.in_(ids or [0]), PlanPeriod.week >= first, PlanPeriod.week <= last)
        .group_by(PlanPeriod.course_id, PlanPeriod.mode, PlanPeriod.lesson_id)).all()
    class_of = {c.id: c.class_id for c in courses}
    per_course: dict[int, Tally] = {cid: Tally() for cid in ids}
    for course_id, mode, lesson_id, n in periods:
        tally = per_course[course_id]
        tally.planned += n
        if Mode(mode).online:
            tally.online += n
            size = sizes.get(class_of[course_id], 0)
            openers = opened.get(lesson_id, 0) if lesson_id else 0
            if openers >= 1 and openers * 100 >= report.open_percent * size:
                tally.delivered += n

    by_class: dict[int, Row] = {}
    by_grade: dict[int, Row] = {}
    by_level: dict[str, Row] = {}
    total = Row("teacher", teacher.full_name, Tally(), Decimal(0), OTHER) if teacher is not None \
        else Row("school", school.name, Tally(), Decimal(0), OTHER)
    for course in courses:
        school_class = course.school_class
        level = _level_key(school_class.grade)
        tally = per_course[course.id]
        report.courses.append(Row("course", f"{course.subject.name} — {school_class.name}", tally, targets[level],
                                  level, course=course, school_class=school_class))
        for bucket, key, kind, label in ((by_class, school_class.id, "class", school_class.name),
                                         (by_grade, school_class.grade, "grade", str(school_class.grade)),
                                         (by_level, level, "level", level)):
            row = bucket.get(key)
            if row is None:
                row = bucket[key] = Row(kind, label, Tally(), targets[level], level,
                                        school_class=school_class if kind == "class" else None)
            row.tally.add(tally)
        total.tally.add(tally)
    report.classes = list(by_class.values())
    report.grades = list(by_grade.values())
    report.levels = sorted(by_level.values(), key=lambda r: LEVEL_ORDER.index(r.level))
    # The school's target: its levels' targets weighted by planned periods (one level: that target).
    weight = sum(r.tally.planned for r in report.levels)
    if weight:
        total.target = (sum(r.target * r.tally.planned for r in report.levels) / weight).quantize(Decimal("0.1"))
    elif report.levels:
        total.target = report.levels[0].target
    else:
        total.target = targets[school.level_list[0].value] if school.level_list else targets[OTHER]
    report.total = total
    return report


def share_workbook(report: ShareReport, term_label: str) -> bytes:
    """The report as an Excel workbook: title, the counting rule, then every level of totals."""
    wb = new_workbook()
    ws = wb.active
    ws.title = _("Tỷ lệ trực tuyến")[:31]
    ws.append([_("BÁO CÁO TỶ LỆ DẠY HỌC TRỰC TUYẾN")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([report.school.name])
    if report.total is not None and report.total.kind == "teacher":
        ws.append([_("Các lớp, môn do giáo viên %(t)s dạy", t=report.total.label)])
    ws.append([_("Năm học %(y)s · %(t)s", y=report.year.name if report.year else "—", t=term_label)])
    ws.append([_("Quy tắc: tiết trực tuyến = tiết có hình thức trực tuyến trực tiếp hoặc tự học; đã thực hiện = bài học "
                 "của tiết đã đăng và được ít nhất %(p)s%% học sinh của lớp mở.", p=report.open_percent)])
    ws.append([])
    headers = [_("Cấp độ"), _("Tên"), _("Tổng số tiết"), _("Tiết trực tuyến (kế hoạch)"), _("Tỷ lệ kế hoạch (%)"),
               _("Tiết trực tuyến đã thực hiện"), _("Tỷ lệ thực hiện (%)"), _("Chỉ tiêu (%)"), _("Đánh giá")]
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    kinds = {"course": _("Môn học của lớp"), "class": _("Lớp"), "grade": _("Khối"), "level": _("Cấp học"),
             "school": _("Toàn trường"), "teacher": report.total_heading}
    red = Font(color="C00000", bold=True)
    for row in [*report.courses, *report.classes, *report.grades, *report.levels, report.total]:
        if row is None:
            continue
        t = row.tally
        ws.append([kinds[row.kind], row.label, t.planned, t.online, as_float(t.planned_share), t.delivered,
                   as_float(t.delivered_share), float(row.target),
                   _("Không có số liệu") if row.below_delivered is None
                   else _("Dưới chỉ tiêu") if row.below_delivered else _("Đạt chỉ tiêu")])
        if row.below_delivered:
            ws.cell(ws.max_row, 9).font = red
    for letter, width in zip("ABCDEFGHI", (14, 34, 12, 16, 14, 16, 14, 12, 16)):
        ws.column_dimensions[letter].width = width
    return to_bytes(wb)

