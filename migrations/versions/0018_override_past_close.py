"""a pupil's extra minutes may run past the exam's close (the default) or stop at it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_overrides', schema=None) as batch_op:
        batch_op.add_column(sa.Column('past_close', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('exam_overrides', schema=None) as batch_op:
        batch_op.drop_column('past_close')
