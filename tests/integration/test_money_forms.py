"""Forms that move money, and what a person types, on both databases (issue #27). Each test failed
before its fix: the cash/card form carried no key in the page, so sending it twice recorded two
payments and two signed receipts; an exemption amount typed under the default "100 %" was saved
as 100 %; a card number written with dots or non-breaking spaces was accepted and shown (here in a
payment note, a message and an announcement); one school could save another school's VNPay
merchant code and so take its notifications; a genuine VNPay IPN carrying vnp_SecureHashType was
refused."""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from lms.billing.channels import vnpay
from lms.billing.models import Exemption, Invoice, Payment, Receipt
from lms.courses.models import Announcement, Message
from tests.billing_helpers import issue, once_key, online_setup, pay_url_of, set_up_fees

NBSP = "\u00a0"


def _invoices(dbs, world) -> dict[str, tuple[int, str, int]]:
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        return {i.student.student_code: (i.id, i.code, i.due) for i in s.scalars(select(Invoice))}


def _count(dbs, model) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_cash_form_is_done_once_whatever_the_browser_sends(world, client, dbs):
    invoices = _invoices(dbs, world)
    invoice_id = invoices["HSA001"][0]
    client.login("kt.a")
    page = f"/billing/invoices/{invoice_id}"
    form = {"method": "cash", "amount": "500.000", "payer_name": "Nguyễn Thị Lan"}
    # No key (a form made elsewhere) or a made-up key: refused, nothing recorded.
    assert client.post(f"{page}/payments", form).status_code == 422
    assert client.post(f"{page}/payments", {**form, "key": "made.up"}).status_code == 422
    assert _count(dbs, Payment) == 0
    key = once_key(client, page, "payment")
    first = client.post(f"{page}/payments", {**form, "key": key})
    again = client.post(f"{page}/payments", {**form, "key": key})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(dbs, Payment) == 1 and _count(dbs, Receipt) == 1
    with dbs() as s:
        assert s.get(Invoice, invoice_id).paid == 500_000          # "500.000" read as people write it
    # The same key with another amount is another request: refused, nothing recorded.
    other = client.post(f"{page}/payments", {**form, "amount": "600000", "key": key})
    assert other.status_code == 422 and "đã được gửi với nội dung khác" in other.get_data(as_text=True)
    assert _count(dbs, Payment) == 1
    # A key of one user is not another's.
    other_user = once_key(client, page, "payment")
    admin = client.__class__(client.app)
    admin.login("admin.a")
    assert admin.post(f"{page}/payments", {**form, "key": other_user}).status_code == 422
    assert _count(dbs, Payment) == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_ten_submissions_of_one_form_at_once_record_one_payment(world, client, dbs, app):
    invoices = _invoices(dbs, world)
    invoice_id = invoices["HSA002"][0]
    client.login("kt.a")
    key = once_key(client, f"/billing/invoices/{invoice_id}", "payment")
    token = client.token()
    cookie = client.http.get_cookie("lms_session")
    barrier, answers = threading.Barrier(10), []

    def send():
        http = app.test_client()
        http.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        answers.append(http.post(f"/billing/invoices/{invoice_id}/payments",
                                 data={"method": "cash", "amount": "100000", "payer_name": "Nguyễn Thị Lan",
                                       "key": key, "csrf_token": token}).headers.get("Location"))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 10 and len(set(answers)) == 1 and answers[0].startswith("/billing/payments/")
    assert _count(dbs, Payment) == 1 and _count(dbs, Receipt) == 1


def test_an_exemption_amount_under_a_percentage_is_refused_on_the_amount(world, client, dbs):
    _invoices(dbs, world)
    client.login("kt.a")
    form = {"student_code": "HSA001", "fee_type_id": "0", "percent": "100", "amount": "200000",
            "valid_from": "2026-09-01", "valid_to": "2027-05-31", "reason": "Hộ cận nghèo"}
    page = client.post("/billing/exemptions", form)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "Theo số tiền" in body and "nhưng cũng nhập số tiền giảm" in body
    assert _count(dbs, Exemption) == 0
    assert client.post("/billing/exemptions", {**form, "percent": "0"}).status_code == 302
    with dbs() as s:
        saved = s.scalars(select(Exemption)).one()
        assert (saved.percent, saved.amount) == (None, 200_000)
    assert client.post("/billing/exemptions", {**form, "amount": ""}).status_code == 302


@pytest.mark.parametrize("written", [f"4111{NBSP}1111{NBSP}1111{NBSP}1111", "4111.1111.1111.1111",
                                     "5555-5555-5555-4444"])
