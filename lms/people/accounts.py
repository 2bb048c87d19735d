"""People found by an e-mail or phone number that a school's staff typed, and how their accounts
come to belong to a school.

Every school-side flow that names a person by identifier — the staff form, the staff import, the
student import's parent columns, adding a guardian by hand — goes through `add_person` here:

- an account whose every role is in this school → this school's own person (already on its
  lists): the roles or the child are added;
- anything else — an account of another school, a department official, nobody's account yet, or
  no account at all (then a new, *unclaimed* account holding the identifiers is made) → an
  **invitation**, and nothing is attached before the person accepts it. The school's answer is
  the same in every one of these cases ("invitation sent"): whether an identifier already has an
  account somewhere is never told to a school.

The person answers after signing in (`/invitations`), or through the invitation's own link that
the school hands them (`/join?t=…`): a new person sets a password there, an existing account's
owner signs in. An unclaimed account belongs to the school whose invitation made it
(`User.claim_school_id`): only that school's invitation links set its first password. Another
school's invitation to the same identifier is one to an existing account — its link asks the
person to sign in, so that school never sets the password, never sees the name the first school
typed nor its invitation. An unclaimed account's invitations are answered only through a link:
one school holding a link cannot pick up what another school sent to the same number.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core import audit, jobs
from lms.core.errors import NotFound, ValidationError
from lms.core.notify import notify
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.core.text import fold
from lms.people.models import DepartmentViewer, Guardianship, Invitation, Membership, Role, School, Student
from lms.people.permissions import wholly_within
from lms.people.services import grant_role

INVITATION_DAYS = 30
STAFF_ROLE_VALUES = (Role.ADMIN.value, Role.TEACHER.value, Role.ACCOUNTANT.value)


def find_account(session: Session, *, email: str | None, phone: str | None,
                 username: str | None = None, school: School | None = None) -> User | None:
    """The account these (already normalised) identifiers name: the school's own person named by
    any of them, else the e-mail's, else the phone's, else the username's. Identifiers of different accounts are not an error (that would tell
    whose they are): the first that names an account decides, the others are left alone.

    For a `school` adding a person, an identifier names an account only when the account has
    proven it controls it (`User.verified`: a link delivered there was used), unless the account
    is the school's own (every role here) or one the school itself made for a new person. An
    identifier someone merely typed or set through a link a school held names nothing of another
    school, so holding a phone number nobody verified gains no one another school's invitations."""
    found = []
    for column, value in ((User.email, email), (User.phone, phone), (User.username, username)):
        if value:
            # Any number of accounts may hold an identifier unproven (see User): the school's own
            # first, then the one it made for a new person, then the one that proved it.
            holders = sorted(session.scalars(select(User).where(column == value)), key=lambda u: u.id)
            if school is None:
                user = next((u for u in holders if column is User.username or u.verified(value)), None) or next(
                    iter(holders), None)
                if user is not None:
                    return user
                continue
            ranked = [u for u in holders if is_own(session, u, school)] + [
                u for u in holders if matches(session, u, value, school, by_username=column is User.username)]
            if ranked and is_own(session, ranked[0], school):
                return ranked[0]
            found.extend(ranked[:1])
    # One of the school's own people named by any of them decides before anyone else: otherwise
    # another school's account named by the e-mail would take the line of one's own teacher
    # named by the phone, and what happened to her (roles, the invitation's identifier) would
    # differ by whether someone else held the e-mail.
    return found[0] if found else None


def matches(session: Session, user: User, value: str, school: School, *, by_username: bool = False) -> bool:
    """Whether `value`, found on `user`, names that account for `school` (see find_account). A
    username proves nothing: it names only the school's own."""
    if is_own(session, user, school) or (user.claim_school_id == school.id and unclaimed(session, user)):
        return True
    return not by_username and user.verified(value)


