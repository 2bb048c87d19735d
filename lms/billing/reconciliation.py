"""Reconciliation of a provider's own transaction report (VNPay, MoMo, payOS, the wallet
aggregator, SePay or Casso, exported from its merchant portal) against what the school recorded:
successful transactions we never heard of (a missed notification), ours the provider does not
list, the same transaction twice in the report, amounts that differ, and orders we do not know;
plus the bank transfers still waiting to be matched. Each difference is kept once (unique per
school, provider, kind and key), so reconciling the same report again adds nothing."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.billing.channels.registry import BANK_FEEDS, REPORT_PROVIDERS, by_provider
from lms.billing.matching import normal_reference, same_credit, shown_memo
from lms.billing.models import BankSighting, BankTransaction, Checkout, Payment, ReconciliationItem, TransferStatus
from lms.billing.statements import AmountRefused, Problem, cell_reader, find_header, missing_columns, parse_amount, parse_when
from lms.i18n import lazy_gettext as _l
from lms.people.models import School
from lms.core.numbers import money
from lms.core.tables import Table as ReadTable, cell_text, date_refusal
from lms.core.timeutil import school_tz, utc_to_local

PROVIDERS = REPORT_PROVIDERS         # the registry's: whose report can be reconciled, by recorded provider
# The column names every provider's export may use; each gateway adds its own (channels/<code>.py
# REPORT_COLUMNS), so a VNPay report is read with VNPay's names, a MoMo report with MoMo's.
COMMON_FIELDS = {
    "txn_id": (_l("Mã giao dịch"), ("ma giao dich", "ma gd", "transaction no", "transaction id", "id")),
    "order": (_l("Mã đơn hàng"), ("ma don hang", "ma tham chieu", "order id")),
    "amount": (_l("Số tiền"), ("so tien", "amount", "so tien giao dich", "gia tri", "so tien thanh toan",
                               "gia tri thanh toan")),
    "date": (_l("Thời gian"), ("thoi gian", "ngay", "ngay giao dich", "ngay tao", "created", "date", "time",
                               "thoi gian thanh toan", "thoi gian giao dich", "ngay thanh toan")),
    "status": (_l("Trạng thái"), ("trang thai", "status", "ket qua")),
}
REQUIRED = ("txn_id", "amount", "date")


def fields_of(provider: str) -> dict[str, tuple[object, tuple[str, ...]]]:
    """The columns of `provider`'s report: the common names and its module's own."""
    module = by_provider(provider)
    own = getattr(module, "REPORT_COLUMNS", {}) if module else {}
    return {key: (label, names + tuple(n for n in own.get(key, ()) if n not in names))
            for key, (label, names) in COMMON_FIELDS.items()}


SUCCESS = {"thanh cong", "success", "succeeded", "paid", "00", "0", "thành công"}
KIND_LABELS = {"missing": _l("Nhà cung cấp có, hệ thống chưa ghi"), "not_in_report": _l("Hệ thống có, báo cáo không có"),
               "duplicate": _l("Trùng trong báo cáo"), "mismatch": _l("Lệch số tiền"),
               "unknown": _l("Đơn hàng không có trong hệ thống"), "unmatched": _l("Chuyển khoản chưa khớp hoá đơn")}


@dataclass
class Row:
    line: int
    txn_id: str
    order: str
    amount: int
    when: datetime
    ok: bool


@dataclass
class Report:
    provider: str
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    table: ReadTable | None = None     # the file as read: its header, the lines skipped and why


@dataclass
class Result:
    new: list[ReconciliationItem] = field(default_factory=list)
    known: int = 0
    checked: int = 0


def read_report(provider: str, filename: str, data: bytes, tz: str) -> Report:
    fields = fields_of(provider)
    table = find_header(filename, data, fields, anchors=("txn_id", "date"))
    report = Report(provider, problems=missing_columns(table, table.mapping, fields, REQUIRED, chooser=False),
                    table=table.table)
    if report.problems:
        return report
    cell = cell_reader(table.mapping)
    for line, cells in table.rows:
        # Every cell of a line is checked, so that each refusal of the file is named at once.
        refused = len(report.problems)
        amount = when = None
        try:
            amount = parse_amount(cell(cells, "amount"))
        except AmountRefused as exc:
            report.problems.append(Problem(line, table.column_name("amount", fields), exc.message))
        try:
            when = parse_when(cell(cells, "date"), tz)
        except ValueError:
            report.problems.append(Problem(line, table.column_name("date", fields), date_refusal(cell(cells, "date"))))
        if len(report.problems) > refused:
            continue
        status = cell_text(cell(cells, "status")).strip().lower()
        report.rows.append(Row(line, cell_text(cell(cells, "txn_id")).strip(), cell_text(cell(cells, "order")).strip(),
                               amount or 0, when, not status or status in SUCCESS))
    return report


def _shown(when: datetime) -> str:
    """A time as every page shows it: on the school's clock (lms.core.timeutil), not in UTC."""
    return f"{utc_to_local(when, school_tz()):%d/%m/%Y %H:%M}"


