"""audit rows append-only in the database (no UPDATE or DELETE but the foreign keys' SET NULL)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 22:50:00

"""
from alembic import op
from sqlalchemy import text

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# Written out here (not imported from lms.core.models) so that this step stays what it was.
GUARD = {
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
DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs",
                   "DROP FUNCTION IF EXISTS audit_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_logs_no_delete", "DROP TRIGGER IF EXISTS audit_logs_no_update"],
}


def _run(statements):
    bind = op.get_bind()
    for sql in statements.get(bind.dialect.name, []):
        bind.execute(text(sql))


def upgrade():
    _run(GUARD)


def downgrade():
    _run(DROP)
