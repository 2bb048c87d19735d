"""School set-up: the school's details, school years and terms, classes, subjects, courses, staff.

Every function takes the school it works in; ids that belong to another school are NotFound.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.numbers import local_decimal
from lms.core.official import printed_text
from lms.core.text import fold, nfc
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.banks import bank_by_bin
from lms.people.models import (LEVEL_GRADES, Course, Enrollment, Guardianship, Level, Membership, Role, School,
                               SchoolClass, SchoolYear, Student, Subject, SubjectGrade, Term, level_of_grade)
from lms.people.programme import subjects_for_level


# ---------------------------------------------------------------- lookups scoped to a school

def get_member(session: Session, school: School, user_id: int, roles: tuple[str, ...] | None = None) -> User:
    """A user holding a role in this school (any role unless `roles` narrows it)."""
    stmt = select(User).join(Membership).where(User.id == user_id, Membership.school_id == school.id)
    if roles:
        stmt = stmt.where(Membership.role.in_(roles))
    user = session.scalars(stmt.limit(1)).first()
    if user is None:
        raise NotFound(_l("Không tìm thấy."))
    return user


def roles_in_school(session: Session, user: User, school: School) -> set[str]:
    return set(session.scalars(select(Membership.role).where(Membership.user_id == user.id,
                                                             Membership.school_id == school.id)))


def grant_role(session: Session, user: User, school: School, role: str) -> Membership:
    existing = session.scalars(select(Membership).where(Membership.user_id == user.id,
                                                        Membership.school_id == school.id,
                                                        Membership.role == role)).first()
    if existing:
        return existing
    membership = Membership(user_id=user.id, school_id=school.id, role=role)
    session.add(membership)
    session.flush()
    return membership


# ---------------------------------------------------------------- the school itself

@dataclass
class SchoolDetails:
    name: str
    levels: list[str]
    tax_code: str | None = None
    address: str | None = None
    place_name: str | None = None
    principal_name: str | None = None
    deputy_signer_name: str | None = None
    phone: str | None = None
    email: str | None = None
    bank_bin: str | None = None
    bank_account_number: str | None = None
    bank_account_name: str | None = None
    payment_contact_name: str | None = None
    payment_contact_phone: str | None = None
    payment_contact_email: str | None = None
    require_staff_totp: bool = False


def _ascii_upper_no_accents(value: str) -> str:
    return re.sub(r"\s+", " ", fold(value).upper()).strip()


def update_school(session: Session, actor: User, school: School, details: SchoolDetails) -> School:
    from lms.auth.services import normalize_email, normalize_phone

    if not nfc(details.name):
        raise ValidationError(_l("Tên trường không được để trống."), field="name")
    levels = [lv for lv in (Level.PRIMARY, Level.LOWER, Level.UPPER) if lv.value in details.levels]
    if not levels:
        raise ValidationError(_l("Chọn ít nhất một cấp học."), field="levels")
    tax_code = nfc(details.tax_code).replace(" ", "") or None
    if tax_code and not re.match(r"^\d{10}(-\d{3})?$", tax_code):
        raise ValidationError(_l("Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số)."),
                              field="tax_code")
    account = nfc(details.bank_account_number).replace(" ", "") or None
    bank_bin = details.bank_bin or None
    if bank_bin and bank_by_bin(bank_bin) is None:
        raise ValidationError(_l("Ngân hàng không có trong danh sách."), field="bank_bin")
    if account and not re.match(r"^[0-9A-Za-z]{4,19}$", account):
        raise ValidationError(_l("Số tài khoản chỉ gồm chữ số và chữ cái, 4–19 ký tự."),
                              field="bank_account_number")
    if bool(bank_bin) != bool(account):
        raise ValidationError(_l("Nhập cả ngân hàng và số tài khoản nhận học phí."), field="bank_account_number")
    account_name = _ascii_upper_no_accents(details.bank_account_name or "") or None
    if account and not account_name:
        raise ValidationError(_l("Nhập tên chủ tài khoản như ngân hàng in trên sao kê."),
                              field="bank_account_name")
    # Every free-text field that prints on an official document, by the one rule.
    printed = {key: printed_text(getattr(details, key), field=key, label=label) for key, label in (
        ("name", _l("Tên trường")), ("address", _l("Địa chỉ")), ("place_name", _l("Địa danh ghi trên văn bản")),
        ("principal_name", _l("Họ tên hiệu trưởng")), ("deputy_signer_name", _l("Phó hiệu trưởng ký thay")))}
    school.name = printed["name"]
    school.levels = ",".join(lv.value for lv in levels)
    school.tax_code = tax_code
    school.address = printed["address"]
    school.place_name = printed["place_name"]
    school.principal_name = printed["principal_name"]
    school.deputy_signer_name = printed["deputy_signer_name"]
    school.phone = normalize_phone(details.phone)
    school.email = normalize_email(details.email)
    school.bank_bin, school.bank_account_number, school.bank_account_name = bank_bin, account, account_name
    school.payment_contact_name = nfc(details.payment_contact_name) or None
    school.payment_contact_phone = normalize_phone(details.payment_contact_phone)
    school.payment_contact_email = normalize_email(details.payment_contact_email)
    school.require_staff_totp = bool(details.require_staff_totp)
    audit.record(session, audit.Action.SCHOOL_UPDATED, actor_id=actor.id, school_id=school.id)
    session.flush()
    return school


# ---------------------------------------------------------------- school years and terms

# The Ministry's frame the year page states: 35 teaching weeks, term I 18 weeks, term II 17.
FRAME_WEEKS = {1: 18, 2: 17}
FRAME_SLACK_WEEKS = 4        # a term this far from its frame (holidays included) is worth a second look


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def year_name(name: str) -> str:
    """A school year's name, "2025-2026" (two consecutive years), or the refusal on its field."""
    name = nfc(name or "").replace(" ", "")
    if not re.match(r"^\d{4}-\d{4}$", name) or int(name[5:]) != int(name[:4]) + 1:
        raise ValidationError(_l("Năm học viết dạng 2025-2026."), field="name")
    return name


