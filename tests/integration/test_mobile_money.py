"""Mobile Money through the aggregator (Xendit v3) on both databases: the create call answered
by the sandbox, the wallet's approval, the callback token, business, currency and wallet checks,
the status mapping, and the per-school method setting."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from lms.billing.models import BillingTask, Checkout, Invoice, InvoiceStatus, Payment
from tests.billing_helpers import online_setup, pay_url_of

TOKEN = "xendit-callback-token-thu"


def _setup(dbs, world, make_client, counts_as="website"):
    return online_setup(dbs, world, make_client, "mobile_money", {
        "business_id": "biz-thu-a", "channel_code": "VNPTWALLET", "api_key": "xnd_development_thu",
        "callback_token": TOKEN, "counts_as": counts_as})


def _callback(client, ref, amount, *, status="SUCCEEDED", token=TOKEN, business="biz-thu-a", payment_id="py-1"):
    body = {"event": "payment.capture" if status == "SUCCEEDED" else "payment.failure", "business_id": business,
            "data": {"payment_id": payment_id, "reference_id": ref, "status": status, "request_amount": amount,
                     "currency": "VND", "channel_code": "VNPTWALLET",
                     "captures": [{"capture_amount": amount}] if status == "SUCCEEDED" else []}}
    return client.http.post("/callbacks/mobile-money/A", data=json.dumps(body), headers={"x-callback-token": token})


def test_a_parent_pays_by_mobile_money_and_the_school_decides_which_method_it_counts_as(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client, counts_as="mobile_money")
    assert 'id="pay-mobile_money"' in parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    pay_url = pay_url_of(parent, invoice_id, "mobile_money", "w1")
    assert urlsplit(pay_url).path == "/sandbox/xendit/checkout"
    fields = dict(parse_qsl(urlsplit(pay_url).query))
    wallet = make_client()
    assert wallet.get(f"/sandbox/xendit/checkout?{urlsplit(pay_url).query}").status_code == 200
    assert wallet.get(f"/sandbox/xendit/checkout?{urlsplit(pay_url).query.replace('amount=', 'amount=1')}").status_code == 400
    back = wallet.post("/sandbox/xendit/checkout", {**fields, "outcome": "pay"}).headers["Location"]
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        assert (payment.method, payment.channel, payment.provider) == ("mobile_money", "mobile_money", "xendit")
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
    assert "Nhà trường đã nhận được tiền" in parent.get(urlsplit(back).path + "?" + urlsplit(back).query).get_data(as_text=True)


def test_the_callback_token_business_and_statuses(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url_of(parent, invoice_id, "mobile_money", "w1")
    with dbs() as s:
        ref = s.scalars(select(Checkout)).one().txn_ref
    bank = make_client()
    assert _callback(bank, ref, due, token="sai").status_code == 401
    assert _callback(bank, ref, due, business="biz-khac").status_code == 401
    assert _callback(bank, ref, due, status="FAILED", payment_id="py-0").status_code == 200
    with dbs() as s:
        assert s.scalars(select(Checkout)).one().status == "failed"
        assert s.scalar(select(Payment.id).where(Payment.provider == "xendit")) is None
    # A capture after the failure is still money received: recorded (late, with a task), once.
    assert [_callback(bank, ref, due).status_code for _ in range(3)] == [200] * 3
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.provider == "xendit")).one()
        assert payment.method == "website"   # the school has not confirmed Mobile Money in writing
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
        # The accountant's task says what happened: a success after the gateway said "failed" —
        # not "arrived after the request expired or was replaced".
        task = s.scalars(select(BillingTask).where(BillingTask.payment_id == payment.id)).one()
        assert "thành công sau khi đã báo giao dịch không thành công" in task.message
        assert "hết hạn" not in task.message


def test_a_fractional_capture_amount_is_refused_never_rounded(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url_of(parent, invoice_id, "mobile_money", "w1")
    with dbs() as s:
        ref = s.scalars(select(Checkout)).one().txn_ref
    bank = make_client()
    assert _callback(bank, ref, due + 0.5).status_code == 400
    with dbs() as s:
        assert s.scalar(select(Payment.id).where(Payment.provider == "xendit")) is None
        assert s.get(Invoice, invoice_id).status != InvoiceStatus.PAID
