"""official place: the place a school's or a department's documents are dated at

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools') as batch_op:
        batch_op.add_column(sa.Column('place_name', sa.String(length=60), nullable=True))
    with op.batch_alter_table('departments') as batch_op:
        batch_op.add_column(sa.Column('place_name', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('departments') as batch_op:
        batch_op.drop_column('place_name')
    with op.batch_alter_table('schools') as batch_op:
        batch_op.drop_column('place_name')
