"""A random walk over billing operations — pay any amount by any method, use credit, credit-note,
void, refund, pay out — checking after every step that money is neither lost nor counted twice:
every ledger transaction sums to zero, each invoice's receivable in the ledger equals what it
still asks for, its status agrees with its totals, each family's credit equals the ledger's
unapplied balance, and no payment is refunded beyond its amount."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from lms.billing import ledger, payments, states
from lms.billing.models import Account, Invoice, InvoiceStatus, Method, Payment, Refund, RefundStatus, StudentAccount
from lms.core.errors import DomainError
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.billing_helpers import issue, set_up_fees


def _check(s, school_id: int) -> None:
    assert ledger.unbalanced(s) == []
    for inv in s.scalars(select(Invoice).where(Invoice.school_id == school_id)):
        owed = 0 if inv.status == InvoiceStatus.VOID else inv.due
        assert ledger.balance(s, school_id, Account.RECEIVABLE, invoice_id=inv.id) == owed, inv.id
        if inv.status != InvoiceStatus.VOID:
            assert inv.status == states.status_for(inv.total, inv.paid, inv.credited)
    for account in s.scalars(select(StudentAccount).where(StudentAccount.school_id == school_id)):
        assert -ledger.balance(s, school_id, Account.UNAPPLIED, student_id=account.student_id) == account.credit
    for p in s.scalars(select(Payment).where(Payment.school_id == school_id)):
        refunded = s.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.payment_id == p.id))
        assert refunded == p.refunded <= p.amount
    approved = s.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
        Refund.school_id == school_id, Refund.status == RefundStatus.APPROVED))
    assert -ledger.balance(s, school_id, Account.REFUNDS) == approved


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_walk_keeps_every_invariant(app, world, dbs, seed):
    rng = random.Random(seed)
    signer = signer_from_config(app.config)
    with dbs() as s:
        set_up_fees(s, world.a)
        for month in (9, 10):
            issue(s, world.a, month)
        s.commit()
        school = s.get(School, world.a.school.id)
        acc = world.a.accountant
        done = {"pay": 0, "credit": 0, "credit_note": 0, "void": 0, "refund": 0, "payout": 0, "refused": 0}
        for _step in range(120):
            invoices = list(s.scalars(select(Invoice).where(Invoice.school_id == school.id)))
            inv = rng.choice(invoices)
            op = rng.choices(list(done)[:-1], [6, 1, 1, 1, 2, 1])[0]
            try:
                if op == "pay":
                    method = rng.choice([Method.CASH, Method.CARD_POS, Method.QR])
                    extra = ({"terminal_id": "ND000501", "approval_code": "A1B2C3",
                              "rrn": f"{rng.randrange(10**12):012d}", "card_last4": "4242"}
                             if method == Method.CARD_POS else {})
                    amount = rng.choice([inv.due or 1, 1, 50_000, 700_000, 2_000_000, rng.randint(1, 3_000_000)])
                    payments.record_payment(s, acc, school, inv.student, rng.choice([inv, None]),
                                            payments.PaymentInput(method, amount, "Phụ Huynh", utcnow(), **extra),
                                            signer=signer, now=utcnow())
                elif op == "credit":
                    payments.apply_credit(s, acc, inv, None, now=utcnow())
                elif op == "credit_note":
                    payments.add_credit_note(s, acc, inv, rng.randint(1, max(1, inv.total - inv.credited)),
                                             "Điều chỉnh", now=utcnow())
                elif op == "void":
                    payments.void_invoice(s, acc, inv, "Lập nhầm", now=utcnow())
                elif op == "refund":
                    paid = list(s.scalars(select(Payment).where(Payment.school_id == school.id)))
                    if not paid:
                        continue
                    p = rng.choice(paid)
                    payments.request_refund(s, acc, p, rng.randint(1, 600_000), rng.choice(["cash", "bank"]),
                                            "Hoàn", now=utcnow())
                else:
                    pending = list(s.scalars(select(Refund).where(Refund.school_id == school.id,
                                                                  Refund.status == RefundStatus.APPROVED)))
                    if not pending:
                        continue
                    payments.pay_refund(s, acc, rng.choice(pending), "FT123", now=utcnow())
                s.commit()
                done[op] += 1
            except DomainError:
                s.rollback()
                done["refused"] += 1
            _check(s, school.id)
        assert done["pay"] > 30 and done["refund"] > 0 and done["refused"] > 0, done
