"""school days off: the days a school does not sit besides the public holidays (nghỉ bù, events)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 04:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_days_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_school_days_off_days_in_order')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_days_off_school_id_schools'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_school_days_off_created_by_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_days_off'))
    )
    with op.batch_alter_table('school_days_off') as batch_op:
        batch_op.create_index(batch_op.f('ix_school_days_off_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('school_days_off') as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_days_off_school_id'))
    op.drop_table('school_days_off')
