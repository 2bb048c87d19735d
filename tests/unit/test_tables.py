"""The one table reader and the one spreadsheet writer (lms/core/tables.py, lms/core/sheets.py)."""
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from lms.core.errors import ValidationError
from lms.core.sheets import to_bytes, write_workbook
from lms.core.tables import (Column, Layout, cell_text, phone_texts, read_table, to_amount, to_date, to_datetime,
                             to_decimal)
from tests.sheets import xlsx

SPEC = [Column("date", "Ngày giao dịch", ("Transaction date", "Ngày hạch toán"), required=True, anchor=True),
        Column("credit", "Số tiền ghi có", ("Ghi có", "Credit", "Có")),
        Column("content", "Nội dung", ("Mô tả", "Description"), text=True)]


def kinds(table):
    return {s.line: s.kind for s in table.skipped}


def test_header_below_a_title_block_bilingual_with_balances_totals_and_footer():
    data = xlsx([
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        ["Số tài khoản / Account number:", "0071000123456"],
        [],
        ["Số dư đầu kỳ/ Opening balance:", None, "12,000,000"],
        ["Ngày giao dịch\nTransaction date", "Số tiền ghi có / Credit", "Mô tả / Description", "Số dư / Balance"],
        ["01/09/2025", "1,500,000", "HD2509 NGUYEN VAN AN", "13,500,000"],
        ["02/09/2025", "2.000.000", "Tong cong hoc phi T9 em Binh", "15,500,000"],
        ["Tổng số / Total", "3,500,000", None, None],
        ["Số dư cuối kỳ/ Closing balance:", None, "15,500,000"],
        [None, None, "Hà Nội, ngày 30 tháng 09 năm 2025"],
        [None, None, "Người lập biểu"],
        [None, None, "Nguyễn Thị Lan"],
    ])
    table = read_table("vcb.xlsx", data, SPEC, max_rows=100)
    assert table.header_lines == (6,) and table.columns == {"date": 0, "credit": 1, "content": 2}
    assert [line.number for line in table.lines] == [7, 8]   # a memo that starts “Tong cong” is data
    assert table.unknown == ["Số dư / Balance (D)"]
    assert kinds(table) == {1: Layout.TITLE, 2: Layout.TITLE, 3: Layout.TITLE, 4: Layout.BLANK, 5: Layout.BALANCE,
                            9: Layout.TOTAL, 10: Layout.BALANCE, 11: Layout.FOOTER, 12: Layout.FOOTER,
                            13: Layout.FOOTER}
    assert to_amount(table.lines[1].get("credit")) == 2_000_000


def test_columns_are_named_as_the_file_names_them_and_a_chosen_mapping_decides_the_lines():
    data = xlsx([["SỔ PHỤ TÀI KHOẢN"],
                 ["Ngày hạch toán", "Thời gian giao dịch", "Số tiền ghi có\nCredit", "Mô tả", "Bài học\n(1)"],
                 ["01/09/2025", "01/09/2025 08:15", "1.250.000", "HD2509 NGUYEN VAN AN", ""],
                 [None, "01/09/2025 16:40", "500.000", "Nop tien ngay 1 thang 9 nam 2025", ""]])
    spec = SPEC + [Column("lesson", "Bài học")]
    proposed = read_table("sp.xlsx", data, spec, max_rows=10)
    assert proposed.headers[2] == "Số tiền ghi có / Credit" and proposed.headers[4] == "Bài học (1)"
    assert proposed.column_name("credit") == "Số tiền ghi có / Credit (C)"
    assert proposed.column_name("content") == "Mô tả (D)"
    assert proposed.unknown == ["Thời gian giao dịch (B)"]
    # By the proposed date column the second line has none, and its memo reads like a signature line.
    assert [line.number for line in proposed.lines] == [3] and kinds(proposed)[4] == Layout.FOOTER
    chosen = read_table("sp.xlsx", data, spec, max_rows=10, mapping={"date": 1, "credit": 2, "content": 3, "x": 9,
                                                                    "lesson": 40})
    assert chosen.columns == {"date": 1, "credit": 2, "content": 3}
    assert [line.number for line in chosen.lines] == [3, 4]
    assert chosen.unknown == ["Ngày hạch toán (A)", "Bài học (1) (E)"]
    assert chosen.column_name("date") == "Thời gian giao dịch (B)" and chosen.column_name("lesson") == "Bài học"


