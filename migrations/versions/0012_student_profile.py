"""the pupil's profile (sector-database identity, place of birth, ethnicity, contact) and the
guardian's second phone, occupation and birth year, as the schools' lists carry them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

STUDENT = (('moet_code', 20), ('personal_id', 12), ('place_of_birth', 200), ('hometown', 200),
           ('ethnicity', 40), ('nationality', 40), ('email', 254), ('phone', 20))


def upgrade():
    with op.batch_alter_table('students', schema=None) as batch_op:
        for name, length in STUDENT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('occupation', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.drop_column('birth_year')
        batch_op.drop_column('occupation')
        batch_op.drop_column('second_phone')
    with op.batch_alter_table('students', schema=None) as batch_op:
        for name, _length in reversed(STUDENT):
            batch_op.drop_column(name)
