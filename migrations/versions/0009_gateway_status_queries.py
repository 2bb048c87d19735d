"""gateway status queries: checkouts.queried_at, the sandbox's own payments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:17:19.185097

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
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
    sa.UniqueConstraint('provider', 'order_ref', name=op.f('uq_sandbox_payments_provider_order_ref'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queried_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_ref', sa.String(length=100), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('reconciliation_items', schema=None) as batch_op:
        batch_op.drop_column('order_ref')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_column('queried_at')

    op.drop_table('sandbox_payments')
