"""Bank credits to the school's account — reported by SePay, Casso, payOS or an imported
statement — recognised once whatever reports them, matched to invoices by the payment reference
in the transfer content (domain/payments.md §7), and otherwise queued for the accountant.

**One credit, however many sightings.** The same transfer can reach us several times: a webhook
retried, SePay and then the month's statement, a payOS notice and Casso. Each report is a
*sighting* (unique per source and the source's own id: a redelivery records nothing). A new
sighting is the same credit as one already known when it carries the same bank reference, or —
when one of the two has none — the same amount on the same or the next day with a compatible
memo, to a credit this source has not reported yet (so two identical lines of one statement stay
two credits). Only a credit seen for the first time is matched and can become a payment; a later
sighting is linked to it and shown to the accountant as already recorded. The school's lock on
its bank credits (one row) makes the decision race-free.

**Only the school's own account, only the school's own invoices.** Invoice codes are unique across
the deployment (`reference.invoice_reference`): a credit whose memo names another school's invoice,
or that arrived on an account other than the school's configured one, waits in this school's queue
with the reason; it never settles anything.

**Never refused for its content.** A memo holding what looks like a card number is stored with
the number masked and a task for the accountant; the money is recorded or queued all the same.

The matching rules (§7.3): only credits count; one known reference settles its invoice (less is a
partial payment, more leaves credit and a task); several references are applied only when the
amount equals the sum of what they owe; an unknown reference, an invoice already settled or
void, or no reference at all goes to the queue — money is never dropped or guessed.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta

from sqlalchemy import Column, MetaData, String, Table, select, true
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.billing import ledger, payments, rules, states
from lms.billing.invoicing import PREFIX
from lms.billing.payments import N_
from lms.billing.models import BankSighting, BankTransaction, BillingTask, Invoice, Method, TransferStatus
from lms.billing.reference import is_valid_reference, near_references, read_references
from lms.core import audit
from lms.core.cards import mask_card_numbers
from lms.core.errors import ValidationError
from lms.core.numbers import money
from lms.core.text import fold, nfc
from lms.core.timeutil import school_tz, utc_to_local
from lms.db import bulk_work, insert_objects, plain_row
from lms.i18n import lazy_gettext as _l, source_text
from lms.people.models import School, Student

SAME_CREDIT_DAYS = 1          # a statement may date a late-evening transfer the next day
MIN_MEMO_OVERLAP = 8          # characters of memo one sighting must share whole with the other
CHUNK = 500


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
    outcome: str                     # new | again (this source's redelivery) | known (another source saw it first)
    masked: bool = False             # the memo held what looks like a card number (stored masked)

    @property
    def created(self) -> bool:
        return self.outcome == "new"


def task(session: Session, school_id: int, kind: str, message: str, **refs) -> BillingTask:
    row = BillingTask(school_id=school_id, kind=kind, message=message[:300], **refs)
    session.add(row)
    return row


@lru_cache(maxsize=8192)
def _codes(text: str) -> tuple[str, ...]:
    """The invoice codes of a memo (`read_references`, a pure function: as written whole, or glued
    to other words, or with I, O or l for 1 and 0, wherever the check character confirms it): a
    statement's lines ask it of the same memo several times (placing, indexing, matching)."""
    return tuple(read_references(text))


def references_in(t: TransferIn) -> list[str]:
    refs = list(_codes(t.content or ""))
    if t.code and is_valid_reference(t.code.strip().upper()) and t.code.strip().upper() not in refs:
        refs.insert(0, t.code.strip().upper())
    return refs


def _digits(account: str | None) -> str:
    return re.sub(r"\D", "", account or "")


# The feeds whose every report names the account that received the credit (SePay's and Casso's
# `accountNumber`): one without it cannot be checked against the school's account, so it waits.
ACCOUNT_REPORTED = frozenset({"sepay", "casso"})


def account_problem(school: School, account: str | None, *, required: bool = True):
    """The one check "is this credit for this school's configured account", for every path that
    sees a bank credit (feeds, statements, payOS, assigning by hand): None when it is (or the
    school has no account configured to compare with), else the reason it cannot pay an invoice
    here — another account, or (`required`) none named at all."""
    ours = _digits(school.bank_account_number)
    if not ours:
        return None
    if not _digits(account):
        return _l(NO_ACCOUNT,
                  o=school.bank_account_number) if required else None
    if _digits(account) != ours:
        return _l(OTHER_ACCOUNT,
                  a=account, o=school.bank_account_number)
    return None


# ---------------------------------------------------------------- the queue's reasons
#
# Why a credit waits in the queue is decided outside any request (a webhook, a statement job) and
# stored on its row in Vietnamese, the school's language; `shown_reason` shows it in the reader's
# language by recognising which of these messages it is (every reason a row is given is one of
# them, or the accountant's own words, shown as written).
NO_ACCOUNT = N_("Nguồn báo không ghi tài khoản nhận tiền: chưa kiểm tra được là tài khoản thu của trường (%(o)s)")
OTHER_ACCOUNT = N_("Tiền vào tài khoản %(a)s, không phải tài khoản thu của trường (%(o)s)")
POSSIBLE_DUPLICATE = N_("Có thể trùng với giao dịch %(r)s (%(s)s, %(a)s đ, %(t)s): cùng tài khoản, số tiền, ngày và "
                      "nội dung nhưng khác mã tham chiếu — kiểm tra trước khi gán hoặc ghi là trùng")
OVER_MAX = N_("Số tiền %(a)s đ vượt mức một giao dịch chuyển khoản (tối đa %(m)s đ): chờ kế toán "
                          "kiểm tra, không trừ vào hoá đơn")
FOREIGN_AND_OURS = N_("Nội dung chuyển khoản có mã hoá đơn của trường khác: %(c)s")
STRANGER_AND_OURS = N_("Nội dung chuyển khoản có mã hoá đơn không thuộc trường này: %(c)s")
FOREIGN_ONLY = N_("Mã %(c)s là hoá đơn của một trường khác: tiền vào tài khoản của trường này không được "
                          "trừ cho hoá đơn đó")
EARLY = N_("Hoá đơn %(c)s: %(p)s")
VOID = N_("Hoá đơn %(c)s đã huỷ")
SETTLED = N_("Hoá đơn %(c)s đã nộp đủ")
SEVERAL = N_("Nhiều mã hoá đơn, số tiền không khớp tổng phải nộp")
UNKNOWN = N_("Mã hoá đơn %(c)s không tồn tại")
NO_CODE = N_("Không tìm thấy mã hoá đơn trong nội dung")
QUEUE_REASONS = (NO_ACCOUNT, OTHER_ACCOUNT, POSSIBLE_DUPLICATE, OVER_MAX, FOREIGN_AND_OURS, STRANGER_AND_OURS,
                 FOREIGN_ONLY, VOID, SETTLED, SEVERAL, UNKNOWN, NO_CODE, payments.FUTURE, payments.TOO_OLD,
                 payments.BEFORE_ISSUE, EARLY)     # the most general last


