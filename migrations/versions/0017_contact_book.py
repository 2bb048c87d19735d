"""contact book: settings, provider accounts, parents' choices, outgoing messages, digests, sandbox

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:56:45.345116

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sandbox_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=40), nullable=False),
    sa.Column('access_token', sa.String(length=80), nullable=False),
    sa.Column('refresh_token', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refresh_used', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_tokens')),
    sa.UniqueConstraint('access_token', name=op.f('uq_sandbox_tokens_access_token')),
    sa.UniqueConstraint('refresh_token', name=op.f('uq_sandbox_tokens_refresh_token'))
    )
    with op.batch_alter_table('sandbox_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_tokens_app_id'), ['app_id'], unique=False)

    op.create_table('message_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('zalo', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('digest_time', sa.Time(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_version', sa.String(length=20), nullable=True),
    sa.Column('consent_method', sa.String(length=20), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_message_preferences_user_id'))
    )
    op.create_table('contact_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('quiet_start', sa.Time(), nullable=False),
    sa.Column('quiet_end', sa.Time(), nullable=False),
    sa.Column('urgent_bypass', sa.Boolean(), nullable=False),
    sa.Column('monthly_cap', sa.Integer(), nullable=False),
    sa.Column('zns_cost', sa.Integer(), nullable=False),
    sa.Column('sms_cost', sa.Integer(), nullable=False),
    sa.Column('digest_time', sa.Time(), nullable=False),
    sa.Column('hw_minutes_primary', sa.Integer(), nullable=False),
    sa.Column('hw_minutes_lower', sa.Integer(), nullable=False),
    sa.Column('hw_minutes_upper', sa.Integer(), nullable=False),
    sa.Column('hw_latest_due', sa.Time(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hw_minutes_primary >= 0 AND hw_minutes_lower >= 0 AND hw_minutes_upper >= 0', name=op.f('ck_contact_settings_homework_minutes_nonnegative')),
    sa.CheckConstraint('monthly_cap >= 0', name=op.f('ck_contact_settings_cap_nonnegative')),
    sa.CheckConstraint('zns_cost >= 0 AND sms_cost >= 0', name=op.f('ck_contact_settings_costs_nonnegative')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_contact_settings_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_contact_settings_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_settings')),
    sa.UniqueConstraint('school_id', name=op.f('uq_contact_settings_school_id'))
    )
    op.create_table('digest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_digest_runs_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_runs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_runs')),
    sa.UniqueConstraint('school_id', 'user_id', 'day', name=op.f('uq_digest_runs_school_id_user_id_day'))
    )
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_runs_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_runs_user_id'), ['user_id'], unique=False)

    op.create_table('message_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('sandbox', sa.Boolean(), nullable=False),
    sa.Column('public', JSON, nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('access_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('hook_token', sa.String(length=64), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_message_accounts_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_message_accounts_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_accounts')),
    sa.UniqueConstraint('hook_token', name=op.f('uq_message_accounts_hook_token')),
    sa.UniqueConstraint('school_id', 'provider', name=op.f('uq_message_accounts_school_id_provider'))
    )
    with op.batch_alter_table('message_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_accounts_school_id'), ['school_id'], unique=False)

    op.create_table('sandbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('provider_id', sa.String(length=80), nullable=False),
    sa.Column('request_id', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.Column('callback_url', sa.String(length=300), nullable=False),
    sa.Column('report_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_sandbox_messages_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_messages')),
    sa.UniqueConstraint('provider', 'provider_id', name=op.f('uq_sandbox_messages_provider_provider_id')),
    sa.UniqueConstraint('provider', 'request_id', name=op.f('uq_sandbox_messages_provider_request_id'))
    )
    with op.batch_alter_table('sandbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_messages_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_messages_school_id'), ['school_id'], unique=False)

    op.create_table('outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('tracking_id', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.String(length=80), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=False),
    sa.Column('error_text', sa.String(length=300), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('fallback_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('cost >= 0 AND segments >= 0 AND attempts >= 0', name=op.f('ck_outbound_messages_counts_nonnegative')),
    sa.ForeignKeyConstraint(['fallback_of_id'], ['outbound_messages.id'], name=op.f('fk_outbound_messages_fallback_of_id_outbound_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_outbound_messages_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_outbound_messages_student_id_students'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbound_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbound_messages_dedupe_key')),
    sa.UniqueConstraint('tracking_id', name=op.f('uq_outbound_messages_tracking_id'))
    )
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_messages_due', ['status', 'send_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_outbound_messages_recipient', ['school_id', 'user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_messages_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbound_messages_school_id'))
        batch_op.drop_index('ix_outbound_messages_recipient')
        batch_op.drop_index(batch_op.f('ix_outbound_messages_provider_id'))
        batch_op.drop_index('ix_outbound_messages_due')

    op.drop_table('outbound_messages')
    with op.batch_alter_table('sandbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_messages_school_id'))
        batch_op.drop_index(batch_op.f('ix_sandbox_messages_reported_at'))

    op.drop_table('sandbox_messages')
    with op.batch_alter_table('message_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_accounts_school_id'))

    op.drop_table('message_accounts')
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_runs_user_id'))
        batch_op.drop_index(batch_op.f('ix_digest_runs_school_id'))

    op.drop_table('digest_runs')
    op.drop_table('contact_settings')
    op.drop_table('message_preferences')
    with op.batch_alter_table('sandbox_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_tokens_app_id'))

    op.drop_table('sandbox_tokens')
