"""Money in and out: payments (cash and card at the school; the channels of issue #9 call the
same `record_payment`), the family's credit, credit notes, voiding, and refunds.

Every change of an invoice's totals is one guarded UPDATE whose WHERE clause re-checks the
balance, in the same transaction as the money rows and the balanced ledger posting; two
payments arriving together can therefore never both settle the same amount: the second sees
what the first left and the rest becomes credit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.core.numbers import money
from lms.auth.models import User
from lms.billing import ledger, rules, states
from lms.billing.channels import registry
from lms.billing.ledger import Account, cr, dr
from lms.billing.models import (Allocation, Category, CreditNote, Invoice, InvoiceEvent, InvoiceLine,
                                InvoiceStatus, Method, Payment, Refund, RefundStatus, StudentAccount)
from lms.core import audit
from lms.core.cards import mask_card_numbers, refuse_card_numbers
from lms.core.models import AuditLog
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l, source_text
from lms.db import dialect_insert, insert_objects, plain_row
from lms.people.models import School, Student

# Where each method's money lands (domain/payments.md §1): card slips and gateways are money on
# its way to the bank until the settlement arrives.
MONEY_ACCOUNT = {Method.CASH: Account.CASH, Method.QR: Account.BANK, Method.CARD_POS: Account.CLEARING,
                 Method.WEBSITE: Account.CLEARING, Method.MOBILE_MONEY: Account.CLEARING}
CHANNELS = {Method.CASH: "cash", Method.CARD_POS: "pos"}
METHOD_LABELS = registry.METHOD_LABELS      # the one list of methods and their names
SCHEMES = ("NAPAS", "Visa", "Mastercard", "JCB", "UnionPay", "Amex")
TID_RE, APPROVAL_RE, RRN_RE, LAST4_RE = (re.compile(r"^[A-Z0-9]{8}$"), re.compile(r"^[A-Z0-9]{6}$"),
                                         re.compile(r"^\d{12}$"), re.compile(r"^\d{4}$"))
RETRIES = 8


@dataclass
class PaymentInput:
    method: str
    amount: int | None
    payer_name: str
    received_at: datetime
    note: str = ""
    terminal_id: str = ""
    approval_code: str = ""
    rrn: str = ""
    card_last4: str = ""
    card_scheme: str = ""
    idempotency_key: str | None = None
    channel: str | None = None           # set by the channels of issue #9
    provider: str | None = None
    provider_txn_id: str | None = None


FEED_MAX = 10**15 - 1      # what a bank or gateway may report in one credit (BIGINT-safe)


def _check(data: PaymentInput) -> PaymentInput:
    """Check a payment before it is recorded. What staff typed is refused when wrong (a full
    card number included, named on its field); what a bank or gateway reported (`provider` set)
    is never refused for its text: a card number in it is masked."""
    reported = bool(data.provider)
    if data.method not in set(Method):
        raise ValidationError(_l("Chọn hình thức thanh toán."), field="method")
    if data.amount is None or not 0 < data.amount <= (FEED_MAX if reported else rules.MAX_AMOUNT):
        raise ValidationError(_l("Số tiền phải lớn hơn 0 và dưới 500 triệu đồng."), field="amount")
    payer = nfc(data.payer_name).strip()
    if reported:
        data.payer_name = mask_card_numbers(payer)[0][:120] or "—"
        data.note = mask_card_numbers(nfc(data.note).strip())[0][:300]
    else:
        if not payer:
            raise ValidationError(_l("Nhập họ tên người nộp tiền."), field="payer_name")
        refuse_card_numbers(payer_name=payer, note=data.note, terminal_id=data.terminal_id,
                            approval_code=data.approval_code, rrn=data.rrn)
        data.payer_name, data.note = payer[:120], nfc(data.note).strip()[:300]
    if data.method == Method.CARD_POS:
        data.terminal_id = data.terminal_id.strip().upper()
        data.approval_code = data.approval_code.strip().upper()
        data.rrn, data.card_last4 = data.rrn.strip(), data.card_last4.strip()
        if not TID_RE.match(data.terminal_id):
            raise ValidationError(_l("Mã máy POS (TID) gồm đúng 8 chữ hoặc số, in trên hoá đơn thẻ."), field="terminal_id")
        if not APPROVAL_RE.match(data.approval_code):
            raise ValidationError(_l("Mã chuẩn chi gồm đúng 6 chữ hoặc số."), field="approval_code")
        if not RRN_RE.match(data.rrn):
            raise ValidationError(_l("Số tham chiếu (RRN) gồm đúng 12 chữ số."), field="rrn")
        if not LAST4_RE.match(data.card_last4):
            raise ValidationError(_l("Chỉ nhập 4 số cuối của thẻ."), field="card_last4")
        if data.card_scheme and data.card_scheme not in SCHEMES:
            raise ValidationError(_l("Chọn loại thẻ."), field="card_scheme")
    else:
        data.terminal_id = data.approval_code = data.rrn = data.card_last4 = data.card_scheme = ""
    return data


CLOCK_TOLERANCE = timedelta(minutes=5)     # a clock a little ahead of the server's is not "the future"
PAST_WINDOW = timedelta(days=731)          # a bank credit more than two years old is a typing or export mistake


def N_(message: str) -> str:
    """Marks a message for translation where it is defined (babel's N_), translated where it is used."""
    return message


FUTURE, TOO_OLD, BEFORE_ISSUE = (N_("%(w)s là sau lúc này (%(n)s)."), N_("%(w)s là hơn hai năm trước (trước %(d)s)."),
                                 N_("%(w)s là trước lúc phát hành hoá đơn (%(d)s)."))


def paid_at_problem(when: datetime, now: datetime, issued_at: datetime | None = None):
    """The one rule of a plausible moment for money received — a payment at the school, a bank
    statement's line, a feed's credit, a credit matched to an invoice: not in the future (beyond a
    few minutes of clock difference), not more than two years ago, and — for an invoice — not
    before it was issued (the receipt's series and the day's books follow this moment, so a wrong
    year would open another year's receipt series). None when plausible, else what is wrong."""
    from lms.core.timeutil import school_tz, utc_to_local

    def shown(moment: datetime) -> str:
        return f"{utc_to_local(moment, school_tz()):%d/%m/%Y %H:%M}"

    if when > now + CLOCK_TOLERANCE:
        return _l(FUTURE, w=shown(when), n=shown(now))
    if when < now - PAST_WINDOW:
        return _l(TOO_OLD, w=shown(when), d=shown(now - PAST_WINDOW))
    if issued_at is not None and when < issued_at - CLOCK_TOLERANCE:
        return _l(BEFORE_ISSUE, w=shown(when), d=shown(issued_at))
    return None


def _check_received_at(session: Session, received_at: datetime, invoice: Invoice | None, now: datetime) -> None:
    """When staff say the money was received: the one rule of `paid_at_problem`."""
    problem = paid_at_problem(received_at, now, invoice.issued_at if invoice is not None else None)
    if problem is not None:
        raise ValidationError(_l("Thời điểm nhận không hợp lệ: %(p)s", p=problem), field="received_at")


def _check_terminal(session: Session, school: School, terminal_id: str) -> None:
    """A card payment typed from a slip is on one of the school's own terminals (merchant
    identifiers belong to one school): another school's TID, or one configured nowhere, could
    never be settled by this school's bank report."""
    from lms.billing.channel_settings import terminals_of

    ours = terminals_of(session, school.id)
    if not ours:
        raise ValidationError(_l("Trường chưa khai báo máy POS nào: quản trị trường nhập mã máy (TID) ở trang Kênh "
                                 "thanh toán trước khi ghi nhận thanh toán thẻ."), field="terminal_id")
    if terminal_id not in ours:
        raise ValidationError(_l("Máy POS %(t)s không phải máy của trường. Máy của trường: %(o)s.", t=terminal_id,
                                 o=", ".join(ours)), field="terminal_id")


# ---------------------------------------------------------------- the family's credit

def credit_of(session: Session, student_id: int) -> int:
    return int(session.scalar(select(StudentAccount.credit).where(StudentAccount.student_id == student_id)) or 0)


def _add_credit(session: Session, school_id: int, student_id: int, amount: int) -> None:
    if amount <= 0:
        return
    bump = (update(StudentAccount).where(StudentAccount.student_id == student_id)
            .values(credit=StudentAccount.credit + amount).execution_options(synchronize_session=False))
    if session.execute(bump).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(StudentAccount(student_id=student_id, school_id=school_id, credit=amount))
    except IntegrityError:  # created meanwhile by another request
        session.execute(bump)


def _add_credits(session: Session, school_id: int, credit: dict[int, int]) -> None:
    """`_add_credit` for many families at once: one upsert statement (a pupil's credit row is made
    on first use, added to otherwise — also when another request made it meanwhile)."""
    rows = [{"student_id": sid, "school_id": school_id, "credit": amount}
            for sid, amount in sorted(credit.items()) if amount > 0]
    if not rows:
        return
    table = StudentAccount.__table__
    stmt = dialect_insert(session, table)
    session.execute(stmt.on_conflict_do_update(index_elements=[table.c.student_id],
                                               set_={"credit": table.c.credit + stmt.excluded.credit}), rows)


def _take_credit(session: Session, student_id: int, amount: int) -> bool:
    return bool(session.execute(update(StudentAccount).where(StudentAccount.student_id == student_id,
                                                             StudentAccount.credit >= amount)
                                .values(credit=StudentAccount.credit - amount)
                                .execution_options(synchronize_session=False)).rowcount)


# ---------------------------------------------------------------- applying money to invoices

def _apply(session: Session, invoice_id: int, want: int) -> tuple[int, str | None, str | None]:
    """Put up to `want` on an open invoice; returns (applied, status before, status after)."""
    for _ in range(RETRIES):
        row = session.execute(select(Invoice.total - Invoice.paid - Invoice.credited, Invoice.status)
                              .where(Invoice.id == invoice_id)).first()
        if row is None or row[1] not in states.OPEN or row[0] <= 0:
            return 0, None, None
        take = min(want, row[0])
        after = session.execute(
            update(Invoice).where(Invoice.id == invoice_id, Invoice.status.in_(states.OPEN),
                                  Invoice.total - Invoice.paid - Invoice.credited >= take)
            .values(paid=Invoice.paid + take,
                    status=states.status_case(Invoice.total, Invoice.paid + take, Invoice.credited))
            .returning(Invoice.status).execution_options(synchronize_session=False)).scalar()
        if after is not None:
            return take, row[1], after
    raise Conflict(_l("Hoá đơn đang được cập nhật liên tục; hãy thử lại."))


def open_invoices(session: Session, student_id: int) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.student_id == student_id,
                                                      Invoice.status.in_(states.OPEN))
                                .order_by(Invoice.due_date, Invoice.id)))


