"""A parent paying online may leave out the voluntary items (issue #27, outside tester's finding
14), on both databases: the invoice page offers paying only the mandatory part; the VietQR's amount
and a gateway's checkout then ask for it; the payment is allocated to the mandatory items exactly
and the voluntary fund stays owed. Before, the QR and every checkout always included the fund."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import func, select

from lms.billing.models import Allocation, Checkout, Invoice, InvoiceLine
from lms.billing.vietqr import parse_payload
from tests.billing_helpers import once_key, online_setup

SECRET = "BIMATVNPAYTHUNGHIEM0123456789"


def test_a_parent_pays_online_without_the_voluntary_fund(world, make_client, dbs):
    (invoice_id, _code, due), parent = online_setup(dbs, world, make_client, "vnpay",
                                                    {"tmn_code": "THCSTHUA", "hash_secret": SECRET})
    with dbs() as s:
        fund = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id,
                                                   InvoiceLine.mandatory.is_(False))).one()
        fund_id, fund_amount = fund.id, fund.amount
    assert fund_amount > 0
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="voluntary-choice"' in page and "Quỹ hội" in page
    assert parse_payload(re.search(r'data-payload="([^"]+)"', page).group(1))["amount"] == due
    # Only the mandatory part: the QR, the amount to copy and the checkouts ask for it.
    page = parent.get(f"/fees/invoices/{invoice_id}?voluntary=0").get_data(as_text=True)
    assert parse_payload(re.search(r'data-payload="([^"]+)"', page).group(1))["amount"] == due - fund_amount
    assert f'id="copy-amount">{due - fund_amount}<' in page
    assert 'name="voluntary" value="0"' in page
    key = once_key(parent, f"/fees/invoices/{invoice_id}?voluntary=0", "checkout")
    go = parent.post(f"/fees/invoices/{invoice_id}/pay", {"key": key, "channel": "vnpay", "voluntary": "0"})
    assert go.status_code in (302, 303), go.get_data(as_text=True)[:500]
    pay_url = parent.get(go.headers["Location"]).headers["Refresh"].split("url=", 1)[1]
    fields = dict(parse_qsl(urlsplit(pay_url).query))
    assert int(fields["vnp_Amount"]) == (due - fund_amount) * 100
    assert make_client().post(urlsplit(pay_url).path, {**fields, "outcome": "pay"}).status_code == 302
    with dbs() as s:
        invoice = s.get(Invoice, invoice_id)
        assert invoice.paid == due - fund_amount and invoice.status == "partial" and invoice.due == fund_amount
        assert s.scalars(select(Checkout)).one().amount == due - fund_amount
        assert s.scalar(select(func.count()).select_from(Allocation).where(Allocation.line_id == fund_id)) == 0
        mandatory = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id,
                                                        InvoiceLine.mandatory.is_(True))).all()
        for line in mandatory:
            assert s.scalar(select(func.sum(Allocation.amount)).where(Allocation.line_id == line.id)) == line.amount
    # The fund alone is left: no choice to make, the page asks for it (it can still be paid).
    page = parent.get(f"/fees/invoices/{invoice_id}?voluntary=0").get_data(as_text=True)
    assert 'id="voluntary-choice"' not in page
    assert parse_payload(re.search(r'data-payload="([^"]+)"', page).group(1))["amount"] == fund_amount