def message_pattern(message: str) -> re.Pattern:
    """A stored message (its %(name)s placeholders) as a pattern that recognises it and gives its values back."""
    parts = re.split(r"%\((\w+)\)s", message)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + r"\Z",
                      re.S)


_REASON_PATTERNS = [(m, message_pattern(m)) for m in QUEUE_REASONS]


def shown_reason(note: str | None) -> str:
    """A queued credit's stored reason in the reader's language: the message it is, translated,
    with its values (codes, amounts, times — and a reason within a reason) put back."""
    from lms.i18n import gettext

    note = note or ""
    for message, pattern in _REASON_PATTERNS:
        if (found := pattern.match(note)) is not None:
            return gettext(message, **{k: shown_reason(v) for k, v in found.groupdict().items()})
    return note


# ---------------------------------------------------------------- recognising the same credit

def _compact(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(text).upper())


def same_memo(a: str | None, b: str | None) -> bool:
    """Two memos that can be one transfer's, as two sources report it: both name the same
    invoice codes (or none), and one holds the other whole (banks prefix their own words)."""
    if set(_codes(a or "")) != set(_codes(b or "")):
        return False
    ca, cb = _compact(a), _compact(b)
    short, long_ = sorted((ca, cb), key=len)
    return short == long_ or (len(short) >= MIN_MEMO_OVERLAP and short in long_)


def _day(moment: datetime):
    return utc_to_local(moment, school_tz()).date()


def close_days(a: datetime, b: datetime) -> bool:
    """Two value dates one credit can carry, as two sources date it: the same local day or the
    next (a statement may date a late-evening transfer the next morning)."""
    return abs((_day(a) - _day(b)).days) <= SAME_CREDIT_DAYS


def same_credit(credit, amount: int, when: datetime, account: str | None = "") -> bool:
    """The one rule of "this report is that credit" once something names it — a bank reference, a
    source's own id standing for one, a provider's report line: the same amount, the same
    receiving account (where both name one) and value dates within `close_days`. Banks' references
    are short and come back on other days and other accounts, so a reference alone never makes a
    second credit a repeat of the first. `credit`: anything with amount, account_number and
    transacted_at (a stored credit, a transfer reported)."""
    mine, theirs = _digits(account), _digits(credit.account_number)
    return (credit.amount == amount and not (mine and theirs and mine != theirs)
            and close_days(credit.transacted_at, when))


