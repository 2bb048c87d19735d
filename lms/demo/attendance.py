"""The demo's attendance: every class's whole-day register for every school day of this term so
far (a few pupils absent with or without permission, some late), approved leave requests behind
recent absences with permission, and two requests waiting for the homeroom teacher of the
school's first class."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.attendance import leave, registers, rules
from lms.auth.models import User
from lms.core.timeutil import local_to_utc, school_tz
from lms.people import services
from lms.people.models import Guardianship, School, SchoolClass, Student

EXCUSED, UNEXCUSED, LATE = 0.012, 0.005, 0.02      # chance per pupil and day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime(day.year, day.month, day.day, hour, minute), school_tz())


def school_days(first: date, last: date) -> list[date]:
    """The demo schools teach Monday to Friday, and not on public holidays."""
    return rules.school_days(first, last, saturday_classes=False)


def seed_attendance(session: Session, school: School, rng: random.Random, until: date) -> None:
    """Registers from the start of the year up to (not including) `until`."""
    year = services.current_year(session, school)
    if year is None:
        return
    days = school_days(year.start_date, until - timedelta(days=1))
    for school_class in services.classes_of_year(session, year):
        teacher = school_class.homeroom_teacher
        if teacher is None:
            continue
        pupils = services.students_of_class(session, school_class)
        parents = _first_parents(session, pupils)
        for day in days:
            marks = {}
            for pupil in pupils:
                r = rng.random()
                if r < EXCUSED:
                    marks[pupil.id] = "P"
                    if (until - day).days <= 25 and pupil.id in parents:   # recent: the parent asked first
                        request = leave.request_leave(session, parents[pupil.id], pupil, day, day,
                                                      rng.choice(REASONS), now=at(day - timedelta(days=1), 20),
                                                      today=day - timedelta(days=1))
                        leave.decide_leave(session, teacher, "teacher", request, approve=True, note="",
                                           now=at(day - timedelta(days=1), 21))
                elif r < EXCUSED + UNEXCUSED:
                    marks[pupil.id] = "K"
                elif r < EXCUSED + UNEXCUSED + LATE:
                    marks[pupil.id] = "M"
            registers.take_register(session, teacher, "teacher", school_class, day, 0, marks, now=at(day, 7, 10),
                                    today=day)
    _waiting_requests(session, school, year, rng, until - timedelta(days=1))


REASONS = ("Cháu bị sốt, xin cho cháu nghỉ học.", "Gia đình có việc riêng ở quê.", "Cháu đi khám răng theo lịch hẹn.",
           "Cháu bị đau bụng, gia đình cho cháu ở nhà theo dõi.", "Cháu đi thi đấu thể thao cấp huyện.")


def _first_parents(session: Session, pupils: list[Student]) -> dict[int, User]:
    out: dict[int, User] = {}
    for link in session.scalars(select(Guardianship).where(Guardianship.student_id.in_([p.id for p in pupils] or [0]))
                                .order_by(Guardianship.id)):
        out.setdefault(link.student_id, link.guardian)
    return out


def _waiting_requests(session: Session, school: School, year, rng: random.Random, today: date) -> None:
    classes = services.classes_of_year(session, year)
    if not classes:
        return
    first: SchoolClass = classes[0]
    pupils = services.students_of_class(session, first)
    parents = _first_parents(session, pupils)
    # Asked this morning (the story day's 06:30, before the demo's clock) for school days to come:
    # the next one, and two days running later on (never a weekend or a holiday).
    coming = [d for d in school_days(today + timedelta(days=1), today + timedelta(days=21)) if d <= year.end_date]
    for pupil, (first, last) in zip(rng.sample(pupils, 2), ((0, 0), (3, 4))):
        if pupil.id in parents and len(coming) > last:
            leave.request_leave(session, parents[pupil.id], pupil, coming[first], coming[last],
                                rng.choice(REASONS), now=at(today, 6, 30), today=today)
