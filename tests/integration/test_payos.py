"""payOS payment links (a VietQR per checkout; counts as qr) on both databases: the create call
checked and answered by the sandbox (its answer's signature verified), the transfer to the link,
the signed webhook recorded once, forgeries refused."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from lms.billing import vietqr
from lms.billing.channels import payos
from lms.billing.models import Checkout, Invoice, InvoiceStatus, Payment
from tests.billing_helpers import online_setup, pay_url_of

KEY = "payos-checksum-thu-nghiem"


def _setup(dbs, world, make_client):
    return online_setup(dbs, world, make_client, "payos", {"client_id": "client-thu-a", "api_key": "api-thu-a", "checksum_key": KEY})


def test_a_payos_link_is_paid_and_its_webhook_recorded_once(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = pay_url_of(parent, invoice_id, "payos", "p1")
    assert urlsplit(pay_url).path == "/sandbox/payos/checkout"
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        parsed = vietqr.parse_payload(checkout.qr_payload)
        assert parsed["amount"] == due and parsed["purpose"] == f"{code} THU TIEN T9" and checkout.method == "qr"
    query = dict(parse_qsl(urlsplit(pay_url).query))
    page = make_client()
    assert "<svg" in page.get(f"/sandbox/payos/checkout?{urlsplit(pay_url).query}").get_data(as_text=True)
    back = page.post("/sandbox/payos/checkout", query).headers["Location"]
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        assert (payment.method, payment.channel, payment.provider) == ("qr", "payos", "payos")
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
        order_code, link = checkout.order_code, checkout.provider_ref
    assert "Nhà trường đã nhận được tiền" in parent.get(urlsplit(back).path + "?" + urlsplit(back).query).get_data(as_text=True)
    # The same webhook again records nothing; a forged one is refused.
    data = {"orderCode": order_code, "amount": due, "description": code, "accountNumber": "0071000123456",
            "reference": "FT1", "transactionDateTime": "2026-09-05 08:00:00", "currency": "VND",
            "paymentLinkId": link, "code": "00", "desc": "success"}
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos.sign_data(data, KEY)}
    bank = make_client()
    assert bank.http.post("/callbacks/payos/A", data=json.dumps(body)).status_code == 200
    assert bank.http.post("/callbacks/payos/A", data=json.dumps(body)).status_code == 200
    forged = {**body, "data": {**data, "amount": 1}}
    assert bank.http.post("/callbacks/payos/A", data=json.dumps(forged)).status_code == 401
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.provider == "payos")).all()) == 2  # sandbox's + FT1 (credit)
        extra = s.scalars(select(Payment).where(Payment.provider_txn_id == f"{link}:FT1")).one()
        assert extra.applied == 0   # the link was already paid: the second transfer is credit
