"""parents' "I have paid" reports

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 23:00:00

- `payment_reports`: a parent's report of a payment the school has not seen, waiting in the
  accountant's queue until matched, refunded or rejected.
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('screenshot_path', sa.String(length=200), nullable=True),
    sa.Column('screenshot_name', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.String(length=300), nullable=False),
    sa.Column('bank_transaction_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_reports_amount_positive')),
    sa.ForeignKeyConstraint(['bank_transaction_id'], ['bank_transactions.id'], name=op.f('fk_payment_reports_bank_transaction_id_bank_transactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_reports_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_reports_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_payment_reports_reported_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_payment_reports_resolved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_payment_reports_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reports'))
    )
    with op.batch_alter_table('payment_reports', schema=None) as batch_op:
        batch_op.create_index('ix_payment_reports_school_status', ['school_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_reports_invoice_id'), ['invoice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reports_invoice_id'))
        batch_op.drop_index('ix_payment_reports_school_status')
    op.drop_table('payment_reports')
