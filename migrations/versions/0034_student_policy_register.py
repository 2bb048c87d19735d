"""student policy status and registration number: what the report card's identity page prints
beside the personal ID (đối tượng chính sách, số đăng bộ)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 01:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('students') as batch_op:
        batch_op.add_column(sa.Column('policy_status', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('registration_number', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('students') as batch_op:
        batch_op.drop_column('registration_number')
        batch_op.drop_column('policy_status')
