"""Asking the gateways (VNPay querydr, MoMo's query, payOS's lookup), on both databases: a payment
whose notification was lost is recovered by the scheduled pass, by the accountant's button and by
reconciliation; a checkout nobody paid is marked expired; a forged or mismatched answer records
nothing; the IPN arriving after the question records nothing twice; and on PostgreSQL, IPNs and
questions racing for one checkout record one payment."""
from __future__ import annotations

import io
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select, update

from lms.billing import recovery
from lms.billing.channels import vnpay
from lms.billing.models import BillingTask, CallbackLog, Checkout, Invoice, InvoiceStatus, Payment, ReconciliationItem
from lms.billing.sandbox.store import store_of
from lms.core.timeutil import utc_to_local, utcnow
from tests.billing_helpers import online_setup, pay_url_of

SECRET = "BIMATVNPAYTHUNGHIEM0123456789"
MOMO = {"partner_code": "MOMOTHUA", "access_key": "momo-access-a", "secret_key": "momo-secret-a"}
PAYOS = {"client_id": "client-thu-a", "api_key": "api-thu-a", "checksum_key": "payos-checksum-thu-nghiem"}


def _vnpay(dbs, world, make_client):
    return online_setup(dbs, world, make_client, "vnpay", {"tmn_code": "THCSTHUA", "hash_secret": SECRET})


def _start(parent, invoice_id, channel, key="k1", *, confirm=False):
    return pay_url_of(parent, invoice_id, channel, key, confirm=confirm)


def _pay_in_sandbox(make_client, pay_url, outcome="lost"):
    page = make_client()
    fields = dict(parse_qsl(urlsplit(pay_url).query))
    response = page.post(urlsplit(pay_url).path, {**fields, "outcome": outcome})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return fields


def _expire_now(dbs):
    """Move every checkout's time limit into the past, as if 20 minutes had gone by."""
    with dbs() as s:
        s.execute(update(Checkout).values(expires_at=utcnow() - timedelta(minutes=5)))
        s.commit()


def _payments(dbs, invoice_id):
    with dbs() as s:
        return s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()


def test_a_lost_vnpay_ipn_is_recovered_by_the_scheduled_querydr(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    pay_url = _start(parent, invoice_id, "vnpay")
    _pay_in_sandbox(make_client, pay_url, "lost")
    assert _payments(dbs, invoice_id) == []       # the money left the payer; the school heard nothing
    app.extensions["lms_scheduler"].run_once()
    assert _payments(dbs, invoice_id) == []       # not yet due: the checkout's time is not up
    _expire_now(dbs)
    done = app.extensions["lms_scheduler"].run_once()
    assert done["ask_gateways_about_expired_checkouts"] == 1
    app.extensions["lms_jobs"].wait()        # the receipt is made by a job after the commit
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        (sandbox,) = store_of(app.config).records()       # what the pretend provider itself kept
        checkout = s.scalars(select(Checkout)).one()
        assert (payment.provider, payment.provider_txn_id, payment.amount) == ("vnpay", sandbox.txn_id, due)
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID and payment.receipt is not None
        assert checkout.status == "paid" and checkout.queried_at is not None
        log = s.scalars(select(CallbackLog).where(CallbackLog.payment_id == payment.id)).one()
        assert log.outcome == "query: paid"
        params = dict(parse_qsl(urlsplit(pay_url).query))
        ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_ResponseCode": "00",
               "vnp_TmnCode": params["vnp_TmnCode"], "vnp_TransactionNo": sandbox.txn_id,
               "vnp_TransactionStatus": "00", "vnp_TxnRef": params["vnp_TxnRef"], "vnp_PayDate": "20260905081500"}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, SECRET)
    # The IPN turning up after all: already confirmed, nothing recorded twice.
    assert make_client().get("/callbacks/vnpay/ipn", query_string=ipn).get_json()["RspCode"] == "02"
    assert len(_payments(dbs, invoice_id)) == 1
    assert app.extensions["lms_scheduler"].run_once()["ask_gateways_about_expired_checkouts"] == 0


