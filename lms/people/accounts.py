"""People found by an e-mail or phone number that a school's staff typed, and how their accounts
come to belong to a school.

Every school-side flow that names a person by identifier — the staff form, the staff import, the
student import's parent columns, adding a guardian by hand — decides here what an identifier that
already has an account means:

- no account yet → a new account, in this school (the school hands its owner a one-time link);
- an account whose every role is in this school → this school's own person: the roles are added;
- any other account (a parent or teacher of another school, a department official) → an
  **invitation** that the owner accepts or declines after signing in. Nothing is attached before
  that, so one school's staff can never pull another school's account — and with it that school's
  pupils, invoices or staff pages — into reach.

No answer here names the owner of an identifier: the school sees the name it typed, never the
account's.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit
from lms.core.errors import NotFound, ValidationError
from lms.core.notify import notify
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.people.models import Guardianship, Invitation, Role, School, Student
from lms.people.permissions import wholly_within
from lms.people.services import grant_role

INVITATION_DAYS = 30
STAFF_ROLE_VALUES = (Role.ADMIN.value, Role.TEACHER.value, Role.ACCOUNTANT.value)


def find_account(session: Session, *, email: str | None, phone: str | None,
                 username: str | None = None) -> User | None:
    """The one account that holds these (already normalised) identifiers, or None. Identifiers of
    two different accounts are refused without saying whose they are."""
    conditions = [c for c in (User.email == email if email else None, User.phone == phone if phone else None,
                              User.username == username if username else None) if c is not None]
    if not conditions:
        return None
    found = {u.id: u for u in session.scalars(select(User).where(or_(*conditions)))}
    if len(found) > 1:
        raise ValidationError(_l("E-mail, số điện thoại và tên đăng nhập này không cùng thuộc một tài khoản; "
                                 "hãy kiểm tra lại."), field="email")
    return next(iter(found.values()), None)


def is_own(session: Session, user: User, school: School) -> bool:
    """An account this school may treat as its own: every role it holds is in this school."""
    return wholly_within(session, user, {school.id})


def _pending(session: Session, school: School, user: User, kind: str, student: Student | None) -> Invitation | None:
    stmt = select(Invitation).where(Invitation.school_id == school.id, Invitation.user_id == user.id,
                                    Invitation.kind == kind, Invitation.status == "pending")
    stmt = stmt.where(Invitation.student_id == student.id) if student is not None else stmt
    return session.scalars(stmt.limit(1)).first()


GUARDIAN_DETAILS = ("second_phone", "occupation", "birth_year")


def invite(session: Session, actor: User, school: School, user: User, *, kind: str, invited_name: str,
           identifier: str, roles: list[str] | None = None, student: Student | None = None,
           relation: str | None = None, details: dict | None = None, now: datetime | None = None) -> Invitation:
    """Ask the owner of `user` to join `school` (as staff with `roles`, or as a guardian of
    `student`, with what the school's list says of the guardian in `details`: second phone,
    occupation, year of birth — recorded on the guardianship when they accept). A second
    invitation of the same kind while one is waiting refreshes it."""
    now = now or utcnow()
    if kind == "staff":
        roles = [r for r in (roles or []) if r in STAFF_ROLE_VALUES]
        if not roles:
            raise ValidationError(_l("Chọn ít nhất một vai trò."), field="roles")
    elif student is None or student.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    row = _pending(session, school, user, kind, student)
    if row is None:
        row = Invitation(school_id=school.id, user_id=user.id, kind=kind, student_id=student.id if student else None)
        session.add(row)
    if kind == "staff":
        row.roles = ",".join(r for r in STAFF_ROLE_VALUES if r in set(row.role_list) | set(roles))
    row.relation = relation or row.relation
    for key, value in (details or {}).items():
        if key in GUARDIAN_DETAILS and value:
            setattr(row, key, value)
    row.invited_name, row.identifier = invited_name[:120], identifier[:254]
    row.invited_by_id, row.created_at, row.expires_at = actor.id, now, now + timedelta(days=INVITATION_DAYS)
    session.flush()
    audit.record(session, audit.Action.INVITATION_SENT, actor_id=actor.id, school_id=school.id,
                 subject_type="user", subject_id=user.id, detail=f"{kind} invitation={row.id}")
    notify(session, [user], "invitation", {"school": school.name}, "/invitations", school.id)
    return row


def attach_own(session: Session, actor: User, school: School, user: User, roles: list[str]) -> None:
    """Add roles of this school to one of its own accounts (see `is_own`), audited."""
    for role in roles:
        grant_role(session, user, school, role)
    audit.record(session, audit.Action.ROLES_GRANTED, actor_id=actor.id, school_id=school.id, subject_type="user",
                 subject_id=user.id, detail=",".join(roles))


def pending_for(session: Session, user: User, now: datetime | None = None) -> list[Invitation]:
    """What is waiting for this account's answer, oldest first."""
    now = now or utcnow()
    return list(session.scalars(select(Invitation).where(Invitation.user_id == user.id, Invitation.status == "pending",
                                                         Invitation.expires_at > now).order_by(Invitation.id)))


def school_pending(session: Session, school: School, kind: str | None = None) -> list[Invitation]:
    """The school's invitations still waiting, newest first (what the school typed, not who answered)."""
    stmt = select(Invitation).where(Invitation.school_id == school.id, Invitation.status == "pending")
    if kind:
        stmt = stmt.where(Invitation.kind == kind)
    return list(session.scalars(stmt.order_by(Invitation.id.desc())))


def answer(session: Session, user: User, invitation_id: int, accept: bool, now: datetime | None = None) -> Invitation:
    """The account's owner accepts (roles or the guardianship are added) or declines."""
    now = now or utcnow()
    row = session.scalars(select(Invitation).where(Invitation.id == invitation_id, Invitation.user_id == user.id,
                                                   Invitation.status == "pending")).first()
    if row is None:
        raise NotFound(_l("Không tìm thấy lời mời."))
    if row.expires_at <= now:
        raise ValidationError(_l("Lời mời đã hết hạn. Hãy liên hệ nhà trường để được mời lại."))
    school = row.school
    if accept:
        if row.kind == "staff":
            for role in row.role_list:
                grant_role(session, user, school, role)
        else:
            grant_role(session, user, school, Role.PARENT.value)
            link = session.scalars(select(Guardianship).where(Guardianship.guardian_id == user.id,
                                                              Guardianship.student_id == row.student_id)).first()
            if link is None:
                link = Guardianship(guardian_id=user.id, student_id=row.student_id,
                                    relation=row.relation or "Phụ huynh")
                session.add(link)
            for key in GUARDIAN_DETAILS:
                if getattr(row, key) and not getattr(link, key):
                    setattr(link, key, getattr(row, key))
    row.status, row.answered_at = ("accepted" if accept else "declined"), now
    session.flush()
    audit.record(session, audit.Action.INVITATION_ACCEPTED if accept else audit.Action.INVITATION_DECLINED,
                 actor_id=user.id, school_id=school.id, subject_type="invitation", subject_id=row.id)
    return row


def cancel(session: Session, actor: User, school: School, invitation_id: int) -> None:
    row = session.scalars(select(Invitation).where(Invitation.id == invitation_id, Invitation.school_id == school.id,
                                                   Invitation.status == "pending")).first()
    if row is None:
        raise NotFound(_l("Không tìm thấy lời mời."))
    row.status, row.answered_at = "cancelled", utcnow()
    audit.record(session, audit.Action.INVITATION_CANCELLED, actor_id=actor.id, school_id=school.id,
                 subject_type="invitation", subject_id=row.id)
    session.flush()
