"""homework-load guard: each assignment's estimated minutes and who set it over the evening's
limit; the contact book's homework limits optional (none set: no limit, the load still shown)

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

LIMITS = (("hw_minutes_primary", sa.Integer()), ("hw_minutes_lower", sa.Integer()),
          ("hw_minutes_upper", sa.Integer()), ("hw_latest_due", sa.Time()))


def upgrade():
    with op.batch_alter_table('contact_settings', schema=None) as batch_op:
        for name, kind in LIMITS:
            batch_op.alter_column(name, existing_type=kind, nullable=True)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('load_override_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('load_override_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignments_load_override_by_users'), 'users',
                                    ['load_override_by'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_assignments_minutes_range'), 'minutes > 0 AND minutes <= 600')


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assignments_minutes_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_assignments_load_override_by_users'), type_='foreignkey')
        batch_op.drop_column('load_override_at')
        batch_op.drop_column('load_override_by')
        batch_op.drop_column('minutes')
    defaults = {"hw_minutes_primary": "30", "hw_minutes_lower": "90", "hw_minutes_upper": "120",
                "hw_latest_due": "'21:00:00'"}
    for name, value in defaults.items():
        op.execute(f"UPDATE contact_settings SET {name} = {value} WHERE {name} IS NULL")
    with op.batch_alter_table('contact_settings', schema=None) as batch_op:
        for name, kind in LIMITS:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
