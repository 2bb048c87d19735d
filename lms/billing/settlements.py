"""Card terminal settlement reports (domain/payments.md §8): the platform never talks to the
terminal, so the accountant records card payments from the slips, and the bank's settlement file
(Excel or CSV) is imported and matched to them on (TID, RRN), or (TID, approval code, amount)
when the RRN is missing. A matched line moves the money from "in transit" to the bank, less the
terminal fee (MDR), in one balanced posting. Lines the school did not record, and recorded card
payments the bank did not settle, are listed for the accountant. Re-importing adds nothing. Card
numbers in the file are never stored: only the last four digits are kept."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.billing import ledger
from lms.billing.ledger import Account, cr, dr
from lms.billing.matching import task
from lms.billing.models import CardSettlement, Method, Payment
from lms.billing.statements import (AmountRefused, Problem, Table, cell_reader, find_header, missing_columns, parse_amount,
                                   parse_when)
from lms.core.errors import ValidationError
from lms.core.numbers import money
from lms.core.storage import Area
from lms.i18n import lazy_gettext as _l
from lms.people.models import School
from lms.core.tables import cell_text, date_refusal

FIELDS = {
    "terminal_id": (_l("Mã máy (TID)"), ("tid", "terminal id", "ma may", "ma thiet bi", "terminal", "terminal no",
                                         "terminal number", "pos id", "ma tid", "ma may pos")),
    "rrn": (_l("Số tham chiếu (RRN)"), ("rrn", "so tham chieu", "reference no", "ref no", "retrieval reference",
                                        "retrieval reference number", "rrn no", "ma tham chieu")),
    "approval_code": (_l("Mã chuẩn chi"), ("ma chuan chi", "approval code", "auth code", "ma cap phep", "apv code",
                                          "authorization code", "authorisation code", "approval no", "auth id")),
    "card": (_l("Số thẻ"), ("so the", "card no", "card number", "pan", "the", "masked pan", "card")),
    "amount": (_l("Số tiền giao dịch"), ("so tien", "so tien giao dich", "amount", "transaction amount", "gia tri gd",
                                        "gross amount", "txn amount", "trans amount", "so tien gd", "gia tri giao dich")),
    "fee": (_l("Phí"), ("phi", "phi mdr", "fee", "mdr", "phi dich vu", "mdr fee", "fee amount", "merchant fee",
                        "discount fee", "transaction fee", "service fee", "commission", "msc", "phi giao dich",
                        "phi chiet khau", "tien phi")),
    "settled": (_l("Số tiền thanh toán"), ("so tien thanh toan", "so tien ghi co", "net amount", "settled amount",
                                         "thuc nhan", "so tien thuc nhan", "net", "net amt", "net settlement",
                                         "settlement amount", "so tien con lai", "so tien sau phi")),
    "date": (_l("Ngày giao dịch"), ("ngay giao dich", "ngay gd", "transaction date", "date", "thoi gian", "txn date",
                                    "trans date", "ngay gio giao dich")),
    "settled_on": (_l("Ngày thanh toán"), ("ngay thanh toan", "ngay ket toan", "settlement date", "ngay tt",
                                           "settle date", "batch date")),
}
REQUIRED = ("terminal_id", "amount", "date")


@dataclass
class Line:
    line: int
    terminal_id: str
    rrn: str
    approval_code: str
    last4: str
    amount: int
    fee: int
    settled: int
    when: datetime
    settled_on: date


@dataclass
class SettlementPlan:
    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines)


def read_settlement(filename: str, data: bytes) -> Table:
    return find_header(filename, data, FIELDS, anchors=("terminal_id", "date"))


def plan_settlement(table: Table, mapping: dict[str, int], tz: str) -> SettlementPlan:
    plan = SettlementPlan(problems=missing_columns(table, mapping, FIELDS, REQUIRED, chooser=False))
    if plan.problems:
        return plan
    names = {k: table.column_name(k, FIELDS) for k in FIELDS}
    cell = cell_reader(mapping)

    for line, cells in table.rows:
        # Every cell of the line is checked, whatever else is wrong with it, so that one reading
        # lists every refusal of the file.
        refused = len(plan.problems)

        def refuse(key: str, message, line: int = line) -> None:
            plan.problems.append(Problem(line, names[key], str(message)))

        tid = cell_text(cell(cells, "terminal_id")).strip().upper()
        if not tid:
            refuse("terminal_id", _l("Thiếu mã máy (TID): mã 8 chữ/số in trên hoá đơn của máy POS."))
        elif not re.fullmatch(r"[A-Z0-9]{8}", tid):
            refuse("terminal_id", _l("Mã máy “%(v)s” không phải 8 chữ/số.", v=tid))
        amounts = {}
        for key in ("amount", "fee", "settled"):
            try:
                amounts[key] = parse_amount(cell(cells, key))
            except AmountRefused as exc:
                amounts[key] = None
                refuse(key, exc.message)
        amount, fee, settled = amounts["amount"], amounts["fee"] or 0, amounts["settled"]
        if not amount and not any(p.column == names["amount"] for p in plan.problems[refused:]):
            refuse("amount", _l("Thiếu số tiền giao dịch."))
        elif amount and settled is not None and "fee" not in mapping and settled != amount:
            # A fee column whose header we do not know: fee 0 beside a net amount that says otherwise.
            refuse("settled", _l("Thực nhận %(n)s khác số tiền %(a)s nhưng tệp không có cột phí: đặt tên cột phí là "
                                 "“Phí” (hoặc “MDR Fee”) rồi tải lên lại.", n=money(settled), a=money(amount)))
        elif amount and settled is not None and amount - fee != settled:
            refuse("settled", _l("Số tiền %(a)s trừ phí %(f)s là %(d)s, không phải thực nhận %(n)s: kiểm tra lại dòng "
                                 "này với ngân hàng.", a=money(amount), f=money(fee), d=money(amount - fee),
                                 n=money(settled)))
        when = settled_on = None
        try:
            when = parse_when(cell(cells, "date"), tz)
        except ValueError:
            refuse("date", date_refusal(cell(cells, "date")))
        try:
            settled_on = parse_when(cell(cells, "settled_on"), tz).date() if cell(cells, "settled_on") else None
        except ValueError:
            refuse("settled_on", date_refusal(cell(cells, "settled_on")))
        if len(plan.problems) > refused:
            continue
        digits = re.sub(r"\D", "", cell_text(cell(cells, "card")))
        plan.lines.append(Line(line, tid, re.sub(r"\D", "", cell_text(cell(cells, "rrn")))[:12],
                               cell_text(cell(cells, "approval_code")).strip().upper()[:6], digits[-4:],
                               amount, fee, settled if settled is not None else amount - fee, when,
                               settled_on or when.date()))
    if not plan.lines and not plan.problems:
        plan.problems.append(Problem(1, names["amount"], str(_l("Báo cáo không có giao dịch nào."))))
    return plan


@dataclass
class Outcome:
    matched: int = 0
    differs: int = 0
    not_recorded: int = 0
    again: int = 0


def apply_settlement(session: Session, actor, school: School, plan: SettlementPlan, *, now: datetime) -> Outcome:
    out = Outcome()
    for line in plan.lines:
        payment = _find(session, school, line)
        status = "not_recorded" if payment is None else "matched" if payment.amount == line.amount else "amount_differs"
        row = CardSettlement(school_id=school.id, terminal_id=line.terminal_id,
                             rrn=_rrn(line), approval_code=line.approval_code,
                             card_last4=line.last4, amount=line.amount, settled_amount=line.settled, fee=line.fee,
                             transacted_at=line.when, settled_on=line.settled_on, status=status,
                             payment_id=payment.id if payment else None, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            out.again += 1
            continue
        if status == "matched":
            out.matched += 1
            refs = {"student_id": payment.student_id, "payment_id": payment.id}
            ledger.post(session, school.id, "card_settled", [dr(Account.BANK, line.settled, **refs),
                                                             dr(Account.FEES, line.amount - line.settled, **refs),
                                                             cr(Account.CLEARING, line.amount, **refs)],
                        actor_id=actor.id, memo=f"{line.terminal_id} {line.rrn}", at=now)
        elif status == "amount_differs":
            out.differs += 1
            task(session, school.id, "card", f"{line.terminal_id}/{line.rrn}: ngân hàng {line.amount} đ, sổ {payment.amount} đ",
                 payment_id=payment.id)
        else:
            out.not_recorded += 1
            task(session, school.id, "card", f"{line.terminal_id}/{line.rrn or line.approval_code}: {line.amount} đ "
                                             f"chưa được ghi từ hoá đơn thẻ")
    session.flush()
    return out


def _rrn(line: Line) -> str:
    """The key a line is kept under with its terminal: the bank's RRN, else its approval code and amount."""
    return line.rrn or f"A{line.approval_code}{line.amount}"[:12]