def _voluntary(session: Session, invoice_ids: list[int]) -> set[int]:
    """Invoices that carry nothing mandatory (paid last)."""
    mandatory = set(session.scalars(select(InvoiceLine.invoice_id).where(InvoiceLine.invoice_id.in_(invoice_ids or [0]),
                                                                         InvoiceLine.mandatory.is_(True))))
    return {i for i in invoice_ids if i not in mandatory}


def voluntary_left(session: Session, invoice: Invoice) -> list[tuple[str, int]]:
    """The voluntary items of an invoice still owed (a parents' association fund…): (description,
    what it still lacks). A parent may leave them out of an online payment (`amount_to_pay`)."""
    from sqlalchemy import func

    taken = dict(session.execute(select(Allocation.line_id, func.sum(Allocation.amount))
                                 .where(Allocation.invoice_id == invoice.id).group_by(Allocation.line_id)).all())
    return [(description, amount - int(taken.get(line_id, 0)))
            for line_id, description, amount in session.execute(
                select(InvoiceLine.id, InvoiceLine.description, InvoiceLine.amount)
                .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.mandatory.is_(False)).order_by(InvoiceLine.id))
            if amount - int(taken.get(line_id, 0)) > 0]


def amount_to_pay(session: Session, invoice: Invoice, *, voluntary: bool = True) -> int:
    """What a parent pays of an open invoice online (a gateway's checkout, the VietQR): all it
    still asks for — or, leaving out the voluntary items (never mandatory, tuition.md §2), all but
    what they still lack. Money is split over the lines mandatory first (`_allocate`), so such a
    payment settles exactly the mandatory items and the voluntary ones stay owed."""
    if voluntary:
        return invoice.due
    return max(0, invoice.due - sum(left for _, left in voluntary_left(session, invoice)))