def reconcile(session: Session, school: School, report: Report, *, now: datetime) -> Result:
    """Compare and keep each difference once; also lists the transfers still unmatched."""
    result = Result()
    provider = report.provider
    good = [r for r in report.rows if r.ok and r.amount > 0]
    if not good:
        return result
    start, end = min(r.when for r in good) - timedelta(minutes=5), max(r.when for r in good) + timedelta(minutes=5)
    if provider in BANK_FEEDS:
        return _reconcile_feed(session, school, report, good, start, end, result, now)
    ours = {p.provider_txn_id: p for p in session.scalars(select(Payment).where(
        Payment.school_id == school.id, Payment.provider == provider))}
    orders = set(session.scalars(select(Checkout.txn_ref).where(Checkout.school_id == school.id)))
    order_codes = {str(c) for c in session.scalars(select(Checkout.order_code).where(
        Checkout.school_id == school.id, Checkout.order_code.is_not(None)))}
    # What the provider's module says of its own report (channels/<code>.py): the id its report
    # lists for a payment recorded under another key (`report_key`), and its transactions another
    # path recorded first (`recorded_elsewhere`: payOS's transfers a bank feed saw first).
    module = by_provider(provider)
    report_key = getattr(module, "report_key", None) or (lambda txn_id: txn_id)
    by_report: dict[str, Payment] = {}
    for txn_id, payment in ours.items():
        by_report.setdefault(report_key(txn_id), payment)
    elsewhere = getattr(module, "recorded_elsewhere", None)
    paid_elsewhere = elsewhere(session, school, good) if elsewhere else {}
    counts = Counter(r.txn_id for r in good)
    seen: set[str] = set()
    keep = _keeper(session, school, provider, result, now)

    for r in good:
        result.checked += 1
        if counts[r.txn_id] > 1 and r.txn_id not in seen:
            keep("duplicate", r.txn_id, r.amount, f"{counts[r.txn_id]} dòng, đơn {r.order}")
        seen.add(r.txn_id)
        payment = ours.get(r.txn_id) or by_report.get(r.txn_id) or paid_elsewhere.get(r.txn_id)
        if payment is None:
            known_order = r.order in orders or r.order in order_codes
            keep("missing" if known_order else "unknown", r.txn_id, r.amount,
                 f"đơn {r.order or '—'}, {_shown(r.when)}", order=r.order)
        elif payment.amount != r.amount:
            keep("mismatch", r.txn_id, r.amount, f"báo cáo {money(r.amount, 'vi')} đ, hệ thống {money(payment.amount, 'vi')} đ", payment)
    listed = {r.txn_id for r in good}
    for txn_id, payment in ours.items():
        if start <= payment.received_at <= end and txn_id not in listed and report_key(txn_id) not in listed:
            keep("not_in_report", txn_id, payment.amount, f"{_shown(payment.received_at)}", payment)
    _queued(session, school, keep)
    session.flush()
    return result


