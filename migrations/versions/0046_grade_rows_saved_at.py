"""grade rows saved at: when a remark, a quality or a year record was last saved (a page opened
earlier is checked against it, as marks, primary records and term records already are); the
correction history's values widened so that a remark's change is kept whole

Rows already stored get no time (NULL): nothing says when they were saved, and a page is
refused only for a row saved after it was opened.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 17:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('grade_remarks', 'primary_qualities', 'year_records'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('grade_changes') as batch_op:
        batch_op.alter_column('old_value', existing_type=sa.String(length=12), type_=sa.String(length=500),
                              existing_nullable=False)
        batch_op.alter_column('new_value', existing_type=sa.String(length=12), type_=sa.String(length=500),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('grade_changes') as batch_op:
        batch_op.alter_column('new_value', existing_type=sa.String(length=500), type_=sa.String(length=12),
                              existing_nullable=False)
        batch_op.alter_column('old_value', existing_type=sa.String(length=500), type_=sa.String(length=12),
                              existing_nullable=False)
    for table in ('year_records', 'primary_qualities', 'grade_remarks'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('updated_at')
