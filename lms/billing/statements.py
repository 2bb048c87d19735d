"""Bank statements exported from the banks' portals (Excel or CSV), for schools without SePay or
Casso: the header row is found below any title block, its columns are proposed from the usual
Vietnamese headings and can be changed by the accountant (the mapping step), every line is
checked (the line number and column of each problem are reported, nothing is recorded while any
remains), and each credit goes through the same matching as a webhook. Re-importing the same
statement records nothing twice: a line's id is the bank's reference, or a hash of its date,
amount and content when the bank gives none."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from sqlalchemy import select

from lms.billing.matching import TransferIn, close_days, recorded_before
from lms.billing.models import Payment
from lms.core.tables import Column, Skipped, blank, cell_text, date_refusal, read_table, to_amount, to_datetime
from lms.core.numbers import money
from lms.core.text import nfc
from lms.core.timeutil import local_to_utc
from lms.i18n import lazy_gettext as _l

MAX_LINES = 20_000
DIRECTION_HEADERS = ("loai gd", "loai giao dich", "loai", "loai but toan", "loai phat sinh", "tinh chat",
                     "chieu", "chieu giao dich", "no/co", "co/no", "no co", "ghi no/ghi co", "ghi co/ghi no",
                     "c/d", "d/c", "cr/dr", "dr/cr", "d/c flag", "c/d flag", "debit/credit", "credit/debit",
                     "dr cr", "cr dr", "type", "transaction type", "txn type", "trans type", "+/", "dau")
# A flag cell's words (accents and case ignored): money in, money out.
CREDIT_FLAGS = frozenset({"c", "cr", "co", "ghi co", "credit", "+", "tien vao", "vao", "in", "nhan"})
DEBIT_FLAGS = frozenset({"d", "dr", "no", "ghi no", "debit", "-", "−", "tien ra", "ra", "out", "chi"})
FIELDS = {
    "date": (_l("Ngày giao dịch"), ("ngay giao dich", "ngay gd", "ngay hieu luc", "ngay", "thoi gian", "transaction date",
                                    "date", "ngay giao dich/ transaction date", "effective date", "txn date",
                                    "ngay hach toan", "accounting date", "posting date", "ngay phat sinh",
                                    "ngay gio giao dich", "thoi gian giao dich", "value date", "ngay ghi so")),
    "credit": (_l("Số tiền ghi có"), ("so tien ghi co", "ghi co", "so tien co", "phat sinh co", "credit", "credit amount",
                                      "tien vao", "so tien", "amount", "so tien giao dich", "co", "co tktt",
                                      "so tien phat sinh co", "ps co", "ps tang", "tien gui vao", "gui vao")),
    "content": (_l("Nội dung"), ("noi dung", "noi dung chi tiet", "mo ta", "mo ta giao dich", "dien giai",
                                 "description", "details", "transaction details", "noi dung giao dich", "remark",
                                 "mo ta chi tiet", "transaction description", "noi dung chuyen tien", "dien giai giao dich",
                                 "noi dung chi tiet/ description")),
    "reference": (_l("Số tham chiếu"), ("so tham chieu", "so but toan", "ma giao dich", "so ct", "so chung tu",
                                        "reference", "reference no", "ref no", "transaction no", "ma gd",
                                        "so giao dich", "transaction number", "so bt", "ma tham chieu", "so chung tu",
                                        "so ct/ doc no", "doc no", "so tham chieu/ reference no", "transaction id",
                                        "transaction ref", "transaction reference", "txn id", "txn ref", "trace no",
                                        "ma giao dich ngan hang", "so giao dich ngan hang", "ref")),
    "counter_name": (_l("Tên người chuyển"), ("ten tai khoan doi ung", "nguoi chuyen", "ten nguoi chuyen",
                                              "tai khoan doi ung", "counter account name", "ten doi ung", "doi tac",
                                              "remitter", "ben chuyen", "nguoi gui", "ten tai khoan doi ung")),
    # The money going out, in a column of its own ("Nợ", "Ghi nợ / Debit"): a line is a credit or a
    # debit by which of the two holds its amount, and one with neither or both is refused.
    "debit": (_l("Số tiền ghi nợ"), ("so tien ghi no", "ghi no", "so tien no", "phat sinh no", "debit", "debit amount",
                                     "tien ra", "no", "no tktt", "so tien phat sinh no", "ps no", "ps giam",
                                     "withdrawal", "withdrawals", "rut ra")),
    # Or one unsigned amount beside a flag saying which it is ("Loại GD": C/D, Nợ/Có, Ghi nợ/Ghi có,
    # DR/CR, +/-), as VPBank, ACB, Sacombank and SHB export it.
    "direction": (_l("Loại giao dịch (C/D, Nợ/Có)"), DIRECTION_HEADERS),
}
REQUIRED = ("date", "credit", "content")


@dataclass
class Problem:
    line: int
    column: str
    message: str


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    mapping: dict[str, int]
    skipped: list[Skipped] = field(default_factory=list)   # title, balances, totals, footer: listed, not read
    unknown: list[str] = field(default_factory=list)
    table: object = None                                    # the core reader's table, for the preview

    def column_name(self, key: str, fields: dict) -> str:
        """The column as the bank's file names it ("Số tiền ghi có / Credit (D)"), for refusals."""
        if self.table is not None and key in self.mapping:
            return self.table.column_name(key)
        return str(fields[key][0])