def year_window(name: str) -> tuple[date, date]:
    """Where the terms of the year `name` may lie: it starts in the first year's summer or autumn
    (from 1 July to 30 November) and ends by the second year's summer (31 August)."""
    first = int(name[:4])
    return date(first, 7, 1), date(first + 1, 8, 31)


def check_terms(name: str, term1: tuple[date, date], term2: tuple[date, date]) -> None:
    """The two terms' dates for the year `name`, or the refusal naming the field at fault: each
    term starts before it ends, term I starts in the first year's summer or autumn, term II ends
    by the second year's summer, and term II starts after term I ends (never overlapping it)."""
    (s1, e1), (s2, e2) = term1, term2
    opens, closes = year_window(name)
    if not (s1 < e1):
        raise ValidationError(_l("Học kỳ I: ngày bắt đầu phải trước ngày kết thúc."), field="term1_end")
    if not (s2 < e2):
        raise ValidationError(_l("Học kỳ II: ngày bắt đầu phải trước ngày kết thúc."), field="term2_end")
    if not (opens <= s1 <= date(opens.year, 11, 30)):
        raise ValidationError(_l("Năm học %(y)s bắt đầu từ %(a)s đến %(b)s (hè hoặc thu năm %(n)s); học kỳ I "
                                 "bắt đầu %(d)s.", y=name, a=day_text(opens), b=day_text(date(opens.year, 11, 30)),
                                 n=opens.year, d=day_text(s1)), field="term1_start")
    if not (e1 < s2):
        raise ValidationError(_l("Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc (%(d)s): hai học kỳ không được "
                                 "chồng lên nhau.", d=day_text(e1)), field="term2_start")
    if e2 > closes:
        raise ValidationError(_l("Năm học %(y)s kết thúc muộn nhất %(b)s (hè năm %(n)s); học kỳ II kết thúc %(d)s.",
                                 y=name, b=day_text(closes), n=closes.year, d=day_text(e2)), field="term2_end")


def term_warnings(term1: tuple[date, date], term2: tuple[date, date]) -> list:
    """What to look at again (not refused): a term whose length, holidays included, is far from
    the Ministry's frame (term I 18 weeks, term II 17)."""
    out = []
    for number, (start, end) in ((1, term1), (2, term2)):
        weeks = ((end - start).days + 1) / 7
        frame = FRAME_WEEKS[number]
        if abs(weeks - frame) > FRAME_SLACK_WEEKS:
            out.append(_l("Học kỳ %(t)s dài %(w)s tuần, khác xa khung của Bộ (%(f)s tuần): hãy kiểm tra lại ngày.",
                          t="I" if number == 1 else "II", w=local_decimal(Decimal((end - start).days + 1) / 7, None, 1), f=frame))
    return out


def create_school_year(session: Session, actor: User, school: School, *, name: str, term1: tuple[date, date],
                       term2: tuple[date, date], make_current: bool | None = None) -> SchoolYear:
    """A new school year with its two terms. It becomes the school's current year only when the
    school has none yet (or `make_current` says so): preparing next year never switches the live
    one; switching is `switch_current_year`, a separate confirmed action."""
    name = year_name(name)
    check_terms(name, term1, term2)
    (s1, e1), (s2, e2) = term1, term2
    if session.scalar(select(func.count()).select_from(SchoolYear)
                      .where(SchoolYear.school_id == school.id, SchoolYear.name == name)):
        raise Conflict(_l("Năm học %(name)s đã có.", name=name), field="name")
    year = SchoolYear(school_id=school.id, name=name, start_date=s1, end_date=e2)
    year.terms = [Term(number=1, start_date=s1, end_date=e1), Term(number=2, start_date=s2, end_date=e2)]
    has_current = session.scalar(select(func.count()).select_from(SchoolYear).where(
        SchoolYear.school_id == school.id, SchoolYear.is_current.is_(True)))
    session.add(year)
    session.flush()
    if make_current or (make_current is None and not has_current):
        set_current_year(session, school, year)
    audit.record(session, "school_year_created", actor_id=actor.id, school_id=school.id,
                 subject_type="school_year", subject_id=year.id, detail=year.name)
    return year


