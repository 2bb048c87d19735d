"""Leave requests: a parent asks for a child to be excused for some days; the homeroom teacher
approves or refuses. An approved request turns the child's marks in those days into absences
with permission, and prefills registers not yet taken."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.attendance import rules
from lms.attendance.days_off import offs_between
from lms.attendance.models import AttendanceMark, AttendanceRegister, LeaveRequest, LeaveStatus, Mark
from lms.attendance.permissions import require_keeper
from lms.attendance.registers import settle_day
from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.notify import notify
from lms.core.text import nfc_text
from lms.core.timeutil import school_tz, utc_to_local
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Enrollment, Guardianship, SchoolClass, SchoolYear, Student

REASON_MAX = 500
NOTE_MAX = 300        # the teacher's answer to the parents
MAX_DAYS = 30          # one request covers at most this many days
PAST_DAYS = 30         # and may be sent after the fact up to this many days back


def _guardian_link(session: Session, parent: User, student_id: int) -> Guardianship:
    link = session.scalars(select(Guardianship).where(Guardianship.guardian_id == parent.id,
                                                      Guardianship.student_id == student_id)).first()
    if link is None:
        raise NotFound(_l("Không tìm thấy học sinh."))
    return link


def current_class(session: Session, student: Student) -> SchoolClass | None:
    return session.scalars(select(SchoolClass).join(Enrollment, Enrollment.class_id == SchoolClass.id)
                           .join(SchoolYear, SchoolYear.id == Enrollment.school_year_id)
                           .where(Enrollment.student_id == student.id, SchoolYear.is_current.is_(True))).first()


def request_leave(session: Session, parent: User, student: Student, first: date | None, last: date | None,
                  reason: str, *, now: datetime, today: date) -> LeaveRequest:
    """A parent's request; the homeroom teacher is told."""
    _guardian_link(session, parent, student.id)
    school_class = current_class(session, student)
    if school_class is None:
        raise ValidationError(_l("Học sinh chưa được xếp lớp năm học này."))
    if first is None:
        raise ValidationError(_l("Chọn ngày nghỉ."), field="first_day")
    last = last or first
    if last < first:
        raise ValidationError(_l("Ngày cuối phải từ ngày đầu trở đi."), field="last_day")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(ngettext("Mỗi đơn xin nghỉ tối đa %(n)s ngày.", "Mỗi đơn xin nghỉ tối đa %(n)s ngày.", MAX_DAYS, n=MAX_DAYS), field="last_day")
    if first < today - timedelta(days=PAST_DAYS):
        raise ValidationError(ngettext("Chỉ xin phép bổ sung cho %(n)s ngày gần đây.", "Chỉ xin phép bổ sung cho %(n)s ngày gần đây.", PAST_DAYS, n=PAST_DAYS), field="first_day")
    year = session.get(SchoolYear, school_class.school_year_id)
    if first < year.start_date or last > year.end_date:
        raise ValidationError(_l("Ngày nghỉ phải trong năm học %(y)s (%(a)s – %(b)s).", y=year.name,
                                 a=year.start_date.strftime("%d/%m/%Y"), b=year.end_date.strftime("%d/%m/%Y")),
                              field="first_day" if not year.start_date <= first <= year.end_date else "last_day")
    _check_school_days(session, school_class, first, last)
    text = nfc_text(reason)
    if not text:
        raise ValidationError(_l("Ghi lý do xin nghỉ."), field="reason")
    if len(text) > REASON_MAX:
        raise ValidationError(ngettext("Lý do dài quá %(n)s ký tự.", "Lý do dài quá %(n)s ký tự.", REASON_MAX, n=REASON_MAX), field="reason")
    overlap = session.scalars(select(LeaveRequest).where(
        LeaveRequest.student_id == student.id,
        LeaveRequest.status.in_([LeaveStatus.PENDING, LeaveStatus.APPROVED]),
        LeaveRequest.first_day <= last, LeaveRequest.last_day >= first)).first()
    if overlap is not None:
        raise Conflict(_l("Đã có đơn xin nghỉ cho những ngày này (từ %(a)s đến %(b)s).",
                          a=overlap.first_day.strftime("%d/%m/%Y"), b=overlap.last_day.strftime("%d/%m/%Y")),
                       field="first_day")
    leave = LeaveRequest(school_id=school_class.school_id, class_id=school_class.id, student_id=student.id,
                         requested_by=parent.id, first_day=first, last_day=last, reason=text, created_at=now)
    session.add(leave)
    session.flush()
    if school_class.homeroom_teacher is not None:
        notify(session, [school_class.homeroom_teacher], "leave_requested",
               {"student": student.full_name, "class": school_class.name, "from": first.strftime("%d/%m/%Y"),
                "to": last.strftime("%d/%m/%Y")}, "/attendance/leave", school_class.school_id)
    audit.record(session, "leave_requested", actor_id=parent.id, school_id=school_class.school_id,
                 subject_type="student", subject_id=student.id, detail=f"{first.isoformat()}..{last.isoformat()}")
    return leave


def _no_school(session: Session, school_class: SchoolClass, day: date) -> str | None:
    """Why the class has no school on `day` (a Sunday, a Saturday at a school without Saturday
    classes, a public holiday, a day the school declared off), said with the day; None on a school day."""
    from lms.messaging.settings import settings_of

    off = rules.day_off(day, saturday_classes=settings_of(session, school_class.school_id).saturday_classes,
                        school_days_off=offs_between(session, school_class.school_id, day, day))
    if off is None:
        return None
    kind, name = off
    shown = day.strftime("%d/%m/%Y")
    if kind == rules.HOLIDAY:
        return str(_l("Ngày %(d)s là ngày nghỉ lễ (%(n)s): không có buổi học, không cần xin nghỉ.", d=shown, n=name))
    if kind == rules.SCHOOL_OFF:
        return str(_l("Ngày %(d)s trường nghỉ (%(n)s): không có buổi học, không cần xin nghỉ.", d=shown, n=name))
    if kind == rules.SUNDAY:
        return str(_l("Ngày %(d)s là Chủ nhật: không có buổi học, không cần xin nghỉ.", d=shown))
    return str(_l("Ngày %(d)s là thứ Bảy, trường không học thứ Bảy: không cần xin nghỉ.", d=shown))


