"""Payment channels on both databases: settings with encrypted secrets and the 3-of-4 readiness,
SePay and Casso webhooks matched to invoices (tolerant memo, redelivery, forgery), the queue of
transfers assigned by hand, bank statements with a column-mapping step, and the sandbox."""
from __future__ import annotations

import json

from sqlalchemy import select

from lms.billing import sandbox
from lms.billing.models import (BankTransaction, BillingTask, CallbackLog, ChannelSetting, Invoice, InvoiceStatus,
                                Payment)
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from tests.billing_helpers import issue, once_key, set_up_fees

SEPAY_KEY = "sepay-khoa-thu-nghiem-123"
CASSO_KEY = "casso-checksum-thu-nghiem-456"


def _setup(dbs, world, client):
    with dbs() as s:
        set_up_fees(s, world.a, terminals=False)   # the page's count starts without a terminal
        issue(s, world.a)
        s.commit()
        invoices = {i.student.student_code: (i.id, i.code, i.due) for i in s.scalars(
            select(Invoice).where(Invoice.school_id == world.a.school.id))}
    client.login("admin.a")
    assert client.post("/billing/channels/sepay", {"api_key": SEPAY_KEY, "enabled": "y", "mode": "sandbox"}).status_code == 302
    assert client.post("/billing/channels/casso", {"checksum_key": CASSO_KEY, "enabled": "y", "mode": "sandbox"}).status_code == 302
    return invoices


def _sepay(client, content, amount, txn_id, key=SEPAY_KEY):
    headers, body = sandbox.sepay_transfer(key, amount=amount, content=content, account="0071000123456",
                                           when=utcnow(), txn_id=txn_id)
    return client.http.post("/callbacks/sepay/A", data=body, headers=headers)


def test_settings_keep_secrets_encrypted_and_the_page_counts_the_ready_methods(world, client, make_client, dbs):
    _setup(dbs, world, client)
    with dbs() as s:
        row = s.scalars(select(ChannelSetting).where(ChannelSetting.channel == "sepay")).one()
        assert SEPAY_KEY not in row.secret and row.secret and row.counts_as == "qr"
    page = client.get("/billing/channels").get_data(as_text=True)
    assert SEPAY_KEY not in page and "Trường mới sẵn sàng 1 trong 4 phương thức" in page
    client.post("/billing/channels/pos", {"terminal_ids": "ND000501", "enabled": "y"})
    # A gateway in the provider's test environment (or the local sandbox) takes no real money: it
    # is shown, with its test host, but never makes its method ready.
    for mode in ("sandbox", "test"):
        client.post("/billing/channels/vnpay", {"tmn_code": "SANDBOX1", "hash_secret": "bi-mat", "enabled": "y",
                                                "mode": mode})
        page = client.get("/billing/channels").get_data(as_text=True)
        assert "Trường mới sẵn sàng 2 trong 4 phương thức" in page, mode
        website = page.split('data-method="website"')[1].split("</tr>")[0]
        assert "✗" in website and "vnpay" in website
    assert "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html" in page
    client.post("/billing/channels/vnpay", {"tmn_code": "SANDBOX1", "enabled": "y", "mode": "production"})
    page = client.get("/billing/channels").get_data(as_text=True)
    assert "Trường đã sẵn sàng 3 trong 4 phương thức" in page
    assert "https://pay.vnpay.vn/vpcpay.html" in page and "sandbox.vnpayment.vn" not in page
    # An unknown mode is refused on its field; the setting keeps its mode.
    staging = client.post("/billing/channels/vnpay", {"tmn_code": "SANDBOX1", "enabled": "y", "mode": "staging"})
    assert staging.status_code == 422 and "Hãy chọn môi trường của kênh" in staging.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(ChannelSetting).where(ChannelSetting.channel == "vnpay")).one().public["mode"] == "production"
    bad = client.post("/billing/channels/pos", {"terminal_ids": "123", "enabled": "y"})
    assert "chưa đúng" in bad.get_data(as_text=True) and bad.status_code == 422
    # Saving again without the secret keeps it.
    client.post("/billing/channels/sepay", {"api_key": "", "enabled": "y", "mode": "sandbox"})
    accountant = make_client()
    accountant.login("kt.a")
    assert accountant.post("/billing/channels/sepay", {"api_key": "x", "enabled": "y"}).status_code == 403
    assert _sepay(make_client(), "HS nop tien", 10_000, 1).status_code == 200


