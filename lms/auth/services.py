"""Sign-in, sessions, passwords and password resets.

Signed-in browsers are rows in user_sessions; the cookie carries a random token whose hash is
looked up on every request, so signing out, disabling an account or resetting a password ends
sessions at once.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, column, func, or_, select, table, update
from sqlalchemy.orm import Session, joinedload

from lms.auth import throttle
from lms.auth.models import PasswordResetToken, User, UserSession
from lms.auth.passwords import Hasher, check_policy
from lms.core import audit, jobs
from lms.core.errors import DomainError, NotFound, ValidationError
from lms.core.text import fold, name_sort_string, nfc
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext


@dataclass(frozen=True)
class AuthSettings:
    hasher: Hasher
    free_failures: int = 5
    lock_after: int = 10
    lock_minutes: int = 15
    idle_minutes: int = 120
    absolute_hours: int = 12
    remember_days: int = 30
    reset_hours: int = 72
    ip_ceiling: throttle.Ceiling = throttle.Ceiling()
    # All failures against one account from every address: bounds a guesser spread over many.
    account_ceiling: throttle.Ceiling = throttle.Ceiling(failures=50, window_minutes=60)

    @property
    def policy(self) -> throttle.Policy:
        return throttle.Policy(free=self.free_failures, lock_after=self.lock_after, lock_minutes=self.lock_minutes)

    @property
    def slow_policy(self) -> throttle.Policy:
        """An account's guesses from anywhere but its own devices: delayed, never locked."""
        return throttle.Policy(free=self.free_failures, lock_after=None, lock_minutes=self.lock_minutes)


class SignInRefused(DomainError):
    status = 401


class SignInThrottled(DomainError):
    status = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


PHONE_RE = re.compile(r"^0\d{9,10}$")


def normalize_phone(raw: str | None) -> str | None:
    """Vietnamese phone numbers to the national form 0xxxxxxxxx; None when empty."""
    if raw is None:
        return None
    digits = re.sub(r"[\s.\-()]", "", str(raw))
    if not digits:
        return None
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) in (9, 10) and not digits.startswith("0"):
        digits = "0" + digits  # spreadsheets drop the leading zero
    if not PHONE_RE.match(digits):
        raise ValidationError(_l("Số điện thoại không hợp lệ: %(v)s", v=raw), field="phone")
    return digits


