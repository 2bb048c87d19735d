"""Bank feeds under an outside tester's traffic (issue #27, third round; tester defects 4, 5, 6),
each failing before its fix: a memo with our code and another school's let the other family's
money become this family's credit; a Casso credit of 10¹³ đ paid an invoice and left ~10¹³ đ of
credit; a SePay notification with "id": null was answered success and recorded nothing."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from lms.billing import sandbox
from lms.billing.models import BankTransaction, BillingTask, Invoice, Payment
from lms.billing.rules import MAX_AMOUNT
from lms.core.timeutil import utcnow
from tests.billing_helpers import once_key
from tests.integration.test_channels import CASSO_KEY
from tests.integration.test_channels import _setup as _setup_channels
from tests.integration.test_money_once import _post_sepay, _sepay_body, _setup


def _count(dbs, model, *where) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_our_code_with_another_schools_code_queues_the_credit_never_this_familys_credit(world, client, make_client,
                                                                                        dbs):
    invoices = _setup(dbs, world, client, school_b=True)
    a_id, a_code, a_due = invoices["HSA001"]
    _b_id, b_code, b_due = invoices["HSB002"]
    bank = make_client()
    body = _sepay_body(2700401, a_due + b_due, f"CK {a_code} {b_code}", "FT26342T27D0001")
    assert _post_sepay(bank, body).status_code == 200
    with dbs() as s:
        row = s.scalars(select(BankTransaction)).one()
        assert row.status == "unmatched" and row.payment_id is None
        assert row.note == f"Nội dung chuyển khoản có mã hoá đơn của trường khác: {b_code}"
        assert s.get(Invoice, a_id).paid == 0 and s.scalar(select(func.count()).select_from(Payment)) == 0
        assert s.scalar(select(func.count()).select_from(BillingTask).where(BillingTask.kind == "overpaid")) == 0
    client.login("kt.a")
    assert f"có mã hoá đơn của trường khác: {b_code}" in client.get("/billing/transfers").get_data(as_text=True)
    # What our invoice explains by itself (the amount it owes, or less) still pays it.
    _c_id, c_code, c_due = invoices["HSA002"]
    assert _post_sepay(bank, _sepay_body(2700402, c_due, f"CK {c_code} {b_code}", "FT26342T27D0002")).status_code == 200
    with dbs() as s:
        assert s.get(Invoice, _c_id).paid == c_due
        assert s.scalar(select(func.count()).select_from(BillingTask).where(BillingTask.kind == "overpaid")) == 0


def test_a_credit_above_what_one_transfer_carries_is_queued_from_every_source_never_applied(world, client, make_client,
                                                                                           dbs):
    invoices = _setup_channels(dbs, world, client)
    inv_id, code, _due = invoices["HSA001"]
    bank = make_client()
    headers, body = sandbox.casso_transfer(CASSO_KEY, amount=10**13, content=f"{code} hoc phi", account="0071000123456",
                                           when=utcnow(), payer="TRAN VAN DUNG", txn_id=2700501)
    assert bank.http.post("/callbacks/casso/A", data=body, headers=headers).status_code == 200
    with dbs() as s:
        row = s.scalars(select(BankTransaction)).one()
        assert row.amount == 10**13 and row.status == "unmatched" and row.payment_id is None
        assert "vượt mức một giao dịch chuyển khoản (tối đa 499.999.999 đ)" in row.note
        assert s.get(Invoice, inv_id).paid == 0 and s.scalar(select(func.count()).select_from(Payment)) == 0
    # Nor by hand: the accountant cannot assign it to the invoice.
    client.login("kt.a")
    refused = client.post(f"/billing/transfers/{row.id}/assign",
                          {"invoice_code": code, "key": once_key(client, "/billing/transfers", "assign")})
    assert refused.status_code == 422 and _count(dbs, Payment) == 0
    # One bank transfer's maximum itself is still matched (the rule is "above it").
    _id2, code2, _due2 = invoices["HSA002"]
    headers, body = sandbox.casso_transfer(CASSO_KEY, amount=MAX_AMOUNT, content=f"{code2}", account="0071000123456",
                                           when=utcnow(), payer="TRAN VAN DUNG", txn_id=2700502)
    assert bank.http.post("/callbacks/casso/A", data=body, headers=headers).status_code == 200
    assert _count(dbs, Payment) == 1


def test_a_sepay_notification_without_its_id_is_recognised_by_its_reference_never_swallowed(world, client, make_client,
                                                                                           dbs):
    invoices = _setup(dbs, world, client)
    (a_id, a_code, _a_due), (b_id, b_code, b_due) = invoices["HSA001"], invoices["HSA002"]
    bank = make_client()
    first = {**_sepay_body(0, 500_000, f"{a_code} dot 1", "FT26342T27H0000"), "id": None}
    second = {**_sepay_body(0, b_due, f"{b_code}", "FT26342T27H0001"), "id": None}
    assert _post_sepay(bank, first).status_code == 200
    assert _post_sepay(bank, second).status_code == 200
    assert _post_sepay(bank, second).status_code == 200        # SePay's redelivery: recorded once
    with dbs() as s:
        assert s.get(Invoice, a_id).paid == 500_000 and s.get(Invoice, b_id).paid == b_due
        assert s.scalar(select(func.count()).select_from(BankTransaction)) == 2
    # Neither an id nor a reference: refused, so SePay knows it was not recorded.
    none = {**_sepay_body(0, 1000, f"{a_code}", ""), "id": None}
    answer = _post_sepay(bank, none)
    assert answer.status_code == 400 and json.loads(answer.data)["success"] is False
    assert _count(dbs, BankTransaction) == 2
