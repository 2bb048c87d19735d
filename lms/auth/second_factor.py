"""Staff second factor: a time-based code from any authenticator app (TOTP, RFC 6238, by pyotp),
with single-use recovery codes.

Who must have one is a school setting (`School.require_staff_totp`): then every admin and
accountant of the school sets one up before anything else; teachers and department officials may.
The secret is kept sealed with the app's secrets key (the same Fernet key as the payment channels'
secrets); a code is accepted once (the last time step used is kept) within ±30 seconds; wrong
codes are throttled per account like passwords; recovery codes are random, shown once and kept
as SHA-256.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lms.auth import throttle
from lms.auth.models import RecoveryCode, SecondFactor, User
from lms.core import audit
from lms.core.errors import ValidationError
from lms.core.timeutil import utcnow
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

ISSUER = "lms"
RECOVERY_CODES = 10
REQUIRED_ROLES = ("admin", "accountant")


class SecondFactorThrottled(ValidationError):
    status = 429


def required(user: User) -> bool:
    """Whether a school of this account requires it of one of the account's roles there. Reads the
    memberships loaded with the signed-in user (no query)."""
    return any(m.role in REQUIRED_ROLES and m.school is not None and m.school.require_staff_totp
               for m in user.memberships)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def _step(now: datetime) -> int:
    return int(now.timestamp()) // 30


def _code_ok(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The time step the code belongs to (now or one step either side), if newer than `after_step`."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for step in (_step(now) - 1, _step(now), _step(now) + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(code: str) -> str:
    return hashlib.sha256("".join(ch for ch in code.upper() if ch.isalnum()).encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
             for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return codes


def enable(session: Session, box: Fernet, user: User, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Turn it on once the app shows a right code for the new secret; returns the recovery codes,
    to be shown once."""
    now = now or utcnow()
    step = _code_ok(secret, code, now, 0)
    if step is None:
        raise ValidationError(_l("Mã không đúng. Hãy nhập mã 6 chữ số đang hiện trên ứng dụng xác thực."),
                              field="code")
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    session.add(SecondFactor(user_id=user.id, secret_sealed=box.encrypt(secret.encode()).decode(), enabled_at=now,
                             last_step=step))
    user.totp_enabled = True
    codes = _new_recovery_codes(session, user)
    audit.record(session, audit.Action.SECOND_FACTOR_ENABLED, actor_id=user.id, subject_type="user", subject_id=user.id)
    session.flush()
    return codes


def verify(session: Session, box: Fernet, user: User, code: str, *, policy: throttle.Policy,
           now: datetime | None = None, ip: str | None = None) -> str:
    """Check a code or a recovery code at sign-in; returns "totp" or "recovery". Wrong codes are
    counted per account (the counter's row locked, as for passwords)."""
    now = now or utcnow()
    row, wait = throttle.hold(session, f"totp:{user.id}", policy, now)
    if wait:
        raise SecondFactorThrottled(ngettext("Nhập sai mã quá nhiều lần. Vui lòng thử lại sau %(s)s giây.", "Nhập sai mã quá nhiều lần. Vui lòng thử lại sau %(s)s giây.", wait, s=wait),
                                    field="code")
    factor = session.scalars(select(SecondFactor).where(SecondFactor.user_id == user.id).with_for_update()).first()
    if factor is not None:
        secret = box.decrypt(factor.secret_sealed.encode()).decode()
        step = _code_ok(secret, code, now, factor.last_step)
        if step is not None:
            factor.last_step = step
            throttle.succeed(row)
            return "totp"
        if any(ch.isalpha() for ch in code or "") or len("".join(ch for ch in code or "" if ch.isalnum())) == 12:
            used = session.execute(update(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None))
                .values(used_at=now)).rowcount
            if used:
                throttle.succeed(row)
                audit.record(session, audit.Action.RECOVERY_CODE_USED, actor_id=user.id, ip=ip)
                return "recovery"
    throttle.fail(row, policy, now)
    audit.record(session, audit.Action.SECOND_FACTOR_FAILED, actor_id=user.id, ip=ip)
    raise ValidationError(_l("Mã không đúng."), field="code")


def recovery_left(session: Session, user: User) -> int:
    return len(list(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                  RecoveryCode.used_at.is_(None)))))


def regenerate_recovery_codes(session: Session, user: User) -> list[str]:
    codes = _new_recovery_codes(session, user)
    audit.record(session, audit.Action.RECOVERY_CODES_RENEWED, actor_id=user.id, subject_type="user",
                 subject_id=user.id)
    session.flush()
    return codes


def disable(session: Session, actor: User, user: User, *, school_id: int | None = None) -> None:
    """Turn it off: by the owner (not while a school requires it), or by an administrator who
    manages the account (a lost phone and no recovery code); the owner then sets it up again."""
    session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_enabled = False
    audit.record(session, audit.Action.SECOND_FACTOR_DISABLED, actor_id=actor.id, school_id=school_id,
                 subject_type="user", subject_id=user.id)
    session.flush()
