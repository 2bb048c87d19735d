"""invitations for accounts nobody has claimed yet, each invitation's own link; a pupil's own consent

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.add_column(sa.Column('unclaimed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_invitations_token_hash', ['token_hash'])
    with op.batch_alter_table('students') as batch_op:
        batch_op.add_column(sa.Column('own_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('own_consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('own_consent_notice_version', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('students') as batch_op:
        batch_op.drop_column('own_consent_notice_version')
        batch_op.drop_column('own_consent_at')
        batch_op.drop_column('own_consent')
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.drop_constraint('uq_invitations_token_hash', type_='unique')
        batch_op.drop_column('token_hash')
        batch_op.drop_column('unclaimed')