def prove(session: Session, user: User, identifier: str, via: str, now: datetime | None = None) -> None:
    """`user` used a link or code delivered to `identifier` (by "mail" or "sms"): record when and
    how on the account. An identifier the account has not got yet becomes its own (an account
    whose e-mail or phone is another one keeps it: that is the person's choice); another account
    holding it with an older proof (a recycled number) gives it up. Accounts holding it unproven
    keep it (see User)."""
    now = now or utcnow()
    attr = "email" if "@" in identifier else "phone"
    if getattr(user, attr) not in (None, identifier):
        return
    # Another account's proof of it (a recycled number) ends; accounts holding it unproven keep it
    # as what a school typed — it names them nowhere, and taking it away would tell them.
    holder = session.scalars(select(User).where(getattr(User, attr) == identifier, User.id != user.id,
                                                getattr(User, f"{attr}_verified_at").is_not(None))).first()
    if holder is not None:
        setattr(holder, attr, None)
        session.flush()
        audit.record(session, audit.Action.IDENTIFIER_MOVED, actor_id=user.id, subject_type="user",
                     subject_id=holder.id, detail=f"{attr} via={via}")
    setattr(user, attr, identifier)
    setattr(user, f"{attr}_verified_at", now)
    setattr(user, f"{attr}_verified_via", via)
    session.flush()
    audit.record(session, audit.Action.IDENTIFIER_VERIFIED, actor_id=user.id, subject_type="user",
                 subject_id=user.id, detail=f"{attr} via={via}")


def unclaimed(session: Session, user: User) -> bool:
    """An account nobody has taken up yet: no password, no role anywhere, no department post."""
    if user.password_hash is not None:
        return False
    return not session.scalar(select(exists().where(Membership.user_id == user.id))) and not session.scalar(
        select(exists().where(DepartmentViewer.user_id == user.id)))


def claimable(session: Session, row: Invitation) -> bool:
    """Whether this invitation's link may set the account's first password: the account is
    unclaimed and was made by this invitation's school. Every other link to it asks to sign in."""
    user = session.get(User, row.user_id)
    return (row.unclaimed and user is not None and user.claim_school_id == row.school_id
            and unclaimed(session, user))


def school_part(school: School) -> str:
    """The school's part of every name its accounts get: its code in lower case, letters, digits
    and hyphens only (`thcs-nd`). It is also the school's sign-in address (`/login?school=thcs-nd`)."""
    return re.sub(r"[^a-z0-9-]", "", fold(school.code).lower()) or f"s{school.id}"


@dataclass(frozen=True)
class SignInSchool:
    """A school's sign-in address, as its pages show it."""

    name: str
    part: str


def sign_in_school(session: Session, part: str) -> SignInSchool | None:
    """The school whose sign-in address names `part` (school_part), or None."""
    part = part.strip().lower()[:40]
    school = session.scalars(select(School).where(func.lower(School.code) == part).limit(1)).first()
    return SignInSchool(school.name, school_part(school)) if school is not None else None


def school_username(wanted: str, school: School, n: int = 1) -> str:
    """`wanted` made a valid username in `school`'s own names: `gv.a.thcs-nd`, the `n`-th one
    `gv.a2.thcs-nd`. A pupil's is the code's (`hsa001.thcs-nd`, imports.pupil_sign_in_name)."""
    suffix = "." + school_part(school)
    base = _username_base(wanted)
    base = base[:-len(suffix)] if base.endswith(suffix) and len(base) > len(suffix) else base
    number = str(n) if n > 1 else ""
    return f"{base[:80 - len(suffix) - len(number)]}{number}{suffix}"


def free_username(session: Session, wanted: str, taken: set[str] | None = None,
                  checked: set[str] | None = None, *, school: School) -> str:
    """The one place usernames are made: `wanted` in `school`'s own names (school_username), with a
    number added while someone has it. Every account a school makes is named in that school's
    names, so a number added tells the school of its own accounts only — never that another
    school's account holds the plain name (before, `gv.a2` and a pupil's `hsa001.thcs-nd` told the
    school that someone elsewhere was `gv.a` or `hsa001`). `taken` holds names known to be in use;
    `checked` the names whose use was read in bulk (an import's), so a name in it and not in
    `taken` is free without asking the database again."""
    n = 1
    candidate = school_username(wanted, school)
    while (taken is not None and candidate in taken) or (candidate not in (checked or ()) and session.scalar(
            select(func.count()).select_from(User).where(User.username == candidate))):
        n += 1
        candidate = school_username(wanted, school, n)
    if taken is not None:
        taken.add(candidate)
    return candidate


def _username_base(wanted: str) -> str:
    base = re.sub(r"[^a-z0-9._@+-]", "", fold(wanted).replace(" ", ".")) or "user"
    return (base + "user")[:3] if len(base) < 3 else base[:70]


