"""money once: bank credits recognised across sources, invoice codes unique across schools

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00

- `bank_sightings`: each source's report of a bank credit (one per existing credit to start
  with). A credit's bank reference is unique in its school: credits that were recorded twice
  under one reference before this revision keep their money rows (they are never edited), lose
  the duplicate reference and get a task for the accountant to refund or re-use the money.
- Invoice codes carry the school (`reference.invoice_reference`) and are unique across the
  deployment. Every invoice gets its new code; payments and signed receipts keep the code they
  were made with, and a transfer still naming an old code waits in the queue for the accountant.
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def _damm_code(prefix: str, number: int) -> str:
    # The invoice code as lms.billing.reference makes it, frozen here so this revision never changes.
    omega = (0, 2, 3, 1)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def op_(x, y):
        x1, x2 = divmod(x, 9)
        y1, y2 = divmod(y, 9)
        return 9 * (omega[x1] ^ y1) + (2 * x2 + y2) % 9

    body = f"{prefix}{number:010d}"
    state = 0
    for ch in body:
        state = op_(state, alphabet.index(ch))
    s1, s2 = divmod(state, 9)
    return body + alphabet[9 * omega[s1] + (-2 * s2) % 9]


def upgrade():
    bind = op.get_bind()
    op.create_table('bank_sightings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('bank_transaction_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('provider_txn_id', sa.String(length=64), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_transaction_id'], ['bank_transactions.id'], name=op.f('fk_bank_sightings_bank_transaction_id_bank_transactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_bank_sightings_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_sightings')),
    sa.UniqueConstraint('school_id', 'source', 'provider_txn_id', name=op.f('uq_bank_sightings_school_id_source_provider_txn_id'))
    )
    with op.batch_alter_table('bank_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_sightings_bank_transaction_id'), ['bank_transaction_id'], unique=False)
    op.execute("INSERT INTO bank_sightings (school_id, bank_transaction_id, source, provider_txn_id, bank_reference, "
               "seen_at) SELECT school_id, id, source, provider_txn_id, bank_reference, created_at FROM bank_transactions")

    # Credits recorded twice under one bank reference (the defect this revision ends).
    twice = bind.execute(sa.text(
        "SELECT b.id, b.school_id, b.amount, b.bank_reference, b.payment_id, "
        "(SELECT MIN(f.id) FROM bank_transactions f WHERE f.school_id = b.school_id "
        " AND f.bank_reference = b.bank_reference) AS first_id "
        "FROM bank_transactions b WHERE b.bank_reference <> '' AND b.id > (SELECT MIN(f.id) FROM bank_transactions f "
        "WHERE f.school_id = b.school_id AND f.bank_reference = b.bank_reference)")).all()
    for row_id, school_id, amount, reference, payment_id, first_id in twice:
        note = f"Cùng số tham chiếu {reference} với giao dịch #{first_id}: có thể đã ghi hai lần"[:300]
        bind.execute(sa.text("UPDATE bank_transactions SET bank_reference = '', note = :note WHERE id = :id"),
                     {"note": note, "id": row_id})
        bind.execute(sa.text("INSERT INTO billing_tasks (school_id, kind, message, payment_id, bank_transaction_id, "
                             "created_at, resolution) VALUES (:school, 'duplicate', :message, :payment, :row, "
                             "CURRENT_TIMESTAMP, '')"),
                     {"school": school_id, "payment": payment_id, "row": row_id,
                      "message": f"{amount} đ: {note}. Kiểm tra và hoàn lại hoặc dùng tiền thừa."[:300]})
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.create_index('uq_bank_transactions_reference', ['school_id', 'bank_reference'], unique=True,
                              sqlite_where=sa.text("bank_reference <> ''"),
                              postgresql_where=sa.text("bank_reference <> ''"))
        batch_op.create_index('ix_bank_transactions_school_amount', ['school_id', 'amount', 'transacted_at'],
                              unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_invoices_school_id_code', type_='unique')
    rows = bind.execute(sa.text("SELECT id, school_id, number FROM invoices")).all()
    for invoice_id, school_id, number in rows:
        if not (0 < school_id < 10**4 and 0 < number < 10**6):
            raise RuntimeError(f"invoice {invoice_id}: school {school_id} or number {number} does not fit the code")
    if rows:
        bind.execute(sa.text("UPDATE invoices SET code = :code WHERE id = :id"),
                     [{"id": i, "code": _damm_code("HP", s * 10**6 + n)} for i, s, n in rows])
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_invoices_code'), ['code'])


def downgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_invoices_code'), type_='unique')
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, number FROM invoices")).all()
    if rows:
        bind.execute(sa.text("UPDATE invoices SET code = :code WHERE id = :id"),
                     [{"id": i, "code": _damm_code("HP", n)} for i, n in rows])
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_invoices_school_id_code', ['school_id', 'code'])
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_transactions_school_amount')
        batch_op.drop_index('uq_bank_transactions_reference')
    with op.batch_alter_table('bank_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_sightings_bank_transaction_id'))
    op.drop_table('bank_sightings')