class _Book:
    """What the school already knows about the bank credits that concern the transfers at hand:
    their sightings, credits by bank reference, and the credits that could be the same transfer
    seen without a reference. Kept up to date as transfers are placed, so a batch decides as the
    one-by-one path would."""

    def __init__(self, session: Session, school_id: int, transfers: list[TransferIn], *, staged: bool = False):
        self.sighted: dict[tuple[str, str], BankTransaction] = {}
        # Credits by bank reference: several, when a bank used a reference again (another day,
        # another account); a report is one of them only by `same_credit`.
        self.by_ref: dict[str, list[BankTransaction]] = defaultdict(list)
        # Per credit, the (source, with a bank reference?) of its sightings: a line without a
        # reference is another credit only when the same source already reported this one without
        # a reference (two identical lines of one statement); a statement exported with the
        # reference column and another without it list the same credits.
        self.sources: dict[int, set[tuple[str, bool]]] = defaultdict(set)
        # The credits that could be a sighting without a reference, by what any such match must
        # share: amount, local day, and the invoice codes in the memo (`same_memo`). A statement
        # of thousands of equal amounts is then not compared line by line with every other.
        self.by_key: dict[tuple[int, object, frozenset], list[BankTransaction]] = defaultdict(list)
        self.order: dict[int, int] = {}          # id(row) → when it was indexed (ties keep the first)
        # The credits this batch has placed its lines on (new or known): another line of the same
        # batch is another transfer, never a second sighting of one of these.
        self.taken: set[int] = set()
        if not transfers:
            return
        if staged:
            self._load_staged(session, school_id, transfers)
        else:
            self._load_listed(session, school_id, transfers)
        # Only a transfer neither sighted before nor known by its bank reference can be a credit
        # seen without a reference: the candidates are loaded for those alone (a statement imported
        # again loaded every credit of its amounts and days, to compare none of them).
        transfers = [t for t in transfers if self._named(t)[0] is None]
        if not transfers:
            return
        start = min(t.transacted_at for t in transfers) - timedelta(days=SAME_CREDIT_DAYS + 1)
        end = max(t.transacted_at for t in transfers) + timedelta(days=SAME_CREDIT_DAYS + 1)
        amounts = sorted({t.amount for t in transfers})
        # A transfer with a bank reference is never the same as a credit that has one (`place`:
        # that credit is found by its reference or is another transfer). When every transfer at
        # hand has one — a webhook's usually does — only the credits without a reference can be
        # candidates, and only those are loaded: at a fee deadline thousands of credits of the same
        # fee on the same days were loaded and their memos read again for each webhook.
        #
        # A credit with another reference can still be the same transfer reported differently
        # (`place`: a possible duplicate, held for the accountant) — but only one another source
        # reported: what the same source reports under two references is two transfers.
        sources = {t.source for t in transfers}
        unreferenced = true()
        if all(_ref(t) for t in transfers) and len(sources) == 1 and not sources & SEVERAL_EXPORTS:
            unreferenced = (BankTransaction.bank_reference == "") | (BankTransaction.source != next(iter(sources)))
        rows: list[BankTransaction] = []
        for chunk in _chunks(amounts):
            rows.extend(session.scalars(select(BankTransaction).where(
                BankTransaction.school_id == school_id, BankTransaction.amount.in_(chunk),
                BankTransaction.transacted_at.between(start, end), unreferenced).order_by(BankTransaction.id)))
        by_id = {r.id: r for r in rows}
        for chunk in _chunks(sorted(by_id)):
            for row_id, source, reference in session.execute(
                    select(BankSighting.bank_transaction_id, BankSighting.source, BankSighting.bank_reference)
                    .where(BankSighting.bank_transaction_id.in_(chunk))):
                self.sources[id(by_id[row_id])].add((source, bool(reference)))
        for row in rows:
            self._index(row)

    def _load_listed(self, session: Session, school_id: int, transfers: list[TransferIn]) -> None:
        """The sightings and referenced credits of a webhook's one credit, by IN lists."""
        keys = sorted({(t.source, txn_id) for t in transfers for txn_id in _txn_ids(t)})
        for source in sorted({k[0] for k in keys}):
            ids = [k[1] for k in keys if k[0] == source]
            for chunk in _chunks(ids):
                for txn_id, row in session.execute(
                        select(BankSighting.provider_txn_id, BankTransaction)
                        .join(BankTransaction, BankTransaction.id == BankSighting.bank_transaction_id)
                        .where(BankSighting.school_id == school_id, BankSighting.source == source,
                               BankSighting.provider_txn_id.in_(chunk))):
                    self.sighted[(source, txn_id)] = row
        refs = sorted({f for t in transfers for f in _ref_forms(t)})
        for chunk in _chunks(refs):
            for row in session.scalars(select(BankTransaction).where(BankTransaction.school_id == school_id,
                                                                     BankTransaction.bank_reference.in_(chunk))):
                self._by_reference(row)

    def _load_staged(self, session: Session, school_id: int, transfers: list[TransferIn]) -> None:
        """The same for a statement's lines (thousands): their keys staged in a temporary table
        (COPY on PostgreSQL) and joined, one query each, instead of IN lists of 500 — the same
        statements whatever the number of lines."""
        lines = stage_lines(session, sorted({(t.source, txn_id, form) for t in transfers for txn_id in _txn_ids(t)
                                             for form in (_ref_forms(t) or {""})}))
        for source, txn_id, row in session.execute(
                select(BankSighting.source, BankSighting.provider_txn_id, BankTransaction).select_from(lines)
                .join(BankSighting, (BankSighting.school_id == school_id) & (BankSighting.source == lines.c.source)
                      & (BankSighting.provider_txn_id == lines.c.txn_id))
                .join(BankTransaction, BankTransaction.id == BankSighting.bank_transaction_id)):
            self.sighted[(source, txn_id)] = row
        for row in session.scalars(select(BankTransaction).where(
                BankTransaction.school_id == school_id, BankTransaction.bank_reference != "",
                BankTransaction.bank_reference.in_(select(lines.c.ref).where(lines.c.ref != "")))):
            self._by_reference(row)

    def _by_reference(self, row: BankTransaction) -> None:
        known = self.by_ref[normal_reference(row.bank_reference)]
        if all(r is not row for r in known):
            known.append(row)

    def _named(self, t: TransferIn) -> tuple[str | None, BankTransaction | None, str]:
        """What names this report's credit outright, each only for the same credit
        (`same_credit`): this source's own id (a redelivery: again) or the bank reference (another
        report of a credit known: known). Also the id this report is kept under: the source's,
        or — when that id stands for a bank reference used again and is taken by another credit
        (SePay's "ref:…" without its id, a statement line's reference) — `_reused_id`."""
        txn_id = _txn_id(t)
        row = self.sighted.get((t.source, txn_id))
        if row is not None and not same_credit(row, t.amount, t.transacted_at, t.account_number):
            txn_id = _reused_id(t)
            row = self.sighted.get((t.source, txn_id))
        if row is not None:
            return "again", row, txn_id
        ref = _ref(t)
        same = [r for r in self.by_ref.get(ref, ()) if same_credit(r, t.amount, t.transacted_at, t.account_number)]
        if ref and same:
            return "known", min(same, key=lambda r: (abs(r.transacted_at - t.transacted_at), r.id or 0)), txn_id
        return None, None, txn_id

    def place(self, t: TransferIn) -> tuple[str, BankTransaction | None]:
        """again (this sighting is known), known (the credit is: another source saw it), possible
        (a new credit, probably the returned one reported under another reference), or new."""
        outcome, row, t.provider_txn_id = self._named(t)   # kept under another id when its own is taken
        if outcome is not None:
            return outcome, row
        ref = _ref(t)
        day = _day(t.transacted_at)
        codes = frozenset(_codes(_masked(t.content)))
        near = [r for d in (day - timedelta(days=k) for k in range(-SAME_CREDIT_DAYS, SAME_CREDIT_DAYS + 1))
                for r in self.by_key.get((t.amount, d, codes), ())]
        memo = _masked(t.content)

        def one_account(r: BankTransaction) -> bool:
            """The same account (where both name one) and a close time (`near`: the same amount)."""
            return same_credit(r, t.amount, t.transacted_at, t.account_number)

        def one_transfer(r: BankTransaction) -> bool:
            """The same account (where both name one), a close time and the same memo."""
            return one_account(r) and same_memo(r.content, memo)

        def closest(rows: list[BankTransaction]) -> BankTransaction:
            return min(rows, key=lambda r: (abs(r.transacted_at - t.transacted_at), r.id or 0, self.order[id(r)]))

        # The same reference written otherwise by another export or feed — leading zeros, a prefix,
        # only its last digits ("01234567", "5001234567", "FT26335001234567") — for the same account,
        # amount and day: the same credit, whoever reported it.
        written_otherwise = [r for r in near
                             if ref and r.bank_reference and id(r) not in self.taken
                             and same_reference(r.bank_reference, ref) and one_account(r)]
        if written_otherwise:
            return "known", closest(written_otherwise)
        candidates = [r for r in near
                      if (t.source, bool(ref)) not in self.sources[id(r)] and not (ref and r.bank_reference)
                      and one_transfer(r)]
        if candidates:
            return "known", closest(candidates)
        # Both carry a bank reference, and they differ — yet the account, the amount, the day and the
        # memo are one transfer's, and no source reported both: probably the same transfer, which a
        # bank or feed wrote with another reference. It is stored as a credit of its own (it may be
        # a second transfer) but never applied by itself: it waits for the accountant, flagged.
        alike = [r for r in near
                 if ref and r.bank_reference and normal_reference(r.bank_reference) != ref
                 and (all(source != t.source for source, _ in self.sources[id(r)])
                      or (t.source in SEVERAL_EXPORTS and id(r) not in self.taken))
                 and one_transfer(r)]
        if alike:
            return "possible", closest(alike)
        return "new", None

    def _index(self, row: BankTransaction) -> None:
        if id(row) not in self.order:
            self.order[id(row)] = len(self.order)
            codes = frozenset(_codes(row.content or ""))
            self.by_key[(row.amount, _day(row.transacted_at), codes)].append(row)

    def add(self, t: TransferIn, row: BankTransaction) -> None:
        self.taken.add(id(row))
        self.sighted[(t.source, _txn_id(t))] = row
        self.sources[id(row)].add((t.source, bool(_ref(t))))
        if row.bank_reference:
            self._by_reference(row)
        self._index(row)


