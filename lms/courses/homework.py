"""Homework: assignments for one or more classes, hand-ins with text and files, grading by score
or rubric, returning work for revision, reminders, the grade book, and the parents' view.

The arithmetic (windows, lateness, penalties, rubrics) is in `homework_rules`; this module keeps
the rules about who may do what and when, and never half-saves: everything is checked before
anything is written.
"""
from __future__ import annotations

import io
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, subqueryload

from lms.auth.models import User
from lms.core import audit, jobs
from lms.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from lms.core.markdown import render_markdown
from lms.core.notify import notify
from lms.core.text import nfc, nfc_text
from lms.core.storage import Area, Missing
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local
from lms.core.uploads import check_upload, without_metadata
from lms.courses import homework_rules as rules
from lms.courses.models import (Assignment, AssignmentCourse, AssignmentResource, Lesson, PlanPeriod, Submission,
                                SubmissionFile)
from lms.courses.resources import ResourceMeta, add_resources, visible_resource
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import (Course, Enrollment, Guardianship, School, SchoolClass, SchoolYear, Student,
                               level_of_grade)
from lms.people.services import chosen_courses, outside_year, set_course_links

INSTRUCTIONS_MAX = 50_000
TEXT_MAX = 20_000
MAX_FILES = 10
REVISION_DAYS = 3

RUBRIC_ERRORS = {
    "empty_name": _l("Dòng %(n)s: thiếu tên tiêu chí trước dấu |."),
    "duplicate": _l("Dòng %(n)s: tiêu chí “%(t)s” đã có ở dòng trên."),
    "no_levels": _l("Dòng %(n)s: mỗi tiêu chí cần ít nhất hai mức, ví dụ “Nội dung | Tốt = 4 | Đạt = 2 | Chưa đạt = 0”."),
    "bad_level": _l("Dòng %(n)s: “%(t)s” cần có dạng “tên mức = điểm”."),
    "bad_points": _l("Dòng %(n)s: điểm của “%(t)s” phải là số không âm, tối đa một chữ số thập phân."),
    "too_many": _l("Bảng tiêu chí có %(t)s tiêu chí; tối đa %(m)s."),
}


class State:
    """What a pupil's work looks like in the table."""
    NOT_DUE = "not_due"        # nothing handed in, still time
    MISSING = "missing"        # nothing handed in, past due
    SUBMITTED = "submitted"
    LATE = "late"              # handed in after the due time, not graded yet
    GRADED = "graded"
    RETURNED = "returned"      # sent back for revision


# ---------------------------------------------------------------- permissions

def can_manage(user: User, role: str, assignment: Assignment) -> bool:
    return role == "admin" or (role == "teacher" and assignment.created_by == user.id)


def require_manage(user: User, role: str, assignment: Assignment) -> None:
    if not can_manage(user, role, assignment):
        raise NotFound(_l("Không tìm thấy bài tập."))


def is_published(assignment: Assignment) -> bool:
    return assignment.published_at is not None


# ---------------------------------------------------------------- creating and editing

@dataclass
class AssignmentInput:
    title: str
    course_ids: list[int]
    open_at: datetime
    due_at: datetime
    subject_id: int | None = None    # None: the subject of the chosen courses
    instructions: str = ""
    late_policy: str = "refuse"
    penalty_percent: int = 0
    cutoff_at: datetime | None = None
    max_score: str = "10"
    resubmissions: int = 0
    rubric: str = ""
    lesson_id: int | None = None
    publish: bool = True
    resource_ids: list[int] = field(default_factory=list)
    minutes: int = 30                  # the teacher's estimate, for the evening's load
    override_load: bool = False        # set it although the evening is over the school's limit


@dataclass
class SaveOutcome:
    assignment: Assignment
    relabelled: int = 0          # submissions whose lateness changed with the due time
    gradebook: dict | None = None  # what re-posting to the grade book changed


def _rubric_of(text: str) -> list[dict]:
    rubric, errors = rules.parse_rubric(text)
    if errors:
        first = errors[0]
        if first.code == "too_many_levels":
            raise ValidationError(ngettext("Dòng %(n)s: tối đa %(m)s mức cho một tiêu chí.",
                                           "Dòng %(n)s: tối đa %(m)s mức cho một tiêu chí.", rules.MAX_LEVELS,
                                           n=first.line, m=rules.MAX_LEVELS), field="rubric")
        raise ValidationError(RUBRIC_ERRORS[first.code] % {"n": first.line, "t": first.text, "m": rules.MAX_CRITERIA},
                              field="rubric")
    return rubric


def _has_grades(session: Session, assignment: Assignment) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Submission).where(
        Submission.assignment_id == assignment.id, Submission.score_tenths.is_not(None))))


