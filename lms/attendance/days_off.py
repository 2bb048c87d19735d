"""A school's own days off besides the public holidays: a day given in place of another (nghỉ
bù), a school event, a closure — one day or a range, with the reason. The register refuses them
as it refuses a holiday, and no homework may be due on one (`offs_between` is what both read)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.attendance import rules
from lms.attendance.models import SchoolDayOff
from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.text import nfc_text
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import School, SchoolYear

MAX_DAYS = 60         # one entry: at most this many days (a summer is not a day off)


def offs_between(session: Session, school_id: int, first: date, last: date) -> dict[date, str]:
    """Each day in [first, last] the school has declared off, with its reason."""
    out: dict[date, str] = {}
    for row in session.scalars(select(SchoolDayOff).where(SchoolDayOff.school_id == school_id,
                                                          SchoolDayOff.first_day <= last,
                                                          SchoolDayOff.last_day >= first)):
        day = max(row.first_day, first)
        while day <= min(row.last_day, last):
            out[day] = row.reason
            day += timedelta(days=1)
    return out


def closed_on(session: Session, school_id: int, day: date) -> object | None:
    """Why the school is closed on `day` other than for the weekend: a public holiday's name (said
    in the reader's language) or the reason the school gave; None on a school day or a weekend."""
    off = rules.day_off(day, saturday_classes=True, school_days_off=offs_between(session, school_id, day, day))
    return off[1] if off is not None and off[0] in (rules.HOLIDAY, rules.SCHOOL_OFF) else None


@dataclass(frozen=True)
class TakenAbsence:
    day: date
    class_name: str
    student_name: str
    mark: str            # P / K
    period: int          # 0: the whole-day register


def absences_between(session: Session, school_id: int, first: date, last: date) -> list[TakenAbsence]:
    """The absences the school's registers already hold in [first, last]: declaring those days
    off takes them out of the term totals, so the admin is shown them first."""
    from lms.attendance.models import AttendanceMark, AttendanceRegister, Mark
    from lms.people.models import SchoolClass, Student

    rows = session.execute(
        select(AttendanceRegister.day, SchoolClass.name, Student.full_name, AttendanceMark.status,
               AttendanceRegister.period)
        .join(AttendanceMark, AttendanceMark.register_id == AttendanceRegister.id)
        .join(SchoolClass, SchoolClass.id == AttendanceRegister.class_id)
        .join(Student, Student.id == AttendanceMark.student_id)
        .where(SchoolClass.school_id == school_id, AttendanceRegister.day >= first, AttendanceRegister.day <= last,
               AttendanceMark.status.in_([Mark.EXCUSED, Mark.UNEXCUSED]))
        .order_by(AttendanceRegister.day, SchoolClass.name, Student.full_name, AttendanceRegister.period))
    return [TakenAbsence(*row) for row in rows]


def days_off_of(session: Session, school_id: int) -> list[SchoolDayOff]:
    return list(session.scalars(select(SchoolDayOff).where(SchoolDayOff.school_id == school_id)
                                .order_by(SchoolDayOff.first_day.desc())))


def add_day_off(session: Session, actor: User, school: School, first: date | None, last: date | None, reason: str,
                *, now: datetime, confirmed: bool = False) -> SchoolDayOff:
    """Declare [first, last] (last empty: one day) off for the school, with its reason. Days whose
    registers already hold absences (a day in lieu declared afterwards) are declared only once
    the admin confirms: those absences then no longer count in the term totals."""
    reason = nfc_text(reason or "").strip()
    if first is None:
        raise ValidationError(_l("Chọn ngày nghỉ."), field="first_day")
    last = last or first
    if last < first:
        raise ValidationError(_l("Ngày cuối phải từ ngày đầu trở đi."), field="last_day")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(ngettext("Mỗi lần khai báo tối đa %(n)s ngày nghỉ.",
                                       "Mỗi lần khai báo tối đa %(n)s ngày nghỉ.", MAX_DAYS, n=MAX_DAYS), field="last_day")
    years = list(session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id)
                                 .order_by(SchoolYear.is_current.desc(), SchoolYear.start_date.desc())))
    if not any(y.start_date <= first and last <= y.end_date for y in years):
        if not years:
            raise ValidationError(_l("Trường chưa khai báo năm học: khai báo năm học trước khi thêm ngày nghỉ."),
                                  field="first_day")
        year = years[0]
        raise ValidationError(_l("Ngày nghỉ phải trong năm học %(y)s (%(a)s – %(b)s).", y=year.name,
                                 a=year.start_date.strftime("%d/%m/%Y"), b=year.end_date.strftime("%d/%m/%Y")),
                              field="first_day" if not year.start_date <= first <= year.end_date else "last_day")
    if not reason:
        raise ValidationError(_l("Ghi lý do nghỉ (ví dụ: nghỉ bù, hội khoẻ phù đổng)."), field="reason")
    if len(reason) > 200:
        raise ValidationError(_l("Lý do tối đa 200 ký tự."), field="reason")
    clash = session.scalars(select(SchoolDayOff).where(SchoolDayOff.school_id == school.id,
                                                       SchoolDayOff.first_day <= last,
                                                       SchoolDayOff.last_day >= first)).first()
    if clash is not None:
        raise Conflict(_l("Trùng với ngày nghỉ đã khai báo %(a)s – %(b)s (%(r)s).",
                          a=clash.first_day.strftime("%d/%m/%Y"), b=clash.last_day.strftime("%d/%m/%Y"),
                          r=clash.reason), field="first_day")
    taken = absences_between(session, school.id, first, last)
    if taken and not confirmed:
        raise ValidationError(ngettext(
            "Sổ điểm danh những ngày này đã ghi %(n)s lượt vắng (danh sách bên dưới): khai báo ngày nghỉ thì các lượt "
            "vắng này không còn tính vào tổng số buổi nghỉ của học kỳ. Đánh dấu ô xác nhận rồi thêm lại nếu đúng.",
            "Sổ điểm danh những ngày này đã ghi %(n)s lượt vắng (danh sách bên dưới): khai báo ngày nghỉ thì các lượt "
            "vắng này không còn tính vào tổng số buổi nghỉ của học kỳ. Đánh dấu ô xác nhận rồi thêm lại nếu đúng.",
            len(taken), n=len(taken)), field="confirmed")
    row = SchoolDayOff(school_id=school.id, first_day=first, last_day=last, reason=reason, created_by=actor.id,
                       created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, "school_day_off_added", actor_id=actor.id, school_id=school.id,
                 subject_type="school_day_off", subject_id=row.id,
                 detail=f"{first.isoformat()}..{last.isoformat()} {reason}"
                 + (f" ({len(taken)} absences no longer counted)" if taken else ""))
    return row


def remove_day_off(session: Session, actor: User, school: School, day_off_id: int) -> None:
    row = session.get(SchoolDayOff, day_off_id)
    if row is None or row.school_id != school.id:
        raise NotFound(_l("Không tìm thấy ngày nghỉ này."))
    audit.record(session, "school_day_off_removed", actor_id=actor.id, school_id=school.id,
                 subject_type="school_day_off", subject_id=row.id,
                 detail=f"{row.first_day.isoformat()}..{row.last_day.isoformat()} {row.reason}")
    session.delete(row)
    session.flush()
