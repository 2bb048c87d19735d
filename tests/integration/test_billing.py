"""Billing through the pages, on SQLite and PostgreSQL: set-up, issuing, cash and card, credit
notes, voids, refunds, receipts, debts and reminders, and the parents' portal."""
from __future__ import annotations

import re
import subprocess

from sqlalchemy import func, select

from lms.billing import vietqr
from lms.billing.models import FeePlan, FeeType, Invoice, InvoiceStatus, Payment, Receipt
from lms.core.models import Notification
from tests.billing_helpers import exempt, issue, once_key, set_up_fees


def _bank(dbs, world):
    from lms.people.models import School

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        school.bank_bin, school.bank_account_number, school.bank_account_name = "970436", "0071000123456", "TRUONG THCS THU A"
        s.commit()


def test_fee_types_and_plans_are_set_up_with_errors_named_by_field(world, client, dbs):
    _bank(dbs, world)
    client.login("kt.a")
    bad = client.post("/billing/fee-types/new", {"code": "bán trú", "name": "Tiền ăn", "category": "service"})
    assert bad.status_code == 422 and "Mã khoản thu gồm chữ in hoa" in bad.get_data(as_text=True)
    ok = client.post("/billing/fee-types/new", {"code": "BANTRU", "name": "Tiền ăn bán trú", "category": "tuition",
                                                 "mandatory": "y", "exemptions_apply": "y"})
    assert ok.status_code == 302
    with dbs() as s:
        type_id = s.scalars(select(FeeType.id).where(FeeType.school_id == world.a.school.id)).one()
    ten_months = {"fee_type_id": type_id, "amount": "500000", "period": "monthly", "due_day": "10", "scope": "school",
                  "months": ["9", "10", "11", "12", "1", "2", "3", "4", "5", "6"]}
    page = client.post("/billing/plans/new", ten_months)
    assert page.status_code == 422 and "Học phí thu theo tháng tối đa 9 tháng" in page.get_data(as_text=True)
    students = dict(ten_months, months=["9"], scope="students", student_codes="HSA001\nHSX999")
    page = client.post("/billing/plans/new", students)
    assert page.status_code == 422 and "HSX999" in page.get_data(as_text=True)
    assert client.post("/billing/plans/new", dict(students, student_codes="HSA001, HSA003")).status_code == 302
    with dbs() as s:
        plan = s.scalars(select(FeePlan).where(FeePlan.school_id == world.a.school.id)).one()
        assert plan.targets == sorted([world.a.students["HSA001"].id, world.a.students["HSA003"].id])
        assert plan.month_list == [9]


def test_preview_then_issue_once_and_the_list_filters_and_exports(world, client, dbs, app):
    with dbs() as s:
        set_up_fees(s, world.a)
        exempt(s, world.a, "HSA002", 100)
        s.commit()
    client.login("kt.a")
    preview = client.post("/billing/issue", {"month": "9", "class_id": "0", "preview": "1"})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview-count">3<' in body
    # 1,531,800 × 2 + (0 meals + 831,800) for the exempted pupil
    assert "3.895.400 ₫" in body
    with dbs() as s:
        assert s.scalar(select(Invoice.id).where(Invoice.school_id == world.a.school.id)) is None  # the preview saves nothing
    done = client.post("/billing/issue", {"month": "9", "class_id": "0", "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].startswith("/jobs/")  # issued by a job
    app.extensions["lms_jobs"].wait()
    job = client.get(done.headers["Location"] + ".json").get_json()
    assert job["status"] == "done" and job["message"] == "Đã phát hành 3 hoá đơn tháng 09/2026, tổng 3.895.400 ₫."
    assert 'href="/billing/invoices?period=2026-09"' in client.get(done.headers["Location"]).get_data(as_text=True)
    again = client.post("/billing/issue", {"month": "9", "class_id": "0", "confirm": "1"})
    assert again.status_code == 302 and again.headers["Location"].startswith("/billing/invoices")  # nothing new
    with dbs() as s:
        assert len(s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id)).all()) == 3
        told = s.scalars(select(Notification).where(Notification.kind == "invoice_issued",
                                                    Notification.school_id == world.a.school.id)).all()
        assert sorted(n.user_id for n in told) == sorted([world.mother_a.id] * 2 + [world.father_ab.id])
    listed = client.get("/billing/invoices?q=binh").get_data(as_text=True)
    assert "Nguyễn Thị Bình" in listed and "Nguyễn Văn An" not in listed
    xlsx = client.get("/billing/invoices.xlsx?status=open")
    from io import BytesIO

    from openpyxl import load_workbook
    ws = load_workbook(BytesIO(xlsx.data)).active
    assert ws.max_row == 4 and ws.cell(1, 2).value == "Mã thanh toán"