def _check_school_days(session: Session, school_class: SchoolClass, first: date, last: date) -> None:
    """A request starts and ends on days the class has school (the days off between them, a
    weekend in a week's leave, are simply not school days)."""
    refusal = _no_school(session, school_class, first)
    if refusal is not None:
        raise ValidationError(refusal, field="first_day")
    refusal = _no_school(session, school_class, last) if last != first else None
    if refusal is not None:
        raise ValidationError(refusal, field="last_day")


def leave_of_school(session: Session, school_id: int, leave_id: int) -> LeaveRequest:
    leave = session.get(LeaveRequest, leave_id)
    if leave is None or leave.school_id != school_id:
        raise NotFound(_l("Không tìm thấy đơn xin nghỉ."))
    return leave


def decide_leave(session: Session, actor: User, role: str, leave: LeaveRequest, *, approve: bool, note: str,
                 now: datetime) -> LeaveRequest:
    """The homeroom teacher's (or an admin's) answer; the parents are told. Approving turns the
    child's absences without permission in those days into absences with permission."""
    school_class = session.get(SchoolClass, leave.class_id)
    require_keeper(actor, role, school_class)
    if leave.status != LeaveStatus.PENDING:
        raise Conflict(_l("Đơn này đã được trả lời."))
    text = nfc_text(note)
    if len(text) > NOTE_MAX:
        raise ValidationError(ngettext("Ghi chú dài quá %(n)s ký tự.", "Ghi chú dài quá %(n)s ký tự.", NOTE_MAX,
                                       n=NOTE_MAX), field="note")
    if not approve and not text:
        raise ValidationError(_l("Ghi lý do không duyệt để phụ huynh biết."), field="note")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = actor.id, now, text
    excused: list = []      # days the parents were told of an unexcused absence, now excused
    if approve:
        days = set()
        for mark in session.scalars(select(AttendanceMark).join(AttendanceRegister).where(
                AttendanceMark.student_id == leave.student_id, AttendanceRegister.class_id == leave.class_id,
                AttendanceRegister.day >= leave.first_day, AttendanceRegister.day <= leave.last_day,
                AttendanceMark.status == Mark.UNEXCUSED)):
            mark.status, mark.leave_request_id = Mark.EXCUSED, leave.id
            days.add(mark.register.day)
        session.flush()
        # The approval itself tells the parents that an absence they were told of is now excused:
        # one message per approval, not a correction as well.
        excused = [day for day in sorted(days)
                   if settle_day(session, school_class, day, [leave.student_id], now, told_elsewhere=True)[1]]
    session.flush()
    parents = [g.guardian for g in session.scalars(select(Guardianship).where(
        Guardianship.student_id == leave.student_id))]
    params = {"student": leave.student.full_name, "from": leave.first_day.strftime("%d/%m/%Y"),
              "to": leave.last_day.strftime("%d/%m/%Y"), "note": text, "student_id": leave.student_id}
    today = utc_to_local(now, school_tz()).date()
    if excused:     # absences the parents were told of, now excused: the approval says so
        params["excused"] = ", ".join(d.strftime("%d/%m/%Y") for d in excused)
    if approve and today in days:
        params["date"] = today.strftime("%d/%m/%Y")     # corrects today's absence: as urgent as the correction
    notify(session, parents, "leave_approved" if approve else "leave_refused", params,
           f"/children/{leave.student_id}/attendance", leave.school_id)
    audit.record(session, "leave_decided", actor_id=actor.id, school_id=leave.school_id, subject_type="leave",
                 subject_id=leave.id, detail=leave.status)
    return leave


def cancel_leave(session: Session, parent: User, leave: LeaveRequest, *, now: datetime) -> None:
    """A parent withdraws a request not yet answered."""
    _guardian_link(session, parent, leave.student_id)
    if leave.status == LeaveStatus.CANCELLED:
        raise Conflict(_l("Đơn này đã được rút lại rồi."))
    if leave.status != LeaveStatus.PENDING:
        raise Conflict(_l("Đơn đã được trả lời, không rút lại được."))
    leave.status, leave.decided_at = LeaveStatus.CANCELLED, now
    session.flush()


def requests_of_student(session: Session, student: Student) -> list[LeaveRequest]:
    return list(session.scalars(select(LeaveRequest).where(LeaveRequest.student_id == student.id)
                                .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id.desc())))


def requests_to_decide(session: Session, actor: User, role: str, school_id: int, *, pending_only: bool = True,
                       limit: int = 200) -> list[LeaveRequest]:
    """Requests in the classes this person keeps (pending first, soonest day first)."""
    stmt = (select(LeaveRequest).join(SchoolClass, SchoolClass.id == LeaveRequest.class_id)
            .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
            .where(LeaveRequest.school_id == school_id, SchoolYear.is_current.is_(True)))
    if role != "admin":
        stmt = stmt.where(SchoolClass.homeroom_teacher_id == actor.id)
    if pending_only:
        stmt = stmt.where(LeaveRequest.status == LeaveStatus.PENDING)
    return list(session.scalars(stmt.order_by(LeaveRequest.first_day, LeaveRequest.id).limit(limit)))
