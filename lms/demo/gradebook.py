"""Demo grade books, entered through the grade book's own services: last school year complete and
locked (with a re-test, a summer training and a raised learning level to look at, and the report
cards of some classes issued), and this year's first term as it stands in early December."""
from __future__ import annotations

import random
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.gradebook import book, homeroom, primary, reportcards, tt27
from lms.gradebook.primary import QUALITY_CODES, tested
from lms.i18n import lazy_gettext as _l
from lms.people import placement, services
from lms.people.models import Course, School, SchoolClass, SchoolYear, Student

PREVIOUS_YEAR = "2025-2026"
# current class → (its grade and name last year)
PREVIOUS_CLASSES = {"THCS-ND": {"9A1": (8, "8A1")}, "THPT-LX": {"11A1": (10, "10A1"), "12A1": (11, "11A1")},
                    "TH-LL": {"3A": (2, "2A"), "5A": (4, "4A")}}
# Classes whose report cards the demo issues; the others wait for the principal to issue them.
ISSUED_CLASSES = {"8A1"}
REMARKS = ["Chăm chỉ, tiếp thu bài tốt.", "Có tiến bộ, cần cẩn thận hơn khi làm bài.", "Tích cực phát biểu xây dựng bài.",
           "Nắm vững kiến thức cơ bản.", "Cần dành thêm thời gian ôn tập.", "Hoàn thành tốt các nhiệm vụ học tập."]
HOMEROOM = ["Ngoan, lễ phép, hoà đồng với bạn bè.", "Có ý thức tự giác trong học tập, cần mạnh dạn hơn.",
            "Nhiệt tình tham gia các hoạt động của lớp.", "Học tập tiến bộ rõ rệt trong học kỳ II."]


