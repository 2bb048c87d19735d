"""An import's preview shows every line it will import, with the totals, before the accountant
confirms: a bank statement's credits and a card terminal's settlement lines (the previews had
cut them at 20 and 50)."""
from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook
from tests.sheets import saved


def test_the_statement_preview_lists_every_credit_and_their_total(world, client):
    credits = [(n, 100_000 + n * 1_000) for n in range(1, 46)]           # 45 parents paid
    rows = "".join(f"{5 + n // 10:02d}/09/2026 08:{n:02d},FT{n:04d},,\"{amount:,}\",Hoc phi em so {n}\n"
                   for n, amount in credits)
    csv = ("SAO KÊ TÀI KHOẢN,,,,\nSố tài khoản: 0071000123456,,,,\n"
           "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
           + rows + "15/09/2026 09:00,FT9999,50.000,,Phi dich vu\n").encode("utf-8")
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv), "saoke.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    preview = body[body.index('id="statement-preview"'):]
    shown = re.findall(r'<tr data-line="(\d+)">', preview)
    assert shown == [str(3 + n) for n, _ in credits]                    # every credit, in the file's order
    assert "Hoc phi em so 45" in preview and "145.000" in preview      # the last one too
    total = sum(a for _, a in credits)
    assert re.search(r'id="statement-total"><td colspan="2">Cộng 45 khoản ghi có</td><td class="text-end">'
                     + re.escape(f"{total:,}".replace(",", ".")), preview)
    assert 'id="confirm-statement"' in body


def test_the_settlement_preview_lists_every_line_and_the_totals(world, client):
    wb = Workbook()
    ws = wb.active
    ws.append(["BÁO CÁO THANH TOÁN GIAO DỊCH THẺ QUA POS"])
    ws.append([])
    ws.append(["STT", "TID", "Số thẻ", "Ngày giao dịch", "Giờ giao dịch", "Số tham chiếu (RRN)", "Số tiền giao dịch",
               "Phí MDR", "Số tiền thanh toán", "Ngày thanh toán"])
    amounts = [200_000 + n * 10_000 for n in range(60)]
    for n, amount in enumerate(amounts):
        fee = amount * 11 // 1000
        ws.append([n + 1, "POS00001", f"970436******{n:04d}", date(2025, 9, 15), f"09:{n:02d}:00",
                   f"5258{n:08d}", amount, fee, amount - fee, date(2025, 9, 16)])
    client.login("kt.a")
    body = client.post("/billing/settlements", {"file": (io.BytesIO(saved(wb)), "pos.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    preview = body[body.index('id="settlement-preview"'):]
    assert len(re.findall(r'<tr data-line="\d+">', preview)) == 60
    fees = sum(a * 11 // 1000 for a in amounts)
    money = [f"{v:,}".replace(",", ".") for v in (sum(amounts), fees, sum(amounts) - fees)]
    assert re.search(r'id="settlement-total"><td colspan="5">Cộng 60 giao dịch</td>'
                     + "".join(rf'<td class="text-end">{re.escape(m)}[^<]*</td>' for m in money), preview)


def test_an_amount_too_large_for_any_account_is_refused_on_its_line_in_the_preview(world, client):
    """A 20-digit credit was accepted by the preview and made confirming it a 500: every file
    amount (statements, provider reports, settlements) is bounded by the one reader."""
    from lms.billing.statements import FILE_AMOUNT_MAX, AmountRefused, parse_amount

    csv = ("Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả\n"
           "05/09/2026 08:00,FT0001,,\"700,000\",Hoc phi HSA001\n"
           "05/09/2026 08:01,FT0002,,99999999999999999999,Hoc phi HSA002\n").encode("utf-8")
    client.login("kt.a")
    page = client.post("/billing/statements", {"file": (io.BytesIO(csv), "saoke.csv")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 422, page.status_code
    assert "Số tiền “99999999999999999999” quá lớn" in body and 'id="confirm-statement"' not in body
    assert re.search(r"3[^<]*</td>\s*<td[^>]*>Số tiền ghi có", body) or ("Dòng 3" in body and "Số tiền ghi có" in body)
    assert parse_amount(str(FILE_AMOUNT_MAX)) == FILE_AMOUNT_MAX
    for refused in (str(FILE_AMOUNT_MAX + 1), 10**20, "1e30"):
        try:
            parse_amount(refused)
        except AmountRefused:
            continue
        raise AssertionError(refused)