@dataclass
class StatementPlan:
    transfers: list[tuple[int, TransferIn]] = field(default_factory=list)
    account: str = ""       # the account the statement's title names ("Số tài khoản: 74010000123456"), or ""
    problems: list[Problem] = field(default_factory=list)
    skipped_debits: int = 0
    debit_lines: list[int] = field(default_factory=list)   # the debit lines, by number, for the preview
    # A credit the file lists twice (the same bank reference, date and amount — a portal's export
    # repeating a line across pages): (line, the line it repeats, reference). Imported once, so the
    # preview says so and counts it once, as the confirmation will.
    repeats: list[tuple[int, int, str]] = field(default_factory=list)
    # Lines whose date the bank gives without a time: the preview shows their day only, not "00:00".
    no_time: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.transfers)

    @property
    def total(self) -> int:
        return sum(t.amount for _, t in self.transfers)


def spec(fields: dict, anchors: tuple[str, ...] = ("date",), free: tuple[str, ...] = ("content", "counter_name")) -> list[Column]:
    return [Column(key, label, tuple(names), anchor=key in anchors, text=key in free)
            for key, (label, names) in fields.items()]


def find_header(filename: str, data: bytes, fields: dict, *, anchors: tuple[str, ...] = ("date",),
                mapping: dict[str, int] | None = None) -> Table:
    """A bank export read by the one table reader: its header row found below any title block,
    its title, balance, total and signature lines skipped and listed, the proposed mapping — or
    the accountant's `mapping` (key → column index), by whose columns the lines are then told
    apart as data or layout."""
    core = read_table(filename, data, spec(fields, anchors), max_rows=MAX_LINES, mapping=mapping)
    rows = []
    for line in core.lines:
        cells = list(line.cells)
        for key, span in core.spans.items():   # a memo whose header is merged over several columns
            cells[span[0]] = line.get(key)
        rows.append((line.number, cells))
    return Table(core.headers, rows, dict(core.columns), core.skipped, core.unknown, core)


def read_statement(filename: str, data: bytes, mapping: dict[str, int] | None = None) -> Table:
    """A statement read by the one table reader, its columns proposed by their headers — and a
    debit/credit flag column whose header is not one we know proposed by its values (every cell
    C/D, Nợ/Có, DR/CR, +/-), so that money out is never read as money in."""
    table = find_header(filename, data, FIELDS, mapping=mapping)
    if mapping is None and "direction" not in table.mapping:
        index = flag_column(table)
        if index is not None:
            from openpyxl.utils import get_column_letter

            table.mapping["direction"] = index
            if table.table is not None:
                table.table.columns["direction"] = index
            mark = re.compile(r"\(%s[,)]" % get_column_letter(index + 1))
            table.unknown[:] = [u for u in table.unknown if not mark.search(u)]
    return table