def normalize_email(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = nfc(raw).lower()
    if not value:
        return None
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
        raise ValidationError(_l("Địa chỉ e-mail không hợp lệ: %(v)s", v=raw), field="email")
    return value


def _identifier_forms(identifier: str) -> tuple[str, str | None]:
    """What a person typed, as compared with accounts: NFC, trimmed, lower case; and the phone
    number it is, if it is one (spaces, dots, +84 or 84 in front)."""
    value = nfc(identifier).strip().lower()
    try:
        phone = normalize_phone(value) if value else None
    except ValidationError:
        phone = None
    return value, phone


def find_user_by_identifier(session: Session, identifier: str, school: str | None = None) -> User | None:
    """Username, e-mail or phone number, as a person would type it. An e-mail or phone names only
    the account that proved it (`User.verified`: a link delivered there was used; one account at a
    time): one a school merely typed, or set through a link the school held, signs nobody in —
    any number of accounts may hold it unproven, and signing in with it answers as for an
    identifier of nobody whether or not another account holds it (issue #22: the account a held
    link made kept the identifier only when nobody else had it, so its holder told the two cases
    apart by signing in with it). A proven phone number wins over a username equal to it, so an
    account whose username is a number never shadows the number's owner; then a username, then a
    proven e-mail — the answer never depends on the database's order.

    `school`: the school part of the sign-in address (`/login?school=thcs-nd`): there a pupil's
    code alone names that school's pupil, before anything else. Elsewhere the bare code is no
    name (a pupil's username is `hsa001.thcs-nd`), so no answer depends on another school."""
    value, phone = _identifier_forms(identifier)
    if not value:
        return None
    if school and "@" not in value:
        pupil = session.scalars(select(User).where(User.id.in_(_pupil_by_code(value, school.lower())))
                                .limit(1)).first()
        if pupil is not None:
            return pupil
    conditions = [User.username == value, User.email_verified_at.is_not(None) & (User.email == value)]
    if phone:
        conditions.append(User.phone_verified_at.is_not(None) & (User.phone == phone))
    code, dot, school_code = value.rpartition(".")
    if dot and code and school_code and "@" not in value:
        conditions.append(User.id.in_(_pupil_by_code(code, school_code)))
    found = list(session.scalars(select(User).where(or_(*conditions)).limit(4)))
    for rank in (lambda u: bool(phone) and u.verified(phone), lambda u: u.username == value,
                 lambda u: u.verified(value), lambda u: True):
        for user in found:
            if rank(user):
                return user
    return None


# A pupil signs in with the code and the school's code (`hsa001.thcs-nd`, people.imports
# .pupil_sign_in_name) whatever the account's username is, and with the code alone at the
# school's address. Tables named, not imported: the people package builds on this one.
_STUDENTS = table("students", column("user_id"), column("student_code"), column("school_id"))
_SCHOOLS = table("schools", column("id"), column("code"))


def _pupil_by_code(code: str, school_code: str):
    return (select(_STUDENTS.c.user_id).join(_SCHOOLS, _SCHOOLS.c.id == _STUDENTS.c.school_id)
            .where(_STUDENTS.c.student_code == code.upper(), func.lower(_SCHOOLS.c.code) == school_code,
                   _STUDENTS.c.user_id.is_not(None)))


def sign_in_key(identifier: str, school: str | None = None) -> str:
    """The normal form of what was typed, from the text alone — never from the account it names:
    the key of every sign-in counter whose wait a caller can see, so that no wait tells whether an
    identifier names an account, nor whether two identifiers name the same one (issue #22: a
    counter per account gave a real pupil's two spellings one counter and a made-up code two, and
    linked a person's phone, e-mail and username).

    A phone number written any way is one key (`t:0912000001`), whether or not anyone holds it; an
    e-mail or username is lower case without accents; at a school's sign-in address (`school`, its
    part `thcs-nd`) what was typed is qualified by the school, so the code there and `code.school`
    at `/login` are one key (`t:<code>.thcs-nd`), for a real code and a made-up one alike."""
    value, phone = _identifier_forms(identifier)
    if "@" in value:
        return f"t:{fold(value)}"[:200]
    if school:
        school = school.strip().lower()
        value = value[:-len(school) - 1] if value.endswith("." + school) else value
        return f"t:{_code_form(value)}.{school}"[:200]
    if phone:
        return f"t:{phone}"
    code, dot, part = value.rpartition(".")
    if dot and code and part:
        return f"t:{_code_form(code)}.{part}"[:200]
    return f"t:{fold(value)}"[:200]


def stored_key(typed: str) -> str:
    """What a sign-in counter is stored (and audited) under: a digest of the normal form
    (`sign_in_key`), never the text itself — the counters' table would otherwise keep what people
    typed, a password typed into the name field among it, and an erased pupil's code (issue #22's
    erasure: "pseudonymised everywhere")."""
    return "t:" + hashlib.sha256(b"lms-sign-in:" + typed.encode()).hexdigest()[:32]


def _code_form(value: str) -> str:
    """The part before a school's: a code that reads as a phone number (a pupil code is digits) in
    the phone's normal form, so `8910000031` and `8910000031.thcs-nd` qualify alike."""
    _value, phone = _identifier_forms(value)
    return phone or fold(value)


def _source(ip: str) -> str:
    """The address a guess comes from; an IPv6 address by its /64, which one subscriber holds whole."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def create_user(session: Session, settings: AuthSettings | None, *, username: str, full_name: str,
                email: str | None = None, phone: str | None = None, password: str | None = None,
                password_hash: str | None = None) -> User:
    """A new account. Without a password it cannot sign in until a reset link is used."""
    username = nfc(username).lower()
    if not re.match(r"^[a-z0-9._@+-]{3,80}$", username):
        raise ValidationError(_l("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ - (3–80 ký tự)."),
                              field="username")
    user = User(username=username, full_name=nfc(full_name), sort_name=name_sort_string(full_name),
                email=normalize_email(email), phone=normalize_phone(phone))
    if password is not None:
        assert settings is not None
        user.password_hash = settings.hasher.hash(check_policy(password, user_inputs=(username,)))
        user.password_changed_at = utcnow()
    elif password_hash is not None:
        user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, settings: AuthSettings, identifier: str, password: str, *,
                 ip: str | None = None, now: datetime | None = None,
                 device: str | None = None, school: str | None = None) -> User:
    """Check a sign-in. Unknown account and wrong password give the same error and timing.

    What a caller can see — the answer, its text and any wait — depends only on what was typed
    (`sign_in_key`: its normal form, the same for an identifier of no account) and where from,
    never on whether it names an account or which: the delay (1, 2, 4 … 60 s after the free
    failures, never a lock) is counted on (typed key, address), so a stranger's guesses slow only
    the stranger, and a ceiling per address over everything typed (a school's computer lab signs
    in forty pupils from one IP, so it is generous) bounds spraying.

    The account itself is guarded silently: `account_ceiling` counts failures over every address
    and every way of naming the account; once over it, the password is not checked at all and the
    answer is the ordinary "wrong name or password" (audited as `login_locked`), so a guesser
    spread over many addresses or spellings gets at most that many guesses judged, and learns
    nothing from the refusal — it reads as a wrong password for every identifier, real or not.

    `device`: this browser's id when the same identifier (its normal form) signed in on it before
    (lms.auth.views_devices): the guess is judged on that device's own counter instead, which
    locks after `lock_after` failures, and neither ceiling applies: a stranger's guesses elsewhere
    never touch it. `school`: the school part of the sign-in address, where a pupil's code alone
    names that school's pupil (find_user_by_identifier).
    """
    now = now or utcnow()
    typed = stored_key(sign_in_key(identifier, school))
    user = find_user_by_identifier(session, identifier, school)
    known = device is not None
    if ip and settings.ip_ceiling.failures and not known:
        wait = throttle.ceiling_wait(session, f"ip:{ip}", settings.ip_ceiling, now)
        if wait:
            audit.record(session, audit.Action.LOGIN_LOCKED, detail=f"ip:{ip}", ip=ip)
            raise SignInThrottled(ngettext("Quá nhiều lần đăng nhập sai từ địa chỉ này. Vui lòng thử lại sau %(s)s giây.", "Quá nhiều lần đăng nhập sai từ địa chỉ này. Vui lòng thử lại sau %(s)s giây.", wait, s=wait), retry_after=wait)
    if known:
        key, policy = f"d:{device}:{typed}"[:254], settings.policy
    else:
        key, policy = (f"{typed}@{_source(ip)}" if ip else typed)[:254], settings.slow_policy
    row, wait = throttle.hold(session, key, policy, now)
    if wait:
        audit.record(session, audit.Action.LOGIN_LOCKED, actor_id=user.id if user else None, detail=key, ip=ip)
        raise SignInThrottled(ngettext("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(s)s giây.", "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(s)s giây.", wait, s=wait),
                              retry_after=wait)
    # The account's ceiling (or, for no account, the typed text's: the same work either way).
    every_source = f"a:u:{user.id}" if user is not None else f"a:{typed}"
    guarded = bool(settings.account_ceiling.failures) and not known
    silenced = guarded and throttle.ceiling_wait(session, every_source, settings.account_ceiling, now) > 0
    # Silenced: the dummy hash, as for no account — the same work, and the password is not tried.
    ok = settings.hasher.verify(user.password_hash if user is not None and not silenced else None, password)
    if not ok or user is None or not user.is_active:
        throttle.fail(row, policy, now)
        if ip and settings.ip_ceiling.failures and not known:
            throttle.count_failure(session, f"ip:{ip}", settings.ip_ceiling, now)
        if guarded and not silenced:
            throttle.count_failure(session, every_source, settings.account_ceiling, now)
        audit.record(session, audit.Action.LOGIN_LOCKED if silenced else audit.Action.LOGIN_FAILED,
                     actor_id=user.id if user else None, detail=every_source if silenced else key, ip=ip)
        raise SignInRefused(_l("Sai tên đăng nhập hoặc mật khẩu."))
    throttle.succeed(row)
    if settings.hasher.needs_rehash(user.password_hash):
        user.password_hash = settings.hasher.hash(password)
    audit.record(session, audit.Action.LOGIN, actor_id=user.id, ip=ip)
    return user


def start_session(session: Session, settings: AuthSettings, user: User, *, remember: bool,
                  ip: str | None = None, user_agent: str | None = None) -> str:
    """Create a server-side session and return the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(days=settings.remember_days) if remember else timedelta(hours=settings.absolute_hours)
    session.add(UserSession(token_hash=token_digest(token), user_id=user.id, created_at=now,
                            last_seen_at=now, expires_at=now + lifetime, remember=remember, ip=ip,
                            user_agent=(user_agent or "")[:200]))
    session.flush()
    return token


def _live(row, settings: AuthSettings, user_id: int, now: datetime) -> bool:
    if row is None or row.user_id != user_id or row.revoked_at is not None or row.expires_at <= now:
        return False
    return row.remember or row.last_seen_at + timedelta(minutes=settings.idle_minutes) > now


def _touch(row: UserSession, now: datetime) -> None:
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now


def resolve_session(session: Session, settings: AuthSettings, token: str | None,
                    user_id: int | None) -> User | None:
    """The user of a live session, or None. Touches last_seen at most once a minute."""
    if not token or user_id is None:
        return None
    now = utcnow()
    # One round trip: the session, its user, and what the request context needs of the user
    # (memberships with their schools, department links) — this runs on every request.
    from lms.people.models import Membership

    user_path = joinedload(UserSession.user)
    row = session.scalars(select(UserSession).where(UserSession.token_hash == token_digest(token)).options(
        user_path.joinedload(User.memberships).joinedload(Membership.school),
        user_path.joinedload(User.department_links))).unique().first()
    if not _live(row, settings, user_id, now):
        return None
    user = row.user
    if user is None or not user.is_active:
        return None
    _touch(row, now)
    return user


# Built once: the statement runs on every autosave.
_SESSION_ROW = (select(UserSession.id, UserSession.user_id, UserSession.revoked_at, UserSession.expires_at,
                       UserSession.remember, UserSession.last_seen_at, User.active)
                .join(User, User.id == UserSession.user_id).where(UserSession.token_hash == bindparam("token_hash")))


def session_user_id(session: Session, settings: AuthSettings, token: str | None, user_id: int | None) -> int | None:
    """The same check as `resolve_session` for the hot JSON endpoints of a running exam: the id of
    an active user with a live session, in one small query, without loading the user."""
    if not token or user_id is None:
        return None
    now = utcnow()
    # On the session's connection, past the ORM's statement handling: nothing here is an ORM entity.
    row = session.connection().execute(_SESSION_ROW, {"token_hash": token_digest(token)}).first()
    if row is None or not row.active or not _live(row, settings, user_id, now):
        return None
    if now - row.last_seen_at > timedelta(seconds=60):
        session.connection().execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return user_id


def end_session(session: Session, token: str | None) -> None:
    if not token:
        return
    session.execute(update(UserSession).where(UserSession.token_hash == token_digest(token))
                    .values(revoked_at=utcnow()))


_SESSIONS_ENDED: list = []


def when_sessions_end(listener):
    """Register `listener(session, user_id)`, called in the same transaction whenever every
    session of an account is ended (signed out everywhere by an admin, locked, password reset):
    what an area hands out to a signed-in page without the session — the exam's attempt ticket —
    stops working with them."""
    _SESSIONS_ENDED.append(listener)
    return listener


def revoke_sessions(session: Session, user: User, *, except_token: str | None = None) -> int:
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if except_token:
        stmt = stmt.where(UserSession.token_hash != token_digest(except_token))
    ended = session.execute(stmt.values(revoked_at=utcnow())).rowcount or 0
    if not except_token:
        for listener in _SESSIONS_ENDED:
            listener(session, user.id)
    return ended


def active_session_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.expires_at > utcnow())) or 0


