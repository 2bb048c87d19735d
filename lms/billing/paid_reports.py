"""When a parent says "I paid": a report of a payment the school has not seen (how, how much,
when, the bank's reference, a screenshot), waiting in the accountant's queue beside the unmatched
transfers with the likely matches suggested, until the accountant resolves it — matched (to a
transfer in the queue, which is then assigned to the invoice, or to a payment already recorded),
refunded, or rejected with a reason — and the parent is told. Open reports and their age are on
the accountant's home (complaints are part of the cashless plans' consumer-protection duty)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import matching, rules
from lms.billing.channels import registry
from lms.billing.models import (Allocation, BankTransaction, Invoice, Payment, PaymentReport, ReportStatus,
                                TransferStatus)
from lms.core import audit, notify, uploads
from lms.core.cards import refuse_card_numbers
from lms.core.errors import ValidationError
from lms.core.numbers import money
from lms.core.storage import Area
from lms.core.text import nfc
from lms.core.timeutil import local_to_utc, school_tz
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext
from lms.people.models import Guardianship

# How the parent says they paid: a transfer, one of the registry's gateways, or at the school.
CHANNELS = {"transfer": _l("Chuyển khoản / quét mã VietQR"),
            **{code: registry.CHANNELS[code].short for code in registry.GATEWAYS},
            "card": _l("Thẻ tại trường"), "cash": _l("Tiền mặt tại trường")}


def channels_of(session: Session, school_id: int) -> dict[str, object]:
    """The ways a parent of this school can have paid: a transfer, the gateways the school has
    configured (the registry's), its card terminal if it has one, cash."""
    from lms.billing import channel_settings

    return {k: v for k, v in CHANNELS.items()
            if k in ("transfer", "cash")
            or (k == "card" and channel_settings.terminals_of(session, school_id))
            or (k in registry.GATEWAYS and channel_settings.is_configured(channel_settings.setting_of(session, school_id, k)))}


OUTCOMES = {ReportStatus.OPEN: _l("đang chờ nhà trường kiểm tra"),
            ReportStatus.MATCHED: _l("đã khớp với khoản tiền nhà trường nhận được"),
            ReportStatus.REFUNDED: _l("khoản tiền đã được hoàn trả"),
            ReportStatus.REJECTED: _l("nhà trường không tìm thấy khoản tiền này")}
OLDEST_DAYS = 120                 # a payment older than this is not a report but a dispute with the bank
NEAR_DAYS = 3                     # a transfer this close to the reported day is a likely match
REFERENCE = re.compile(r"^[A-Za-z0-9./_-]{0,64}$")


def reportable(invoice: Invoice) -> int:
    """The most a parent can report having paid for one invoice: what it still asks for — or, once
    the school counts it paid (a second payment by mistake, to be refunded), its amount; never
    more than one transfer can carry."""
    return min(invoice.due if invoice.due > 0 else invoice.total, rules.MAX_AMOUNT)


@dataclass(frozen=True)
class ReportIn:
    channel: str
    amount: int | None
    paid_on: date | None
    bank_reference: str = ""


def report_paid(session: Session, parent: User, invoice: Invoice, data: ReportIn, screenshot: tuple[str, bytes] | None,
                *, folder: Area, limits_mb: dict[str, int], today: date, now: datetime) -> PaymentReport:
    """Record a parent's report for one of their children's invoices (the caller checked that).
    Each bad field is refused by name; a screenshot must be an image and is kept without its
    metadata."""
    if data.channel not in channels_of(session, invoice.school_id):
        raise ValidationError(_l("Chọn cách đã thanh toán."), field="channel")
    if data.amount is None or data.amount <= 0:
        raise ValidationError(_l("Nhập số tiền đã nộp (lớn hơn 0)."), field="amount")
    most = reportable(invoice)
    if data.amount > most:
        raise ValidationError(_l("Số tiền đã nộp không được lớn hơn %(m)s đồng, số còn phải nộp của hoá đơn %(c)s. "
                                 "Nếu bạn đã nộp nhiều hơn, hãy liên hệ người phụ trách thu.",
                                 m=money(most), c=invoice.code) if invoice.due > 0 else
                              _l("Số tiền đã nộp không được lớn hơn %(m)s đồng, số tiền của hoá đơn %(c)s. "
                                 "Nếu bạn đã nộp nhiều hơn, hãy liên hệ người phụ trách thu.",
                                 m=money(most), c=invoice.code), field="amount")
    if data.paid_on is None or data.paid_on > today:
        raise ValidationError(_l("Ngày thanh toán không được sau hôm nay."), field="paid_on")
    if data.paid_on < today - timedelta(days=OLDEST_DAYS):
        raise ValidationError(ngettext("Ngày thanh toán đã quá %(n)s ngày; hãy liên hệ trực tiếp người phụ trách thu.", "Ngày thanh toán đã quá %(n)s ngày; hãy liên hệ trực tiếp người phụ trách thu.", OLDEST_DAYS,
                                 n=OLDEST_DAYS), field="paid_on")
    reference = nfc(data.bank_reference or "").strip()
    refuse_card_numbers(bank_reference=reference)
    if not REFERENCE.match(reference):
        raise ValidationError(_l("Mã giao dịch chỉ gồm chữ, số và các dấu . / - _ (tối đa 64 ký tự)."),
                              field="bank_reference")
    row = PaymentReport(school_id=invoice.school_id, invoice_id=invoice.id, reported_by=parent.id,
                        channel=data.channel, amount=data.amount, paid_on=data.paid_on, bank_reference=reference,
                        status=ReportStatus.OPEN, created_at=now)
    if screenshot is not None:
        name, content = screenshot
        checked = uploads.check_upload(name, content, limits_mb)
        if checked.kind != "image":
            raise ValidationError(_l("Ảnh chụp giao dịch phải là ảnh (PNG, JPG, WebP)."), field="screenshot")
        checked, content = uploads.without_metadata(checked, content)
        row.screenshot_path, row.screenshot_name = folder.save(checked, content), checked.filename
    session.add(row)
    session.flush()
    audit.record(session, "payment_reported", actor_id=parent.id, school_id=invoice.school_id,
                 subject_type="invoice", subject_id=invoice.id, detail=f"{data.channel} {data.amount}")
    return row


def open_reports(session: Session, school_id: int) -> list[PaymentReport]:
    return list(session.scalars(select(PaymentReport).where(PaymentReport.school_id == school_id,
                                                            PaymentReport.status == ReportStatus.OPEN)
                                .order_by(PaymentReport.created_at, PaymentReport.id)))


def reports_of_invoice(session: Session, invoice_id: int) -> list[PaymentReport]:
    return list(session.scalars(select(PaymentReport).where(PaymentReport.invoice_id == invoice_id)
                                .order_by(PaymentReport.id.desc())))


def open_summary(session: Session, school_id: int, now: datetime) -> tuple[int, int]:
    """(open reports, days the oldest has waited)."""
    count, oldest = session.execute(select(func.count(), func.min(PaymentReport.created_at)).where(
        PaymentReport.school_id == school_id, PaymentReport.status == ReportStatus.OPEN)).one()
    return int(count or 0), (now - oldest).days if oldest is not None else 0


@dataclass(frozen=True)
class Suggestion:
    transfers: list[BankTransaction]    # unmatched credits that may be this payment
    payments: list[Payment]             # payments already on the invoice that may be it


def suggestions(session: Session, report: PaymentReport) -> Suggestion:
    """The likely matches: a queued credit with the reported bank reference, or the same amount
    within a few days of the reported date — never one whose memo names another invoice; a payment
    on the invoice of the same amount."""
    near = tuple(local_to_utc(datetime.combine(day, datetime.min.time()), school_tz())
                 for day in (report.paid_on - timedelta(days=NEAR_DAYS), report.paid_on + timedelta(days=NEAR_DAYS + 1)))
    stmt = select(BankTransaction).where(BankTransaction.school_id == report.school_id,
                                         BankTransaction.status == TransferStatus.UNMATCHED)
    by_reference = list(session.scalars(stmt.where(BankTransaction.bank_reference == report.bank_reference))
                        ) if report.bank_reference else []
    by_amount = list(session.scalars(stmt.where(BankTransaction.amount == report.amount,
                                                BankTransaction.transacted_at >= near[0],
                                                BankTransaction.transacted_at < near[1])
                                     .order_by(BankTransaction.transacted_at).limit(10)))
    transfers = [t for t in by_reference + [t for t in by_amount if t not in by_reference]
                 if not matching.other_codes(t.content, report.invoice.code)]   # another family's money
    payments = list(session.scalars(select(Payment).join(Allocation, Allocation.payment_id == Payment.id).where(
        Allocation.invoice_id == report.invoice_id, Payment.amount == report.amount).distinct()))
    return Suggestion(transfers, payments)


def resolve(session: Session, actor: User, report: PaymentReport, outcome: str, *, note: str = "",
            transfer_id: int | None = None, payment_id: int | None = None, signer, now: datetime) -> None:
    """The accountant's decision on an open report; the parent who reported it is told.
    matched: a queued transfer of this school (assigned to the report's invoice, which records the
    money) or a payment already on the invoice; refunded and rejected need a reason."""
    if report.status != ReportStatus.OPEN:
        raise ValidationError(_l("Báo đã thanh toán này đã được xử lý."))
    note = nfc(note or "").strip()[:300]
    refuse_card_numbers(note=note)
    if outcome == ReportStatus.MATCHED:
        if transfer_id:
            transfer = session.get(BankTransaction, transfer_id)
            if transfer is None or transfer.school_id != report.school_id:
                raise ValidationError(_l("Không có giao dịch này trong hàng chờ của trường."), field="transfer_id")
            named = matching.other_codes(transfer.content, report.invoice.code)
            if named:
                raise ValidationError(_l("Nội dung chuyển khoản này ghi mã hoá đơn %(codes)s, không phải %(code)s: "
                                         "đây là tiền của hoá đơn khác, không ghi cho báo cáo này.",
                                         codes=", ".join(named), code=report.invoice.code), field="transfer_id")
            matching.assign_transfer(session, actor, transfer, report.invoice.code, signer=signer, now=now)
            report.bank_transaction_id, report.payment_id = transfer.id, transfer.payment_id
        elif payment_id:
            on_invoice = session.scalar(select(Allocation.id).where(Allocation.payment_id == payment_id,
                                                                    Allocation.invoice_id == report.invoice_id))
            if on_invoice is None:
                raise ValidationError(_l("Khoản tiền này không thuộc hoá đơn của báo cáo."), field="payment_id")
            report.payment_id = payment_id
        else:
            raise ValidationError(_l("Chọn giao dịch hoặc khoản tiền khớp với báo cáo."), field="transfer_id")
    elif outcome in (ReportStatus.REFUNDED, ReportStatus.REJECTED):
        if not note:
            raise ValidationError(_l("Ghi lý do để phụ huynh biết."), field="note")
    else:
        raise ValidationError(_l("Chọn cách xử lý."), field="outcome")
    report.status, report.resolution, report.resolved_by, report.resolved_at = outcome, note, actor.id, now
    session.flush()
    audit.record(session, "payment_report_resolved", actor_id=actor.id, school_id=report.school_id,
                 subject_type="payment_report", subject_id=report.id, detail=outcome)
    _tell_parents(session, report)


def _tell_parents(session: Session, report: PaymentReport) -> None:
    invoice = report.invoice
    guardians = list(session.scalars(select(User).join(Guardianship, Guardianship.guardian_id == User.id)
                                     .where(Guardianship.student_id == invoice.student_id)))
    reporter = session.get(User, report.reported_by) if report.reported_by else None
    people = [reporter] if reporter is not None and reporter in guardians else guardians
    notify.notify(session, people, f"payment_report_{report.status}",
                  {"code": invoice.code, "amount": report.amount, "note": report.resolution or "—"},
                  f"/fees/invoices/{invoice.id}", report.school_id)