def named_after(session: Session, user: User, name: str, school: School) -> str:
    """`user`'s username made from a person's name in `school`'s names (free_username), keeping
    it when it is that already."""
    return user.username if school_username(name, school) == user.username else free_username(session, name,
                                                                                                school=school)


def new_unclaimed(session: Session, school: School, *, name: str, email: str | None, phone: str | None,
                  username: str | None = None, taken: set[str] | None = None, staff: bool = False,
                  checked: set[str] | None = None) -> User:
    """The account a new person will take up through the link of `school`'s invitation: no
    password, no role; only that school's links may set its password. It holds the identifiers
    typed, unproven, whoever else holds them (see User): they sign nothing in and match nothing of
    another school until a link delivered there is used. `checked`: usernames an import read in
    bulk (see free_username)."""
    from lms.auth.services import create_user

    local = email.split("@")[0] if email else ""
    wanted = username or ((local or phone) if staff else (phone or email)) or name
    user = create_user(session, None, username=free_username(session, wanted, taken, checked, school=school), full_name=name,
                       email=email, phone=phone)
    user.claim_school_id = school.id
    return user


@dataclass
class Added:
    """What adding a person by identifier did: `invitation` waits for the person's answer, or
    (one of the school's own people) `user` got the roles or the child at once."""

    user: User | None
    invitation: Invitation | None


def is_own(session: Session, user: User, school: School) -> bool:
    """An account this school may treat as its own: every role it holds is in this school."""
    return wholly_within(session, user, {school.id})


def _pending(session: Session, school: School, user: User, kind: str, student: Student | None,
             identifier: str | None = None) -> Invitation | None:
    """The school's waiting invitation of this kind (and pupil) to this identifier: one per
    identifier, so inviting a second e-mail or phone of one account is a second invitation, as for
    two people — never the first one changed, which told the school the two were one account."""
    stmt = select(Invitation).where(Invitation.school_id == school.id, Invitation.user_id == user.id,
                                    Invitation.kind == kind, Invitation.status == "pending")
    stmt = stmt.where(Invitation.identifier == identifier) if identifier is not None else stmt
    stmt = stmt.where(Invitation.student_id == student.id) if student is not None else stmt
    return session.scalars(stmt.limit(1)).first()


GUARDIAN_DETAILS = ("second_phone", "occupation", "birth_year")


@dataclass(frozen=True)
class Known:
    """What a caller already read about an account in bulk, for `invite`: the invitation of this
    kind (and pupil) still waiting for it, and whether nobody has taken it up (`unclaimed`)."""

    pending: Invitation | None
    unclaimed: bool


def invite(session: Session, actor: User, school: School, user: User, *, kind: str, invited_name: str,
           identifier: str, roles: list[str] | None = None, student: Student | None = None,
           relation: str | None = None, details: dict | None = None, now: datetime | None = None,
           known: Known | None = None) -> Invitation:
    """Ask the owner of `user` to join `school` (as staff with `roles`, or as a guardian of
    `student`, with what the school's list says of the guardian in `details`: second phone,
    occupation, year of birth — recorded on the guardianship when they accept). A second
    invitation of the same kind while one is waiting refreshes it. `known`: what an import read
    in bulk about the account (its waiting invitation, whether it is unclaimed)."""
    now = now or utcnow()
    if kind == "staff":
        roles = [r for r in (roles or []) if r in STAFF_ROLE_VALUES]
        if not roles:
            raise ValidationError(_l("Chọn ít nhất một vai trò."), field="roles")
    elif student is None or student.school_id != school.id:
        raise NotFound(_l("Không tìm thấy."))
    row = known.pending if known is not None else _pending(session, school, user, kind, student, identifier[:254])
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
    # Answered only through its link when it may also set the password (this school made the
    # account); another school's invitation to an unclaimed account is one to an existing account.
    row.unclaimed = user.claim_school_id == school.id and (
        known.unclaimed if known is not None else unclaimed(session, user))
    session.flush()
    audit.record(session, audit.Action.INVITATION_SENT, actor_id=actor.id, school_id=school.id,
                 subject_type="user", subject_id=user.id, detail=f"{kind} invitation={row.id}")
    if not row.unclaimed:
        notify(session, [user], "invitation", {"school": school.name}, "/invitations", school.id)
    deliver(session, actor, row)
    return row