def reconciled_before(session: Session, school: School, plan: SettlementPlan) -> dict[int, CardSettlement]:
    """The lines of a report already reconciled by an earlier import (by terminal and RRN, the
    key apply_settlement keeps them under), by line number: the preview marks them, as the
    statement preview marks credits already recorded, and they are not reconciled again."""
    keys = {(line.terminal_id, _rrn(line)): line.line for line in plan.lines}
    if not keys:
        return {}
    rows = session.scalars(select(CardSettlement).where(
        CardSettlement.school_id == school.id,
        CardSettlement.terminal_id.in_({tid for tid, _ in keys}),
        CardSettlement.rrn.in_({rrn for _, rrn in keys})))
    return {keys[(r.terminal_id, r.rrn)]: r for r in rows if (r.terminal_id, r.rrn) in keys}


def _find(session: Session, school: School, line: Line) -> Payment | None:
    base = select(Payment).where(Payment.school_id == school.id, Payment.method == Method.CARD_POS,
                                 Payment.terminal_id == line.terminal_id)
    taken = select(CardSettlement.payment_id).where(CardSettlement.payment_id.is_not(None))
    if line.rrn:
        found = session.scalars(base.where(Payment.rrn == line.rrn, Payment.id.not_in(taken))).first()
        if found is not None:
            return found
    if line.approval_code:
        return session.scalars(base.where(Payment.approval_code == line.approval_code, Payment.amount == line.amount,
                                          Payment.id.not_in(taken))).first()
    return None


