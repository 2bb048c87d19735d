"""billing: fees, invoices, payments, receipts, ledger (append-only, balanced by trigger)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:24:16.158859

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_billing_counters_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_counters')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_billing_counters_school_id_name'))
    )
    op.create_table('fee_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('exemptions_apply', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_types_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_types')),
    sa.UniqueConstraint('school_id', 'code', name=op.f('uq_fee_types_school_id_code'))
    )
    with op.batch_alter_table('fee_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_types_school_id'), ['school_id'], unique=False)

    op.create_table('ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ledger_transactions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_ledger_transactions_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions'))
    )
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transactions_school_id'), ['school_id'], unique=False)

    op.create_table('exemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('fee_type_id', sa.Integer(), nullable=True),
    sa.Column('percent', sa.SmallInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('evidence_name', sa.String(length=200), nullable=True),
    sa.Column('evidence_path', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('(percent IS NULL) <> (amount IS NULL)', name=op.f('ck_exemptions_percent_or_amount')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_exemptions_amount_positive')),
    sa.CheckConstraint('percent IS NULL OR (percent > 0 AND percent <= 100)', name=op.f('ck_exemptions_percent_range')),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_exemptions_dates_ordered')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_exemptions_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fee_type_id'], ['fee_types.id'], name=op.f('fk_exemptions_fee_type_id_fee_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_exemptions_revoked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exemptions_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_exemptions_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemptions'))
    )
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemptions_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exemptions_student_id'), ['student_id'], unique=False)

    op.create_table('fee_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('fee_type_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('months', sa.String(length=40), nullable=False),
    sa.Column('due_day', sa.SmallInteger(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_fee_plans_amount_positive')),
    sa.CheckConstraint('due_day BETWEEN 1 AND 28', name=op.f('ck_fee_plans_due_day_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_fee_plans_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fee_type_id'], ['fee_types.id'], name=op.f('fk_fee_plans_fee_type_id_fee_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_plans_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_fee_plans_school_year_id_school_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_plans'))
    )
    with op.batch_alter_table('fee_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_plans_fee_type_id'), ['fee_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_plans_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_plans_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('student_accounts',
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('credit >= 0', name=op.f('ck_student_accounts_credit_not_negative')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_accounts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_student_accounts_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_student_accounts'))
    )
    with op.batch_alter_table('student_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_accounts_school_id'), ['school_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('period_key', sa.String(length=7), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('payer_name', sa.String(length=120), nullable=False),
    sa.Column('beneficiary_name', sa.String(length=120), nullable=False),
    sa.Column('student_name', sa.String(length=120), nullable=False),
    sa.Column('class_name', sa.String(length=30), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('credited', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=300), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('paid + credited <= total', name=op.f('ck_invoices_not_over_settled')),
    sa.CheckConstraint('total >= 0 AND paid >= 0 AND credited >= 0', name=op.f('ck_invoices_amounts_not_negative')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_invoices_class_id_classes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], name=op.f('fk_invoices_issued_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_invoices_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_invoices_school_year_id_school_years'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_invoices_student_id_students'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('school_id', 'code', name=op.f('uq_invoices_school_id_code')),
    sa.UniqueConstraint('school_id', 'number', name=op.f('uq_invoices_school_id_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_class_id'), ['class_id'], unique=False)
        batch_op.create_index('ix_invoices_school_status_due', ['school_id', 'status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_student_id'), ['student_id'], unique=False)

    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('to_credit', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_credit_notes_amount_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_credit_notes_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_credit_notes_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('school_id', 'number', name=op.f('uq_credit_notes_school_id_number'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('invoice_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invoice_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_events_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_events'))
    )
    with op.batch_alter_table('invoice_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_events_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('fee_plan_id', sa.Integer(), nullable=False),
    sa.Column('fee_type_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=7), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('base_amount', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('exemption_id', sa.Integer(), nullable=True),
    sa.Column('exemption_text', sa.String(length=120), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=True),
    sa.CheckConstraint('base_amount >= 0 AND discount >= 0 AND amount = base_amount - discount', name=op.f('ck_invoice_lines_amounts_add_up')),
    sa.ForeignKeyConstraint(['exemption_id'], ['exemptions.id'], name=op.f('fk_invoice_lines_exemption_id_exemptions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fee_plan_id'], ['fee_plans.id'], name=op.f('fk_invoice_lines_fee_plan_id_fee_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fee_type_id'], ['fee_types.id'], name=op.f('fk_invoice_lines_fee_type_id_fee_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_invoice_lines_student_id_students'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('fee_plan_id', 'student_id', 'period_key', 'live', name=op.f('uq_invoice_lines_fee_plan_id_student_id_period_key_live'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=15), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payer_name', sa.String(length=120), nullable=False),
    sa.Column('beneficiary_name', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('invoice_code', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=True),
    sa.Column('provider_txn_id', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('terminal_id', sa.String(length=8), nullable=True),
    sa.Column('approval_code', sa.String(length=6), nullable=True),
    sa.Column('rrn', sa.String(length=12), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('card_scheme', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('applied', sa.BigInteger(), nullable=False),
    sa.Column('refunded', sa.BigInteger(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('card_last4 IS NULL OR length(card_last4) = 4', name=op.f('ck_payments_last4_only')),
    sa.CheckConstraint('refunded >= 0 AND refunded <= amount', name=op.f('ck_payments_refunds_within_amount')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_payments_recorded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_payments_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_payments_student_id_students'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('school_id', 'idempotency_key', name=op.f('uq_payments_school_id_idempotency_key')),
    sa.UniqueConstraint('school_id', 'provider', 'provider_txn_id', name=op.f('uq_payments_school_id_provider_provider_txn_id')),
    sa.UniqueConstraint('school_id', 'terminal_id', 'rrn', name=op.f('uq_payments_school_id_terminal_id_rrn'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_student_id'), ['student_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_allocations_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['line_id'], ['invoice_lines.id'], name=op.f('fk_allocations_line_id_invoice_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_payment_id'), ['payment_id'], unique=False)

    op.create_table('ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=6), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)', name=op.f('ck_ledger_lines_one_side')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_ledger_lines_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_ledger_lines_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_ledger_lines_student_id_students'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_lines_transaction_id_ledger_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines'))
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_lines_account_student', ['account', 'student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_lines_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_lines_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=120), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_receipts_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_receipts_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_receipts_payment_id')),
    sa.UniqueConstraint('school_id', 'series', 'number', name=op.f('uq_receipts_school_id_series_number')),
    sa.UniqueConstraint('token', name=op.f('uq_receipts_token'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_school_id'), ['school_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=15), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_refunds_approved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_refunds_paid_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_refunds_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_refunds_student_id_students'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('school_id', 'idempotency_key', name=op.f('uq_refunds_school_id_idempotency_key'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_student_id'), ['student_id'], unique=False)

    from lms.billing import ddl

    ddl.install(op.get_bind())


def downgrade():
    from lms.billing import ddl

    ddl.drop(op.get_bind())
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_student_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_school_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_school_id'))

    op.drop_table('receipts')
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_lines_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_lines_invoice_id'))
        batch_op.drop_index('ix_ledger_lines_account_student')

    op.drop_table('ledger_lines')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_line_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_invoice_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_student_id'))
        batch_op.drop_index(batch_op.f('ix_payments_school_id'))
        batch_op.drop_index(batch_op.f('ix_payments_received_at'))
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('invoice_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_events_invoice_id'))

    op.drop_table('invoice_events')
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_invoice_id'))

    op.drop_table('credit_notes')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_student_id'))
        batch_op.drop_index('ix_invoices_school_status_due')
        batch_op.drop_index(batch_op.f('ix_invoices_class_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('student_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_accounts_school_id'))

    op.drop_table('student_accounts')
    with op.batch_alter_table('fee_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_plans_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_fee_plans_school_id'))
        batch_op.drop_index(batch_op.f('ix_fee_plans_fee_type_id'))

    op.drop_table('fee_plans')
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemptions_student_id'))
        batch_op.drop_index(batch_op.f('ix_exemptions_school_id'))

    op.drop_table('exemptions')
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_school_id'))

    op.drop_table('ledger_transactions')
    with op.batch_alter_table('fee_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_types_school_id'))

    op.drop_table('fee_types')
    op.drop_table('billing_counters')
