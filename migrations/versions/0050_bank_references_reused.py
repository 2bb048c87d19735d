"""a bank reference no longer unique per school: banks use their short daily references again on
other days and other accounts, so a second real credit under a reference already seen must be
storable (lms.billing.matching.same_credit decides, under the school's credit lock); the index
stays for the lookups

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-08 00:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index('uq_bank_transactions_reference')
        batch_op.create_index('ix_bank_transactions_reference', ['school_id', 'bank_reference'], unique=False,
                              sqlite_where=sa.text("bank_reference <> ''"),
                              postgresql_where=sa.text("bank_reference <> ''"))


def downgrade():
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_transactions_reference')
        batch_op.create_index('uq_bank_transactions_reference', ['school_id', 'bank_reference'], unique=True,
                              sqlite_where=sa.text("bank_reference <> ''"),
                              postgresql_where=sa.text("bank_reference <> ''"))
