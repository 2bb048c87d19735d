"""forms once, merchant identifiers unique

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 20:00:00

- `form_submissions`: the server-made key of every money-moving form, sent once.
- `channel_identifiers`: VNPay's TmnCode, MoMo's partner code, payOS's client id, the aggregator's
  business id and card terminals' TIDs, unique per channel across the deployment. Filled from the
  saved settings; where two schools had saved the same identifier, the later school's channel is
  switched off (the provider's notifications were going to the first one) with a task for its
  accountant to check the code with the provider.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

IDENTIFIERS = {"vnpay": ("tmn_code",), "momo": ("partner_code",), "payos": ("client_id",),
               "mobile_money": ("business_id",), "pos": ("terminal_ids",)}


def upgrade():
    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_form_submissions_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('key', name=op.f('uq_form_submissions_key'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_school_id'), ['school_id'], unique=False)

    op.create_table('channel_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_channel_identifiers_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_identifiers')),
    sa.UniqueConstraint('channel', 'value', name=op.f('uq_channel_identifiers_channel_value'))
    )
    with op.batch_alter_table('channel_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_identifiers_school_id'), ['school_id'], unique=False)

    bind = op.get_bind()
    taken: set[tuple[str, str]] = set()
    rows = bind.execute(sa.text("SELECT id, school_id, channel, public FROM channel_settings ORDER BY id")).all()
    for setting_id, school_id, channel, public in rows:
        values = json.loads(public) if isinstance(public, str) else (public or {})
        wanted = [(f, v.strip()) for f in IDENTIFIERS.get(channel, ()) for v in str(values.get(f) or "").split(",")
                  if v.strip()]
        clash = [v for _, v in wanted if (channel, v) in taken]
        if clash:
            bind.execute(sa.text("UPDATE channel_settings SET enabled = :off WHERE id = :id"), {"off": False, "id": setting_id})
            bind.execute(sa.text("INSERT INTO billing_tasks (school_id, kind, message, created_at, resolution) "
                                 "VALUES (:school, 'gateway', :message, CURRENT_TIMESTAMP, '')"),
                         {"school": school_id, "message": (f"Kênh {channel} đã tắt: mã {', '.join(clash)} cũng được "
                                                           f"một trường khác khai báo. Kiểm tra lại với nhà cung cấp.")[:300]})
            continue
        for field, value in wanted:
            taken.add((channel, value))
            bind.execute(sa.text("INSERT INTO channel_identifiers (school_id, channel, field, value) "
                                 "VALUES (:school, :channel, :field, :value)"),
                         {"school": school_id, "channel": channel, "field": field, "value": value})


def downgrade():
    with op.batch_alter_table('channel_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_identifiers_school_id'))
    op.drop_table('channel_identifiers')
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_school_id'))
    op.drop_table('form_submissions')
