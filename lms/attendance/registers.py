"""Taking attendance, the same-morning notice of an unexcused absence, what the registers add up
to, and the term totals the grade book and the report card read (`term_absences`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.attendance import rules
from lms.attendance.days_off import offs_between
from lms.attendance.models import (MAX_PERIOD, WHOLE_DAY, AttendanceMark, AttendanceRegister, LeaveRequest,
                                   LeaveStatus, Mark)
from lms.attendance.permissions import may_take, teaches_class
from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Forbidden, NotFound, ValidationError
from lms.core.models import Notification
from lms.core.notify import notify
from lms.i18n import lazy_gettext as _l
from lms.people.models import Course, Guardianship, SchoolClass, SchoolYear, Student, Term
from lms.people.services import courses_of_class, outside_year, students_of_class

MARKS = (Mark.EXCUSED.value, Mark.UNEXCUSED.value, Mark.LATE.value)


def period_label(period: int) -> str:
    return str(_l("Cả ngày")) if period == WHOLE_DAY else str(_l("Tiết %(n)s", n=period))


def term_of_day(year: SchoolYear, day: date) -> Term | None:
    return next((t for t in year.terms if t.start_date <= day <= t.end_date), None)


# ---------------------------------------------------------------- the register on a phone

@dataclass
class RosterRow:
    student: Student
    mark: str | None            # on the saved register, or prefilled from an approved leave
    leave: LeaveRequest | None  # an approved leave covering the day


@dataclass
class Roster:
    school_class: SchoolClass
    day: date
    period: int
    register: AttendanceRegister | None
    course: Course | None
    rows: list[RosterRow]

    def count(self, mark: str) -> int:
        return sum(1 for r in self.rows if r.mark == mark)


def approved_leaves(session: Session, class_id: int, first: date, last: date) -> list[LeaveRequest]:
    return list(session.scalars(select(LeaveRequest).where(
        LeaveRequest.class_id == class_id, LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.first_day <= last, LeaveRequest.last_day >= first)))


def register_of(session: Session, class_id: int, day: date, period: int) -> AttendanceRegister | None:
    return session.scalars(select(AttendanceRegister).where(
        AttendanceRegister.class_id == class_id, AttendanceRegister.day == day,
        AttendanceRegister.period == period)).first()


def roster(session: Session, school_class: SchoolClass, day: date, period: int) -> Roster:
    """The class for one register: each pupil with their mark; before the register is first saved,
    pupils on approved leave come prefilled as absent with permission, everyone else present."""
    register = register_of(session, school_class.id, day, period)
    leaves = {lv.student_id: lv for lv in approved_leaves(session, school_class.id, day, day)}
    marks = {m.student_id: m.status for m in register.marks} if register else {}
    rows = []
    for student in students_of_class(session, school_class):
        leave = leaves.get(student.id)
        mark = marks.get(student.id) if register else (Mark.EXCUSED.value if leave else None)
        rows.append(RosterRow(student, mark, leave))
    return Roster(school_class, day, period, register, register.course if register else None, rows)


@dataclass
class TakeOutcome:
    register: AttendanceRegister
    absent: int
    late: int
    parents_told: int          # pupils whose parents were sent the absence notice now
    corrections: int = 0       # pupils whose parents were told the notice was wrong


def day_refusal(session: Session, school_class: SchoolClass, day: date, today: date, role: str
                ) -> tuple[str, str] | None:
    """Why no register of the class can be saved for `day`, as (field, message), or None: a day
    not yet come, a day outside the school year, a Sunday, a Saturday at a school without
    Saturday classes, a public holiday, a day the school declared off, or (for all but admins) a
    day in a locked term. The register page says it instead of showing a form; saving checks it
    again."""
    from lms.messaging.settings import settings_of

    year = session.get(SchoolYear, school_class.school_year_id)
    shown = day.strftime("%d/%m/%Y")
    if day > today:
        return "day", str(_l("Ngày %(d)s chưa tới: không điểm danh trước.", d=shown))
    outside = outside_year([year], day, _l("Ngày"))
    if outside is not None:
        return "day", str(outside)
    off = rules.day_off(day, saturday_classes=settings_of(session, school_class.school_id).saturday_classes,
                        school_days_off=offs_between(session, school_class.school_id, day, day))
    if off is not None:
        kind, name = off
        if kind == rules.HOLIDAY:
            return "day", str(_l("Ngày %(d)s là ngày nghỉ lễ (%(n)s): không có buổi học để điểm danh.", d=shown,
                                 n=name))
        if kind == rules.SCHOOL_OFF:
            return "day", str(_l("Ngày %(d)s trường nghỉ (%(n)s): không có buổi học để điểm danh.", d=shown,
                                 n=name))
        if kind == rules.SUNDAY:
            return "day", str(_l("Ngày %(d)s là Chủ nhật: không có buổi học để điểm danh.", d=shown))
        return "day", str(_l("Ngày %(d)s là thứ Bảy, trường không học thứ Bảy (quản trị trường bật trong "
                             "cài đặt sổ liên lạc nếu có).", d=shown))
    term = term_of_day(year, day)
    if term is not None and role != "admin":
        from lms.gradebook.book import lock_of

        if lock_of(session, year.id, term.number) is not None:
            return "", str(_l("Học kỳ %(t)s đã khoá sổ: chỉ quản trị trường được sửa điểm danh.", t=term.number))
    return None


def last_school_day(session: Session, school_class: SchoolClass, today: date, role: str) -> date | None:
    """The latest day up to today whose register can be saved (within three weeks back), for the
    page that refused a day to point to."""
    for back in range(22):
        day = today - timedelta(days=back)
        if day_refusal(session, school_class, day, today, role) is None:
            return day
    return None


def _check_day(session: Session, school_class: SchoolClass, day: date, today: date, role: str) -> None:
    refusal = day_refusal(session, school_class, day, today, role)
    if refusal is None:
        return
    field, message = refusal
    if not field:
        raise Forbidden(message)
    raise ValidationError(message, field=field)


def take_register(session: Session, actor: User, role: str, school_class: SchoolClass, day: date, period: int,
                  marks: dict[int, str], *, now: datetime, today: date, course_id: int | None = None) -> TakeOutcome:
    """Save one register: `marks` maps each pupil who was not simply present to P, K or M (a
    pupil left out was present). Saving again replaces the marks. Parents of a pupil newly
    marked absent without permission hear of it now, once per pupil and day."""
    if not isinstance(period, int) or not WHOLE_DAY <= period <= MAX_PERIOD:
        raise ValidationError(_l("Tiết học không hợp lệ."), field="period")
    courses = courses_of_class(session, school_class.id)
    course = None
    if course_id:
        course = next((c for c in courses if c.id == course_id), None)
        if course is None:
            raise ValidationError(_l("Môn học không thuộc lớp này."), field="course_id")
    if not may_take(actor, role, school_class, courses, period, course):
        if teaches_class(actor, role, courses):
            raise Forbidden(_l("Giáo viên bộ môn điểm danh theo tiết của môn mình dạy."))
        raise NotFound(_l("Không tìm thấy lớp."))
    _check_day(session, school_class, day, today, role)
    pupils = {s.id: s for s in students_of_class(session, school_class)}
    clean: dict[int, str] = {}
    for student_id, mark in marks.items():
        if student_id not in pupils:
            raise ValidationError(_l("Có học sinh không thuộc lớp này; hãy tải lại trang."))
        if mark:
            if mark not in MARKS:
                raise ValidationError(_l("Trạng thái điểm danh không hợp lệ."))
            clean[student_id] = mark
    register = register_of(session, school_class.id, day, period)
    if register is None:
        register = AttendanceRegister(school_id=school_class.school_id, class_id=school_class.id, day=day,
                                      period=period)
        session.add(register)
        before: dict[int, AttendanceMark] = {}
    else:
        before = {m.student_id: m for m in register.marks}
    register.course_id = course.id if course else register.course_id
    register.taken_by, register.taken_at = actor.id, now
    leaves = {lv.student_id: lv.id for lv in approved_leaves(session, school_class.id, day, day)}
    changed = set()
    for student_id, old in before.items():
        if student_id not in clean:
            register.marks.remove(old)
            changed.add(student_id)
    for student_id, mark in clean.items():
        row = before.get(student_id)
        if row is None:
            row = AttendanceMark(school_id=school_class.school_id, student_id=student_id)
            register.marks.append(row)
        if row.status != mark:
            changed.add(student_id)
        row.status = mark
        row.leave_request_id = leaves.get(student_id) if mark == Mark.EXCUSED else None
    session.flush()
    told, corrected = settle_day(session, school_class, day, changed, now)
    audit.record(session, "attendance_taken", actor_id=actor.id, school_id=school_class.school_id,
                 subject_type="class", subject_id=school_class.id,
                 detail=f"{day.isoformat()} p{period}: {len(clean)} marks")
    absent = sum(1 for m in clean.values() if m in rules.ABSENT)
    return TakeOutcome(register, absent, sum(1 for m in clean.values() if m == Mark.LATE), told, corrected)


def _last_told(session: Session, school_id: int, day: date, ids) -> dict[int, str]:
    """The last notice about the day's absence each pupil's parents had: "absence" or
    "absence_corrected" (the notices are the record: a mark corrected to present is deleted, its
    notified_at with it)."""
    sent = Notification.params["student_id"].as_integer()
    last: dict[int, str] = {}
    for student_id, kind in session.execute(select(sent, Notification.kind).where(
            Notification.kind.in_(["absence", "absence_corrected"]), Notification.school_id == school_id,
            Notification.params["date"].as_string() == day.strftime("%d/%m/%Y"), sent.in_(list(ids)))
            .order_by(Notification.id)):
        last[student_id] = kind
    return last


def absent_periods(marks: list[AttendanceMark]) -> str:
    """What an unexcused absence was from, for the parents' notice: "" when a whole-day register
    marks it (the day), else the periods with their subjects — "3 (Toán), 5 (Ngữ văn)"."""
    unexcused = [m for m in marks if m.status == Mark.UNEXCUSED]
    if any(m.register.period == WHOLE_DAY for m in unexcused):
        return ""
    parts = []
    for mark in sorted(unexcused, key=lambda m: m.register.period):
        course = mark.register.course
        subject = course.subject.name if course is not None and course.subject is not None else ""
        parts.append(f"{mark.register.period} ({subject})" if subject else str(mark.register.period))
    return ", ".join(parts)


def settle_day(session: Session, school_class: SchoolClass, day: date, student_ids, now: datetime, *,
               told_elsewhere: bool = False) -> tuple[int, int]:
    """The one place where a change to a day's attendance reaches the parents (a register saved, a
    leave approved): for each pupil whose marks changed, the parents are told at once when the
    pupil is now absent without permission on some register of the day and their last notice
    about the day was not that absence, and told the notice was wrong when their last notice was
    the absence and the pupil no longer is. So each change is told once, however often the
    registers are saved. Returns (absences told, corrections told).

    `told_elsewhere`: the caller's own notice tells the parents of the change outside the app (a
    leave approved: one message per approval) — the corrections are recorded in the app only, and
    an absence notice of the day still waiting to go out is not sent."""
    ids = set(student_ids)
    if not ids:
        return 0, 0
    marks: dict[int, list[AttendanceMark]] = defaultdict(list)
    for mark in session.scalars(select(AttendanceMark).join(AttendanceRegister).where(
            AttendanceRegister.class_id == school_class.id, AttendanceRegister.day == day,
            AttendanceMark.student_id.in_(ids))):
        marks[mark.student_id].append(mark)
    last = _last_told(session, school_class.school_id, day, ids)
    absent = {i for i in ids if any(m.status == Mark.UNEXCUSED for m in marks[i]) and last.get(i) != "absence"}
    wrong = {i for i in ids if last.get(i) == "absence"
             and not any(m.status == Mark.UNEXCUSED for m in marks[i])}
    if not absent and not wrong:
        return 0, 0
    guardians: dict[int, list[User]] = defaultdict(list)
    for link in session.scalars(select(Guardianship).where(Guardianship.student_id.in_(absent | wrong))):
        guardians[link.student_id].append(link.guardian)
    pupils = {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(absent | wrong)))}
    for student_id in sorted(absent | wrong):
        student = pupils[student_id]
        params = {"student": student.full_name, "class": school_class.name, "date": day.strftime("%d/%m/%Y"),
                  "student_id": student.id}
        if student_id in absent:
            periods = absent_periods(marks[student_id])
            if periods:
                params["periods"] = periods
            notify(session, guardians[student_id], "absence", params, f"/children/{student.id}/attendance",
                   school_class.school_id, flush=False)
            for mark in marks[student_id]:
                if mark.status == Mark.UNEXCUSED:
                    mark.notified_at = now
        else:
            statuses = {m.status for m in marks[student_id]}
            shown = next((s for s in (Mark.EXCUSED, Mark.LATE) if s in statuses), "")
            if told_elsewhere:
                params["in_app_only"] = True
                _drop_waiting(session, student.id, day, now)
            notify(session, guardians[student_id], "absence_corrected", {**params, "mark": shown},
                   f"/children/{student.id}/attendance", school_class.school_id, flush=False,
                   outside=not told_elsewhere)
    session.flush()
    return len(absent), len(wrong)


def _drop_waiting(session: Session, student_id: int, day: date, now: datetime) -> None:
    """The absence notices of the pupil's day not yet sent (held by quiet hours) no longer hold."""
    from lms.messaging.models import OutboundMessage, Status

    shown = day.strftime("%d/%m/%Y")
    for message in session.scalars(select(OutboundMessage).where(
            OutboundMessage.student_id == student_id, OutboundMessage.kind == "absence",
            OutboundMessage.status == Status.QUEUED)):
        if (message.payload or {}).get("params", {}).get("date") == shown:
            message.status, message.error_code, message.finished_at = Status.SKIPPED, "leave", now
            message.error_text = "Đơn xin nghỉ đã được duyệt cho ngày này"


