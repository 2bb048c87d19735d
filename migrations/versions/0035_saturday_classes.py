"""saturday classes: whether a school teaches (and takes attendance) on Saturdays

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 02:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_settings') as batch_op:
        batch_op.add_column(sa.Column('saturday_classes', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('contact_settings') as batch_op:
        batch_op.drop_column('saturday_classes')
