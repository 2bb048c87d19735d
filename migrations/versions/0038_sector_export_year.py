"""sector-database exports: the school year each was built for; the school's mã Phòng GD&ĐT

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 04:45:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sector_exports') as batch_op:
        batch_op.add_column(sa.Column('school_year_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_sector_exports_school_year_id', ['school_year_id'])
        batch_op.create_foreign_key('fk_sector_exports_school_year_id_school_years', 'school_years',
                                    ['school_year_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('transcript_setups') as batch_op:
        batch_op.add_column(sa.Column('district_code', sa.String(length=20), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('transcript_setups') as batch_op:
        batch_op.drop_column('district_code')
    with op.batch_alter_table('sector_exports') as batch_op:
        batch_op.drop_constraint('fk_sector_exports_school_year_id_school_years', type_='foreignkey')
        batch_op.drop_index('ix_sector_exports_school_year_id')
        batch_op.drop_column('school_year_id')
