"""verified identifiers: when and how an account proved it controls its e-mail and its phone;
how an invitation's link reached the person (by mail, by SMS, or handed by the school)

Every identifier already stored starts unverified: nothing so far proved control of it (a school
typed it, or set it through a link the school itself held).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_verified_via', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phone_verified_via', sa.String(length=20), nullable=True))
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.add_column(sa.Column('delivered_via', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.drop_column('delivered_via')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('phone_verified_via')
        batch_op.drop_column('phone_verified_at')
        batch_op.drop_column('email_verified_via')
        batch_op.drop_column('email_verified_at')