def update_school_year(session: Session, actor: User, school: School, year: SchoolYear, *,
                       term1: tuple[date, date], term2: tuple[date, date]) -> SchoolYear:
    """Correct a saved year's term dates, by the rules of a new year; refused, with the reason,
    when a mark or a lesson already recorded would fall outside its term: a term's marks entered
    before the term's new first day, lessons published outside the year's new dates."""
    from lms.courses.models import Lesson
    from lms.gradebook.models import GradeEntry, PrimaryRecord

    if year.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    check_terms(year.name, term1, term2)
    tz = school_tz()
    classes = select(SchoolClass.id).where(SchoolClass.school_year_id == year.id)
    courses = select(Course.id).where(Course.class_id.in_(classes))
    for number, ((start, _end), field) in enumerate(((term1, "term1_start"), (term2, "term2_start")), start=1):
        first = local_to_utc(datetime.combine(start, time()), tz)
        marks = [(n, when) for n, when in session.execute(
            select(func.count(), func.min(GradeEntry.updated_at)).where(
                GradeEntry.course_id.in_(courses), GradeEntry.term == number, GradeEntry.updated_at < first))]
        checkpoints = ("gk1", "ck1") if number == 1 else ("gk2", "cn")
        marks += [(n, when) for n, when in session.execute(
            select(func.count(), func.min(PrimaryRecord.updated_at)).where(
                PrimaryRecord.course_id.in_(courses), PrimaryRecord.checkpoint.in_(checkpoints),
                PrimaryRecord.updated_at < first))]
        count = sum(n for n, _w in marks)
        if count:
            earliest = min(w for n, w in marks if n)
            raise ValidationError(ngettext("Không đổi được: %(n)s điểm của học kỳ %(t)s đã nhập từ %(d)s, trước ngày "
                                           "bắt đầu mới %(s)s của học kỳ này.",
                                           "Không đổi được: %(n)s điểm của học kỳ %(t)s đã nhập từ %(d)s, trước ngày "
                                           "bắt đầu mới %(s)s của học kỳ này.", count, n=count, t="I" if number == 1 else "II",
                                           d=day_text(utc_to_local(earliest, tz).date()), s=day_text(start)),
                                  field=field)
    opens = local_to_utc(datetime.combine(term1[0], time()), tz)
    closes = local_to_utc(datetime.combine(term2[1] + timedelta(days=1), time()), tz)
    outside = session.execute(select(func.count(), func.min(Lesson.publish_at), func.max(Lesson.publish_at)).where(
        Lesson.course_id.in_(courses), Lesson.publish_at.is_not(None),
        (Lesson.publish_at < opens) | (Lesson.publish_at >= closes))).one()
    if outside[0]:
        early = outside[1] < opens
        raise ValidationError(ngettext("Không đổi được: %(n)s bài học của năm học này đã đăng ngày %(d)s, ngoài thời "
                                       "gian mới của năm học (%(a)s – %(b)s).",
                                       "Không đổi được: %(n)s bài học của năm học này đã đăng ngày %(d)s, ngoài thời "
                                       "gian mới của năm học (%(a)s – %(b)s).", outside[0], n=outside[0],
                                       d=day_text(utc_to_local(outside[1] if early else outside[2], tz).date()),
                                       a=day_text(term1[0]), b=day_text(term2[1])),
                              field="term1_start" if early else "term2_end")
    before = f"{year.start_date:%d/%m/%Y}–{year.end_date:%d/%m/%Y}"
    terms = {t.number: t for t in year.terms}
    for number, (start, end) in ((1, term1), (2, term2)):
        terms[number].start_date, terms[number].end_date = start, end
    year.start_date, year.end_date = term1[0], term2[1]
    session.flush()
    audit.record(session, "school_year_updated", actor_id=actor.id, school_id=school.id, subject_type="school_year",
                 subject_id=year.id, detail=f"{year.name}: {before} → {year.start_date:%d/%m/%Y}–{year.end_date:%d/%m/%Y}")
    return year


def delete_school_year(session: Session, actor: User, school: School, year: SchoolYear) -> None:
    """Delete a year made by mistake — only while nothing is in it yet (no class, fee plan, lock or
    anything else recorded under it) and it is not the live year."""
    if year.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    if refusal := deletion_refusal(session, school, year):
        raise Conflict(refusal)
    name = year.name
    session.delete(year)
    session.flush()
    audit.record(session, "school_year_deleted", actor_id=actor.id, school_id=school.id, subject_type="school_year",
                 subject_id=year.id, detail=name)


