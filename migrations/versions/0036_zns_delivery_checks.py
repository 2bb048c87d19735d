"""zns delivery checks: when Zalo was last asked whether an accepted ZNS reached the phone

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 02:30:00

"""
from alembic import op
import sqlalchemy as sa

from lms.db import UTCDateTime


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_messages') as batch_op:
        batch_op.add_column(sa.Column('checked_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_messages') as batch_op:
        batch_op.drop_column('checked_at')
