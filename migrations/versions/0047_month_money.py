"""month money: each school's payments by month, method and channel, kept by the refresh job up
to a mark (the last payment counted), so that the department's pages sum a few rows a school
instead of counting every payment of the province (issue #31)

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 17:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_month_money',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=15), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_month_money_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_month_money')),
    sa.UniqueConstraint('school_id', 'month', 'method', 'channel', name=op.f('uq_school_month_money_school_id_month_method_channel'))
    )
    op.create_table('money_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.BigInteger(), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_marks'))
    )


def downgrade():
    op.drop_table('money_marks')
    op.drop_table('school_month_money')
