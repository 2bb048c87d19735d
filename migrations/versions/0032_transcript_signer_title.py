"""the transcript's signer title is the school's own signer setting

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 02:00:00

- `transcript_setups.leader_title` goes: the record's chucvugiamhieu is read from the school's
  signer (principal, or a deputy signing KT.), as the PDF prints it, instead of a second setting
  that could disagree with it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('transcript_setups') as batch:
        batch.drop_column('leader_title')


def downgrade():
    with op.batch_alter_table('transcript_setups') as batch:
        batch.add_column(sa.Column('leader_title', sa.String(length=80), nullable=False,
                                   server_default='Hiệu trưởng'))
