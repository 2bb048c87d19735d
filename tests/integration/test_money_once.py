"""One payment per real transfer, never to the wrong family (issue #27), on both databases.

Each test here failed before its fix: a SePay credit found again in the month's statement was
recorded twice; payOS and the bank feed each recorded the same transfer; a parent paying school
B's code into school A's account settled a stranger's invoice at A (both schools numbered from 1);
a credit to another account than the school's was matched; a memo whose sender account number
passes Luhn made the webhook answer 422 and the statement import refuse the whole file; a SePay
amount of 2**63 was a 500."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import func, select

from lms.billing.channels import payos
from lms.billing.models import (BankSighting, BankTransaction, BillingTask, CallbackLog, Invoice, InvoiceStatus,
                                Payment)
from lms.core.timeutil import school_tz, utc_to_local
from lms.people.models import School
from tests.billing_helpers import issue, once_key, online_setup, pay_url_of, set_up_fees

SEPAY_KEY = "sepay-khoa-thu-nghiem-123"
ACCOUNT_A = "0071000123456"      # Vietcombank-style, 13 digits, passes Luhn (as many real ones do)


def _sepay_body(txn_id: int, amount, content: str, reference: str, *, account: str = ACCOUNT_A,
                when: str = "2026-09-05 08:15:00") -> dict:
    """A SePay webhook as SePay sends it (developer.sepay.vn, "Tích hợp webhook")."""
    return {"id": txn_id, "gateway": "Vietcombank", "transactionDate": when, "accountNumber": account,
            "code": None, "content": content, "transferType": "in", "transferAmount": amount,
            "accumulated": 19_077_000, "subAccount": None, "referenceCode": reference,
            "description": f"BankAPINotify {content}"}


def _post_sepay(client, body: dict, school: str = "A"):
    return client.http.post(f"/callbacks/sepay/{school}", data=json.dumps(body),
                            headers={"Authorization": f"Apikey {SEPAY_KEY}", "Content-Type": "application/json"})


def _setup(dbs, world, client, *, school_b: bool = False):
    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a)
        if school_b:
            set_up_fees(s, world.b)
            s.get(School, world.b.school.id).bank_account_number = "12010000999888"
            issue(s, world.b)
        s.commit()
        invoices = {i.student.student_code: (i.id, i.code, i.due) for i in s.scalars(select(Invoice))}
    client.login("admin.a")
    assert client.post("/billing/channels/sepay", {"api_key": SEPAY_KEY, "enabled": "y", "mode": "sandbox"}).status_code == 302
    return invoices


def _import_statement(client, csv: str) -> str:
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv.encode()), "saoke.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:2000]
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = {k: v for k, v in re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S)}
    done = client.post("/billing/statements", {"token": token, **mapping, "confirm": "1", "account_confirmed": "1"}, follow_redirects=True)
    assert done.status_code == 200
    return done.get_data(as_text=True)


def _count(dbs, model, *where) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_sepay_credit_found_again_in_the_statement_is_recorded_once(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(501, due, f"{code} Nguyen Thi Lan nop tien", "FT26248123456")).status_code == 200
    # A second transfer by Casso-less SePay, no code: queued.
    assert _post_sepay(bank, _sepay_body(502, 300_000, "ung ho quy lop", "FT26248123457")).status_code == 200
    # The month's statement lists both (with the bank's reference) and one credit nobody reported.
    statement = ("SAO KÊ TÀI KHOẢN\nSố tài khoản: 0071000123456\n"
                 "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
                 f"05/09/2026 08:15,FT26248123456,,\"{due:,}\",MBVCB.3278.{code} Nguyen Thi Lan nop tien\n"
                 "05/09/2026 09:02,FT26248123457,,\"300,000\",ung ho quy lop\n"
                 "06/09/2026 10:30,FT26249000001,,\"150,000\",lai tien gui\n")
    page = _import_statement(client, statement)
    assert "2 giao dịch đã được SePay báo trước đó" in page
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).all()) == 1
        assert s.get(Invoice, inv_id).paid == due
        credits = s.scalars(select(BankTransaction).where(BankTransaction.school_id == world.a.school.id)).all()
        assert len(credits) == 3
        assert _count(dbs, BankSighting, BankSighting.source == "statement") == 3
    transfers = client.get("/billing/transfers?status=matched").get_data(as_text=True)
    assert "SePay · Sao kê" in transfers and "một giao dịch, ghi một lần" in transfers


def test_a_statement_without_references_recognises_the_webhooks_credits_and_keeps_twin_lines(world, client,
                                                                                             make_client, dbs):
    invoices = _setup(dbs, world, client)
    _, code, due = invoices["HSA002"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(601, 200_000, f"{code} lan 1", "FT1")).status_code == 200
    # No reference column; the same parent paid the same amount twice that day (two real credits),
    # one of which SePay reported; and a line from the next day (the bank's value date).
    statement = ("Ngày giao dịch,Số tiền ghi có,Nội dung\n"
                 f"05/09/2026,200.000,IBFT {code} lan 1\n"
                 "05/09/2026,120.000,chuyen tien hoc phi\n"
                 "05/09/2026,120.000,chuyen tien hoc phi\n")
    page = _import_statement(client, statement)
    assert "1 giao dịch đã được SePay" in page
    with dbs() as s:
        amounts = sorted(t.amount for t in s.scalars(select(BankTransaction)))
        assert amounts == [120_000, 120_000, 200_000]
        assert len(s.scalars(select(Payment)).all()) == 1
    # Importing the same statement again adds nothing.
    _import_statement(client, statement)
    assert _count(dbs, BankTransaction) == 3 and _count(dbs, Payment) == 1


def test_payos_and_the_bank_feed_record_the_same_transfer_once_whichever_comes_first(world, client, make_client, dbs):
    (invoice_id, code, due), parent = online_setup(
        dbs, world, make_client, "payos", {"client_id": "client-thu-a", "api_key": "api-thu-a", "checksum_key": "k-payos"})
    admin = make_client()
    admin.login("admin.a")
    assert admin.post("/billing/channels/sepay", {"api_key": SEPAY_KEY, "enabled": "y", "mode": "sandbox"}).status_code == 302
    pay_url = pay_url_of(parent, invoice_id, "payos", "p1")
    query = dict(parse_qsl(urlsplit(pay_url).query))
    make_client().post("/sandbox/payos/checkout", query)          # the parent pays; payOS notifies
    with dbs() as s:
        payment = s.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).one()
        reference = payment.provider_txn_id.split(":", 1)[1]
        credit = s.scalars(select(BankTransaction)).one()
        assert credit.bank_reference == reference
        paid_at = f"{utc_to_local(credit.transacted_at, school_tz()):%Y-%m-%d %H:%M:%S}"
    # SePay reports the same transfer into the account (its reference, amount, account and time):
    # the same credit, nothing recorded again.
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(701, due, f"CSW5R2 {code}", reference, when=paid_at)).status_code == 200
    assert _count(dbs, Payment) == 1 and _count(dbs, BankTransaction) == 1 and _count(dbs, BankSighting) == 2
    with dbs() as s:
        assert s.scalars(select(CallbackLog).where(CallbackLog.provider == "sepay")).one().outcome == "seen before: payos"

    # The other order: a second invoice; SePay reports the transfer first (and matches the memo).
    with dbs() as s:
        other = s.scalars(select(Invoice).where(Invoice.student_id == world.a.students["HSA001"].id)).one()
        other_id, other_code, other_due = other.id, other.code, other.due
        link = "plfeed1"
        from lms.billing.models import Checkout
        from lms.core.timeutil import utcnow
        s.add(Checkout(school_id=world.a.school.id, invoice_id=other_id, channel="payos", method="qr",
                       txn_ref=f"{other_code}-1", order_code=10**9 + 77, amount=other_due, provider_ref=link,
                       expires_at=utcnow(), created_at=utcnow()))
        s.commit()
    assert _post_sepay(bank, _sepay_body(702, other_due, f"CSW5R3 {other_code}", "FT2624800077")).status_code == 200
    data = {"orderCode": 10**9 + 77, "amount": other_due, "description": f"CSW5R3 {other_code}",
            "accountNumber": ACCOUNT_A, "reference": "FT2624800077", "transactionDateTime": "2026-09-05 08:20:00",
            "currency": "VND", "paymentLinkId": link, "code": "00", "desc": "success", "counterAccountBankId": "",
            "counterAccountBankName": "", "counterAccountName": "NGUYEN THI LAN", "counterAccountNumber": "190312345678",
            "virtualAccountName": "", "virtualAccountNumber": ""}
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos.sign_data(data, "k-payos")}
    assert bank.http.post("/callbacks/payos/A", data=json.dumps(body)).status_code == 200
    with dbs() as s:
        paid = s.scalars(select(Payment).where(Payment.invoice_id == other_id)).all()
        assert len(paid) == 1 and paid[0].provider == "sepay"
        checkout = s.scalars(select(Checkout).where(Checkout.invoice_id == other_id)).one()
        assert checkout.status == "paid" and checkout.payment_id == paid[0].id
        assert s.get(Invoice, other_id).paid == other_due


def test_invoice_codes_are_unique_across_schools_and_a_code_paid_to_another_school_is_queued(world, client,
                                                                                             make_client, dbs):
    invoices = _setup(dbs, world, client, school_b=True)
    with dbs() as s:
        codes = list(s.scalars(select(Invoice.code)))
        numbers_a = set(s.scalars(select(Invoice.number).where(Invoice.school_id == world.a.school.id)))
        numbers_b = set(s.scalars(select(Invoice.number).where(Invoice.school_id == world.b.school.id)))
    assert numbers_a & numbers_b              # each school numbers from 1 …
    assert len(codes) == len(set(codes))      # … and yet no two invoices share a code
    b_id, b_code, b_due = invoices["HSB002"]
    bank = make_client()
    # A parent of school B pays B's code into school A's account.
    assert _post_sepay(bank, _sepay_body(801, b_due, f"{b_code} Le Thi Gam", "FT801")).status_code == 200
    with dbs() as s:
        assert s.scalar(select(func.sum(Invoice.paid))) == 0
        row = s.scalars(select(BankTransaction)).one()
        assert row.school_id == world.a.school.id and row.status == "unmatched"
        assert "trường khác" in row.note
    client.login("kt.a")
    refused = client.post(f"/billing/transfers/{row.id}/assign",
                          {"invoice_code": b_code, "key": once_key(client, "/billing/transfers", "assign")})
    assert refused.status_code == 422
    assert _count(dbs, Payment) == 0
    assert "không có hoá đơn mã" in refused.get_data(as_text=True)


def test_a_credit_to_another_account_than_the_schools_is_queued_not_matched(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    _, code, due = invoices["HSA001"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(901, due, code, "FT901", account="19036677889900")).status_code == 200
    with dbs() as s:
        row = s.scalars(select(BankTransaction)).one()
        assert row.status == "unmatched" and "không phải tài khoản thu" in row.note
        assert s.scalar(select(func.sum(Invoice.paid))) == 0


def test_a_memo_with_a_luhn_valid_account_number_is_recorded_and_a_card_number_masked(world, client, make_client, dbs):
    """The sender's account number (Vietcombank, 13 digits, passes Luhn) is data, kept as the bank
    wrote it (no scheme issues such a number); a real card number in a memo is masked with a task."""
    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA003"]
    bank = make_client()
    memo = (f"MBVCB.8845123.{code} nop hoc phi.CT tu 0071000123456 TRAN VAN DUNG toi 0071000123456 "
            "the 5500 0055 5555 5559")
    answer = _post_sepay(bank, _sepay_body(1001, due, memo, "FT1001"))
    assert answer.status_code == 200 and answer.get_json() == {"success": True}
    with dbs() as s:
        assert s.get(Invoice, inv_id).status == InvoiceStatus.PAID
        row = s.scalars(select(BankTransaction)).one()
        assert "CT tu 0071000123456 TRAN VAN DUNG" in row.content and "5500 00** **** 5559" in row.content
        assert row.counter_name == "TRAN VAN DUNG"
        assert s.scalars(select(BillingTask).where(BillingTask.kind == "card_number")).one()
        log = s.scalars(select(CallbackLog)).one()
        assert "5555 5559" not in log.body and "5500 00** **** 5559" in log.body and log.verified
        assert "5555 5559" not in (s.scalars(select(Payment)).one().note or "")
    # A statement line like it, and one with a real card number, import; nothing is refused.
    statement = ("Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                 f"05/09/2026 08:15,FT1001,\"{due:,}\",{memo}\n"
                 "06/09/2026 09:00,FT1002,\"50,000\",the 4111.1111.1111.1111 nop ho\n")
    page = _import_statement(client, statement)
    assert "1 nội dung chuyển khoản có dãy số giống số thẻ" in page
    with dbs() as s:
        second = s.scalars(select(BankTransaction).where(BankTransaction.bank_reference == "FT1002")).one()
        assert second.content == "the 4111.11**.****.1111 nop ho" and second.status == "unmatched"


def test_amounts_a_bank_feed_cannot_mean_get_a_clear_4xx(world, client, make_client, dbs):
    invoices = _setup(dbs, world, client)
    _, code, _ = invoices["HSA001"]
    bank = make_client()
    for amount in (2**63, 2**64 + 5, "9223372036854775808", 1.5, True, "12a"):
        answer = _post_sepay(bank, _sepay_body(1100, amount, code, "FT1100"))
        assert answer.status_code == 400, amount
        assert "transferAmount" in answer.get_json()["message"]
    assert _count(dbs, BankTransaction) == 0


def test_the_migration_recodes_invoices_and_flags_credits_recorded_twice(empty_database, tmp_path):
    """Upgrading a database of two schools that numbered from 1 (the old codes collided) and that
    recorded one transfer twice: every invoice gets a code of its own, the twice-recorded credit
    loses the duplicate reference and becomes a task for the accountant."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db
    from lms.billing.reference import is_valid_reference
    from tests.factories import build_world

    url = empty_database("lms_money_migrate")
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path,
                                               "UPLOAD_DIR": tmp_path / "u"}))
    with app.app_context():
        upgrade()
        with Session(db.engine, expire_on_commit=False) as s:
            world = build_world(s, app.extensions["lms_auth"])
            for school in (world.a, world.b):
                set_up_fees(s, school)
                issue(s, school)
            s.commit()
        downgrade(revision="0018")
        with db.engine.begin() as conn:
            codes = [c for (c,) in conn.execute(text("SELECT code FROM invoices"))]
            assert len(codes) > len(set(codes))          # the old scheme: both schools' first invoice is HP…01
            for n in (1, 2):
                conn.execute(text("INSERT INTO bank_transactions (school_id, source, provider_txn_id, bank_reference, "
                                  "amount, content, counter_name, counter_account, account_number, transacted_at, "
                                  "status, note, created_at) VALUES (:s, :src, :id, 'FT777', 500000, 'HP', '', '', '', "
                                  "CURRENT_TIMESTAMP, 'matched', '', CURRENT_TIMESTAMP)"),
                             {"s": world.a.school.id, "src": ("sepay", "statement")[n - 1], "id": f"x{n}"})
        upgrade()
        with db.engine.begin() as conn:
            codes = [c for (c,) in conn.execute(text("SELECT code FROM invoices"))]
            assert len(codes) == len(set(codes)) and all(is_valid_reference(c) for c in codes)
            refs = [r for (r,) in conn.execute(text("SELECT bank_reference FROM bank_transactions ORDER BY id"))]
            assert refs == ["FT777", ""]
            assert conn.execute(text("SELECT COUNT(*) FROM billing_tasks WHERE kind = 'duplicate'")).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM bank_sightings")).scalar() == 2
        db.engine.dispose()