def change_password(session: Session, settings: AuthSettings, user: User, current: str, new: str,
                    *, keep_token: str | None, sign_out_others: bool) -> None:
    if not settings.hasher.verify(user.password_hash, current):
        raise ValidationError(_l("Mật khẩu hiện tại không đúng."), field="current_password")
    user.password_hash = settings.hasher.hash(
        check_policy(new, user_inputs=(user.username, user.email or "", user.phone or "")))
    user.password_changed_at = utcnow()
    if sign_out_others:
        revoke_sessions(session, user, except_token=keep_token)
    audit.record(session, audit.Action.PASSWORD_CHANGED, actor_id=user.id)


def issue_reset_token(session: Session, settings: AuthSettings, actor: User | None, user: User,
                      *, school_id: int | None = None) -> str:
    """A single-use link token valid for settings.reset_hours; earlier unused tokens die."""
    now = utcnow()
    session.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                     PasswordResetToken.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(token_hash=token_digest(token), user_id=user.id,
                                   created_by_id=actor.id if actor else None, created_at=now,
                                   expires_at=now + timedelta(hours=settings.reset_hours)))
    audit.record(session, audit.Action.PASSWORD_RESET_ISSUED, actor_id=actor.id if actor else None,
                 school_id=school_id, subject_type="user", subject_id=user.id)
    session.flush()
    return token


