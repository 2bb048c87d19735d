"""Database-side guards of the ledger, installed by the migration and by `create_all` alike:
ledger rows cannot be updated or deleted, and (PostgreSQL) a deferred constraint trigger
refuses at commit any transaction whose lines do not sum to zero (SQLSTATE 23514)."""
from __future__ import annotations

from lms.core.ddl import Triggers

TABLES = ("ledger_transactions", "ledger_lines")

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = '42501';
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ledger_balanced() RETURNS trigger AS $$
    DECLARE net bigint;
    BEGIN
        SELECT COALESCE(SUM(debit - credit), 0) INTO net FROM ledger_lines WHERE transaction_id = NEW.transaction_id;
        IF net <> 0 THEN
            RAISE EXCEPTION 'ledger transaction % does not balance (%)', NEW.transaction_id, net
                USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    *[f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
      for t in TABLES],
    """CREATE CONSTRAINT TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_balanced()""",
]
SQLITE = [f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
          f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"
          for t in TABLES for op in ("UPDATE", "DELETE")]

TRIGGERS = Triggers(
    postgresql=POSTGRES, sqlite=SQLITE,
    drop_postgresql=[*[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in TABLES],
                     "DROP TRIGGER IF EXISTS ledger_lines_balanced ON ledger_lines",
                     "DROP FUNCTION IF EXISTS ledger_append_only()", "DROP FUNCTION IF EXISTS ledger_balanced()"],
    drop_sqlite=[f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in TABLES for op in ("update", "delete")],
)
statements, install, drop = TRIGGERS.statements, TRIGGERS.install, TRIGGERS.drop