def test_a_sepay_report_finds_credits_recorded_from_the_statement(world, client, make_client, dbs):
    """Reconciling SePay's transaction list: a transfer recorded from the statement (SePay's
    webhook was lost) is the same credit, not "missing"; one nobody recorded is."""
    from lms.billing.models import ReconciliationItem

    invoices = _setup(dbs, world, client)
    _, code, due = invoices["HSA001"]
    _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                              f"05/09/2026 08:15,FT2001,\"{due:,}\",{code}\n")
    report = ("Mã giao dịch,Mã tham chiếu,Số tiền,Thời gian,Trạng thái\n"
              f"9001,FT2001,{due},05/09/2026 08:15,Thành công\n"
              "9002,FT2002,300000,05/09/2026 09:00,Thành công\n")
    page = client.post("/billing/reconciliation", {"provider": "sepay", "file": (io.BytesIO(report.encode()), "r.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 302
    with dbs() as s:
        kinds = sorted((i.kind, i.key) for i in s.scalars(select(ReconciliationItem)))
    assert kinds == [("missing", "9002")]


def test_the_statement_preview_marks_the_lines_a_feed_or_an_earlier_import_already_recorded(world, client,
                                                                                             make_client, dbs):
    """Vietcombank's monthly statement as its portal exports it (title block, totals, closing
    balance) lists a credit SePay reported when it arrived and one a weekly CSV export already
    brought in: the preview marks each — who recorded it, on which day, and the payment it became
    or the queue — counts them, and the import records neither again. Before, the preview showed
    them as new and only the confirmation said they had been recorded."""
    from lms.core.numbers import money
    from lms.core.timeutil import utc_to_local, utcnow
    from tests.integration.test_corpus import edited

    invoices = _setup(dbs, world, client)
    inv_id, code, due = invoices["HSA001"]
    bank = make_client()
    assert _post_sepay(bank, _sepay_body(701, due, f"{code} NGUYEN HOANG AN 6A1 HOC PHI T9", "5243.65937",
                                         when="2026-09-05 09:12:00")).status_code == 200
    _import_statement(client, "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Mô tả\n"
                              "07/09/2026,5250.00077,\"500,000\",HP T9 CHAU SOC KHA ck tu vi\n")
    monthly = edited("vietcombank-sao-ke.xlsx", {"A10": "05/09/2026", "D10": f"{due:,}",
                                                 "E10": f"{code} NGUYEN HOANG AN 6A1 HOC PHI T9",
                                                 "A11": "06/09/2026", "A12": "06/09/2026", "A13": "07/09/2026",
                                                 "E13": "HP T9 CHAU SOC KHA ck tu vi"})
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(monthly), "SaoKe_VCB_T9.xlsx")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:2000]
    today = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y")
    rows = {int(n): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
            for n, html in re.findall(r'<tr data-line="(\d+)"[^>]*>(.*?)</tr>', body, re.S)}
    assert rows[10].endswith(f"Đã ghi nhận từ SePay ngày {today} — đã trừ {money(due)} đ vào hoá đơn {code}; "
                             "không ghi lại."), rows[10]
    assert rows[13].endswith(f"Đã ghi nhận từ lần nhập sao kê ngày {today} — đang chờ gán hoá đơn; không ghi lại."), rows[13]
    assert rows[11].endswith("Mới")
    assert re.search(r'data-line="10" class="table-secondary" data-recorded="sepay"', body)
    summary = re.sub(r"\s+", " ", re.search(r'id="statement-earlier">(.*?)</p>', body, re.S).group(1))
    assert summary.startswith("2 khoản đã được ghi nhận trước đó") and "1 khoản mới sẽ được ghi" in summary
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S))
    done = client.post("/billing/statements", {"token": token, **mapping, "confirm": "1"}, follow_redirects=True)
    assert "Đã nhập 1 giao dịch ghi có" in done.get_data(as_text=True)
    with dbs() as s:
        assert len(s.scalars(select(Payment).where(Payment.invoice_id == inv_id)).all()) == 1
        assert s.get(Invoice, inv_id).paid == due
    assert _count(dbs, BankTransaction, BankTransaction.school_id == world.a.school.id) == 3
