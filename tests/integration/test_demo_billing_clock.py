"""The demo's money happens in the demo's past, in order: an invoice is issued before any payment
on it, and nothing — invoice, payment, receipt, credit note, refund — is dated after the demo's
clock. Seeded on the world's school with the clock at 08:00 on the first day of a month, the
worst moment: that month's run and its payments were drawn at random school hours of the day,
later than the clock (and the payment form refuses a time received before its invoice)."""
from __future__ import annotations

import random
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from lms.billing.models import Allocation, CreditNote, Invoice, Payment, Receipt, Refund
from lms.core.signing import Signer
from lms.core.timeutil import local_to_utc
from lms.demo.billing import seed_billing
from lms.people.models import School


def test_demo_billing_never_dates_money_before_its_invoice_nor_after_the_clock(world, dbs):
    clock = local_to_utc(datetime(2026, 12, 1, 8, 0), "Asia/Ho_Chi_Minh")
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        school.bank_bin, school.bank_account_number, school.bank_account_name = "970436", "0071000123456", "TRUONG THU A"
        seed_billing(s, school, world.a.accountant, random.Random(7), clock, signer=Signer(Ed25519PrivateKey.generate()))
        s.commit()
    with dbs() as s:
        invoices = s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id)).all()
        assert invoices and all(i.issued_at <= clock for i in invoices)
        paid = s.execute(select(Payment, Invoice).join(Allocation, Allocation.payment_id == Payment.id)
                         .join(Invoice, Invoice.id == Allocation.invoice_id)
                         .where(Payment.school_id == world.a.school.id)).all()
        assert paid
        for payment, invoice in paid:
            assert invoice.issued_at <= payment.received_at <= clock, (invoice.code, payment.received_at)
        for model, column in ((Receipt, Receipt.issued_at), (CreditNote, CreditNote.created_at),
                              (Refund, Refund.approved_at)):
            assert all(when <= clock for when in s.scalars(select(column).where(model.school_id == world.a.school.id)))
