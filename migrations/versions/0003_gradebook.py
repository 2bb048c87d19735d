"""gradebook: grade entries, remarks, the change history, term locks, primary (TT27) records and
qualities, term and year records, report cards; background jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:08:50.677691

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('result_path', sa.String(length=200), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_jobs_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_user_id'), ['user_id'], unique=False)

    op.create_table('term_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.SmallInteger(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('term IN (1, 2)', name=op.f('ck_term_locks_term_1_or_2')),
    sa.ForeignKeyConstraint(['locked_by'], ['users.id'], name=op.f('fk_term_locks_locked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_term_locks_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_term_locks_school_year_id_school_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term_locks')),
    sa.UniqueConstraint('school_year_id', 'term', name=op.f('uq_term_locks_school_year_id_term'))
    )
    with op.batch_alter_table('term_locks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_locks_school_id'), ['school_id'], unique=False)

    op.create_table('primary_qualities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint', sa.String(length=4), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_primary_qualities_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_primary_qualities_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_primary_qualities_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_primary_qualities')),
    sa.UniqueConstraint('class_id', 'student_id', 'checkpoint', 'code', name=op.f('uq_primary_qualities_class_id_student_id_checkpoint_code'))
    )
    with op.batch_alter_table('primary_qualities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_primary_qualities_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_primary_qualities_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_primary_qualities_student_id'), ['student_id'], unique=False)

    op.create_table('report_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_name', sa.String(length=120), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_report_cards_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], name=op.f('fk_report_cards_issued_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_report_cards_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_report_cards_school_year_id_school_years'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_report_cards_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_cards')),
    sa.UniqueConstraint('student_id', 'school_year_id', 'version', name=op.f('uq_report_cards_student_id_school_year_id_version')),
    sa.UniqueConstraint('token', name=op.f('uq_report_cards_token'))
    )
    with op.batch_alter_table('report_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_cards_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_cards_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_cards_school_year_id'), ['school_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_cards_student_id'), ['student_id'], unique=False)

    op.create_table('term_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.SmallInteger(), nullable=False),
    sa.Column('conduct', sa.String(length=1), nullable=True),
    sa.Column('absent_excused', sa.Integer(), nullable=False),
    sa.Column('absent_unexcused', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('absent_excused >= 0 AND absent_unexcused >= 0', name=op.f('ck_term_records_absences_nonnegative')),
    sa.CheckConstraint('term IN (1, 2)', name=op.f('ck_term_records_term_1_or_2')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_term_records_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_term_records_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_term_records_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_term_records_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term_records')),
    sa.UniqueConstraint('class_id', 'student_id', 'term', name=op.f('uq_term_records_class_id_student_id_term'))
    )
    with op.batch_alter_table('term_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_records_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_term_records_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_term_records_student_id'), ['student_id'], unique=False)

    op.create_table('year_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('homeroom_comment', sa.Text(), nullable=False),
    sa.Column('summer_conduct', sa.String(length=1), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_year_records_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_year_records_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_year_records_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_records')),
    sa.UniqueConstraint('class_id', 'student_id', name=op.f('uq_year_records_class_id_student_id'))
    )
    with op.batch_alter_table('year_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_records_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_year_records_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_year_records_student_id'), ['student_id'], unique=False)

    op.create_table('grade_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=12), nullable=False),
    sa.Column('old_value', sa.String(length=12), nullable=False),
    sa.Column('new_value', sa.String(length=12), nullable=False),
    sa.Column('source_type', sa.String(length=12), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('after_lock', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_grade_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_grade_changes_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_grade_changes_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_grade_changes_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_changes'))
    )
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_changes_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_changes_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_changes_student_id'), ['student_id'], unique=False)

    op.create_table('grade_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('score10', sa.SmallInteger(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('source_type', sa.String(length=12), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(score10 IS NULL) <> (passed IS NULL)', name=op.f('ck_grade_entries_score_or_passed')),
    sa.CheckConstraint('score10 IS NULL OR (score10 >= 0 AND score10 <= 100)', name=op.f('ck_grade_entries_score_range')),
    sa.CheckConstraint('term IN (1, 2)', name=op.f('ck_grade_entries_term_1_or_2')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_grade_entries_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_grade_entries_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_grade_entries_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_grade_entries_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_entries')),
    sa.UniqueConstraint('course_id', 'student_id', 'term', 'kind', 'position', name=op.f('uq_grade_entries_course_id_student_id_term_kind_position'))
    )
    with op.batch_alter_table('grade_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_entries_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_entries_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_entries_student_id'), ['student_id'], unique=False)

    op.create_table('grade_remarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_grade_remarks_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_grade_remarks_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_grade_remarks_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_remarks')),
    sa.UniqueConstraint('course_id', 'student_id', 'term', name=op.f('uq_grade_remarks_course_id_student_id_term'))
    )
    with op.batch_alter_table('grade_remarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_remarks_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_remarks_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_remarks_student_id'), ['student_id'], unique=False)

    op.create_table('primary_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint', sa.String(length=4), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=True),
    sa.Column('test_score', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('test_score IS NULL OR (test_score >= 1 AND test_score <= 10)', name=op.f('ck_primary_records_test_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_primary_records_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_primary_records_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_primary_records_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_primary_records_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_primary_records')),
    sa.UniqueConstraint('course_id', 'student_id', 'checkpoint', name=op.f('uq_primary_records_course_id_student_id_checkpoint'))
    )
    with op.batch_alter_table('primary_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_primary_records_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_primary_records_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_primary_records_student_id'), ['student_id'], unique=False)



def downgrade():
    with op.batch_alter_table('primary_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_primary_records_student_id'))
        batch_op.drop_index(batch_op.f('ix_primary_records_school_id'))
        batch_op.drop_index(batch_op.f('ix_primary_records_course_id'))

    op.drop_table('primary_records')
    with op.batch_alter_table('grade_remarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_remarks_student_id'))
        batch_op.drop_index(batch_op.f('ix_grade_remarks_school_id'))
        batch_op.drop_index(batch_op.f('ix_grade_remarks_course_id'))

    op.drop_table('grade_remarks')
    with op.batch_alter_table('grade_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_entries_student_id'))
        batch_op.drop_index(batch_op.f('ix_grade_entries_school_id'))
        batch_op.drop_index(batch_op.f('ix_grade_entries_course_id'))

    op.drop_table('grade_entries')
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_changes_student_id'))
        batch_op.drop_index(batch_op.f('ix_grade_changes_school_id'))
        batch_op.drop_index(batch_op.f('ix_grade_changes_course_id'))
        batch_op.drop_index(batch_op.f('ix_grade_changes_at'))

    op.drop_table('grade_changes')
    with op.batch_alter_table('year_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_records_student_id'))
        batch_op.drop_index(batch_op.f('ix_year_records_school_id'))
        batch_op.drop_index(batch_op.f('ix_year_records_class_id'))

    op.drop_table('year_records')
    with op.batch_alter_table('term_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_records_student_id'))
        batch_op.drop_index(batch_op.f('ix_term_records_school_id'))
        batch_op.drop_index(batch_op.f('ix_term_records_class_id'))

    op.drop_table('term_records')
    with op.batch_alter_table('report_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_cards_student_id'))
        batch_op.drop_index(batch_op.f('ix_report_cards_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_report_cards_school_id'))
        batch_op.drop_index(batch_op.f('ix_report_cards_class_id'))

    op.drop_table('report_cards')
    with op.batch_alter_table('primary_qualities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_primary_qualities_student_id'))
        batch_op.drop_index(batch_op.f('ix_primary_qualities_school_id'))
        batch_op.drop_index(batch_op.f('ix_primary_qualities_class_id'))

    op.drop_table('primary_qualities')
    with op.batch_alter_table('term_locks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_locks_school_id'))

    op.drop_table('term_locks')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_user_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_school_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))

    op.drop_table('jobs')
