"""exams: question bank (categories, shares, questions and immutable versions), exams with fixed
items or blueprint rules, overrides, attempts with their slots, responses, grades and events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:28:12.948644

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('close_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_limit_min', sa.Integer(), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('grading_method', sa.String(length=10), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_options', sa.Boolean(), nullable=False),
    sa.Column('per_page', sa.Integer(), nullable=False),
    sa.Column('navigation', sa.String(length=12), nullable=False),
    sa.Column('review', sa.JSON(), nullable=False),
    sa.Column('access_code', sa.String(length=40), nullable=False),
    sa.Column('ip_ranges', sa.String(length=500), nullable=False),
    sa.Column('overdue', sa.String(length=12), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('results_released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_at_close', sa.Boolean(), nullable=False),
    sa.Column('gradebook_term', sa.SmallInteger(), nullable=True),
    sa.Column('gradebook_key', sa.String(length=4), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attempts_allowed >= 0', name=op.f('ck_exams_attempts_nonnegative')),
    sa.CheckConstraint('time_limit_min >= 0', name=op.f('ck_exams_limit_nonnegative')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_exams_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exams_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_exams_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exams'))
    )
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exams_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_exams_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exams_subject_id'), ['subject_id'], unique=False)

    op.create_table('question_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_question_categories_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['question_categories.id'], name=op.f('fk_question_categories_parent_id_question_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_question_categories_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_question_categories_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_categories'))
    )
    with op.batch_alter_table('question_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_categories_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_categories_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_categories_subject_id'), ['subject_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('auto_finished', sa.Boolean(), nullable=False),
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('total_e4', sa.Integer(), nullable=True),
    sa.Column('max_e4', sa.Integer(), nullable=False),
    sa.Column('score10', sa.SmallInteger(), nullable=True),
    sa.Column('needs_grading', sa.Boolean(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_attempts_exam_id_exams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attempts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_attempts_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('exam_id', 'student_id', 'number', name=op.f('uq_attempts_exam_id_student_id_number'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempts_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_attempts_state_deadline', ['state', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_student_id'), ['student_id'], unique=False)

    op.create_table('category_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('can_edit', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['question_categories.id'], name=op.f('fk_category_shares_category_id_question_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_category_shares_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_shares')),
    sa.UniqueConstraint('category_id', 'user_id', name=op.f('uq_category_shares_category_id_user_id'))
    )
    with op.batch_alter_table('category_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_shares_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_category_shares_user_id'), ['user_id'], unique=False)

    op.create_table('exam_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('open_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_overrides_exam_id_exams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_exam_overrides_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_overrides')),
    sa.UniqueConstraint('exam_id', 'student_id', name=op.f('uq_exam_overrides_exam_id_student_id'))
    )
    with op.batch_alter_table('exam_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_overrides_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_overrides_student_id'), ['student_id'], unique=False)

    op.create_table('exam_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=True),
    sa.Column('qtype', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('mark_e4', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['question_categories.id'], name=op.f('fk_exam_rules_category_id_question_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_rules_exam_id_exams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_rules'))
    )
    with op.batch_alter_table('exam_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_rules_exam_id'), ['exam_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('qtype', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('grade', sa.SmallInteger(), nullable=True),
    sa.Column('tags', sa.String(length=300), nullable=False),
    sa.Column('search_text', sa.String(length=1000), nullable=False),
    sa.Column('default_mark_e4', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('usage_count', sa.Integer(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_questions_level_range')),
    sa.ForeignKeyConstraint(['category_id'], ['question_categories.id'], name=op.f('fk_questions_category_id_question_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_questions_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_questions_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_school_id'), ['school_id'], unique=False)

    op.create_table('attempt_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_events_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_events'))
    )
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_events_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('exam_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_exam_courses_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_courses_exam_id_exams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_courses')),
    sa.UniqueConstraint('exam_id', 'course_id', name=op.f('uq_exam_courses_exam_id_course_id'))
    )
    with op.batch_alter_table('exam_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_courses_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_courses_exam_id'), ['exam_id'], unique=False)

    op.create_table('exam_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('mark_e4', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_items_exam_id_exams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_exam_items_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_items')),
    sa.UniqueConstraint('exam_id', 'question_id', name=op.f('uq_exam_items_exam_id_question_id'))
    )
    with op.batch_alter_table('exam_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_items_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_items_question_id'), ['question_id'], unique=False)

    op.create_table('question_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('general_feedback', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_question_versions_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_versions_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_versions')),
    sa.UniqueConstraint('question_id', 'number', name=op.f('uq_question_versions_question_id_number'))
    )
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_versions_question_id'), ['question_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_responses_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_responses_attempt_id_position'))
    )
    op.create_table('slot_grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('fraction_e4', sa.Integer(), nullable=True),
    sa.Column('mark_e4', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('graded_by', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_slot_grades_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by'], ['users.id'], name=op.f('fk_slot_grades_graded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_grades'))
    )
    with op.batch_alter_table('slot_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_grades_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('attempt_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('graded_version_id', sa.Integer(), nullable=True),
    sa.Column('mark_e4', sa.Integer(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('rule_position', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_slots_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_version_id'], ['question_versions.id'], name=op.f('fk_attempt_slots_graded_version_id_question_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_attempt_slots_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_attempt_slots_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_slots')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_attempt_slots_attempt_id_position'))
    )
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_slots_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_slots_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_slots_question_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_slots_attempt_id'))

    op.drop_table('attempt_slots')
    with op.batch_alter_table('slot_grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slot_grades_attempt_id'))

    op.drop_table('slot_grades')
    op.drop_table('responses')
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_versions_question_id'))

    op.drop_table('question_versions')
    with op.batch_alter_table('exam_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_items_question_id'))
        batch_op.drop_index(batch_op.f('ix_exam_items_exam_id'))

    op.drop_table('exam_items')
    with op.batch_alter_table('exam_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_courses_exam_id'))
        batch_op.drop_index(batch_op.f('ix_exam_courses_course_id'))

    op.drop_table('exam_courses')
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_events_attempt_id'))

    op.drop_table('attempt_events')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_school_id'))
        batch_op.drop_index(batch_op.f('ix_questions_category_id'))

    op.drop_table('questions')
    with op.batch_alter_table('exam_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_rules_exam_id'))

    op.drop_table('exam_rules')
    with op.batch_alter_table('exam_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_overrides_student_id'))
        batch_op.drop_index(batch_op.f('ix_exam_overrides_exam_id'))

    op.drop_table('exam_overrides')
    with op.batch_alter_table('category_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_category_shares_category_id'))

    op.drop_table('category_shares')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_student_id'))
        batch_op.drop_index('ix_attempts_state_deadline')
        batch_op.drop_index(batch_op.f('ix_attempts_school_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_exam_id'))

    op.drop_table('attempts')
    with op.batch_alter_table('question_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_categories_subject_id'))
        batch_op.drop_index(batch_op.f('ix_question_categories_school_id'))
        batch_op.drop_index(batch_op.f('ix_question_categories_owner_id'))

    op.drop_table('question_categories')
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exams_subject_id'))
        batch_op.drop_index(batch_op.f('ix_exams_school_id'))
        batch_op.drop_index(batch_op.f('ix_exams_created_by'))

    op.drop_table('exams')
