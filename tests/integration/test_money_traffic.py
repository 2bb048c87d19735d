"""Real bank traffic an outside tester sent (issue #27, second round), each case failing before its
fix: a statement of another account paid the school's invoices; statement lines and feed credits
dated years away became payments opening other years' receipt series; feed credits naming no
receiving account were applied; a payOS payment to a link the school never created waited in the
queue without a reason."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankTransaction, Invoice, Payment, Receipt
from tests.billing_helpers import once_key
from tests.integration.test_money_once import _post_sepay, _sepay_body, _setup


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _preview(client, text: str, name: str = "SaoKe.csv"):
    client.login("kt.a")
    return client.post("/billing/statements", {"file": (io.BytesIO(text.encode("utf-8-sig")), name)},
                       content_type="multipart/form-data")


def _confirm(client, page, **extra):
    body = page.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S))
    return client.post("/billing/statements", {"token": token, **mapping, "confirm": "1", **extra})


def _count(dbs, model, *where) -> int:
    with dbs() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def techcombank(account: str, lines: list[tuple[str, str, int, str]]) -> str:
    """A Techcombank CSV export as the portal writes it: title block with the account, comma
    thousands, totals and closing balance rows."""
    rows = "".join(f'{day},{ref},{memo},,"{amount:,}","{10_000_000 + amount:,}"\n' for day, ref, amount, memo in lines)
    return ("NGÂN HÀNG TMCP KỸ THƯƠNG VIỆT NAM (TECHCOMBANK)\nSAO KÊ TÀI KHOẢN\n"
            f"Số tài khoản: {account}\nTên tài khoản: CONG TY TNHH AN PHAT\n"
            "Từ ngày: 01/09/2026 Đến ngày: 07/09/2026\nSố dư đầu kỳ: 10,000,000\n"
            "Ngày giao dịch,Mã giao dịch,Diễn giải,Nợ,Có,Số dư\n" + rows +
            f'Tổng cộng,,,0,"{sum(x[2] for x in lines):,}",\n')


def test_a_statement_of_another_account_is_refused_naming_both_accounts(world, client, dbs):
    invoices = _setup(dbs, world, client)
    _id, code, due = invoices["HSA001"]
    other = techcombank("19036789012344", [("05/09/2026", "FT26341TCB0001", due, f"{code} Dinh Thanh Lan 6A1")])
    page = _preview(client, other)
    body = _squash(page.get_data(as_text=True))
    assert page.status_code == 422 and 'name="confirm"' not in page.get_data(as_text=True)
    assert ("Sao kê này là của tài khoản 19036789012344, không phải tài khoản thu của trường (0071000123456)"
            in body), body[:3000]
    # Confirming anyway (a replayed form) records nothing.
    assert _confirm(client, page).status_code == 422
    assert _count(dbs, BankTransaction) == 0 and _count(dbs, Payment) == 0
    # The school's own account, however the bank spaces it, is read and imported.
    ours = techcombank("0071 0001 23456", [("05/09/2026", "FT26341TCB0001", due, f"{code} Dinh Thanh Lan 6A1")])
    page = _preview(client, ours)
    assert page.status_code == 200 and "Sao kê của tài khoản 0071000123456" in _squash(page.get_data(as_text=True))
    assert _confirm(client, page).status_code == 302
    with dbs() as s:
        assert s.scalars(select(BankTransaction)).one().account_number == "0071000123456"
        assert s.scalars(select(Payment)).one().amount == due


def test_a_statement_naming_no_account_is_imported_once_the_accountant_confirms_it_is_the_schools(world, client, dbs):
    invoices = _setup(dbs, world, client)
    _id, code, due = invoices["HSA001"]
    plain = ("Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
             f"05/09/2026 08:15,FT26248000001,\"{due:,}\",{code} nop hoc phi\n")
    page = _preview(client, plain)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="account_confirmed"' in body
    assert "Tôi xác nhận đây là sao kê của tài khoản thu của trường: 0071000123456" in _squash(body)
    refused = _confirm(client, page)
    assert refused.status_code == 422
    assert "đánh dấu ô xác nhận đây là sao kê của tài khoản thu của trường (0071000123456)" in _squash(
        refused.get_data(as_text=True))
    assert _count(dbs, BankTransaction) == 0
    assert _confirm(client, page, account_confirmed="1").status_code == 302
    with dbs() as s:
        assert s.scalars(select(BankTransaction)).one().account_number == "0071000123456"
        assert s.scalars(select(Payment)).one().amount == due


def test_statement_lines_dated_years_away_are_refused_by_line(world, client, dbs):
    invoices = _setup(dbs, world, client)
    (_a, code_a, due_a), (_b, code_b, due_b) = invoices["HSA001"], invoices["HSA002"]
    bidv = ("SAO KÊ TÀI KHOẢN BIDV\nSố tài khoản: 0071000123456\n"
            "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả giao dịch\n"
            f"07/12/2027,BAD006,,\"{due_a:,}\",{code_a} Tran Gia Hoang\n"
            f"01/01/1990,BAD007,,\"{due_b:,}\",{code_b} Phan Hoang Hoang\n"
            "05/09/2026,GOOD01,,\"150,000\",ung ho quy lop\n")
    page = _preview(client, bidv)
    body = _squash(page.get_data(as_text=True).split('id="statement-problems"')[1])
    assert page.status_code == 422
    assert "4 Ngày giao dịch (A) Ngày giao dịch không hợp lệ: 07/12/2027 00:00 là sau lúc này" in body, body[:2000]
    assert "5 Ngày giao dịch (A) Ngày giao dịch không hợp lệ: 01/01/1990 00:00 là hơn hai năm trước" in body
    assert _confirm(client, page).status_code == 422
    assert _count(dbs, BankTransaction) == 0 and _count(dbs, Receipt) == 0


def test_feed_credits_dated_away_or_naming_no_account_wait_in_the_queue_with_the_reason(world, client, make_client,
                                                                                      dbs):
    invoices = _setup(dbs, world, client)
    bank = make_client()
    (_a, code_a, due_a), (_b, code_b, due_b), (_c, code_c, due_c) = (invoices["HSA001"], invoices["HSA002"],
                                                                   invoices["HSA003"])
    future = _sepay_body(2700030, due_a, f"{code_a} Tran Gia Hoang", "FT31341000001", when="2031-12-07 10:00:00")
    no_account = _sepay_body(2700015, due_b, f"{code_b} Vu Huu Phat", "FT26341000015", account=None)
    early = _sepay_body(2700016, due_c, f"{code_c} Le Van Em", "FT26341000016", when="2026-08-20 10:00:00")
    for body in (future, no_account, early):
        assert _post_sepay(bank, body).status_code == 200   # never refused: logged, queued
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0
        notes = {r.provider_txn_id: r.note for r in s.scalars(select(BankTransaction))}
        assert all(s.get(Invoice, i).paid == 0 for i in (_a, _b, _c))
    assert "07/12/2031 10:00 là sau lúc này" in notes["2700030"]
    assert notes["2700015"].startswith("Nguồn báo không ghi tài khoản nhận tiền")
    assert f"Hoá đơn {code_c}: 20/08/2026 10:00 là trước lúc phát hành hoá đơn" in notes["2700016"]
    queue = _squash(client.get("/billing/transfers").get_data(as_text=True))
    assert "Nguồn báo không ghi tài khoản nhận tiền" in queue and "là sau lúc này" in queue
    # The accountant, who knows the parent paid before the invoice was issued, assigns it by hand.
    with dbs() as s:
        row_id = s.scalars(select(BankTransaction.id).where(BankTransaction.provider_txn_id == "2700016")).one()
    form = {"invoice_code": code_c, "key": once_key(client, "/billing/transfers", "assign")}
    assert client.post(f"/billing/transfers/{row_id}/assign", form).status_code == 302
    assert _count(dbs, Payment) == 1


def test_a_card_payment_is_accepted_only_on_one_of_the_schools_own_terminals(world, client, dbs):
    """THPT's terminal LX000702 (another school's) or LX000601 (nobody's) was accepted on THCS's
    invoice: the payment could never be settled by the school's bank report."""
    from tests.integration.test_billing import _issued, _pay

    ids = _issued(dbs, world)
    client.login("kt.a")
    invoice_id = ids["HSA001"]
    page = _squash(client.get(f"/billing/invoices/{invoice_id}").get_data(as_text=True))
    assert "Máy của trường: 12345678, ND000501, TID00001." in page
    with dbs() as s:       # another school's terminal, declared on its channels page
        from lms.billing.models import ChannelSetting

        s.add(ChannelSetting(school_id=world.b.school.id, channel="pos", enabled=True, counts_as="card_pos",
                             public={"terminal_ids": "LX000702", "mode": "sandbox", "sandbox": True}, secret=""))
        s.commit()
    card = {"method": "card_pos", "amount": "50.000", "approval_code": "654321", "card_last4": "9999",
            "card_scheme": "NAPAS"}
    for tid in ("LX000702", "LX000601"):
        refused = _pay(client, invoice_id, terminal_id=tid, rrn="634112340077", **card)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert re.search(rf'id="terminal_id-error"[^>]*>\s*Máy POS {tid} không phải máy của trường. Máy của trường: '
                         r'12345678, ND000501, TID00001.', body), body[:200]
    assert _count(dbs, Payment) == 0
    assert _pay(client, invoice_id, terminal_id="nd000501", rrn="634112340077", **card).status_code == 302
    assert _count(dbs, Payment) == 1


def test_a_bank_account_number_is_data_and_a_card_number_is_refused_in_a_payment_note(world, client, dbs):
    """Vietcombank's 0071000123456 (13 digits, passes Luhn) was refused as a card number in the
    cash payment's note (and every free-text field: one detector, lms.core.cards)."""
    from tests.integration.test_billing import _issued, _pay

    ids = _issued(dbs, world)
    client.login("kt.a")
    invoice_id = ids["HSA001"]
    card = _pay(client, invoice_id, note="the cua PH 5500 0055 5555 5559")
    assert card.status_code == 422 and "giống số thẻ ngân hàng đầy đủ" in card.get_data(as_text=True)
    note = "PH chuyen lai tu TK Vietcombank 0071000123456, nop tien mat phan con lai"
    assert _pay(client, invoice_id, note=note).status_code == 302
    with dbs() as s:
        assert s.scalars(select(Payment)).one().note == note


def test_an_exemption_amount_too_large_is_refused_on_the_amount_saying_the_maximum(world, client, dbs):
    from lms.billing.models import Exemption
    from tests.integration.test_billing import _issued

    _issued(dbs, world)
    client.login("kt.a")
    form = {"student_code": "HSA001", "fee_type_id": "0", "percent": "0", "amount": "9.999.999.999.999",
            "valid_from": "2026-09-01", "valid_to": "2027-05-31", "reason": "Hộ cận nghèo"}
    page = client.post("/billing/exemptions", form)
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r'id="amount-error"[^>]*>\s*Số tiền giảm phải lớn hơn 0 và không quá 499.999.999 đồng', body), \
        _squash(body.split("<main")[-1])[:1500]
    assert _count(dbs, Exemption) == 0