def save_assignment(session: Session, actor: User, role: str, school: School, data: AssignmentInput, *, now: datetime,
                    assignment: Assignment | None = None, uploads: list[tuple[str, bytes]] | None = None,
                    folder: Area | None = None, limits_mb: dict[str, int] | None = None) -> SaveOutcome:
    """Create or edit an assignment, with new attachment files put into the school's library.
    Pupils are notified when it is first published. Moving the due time re-decides lateness;
    if scores were sent to the grade book they are sent again."""
    title = nfc(data.title)
    if not title or len(title) > 200:
        raise ValidationError(_l("Nhập tên bài tập (tối đa 200 ký tự)."), field="title")
    instructions = nfc_text(data.instructions)
    if len(instructions) > INSTRUCTIONS_MAX:
        raise ValidationError(ngettext("Hướng dẫn dài quá %(n)s ký tự.", "Hướng dẫn dài quá %(n)s ký tự.", INSTRUCTIONS_MAX, n=INSTRUCTIONS_MAX), field="instructions")
    subject, courses = chosen_courses(session, actor, role, school, data.course_ids, data.subject_id)
    if data.open_at.tzinfo is None or data.due_at.tzinfo is None:
        raise ValueError("assignment times must be timezone-aware")
    if data.due_at <= data.open_at:
        raise ValidationError(_l("Hạn nộp phải sau giờ mở."), field="due_at")
    if data.late_policy not in ("refuse", "penalty"):
        raise ValidationError(_l("Chọn cách xử lý bài nộp muộn."), field="late_policy")
    cutoff = None
    penalty = 0
    if data.late_policy == "penalty":
        if data.cutoff_at is None:
            raise ValidationError(_l("Nhận bài muộn thì cần hạn chót cuối cùng."), field="cutoff_at")
        if data.cutoff_at <= data.due_at:
            raise ValidationError(_l("Hạn chót nhận bài muộn phải sau hạn nộp."), field="cutoff_at")
        if not 0 <= data.penalty_percent <= 100:
            raise ValidationError(_l("Mức trừ mỗi ngày từ 0 đến 100 %."), field="penalty_percent")
        cutoff, penalty = data.cutoff_at, data.penalty_percent
    try:
        max_tenths = rules.parse_tenths(data.max_score, low=1, high=1000)
    except ValueError:
        raise ValidationError(_l("Điểm tối đa là số từ 0,1 đến 100, tối đa một chữ số thập phân."),
                              field="max_score") from None
    if not 0 <= data.resubmissions <= 20:
        raise ValidationError(_l("Số lần nộp lại từ 0 đến 20."), field="resubmissions")
    rubric = _rubric_of(data.rubric)
    lesson = None
    if data.lesson_id:
        lesson = session.get(Lesson, data.lesson_id)
        if lesson is None or lesson.course_id not in {c.id for c in courses}:
            raise ValidationError(_l("Bài học được chọn không thuộc các lớp đã chọn."), field="lesson_id")
    if not isinstance(data.minutes, int) or not 1 <= data.minutes <= 600:
        raise ValidationError(_l("Thời gian làm bài ước tính từ 1 đến 600 phút."), field="minutes")
    limits = homework_limits(session, school.id)
    due_local = utc_to_local(data.due_at, school_tz())
    if rules.due_too_late(due_local.time(), limits.latest_due):
        raise ValidationError(_l("Nhà trường không giao bài có hạn nộp sau %(t)s (hoặc trước 6 giờ sáng).",
                                 t=limits.latest_due.strftime("%H:%M")), field="due_at")
    if assignment is None or assignment.due_at != data.due_at:
        refusal = outside_year(courses, data.due_at, _l("Hạn nộp")) or due_day_refusal(session, school.id, due_local)
        if refusal is not None:
            raise ValidationError(refusal, field="due_at")
    over: list[LoadLine] = []
    if data.publish and _load_changes(assignment, courses, data):
        lines = load_check(session, school, courses, data.due_at, data.minutes,
                           exclude=assignment.id if assignment is not None else None)
        over = [line for line in lines if line.over]
        if over and not data.override_load:
            raise LoadExceeded(lines)
    attachments = [visible_resource(session, school, rid) for rid in dict.fromkeys(data.resource_ids)]
    if assignment is not None:
        graded = _has_grades(session, assignment)
        if graded and rubric != (assignment.rubric or []):
            raise Conflict(_l("Đã có bài được chấm theo bảng tiêu chí này: không sửa được bảng tiêu chí."),
                           field="rubric")
        if graded and max_tenths != assignment.max_tenths:
            raise Conflict(_l("Đã có bài được chấm: không đổi được điểm tối đa."), field="max_score")
        kept = {link.course_id for link in assignment.courses} - {c.id for c in courses}
        if kept and _pupils_have_work(session, assignment, kept):
            raise Conflict(_l("Học sinh của lớp bỏ chọn đã nộp bài: không bỏ lớp đó được."), field="course_ids")
        if not data.publish and is_published(assignment) and _has_work(session, assignment):
            raise Conflict(_l("Đã có học sinh nộp bài: không chuyển về bản nháp được."), field="publish")
    if uploads:
        attachments += add_resources(session, actor, school, uploads, ResourceMeta(title="", subject_id=subject.id),
                                     folder, limits_mb)
    before = _lateness(session, assignment) if assignment is not None else {}
    first_publish = data.publish and (assignment is None or not is_published(assignment))
    if assignment is None:
        assignment = Assignment(school_id=school.id, created_by=actor.id)
        session.add(assignment)
    assignment.title, assignment.subject_id, assignment.lesson_id = title, subject.id, lesson.id if lesson else None
    assignment.instructions, assignment.instructions_html = instructions, render_markdown(instructions)
    assignment.open_at, assignment.due_at = data.open_at, data.due_at
    assignment.late_policy, assignment.penalty_percent, assignment.cutoff_at = data.late_policy, penalty, cutoff
    assignment.max_tenths, assignment.resubmissions, assignment.rubric = max_tenths, data.resubmissions, rubric
    assignment.minutes = data.minutes
    if over:
        assignment.load_override_by, assignment.load_override_at = actor.id, now
    if first_publish:
        assignment.published_at = now
    elif not data.publish:
        assignment.published_at = None
    if assignment.due_at > now:
        assignment.overdue_notified_at = None   # parents hear of missing work at the (new) due time
    session.flush()
    set_course_links(assignment.courses, {c.id for c in courses}, lambda cid: AssignmentCourse(course_id=cid))
    have_files = {link.resource_id for link in assignment.attachments}
    for position, resource in enumerate(attachments, start=len(have_files)):
        if resource.id not in have_files:
            assignment.attachments.append(AssignmentResource(resource_id=resource.id, position=position))
            have_files.add(resource.id)
    session.flush()
    outcome = SaveOutcome(assignment)
    if before:
        after = _lateness(session, assignment)
        outcome.relabelled = sum(1 for sid, days in after.items() if before.get(sid) != days)
        if outcome.relabelled:
            audit.record(session, "assignment_due_moved", actor_id=actor.id, school_id=school.id,
                         subject_type="assignment", subject_id=assignment.id,
                         detail=f"{outcome.relabelled} submissions relabelled")
            outcome.gradebook = _repost(session, actor, role, assignment, now)
    if over:
        audit.record(session, "homework_load_override", actor_id=actor.id, school_id=school.id,
                     subject_type="assignment", subject_id=assignment.id,
                     detail="; ".join(f"{line.school_class.name} {line.evening.isoformat()}: {line.after.minutes}"
                                      f"/{line.limit} min" for line in over))
    if first_publish:
        _announce(session, assignment, courses)
    return outcome