@dataclass
class YearSwitch:
    """What switching the live year changes, said before it is done."""
    current: SchoolYear | None
    target: SchoolYear
    classes: int           # classes prepared in the target year
    pupils: int            # pupils enrolled in them
    courses: int
    without_teacher: int   # courses of the target year with no teacher yet
    without_homeroom: int  # classes with no homeroom teacher yet


def year_switch(session: Session, school: School, year: SchoolYear) -> YearSwitch:
    if year.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    current = session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id,
                                                       SchoolYear.is_current.is_(True))).first()
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id)))
    ids = [c.id for c in classes] or [0]
    pupils = session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.class_id.in_(ids))) or 0
    courses = list(session.scalars(select(Course).where(Course.class_id.in_(ids))))
    return YearSwitch(current, year, len(classes), int(pupils), len(courses),
                      sum(1 for c in courses if c.teacher_id is None),
                      sum(1 for c in classes if c.homeroom_teacher_id is None))


def switch_current_year(session: Session, actor: User, school: School, year: SchoolYear, *,
                        empty_ok: bool = False) -> SchoolYear:
    """Make `year` the school's live year (confirmed by the admin after reading year_switch). A
    year without a class or a pupil yet would leave every teacher, pupil and parent facing empty
    pages: it is switched to only when the admin confirms that too (`empty_ok`)."""
    if year.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    if year.is_current:
        raise Conflict(_l("Năm học %(y)s đã là năm học hiện tại.", y=year.name))
    if not empty_ok:
        switch = year_switch(session, school, year)
        if not switch.classes or not switch.pupils:
            raise ValidationError(_l("Chưa chuyển: năm học %(y)s chưa có %(w)s nào, giáo viên, học sinh và phụ huynh "
                                     "sẽ không thấy lớp nào. Tạo lớp và xếp học sinh trước (trang Lên lớp), hoặc đánh "
                                     "dấu “Vẫn chuyển sang năm học chưa có học sinh”.", y=year.name,
                                     w=_l("lớp") if not switch.classes else _l("học sinh")), field="empty_ok")
    set_current_year(session, school, year)
    audit.record(session, "school_year_switched", actor_id=actor.id, school_id=school.id,
                 subject_type="school_year", subject_id=year.id, detail=year.name)
    return year


def set_current_year(session: Session, school: School, year: SchoolYear) -> None:
    for other in session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id)):
        other.is_current = other.id == year.id
    session.flush()


def current_year(session: Session, school: School) -> SchoolYear | None:
    return session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id)
                           .order_by(SchoolYear.is_current.desc(), SchoolYear.start_date.desc())).first()


# ---------------------------------------------------------------- classes

def _check_teacher(session: Session, school: School, teacher_id: int | None) -> int | None:
    if teacher_id in (None, 0, ""):
        return None
    get_member(session, school, int(teacher_id), (Role.TEACHER, Role.ADMIN))
    return int(teacher_id)


# A class name as schools write it: 6A1, 10A, 12 Chuyên Toán, 5/1, 9A (CLC) — never a formula.
CLASS_NAME = re.compile(r"[^\W_][\w .\-/()]{0,29}")


def save_class(session: Session, actor: User, school: School, *, year: SchoolYear, grade: int, name: str,
               homeroom_teacher_id: int | None, school_class: SchoolClass | None = None) -> SchoolClass:
    name = " ".join(nfc(name).split())
    if not name:
        raise ValidationError(_l("Tên lớp không được để trống."), field="name")
    if not CLASS_NAME.fullmatch(name):
        raise ValidationError(_l("Tên lớp “%(n)s” không hợp lệ: bắt đầu bằng chữ hoặc số, chỉ gồm chữ, số, dấu cách và "
                                 "các dấu . - / ( ), tối đa 30 ký tự — ví dụ 6A1, 10 Chuyên Toán.", n=name[:40]),
                              field="name")
    if grade not in school.grades:
        raise ValidationError(_l("Khối %(g)s không thuộc cấp học của trường.", g=grade), field="grade")
    if year.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    clash = session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id,
                                                      func.lower(SchoolClass.name) == name.lower())).first()
    if clash is not None and clash is not school_class:
        raise Conflict(_l("Lớp %(name)s đã có trong năm học này.", name=name), field="name")
    teacher_id = _check_teacher(session, school, homeroom_teacher_id)
    if teacher_id is not None:
        other = session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id,
                                                          SchoolClass.homeroom_teacher_id == teacher_id)).first()
        if other is not None and other is not school_class:
            teacher = session.get(User, teacher_id)
            raise Conflict(_l("%(t)s đã chủ nhiệm lớp %(c)s năm học %(y)s; mỗi giáo viên chủ nhiệm một lớp. Chọn giáo "
                              "viên khác hoặc đổi chủ nhiệm lớp %(c)s trước.", t=teacher.full_name, c=other.name,
                              y=year.name), field="homeroom_teacher_id")
    if school_class is None:
        school_class = SchoolClass(school_id=school.id, school_year_id=year.id)
        session.add(school_class)
    school_class.grade, school_class.name, school_class.homeroom_teacher_id = grade, name, teacher_id
    session.flush()
    return school_class


