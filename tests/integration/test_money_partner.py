"""What an outside payment-partner and accountant tester still found (issue #27, third round),
each case failing before its fix: the sandbox's transfer of a huge amount answered only
"HTTP 400"; the queue's decisions and the channel settings form answered a refusal with a
redirect (a 200 once followed), the form and its message gone; the same transfer seen by SePay
and a statement with references written differently, or different, was applied twice."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankTransaction, BillingTask, CallbackLog, ChannelSetting, PaymentReport
from tests.billing_helpers import once_key
from tests.integration.test_money_once import _setup


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _count(dbs, model, *where) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_huge_or_malformed_sandbox_transfer_is_refused_on_its_field(world, client, dbs):
    invoices = _setup(dbs, world, client)
    _id, code, _due = invoices["HSA001"]
    client.login("kt.a")
    for typed in ("10000000000000000", "99999999999999999999", "12,5 triệu", "-5"):
        page = client.post("/billing/sandbox/transfer", {"content": f"{code} hoc phi", "amount": typed, "via": "sepay"})
        text = _squash(page.get_data(as_text=True))
        assert page.status_code == 422, (typed, page.status_code)
        assert "HTTP" not in text and "Số tiền (đồng)" in text, typed
        assert 'aria-invalid="true"' in page.get_data(as_text=True) and 'id="amount"' in page.get_data(as_text=True)
    huge = client.post("/billing/sandbox/transfer", {"content": "x", "amount": "10000000000000000", "via": "sepay"})
    assert "Số tiền phải từ 1 đến 999.999.999.999.999 đồng" in _squash(huge.get_data(as_text=True))
    assert _count(dbs, CallbackLog) == 0 and _count(dbs, BankTransaction) == 0
    # The largest a bank reports still goes through, and is said in words.
    done = client.post("/billing/sandbox/transfer", {"content": "UNG HO", "amount": "999.999.999.999.999",
                                                     "via": "sepay"}, follow_redirects=True)
    assert "SePay đã báo giao dịch đến; hệ thống đã nhận." in _squash(done.get_data(as_text=True))
    assert _count(dbs, BankTransaction) == 1


def test_the_queue_refuses_a_decision_without_its_reason_with_422_and_the_field(world, client, make_client, dbs):
    _setup(dbs, world, client)
    client.login("kt.a")
    client.post("/billing/sandbox/transfer", {"content": "UNG HO QUY LOP", "amount": "300000", "via": "sepay"})
    with dbs() as s:
        row = s.scalars(select(BankTransaction)).one()
        task = s.scalars(select(BillingTask).where(BillingTask.kind == "unmatched")).one()
    # Setting the credit aside, resolving its task, assigning it: each refused on its field, 422, nothing saved.
    page = client.post(f"/billing/transfers/{row.id}/ignore", {"note": "", "key": once_key(client, "/billing/transfers", "ignore")})
    assert page.status_code == 422 and "Lý do: Nhập lý do." in _squash(page.get_data(as_text=True))
    page = client.post(f"/billing/tasks/{task.id}/resolve", {"note": "   ", "key": once_key(client, "/billing/transfers", "ignore")})
    assert page.status_code == 422 and "Lý do:" in _squash(page.get_data(as_text=True))
    page = client.post(f"/billing/transfers/{row.id}/assign",
                       {"invoice_code": "HP0000000000X", "key": once_key(client, "/billing/transfers", "assign")})
    assert page.status_code == 422 and "Mã hoá đơn: Trường không có hoá đơn mã" in _squash(page.get_data(as_text=True))
    with dbs() as s:
        assert s.get(BankTransaction, row.id).status == "unmatched"
        assert s.get(BillingTask, task.id).resolved_at is None


def test_a_parents_report_rejected_without_a_reason_is_422_naming_the_field(app, world, dbs, make_client):
    from tests.integration.test_paid_reports import _report, _setup as paid_setup

    (invoice_id, _code, _due), parent, accountant = paid_setup(app, world, dbs, make_client)
    assert _report(parent, invoice_id, amount="50000").status_code == 302
    with dbs() as s:
        report = s.scalars(select(PaymentReport)).one()
    for outcome in ("rejected", "refunded"):
        page = accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                               {"key": once_key(accountant, "/billing/transfers", "resolve_report"), "outcome": outcome,
                                "note": ""})
        assert page.status_code == 422, page.status_code
        assert "Lý do / ghi chú cho phụ huynh: Ghi lý do để phụ huynh biết." in _squash(page.get_data(as_text=True))
    page = accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                           {"key": once_key(accountant, "/billing/transfers", "resolve_report"), "outcome": "matched"})
    assert page.status_code == 422 and "Giao dịch khớp: Chọn giao dịch hoặc khoản tiền" in _squash(page.get_data(as_text=True))
    with dbs() as s:
        assert s.get(PaymentReport, report.id).status == "open"


def test_a_refused_channel_setting_answers_422_with_the_form_as_typed(world, client, dbs):
    _setup(dbs, world, client)
    page = client.post("/billing/channels/vnpay", {"tmn_code": "nguyendu", "hash_secret": "BIMAT-A-0123456789",
                                                   "enabled": "y", "mode": "sandbox"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Ô “Mã website (vnp_TmnCode)” chưa đúng: đúng 8 chữ in hoa hoặc chữ số" in _squash(html)
    field = re.search(r'<input[^>]*id="vnpay-tmn_code"[^>]*>', html).group(0)
    assert 'value="nguyendu"' in field and 'aria-invalid="true"' in field and "is-invalid" in field
    assert "BIMAT-A-0123456789" not in html                      # a secret is never shown back
    page = client.post("/billing/channels/vnpay", {"tmn_code": "NGUYENDU", "hash_secret": "BIMAT-A", "enabled": "y", "mode": "staging"})
    assert page.status_code == 422 and "Hãy chọn môi trường của kênh" in _squash(page.get_data(as_text=True))
    assert _count(dbs, ChannelSetting, ChannelSetting.channel == "vnpay") == 0


# ---------------------------------------------------------------- one transfer, references written differently

def _statement(lines: list[tuple[str, str, int, str]]) -> str:
    rows = "".join(f'{when},{ref},,"{amount:,}",{memo}\n' for when, ref, amount, memo in lines)
    return ("SAO KÊ TÀI KHOẢN\nSố tài khoản: 0071000123456\n"
            "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n" + rows)


def test_a_statement_writing_the_feeds_reference_otherwise_is_the_same_credit(world, client, make_client, dbs):
    from lms.billing.models import Invoice, Payment
    from tests.integration.test_money_once import _import_statement, _post_sepay, _sepay_body

    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    assert _post_sepay(make_client(), _sepay_body(701, due, f"{code} Nguyen Thi Lan", "FT26248123456")).status_code == 200
    page = _import_statement(client, _statement([("05/09/2026 08:15", "ft 26248-123456", due,
                                                  f"MBVCB.3278.{code} Nguyen Thi Lan")]))
    assert "1 giao dịch đã được SePay báo trước đó" in page
    assert _count(dbs, BankTransaction) == 1 and _count(dbs, Payment) == 1
    with dbs() as s:
        assert s.get(Invoice, inv_id).paid == due


def test_the_same_transfer_under_another_reference_is_held_flagged_never_applied_twice(world, client, make_client,
                                                                                        dbs):
    """SePay reported FT26248123456; the statement lists the same credit — account, amount, minute
    and memo — under the bank's other number 5078AB12: it was a second payment of the invoice."""
    from lms.billing.models import Invoice, Payment
    from tests.integration.test_money_once import _import_statement, _post_sepay, _sepay_body

    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    other_id, other_code, other_due = invoices["HSA002"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(801, due, f"{code} Nguyen Thi Lan", "FT26248123456")).status_code == 200
    page = _import_statement(client, _statement([
        ("05/09/2026 08:15", "5078AB12", due, f"MBVCB.3278.{code} Nguyen Thi Lan"),
        # A transfer of its own (another invoice) is applied as ever.
        ("05/09/2026 09:00", "5078AB13", other_due, f"{other_code} hoc phi")]))
    assert "1 khớp hoá đơn tự động, 1 chờ gán tay" in _squash(page)
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).all()) == 1
        assert s.get(Invoice, inv_id).paid == due and s.get(Invoice, other_id).paid == other_due
        held = s.scalars(select(BankTransaction).where(BankTransaction.bank_reference == "5078AB12")).one()
        assert held.status == "unmatched" and held.payment_id is None
        assert held.note.startswith("Có thể trùng với giao dịch FT26248123456 (SePay,")
    queue = _squash(client.get("/billing/transfers").get_data(as_text=True))
    assert "Có thể trùng với giao dịch FT26248123456" in queue
    # The other way round — the statement first, then the feed under another reference — the same.
    assert _post_sepay(bank, _sepay_body(802, other_due, f"BankAPINotify {other_code} hoc phi", "FT26248999999",
                                         when="2026-09-05 09:00:40")).status_code == 200
    with dbs() as s:
        assert s.get(Invoice, other_id).paid == other_due
        assert len(s.scalars(select(Payment).where(Payment.invoice_id == other_id)).all()) == 1
        held = s.scalars(select(BankTransaction).where(BankTransaction.bank_reference == "FT26248999999")).one()
        assert held.status == "unmatched" and held.note.startswith("Có thể trùng với giao dịch 5078AB13 (Sao kê,")
    # The accountant, who checked the bank, sets it aside as the repeat it is.
    page = client.post(f"/billing/transfers/{held.id}/ignore",
                       {"note": "Trùng với 5078AB13", "key": once_key(client, "/billing/transfers", "ignore")})
    assert page.status_code == 302


