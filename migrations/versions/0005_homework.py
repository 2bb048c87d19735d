"""homework: assignments, submissions and their files; readiness checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:22:27.734323

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('instructions_html', sa.Text(), nullable=False),
    sa.Column('open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late_policy', sa.String(length=8), nullable=False),
    sa.Column('penalty_percent', sa.Integer(), nullable=False),
    sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_tenths', sa.Integer(), nullable=False),
    sa.Column('resubmissions', sa.Integer(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gradebook_term', sa.Integer(), nullable=True),
    sa.Column('gradebook_key', sa.String(length=4), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_tenths > 0 AND max_tenths <= 1000', name=op.f('ck_assignments_max_range')),
    sa.CheckConstraint('penalty_percent >= 0 AND penalty_percent <= 100', name=op.f('ck_assignments_penalty_range')),
    sa.CheckConstraint('resubmissions >= 0 AND resubmissions <= 20', name=op.f('ck_assignments_resubmissions_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_assignments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_assignments_lesson_id_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_assignments_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_assignments_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_subject_id'), ['subject_id'], unique=False)

    op.create_table('assignment_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_courses_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_courses_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_courses')),
    sa.UniqueConstraint('assignment_id', 'course_id', name=op.f('uq_assignment_courses_assignment_id_course_id'))
    )
    with op.batch_alter_table('assignment_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_courses_course_id'), ['course_id'], unique=False)

    op.create_table('assignment_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_resources_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_assignment_resources_resource_id_resources'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_resources')),
    sa.UniqueConstraint('assignment_id', 'resource_id', name=op.f('uq_assignment_resources_assignment_id_resource_id'))
    )
    with op.batch_alter_table('assignment_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_resources_resource_id'), ['resource_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('is_revision', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('score_tenths', sa.Integer(), nullable=True),
    sa.Column('rubric_marks', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('graded_by', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revise_by', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('score_tenths IS NULL OR score_tenths >= 0', name=op.f('ck_submissions_score_nonnegative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by'], ['users.id'], name=op.f('fk_submissions_graded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_submissions_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_submissions_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('assignment_id', 'student_id', 'number', name=op.f('uq_submissions_assignment_id_student_id_number'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_student_id'), ['student_id'], unique=False)

    op.create_table('submission_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('mime', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_files_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_files'))
    )
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_files_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lesson_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ready_percent', sa.SmallInteger(), nullable=False, server_default='70'))
        batch_op.create_index(batch_op.f('ix_exams_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exams_lesson_id_lessons'), 'lessons', ['lesson_id'], ['id'], ondelete='SET NULL')




def downgrade():

    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exams_lesson_id_lessons'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exams_lesson_id'))
        batch_op.drop_column('ready_percent')
        batch_op.drop_column('lesson_id')

    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_files_submission_id'))

    op.drop_table('submission_files')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_student_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_school_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('assignment_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_resources_resource_id'))

    op.drop_table('assignment_resources')
    with op.batch_alter_table('assignment_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_courses_course_id'))

    op.drop_table('assignment_courses')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_subject_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_school_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_due_at'))
        batch_op.drop_index(batch_op.f('ix_assignments_created_by'))

    op.drop_table('assignments')

