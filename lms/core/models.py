"""Cross-cutting tables: the audit log and notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import utcnow
from lms.db import Base, Json, UTCDateTime


class AuditLog(Base):
    """Append-only record of security-relevant events; never holds the data viewed itself."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))
    route: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))


class Notification(Base):
    """An in-app notice for one user. The text is rendered in the reader's language from `kind`
    and `params` (see lms.core.notify), so a parent reading in English sees English."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(Json, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Job(Base):
    """A background job (bulk PDFs, bulk issuing…) with its progress, shown to the person who
    started it. The work itself is a registered handler (lms.core.jobs)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(Json, default=dict)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result_path: Mapped[str | None] = mapped_column(String(200))   # in the storage's jobs area
    result_name: Mapped[str | None] = mapped_column(String(200))   # the download's file name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PeriodicRun(Base):
    """When each periodic task may next run: the lease that lets one process of many (several app
    servers, a `flask scheduler`) run it once per interval."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(80), default="")


# Audit rows are append-only in the database itself: no UPDATE or DELETE, whoever asks — except
# the foreign keys' own ON DELETE SET NULL when an account or a school is deleted (the row stays,
# unattributed). Installed by the migration and by `create_all` alike.
AUDIT_GUARD = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (NEW.id, NEW.at, NEW.action) = (OLD.id, OLD.at, OLD.action)
               AND ROW(NEW.subject_type, NEW.subject_id, NEW.detail, NEW.route, NEW.ip)
                   IS NOT DISTINCT FROM ROW(OLD.subject_type, OLD.subject_id, OLD.detail, OLD.route, OLD.ip)
               AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
               AND (NEW.school_id IS NULL OR NEW.school_id = OLD.school_id) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit rows are append-only (%)', TG_OP USING ERRCODE = '42501';
        END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    ],
    "sqlite": [
        "CREATE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs "
        "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
        "CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs WHEN NOT ("
        "NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action "
        "AND NEW.subject_type IS OLD.subject_type AND NEW.subject_id IS OLD.subject_id AND NEW.detail IS OLD.detail "
        "AND NEW.route IS OLD.route AND NEW.ip IS OLD.ip "
        "AND (NEW.actor_id IS NULL OR NEW.actor_id IS OLD.actor_id) "
        "AND (NEW.school_id IS NULL OR NEW.school_id IS OLD.school_id)) "
        "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
    ],
}
AUDIT_GUARD_DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs",
                   "DROP FUNCTION IF EXISTS audit_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_logs_no_delete", "DROP TRIGGER IF EXISTS audit_logs_no_update"],
}


def guard_audit(connection, drop: bool = False) -> None:
    from sqlalchemy import text

    for sql in (AUDIT_GUARD_DROP if drop else AUDIT_GUARD).get(connection.dialect.name, []):
        connection.execute(text(sql))


from sqlalchemy import event  # noqa: E402

event.listen(AuditLog.__table__, "after_create", lambda target, connection, **kw: guard_audit(connection))
