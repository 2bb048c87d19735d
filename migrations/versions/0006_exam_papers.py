"""printed versions of exams (papers), sat online too

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:22:55.286927

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('exam_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_papers_exam_id_exams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_papers')),
    sa.UniqueConstraint('exam_id', 'code', name=op.f('uq_exam_papers_exam_id_code'))
    )
    op.create_table('exam_paper_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('mark_e4', sa.Integer(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('rule_position', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['paper_id'], ['exam_papers.id'], name=op.f('fk_exam_paper_items_paper_id_exam_papers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_exam_paper_items_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_exam_paper_items_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_paper_items')),
    sa.UniqueConstraint('paper_id', 'position', name=op.f('uq_exam_paper_items_paper_id_position'))
    )
    with op.batch_alter_table('exam_paper_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_paper_items_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attempts_paper_id'), ['paper_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attempts_paper_id_exam_papers'), 'exam_papers', ['paper_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('use_papers', sa.Boolean(), nullable=False, server_default=sa.false()))




def downgrade():

    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_column('use_papers')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_paper_id_exam_papers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attempts_paper_id'))
        batch_op.drop_column('paper_id')

    with op.batch_alter_table('exam_paper_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_paper_items_question_id'))

    op.drop_table('exam_paper_items')
    op.drop_table('exam_papers')