def by_mail(row: Invitation) -> bool:
    """An invitation to an e-mail address (else to a phone number)."""
    return "@" in (row.identifier or "")


def channel(session: Session, row: Invitation) -> str | None:
    """How the platform can send this invitation's link to the identifier itself: "mail" where it
    sends e-mail, "sms" where the school's SMS account (contact book, eSMS) is ready; None — the
    school hands the link, and using it proves nothing about the identifier."""
    from lms.core.mail import mail_configured

    if by_mail(row):
        return "mail" if mail_configured() else None
    return "sms" if _sms_ready(session, row.school_id) else None


def channels_of(session: Session, rows: list[Invitation]) -> dict[int, str | None]:
    """`channel` of each of a list's invitations, by id (each school's SMS account read once)."""
    return {r.id: channel(session, r) for r in rows}


def _sms_ready(session: Session, school_id: int) -> bool:
    """Whether the school's SMS account (contact book, eSMS) is ready to send, read once per school
    and transaction: an import invites its parents one row after another, a list page asks for
    each of its rows."""
    from sqlalchemy.orm import scoped_session

    from lms.messaging.settings import account_of, is_ready

    real = session() if isinstance(session, scoped_session) else session
    known = real.info.setdefault("lms_sms_ready", {})
    transaction = real.get_transaction()
    if school_id not in known or known[school_id][0] is not transaction:
        known[school_id] = (transaction, is_ready(account_of(session, school_id, "esms")))
    return known[school_id][1]


def deliver(session: Session, actor: User, row: Invitation) -> str | None:
    """Send the invitation's link to the identifier the school typed, from a background job (a new
    link each time; an earlier one stops working), by e-mail or by the school's SMS account.
    Whoever follows it has proved they read that address or hold that phone; the admin never
    holds it. Returns the channel, None when there is none (see `channel`)."""
    how = channel(session, row)
    if how is not None:
        jobs.enqueue(session, actor.id, "invitation_mail" if how == "mail" else "invitation_sms",
                     {"invitation": row.id}, school_id=row.school_id, total=1)
    return how


def _new_token(row: Invitation, via: str | None) -> str:
    token = secrets.token_urlsafe(32)
    row.token_hash, row.delivered_via = _digest(token), via
    return token