def test_one_feed_reporting_two_references_reports_two_transfers(world, client, make_client, dbs):
    """What one source reports under two references is two transfers (a parent who paid an
    instalment twice the same day): both are recorded as ever, and neither is flagged."""
    from lms.billing.models import Invoice, Payment
    from tests.integration.test_money_once import _post_sepay, _sepay_body

    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    for txn, ref in ((901, "FT26248000001"), (902, "FT26248000002")):
        assert _post_sepay(bank, _sepay_body(txn, 50_000, f"{code} hoc phi", ref)).status_code == 200
    with dbs() as s:
        assert len(s.scalars(select(Payment)).all()) == 2 and s.get(Invoice, inv_id).paid == 100_000
        assert not [t for t in s.scalars(select(BankTransaction)) if "trùng" in (t.note or "")]


def test_a_feeds_report_writing_a_reference_otherwise_finds_the_credit(world, client, make_client, dbs):
    """SePay's transaction list wrote the statement's FT26249000777 as "ft 26249-000777": the
    credit was reported missing."""
    from lms.billing.models import ReconciliationItem
    from tests.integration.test_money_once import _import_statement

    invoices = _setup(dbs, world, client)
    _, code, due = invoices["HSA001"]
    _import_statement(client, _statement([("05/09/2026 08:15", "FT26249000777", due, code)]))
    report = ("Mã giao dịch,Mã tham chiếu,Số tiền,Thời gian,Trạng thái\n"
              f"9001,ft 26249-000777,{due},05/09/2026 08:15,Thành công\n")
    page = client.post("/billing/reconciliation", {"provider": "sepay", "file": (io.BytesIO(report.encode()), "r.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 302
    assert _count(dbs, ReconciliationItem, ReconciliationItem.kind == "missing") == 0
