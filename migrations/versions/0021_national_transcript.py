"""national transcript (học bạ số): transcripts, their events, signer accounts, signing rounds, sector-database exports, the SmartCA sandbox; students.record_code

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 19:11:12.965854

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('smartca_sandbox_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.String(length=80), nullable=False),
    sa.Column('tran_code', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('serial_number', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('signatures', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_smartca_sandbox_transactions')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_smartca_sandbox_transactions_transaction_id'))
    )
    with op.batch_alter_table('smartca_sandbox_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smartca_sandbox_transactions_user_id'), ['user_id'], unique=False)

    op.create_table('sector_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=30), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_sector_exports_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_sector_exports_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_exports'))
    )
    with op.batch_alter_table('sector_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sector_exports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sector_exports_school_id'), ['school_id'], unique=False)

    op.create_table('signer_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('serial_number', sa.String(length=80), nullable=False),
    sa.Column('sealed_p12', sa.LargeBinary(), nullable=True),
    sa.Column('sealed_password', sa.Text(), nullable=False),
    sa.Column('cert_subject', sa.String(length=300), nullable=False),
    sa.Column('cert_valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_signer_accounts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signer_accounts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signer_accounts')),
    sa.UniqueConstraint('school_id', 'holder', name=op.f('uq_signer_accounts_school_id_holder'))
    )
    with op.batch_alter_table('signer_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signer_accounts_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signer_accounts_user_id'), ['user_id'], unique=False)

    op.create_table('transcript_setups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('moet_school_code', sa.String(length=20), nullable=False),
    sa.Column('department_code', sa.String(length=20), nullable=False),
    sa.Column('leader_title', sa.String(length=80), nullable=False),
    sa.Column('place_of_issue', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_transcript_setups_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_setups')),
    sa.UniqueConstraint('school_id', name=op.f('uq_transcript_setups_school_id'))
    )
    op.create_table('signing_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('signer_account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('provider_ref', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_signing_requests_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_signing_requests_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signer_account_id'], ['signer_accounts.id'], name=op.f('fk_signing_requests_signer_account_id_signer_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_requests'))
    )
    with op.batch_alter_table('signing_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_requests_status'), ['status'], unique=False)

    op.create_table('transcripts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('record_sha256', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('pdf_name', sa.String(length=120), nullable=True),
    sa.Column('xml_name', sa.String(length=120), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('xml_sha256', sa.String(length=64), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('correction_reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_transcripts_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_transcripts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_transcripts_school_year_id_school_years'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_transcripts_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['transcripts.id'], name=op.f('fk_transcripts_supersedes_id_transcripts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcripts')),
    sa.UniqueConstraint('student_id', 'school_year_id', 'version', name=op.f('uq_transcripts_student_id_school_year_id_version')),
    sa.UniqueConstraint('token', name=op.f('uq_transcripts_token'))
    )
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcripts_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_school_year_id'), ['school_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_student_id'), ['student_id'], unique=False)

    op.create_table('signing_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('doc', sa.String(length=4), nullable=False),
    sa.Column('doc_id', sa.String(length=80), nullable=False),
    sa.Column('digest_hex', sa.String(length=128), nullable=False),
    sa.Column('prepared', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['signing_requests.id'], name=op.f('fk_signing_items_request_id_signing_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], name=op.f('fk_signing_items_transcript_id_transcripts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_items')),
    sa.UniqueConstraint('request_id', 'doc_id', name=op.f('uq_signing_items_request_id_doc_id'))
    )
    with op.batch_alter_table('signing_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_items_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_items_transcript_id'), ['transcript_id'], unique=False)

    op.create_table('transcript_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_transcript_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_transcript_events_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], name=op.f('fk_transcript_events_transcript_id_transcripts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_events'))
    )
    with op.batch_alter_table('transcript_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_events_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_events_transcript_id'), ['transcript_id'], unique=False)

    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_code', sa.String(length=30), nullable=True))



def downgrade():
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_column('record_code')

    with op.batch_alter_table('transcript_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_events_transcript_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_events_school_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_events_at'))

    op.drop_table('transcript_events')
    with op.batch_alter_table('signing_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_items_transcript_id'))
        batch_op.drop_index(batch_op.f('ix_signing_items_request_id'))

    op.drop_table('signing_items')
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcripts_student_id'))
        batch_op.drop_index(batch_op.f('ix_transcripts_state'))
        batch_op.drop_index(batch_op.f('ix_transcripts_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_transcripts_school_id'))
        batch_op.drop_index(batch_op.f('ix_transcripts_class_id'))

    op.drop_table('transcripts')
    with op.batch_alter_table('signing_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_requests_status'))
        batch_op.drop_index(batch_op.f('ix_signing_requests_school_id'))

    op.drop_table('signing_requests')
    op.drop_table('transcript_setups')
    with op.batch_alter_table('signer_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signer_accounts_user_id'))
        batch_op.drop_index(batch_op.f('ix_signer_accounts_school_id'))

    op.drop_table('signer_accounts')
    with op.batch_alter_table('sector_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sector_exports_school_id'))
        batch_op.drop_index(batch_op.f('ix_sector_exports_created_at'))

    op.drop_table('sector_exports')
    with op.batch_alter_table('smartca_sandbox_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smartca_sandbox_transactions_user_id'))

    op.drop_table('smartca_sandbox_transactions')
