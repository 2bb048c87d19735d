"""structured columns as jsonb on PostgreSQL

PostgreSQL's `json` type has no equality operator, so DISTINCT, UNION or GROUP BY over a row that
holds one fails there while SQLite accepts it (the pupils' exam list answered 500 on PostgreSQL).
The models use `lms.db.Json` (JSONB on PostgreSQL); SQLite keeps its JSON text.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (
    ("channel_settings", "public"), ("jobs", "params"), ("notifications", "params"), ("fee_plans", "targets"),
    ("question_versions", "data"), ("assignments", "rubric"), ("exams", "review"),
    ("submissions", "rubric_marks"), ("exam_paper_items", "layout"), ("attempt_slots", "layout"),
)


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {to} USING "{column}"::{to}')


def upgrade():
    _retype("jsonb")


def downgrade():
    _retype("json")