STAGED = Table("statement_lines", MetaData(), Column("source", String(20)), Column("txn_id", String(64)),
               Column("ref", String(64)))


def stage_lines(session: Session, keys: list[tuple[str, str, str]]) -> Table:
    """The (source, id, bank reference) of a batch's lines in a temporary table of the session's
    connection, emptied at each use (and, on PostgreSQL, at commit): COPY on PostgreSQL, one
    executemany on SQLite."""
    from sqlalchemy import insert, text

    from lms.db import copy_rows

    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS statement_lines (source VARCHAR(20), "
                         "txn_id VARCHAR(64), ref VARCHAR(64))" + (" ON COMMIT DELETE ROWS" if postgres else "")))
    session.execute(text("DELETE FROM statement_lines"))
    if postgres:
        copy_rows(session, "statement_lines", ["source", "txn_id", "ref"], keys)
    elif keys:
        session.execute(insert(STAGED), [{"source": a, "txn_id": b, "ref": c} for a, b, c in keys])
    return STAGED


def _chunks(values: list) -> list[list]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _txn_id(t: TransferIn) -> str:
    return str(t.provider_txn_id)[:64]


def _reused_id(t: TransferIn) -> str:
    """The id a report is kept under when its source's id is already another credit's — an id that
    stands for a bank reference the bank used again (SePay's "ref:<reference>" without its own id,
    a statement line's reference): the id with the credit's local day, amount and receiving
    account, which only a report of this very credit (`same_credit`) carries again."""
    suffix = f"@{_day(t.transacted_at):%Y%m%d}:{t.amount}:{_digits(t.account_number)}"[:40]
    base = str(t.provider_txn_id)
    return base[:64] if base.endswith(suffix) else base[:64 - len(suffix)] + suffix


def _txn_ids(t: TransferIn) -> tuple[str, str]:
    """The ids a report of `t` may already be kept under (`_Book._named`)."""
    return _txn_id(t), _reused_id(t)


REFERENCE_NOISE = re.compile(r"[\s.\-_/\\:]+")


def normal_reference(text: str | None) -> str:
    """A bank reference in one written form, whoever reports it: SePay's "FT26339 000777", a
    statement's "ft26339-000777" and Casso's "FT26339000777" are one reference (case, spaces,
    dots, dashes, slashes and underscores do not matter)."""
    return REFERENCE_NOISE.sub("", nfc(text or "")).upper()[:64]


# The sources whose every report may be another export: two statements of one account (the
# portal's "Sao kê" and its "Lịch sử giao dịch", another month's file overlapping this one) are
# two reporters of the same credits, though both are "statement" — unlike a feed, which reports
# each transfer once under one reference.
SEVERAL_EXPORTS = frozenset({"statement"})
MIN_REFERENCE_TAIL = 6   # characters of a reference's last digits enough to name it, with its amount and day


def reference_core(text: str | None) -> str:
    """A bank reference without what exports add or drop around it: its one written form
    (`normal_reference`) less a letter prefix ("FT") and leading zeros."""
    return re.sub(r"^[A-Z]+(?=\d)", "", normal_reference(text)).lstrip("0")


def same_reference(a: str | None, b: str | None) -> bool:
    """Two references that are one, as two exports write it: equal cores, or one core the other's
    last MIN_REFERENCE_TAIL or more characters (BIDV's "Số bút toán" 01234567 is the end of
    Techcombank's FT26335001234567). Decides only beside the same account, amount and day."""
    ca, cb = reference_core(a), reference_core(b)
    if not ca or not cb:
        return False
    short, long_ = sorted((ca, cb), key=len)
    return short == long_ or (len(short) >= MIN_REFERENCE_TAIL and long_.endswith(short))


def _ref(t: TransferIn) -> str:
    return normal_reference(t.bank_reference)


def _ref_forms(t: TransferIn) -> set[str]:
    """The forms a credit already stored may carry this reference in: the normal one, and as the
    source wrote it (credits stored before references were normalised)."""
    return {f for f in (_ref(t), (t.bank_reference or "").strip()[:64]) if f}


def _masked(text: str | None) -> str:
    return mask_card_numbers(nfc(text or ""))[0]


def shown_memo(text: str | None) -> str:
    """A bank memo (or payer name) as any page or file shows it: a card number in it masked, even
    when the text was never stored (a statement's preview) or was stored before masking."""
    return _masked(text)


def lock_credits(session: Session, school_id: int) -> None:
    """Take the school's bank-credit lock until the transaction ends (one guarded UPDATE of a
    counter row): two reports of one transfer arriving together are decided one after the other."""
    ledger.take_numbers(session, school_id, "bank_credits", 0)


# Where a bank writes the sender's name in the memo of a transfer it delivers (the payer's name is
# one of the four fields every payment carries, Công văn 2741), for the feeds that send no name of
# their own (SePay; a statement without a sender column): Vietcombank's "… CT tu 0071000123456
# NGUYEN VAN TAM toi 1234567 …", and the banks' default memo "NGUYEN VAN TAM chuyen tien".
_NAME = r"[A-Z][A-Z]*(?: [A-Z][A-Z]*){1,6}"
PAYER_IN_MEMO = (re.compile(r"\bCT tu \d{6,19} (?P<name>%s) toi\b" % _NAME, re.IGNORECASE),
                 re.compile(r"(?:^|[.:,;]\s*|\s-\s|\bBankAPINotify\s+)(?:(?:IBFT|MBVCB\.\d+\.|QR|REM)\s*)?(?P<name>%s)"
                            r" (?:chuyen tien|chuyen khoan|CHUYEN TIEN|CHUYEN KHOAN|ck|CK)\b" % _NAME))
NOT_A_NAME = {"BANKAPINOTIFY", "IBFT", "QR", "REM", "TKTHE", "MBVCB", "CK", "HOC", "PHI", "TIEN", "HP"}


def payer_in_memo(text: str | None) -> str:
    """The sender's name as the bank wrote it in a memo ("NGUYEN VAN TAM"), or "" — only from the
    bank's own forms, never guessed from the payer's free words."""
    folded = "".join(ch for ch in unicodedata.normalize("NFD", nfc(text or "").replace("đ", "d").replace("Đ", "D"))
                     if not unicodedata.combining(ch))
    for pattern in PAYER_IN_MEMO:
        for found in pattern.finditer(folded):
            words = found.group("name").upper().split()
            while words and words[0] in NOT_A_NAME:
                words = words[1:]
            if len(words) >= 2 and not NOT_A_NAME & set(words) and len(" ".join(words)) <= 60:
                return " ".join(words)
    return ""


