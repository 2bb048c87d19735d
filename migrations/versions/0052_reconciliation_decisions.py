"""reconciliation items the accountant resolves: dismissed with a reason, or — a transfer the
provider's report has and the school had not — recorded through the feed's one credit path; the
report line's time, memo and receiving account are kept to record it from

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-08 00:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('content', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('account', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('resolution', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bank_transaction_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_reconciliation_items_resolved_by_users', 'users', ['resolved_by'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_reconciliation_items_bank_transaction_id_bank_transactions',
                                    'bank_transactions', ['bank_transaction_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reconciliation_items_bank_transaction_id_bank_transactions', type_='foreignkey')
        batch_op.drop_constraint('fk_reconciliation_items_resolved_by_users', type_='foreignkey')
        for column in ('bank_transaction_id', 'resolved_by', 'resolved_at', 'resolution', 'outcome', 'account',
                       'content', 'occurred_at'):
            batch_op.drop_column(column)