def flag_of(value: object) -> str | None:
    """"credit" or "debit" for a flag cell (C, Có, Ghi có, CR, +, Credit / D, Nợ, Ghi nợ, DR, -, Debit;
    accents, case and spacing ignored), None for anything else."""
    from lms.core.text import fold

    word = " ".join(fold(cell_text(value)).replace(".", " ").split())
    return "credit" if word in CREDIT_FLAGS else "debit" if word in DEBIT_FLAGS else None


FLAG_VALUES = frozenset({"c", "d", "cr", "dr", "co", "no", "ghi co", "ghi no", "credit", "debit", "+", "-"})


def flag_column(table: Table) -> int | None:
    """The column not otherwise used whose every filled cell, on most lines, is a debit/credit flag."""
    from lms.core.text import fold

    used = set(table.mapping.values())
    width = max((len(cells) for _, cells in table.rows), default=0)
    for index in range(width):
        if index in used:
            continue
        values = [cells[index] for _, cells in table.rows if index < len(cells) and cell_text(cells[index]).strip()]
        if values and len(values) * 2 >= len(table.rows) and all(
                " ".join(fold(cell_text(v)).replace(".", " ").split()) in FLAG_VALUES for v in values):
            return index
    return None


def missing_columns(table: Table, mapping: dict[str, int], fields: dict, required: tuple[str, ...], *,
                    chooser: bool) -> list[Problem]:
    """A refusal for each required column the file does not have, on the line of the file's header
    (below any title block: the line Excel shows), with the file's own columns. Only a page that
    offers the column chooser (the statement import) asks to choose one; the others (settlements,
    reconciliation) say what to name the column in the file."""
    from openpyxl.utils import get_column_letter

    header = table.table.header_lines if table.table is not None else ()
    line = header[0] if header else 1
    columns = ", ".join(f"{get_column_letter(i + 1)} “{h}”" for i, h in enumerate(table.headers)
                        if str(h or "").strip()) or "—"
    problems = []
    for key in required:
        if key in mapping:
            continue
        label = fields[key][0]
        problems.append(Problem(line, str(label), str(
            _l("Chọn cột “%(c)s” trong các cột của tệp: %(h)s.", c=label, h=columns) if chooser else
            _l("Dòng tiêu đề (dòng %(n)s) không có cột “%(c)s”; các cột của tệp: %(h)s. Đặt tên cột đó là “%(c)s” "
               "trong tệp rồi tải lên lại.", n=line, c=label, h=columns))))
    return problems


def cell_reader(mapping: dict[str, int]):
    def cell(cells: list, key: str):
        i = mapping.get(key)
        return cells[i] if i is not None and i < len(cells) else None
    return cell


FILE_AMOUNT_MAX = 10**12     # one line of a bank's or a provider's file: a thousand billion đồng at most


class AmountRefused(ValueError):
    """An amount cell of a file that is not an amount we keep; `message` says why, for its line and column."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_amount(value: object, *, signed: bool = True) -> int | None:
    """1.500.000 / 1,500,000 / 1500000 / 1 500 000 đ → 1500000 (the one parser of lms.core.numbers);
    empty, 0 or “-” → None. A negative amount is a debit (None) in a `signed` column (one amount
    column, money in and out); in a column that holds only credits (`signed=False`: “Có / Credit”
    beside “Nợ / Debit”) it is refused, never quietly dropped. The one amount reader of every file
    (statements, provider reports, card settlements): what cannot be read, a fraction of a đồng, or
    an amount beyond FILE_AMOUNT_MAX (a 20-digit amount would reach the database as an error),
    raises AmountRefused saying which."""
    from lms.core.errors import ValidationError
    from lms.core.numbers import parse_number

    text = cell_text(value).strip()
    if text in ("", "-", "0"):
        return None
    if text.startswith(("-", "(")) or (isinstance(value, (int, float)) and value < 0):
        if signed:
            return None
        raise AmountRefused(str(_l("Số tiền âm “%(v)s” trong cột chỉ ghi có: khoản ghi nợ nằm ở cột ghi nợ; kiểm tra "
                                   "lại dòng này với ngân hàng.", v=text)))
    try:
        amount = to_amount(value) or None
    except (ValueError, OverflowError):
        try:
            number = parse_number(text)
        except ValidationError:
            number = None
        if number is not None and number != number.to_integral_value():
            raise AmountRefused(str(_l("Số tiền “%(v)s” có phần lẻ: tiền đồng không có phần thập phân, số tiền phải là "
                                       "số đồng tròn.", v=text))) from None
        raise AmountRefused(str(_l("Số tiền “%(v)s” không đọc được.", v=text))) from None
    if amount is not None and amount > FILE_AMOUNT_MAX:
        raise AmountRefused(str(_l("Số tiền “%(v)s” quá lớn (tối đa %(m)s đồng).", v=text, m=money(FILE_AMOUNT_MAX))))
    return amount


# A statement's one amount column for money in and out, where a negative is a debit; any other
# credit column ("Có", "Ghi có / Credit", "Phát sinh có") holds only credits.
SIGNED_AMOUNT = ("so tien", "amount", "so tien giao dich", "transaction amount", "so tien phat sinh")


def signed_column(header: object) -> bool:
    """Whether a statement's credit column, by its header, is one signed amount column."""
    from lms.core.text import fold

    forms = {" ".join(fold(part).split()).strip(" :.-_")
             for part in [str(header or ""), *re.split(r"[/\n|]", str(header or ""))]}
    forms |= {" ".join(re.sub(r"\([^)]*\)?", " ", f).split()) for f in forms}
    return bool(forms & set(SIGNED_AMOUNT))


