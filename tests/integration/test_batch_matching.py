"""The batched statement path gives exactly what the one-by-one path gives, on both databases:
the same transaction statuses, invoices, allocations, credit, tasks, ledger and receipts, for
statements generated to mix every case — one code paid in parts, two credits for one invoice,
more than due, several codes (summing or not), unknown and missing codes, a void invoice, a
paid one, duplicate lines and lines already imported."""
from __future__ import annotations

import json
import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.billing import ledger, matching, payments, receipts
from lms.billing.models import (Allocation, BankTransaction, BillingTask, Invoice, InvoiceEvent, Payment, Receipt,
                                StudentAccount)
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.billing_helpers import issue, set_up_fees


def _fingerprint(s, school_id: int, signer) -> dict:
    bank = sorted((t.provider_txn_id, t.status, t.invoice_id, t.note, t.amount) for t in s.scalars(
        select(BankTransaction).where(BankTransaction.school_id == school_id)))
    pays = sorted((p.provider_txn_id, p.invoice_id, p.amount, p.applied, p.payer_name, p.invoice_code)
                  for p in s.scalars(select(Payment).where(Payment.school_id == school_id)))
    allocations = sorted((a.invoice_id, a.line_id, a.amount) for a in s.scalars(select(Allocation)))
    invoices = sorted((i.id, i.paid, i.status) for i in s.scalars(select(Invoice).where(Invoice.school_id == school_id)))
    events = sorted((e.invoice_id, e.action, e.from_status, e.to_status, e.amount) for e in s.scalars(
        select(InvoiceEvent).where(InvoiceEvent.action == "payment")))
    tasks = sorted((t.kind, t.message) for t in s.scalars(select(BillingTask).where(BillingTask.school_id == school_id)))
    credit = sorted((a.student_id, a.credit) for a in s.scalars(select(StudentAccount)))
    found = s.scalars(select(Receipt).where(Receipt.school_id == school_id)).all()
    assert all(receipts.verify_receipt(s, r.token, signer).authentic for r in found)
    numbers = sorted(r.number for r in found)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True
    texts = sorted(json.dumps({**json.loads(r.snapshot), "token": "", "payment_id": 0}) for r in found)  # ids differ
    return {"bank": bank, "payments": pays, "allocations": allocations, "invoices": invoices, "events": events,
            "tasks": tasks, "credit": credit, "receipts": len(found), "receipt_texts": texts,
            "trial": ledger.trial_balance(s, school_id), "unbalanced": ledger.unbalanced(s)}


def _transfers(rng: random.Random, invoices: list[Invoice], n: int) -> list[matching.TransferIn]:
    start = utcnow() - timedelta(days=2)
    out = []
    for k in range(n):
        a, b = rng.sample(invoices, 2)
        kind = rng.choice(["part", "part", "full", "over", "two", "two_wrong", "none", "unknown", "dup"])
        amount, content = {
            "part": (max(1000, a.due // 3), f"{a.code.lower()} nop hoc phi"),
            "full": (a.due, f"HP {a.code[2:]} con nop"),
            "over": (a.due + 30_000, f"{a.code}"),
            "two": (a.due + b.due, f"{a.code} va {b.code}"),
            "two_wrong": (a.due + b.due + 1, f"{a.code} {b.code}"),
            "none": (120_000, "chuyen tien"),
            "unknown": (90_000, "HP0000099999X"),
            "dup": (50_000, f"{a.code}"),
        }[kind]
        txn = f"FT{k:06d}" if kind != "dup" or not out else out[-1].provider_txn_id
        out.append(matching.TransferIn("statement", txn, max(amount, 1000), content, start + timedelta(minutes=k),
                                       counter_name=f"PHU HUYNH {k}"))
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n=st.integers(5, 40))
def test_the_batched_path_records_what_the_one_by_one_path_records(app, world, dbs, seed, n):
    rng = random.Random(seed)
    signer = signer_from_config(app.config)
    with dbs() as s:
        if not s.scalar(select(func.count()).select_from(Invoice)):
            set_up_fees(s, world.a)
            issue(s, world.a)
            school = s.get(School, world.a.school.id)
            first = s.scalars(select(Invoice).where(Invoice.school_id == school.id).order_by(Invoice.id)).all()
            payments.void_invoice(s, world.a.accountant, first[0], "Nhập nhầm", now=utcnow())
            s.commit()
        school = s.get(School, world.a.school.id)
        invoices = s.scalars(select(Invoice).where(Invoice.school_id == school.id).order_by(Invoice.id)).all()
        transfers = _transfers(rng, invoices, n)
        earlier = transfers[: n // 4]   # imported before: the statement repeats them
        now = utcnow()
        for t in earlier:
            matching.receive_transfer(s, school, t, signer=signer, now=now)
        s.flush()
        for t in transfers:
            matching.receive_transfer(s, school, t, signer=signer, now=now)
        one_by_one = _fingerprint(s, school.id, signer)
        s.rollback()
        school = s.get(School, world.a.school.id)
        for t in earlier:
            matching.receive_transfer(s, school, t, signer=signer, now=now)
        s.flush()
        got = matching.receive_many(s, school, transfers, now=now)
        assert len(got) == len(transfers)
        # The statement's receipts are made after the commit by a job (receipts.issue_later_many):
        # its work, done here in the same transaction, gives what the one-by-one path gave.
        receipts.issue_missing(s, list(s.scalars(select(Payment.id).where(Payment.school_id == school.id))), signer, now)
        batched = _fingerprint(s, school.id, signer)
        s.rollback()
    assert batched == one_by_one
