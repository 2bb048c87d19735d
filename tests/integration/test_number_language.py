"""Numbers in the reader's language (issue #24): an English page wrote money the Vietnamese way
("500.000 ₫" on the payment page, "2.061.800 đ" in a parent's notices), while a receipt — an
official Vietnamese form — prints "500.000" whoever downloads it."""
from __future__ import annotations

from sqlalchemy import select

from lms.billing.models import Invoice, Payment
from tests.billing_helpers import issue, once_key, set_up_fees
from tests.pdftext import text as pdf_text


def test_money_follows_the_page_and_the_receipt_stays_vietnamese(world, client, make_client, dbs):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        invoice = next(i for i in s.scalars(select(Invoice)) if i.student.student_code == "HSA001")
        invoice_id, due = invoice.id, invoice.due
    assert due > 500_000
    client.login("kt.a")
    page = f"/billing/invoices/{invoice_id}"
    recorded = client.post(f"{page}/payments", {"method": "cash", "amount": "500.000", "payer_name": "Nguyễn Thị Lan",
                                                "key": once_key(client, page, "payment")})
    assert recorded.status_code == 302
    with dbs() as s:
        payment_id = s.scalar(select(Payment.id))
    vietnamese = client.get(f"/billing/payments/{payment_id}").get_data(as_text=True)
    assert "500.000 ₫" in vietnamese
    client.get("/language/en")
    english = client.get(f"/billing/payments/{payment_id}").get_data(as_text=True)
    assert "500,000 ₫" in english and "500.000" not in english
    owed = client.get(page).get_data(as_text=True)
    assert f"{due - 500_000:,} ₫" in owed and f"{due - 500_000:,}".replace(",", ".") not in owed
    receipt = pdf_text(client.get(f"/billing/payments/{payment_id}/receipt.pdf").data)
    assert "500.000" in receipt and "500,000" not in receipt      # the form is Vietnamese

    parent = make_client()
    parent.login("0912000001")
    parent.get("/language/en")
    notices = parent.get("/notifications").get_data(as_text=True)
    assert f"{due:,} đ" in notices and f"{due:,}".replace(",", ".") not in notices