def _has_sign(value: object) -> bool:
    """Whether an amount cell says its direction: “+395,000”, “-20,000”, “(20,000)”, a negative number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value < 0
    return cell_text(value).strip().startswith(("+", "-", "−", "("))


def _unsigned(value: object) -> object:
    """An amount cell without its sign (a debit column written negative, “+395,000”)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(value)
    text = cell_text(value).strip()
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text.lstrip("+-− ")


def _flagged_amount(plan: StatementPlan, line: int, flag: object, value: object, names: dict) -> int | None:
    """A line of an amount beside a debit/credit flag: the credit's amount, None for a debit, 0 when refused."""
    direction = flag_of(flag)
    if direction is None:
        plan.problems.append(Problem(line, names["direction"], str(
            _l("Thiếu loại giao dịch: ghi C (Có, CR, +) cho tiền vào hoặc D (Nợ, DR, −) cho tiền ra.") if blank(flag) else
            _l("Loại giao dịch “%(v)s” không rõ: ghi C (Có, CR, +) cho tiền vào hoặc D (Nợ, DR, −) cho tiền ra.",
               v=cell_text(flag)))))
        return 0
    if direction == "debit":
        return None
    if _has_sign(value) and not cell_text(value).strip().startswith("+"):
        plan.problems.append(Problem(line, names["credit"], str(_l(
            "Số tiền âm “%(v)s” ở dòng ghi có (%(f)s): kiểm tra lại dòng này với ngân hàng.",
            v=cell_text(value), f=cell_text(flag)))))
        return 0
    try:
        amount = parse_amount(_unsigned(value), signed=False)
    except AmountRefused as exc:
        plan.problems.append(Problem(line, names["credit"], exc.message))
        return 0
    if amount is None:
        plan.problems.append(Problem(line, names["credit"], str(_l("Thiếu số tiền của khoản ghi có."))))
        return 0
    return amount


def two_column_amount(plan: StatementPlan, line: int, debit: object, credit: object, names: dict) -> int | None:
    """A line of a statement (or of a provider's report: "Tiền vào" / "Tiền ra") with a debit and a
    credit column: the credit's amount, None for a debit line, 0 when refused (on `plan.problems`)
    — a line with neither amount, or both, is not guessed to be either."""
    amounts = {}
    for key, value, signed in (("debit", _unsigned(debit), True), ("credit", credit, False)):
        try:
            amounts[key] = parse_amount(value, signed=signed)
        except AmountRefused as exc:
            plan.problems.append(Problem(line, names[key], exc.message))
            amounts[key] = 0
    if 0 in amounts.values():
        return 0
    both = f"{names['debit']}, {names['credit']}"
    if amounts["debit"] is None and amounts["credit"] is None:
        plan.problems.append(Problem(line, both, str(_l(
            "Dòng không có số tiền ghi nợ hay ghi có: không biết là khoản thu hay khoản chi. Kiểm tra lại dòng này "
            "với ngân hàng rồi tải sao kê lên lại."))))
        return 0
    if amounts["debit"] is not None and amounts["credit"] is not None:
        plan.problems.append(Problem(line, both, str(_l(
            "Dòng có cả số tiền ghi nợ (%(d)s) và ghi có (%(c)s): một dòng sao kê là một giao dịch. Kiểm tra lại "
            "dòng này với ngân hàng.", d=money(amounts["debit"]), c=money(amounts["credit"])))))
        return 0
    return amounts["credit"]