def test_a_sepay_transfer_settles_its_invoice_once_whatever_the_memo_looks_like(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    # The payer typed the code in lower case with spaces and the bank added its own words.
    memo = f"MBVCB.123456.{code[:6].lower()} {code[6:]}.Nguyen Thi Lan chuyen tien hoc phí"
    for _ in range(5):
        assert _sepay(bank, memo, due, 9001).get_json() == {"success": True}
    with dbs() as s:
        payments = s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).all()
        assert len(payments) == 1 and payments[0].method == "qr" and payments[0].provider == "sepay"
        assert s.get(Invoice, inv_id).status == InvoiceStatus.PAID
        assert len(s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "9001")).all()) == 1
    forged = _sepay(bank, memo, due, 9002, key="khoa-sai")
    assert forged.status_code == 401
    with dbs() as s:
        assert s.scalar(select(BankTransaction.id).where(BankTransaction.provider_txn_id == "9002")) is None
        log = s.scalars(select(CallbackLog).order_by(CallbackLog.id.desc())).first()
        assert log.outcome == "bad api key" and not log.verified
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "callback_refused")) is not None


def test_casso_partial_overpaid_unmatched_and_assigned_by_hand(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    bank = make_client()

    def casso(content, amount, txn_id, key=CASSO_KEY, when=None):
        headers, body = sandbox.casso_transfer(key, amount=amount, content=content, account="0071000123456",
                                               when=when or utcnow(), payer="TRAN VAN DUNG", txn_id=txn_id)
        return bank.http.post("/callbacks/casso/A", data=body, headers=headers)

    inv_id, code, due = invoices["HSA003"]
    assert casso(f"{code} hoc phi", 500_000, 1).status_code == 200
    with dbs() as s:
        inv = s.get(Invoice, inv_id)
        assert inv.status == InvoiceStatus.PARTIAL and inv.paid == 500_000
        assert s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).one().payer_name == "TRAN VAN DUNG"
    assert casso(f"{code}", due, 2).status_code == 200  # more than is left: paid, the rest credit + a task
    with dbs() as s:
        assert s.get(Invoice, inv_id).status == InvoiceStatus.PAID
        assert s.scalars(select(BillingTask).where(BillingTask.kind == "overpaid")).first() is not None
    assert casso(f"{code}", 1000, 3).status_code == 200          # an invoice already paid: to the queue
    assert casso("ung ho quy lop 6A1", 300_000, 4).status_code == 200   # no code at all
    from datetime import timedelta
    assert casso("x", 1, 5, when=utcnow() - timedelta(hours=1)).status_code == 401  # stale timestamp
    assert casso("x", 1, 6, key="sai").status_code == 401
    client.login("kt.a")
    queue = client.get("/billing/transfers").get_data(as_text=True)
    assert "ung ho quy lop 6A1" in queue and "đã nộp đủ" in queue
    with dbs() as s:
        unmatched = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "4")).one()
        other_id, other_code, _ = invoices["HSA001"]
    bad = client.post(f"/billing/transfers/{unmatched.id}/assign",
                      {"invoice_code": "HP0000000000X", "key": once_key(client, "/billing/transfers", "assign")})
    assert bad.status_code == 422 and "không có hoá đơn mã" in bad.get_data(as_text=True)
    client.post(f"/billing/transfers/{unmatched.id}/assign",
                {"invoice_code": other_code.lower(), "key": once_key(client, "/billing/transfers", "assign")})
    with dbs() as s:
        row = s.get(BankTransaction, unmatched.id)
        assert row.status == "assigned" and s.get(Invoice, other_id).paid == 300_000
        third = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "3")).one()
    assert client.post(f"/billing/transfers/{third.id}/ignore",
                       {"note": "", "key": once_key(client, "/billing/transfers", "ignore")}).status_code == 422
    with dbs() as s:
        assert s.get(BankTransaction, third.id).status == "unmatched"
        overpaid = s.scalars(select(BillingTask).where(BillingTask.kind == "overpaid")).first()
    client.post(f"/billing/tasks/{overpaid.id}/resolve", {"note": "Trừ vào hoá đơn tháng sau"})
    with dbs() as s:
        assert s.get(BillingTask, overpaid.id).resolution == "Trừ vào hoá đơn tháng sau"