def payer_of(t: TransferIn) -> str:
    """Who sent a credit: the name its source reports, else the one its bank wrote in the memo."""
    return nfc(t.counter_name or "").strip() or payer_in_memo(t.content)


def possible_duplicate(row: BankTransaction, alike: BankTransaction) -> None:
    """Flag a new credit as probably `alike` reported under another bank reference (`_Book.place`):
    the reason it waits in the queue, naming the credit it may repeat; `_decide` applies nothing."""
    from lms.billing.channels.registry import SOURCE_LABELS

    row.alike = alike
    row.note = source_text(_l(POSSIBLE_DUPLICATE,
                      r=alike.bank_reference, s=SOURCE_LABELS.get(alike.source, alike.source), a=money(alike.amount, "vi"),
                      t=f"{utc_to_local(alike.transacted_at, school_tz()):%d/%m/%Y %H:%M}"))[:300]


def _new_row(school: School, t: TransferIn, now: datetime, *, plain: bool = False,
             alike: BankTransaction | None = None) -> BankTransaction:
    """The bank row of a credit seen for the first time (a `plain_row` for a statement's batch);
    `alike`: the credit it is probably a repeat of (`possible_duplicate`)."""
    content, masked = mask_card_numbers(nfc(t.content or ""))
    values = dict(school_id=school.id, source=t.source, provider_txn_id=_txn_id(t), bank_reference=_ref(t),
                  amount=t.amount, content=content[:500], counter_name=_masked(payer_of(t))[:120],
                  counter_account=(t.counter_account or "")[:40], account_number=(t.account_number or "")[:40],
                  transacted_at=t.transacted_at, created_at=now)
    row = plain_row(BankTransaction, **values) if plain else BankTransaction(**values)
    row.card_masked = bool(masked)
    row.alike = None
    if alike is not None:
        possible_duplicate(row, alike)
    return row


def _sighting(school_id: int, t: TransferIn, row_id: int, now: datetime, *, plain: bool = False) -> BankSighting:
    values = dict(school_id=school_id, bank_transaction_id=row_id, source=t.source, provider_txn_id=_txn_id(t),
                  bank_reference=_ref(t), seen_at=now)
    return plain_row(BankSighting, **values) if plain else BankSighting(**values)


def _learn(row: BankTransaction, t: TransferIn) -> None:
    """A later sighting may know what the first did not: the bank reference, the payer."""
    if _ref(t) and not row.bank_reference:
        row.bank_reference = _ref(t)
    if payer_of(t) and not row.counter_name:
        row.counter_name = _masked(payer_of(t))[:120]


# ---------------------------------------------------------------- receiving one credit

def sight(session: Session, school: School, t: TransferIn, *, now: datetime) -> Received:
    """Record one report of a credit: a redelivery (again) or a credit another source reported
    first (known, linked to it) — or a new credit, stored unmatched for the caller to settle."""
    lock_credits(session, school.id)
    outcome, row = _Book(session, school.id, [t]).place(t)
    if outcome == "again":
        return Received(row, "again")
    if outcome == "known":
        _learn(row, t)
    else:
        row = _new_row(school, t, now, alike=row if outcome == "possible" else None)
        outcome = "new"
        session.add(row)
        session.flush()
    session.add(_sighting(school.id, t, row.id, now))
    session.flush()
    return Received(row, outcome, row.card_masked if outcome == "new" else False)


def receive_transfer(session: Session, school: School, t: TransferIn, *, signer, now: datetime,
                     receipts_later: bool = False) -> Received:
    """Store one reported credit once and match it. A redelivery, or a credit another source
    reported first, records no money again. With `receipts_later` (a provider's webhook) the
    receipts are made by a job after the commit (receipts.issue_later)."""
    if t.amount <= 0:
        return Received(None, "again")
    received = sight(session, school, t, now=now)
    if received.outcome != "new":
        return received
    row = received.transaction
    codes = references_in(t)
    parts = _decide(school, row, t, codes, _invoices_by_code(session, codes), lambda i: (i.status, i.due))
    if parts:
        _settle(session, school, row, parts, signer=signer, now=now, receipts_later=receipts_later)
    if row.status == TransferStatus.UNMATCHED:
        task(session, school.id, "unmatched", f"{money(t.amount, 'vi')} đ — {row.content[:120]}",
             bank_transaction_id=row.id)
    if row.card_masked:
        _card_task(session, school.id, row)
    session.flush()
    return received


def _card_task(session: Session, school_id: int, row: BankTransaction) -> None:
    task(session, school_id, "card_number", str(_l("Nội dung chuyển khoản %(a)s đ có dãy số giống số thẻ ngân hàng; "
                                                    "đã che khi lưu: %(c)s", a=money(row.amount, "vi"),
                                                    c=row.content[:150])), bank_transaction_id=row.id)


def _invoices_by_code(session: Session, codes: list[str]) -> dict[str, Invoice]:
    """Invoices by code, in every school (codes are unique across the deployment)."""
    found: dict[str, Invoice] = {}
    for chunk in _chunks(sorted(set(codes))):
        found.update({i.code: i for i in session.scalars(select(Invoice).where(Invoice.code.in_(chunk)))})
    return found