def _allocate(session: Session, invoice_id: int, amount: int, *, payment_id: int | None, source: str,
              actor_id: int | None, at: datetime) -> None:
    """Split money just applied to an invoice over its lines: mandatory lines before voluntary
    ones, then the earliest due first, each up to what it still lacks (tuition.md §7). Runs after the guarded
    UPDATE of the invoice, whose row lock makes concurrent payments of one invoice take turns."""
    from sqlalchemy import func

    taken = dict(session.execute(select(Allocation.line_id, func.sum(Allocation.amount))
                                 .where(Allocation.invoice_id == invoice_id).group_by(Allocation.line_id)).all())
    lines = session.execute(select(InvoiceLine.id, InvoiceLine.amount, InvoiceLine.mandatory, InvoiceLine.due_date)
                            .where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.id)).all()
    for line_id, part in split_over_lines(amount, lines, taken):
        session.add(Allocation(invoice_id=invoice_id, line_id=line_id, payment_id=payment_id, source=source,
                               amount=part, at=at, actor_id=actor_id))


def split_over_lines(amount: int, lines, taken: dict[int, int]) -> list[tuple[int, int]]:
    """[(line id, part)] for `amount` over an invoice's lines — (id, amount, mandatory, due date)
    in id order — given what each line has `taken` already (and adding the parts to `taken`)."""
    opened = [rules.Open(line_id, amount_due - int(taken.get(line_id, 0)), due_date, not mandatory)
              for line_id, amount_due, mandatory, due_date in lines]
    split, left = rules.allocate(amount, opened)
    if left and lines:  # a credit note left the lines asking for less than the invoice: keep the money on the last
        split.append((lines[-1][0], left))
    for line_id, part in split:
        taken[line_id] = int(taken.get(line_id, 0)) + part
    return split


