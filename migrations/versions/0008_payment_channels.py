"""payment channels: settings, checkouts, callbacks, bank transactions, card settlements, reconciliation, tasks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:39:00.537042

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('counts_as', sa.String(length=15), nullable=False),
    sa.Column('public', sa.JSON(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_channel_settings_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_channel_settings_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_settings')),
    sa.UniqueConstraint('school_id', 'channel', name=op.f('uq_channel_settings_school_id_channel'))
    )
    with op.batch_alter_table('channel_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_settings_school_id'), ['school_id'], unique=False)

    op.create_table('bank_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('provider_txn_id', sa.String(length=64), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('content', sa.String(length=500), nullable=False),
    sa.Column('counter_name', sa.String(length=120), nullable=False),
    sa.Column('counter_account', sa.String(length=40), nullable=False),
    sa.Column('account_number', sa.String(length=40), nullable=False),
    sa.Column('transacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_bank_transactions_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_bank_transactions_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_transactions_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_bank_transactions_resolved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_bank_transactions_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_transactions')),
    sa.UniqueConstraint('school_id', 'source', 'provider_txn_id', name=op.f('uq_bank_transactions_school_id_source_provider_txn_id'))
    )
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_bank_transactions_school_status', ['school_id', 'status'], unique=False)

    op.create_table('callback_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_callback_logs_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_callback_logs_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_logs'))
    )
    with op.batch_alter_table('callback_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_logs_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_logs_school_id'), ['school_id'], unique=False)

    op.create_table('card_settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.String(length=8), nullable=False),
    sa.Column('rrn', sa.String(length=12), nullable=False),
    sa.Column('approval_code', sa.String(length=6), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('settled_amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('transacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0 AND settled_amount >= 0 AND fee >= 0', name=op.f('ck_card_settlements_amounts')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_card_settlements_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_card_settlements_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_settlements')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_card_settlements_payment_id')),
    sa.UniqueConstraint('school_id', 'terminal_id', 'rrn', name=op.f('uq_card_settlements_school_id_terminal_id_rrn'))
    )
    with op.batch_alter_table('card_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_settlements_school_id'), ['school_id'], unique=False)

    op.create_table('checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=15), nullable=False),
    sa.Column('txn_ref', sa.String(length=40), nullable=False),
    sa.Column('order_code', sa.BigInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('pay_url', sa.String(length=1000), nullable=True),
    sa.Column('qr_payload', sa.String(length=500), nullable=True),
    sa.Column('payer_name', sa.String(length=120), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure', sa.String(length=100), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_checkouts_amount_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_checkouts_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_checkouts_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_checkouts_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_checkouts_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkouts')),
    sa.UniqueConstraint('order_code', name=op.f('uq_checkouts_order_code')),
    sa.UniqueConstraint('school_id', 'idempotency_key', name=op.f('uq_checkouts_school_id_idempotency_key')),
    sa.UniqueConstraint('txn_ref', name=op.f('uq_checkouts_txn_ref'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkouts_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkouts_school_id'), ['school_id'], unique=False)
        batch_op.create_index('uq_checkouts_one_pending', ['invoice_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('reconciliation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_reconciliation_items_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_reconciliation_items_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_items')),
    sa.UniqueConstraint('school_id', 'provider', 'kind', 'key', name=op.f('uq_reconciliation_items_school_id_provider_kind_key'))
    )
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_items_school_id'), ['school_id'], unique=False)

    op.create_table('billing_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('checkout_id', sa.Integer(), nullable=True),
    sa.Column('bank_transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['bank_transaction_id'], ['bank_transactions.id'], name=op.f('fk_billing_tasks_bank_transaction_id_bank_transactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_billing_tasks_checkout_id_checkouts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_billing_tasks_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_billing_tasks_resolved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_billing_tasks_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_tasks'))
    )
    with op.batch_alter_table('billing_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_tasks_school_id'), ['school_id'], unique=False)



def downgrade():
    with op.batch_alter_table('billing_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_tasks_school_id'))

    op.drop_table('billing_tasks')
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_items_school_id'))

    op.drop_table('reconciliation_items')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_index('uq_checkouts_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_checkouts_school_id'))
        batch_op.drop_index(batch_op.f('ix_checkouts_invoice_id'))

    op.drop_table('checkouts')
    with op.batch_alter_table('card_settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_settlements_school_id'))

    op.drop_table('card_settlements')
    with op.batch_alter_table('callback_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_logs_school_id'))
        batch_op.drop_index(batch_op.f('ix_callback_logs_received_at'))

    op.drop_table('callback_logs')
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_transactions_school_status')

    op.drop_table('bank_transactions')
    with op.batch_alter_table('channel_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_settings_school_id'))

    op.drop_table('channel_settings')
