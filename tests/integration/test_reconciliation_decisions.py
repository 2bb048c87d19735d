"""The accountant resolves reconciliation's differences (issue #27, outside tester's finding 8),
on both databases: each difference can be dismissed with a required reason (who, when, why kept and
shown; a dismissed one no longer counts as open); a transfer SePay's report has and the school had
not is recorded from the report through the feed's one credit path — matched to its invoice, and
recognised once when SePay's own webhook comes later; a report with "Tiền vào" / "Tiền ra" columns
is read as a statement's; the code column never says "None"; amounts in the detail are money in
the reader's language. Each failed before: there was no way to resolve anything."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankTransaction, Invoice, Payment, ReconciliationItem
from lms.core.models import AuditLog
from lms.core.timeutil import utc_to_local, utcnow
from tests.billing_helpers import once_key
from tests.integration.test_money_once import _post_sepay, _sepay_body, _setup


def _report(client, csv: str, provider: str = "sepay"):
    return client.post("/billing/reconciliation", {"provider": provider, "file": (io.BytesIO(csv.encode()), "r.csv")},
                       content_type="multipart/form-data")


def _items(dbs, world) -> list[ReconciliationItem]:
    with dbs() as s:
        return s.scalars(select(ReconciliationItem).where(ReconciliationItem.school_id == world.a.school.id)
                         .order_by(ReconciliationItem.id)).all()


def _resolve(client, item_id: int, action: str, note: str):
    return client.post(f"/billing/reconciliation/{item_id}/resolve",
                       {"action": action, "note": note, "key": once_key(client, "/billing/reconciliation",
                                                                         "reconcile_item")})


def test_a_transfer_the_feed_missed_is_recorded_from_sepays_report_and_recognised_once(world, client, make_client,
                                                                                       dbs):
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    when = utcnow().replace(second=0, microsecond=0)
    shown = f"{utc_to_local(when, 'Asia/Ho_Chi_Minh'):%d/%m/%Y %H:%M}"
    # SePay's report, money in and out in two columns, as its portal exports it.
    csv = ("ID,Ngày giao dịch,Số tài khoản,Tiền vào,Tiền ra,Nội dung,Mã tham chiếu\n"
           f"92700501,{shown},0071000123456,\"{due:,}\",,{code} NGUYEN THI LAN nop hoc phi,FT26342T27R0001\n"
           f"92700502,{shown},0071000123456,,\"20,000\",PHI SMS BANKING,FT26342T27R0002\n")
    client.login("kt.a")
    assert _report(client, csv).status_code == 302
    items = _items(dbs, world)
    assert [(i.kind, i.key, i.amount) for i in items] == [("missing", "92700501", due)]     # the debit is no payment
    item = items[0]
    page = client.get("/billing/reconciliation").get_data(as_text=True)
    assert "Ghi nhận giao dịch" in page and "1 chênh lệch chưa xử lý." in page
    # A reason is required; a card number is refused as one.
    refused = _resolve(client, item.id, "recorded", "")
    assert refused.status_code == 422 and "Lý do: Nhập lý do." in refused.get_data(as_text=True)
    refused = _resolve(client, item.id, "recorded", "the 4111 1111 1111 1111")
    assert refused.status_code == 422 and "số thẻ" in refused.get_data(as_text=True)
    unused = once_key(client, "/billing/reconciliation", "reconcile_item")     # for a second decision below
    assert _resolve(client, item.id, "recorded", "SePay lỡ thông báo").status_code == 302
    with dbs() as s:
        credit = s.scalars(select(BankTransaction)).one()
        assert (credit.source, credit.provider_txn_id, credit.amount, credit.status) == ("sepay", "92700501", due,
                                                                                         "matched")
        assert s.get(Invoice, inv_id).paid == due
        done = s.get(ReconciliationItem, item.id)
        assert done.outcome == "recorded" and done.bank_transaction_id == credit.id and done.resolved_by is not None
        assert s.scalar(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == "reconciliation_item_resolved")) == 1
    page = client.get("/billing/reconciliation").get_data(as_text=True)
    assert "Đã ghi nhận giao dịch: SePay lỡ thông báo" in page and "0 chênh lệch chưa xử lý." in page
    # SePay's own webhook arrives after all: the same credit, nothing recorded again.
    body = _sepay_body(92700501, due, f"{code} NGUYEN THI LAN nop hoc phi", "FT26342T27R0001",
                       when=f"{utc_to_local(when, 'Asia/Ho_Chi_Minh'):%Y-%m-%d %H:%M:%S}")
    assert _post_sepay(make_client(), body).status_code == 200
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalar(select(func.count()).select_from(BankTransaction)) == 1
    # Resolved once: a second decision is refused.
    again = client.post(f"/billing/reconciliation/{item.id}/resolve",
                        {"action": "dismissed", "note": "lần nữa", "key": unused})
    assert again.status_code == 422 and "Chênh lệch này đã được xử lý." in again.get_data(as_text=True)


def test_a_difference_is_dismissed_with_its_reason_and_shown_in_the_readers_language(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    _inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    when = utcnow().replace(second=0, microsecond=0)
    local = utc_to_local(when, "Asia/Ho_Chi_Minh")
    body = _sepay_body(92700601, due, f"{code}", "FT26342T27S0001", when=f"{local:%Y-%m-%d %H:%M:%S}")
    assert _post_sepay(bank, body).status_code == 200
    # An id-less SePay sighting, queued (no code): listed as a transfer still waiting.
    idless = {**_sepay_body(0, 50_000, "ung ho", "FT26342T27S0002", when=f"{local:%Y-%m-%d %H:%M:%S}"), "id": None}
    assert _post_sepay(bank, idless).status_code == 200
    csv = ("Mã giao dịch,Thời gian,Số tiền,Mã tham chiếu\n"
           f"92700601,{local:%d/%m/%Y %H:%M},{due - 70_000},FT26342T27S0001\n")
    client.login("kt.a")
    assert _report(client, csv).status_code == 302
    items = {i.kind: i for i in _items(dbs, world)}
    # The id-less sighting is also one of SePay's the report does not list.
    assert set(items) == {"mismatch", "unmatched", "not_in_report"}
    page = client.get("/billing/reconciliation").get_data(as_text=True)
    cells = re.findall(r'<td class="font-monospace small">([^<]*)</td>', page)
    assert "None" not in cells and "FT26342T27S0002" in cells
    from lms.core.numbers import money_vnd
    assert f"báo cáo {money_vnd(due - 70_000, 'vi')}, hệ thống {money_vnd(due, 'vi')}" in page
    assert _resolve(client, items["mismatch"].id, "dismissed", "Báo cáo SePay tính cả phí").status_code == 302
    page = client.get("/billing/reconciliation").get_data(as_text=True)
    assert "Đã bỏ qua: Báo cáo SePay tính cả phí — " in page, page[page.find("reconciliation-items"):][:3000]
    assert "2 chênh lệch chưa xử lý." in page
    # Only a transfer the provider has and the school had not can be recorded.
    assert _resolve(client, items["unmatched"].id, "recorded", "thử").status_code == 422
    client.get("/language/en")
    page = client.get("/billing/reconciliation").get_data(as_text=True)
    assert f"report {money_vnd(due - 70_000, 'en')}, recorded {money_vnd(due, 'en')}" in page and "báo cáo" not in page
    assert "Dismissed: Báo cáo SePay tính cả phí" in page and "2 differences still open." in page
