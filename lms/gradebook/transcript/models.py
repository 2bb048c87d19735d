"""The national digital transcript (học bạ số): one row per pupil, school year and version, its
workflow history and access log, the school's Ministry codes and signing set-up, remote-signing
requests, and the sector-database exports kept for the next preview.

A transcript version is never edited once signed: a correction makes version n+1, which
supersedes n; both are kept."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.db import Base, Json, UTCDateTime


class State(StrEnum):
    DRAFTED = "drafted"              # built from the grade book and the pupil's profile
    CHECKED = "checked"              # the homeroom teacher reviewed every figure
    CONFIRMED = "confirmed"          # the principal confirmed it
    TEACHER_SIGNED = "teacher_signed"
    SCHOOL_SIGNED = "school_signed"
    ISSUED = "issued"
    SUPERSEDED = "superseded"        # a later version replaced this one (kept, still verifiable)


class SchoolTranscriptSetup(Base):
    """A school's Ministry codes and who signs for it. Codes come from the sector database
    (CSDL ngành); the signing set-up names a provider account or holds a PKCS#12 file, sealed with
    LMS_SECRETS_KEY."""

    __tablename__ = "transcript_setups"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), unique=True)
    moet_school_code: Mapped[str] = mapped_column(String(20), default="")     # matruong
    department_code: Mapped[str] = mapped_column(String(20), default="")      # masogd
    district_code: Mapped[str] = mapped_column(String(20), default="")        # mã Phòng GD&ĐT (a template's column)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignerAccount(Base):
    """Who signs, and with what: a person (a teacher, the principal) or the school itself (its
    organisation certificate). `holder` is "school" or "user:<id>". The key is either at a
    remote-signing provider (`provider` smartca, `account_id` = the subscriber's ID number), in
    a PKCS#12 file kept sealed here (`provider` pkcs12), or on a USB token at the school's signing
    computer (`provider` token: only its certificate is kept here)."""

    __tablename__ = "signer_accounts"
    __table_args__ = (UniqueConstraint("school_id", "holder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    holder: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))          # smartca | pkcs12 | token
    account_id: Mapped[str] = mapped_column(String(40), default="")
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    sealed_p12: Mapped[bytes | None] = mapped_column(LargeBinary)   # Fernet(PKCS#12 bytes)
    sealed_password: Mapped[str] = mapped_column(Text, default="")
    cert_pem: Mapped[str] = mapped_column(Text, default="")   # provider token: the certificate and its chain
    cert_subject: Mapped[str] = mapped_column(String(300), default="")
    cert_valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class Transcript(Base):
    """One version of one pupil's transcript for one school year."""

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("student_id", "school_year_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default=State.DRAFTED, index=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)     # the verification address
    record: Mapped[str] = mapped_column(Text, default="")            # canonical JSON of the national record
    record_sha256: Mapped[str] = mapped_column(String(64), default="")
    snapshot: Mapped[str] = mapped_column(Text, default="")          # the report card's snapshot (the PDF's data)
    pdf_name: Mapped[str | None] = mapped_column(String(120))        # under UPLOAD_DIR/transcripts
    xml_name: Mapped[str | None] = mapped_column(String(120))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    xml_sha256: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("transcripts.id", ondelete="SET NULL"))
    correction_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student = relationship("Student", lazy="joined")
    school_class = relationship("SchoolClass", lazy="joined")
    school_year = relationship("SchoolYear", lazy="joined")


class TranscriptEvent(Base):
    """Append-only: every step of the workflow (who, from which state to which, why, when) and
    every view, download and extract of a transcript."""

    __tablename__ = "transcript_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor = relationship("User", lazy="joined")


class RequestStatus(StrEnum):
    WAITING = "waiting"      # sent to the provider, waiting for the signer's confirmation
    SIGNED = "signed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"


class SigningRequest(Base):
    """One signing round: one signer, one confirmation, one or many documents (a batch)."""

    __tablename__ = "signing_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    signer_account_id: Mapped[int] = mapped_column(ForeignKey("signer_accounts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))             # teacher | school
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.WAITING, index=True)
    provider_ref: Mapped[str] = mapped_column(String(80), default="")   # the provider's transaction id
    description: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account = relationship(SignerAccount, lazy="joined")
    items = relationship("SigningItem", back_populates="request", order_by="SigningItem.id",
                         cascade="all, delete-orphan")


class SigningItem(Base):
    """One document of a signing round: its prepared state (the PDF with its reserved signature
    space, or the XML with its SignedInfo) and the hash sent to the signer."""

    __tablename__ = "signing_items"
    __table_args__ = (UniqueConstraint("request_id", "doc_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    doc: Mapped[str] = mapped_column(String(4))               # pdf | xml
    doc_id: Mapped[str] = mapped_column(String(80))
    digest_hex: Mapped[str] = mapped_column(String(128))
    prepared: Mapped[dict] = mapped_column(Json, default=dict)
    signature: Mapped[str] = mapped_column(Text, default="")   # base64, once the signer has signed

    request = relationship(SigningRequest, back_populates="items")
    transcript = relationship(Transcript, lazy="joined")


class SectorExport(Base):
    """A sector-database (CSDL ngành) file we filled, with the rows as sent, so the next export
    can say what is new, changed, moved or still incomplete."""

    __tablename__ = "sector_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(30))          # students | staff | primary_results
    # The school year the file was built for (earlier exports: none); "since the last export" compares
    # within one year only.
    school_year_id: Mapped[int | None] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[dict] = mapped_column(Json, default=dict)     # key → {class, values}
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    school_year = relationship("SchoolYear", lazy="joined")


class SandboxTransaction(Base):
    """The local imitation of VNPT SmartCA keeps its pending and finished transactions here (the
    demo and tests only; never used in production)."""

    __tablename__ = "smartca_sandbox_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(80), unique=True)
    tran_code: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    files: Mapped[list] = mapped_column(Json, default=list)   # [{doc_id, data_to_be_signed, file_type}]
    status: Mapped[str] = mapped_column(String(10), default="waiting")   # waiting | signed | rejected
    signatures: Mapped[list] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
