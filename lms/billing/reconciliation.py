"""Reconciliation of a provider's own transaction report (VNPay, MoMo, payOS, the wallet
aggregator, SePay or Casso, exported from its merchant portal) against what the school recorded:
successful transactions we never heard of (a missed notification), ours the provider does not
list, the same transaction twice in the report, amounts that differ, and orders we do not know;
plus the bank transfers still waiting to be matched. Each difference is kept once (unique per
school, provider, kind and key), so reconciling the same report again adds nothing."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.billing.channels.registry import BANK_FEEDS, REPORT_PROVIDERS, by_provider
from lms.billing.matching import (Received, TransferIn, message_pattern, normal_reference, receive_transfer, same_credit,
                                  shown_memo)
from lms.billing.models import BankSighting, BankTransaction, Checkout, Payment, ReconciliationItem, TransferStatus
from lms.billing.payments import N_
from lms.billing.statements import FIELDS as STATEMENT_FIELDS
from lms.billing.statements import (AmountRefused, Problem, cell_reader, find_header, missing_columns, parse_amount,
                                    parse_when, two_column_amount)
from lms.core import audit
from lms.core.cards import refuse_card_numbers
from lms.core.errors import ValidationError
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l
from lms.people.models import School
from lms.core.numbers import money_vnd
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
_AMOUNT_NAMES = COMMON_FIELDS["amount"][1]
# A report with money in and out in two columns ("Tiền vào" / "Tiền ra", as SePay's and the banks'
# exports write them) is read as the statement import reads them (its synonyms, its one reading of
# the two columns, `statements.two_column_amount`); its memo and receiving account too, so that a
# transfer the provider has and the school had not can be recorded from the report.
COMMON_FIELDS.update({
    "credit": (_l("Tiền vào"), tuple(n for n in STATEMENT_FIELDS["credit"][1] if n not in _AMOUNT_NAMES)),
    "debit": (_l("Tiền ra"), STATEMENT_FIELDS["debit"][1]),
    "content": (_l("Nội dung"), STATEMENT_FIELDS["content"][1]),
    "account": (_l("Số tài khoản"), ("so tai khoan", "tai khoan nhan", "tai khoan ngan hang", "account number",
                                    "account no", "so tk", "stk")),
})
REQUIRED = ("txn_id", "date")           # and an amount: one column ("Số tiền"), or money in ("Tiền vào")


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
    content: str = ""
    account: str = ""


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
    needed = REQUIRED if "credit" in table.mapping else (*REQUIRED, "amount")
    report = Report(provider, problems=missing_columns(table, table.mapping, fields, needed, chooser=False),
                    table=table.table)
    if report.problems:
        return report
    cell = cell_reader(table.mapping)
    names = {key: table.column_name(key, fields) for key in fields}
    for line, cells in table.rows:
        # Every cell of a line is checked, so that each refusal of the file is named at once.
        refused = len(report.problems)
        amount = when = None
        if "amount" in table.mapping or "credit" not in table.mapping:
            try:
                amount = parse_amount(cell(cells, "amount"))
            except AmountRefused as exc:
                report.problems.append(Problem(line, names["amount"], exc.message))
        elif "debit" in table.mapping:
            amount = two_column_amount(report, line, cell(cells, "debit"), cell(cells, "credit"), names)
            if amount is None:          # money out: not a payment
                continue
        else:
            try:
                amount = parse_amount(cell(cells, "credit"))
            except AmountRefused as exc:
                report.problems.append(Problem(line, names["credit"], exc.message))
        try:
            when = parse_when(cell(cells, "date"), tz)
        except ValueError:
            report.problems.append(Problem(line, table.column_name("date", fields), date_refusal(cell(cells, "date"))))
        if len(report.problems) > refused:
            continue
        status = cell_text(cell(cells, "status")).strip().lower()
        report.rows.append(Row(line, cell_text(cell(cells, "txn_id")).strip(), cell_text(cell(cells, "order")).strip(),
                               amount or 0, when, not status or status in SUCCESS,
                               nfc(cell_text(cell(cells, "content"))).strip()[:500],
                               cell_text(cell(cells, "account")).strip()[:40]))
    return report


# What a difference's detail says, stored in Vietnamese when it is found (outside the reader's
# request) and shown in the reader's language by `shown_detail`, its amounts as money.
MISMATCH = N_("báo cáo %(r)s, hệ thống %(s)s")
ORDER_AT = N_("đơn %(o)s, %(t)s")
AT_REFERENCE = N_("lúc %(t)s, tham chiếu %(o)s")
AT = N_("lúc %(t)s")
LINES_ORDER = "%(n)s dòng, đơn %(o)s"       # plural entries: shown by ngettext (`shown_detail`)
LINES = "%(n)s dòng"
_DETAILS = [(m, message_pattern(m)) for m in (MISMATCH, ORDER_AT, AT_REFERENCE, AT)]
_PLURAL_DETAILS = [(m, message_pattern(m)) for m in (LINES_ORDER, LINES)]
_LEGACY_AMOUNT = re.compile(r"(\d[\d.]*) ?[đ₫]")


def _amount(text: str) -> str:
    """An amount stored in Vietnamese ("700.000 ₫", or before "700000 đ") as the reader writes money."""
    found = _LEGACY_AMOUNT.fullmatch(text.strip())
    return money_vnd(int(found.group(1).replace(".", ""))) if found else text


def shown_detail(detail: str | None) -> str:
    """A difference's stored detail in the reader's language, its amounts written as money."""
    from lms.i18n import gettext, ngettext

    detail = detail or ""
    for message, pattern in _PLURAL_DETAILS:
        if (found := pattern.match(detail)) is not None and found.group("n").isdigit():
            n = int(found.group("n"))
            if message == LINES_ORDER:
                return ngettext("%(n)s dòng, đơn %(o)s", "%(n)s dòng, đơn %(o)s", n, n=n, o=found.group("o"))
            return ngettext("%(n)s dòng", "%(n)s dòng", n, n=n)
    for message, pattern in _DETAILS:
        if (found := pattern.match(detail)) is not None:
            return gettext(message, **{k: _amount(v) for k, v in found.groupdict().items()})
    return detail


def shown_key(item: ReconciliationItem) -> str:
    """The code column of a difference: the provider's id — or, for a line or a sighting that has
    none (SePay without its id), the bank reference it is known by, else "—"; never "None"."""
    key = item.key or ""
    ident = key.split(":", 1)[1] if item.kind == "unmatched" and ":" in key else key
    if ident.startswith("ref:"):
        return ident[4:]
    if ident.strip().lower() in ("", "none", "null"):
        return item.order_ref or "—"
    return key


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
            keep("duplicate", r.txn_id, r.amount, LINES_ORDER % {"n": counts[r.txn_id], "o": r.order or "—"})
        seen.add(r.txn_id)
        payment = ours.get(r.txn_id) or by_report.get(r.txn_id) or paid_elsewhere.get(r.txn_id)
        if payment is None:
            known_order = r.order in orders or r.order in order_codes
            keep("missing" if known_order else "unknown", r.txn_id, r.amount,
                 ORDER_AT % {"o": r.order or "—", "t": _shown(r.when)}, order=r.order, line=r)
        elif payment.amount != r.amount:
            keep("mismatch", r.txn_id, r.amount, MISMATCH % {"r": money_vnd(r.amount, "vi"), "s": money_vnd(payment.amount, "vi")},
                 payment)
    listed = {r.txn_id for r in good}
    for txn_id, payment in ours.items():
        if start <= payment.received_at <= end and txn_id not in listed and report_key(txn_id) not in listed:
            keep("not_in_report", txn_id, payment.amount, f"{_shown(payment.received_at)}", payment)
    _queued(session, school, keep)
    session.flush()
    return result


def _keeper(session: Session, school: School, provider: str, result: Result, now: datetime):
    def keep(kind: str, key: str, amount: int, detail: str, payment: Payment | None = None, order: str = "",
             line: Row | None = None) -> None:
        item = ReconciliationItem(school_id=school.id, provider="bank" if kind == "unmatched" else provider, kind=kind,
                                  key=key[:80], amount=amount, order_ref=order[:100],
                                  detail=detail[:300], payment_id=payment.id if payment else None, created_at=now,
                                  occurred_at=line.when if line else None, content=line.content if line else "",
                                  account=line.account if line else "")
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
            keep("duplicate", r.txn_id, r.amount, LINES % {"n": counts[r.txn_id]})
        seen.add(r.txn_id)
        sighting = sightings.get(r.txn_id)
        credit = (session.get(BankTransaction, sighting.bank_transaction_id) if sighting else None) or by_reference(r)
        if credit is None:
            keep("missing", r.txn_id, r.amount,
                 AT_REFERENCE % {"t": _shown(r.when), "o": r.order} if r.order else AT % {"t": _shown(r.when)},
                 order=r.order, line=r)
        elif credit.amount != r.amount:
            keep("mismatch", r.txn_id, r.amount, MISMATCH % {"r": money_vnd(r.amount, "vi"), "s": money_vnd(credit.amount, "vi")})
    listed = {r.txn_id for r in good}
    for txn_id, sighting in sightings.items():
        credit = credits.get(sighting.bank_transaction_id)
        if credit is not None and start <= credit.transacted_at <= end and txn_id not in listed:
            keep("not_in_report", txn_id, credit.amount, f"{_shown(credit.transacted_at)}")
    _queued(session, school, keep)
    session.flush()
    return result


def items_of(session: Session, school: School, limit: int = 300) -> list[ReconciliationItem]:
    """The differences, the open ones first (newest first), then those resolved."""
    return list(session.scalars(select(ReconciliationItem).where(ReconciliationItem.school_id == school.id)
                                .order_by(ReconciliationItem.resolved_at.is_not(None), ReconciliationItem.id.desc())
                                .limit(limit)))


def resolvers(session: Session, items: list[ReconciliationItem]) -> dict[int, str]:
    """Who resolved the differences listed: {user id: full name}."""
    from lms.auth.models import User

    ids = sorted({i.resolved_by for i in items if i.resolved_by})
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}


def open_count(session: Session, school: School) -> int:
    """How many differences still wait for the accountant (a resolved one no longer counts)."""
    return session.scalar(select(func.count()).select_from(ReconciliationItem).where(
        ReconciliationItem.school_id == school.id, ReconciliationItem.resolved_at.is_(None))) or 0


def recordable(item: ReconciliationItem) -> bool:
    """A transfer a bank feed's report has and the school had not, still open: it can be recorded
    from the report's line (its time is known)."""
    return (item.kind == "missing" and item.provider in BANK_FEEDS and item.resolved_at is None
            and item.occurred_at is not None and item.amount > 0)