def test_an_announcement_refusal_names_the_title_or_the_body(world, make_client, dbs):
    """A card number in an announcement was refused with "this field" only, not saying which."""
    from lms.courses.models import Announcement

    client = make_client()
    client.login("gv.a")
    url = f"/courses/{world.a.course.id}/announcements"
    for form, named in (({"title": "Thẻ 5500.0055.5555.5559", "body": "Nộp tiền"}, "Tiêu đề"),
                        ({"title": "Học phí", "body": "Thẻ 4111\u00a01111\u00a01111\u00a01111"}, "Nội dung")):
        page = _squash(client.post(url, {"course_id": "0", **form}, follow_redirects=True).get_data(as_text=True))
        assert f"{named}: Ô này có một dãy số giống số thẻ ngân hàng đầy đủ." in page, named
    with dbs() as s:
        assert not [a for a in s.scalars(select(Announcement)) if "5559" in a.title or "1111" in a.body]


def test_a_channel_setting_refusal_says_what_the_field_takes(world, client):
    """A lowercase VNPay merchant code got only 'Ô “Mã website (vnp_TmnCode)” chưa đúng.'."""
    client.login("admin.a")
    page = client.post("/billing/channels/vnpay", {"tmn_code": "nguyendu", "hash_secret": "BIMAT-A-0123456789",
                                                   "enabled": "y", "mode": "sandbox"}, follow_redirects=True)
    assert ("Ô “Mã website (vnp_TmnCode)” chưa đúng: đúng 8 chữ in hoa hoặc chữ số, như VNPay cấp (ví dụ NGUYENDU)."
            in _squash(page.get_data(as_text=True)))


def test_the_i_paid_form_offers_only_the_schools_own_channels(app, world, dbs, make_client):
    """THPT's form offered MoMo and Mobile Money, which that school does not have."""
    from tests.integration.test_paid_reports import _report, _setup as paid_setup

    (invoice_id, _code, due), parent, _accountant = paid_setup(app, world, dbs, make_client)
    page = parent.get(f"/fees/invoices/{invoice_id}/report-paid").get_data(as_text=True)
    offered = re.findall(r'<option value="(\w+)"', page.split('name="channel"')[1].split("</select>")[0])
    assert offered == ["transfer", "card", "cash"]          # no gateway configured; its terminal declared
    refused = _report(parent, invoice_id, channel="momo", amount=f"{due:,}".replace(",", "."))
    assert refused.status_code == 422