def class_sizes(session: Session, class_ids: list[int]) -> dict[int, int]:
    if not class_ids:
        return {}
    rows = session.execute(select(Enrollment.class_id, func.count()).where(Enrollment.class_id.in_(class_ids))
                           .group_by(Enrollment.class_id))
    return {cid: n for cid, n in rows}


# ---------------------------------------------------------------- subjects

def add_programme_subjects(session: Session, actor: User, school: School) -> int:
    """Add the 2018-programme subjects of the school's levels that it does not have yet."""
    added = 0
    for level in school.level_list:
        have = set(session.scalars(select(Subject.code).where(Subject.school_id == school.id,
                                                              Subject.level == level.value)))
        for item in subjects_for_level(level.value):
            if item.code in have:
                continue
            subject = Subject(school_id=school.id, level=level.value, code=item.code, name=item.name,
                              assessment=item.assessment, elective=item.elective)
            subject.grades = [SubjectGrade(grade=g, periods_per_year=p, periodic_test=g in item.test_grades)
                              for g, p in sorted(item.periods.items())]
            session.add(subject)
            added += 1
    session.flush()
    return added


def update_subject(session: Session, actor: User, school: School, subject: Subject, *, name: str,
                   assessment: str, periods: dict[int, int | None]) -> Subject:
    if subject.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    if not nfc(name):
        raise ValidationError(_l("Tên môn học không được để trống."), field="name")
    if assessment not in ("score", "comment"):
        raise ValidationError(_l("Hình thức đánh giá không hợp lệ."), field="assessment")
    if subject.level == Level.PRIMARY and assessment != "comment":
        raise ValidationError(_l("Ở tiểu học mọi môn được đánh giá bằng nhận xét (Thông tư 27)."),
                              field="assessment")
    by_grade = {row.grade: row for row in subject.grades}
    for grade, value in periods.items():
        if grade not in LEVEL_GRADES[Level(subject.level)]:
            continue
        if value is None:
            if grade in by_grade:
                subject.grades.remove(by_grade[grade])
            continue
        if not (1 <= value <= 1000):
            raise ValidationError(_l("Số tiết khối %(g)s phải từ 1 đến 1000.", g=grade), field=f"periods_{grade}")
        if grade in by_grade:
            by_grade[grade].periods_per_year = value
        else:
            subject.grades.append(SubjectGrade(grade=grade, periods_per_year=value))
    subject.name, subject.assessment = nfc(name), assessment
    session.flush()
    return subject


# ---------------------------------------------------------------- courses

def save_course(session: Session, actor: User, school: School, *, school_class: SchoolClass, subject: Subject,
                teacher_id: int | None, course: Course | None = None) -> Course:
    if school_class.school_id != school.id or subject.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    if subject.periods_for(school_class.grade) is None:
        raise ValidationError(_l("Môn %(s)s không dạy ở khối %(g)s.", s=subject.name, g=school_class.grade),
                              field="subject_id")
    clash = session.scalars(select(Course).where(Course.class_id == school_class.id,
                                                 Course.subject_id == subject.id)).first()
    if clash is not None and clash is not course:
        raise Conflict(_l("Lớp %(c)s đã có môn %(s)s.", c=school_class.name, s=subject.name), field="subject_id")
    teacher = _check_teacher(session, school, teacher_id)
    if course is None:
        course = Course(school_id=school.id)
        session.add(course)
    course.class_id, course.subject_id, course.teacher_id = school_class.id, subject.id, teacher
    session.flush()
    return course


def add_missing_courses(session: Session, actor: User, school: School, school_class: SchoolClass) -> int:
    """One course per subject taught in the class's grade, not yet assigned to a teacher."""
    have = set(session.scalars(select(Course.subject_id).where(Course.class_id == school_class.id)))
    level = level_of_grade(school_class.grade)
    added = 0
    for subject in session.scalars(select(Subject).where(Subject.school_id == school.id,
                                                         Subject.level == level.value)):
        if subject.id not in have and subject.periods_for(school_class.grade) and not subject.elective:
            session.add(Course(school_id=school.id, class_id=school_class.id, subject_id=subject.id))
            added += 1
    session.flush()
    return added


# ---------------------------------------------------------------- people views used by home pages

def students_of_class(session: Session, school_class: SchoolClass) -> list[Student]:
    return list(session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id)
                                .where(Enrollment.class_id == school_class.id).order_by(Student.sort_name)))


def courses_of_class(session: Session, class_id: int) -> list[Course]:
    """The class's courses in Vietnamese order of subject name."""
    return courses_of_classes(session, [class_id]).get(class_id, [])


