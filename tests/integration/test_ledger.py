"""The ledger's guarantees: every posting balances, no row is ever changed or removed — checked
by the database itself — and concurrent payments, credit uses and refunds never settle or give
back the same money twice (PostgreSQL, real threads released together)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from lms.billing import ledger, payments
from lms.billing.models import Account, Invoice, InvoiceStatus, LedgerLine, LedgerTransaction, Method, Payment, Refund
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.people.models import School, Student
from tests.billing_helpers import issue, set_up_fees


def _issued(dbs, world) -> int:
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        return s.scalars(select(Invoice.id).where(Invoice.student_id == world.a.students["HSA001"].id)).one()


def test_ledger_rows_cannot_be_updated_or_deleted(app, world, dbs):
    _issued(dbs, world)
    with app.app_context():
        for sql in ("UPDATE ledger_lines SET debit = debit + 1 WHERE id = (SELECT min(id) FROM ledger_lines)",
                    "DELETE FROM ledger_lines WHERE id = (SELECT min(id) FROM ledger_lines)",
                    "UPDATE ledger_transactions SET memo = 'x'",
                    "DELETE FROM ledger_transactions"):
            with pytest.raises(DBAPIError) as err:
                with db.engine.begin() as conn:
                    conn.execute(text(sql))
            assert "append-only" in str(err.value)


def test_an_unbalanced_posting_is_refused_by_the_service_and_by_the_database(app, world, dbs, backend):
    _issued(dbs, world)
    with dbs() as s:
        with pytest.raises(ledger.Unbalanced):
            ledger.post(s, world.a.school.id, "test", [ledger.dr(Account.CASH, 100), ledger.cr(Account.BANK, 99)],
                        actor_id=None)
    if backend != "postgresql":
        return
    with app.app_context():
        with pytest.raises(IntegrityError) as err:
            with db.engine.begin() as conn:
                txn = conn.execute(text("INSERT INTO ledger_transactions (school_id, kind, at, memo) "
                                        "VALUES (:s, 'test', now(), '') RETURNING id"), {"s": world.a.school.id}).scalar()
                conn.execute(text("INSERT INTO ledger_lines (transaction_id, account, debit, credit) "
                                  "VALUES (:t, '111', 100, 0), (:t, '112', 0, 99)"), {"t": txn})
        assert err.value.orig.sqlstate == "23514"
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ledger_transactions WHERE kind = 'test'")).scalar() == 0


def _threads(app, count: int, work) -> list:
    """Run `work(session, i)` in `count` threads released together; returns results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        with app.app_context():
            with Session(db.engine, expire_on_commit=False) as s:
                barrier.wait()
                try:
                    results[i] = work(s, i)
                    s.commit()
                except Exception as exc:  # noqa: BLE001 - the test counts refusals
                    s.rollback()
                    results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_payments_of_one_invoice_settle_it_once_and_keep_the_rest_as_credit(app, world, dbs):
    invoice_id = _issued(dbs, world)
    signer = signer_from_config(app.config)

    def pay(s, i):
        school = s.get(School, world.a.school.id)
        invoice = s.get(Invoice, invoice_id)
        student = s.get(Student, invoice.student_id)
        data = payments.PaymentInput(Method.CASH if i % 2 else Method.CARD_POS, 400_000, "Nguyễn Thị Lan", utcnow(),
                                     terminal_id="12345678", approval_code=f"{i:06d}", rrn=f"{i:012d}",
                                     card_last4="4242")
        return payments.record_payment(s, s.get(type(world.a.accountant), world.a.accountant.id), school, student,
                                       invoice, data, signer=signer, now=utcnow()).id

    results = _threads(app, 12, pay)
    assert all(isinstance(r, int) for r in results), results
    with dbs() as s:
        invoice = s.get(Invoice, invoice_id)
        assert invoice.status == InvoiceStatus.PAID and invoice.paid == invoice.total == 1_531_800
        credit = payments.credit_of(s, invoice.student_id)
        assert credit == 12 * 400_000 - 1_531_800
        school_id = world.a.school.id
        assert ledger.unbalanced(s) == [] and sum(ledger.trial_balance(s, school_id).values()) == 0
        assert ledger.balance(s, school_id, Account.RECEIVABLE, invoice_id=invoice_id) == 0
        assert -ledger.balance(s, school_id, Account.UNAPPLIED, student_id=invoice.student_id) == credit
        assert s.scalar(select(db.func.count()).select_from(LedgerTransaction).where(
            LedgerTransaction.kind == "payment", LedgerTransaction.school_id == school_id)) == 12
        # Ledger lines of the payments reference every payment once.
        paid_ids = set(s.scalars(select(LedgerLine.payment_id).where(LedgerLine.account.in_([Account.CASH, Account.CLEARING]),
                                                                    LedgerLine.payment_id.in_(results))))
        assert paid_ids == set(results)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_refunds_of_one_payment_give_back_once(app, world, dbs):
    invoice_id = _issued(dbs, world)
    signer = signer_from_config(app.config)
    with dbs() as s:
        invoice = s.get(Invoice, invoice_id)
        payment = payments.record_payment(s, world.a.accountant, s.get(School, world.a.school.id),
                                          s.get(Student, invoice.student_id), invoice,
                                          payments.PaymentInput(Method.CASH, 3_031_800, "Nguyễn Thị Lan", utcnow()),
                                          signer=signer, now=utcnow())
        s.commit()
        payment_id = payment.id

    def refund(s, i):
        return payments.request_refund(s, s.get(type(world.a.accountant), world.a.accountant.id),
                                       s.get(Payment, payment_id), 1_000_000, "cash", "Hoàn", now=utcnow()).id

    results = _threads(app, 10, refund)
    ok = [r for r in results if isinstance(r, int)]
    assert len(ok) == 1, results
    with dbs() as s:
        assert s.get(Payment, payment_id).refunded == 1_000_000
        assert len(s.scalars(select(Refund).where(Refund.payment_id == payment_id)).all()) == 1
        assert payments.credit_of(s, s.get(Payment, payment_id).student_id) == 500_000
        assert ledger.unbalanced(s) == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_payments_with_one_idempotency_key_record_one(app, world, dbs):
    invoice_id = _issued(dbs, world)
    signer = signer_from_config(app.config)

    def pay(s, i):
        invoice = s.get(Invoice, invoice_id)
        return payments.record_payment(s, s.get(type(world.a.accountant), world.a.accountant.id),
                                       s.get(School, world.a.school.id), s.get(Student, invoice.student_id), invoice,
                                       payments.PaymentInput(Method.CASH, 500_000, "Nguyễn Thị Lan", utcnow(),
                                                             idempotency_key="same-form"),
                                       signer=signer, now=utcnow()).id

    results = _threads(app, 10, pay)
    assert len({r for r in results if isinstance(r, int)}) == 1, results
    with dbs() as s:
        assert s.get(Invoice, invoice_id).paid == 500_000
        assert ledger.unbalanced(s) == []
