"""Contact-book settings, provider accounts, parents' choices, outgoing messages and digests."""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, Json, UTCDateTime


class ContactSettings(Base):
    """A school's contact-book rules: quiet hours, the monthly cap per parent, the estimated unit
    costs, the digest time for parents who chose none, and the homework-load limits."""

    __tablename__ = "contact_settings"
    __table_args__ = (CheckConstraint("monthly_cap >= 0", name="cap_nonnegative"),
                      CheckConstraint("zns_cost >= 0 AND sms_cost >= 0", name="costs_nonnegative"),
                      CheckConstraint("hw_minutes_primary >= 0 AND hw_minutes_lower >= 0 AND hw_minutes_upper >= 0",
                                      name="homework_minutes_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), unique=True)
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(6, 0))
    urgent_bypass: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly_cap: Mapped[int] = mapped_column(Integer, default=40)        # paid messages per parent and month
    zns_cost: Mapped[int] = mapped_column(Integer, default=250)          # đồng per ZNS message (estimate)
    sms_cost: Mapped[int] = mapped_column(Integer, default=800)          # đồng per SMS segment (estimate)
    digest_time: Mapped[time] = mapped_column(Time, default=time(19, 0))
    # An evening's homework per class, in minutes, by level; and no homework due later in the day
    # than this. None: the school has set no limit (teachers still see the load).
    hw_minutes_primary: Mapped[int | None] = mapped_column(Integer)
    hw_minutes_lower: Mapped[int | None] = mapped_column(Integer)
    hw_minutes_upper: Mapped[int | None] = mapped_column(Integer)
    hw_latest_due: Mapped[time | None] = mapped_column(Time)
    # Whether the school teaches on Saturdays (attendance is taken then); never on Sundays.
    saturday_classes: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Provider(StrEnum):
    ZNS = "zns"
    ESMS = "esms"


class ChannelAccount(Base):
    """A school's own account with a provider. Secrets (and the Zalo access token) are sealed
    with the app's secrets key; `public` holds what may be shown."""

    __tablename__ = "message_accounts"
    __table_args__ = (UniqueConstraint("school_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[dict] = mapped_column(Json, default=dict)
    secret: Mapped[str] = mapped_column(Text, default="")
    access_token: Mapped[str] = mapped_column(Text, default="")        # sealed; Zalo only
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_version: Mapped[int] = mapped_column(Integer, default=0)     # guards the one-time refresh token
    hook_token: Mapped[str] = mapped_column(String(64), unique=True)   # in the eSMS callback URL
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParentPreference(Base):
    """A parent's choices: which channels, a daily digest or each notice as it happens, and when.
    Zalo and SMS carry the child's data to third parties: ticking either records the parent's
    consent (time, notice version, method); unticking both withdraws it."""

    __tablename__ = "message_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    zalo: Mapped[bool] = mapped_column(Boolean, default=False)
    sms: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_time: Mapped[time | None] = mapped_column(Time)            # None: the school's
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_method: Mapped[str | None] = mapped_column(String(20))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Channel(StrEnum):
    ZNS = "zns"
    SMS = "sms"
    EMAIL = "email"


PAID = (Channel.ZNS.value, Channel.SMS.value)


class Status(StrEnum):
    QUEUED = "queued"          # waiting for its time (quiet hours, a retry, the digest)
    SENDING = "sending"        # claimed by a sender
    ACCEPTED = "accepted"      # the provider took it; waiting for the delivery report
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"        # the call may or may not have reached the provider: never re-sent
    CAPPED = "capped"          # the parent's monthly cap was reached
    SKIPPED = "skipped"        # nothing to send it with (no phone, no consent, no account)


class OutboundMessage(Base):
    """One message on one channel to one parent. Its tracking id goes to the provider (ZNS
    tracking_id, eSMS RequestId) and comes back in the delivery report; `dedupe_key` makes each
    notice, digest or fallback a single row however often it is routed."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "status", "send_after"),
                      Index("ix_outbound_messages_recipient", "school_id", "user_id", "created_at"),
                      CheckConstraint("cost >= 0 AND segments >= 0 AND attempts >= 0", name="counts_nonnegative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    tracking_id: Mapped[str] = mapped_column(String(40), unique=True)
    address: Mapped[str] = mapped_column(String(254), default="")      # phone or e-mail at send time
    payload: Mapped[dict] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=Status.QUEUED)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_id: Mapped[str | None] = mapped_column(String(80), index=True)
    error_code: Mapped[str] = mapped_column(String(20), default="")
    error_text: Mapped[str] = mapped_column(String(300), default="")
    cost: Mapped[int] = mapped_column(Integer, default=0)              # estimated đồng, once accepted
    segments: Mapped[int] = mapped_column(Integer, default=0)
    fallback_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a ZNS's delivery last asked of Zalo

    recipient = relationship("User")
    student = relationship("Student")

    @property
    def sent_text(self) -> str:
        """What went out, as the provider took it: an SMS's text, a ZNS's template id and its
        parameters; empty while nothing has been sent (an e-mail's body is the notice's own)."""
        sent = (self.payload or {}).get("sent") or {}
        if "text" in sent:
            return str(sent["text"])
        if "template_id" in sent:
            data = sent.get("template_data") or {}
            return f"ZNS #{sent['template_id']}: " + "; ".join(f"{k} = {v}" for k, v in data.items())
        return ""

    @property
    def about(self) -> str:
        """Whom the message is about, for the school's and the parent's lists: the pupil, the
        pupils of a digest (one digest per parent and school may tell of several children), the
        pupil named in the notice, or else the class a notice went to."""
        if self.student is not None:
            return self.student.full_name
        payload = self.payload or {}
        names = payload.get("pupils") or payload.get("students") or []
        if names:
            return ", ".join(names)
        params = payload.get("params") or {}
        if params.get("student"):
            return str(params["student"])
        return str(params.get("class") or "")


class DigestRun(Base):
    """A parent's digest of one day from one school, composed once (the row is the claim)."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("school_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SandboxMessage(Base):
    """What the local imitation of a provider accepted, and when it reports the delivery. Only
    written when LMS_MESSAGING_SANDBOX is on."""

    __tablename__ = "sandbox_messages"
    __table_args__ = (UniqueConstraint("provider", "provider_id"), UniqueConstraint("provider", "request_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(10))
    provider_id: Mapped[str] = mapped_column(String(80))
    request_id: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict] = mapped_column(Json, default=dict)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)    # what the report will say
    callback_url: Mapped[str] = mapped_column(String(300), default="")
    report_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SandboxToken(Base):
    """The sandbox's Zalo access and refresh tokens (each refresh token works once)."""

    __tablename__ = "sandbox_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(40), index=True)
    access_token: Mapped[str] = mapped_column(String(80), unique=True)
    refresh_token: Mapped[str] = mapped_column(String(80), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_used: Mapped[bool] = mapped_column(Boolean, default=False)
