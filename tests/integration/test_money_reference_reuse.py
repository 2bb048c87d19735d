"""A bank reference names one credit only with its amount, its receiving account and its day
(issue #27): banks' daily references are short and come back on other days and other accounts, so
a reference alone hid a real second credit as a "repeat" — the money was never recorded. Each test
failed before: a second credit under the same reference with another amount, on another account,
or with the same amount a month later was taken for the first and recorded nothing; the genuine
repeat (a feed's credit found again in the statement) is still recognised once."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.billing.models import BankSighting, BankTransaction, Invoice, Payment
from tests.integration.test_money_once import _import_statement, _post_sepay, _sepay_body, _setup


def _credits(dbs) -> list[BankTransaction]:
    with dbs() as s:
        return s.scalars(select(BankTransaction).order_by(BankTransaction.id)).all()


def _count(dbs, model) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_one_reference_with_another_amount_is_a_second_credit(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    (a_id, a_code, _a_due), (b_id, b_code, b_due) = invoices["HSA001"], invoices["HSA002"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(2790001, 500_000, f"{a_code} dot 1", "5248-81234")).status_code == 200
    assert _post_sepay(bank, _sepay_body(2790002, b_due, f"{b_code}", "5248-81234",
                                         when="2026-09-05 15:40:00")).status_code == 200
    rows = _credits(dbs)
    assert [(r.amount, r.status) for r in rows] == [(500_000, "matched"), (b_due, "matched")]
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 500_000 and s.get(Invoice, b_id).paid == b_due
    # Each is still recognised by its own redelivery.
    assert _post_sepay(bank, _sepay_body(2790002, b_due, f"{b_code}", "5248-81234",
                                         when="2026-09-05 15:40:00")).status_code == 200
    assert _count(dbs, BankTransaction) == 2 and _count(dbs, Payment) == 2


def test_one_reference_on_another_account_is_never_merged(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    _a_id, a_code, a_due = invoices["HSA001"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(2790101, a_due, f"{a_code}", "FT26248000777")).status_code == 200
    # The same reference, amount and day on another account: another credit, queued for its account.
    other = _sepay_body(2790102, a_due, f"{a_code}", "FT26248000777", account="19031234567890")
    assert _post_sepay(bank, other).status_code == 200
    rows = _credits(dbs)
    assert len(rows) == 2 and rows[0].status == "matched"
    assert rows[1].status == "unmatched" and rows[1].payment_id is None
    assert rows[1].note.startswith("Tiền vào tài khoản 19031234567890, không phải tài khoản thu")


def test_one_reference_a_month_later_is_another_credit_from_every_path(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    (a_id, a_code, _a_due), (b_id, b_code, _b_due) = invoices["HSA001"], invoices["HSA002"]
    bank = make_client()
    # SePay without its id (known by the reference): September, then October under the same reference.
    first = {**_sepay_body(0, 400_000, f"{a_code} dot 1", "FT123456"), "id": None}
    later = {**_sepay_body(0, 400_000, f"{b_code} dot 1", "FT123456", when="2026-10-05 08:15:00"), "id": None}
    assert _post_sepay(bank, first).status_code == 200
    assert _post_sepay(bank, later).status_code == 200
    assert _post_sepay(bank, later).status_code == 200          # its redelivery: nothing more
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 400_000 and s.get(Invoice, b_id).paid == 400_000
    assert _count(dbs, BankTransaction) == 2
    # The statement of November lists the reference once more, for a third transfer: recorded.
    said = _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
                                     f"05/11/2026 08:15,ft 123456,300.000,{a_code} dot 2\n")
    assert "Đã nhập 1 giao dịch ghi có: 1 khớp hoá đơn tự động" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said))
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 700_000
    assert _count(dbs, BankTransaction) == 3
    # A statement of the three months records nothing again: each line is its own credit.
    said = _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
                                     f"05/09/2026 08:15,FT123456,400.000,{a_code} dot 1\n"
                                     f"05/10/2026 08:15,FT123456,400.000,{b_code} dot 1\n"
                                     f"05/11/2026 08:15,FT123456,300.000,{a_code} dot 2\n")
    assert "Đã nhập 0 giao dịch ghi có" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said)), said
    assert _count(dbs, BankTransaction) == 3 and _count(dbs, Payment) == 3
    assert _count(dbs, BankSighting) == 6


def test_a_statement_reusing_a_reference_on_another_day_imports_both_lines(world, client, dbs):
    invoices = _setup(dbs, world, client)
    (a_id, a_code, _a_due), (b_id, b_code, _b_due) = invoices["HSA001"], invoices["HSA002"]
    said = _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
                                     f"05/09/2026 08:15,5248 - 81234,200.000,{a_code}\n"
                                     f"07/09/2026 09:00,5248 - 81234,300.000,{b_code}\n")
    assert "Đã nhập 2 giao dịch ghi có: 2 khớp hoá đơn tự động" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said))
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 200_000 and s.get(Invoice, b_id).paid == 300_000
    # Imported again: nothing new.
    _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
                              f"05/09/2026 08:15,5248 - 81234,200.000,{a_code}\n"
                              f"07/09/2026 09:00,5248 - 81234,300.000,{b_code}\n")
    assert _count(dbs, BankTransaction) == 2 and _count(dbs, Payment) == 2


def test_the_genuine_repeat_is_still_recognised_once(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    a_id, a_code, _a_due = invoices["HSA001"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(2790301, 400_000, f"CK {a_code} dot 1", "FT26248T27G0001",
                                         when="2026-09-05 23:58:00")).status_code == 200
    # The statement dates the late-evening credit the next morning and writes the reference otherwise.
    said = _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
                                     f"06/09/2026 00:03,ft26248t27g0001,400.000,CK {a_code} dot 1\n")
    assert "Đã nhập 0 giao dịch ghi có" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said))
    assert _count(dbs, BankTransaction) == 1 and _count(dbs, Payment) == 1
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 400_000


def test_the_one_rule_of_a_same_credit():
    from datetime import datetime, timezone

    from lms.billing.matching import same_credit

    when = datetime(2026, 9, 5, 1, 15, tzinfo=timezone.utc)
    row = BankTransaction(amount=700_000, account_number="0071000123456", transacted_at=when)
    assert same_credit(row, 700_000, when, "0071 000 123 456") and same_credit(row, 700_000, when, "")
    assert not same_credit(row, 770_000, when)
    assert not same_credit(row, 700_000, when, "19031234567890")
    assert same_credit(row, 700_000, when.replace(day=6))          # a statement's next day
    assert not same_credit(row, 700_000, when.replace(day=7))
    assert not same_credit(row, 700_000, when.replace(month=10))