DISMISSED, RECORDED = "dismissed", "recorded"


def resolve_item(session: Session, actor, item: ReconciliationItem, action: str, note: str, *, signer,
                 now: datetime) -> Received | None:
    """The accountant's decision on a difference, with the reason (audited; shown afterwards):
    dismissed — or, for a transfer a bank feed's report has and the school had not, recorded
    through the feed's one credit path (`matching.receive_transfer`: recognised once, whoever
    reported it, and matched to an invoice of this school or queued with the reason)."""
    note = nfc(note or "").strip()
    if item.resolved_at is not None:
        raise ValidationError(_l("Chênh lệch này đã được xử lý."))
    if not note:
        raise ValidationError(_l("Nhập lý do."), field="note")
    refuse_card_numbers(note=note)
    received = None
    if action == RECORDED:
        if not recordable(item):
            raise ValidationError(_l("Chỉ ghi nhận được giao dịch chuyển khoản nhà cung cấp có mà hệ thống chưa ghi."))
        school = session.get(School, item.school_id)
        reference = normal_reference(item.order_ref)
        txn_id = item.key if item.key.strip() else (f"ref:{reference}" if reference else f"reconciliation:{item.id}")
        received = receive_transfer(session, school, TransferIn(
            item.provider, txn_id, item.amount, item.content, item.occurred_at, bank_reference=item.order_ref,
            account_number=item.account), signer=signer, now=now)
        item.bank_transaction_id = received.transaction.id if received.transaction is not None else None
    elif action != DISMISSED:
        raise ValidationError(_l("Chọn cách xử lý."))
    item.outcome, item.resolution, item.resolved_at, item.resolved_by = action, note[:300], now, actor.id
    audit.record(session, "reconciliation_item_resolved", actor_id=actor.id, school_id=item.school_id,
                 subject_type="reconciliation_item", subject_id=item.id, detail=action)
    session.flush()
    return received