def _issued(dbs, world):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        s.commit()
        return {i.student.student_code: i.id for i in s.scalars(select(Invoice).where(Invoice.school_id == world.a.school.id))}


def _pay(client, invoice_id, **data):
    form = {"method": "cash", "amount": "100000", "payer_name": "Nguyễn Thị Lan",
            "key": once_key(client, f"/billing/invoices/{invoice_id}", "payment"), **data}
    return client.post(f"/billing/invoices/{invoice_id}/payments", form)


def test_cash_and_card_payments_partial_overpayment_refund_and_receipts(world, client, make_client, dbs, tmp_path):
    ids = _issued(dbs, world)
    client.login("kt.a")
    an = ids["HSA001"]
    full_pan = _pay(client, an, method="card_pos", amount="1531800", terminal_id="12345678", approval_code="A1B2C3",
                    rrn="123456789012", card_last4="1111", note="thẻ 4111 1111 1111 1111")
    assert full_pan.status_code == 422 and "giống số thẻ ngân hàng đầy đủ" in full_pan.get_data(as_text=True)
    no_tid = _pay(client, an, method="card_pos", terminal_id="123", approval_code="A1B2C3", rrn="123456789012",
                  card_last4="1111")
    assert no_tid.status_code == 422 and "TID" in no_tid.get_data(as_text=True)
    with dbs() as s:
        assert s.scalar(select(Payment.id).where(Payment.school_id == world.a.school.id)) is None
    key = once_key(client, f"/billing/invoices/{an}", "payment")
    assert _pay(client, an, amount="1000000", key=key).status_code == 302
    assert _pay(client, an, amount="1000000", key=key).status_code == 302   # the same form sent twice
    card = _pay(client, an, method="card_pos", amount="331800", terminal_id="12345678", approval_code="A1B2C3",
                rrn="123456789012", card_last4="4242", card_scheme="Visa")
    assert card.status_code == 302
    with dbs() as s:
        inv = s.get(Invoice, an)
        assert inv.status == InvoiceStatus.PARTIAL and inv.due == 200_000
        assert len(s.scalars(select(Payment).where(Payment.school_id == world.a.school.id)).all()) == 2
    rest = _pay(client, an, amount="300000")
    payment_id = int(rest.headers["Location"].rsplit("/", 1)[1])
    with dbs() as s:
        inv = s.get(Invoice, an)
        assert inv.status == InvoiceStatus.PAID
        receipt = s.scalars(select(Receipt).where(Receipt.payment_id == payment_id)).one()
        token = receipt.token
    over = client.post(f"/billing/payments/{payment_id}/refunds", {"amount": "150000", "method": "cash", "reason": "Thừa",
                                                                   "key": once_key(client, f"/billing/payments/{payment_id}", "refund")})
    assert over.status_code == 422 and "100.000" in over.get_data(as_text=True)
    assert client.post(f"/billing/payments/{payment_id}/refunds",
                       {"amount": "100000", "method": "bank", "reason": "Trả tiền thừa",
                        "key": once_key(client, f"/billing/payments/{payment_id}", "refund")}).status_code == 302
    with dbs() as s:
        from lms.billing.models import Refund
        refund_id = s.scalars(select(Refund.id).where(Refund.school_id == world.a.school.id)).one()
    # Every refusal shows its message on this refund's reference field (a card number got none).
    for reference, said in (("", "Nhập mã giao dịch chuyển khoản hoàn tiền."),
                            ("5500 0055 5555 5559", "Ô này có một dãy số giống số thẻ ngân hàng đầy đủ.")):
        refused = client.post(f"/billing/refunds/{refund_id}/paid", {"reference": reference, "key": once_key(
            client, f"/billing/payments/{payment_id}", "refund_paid")})
        assert refused.status_code == 422
        assert re.search(rf'id="reference-{refund_id}-error">{re.escape(said)}', refused.get_data(as_text=True)), said
    client.post(f"/billing/refunds/{refund_id}/paid", {"reference": "FT26335123", "key": once_key(
        client, f"/billing/payments/{payment_id}", "refund_paid")})
    page = client.get(f"/billing/payments/{payment_id}").get_data(as_text=True)
    assert "FT26335123" in page
    pdf = client.get(f"/billing/payments/{payment_id}/receipt.pdf")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ba trăm nghìn đồng" in text and "BIÊN LAI THU TIỀN" in text and "TRUONG THCS THU A" in text
    assert "Nguyễn Thị Lan" in text and token in text.replace("\n", "").replace(" ", "")
    # The public page says it is genuine; a changed byte in the stored snapshot makes it fail.
    public = make_client()
    assert "Biên lai xác thực" in public.get(f"/receipts/verify/{token}").get_data(as_text=True)
    with dbs() as s:
        r = s.scalars(select(Receipt).where(Receipt.token == token)).one()
        r.snapshot = r.snapshot.replace('"amount":300000', '"amount":3000000')
        s.commit()
    assert "KHÔNG hợp lệ" in public.get(f"/receipts/verify/{token}").get_data(as_text=True)
    assert public.get("/receipts/verify/khong-co").status_code == 404
    ledger = client.get("/billing/ledger").get_data(as_text=True)
    assert "Mọi bút toán đều cân." in ledger