def _decide(school: School, row: BankTransaction, t: TransferIn, codes: list[str], invoices: dict[str, Invoice],
            now_of) -> list[tuple[Invoice, int]]:
    """The matching rules (§7.3) for a credit whose content names `codes`; `now_of` gives an
    invoice's (status, due) at this moment. Returns what to pay on which invoice, or [] after
    writing on the row why it waits in the queue."""
    if getattr(row, "alike", None) is not None:     # probably a credit already known: the accountant decides
        return []
    problem = account_problem(school, t.account_number, required=t.source in ACCOUNT_REPORTED)
    if problem is None:
        problem = payments.paid_at_problem(t.transacted_at, row.created_at or t.transacted_at)
    if problem is not None:
        row.note = source_text(problem)
        return []
    if row.amount > rules.MAX_AMOUNT:       # more than one bank transfer carries: held, never applied
        row.note = source_text(_l(OVER_MAX, a=money(row.amount, "vi"), m=money(rules.MAX_AMOUNT, "vi")))
        return []
    known = [invoices[c] for c in codes if c in invoices and invoices[c].school_id == school.id]
    foreign = [c for c in codes if c in invoices and invoices[c].school_id != school.id]
    if known and (strangers := [c for c in dict.fromkeys([*foreign, *_code_shaped(t.content)])
                                if c not in {i.code for i in known}]) \
            and row.amount > sum(now_of(i)[1] for i in known if now_of(i)[0] in states.OPEN):
        # Our code and a code that settles nothing here (another school's invoice, or none): what
        # our invoices do not explain may be the other family's money — never this family's credit.
        row.note = source_text(_l(FOREIGN_AND_OURS, c=", ".join(strangers))
                       if foreign else _l(STRANGER_AND_OURS,
                                          c=", ".join(strangers)))
        return []
    if not known and foreign:
        row.note = source_text(_l(FOREIGN_ONLY, c=", ".join(foreign)))
        return []
    if len(known) == 1:
        invoice = known[0]
        status, _ = now_of(invoice)
        if status in states.OPEN:
            early = payments.paid_at_problem(t.transacted_at, row.created_at or t.transacted_at, invoice.issued_at)
            if early is not None:   # before its invoice existed: the accountant decides (assigning by hand)
                row.note = source_text(_l(EARLY, c=invoice.code, p=early))
                row.invoice_id = invoice.id
                return []
            return [(invoice, row.amount)]
        row.note = source_text(_l(VOID, c=invoice.code) if status == "void"
                       else _l(SETTLED, c=invoice.code))
        row.invoice_id = invoice.id
        return []
    if len(known) > 1 and all(now_of(i)[0] in states.OPEN for i in known) and sum(now_of(i)[1] for i in known) == row.amount \
            and not any(payments.paid_at_problem(t.transacted_at, row.created_at or t.transacted_at, i.issued_at)
                        for i in known):
        return [(i, now_of(i)[1]) for i in known]
    if known:
        row.note = source_text(_l(SEVERAL))
    elif unknown := [c for c in codes if c.startswith(PREFIX)] or _code_shaped(t.content):
        # A code written as ours but naming no invoice (none issued, or a mistyped character):
        # said as such, not as "no code" — the accountant looks for the payer, not for a code.
        row.note = source_text(_l(UNKNOWN, c=", ".join(unknown)))
    else:
        row.note = source_text(_l(NO_CODE))
    return []


INVOICE_SHAPED = re.compile(r"(?<![A-Z0-9])%s[0-9]{10}[0-9A-Z](?![A-Z0-9])" % PREFIX)


def _code_shaped(content: str | None) -> list[str]:
    """Tokens shaped like our invoice codes (HP, 10 digits, a check character) whatever their check."""
    return list(dict.fromkeys(INVOICE_SHAPED.findall(_masked(content).upper())))


def other_codes(content: str | None, code: str) -> list[str]:
    """The invoice codes (or code-shaped tokens) a memo names other than `code`: a credit naming
    another invoice is that family's money, never suggested for nor assigned to `code`."""
    return [c for c in _code_shaped(content) if c != code.upper()]


def _payment_input(row: BankTransaction, invoice: Invoice, amount: int, n: int, parts: int) -> payments.PaymentInput:
    return payments.PaymentInput(Method.QR, amount, row.counter_name or invoice.payer_name, row.transacted_at,
                                 note=row.content[:300], channel="vietqr_bank", provider=row.source,
                                 provider_txn_id=row.provider_txn_id if parts == 1 else f"{row.provider_txn_id}#{n}")


def _linked(session: Session, school: School, row: BankTransaction, invoice_id: int, code: str, payment,
            status: str) -> None:
    if payment.applied < payment.amount:
        task(session, school.id, "overpaid", f"{code}: {money(payment.amount - payment.applied, 'vi')} đ thừa",
             payment_id=payment.id, bank_transaction_id=row.id)
    row.payment_id = row.payment_id or payment.id
    row.invoice_id = row.invoice_id or invoice_id
    row.status = status


def _settle(session: Session, school: School, row: BankTransaction, parts: list[tuple[Invoice, int]], *, signer,
            now: datetime, actor: User | None = None, status: str = TransferStatus.MATCHED,
            receipts_later: bool = False) -> None:
    from lms.billing import receipts

    if row.amount > rules.MAX_AMOUNT:      # `_decide` holds such a credit; by hand it is not applied either
        raise ValidationError(_l("Số tiền %(a)s đ vượt mức một giao dịch chuyển khoản (tối đa %(m)s đ): không trừ "
                                 "vào hoá đơn được.", a=money(row.amount), m=money(rules.MAX_AMOUNT)))
    for n, (invoice, amount) in enumerate(parts, start=1):
        student = session.get(Student, invoice.student_id)
        payment = payments.record_payment(session, actor, school, student, invoice,
                                          _payment_input(row, invoice, amount, n, len(parts)), signer=signer, now=now,
                                          receipt=not receipts_later)
        if receipts_later:
            receipts.issue_later(session, payment)
        _linked(session, school, row, invoice.id, invoice.code, payment, status)


# ---------------------------------------------------------------- a whole statement at once

def recorded_before(session: Session, school: School, transfers: list[TransferIn]) -> list[BankTransaction | None]:
    """For each transfer, the credit already recorded that it is — by an earlier statement import
    or a bank feed (SePay, Casso, payOS) — or None: what `receive_many` would link instead of
    recording, decided by the same rule (`_Book.place`), reading only (a statement's preview). The
    transfers' ids must be the ones the import will use (`statements.distinct_ids`)."""
    book = _Book(session, school.id, [t for t in transfers if t.amount > 0], staged=True)
    out: list[BankTransaction | None] = []
    for t in transfers:
        outcome, row = book.place(t) if t.amount > 0 else ("new", None)
        if outcome == "possible":      # a credit of its own, held for the accountant: not recorded before
            outcome, row = "new", None
        if outcome == "new" and t.amount > 0:   # placed as the import will place it, unsaved
            row = _new_row(school, t, t.transacted_at, plain=True)
        if row is not None:
            book.add(t, row)
        # A line the same file holds twice is the preview's own business (StatementPlan.repeats).
        out.append(row if outcome != "new" and isinstance(row, BankTransaction) else None)
    return out


def receive_many(session: Session, school: School, transfers: list[TransferIn], *, now: datetime) -> list[Received]:
    """`receive_transfer` for a whole statement at once, with the same rules and the same rows,
    in batched statements whose number does not grow with the lines: sightings already stored
    record nothing; credits other sources reported first are linked, not recorded again; the
    others are matched in order against what each invoice owes at that point (two credits for
    one invoice: the second sees what the first left) and recorded with `payments.record_many`,
    whose receipts a job makes after the commit. The new credits are returned as plain rows."""
    if not transfers:
        return []
    with bulk_work():
        return _receive_many(session, school, transfers, now)