def unsettled(session: Session, school: School, before: date) -> list[Payment]:
    """Card payments recorded from slips that no settlement has confirmed (older than `before`)."""
    from lms.core.timeutil import local_to_utc, school_tz

    limit = local_to_utc(datetime.combine(before, datetime.min.time()), school_tz())
    taken = select(CardSettlement.payment_id).where(CardSettlement.payment_id.is_not(None))
    return list(session.scalars(select(Payment).where(Payment.school_id == school.id, Payment.method == Method.CARD_POS,
                                                      Payment.received_at < limit, Payment.id.not_in(taken))
                                .order_by(Payment.received_at)))


def settlements_of(session: Session, school: School, limit: int = 200) -> list[CardSettlement]:
    return list(session.scalars(select(CardSettlement).where(CardSettlement.school_id == school.id)
                                .order_by(CardSettlement.id.desc()).limit(limit)))


def save_pending(plan: SettlementPlan, folder: Area) -> str:
    """Keep a checked report's parsed lines (last four digits only, never the file) until the
    accountant confirms; returns the token that names them."""
    import json
    import uuid
    from dataclasses import asdict

    token = uuid.uuid4().hex
    lines = [{**asdict(line), "when": line.when.isoformat(), "settled_on": line.settled_on.isoformat()}
             for line in plan.lines]
    (folder / f"{token}.json").write_text(json.dumps(lines))
    return token


def load_pending(folder: Area, token: str) -> SettlementPlan:
    import json

    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise ValidationError(_l("Báo cáo đã hết hạn; hãy tải lại tệp."))
    path = folder / f"{token}.json"
    if not path.exists():
        raise ValidationError(_l("Báo cáo đã hết hạn; hãy tải lại tệp."))
    raw = json.loads(path.read_text())
    return SettlementPlan([Line(**{**d, "when": datetime.fromisoformat(d["when"]),
                                   "settled_on": date.fromisoformat(d["settled_on"])}) for d in raw])
