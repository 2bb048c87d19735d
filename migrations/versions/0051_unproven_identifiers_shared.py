"""an e-mail or phone is unique only once proven: unproven ones are what a school typed, which any
number of accounts may hold (issue #22: an account could only be given an identifier nobody held,
so what it got told whether someone else held it)

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 23:55:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.drop_constraint('uq_users_phone', type_='unique')
        batch_op.create_index('ix_users_email', ['email'], unique=False)
        batch_op.create_index('ix_users_phone', ['phone'], unique=False)
        batch_op.create_index('uq_users_proven_email', ['email'], unique=True,
                              sqlite_where=sa.text('email_verified_at IS NOT NULL'),
                              postgresql_where=sa.text('email_verified_at IS NOT NULL'))
        batch_op.create_index('uq_users_proven_phone', ['phone'], unique=True,
                              sqlite_where=sa.text('phone_verified_at IS NOT NULL'),
                              postgresql_where=sa.text('phone_verified_at IS NOT NULL'))


def downgrade():
    # Fails, as it must, while two accounts hold one unproven identifier.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_proven_phone')
        batch_op.drop_index('uq_users_proven_email')
        batch_op.drop_index('ix_users_phone')
        batch_op.drop_index('ix_users_email')
        batch_op.create_unique_constraint('uq_users_email', ['email'])
        batch_op.create_unique_constraint('uq_users_phone', ['phone'])
