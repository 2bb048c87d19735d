"""class spells: a pupil's time in a class, kept when the enrolment goes (a pupil who left)

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 08:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('class_spells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_class_spells_school_id_schools'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_class_spells_student_id_students'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_spells_class_id_classes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_spells'))
    )
    with op.batch_alter_table('class_spells') as batch_op:
        batch_op.create_index(batch_op.f('ix_class_spells_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_spells_student_id'), ['student_id'], unique=False)


def downgrade():
    with op.batch_alter_table('class_spells') as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_spells_student_id'))
        batch_op.drop_index(batch_op.f('ix_class_spells_school_id'))
    op.drop_table('class_spells')