def test_a_replaced_checkout_the_gateway_captured_is_asked_about_and_dated_when_paid(app, world, make_client, dbs):
    """The parent paid checkout -1 (its IPN lost), pressed "pay" again and paid -2 too: the
    scheduler asks about the replaced -1 as well, records it (the invoice is settled by -2, so it
    is the family's credit, with a task), dated at VNPay's vnp_PayDate, not at the time of asking;
    a replaced checkout VNPay says was never paid is asked about once."""
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    _pay_in_sandbox(make_client, _start(parent, invoice_id, "vnpay"), "lost")
    paid_at = (utcnow() - timedelta(minutes=12)).replace(microsecond=0)
    with sqlite3.connect(store_of(app.config).path) as db:     # VNPay took the money 12 minutes ago
        db.execute("UPDATE payments SET paid_at = ?", (paid_at.isoformat(),))
    db.close()
    with dbs() as s:
        s.execute(update(Checkout).values(created_at=utcnow() - timedelta(minutes=20)))
        s.commit()
    _pay_in_sandbox(make_client, _start(parent, invoice_id, "vnpay", key="k2", confirm=True), "pay")
    assert len(_payments(dbs, invoice_id)) == 1
    app.extensions["lms_jobs"].wait()        # -2's receipt
    _expire_now(dbs)
    app.extensions["lms_scheduler"].run_once()
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        first = s.scalars(select(Checkout).where(Checkout.txn_ref == f"{code}-1")).one()
        assert first.status == "paid" and first.payment_id is not None
        payment = s.get(Payment, first.payment_id)
        assert payment.amount == due and payment.applied == 0     # the invoice was settled by -2: credit
        assert payment.received_at.replace(tzinfo=timezone.utc) == paid_at.replace(tzinfo=timezone.utc)
        assert s.scalar(select(func.count()).select_from(BillingTask).where(BillingTask.payment_id == payment.id)) == 1
    assert len(_payments(dbs, invoice_id)) == 2
    _expire_now(dbs)
    assert app.extensions["lms_scheduler"].run_once()["ask_gateways_about_expired_checkouts"] == 0