def test_a_months_receipts_in_one_pdf_by_a_job(world, client, make_client, dbs, app, tmp_path):
    from lms.core.timeutil import utc_to_local, utcnow

    ids = _issued(dbs, world)
    client.login("kt.a")
    for code in ("HSA001", "HSA002", "HSA003"):
        assert _pay(client, ids[code], amount="200000").status_code == 302
    month = f"{utc_to_local(utcnow(), 'Asia/Ho_Chi_Minh'):%Y-%m}"
    page = client.get("/billing/payments").get_data(as_text=True)
    assert 'id="bulk-receipts"' in page and f'value="{month}"' in page
    started = client.post("/billing/receipts/bulk", {"month": month, "class_id": ""})
    assert started.status_code == 302 and started.headers["Location"].startswith("/jobs/")
    app.extensions["lms_jobs"].wait()
    status = client.get(started.headers["Location"] + ".json").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3
    pdf = client.get(status["result"])
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "month.pdf"
    path.write_bytes(pdf.data)
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    with dbs() as s:
        tokens = [r.token for r in s.scalars(select(Receipt).where(Receipt.school_id == world.a.school.id)
                                             .order_by(Receipt.number))]
    assert len(tokens) == 3 and len([p for p in pages if p.strip()]) == 3   # one page per receipt
    for page_text, token in zip(pages, tokens):                             # in receipt-number order
        assert "BIÊN LAI THU TIỀN" in page_text and token in page_text.replace("\n", "").replace(" ", "")
    # Another month has none: said on the payments page, no job written.
    from lms.core.models import Job

    with dbs() as s:
        jobs_before = len(s.scalars(select(Job)).all())
    empty = client.post("/billing/receipts/bulk", {"month": "2026-01", "class_id": ""})
    assert empty.status_code == 302 and empty.headers["Location"] == "/billing/payments"
    assert "Không có biên lai nào trong tháng 01/2026." in client.get("/billing/payments").get_data(as_text=True)
    assert client.post("/billing/receipts/bulk", {"month": "tháng chín"}).status_code == 302
    assert "Chọn tháng cần in biên lai." in client.get("/billing/payments").get_data(as_text=True)
    with dbs() as s:
        assert len(s.scalars(select(Job)).all()) == jobs_before
    # The file is only for whoever asked for it.
    other = make_client()
    other.login("admin.a")
    assert other.get(status["result"]).status_code == 404


