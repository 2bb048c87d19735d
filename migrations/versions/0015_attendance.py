"""daily attendance and leave requests

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:03:29.378205

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leave_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_leave_requests_days_ordered')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_leave_requests_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_leave_requests_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_leave_requests_requested_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_leave_requests_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_leave_requests_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_requests'))
    )
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_requests_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_leave_requests_student_id'), ['student_id'], unique=False)

    op.create_table('attendance_registers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('period', sa.SmallInteger(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('taken_by', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period >= 0 AND period <= 10', name=op.f('ck_attendance_registers_period_range')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_attendance_registers_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_attendance_registers_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attendance_registers_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by'], ['users.id'], name=op.f('fk_attendance_registers_taken_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_registers')),
    sa.UniqueConstraint('class_id', 'day', 'period', name=op.f('uq_attendance_registers_class_id_day_period'))
    )
    with op.batch_alter_table('attendance_registers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_registers_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_registers_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_registers_school_id'), ['school_id'], unique=False)

    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('register_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=1), nullable=False),
    sa.Column('leave_request_id', sa.Integer(), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('P', 'K', 'M')", name=op.f('ck_attendance_marks_status_known')),
    sa.ForeignKeyConstraint(['leave_request_id'], ['leave_requests.id'], name=op.f('fk_attendance_marks_leave_request_id_leave_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['register_id'], ['attendance_registers.id'], name=op.f('fk_attendance_marks_register_id_attendance_registers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attendance_marks_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_attendance_marks_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('register_id', 'student_id', name=op.f('uq_attendance_marks_register_id_student_id'))
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_marks_register_id'), ['register_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_student_id'), ['student_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_marks_student_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_marks_school_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_marks_register_id'))

    op.drop_table('attendance_marks')
    with op.batch_alter_table('attendance_registers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_registers_school_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_registers_course_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_registers_class_id'))

    op.drop_table('attendance_registers')
    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leave_requests_student_id'))
        batch_op.drop_index(batch_op.f('ix_leave_requests_status'))
        batch_op.drop_index(batch_op.f('ix_leave_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_leave_requests_class_id'))

    op.drop_table('leave_requests')