def _event(session: Session, invoice_id: int, actor_id: int | None, action: str, before: str | None,
           after: str | None, amount: int | None, note: str = "", at: datetime | None = None) -> None:
    session.add(InvoiceEvent(invoice_id=invoice_id, actor_id=actor_id, action=action, from_status=before,
                             to_status=after, amount=amount, note=note[:300], **({"at": at} if at else {})))


def _expire(session: Session, *objects) -> None:
    for obj in objects:
        if obj is not None:
            session.expire(obj)


def record_payment(session: Session, actor: User | None, school: School, student: Student,
                   invoice: Invoice | None, data: PaymentInput, *, signer, now: datetime,
                   mail: bool = False, apply: bool = True, receipt: bool = True) -> Payment:
    """Record money received for a pupil: applied to `invoice` (or, without one, to the pupil's
    open invoices, mandatory first, oldest due first); anything over becomes the family's
    credit. With `apply=False` it all becomes credit (money a gateway captured for the wrong
    amount: the accountant decides). A repeated idempotency key or provider transaction id
    returns the payment already recorded and records nothing. With `receipt=False` the caller
    issues the receipt itself, as the last step of its transaction."""
    from lms.billing import receipts

    data = _check(data)
    if invoice is not None and (invoice.student_id != student.id or invoice.school_id != school.id):
        raise NotFound(_l("Không có hoá đơn này."))
    if not data.provider:
        _check_received_at(session, data.received_at, invoice, now)
        if data.method == Method.CARD_POS:
            _check_terminal(session, school, data.terminal_id)
    existing = _existing(session, school, data)
    if existing is not None:
        return _same(existing, student, data)
    payment = _new_payment(actor, school, student, invoice, data)
    try:
        with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        existing = _existing(session, school, data)
        if existing is None:
            raise
        return _same(existing, student, data)
    targets = [] if not apply else [invoice] if invoice is not None else open_invoices(session, student.id)
    voluntary = _voluntary(session, [t.id for t in targets])
    plan, _ = rules.allocate(data.amount, [rules.Open(t.id, t.due, t.due_date, t.id in voluntary) for t in targets])
    applied_parts = []
    actor_id = actor.id if actor else None
    for invoice_id, want in plan:
        applied, before, after = _apply(session, invoice_id, want)
        if applied:
            applied_parts.append((invoice_id, applied))
            _allocate(session, invoice_id, applied, payment_id=payment.id, source="payment", actor_id=actor_id,
                      at=now)
            _event(session, invoice_id, actor_id, "payment", before, after, applied,
                   source_text(METHOD_LABELS[data.method]), now)
    payment.applied = sum(applied for _, applied in applied_parts)
    _add_credit(session, school.id, student.id, data.amount - payment.applied)
    ledger.post(session, school.id, "payment", payment_legs(payment, applied_parts), actor_id=actor_id,
                memo=payment.invoice_code, at=now)
    session.flush()
    _expire(session, *targets)
    audit.record(session, "payment_recorded", actor_id=actor_id, school_id=school.id, subject_type="payment",
                 subject_id=payment.id, detail=f"{data.method} {data.amount}")
    if receipt:   # last: numbering a receipt locks the series until the commit
        receipts.issue_receipt(session, school, payment, signer=signer, now=now, mail=mail)
    return payment


def _payment_fields(actor: User | None, school: School, student_id: int, student: Student | None,
                    invoice: Invoice | None, data: PaymentInput) -> dict:
    """A payment's columns, carrying the four Công văn 2741 fields (payer, beneficiary, reason, invoice code)."""
    return dict(school_id=school.id, student_id=student_id, invoice_id=invoice.id if invoice else None,
                method=data.method, channel=data.channel or CHANNELS.get(data.method, data.method),
                amount=data.amount, received_at=data.received_at, payer_name=data.payer_name,
                beneficiary_name=school.bank_account_name or school.name,
                reason=(invoice.reason if invoice else f"Nộp tiền cho HS {student.full_name}")[:200],
                invoice_code=invoice.code if invoice else "", provider=data.provider,
                provider_txn_id=data.provider_txn_id, idempotency_key=data.idempotency_key,
                terminal_id=data.terminal_id or None, approval_code=data.approval_code or None,
                rrn=data.rrn or None, card_last4=data.card_last4 or None, card_scheme=data.card_scheme or None,
                note=data.note, recorded_by=actor.id if actor else None)