@jobs.handler("invitation_mail")
def _send_invitation_mail(session: Session, ctx) -> None:
    from lms.core.mail import send_mail

    row = session.get(Invitation, ctx.params.get("invitation"))
    if not ctx.config.get("SMTP_HOST") or row is None or row.status != "pending" or not by_mail(row):
        ctx.progress(1)      # no e-mail here: the admin hands the link (`issue_link`)
        return
    token = _new_token(row, "mail")
    session.commit()
    base = (ctx.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    body = str(_l("%(s)s mời bạn tham gia trên lms. Mở liên kết sau để nhận hoặc từ chối lời mời: %(link)s\n\n"
                  "Nếu bạn không biết trường này, hãy bỏ qua thư.", s=row.school.name, link=f"{base}/join?t={token}"))
    if not send_mail(row.identifier, str(_l("Lời mời của %(s)s", s=row.school.name)), body):
        raise jobs.RetryLater(_l("Thư mời chưa gửi được; sẽ thử lại."))
    ctx.progress(1)


@jobs.handler("invitation_sms")
def _send_invitation_sms(session: Session, ctx) -> None:
    """The link goes out as one SMS on the school's own account, through the contact book's queue
    (lms.messaging.dispatch sends it, with retries and delivery reports, and counts its cost). The
    link is sealed in the queued message and only the sender opens it."""
    from lms.billing.secrets import box_from_config, seal
    from lms.messaging.routing import queue_invitation

    row = session.get(Invitation, ctx.params.get("invitation"))
    if row is None or row.status != "pending" or by_mail(row) or channel(session, row) != "sms":
        ctx.progress(1)
        return
    token = _new_token(row, "sms")
    queue_invitation(session, row, seal(box_from_config(ctx.config), {"link": f"/join?t={token}"}))
    session.commit()
    ctx.progress(1)


def attach_own(session: Session, actor: User, school: School, user: User, roles: list[str]) -> None:
    """Add roles of this school to one of its own accounts (see `is_own`), audited."""
    for role in roles:
        grant_role(session, user, school, role)
    audit.record(session, audit.Action.ROLES_GRANTED, actor_id=actor.id, school_id=school.id, subject_type="user",
                 subject_id=user.id, detail=",".join(roles))


def pending_for(session: Session, user: User, now: datetime | None = None) -> list[Invitation]:
    """What is waiting for this account's answer, oldest first: invitations to an identifier the
    account has proven it controls (an invitation to one it has not is answered only through the
    link sent to that identifier)."""
    now = now or utcnow()
    rows = session.scalars(select(Invitation).where(Invitation.user_id == user.id, Invitation.status == "pending",
                                                    Invitation.unclaimed.is_(False),
                                                    Invitation.expires_at > now).order_by(Invitation.id))
    return [row for row in rows if user.verified(row.identifier)]


def school_pending(session: Session, school: School, kind: str | None = None) -> list[Invitation]:
    """The school's invitations still waiting, newest first (what the school typed, not who answered)."""
    stmt = select(Invitation).where(Invitation.school_id == school.id, Invitation.status == "pending")
    if kind:
        stmt = stmt.where(Invitation.kind == kind)
    return list(session.scalars(stmt.order_by(Invitation.id.desc())))


def answer(session: Session, user: User, invitation_id: int, accept: bool, now: datetime | None = None,
           token: str | None = None) -> Invitation:
    """The person accepts (roles or the guardianship are added) or declines. Accepting needs proof
    of control of the identifier the school invited: the account has verified it before, or the
    person followed this invitation's link, delivered to that identifier (`token`; recorded on the
    account as its proof, see `prove`). A link the school held proves nothing and binds no
    existing account (`claim` makes a new one). An invitation made while the account was
    unclaimed is answered only through its own link."""
    now = now or utcnow()
    row = session.scalars(select(Invitation).where(Invitation.id == invitation_id, Invitation.status == "pending")
                          ).first()
    delivered = (bool(token) and row is not None and row.token_hash == _digest(token)
                 and row.delivered_via is not None)
    if row is None or not (row.user_id == user.id or delivered) or (row.unclaimed and not delivered):
        raise NotFound(_l("Không tìm thấy lời mời."))
    if accept and not delivered and not user.verified(row.identifier):
        raise ValidationError(_l("Hãy mở liên kết trong lời mời gửi tới %(e)s để chấp nhận: liên kết cho thấy "
                                 "bạn nhận được tin gửi tới đó.", e=row.identifier))
    if row.expires_at <= now:
        raise ValidationError(_l("Lời mời đã hết hạn. Hãy liên hệ nhà trường để được mời lại."))
    if accept and delivered:
        prove(session, user, row.identifier, row.delivered_via, now)
        row.user_id = user.id        # the person who proved the identifier answers it
    _settle(session, user, row, accept, now)
    return row


def _settle(session: Session, user: User, row: Invitation, accept: bool, now: datetime) -> None:
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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, actor: User, school: School, invitation_id: int) -> tuple[Invitation, str | None]:
    """Send one of this school's waiting invitations again, to the identifier itself, where the
    platform can (`channel`): no link is returned, the admin never holds it. Where it cannot, a new
    link to hand to the person (an earlier link stops working): such a link only lets its holder
    make a new account with the school's roles — it proves nothing about the e-mail or phone and
    binds no existing account — and it is the same for every invitation, whoever the identifier
    belongs to."""
    row = session.scalars(select(Invitation).where(Invitation.id == invitation_id, Invitation.school_id == school.id,
                                                   Invitation.status == "pending")).first()
    if row is None:
        raise NotFound(_l("Không tìm thấy lời mời."))
    how = deliver(session, actor, row)
    if how is not None:
        audit.record(session, audit.Action.INVITATION_SENT, actor_id=actor.id, school_id=school.id,
                     subject_type="invitation", subject_id=row.id, detail=how)
        session.flush()
        return row, None
    token = _new_token(row, None)
    audit.record(session, audit.Action.INVITATION_SENT, actor_id=actor.id, school_id=school.id,
                 subject_type="invitation", subject_id=row.id, detail="link")
    session.flush()
    return row, token