def courses_of_classes(session: Session, class_ids: list[int]) -> dict[int, list[Course]]:
    """Each class's courses in Vietnamese order of subject name, by class id, in one query."""
    from lms.core.text import collation_key

    out: dict[int, list[Course]] = {}
    for course in session.scalars(select(Course).where(Course.class_id.in_(class_ids or [0]))):
        out.setdefault(course.class_id, []).append(course)
    for courses in out.values():
        courses.sort(key=lambda c: collation_key(c.subject.name))
    return out


def get_child(session: Session, parent: User, student_id: int) -> Guardianship:
    row = session.scalars(select(Guardianship).where(Guardianship.guardian_id == parent.id,
                                                     Guardianship.student_id == student_id)).first()
    if row is None:
        raise NotFound(_l("Không tìm thấy."))
    return row


CONSENT_NOTICE_VERSION = "2026-12"  # 2026-01 asked consent for teaching and fees too


def set_consent(session: Session, parent: User, guardianship: Guardianship, consent: bool) -> None:
    """The parent's own, explicit consent to processing the child's data (Law 91/2025/QH15)."""
    from lms.core.timeutil import utcnow

    if guardianship.guardian_id != parent.id:
        raise NotFound(_l("Không tìm thấy."))
    guardianship.consent = consent
    guardianship.consent_at = utcnow()
    guardianship.consent_notice_version = CONSENT_NOTICE_VERSION
    guardianship.consent_method = "web"
    audit.record(session, audit.Action.CONSENT_GIVEN if consent else audit.Action.CONSENT_WITHDRAWN,
                 actor_id=parent.id, school_id=guardianship.student.school_id, subject_type="student",
                 subject_id=guardianship.student_id)
    session.flush()


# ---------------------------------------------------------------- lists shown by the pages
# Queries that return a Select are paginated by the caller; the others are small, bounded lists.

def teachers_of(session: Session, school: School) -> list[User]:
    """The school's teachers by name, for pickers: their memberships are not loaded with them (one
    more query per 500 teachers otherwise); reading one loads it."""
    from sqlalchemy.orm import lazyload

    return list(session.scalars(select(User).join(Membership).where(
        Membership.school_id == school.id, Membership.role == Role.TEACHER).order_by(User.sort_name).distinct()
        .options(lazyload(User.memberships))))


def years_of(session: Session, school: School) -> list[SchoolYear]:
    return list(session.scalars(select(SchoolYear).where(SchoolYear.school_id == school.id)
                                .order_by(SchoolYear.start_date.desc())))


def promotion_refusal(years: list[SchoolYear], target: SchoolYear) -> str | None:
    """Why the previous year's pupils cannot be placed into `target` (the school's `years`), or
    None. Only two years take it: the year after the live one (prepared while this one runs) and
    the live year itself (pupils placed after their summer re-tests). A year already over was
    placed long ago; a later one has no results to place from yet."""
    ordered = sorted(years, key=lambda y: y.start_date)
    at = next((i for i, y in enumerate(ordered) if y.id == target.id), None)
    if not at:
        return str(_l("Chưa có năm học trước năm học %(y)s: không có kết quả nào để xếp lớp.", y=target.name))
    live = next((i for i, y in enumerate(ordered) if y.is_current), None)
    if live is not None and at < live:
        return str(_l("Năm học %(y)s đã qua (năm học hiện tại là %(c)s): không xếp lớp lên lớp vào năm học đã qua.",
                      y=target.name, c=ordered[live].name))
    if live is not None and at > live + 1:
        return str(_l("Năm học %(y)s chưa tới lượt: học sinh được xếp lớp từ kết quả của năm học ngay trước (%(s)s) khi "
                      "năm học đó kết thúc; hiện chỉ xếp được vào năm học %(n)s.", y=target.name,
                      s=ordered[at - 1].name, n=ordered[live + 1].name))
    return None


def deletion_refusal(session: Session, school: School, year: SchoolYear) -> str | None:
    """Why a year cannot be deleted, or None: it is the live year, or something is recorded under
    it (a class, a fee plan, a lock, a report card…, named by what it is)."""
    from lms.db import Base

    if year.is_current:
        return str(_l("Năm học %(y)s là năm học hiện tại: chuyển sang năm học khác trước khi xoá.", y=year.name))
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name == Term.__tablename__:
            continue
        for column in table.columns:
            if any(fk.column.table.name == SchoolYear.__tablename__ for fk in column.foreign_keys):
                count = session.scalar(select(func.count()).select_from(table).where(column == year.id))
                if count:
                    said = YEAR_DATA.get(table.name)
                    found.append(str(said(count)) if said else str(_l("dữ liệu khác")))
    if found:
        return str(_l("Năm học %(y)s đã có dữ liệu (%(d)s): không xoá được. Nếu ngày của năm học sai, hãy sửa ngày.",
                      y=year.name, d=", ".join(found)))
    return None


