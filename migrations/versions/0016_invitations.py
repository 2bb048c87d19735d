"""invitations to join a school, accepted by the account's owner; department administrators;
the per-address window of failed sign-ins

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('roles', sa.String(length=60), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('relation', sa.String(length=30), nullable=True),
    sa.Column('invited_name', sa.String(length=120), nullable=False),
    sa.Column('identifier', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('staff', 'parent')", name=op.f('ck_invitations_kind_known')),
    sa.CheckConstraint("kind = 'staff' OR student_id IS NOT NULL", name=op.f('ck_invitations_parent_has_student')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_invitations_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_invitations_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('department_viewers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), server_default='viewer', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_department_viewers_role_known'), "role IN ('viewer', 'admin')")
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_column('window_started_at')
    with op.batch_alter_table('department_viewers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_department_viewers_role_known'), type_='check')
        batch_op.drop_column('role')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_student_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_school_id'))
    op.drop_table('invitations')