def by_link(session: Session, token: str, now: datetime | None = None) -> Invitation:
    now = now or utcnow()
    row = session.scalars(select(Invitation).where(Invitation.token_hash == _digest(token or "-"),
                                                   Invitation.status == "pending")).first()
    if row is None or row.expires_at <= now:
        raise NotFound(_l("Lời mời không còn hiệu lực. Hãy liên hệ nhà trường để được mời lại."))
    return row


def claim(session: Session, settings, token: str, password: str, now: datetime | None = None) -> User:
    """A person without an account takes up the invitation through its link: sets a password and
    joins the school (every waiting invitation of that school to the account — two children on one
    import — is accepted with it). The account is the one this school made for the identifier;
    when the invitation is another's (an existing account) and the link was handed by the school,
    a new separate account is made instead — the same page and the same outcome for any
    identifier, and no existing account is bound by a link the school held. A link delivered to
    the identifier proves it on the account (`prove`)."""
    from lms.auth.passwords import check_policy

    now = now or utcnow()
    row = by_link(session, token, now)
    if claimable(session, row):
        user = session.get(User, row.user_id)
        if row.delivered_via is None:
            # A held link's account is named after the person, as in the branch below: named
            # after the identifier (0977222333, co.lan) when nobody had it and after the person
            # otherwise, its name told the link's holder whether someone else held the identifier.
            user.username = named_after(session, user, row.invited_name, row.school)
    elif row.delivered_via is None:
        # Holding the identifier typed, unproven, like the account in the branch above: without it,
        # signing in or reading the account's page told the link's holder that someone had it.
        user = new_unclaimed(session, row.school, name=row.invited_name, username=row.invited_name,
                             email=row.identifier if by_mail(row) else None,
                             phone=None if by_mail(row) else _phone_or_none(row.identifier), staff=row.kind == "staff")
        row.user_id, row.unclaimed = user.id, True
        session.flush()
    else:   # delivered to an existing account's identifier: its owner signs in (see `join`)
        raise NotFound(_l("Lời mời không còn hiệu lực. Hãy liên hệ nhà trường để được mời lại."))
    user.password_hash = settings.hasher.hash(
        check_policy(password, user_inputs=(user.username, user.email or "", user.phone or "")))
    user.password_changed_at, user.claim_school_id = now, None
    if row.delivered_via is not None:
        prove(session, user, row.identifier, row.delivered_via, now)
    accept_unclaimed(session, user, row.school_id, now)
    audit.record(session, audit.Action.PASSWORD_RESET_USED, actor_id=user.id, subject_type="invitation",
                 subject_id=row.id)
    return user


def _phone_or_none(value: str | None) -> str | None:
    from lms.auth.services import normalize_phone

    try:
        return normalize_phone(value)
    except ValidationError:     # an invitation by username: no identifier to hold
        return None


def accept_unclaimed(session: Session, user: User, school_id: int, now: datetime | None = None) -> None:
    """Accept, as the person, every invitation one school sent to their account while nobody had
    claimed it (`claim`; the demo's and the tests' families, who joined)."""
    now = now or utcnow()
    for row in session.scalars(select(Invitation).where(Invitation.user_id == user.id,
                                                        Invitation.school_id == school_id,
                                                        Invitation.unclaimed.is_(True),
                                                        Invitation.status == "pending")
                               .order_by(Invitation.id)).all():
        _settle(session, user, row, True, now)


def everyone_joined(session: Session, school_id: int) -> None:
    """Every unclaimed account this school invited takes up its invitations (the demo's families and
    the tests' world: the people who used the links the school's SMS sent them, so each one's
    invited phone or e-mail is proven)."""
    ids = session.scalars(select(Invitation.user_id).where(Invitation.school_id == school_id, Invitation.unclaimed.is_(True),
                                                           Invitation.status == "pending").distinct()).all()
    for user in session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)):
        for value in (user.phone, user.email):
            if value:
                prove(session, user, value, "sms" if "@" not in value else "mail")
        accept_unclaimed(session, user, school_id)


