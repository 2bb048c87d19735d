"""VNPay through the pages and the IPN, on both databases: a parent's checkout, the sandbox's
payment page, the IPN's decision order and its effects, the display-only return page, forged
and polluted notifications (Hypothesis), and 50 identical notifications at once (PostgreSQL)."""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.billing.channels import vnpay
from lms.billing.models import BillingTask, Checkout, Invoice, InvoiceStatus, LedgerTransaction, Payment
from tests.billing_helpers import online_setup, pay_url_of

SECRET = "BIMATVNPAYTHUNGHIEM0123456789"


def _setup(dbs, world, make_client):
    return online_setup(dbs, world, make_client, "vnpay", {"tmn_code": "THCSTHUA", "hash_secret": SECRET})


def _checkout(parent, invoice_id, key="k1"):
    return pay_url_of(parent, invoice_id, "vnpay", key)


def _ipn_params(pay_url: str, *, success=True, txn_no="14000001", amount=None) -> dict:
    params = dict(parse_qsl(urlsplit(pay_url).query))
    ipn = {"vnp_Amount": amount or params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP1",
           "vnp_CardType": "ATM", "vnp_OrderInfo": params["vnp_OrderInfo"], "vnp_PayDate": "20260905081500",
           "vnp_ResponseCode": "00" if success else "24", "vnp_TmnCode": params["vnp_TmnCode"],
           "vnp_TransactionNo": txn_no, "vnp_TransactionStatus": "00" if success else "02",
           "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, SECRET)
    return ipn


def _counts(dbs):
    with dbs() as s:
        return (s.scalar(select(func.count()).select_from(Payment)), s.scalar(select(func.count()).select_from(
            LedgerTransaction)), s.scalar(select(func.sum(Invoice.paid))))


def test_a_parent_pays_through_the_sandbox_and_the_ipn_settles_the_invoice(app, world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="pay-vnpay"' in page
    pay_url = _checkout(parent, invoice_id)
    assert pay_url.startswith("http://127.0.0.1:5000/sandbox/vnpay/vpcpay.html?")
    params = dict(parse_qsl(urlsplit(pay_url).query))
    assert params["vnp_Amount"] == str(due * 100) and vnpay.verify(params, SECRET)
    assert _checkout(parent, invoice_id) == pay_url   # the same click again: the same checkout
    gateway = make_client()
    shown = gateway.get(urlsplit(pay_url).path + "?" + urlsplit(pay_url).query)
    assert shown.status_code == 200 and f"{due:,}".replace(",", ".") in shown.get_data(as_text=True)
    tampered = pay_url.replace(f"vnp_Amount={due * 100}", "vnp_Amount=100")
    assert gateway.get(urlsplit(tampered).path + "?" + urlsplit(tampered).query).status_code == 400
    paid = gateway.post(urlsplit(pay_url).path, {**params, "outcome": "pay"})
    back = paid.headers["Location"]
    assert back.startswith("http://127.0.0.1:5000/fees/return/vnpay?")
    app.extensions["lms_jobs"].wait()        # the receipt is made by a job after the IPN's commit
    with dbs() as s:
        invoice = s.get(Invoice, invoice_id)
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        assert invoice.status == InvoiceStatus.PAID and payment.method == "website" and payment.channel == "vnpay"
        assert payment.payer_name == "Trần Văn Dũng" and payment.receipt is not None
    result = parent.get(urlsplit(back).path + "?" + urlsplit(back).query).get_data(as_text=True)
    assert "Nhà trường đã nhận được tiền" in result


def test_the_ipn_answers_in_vnpays_order_and_only_a_genuine_success_moves_money(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    bank = make_client()

    def ipn(params):
        return bank.get("/callbacks/vnpay/ipn", query_string=params).get_json()["RspCode"]

    good = _ipn_params(pay_url)
    assert ipn({**good, "vnp_SecureHash": "0" * 128}) == "97"
    assert ipn({**good, "vnp_TmnCode": "KHAC0000"}) == "97"
    unknown = {**good, "vnp_TxnRef": "HP0000000999X-1"}
    unknown["vnp_SecureHash"] = vnpay.sign(unknown, SECRET)
    assert ipn(unknown) == "01"
    # The return page with "success" parameters — genuine or not — changes nothing.
    before = _counts(dbs)
    parent.get("/fees/return/vnpay", query_string=good)
    parent.get("/fees/return/vnpay", query_string={**good, "vnp_SecureHash": "ab"})
    assert _counts(dbs) == before
    assert [ipn(good) for _ in range(10)] == ["00"] + ["02"] * 9    # VNPay's retries
    with dbs() as s:
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
        assert len(s.scalars(select(Payment).where(Payment.provider == "vnpay")).all()) == 1


def test_a_wrong_amount_becomes_credit_once_and_a_failed_payment_changes_nothing(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    bank = make_client()
    failed = _ipn_params(pay_url, success=False, txn_no="1")
    assert bank.get("/callbacks/vnpay/ipn", query_string=failed).get_json()["RspCode"] == "00"
    with dbs() as s:
        assert s.scalars(select(Checkout)).one().status == "failed" and s.get(Invoice, invoice_id).paid == 0
    pay_url = _checkout(parent, invoice_id, key="k2")
    wrong = _ipn_params(pay_url, txn_no="2", amount=str((due - 1000) * 100))
    answers = [bank.get("/callbacks/vnpay/ipn", query_string=wrong).get_json()["RspCode"] for _ in range(10)]
    assert answers == ["04"] * 10
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.provider == "vnpay")).one()
        assert payment.amount == due - 1000 and payment.applied == 0
        assert s.get(Invoice, invoice_id).paid == 0
        assert len(s.scalars(select(BillingTask).where(BillingTask.kind == "gateway")).all()) == 1


def test_a_success_after_the_invoice_was_voided_is_kept_as_credit(world, make_client, dbs, app):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    from lms.billing import payments
    from lms.core.timeutil import utcnow
    with dbs() as s:
        payments.void_invoice(s, world.a.accountant, s.get(Invoice, invoice_id), "Sai", now=utcnow())
        s.commit()
    bank = make_client()
    assert bank.get("/callbacks/vnpay/ipn", query_string=_ipn_params(pay_url)).get_json()["RspCode"] == "00"
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.provider == "vnpay")).one()
        assert payment.applied == 0 and payments.credit_of(s, payment.student_id) == due
        assert s.scalars(select(BillingTask).where(BillingTask.kind == "gateway")).first() is not None