def test_credit_note_void_and_the_history(world, client, make_client, dbs):
    ids = _issued(dbs, world)
    client.login("kt.a")
    binh, chau = ids["HSA002"], ids["HSA003"]
    assert _pay(client, binh, amount="1531800").status_code == 302
    def key(invoice_id, action):
        return once_key(client, f"/billing/invoices/{invoice_id}", action)

    assert client.post(f"/billing/invoices/{binh}/void", {"reason": "Sai", "key": key(chau, "void")}).status_code == 422
    refused = client.post(f"/billing/invoices/{binh}/credit-note", {"amount": "2000000", "reason": "Quá",
                                                                     "key": key(binh, "credit_note")})
    assert refused.status_code == 422 and "1.531.800" in refused.get_data(as_text=True)
    assert client.post(f"/billing/invoices/{binh}/credit-note", {"amount": "200000", "reason": "Không tham gia quỹ",
                                                                 "key": key(binh, "credit_note")}).status_code == 302
    assert client.post(f"/billing/invoices/{chau}/void", {"reason": "Học sinh đã chuyển trường",
                                                          "key": key(chau, "void")}).status_code == 302
    page = client.get(f"/billing/invoices/{chau}").get_data(as_text=True)
    assert "Học sinh đã chuyển trường" in page and 'data-status="void"' in page and "Kế Toán A" in page
    with dbs() as s:
        assert s.get(Invoice, binh).credited == 200_000
    parent = make_client()
    parent.login("0912000001")
    assert "Tiền thừa được trừ kỳ sau: 200.000 ₫" in parent.get("/fees").get_data(as_text=True)


def test_debts_by_class_and_reminders_reach_the_parents(world, client, dbs):
    from datetime import date

    from lms.billing import queries
    from lms.people.models import School

    _issued(dbs, world)
    with dbs() as s:
        rows, total = queries.aging(s, s.get(School, world.a.school.id), date(2026, 11, 1))
        # An invoice falls due on its earliest line (meals, 10/9): on 1/11 that is 52 days ago.
        assert total.total == 3 * 1_531_800 and total.buckets[2] == total.total and len(rows) == 1
        assert queries.aging(s, s.get(School, world.a.school.id), date(2026, 9, 10))[1].buckets[0] == total.total
        assert queries.aging(s, s.get(School, world.a.school.id), date(2026, 12, 10))[1].buckets[4] == total.total
    client.login("kt.a")
    page = client.get("/billing/debts").get_data(as_text=True)
    assert "6A1" in page and "4.595.400 ₫" in page
    assert client.post("/billing/debts", {"class_id": "0"}).status_code == 302
    with dbs() as s:
        notes = s.scalars(select(Notification).where(Notification.kind == "invoice_reminder")).all()
        assert {n.user_id for n in notes} == {world.mother_a.id, world.father_ab.id}
        assert all(n.link.startswith("/fees/invoices/") for n in notes)


def test_the_parent_sees_each_child_across_schools_and_pays_by_vietqr(world, make_client, dbs):
    _issued(dbs, world)
    parent = make_client()
    parent.login("0912000002")   # Trần Văn Dũng: HSA003 in school A, HSB001 in school B
    page = parent.get("/fees").get_data(as_text=True)
    assert "Trần Minh Châu" in page and "Trần Minh Đức" in page and "Trường THPT Thử B" in page
    with dbs() as s:
        mine = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students["HSA003"].id)).one()
        other = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students["HSA001"].id)).one()
        code, due = mine.code, mine.due
    body = parent.get(f"/fees/invoices/{mine.id}").get_data(as_text=True)
    payload = re.search(r'data-payload="([^"]+)"', body).group(1)
    parsed = vietqr.parse_payload(payload.replace("&amp;", "&"))
    assert parsed["bank_bin"] == "970436" and parsed["account"] == "0071000123456"
    # The purpose carries the code and a short reason, within VietQR's 25 characters (Công văn 2741).
    assert parsed["amount"] == due and parsed["purpose"] == f"{code} THU TIEN T9" and parsed["bill_number"] == code
    assert "kiểm tra tên người thụ hưởng" in body and "TRUONG THCS THU A" in body and "<svg" in body
    assert parent.get(f"/fees/invoices/{other.id}").status_code == 404


