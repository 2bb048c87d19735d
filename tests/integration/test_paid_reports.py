"""A parent says "I paid" for an invoice the school shows as unpaid: the report (channel, amount,
date, the bank's reference, a screenshot stripped of its metadata) waits in the accountant's queue
beside the unmatched transfers with the likely match suggested; the accountant matches, refunds or
rejects it with a reason and the parent is told; open reports and their age are on the
accountant's home."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select, update

from lms.billing import matching
from lms.billing.models import BankTransaction, Invoice, InvoiceStatus, PaymentReport, TransferStatus
from lms.core.models import Notification
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.billing_helpers import issue, once_key, set_up_fees


def _photo_with_gps() -> bytes:
    """A phone's screenshot as a JPEG carrying EXIF (the camera and a GPS position)."""
    image = Image.new("RGB", (60, 40), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"                         # Make
    exif[0x8825] = {1: "N", 2: (10.0, 46.0, 0.0)}       # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _setup(app, world, dbs, make_client):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        invoice = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students["HSA003"].id)).one()
        ids = (invoice.id, invoice.code, invoice.due)
        # The parent's transfer reached the account without the code in its memo: it waits in the queue.
        school = s.get(School, world.a.school.id)
        matching.receive_transfer(s, school, matching.TransferIn(
            "sepay", "sp-777", invoice.due, "CHUYEN TIEN HOC CHO CON", utcnow() - timedelta(days=1),
            bank_reference="FT26339000777", counter_name="TRAN VAN BINH"), signer=signer_from_config(app.config),
            now=utcnow())
        # Another credit of another amount, which is not suggested.
        matching.receive_transfer(s, school, matching.TransferIn(
            "sepay", "sp-778", 123_000, "UNG HO", utcnow() - timedelta(days=1), bank_reference="FT26339000778"),
            signer=signer_from_config(app.config), now=utcnow())
        s.commit()
    parent = make_client()
    parent.login("0912000002")
    accountant = make_client()
    accountant.login("kt.a")
    return ids, parent, accountant


def _report(parent, invoice_id, **fields):
    key = once_key(parent, f"/fees/invoices/{invoice_id}/report-paid", "report_paid")
    data = {"key": key, "channel": "transfer", "amount": "", "paid_on": utcnow().date().isoformat(),
            "bank_reference": "", **fields}
    return parent.post(f"/fees/invoices/{invoice_id}/report-paid", data, content_type="multipart/form-data")


def test_a_parent_reports_a_payment_and_the_accountant_matches_it_to_the_queued_transfer(app, world, dbs, make_client):
    (invoice_id, code, due), parent, accountant = _setup(app, world, dbs, make_client)
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert 'id="report-paid"' in page
    sent = _report(parent, invoice_id, amount=f"{due:,}".replace(",", "."), bank_reference=" FT26339000777 ",
                   screenshot=(io.BytesIO(_photo_with_gps()), "chuyen-khoan.jpg"))
    assert sent.status_code == 302, sent.get_data(as_text=True)[:400]
    with dbs() as s:
        report = s.scalars(select(PaymentReport)).one()
        assert (report.amount, report.bank_reference, report.status) == (due, "FT26339000777", "open")
    shot = accountant.get(f"/billing/payment-reports/{report.id}/screenshot")
    assert shot.status_code == 200
    kept = Image.open(io.BytesIO(shot.data))
    assert not kept.getexif() and b"PhoneMaker" not in shot.data   # stripped of the camera and the place
    # The accountant's home counts it; the queue suggests the credit with the same reference.
    assert 'id="open-reports"' in accountant.get("/").get_data(as_text=True)
    queue = accountant.get("/billing/transfers").get_data(as_text=True)
    row = queue.split(f'data-report="{report.id}"')[1].split("</tr>")[0]
    with dbs() as s:
        queued = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "sp-777")).one()
        other = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "sp-778")).one()
    assert f'data-suggested-transfer="{queued.id}"' in row and f'data-suggested-transfer="{other.id}"' not in row
    key = once_key(accountant, "/billing/transfers", "resolve_report")
    done = accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                           {"key": key, "outcome": "matched", "transfer_id": str(queued.id), "note": ""})
    assert done.status_code == 302
    again = accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                            {"key": key, "outcome": "matched", "transfer_id": str(queued.id), "note": ""})
    assert again.status_code == 302                     # the same form again: replayed, nothing more
    with dbs() as s:
        invoice = s.get(Invoice, invoice_id)
        transfer = s.get(BankTransaction, queued.id)
        report = s.get(PaymentReport, report.id)
        assert invoice.status == InvoiceStatus.PAID and invoice.paid == due
        assert transfer.status == TransferStatus.ASSIGNED and report.status == "matched"
        assert report.bank_transaction_id == transfer.id and report.payment_id == transfer.payment_id
        told = s.scalars(select(Notification).where(Notification.kind == "payment_report_matched")).all()
        assert [n.user_id for n in told] == [world.father_ab.id]
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert 'data-status="matched"' in page and "đã khớp với khoản tiền nhà trường nhận được" in page