def test_a_bank_statement_is_mapped_checked_and_imported_once(world, client, dbs):
    import io
    import re

    invoices = _setup(dbs, world, client)
    _, code, due = invoices["HSA002"]
    csv = ("SAO KÊ TÀI KHOẢN,,,,\nSố tài khoản: 0071000123456,,,,\n"
           "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
           f"05/09/2026 08:15,FT261,,\"{due:,}\",{code} Nguyen Thi Lan\n"
           "05/09/2026 09:00,FT262,50.000,,Phi dich vu\n"
           "06/09/2026 10:30,FT263,,200.000,ung ho\n").encode("utf-8")
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv), "saoke.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    # "Số tiền ghi có" is proposed for the credit column; the accountant confirms.
    assert re.search(r'<select[^>]*id="col_credit"[^>]*>.*?<option value="3" selected>', body, re.S)
    assert "2 khoản ghi có" in body
    mapping = {"token": token, "col_date": "0", "col_reference": "1", "col_credit": "3", "col_content": "4"}
    wrong = client.post("/billing/statements", {**mapping, "col_credit": "4", "confirm": "1", "account_confirmed": "1"})
    assert wrong.status_code == 422 and '<tr class="import-error" data-line="4"><td>4</td><td>Mô tả (E)</td>' in \
        wrong.get_data(as_text=True)
    assert client.post("/billing/statements", {**mapping, "confirm": "1", "account_confirmed": "1"}).status_code == 302
    with dbs() as s:
        rows = s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id,
                                                       BankTransaction.source == "statement")).all()
        assert sorted(r.status for r in rows) == ["matched", "unmatched"]
    again = client.post("/billing/statements", {"file": (io.BytesIO(csv), "saoke.csv")},
                        content_type="multipart/form-data")
    token = re.search(r'name="token" value="([0-9a-f]+)"', again.get_data(as_text=True)).group(1)
    client.post("/billing/statements", {**mapping, "token": token, "confirm": "1", "account_confirmed": "1"})
    with dbs() as s:
        assert len(s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id,
                                                           BankTransaction.source == "statement")).all()) == 2


def test_the_sandbox_simulates_a_transfer_through_the_webhook(world, client, dbs):
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    client.login("kt.a")
    done = client.post("/billing/sandbox/transfer", {"content": f"{code} hoc phi", "amount": str(due), "via": "sepay"})
    assert done.status_code == 302 and "status=matched" in done.headers["Location"]
    with dbs() as s:
        assert s.get(Invoice, inv_id).status == InvoiceStatus.PAID
        log = s.scalars(select(CallbackLog).where(CallbackLog.provider == "sepay")).one()
        assert log.verified and json.loads(log.body)["content"] == f"{code} hoc phi"


def test_a_sepay_credit_keeps_the_payer_name_its_bank_wrote(world, client, make_client, dbs):
    """SePay's webhook has no payer field, so the payment carried the invoice's named payer instead
    of who sent the money. The sender's name is in the bank's own text (Vietcombank: "… CT tu
    <account> <NAME> toi …"; the banks' default memo "<NAME> chuyen tien"): it is kept on the credit
    and the payment — and a memo without one is not mined for a name."""
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    other_id, other_code, other_due = invoices["HSA003"]
    bank = make_client()
    memo = f"MBVCB.3278907687.NGUYEN THI LAN chuyen tien {code}.CT tu 0071000123456 NGUYEN THI LAN toi 1019876543 TRUONG THCS THU A"
    assert _sepay(bank, memo, due, 9101).get_json() == {"success": True}
    assert _sepay(bank, f"{other_code} hoc phi thang 9", other_due, 9102).get_json() == {"success": True}
    with dbs() as s:
        paid = s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).one()
        assert paid.payer_name == "NGUYEN THI LAN"
        assert s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "9101")).one().counter_name \
            == "NGUYEN THI LAN"
        other = s.scalars(select(Payment).where(Payment.invoice_id == other_id)).one()
        assert other.payer_name == s.get(Invoice, other_id).payer_name   # no name in the memo: the invoice's payer


def test_assigning_a_credit_by_hand_names_the_code_in_its_one_written_form(world, client, make_client, dbs):
    """The refusal echoed what was typed ("Trường không có hoá đơn mã “  xyz <b> ”"): a code typed
    with spaces, dashes or lower case is read as the memo matcher reads it, a refusal names it in
    its written form, and text holding no code is told what a code looks like."""
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA003"]
    bank = make_client()
    assert _sepay(bank, "ung ho quy lop 6A1", 300_000, 9201).status_code == 200
    client.login("kt.a")
    with dbs() as s:
        row = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "9201")).one()

    def assign(typed):
        sent = client.post(f"/billing/transfers/{row.id}/assign",
                           {"invoice_code": typed, "key": once_key(client, "/billing/transfers", "assign")})
        if sent.status_code == 422:     # refused: the queue again, the refusal on its field
            return sent.get_data(as_text=True)
        return client.get("/billing/transfers").get_data(as_text=True)

    page = assign(" lớp 6A1 <b> ")
    assert "Không có mã hoá đơn trong ô này" in page and "lớp 6A1 &lt;b&gt;" not in page
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")        # the check character mistyped
    page = assign(f" {wrong[:2].lower()} {wrong[2:6]}-{wrong[6:]} ")
    assert f"Trường không có hoá đơn mã {wrong}." in page
    page = assign(f"{code[:2].lower()} {code[2:6]}.{code[6:].lower()}")
    assert f"Đã gán giao dịch cho hoá đơn {code} và ghi nhận tiền." in page
    with dbs() as s:
        assert s.get(BankTransaction, row.id).status == "assigned" and s.get(Invoice, inv_id).paid == 300_000