def parse_when(value: object, tz: str) -> datetime:
    moment = to_datetime(value)
    if moment is None:
        raise ValueError(value)
    return local_to_utc(moment.replace(tzinfo=None), tz)


# "Số tài khoản: 74010000123456", "Tài khoản/Account No: 0801234567890 - TRUONG …", "STK: 1903 5566 7788",
# "Số tài khoản/ Account No: · 108000123456": the account a bank prints in its statement's title block.
ACCOUNT_IN_TITLE = re.compile(r"(?:s[oố]\s*t[aà]i\s*kho[aả]n|t[aà]i\s*kho[aả]n|\bstk|account\s*(?:no\.?|number)"
                              r")(?:\s*/\s*(?:account|acc|a/c)(?:\s*(?:no\.?|number))?)?\s*[:.]?\s*[·:]?\s*"
                              r"(\d[\d .-]{4,30}\d)", re.IGNORECASE)


def account_in_title(table: Table) -> str:
    """The account number the statement's own title block names (its digits) — or, when the title
    names none, a sheet of its own does ("Thông tin chung": "Số tài khoản: 74010000123456", as SHB
    exports it) —, or "" when the file names none."""
    texts = [skipped.text for skipped in table.skipped if skipped.kind == "title"]
    if table.table is not None:
        texts += [text for _sheet, text in table.table.sheet_lines]
    for text in texts:
        found = ACCOUNT_IN_TITLE.search(nfc(text))
        if found:
            return re.sub(r"\D", "", found.group(1))
    return ""