def find_reset_token(session: Session, token: str) -> PasswordResetToken:
    row = session.scalars(select(PasswordResetToken)
                          .where(PasswordResetToken.token_hash == token_digest(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound(_l("Liên kết đặt lại mật khẩu không hợp lệ hoặc đã hết hạn."))
    return row


def reset_password(session: Session, settings: AuthSettings, token: str, new: str) -> User:
    row = find_reset_token(session, token)
    user = row.user
    user.password_hash = settings.hasher.hash(
        check_policy(new, user_inputs=(user.username, user.email or "", user.phone or "")))
    user.password_changed_at = utcnow()
    row.used_at = utcnow()
    revoke_sessions(session, user)
    # The link proves the owner: strangers' guesses no longer hold the account's ceiling.
    throttle.clear(session, f"a:u:{user.id}")
    audit.record(session, audit.Action.PASSWORD_RESET_USED, actor_id=user.id)
    return user


def set_active(session: Session, actor: User, user: User, active: bool, *, school_id: int | None) -> None:
    user.active = active
    if not active:
        revoke_sessions(session, user)
    audit.record(session, audit.Action.ACCOUNT_ENABLED if active else audit.Action.ACCOUNT_DISABLED,
                 actor_id=actor.id, school_id=school_id, subject_type="user", subject_id=user.id)


def queue_reset_request(session: Session, box, identifier: str, subject: str, body: str, base_url: str,
                        *, school: str | None = None) -> None:
    """The forgot-password page's whole work, the same for every identifier typed: seal what was
    asked and queue it. Whether an account exists is found out by the job, after the answer has
    gone (looking it up, making its token and its e-mail in the request took ~40 ms more for an
    account that exists: a timing oracle). `body` holds `{link}` where the link goes. `school`: the
    school part of the address it was asked at, where a pupil's code alone names the pupil."""
    sealed = box.encrypt(json.dumps({"identifier": identifier[:254], "subject": subject, "body": body,
                                     "base": base_url, "school": school}).encode()).decode()
    jobs.enqueue(session, None, "reset_mail", {"sealed": sealed}, school_id=None, total=1)


@jobs.handler("reset_mail")
def _send_reset_mail(session: Session, ctx) -> None:
    from types import SimpleNamespace

    from lms.billing.secrets import box_from_config
    from lms.core.mail import send_mail

    sealed = ctx.params.get("sealed")
    if not sealed:
        return
    message = json.loads(box_from_config(ctx.config).decrypt(sealed.encode()))
    if "identifier" in message:     # a forgot-password request: the account, if any, is found here
        user = find_user_by_identifier(session, message["identifier"], message.get("school"))
        if user is None or not user.is_active or not user.email:
            ctx.job.params = {}
            ctx.progress(1)
            return
        token = issue_reset_token(session, SimpleNamespace(reset_hours=int(ctx.config.get("PASSWORD_RESET_HOURS", 72))),
                                  None, user)
        link = f"{message['base'].rstrip('/')}/reset?t={token}"
        message = {"to": user.email, "subject": message["subject"], "body": message["body"].replace("{link}", link)}
        session.commit()
    if not send_mail(message["to"], message["subject"], message["body"]):
        raise jobs.RetryLater(_l("Thư đặt lại mật khẩu chưa gửi được; sẽ thử lại."))
    ctx.job.params = {}
    ctx.progress(1)
