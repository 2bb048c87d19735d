"""one place of issue: the transcript's diadanhphathanh is the school's own place (schools.place_name)

The transcript settings had a place of issue of their own beside the school's "place written on
documents", the place of every "…, ngày … tháng … năm" line: two settings for one thing. A school
that set only the transcript's keeps it, as its school place (when it fits the school's 60
characters); then the transcript's column goes.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE schools SET place_name = (SELECT t.place_of_issue FROM transcript_setups t "
               "WHERE t.school_id = schools.id) "
               "WHERE (place_name IS NULL OR place_name = '') AND EXISTS (SELECT 1 FROM transcript_setups t "
               "WHERE t.school_id = schools.id AND t.place_of_issue <> '' AND LENGTH(t.place_of_issue) <= 60)")
    with op.batch_alter_table('transcript_setups') as batch:
        batch.drop_column('place_of_issue')


def downgrade():
    with op.batch_alter_table('transcript_setups') as batch:
        batch.add_column(sa.Column('place_of_issue', sa.String(length=80), nullable=False, server_default=''))
    op.execute("UPDATE transcript_setups SET place_of_issue = COALESCE((SELECT s.place_name FROM schools s "
               "WHERE s.id = transcript_setups.school_id), '')")