def _receive_many(session: Session, school: School, transfers: list[TransferIn], now: datetime) -> list[Received]:
    lock_credits(session, school.id)
    usable = [t for t in transfers if t.amount > 0]
    book = _Book(session, school.id, usable, staged=True)
    results: list[Received] = []
    placed: list[tuple[TransferIn, BankTransaction, str]] = []
    for t in transfers:
        if t.amount <= 0:
            results.append(Received(None, "again"))
            continue
        outcome, row = book.place(t)
        if outcome == "known":
            _learn(row, t)
        elif outcome in ("new", "possible"):
            row = _new_row(school, t, now, plain=True, alike=row if outcome == "possible" else None)
            outcome = "new"
            results.append(Received(row, "new", row.card_masked))
            placed.append((t, row, outcome))
            book.add(t, row)
            continue
        if outcome == "known":
            book.add(t, row)
            placed.append((t, row, outcome))
        results.append(Received(row, outcome))
    new = [(t, row) for t, row, outcome in placed if outcome == "new"]
    refs = {id(row): references_in(t) for t, row in new}
    invoices = _invoices_by_code(session, [c for found in refs.values() for c in found])
    owed = {i.id: [i.status, i.due] for i in invoices.values()}
    plan: list[tuple[BankTransaction, Invoice, int, int, int]] = []
    for t, row in new:
        parts = _decide(school, row, t, refs[id(row)], invoices, lambda i: tuple(owed[i.id]))
        for n, (invoice, amount) in enumerate(parts, start=1):
            plan.append((row, invoice, amount, n, len(parts)))
            left = owed[invoice.id][1] - amount
            owed[invoice.id] = ["paid" if left <= 0 else "partial", max(left, 0)]
    named = [(row, invoice.id, invoice.code) for row, invoice, *_ in plan]   # before record_many expires them
    recorded = payments.record_many(session, None, school,
                                    [(inv, _payment_input(row, inv, amount, n, k)) for row, inv, amount, n, k in plan],
                                    now=now)
    overpaid = []
    for (row, invoice_id, code), payment in zip(named, recorded, strict=True):
        row.payment_id = row.payment_id or payment.id
        row.invoice_id = row.invoice_id or invoice_id
        row.status = TransferStatus.MATCHED
        if payment.applied < payment.amount:
            overpaid.append((row, code, payment))
    # The rows go in complete (payment, invoice, status), then the sightings and tasks that point at them.
    new_rows = [row for _, row in new]
    insert_objects(session, new_rows, ids=True)
    insert_objects(session, [_sighting(school.id, t, row.id, now, plain=True) for t, row, _ in placed])
    insert_objects(session, [
        *(plain_row(BillingTask, school_id=school.id, kind="overpaid", payment_id=payment.id, bank_transaction_id=row.id,
                    message=f"{code}: {money(payment.amount - payment.applied, 'vi')} đ thừa"[:300], created_at=now)
          for row, code, payment in overpaid),
        *(plain_row(BillingTask, school_id=school.id, kind="unmatched", bank_transaction_id=row.id,
                    message=f"{money(row.amount, 'vi')} đ — {row.content[:120]}"[:300], created_at=now)
          for row in new_rows if row.status == TransferStatus.UNMATCHED),
        *(plain_row(BillingTask, school_id=school.id, kind="card_number", bank_transaction_id=row.id,
                    message=str(_l("Nội dung chuyển khoản %(a)s đ có dãy số giống số thẻ ngân hàng; đã che khi lưu: "
                                   "%(c)s", a=money(row.amount, "vi"), c=row.content[:150]))[:300], created_at=now)
          for row in new_rows if row.card_masked)])
    session.flush()
    return results


# ---------------------------------------------------------------- the queue

def queue(session: Session, school: School, status: str = TransferStatus.UNMATCHED):
    return (select(BankTransaction).where(BankTransaction.school_id == school.id, BankTransaction.status == status)
            .order_by(BankTransaction.transacted_at.desc(), BankTransaction.id.desc()))


def sources_of(session: Session, row_ids: list[int]) -> dict[int, list[str]]:
    """Which sources reported each credit, in the order they did (for the transfers page)."""
    out: dict[int, list[str]] = defaultdict(list)
    for row_id, source in session.execute(select(BankSighting.bank_transaction_id, BankSighting.source)
                                          .where(BankSighting.bank_transaction_id.in_(row_ids or [0]))
                                          .order_by(BankSighting.id)):
        if source not in out[row_id]:
            out[row_id].append(source)
    return out


def typed_code(text: str | None) -> str:
    """The invoice code a person typed, in its one written form (HP0001000125K): case, diacritics,
    and spaces, dots, dashes or underscores inside it do not matter (as in a memo,
    `read_references`); one shaped like ours whose check character is wrong is returned as
    written, upper case, so it is named in the refusal. "" when the text holds no code at all —
    what was typed is never echoed back as if it were one."""
    found = read_references(text or "")
    if found:
        return found[0]
    shaped = _code_shaped(re.sub(r"[\s._-]+", "", fold(text or "")))
    return shaped[0] if shaped else ""


def assign_transfer(session: Session, actor: User, row: BankTransaction, invoice_code: str, *, signer,
                    now: datetime) -> Invoice:
    """The accountant says which invoice an unmatched transfer pays (it may leave credit): only
    an invoice of the school whose account received it."""
    if row.status != TransferStatus.UNMATCHED:
        raise ValidationError(_l("Giao dịch này đã được xử lý."))
    code = typed_code(invoice_code)
    invoice = session.scalars(select(Invoice).where(Invoice.code == code)).first() if code else None
    if invoice is None or invoice.school_id != row.school_id:
        raise ValidationError(_l("Trường không có hoá đơn mã %(c)s.", c=code) if code else
                              _l("Không có mã hoá đơn trong ô này: mã gồm HP và 11 chữ số hoặc chữ, như trên hoá đơn "
                                 "(ví dụ HP0001000125K)."), field="invoice_code")
    school = session.get(School, row.school_id)
    problem = account_problem(school, row.account_number, required=False)
    if problem is not None:
        raise ValidationError(_l("%(p)s: không trừ vào hoá đơn được.", p=problem), field="invoice_code")
    _settle(session, school, row, [(invoice, row.amount)], signer=signer, now=now, actor=actor,
            status=TransferStatus.ASSIGNED)
    row.resolved_by = actor.id
    _close_tasks(session, row, actor, now, f"Gán cho {code}")
    audit.record(session, "transfer_assigned", actor_id=actor.id, school_id=row.school_id,
                 subject_type="bank_transaction", subject_id=row.id, detail=code)
    session.flush()
    return invoice