# ---------------------------------------------------------------- what the registers add up to

def _registers_between(session: Session, school_class: SchoolClass, first: date, last: date
                       ) -> tuple[list[tuple[date, int]], dict[int, list[tuple[date, int, str]]]]:
    """Every register of the class in [first, last] as (day, period), and each pupil's marks on
    them as (day, period, mark) — in three queries. A day the school declared off after its
    registers were taken has no school: its registers count for nothing (the school was warned,
    `days_off.absences_between`)."""
    class_id = school_class.id
    off = offs_between(session, school_class.school_id, first, last)
    taken = [(d, p) for d, p in session.execute(select(AttendanceRegister.day, AttendanceRegister.period).where(
        AttendanceRegister.class_id == class_id, AttendanceRegister.day >= first, AttendanceRegister.day <= last))
        if d not in off]
    marks: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for student_id, day, period, status in session.execute(
            select(AttendanceMark.student_id, AttendanceRegister.day, AttendanceRegister.period, AttendanceMark.status)
            .join(AttendanceRegister).where(AttendanceRegister.class_id == class_id,
                                            AttendanceRegister.day >= first, AttendanceRegister.day <= last)):
        if day not in off:
            marks[student_id].append((day, period, status))
    return taken, marks


@dataclass(frozen=True)
class TermAbsence:
    excused: int
    unexcused: int
    daily: bool            # counted from the daily registers (else typed in the grade book)

    @property
    def total(self) -> int:
        return self.excused + self.unexcused


