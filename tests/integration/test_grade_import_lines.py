"""A grade-book upload lists every refused cell of every line — a line with an unknown code or a
pupil twice still has its marks checked — and a formula saved without its value (a sheet written
by a school system or a script, never opened in Excel) is refused on its line naming the cell,
never read as an empty cell; a formula Excel computed is read as its value."""
from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

from lms.core import tables
from tests.sheets import saved


def _teachers_sheet() -> bytes:
    """A teacher's own sheet: the school's title block, the header, the pupils, an average column
    of formulas (pre-filled down two empty lines too) and the signature footer."""
    wb = Workbook()
    ws = wb.active
    ws.append(["TRƯỜNG THCS THỬ A"])
    ws.append(["SỔ ĐIỂM MÔN TOÁN - LỚP 6A1 - HỌC KỲ I"])
    ws.append([])
    ws.append(["STT", "Mã học sinh", "Họ và tên", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk", "ĐĐGck",
               "ĐTBmhk"])
    ws.append([1, "HSA001", "Nguyễn Văn An", "=AVERAGE(7,8)", 8, None, None, 7, 8, "=AVERAGE(D5:I5)"])
    ws.append([2, "KHONGCO", "Người Lạ", 12, None, None, None, None, None, "=AVERAGE(D6:I6)"])
    ws.append([3, "HSA001", "Nguyễn Văn An", None, None, None, None, "abc", None, "=AVERAGE(D7:I7)"])
    ws.append([4, "HSA003", "Trần Minh Châu", 9, "11", None, None, None, None, "=AVERAGE(D8:I8)"])
    ws.append([None, None, None, None, None, None, None, None, None, "=AVERAGE(D9:I9)"])
    ws.append([None, None, None, None, None, None, None, None, None, "=AVERAGE(D10:I10)"])
    ws.append(["", "", "", "", "", "", "Long Xuyên, ngày 20 tháng 12 năm 2026"])
    ws.append(["", "", "Giáo viên bộ môn (Ký, ghi rõ họ tên)"])
    return saved(wb)


def test_every_bad_cell_of_every_line_is_listed(world, client):
    client.login("gv.a")
    page = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                       {"file": (io.BytesIO(_teachers_sheet()), "so-diem-toan-6a1.xlsx")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    # Line 5: TX1 a formula without its value, named by its cell, not read as empty.
    assert "ô D5 là công thức =AVERAGE(7,8) chưa có kết quả" in text
    # Line 6: the unknown code and its mark of 12.
    assert "không có học sinh mã này" in text and "KHONGCO" in text
    assert re.search(r"\b6 [^|]*?ĐĐGtx1 \(D\) 12 ", text), text
    # Line 7: the pupil twice and its mark “abc”.
    assert "học sinh này đã có ở dòng 5" in text and re.search(r"\b7 [^|]*?ĐĐGgk \(H\) abc ", text)
    # Line 8: the mark 11; the average column's formulas are never read, nor the empty lines 9–10.
    assert re.search(r"\b8 [^|]*?ĐĐGtx2 \(E\) 11 ", text)
    assert "D9" not in text and "J5" not in text
    assert text.count("ĐTBmhk (J)") == 1 and "(ứng dụng tự tính): ĐTBmhk (J)" in text   # named as computed, never refused
    assert "tệp có 6 ô bị từ chối" in text


def test_a_formula_excel_computed_is_read_as_its_value():
    data = _teachers_sheet()
    # As Excel saves it: the computed value beside the formula.
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<f>AVERAGE(7,8)</f><v></v>", b"<f>AVERAGE(7,8)</f><v>7.5</v>")
            dst.writestr(info, content)
    spec = [tables.Column("code", "Mã học sinh", required=True, anchor=True), tables.Column("tx1", "ĐĐGtx1"),
            tables.Column("avg", "ĐTBmhk")]
    table = tables.read_table("s.xlsx", out.getvalue(), spec, max_rows=100)
    first = table.lines[0]
    assert first.get("tx1") == 7.5 and first.uncomputed("tx1") is None
    assert first.uncomputed("avg").cell == "J5" and first.text("avg") == "=AVERAGE(D5:I5)"
    assert [line.number for line in table.lines] == [5, 6, 7, 8]      # lines 9–10 hold only formulas: blank


def test_whole_marks_are_written_with_their_place(world, client, dbs):
    """A mark of 9 shows as 9,0 in Excel (the cell's number format), in the grade book and the
    class summary alike — and is still the number 9."""
    from openpyxl import load_workbook

    from tests.factories import fill_year

    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "9"})
    ws = load_workbook(io.BytesIO(client.get(f"/courses/{world.a.course.id}/grades.xlsx?term=1").data)).active
    cell = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "HSA001")[2]
    assert cell.value == 9 and cell.number_format == "0.0"
    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    ws = load_workbook(io.BytesIO(client.get(f"/classes/{world.a.school_class.id}/summary.xlsx?period=0").data)).active
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Toán" for c in r))
    toan = next(i for i, c in enumerate(header_row) if c.value == "Toán")
    an = next(r for r in ws.iter_rows() if any(c.value == "Nguyễn Văn An" for c in r))
    assert an[toan].value == 8 and an[toan].number_format == "0.0"


def test_a_text_file_named_xlsx_is_said_not_to_be_an_excel_file(world, client, make_client):
    """A text file renamed x.xlsx: every import (the reader's one refusal) says it is not a readable
    Excel file — never "Tệp thiếu cột 'Mã học sinh'", which sends the teacher looking for a column."""
    said = "Tệp “x.xlsx” không phải tệp Excel đọc được"
    client.login("gv.a")
    for content in (b"day la mot tep van ban\nkhong phai bang tinh\n", b"Ho ten,Diem\nAn,8\n"):
        page = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                           {"file": (io.BytesIO(content), "x.xlsx")}, content_type="multipart/form-data",
                           follow_redirects=True)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
        assert said in text and "thiếu cột" not in text, content
    admin = make_client()
    admin.login("admin.a")
    page = admin.post("/school/import/students", {"file": (io.BytesIO(b"Ho ten,Lop\nAn,6A1\n"), "x.xlsx")},
                      content_type="multipart/form-data")
    assert said in re.sub(r"\s+", " ", page.get_data(as_text=True))
    # The same text named .csv is read as the table it is.
    page = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                       {"file": (io.BytesIO(b"Ho ten,Diem\nAn,8\n"), "x.csv")}, content_type="multipart/form-data",
                       follow_redirects=True)
    assert said.replace("x.xlsx", "x.csv") not in page.get_data(as_text=True)


def test_the_import_prompt_lists_what_the_table_reader_takes(world, client):
    """The prompt names every kind the one table reader reads (.txt too, Excel's Unicode Text)."""
    from lms.core.tables import ACCEPT

    client.login("gv.a")
    url = f"/courses/{world.a.course.id}/grades/import?term=1"
    page = client.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    told = client.post(url, {"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Chọn tệp bảng tính (.xlsx, .xls, .csv, .txt) để nhập." in told
    assert all(kind in told for kind in ACCEPT.split(","))
