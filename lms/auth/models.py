"""Accounts, server-side sessions, sign-in throttling and password-reset tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, event, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, UTCDateTime


class User(UserMixin, Base):
    """An account. Its e-mail and phone are sign-in names and match people across schools only
    once proven (`verified`); until then they are what a school typed — contact details that any
    number of accounts may hold, so an account gets the identifier typed for it whether or not
    another account holds it (issue #22: when only a free identifier could be stored, the account
    a school's held link made told its holder, by signing in with the identifier or reading the
    account's page, whether someone else had it). Only one account at a time holds an identifier
    proven (the partial unique indexes below; `lms.people.accounts.prove` moves it)."""

    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_proven_email", "email", unique=True, sqlite_where=text("email_verified_at IS NOT NULL"),
              postgresql_where=text("email_verified_at IS NOT NULL")),
        Index("uq_users_proven_phone", "phone", unique=True, sqlite_where=text("phone_verified_at IS NOT NULL"),
              postgresql_where=text("phone_verified_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sort_name: Mapped[str] = mapped_column(String(255), index=True, default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A second factor is set up (lms/auth/second_factor.py); kept here so that the check made on
    # every request needs no query of its own.
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An account made by a school's invitation for a new person (lms/people/accounts.py): only
    # that school's invitation links may set its first password. Any other school's invitation to
    # it is one to an existing account (answered after signing in). No foreign key: users come
    # before schools in the schema, and the number only has to match an invitation's school.
    claim_school_id: Mapped[int | None] = mapped_column(Integer)
    # When and how the account proved it controls its e-mail / phone (a link or code delivered
    # there: "mail", "sms"). Unverified identifiers are the account's own sign-in names but match
    # nothing of another school (lms/people/accounts.py). Changing one clears its proof (below).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_via: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_verified_via: Mapped[str | None] = mapped_column(String(20))

    memberships = relationship("Membership", back_populates="user", lazy="selectin",
                               cascade="all, delete-orphan")
    # Read with the session on every request (auth.services.resolve_session), in the same query.
    department_links = relationship("DepartmentViewer", viewonly=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot be signed in
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def verified(self, identifier: str | None) -> bool:
        """Whether `identifier` (normalised) is this account's e-mail or phone and proven."""
        if not identifier:
            return False
        if identifier == self.email:
            return self.email_verified_at is not None
        return identifier == self.phone and self.phone_verified_at is not None


@event.listens_for(User.email, "set", active_history=True)
def _email_changed(user: User, value, old, _initiator) -> None:
    """A new (or removed) e-mail address is unproven, whoever set it: the one place proof is lost."""
    if value != old:
        user.email_verified_at = user.email_verified_via = None


@event.listens_for(User.phone, "set", active_history=True)
def _phone_changed(user: User, value, old, _initiator) -> None:
    if value != old:
        user.phone_verified_at = user.phone_verified_via = None


class UserSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user = relationship(User)


class LoginThrottle(Base):
    """Failed guesses per thing guessed (see lms/auth/throttle.py): an account's password, whatever
    identifier was typed for it; an identifier of no account; a second-factor code; an exam's
    access code; and the failures from one address within a window (`window_started_at`)."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(254), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship(User, foreign_keys=[user_id])


class SecondFactor(Base):
    """An account's authenticator app (TOTP, RFC 6238): its secret, sealed with the app's secrets
    key, and the last time step used, so a code cannot be used twice."""

    __tablename__ = "second_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret_sealed: Mapped[str] = mapped_column(String(300))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(Base):
    """Single-use codes for when the phone is lost; only their SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