def due_day_refusal(session: Session, school_id: int, due_local: datetime) -> object | None:
    """Why homework may not be due on the day of `due_local` (school time) at the school, said for
    the due-time field, or None (`rules.due_day_off` with the school's Saturday setting and its
    declared days off)."""
    from lms.attendance import rules as days
    from lms.attendance.days_off import offs_between
    from lms.messaging.settings import settings_of

    day = due_local.date()
    off = rules.due_day_off(due_local, saturday_classes=settings_of(session, school_id).saturday_classes,
                            school_days_off=offs_between(session, school_id, day, day))
    if off is None:
        return None
    kind, name = off
    shown = day.strftime("%d/%m/%Y")
    if kind in (days.HOLIDAY, days.SCHOOL_OFF):
        return _l("Ngày %(d)s trường nghỉ (%(n)s): chọn hạn nộp vào một ngày học.", d=shown, n=name)
    if kind == days.SUNDAY:
        return _l("Ngày %(d)s là Chủ nhật, không có buổi học: chọn hạn nộp vào một ngày học.", d=shown)
    return _l("Ngày %(d)s là thứ Bảy, trường không học thứ Bảy: chọn hạn nộp vào một ngày học.", d=shown)


def next_due_day(session: Session, school_id: int, due_local: datetime) -> datetime:
    """`due_local`, or the same time on the next day homework may be due (the form's proposed due
    time a week ahead fell on a Sunday when a teacher set work on a Sunday)."""
    for _step in range(60):
        if due_day_refusal(session, school_id, due_local) is None:
            break
        due_local += timedelta(days=1)
    return due_local


# ---------------------------------------------------------------- the evening's load

@dataclass(frozen=True)
class Limits:
    minutes: dict[str, int | None]       # level (TH, THCS, THPT) → minutes an evening; None: no limit
    latest_due: time | None

    def for_grade(self, grade: int) -> int | None:
        return self.minutes.get(level_of_grade(grade).value)


def homework_limits(session: Session, school_id: int) -> Limits:
    """The school's limits, set in the contact book's settings."""
    from lms.messaging.settings import settings_of

    row = settings_of(session, school_id)
    return Limits({"TH": row.hw_minutes_primary, "THCS": row.hw_minutes_lower, "THPT": row.hw_minutes_upper},
                  row.hw_latest_due)


@dataclass
class LoadLine:
    school_class: SchoolClass
    evening: date
    before: rules.Load              # already due that evening
    after: rules.Load               # with this assignment
    limit: int | None
    week: rules.Load = rules.Load()  # already due that week (Monday to Sunday of the evening)

    @property
    def over(self) -> bool:
        return rules.over_limit(self.after, self.limit)


class LoadExceeded(ValidationError):
    """The evening is over the school's limit for some class: the teacher must say so explicitly."""

    def __init__(self, lines: list[LoadLine]):
        over = [line for line in lines if line.over]
        first = over[0]
        super().__init__(_l("Buổi tối %(d)s lớp %(c)s đã có %(n)s, cộng bài này là %(m)s, quá giới hạn %(l)s của nhà "
                            "trường. Chọn “Vẫn giao” nếu thật cần.",
                            d=first.evening.strftime("%d/%m"), c=first.school_class.name,
                            n=ngettext("%(n)s bài", "%(n)s bài", first.before.count, n=first.before.count),
                            m=ngettext("%(n)s phút", "%(n)s phút", first.after.minutes, n=first.after.minutes),
                            l=ngettext("%(n)s phút", "%(n)s phút", first.limit, n=first.limit)), field="override_load")
        self.lines = lines


def _load_changes(assignment: Assignment | None, courses: list[Course], data: AssignmentInput) -> bool:
    """Whether saving adds to an evening's load: a first publication, or another evening, estimate
    or class."""
    if assignment is None or not is_published(assignment):
        return True
    tz = school_tz()
    return (rules.evening_of(utc_to_local(assignment.due_at, tz)) != rules.evening_of(utc_to_local(data.due_at, tz))
            or assignment.minutes != data.minutes
            or {link.course_id for link in assignment.courses} != {c.id for c in courses})


def evening_assignments(session: Session, class_ids: list[int], first: date, last: date, *,
                        exclude: int | None = None) -> dict[tuple[int, date], list[Assignment]]:
    """(class id, evening) → the published assignments done that evening, in one query."""
    tz = school_tz()
    start = local_to_utc(datetime.combine(first, rules.NOON), tz)
    end = local_to_utc(datetime.combine(last + timedelta(days=1), rules.NOON), tz)
    stmt = (select(Course.class_id, Assignment).join(AssignmentCourse, AssignmentCourse.assignment_id == Assignment.id)
            .join(Course, Course.id == AssignmentCourse.course_id)
            .where(Course.class_id.in_(class_ids or [0]), Assignment.published_at.is_not(None),
                   Assignment.due_at > start, Assignment.due_at <= end)
            .order_by(Assignment.due_at, Assignment.id))
    if exclude is not None:
        stmt = stmt.where(Assignment.id != exclude)
    out: dict[tuple[int, date], list[Assignment]] = defaultdict(list)
    for class_id, assignment in session.execute(stmt):
        out[(class_id, rules.evening_of(utc_to_local(assignment.due_at, tz)))].append(assignment)
    return out


def _load(assignments: list[Assignment]) -> rules.Load:
    return rules.Load(len(assignments), sum(a.minutes for a in assignments))


def load_check(session: Session, school: School, courses: list[Course], due_at: datetime, minutes: int, *,
               exclude: int | None = None) -> list[LoadLine]:
    """For each class the assignment is set for: the evening's load before and with it, the
    school's limit for the class's level, and what the class already has that week."""
    evening = rules.evening_of(utc_to_local(due_at, school_tz()))
    week = rules.week_of(evening)
    classes = {c.class_id: c.school_class for c in courses}
    found = evening_assignments(session, list(classes), week[0], week[-1], exclude=exclude)
    limits = homework_limits(session, school.id)
    lines = []
    for class_id, school_class in sorted(classes.items(), key=lambda kv: kv[1].name):
        before = _load(found.get((class_id, evening), []))
        in_week = _load([a for day in week for a in found.get((class_id, day), [])])
        lines.append(LoadLine(school_class, evening, before, before.plus(minutes), limits.for_grade(school_class.grade),
                              in_week))
    return lines