# What a year holds, in the words of the refusal to delete it.
YEAR_DATA = {
    "classes": lambda n: ngettext("%(n)s lớp", "%(n)s lớp", n, n=n),
    "enrollments": lambda n: ngettext("%(n)s lượt xếp lớp học sinh", "%(n)s lượt xếp lớp học sinh", n, n=n),
    "fee_plans": lambda n: ngettext("%(n)s khoản thu", "%(n)s khoản thu", n, n=n),
    "invoices": lambda n: ngettext("%(n)s hoá đơn", "%(n)s hoá đơn", n, n=n),
    "term_locks": lambda n: ngettext("%(n)s lần khoá sổ", "%(n)s lần khoá sổ", n, n=n),
    "report_cards": lambda n: ngettext("%(n)s học bạ", "%(n)s học bạ", n, n=n),
    "transcripts": lambda n: ngettext("%(n)s học bạ số", "%(n)s học bạ số", n, n=n),
    "sector_exports": lambda n: ngettext("%(n)s tệp gửi cơ sở dữ liệu ngành", "%(n)s tệp gửi cơ sở dữ liệu ngành", n, n=n),
}


def next_year_name(years: list[SchoolYear], today: date) -> str:
    """The school year to suggest for a new one: the year after the school's latest ("2027-2028"
    after "2026-2027"); with none yet, the school year running on `today` (it starts in the summer)."""
    starts = [int(m.group(1)) for y in years if (m := re.match(r"(\d{4})-\d{4}$", y.name or ""))]
    first = max(starts) + 1 if starts else (today.year if today.month >= 7 else today.year - 1)
    return f"{first}-{first + 1}"


def classes_of_year(session: Session, year: SchoolYear | None) -> list[SchoolClass]:
    if year is None:
        return []
    return list(session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == year.id)
                                .order_by(SchoolClass.grade, SchoolClass.name)))


def subjects_of(session: Session, school: School) -> list[Subject]:
    """By level, compulsory before elective, then in Vietnamese dictionary order."""
    from lms.core.text import collation_key

    levels = [lv.value for lv in Level]
    rows = session.scalars(select(Subject).where(Subject.school_id == school.id))
    return sorted(rows, key=lambda s: (levels.index(s.level), s.elective, collation_key(s.name)))


def courses_query(school: School, year: SchoolYear | None, class_id: int | None = None):
    stmt = (select(Course).join(SchoolClass).join(Subject)
            .where(Course.school_id == school.id, SchoolClass.school_year_id == (year.id if year else 0))
            .order_by(SchoolClass.grade, SchoolClass.name, Subject.name))
    return stmt.where(Course.class_id == class_id) if class_id else stmt


def students_query(school: School, year: SchoolYear | None, *, q: str = "", class_id: int | None = None):
    """Students of the school, by class then roster order; `q` matches name or code without accents."""
    from lms.core.text import fold

    year_id = year.id if year else 0
    stmt = (select(Student).outerjoin(
        Enrollment, (Enrollment.student_id == Student.id) & (Enrollment.school_year_id == year_id))
        .outerjoin(SchoolClass, SchoolClass.id == Enrollment.class_id).where(Student.school_id == school.id))
    if class_id:
        stmt = stmt.where(SchoolClass.id == class_id)
    if q:
        stmt = stmt.where(Student.search_text.contains(fold(q), autoescape=True))
    return stmt.order_by(SchoolClass.grade, SchoolClass.name, Student.sort_name)


def classes_of_students(session: Session, year: SchoolYear | None, student_ids: list[int]) -> dict[int, SchoolClass]:
    if year is None or not student_ids:
        return {}
    return {e.student_id: e.school_class for e in session.scalars(select(Enrollment).where(
        Enrollment.school_year_id == year.id, Enrollment.student_id.in_(student_ids)))}


def current_enrollment(session: Session, student: Student) -> Enrollment | None:
    return session.scalars(select(Enrollment).join(SchoolYear).where(
        Enrollment.student_id == student.id, SchoolYear.is_current.is_(True))).first()


def student_history(session: Session, student: Student) -> list[Enrollment]:
    return list(session.scalars(select(Enrollment).join(SchoolYear).where(Enrollment.student_id == student.id)
                                .order_by(SchoolYear.start_date.desc())))


def class_spells(session: Session, student: Student) -> list:
    """The pupil's times in a class as recorded (lms.people.models.ClassSpell), latest first."""
    from lms.people.models import ClassSpell

    return list(session.scalars(select(ClassSpell).where(ClassSpell.student_id == student.id)
                                .order_by(ClassSpell.started_on.desc(), ClassSpell.id.desc())))


def guardians_of(session: Session, student: Student, *, except_user: User | None = None) -> list[Guardianship]:
    stmt = select(Guardianship).where(Guardianship.student_id == student.id)
    if except_user is not None:
        stmt = stmt.where(Guardianship.guardian_id != except_user.id)
    return list(session.scalars(stmt))


STAFF_ROLE_VALUES = [Role.ADMIN.value, Role.TEACHER.value, Role.ACCOUNTANT.value]


def staff_query(school: School):
    return (select(User).join(Membership).where(Membership.school_id == school.id,
                                                 Membership.role.in_(STAFF_ROLE_VALUES))
            .order_by(User.sort_name).distinct())