def _new_payment(actor: User | None, school: School, student: Student, invoice: Invoice | None,
                 data: PaymentInput) -> Payment:
    """The Payment row of one payment recorded on its own."""
    return Payment(**_payment_fields(actor, school, student.id, student, invoice, data))


def record_many(session: Session, actor: User | None, school: School, items: list[tuple[Invoice, PaymentInput]], *,
                now: datetime) -> list[Payment]:
    """Record many payments, each against its invoice, in one pass (a bank statement of
    thousands of credits): the same rows as `record_payment` gives one by one — payment,
    allocations over the lines, invoice history, one balanced posting each, the family's
    credit for anything over what was due — written in a few batched statements as plain rows
    (no ORM object per row), and one job, written in the same transaction, that makes their
    signed receipts in the series after the commit (`receipts.issue_later_many`; a sweep makes
    any it missed). The invoices are locked first (PostgreSQL: FOR UPDATE; SQLite: the write
    lock, taken by the first write), so a webhook paying one of them meanwhile waits and then
    sees what this pass left. Payments whose provider id is already recorded are returned as
    they are; the new ones are returned as plain rows (their columns as attributes)."""
    from collections import defaultdict

    from sqlalchemy import func

    from lms.billing import receipts

    if not items:
        return []
    checked = [(invoice, _check(data)) for invoice, data in items]
    existing = _existing_by_provider(session, school, [d for _, d in checked])
    fresh, keys = [], set(existing)
    for invoice, data in checked:
        key = (data.provider, data.provider_txn_id)
        if data.provider_txn_id is None or key not in keys:
            fresh.append((invoice, data))
            keys.add(key)
    ids = sorted({inv.id for inv, _ in fresh})
    state: dict[int, list] = {}
    lines: dict[int, list] = defaultdict(list)
    taken: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        query = select(Invoice.id, Invoice.total, Invoice.paid, Invoice.credited, Invoice.status).where(
            Invoice.id.in_(chunk))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        state.update({row[0]: list(row[1:]) for row in session.execute(query)})
        for inv_id, line_id, amount, mandatory, due_date in session.execute(
                select(InvoiceLine.invoice_id, InvoiceLine.id, InvoiceLine.amount, InvoiceLine.mandatory,
                       InvoiceLine.due_date).where(InvoiceLine.invoice_id.in_(chunk)).order_by(InvoiceLine.id)):
            lines[inv_id].append((line_id, amount, mandatory, due_date))
        for inv_id, line_id, amount in session.execute(
                select(Allocation.invoice_id, Allocation.line_id, func.sum(Allocation.amount))
                .where(Allocation.invoice_id.in_(chunk)).group_by(Allocation.invoice_id, Allocation.line_id)):
            taken[inv_id][line_id] = int(amount)
    actor_id = actor.id if actor else None
    made: list[tuple[object, Invoice, list[tuple[int, int]]]] = []
    events = []
    for invoice, data in fresh:
        total, paid, credited, status = state[invoice.id]
        due = total - paid - credited if status in states.OPEN else 0
        applied = min(data.amount, max(due, 0))
        payment = plain_row(Payment, **_payment_fields(actor, school, invoice.student_id, None, invoice, data),
                            applied=applied)
        split = []
        if applied:
            split = split_over_lines(applied, lines[invoice.id], taken[invoice.id])
            after = states.next_status(status, total, paid + applied, credited)
            events.append(plain_row(InvoiceEvent, invoice_id=invoice.id, actor_id=actor_id, action="payment",
                                    from_status=status, to_status=after, amount=applied,
                                    note=source_text(METHOD_LABELS[data.method]), at=now))
            state[invoice.id] = [total, paid + applied, credited, after]
        made.append((payment, invoice, split))
    insert_objects(session, [p for p, _, _ in made], ids=True)
    credit: dict[int, int] = defaultdict(int)
    postings, allocations, audits = [], [], []
    for payment, invoice, split in made:
        allocations.extend(plain_row(Allocation, invoice_id=invoice.id, line_id=line_id, payment_id=payment.id,
                                     source="payment", amount=part, at=now, actor_id=actor_id)
                           for line_id, part in split)
        credit[payment.student_id] += payment.amount - payment.applied
        postings.append(("payment", payment_legs(payment, [(invoice.id, payment.applied)] if payment.applied else []),
                         payment.invoice_code))
        audits.append(plain_row(AuditLog, at=now, action="payment_recorded", actor_id=actor_id, school_id=school.id,
                                subject_type="payment", subject_id=payment.id,
                                detail=f"{payment.method} {payment.amount}"))
    for rows in (events, allocations, audits):
        insert_objects(session, rows)
    ledger.post_many(session, school.id, postings, actor_id=actor_id)
    changed = {invoice.id for _, invoice, split in made if split}
    if changed:
        session.execute(update(Invoice), [{"id": i, "paid": state[i][1], "status": state[i][3]} for i in sorted(changed)])
    _add_credits(session, school.id, credit)
    receipts.issue_later_many(session, school.id, [p.id for p, _, _ in made])
    session.flush()
    _expire(session, *{inv for inv, _ in fresh})
    recorded = {**existing, **{(p.provider, p.provider_txn_id): p for p, _, _ in made if p.provider_txn_id}}
    plain = iter(p for p, _, _ in made if not p.provider_txn_id)
    return [recorded[(d.provider, d.provider_txn_id)] if d.provider_txn_id else next(plain) for _, d in checked]


