"""school logo: the picture the top bar shows beside the school's name

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools') as batch_op:
        batch_op.add_column(sa.Column('logo', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('schools') as batch_op:
        batch_op.drop_column('logo')