def add_person(session: Session, actor: User, school: School, *, kind: str, name: str, email: str | None,
               phone: str | None, username: str | None = None, roles: list[str] | None = None,
               student: Student | None = None, relation: str | None = None, details: dict | None = None,
               taken: set[str] | None = None) -> Added:
    """The one way a school adds a person by identifier (see the module's doc). The school's own
    people get the roles or the child now; anyone else, and anyone new, an invitation."""
    user = find_account(session, email=email, phone=phone, username=username, school=school)
    if user is not None and is_own(session, user, school):
        if kind == "staff":
            missing = [r for r in (roles or []) if r not in _roles_here(session, user, school)]
            if missing:
                attach_own(session, actor, school, user, missing)
        else:
            grant_role(session, user, school, Role.PARENT.value)
            link = session.scalars(select(Guardianship).where(Guardianship.guardian_id == user.id,
                                                              Guardianship.student_id == student.id)).first()
            if link is None:
                session.add(Guardianship(guardian_id=user.id, student_id=student.id, relation=relation or "Phụ huynh",
                                         **{k: v for k, v in (details or {}).items() if k in GUARDIAN_DETAILS and v}))
                audit.record(session, audit.Action.ROLES_GRANTED, actor_id=actor.id, school_id=school.id,
                             subject_type="student", subject_id=student.id, detail=f"guardian={user.id}")
        offer_identifiers(session, actor, school, user, kind=kind, name=name, email=email, phone=phone, roles=roles,
                          student=student, relation=relation, details=details)
        session.flush()
        return Added(user, None)
    if user is None:
        user = new_unclaimed(session, school, name=name, email=email, phone=phone, username=username, taken=taken,
                             staff=kind == "staff")
    if kind == "staff":
        roles = [r for r in (roles or []) if r not in _roles_here(session, user, school)]
        if not roles:   # already working here (and elsewhere): nothing to ask
            return Added(None, _pending(session, school, user, kind, None))
    elif session.scalar(select(exists().where(Guardianship.guardian_id == user.id,
                                              Guardianship.student_id == student.id))):
        return Added(None, None)
    return Added(None, invite(session, actor, school, user, kind=kind, invited_name=name,
                              identifier=email or phone or username or "", roles=roles, student=student,
                              relation=relation, details=details))


def offer_identifiers(session: Session, actor: User, school: School, user: User, *, kind: str, name: str,
                      email: str | None, phone: str | None, roles: list[str] | None = None,
                      student: Student | None = None, relation: str | None = None, details: dict | None = None) -> None:
    """An e-mail or phone typed for one of the school's own people that their account has not got
    (the staff form, the staff import, the student import's parent columns, a guardian by hand) is
    never set on the account and never refused: it is invited, as for a new person, whoever holds
    it or nobody. Setting the ones nobody held and leaving out (or refusing) the others told the
    school that someone — perhaps in another school — held them. Whoever proves control of the
    identifier answers: the person, signed in, opens the link delivered there and the identifier
    joins their account (`answer` → `prove`). One held by another of the school's own people is
    left alone (within the school that tells nothing)."""
    for column, value in (("email", email), ("phone", phone)):
        if not value or getattr(user, column) == value or offered(session, school, value):
            continue
        only = {"email": None, "phone": None, column: value}
        holder = find_account(session, **only, school=school)
        if holder is not None and is_own(session, holder, school):
            continue
        add_person(session, actor, school, kind=kind, name=name, roles=roles, student=student, relation=relation,
                   details=details, **only)


def offered(session: Session, school: School, identifier: str | None = None) -> set[str]:
    """The e-mails and phones the school already has an invitation waiting for (only `identifier`,
    when given): the same list imported again announces and sends nothing more (an invitation by
    SMS costs the school). An import's preview reads them once per file."""
    stmt = select(Invitation.identifier).where(Invitation.school_id == school.id, Invitation.status == "pending")
    stmt = stmt.where(Invitation.identifier == identifier) if identifier is not None else stmt
    return set(session.scalars(stmt))


def _roles_here(session: Session, user: User, school: School) -> set[str]:
    return set(session.scalars(select(Membership.role).where(Membership.user_id == user.id,
                                                             Membership.school_id == school.id)))


def cancel(session: Session, actor: User, school: School, invitation_id: int) -> None:
    row = session.scalars(select(Invitation).where(Invitation.id == invitation_id, Invitation.school_id == school.id,
                                                   Invitation.status == "pending")).first()
    if row is None:
        raise NotFound(_l("Không tìm thấy lời mời."))
    row.status, row.answered_at = "cancelled", utcnow()
    audit.record(session, audit.Action.INVITATION_CANCELLED, actor_id=actor.id, school_id=school.id,
                 subject_type="invitation", subject_id=row.id)
    session.flush()
