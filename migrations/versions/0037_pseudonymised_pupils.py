"""pupils whose personal data was erased by pseudonymisation: when

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('students') as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('students') as batch_op:
        batch_op.drop_column('pseudonymised_at')
