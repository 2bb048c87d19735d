"""every save of an exam answer kept (time and value), for the teacher's view of a pupil's paper

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 01:50:00

- `response_saves`: one row per save, written by a trigger on `responses` (AFTER INSERT and
  AFTER UPDATE OF seq, value), so the autosave's single guarded upsert stays as it is.
- Answers saved before this step get one row each: their last save, the only one known.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import text


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# Written out here (not imported from lms.exams.ddl) so that this step stays what it was.
_COPY = ("INSERT INTO response_saves (attempt_id, position, seq, value, saved_at) "
         "VALUES (NEW.attempt_id, NEW.position, NEW.seq, NEW.value, NEW.saved_at)")
TRIGGERS = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION response_history() RETURNS trigger AS $$
        BEGIN
            {_COPY};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER responses_history AFTER INSERT OR UPDATE OF seq, value ON responses "
        "FOR EACH ROW EXECUTE FUNCTION response_history()",
    ],
    "sqlite": [f"CREATE TRIGGER responses_history_{name} AFTER {op} ON responses BEGIN {_COPY}; END"
               for name, op in (("insert", "INSERT"), ("update", "UPDATE OF seq, value"))],
}
DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS responses_history ON responses", "DROP FUNCTION IF EXISTS response_history()"],
    "sqlite": ["DROP TRIGGER IF EXISTS responses_history_insert", "DROP TRIGGER IF EXISTS responses_history_update"],
}


def _run(statements):
    bind = op.get_bind()
    for sql in statements.get(bind.dialect.name, []):
        bind.execute(text(sql))


def upgrade():
    op.create_table('response_saves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_response_saves_attempt_id_attempts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_saves'))
    )
    op.create_index('ix_response_saves_attempt_position', 'response_saves', ['attempt_id', 'position'], unique=False)
    op.execute("INSERT INTO response_saves (attempt_id, position, seq, value, saved_at) "
               "SELECT attempt_id, position, seq, value, saved_at FROM responses")
    _run(TRIGGERS)


def downgrade():
    _run(DROP)
    op.drop_index('ix_response_saves_attempt_position', table_name='response_saves')
    op.drop_table('response_saves')