@dataclass
class DayLoad:
    day: date
    assignments: list[Assignment]
    limit: int | None

    @property
    def load(self) -> rules.Load:
        return _load(self.assignments)

    @property
    def over(self) -> bool:
        return rules.over_limit(self.load, self.limit)


def classes_for_load(session: Session, actor: User, role: str, school: School) -> list[SchoolClass]:
    """This year's classes whose week a person may look at: an admin's every class, a teacher's
    homeroom classes and the classes they teach."""
    from lms.people.services import current_year

    year = current_year(session, school)
    stmt = select(SchoolClass).where(SchoolClass.school_year_id == (year.id if year else 0))
    if role != "admin":
        taught = select(Course.class_id).where(Course.teacher_id == actor.id)
        stmt = stmt.where((SchoolClass.homeroom_teacher_id == actor.id) | SchoolClass.id.in_(taught))
    return list(session.scalars(stmt.order_by(SchoolClass.grade, SchoolClass.name)))


def week_load(session: Session, school_class: SchoolClass, day: date) -> list[DayLoad]:
    """The class's homework evening by evening, Monday to Sunday of the week holding `day`."""
    days = rules.week_of(day)
    found = evening_assignments(session, [school_class.id], days[0], days[-1])
    limit = homework_limits(session, school_class.school_id).for_grade(school_class.grade)
    return [DayLoad(d, found.get((school_class.id, d), []), limit) for d in days]


def _announce(session: Session, assignment: Assignment, courses: list[Course]) -> None:
    pupils = [s for s, _c in pupils_of(session, assignment, courses)]
    users = [s.user for s in pupils if s.user is not None]
    notify(session, users, "homework_assigned", {"subject": assignment.subject.name, "title": assignment.title},
           f"/homework/{assignment.id}", assignment.school_id)


def _has_work(session: Session, assignment: Assignment) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Submission)
                               .where(Submission.assignment_id == assignment.id)))


def _pupils_have_work(session: Session, assignment: Assignment, course_ids: set[int]) -> bool:
    return bool(session.scalar(
        select(func.count()).select_from(Submission)
        .join(Enrollment, Enrollment.student_id == Submission.student_id)
        .join(Course, Course.class_id == Enrollment.class_id)
        .where(Submission.assignment_id == assignment.id, Course.id.in_(course_ids))))


def delete_assignment(session: Session, actor: User, role: str, assignment: Assignment) -> None:
    require_manage(actor, role, assignment)
    if _has_work(session, assignment):
        raise Conflict(_l("Đã có học sinh nộp bài: không xóa được bài tập này."))
    audit.record(session, "assignment_deleted", actor_id=actor.id, school_id=assignment.school_id,
                 subject_type="assignment", subject_id=assignment.id, detail=assignment.title)
    session.delete(assignment)
    session.flush()


def lessons_for(session: Session, course_ids: list[int]) -> list[Lesson]:
    return list(session.scalars(select(Lesson).where(Lesson.course_id.in_(course_ids or [0]))
                                .order_by(Lesson.course_id, Lesson.id)))


def lesson_choices(session: Session, course_names: dict[int, str]) -> list[tuple[int, str]]:
    """The lessons of these courses as a drop-down lists them (a homework's lesson, an exam's
    readiness check), each said so that it is told apart from every other: the course, the periods
    (tiết) it is planned for or the day it was published, its title — two lessons of one course
    often share a title ("Luyện tập: Căn bậc ba" in tiết 36 and in tiết 56)."""
    lessons = lessons_for(session, list(course_names))
    periods: dict[int, list[int]] = defaultdict(list)
    for lesson_id, number in session.execute(select(PlanPeriod.lesson_id, PlanPeriod.number).where(
            PlanPeriod.lesson_id.in_([ls.id for ls in lessons] or [0])).order_by(PlanPeriod.number)):
        periods[lesson_id].append(number)
    labels = []
    for lesson in lessons:
        numbers = periods.get(lesson.id)
        if numbers:
            when = str(_l("tiết %(n)s", n=", ".join(str(n) for n in numbers)))
        elif lesson.publish_at is not None:
            when = str(_l("đăng %(d)s", d=utc_to_local(lesson.publish_at, school_tz()).strftime("%d/%m/%Y")))
        else:
            when = str(_l("bản nháp"))
        labels.append((lesson.id, f"{course_names[lesson.course_id]} · {when} · {lesson.title}"))
    seen = Counter(label for _id, label in labels)
    return [(lesson_id, label if seen[label] == 1 else f"{label} (#{lesson_id})") for lesson_id, label in labels]


def assignments_of_teacher(actor: User, role: str, school: School):
    """The query of the assignments a teacher set (an admin: the school's), latest due first."""
    stmt = (select(Assignment).where(Assignment.school_id == school.id)
            .options(selectinload(Assignment.courses)))
    if role != "admin":
        stmt = stmt.where(Assignment.created_by == actor.id)
    return stmt.order_by(Assignment.due_at.desc(), Assignment.id.desc())


def overview(session: Session, assignments: list[Assignment], now: datetime) -> dict[int, Counter]:
    """assignment id → pupils set, handed in, late, graded, waiting to be graded; in three queries."""
    from lms.people.services import class_sizes

    class_ids = {link.course.class_id for a in assignments for link in a.courses}
    sizes = class_sizes(session, list(class_ids))
    latest = latest_submissions(session, [a.id for a in assignments])
    out: dict[int, Counter] = {}
    for a in assignments:
        c = Counter(pupils=sum(sizes.get(link.course.class_id, 0) for link in a.courses))
        out[a.id] = c
    by_id = {a.id: a for a in assignments}
    for (assignment_id, _sid), sub in latest.items():
        c, a = out[assignment_id], by_id[assignment_id]
        c["handed_in"] += 1
        c["late"] += 1 if late_days_of(a, sub) else 0
        c["graded"] += 1 if sub.status == "graded" else 0
        c["to_grade"] += 1 if sub.status == "submitted" else 0
    for a in assignments:
        c = out[a.id]
        c["missing"] = max(0, c["pupils"] - c["handed_in"]) if now.replace(microsecond=0) > a.due_at else 0
    return out