def test_bad_reports_are_refused_by_field_and_a_rejection_needs_a_reason(app, world, dbs, make_client):
    (invoice_id, code, due), parent, accountant = _setup(app, world, dbs, make_client)
    cases = [({"amount": "0"}, "amount"), ({"amount": "1000", "paid_on": (utcnow().date() + timedelta(days=2)).isoformat()},
                                           "Ngày thanh toán không được sau hôm nay"),
             ({"amount": "1000", "channel": "bitcoin"}, "Chọn cách đã thanh toán"),
             ({"amount": "1000", "bank_reference": "FT<script>"}, "Mã giao dịch chỉ gồm"),
             ({"amount": "1000", "bank_reference": "FT 2633"}, "Mã giao dịch chỉ gồm"),
             # A full card number is refused on its field however it is spaced, never stored.
             ({"amount": "1000", "bank_reference": "4111 1111 1111 1111"}, "giống số thẻ ngân hàng"),
             ({"amount": "1000", "bank_reference": "4111111111111111"}, "giống số thẻ ngân hàng"),
             ({"amount": "1000", "screenshot": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "giao-dich.pdf")},
              "phải là ảnh")]
    for fields, said in cases:
        refused = _report(parent, invoice_id, **fields)
        assert refused.status_code == 422 and said in refused.get_data(as_text=True), (fields, said)
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(PaymentReport)) == 0
    # Another family's invoice is not theirs to report on.
    stranger = make_client()
    stranger.login("0912000003")
    assert stranger.get(f"/fees/invoices/{invoice_id}/report-paid").status_code == 404
    assert _report(parent, invoice_id, amount="50000").status_code == 302
    with dbs() as s:
        report = s.scalars(select(PaymentReport)).one()
    key = once_key(accountant, "/billing/transfers", "resolve_report")
    accountant.post(f"/billing/payment-reports/{report.id}/resolve", {"key": key, "outcome": "rejected", "note": ""})
    with dbs() as s:
        assert s.get(PaymentReport, report.id).status == "open"
    key = once_key(accountant, "/billing/transfers", "resolve_report")
    accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                    {"key": key, "outcome": "rejected", "note": "Sao kê ngày 05/12 không có khoản 50.000 đ"})
    with dbs() as s:
        assert s.get(PaymentReport, report.id).status == "rejected"
        told = s.scalars(select(Notification).where(Notification.kind == "payment_report_rejected")).one()
        assert told.params["note"] == "Sao kê ngày 05/12 không có khoản 50.000 đ"
        assert s.get(Invoice, invoice_id).paid == 0
    page = parent.get(f"/fees/invoices/{invoice_id}").get_data(as_text=True)
    assert "Sao kê ngày 05/12 không có khoản 50.000 đ" in page


def test_a_reported_amount_is_bounded_by_what_the_invoice_still_asks_for(app, world, dbs, make_client):
    """A parent's "I paid" for 500.000.000 đ on an invoice of a few hundred thousand was taken: the
    bound was one transfer's, not the invoice's. It is the invoice's due amount, named in the message."""
    (invoice_id, code, due), parent, accountant = _setup(app, world, dbs, make_client)
    shown = f"{due:,}".replace(",", ".")
    for amount in ("500.000.000", f"{due + 1}"):
        refused = _report(parent, invoice_id, amount=amount)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and f"không được lớn hơn {shown} đồng" in text and code in text, amount
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(PaymentReport)) == 0
    assert _report(parent, invoice_id, amount=shown).status_code == 302


def test_a_credit_naming_another_invoice_is_never_suggested_nor_matched_to_a_report(app, world, dbs, make_client):
    """The tester's case: the only same-amount credit in the queue named another school's invoice
    and was suggested, preselected and accepted for this family's report."""
    (invoice_id, code, due), parent, accountant = _setup(app, world, dbs, make_client)
    with dbs() as s:
        s.execute(update(BankTransaction).where(BankTransaction.provider_txn_id == "sp-777")
                  .values(content="chuyen tien HP00020004012 T12"))
        s.commit()
        queued = s.scalars(select(BankTransaction).where(BankTransaction.provider_txn_id == "sp-777")).one()
    assert _report(parent, invoice_id, amount=f"{due:,}".replace(",", "."),
                   bank_reference="FT26339000777").status_code == 302
    with dbs() as s:
        report = s.scalars(select(PaymentReport)).one()
    queue = accountant.get("/billing/transfers").get_data(as_text=True)
    row = queue.split(f'data-report="{report.id}"')[1].split("</tr>")[0]
    assert f'data-suggested-transfer="{queued.id}"' not in row and "selected" not in row
    key = once_key(accountant, "/billing/transfers", "resolve_report")
    refused = accountant.post(f"/billing/payment-reports/{report.id}/resolve",
                              {"key": key, "outcome": "matched", "transfer_id": str(queued.id), "note": ""})
    assert refused.status_code == 422 and "HP00020004012" in refused.get_data(as_text=True)
    with dbs() as s:
        assert s.get(Invoice, invoice_id).paid == 0 and s.get(PaymentReport, report.id).status == "open"
        assert s.get(BankTransaction, queued.id).status == TransferStatus.UNMATCHED