def test_the_receipt_is_emailed_to_the_guardians_when_smtp_is_configured(world, client, app, dbs, monkeypatch):
    from tests.integration.test_sessions_and_mail import FakeSMTP

    from lms.auth.models import User

    ids = _issued(dbs, world)
    with dbs() as s:
        s.get(User, world.mother_a.id).email = "lan@test.example"
        s.commit()
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "smtp.test"
    client.login("kt.a")
    assert _pay(client, ids["HSA001"], amount="1531800").status_code == 302
    app.extensions["lms_jobs"].wait()
    receipts_sent = [m for m in FakeSMTP.sent if m["Subject"].startswith("Biên lai")]
    assert len(receipts_sent) == 1 and receipts_sent[0]["To"] == "lan@test.example"
    attachment = next(receipts_sent[0].iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename().startswith("Biên lai")
    assert "1.531.800 đồng" in receipts_sent[0].get_body().get_content()


def test_the_time_money_was_received_is_now_by_default_and_never_future_nor_before_the_invoice(world, client, dbs):
    """A cash payment dated 2030 or before its invoice existed would open a receipt series of
    that year and put the money in the wrong day's books: refused on the field; blank is now."""
    from lms.core.timeutil import school_tz, utc_to_local, utcnow

    ids = _issued(dbs, world)
    client.login("kt.a")
    invoice_id = ids["HSA001"]
    page = client.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True)
    today = f"{utc_to_local(utcnow(), school_tz()):%Y-%m-%dT}"
    assert f'name="received_at" type="datetime-local" value="{today}' in page
    for when, said in (("2030-01-01T08:00", "là sau lúc này"),
                       ("2025-01-01T08:00", "là trước lúc phát hành hoá đơn")):
        refused = _pay(client, invoice_id, received_at=when)
        assert refused.status_code == 422 and said in refused.get_data(as_text=True), when
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0
    before = utcnow().replace(microsecond=0)
    done = _pay(client, invoice_id, received_at="")
    after = utcnow()
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    with dbs() as s:
        payment = s.scalars(select(Payment)).one()
        assert before <= payment.received_at <= after          # blank is the moment it was recorded


def test_the_refund_form_is_offered_only_while_something_can_be_refunded(world, client, dbs):
    """A payment refunded in full still showed "Duyệt hoàn tiền" with its form, which could only
    be refused: the form is shown while the payment and the family's credit leave something to give
    back, and otherwise the page says why."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lms.billing import payments
    from lms.billing.models import Method
    from lms.core.signing import Signer
    from lms.core.timeutil import utcnow
    from lms.people.models import School, Student

    ids = _issued(dbs, world)
    client.login("kt.a")
    an = ids["HSA001"]
    assert _pay(client, an, amount="1531800").status_code == 302          # the invoice is paid
    with dbs() as s:                                                       # paid again: all of it is credit
        payment_id = payments.record_payment(
            s, None, s.get(School, world.a.school.id), s.get(Student, world.a.students["HSA001"].id), None,
            payments.PaymentInput(Method.CASH, 100_000, "Nguyễn Thị Lan", utcnow()), apply=False,
            signer=Signer(Ed25519PrivateKey.generate()), now=utcnow()).id
        s.commit()
    page = client.get(f"/billing/payments/{payment_id}").get_data(as_text=True)
    assert 'id="refund-form"' in page and 'value="100000"' in page.replace(".", "")
    assert client.post(f"/billing/payments/{payment_id}/refunds",
                       {"amount": "100000", "method": "cash", "reason": "Nộp trùng",
                        "key": once_key(client, f"/billing/payments/{payment_id}", "refund")}).status_code == 302
    page = client.get(f"/billing/payments/{payment_id}").get_data(as_text=True)
    assert 'id="refund-form"' not in page and 'id="approve-refund"' not in page
    assert "Giao dịch này đã được hoàn hết (100.000" in page
    with dbs() as s:
        first = s.scalars(select(Payment).where(Payment.invoice_id == an).order_by(Payment.id)).first()
    page = client.get(f"/billing/payments/{first.id}").get_data(as_text=True)   # nothing left as credit either
    assert 'id="refund-form"' not in page and "Gia đình không còn tiền thừa để hoàn" in page
