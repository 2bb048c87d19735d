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

from lms.auth.models import User
from lms.billing import payments, states
from lms.billing.models import BankTransaction, BillingTask, Invoice, Method, TransferStatus
from lms.billing.reference import extract_references, is_valid_reference
from lms.core import audit
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
    if len(known) == 1:
        invoice = known[0]
        if invoice.status in states.OPEN:
            _settle(session, school, row, [(invoice, t.amount)], signer=signer, now=now)
        else:
            row.note = str(_l("Hoá đơn %(c)s đã huỷ", c=invoice.code) if invoice.status == "void"
                           else _l("Hoá đơn %(c)s đã nộp đủ", c=invoice.code))
            row.invoice_id = invoice.id
    elif len(known) > 1 and all(i.status in states.OPEN for i in known) and sum(i.due for i in known) == t.amount:
        _settle(session, school, row, [(i, i.due) for i in known], signer=signer, now=now)
    else:
        row.note = str(_l("Không tìm thấy mã hoá đơn trong nội dung")) if not known else str(
            _l("Nhiều mã hoá đơn, số tiền không khớp tổng phải nộp"))
    if row.status == TransferStatus.UNMATCHED:
        task(session, school.id, "unmatched", f"{payments.money(t.amount)} đ — {row.content[:120]}",
             bank_transaction_id=row.id)
    session.flush()
    return Received(row, True)


def _settle(session: Session, school: School, row: BankTransaction, parts: list[tuple[Invoice, int]], *, signer,
            now: datetime, actor: User | None = None, status: str = TransferStatus.MATCHED) -> None:
    for n, (invoice, amount) in enumerate(parts, start=1):
        student = session.get(Student, invoice.student_id)
        txn_id = row.provider_txn_id if len(parts) == 1 else f"{row.provider_txn_id}#{n}"
        data = payments.PaymentInput(Method.QR, amount, row.counter_name or invoice.payer_name, row.transacted_at,
                                     note=row.content[:300], channel="vietqr_bank", provider=row.source,
                                     provider_txn_id=txn_id)
        payment = payments.record_payment(session, actor, school, student, invoice, data, signer=signer, now=now)
        if payment.applied < payment.amount:
            task(session, school.id, "overpaid", f"{invoice.code}: {payments.money(payment.amount - payment.applied)} đ thừa",
                 payment_id=payment.id, bank_transaction_id=row.id)
        row.payment_id = row.payment_id or payment.id
        row.invoice_id = row.invoice_id or invoice.id
    row.status = status


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