def _text(value: float) -> str:
    clipped = min(10.0, max(0.0, value))
    return str(Decimal(repr(clipped)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class _Pupils:
    """Each pupil's steady ability, so their marks look like one person's across subjects and years."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ability: dict[int, float] = {}

    def of(self, student: Student) -> float:
        if student.id not in self.ability:
            self.ability[student.id] = min(9.4, max(5.6, self.rng.gauss(7.3, 1.0)))
        return self.ability[student.id]

    def mark(self, student: Student, bias: float, spread: float = 0.9, step: float = 0.1) -> str:
        value = self.of(student) + bias + self.rng.gauss(0, spread)
        return _text(round(value / step) * step)


def seed_gradebook(session: Session, school: School, admin: User, rng: random.Random, now: datetime, *,
                   settings: reportcards.IssueSettings | None = None) -> None:
    """Last year complete (cards issued when `settings` can render PDFs), this year's term I begun."""
    pupils = _Pupils(rng)
    current = services.current_year(session, school)
    previous = services.create_school_year(session, admin, school, name=PREVIOUS_YEAR,
                                           term1=(date(2025, 9, 5), date(2026, 1, 17)),
                                           term2=(date(2026, 1, 19), date(2026, 5, 30)), make_current=False)
    old_classes = []
    for current_name, (grade, old_name) in PREVIOUS_CLASSES.get(school.code, {}).items():
        now_class = session.scalars(select(SchoolClass).where(SchoolClass.school_year_id == current.id,
                                                              SchoolClass.name == current_name)).one()
        old_classes.append(_last_year_class(session, school, admin, previous, now_class, grade, old_name))
    for old in old_classes:
        if homeroom.is_primary(old):
            _primary_year(session, admin, old, pupils, rng, now)
        else:
            _secondary_year(session, admin, old, pupils, rng, now)
    for term in (1, 2):
        book.lock_term(session, admin, school, previous, term, now)
    if settings is not None:
        for old in old_classes:
            if old.name in ISSUED_CLASSES:
                data = reportcards.class_data(session, old)
                for row in data.summary.rows:
                    reportcards.issue_card(session, admin, data, row.student, settings, now=now)
    for school_class in services.classes_of_year(session, current):
        if homeroom.is_primary(school_class):
            _primary_first_midterm(session, admin, school_class, pupils, rng, now)
        else:
            _secondary_term_so_far(session, admin, school_class, pupils, rng, now)
    session.flush()


def _last_year_class(session: Session, school: School, admin: User, year: SchoolYear, now_class: SchoolClass,
                     grade: int, name: str) -> SchoolClass:
    """Last year's class of this year's pupils, with the same subjects and teachers."""
    old = services.save_class(session, admin, school, year=year, grade=grade, name=name,
                              homeroom_teacher_id=now_class.homeroom_teacher_id)
    for course in services.courses_of_class(session, now_class.id):
        if course.subject.periods_for(grade):
            services.save_course(session, admin, school, school_class=old, subject=course.subject,
                                 teacher_id=course.teacher_id)
    # Last year's rosters, as the school imported them then, and the year's promotion: each pupil's
    # class history (lms.people.placement, the one place it is written) holds last year's class from
    # its first day to its last, promoted to this year's class.
    this_year = session.get(SchoolYear, now_class.school_year_id)
    for student in services.students_of_class(session, now_class):
        placement.enter(session, school.id, student.id, old, on=year.start_date)
        placement.close(session, school.id, student.id, old.id, on=year.end_date,
                        reason=str(_l("lên lớp %(c)s năm học %(y)s", c=now_class.name, y=this_year.name)))
    session.flush()
    return old


def _bias(course: Course, rng: random.Random) -> float:
    return {"toan": -0.3, "ngu_van": -0.2, "ngoai_ngu_1": -0.4, "gdcd": 0.5, "gdqp_an": 0.6}.get(
        course.subject.code, rng.uniform(-0.3, 0.4))


def _secondary_year(session: Session, admin: User, school_class: SchoolClass, pupils: _Pupils,
                    rng: random.Random, now: datetime) -> None:
    students = services.students_of_class(session, school_class)
    courses = services.courses_of_class(session, school_class.id)
    # Two pupils with a story: one failed two subjects and passed their re-tests, one trained in summer.
    retest, training = (students[4], students[9]) if len(students) > 9 else (None, None)
    for course in courses:
        grid = book.grid_of(session, course, 1)
        bias = _bias(course, rng)
        for term in (1, 2):
            cells, remarks = [], {}
            for s in students:
                failing = s is retest and course.subject.code in ("toan", "ngoai_ngu_1")
                for column in grid.columns:
                    if grid.comment:
                        text = "Đ"
                    elif failing:
                        text = _text(rng.uniform(2.0, 3.4))
                    else:
                        text = pupils.mark(s, bias + (0.15 if term == 2 else 0),
                                           step=0.5 if column.kind == "tx" else 0.1)
                    cells.append(book.CellInput(s.id, column.key, text))
                if term == 2 and rng.random() < 0.7:
                    remarks[s.id] = rng.choice(REMARKS)
            result = book.save_grid(session, admin, "admin", course, term, cells, remarks, now=now)
            assert not result.issues, result.issues[:3]
        if retest is not None and course.subject.code in ("toan", "ngoai_ngu_1"):
            book.save_grid(session, admin, "admin", course, 2, [book.CellInput(retest.id, "kl1", "6.0")], now=now)
    for term in (1, 2):
        rows = []
        for s in students:
            conduct = "C" if s is training and term == 2 else rng.choices("TKD", weights=(75, 20, 5))[0]
            rows.append(homeroom.TermRecordInput(s.id, conduct, str(rng.choice([0, 0, 0, 1, 1, 2, 3])),
                                                 str(rng.choice([0, 0, 0, 0, 1]))))
        assert not homeroom.save_term_records(session, admin, "admin", school_class, term, rows, now=now).issues
    years = [homeroom.YearRecordInput(s.id, rng.choice(HOMEROOM), "Đ" if s is training else "") for s in students]
    assert not homeroom.save_year_records(session, admin, "admin", school_class, years).issues


def _secondary_term_so_far(session: Session, admin: User, school_class: SchoolClass, pupils: _Pupils,
                           rng: random.Random, now: datetime) -> None:
    """Early December: the first regular assessments and the midterm are in; the final is to come."""
    students = services.students_of_class(session, school_class)
    for course in services.courses_of_class(session, school_class.id):
        grid = book.grid_of(session, course, 1)
        bias = _bias(course, rng)
        regular = [c for c in grid.columns if c.kind == "tx"]
        done = regular[:2] + (regular[2:3] if rng.random() < 0.6 else [])
        cells = []
        for s in students:
            for column in [*done, book.Column("gk", 1)]:
                if grid.comment:
                    text = "Đ"
                else:
                    text = pupils.mark(s, bias, step=0.5 if column.kind == "tx" else 0.1)
                if rng.random() < 0.03:
                    continue  # absent that day: to be made up
                cells.append(book.CellInput(s.id, column.key, text))
        result = book.save_grid(session, admin, "admin", course, 1, cells, now=now)
        assert not result.issues, result.issues[:3]


# ---------------------------------------------------------------- primary

def _level(pupils: _Pupils, s: Student, rng: random.Random) -> str:
    ability = pupils.of(s) + rng.gauss(0, 0.6)
    return "T" if ability >= 7.6 else "H"


def _primary_checkpoint(session: Session, admin: User, school_class: SchoolClass, checkpoint: str,
                        pupils: _Pupils, rng: random.Random, now: datetime, comment: bool) -> None:
    students = services.students_of_class(session, school_class)
    for course in services.courses_of_class(session, school_class.id):
        has_test = tested(course, checkpoint)
        rows = []
        for s in students:
            test = str(min(10, max(5, round(pupils.of(s) + rng.gauss(0.4, 0.9))))) if has_test else ""
            rows.append(primary.PrimaryInput(s.id, _level(pupils, s, rng), test,
                                             rng.choice(REMARKS) if comment and rng.random() < 0.8 else ""))
        result = primary.save_primary(session, admin, "admin", course, checkpoint, rows, now=now)
        assert not result.issues, result.issues[:3]
    cells = {}
    for s in students:
        for code in QUALITY_CODES:
            cells[(s.id, code)] = "T" if pupils.of(s) + rng.gauss(0, 0.8) >= 7.0 else "Đ"
    assert not primary.save_qualities(session, admin, "admin", school_class, checkpoint, cells, now=now).issues


def _primary_year(session: Session, admin: User, school_class: SchoolClass, pupils: _Pupils, rng: random.Random,
                  now: datetime) -> None:
    for checkpoint in tt27.CHECKPOINTS:
        _primary_checkpoint(session, admin, school_class, checkpoint, pupils, rng, now, comment=checkpoint in ("ck1", "cn"))
    students = services.students_of_class(session, school_class)
    for term in (1, 2):
        rows = [homeroom.TermRecordInput(s.id, "", str(rng.choice([0, 0, 1, 1, 2])), str(rng.choice([0, 0, 0, 1])))
                for s in students]
        assert not homeroom.save_term_records(session, admin, "admin", school_class, term, rows, now=now).issues
    years = [homeroom.YearRecordInput(s.id, rng.choice(HOMEROOM)) for s in students]
    assert not homeroom.save_year_records(session, admin, "admin", school_class, years).issues


def _primary_first_midterm(session: Session, admin: User, school_class: SchoolClass, pupils: _Pupils,
                           rng: random.Random, now: datetime) -> None:
    _primary_checkpoint(session, admin, school_class, "gk1", pupils, rng, now, comment=True)
