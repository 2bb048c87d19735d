"""Bank transfers to the school's account, from SePay, Casso, payOS or an imported statement:
stored once per source and provider id, matched to invoices by the payment reference in the
transfer content (domain/payments.md §7), and otherwise queued for the accountant.

The rules (§7.3): only credits count; one known reference settles its invoice (less is a
partial payment, more leaves credit and a task); several references are applied only when the
amount equals the sum of what they owe; an unknown reference, an invoice already settled or
void, or no reference at all goes to the queue — money is never dropped or guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.core.numbers import money
from lms.auth.models import User
from lms.billing import payments, states
from lms.billing.models import BankTransaction, BillingTask, Invoice, Method, TransferStatus
from lms.billing.reference import extract_references, is_valid_reference
from lms.core import audit
from lms.db import insert_objects
from lms.core.errors import ValidationError
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l
from lms.people.models import School, Student


@dataclass
class TransferIn:
    source: str
    provider_txn_id: str
    amount: int
    content: str
    transacted_at: datetime
    bank_reference: str = ""
    counter_name: str = ""
    counter_account: str = ""
    account_number: str = ""
    code: str | None = None          # SePay's own extraction, validated like any other


@dataclass
class Received:
    transaction: BankTransaction | None
    created: bool


def task(session: Session, school_id: int, kind: str, message: str, **refs) -> BillingTask:
    row = BillingTask(school_id=school_id, kind=kind, message=message[:300], **refs)
    session.add(row)
    return row


def references_in(t: TransferIn) -> list[str]:
    refs = extract_references(t.content or "")
    if t.code and is_valid_reference(t.code.strip().upper()) and t.code.strip().upper() not in refs:
        refs.insert(0, t.code.strip().upper())
    return refs


def receive_transfer(session: Session, school: School, t: TransferIn, *, signer, now: datetime) -> Received:
    """Store one reported credit and match it. A redelivery (same source and id) records nothing."""
    if t.amount <= 0:
        return Received(None, False)
    row = BankTransaction(school_id=school.id, source=t.source, provider_txn_id=str(t.provider_txn_id)[:64],
                          bank_reference=(t.bank_reference or "")[:64], amount=t.amount,
                          content=nfc(t.content or "")[:500], counter_name=nfc(t.counter_name or "")[:120],
                          counter_account=(t.counter_account or "")[:40], account_number=(t.account_number or "")[:40],
                          transacted_at=t.transacted_at, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = session.scalars(select(BankTransaction).where(
            BankTransaction.school_id == school.id, BankTransaction.source == t.source,
            BankTransaction.provider_txn_id == str(t.provider_txn_id)[:64])).first()
        return Received(existing, False)
    codes = references_in(t)
    invoices = {i.code: i for i in session.scalars(select(Invoice).where(Invoice.school_id == school.id,
                                                                         Invoice.code.in_(codes or [""])))}
    known = [invoices[c] for c in codes if c in invoices]
    parts = _decide(row, known, t.amount, lambda i: (i.status, i.due))
    if parts:
        _settle(session, school, row, parts, signer=signer, now=now)
    if row.status == TransferStatus.UNMATCHED:
        task(session, school.id, "unmatched", f"{money(t.amount)} đ — {row.content[:120]}",
             bank_transaction_id=row.id)
    session.flush()
    return Received(row, True)


def _decide(row: BankTransaction, known: list[Invoice], amount: int, now_of) -> list[tuple[Invoice, int]]:
    """The matching rules (§7.3) for a credit whose content names the `known` invoices; `now_of`
    gives an invoice's (status, due) at this moment. Returns what to pay on which invoice, or
    [] after writing on the row why it waits in the queue."""
    if len(known) == 1:
        invoice = known[0]
        status, _ = now_of(invoice)
        if status in states.OPEN:
            return [(invoice, amount)]
        row.note = str(_l("Hoá đơn %(c)s đã huỷ", c=invoice.code) if status == "void"
                       else _l("Hoá đơn %(c)s đã nộp đủ", c=invoice.code))
        row.invoice_id = invoice.id
        return []
    if len(known) > 1 and all(now_of(i)[0] in states.OPEN for i in known) and sum(now_of(i)[1] for i in known) == amount:
        return [(i, now_of(i)[1]) for i in known]
    row.note = str(_l("Không tìm thấy mã hoá đơn trong nội dung")) if not known else str(
        _l("Nhiều mã hoá đơn, số tiền không khớp tổng phải nộp"))
    return []


def _payment_input(row: BankTransaction, invoice: Invoice, amount: int, n: int, parts: int) -> payments.PaymentInput:
    return payments.PaymentInput(Method.QR, amount, row.counter_name or invoice.payer_name, row.transacted_at,
                                 note=row.content[:300], channel="vietqr_bank", provider=row.source,
                                 provider_txn_id=row.provider_txn_id if parts == 1 else f"{row.provider_txn_id}#{n}")


def _linked(session: Session, school: School, row: BankTransaction, invoice_id: int, code: str, payment,
            status: str) -> None:
    if payment.applied < payment.amount:
        task(session, school.id, "overpaid", f"{code}: {money(payment.amount - payment.applied)} đ thừa",
             payment_id=payment.id, bank_transaction_id=row.id)
    row.payment_id = row.payment_id or payment.id
    row.invoice_id = row.invoice_id or invoice_id
    row.status = status


def _settle(session: Session, school: School, row: BankTransaction, parts: list[tuple[Invoice, int]], *, signer,
            now: datetime, actor: User | None = None, status: str = TransferStatus.MATCHED) -> None:
    for n, (invoice, amount) in enumerate(parts, start=1):
        student = session.get(Student, invoice.student_id)
        payment = payments.record_payment(session, actor, school, student, invoice,
                                          _payment_input(row, invoice, amount, n, len(parts)), signer=signer, now=now)
        _linked(session, school, row, invoice.id, invoice.code, payment, status)


def receive_many(session: Session, school: School, transfers: list[TransferIn], *, signer, now: datetime) -> list[Received]:
    """`receive_transfer` for a whole statement at once, with the same rules and the same rows,
    in batched statements: credits already stored (same source and id) record nothing; the
    others are matched in order against what each invoice owes at that point (two credits for
    one invoice: the second sees what the first left) and recorded with `payments.record_many`."""
    rows: list[tuple[BankTransaction | None, bool]] = []
    wanted: dict[tuple[str, str], int] = {}
    for t in transfers:
        key = (t.source, str(t.provider_txn_id)[:64])
        if t.amount <= 0 or key in wanted:
            rows.append((None, False))
            continue
        wanted[key] = len(rows)
        rows.append((BankTransaction(school_id=school.id, source=t.source, provider_txn_id=key[1],
                                     bank_reference=(t.bank_reference or "")[:64], amount=t.amount,
                                     content=nfc(t.content or "")[:500], counter_name=nfc(t.counter_name or "")[:120],
                                     counter_account=(t.counter_account or "")[:40],
                                     account_number=(t.account_number or "")[:40], transacted_at=t.transacted_at,
                                     created_at=now), True))
    stored = {}
    keys = sorted(wanted)
    for chunk in (keys[i:i + 500] for i in range(0, len(keys), 500)):
        for source in sorted({k[0] for k in chunk}):   # (school, source, id) is the unique index
            for row in session.scalars(select(BankTransaction).where(
                    BankTransaction.school_id == school.id, BankTransaction.source == source,
                    BankTransaction.provider_txn_id.in_([k[1] for k in chunk if k[0] == source]))):
                stored[(row.source, row.provider_txn_id)] = row
    for key, index in wanted.items():
        if key in stored:
            rows[index] = (stored[key], False)
    refs = {i: references_in(t) for i, t in enumerate(transfers) if rows[i][1]}
    codes = sorted({c for found in refs.values() for c in found})
    invoices: dict[str, Invoice] = {}
    for chunk in (codes[i:i + 500] for i in range(0, len(codes), 500)):
        invoices.update({i.code: i for i in session.scalars(select(Invoice).where(Invoice.school_id == school.id,
                                                                                  Invoice.code.in_(chunk)))})
    owed = {i.id: [i.status, i.due] for i in invoices.values()}
    plan: list[tuple[BankTransaction, Invoice, int, int, int]] = []
    for index, found in refs.items():
        row = rows[index][0]
        parts = _decide(row, [invoices[c] for c in found if c in invoices], row.amount, lambda i: tuple(owed[i.id]))
        for n, (invoice, amount) in enumerate(parts, start=1):
            plan.append((row, invoice, amount, n, len(parts)))
            left = owed[invoice.id][1] - amount
            owed[invoice.id] = ["paid" if left <= 0 else "partial", max(left, 0)]
    named = [(row, invoice.id, invoice.code) for row, invoice, *_ in plan]   # before record_many expires them
    recorded = payments.record_many(session, None, school,
                                    [(inv, _payment_input(row, inv, amount, n, k)) for row, inv, amount, n, k in plan],
                                    signer=signer, now=now)
    overpaid = []
    for (row, invoice_id, code), payment in zip(named, recorded, strict=True):
        row.payment_id = row.payment_id or payment.id
        row.invoice_id = row.invoice_id or invoice_id
        row.status = TransferStatus.MATCHED
        if payment.applied < payment.amount:
            overpaid.append((row, code, payment))
    # The rows go in complete (payment, invoice, status), then the tasks that point at them.
    new_rows = [row for row, created in rows if created]
    insert_objects(session, new_rows, ids=True)
    insert_objects(session, [
        *(BillingTask(school_id=school.id, kind="overpaid", payment_id=payment.id, bank_transaction_id=row.id,
                      message=f"{code}: {money(payment.amount - payment.applied)} đ thừa"[:300])
          for row, code, payment in overpaid),
        *(BillingTask(school_id=school.id, kind="unmatched", bank_transaction_id=row.id,
                      message=f"{money(row.amount)} đ — {row.content[:120]}"[:300])
          for row in new_rows if row.status == TransferStatus.UNMATCHED)])
    return [Received(row, created) for row, created in rows]


def queue(session: Session, school: School, status: str = TransferStatus.UNMATCHED):
    return (select(BankTransaction).where(BankTransaction.school_id == school.id, BankTransaction.status == status)
            .order_by(BankTransaction.transacted_at.desc(), BankTransaction.id.desc()))


def assign_transfer(session: Session, actor: User, row: BankTransaction, invoice_code: str, *, signer,
                    now: datetime) -> None:
    """The accountant says which invoice an unmatched transfer pays (it may leave credit)."""
    if row.status != TransferStatus.UNMATCHED:
        raise ValidationError(_l("Giao dịch này đã được xử lý."))
    code = (invoice_code or "").strip().upper()
    invoice = session.scalars(select(Invoice).where(Invoice.school_id == row.school_id, Invoice.code == code)).first()
    if invoice is None:
        raise ValidationError(_l("Không có hoá đơn mã “%(c)s”.", c=invoice_code), field="invoice_code")
    school = session.get(School, row.school_id)
    _settle(session, school, row, [(invoice, row.amount)], signer=signer, now=now, actor=actor,
            status=TransferStatus.ASSIGNED)
    row.resolved_by = actor.id
    _close_tasks(session, row, actor, now, f"Gán cho {code}")
    audit.record(session, "transfer_assigned", actor_id=actor.id, school_id=row.school_id,
                 subject_type="bank_transaction", subject_id=row.id, detail=code)
    session.flush()


def ignore_transfer(session: Session, actor: User, row: BankTransaction, note: str, *, now: datetime) -> None:
    """Set aside a credit that is not a fee (a donation, bank interest…), with the reason."""
    note = nfc(note).strip()
    if row.status != TransferStatus.UNMATCHED:
        raise ValidationError(_l("Giao dịch này đã được xử lý."))
    if not note:
        raise ValidationError(_l("Nhập lý do không tính khoản này vào học phí."), field="note")
    row.status, row.note, row.resolved_by = TransferStatus.IGNORED, note[:300], actor.id
    _close_tasks(session, row, actor, now, note)
    audit.record(session, "transfer_ignored", actor_id=actor.id, school_id=row.school_id,
                 subject_type="bank_transaction", subject_id=row.id)
    session.flush()


def _close_tasks(session: Session, row: BankTransaction, actor: User, now: datetime, text: str) -> None:
    for t in session.scalars(select(BillingTask).where(BillingTask.bank_transaction_id == row.id,
                                                       BillingTask.resolved_at.is_(None))):
        t.resolved_at, t.resolved_by, t.resolution = now, actor.id, text[:300]


def open_tasks(session: Session, school: School) -> list[BillingTask]:
    return list(session.scalars(select(BillingTask).where(BillingTask.school_id == school.id,
                                                          BillingTask.resolved_at.is_(None))
                                .order_by(BillingTask.id.desc()).limit(200)))


def latest_transfer(session: Session, school_id: int) -> BankTransaction | None:
    return session.scalars(select(BankTransaction).where(BankTransaction.school_id == school_id)
                           .order_by(BankTransaction.id.desc())).first()


def resolve_task(session: Session, actor: User, row: BillingTask, resolution: str, *, now: datetime) -> None:
    """The accountant has dealt with a task (refunded, used the credit, called the bank…) and says how."""
    resolution = nfc(resolution).strip()
    if not resolution:
        raise ValidationError(_l("Ghi cách đã xử lý."), field="resolution")
    if row.resolved_at is None:
        row.resolved_at, row.resolved_by, row.resolution = now, actor.id, resolution[:300]
        audit.record(session, "billing_task_resolved", actor_id=actor.id, school_id=row.school_id,
                     subject_type="billing_task", subject_id=row.id)
        session.flush()