KEYS = ["vnp_Amount", "vnp_BankCode", "vnp_ResponseCode", "vnp_TmnCode", "vnp_TransactionNo",
        "vnp_TransactionStatus", "vnp_TxnRef", "vnp_OrderInfo", "vnp_PayDate"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_hundreds_of_forged_notifications_change_nothing_and_the_genuine_one_still_counts(world, make_client, dbs):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    pay_url = _checkout(parent, invoice_id)
    good = _ipn_params(pay_url)
    bank = make_client()
    before = _counts(dbs)
    seen = {"n": 0}

    @settings(max_examples=520, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.one_of(
        st.tuples(st.just("change"), st.sampled_from(KEYS), st.text(min_size=0, max_size=12)),
        st.tuples(st.just("drop"), st.sampled_from(KEYS + ["vnp_SecureHash"]), st.just("")),
        st.tuples(st.just("add"), st.text(alphabet="abcdefghij_", min_size=1, max_size=8), st.text(max_size=6)),
        st.tuples(st.just("hash"), st.sampled_from(["truncate", "empty", "flip", "type"]), st.just("")),
        st.tuples(st.just("dup"), st.sampled_from(KEYS), st.text(max_size=6)),
    ))
    def forged(mutation):
        kind, key, value = mutation
        value = value.replace("\x00", "")    # the app drops NULs from every query value, as PostgreSQL would refuse them
        pairs = list(good.items())
        if kind == "change":
            if value == good[key]:
                return
            pairs = [(k, value if k == key else v) for k, v in pairs]
        elif kind == "drop":
            pairs = [(k, v) for k, v in pairs if k != key]
        elif kind == "add":
            pairs.append((f"vnp_{key}", value or "x"))
        elif kind == "hash":
            h = good["vnp_SecureHash"]
            # "type": a wrong hash that names another algorithm is still a wrong hash (the type is ignored)
            new = {"truncate": h[:-2], "empty": "", "flip": h[::-1], "type": h[:64]}[key]
            pairs = [(k, new if k == "vnp_SecureHash" else v) for k, v in pairs]
            if key == "type":
                pairs.append(("vnp_SecureHashType", "SHA256"))
        else:
            pairs.append((key, value))
        answer = bank.get("/callbacks/vnpay/ipn", query_string=pairs).get_json()["RspCode"]
        assert answer in ("97", "99"), (mutation, answer)
        seen["n"] += 1

    forged()
    assert seen["n"] >= 400
    assert _counts(dbs) == before     # no payment, no posting, no invoice moved
    assert bank.get("/callbacks/vnpay/ipn", query_string=good).get_json()["RspCode"] == "00"
    with dbs() as s:
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_fifty_identical_notifications_at_once_record_one_payment(world, make_client, dbs, app):
    (invoice_id, code, due), parent = _setup(dbs, world, make_client)
    good = _ipn_params(_checkout(parent, invoice_id))
    barrier = threading.Barrier(50)
    answers = []

    def call():
        client = app.test_client()
        barrier.wait()
        answers.append(client.get("/callbacks/vnpay/ipn", query_string=good).get_json()["RspCode"])

    threads = [threading.Thread(target=call) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == ["00"] + ["02"] * 49
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.provider == "vnpay")).all()) == 1
        assert s.scalar(select(func.count()).select_from(LedgerTransaction).where(
            LedgerTransaction.kind == "payment", LedgerTransaction.school_id == world.a.school.id)) == 1
        assert s.get(Invoice, invoice_id).status == InvoiceStatus.PAID