def ignore_transfer(session: Session, actor: User, row: BankTransaction, note: str, *, now: datetime) -> None:
    """Set aside a credit that is not a fee (a donation, bank interest…), with the reason."""
    from lms.core.cards import refuse_card_numbers

    note = nfc(note).strip()
    if row.status != TransferStatus.UNMATCHED:
        raise ValidationError(_l("Giao dịch này đã được xử lý."))
    if not note:
        raise ValidationError(_l("Nhập lý do không tính khoản này vào học phí."), field="note")
    refuse_card_numbers(note=note)
    row.status, row.note, row.resolved_by = TransferStatus.IGNORED, note[:300], actor.id
    _close_tasks(session, row, actor, now, note)
    audit.record(session, "transfer_ignored", actor_id=actor.id, school_id=row.school_id,
                 subject_type="bank_transaction", subject_id=row.id)
    session.flush()


def _close_tasks(session: Session, row: BankTransaction, actor: User | None, now: datetime, text: str) -> None:
    for t in session.scalars(select(BillingTask).where(BillingTask.bank_transaction_id == row.id,
                                                       BillingTask.kind == "unmatched",
                                                       BillingTask.resolved_at.is_(None))):
        t.resolved_at, t.resolved_by, t.resolution = now, actor.id if actor else None, text[:300]


def settled_elsewhere(session: Session, row: BankTransaction, payment, invoice_id: int | None, now: datetime,
                      how: str) -> None:
    """A queued credit turned out to be a payment recorded by another path (a gateway told us
    which checkout it paid): link it and close its queue task."""
    row.payment_id, row.invoice_id = payment.id, row.invoice_id or invoice_id
    row.status = TransferStatus.MATCHED
    _close_tasks(session, row, None, now, how)


def open_tasks(session: Session, school: School) -> list[BillingTask]:
    return list(session.scalars(select(BillingTask).where(BillingTask.school_id == school.id,
                                                          BillingTask.resolved_at.is_(None))
                                .order_by(BillingTask.id.desc()).limit(200)))


def task_texts(session: Session, tasks: list[BillingTask]) -> dict[int, str]:
    """What each task says where it is made of figures, written now in the reader's language: a
    transfer waiting to be matched is its amount and its content ("1,250,000 đ — …" in English).
    The stored message is the Vietnamese of the moment it was made; other tasks show it."""
    ids = {t.bank_transaction_id for t in tasks if t.kind == "unmatched" and t.bank_transaction_id}
    rows = {row.id: row for row in session.scalars(select(BankTransaction).where(BankTransaction.id.in_(ids)))} \
        if ids else {}
    return {t.id: f"{money(rows[t.bank_transaction_id].amount)} đ — {shown_memo(rows[t.bank_transaction_id].content)[:120]}"
            for t in tasks if t.kind == "unmatched" and t.bank_transaction_id in rows}


def latest_transfer(session: Session, school_id: int) -> BankTransaction | None:
    return session.scalars(select(BankTransaction).where(BankTransaction.school_id == school_id)
                           .order_by(BankTransaction.id.desc())).first()


def resolve_task(session: Session, actor: User, row: BillingTask, resolution: str, *, now: datetime) -> None:
    """The accountant has dealt with a task (refunded, used the credit, called the bank…) and says how."""
    from lms.core.cards import refuse_card_numbers

    resolution = nfc(resolution).strip()
    if not resolution:
        raise ValidationError(_l("Ghi cách đã xử lý."), field="resolution")
    refuse_card_numbers(resolution=resolution)
    if row.resolved_at is None:
        row.resolved_at, row.resolved_by, row.resolution = now, actor.id, resolution[:300]
        audit.record(session, "billing_task_resolved", actor_id=actor.id, school_id=row.school_id,
                     subject_type="billing_task", subject_id=row.id)
        session.flush()


PUPIL_TOKEN = re.compile(r"[A-Z0-9]{4,20}")


def _pupil_codes(content: str | None) -> list[str]:
    """Words of a memo that may be a pupil's code: as written, and without an "HS" written before it."""
    found = []
    for token in PUPIL_TOKEN.findall((content or "").upper()):
        found.append(token)
        if token.startswith("HS") and len(token) > 5:
            found.append(token[2:])
    return list(dict.fromkeys(found))


def pupil_hints(session: Session, school: School, rows: list[BankTransaction]) -> dict[int, list[tuple]]:
    """For queued credits whose memo names a pupil's code (HS8910000038) rather than an invoice:
    each such pupil of this school with their open invoices, oldest due first, so the accountant
    assigns the credit in one click. {transaction id: [(student, [invoice, …]), …]}."""
    wanted = {row.id: _pupil_codes(row.content) for row in rows
              if row.status == TransferStatus.UNMATCHED}
    codes = sorted({c for found in wanted.values() for c in found})
    if not codes:
        return {}
    pupils = {s.student_code: s for s in session.scalars(select(Student).where(Student.school_id == school.id,
                                                                              Student.student_code.in_(codes)))}
    open_of: dict[int, list[Invoice]] = {}
    if pupils:
        for invoice in session.scalars(select(Invoice).where(Invoice.school_id == school.id,
                                                             Invoice.student_id.in_([p.id for p in pupils.values()]),
                                                             Invoice.status.in_(list(states.OPEN)))
                                       .order_by(Invoice.due_date, Invoice.id)):
            open_of.setdefault(invoice.student_id, []).append(invoice)
    return {row_id: [(pupils[c], open_of.get(pupils[c].id, [])) for c in found if c in pupils]
            for row_id, found in wanted.items() if any(c in pupils for c in found)}


def code_hints(session: Session, school: School, rows: list[BankTransaction]) -> dict[int, list[Invoice]]:
    """For queued credits whose memo holds a code shaped like ours with its check character
    missing or wrong (a digit 1 or 0 for the letter I or O, `near_references`): the open invoices
    of this school it may have meant, for the accountant to assign in one click — never applied
    by themselves, since nothing confirms the reading. {transaction id: [invoice, …]}."""
    wanted = {row.id: near_references(row.content) for row in rows if row.status == TransferStatus.UNMATCHED}
    codes = sorted({c for found in wanted.values() for c in found})
    if not codes:
        return {}
    invoices = {i.code: i for i in session.scalars(select(Invoice).where(Invoice.school_id == school.id,
                                                                        Invoice.code.in_(codes),
                                                                        Invoice.status.in_(list(states.OPEN))))}
    return {row_id: [invoices[c] for c in found if c in invoices]
            for row_id, found in wanted.items() if any(c in invoices for c in found)}
