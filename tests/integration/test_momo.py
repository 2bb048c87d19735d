"""MoMo e-wallet (counts as a website payment) on both databases: the create call answered by
the sandbox, the payer's confirmation, the IPN's checks (signature, partner, order, amount),
answered 204 and recorded once, and the display-only return."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from lms.billing.channels import momo
from lms.billing.models import BillingTask, Checkout, Invoice, InvoiceStatus, Payment
from tests.billing_helpers import online_setup, pay_url_of

ACCESS, SECRET = "MOMOACCESSTHU", "MOMOSECRETTHUNGHIEM"


def _setup(dbs, world, make_client):
    return online_setup(dbs, world, make_client, "momo", {"partner_code": "MOMOTHUA", "access_key": ACCESS, "secret_key": SECRET})


def _pay_url(parent, invoice_id, key="m1"):
    return pay_url_of(parent, invoice_id, "momo", key)


def _ipn(fields: dict, *, result=0, trans_id=4000000001, amount=None) -> dict:
    body = {"partnerCode": fields["partnerCode"], "orderId": fields["orderId"], "requestId": fields["requestId"],
            "amount": amount or int(fields["amount"]), "orderInfo": fields["orderInfo"], "orderType": "momo_wallet",
            "transId": trans_id, "resultCode": result, "message": "x", "payType": "qr", "responseTime": 1764567890000,
            "extraData": ""}
    body["signature"] = momo.sign_ipn(body, ACCESS, SECRET)
    return body


def test_a_parent_pays_with_momo_through_the_sandbox(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    assert 'id="pay-momo"' in parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    pay_url = _pay_url(parent, invoice_id)
    assert urlsplit(pay_url).path == "/sandbox/momo/pay"
    fields = dict(parse_qsl(urlsplit(pay_url).query))
    assert fields["amount"] == str(due) and fields["ipnUrl"].endswith("/callbacks/momo/ipn")
    wallet = make_client()
    assert wallet.get(f"/sandbox/momo/pay?{urlsplit(pay_url).query}").status_code == 200
    done = wallet.post("/sandbox/momo/pay", {**fields, "outcome": "pay"})
    back = done.headers["Location"]
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        assert payment.method == "website" and payment.channel == "momo" and payment.provider == "momo"
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
    assert "Nhà trường đã nhận được tiền" in parent.get(urlsplit(back).path + "?" + urlsplit(back).query).get_data(as_text=True)


def test_the_momo_ipn_is_checked_answered_204_and_recorded_once(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    fields = dict(parse_qsl(urlsplit(_pay_url(parent, invoice_id)).query))
    bank = make_client()
    forged = {**_ipn(fields), "amount": 1}
    assert bank.http.post("/callbacks/momo/ipn", json=forged).status_code == 401
    assert bank.http.post("/callbacks/momo/ipn", data=b"not json").status_code == 401
    cancelled = _ipn(fields, result=1006, trans_id=1)
    assert bank.http.post("/callbacks/momo/ipn", json=cancelled).status_code == 204
    with dbs() as s:
        assert s.scalars(select(Checkout)).one().status == "failed"
        assert s.scalar(select(Payment.id).where(Payment.provider == "momo")) is None
    fields = dict(parse_qsl(urlsplit(_pay_url(parent, invoice_id, key="m2")).query))
    good = _ipn(fields, trans_id=2)
    assert [bank.http.post("/callbacks/momo/ipn", json=good).status_code for _ in range(5)] == [204] * 5
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.provider == "momo")).all()) == 1
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
    # A second, genuine payment of another amount for the same order: kept as credit, with a task.
    other = _ipn(fields, trans_id=3, amount=due + 5000)
    assert bank.http.post("/callbacks/momo/ipn", json=other).status_code == 204
    with dbs() as s:
        extra = s.scalars(select(Payment).where(Payment.provider_txn_id == "3")).one()
        assert extra.applied == 0 and extra.amount == due + 5000
        assert s.scalars(select(BillingTask).where(BillingTask.kind == "gateway")).first() is not None


def test_a_second_momo_payment_for_a_paid_order_is_kept_as_credit(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    fields = dict(parse_qsl(urlsplit(_pay_url(parent, invoice_id)).query))
    bank = make_client()
    assert bank.http.post("/callbacks/momo/ipn", json=_ipn(fields, trans_id=7)).status_code == 204
    assert bank.http.post("/callbacks/momo/ipn", json=_ipn(fields, trans_id=8)).status_code == 204
    with dbs() as s:
        second = s.scalars(select(Payment).where(Payment.provider_txn_id == "8")).one()
        assert second.applied == 0 and second.amount == due
        assert s.get(Invoice, invoice_id).paid == due
