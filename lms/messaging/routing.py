"""Where a notice to a guardian goes besides the app.

An urgent notice (an absence about the day it is recorded on) goes out at once on the parent's channels, through quiet
hours when the school lets urgent kinds through. Other notices wait for the parent's evening
digest, unless the parent chose to have each one as it happens; those wait out the quiet hours.
Zalo comes before SMS: a parent who ticked both gets SMS only when Zalo cannot deliver. E-mail
to guardians goes the same way (so a digest parent gets one e-mail a day).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.models import Notification
from lms.core.timeutil import school_tz, utcnow
from lms.i18n import lazy_gettext as _l
from lms.messaging import consent, rules
from lms.people import child_consent
from lms.messaging.models import (ChannelAccount, Channel, ContactSettings, OutboundMessage, ParentPreference,
                                  Provider)
from lms.messaging.settings import DEFAULTS, accounts_of, is_ready, settings_of
from lms.people.models import Guardianship, Student

_email = {"on": False}


def configure(*, email: bool) -> None:
    """Whether guardians' e-mail goes through the contact book (set at start: SMTP configured)."""
    _email["on"] = email


def email_possible(user: User) -> bool:
    """Whether e-mail can reach this parent at all: the platform sends e-mail (SMTP set) and the
    parent has an address on record. If not, the parent's settings do not offer it."""
    return _email["on"] and bool(user.email)


@dataclass
class Audience:
    """What the router knows about the guardians of a batch of notices, loaded in a few queries."""
    users: dict[int, User]
    prefs: dict[int, ParentPreference]
    consented: dict[tuple[int, int], set[int]]          # (guardian, school) → consented children
    settings: dict[int, ContactSettings]
    ready: dict[tuple[int, str], bool]                    # (school, provider) → ready to send

    def pref(self, user_id: int) -> ParentPreference:
        return self.prefs.get(user_id) or ParentPreference(user_id=user_id, email=True, zalo=False, sms=False,
                                                           digest=True, digest_time=None)


def audience(session: Session, pairs: set[tuple[int, int]]) -> Audience:
    """Everything needed for these (guardian, school) pairs."""
    user_ids = {u for u, _s in pairs}
    school_ids = {s for _u, s in pairs}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids or [0])))}
    prefs = {p.user_id: p for p in session.scalars(select(ParentPreference).where(
        ParentPreference.user_id.in_(user_ids or [0])))}
    consented: dict[tuple[int, int], set[int]] = defaultdict(set)
    for guardian_id, student_id, school_id in session.execute(
            select(Guardianship.guardian_id, Guardianship.student_id, Student.school_id)
            .join(Student, Student.id == Guardianship.student_id)
            .where(Guardianship.guardian_id.in_(user_ids or [0]), Student.school_id.in_(school_ids or [0]),
                   Guardianship.consent.is_(True), child_consent.clause())):
        consented[(guardian_id, school_id)].add(student_id)
    stored = {r.school_id: r for r in session.scalars(select(ContactSettings).where(
        ContactSettings.school_id.in_(school_ids or [0])))}
    settings = {sid: stored.get(sid) or ContactSettings(school_id=sid, **DEFAULTS) for sid in school_ids}
    ready = {(a.school_id, a.provider): is_ready(a) for a in session.scalars(select(ChannelAccount).where(
        ChannelAccount.school_id.in_(school_ids or [0])))}
    return Audience(users, prefs, consented, settings, ready)


def channels_for(aud: Audience, user_id: int, school_id: int, student_id: int | None) -> list[str]:
    """The channels a message to this parent goes on now: at most one paid channel (Zalo first;
    SMS is Zalo's fallback when both are ticked) and e-mail."""
    pref, user = aud.pref(user_id), aud.users.get(user_id)
    out = []
    if user is not None and user.phone and consent.allowed(pref, aud.consented.get((user_id, school_id), set()),
                                                           student_id):
        if pref.zalo and aud.ready.get((school_id, Provider.ZNS)):
            out.append(Channel.ZNS.value)
        elif pref.sms and aud.ready.get((school_id, Provider.ESMS)):
            out.append(Channel.SMS.value)
    if _email["on"] and pref.email and user is not None and user.email:
        out.append(Channel.EMAIL.value)
    return out


def withheld(aud: Audience, user_id: int, school_id: int, student_id: int | None) -> str | None:
    """The paid channel a parent chose that a missing consent to processing the child's data
    stops (the parent ticked Zalo or SMS, the school's account is ready, a phone is on record):
    the message is recorded as not sent, for the school's list and the report, instead of
    vanishing. None when the channel goes, or when the parent chose no paid channel."""
    pref, user = aud.pref(user_id), aud.users.get(user_id)
    if user is None or not user.phone or not consent.opted_in(pref):
        return None
    if consent.allowed(pref, aud.consented.get((user_id, school_id), set()), student_id):
        return None
    if pref.zalo and aud.ready.get((school_id, Provider.ZNS)):
        return Channel.ZNS.value
    if pref.sms and aud.ready.get((school_id, Provider.ESMS)):
        return Channel.SMS.value
    return None


NO_CONSENT = "Chưa có sự đồng ý xử lý dữ liệu của học sinh"


