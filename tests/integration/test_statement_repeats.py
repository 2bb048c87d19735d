"""A statement that lists one credit twice (the same bank reference, time and amount — a portal's
export repeating the last line of a page at the top of the next) is previewed as it will be
imported: the repeated line is named as a repeat of the line above and counted once, and the
confirmation says nothing was "already recorded" (it said "1 đã có từ trước nên bỏ qua" of a
line of the very file it was importing, after a preview that had counted it as a credit)."""
import io
import re

from sqlalchemy import func, select

from lms.billing.models import BankTransaction
from lms.core.numbers import money
from tests.integration.test_money_once import _setup


def _preview(client, csv: str):
    return client.post("/billing/statements", {"file": (io.BytesIO(csv.encode("utf-8-sig")), "SaoKe_0071000123456.csv")},
                       content_type="multipart/form-data")


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_credit_listed_twice_is_previewed_and_imported_once(world, client, dbs):
    invoices = _setup(dbs, world, client)
    _id, code, due = invoices["HSA001"]
    csv = ("NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM\nSAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT\n"
           "Số tài khoản/ Account number: 0071000123456\n\n"
           "Ngày giao dịch/ Transaction date,Số tham chiếu/ Reference No.,Số tiền ghi nợ/ Debit,"
           "Số tiền ghi có/ Credit,Nội dung chi tiết/ Transactions in detail\n"
           f"05/09/2026 08:15:22,5248 - 81234,,\"{due:,}\",MBVCB.6123.{code} NGUYEN THI LAN NOP HP\n"
           f"05/09/2026 08:15:22,5248 - 81234,,\"{due:,}\",MBVCB.6123.{code} NGUYEN THI LAN NOP HP\n"
           "06/09/2026 09:00:10,5249 - 10022,,\"500,000\",IBFT UNG HO QUY LOP 6A1\n"
           "06/09/2026 10:30:00,5249 - 10023,\"20,000\",,PHI DUY TRI TAI KHOAN\n"
           f"Tổng số/ Total,,\"20,000\",\"{due + 500_000:,}\",\n")
    client.login("kt.a")
    page = _preview(client, csv)
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:3000]
    summary = _squash(body.split('id="statement-summary"')[1].split("</p>")[0])
    assert f"2 khoản ghi có, tổng {money(due + 500_000)} ₫" in summary
    repeats = _squash(body.split('id="statement-repeats"')[1].split("</p>")[0])
    assert "dòng 7 lặp lại dòng 6 (5248 - 81234)" in repeats
    assert re.findall(r'<tr data-line="(\d+)"', body.split('id="statement-preview"')[1]) == ["6", "8"]

    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    mapping = dict(re.findall(r'<select[^>]*name="(col_\w+)"[^>]*>.*?<option value="(\d+)" selected', body, re.S))
    done = _squash(client.post("/billing/statements", {"token": token, **mapping, "confirm": "1"},
                               follow_redirects=True).get_data(as_text=True))
    assert "Đã nhập 2 giao dịch ghi có: 1 khớp hoá đơn tự động, 1 chờ gán tay; 0 đã có từ trước nên bỏ qua." in done
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(BankTransaction)) == 2


def test_one_reference_with_two_amounts_is_refused_on_its_line(world, client, dbs):
    _setup(dbs, world, client)
    csv = ("Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
           "05/09/2026 08:15,FT26248000001,1.500.000,HP00010000017 nop hoc phi\n"
           "05/09/2026 08:15,FT26248000001,150.000,HP00010000017 nop hoc phi\n")
    client.login("kt.a")
    page = _preview(client, csv)
    assert page.status_code == 422
    problems = _squash(page.get_data(as_text=True).split('id="statement-problems"')[1])
    assert "3" in problems and "Số tham chiếu “FT26248000001” đã có ở dòng 2" in problems
