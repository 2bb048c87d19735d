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


def _webhook(bank, data):
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos.sign_data(data, KEY)}
    return bank.http.post("/callbacks/payos/A", data=json.dumps(body))


def _paid_data(order_code, amount, link="link-x", reference="FT26341000999"):
    return {"orderCode": order_code, "amount": amount, "description": "CHUYEN TIEN", "accountNumber": "0071000123456",
            "reference": reference, "transactionDateTime": "2026-12-05 08:00:00", "currency": "VND",
            "paymentLinkId": link, "code": "00", "desc": "success", "counterAccountName": "TRAN VAN BINH"}


def test_a_fractional_amount_is_refused_never_rounded(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url_of(parent, invoice_id, "payos", "p1")
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        order_code, link = checkout.order_code, checkout.provider_ref
    assert _webhook(make_client(), _paid_data(order_code, due + 0.5, link)).status_code == 400
    with dbs() as s:
        assert s.scalar(select(Payment.id).where(Payment.provider == "payos")) is None
        assert s.get(Invoice, invoice_id).status != InvoiceStatus.PAID


def test_a_paid_link_we_never_created_queues_the_money_and_tells_the_accountant(world, make_client, dbs):
    from lms.billing.models import BankTransaction, BillingTask

    _setup(dbs, world, make_client)
    bank = make_client()
    assert _webhook(bank, _paid_data(99999, 770_000)).status_code == 200
    assert _webhook(bank, _paid_data(99999, 770_000)).status_code == 200        # redelivered: once
    with dbs() as s:
        queued = s.scalars(select(BankTransaction)).one()
        assert (queued.amount, queued.status, queued.bank_reference) == (770_000, "unmatched", "FT26341000999")
        # The queue row itself says why it waits, as every queued credit does (it was empty).
        assert queued.note == "payOS báo khoản đã trả cho liên kết thanh toán 99999 mà trường không tạo"
        task = s.scalars(select(BillingTask).where(BillingTask.kind == "gateway")).one()
        assert "payOS 99999: không có yêu cầu thanh toán này" in task.message
        assert task.bank_transaction_id == queued.id
        assert s.scalar(select(Payment.id)) is None
    # payOS's own sample when the webhook is confirmed is not money.
    sample = {**_paid_data(123, 3000, "124c33293c43417ab7879e14c8d9eb18", payos.SETUP_TEST_REFERENCE)}
    assert _webhook(bank, sample).status_code == 200
    with dbs() as s:
        assert len(s.scalars(select(BankTransaction)).all()) == 1


def test_the_return_page_says_the_gateway_reported_success_when_payos_says_paid(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url_of(parent, invoice_id, "payos", "p1")
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        order_code, link = checkout.order_code, checkout.provider_ref
    paid = parent.get(f"/fees/return/payos?code=00&id={link}&cancel=false&status=PAID&orderCode={order_code}")
    text = paid.get_data(as_text=True)
    assert "Cổng thanh toán báo giao dịch thành công" in text and "bạn chưa bị trừ tiền" not in text
    cancelled = parent.get(f"/fees/return/payos?code=00&id={link}&cancel=true&status=CANCELLED&orderCode={order_code}")
    assert "bạn chưa bị trừ tiền" in cancelled.get_data(as_text=True)


def test_the_sandbox_lookup_lists_the_transfer_its_webhook_reported(
        app, world, make_client, dbs):
    """payOS's payment-link lookup lists each transfer with the memo the bank carried, its time and
    the accounts (payOS's published answer) — the sandbox answered an empty memo and no account, so
    a payment recovered by asking was recorded unlike the same payment notified by the webhook
    (memo made up by us, no receiving account). The sandbox keeps the transfer it notified and its
    lookup answers that one, signed."""
    from lms.billing.models import CallbackLog
    from tests.integration.test_recovery import _pay_in_sandbox

    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    _pay_in_sandbox(make_client, pay_url_of(parent, invoice_id, "payos", "p1"), "pay")
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        notified = json.loads(s.scalars(select(CallbackLog).where(CallbackLog.provider == "payos")).one().body)["data"]
    bank = make_client()
    answer = bank.http.get(f"/sandbox/payos/v2/payment-requests/{checkout.order_code}",
                           headers={"x-client-id": "client-thu-a", "x-api-key": "api-thu-a"}).get_json()
    assert payos.genuine(answer["data"], answer["signature"], KEY)
    (listed,) = answer["data"]["transactions"]
    assert listed["description"] == notified["description"] and f"{code} THU TIEN T9" in listed["description"]
    assert (listed["reference"], listed["amount"], listed["accountNumber"]) == (
        notified["reference"], due, notified["accountNumber"]) and listed["accountNumber"]
    assert listed["transactionDateTime"].startswith(notified["transactionDateTime"].replace(" ", "T"))
    assert listed["transactionDateTime"].endswith("+07:00")



def test_a_payos_payment_recovered_by_asking_is_recorded_as_its_webhook_would_have_been(app, world, make_client, dbs):
    from lms.billing.models import BankTransaction
    from lms.billing.views_gateways import ask_gateway
    from lms.extensions import db
    from lms.people.models import School
    from tests.integration.test_recovery import _pay_in_sandbox

    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    _pay_in_sandbox(make_client, pay_url_of(parent, invoice_id, "payos", "p1"), "lost")
    with app.app_context():                      # the accountant's "ask the gateway" on the invoice
        ask_gateway(db.session.scalars(select(Checkout)).one())
        db.session.commit()
    with dbs() as s:
        credit = s.scalars(select(BankTransaction)).one()
        assert credit.payment_id is not None and credit.invoice_id == invoice_id
        assert credit.content == f"{code} THU TIEN T9"            # the memo payOS listed, not one made up
        assert credit.account_number == s.get(School, world.a.school.id).bank_account_number