def plan_statement(table: Table, mapping: dict[str, int], tz: str, *, school=None,
                   now: datetime | None = None) -> StatementPlan:
    """The credits of a statement read with `mapping` (read_statement(…, mapping) when the
    accountant chose the columns), each refusal naming its line and the file's own column. With
    the `school`, a statement whose title names another account than the school's is refused
    (`matching.account_problem`, the check of every path that sees a bank credit) and each line's
    date must be plausible (`payments.paid_at_problem`: not in the future, not years ago)."""
    from lms.billing.matching import account_problem
    from lms.billing.payments import paid_at_problem
    from lms.core.timeutil import utcnow

    now = now or utcnow()
    plan = StatementPlan(problems=missing_columns(table, mapping, FIELDS, REQUIRED, chooser=True))
    plan.account = account_in_title(table)
    if school is not None and plan.account:
        problem = account_problem(school, plan.account)
        if problem is not None:
            line = next((x.line for x in table.skipped if x.kind == "title" and ACCOUNT_IN_TITLE.search(nfc(x.text))), 1)
            plan.problems.insert(0, Problem(line, str(_l("Số tài khoản")), str(_l(
                "Sao kê này là của tài khoản %(a)s, không phải tài khoản thu của trường (%(o)s): không nhập được. "
                "Tải sao kê của tài khoản %(o)s.", a=plan.account, o=school.bank_account_number))))
    if plan.problems:
        return plan
    names = {k: table.column_name(k, FIELDS) for k in FIELDS}
    cell = cell_reader(mapping)
    signed = signed_column(table.headers[mapping["credit"]]) if mapping["credit"] < len(table.headers) else True
    flagged, two_columns = "direction" in mapping, "debit" in mapping
    if signed and not flagged and not two_columns and not any(
            _has_sign(cell(cells, "credit")) for _, cells in table.rows):
        # One amount column with no sign anywhere, no flag and no debit column: nothing says which
        # lines are money out, and reading them all as credits would count fees and withdrawals
        # as payments.
        header = table.table.header_lines if table.table is not None else ()
        plan.problems.append(Problem(header[0] if header else 1, names["credit"], str(_l(
            "Không biết dòng nào là tiền vào, dòng nào là tiền ra: cột “%(c)s” chỉ ghi số tiền, không có dấu +/−, và "
            "chưa chọn cột loại giao dịch (C/D, Nợ/Có) hay cột số tiền ghi nợ. Chọn cột đó ở trên rồi xem lại; "
            "không nhập để khỏi tính khoản chi thành khoản thu.", c=names["credit"]))))
        return plan

    first_of: dict[str, tuple[int, TransferIn]] = {}     # bank reference → its first line in the file
    for line, cells in table.rows:
        # Every cell the line needs is checked, whatever else is wrong with it, so that one reading
        # lists every refusal of the file (a line with a bad amount and a bad date gets both).
        refused = len(plan.problems)
        if flagged:
            amount = _flagged_amount(plan, line, cell(cells, "direction"), cell(cells, "credit"), names)
        elif two_columns:
            amount = two_column_amount(plan, line, cell(cells, "debit"), cell(cells, "credit"), names)
        else:
            try:
                amount = parse_amount(cell(cells, "credit"), signed=signed)
            except AmountRefused as exc:
                amount = 0
                plan.problems.append(Problem(line, names["credit"], exc.message))
        if amount is None:
            plan.skipped_debits += 1
            plan.debit_lines.append(line)
            continue
        try:
            when = parse_when(cell(cells, "date"), tz)
        except ValueError:
            plan.problems.append(Problem(line, names["date"], date_refusal(cell(cells, "date"))))
        else:
            if (wrong := paid_at_problem(when, now)) is not None:
                plan.problems.append(Problem(line, names["date"], str(_l("Ngày giao dịch không hợp lệ: %(p)s",
                                                                       p=wrong))))
        if len(plan.problems) > refused:
            continue
        if ":" not in cell_text(cell(cells, "date")) and to_datetime(cell(cells, "date")).time() == time(0):
            plan.no_time.add(line)
        content = cell_text(cell(cells, "content"))
        reference = cell_text(cell(cells, "reference")).strip()
        txn_id = reference or "h" + hashlib.sha256(f"{when.isoformat()}|{amount}|{content}".encode()).hexdigest()[:40]
        if reference in first_of and close_days(first_of[reference][1].transacted_at, when):
            # One bank reference around one day is one credit: the same line again is said here, not
            # "already recorded" later; another amount or time under it is for the accountant to check.
            # On another day it is the bank's short reference used again — another credit
            # (matching.same_credit).
            first, seen = first_of[reference]
            if (seen.amount, seen.transacted_at) == (amount, when):
                plan.repeats.append((line, first, reference))
            else:
                plan.problems.append(Problem(line, names["reference"], str(_l(
                    "Số tham chiếu “%(r)s” đã có ở dòng %(f)s với số tiền hoặc thời điểm khác: một số tham chiếu là "
                    "một giao dịch của ngân hàng; kiểm tra lại hai dòng.", r=reference, f=first))))
            continue
        transfer = TransferIn("statement", txn_id, amount, content, when, bank_reference=reference,
                              counter_name=cell_text(cell(cells, "counter_name")), account_number=plan.account)
        if reference:
            first_of[reference] = (line, transfer)
        plan.transfers.append((line, transfer))
    if not plan.transfers and not plan.problems:
        plan.problems.append(Problem(1, names["credit"], str(_l("Sao kê không có khoản ghi có nào."))))
    return plan


@dataclass
class Imported:
    new: int = 0
    matched: int = 0
    again: int = 0          # lines of a statement imported before
    known: int = 0          # credits another source reported first (a feed, another statement): already recorded
    # ... counted by who reported them first and when: (source, recorded at UTC) -> lines
    earlier: dict[tuple[str, datetime], int] = field(default_factory=dict)
    masked: int = 0         # memos holding what looks like a card number, stored masked


