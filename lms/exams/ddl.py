"""The history of every save of an answer, kept by the database: a trigger on `responses` copies
each row the guarded upsert inserts or raises into `response_saves`. The upsert stays one statement
(its guard and its speed are unchanged) and no path that saves can forget the history. Installed by
migration 0031 and by `create_all` alike."""
from __future__ import annotations

from lms.core.ddl import Triggers

_COPY = ("INSERT INTO response_saves (attempt_id, position, seq, value, saved_at) "
         "VALUES (NEW.attempt_id, NEW.position, NEW.seq, NEW.value, NEW.saved_at)")

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION response_history() RETURNS trigger AS $$
    BEGIN
        {_COPY};
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER responses_history AFTER INSERT OR UPDATE OF seq, value ON responses "
    "FOR EACH ROW EXECUTE FUNCTION response_history()",
]
SQLITE = [f"CREATE TRIGGER responses_history_{op.split()[0].lower()} AFTER {op} ON responses BEGIN {_COPY}; END"
          for op in ("INSERT", "UPDATE OF seq, value")]
TRIGGERS = Triggers(
    postgresql=POSTGRES, sqlite=SQLITE,
    drop_postgresql=["DROP TRIGGER IF EXISTS responses_history ON responses", "DROP FUNCTION IF EXISTS response_history()"],
    drop_sqlite=["DROP TRIGGER IF EXISTS responses_history_insert", "DROP TRIGGER IF EXISTS responses_history_update"],
)
statements, install, drop = TRIGGERS.statements, TRIGGERS.install, TRIGGERS.drop