def test_a_replaced_checkout_nobody_paid_is_asked_about_once(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    _start(parent, invoice_id, "vnpay")
    _start(parent, invoice_id, "vnpay", key="k2", confirm=True)
    _expire_now(dbs)
    assert app.extensions["lms_scheduler"].run_once()["ask_gateways_about_expired_checkouts"] == 2
    with dbs() as s:
        first, second = s.scalars(select(Checkout).order_by(Checkout.id)).all()
        assert (first.status, first.failure, second.status) == ("replaced", "query: not_found", "expired")
        assert len(s.scalars(select(CallbackLog)).all()) == 2
    with dbs() as s:        # ten minutes later: nothing left to ask
        s.execute(update(Checkout).values(queried_at=utcnow() - timedelta(minutes=30)))
        s.commit()
    assert app.extensions["lms_scheduler"].run_once()["ask_gateways_about_expired_checkouts"] == 0


def test_a_checkout_nobody_paid_is_marked_expired_after_asking(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    _start(parent, invoice_id, "vnpay")
    _expire_now(dbs)
    app.extensions["lms_scheduler"].run_once()
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        assert checkout.status == "expired" and checkout.queried_at is not None
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.ISSUED
        assert s.scalars(select(CallbackLog)).one().outcome.startswith("query: not_found")
    # The parent can start again; the old checkout no longer blocks a new one.
    assert _start(parent, invoice_id, "vnpay", key="k2") != ""


def test_a_forged_or_mismatched_querydr_answer_records_nothing(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    _start(parent, invoice_id, "vnpay")
    signer = app.extensions["lms_signer"]
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        good = {"vnp_ResponseId": "R1", "vnp_Command": "querydr", "vnp_ResponseCode": "00", "vnp_Message": "ok",
                "vnp_TmnCode": "THCSTHUA", "vnp_TxnRef": checkout.txn_ref, "vnp_Amount": str(due * 100),
                "vnp_BankCode": "NCB", "vnp_PayDate": "20260905081500", "vnp_TransactionNo": "14999999",
                "vnp_TransactionType": "01", "vnp_TransactionStatus": "00", "vnp_OrderInfo": "x",
                "vnp_PromotionCode": "", "vnp_PromotionAmount": ""}
        answers = [dict(good, vnp_SecureHash="0" * 128),                                 # forged
                   dict(good, vnp_Amount=str(due * 100 + 1)),                            # signed later, but…
                   dict(good, vnp_TxnRef="HP0000000001X-1")]                             # another order
        answers[1]["vnp_SecureHash"] = vnpay.sign_querydr_response(answers[1], "khoa-khac")
        answers[2]["vnp_SecureHash"] = vnpay.sign_querydr_response(answers[2], SECRET)
        for answer in answers:
            asked = recovery.query_checkout(s, checkout, box=box, signer=signer, call=lambda *a, _r=answer: (200, _r),
                                            base_url="http://127.0.0.1:5000", now=utcnow())
            assert asked.outcome == "error"
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
        # A genuine answer with another amount: the money VNPay took is kept as credit, never lost.
        odd = dict(good, vnp_Amount=str((due - 1000) * 100))
        odd["vnp_SecureHash"] = vnpay.sign_querydr_response(odd, SECRET)
        asked = recovery.query_checkout(s, checkout, box=box, signer=signer, call=lambda *a: (200, odd),
                                        base_url="http://127.0.0.1:5000", now=utcnow())
        payment = s.scalars(select(Payment)).one()
        assert asked.outcome == "paid" and payment.amount == due - 1000 and payment.applied == 0
        s.rollback()


def test_the_accountant_asks_momo_about_a_payment_whose_ipn_was_lost(app, world, make_client, dbs):
    """Recovered by asking, the payment is dated when MoMo took the money (its query answer's
    `lastUpdated`), never at the time of asking."""
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "momo", MOMO)
    pay_url = _start(parent, invoice_id, "momo")
    _pay_in_sandbox(make_client, pay_url, "lost")
    paid_at = (utcnow() - timedelta(minutes=12)).replace(microsecond=0)
    with sqlite3.connect(store_of(app.config).path) as db:     # MoMo took the money 12 minutes ago
        db.execute("UPDATE payments SET paid_at = ?", (paid_at.isoformat(),))
    db.close()
    with dbs() as s:
        s.execute(update(Checkout).values(created_at=utcnow() - timedelta(minutes=20)))
        s.commit()
    accountant = make_client()
    accountant.login("kt.a")
    page = accountant.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="invoice-checkouts"' in page and "Hỏi cổng thanh toán" in page
    with dbs() as s:
        checkout_id = s.scalars(select(Checkout.id)).one()
    answer = accountant.post(f"/billing/checkouts/{checkout_id}/ask", {})
    assert answer.status_code == 302
    shown = accountant.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Cổng báo đã thanh toán: đã ghi nhận" in shown
    payments = _payments(dbs, invoice_id)
    assert len(payments) == 1 and payments[0].provider == "momo" and payments[0].method == "website"
    assert payments[0].received_at.replace(tzinfo=timezone.utc) == paid_at.replace(tzinfo=timezone.utc)
    # Asking again changes nothing.
    accountant.post(f"/billing/checkouts/{checkout_id}/ask", {})
    assert len(_payments(dbs, invoice_id)) == 1
    # Parents and another school's staff cannot ask.
    assert parent.post(f"/billing/checkouts/{checkout_id}/ask", {}).status_code in (403, 404)


def test_reconciliation_asks_payos_about_a_missed_webhook(app, world, make_client, dbs):
    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "payos", PAYOS)
    pay_url = _start(parent, invoice_id, "payos")
    _pay_in_sandbox(make_client, pay_url, "lost")
    assert _payments(dbs, invoice_id) == []
    with dbs() as s:
        (sandbox,) = store_of(app.config).records()       # what the pretend provider itself kept
        checkout = s.scalars(select(Checkout)).one()
        reference = sandbox.txn_id.split(":")[1]
        day = utc_to_local(sandbox.paid_at, "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y %H:%M")
    csv = ("Mã giao dịch,Mã đơn hàng,Số tiền,Thời gian,Trạng thái\n"
           f"{reference},{checkout.order_code},{due},{day},PAID\n")
    accountant = make_client()
    accountant.login("kt.a")
    for run in range(2):
        page = accountant.post("/billing/reconciliation",
                               {"provider": "payos", "file": (io.BytesIO(csv.encode()), "payos.csv")},
                               content_type="multipart/form-data")
        assert page.status_code == 302
        shown = accountant.get("/billing/reconciliation").get_data(as_text=True)
        assert ("ghi nhận 1 khoản bị lỡ thông báo" in shown) == (run == 0)
    payments = _payments(dbs, invoice_id)
    assert len(payments) == 1 and payments[0].provider_txn_id == sandbox.txn_id
    with dbs() as s:
        item = s.scalars(select(ReconciliationItem).where(ReconciliationItem.kind == "missing")).one()
        assert item.payment_id == payments[0].id and item.order_ref == str(checkout.order_code)
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_ipns_and_questions_racing_for_one_checkout_record_one_payment(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _vnpay(dbs, world, make_client)
    pay_url = _start(parent, invoice_id, "vnpay")
    _pay_in_sandbox(make_client, pay_url, "lost")
    with dbs() as s:
        (sandbox,) = store_of(app.config).records()       # what the pretend provider itself kept
    params = dict(parse_qsl(urlsplit(pay_url).query))
    ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_ResponseCode": "00", "vnp_TmnCode": params["vnp_TmnCode"],
           "vnp_TransactionNo": sandbox.txn_id, "vnp_TransactionStatus": "00", "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, SECRET)
    barrier = threading.Barrier(20)
    errors = []

    def notify():
        client = app.test_client()
        barrier.wait()
        client.get("/callbacks/vnpay/ipn", query_string=ipn)

    def ask():
        from lms.billing.views_gateways import ask_gateway
        from lms.extensions import db

        with app.app_context():
            try:
                checkout = db.session.scalars(select(Checkout)).one()
                barrier.wait()
                ask_gateway(checkout)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 (a lost race may roll back; it must not record twice)
                errors.append(type(exc).__name__)
                db.session.rollback()

    threads = [threading.Thread(target=notify if n % 2 else ask) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payments = _payments(dbs, invoice_id)
    assert len(payments) == 1 and payments[0].applied == due
    with dbs() as s:
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID


def test_a_payos_transfer_recovered_by_asking_is_recognised_in_a_statement_without_references(
        app, world, make_client, dbs):
    """The recovered credit was stored with an empty memo, dated when we asked: the bank's
    statement — exported without the reference column — listing the same transfer ("… HP… THU TIEN
    T9") queued it again as new money. The recovered credit carries the transfer's time and memo
    from the lookup, so the statement line is the credit already recorded."""
    from lms.billing.models import BankTransaction
    from tests.integration.test_billing_memos import _import_auto

    (invoice_id, code, due), parent = online_setup(dbs, world, make_client, "payos", PAYOS)
    pay_url = _start(parent, invoice_id, "payos")
    _pay_in_sandbox(make_client, pay_url, "lost")
    accountant = make_client()
    accountant.login("kt.a")
    with dbs() as s:
        checkout = s.scalars(select(Checkout)).one()
        (sandbox,) = store_of(app.config).records()
    with app.app_context():                      # the accountant's "ask the gateway" on the invoice
        from lms.billing.views_gateways import ask_gateway
        from lms.extensions import db
        ask_gateway(db.session.get(Checkout, checkout.id))
        db.session.commit()
    assert len(_payments(dbs, invoice_id)) == 1
    day = utc_to_local(sandbox.paid_at, "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y %H:%M")
    statement = ("Ngày giao dịch,Số tiền ghi có,Số tiền ghi nợ,Nội dung giao dịch\n"
                 f"{day},\"{due:,}\",,CSWQ7K2P1 {code} THU TIEN T9 - Ma GD ACSP/ 8G123456\n")
    shown = _import_auto(accountant, statement, "saoke.csv")
    with dbs() as s:
        credits = s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id)).all()
        assert len(credits) == 1 and credits[0].payment_id is not None, [(c.source, c.content) for c in credits]
        # The transfer's own time as payOS reported it (whole seconds, Vietnam time) — the sandbox
        # records paid_at a moment later, across a second boundary now and then.
        reported = datetime.strptime(sandbox.detail["transactionDateTime"], "%Y-%m-%d %H:%M:%S")
        assert credits[0].transacted_at == reported.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(timezone.utc)
    assert len(_payments(dbs, invoice_id)) == 1
    assert "payOS" in shown
