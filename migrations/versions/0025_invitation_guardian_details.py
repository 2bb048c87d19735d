"""a guardian's invitation carries what the school's list says of the guardian (second phone,
occupation, year of birth), recorded on the guardianship when the invitation is accepted

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('occupation', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('birth_year')
        batch_op.drop_column('occupation')
        batch_op.drop_column('second_phone')
