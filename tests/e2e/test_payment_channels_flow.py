"""Payment channels in Chromium: a parent pays through the VNPay, MoMo and Mobile Money sandboxes —
served on another origin than the app, as the real gateways are, so the browser's CSP
(`form-action 'self'`) and cookies see a real cross-origin checkout — and sees the invoice paid
with a receipt; the accountant simulates a bank transfer that is matched automatically and assigns
an unmatched one by hand; the admin sees which methods are ready."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.helpers import sign_out as _sign_out

pytestmark = pytest.mark.e2e


def _unpaid(live_server, parent_username: str | None = None, school_prefix: str = "THCS"):
    from lms.auth.models import User
    from lms.billing.models import Invoice
    from lms.extensions import db
    from lms.people.models import Guardianship, School

    with live_server.app.app_context():
        stmt = (select(Invoice).join(School, School.id == Invoice.school_id)
                .where(Invoice.status == "issued", School.code.startswith(school_prefix)).order_by(Invoice.id.desc()))
        if parent_username:
            parent = db.session.scalars(select(User).where(User.phone == parent_username)).one()
            stmt = stmt.join(Guardianship, Guardianship.student_id == Invoice.student_id).where(
                Guardianship.guardian_id == parent.id)
        invoice = db.session.scalars(stmt).first()
        return invoice.id, invoice.code, invoice.due


def test_a_simulated_transfer_is_matched_and_an_unmatched_one_is_assigned_by_hand(sign_in, page, live_server):
    invoice_id, code, due = _unpaid(live_server)
    sign_in("ketoan.thcs")
    page.click("#nav-billing")
    page.click("#nav-transfers")
    page.click("#simulate-link")
    spaced = f"{code[:6].lower()} {code[6:]}"
    page.fill("#content", f"PH chuyen tien {spaced} hoc phi")
    page.fill("#amount", str(due))
    page.select_option("#via", "sepay")
    page.click("#send-transfer")
    expect(page.locator(".alert-success")).to_contain_text("SePay đã báo giao dịch đến")
    expect(page.locator("#transfer-table")).to_contain_text(f"PH chuyen tien {spaced} hoc phi")
    # The demo's transfer without a code waits in the queue; the accountant assigns it.
    other_id, other_code, _ = _unpaid(live_server)
    page.goto(f"{live_server.url}/billing/transfers")
    row = page.locator("#transfer-table tr", has_text="cho chau Khang lop 6A2")
    row.locator("input[name=invoice_code]").fill(other_code)
    row.locator("button", has_text="Gán").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Đã gán giao dịch cho hoá đơn {other_code}")
    page.goto(f"{live_server.url}/billing/invoices/{invoice_id}")
    expect(page.locator("[data-status='paid']").first).to_be_visible()
    _sign_out(page)
    sign_in("admin.thcs")
    page.click("#nav-billing")
    page.click("#nav-channels")
    # The demo's gateways are in the local sandbox: shown, but never counted as ready.
    expect(page.locator("#methods-warning")).to_contain_text("2 trong 4")
    expect(page.locator("tr[data-method='website'] .testing")).to_contain_text("VNPay")
    _sign_out(page)


@pytest.mark.parametrize("channel", ["vnpay", "momo", "mobile_money"])
def test_a_parent_pays_through_each_gateway_sandbox(sign_in, page, live_server, channel):
    invoice_id, code, due = _unpaid(live_server, "0311759056")
    sign_in("0311759056")
    page.goto(f"{live_server.url}/fees/invoices/{invoice_id}")
    page.click(f"#pay-{channel}")
    expect(page.locator("#sandbox-title")).to_be_visible()
    assert page.url.startswith(live_server.gateway + "/sandbox/"), page.url   # the gateway's own origin
    expect(page.locator("#sandbox-amount")).to_have_text(f"{due:,}".replace(",", ".") + " ₫")
    page.click("#sandbox-pay")
    expect(page.locator("#return-result")).to_contain_text("Nhà trường đã nhận được tiền")
    assert page.url.startswith(live_server.url + "/fees/return/"), page.url    # back on the school's site, signed in
    page.click("#back-to-invoice")
    expect(page.locator("#invoice-due")).to_have_text("0 ₫")
    expect(page.locator("a", has_text="biên lai")).to_be_visible()
    _sign_out(page)