def term_absences(session: Session, school_class: SchoolClass) -> dict[tuple[int, int], TermAbsence]:
    """(student id, term) → sessions absent with and without permission, for every pupil of the
    class and both terms. A term in which the class has daily registers is counted from them;
    a term without any keeps the figures typed in the grade book (schools that keep paper)."""
    from lms.gradebook.models import TermRecord

    year = session.get(SchoolYear, school_class.school_year_id)
    students = students_of_class(session, school_class)
    typed = {(r.student_id, r.term): r for r in session.scalars(
        select(TermRecord).where(TermRecord.class_id == school_class.id))}
    out: dict[tuple[int, int], TermAbsence] = {}
    for term in year.terms:
        taken, marks = _registers_between(session, school_class, term.start_date, term.end_date)
        for s in students:
            if taken:
                t = rules.totals(marks.get(s.id, []), taken)
                out[(s.id, term.number)] = TermAbsence(t.excused, t.unexcused, True)
            else:
                r = typed.get((s.id, term.number))
                out[(s.id, term.number)] = TermAbsence(r.absent_excused if r else 0, r.absent_unexcused if r else 0,
                                                       False)
    return out


@dataclass
class DayLine:
    day: date
    outcome: str | None        # P / K for a session missed
    late: bool
    periods: list[tuple[int, str]]   # (period, mark) on period registers


