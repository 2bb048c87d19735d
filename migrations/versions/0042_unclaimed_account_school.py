"""unclaimed account's school: only the invitation that made an account may set its first password

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('claim_school_id', sa.Integer(), nullable=True))
    # Accounts nobody has taken up yet belong to the school whose invitation came first (the one
    # that made them); the others' invitations to them become invitations to an existing account.
    op.execute("UPDATE users SET claim_school_id = (SELECT i.school_id FROM invitations i WHERE i.user_id = users.id "
               "ORDER BY i.id LIMIT 1) WHERE password_hash IS NULL")
    op.execute("UPDATE invitations SET unclaimed = false WHERE unclaimed = true AND school_id <> "
               "COALESCE((SELECT u.claim_school_id FROM users u WHERE u.id = invitations.user_id), -1)")


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('claim_school_id')
