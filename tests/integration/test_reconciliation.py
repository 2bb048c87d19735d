"""Reconciling a provider's report against what was recorded, on both databases: a missed
notification, a duplicate row, a different amount, an unknown order, one of ours the provider does
not list, and an unmatched transfer are each reported once, with no false alarm for the rest; the
same report again adds nothing (security.md §A.12, at a small scale)."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from lms.billing import payments
from lms.billing.models import Checkout, Invoice, Method, ReconciliationItem
from lms.core.signing import signer_from_config
from lms.core.timeutil import utcnow
from lms.people.models import School
from tests.billing_helpers import issue, set_up_fees


def test_a_provider_report_is_reconciled_once(app, world, client, make_client, dbs):
    from lms.billing import matching

    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        school = s.get(School, world.a.school.id)
        invoices = {i.student.student_code: i for i in s.scalars(select(Invoice).where(Invoice.school_id == school.id))}
        signer = signer_from_config(app.config)
        now = utcnow()
        recorded = []
        for n, code in enumerate(("HSA001", "HSA002"), start=1):
            inv = invoices[code]
            recorded.append(payments.record_payment(s, world.a.accountant, school, inv.student, inv, payments.PaymentInput(
                Method.WEBSITE, 500_000, inv.payer_name, now, channel="vnpay", provider="vnpay",
                provider_txn_id=f"1400000{n}"), signer=signer, now=now))
        s.add(Checkout(school_id=school.id, invoice_id=invoices["HSA003"].id, channel="vnpay", method="website",
                       txn_ref=f"{invoices['HSA003'].code}-1", amount=invoices["HSA003"].due, expires_at=now,
                       status="pending"))
        matching.receive_transfer(s, school, matching.TransferIn("sepay", "77", 90_000, "ung ho", now),
                                  signer=signer, now=now)
        s.commit()
        codes = {k: v.code for k, v in invoices.items()}
        due3 = invoices["HSA003"].due
    from lms.core.timeutil import utc_to_local
    day = utc_to_local(now, "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y %H:%M")   # providers export local time
    csv = ("Mã giao dịch,Mã đơn hàng,Số tiền,Thời gian,Trạng thái\n"
           f"14000001,{codes['HSA001']}-1,500000,{day},Thành công\n"          # fine
           f"14000001,{codes['HSA001']}-1,500000,{day},Thành công\n"          # duplicate row
           f"14000002,{codes['HSA002']}-1,600000,{day},Thành công\n"          # amount differs
           f"14000003,{codes['HSA003']}-1,{due3},{day},Thành công\n"          # a missed IPN (its checkout is ours)
           f"14000004,HP9999999999X-1,100000,{day},Thành công\n"             # unknown order
           f"14000005,{codes['HSA001']}-2,100000,{day},Không thành công\n")   # failed: ignored
    client.login("kt.a")
    for _ in range(2):
        page = client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(csv.encode()), "r.csv")},
                           content_type="multipart/form-data")
        assert page.status_code == 302
    with dbs() as s:
        kinds = sorted((i.kind, i.key) for i in s.scalars(select(ReconciliationItem).where(
            ReconciliationItem.school_id == world.a.school.id)))
    assert kinds == [("duplicate", "14000001"), ("mismatch", "14000002"), ("missing", "14000003"),
                     ("unknown", "14000004"), ("unmatched", "sepay:77")]
    with dbs() as s:   # a report line's time is shown as the report has it: local time, not UTC
        missing = s.scalars(select(ReconciliationItem).where(ReconciliationItem.kind == "missing")).one()
        assert missing.detail.endswith(day), missing.detail
    listed = client.get("/billing/reconciliation").get_data(as_text=True)
    assert "Nhà cung cấp có, hệ thống chưa ghi" in listed and "Lệch số tiền" in listed
    assert "báo cáo 600.000 ₫, hệ thống 500.000 ₫" in listed      # amounts written as money (issue #27, 8)
    # One of ours the provider does not list.
    short = "\n".join(csv.splitlines()[:2]) + "\n"
    client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(short.encode()), "r.csv")},
                content_type="multipart/form-data")
    with dbs() as s:
        ours = s.scalars(select(ReconciliationItem).where(ReconciliationItem.kind == "not_in_report")).one()
        assert (ours.key, ours.detail) == ("14000002", day)
    bad = client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(b"a,b\n1,2\n"), "r.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "không có cột" in bad.get_data(as_text=True)


def test_a_report_without_a_required_column_is_refused_on_its_header_line_with_what_to_do(client, world, dbs):
    """VNPay's merchant-portal export with its title above the header, exported without the amount:
    the refusal asked to "choose the column" — the reconciliation page has no chooser — and named
    line 1 for a header on line 2. It names the header's line, the file's own columns and what to
    name the missing one; with the amount column back, the same export is reconciled."""
    head = "CỔNG THANH TOÁN VNPAY - BÁO CÁO GIAO DỊCH TỪ 01/12/2026 ĐẾN 06/12/2026\n"
    csv = (head + "STT,Mã GD VNPAY,Mã tham chiếu,Thời gian thanh toán,Trạng thái\n"
                  "1,14712345,HP0001000125K-1,05/12/2026 08:15:32,Thành công\n").encode()
    client.login("kt.a")
    page = client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(csv), "vnpay.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Chọn cột" not in html
    refused = re.findall(r'<tr class="import-error" data-line="(\d+)">', html)
    assert refused == ["2"], refused
    assert "Dòng tiêu đề (dòng 2) không có cột “Số tiền”" in html and "B “Mã GD VNPAY”" in html
    whole = (head + "STT,Mã GD VNPAY,Mã tham chiếu,Số tiền thanh toán (VND),Thời gian thanh toán,Trạng thái\n"
                    "1,14712345,HP0001000125K-1,\"1.531.800\",05/12/2026 08:15:32,Thành công\n").encode()
    done = client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(whole), "vnpay.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    with dbs() as s:
        item = s.scalars(select(ReconciliationItem).where(ReconciliationItem.key == "14712345")).one()
        assert (item.kind, item.amount) == ("unknown", 1_531_800)


def test_every_bank_file_chooser_offers_what_the_reader_takes_and_a_portals_txt_is_reconciled(client, world, dbs):
    """Bank and provider portals export .txt (Excel's Unicode Text: UTF-16, tabs) as often as .csv;
    the reconciliation page's chooser offered none of the formats (any file, the label said
    ".xlsx, .xls or .csv"). Each page that uploads such a table offers exactly what the one reader
    takes, and a VNPay report saved as .txt is reconciled like its .csv."""
    from lms.core.tables import ACCEPT

    client.login("kt.a")
    for page in ("/billing/reconciliation", "/billing/statements", "/billing/settlements"):
        html = client.get(page).get_data(as_text=True)
        chooser = re.search(r'<input[^>]*type="file"[^>]*>', html).group(0)
        assert f'accept="{ACCEPT}"' in chooser, (page, chooser)
        assert ".txt" in html.split('for="file"', 1)[1].split("</label>", 1)[0], page
    text = ("STT\tMã GD VNPAY\tMã tham chiếu\tSố tiền thanh toán (VND)\tThời gian thanh toán\tTrạng thái\r\n"
            "1\t14712399\tHP0001000125K-1\t1.531.800\t05/12/2026 08:15:32\tThành công\r\n")
    done = client.post("/billing/reconciliation", {"provider": "vnpay", "file": (io.BytesIO(
        b"\xff\xfe" + text.encode("utf-16-le")), "BaoCaoGiaoDich.txt")}, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    with dbs() as s:
        item = s.scalars(select(ReconciliationItem).where(ReconciliationItem.key == "14712399")).one()
        assert (item.kind, item.amount) == ("unknown", 1_531_800)