def record_withheld(session: Session, *, school_id: int, user: User, student_id: int | None, channel: str, kind: str,
                    urgent: bool, dedupe_key: str, payload: dict, now: datetime) -> OutboundMessage | None:
    """A message the consent gate stopped, kept as not sent (code "consent")."""
    from lms.messaging.models import Status

    message = queue(session, school_id=school_id, user=user, student_id=student_id, channel=channel, kind=kind,
                    urgent=urgent, dedupe_key=dedupe_key, payload=payload, send_after=now, now=now)
    if message is not None:
        message.status, message.error_code, message.error_text = Status.SKIPPED, "consent", NO_CONSENT
        message.finished_at = now
    return message


def address_of(user: User, channel: str) -> str:
    return (user.email if channel == Channel.EMAIL else user.phone) or ""


def queue(session: Session, *, school_id: int, user: User, student_id: int | None, channel: str, kind: str,
          urgent: bool, dedupe_key: str, payload: dict, send_after: datetime, now: datetime,
          fallback_of: int | None = None) -> OutboundMessage | None:
    """One outgoing message, unless one with this key exists (then None)."""
    message = OutboundMessage(school_id=school_id, user_id=user.id, student_id=student_id, channel=channel, kind=kind,
                              urgent=urgent, dedupe_key=dedupe_key, tracking_id=uuid.uuid4().hex,
                              address=address_of(user, channel), payload=payload, send_after=send_after,
                              created_at=now, fallback_of_id=fallback_of)
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def queue_invitation(session: Session, invitation, sealed_link: str) -> OutboundMessage | None:
    """A school's invitation sent by SMS to the phone number the school typed (lms.people.accounts):
    to the number itself, not to an account's phone, so that following its link proves the number
    is the reader's. It carries no pupil's data (the school's name and a link), so no consent gates
    it; it is urgent (no monthly cap) and its link is sealed until the sender builds the text."""
    now = utcnow()
    message = queue(session, school_id=invitation.school_id, user=session.get(User, invitation.user_id), student_id=None,
                    channel=Channel.SMS.value, kind="invitation", urgent=True,
                    dedupe_key=f"inv{invitation.id}:{uuid.uuid4().hex[:8]}",
                    payload={"params": {"school": invitation.school.name}, "sealed_link": sealed_link},
                    send_after=now, now=now)
    if message is not None:
        message.address = invitation.identifier
    return message


def route_notes(session: Session, notes: list[Notification]) -> set[tuple[int, int]]:
    """The router lms.core.notify calls before each commit: guardians' notices become outgoing
    messages now or wait for the digest. Returns the (guardian, school) pairs whose e-mail this
    takes over."""
    notes = [n for n in notes if n.school_id]
    if not notes:
        return set()
    wanted = {(n.user_id, n.school_id) for n in notes}
    pairs = set(session.execute(
        select(Guardianship.guardian_id, Student.school_id).join(Student, Student.id == Guardianship.student_id)
        .where(Guardianship.guardian_id.in_({u for u, _s in wanted}),
               Student.school_id.in_({s for _u, s in wanted}))).all()) & wanted
    if not pairs:
        return set()
    aud = audience(session, pairs)
    claimed = pairs if _email["on"] else set()
    now = utcnow()
    for note in notes:
        if (note.user_id, note.school_id) not in pairs:
            continue
        made_on = rules.to_local(note.created_at or now, school_tz()).date()
        urgent = rules.is_urgent(note.kind, note.params or {}, made_on)
        pref = aud.pref(note.user_id)
        if (pref.digest or note.kind in rules.DIGEST_KINDS) and not urgent:
            continue                                   # the evening digest carries it
        settings = aud.settings[note.school_id]
        student_id = (note.params or {}).get("student_id")
        when = rules.send_time(now, school_tz(), settings.quiet_start, settings.quiet_end, urgent=urgent,
                               bypass=settings.urgent_bypass)
        payload = {"kind": note.kind, "params": note.params or {}, "link": note.link or ""}
        for channel in channels_for(aud, note.user_id, note.school_id, student_id):
            queue(session, school_id=note.school_id, user=aud.users[note.user_id], student_id=student_id,
                  channel=channel, kind=note.kind, urgent=urgent, dedupe_key=f"n{note.id}:{channel}",
                  payload=payload, send_after=when, now=now)
        stopped = withheld(aud, note.user_id, note.school_id, student_id)
        if stopped is not None:
            record_withheld(session, school_id=note.school_id, user=aud.users[note.user_id], student_id=student_id,
                            channel=stopped, kind=note.kind, urgent=urgent, dedupe_key=f"n{note.id}:{stopped}",
                            payload=payload, now=now)
    return claimed


def channels_in_use(session: Session, school_id: int) -> list[str]:
    """What a notice to the school's parents may go by besides the app, in the reader's language
    — for a page whose button sends notices (payment reminders) to say where they go and what
    they cost: Zalo and SMS when the school's accounts are on (paid, at the school's estimated
    prices), e-mail when the platform sends e-mail."""
    from lms.core.numbers import money

    row, accounts = settings_of(session, school_id), accounts_of(session, school_id)
    out = []
    if is_ready(accounts.get(Provider.ZNS)):
        out.append(str(_l("Zalo (tin trả phí, khoảng %(c)s đ một tin)", c=money(row.zns_cost))))
    if is_ready(accounts.get(Provider.ESMS)):
        out.append(str(_l("SMS (tin trả phí, khoảng %(c)s đ một đoạn 160 ký tự)", c=money(row.sms_cost))))
    if _email["on"]:
        out.append(str(_l("e-mail với phụ huynh có địa chỉ e-mail")))
    return out
