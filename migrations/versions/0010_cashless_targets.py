"""cashless targets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:08:55.444065

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cashless_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('count_percent', sa.Integer(), nullable=False),
    sa.Column('value_percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('count_percent >= 0 AND count_percent <= 100', name=op.f('ck_cashless_targets_count_range')),
    sa.CheckConstraint('value_percent >= 0 AND value_percent <= 100', name=op.f('ck_cashless_targets_value_range')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_cashless_targets_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cashless_targets')),
    sa.UniqueConstraint('school_id', 'starts', name=op.f('uq_cashless_targets_school_id_starts'))
    )
    with op.batch_alter_table('cashless_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cashless_targets_school_id'), ['school_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cashless_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cashless_targets_school_id'))

    op.drop_table('cashless_targets')