def pupil_days(session: Session, student: Student, school_class: SchoolClass, first: date, last: date
               ) -> tuple[list[DayLine], rules.Totals]:
    """A pupil's days with anything to tell (absent, late, a missed period), newest first, and
    their totals over [first, last]."""
    taken, marks = _registers_between(session, school_class, first, last)
    mine = marks.get(student.id, [])
    by_day: dict[date, dict[int, str]] = defaultdict(dict)
    for day, period, mark in mine:
        by_day[day][period] = mark
    periods_taken: dict[date, list[int]] = defaultdict(list)
    for day, period in taken:
        periods_taken[day].append(period)
    lines = []
    for day in sorted(by_day, reverse=True):
        got = by_day[day]
        taken_today = periods_taken[day]
        outcome = rules.day_absence(got.get(0), 0 in taken_today, [got.get(p) for p in sorted(taken_today) if p])
        lines.append(DayLine(day, outcome, rules.LATE in got.values(),
                             sorted((p, m) for p, m in got.items() if p)))
    return lines, rules.totals(mine, taken)


@dataclass
class MonthGrid:
    school_class: SchoolClass
    days: list[date]
    taken: set[date]
    cells: dict[tuple[int, date], str]     # (student, day) → P / K / M
    rows: list[tuple[Student, rules.Totals]]


