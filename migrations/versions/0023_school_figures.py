"""school figures for the department's ranking

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:10:00

- `school_figures`: each school's figures for one reporting period as the department's ranking
  shows them, refreshed by a periodic job, so that a province's page reads hundreds of schools
  instead of computing each (issue #31).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=40), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_figures_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_figures')),
    sa.UniqueConstraint('school_id', 'period_key', name=op.f('uq_school_figures_school_id_period_key'))
    )


def downgrade():
    op.drop_table('school_figures')