def assignments_of_lesson(session: Session, lesson: Lesson) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.lesson_id == lesson.id)
                                .order_by(Assignment.due_at)))


# ---------------------------------------------------------------- who does it, and what they handed in

def pupils_of(session: Session, assignment: Assignment, courses: list[Course] | None = None
              ) -> list[tuple[Student, Course]]:
    """Every pupil set the assignment, with their course, in class then Vietnamese name order."""
    course_ids = [c.id for c in courses] if courses is not None else [link.course_id for link in assignment.courses]
    rows = session.execute(select(Student, Course).join(Enrollment, Enrollment.student_id == Student.id)
                           .join(Course, Course.class_id == Enrollment.class_id)
                           .where(Course.id.in_(course_ids or [0]))).all()
    return sorted(((s, c) for s, c in rows), key=lambda row: (row[1].school_class.name, row[0].sort_name))


def latest_submissions(session: Session, assignment_ids: list[int], student_ids: list[int] | None = None
                       ) -> dict[tuple[int, int], Submission]:
    """(assignment id, student id) → the newest submission, with its files, in two queries (the
    files by subquery: selectin would take one more per 500 submissions)."""
    newest = (select(Submission.assignment_id, Submission.student_id, func.max(Submission.number).label("n"))
              .where(Submission.assignment_id.in_(assignment_ids or [0])))
    if student_ids is not None:
        newest = newest.where(Submission.student_id.in_(student_ids or [0]))
    newest = newest.group_by(Submission.assignment_id, Submission.student_id).subquery()
    rows = session.scalars(select(Submission).join(newest, (newest.c.assignment_id == Submission.assignment_id)
                                                   & (newest.c.student_id == Submission.student_id)
                                                   & (newest.c.n == Submission.number))
                           .options(subqueryload(Submission.files)))
    return {(s.assignment_id, s.student_id): s for s in rows}


def used_counts(session: Session, assignment_id: int, student_ids: list[int]) -> dict[int, int]:
    """Submissions that count against the allowance (revisions the teacher asked for do not)."""
    return dict(session.execute(select(Submission.student_id, func.count())
                                .where(Submission.assignment_id == assignment_id,
                                       Submission.student_id.in_(student_ids or [0]),
                                       Submission.is_revision.is_(False))
                                .group_by(Submission.student_id)).all())


def history_of(session: Session, assignment: Assignment, student: Student) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.assignment_id == assignment.id,
                                                         Submission.student_id == student.id)
                                .options(selectinload(Submission.files)).order_by(Submission.number.desc())))


def late_days_of(assignment: Assignment, submission: Submission) -> int:
    return rules.late_days(submission.counted_at, assignment.due_at)


def penalty_of(assignment: Assignment, submission: Submission) -> int:
    if assignment.late_policy != "penalty":
        return 0
    return rules.penalty_percent(late_days_of(assignment, submission), assignment.penalty_percent)


def final_tenths(assignment: Assignment, submission: Submission | None) -> int | None:
    """The score after the late penalty, on the assignment's scale."""
    if submission is None or submission.score_tenths is None or submission.status == State.RETURNED:
        return None
    return rules.apply_penalty(submission.score_tenths, penalty_of(assignment, submission))


def state_of(assignment: Assignment, submission: Submission | None, now: datetime) -> str:
    if submission is None:
        return State.MISSING if now.replace(microsecond=0) > assignment.due_at else State.NOT_DUE
    if submission.status == "returned":
        return State.RETURNED
    if submission.status == "graded":
        return State.GRADED
    return State.LATE if late_days_of(assignment, submission) else State.SUBMITTED


def _lateness(session: Session, assignment: Assignment) -> dict[int, int]:
    return {sid: late_days_of(assignment, s) for (_a, sid), s in latest_submissions(session, [assignment.id]).items()}


@dataclass
class TableRow:
    student: Student
    course: Course
    submission: Submission | None
    state: str
    late_days: int
    final: int | None
    used: int


@dataclass
class Table:
    rows: list[TableRow]
    counts: Counter

    def row_of(self, student_id: int) -> TableRow | None:
        return next((r for r in self.rows if r.student.id == student_id), None)


def submissions_table(session: Session, assignment: Assignment, now: datetime) -> Table:
    """Every pupil with their newest hand-in and its state, in a fixed number of queries."""
    pupils = pupils_of(session, assignment)
    ids = [s.id for s, _c in pupils]
    latest = latest_submissions(session, [assignment.id], ids)
    used = used_counts(session, assignment.id, ids)
    rows, counts = [], Counter()
    for student, course in pupils:
        sub = latest.get((assignment.id, student.id))
        state = state_of(assignment, sub, now)
        counts[state] += 1
        if sub is not None and late_days_of(assignment, sub):
            counts["late_any"] += 1
        rows.append(TableRow(student, course, sub, state, late_days_of(assignment, sub) if sub else 0,
                             final_tenths(assignment, sub), used.get(student.id, 0)))
    return Table(rows, counts)


