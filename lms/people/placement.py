"""The one place a pupil's class changes, so that the class history (`ClassSpell`, shown as
"Quá trình học" on the pupil's page) is written whichever way the class changed: the pupils' list
import (a new pupil, a pupil moved to another class, a pupil who left) and the year's promotion
(lên lớp, ở lại lớp, a programme completed).

- `enter` puts a pupil in a class of its year from a day: a new enrolment for that year, or the
  year's enrolment moved from another class, whose time then ends that day ("chuyển sang lớp 6A2").
- `leave` takes the pupil out of the year's class (the enrolment goes; the time in the class stays
  on the record, until when and why).
- `close` ends the time in a class whose enrolment stays as the record of a past year (the pupil
  promoted from it, or who completed the programme in it).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l
from lms.people.models import ClassSpell, Enrollment, SchoolClass


def enter(session: Session, school_id: int, student_id: int, school_class: SchoolClass, *, on: date,
          enrollment: Enrollment | None = None) -> Enrollment:
    """The pupil is in `school_class` from `on`. `enrollment` is the pupil's enrolment in the
    class's school year when they have one (moved from another class), else one is made."""
    if enrollment is not None and enrollment.class_id == school_class.id:
        return enrollment
    if enrollment is None:
        enrollment = Enrollment(student_id=student_id, class_id=school_class.id,
                                school_year_id=school_class.school_year_id)
        session.add(enrollment)
    else:
        close(session, school_id, student_id, enrollment.class_id, on=on,
              reason=str(_l("chuyển sang lớp %(c)s", c=school_class.name)))
        enrollment.class_id = school_class.id
    session.add(ClassSpell(school_id=school_id, student_id=student_id, class_id=school_class.id, started_on=on))
    return enrollment


def leave(session: Session, school_id: int, enrollment: Enrollment, *, on: date, reason: str) -> None:
    """The pupil leaves the class of the enrolment's year (moved away, dropped out): the enrolment
    goes, the time in the class is kept with its end and why."""
    close(session, school_id, enrollment.student_id, enrollment.class_id, on=on, reason=reason)
    session.delete(enrollment)


def close(session: Session, school_id: int, student_id: int, class_id: int, *, on: date, reason: str) -> None:
    """End the pupil's time in a class on `on`, saying why. A class the pupil was in before the
    record of spells began gets one with no start; a time already ended is left as it is (so a
    promotion run twice writes nothing more)."""
    spells = list(session.scalars(select(ClassSpell).where(ClassSpell.student_id == student_id,
                                                           ClassSpell.class_id == class_id)
                                  .order_by(ClassSpell.id)))
    spell = next((s for s in spells if s.ended_on is None), None)
    if spell is None:
        if spells:
            return
        spell = ClassSpell(school_id=school_id, student_id=student_id, class_id=class_id)
        session.add(spell)
    if spell.started_on and on < spell.started_on:
        spell.started_on = None    # left before the platform knew of the class: when it began is not known
    spell.ended_on = on
    spell.reason = nfc(reason)[:200] or None