def test_two_row_header_under_a_merged_group_chapter_headings_and_column_numbers():
    spec = [Column("code", "Mã học sinh", required=True, anchor=True), Column("name", "Họ và tên", ("Họ tên",)),
            Column("father", "Họ tên cha"), Column("father_phone", "Số điện thoại cha", ("Điện thoại cha",)),
            Column("mother", "Họ tên mẹ")]
    data = xlsx([["DANH SÁCH HỌC SINH LỚP 6A1"],
                 ["Mã học sinh", "Họ và tên", "Thông tin cha", None, "Thông tin mẹ"],
                 [None, None, "Họ tên", "Điện thoại", "Họ tên"],
                 ["(1)", "(2)", "(3)", "(4)", "(5)"],
                 ["PHẦN I. HỌC SINH CŨ"],
                 ["HS1", "Lê An", "Lê Bình", "0912 345 678", "Trần Cúc"]],
                merges=["A1:E1", "A2:A3", "B2:B3", "C2:D2", "A5:E5"])
    table = read_table("ds.xlsx", data, spec, max_rows=10)
    assert table.header_lines == (2, 3)
    assert table.columns == {"code": 0, "name": 1, "father": 2, "father_phone": 3, "mother": 4}
    assert kinds(table) == {1: Layout.TITLE, 4: Layout.NUMBERS, 5: Layout.HEADING}
    assert [line.text("father_phone") for line in table.lines] == ["0912 345 678"]


def test_the_sheet_with_the_table_is_found_among_others_and_named():
    data = xlsx([["Hướng dẫn điền"]], sheets={"DAN_TOC": [["Mã", "Tên dân tộc"], [1, "Kinh"]],
                                              "Sheet1": [["Ngày giao dịch", "Ghi có"], ["01/09/2025", 5]]})
    table = read_table("a.xlsx", data, SPEC, max_rows=5)
    assert table.sheet == "Sheet1" and "DAN_TOC" in table.other_sheets and len(table.lines) == 1


def test_a_required_column_missing_is_reported_not_raised():
    table = read_table("a.csv", "Ngày sinh;Họ tên\n01/02/2013;An\n".encode(), SPEC, max_rows=5)
    assert table.missing == ["Ngày giao dịch"]


def test_csv_encodings_and_separators():
    text = "Ngày giao dịch;Ghi có;Nội dung\n01/09/2025;1.250.000;Học phí Đỗ Thị Ưng\n"
    for data in (text.encode("utf-8-sig"), text.encode("utf-16"), text.encode("utf-16-le"),
                 ("sep=;\n" + text).encode()):
        table = read_table("a.csv", data, SPEC, max_rows=5)
        assert table.lines[0].text("content") == "Học phí Đỗ Thị Ưng"
    from tests.sheets import to_cp1258

    windows = to_cp1258(text)  # what Excel writes on Vietnamese Windows: tone marks as combining characters
    assert read_table("a.csv", windows, SPEC, max_rows=5).lines[0].text("content") == "Học phí Đỗ Thị Ưng"


def test_old_xls_and_html_saved_as_xls():
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sao ke")
    sheet.write_merge(0, 0, 0, 2, "SAO KÊ TÀI KHOẢN")
    for c, h in enumerate(["Ngày giao dịch", "Ghi có", "Nội dung"]):
        sheet.write(2, c, h)
    sheet.write(3, 0, datetime(2025, 9, 1), xlwt.easyxf(num_format_str="dd/mm/yyyy"))
    sheet.write(3, 1, 1500000)
    sheet.write(3, 2, "HD1")
    buf = io.BytesIO()
    book.save(buf)
    table = read_table("cu.xls", buf.getvalue(), SPEC, max_rows=5)
    assert table.header_lines == (3,) and to_date(table.lines[0].get("date")) == date(2025, 9, 1)
    assert table.lines[0].get("credit") == 1500000
    page = ('<html><meta charset="utf-8"><table><tr><td colspan="3">SAO KÊ</td></tr>'
            '<tr><th>Ngày giao dịch</th><th>Ghi có</th><th>Nội dung</th></tr>'
            '<tr><td>01/09/2025</td><td>1,500,000</td><td>HD1 &amp; HD2<br>em An</td></tr></table></html>')
    table = read_table("portal.xls", page.encode(), SPEC, max_rows=5)
    assert table.header_lines == (2,) and table.lines[0].text("content") == "HD1 & HD2 em An"


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04garbage", "bị hỏng"),
    (b"%PDF-1.4 whatever", "không phải bảng tính"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    (b"", "rỗng"),
])
def test_hostile_or_wrong_files_get_a_sentence(data, words):
    with pytest.raises(ValidationError) as err:
        read_table("x.xlsx", data, SPEC, max_rows=5)
    assert words in str(err.value.message)


