"""Writing audit rows. Services call record(); the request context fills route and address."""
from __future__ import annotations

from sqlalchemy.orm import Session

from lms.core.models import AuditLog


class Action:
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_ISSUED = "password_reset_issued"
    PASSWORD_RESET_USED = "password_reset_used"
    SESSIONS_REVOKED = "sessions_revoked"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    VIEW_STUDENT = "view_student"
    IMPORT = "import"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    SUBJECT_EXPORT = "subject_export"
    SCHOOL_UPDATED = "school_updated"
    ROLES_GRANTED = "roles_granted"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_DECLINED = "invitation_declined"
    INVITATION_CANCELLED = "invitation_cancelled"
    IDENTIFIER_VERIFIED = "identifier_verified"
    IDENTIFIER_MOVED = "identifier_moved"
    SECOND_FACTOR_ENABLED = "second_factor_enabled"
    SECOND_FACTOR_DISABLED = "second_factor_disabled"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    PSEUDONYMISED = "pseudonymised"
    AUDIT_EXPORT = "audit_export"


def record(session: Session, action: str, *, actor_id: int | None = None, school_id: int | None = None,
           subject_type: str | None = None, subject_id: int | None = None, detail: str | None = None,
           route: str | None = None, ip: str | None = None) -> AuditLog:
    row = AuditLog(action=action, actor_id=actor_id, school_id=school_id, subject_type=subject_type,
                   subject_id=subject_id, detail=(detail or None) and detail[:200], route=route, ip=ip)
    session.add(row)
    return row
