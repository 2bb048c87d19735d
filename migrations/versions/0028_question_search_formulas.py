"""question search reads formulas as text

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 23:10:00

`questions.search_text` is rebuilt for every question: formulas were indexed as their LaTeX
source (`\\mathrm{H}_{2}\\mathrm{O}`), so searching the bank for "H2O" or "x2" found nothing. It now
holds the readable text with sub- and superscripts as digits (lms/exams/bank.py `search_form`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    from lms.exams.bank import search_form

    bind = op.get_bind()
    questions = sa.table("questions", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("topic", sa.String), sa.column("tags", sa.String),
                         sa.column("current_version_id", sa.Integer), sa.column("search_text", sa.String))
    versions = sa.table("question_versions", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    rows = bind.execute(sa.select(questions.c.id, questions.c.name, questions.c.topic, questions.c.tags, versions.c.text)
                        .select_from(questions.outerjoin(versions, versions.c.id == questions.c.current_version_id))).all()
    for row in rows:
        text = " ".join([row.name or "", row.topic or "", row.tags or "", (row.text or "")[:600]])
        bind.execute(questions.update().where(questions.c.id == row.id).values(search_text=search_form(text)[:1000]))


def downgrade():
    pass   # the older index is not worth rebuilding: searching still works, only formulas less well
