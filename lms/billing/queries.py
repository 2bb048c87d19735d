"""What the accountant's and parents' pages list: invoices with filters, debts by class with
their age, payments, reminders, the Excel export and the family portal. Each list is a fixed
number of queries, whatever its length."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import states
from lms.billing.models import (Allocation, CreditNote, Invoice, InvoiceEvent, InvoiceStatus, Payment, Refund,
                                StudentAccount)
from lms.core import notify
from lms.core.text import fold
from lms.i18n import lazy_gettext as _l
from lms.people.models import Guardianship, School, SchoolClass, Student

STATUS_LABELS = {InvoiceStatus.ISSUED: _l("Chưa nộp"), InvoiceStatus.PARTIAL: _l("Nộp một phần"),
                 InvoiceStatus.PAID: _l("Đã nộp đủ"), InvoiceStatus.VOID: _l("Đã huỷ")}
CHECKOUT_STATUS = {"pending": _l("Đang chờ"), "paid": _l("Đã thanh toán"), "failed": _l("Không thành công"),
                   "expired": _l("Hết hạn"), "replaced": _l("Đã thay bằng yêu cầu mới")}
AGE_BUCKETS = ((0, _l("Chưa đến hạn")), (1, _l("Quá hạn 1–30 ngày")), (31, _l("31–60 ngày")),
               (61, _l("61–90 ngày")), (91, _l("Trên 90 ngày")))


@dataclass
class InvoiceFilter:
    status: str = ""        # a status, or "open" / "overdue"
    class_id: int | None = None
    period_key: str = ""
    q: str = ""


def invoices_query(school: School, f: InvoiceFilter, today: date):
    stmt = select(Invoice).where(Invoice.school_id == school.id)
    if f.status == "open":
        stmt = stmt.where(Invoice.status.in_(states.OPEN))
    elif f.status == "overdue":
        stmt = stmt.where(Invoice.status.in_(states.OPEN), Invoice.due_date < today)
    elif f.status:
        stmt = stmt.where(Invoice.status == f.status)
    if f.class_id:
        stmt = stmt.where(Invoice.class_id == f.class_id)
    if f.period_key:
        stmt = stmt.where(Invoice.period_key == f.period_key)
    if f.q:
        code = f.q.strip().upper().replace(" ", "")
        words = select(Student.id).where(Student.school_id == school.id)
        for word in fold(f.q).split():
            words = words.where(Student.search_text.contains(word, autoescape=True))
        stmt = stmt.where(or_(Invoice.code == code, Invoice.student_id.in_(words)))
    return stmt.order_by(Invoice.number.desc())


@dataclass
class Totals:
    count: int = 0
    total: int = 0
    paid: int = 0
    credited: int = 0

    @property
    def due(self) -> int:
        return self.total - self.paid - self.credited


def totals(session: Session, stmt) -> Totals:
    sub = stmt.order_by(None).subquery()
    row = session.execute(select(func.count(), func.coalesce(func.sum(sub.c.total), 0),
                                 func.coalesce(func.sum(sub.c.paid), 0), func.coalesce(func.sum(sub.c.credited), 0))
                          .where(sub.c.status != InvoiceStatus.VOID)).one()
    return Totals(*map(int, row))


@dataclass
class AgingRow:
    school_class: SchoolClass | None
    label: str
    buckets: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    invoices: int = 0
    families: set = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.buckets)


def bucket_of(due_date: date, today: date) -> int:
    days = (today - due_date).days
    if days <= 0:
        return 0
    return max(i for i, (start, _) in enumerate(AGE_BUCKETS) if start and days >= start)


def aging(session: Session, school: School, today: date) -> tuple[list[AgingRow], AgingRow]:
    """What is still owed, by class, by how long past the due date."""
    rows: dict[int | None, AgingRow] = {}
    classes = {c.id: c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))}
    total = AgingRow(None, str(_l("Toàn trường")))
    for class_id, class_name, student_id, due_date, due in session.execute(
            select(Invoice.class_id, Invoice.class_name, Invoice.student_id, Invoice.due_date,
                   Invoice.total - Invoice.paid - Invoice.credited)
            .where(Invoice.school_id == school.id, Invoice.status.in_(states.OPEN))):
        row = rows.setdefault(class_id, AgingRow(classes.get(class_id), class_name))
        b = bucket_of(due_date, today)
        for r in (row, total):
            r.buckets[b] += int(due)
            r.invoices += 1
            r.families.add(student_id)
    ordered = sorted(rows.values(), key=lambda r: (r.school_class.grade if r.school_class else 99, r.label))
    return ordered, total


def history(session: Session, invoice: Invoice) -> list[InvoiceEvent]:
    return list(session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id)
                                .order_by(InvoiceEvent.id)))


@dataclass
class Paid:
    """Money that went to an invoice from one payment (or from the family's credit at one time).
    `at` is when the money was paid (the payment's own date — a transfer's bank time, not when a
    statement import or the accountant recorded it); for credit, when it was used."""
    at: datetime
    amount: int
    payment: Payment | None


def payments_of_invoice(session: Session, invoice: Invoice) -> list[Paid]:
    rows = session.execute(select(Allocation, Payment).outerjoin(Payment, Payment.id == Allocation.payment_id)
                           .where(Allocation.invoice_id == invoice.id).order_by(Allocation.id)).all()
    grouped: dict[tuple, Paid] = {}
    for allocation, payment in rows:
        key = ("p", payment.id) if payment else ("c", allocation.at)
        paid = grouped.setdefault(key, Paid(payment.received_at if payment else allocation.at, 0, payment))
        paid.amount += allocation.amount
    return list(grouped.values())


def invoices_of_payment(session: Session, payment: Payment) -> list[tuple[Invoice, int]]:
    sums = dict(session.execute(select(Allocation.invoice_id, func.sum(Allocation.amount))
                                .where(Allocation.payment_id == payment.id).group_by(Allocation.invoice_id)).all())
    invoices = session.scalars(select(Invoice).where(Invoice.id.in_(list(sums) or [0])).order_by(Invoice.id))
    return [(invoice, int(sums[invoice.id])) for invoice in invoices]


def credit_notes_of(session: Session, invoice: Invoice) -> list[CreditNote]:
    return list(session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id).order_by(CreditNote.id)))


def checkouts_of(session: Session, invoice: Invoice) -> list:
    from lms.billing.models import Checkout

    return list(session.scalars(select(Checkout).where(Checkout.invoice_id == invoice.id).order_by(Checkout.id)))


def payments_query(school: School, q: str = "", method: str = ""):
    stmt = select(Payment).where(Payment.school_id == school.id)
    if method:
        stmt = stmt.where(Payment.method == method)
    if q:
        words = select(Student.id).where(Student.school_id == school.id)
        for word in fold(q).split():
            words = words.where(Student.search_text.contains(word, autoescape=True))
        stmt = stmt.where(or_(Payment.invoice_code == q.strip().upper(), Payment.student_id.in_(words)))
    return stmt.order_by(Payment.received_at.desc(), Payment.id.desc())


def refunds_of(session: Session, payment_ids: list[int]) -> dict[int, list[Refund]]:
    out: dict[int, list[Refund]] = {}
    for r in session.scalars(select(Refund).where(Refund.payment_id.in_(payment_ids or [0])).order_by(Refund.id)):
        out.setdefault(r.payment_id, []).append(r)
    return out


def credits_of(session: Session, student_ids: list[int]) -> dict[int, int]:
    return {sid: int(c) for sid, c in session.execute(select(StudentAccount.student_id, StudentAccount.credit)
                                                     .where(StudentAccount.student_id.in_(student_ids or [0])))}


def remind_unpaid(session: Session, actor: User, school: School, today: date, *, class_id: int | None = None,
                  now: datetime) -> tuple[int, int]:
    """Notify the guardians of every pupil with an overdue invoice (one notice per guardian and
    invoice, no links to other sites). Returns (invoices, guardians reached)."""
    stmt = select(Invoice).where(Invoice.school_id == school.id, Invoice.status.in_(states.OPEN),
                                 Invoice.due_date < today)
    if class_id:
        stmt = stmt.where(Invoice.class_id == class_id)
    invoices = list(session.scalars(stmt))
    guardians: dict[int, list[User]] = {}
    for student_id, user in session.execute(select(Guardianship.student_id, User).join(
            User, User.id == Guardianship.guardian_id).where(
            Guardianship.student_id.in_([i.student_id for i in invoices] or [0]))):
        guardians.setdefault(student_id, []).append(user)
    reached = 0

    for invoice in invoices:
        users = guardians.get(invoice.student_id, [])
        reached += notify.notify(session, users, "invoice_reminder",
                                 {"student": invoice.student_name, "code": invoice.code,
                                  "amount": invoice.due, "due": invoice.due_date.strftime("%d/%m/%Y")},
                                 f"/fees/invoices/{invoice.id}", school.id, flush=False)
        invoice.reminded_at = now
        session.add(InvoiceEvent(invoice_id=invoice.id, actor_id=actor.id, action="reminder",
                                 from_status=invoice.status, to_status=invoice.status, amount=invoice.due,
                                 note=f"{len(users)}", at=now))
    session.flush()
    return len(invoices), reached


def invoices_xlsx(session: Session, invoices: list[Invoice]) -> bytes:
    from openpyxl.styles import Font

    from lms.core.sheets import new_workbook, to_bytes

    wb = new_workbook()
    ws = wb.active
    ws.title = "Hoa don"
    ws.append(["Số HĐ", "Mã thanh toán", "Tháng", "Lớp", "Mã HS", "Học sinh", "Người nộp", "Nội dung",
               "Tổng tiền", "Ghi giảm", "Đã nộp", "Còn phải nộp", "Hạn nộp", "Trạng thái", "Người thụ hưởng"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for inv in invoices:
        ws.append([inv.number, inv.code, inv.period_key, inv.class_name, inv.student.student_code, inv.student_name,
                   inv.payer_name, inv.reason, inv.total, inv.credited, inv.paid,
                   0 if inv.status == InvoiceStatus.VOID else inv.due, inv.due_date,
                   str(STATUS_LABELS[inv.status]), inv.beneficiary_name])
        for col in (9, 10, 11, 12):
            ws.cell(ws.max_row, col).number_format = "#,##0"
        ws.cell(ws.max_row, 13).number_format = "dd/mm/yyyy"
    for letter, width in zip("ABCDEFGHIJKLMNO", (8, 16, 9, 7, 12, 24, 24, 44, 12, 11, 12, 13, 11, 14, 28)):
        ws.column_dimensions[letter].width = width
    return to_bytes(wb)


# ---------------------------------------------------------------- the family portal

@dataclass
class ChildBills:
    student: Student
    school: School
    invoices: list[Invoice]
    credit: int

    @property
    def due(self) -> int:
        return sum(i.due for i in self.invoices if i.status in states.OPEN)


def family_bills(session: Session, parent: User) -> list[ChildBills]:
    """Every child's invoices in every school, newest first, in three queries."""
    links = session.execute(select(Student, School).join(Guardianship, Guardianship.student_id == Student.id)
                            .join(School, School.id == Student.school_id)
                            .where(Guardianship.guardian_id == parent.id).order_by(Student.sort_name)).all()
    ids = [s.id for s, _ in links]
    invoices: dict[int, list[Invoice]] = {}
    for inv in session.scalars(select(Invoice).where(Invoice.student_id.in_(ids or [0]),
                                                     Invoice.status != InvoiceStatus.VOID)
                               .order_by(Invoice.due_date.desc(), Invoice.id.desc())):
        invoices.setdefault(inv.student_id, []).append(inv)
    credits = credits_of(session, ids)
    return [ChildBills(s, school, invoices.get(s.id, []), credits.get(s.id, 0)) for s, school in links]


def family_invoice(session: Session, parent: User, invoice_id: int) -> Invoice | None:
    """An invoice of one of the parent's children, or None (the view answers 404)."""
    return session.scalars(select(Invoice).join(Guardianship, Guardianship.student_id == Invoice.student_id)
                           .where(Invoice.id == invoice_id, Guardianship.guardian_id == parent.id,
                                  Invoice.status != InvoiceStatus.VOID)).first()


def family_payment(session: Session, parent: User, payment_id: int) -> Payment | None:
    return session.scalars(select(Payment).join(Guardianship, Guardianship.student_id == Payment.student_id)
                           .where(Payment.id == payment_id, Guardianship.guardian_id == parent.id)).first()


def family_payments(session: Session, parent: User) -> list[Payment]:
    return list(session.scalars(select(Payment).join(Guardianship, Guardianship.student_id == Payment.student_id)
                                .where(Guardianship.guardian_id == parent.id)
                                .order_by(Payment.received_at.desc()).limit(200)))


def summary(session: Session, school: School, today: date) -> dict[str, int]:
    """The accountant's home figures (with the parents' open "I have paid" reports and the days
    the oldest has waited)."""
    from lms.billing import paid_reports
    from lms.core.timeutil import utcnow

    row = session.execute(select(
        func.count(), func.coalesce(func.sum(Invoice.total - Invoice.credited), 0), func.coalesce(func.sum(Invoice.paid), 0))
        .where(Invoice.school_id == school.id, Invoice.status != InvoiceStatus.VOID)).one()
    overdue = session.execute(select(func.count(), func.coalesce(func.sum(Invoice.total - Invoice.paid - Invoice.credited), 0))
                              .where(Invoice.school_id == school.id, Invoice.status.in_(states.OPEN),
                                     Invoice.due_date < today)).one()
    cash = session.execute(select(func.count(), func.coalesce(func.sum(Payment.amount), 0))
                           .where(Payment.school_id == school.id, Payment.method == "cash")).one()
    everything = session.execute(select(func.count(), func.coalesce(func.sum(Payment.amount), 0))
                                 .where(Payment.school_id == school.id)).one()
    return {"invoices": int(row[0]), "billed": int(row[1]), "collected": int(row[2]), "due": int(row[1]) - int(row[2]),
            "overdue_count": int(overdue[0]), "overdue": int(overdue[1]),
            "payments": int(everything[0]), "received": int(everything[1]),
            "cashless_count": int(everything[0]) - int(cash[0]), "cashless_amount": int(everything[1]) - int(cash[1]),
            **dict(zip(("open_reports", "oldest_report_days"), paid_reports.open_summary(session, school.id, utcnow()),
                       strict=True))}


@dataclass(frozen=True)
class OpenItems:
    """What the school has received or been told of and not yet settled, at one moment: bank
    credits waiting in the queue (suspense: not a fee payment yet, not counted in any report's
    figures) and parents' open "I have paid" reports — with the sums and the oldest's age."""
    unmatched: int = 0
    unmatched_value: int = 0
    oldest_unmatched_days: int = 0
    reports: int = 0
    reported_value: int = 0
    oldest_report_days: int = 0

    @property
    def any(self) -> bool:
        return bool(self.unmatched or self.reports)


def open_items(session: Session, school_id: int, now: datetime) -> OpenItems:
    from lms.billing.models import BankTransaction, PaymentReport, ReportStatus, TransferStatus

    def age(oldest: datetime | None) -> int:
        return (now - oldest).days if oldest is not None else 0

    count, value, oldest = session.execute(
        select(func.count(), func.coalesce(func.sum(BankTransaction.amount), 0), func.min(BankTransaction.transacted_at))
        .where(BankTransaction.school_id == school_id, BankTransaction.status == TransferStatus.UNMATCHED)).one()
    reports, reported, first = session.execute(
        select(func.count(), func.coalesce(func.sum(PaymentReport.amount), 0), func.min(PaymentReport.created_at))
        .where(PaymentReport.school_id == school_id, PaymentReport.status == ReportStatus.OPEN)).one()
    return OpenItems(int(count), int(value), age(oldest), int(reports), int(reported), age(first))


@dataclass
class PayOptions:
    """How a parent can pay an open invoice (`pay_options`)."""
    payload: str | None                    # the VietQR, for `amount`
    online: list[tuple[str, object]]       # the gateways the school switched on: (channel, label)
    amount: int                            # what the QR and the checkouts ask for
    voluntary: list[tuple[str, int]]       # the voluntary items still owed the parent may leave out
    without_voluntary: int                 # the amount without them
    include_voluntary: bool


def pay_options(session: Session, invoice: Invoice, school: School, *, leave_out_voluntary: bool = False) -> PayOptions:
    """How a parent can pay an open invoice: the VietQR payload built from the school's one account
    (the amount due — or, when the parent leaves out the voluntary items still owed, the rest,
    `payments.amount_to_pay`; bill number and purpose = the reference), and the gateways the school
    has switched on, as (channel, label). No QR and no gateway when there is nothing to pay or no
    account to pay into."""
    from lms.billing import channel_settings, describe, payments, vietqr
    from lms.billing.channels.registry import CHANNELS, GATEWAYS

    voluntary = payments.voluntary_left(session, invoice) if invoice.status in states.OPEN else []
    without = payments.amount_to_pay(session, invoice, voluntary=False)
    if without <= 0:            # nothing mandatory left: no choice to make
        voluntary = []
    include = not (voluntary and leave_out_voluntary)
    amount = invoice.due if include else without
    if amount <= 0 or invoice.status not in states.OPEN or not (school.bank_bin and school.bank_account_number):
        return PayOptions(None, [], amount, voluntary, without, include)
    payload = vietqr.build_payload(school.bank_bin, school.bank_account_number, amount=amount,
                                   bill_number=invoice.code, purpose=describe.qr_purpose(invoice))
    online = [(r.channel, CHANNELS[r.channel].label) for r in channel_settings.parent_channels(session, school.id)
              if r.channel in GATEWAYS]
    return PayOptions(payload, online, amount, voluntary, without, include)