def test_zip_bomb_word_file_and_macros_are_refused_before_opening():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(ValidationError) as err:
        read_table("bomb.xlsx", bomb.getvalue(), SPEC, max_rows=5)
    assert "bất thường" in str(err.value.message)
    word = io.BytesIO()
    with zipfile.ZipFile(word, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(ValidationError) as err:
        read_table("ds.xlsx", word.getvalue(), SPEC, max_rows=5)
    assert "Word" in str(err.value.message)


def test_too_many_data_lines_is_a_clear_refusal():
    rows = [["Ngày giao dịch", "Ghi có"]] + [["01/09/2025", n] for n in range(12)]
    with pytest.raises(ValidationError) as err:
        read_table("a.xlsx", xlsx(rows), SPEC, max_rows=10)
    assert "10" in str(err.value.message)


def test_cell_values_as_vietnamese_files_hold_them():
    assert to_date("05/09/2013") == date(2013, 9, 5)
    assert to_date(41522) == date(2013, 9, 5)          # an Excel serial in a number cell
    assert to_date("41522") == date(2013, 9, 5)        # …or exported as text
    assert to_date("2013-09-05") == date(2013, 9, 5) and to_date("5.9.2013") == date(2013, 9, 5)
    assert to_datetime("01/09/2025 08:15:22") == datetime(2025, 9, 1, 8, 15, 22)
    assert to_date(None) is None
    with pytest.raises(ValueError):
        to_date("31/02/2014")
    assert to_amount("1.250.000") == 1_250_000 and to_amount("1,250,000.00") == 1_250_000
    assert to_amount("1 250 000 đ") == 1_250_000 and to_amount(1250000.0) == 1_250_000
    with pytest.raises(ValueError):
        to_amount("1.250.000,50")                      # money is whole đồng
    assert to_decimal("1.250.000,50") == Decimal("1250000.50") and to_decimal("6,5") == Decimal("6.5")
    assert to_decimal(8.5) == Decimal("8.5")
    assert phone_texts("0912 345 678") == ["0912 345 678"]
    assert phone_texts("0912.345.678 - 0987654321") == ["0912.345.678", "0987654321"]
    assert phone_texts(912345678) == ["912345678"]      # Excel dropped the leading zero
    assert cell_text(5.0) == "5" and cell_text(datetime(2025, 9, 1)) == "01/09/2025"


# ---------------------------------------------------------------- the writer

def test_the_writer_neutralises_formulas_and_keeps_numbers():
    risky = ["=HYPERLINK(\"http://x\",\"bấm\")", "+84912345678", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "Bình thường"]
    data = write_workbook("T", ["Ghi chú", "Điểm", "Tiền"], [[text, 8.5, 1_250_000] for text in risky])
    ws = load_workbook(io.BytesIO(data)).active
    for row, text in zip(ws.iter_rows(min_row=2), risky):
        assert row[0].value == text and row[0].data_type == "s"            # as typed, never a formula
        assert row[0].quotePrefix == text.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row[1].value == 8.5 and row[1].data_type == "n" and row[2].value == 1_250_000
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_a_workbook_built_by_hand_is_neutralised_when_saved():
    wb = Workbook()
    wb.active.append(["=1+1", Decimal("6.5"), -3])
    ws = load_workbook(io.BytesIO(to_bytes(wb))).active
    assert (ws["A1"].value, ws["A1"].data_type, ws["B1"].value, ws["C1"].value) == ("=1+1", "s", 6.5, -3)


def test_every_export_goes_through_the_one_writer():
    """No module outside lms/core builds or saves a workbook itself (so none can skip neutralising)."""
    root = Path(__file__).resolve().parents[2] / "lms"
    offenders = []
    for path in root.rglob("*.py"):
        if path.parent.name == "core" and path.name in ("sheets.py", "tables.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl import Workbook" in text or "load_workbook" in text or "csv.writer" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_column_the_user_sees_wins_its_name_over_a_hidden_one_in_xls_too():
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Toán 6A1")
    for row, values in enumerate([["STT", "Mã HS", "Họ và tên", "TX1", "TX1", "GK"], [1, "HSA001", "An", 5, 8, 7]]):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    sheet.col(3).hidden = True
    buf = io.BytesIO()
    book.save(buf)
    spec = [Column("code", "Mã HS", (), required=True, anchor=True), Column("tx1", "TX1"), Column("gk1", "GK")]
    table = read_table("so-diem.xls", buf.getvalue(), spec, max_rows=10)
    assert table.columns == {"code": 1, "tx1": 4, "gk1": 5}
    assert table.unknown == ["STT (A)", "Họ và tên (C)", "TX1 (D, cột ẩn)"]
    assert table.lines[0].get("tx1") == 8


def test_excel_unicode_text_with_a_title_above_the_header_is_split_on_its_tabs():
    """Excel's "Unicode Text" (UTF-16, tabs) of a class list with its title and a blank line above
    the header: the sniffer gives up, and the separator is the one that splits the lines alike."""
    text = ("DANH SÁCH HỌC SINH LỚP 6A1\t\t\t\n\nMã học sinh\tHọ và tên\tNgày sinh\tLớp\n"
            "HS01\tNguyễn Văn An\t05/09/2014\t6A1\nHS02\tTrần Thị Bình, con bà Lan\t12/03/2014\t6A1\n")
    spec = [Column("code", "Mã học sinh", (), required=True, anchor=True), Column("name", "Họ và tên", (), text=True)]
    table = read_table("ds.txt", b"\xff\xfe" + text.encode("utf-16-le"), spec, max_rows=10)
    assert table.header_lines == (3,)
    assert [(line.number, line.text("name")) for line in table.lines] == [(4, "Nguyễn Văn An"),
                                                                          (5, "Trần Thị Bình, con bà Lan")]


def test_a_portals_html_xls_counts_the_text_above_its_table_as_excel_shows_it():
    page = """<html><head><meta charset="utf-8"><title>Sao kê</title><style>td{}</style></head><body>
    <h3>SAO KÊ TÀI KHOẢN</h3><p>Số tài khoản: 0071000123456</p>
    <table><tr><th>Ngày giao dịch</th><th>Số tiền ghi có</th><th>Nội dung</th></tr>
    <tr><td>01/09/2025</td><td>1.250.000</td><td>HD2509 NGUYEN VAN AN</td></tr>
    <tr><td>02/09/2025</td><td>85O.000</td><td>HD2509 TRAN THI BINH</td></tr></table></body></html>"""
    table = read_table("SaoKe.xls", page.encode(), SPEC, max_rows=10)
    assert table.header_lines == (3,) and [line.number for line in table.lines] == [4, 5]
    assert kinds(table) == {1: Layout.TITLE, 2: Layout.TITLE}


def _class_list_rows():
    return [["DANH SÁCH HỌC SINH LỚP 6A3"], [], ["Mã HS", "Họ và tên", "Ngày sinh"],
            ["HS01", "Nguyễn Văn An", "05/09/2014"], ["HS02", "Lê Thị Bình (đã chuyển trường)", "12/03/2014"],
            ["HS03", "Trần Minh Châu", "01/01/2014"]]


CLASS_LIST_SPEC = [Column("code", "Mã HS", (), required=True, anchor=True), Column("name", "Họ và tên", (), text=True)]


def test_a_row_hidden_in_excel_is_not_imported_and_the_preview_names_it():
    """A homeroom teacher hides the row of a pupil who left rather than delete it: what the user
    sees is what is imported, and the hidden row is listed as skipped, by its line, with why."""
    wb = Workbook()
    for row in _class_list_rows():
        wb.active.append(row)
    wb.active.row_dimensions[5].hidden = True
    table = read_table("ds-6a3.xlsx", to_bytes(wb), CLASS_LIST_SPEC, max_rows=10)
    assert [line.number for line in table.lines] == [4, 6]
    hidden = [s for s in table.skipped if s.kind == Layout.HIDDEN]
    assert [(s.line, s.text) for s in hidden] == [(5, "HS02 · Lê Thị Bình (đã chuyển trường) · 12/03/2014")]
    assert "dòng ẩn" in hidden[0].reason


def test_a_row_hidden_in_an_xls_file_is_not_imported_either():
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("6A3")
    for r, values in enumerate(_class_list_rows()):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    sheet.row(4).hidden = True
    buf = io.BytesIO()
    book.save(buf)
    table = read_table("ds-6a3.xls", buf.getvalue(), CLASS_LIST_SPEC, max_rows=10)
    assert [line.number for line in table.lines] == [4, 6]
    assert [s.line for s in table.skipped if s.kind == Layout.HIDDEN] == [5]


def test_the_opening_balance_under_the_header_is_never_a_second_header_row():
    """BIDV's statement saved by Excel as "Unicode Text": the opening-balance line sits right under
    the header. A line holding a balance word or an amount is never a header line: the header is the
    one row, and the balance line is skipped as the opening balance."""
    rows = [["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM", "", "", "", "", "", ""],
            ["SAO KÊ TÀI KHOẢN", "", "", "", "", "", ""],
            ["Số tài khoản: 74010000123456", "", "", "Loại tiền: VND", "", "", ""],
            ["", "", "", "", "", "", ""],
            ["STT", "Ngày giao dịch", "Số tham chiếu", "Ghi nợ", "Ghi có", "Số dư", "Nội dung giao dịch"],
            ["Số dư đầu kỳ", "", "", "", "", "118.000.000", ""],
            ["1", "03/12/2026 08:12:40", "BIDVU16A0000001", "", "770.000", "118.770.000",
             "HP0001000394V Lê Thành Việt nộp tiền ăn tháng 12"],
            ["Cộng phát sinh", "", "", "50.000", "1.540.000", "", ""]]
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    for data in (b"\xff\xfe" + text.encode("utf-16-le"), text.encode("utf-8")):
        table = read_table("saoke.txt", data, SPEC, max_rows=10)
        assert table.header_lines == (5,)
        assert "STT (A)" in table.unknown and not any("118.000.000" in u for u in table.unknown)
        assert kinds(table)[6] == Layout.BALANCE
        assert [line.number for line in table.lines] == [7] and table.lines[0].get("credit") == "770.000"


def test_a_csv_that_lost_its_vietnamese_letters_is_named_with_how_to_save_it_again():
    """Excel on a non-Vietnamese Windows saves "CSV" in Windows-1252, replacing every letter it lacks
    with "?" ("Ngày giao d?ch"): the file is refused saying so and how to export it again, instead of
    a mangled header. A Windows-1258 file and a memo with a question mark are read as before."""
    text = ("SAO KÊ TÀI KHOẢN,,,,\r\nSố tài khoản: 74010000123456,,,,\r\n"
            "Từ ngày 06/12/2026 đến ngày 06/12/2026,,,,\r\n,,,,\r\n"
            "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Nội dung giao dịch\r\n"
            "06/12/2026 09:15:00,FT26340CP1252A1,,\"770,000\",HP00010003880 TRAN HUU TRI NOP TIEN AN T12\r\n")
    with pytest.raises(ValidationError) as caught:
        read_table("saoke.csv", text.encode("cp1252", errors="replace"), SPEC, max_rows=10)
    message = str(caught.value.message)
    assert "“saoke.csv”" in message and "“?”" in message and "CSV UTF-8" in message and ".xlsx" in message
    assert "d?ch" in message or "KHO?N" in message or "S?" in message
    memo = "Ngày giao dịch,Số tiền ghi có,Nội dung\r\n06/12/2026,770.000,Tien an thang 12? con Tri lop 6A1\r\n"
    assert len(read_table("ok.csv", memo.encode("utf-8"), SPEC, max_rows=10).lines) == 1


def test_a_heading_typed_alone_in_an_anchor_column_is_a_heading_by_its_words():
    spec = [Column("week", "Tuần", anchor=True), Column("lesson", "Bài học", required=True, text=True),
            Column("periods", "Số tiết")]
    data = xlsx([["KẾ HOẠCH DẠY HỌC MÔN TOÁN 6"], [],
                 ["Tuần", "Bài học", "Số tiết"],
                 ["HỌC KỲ II"],
                 ["Chương 2: Số nguyên"],
                 [19, "Bài 1. Số nguyên âm", 2],
                 ["Lớp 6A1"],
                 [20, "Bài 2. Thứ tự", 1]])
    table = read_table("kh.xlsx", data, spec, max_rows=10)
    assert {n: k for n, k in kinds(table).items() if n > 3} == {4: Layout.HEADING, 5: Layout.HEADING,
                                                                7: Layout.HEADING}
    assert [line.number for line in table.lines] == [6, 8]
    assert table.lines[0].headings == ("HỌC KỲ II", "Chương 2: Số nguyên")


@pytest.mark.parametrize("text", [
    "sep=;\r\nDANH SÁCH H?C SINH L?P 9A1\r\nSTT;Mă h?c sinh;H? và tên;Ngày sinh\r\n1;8910009901;Phan Nh?t H?o;03/04/2012\r\n",
    "SAO KÊ TÀI KHO?N\r\nNgày giao d?ch,S? tham chi?u,N?i dung,Ghi n?,Ghi có\r\n06/12/2026,FT9,HP1,,770000\r\n"])
def test_single_lost_letters_inside_header_words_are_recognised(text):
    """Each lost letter a single "?" inside a word ("h?c", "d?ch") — what Excel's Windows-1252 CSV gives."""
    with pytest.raises(ValidationError) as err:
        read_table("x.csv", text.encode("cp1258", errors="replace"), SPEC, max_rows=10)
    assert "CSV UTF-8" in str(err.value.message if hasattr(err.value, "message") else err.value)