def _keeper(session: Session, school: School, provider: str, result: Result, now: datetime):
    def keep(kind: str, key: str, amount: int, detail: str, payment: Payment | None = None, order: str = "") -> None:
        item = ReconciliationItem(school_id=school.id, provider="bank" if kind == "unmatched" else provider, kind=kind,
                                  key=key[:80], amount=amount, order_ref=order[:100],
                                  detail=detail[:300], payment_id=payment.id if payment else None, created_at=now)
        try:
            with session.begin_nested():
                session.add(item)
            result.new.append(item)
        except IntegrityError:
            result.known += 1
    return keep


def _queued(session: Session, school: School, keep) -> None:
    for t in session.scalars(select(BankTransaction).where(BankTransaction.school_id == school.id,
                                                           BankTransaction.status == TransferStatus.UNMATCHED)):
        keep("unmatched", f"{t.source}:{t.provider_txn_id}", t.amount, shown_memo(t.content)[:200])


def _reconcile_feed(session: Session, school: School, report: Report, good: list[Row], start: datetime,
                    end: datetime, result: Result, now: datetime) -> Result:
    """A bank feed's transaction list (SePay, Casso) against the bank credits: a credit is ours
    when this feed reported it, or when its bank reference (the report's reference column) is a
    credit's we heard of from any source — a statement or another feed counts, so the same
    transfer is never reported missing because it was recorded through another path."""
    provider = report.provider
    keep = _keeper(session, school, provider, result, now)
    sightings = {s.provider_txn_id: s for s in session.scalars(select(BankSighting).where(
        BankSighting.school_id == school.id, BankSighting.source == provider))}
    credits = {c.id: c for c in session.scalars(select(BankTransaction).where(
        BankTransaction.school_id == school.id, BankTransaction.transacted_at.between(start - timedelta(days=2),
                                                                                   end + timedelta(days=2))))}
    # The reference in one written form, as matching recognises a credit (`normal_reference`), and a
    # credit only with the line's amount and day (`same_credit`): banks use references again.
    by_ref: dict[str, list[BankTransaction]] = {}
    for c in credits.values():
        if c.bank_reference:
            by_ref.setdefault(normal_reference(c.bank_reference), []).append(c)

    def by_reference(r: Row) -> BankTransaction | None:
        for key in filter(None, (normal_reference(r.order), normal_reference(r.txn_id))):
            for c in by_ref.get(key, ()):
                if same_credit(c, r.amount, r.when):
                    return c
        return None
    counts = Counter(r.txn_id for r in good)
    seen: set[str] = set()
    for r in good:
        result.checked += 1
        if counts[r.txn_id] > 1 and r.txn_id not in seen:
            keep("duplicate", r.txn_id, r.amount, f"{counts[r.txn_id]} dòng")
        seen.add(r.txn_id)
        sighting = sightings.get(r.txn_id)
        credit = (session.get(BankTransaction, sighting.bank_transaction_id) if sighting else None) or by_reference(r)
        if credit is None:
            keep("missing", r.txn_id, r.amount, f"{_shown(r.when)} {r.order}".strip(), order=r.order)
        elif credit.amount != r.amount:
            keep("mismatch", r.txn_id, r.amount, f"báo cáo {money(r.amount, 'vi')} đ, hệ thống {money(credit.amount, 'vi')} đ")
    listed = {r.txn_id for r in good}
    for txn_id, sighting in sightings.items():
        credit = credits.get(sighting.bank_transaction_id)
        if credit is not None and start <= credit.transacted_at <= end and txn_id not in listed:
            keep("not_in_report", txn_id, credit.amount, f"{_shown(credit.transacted_at)}")
    _queued(session, school, keep)
    session.flush()
    return result


def items_of(session: Session, school: School, limit: int = 300) -> list[ReconciliationItem]:
    return list(session.scalars(select(ReconciliationItem).where(ReconciliationItem.school_id == school.id)
                                .order_by(ReconciliationItem.id.desc()).limit(limit)))
