"""the payment sandbox's memory leaves the school's database: drop sandbox_payments

The pretend providers' records now live with the sandbox, in its own SQLite file under the
instance folder (lms/billing/sandbox/store.py); a production database keeps no sandbox table.
What a demo's sandbox remembered about earlier payments is only used to answer a status query
about them, so it is not carried over.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 04:50:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('sandbox_payments')


def downgrade():
    op.create_table('sandbox_payments',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('provider', sa.String(length=20), nullable=False),
                    sa.Column('order_ref', sa.String(length=100), nullable=False),
                    sa.Column('txn_id', sa.String(length=100), nullable=False),
                    sa.Column('amount', sa.BigInteger(), nullable=False),
                    sa.Column('success', sa.Boolean(), nullable=False),
                    sa.Column('notified', sa.Boolean(), nullable=False),
                    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_payments')),
                    sa.UniqueConstraint('provider', 'order_ref', name=op.f('uq_sandbox_payments_provider_order_ref')))
