"""Whether a parent's notices may leave the platform for Zalo or an SMS network.

The one gate the sender asks (the security work on consent, issue #22, may wire its own consent
check in here). Sending needs both:
- the parent's own opt-in to outside channels on record (ticked, with time, notice version and
  method) and not withdrawn — the parent's choice, never pre-ticked; and
- the parent's consent to the school processing the child's data (the guardianship's consent),
  for the child the notice is about, or for some child in the school when it is about none;
  and, for a child of 7 or more, the child's own consent too (lms/people/child_consent.py).
Withdrawing any stops messages not yet sent (the sender asks again at send time).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.messaging.models import ParentPreference
from lms.people import child_consent
from lms.people.models import Guardianship, Student

NOTICE_VERSION = "2026-12"


def opted_in(pref: ParentPreference | None) -> bool:
    return bool(pref and (pref.zalo or pref.sms) and pref.consent_at and not pref.withdrawn_at)


def allowed(pref: ParentPreference | None, consented: set[int], student_id: int | None) -> bool:
    """`consented`: the parent's children in the school whose data the parent consented to."""
    if not opted_in(pref):
        return False
    return student_id in consented if student_id is not None else bool(consented)


def consented_children(session: Session, guardian_ids: list[int], school_id: int) -> dict[int, set[int]]:
    """guardian id → the children in the school with the parent's consent, in one query."""
    out: dict[int, set[int]] = {g: set() for g in guardian_ids}
    for guardian_id, student_id in session.execute(
            select(Guardianship.guardian_id, Guardianship.student_id).join(Student, Student.id == Guardianship.student_id)
            .where(Guardianship.guardian_id.in_(guardian_ids or [0]), Student.school_id == school_id,
                   Guardianship.consent.is_(True), child_consent.clause())):
        out.setdefault(guardian_id, set()).add(student_id)
    return out


def outside_channels_allowed(session: Session, guardian_id: int, student_id: int | None, school_id: int) -> bool:
    pref = session.scalars(select(ParentPreference).where(ParentPreference.user_id == guardian_id)).first()
    return allowed(pref, consented_children(session, [guardian_id], school_id)[guardian_id], student_id)


def children_held_back(session: Session, guardian_id: int) -> list[tuple[Student, str]]:
    """The parent's children whose notices cannot go on Zalo or SMS, and why ("parent": the
    parent has not consented to processing the child's data; "child": a pupil of 7 or more has not
    given their own consent) — for the parent's settings page to say so (the sender records each
    message it stops)."""
    out = []
    for link, student in session.execute(
            select(Guardianship, Student).join(Student, Student.id == Guardianship.student_id)
            .where(Guardianship.guardian_id == guardian_id).order_by(Student.id)):
        if not link.consent:
            out.append((student, "parent"))
        elif not child_consent.allows(student):
            out.append((student, "child"))
    return out
