"""Billing in Chromium: the accountant previews and issues a month's invoices, records a cash
payment (partial) and a card payment, then an overpayment and its refund; the receipts' text has
the amount in words; a parent opens the invoice's VietQR."""
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e


def _pdf_text(page, selector: str, tmp_path, name: str) -> str:
    with page.expect_download() as info:
        page.click(selector)
    path = tmp_path / name
    info.value.save_as(path)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_issue_a_month_record_cash_card_partial_and_refund(sign_in, page, live_server, tmp_path):
    sign_in("ketoan.thcs")
    page.click("#nav-billing")
    page.click("#nav-issue")
    page.select_option("#month", "1")
    page.select_option("#class_id", label="Lớp 6A1")
    page.click("#preview-run")
    expect(page.locator("#run-preview")).to_contain_text("6A1")
    count = int(page.locator("#preview-count").inner_text())
    assert count > 30
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm-run")
    # Issued by a background job: its page follows it to the end, then links to the invoices.
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#job-message")).to_contain_text(f"Đã phát hành {count} hoá đơn tháng 01/2027")
    page.click("#job-back")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(count)
    # Issuing again creates nothing.
    page.click("#nav-billing")
    page.click("#nav-issue")
    page.select_option("#month", "1")
    page.select_option("#class_id", label="Lớp 6A1")
    page.click("#preview-run")
    expect(page.locator("#nothing-to-issue")).to_be_visible()

    page.goto(live_server.url + "/billing/invoices?status=issued&period=2027-01")
    page.locator("#invoice-table tbody tr a").first.click()
    due = int(page.locator("#invoice-due").inner_text().replace(".", "").replace(" ₫", ""))
    # A partial payment in cash.
    page.fill("#amount", "500000")
    page.click("#record-payment")
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận 500.000 ₫")
    text = _pdf_text(page, "#receipt-pdf", tmp_path, "cash.pdf")
    assert "Năm trăm nghìn đồng" in text and "Tiền mặt" in text
    page.locator("#payment-details + h2 + ul a").first.click()
    expect(page.locator("[data-status='partial']").first).to_be_visible()
    # The rest by card at the terminal; a full card number is refused first.
    page.select_option("#method", "card_pos")
    page.fill("#amount", str(due - 500_000))
    page.fill("#terminal_id", "ND000501")
    page.fill("#approval_code", "A1B2C3")
    page.fill("#rrn", "402611223344")
    page.fill("#card_last4", "4242")
    page.fill("#note", "4111 1111 1111 1111")
    page.click("#record-payment")
    expect(page.locator("#payment-form")).to_contain_text("giống số thẻ ngân hàng đầy đủ")
    page.fill("#note", "")
    page.click("#record-payment")
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận")
    text = _pdf_text(page, "#receipt-pdf", tmp_path, "card.pdf")
    assert "Thẻ (máy POS)" in text and "4242" in text and "đồng" in text
    page.locator("#payment-details + h2 + ul a").first.click()
    expect(page.locator("[data-status='paid']").first).to_be_visible()

    # Another invoice overpaid by 100,000 in cash; the credit is refunded and paid out.
    page.goto(live_server.url + "/billing/invoices?status=issued&period=2027-01")
    page.locator("#invoice-table tbody tr a").first.click()
    due = int(page.locator("#invoice-due").inner_text().replace(".", "").replace(" ₫", ""))
    page.fill("#amount", str(due + 100_000))
    page.click("#record-payment")
    expect(page.locator("#payment-details + h2 + ul")).to_contain_text("Tiền thừa ghi cho gia đình: 100.000 ₫")
    page.fill("#refund-form #amount", "100000")
    page.fill("#refund-form #reason", "Trả lại tiền nộp thừa")
    page.click("#approve-refund")
    expect(page.locator(".alert-success")).to_contain_text("Đã duyệt hoàn tiền")
    page.fill("#refunds input[name=reference]", "PC-0099")
    page.locator("#refunds button").click()
    expect(page.locator("#refunds")).to_contain_text("PC-0099")
    page.wait_for_load_state("load")   # the menus work once Bootstrap's script has run
    page.click("#nav-billing")
    page.locator("a.dropdown-item", has_text="Sổ cái").click()
    expect(page.locator("#ledger-check")).to_have_text("Mọi bút toán đều cân.")


def test_a_parent_opens_the_vietqr_of_an_unpaid_invoice(sign_in, page, live_server):
    from lms.billing import vietqr
    from lms.billing.models import Invoice
    from lms.extensions import db
    from lms.people.models import Guardianship
    from lms.auth.models import User

    sign_in("0311759056")
    page.click("#nav-fees")
    expect(page.locator("#fees-title")).to_be_visible()
    with live_server.app.app_context():
        parent = db.session.scalars(select(User).where(User.phone == "0311759056")).one()
        invoice = db.session.scalars(select(Invoice).join(Guardianship, Guardianship.student_id == Invoice.student_id)
                                     .where(Guardianship.guardian_id == parent.id, Invoice.status == "issued")
                                     .order_by(Invoice.id)).first()
        code, due = invoice.code, invoice.due
    page.locator("a", has_text=code).click()
    expect(page.locator("#vietqr svg")).to_be_visible()
    payload = page.locator("#vietqr").get_attribute("data-payload")
    parsed = vietqr.parse_payload(payload)
    assert parsed["amount"] == due and parsed["purpose"].startswith(code + " ") and len(parsed["purpose"]) <= 25
    expect(page.locator("#copy-content")).to_have_text(code)
    expect(page.locator("#fraud-warning")).to_contain_text("kiểm tra tên người thụ hưởng")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("[data-copy='copy-content']").click()
    expect(page.locator("[data-copy='copy-content']")).to_have_text("Đã chép")
    page.screenshot(path="/tmp/lms-parent-qr.png", full_page=True)
    _sign_out(page)
