"""Paying an invoice twice online (issue #27, outside tester's finding 9), on both databases:
while a checkout waits for its gateway the invoice page says so, with what to do; a second
checkout of the same invoice is started only on the parent's explicit confirmation, whichever
gateway (the check is in checkouts.start_checkout); and the return page of a second payment of
an invoice already paid says so, and what becomes of the extra money."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from lms.billing.models import BillingTask, Checkout, Invoice, InvoiceStatus, Payment
from lms.core.timeutil import utc_to_local
from tests.billing_helpers import online_setup, pay_url_of, start_checkout

MOMO = {"partner_code": "MOMOTHUA", "access_key": "MOMOACCESSTHU", "secret_key": "MOMOSECRETTHUNGHIEM"}
VNPAY = {"tmn_code": "THCSTHUA", "hash_secret": "BIMATVNPAYTHUNGHIEM0123456789"}
WAITING = re.compile(r"Đang chờ xác nhận từ cổng thanh toán (\w+) \(bắt đầu lúc (\d\d:\d\d)\)\. Nếu bạn đã trả, "
                     r"đừng trả lại; kết quả sẽ được cập nhật trong (\d+) phút\.")


def _started_at(dbs) -> str:
    with dbs() as s:
        checkout = s.scalars(select(Checkout).where(Checkout.status == "pending")).one()
        return f"{utc_to_local(checkout.created_at, 'Asia/Ho_Chi_Minh'):%H:%M}"


def _pay(make_client, pay_url: str) -> str:
    """The payer pays on the gateway's (sandbox) page; returns where the gateway sends them back."""
    gateway = make_client()
    fields = dict(parse_qsl(urlsplit(pay_url).query))
    paid = gateway.post(urlsplit(pay_url).path, {**fields, "outcome": "pay"})
    assert paid.status_code == 302, paid.get_data(as_text=True)[:400]
    back = urlsplit(paid.headers["Location"])
    return f"{back.path}?{back.query}"


def test_the_invoice_says_a_payment_waits_for_its_gateway_until_the_gateway_confirms_it(app, world, make_client, dbs):
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "momo", MOMO)
    assert 'id="pending-checkout"' not in parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    pay_url = pay_url_of(parent, invoice_id, "momo")
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    found = WAITING.search(page)
    assert found is not None, page
    assert found.group(1) == "MoMo" and found.group(2) == _started_at(dbs)
    assert 1 <= int(found.group(3)) <= 18          # the checkout's 15 minutes, the scheduler's question after them
    _pay(make_client, pay_url)
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="pending-checkout"' not in page and WAITING.search(page) is None


def test_a_second_checkout_while_one_waits_needs_the_parents_confirmation(app, world, make_client, dbs):
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "vnpay", VNPAY)
    pay_url_of(parent, invoice_id, "vnpay", "first")
    # The invoice page opened again (a new form) and "pay" pressed: refused, saying why and what to do.
    refused = start_checkout(parent, invoice_id, "vnpay", "second", expect=(409,))
    html = refused.get_data(as_text=True)
    found = WAITING.search(html)
    assert found is not None and found.group(1) == "VNPay" and found.group(2) == _started_at(dbs), html
    assert 'name="confirm" value="1"' in html and 'id="pay-again"' in html
    with dbs() as s:
        assert [c.status for c in s.scalars(select(Checkout))] == ["pending"]
    # Confirmed (the page's own form, with its key): the new checkout replaces the waiting one.
    key = re.search(r'name="key" value="([^"]+)" data-once="checkout"', html).group(1)
    confirmed = parent.post(f"/fees/invoices/{invoice_id}/pay", {"key": key, "channel": "vnpay", "confirm": "1"})
    assert confirmed.status_code == 303 and "/fees/checkouts/" in confirmed.headers["Location"]
    with dbs() as s:
        assert [c.status for c in s.scalars(select(Checkout).order_by(Checkout.id))] == ["replaced", "pending"]


def test_the_confirmation_is_asked_by_every_gateway(app, world, make_client, dbs):
    """The check is made once, where every checkout starts: a MoMo payment waiting blocks a VNPay one too."""
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "momo", MOMO)
    admin = make_client()
    admin.login("admin.a")
    assert admin.post("/billing/channels/vnpay", {**VNPAY, "enabled": "y", "mode": "sandbox"}).status_code == 302
    pay_url_of(parent, invoice_id, "momo")
    found = WAITING.search(start_checkout(parent, invoice_id, "vnpay", "k2", expect=(409,)).get_data(as_text=True))
    assert found is not None and found.group(1) == "MoMo"


def test_the_return_page_of_a_second_payment_says_the_invoice_was_already_paid(app, world, make_client, dbs):
    """Finding 9: paid with MoMo, the browser's back button to MoMo's page, paid again (a new transId)."""
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "momo", MOMO)
    pay_url = pay_url_of(parent, invoice_id, "momo")
    first = _pay(make_client, pay_url)
    second = _pay(make_client, pay_url)
    with dbs() as s:
        one, two = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)).all()
        assert (one.applied, two.applied, two.amount) == (due, 0, due)
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
        assert s.scalars(select(BillingTask).where(BillingTask.payment_id == two.id)).first() is not None
    page = parent.get(second).get_data(as_text=True)
    assert f"Hoá đơn {code} đã được thanh toán đủ trước khoản này" in page, page
    assert "tiền nộp thừa" in page and "kế toán đã được báo để hoàn lại cho bạn" in page
    assert "trừ vào khoản phải nộp sau" in page and "Nhà trường đã nhận được tiền" not in page
    assert f"{due:,}".replace(",", ".") + " ₫" in page
    # The first payment's return page still says what it was.
    page = parent.get(first).get_data(as_text=True)
    assert "Nhà trường đã nhận được tiền" in page and "đã được thanh toán đủ trước khoản này" not in page


def test_a_replaced_checkout_paid_after_the_new_one_says_so_on_its_return(app, world, make_client, dbs):
    """Two VNPay checkouts (the second confirmed), both paid: the one paid last finds the invoice settled."""
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "vnpay", VNPAY)
    first_url = pay_url_of(parent, invoice_id, "vnpay", "first")
    html = start_checkout(parent, invoice_id, "vnpay", "second", expect=(409,)).get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)" data-once="checkout"', html).group(1)
    go = parent.post(f"/fees/invoices/{invoice_id}/pay", {"key": key, "channel": "vnpay", "confirm": "1"})
    second_url = parent.get(go.headers["Location"]).headers["Refresh"].split("url=", 1)[1]
    assert "Nhà trường đã nhận được tiền" in parent.get(_pay(make_client, second_url)).get_data(as_text=True)
    page = parent.get(_pay(make_client, first_url)).get_data(as_text=True)
    assert f"Hoá đơn {code} đã được thanh toán đủ trước khoản này" in page and "tiền nộp thừa" in page, page