def _existing_by_provider(session: Session, school: School, data: list[PaymentInput]) -> dict[tuple, Payment]:
    ids = sorted({d.provider_txn_id for d in data if d.provider and d.provider_txn_id})
    found: dict[tuple, Payment] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for p in session.scalars(select(Payment).where(Payment.school_id == school.id,
                                                       Payment.provider_txn_id.in_(chunk))):
            found[(p.provider, p.provider_txn_id)] = p
    return found


def payment_legs(payment: Payment, applied_parts: list[tuple[int, int]]) -> list[ledger.Leg]:
    """Money in on the method's account; out of receivable for each invoice it settled, the
    rest to the family's credit (3388)."""
    refs = {"student_id": payment.student_id, "payment_id": payment.id}
    left = payment.amount - sum(applied for _, applied in applied_parts)
    return [dr(MONEY_ACCOUNT[payment.method], payment.amount, **refs),
            *(cr(Account.RECEIVABLE, applied, invoice_id=invoice_id, **refs) for invoice_id, applied in applied_parts),
            cr(Account.UNAPPLIED, left, **refs)]


def _existing(session: Session, school: School, data: PaymentInput) -> Payment | None:
    conditions = []
    if data.idempotency_key:
        conditions.append(Payment.idempotency_key == data.idempotency_key)
    if data.provider and data.provider_txn_id:
        conditions.append((Payment.provider == data.provider) & (Payment.provider_txn_id == data.provider_txn_id))
    if data.terminal_id and data.rrn:
        conditions.append((Payment.terminal_id == data.terminal_id) & (Payment.rrn == data.rrn))
    if not conditions:
        return None
    from sqlalchemy import or_

    return session.scalars(select(Payment).where(Payment.school_id == school.id, or_(*conditions))).first()


def _same(existing: Payment, student: Student, data: PaymentInput) -> Payment:
    if existing.amount != data.amount or existing.student_id != student.id:
        if data.terminal_id and existing.terminal_id == data.terminal_id and existing.rrn == data.rrn:
            raise Conflict(_l("Giao dịch thẻ có mã máy %(t)s và số tham chiếu %(r)s đã được ghi cho một khoản khác.",
                              t=data.terminal_id, r=data.rrn), field="rrn")
        raise Conflict(_l("Giao dịch này đã được ghi với số tiền hoặc học sinh khác."))
    return existing


def apply_credit(session: Session, actor: User, invoice: Invoice, amount: int | None, *, now: datetime) -> int:
    """Use the family's credit on an open invoice (a recorded action). Returns what was applied."""
    available = credit_of(session, invoice.student_id)
    want = min(available, invoice.due) if amount is None else amount
    if invoice.status not in states.OPEN:
        raise ValidationError(_l("Hoá đơn này không còn khoản phải nộp."))
    if want <= 0 or want > available:
        raise ValidationError(_l("Tiền thừa của gia đình hiện còn %(a)s đ.", a=money(available)), field="amount")
    if want > invoice.due:
        raise ValidationError(_l("Hoá đơn chỉ còn phải nộp %(a)s đ.", a=money(invoice.due)), field="amount")
    if not _take_credit(session, invoice.student_id, want):
        raise Conflict(_l("Tiền thừa vừa được dùng ở nơi khác; hãy tải lại trang."))
    applied, before, after = _apply(session, invoice.id, want)
    if applied < want:
        _add_credit(session, invoice.school_id, invoice.student_id, want - applied)
    if applied:
        _allocate(session, invoice.id, applied, payment_id=None, source="credit", actor_id=actor.id, at=now)
        _event(session, invoice.id, actor.id, "credit", before, after, applied, "Dùng tiền thừa", now)
        refs = {"student_id": invoice.student_id, "invoice_id": invoice.id}
        ledger.post(session, invoice.school_id, "credit_use", [dr(Account.UNAPPLIED, applied, **refs),
                                                               cr(Account.RECEIVABLE, applied, **refs)],
                    actor_id=actor.id, memo=invoice.code, at=now)
    session.flush()
    _expire(session, invoice)
    return applied