def roles_of(session: Session, school: School, user_ids: list[int]) -> dict[int, list[str]]:
    roles: dict[int, list[str]] = {}
    for uid, role in session.execute(select(Membership.user_id, Membership.role).where(
            Membership.school_id == school.id, Membership.user_id.in_(user_ids or [0]))):
        roles.setdefault(uid, []).append(role)
    return roles


def parents_query(school: School):
    return (select(User).join(Membership).where(Membership.school_id == school.id, Membership.role == Role.PARENT)
            .order_by(User.sort_name))


def children_in_school(session: Session, school: School, parent_ids: list[int]) -> dict[int, list[Guardianship]]:
    links: dict[int, list[Guardianship]] = {}
    for g in session.scalars(select(Guardianship).join(Student).where(
            Student.school_id == school.id, Guardianship.guardian_id.in_(parent_ids or [0]))):
        links.setdefault(g.guardian_id, []).append(g)
    return links


def assignable_courses(session: Session, actor: User, role: str, school: School) -> list[Course]:
    """This year's courses exams and homework may be set for: every course for the admin, a
    teacher's own; by grade, class and subject."""
    year = current_year(session, school)
    stmt = select(Course).join(SchoolClass).where(Course.school_id == school.id,
                                                  SchoolClass.school_year_id == (year.id if year else 0))
    if role != "admin":
        stmt = stmt.where(Course.teacher_id == actor.id)
    return sorted(session.scalars(stmt), key=lambda c: (c.school_class.grade, c.school_class.name, c.subject.name))


def chosen_courses(session: Session, actor: User, role: str, school: School, course_ids: list[int],
                   subject_id: int | None = None) -> tuple[Subject, list[Course]]:
    """The courses an exam or homework is being set for, checked: at least one, all of this
    school, all of one subject (`subject_id`, or the first course's), and a teacher's own."""
    courses = list(session.scalars(select(Course).where(Course.id.in_(course_ids or [0]),
                                                        Course.school_id == school.id)))
    if not courses or len(courses) != len(set(course_ids)):
        raise ValidationError(_l("Chọn ít nhất một lớp."), field="course_ids")
    subject = session.get(Subject, subject_id or courses[0].subject_id)
    if subject is None or subject.school_id != school.id:
        raise ValidationError(_l("Chọn môn học."), field="subject_id")
    if any(c.subject_id != subject.id for c in courses):
        raise ValidationError(_l("Các lớp được chọn phải cùng học một môn (%(s)s).", s=subject.name),
                              field="course_ids")
    if role != "admin" and any(c.teacher_id != actor.id for c in courses):
        raise ValidationError(_l("Giáo viên chỉ giao bài cho các lớp mình dạy."), field="course_ids")
    return subject, courses


def outside_year(courses, moment: datetime | date, label) -> object | None:
    """Why a date a teacher sets for these courses' classes (homework's due time, an exam's opening
    or closing, a lesson's publication, a register's day) is refused, said for its field, or None:
    a day outside the school year of a class ("Hạn nộp 10/08/2027 không thuộc năm học 2026-2027
    (05/09/2026 – 29/05/2027)."). `courses` are Course, SchoolClass or SchoolYear rows; a datetime
    is read on the school's local day. The one check every such date goes through."""
    day = utc_to_local(moment, school_tz()).date() if isinstance(moment, datetime) else moment
    for row in courses:
        year = getattr(row, "school_class", row)
        year = getattr(year, "school_year", year)
        if year is not None and not year.start_date <= day <= year.end_date:
            return _l("%(f)s %(d)s không thuộc năm học %(y)s (%(a)s – %(b)s).", f=label, d=day.strftime("%d/%m/%Y"),
                      y=year.name, a=year.start_date.strftime("%d/%m/%Y"), b=year.end_date.strftime("%d/%m/%Y"))
    return None


def set_course_links(links: list, course_ids: set[int], make) -> None:
    """Make a relationship of course links (an exam's or an assignment's classes) hold exactly
    `course_ids`: links to others removed, missing ones added with `make(course_id)`."""
    for link in list(links):
        if link.course_id not in course_ids:
            links.remove(link)
    have = {link.course_id for link in links}
    for course_id in sorted(course_ids - have):
        links.append(make(course_id))


def schools_under(session: Session, department) -> list[int]:
    """Ids of the schools under a department and its sub-departments."""
    from lms.people.models import Department

    ids, frontier = [department.id], [department.id]
    while frontier:
        frontier = list(session.scalars(select(Department.id).where(Department.parent_id.in_(frontier))))
        ids.extend(frontier)
    return list(session.scalars(select(School.id).where(School.department_id.in_(ids))))


def department_schools(session: Session, department) -> list[School]:
    """The schools under a department and its sub-departments, by name."""
    return list(session.scalars(select(School).where(School.id.in_(schools_under(session, department) or [0]))
                                .order_by(School.name)))
