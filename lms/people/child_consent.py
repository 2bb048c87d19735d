"""A pupil's own consent, from the age of 7.

Decree 13/2023/NĐ-CP art. 20 (and Law 91/2025/QH15 with Decree 356/2025, which replace it):
processing a child's personal data that rests on consent needs the consent of the parent **and**,
from 7 years of age, of the child. What the school does to teach, assess and report is its legal
duty and rests on no one's consent; what rests on consent here is sending what the school knows of
a pupil (an absence, marks, a fee) out of the platform to outside networks — Zalo and SMS
operators — to reach the parents. So the one gate (lms/messaging/consent.py) asks for both: the
parent's consent on the guardianship and, for a pupil of 7 or more (or whose birth date is
unknown), the pupil's own "yes", given on a page written for a child after they sign in, withdrawn
there at any time (from the next message on).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from lms.core import audit
from lms.core.timeutil import school_tz, utcnow
from lms.people.models import Student

AGE = 7
NOTICE_VERSION = "2026-12"


def today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(school_tz())).date()


def seventh_birthday_cutoff(on: date) -> date:
    """Pupils born on or before this date are 7 or older on `on`."""
    try:
        return on.replace(year=on.year - AGE)
    except ValueError:      # 29 February
        return on.replace(year=on.year - AGE, day=28)


def needs_own_consent(student: Student, on: date | None = None) -> bool:
    on = on or today()
    return student.birth_date is None or student.birth_date <= seventh_birthday_cutoff(on)


def allows(student: Student, on: date | None = None) -> bool:
    """Whether the pupil's side of the consent is there (or not needed, under 7)."""
    return bool(student.own_consent) or not needs_own_consent(student, on)


def clause(on: date | None = None) -> ColumnElement[bool]:
    """The same as `allows`, in SQL over Student."""
    on = on or today()
    return or_(Student.own_consent.is_(True), Student.birth_date > seventh_birthday_cutoff(on))


def unanswered(student: Student | None, on: date | None = None) -> bool:
    """A pupil of 7 or more who has not answered yet: shown the question after signing in."""
    return student is not None and student.own_consent_at is None and needs_own_consent(student, on)


def record(session: Session, student: Student, agree: bool, now: datetime | None = None) -> None:
    """The pupil's own answer (their account, signed in), kept with time and notice version."""
    now = now or utcnow()
    was = bool(student.own_consent)
    student.own_consent, student.own_consent_at = agree, now
    student.own_consent_notice_version = NOTICE_VERSION
    audit.record(session, audit.Action.CONSENT_GIVEN if agree else audit.Action.CONSENT_WITHDRAWN,
                 actor_id=student.user_id, school_id=student.school_id, subject_type="student",
                 subject_id=student.id, detail=f"own {NOTICE_VERSION}" + (" withdrawn" if was and not agree else ""))
    session.flush()
