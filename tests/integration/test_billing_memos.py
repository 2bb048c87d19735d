"""What the accountant sees of bank memos and payment dates, whatever page shows them."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from lms.billing.models import BankTransaction, Invoice
from tests.billing_helpers import issue, set_up_fees

CARD = "4111111111111111"


def _invoices(dbs, world):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        return {i.student.student_code: (i.id, i.code, i.due) for i in s.scalars(
            select(Invoice).where(Invoice.school_id == world.a.school.id))}


def test_a_card_number_in_a_memo_is_masked_on_the_preview_and_the_queue(world, client, dbs):
    _invoices(dbs, world)
    csv = ("Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
           f"28/11/2026 16:40,FT900,200.000,HOAN TIEN THE {CARD} NGUYEN VAN A\n").encode("utf-8")
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv), "saoke.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert CARD not in body and "411111******1111" in body
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = {"token": token, "col_date": "0", "col_reference": "1", "col_credit": "2", "col_content": "3"}
    assert client.post("/billing/statements", {**mapping, "confirm": "1", "account_confirmed": "1"}).status_code == 302
    # A memo kept in clear before masking existed is still shown masked in the queue.
    with dbs() as s:
        row = s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id)).one()
        row.content = f"HOAN TIEN THE {CARD}"
        row.counter_name = f"THE {CARD}"
        s.commit()
    queue = client.get("/billing/transfers").get_data(as_text=True)
    assert CARD not in queue and "411111******1111" in queue


def _import(client, csv: str):
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv.encode("utf-8")), "saoke-t11.csv")},
                       content_type="multipart/form-data")
    token = re.search(r'name="token" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    mapping = {"token": token, "col_date": "0", "col_reference": "1", "col_credit": "2", "col_content": "3"}
    return client.post("/billing/statements", {**mapping, "confirm": "1", "account_confirmed": "1"}, follow_redirects=True)


def test_the_invoice_page_shows_when_the_money_was_paid_not_when_it_was_imported(world, client, dbs):
    invoices = _invoices(dbs, world)
    inv_id, code, due = invoices["HSA002"]
    client.login("kt.a")
    _import(client, f"Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n28/11/2026 16:40,FT901,\"{due:,}\",{code} hoc phi\n")
    with dbs() as s:
        assert s.get(Invoice, inv_id).status == "paid"
    page = client.get(f"/billing/invoices/{inv_id}").get_data(as_text=True)
    paid = re.search(r'<table[^>]*id="invoice-payments".*?</table>', page, re.S).group(0)
    assert "28/11/2026 16:40" in paid


def _import_auto(client, csv: str, name: str) -> str:
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv.encode("utf-8")), name)},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S))
    return client.post("/billing/statements", {"token": token, **mapping, "confirm": "1", "account_confirmed": "1"},
                       follow_redirects=True).get_data(as_text=True)


def test_a_line_already_imported_from_another_statement_names_that_import(world, client, dbs):
    from lms.core.timeutil import utc_to_local, utcnow

    _invoices(dbs, world)
    client.login("kt.a")
    _import_auto(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                         "28/11/2026 16:40,FT902,300.000,ung ho quy lop\n", "saoke-vcb.csv")
    # The same month exported again from the bank's other portal, without the reference column.
    page = _import_auto(client, "Ngày giao dịch,Số tiền ghi có,Mô tả\n28/11/2026 16:40,300.000,ung ho quy lop\n",
                        "saoke-ib.csv")
    today = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y")
    assert f"1 giao dịch đã có từ lần nhập sao kê ngày {today}" in page
    assert "SePay" not in page.split("giao dịch đã có từ")[0][-300:]
    with dbs() as s:
        assert len(s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id)).all()) == 1


def test_the_issue_job_counts_invoices(world, client, dbs, app):
    with dbs() as s:
        set_up_fees(s, world.a)
        s.commit()
    client.login("kt.a")
    done = client.post("/billing/issue", {"month": "9", "class_id": "0", "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].startswith("/jobs/")
    app.extensions["lms_jobs"].wait()
    job = client.get(done.headers["Location"] + ".json").get_json()
    assert job["status"] == "done" and job["message"].startswith("Đã phát hành 3 hoá đơn")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="job-count"[^>]*>3/3 hoá đơn<', page)


def test_an_unknown_invoice_code_is_said_to_not_exist_not_missing(world, client, dbs):
    from lms.billing.invoicing import PREFIX
    from lms.billing.reference import invoice_reference

    _invoices(dbs, world)
    unissued = invoice_reference(PREFIX, world.a.school.id, 999_999)
    client.login("kt.a")
    _import_auto(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                         "28/11/2026 16:40,FT903,300.000,HP00010099990 hoc phi\n"
                         f"28/11/2026 16:41,FT904,300.000,{unissued} hoc phi\n"
                         "28/11/2026 16:42,FT905,300.000,ung ho quy lop FT26248123456\n", "saoke.csv")
    with dbs() as s:
        notes = {r.provider_txn_id: r.note for r in s.scalars(select(BankTransaction))}
    assert notes["FT903"] == "Mã hoá đơn HP00010099990 không tồn tại"
    assert notes["FT904"] == f"Mã hoá đơn {unissued} không tồn tại"
    assert notes["FT905"] == "Không tìm thấy mã hoá đơn trong nội dung"


def test_a_memo_naming_only_the_pupil_offers_their_open_invoices(world, client, dbs):
    invoices = _invoices(dbs, world)
    inv_id, code, due = invoices["HSA002"]
    with dbs() as s:
        pupil = s.get(Invoice, inv_id).student
        pupil_code, name = pupil.student_code, pupil.full_name
    client.login("kt.a")
    _import_auto(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                         f"28/11/2026 16:40,FT906,\"{due:,}\",HP T12 HS{pupil_code} NGUYEN GIA TRAM\n", "saoke.csv")
    queue = client.get("/billing/transfers").get_data(as_text=True)
    assert f'data-pupil-hint="{pupil_code}"' in queue and name in queue
    assert f'data-assign-invoice="{code}"' in queue


def test_the_import_summary_counts_and_words_repeated_lines_as_the_preview_did(world, client, dbs):
    """A statement without references imported again: the preview and the confirmation name the
    earlier import in the same words and count the same lines (issue #27, finding 13)."""
    from lms.core.timeutil import utc_to_local, utcnow

    _invoices(dbs, world)
    client.login("kt.a")
    csv = "Ngày giao dịch,Số tiền ghi có,Mô tả\n28/11/2026 16:40,300.000,ung ho quy lop\n28/11/2026 16:45,150.000,quy lop 2\n"
    _import_auto(client, csv, "saoke.csv")
    csv += "28/11/2026 17:00,90.000,tien sach\n"
    preview = client.post("/billing/statements", {"file": (io.BytesIO(csv.encode("utf-8")), "saoke.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    today = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y")
    said = f"2 giao dịch đã có từ lần nhập sao kê ngày {today}: khớp với khoản đã ghi, không ghi lại lần nữa."
    assert said in preview
    confirmed = _import_auto(client, csv, "saoke.csv")
    assert said in confirmed
    assert "Đã nhập 1 giao dịch ghi có: 0 khớp hoá đơn tự động, 1 chờ gán tay; 2 đã có từ trước nên bỏ qua." in confirmed