def submission_of(session: Session, actor: User, role: str, school: School, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None or submission.school_id != school.id:
        raise NotFound(_l("Không tìm thấy bài nộp."))
    require_manage(actor, role, session.get(Assignment, submission.assignment_id))
    return submission


# ---------------------------------------------------------------- handing in

def _course_of_pupil(session: Session, assignment: Assignment, student: Student) -> Course | None:
    course_ids = [link.course_id for link in assignment.courses]
    return session.scalars(select(Course).join(Enrollment, Enrollment.class_id == Course.class_id)
                           .join(SchoolYear, SchoolYear.id == Enrollment.school_year_id)
                           .where(Enrollment.student_id == student.id, Course.id.in_(course_ids or [0]),
                                  SchoolYear.is_current.is_(True))).first()


def assignment_for_pupil(session: Session, student: Student, assignment_id: int, now: datetime) -> Assignment:
    """A published, opened assignment set for the pupil's class; anything else is 404."""
    assignment = session.get(Assignment, assignment_id)
    if (assignment is None or assignment.school_id != student.school_id or not is_published(assignment)
            or assignment.open_at > now or _course_of_pupil(session, assignment, student) is None):
        raise NotFound(_l("Không tìm thấy bài tập."))
    return assignment


@dataclass
class Allowance:
    can_submit: bool
    reason: str           # why not, for the pupil (empty when they may)
    is_revision: bool
    left: int             # hand-ins left (revisions aside)
    window: str


def allowance(session: Session, assignment: Assignment, student: Student, now: datetime,
              latest: Submission | None = None, used: int | None = None) -> Allowance:
    if latest is None:
        latest = latest_submissions(session, [assignment.id], [student.id]).get((assignment.id, student.id))
    if used is None:
        used = used_counts(session, assignment.id, [student.id]).get(student.id, 0)
    win = rules.window(assignment.open_at, assignment.due_at, assignment.late_policy, assignment.cutoff_at, now)
    left = max(0, 1 + assignment.resubmissions - used)
    if latest is not None and latest.status == "returned":
        if latest.revise_by is not None and now.replace(microsecond=0) > latest.revise_by:
            return Allowance(False, str(_l("Đã quá hạn nộp lại theo yêu cầu của giáo viên.")), True, left, win)
        return Allowance(True, "", True, left, win)
    if win == rules.Window.NOT_OPEN:
        return Allowance(False, str(_l("Bài tập chưa mở.")), False, left, win)
    if win == rules.Window.CLOSED:
        reason = (_l("Đã quá hạn nộp; bài tập này không nhận bài nộp muộn.") if assignment.late_policy == "refuse"
                  else _l("Đã quá hạn chót nhận bài nộp muộn."))
        return Allowance(False, str(reason), False, left, win)
    if latest is not None and latest.status == "graded":
        return Allowance(False, str(_l("Bài đã được chấm; chỉ nộp lại khi giáo viên trả bài.")), False, left, win)
    if left == 0:
        return Allowance(False, str(_l("Em đã dùng hết số lần nộp.")), False, left, win)
    return Allowance(True, "", False, left, win)


def _checked_photos_clean(files: list[tuple[str, bytes]], limits_mb: dict[str, int]
                          ) -> tuple[list, list[tuple[str, bytes]]]:
    """Check every file by content, then strip photos of their metadata (location above all)."""
    out_checked, out_files = [], []
    for name, data in files:
        info, clean = without_metadata(check_upload(name, data, limits_mb), data)
        out_checked.append(info)
        out_files.append((name, clean))
    return out_checked, out_files


def submit_work(session: Session, actor: User, student: Student, assignment: Assignment, text: str,
                files: list[tuple[str, bytes]], *, now: datetime, folder: Area,
                limits_mb: dict[str, int]) -> Submission:
    """Hand in text and files. Every file is checked by content before anything is stored."""
    if student.user_id != actor.id:
        raise Forbidden(_l("Chỉ học sinh tự nộp bài của mình."))
    body = nfc_text(text)
    if len(body) > TEXT_MAX:
        raise ValidationError(ngettext("Bài làm dài quá %(n)s ký tự.", "Bài làm dài quá %(n)s ký tự.", TEXT_MAX, n=TEXT_MAX), field="text")
    files = [(name, data) for name, data in files if name or data]
    if len(files) > MAX_FILES:
        raise ValidationError(ngettext("Mỗi lần nộp tối đa %(n)s tệp.", "Mỗi lần nộp tối đa %(n)s tệp.", MAX_FILES, n=MAX_FILES), field="files")
    if not body and not files:
        raise ValidationError(_l("Viết bài làm hoặc đính kèm ít nhất một tệp (ảnh chụp, PDF…)."), field="text")
    checked, files = _checked_photos_clean(files, limits_mb)
    latest = latest_submissions(session, [assignment.id], [student.id]).get((assignment.id, student.id))
    allowed = allowance(session, assignment, student, now, latest)
    if not allowed.can_submit:
        raise Conflict(allowed.reason)
    submission = Submission(school_id=student.school_id, assignment_id=assignment.id, student_id=student.id,
                            number=(latest.number + 1) if latest else 1, is_revision=allowed.is_revision, text=body,
                            submitted_at=now, counted_at=latest.counted_at if allowed.is_revision else now)
    for position, (info, (_name, data)) in enumerate(zip(checked, files)):
        submission.files.append(SubmissionFile(position=position, filename=info.filename, kind=info.kind,
                                               mime=info.mime, size=info.size, stored_name=folder.save(info, data)))
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:
        # The same pupil pressed "Nộp" twice, or on two devices: the first one counts.
        raise Conflict(_l("Bài vừa được nộp từ một cửa sổ khác; tải lại trang để xem.")) from None
    return submission


# ---------------------------------------------------------------- grading

def grade_submission(session: Session, actor: User, role: str, submission: Submission, *, score: str = "",
                     rubric_marks: dict[str, str] | None = None, comment: str = "", now: datetime) -> dict | None:
    """Give the newest hand-in its score (typed, or from the rubric) and a comment. If the
    scores are in the grade book already, the pupil's mark there is updated; returns what changed."""
    assignment = session.get(Assignment, submission.assignment_id)
    require_manage(actor, role, assignment)
    _require_newest(session, submission)
    marks: dict = {}
    if assignment.rubric:
        marks = _rubric_marks(assignment, rubric_marks or {})
        value = rules.rubric_score(assignment.rubric, marks, assignment.max_tenths)
    else:
        try:
            value = rules.parse_tenths(score, high=assignment.max_tenths)
        except ValueError:
            raise ValidationError(_l("Điểm là số từ 0 đến %(m)s, tối đa một chữ số thập phân (ví dụ 8,5).",
                                     m=rules.tenths_text(assignment.max_tenths)), field="score") from None
    text = nfc_text(comment)
    if len(text) > TEXT_MAX:
        raise ValidationError(ngettext("Nhận xét dài quá %(n)s ký tự.", "Nhận xét dài quá %(n)s ký tự.", TEXT_MAX, n=TEXT_MAX), field="comment")
    changed = submission.score_tenths != value
    submission.score_tenths, submission.rubric_marks, submission.comment = value, marks, text
    submission.status, submission.graded_by, submission.graded_at = "graded", actor.id, now
    submission.revise_by = None
    session.flush()
    audit.record(session, "submission_graded", actor_id=actor.id, school_id=submission.school_id,
                 subject_type="submission", subject_id=submission.id, detail=rules.tenths_text(value, "."))
    student = submission.student
    if student.user is not None:
        notify(session, [student.user], "homework_graded", {"title": assignment.title},
               f"/homework/{assignment.id}", assignment.school_id)
    return _repost(session, actor, role, assignment, now, [student.id]) if changed else None


def _rubric_marks(assignment: Assignment, given: dict[str, str]) -> dict[str, int]:
    marks = {}
    for i, criterion in enumerate(assignment.rubric):
        raw = (given.get(str(i)) or "").strip()
        if not raw.isdigit() or int(raw) >= len(criterion["levels"]):
            raise ValidationError(_l("Chọn mức cho tiêu chí “%(c)s”.", c=criterion["name"]), field=f"rubric_{i}")
        marks[str(i)] = int(raw)
    return marks


def _require_newest(session: Session, submission: Submission) -> None:
    newest = session.scalar(select(func.max(Submission.number)).where(
        Submission.assignment_id == submission.assignment_id, Submission.student_id == submission.student_id))
    if newest != submission.number:
        raise Conflict(_l("Học sinh đã nộp lại: hãy chấm bài nộp mới nhất."))


def return_submission(session: Session, actor: User, role: str, submission: Submission, comment: str, *,
                      now: datetime, revise_by: datetime | None = None) -> None:
    """Send the work back for revision with a comment; the pupil may hand in once more (not
    counted against the allowance) until `revise_by`."""
    assignment = session.get(Assignment, submission.assignment_id)
    require_manage(actor, role, assignment)
    _require_newest(session, submission)
    text = nfc_text(comment)
    if not text:
        raise ValidationError(_l("Ghi nhận xét để học sinh biết cần sửa gì."), field="comment")
    deadline = revise_by or now + timedelta(days=REVISION_DAYS)
    if deadline <= now:
        raise ValidationError(_l("Hạn nộp lại phải sau bây giờ."), field="revise_by")
    submission.status, submission.comment, submission.revise_by = "returned", text[:TEXT_MAX], deadline.replace(microsecond=0)
    submission.graded_by, submission.graded_at = actor.id, now
    session.flush()
    audit.record(session, "submission_returned", actor_id=actor.id, school_id=submission.school_id,
                 subject_type="submission", subject_id=submission.id)
    if submission.student.user is not None:
        notify(session, [submission.student.user], "homework_returned", {"title": assignment.title},
               f"/homework/{assignment.id}", assignment.school_id)


def remind_missing(session: Session, actor: User, role: str, assignment: Assignment, now: datetime) -> int:
    """Notify the pupils who have handed in nothing (and, once the work is overdue, their parents)."""
    require_manage(actor, role, assignment)
    if not is_published(assignment):
        raise Conflict(_l("Bài tập chưa được giao."))
    table = submissions_table(session, assignment, now)
    missing = [r.student for r in table.rows if r.submission is None]
    params = {"title": assignment.title, "due": assignment.due_at.isoformat()}
    users = [s.user for s in missing if s.user is not None]
    sent = notify(session, users, "homework_reminder", params, f"/homework/{assignment.id}", assignment.school_id)
    audit.record(session, "homework_reminded", actor_id=actor.id, school_id=assignment.school_id,
                 subject_type="assignment", subject_id=assignment.id, detail=str(sent))
    return sent


# ---------------------------------------------------------------- the grade book

def final_scores(session: Session, assignment: Assignment) -> dict[int, Decimal]:
    """Each graded pupil's result on 10 (after the late penalty)."""
    out = {}
    for (_a, student_id), sub in latest_submissions(session, [assignment.id]).items():
        value = final_tenths(assignment, sub)
        if value is not None:
            out[student_id] = rules.on_ten(value, assignment.max_tenths)
    return out


def regular_columns(assignment: Assignment) -> list[str]:
    """The regular-assessment columns (tx1, tx2…) every class set the work has, in order."""
    from lms.gradebook.book import columns_of
    from lms.gradebook.models import Kind

    keys: set[str] | None = None
    for link in assignment.courses:
        mine = {c.key for c in columns_of(link.course) if c.kind == Kind.REGULAR}
        keys = mine if keys is None else keys & mine
    return sorted(keys or [], key=lambda k: int(k[2:]))


def post_scores(session: Session, actor: User, role: str, assignment: Assignment, term: int, key: str,
                now: datetime) -> dict:
    """Send the scores to a regular-assessment column; from then on, regrading and moving the
    due time update the column too."""
    require_manage(actor, role, assignment)
    if term not in (1, 2):
        raise ValidationError(_l("Chọn học kỳ."), field="gradebook")
    if key not in regular_columns(assignment):
        raise ValidationError(_l("Chọn một cột điểm đánh giá thường xuyên (TX) có ở mọi lớp được giao."),
                              field="gradebook")
    assignment.gradebook_term, assignment.gradebook_key, assignment.posted_at = term, key, now
    session.flush()
    return _post(session, actor, role, assignment, now, None)


def _post(session: Session, actor: User, role: str, assignment: Assignment, now: datetime,
          student_ids: list[int] | None) -> dict:
    from lms.gradebook.book import post_marks

    scores = final_scores(session, assignment)
    by_course: dict[int, dict[int, Decimal]] = defaultdict(dict)
    courses = {}
    for student, course in pupils_of(session, assignment):
        courses[course.id] = course
        if student.id in scores and (student_ids is None or student.id in student_ids):
            by_course[course.id][student.id] = scores[student.id]
    totals = {"created": 0, "changed": 0, "unchanged": 0}
    for course_id, marks in by_course.items():
        result = post_marks(session, actor, role, courses[course_id], assignment.gradebook_term,
                            assignment.gradebook_key, marks, source_type="assignment", source_id=assignment.id,
                            now=now)
        for k in totals:
            totals[k] += getattr(result, k)
    return totals


def _repost(session: Session, actor: User, role: str, assignment: Assignment, now: datetime,
            student_ids: list[int] | None = None) -> dict | None:
    """After the scores went to the grade book, keep it in step. A locked term leaves the grade
    book as it was and says so (`locked`), without undoing the grading."""
    if assignment.posted_at is None:
        return None
    try:
        with session.begin_nested():
            return _post(session, actor, role, assignment, now, student_ids)
    except DomainError as exc:
        return {"error": str(exc)}


# ---------------------------------------------------------------- files

def zip_of_files(session: Session, assignment: Assignment, folder: Area) -> tuple[bytes, int]:
    """Every file of every pupil's newest hand-in, named "Lớp - Họ tên - Mã HS/tệp". Returns the
    archive and how many files it holds."""
    table = submissions_table(session, assignment, now=assignment.due_at)
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in table.rows:
            if row.submission is None:
                continue
            directory = _safe(f"{row.course.school_class.name} - {row.student.full_name} - {row.student.student_code}")
            used: set[str] = set()
            if row.submission.text:
                archive.writestr(f"{directory}/bai-lam.txt", row.submission.text)
                used.add("bai-lam.txt")
            for f in row.submission.files:
                name = _unique(_safe(f.filename), used)
                try:
                    archive.writestr(f"{directory}/{name}", (folder / f.stored_name).read_bytes())
                except Missing:  # gone from the storage: say so in the archive rather than fail it all
                    archive.writestr(f"{directory}/{name}.MISSING.txt", str(_l("Tệp không còn trên máy chủ.")))
                    continue
                count += 1
    return buffer.getvalue(), count


def _safe(name: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|' else ch for ch in name).strip() or "tep"


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    used.add(candidate.casefold())
    return candidate


def file_for(session: Session, user: User, role: str, school: School, file_id: int) -> SubmissionFile:
    """A hand-in's file, for the pupil who handed it in, their parents and the assignment's teacher.
    A file of a hand-in that a later one replaced is kept as its revision history, for the teacher
    only (from the grading page's earlier hand-ins): the pupil and parents get the current one's."""
    item = session.get(SubmissionFile, file_id)
    submission = session.get(Submission, item.submission_id) if item is not None else None
    if submission is None:
        raise NotFound(_l("Không tìm thấy tệp."))
    student = submission.student
    replaced = session.scalar(select(exists().where(Submission.assignment_id == submission.assignment_id,
                                                    Submission.student_id == submission.student_id,
                                                    Submission.number > submission.number)))
    if replaced and role in ("parent", "student"):
        raise NotFound(_l("Không tìm thấy tệp."))
    if role == "parent":
        if not session.scalar(select(func.count()).select_from(Guardianship).where(
                Guardianship.guardian_id == user.id, Guardianship.student_id == student.id)):
            raise NotFound(_l("Không tìm thấy tệp."))
        return item
    if school is None or submission.school_id != school.id:
        raise NotFound(_l("Không tìm thấy tệp."))
    if role == "student":
        if student.user_id != user.id:
            raise NotFound(_l("Không tìm thấy tệp."))
        return item
    if not can_manage(user, role, session.get(Assignment, submission.assignment_id)):
        raise NotFound(_l("Không tìm thấy tệp."))
    return item


# ---------------------------------------------------------------- pupils and parents

@dataclass
class PupilItem:
    assignment: Assignment
    submission: Submission | None
    state: str
    late_days: int
    final: int | None


def pupil_items(session: Session, students: list[Student], now: datetime) -> dict[int, list[PupilItem]]:
    """student id → their published, opened homework this year, soonest due first, in three queries."""
    if not students:
        return {}
    ids = [s.id for s in students]
    rows = session.execute(
        select(Enrollment.student_id, Assignment)
        .join(Course, Course.class_id == Enrollment.class_id)
        .join(SchoolYear, (SchoolYear.id == Enrollment.school_year_id) & SchoolYear.is_current.is_(True))
        .join(AssignmentCourse, AssignmentCourse.course_id == Course.id)
        .join(Assignment, Assignment.id == AssignmentCourse.assignment_id)
        .where(Enrollment.student_id.in_(ids), Assignment.published_at.is_not(None), Assignment.open_at <= now)
        .order_by(Assignment.due_at.desc())).all()
    latest = latest_submissions(session, list({a.id for _s, a in rows}), ids)
    out: dict[int, list[PupilItem]] = {sid: [] for sid in ids}
    for student_id, assignment in rows:
        sub = latest.get((assignment.id, student_id))
        out[student_id].append(PupilItem(assignment, sub, state_of(assignment, sub, now),
                                         late_days_of(assignment, sub) if sub else 0, final_tenths(assignment, sub)))
    for items in out.values():
        # What still needs doing first (soonest due), then the rest newest first.
        todo = [i for i in items if i.state in (State.NOT_DUE, State.RETURNED)]
        rest = [i for i in items if i.state not in (State.NOT_DUE, State.RETURNED)]
        items[:] = sorted(todo, key=lambda i: i.assignment.due_at) + rest
    return out


@jobs.periodic("notify_overdue_homework")
def notify_overdue(session: Session, now: datetime) -> int:
    """Once an assignment is past due, tell the parents (and the pupil) of each pupil who has
    handed in nothing. Each assignment is claimed by a guarded update, so two processes never
    both send."""
    due = list(session.scalars(select(Assignment.id).where(Assignment.published_at.is_not(None),
                                                          Assignment.due_at < now,
                                                          Assignment.overdue_notified_at.is_(None))))
    sent = 0
    for assignment_id in due:
        claimed = session.execute(update(Assignment).where(Assignment.id == assignment_id,
                                                           Assignment.overdue_notified_at.is_(None))
                                  .values(overdue_notified_at=now)).rowcount
        if not claimed:
            continue
        assignment = session.get(Assignment, assignment_id)
        table = submissions_table(session, assignment, now)
        missing = [r.student for r in table.rows if r.submission is None]
        if not missing:
            continue
        parents: dict[int, list[User]] = defaultdict(list)
        for link in session.scalars(select(Guardianship).where(Guardianship.student_id.in_([s.id for s in missing]))):
            parents[link.student_id].append(link.guardian)
        for student in missing:
            params = {"student": student.full_name, "title": assignment.title, "subject": assignment.subject.name}
            sent += notify(session, parents[student.id], "homework_overdue", params,
                           f"/children/{student.id}/homework", assignment.school_id)
            if student.user is not None:
                sent += notify(session, [student.user], "homework_overdue", params, f"/homework/{assignment.id}",
                               assignment.school_id)
    return sent