def test_a_card_number_however_written_is_refused_where_people_type(world, client, make_client, dbs, written):
    invoices = _invoices(dbs, world)
    invoice_id = invoices["HSA001"][0]
    client.login("kt.a")
    page = f"/billing/invoices/{invoice_id}"
    refused = client.post(f"{page}/payments", {"method": "cash", "amount": "100000", "payer_name": "Nguyễn Thị Lan",
                                               "note": f"thẻ {written}", "key": once_key(client, page, "payment")})
    assert refused.status_code == 422 and "giống số thẻ ngân hàng" in refused.get_data(as_text=True)
    assert _count(dbs, Payment) == 0
    # A parent's message to the teacher and a teacher's announcement (lms.courses).
    parent = make_client()
    parent.login("0912000003")
    thread_id = world.b.thread.id
    answer = parent.post(f"/messages/{thread_id}", {"body": f"Số thẻ của tôi là {written}, thầy nộp giúp"})
    assert "giống số thẻ ngân hàng" in answer.get_data(as_text=True)
    with dbs() as s:
        assert not s.scalars(select(Message).where(Message.body.contains("1111"))).all()
        assert all(written not in a.body for a in s.scalars(select(Announcement)))


def test_a_merchant_code_belongs_to_one_school_and_its_notifications_to_that_school(world, make_client, dbs):
    from lms.billing.models import CallbackLog

    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "vnpay",
                                                   {"tmn_code": "THCSTHUA", "hash_secret": "BIMAT-A-0123456789"})
    other = make_client()
    other.login("admin.b")
    refused = other.post("/billing/channels/vnpay", {"tmn_code": "THCSTHUA", "hash_secret": "BIMAT-B", "enabled": "y",
                                                     "mode": "sandbox"}, follow_redirects=True)
    assert "đã được một trường khác khai báo" in refused.get_data(as_text=True)
    pay_url = pay_url_of(parent, invoice_id, "vnpay")
    params = dict(parse_qsl(urlsplit(pay_url).query))
    ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP1", "vnp_CardType": "ATM",
           "vnp_OrderInfo": params["vnp_OrderInfo"], "vnp_PayDate": "20260905081500", "vnp_ResponseCode": "00",
           "vnp_TmnCode": "THCSTHUA", "vnp_TransactionNo": "14000001", "vnp_TransactionStatus": "00",
           "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, "BIMAT-A-0123456789")
    bank = make_client()
    assert bank.get("/callbacks/vnpay/ipn", query_string=ipn).get_json()["RspCode"] == "00"
    with dbs() as s:
        log = s.scalars(select(CallbackLog)).one()
        assert log.school_id == world.a.school.id and log.verified


@pytest.mark.parametrize("hash_type", ["HmacSHA512", "SHA512", "HMAC-SHA512", "", "SHA256", "MD5"])
def test_a_vnpay_ipn_naming_its_hash_type_is_accepted_as_vnpay_and_the_npm_package_do(world, make_client, dbs,
                                                                                      hash_type):
    """VNPay may send vnp_SecureHashType; VNPay's own IPN sample and the npm `vnpay` package drop it
    and the hash before verifying the rest with HMAC-SHA512, whatever it names. It is outside the
    signed data and chooses nothing: the signature alone decides (a wrong one is 97, test_vnpay)."""
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "vnpay",
                                                   {"tmn_code": "THCSTHUA", "hash_secret": "BIMAT-A-0123456789"})
    params = dict(parse_qsl(urlsplit(pay_url_of(parent, invoice_id, "vnpay")).query))
    ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_OrderInfo": params["vnp_OrderInfo"],
           "vnp_PayDate": "20260905081500", "vnp_ResponseCode": "00", "vnp_TmnCode": "THCSTHUA",
           "vnp_TransactionNo": "14000002", "vnp_TransactionStatus": "00", "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, "BIMAT-A-0123456789")
    ipn["vnp_SecureHashType"] = hash_type
    assert make_client().get("/callbacks/vnpay/ipn", query_string=ipn).get_json()["RspCode"] == "00"
    assert _count(dbs, Payment) == 1


def test_the_migration_keeps_a_merchant_code_with_its_first_school(empty_database, tmp_path):
    """Two schools had saved the same VNPay merchant code: after the upgrade the first keeps it,
    the second's channel is off with a task to check the code with the provider."""
    import json as _json

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db
    from tests.factories import build_world

    url = empty_database("lms_merchant_migrate")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with Session(db.engine, expire_on_commit=False) as s:
            world = build_world(s, app.extensions["lms_auth"])
        downgrade(revision="0021")
        with db.engine.begin() as conn:
            for school in (world.a.school.id, world.b.school.id):
                conn.execute(text("INSERT INTO channel_settings (school_id, channel, enabled, counts_as, public, secret, "
                                  "updated_at) VALUES (:s, 'vnpay', :on, 'website', :p, '', CURRENT_TIMESTAMP)"),
                             {"s": school, "on": True, "p": _json.dumps({"tmn_code": "THCSTHUA", "sandbox": True})})
        upgrade()
        with db.engine.begin() as conn:
            owners = conn.execute(text("SELECT school_id FROM channel_identifiers WHERE value = 'THCSTHUA'")).all()
            assert owners == [(world.a.school.id,)]
            enabled = dict(conn.execute(text("SELECT school_id, enabled FROM channel_settings")).all())
            assert bool(enabled[world.a.school.id]) and not bool(enabled[world.b.school.id])
            assert conn.execute(text("SELECT COUNT(*) FROM billing_tasks WHERE school_id = :s"),
                                {"s": world.b.school.id}).scalar() == 1
        db.engine.dispose()