def month_grid(session: Session, school_class: SchoolClass, first: date) -> MonthGrid:
    """The homeroom teacher's month: each pupil's day by day (absent with or without
    permission, late) and their month's totals."""
    first = first.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    taken, marks = _registers_between(session, school_class, first, last)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    periods_taken: dict[date, list[int]] = defaultdict(list)
    for day, period in taken:
        periods_taken[day].append(period)
    cells: dict[tuple[int, date], str] = {}
    rows = []
    for student in students_of_class(session, school_class):
        mine = marks.get(student.id, [])
        got: dict[date, dict[int, str]] = defaultdict(dict)
        for day, period, mark in mine:
            got[day][period] = mark
        for day, per in got.items():
            outcome = rules.day_absence(per.get(0), 0 in periods_taken[day],
                                        [per.get(p) for p in sorted(periods_taken[day]) if p])
            cells[(student.id, day)] = outcome or (rules.LATE if rules.LATE in per.values() else "")
        rows.append((student, rules.totals(mine, taken)))
    return MonthGrid(school_class, days, {d for d, _p in taken}, cells, rows)


# ---------------------------------------------------------------- which classes a teacher takes

@dataclass
class ClassToday:
    school_class: SchoolClass
    keeper: bool                # takes whole-day registers (the homeroom teacher, an admin)
    homeroom: bool
    courses: list[Course]       # whose periods this person may take
    taken: list[int]            # periods already taken today


def classes_for(session: Session, actor: User, role: str, year: SchoolYear | None, today: date) -> list[ClassToday]:
    """The classes whose registers this person takes, homeroom classes first, with today's
    registers already taken."""
    if year is None:
        return []
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id)
                                   .order_by(SchoolClass.grade, SchoolClass.name)))
    course_rows = list(session.scalars(select(Course).where(Course.class_id.in_([c.id for c in classes] or [0]))))
    by_class: dict[int, list[Course]] = defaultdict(list)
    for course in course_rows:
        by_class[course.class_id].append(course)
    taken: dict[int, list[int]] = defaultdict(list)
    for class_id, period in session.execute(select(AttendanceRegister.class_id, AttendanceRegister.period).where(
            AttendanceRegister.class_id.in_([c.id for c in classes] or [0]), AttendanceRegister.day == today)):
        taken[class_id].append(period)
    out = []
    for c in classes:
        keeper = role == "admin" or c.homeroom_teacher_id == actor.id
        mine = [x for x in by_class[c.id] if x.teacher_id == actor.id]
        if keeper or mine:
            out.append(ClassToday(c, keeper, c.homeroom_teacher_id == actor.id, by_class[c.id] if keeper else mine,
                                  sorted(taken[c.id])))
    out.sort(key=lambda x: (not x.homeroom, x.school_class.grade, x.school_class.name))
    return out


def class_of_school(session: Session, school_id: int, class_id: int) -> SchoolClass:
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        raise NotFound(_l("Không tìm thấy lớp."))
    return school_class
