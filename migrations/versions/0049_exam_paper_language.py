"""the printed paper's language: an exam's papers print in Vietnamese ("vi") unless the teacher
marks the exam English ("en"); before, they followed the interface language of whoever downloaded them

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 20:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_language', sa.String(length=2), nullable=False, server_default='vi'))


def downgrade():
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_column('paper_language')