def _revenue_account(invoice: Invoice) -> Account:
    return Account.ON_BEHALF if invoice.lines and all(line.category == Category.ON_BEHALF
                                                      for line in invoice.lines) else Account.REVENUE


def add_credit_note(session: Session, actor: User, invoice: Invoice, amount: int | None, reason: str, *,
                    now: datetime) -> CreditNote:
    """Reduce what an issued invoice asks for. Paid money beyond the new total becomes the
    family's credit (to use later or refund); the invoice itself is never edited."""
    reason = nfc(reason).strip()
    refuse_card_numbers(reason=reason)
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_l("Hoá đơn đã huỷ."))
    if not reason:
        raise ValidationError(_l("Nhập lý do ghi giảm."), field="reason")
    room = invoice.total - invoice.credited
    if amount is None or not 0 < amount <= room:
        raise ValidationError(_l("Số tiền ghi giảm từ 1 đến %(a)s đ.", a=money(room)), field="amount")
    if invoice.paid == 0 and amount == room:
        raise ValidationError(_l("Ghi giảm toàn bộ một hoá đơn chưa thu: hãy huỷ hoá đơn."), field="amount")
    to_credit = max(0, amount - invoice.due)
    before = invoice.status
    after = states.next_status(before, invoice.total, invoice.paid - to_credit, invoice.credited + amount)
    changed = session.execute(
        update(Invoice).where(Invoice.id == invoice.id, Invoice.paid == invoice.paid,
                              Invoice.credited == invoice.credited, Invoice.status == before)
        .values(paid=Invoice.paid - to_credit, credited=Invoice.credited + amount, status=after)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise Conflict(_l("Hoá đơn vừa có thay đổi; hãy tải lại trang rồi làm lại."))
    note = CreditNote(school_id=invoice.school_id, invoice_id=invoice.id,
                      number=ledger.take_numbers(session, invoice.school_id, "credit_note"), amount=amount,
                      to_credit=to_credit, reason=reason[:300], created_by=actor.id, created_at=now)
    session.add(note)
    _add_credit(session, invoice.school_id, invoice.student_id, to_credit)
    _event(session, invoice.id, actor.id, "credit_note", before, after, amount, reason, now)
    refs = {"student_id": invoice.student_id, "invoice_id": invoice.id}
    ledger.post(session, invoice.school_id, "credit_note", [dr(_revenue_account(invoice), amount, **refs),
                                                            cr(Account.RECEIVABLE, amount - to_credit, **refs),
                                                            cr(Account.UNAPPLIED, to_credit, **refs)],
                actor_id=actor.id, memo=invoice.code, at=now)
    session.flush()
    _expire(session, invoice)
    audit.record(session, "credit_note", actor_id=actor.id, school_id=invoice.school_id, subject_type="invoice",
                 subject_id=invoice.id, detail=str(amount))
    return note


def void_invoice(session: Session, actor: User, invoice: Invoice, reason: str, *, now: datetime) -> None:
    """Cancel an invoice nothing has been paid on; its fees may then be billed again."""
    reason = nfc(reason).strip()
    refuse_card_numbers(reason=reason)
    if not reason:
        raise ValidationError(_l("Nhập lý do huỷ hoá đơn."), field="reason")
    if not states.can_void(invoice.status, invoice.paid):
        raise ValidationError(_l("Hoá đơn đã có tiền nộp nên không huỷ được; hãy ghi giảm."))
    before, remaining = invoice.status, invoice.total - invoice.credited
    changed = session.execute(update(Invoice).where(Invoice.id == invoice.id, Invoice.status.in_(states.OPEN),
                                                    Invoice.paid == 0)
                              .values(status=InvoiceStatus.VOID, void_reason=reason[:300])
                              .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise Conflict(_l("Hoá đơn vừa có tiền nộp; không huỷ được nữa."))
    session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).values(live=None)
                    .execution_options(synchronize_session=False))
    _event(session, invoice.id, actor.id, "void", before, InvoiceStatus.VOID, remaining, reason, now)
    on_behalf = min(remaining, sum(line.amount for line in invoice.lines if line.category == Category.ON_BEHALF))
    refs = {"student_id": invoice.student_id, "invoice_id": invoice.id}
    ledger.post(session, invoice.school_id, "void", [dr(Account.REVENUE, remaining - on_behalf, **refs),
                                                     dr(Account.ON_BEHALF, on_behalf, **refs),
                                                     cr(Account.RECEIVABLE, remaining, **refs)],
                actor_id=actor.id, memo=invoice.code, at=now)
    session.flush()
    _expire(session, invoice, *invoice.lines)
    audit.record(session, "invoice_voided", actor_id=actor.id, school_id=invoice.school_id, subject_type="invoice",
                 subject_id=invoice.id)


