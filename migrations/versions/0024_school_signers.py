"""school signers: the principal's name and a deputy signing for them on official documents

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools') as batch_op:
        batch_op.add_column(sa.Column('principal_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('deputy_signer_name', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('schools') as batch_op:
        batch_op.drop_column('deputy_signer_name')
        batch_op.drop_column('principal_name')