def distinct_ids(transfers: list[TransferIn]) -> list[TransferIn]:
    """Two identical lines of one statement without a bank reference (the same parent paying
    twice the same day) are two credits: the second and later of the same id get "#2", "#3"…
    so that importing the statement again still finds each of them."""
    seen: dict[str, int] = {}
    for t in transfers:
        if t.bank_reference:
            continue
        n = seen[t.provider_txn_id] = seen.get(t.provider_txn_id, 0) + 1
        if n > 1:
            t.provider_txn_id = f"{t.provider_txn_id}#{n}"
    return transfers


@dataclass
class Earlier:
    """A statement line whose credit is already recorded: who recorded it first (an earlier
    statement import or a bank feed) and when, and what became of it — the payment and its invoice,
    or the queue."""
    line: int
    source: str
    recorded_at: datetime
    status: str
    invoice_code: str = ""
    amount_paid: int = 0


def recorded_lines(session, school, plan: StatementPlan) -> dict[int, Earlier]:
    """The preview's view of what `import_statement` will link instead of recording: each line
    (by number) that an earlier import or a bank feed already recorded, by the one recognition
    rule of lms.billing.matching (the bank reference, else account + amount + time + memo)."""
    if not plan.ok:
        return {}
    # The ids the import will give the lines (copies: the plan's own transfers stay as read).
    copies = distinct_ids([replace(t) for _, t in plan.transfers])
    found = {line: row for (line, _), row in zip(plan.transfers, recorded_before(session, school, copies), strict=True)
             if row is not None}
    paid = {}
    ids = sorted({row.payment_id for row in found.values() if row.payment_id})
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        paid.update({p.id: p for p in session.scalars(select(Payment).where(Payment.id.in_(chunk)))})
    out = {}
    for line, row in found.items():
        payment = paid.get(row.payment_id)
        out[line] = Earlier(line, row.source, row.created_at, row.status,
                            payment.invoice_code if payment else "", payment.amount if payment else 0)
    return out


def earlier_groups(lines: dict[int, Earlier]) -> dict[tuple[str, datetime], int]:
    """The preview's recorded lines counted as the import's summary counts them (`Imported.earlier`):
    by who recorded each credit first and when — one wording for both (issue #27)."""
    out: dict[tuple[str, datetime], int] = {}
    for e in lines.values():
        out[(e.source, e.recorded_at)] = out.get((e.source, e.recorded_at), 0) + 1
    return out


def needs_account_confirmed(school, plan: StatementPlan) -> bool:
    """The file names no account: the accountant says it is the school's before it is imported."""
    return not plan.account and bool(re.sub(r"\D", "", school.bank_account_number or ""))


def import_statement(session, school, plan: StatementPlan, *, now: datetime, account_confirmed: bool = False) -> Imported:
    """Record every credit of a checked statement with the same matching as a webhook, in one
    batched pass (thousands of lines in seconds; the receipts are made by a job after the
    commit). A line is never refused for its memo. A statement whose title names no account is
    imported only once the accountant confirmed it is the school's (`account_confirmed`)."""
    from lms.billing.matching import receive_many
    from lms.billing.models import TransferStatus
    from lms.core.errors import ValidationError

    if needs_account_confirmed(school, plan):
        if not account_confirmed:
            raise ValidationError(_l("Sao kê không ghi số tài khoản: đánh dấu ô xác nhận đây là sao kê của tài khoản "
                                     "thu của trường (%(o)s).", o=school.bank_account_number), field="account_confirmed")
        for _, t in plan.transfers:
            t.account_number = school.bank_account_number
    out = Imported()
    for got in receive_many(session, school, distinct_ids([t for _, t in plan.transfers]), now=now):
        if got.outcome in ("again", "known"):
            # Counted as the preview counts them (`recorded_lines`, `earlier_groups`): by who recorded
            # the credit first and when — this statement's earlier import as much as a bank feed.
            if got.outcome == "again":
                out.again += 1
            else:
                out.known += 1
            if got.transaction is not None:
                first = (got.transaction.source, got.transaction.created_at)
                out.earlier[first] = out.earlier.get(first, 0) + 1
        else:
            out.new += 1
            out.matched += got.transaction.status == TransferStatus.MATCHED
            out.masked += got.masked
    return out