# ---------------------------------------------------------------- refunds

REFUND_METHODS = {"cash": _l("Tiền mặt (có ký nhận)"), "bank": _l("Chuyển khoản về tài khoản đã nộp")}


def refundable(session: Session, payment: Payment) -> int:
    """How much can still be given back against `payment`: what it brought less what was already
    refunded from it, and no more than the family's credit. 0: no refund can be approved (the page
    shows no refund form, only why)."""
    return max(0, min(payment.amount - payment.refunded, credit_of(session, payment.student_id)))


def request_refund(session: Session, actor: User, payment: Payment, amount: int | None, method: str, reason: str,
                   *, key: str | None = None, now: datetime) -> Refund:
    """Approve giving money back from the family's credit, against the payment that brought it:
    never more than that payment's amount, in total."""
    reason = nfc(reason).strip()
    refuse_card_numbers(reason=reason)
    if key:
        existing = session.scalars(select(Refund).where(Refund.school_id == payment.school_id,
                                                        Refund.idempotency_key == key)).first()
        if existing is not None:
            if existing.amount != amount or existing.payment_id != payment.id:
                raise Conflict(_l("Yêu cầu hoàn tiền này đã được ghi với số tiền khác."))
            return existing
    if method not in REFUND_METHODS:
        raise ValidationError(_l("Chọn cách hoàn tiền."), field="method")
    if not reason:
        raise ValidationError(_l("Nhập lý do hoàn tiền."), field="reason")
    room = payment.amount - payment.refunded
    if amount is None or not 0 < amount <= room:
        raise ValidationError(_l("Số tiền hoàn từ 1 đến %(a)s đ (không vượt số đã nộp trong giao dịch này).",
                                 a=money(room)), field="amount")
    available = credit_of(session, payment.student_id)
    if amount > available:
        raise ValidationError(_l("Gia đình chỉ còn %(a)s đ tiền thừa. Muốn hoàn tiền đã dùng cho hoá đơn, hãy ghi "
                                 "giảm hoá đơn đó trước.", a=money(available)), field="amount")
    if not session.execute(update(Payment).where(Payment.id == payment.id, Payment.refunded + amount <= Payment.amount)
                           .values(refunded=Payment.refunded + amount)
                           .execution_options(synchronize_session=False)).rowcount:
        raise Conflict(_l("Giao dịch này vừa được hoàn tiền; hãy tải lại trang."))
    if not _take_credit(session, payment.student_id, amount):
        raise Conflict(_l("Tiền thừa vừa được dùng ở nơi khác; hãy tải lại trang."))
    refund = Refund(school_id=payment.school_id, student_id=payment.student_id, payment_id=payment.id, amount=amount,
                    method=method, reason=reason[:300], idempotency_key=key, approved_by=actor.id, approved_at=now)
    try:
        with session.begin_nested():
            session.add(refund)
    except IntegrityError as exc:
        raise Conflict(_l("Yêu cầu hoàn tiền này đã được ghi.")) from exc
    ledger.post(session, payment.school_id, "refund_approved",
                [dr(Account.UNAPPLIED, amount, student_id=payment.student_id, payment_id=payment.id),
                 cr(Account.REFUNDS, amount, student_id=payment.student_id, payment_id=payment.id)],
                actor_id=actor.id, memo=reason, at=now)
    session.flush()
    _expire(session, payment)
    audit.record(session, "refund_approved", actor_id=actor.id, school_id=payment.school_id, subject_type="payment",
                 subject_id=payment.id, detail=str(amount))
    return refund


def pay_refund(session: Session, actor: User, refund: Refund, reference: str, *, now: datetime) -> None:
    """Mark an approved refund as paid out (cash handed over, or the transfer made)."""
    reference = nfc(reference).strip()
    refuse_card_numbers(reference=reference)
    if refund.method == "bank" and not reference:
        raise ValidationError(_l("Nhập mã giao dịch chuyển khoản hoàn tiền."), field="reference")
    changed = session.execute(update(Refund).where(Refund.id == refund.id, Refund.status == RefundStatus.APPROVED)
                              .values(status=RefundStatus.PAID, paid_by=actor.id, paid_at=now, reference=reference[:60])
                              .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise Conflict(_l("Khoản hoàn tiền này đã được chi."))
    account = Account.CASH if refund.method == "cash" else Account.BANK
    ledger.post(session, refund.school_id, "refund_paid",
                [dr(Account.REFUNDS, refund.amount, student_id=refund.student_id, payment_id=refund.payment_id),
                 cr(account, refund.amount, student_id=refund.student_id, payment_id=refund.payment_id)],
                actor_id=actor.id, memo=reference, at=now)
    session.flush()
    _expire(session, refund)


