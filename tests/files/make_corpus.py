"""Writes the corpus of real-shaped files in tests/files/ (`python -m tests.files.make_corpus
[file name …]` writes the named files, or all; the files are committed, so the tests do not
depend on this script).

Each file is laid out the way its source lays it out — a province's teaching-plan form, a student
list exported from the sector database or a school management system, the statements of the banks'
internet-banking portals, a card terminal's settlement report — with title blocks, merged cells,
headings, totals, balances and signature footers, in the formats those sources write (.xlsx,
old .xls, an HTML table saved as .xls, CSV in Windows-1258 or UTF-16). Each `*-loi.*` file is the
same file with one bad line planted; tests/integration/test_corpus.py says which.
"""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from pathlib import Path

import xlwt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tests.sheets import to_cp1258

HERE = Path(__file__).resolve().parent


def _save(wb: Workbook, name: str) -> None:
    wb.properties.creator = "corpus"
    wb.properties.created = wb.properties.modified = datetime(2025, 9, 30, 8, 0)
    buf = io.BytesIO()
    wb.save(buf)
    (HERE / name).write_bytes(buf.getvalue())


def _bold(ws, row: int) -> None:
    for cell in ws[row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


# ---------------------------------------------------------------- teaching plan (CV 5512, Phụ lục III)

PLAN_LESSONS = [
    ("HỌC KÌ I", None),
    ("Chương I. TẬP HỢP CÁC SỐ TỰ NHIÊN", 25),
    ("Bài 1. Tập hợp", (2, "Tuần 1", "Trực tiếp")),
    ("Bài 2. Cách ghi số tự nhiên", (1, "Tuần 1", "Trực tuyến tự học")),
    ("Bài 3. Thứ tự trong tập hợp các số tự nhiên", (1, "Tuần 2", "")),
    ("Bài 4. Phép cộng và phép trừ số tự nhiên", (2, None, "Trực tiếp")),   # the week written once, above
    ("Luyện tập chung", (2, "Tuần 3", "Trực tuyến trực tiếp")),
    ("Chương II. TÍNH CHIA HẾT TRONG TẬP HỢP CÁC SỐ TỰ NHIÊN", 20),
    ("Bài 8. Quan hệ chia hết và tính chất", (2, "Tuần 4", "Trực tiếp")),
    ("Bài 9. Dấu hiệu chia hết", (2, "Tuần 4-5", "Trực tiếp")),
    ("Ôn tập giữa học kì I", (1, "Tuần 5", "Trực tiếp")),
    ("HỌC KÌ II", None),
    ("Chương VI. PHÂN SỐ", 18),
    ("Bài 23. Mở rộng phân số. Phân số bằng nhau", (2, "Tuần 19", "Trực tuyến tự học")),
]


def teaching_plan(name: str, bad: bool = False) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "KHGD"
    title = [["TRƯỜNG: THCS NGUYỄN DU", None, None, None, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
             ["TỔ: KHOA HỌC TỰ NHIÊN", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
             ["Họ và tên giáo viên: Nguyễn Văn Hùng"],
             [],
             ["KẾ HOẠCH GIÁO DỤC CỦA GIÁO VIÊN"],
             ["MÔN HỌC: TOÁN, LỚP 6"],
             ["(Năm học 2025 - 2026)"],
             ["I. Kế hoạch dạy học"],
             ["1. Phân phối chương trình"]]
    for row in title:
        ws.append(row)
    for r in (5, 6, 7):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
    ws.append(["STT", "Bài học\n(1)", "Số tiết\n(2)", "Thời điểm\n(3)", "Thiết bị dạy học\n(4)",
               "Địa điểm dạy học\n(5)", "Hình thức"])
    _bold(ws, ws.max_row)
    ws.append(["", "(1)", "(2)", "(3)", "(4)", "(5)", ""])
    n = 0
    for topic, detail in PLAN_LESSONS:
        if detail is None:
            ws.append([topic])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
        elif isinstance(detail, int):
            ws.append([None, topic, detail])      # a chapter with its number of periods
            ws.cell(ws.max_row, 2).font = Font(bold=True)
        else:
            n += 1
            count, week, mode = detail
            if bad and topic.startswith("Bài 3."):
                count = "hai"                     # the planted bad line
            ws.append([n, topic, count, week, "Máy chiếu, phiếu học tập", "Lớp học", mode])
    ws.append([])
    ws.append(["2. Chuyên đề lựa chọn (đối với cấp trung học phổ thông)"])
    ws.append([])
    ws.append([None, "TỔ TRƯỞNG", None, None, None, "An Giang, ngày 05 tháng 9 năm 2025"])
    ws.append([None, "(Ký và ghi rõ họ tên)", None, None, None, "GIÁO VIÊN"])
    ws.append([])
    ws.append([None, "Trần Thị Mai", None, None, None, "Nguyễn Văn Hùng"])
    ws.column_dimensions["B"].width = 50
    _save(wb, name)


# A programme distribution (PPCT) as a subject group keeps it — "Tuần | Tiết | Tên bài dạy" with the
# school's own period numbers ("4-5" for a two-period lesson, the week written once) — saved from
# Excel as "Unicode Text": UTF-16 with its byte-order mark, tab-separated, CRLF, a merged title's text
# in its first cell only, a cell with a line break in quotes.
PPCT_LESSONS = [
    ("HỌC KÌ I", None),
    ("Chương I. TẬP HỢP CÁC SỐ TỰ NHIÊN", None),
    ("1", "1", "§1. Tập hợp", "Trực tiếp"),
    ("1", "2", "§2. Cách ghi số tự nhiên", "Trực tuyến tự học"),
    ("1", "3", "§3. Thứ tự trong tập hợp các số tự nhiên", ""),
    ("2", "4-5", "§4. Phép cộng và phép trừ số tự nhiên", "Trực tiếp"),
    ("", "6", "Luyện tập chung", "Trực tuyến trực tiếp"),
    ("3", "7", "§5. Phép nhân và phép chia số tự nhiên", ""),
    ("3", "8", "§6. Luỹ thừa với số mũ tự nhiên", ""),
    ("HỌC KÌ II", None),
    ("Chương VI. PHÂN SỐ", None),
    ("19", "9", "§23. Mở rộng phân số.\nPhân số bằng nhau", "Trực tuyến tự học"),
    ("19", "10", "§24. So sánh phân số", ""),
]


def ppct_unicode_text(name: str, bad: bool = False) -> None:
    rows = [["SỞ GIÁO DỤC VÀ ĐÀO TẠO AN GIANG", "", "", "", ""],
            ["TRƯỜNG THCS NGUYỄN DU", "", "", "", ""],
            ["", "", "", "", ""],
            ["PHÂN PHỐI CHƯƠNG TRÌNH MÔN TOÁN - LỚP 6", "", "", "", ""],
            ["Năm học 2025 - 2026", "", "", "", ""],
            ["", "", "", "", ""],
            ["Tuần", "Tiết", "Tên bài dạy", "Hình thức", "Ghi chú"]]
    for lesson in PPCT_LESSONS:
        if lesson[1] is None:
            rows.append([lesson[0], "", "", "", ""])
            continue
        week, period, topic, mode = lesson
        if bad and period == "8":
            period = "7"                          # the planted bad line: tiết 8 typed as 7 again
        rows.append([week, period, topic, mode, "Kiểm tra 15 phút" if period == "6" else ""])
    rows += [["", "", "", "", ""],
             ["", "DUYỆT CỦA TỔ CHUYÊN MÔN", "", "NGƯỜI LẬP", ""],
             ["", "Trần Thị Mai", "", "Nguyễn Văn Hùng", ""]]

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in '\t\n"') else text

    text = "\r\n".join("\t".join(cell(c) for c in row) for row in rows) + "\r\n"
    (HERE / name).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))


# ---------------------------------------------------------------- student lists

STUDENTS = [
    # code, name, birth, gender, class, ethnicity, place of birth, email, father (name, job, phone),
    # mother (name, job, phone), address
    ("8910000101", "Nguyễn Hoàng An", date(2013, 9, 5), "Nam", "6A1", "Kinh", "Long Xuyên, An Giang",
     "an.nh@hocsinh.edu.vn", ("Nguyễn Văn Bảo", "Kỹ sư", "0912 345 101"), ("Lê Thị Cúc", "Giáo viên", "0987.654.101"),
     "12 Trần Hưng Đạo, Mỹ Bình, Long Xuyên"),
    ("8910000102", "Trần Thị Bích Ngọc", date(2013, 1, 17), "Nữ", "6A1", "Kinh", "Châu Đốc, An Giang", "",
     ("Trần Văn Dũng", "Buôn bán", 912345102), ("Phạm Thị Hoa", "Nội trợ", "0987654102"), "Ấp Bình Hoà, Châu Thành"),
    ("8910000103", "Chau Sóc Kha", date(2013, 4, 30), "Nam", "6A1", "Khmer", "Tri Tôn, An Giang", "",
     ("Chau Ty", "Làm ruộng", "0345 678 103"), None, "Phum Sóc, Tri Tôn"),
    ("8910000104", "Lê Minh Thư", date(2012, 12, 2), "Nữ", "6A1", "Kinh", "Bệnh viện Đa khoa An Giang",
     "thu.lm@hocsinh.edu.vn", None, ("Võ Thị Lan", "Công nhân", "0765 432 104 / 0912 000 104"),
     "45 Hà Hoàng Hổ, Đông Xuyên"),
]
# Dates as the sector database writes them: Excel serial numbers in cells of General format.
EPOCH = date(1899, 12, 30)


def _serial(day: date) -> int:
    return (day - EPOCH).days


def student_list_sms(name: str, bad: bool = False) -> None:
    """A school management system's export: title block, a header on two rows under merged groups,
    Excel serial dates, an Email column, father and mother side by side, a footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "DanhSachHocSinh"
    ws.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO AN GIANG"])
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.append([])
    ws.append(["DANH SÁCH HỌC SINH NĂM HỌC 2025 - 2026"])
    ws.merge_cells("A4:R4")
    ws.append(["Khối 6 - Lớp 6A1"])
    head = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Dân tộc", "Nơi sinh", "Email",
            "Thông tin cha", None, None, "Thông tin mẹ", None, None, "Địa chỉ thường trú", "Tôn giáo",
            "Trạng thái"]
    sub = [None] * 9 + ["Họ tên", "Nghề nghiệp", "Số điện thoại", "Họ tên", "Nghề nghiệp", "Số điện thoại",
                        None, None, None]
    ws.append(head)
    ws.append(sub)
    top = ws.max_row - 1
    for col in list(range(1, 10)) + [16, 17, 18]:
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    ws.merge_cells(start_row=top, start_column=10, end_row=top, end_column=12)
    ws.merge_cells(start_row=top, start_column=13, end_row=top, end_column=15)
    _bold(ws, top)
    _bold(ws, top + 1)
    for n, (code, full, birth, gender, klass, ethnic, born, email, father, mother, address) in enumerate(STUDENTS, 1):
        f = father or ("", "", "")
        m = mother or ("", "", "")
        serial = _serial(birth)
        if bad and n == 3:
            serial = "31/02/2013"               # the planted bad line
        ws.append([n, code, full, serial, gender, klass, ethnic, born, email, *f, *m, address, "Không", "Đang học"])
        ws.cell(ws.max_row, 4).number_format = "General"
    ws.append([])
    ws.append([None, None, "Tổng số học sinh: 4", None, None, None, "Nữ: 2"])
    ws.append([None, None, None, None, None, None, None, None, None, None, None, "Long Xuyên, ngày 15 tháng 9 năm 2025"])
    ws.append([None, None, "Người lập danh sách", None, None, None, None, None, None, None, None, "HIỆU TRƯỞNG"])
    ws.append([None, None, "Phạm Thị Thu", None, None, None, None, None, None, None, None, "Nguyễn Văn Tâm"])
    codes = wb.create_sheet("DAN_TOC")
    codes.append(["Mã", "Tên trường dữ liệu"])
    for i, e in enumerate(("Kinh", "Khmer", "Hoa", "Chăm"), 1):
        codes.append([f"{i:02d}", e])
    _save(wb, name)


def student_list_csdl_xls(name: str, bad: bool = False) -> None:
    """The sector database's C1-HocSinh export, old .xls: the header on row 1 with line breaks and
    NFD text, dates as dd/mm/yyyy text, the status ("Đang học", "Chuyển đến", "Chuyển đi…",
    "Thôi học…") with the day it was entered, the permanent address, the home town and the place
    of birth split over province / district / commune / hamlet columns "(Theo …)" (the district
    blank where the 2025 reform removed it), the parents' occupation and year of birth, two phone
    numbers in one cell, the personal ID, a code-list sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    headers = ["STT", "Mã lớp", "Mã học sinh", "Họ tên", "Ngày sinh", "Giới tính", "Trạng thái HS",
               "Ngày nhập trạng thái", "Dân tộc", "Quốc tịch", "Số định danh cá nhân",
               "Tỉnh/Thành phố\n(Theo địa chỉ thường trú)", "Quận/Huyện\n(Theo địa chỉ thường trú)",
               "Xã/Phường\n(Theo địa chỉ thường trú)", "Tổ/Thôn/Xóm\n(Theo địa chỉ thường trú)",
               "Tỉnh/Thành phố\n(Theo quê quán)", "Quận/Huyện\n(Theo quê quán)", "Xã/Phường\n(Theo quê quán)",
               "Tỉnh/Thành phố\n(Theo nơi sinh)", "Quận/Huyện\n(Theo nơi sinh)", "Nơi sinh chi tiết",
               "Số điện thoại liên hệ", "Họ tên cha", "Nghề nghiệp cha", "Năm sinh cha", "Số điện thoại cha",
               "Họ tên mẹ", "Nghề nghiệp mẹ", "Năm sinh mẹ", "Số điện thoại mẹ"]
    for c, h in enumerate(headers):
        sheet.write(0, c, unicodedata.normalize("NFD", h) if c in (3, 8) else h)  # mixed NFC and NFD
    ag = "Tỉnh An Giang"
    rows = [
        ("6A1", "8910000201", "Đặng Quốc Bảo", "03/02/2013", "Nam", "Đang học", "05/09/2025", "Kinh", "Việt Nam",
         "089213000201", ag, "Thành phố Long Xuyên", "Phường Mỹ Bình", "Tổ 12, khóm Bình Khánh", ag, "Huyện Chợ Mới",
         "Xã Kiến An", ag, "Thành phố Long Xuyên", "Long Xuyên", "0913 000 201",
         "Đặng Văn Lực", "Công nhân", "1983", "0913000201", "Ngô Thị Mỹ", "Nội trợ", "1985", "0913000202"),
        ("6A1", "8910000202", "Huỳnh Ngọc Hân", "21-11-2013", "Nữ", "Chuyển đến", "20/08/2025", "Hoa", "Việt Nam",
         "089313000202", ag, "", "Phường Châu Đốc", "Khóm Châu Long 3", "", "", "", ag, "", "Châu Đốc", "",
         "", "", "", "", "Huỳnh Thị Mai", "Buôn bán", "1987", "0914.000.203 / 0939 000 204"),
        ("6A1", "8910000203", "Néang Sà Ry", "07.07.2013", "Nữ", "Đang học", "05/09/2025", "Khmer", "Việt Nam",
         "089313000203", ag, "Huyện Tịnh Biên", "Xã An Cư", "Ấp Srây Skốth", ag, "Huyện Tịnh Biên", "Xã An Cư",
         ag, "Huyện Tịnh Biên", "Trạm y tế xã An Cư", "0915000204", "Chau Sóc", "Làm ruộng", "1980", "0915000204",
         "", "", "", ""),
        ("6A1", "8910000204", "Lâm Gia Huy", "14/06/2013", "Nam", "Chuyển đi ngoài tỉnh", "04/10/2025", "Kinh",
         "Việt Nam", "089213000204", ag, "", "Phường Long Xuyên", "Khóm Đông Thịnh", "", "", "", ag, "",
         "Long Xuyên", "0916000205", "Lâm Văn Phát", "Kỹ sư", "1982", "0916000205", "", "", "", ""),
        ("6A1", "8910000205", "Trương Thị Kiều", "30/12/2013", "Nữ", "Thôi học", "15/11/2025", "Kinh", "Việt Nam",
         "", ag, "", "Xã Mỹ Hoà Hưng", "", "", "", "", "", "", "", "", "", "", "", "", "Trương Thị Nga", "", "",
         "0917000206"),
    ]
    for r, row in enumerate(rows, start=1):
        sheet.write(r, 0, r)
        values = list(row)
        if bad and r == 2:
            values[9] = "08931300020"          # the planted bad line: an 11-digit personal ID
        for c, value in enumerate(values, start=1):
            sheet.write(r, c, value)
    codes = book.add_sheet("GIOI_TINH")
    codes.write(0, 0, "Tên trường dữ liệu")
    codes.write(1, 0, "Nam")
    codes.write(2, 0, "Nữ")
    buf = io.BytesIO()
    book.save(buf)
    (HERE / name).write_bytes(buf.getvalue())


# ---------------------------------------------------------------- grade book

# The pupils of the test school's class 6A1 (tests/factories.py), so the file imports into its book.
GRADES = [  # code, name, birth, TX1–TX4, GK, CK, remark
    ("HSA001", "Nguyễn Văn An", "05/09/2014", (8, 7.5, 9, None), 8, "8,5", "Chăm chỉ, tiến bộ"),
    ("HSA002", "Nguyễn Thị Bình", "12/03/2014", (9, 9, 10, 8.5), 9.5, 9, ""),
    ("HSA003", "Trần Minh Châu", "01/01/2014", (6, 6.5, None, None), 7, 6.5, "Cần luyện thêm phân số"),
]


def grade_book_sms(name: str, bad: bool = False) -> None:
    """A subject's grade book as a school management system exports it for the teacher (Thông tư
    22's names): the school's title block, "ĐĐGtx" merged over its columns 1 2 3 4 on a second
    header row, ĐĐGgk and ĐĐGck, the system's own ĐTBmhk (computed, not read), marks as number
    cells and one typed as text with a comma, a count line and the teacher's signature footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "SoDiem"
    ws.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO AN GIANG"])
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.append(["SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH - MÔN TOÁN - LỚP 6A1"])
    ws.merge_cells("A3:L3")
    ws.append(["Học kỳ I - Năm học 2026 - 2027"])
    ws.merge_cells("A4:L4")
    ws.append([])
    ws.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", None, None, None, "ĐĐGgk", "ĐĐGck", "ĐTBmhk",
               "Nhận xét"])
    ws.append([None, None, None, None, 1, 2, 3, 4])
    top = ws.max_row - 1
    for col in (1, 2, 3, 4, 9, 10, 11, 12):
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    ws.merge_cells(start_row=top, start_column=5, end_row=top, end_column=8)
    _bold(ws, top)
    _bold(ws, top + 1)
    for n, (code, full, birth, regular, mid, final, remark) in enumerate(GRADES, start=1):
        if bad and n == 2:
            final = 11                              # the planted bad line
        marks = [m for m in (*regular, mid) if m is not None]
        final_number = float(str(final).replace(",", ".")) if not isinstance(final, int) else final
        average = round((sum(marks[:-1]) + 2 * mid + 3 * final_number) / (len(marks) - 1 + 5), 1)
        ws.append([n, code, full, birth, *regular, mid, final, average, remark or None])
    ws.append([])
    ws.append([None, "Tổng số học sinh: 3"])
    ws.append([None, None, None, None, None, None, None, None, "An Giang, ngày 20 tháng 12 năm 2026"])
    ws.append([None, None, None, None, None, None, None, None, "GIÁO VIÊN BỘ MÔN"])
    ws.append([None, None, None, None, None, None, None, None, "(Ký, ghi rõ họ tên)"])
    ws.append([None, None, None, None, None, None, None, None, "Lê Văn Giáo"])
    ws.column_dimensions["C"].width = 24
    _save(wb, name)


CLASS_LIST = [  # code, family and middle names, given name, birth, girl, ethnicity, parent, phone
    ("8910000311", "Nguyễn Ngọc Bảo", "Anh", date(2014, 2, 14), True, "Kinh", "Nguyễn Văn Tâm", "0913 311 311"),
    ("8910000312", "Chau", "Sóc Kha", date(2014, 7, 30), False, "Khmer", "Chau Ty", "0918.312.312"),
    ("8910000313", "Lê Thị Thu", "Hà", date(2014, 11, 5), True, "Kinh", "Lê Văn Hải", "0939313313"),
]


def class_list_homeroom(name: str, bad: bool = False) -> None:
    """A homeroom teacher's class list kept in Excel (the school's own, or re-typed from the
    management system): the name split so the list sorts by the given name — "Họ và tên" merged
    over "Họ đệm" and "Tên" on a second header row — a "Nữ" column ticked "x" for the girls, real
    date cells, phones with spaces and dots, and "Giáo viên chủ nhiệm" with her name under the
    table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "6A1"
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.append(["DANH SÁCH HỌC SINH LỚP 6A1 - NĂM HỌC 2026 - 2027"])
    ws.merge_cells("A2:J2")
    ws.append([])
    ws.append(["STT", "Mã HS", "Họ và tên", None, "Ngày sinh", "Nữ", "Dân tộc", "Lớp", "Họ tên phụ huynh",
               "Điện thoại"])
    ws.append([None, None, "Họ đệm", "Tên"])
    ws.merge_cells("C4:D4")
    for col in "ABEFGHIJ":
        ws.merge_cells(f"{col}4:{col}5")
    _bold(ws, 4)
    _bold(ws, 5)
    for n, (code, family, given, birth, girl, ethnicity, parent, phone) in enumerate(CLASS_LIST, start=1):
        tick = "x" if girl else None
        if bad and n == 2:
            tick = "nam?"                           # the planted bad line
        ws.append([n, code, family, given, birth, tick, ethnicity, "6A1", parent, phone])
        ws.cell(ws.max_row, 5).number_format = "dd/mm/yyyy"
    ws.append([])
    ws.append([None, "Tổng số: 3 học sinh, nữ: 2"])
    ws.append([None, None, None, None, None, None, None, "Long Xuyên, ngày 05 tháng 9 năm 2026"])
    ws.append([None, None, None, None, None, None, None, "GIÁO VIÊN CHỦ NHIỆM"])
    ws.append([])
    ws.append([None, None, None, None, None, None, None, "Trần Thị Mỹ"])
    ws.column_dimensions["C"].width = 18
    _save(wb, name)


def contact_list(name: str, bad: bool = False) -> None:
    """A homeroom teacher's contact list ("Danh sách liên lạc"): two phone columns that do not say
    whose they are — "Điện thoại" beside the pupil's columns (the family's home or the pupil's own
    number) and "SĐT" after the parent's name — as schools type them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Lien lac"
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.append(["DANH SÁCH LIÊN LẠC LỚP 6A1 - NĂM HỌC 2026 - 2027"])
    ws.merge_cells("A2:I2")
    ws.append([])
    ws.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Điện thoại", "Họ tên phụ huynh", "Quan hệ",
               "SĐT"])
    _bold(ws, 4)
    pupils = [("8910000511", "Phan Minh Khôi", "03/03/2014", "0296 3841 511", "Phan Văn Lộc", "Bố", "0909 511 511"),
              ("8910000512", "Đỗ Thị Kim Ngân", "19/08/2014", "", "Nguyễn Thị Sương", "Mẹ", "0919.512.512")]
    for n, (code, full, birth, home, parent, relation, phone) in enumerate(pupils, start=1):
        if bad and n == 2:
            phone = "0919.512"                       # the planted bad line: a phone cut short
        ws.append([n, code, full, birth, "6A1", home or None, parent, relation, phone])
    ws.append([])
    ws.append([None, None, None, None, None, None, "GIÁO VIÊN CHỦ NHIỆM"])
    ws.append([None, None, None, None, None, None, "Trần Thị Mỹ"])
    _save(wb, name)


def grade_sheet_teacher(name: str, bad: bool = False) -> None:
    """A teacher's own mark sheet: typed by hand from the class list, the school's name and the
    sheet's title merged across it, a "STT · Mã HS · Họ và tên · TX1 TX2 TX3 · GK · CK · TBM"
    header with the average beside the marks, and the signature block under the table written where the
    teacher's eye is — "Giáo viên bộ môn" and her name in the student-code column, "Tổ trưởng
    chuyên môn" beside it — as teachers leave it for printing. Two columns are hidden: the pupils'
    birth dates, and the first try at "TX1" that the teacher copied to the right and corrected."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Toán 6A1"
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.merge_cells("A1:D1")
    ws.append(["BẢNG ĐIỂM MÔN TOÁN - LỚP 6A1 - HỌC KỲ I"])
    ws.merge_cells("A2:I2")
    ws.append([])
    ws.append(["STT", "Mã HS", "Họ và tên", "Ngày sinh", "TX1", "TX1", "TX2", "TX3", "GK", "CK", "TBM"])
    _bold(ws, ws.max_row)
    ws.column_dimensions["D"].hidden = True
    ws.column_dimensions["E"].hidden = True
    for n, (code, full, birth, regular, mid, final, _remark) in enumerate(GRADES, start=1):
        if bad and n == 3:
            mid = "7.5.0"                           # the planted bad line
        marks = [m for m in regular[:3] if m is not None]
        final_number = float(str(final).replace(",", "."))
        average = round((sum(marks) + 2 * float(str(mid).split(".0")[0]) + 3 * final_number) / (len(marks) + 5), 1)
        first_try = regular[0] - 1 if regular[0] else None
        ws.append([n, code, full, birth, first_try, *regular[:3], mid, final, average])
    ws.append([])
    ws.append([None, "Giáo viên bộ môn", None, None, None, None, None, None, "Tổ trưởng chuyên môn"])
    ws.append([])
    ws.append([])
    ws.append([None, "Lê Thị Hoa", None, None, None, None, None, None, "Phạm Văn Tổ"])
    ws.column_dimensions["C"].width = 24
    _save(wb, name)


# ---------------------------------------------------------------- bank statements

CREDITS = [  # (day, amount, memo, reference, counterparty)
    (date(2025, 9, 1), 1_250_000, "HD2509A1B2 NGUYEN HOANG AN 6A1 HOC PHI T9", "5243.65937", "NGUYEN VAN BAO"),
    (date(2025, 9, 2), 850_000, "MBVCB.9876543.HD2509C3D4 tien an thang 9 em Ngoc", "5244.10021", "TRAN VAN DUNG"),
    # A memo with a long number (a phone top-up reference that passes Luhn): data, not a card.
    (date(2025, 9, 3), 500_000, "HP T9 CHAU SOC KHA 4111111111111111 ck tu vi", "5250.00077", "CHAU TY"),
]
DEBITS = [(date(2025, 9, 2), 220_000, "Phi quan ly tai khoan T8", "5244.20002", "")]


def _ordered():
    lines = [(d, a, 0, m, r, c) for d, a, m, r, c in CREDITS] + [(d, 0, a, m, r, c) for d, a, m, r, c in DEBITS]
    return sorted(lines, key=lambda x: (x[0], x[4]))


def vietcombank(name: str, bad: bool = False) -> None:
    """VCB's account statement: bilingual title block, opening balance line, bilingual headers,
    amounts as text with commas, a “Tổng số / Total” line, closing balance, footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Statement"
    ws.append(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"])
    ws.append(["SAO KÊ TÀI KHOẢN", None, None, None, None])
    ws.append(["STATEMENT OF ACCOUNT"])
    ws.append(["Số tài khoản/Account number:", "0071000123456"])
    ws.append(["Tên tài khoản/Account name:", "TRUONG THCS NGUYEN DU"])
    ws.append(["Loại tiền/Currency:", "VND"])
    ws.append(["Từ ngày/From: 01/09/2025", None, "Đến ngày/To: 30/09/2025"])
    ws.append(["Số dư đầu kỳ/ Opening balance :", None, "12,000,000"])
    ws.append(["Ngày giao dịch\nTransaction Date", "Số tham chiếu\nReference No.", "Số tiền ghi nợ\nDebit",
               "Số tiền ghi có\nCredit", "Mô tả\nDescription"])
    _bold(ws, ws.max_row)
    balance = 12_000_000
    for n, (d, credit, debit, memo, ref, _c) in enumerate(_ordered(), start=1):
        balance += credit - debit
        credit_text = f"{credit:,}" if credit else ""
        if bad and n == 3:
            credit_text = "8S0,000"              # the planted bad line
        ws.append([d.strftime("%d/%m/%Y"), ref, f"{debit:,}" if debit else "", credit_text, memo])
    total_in = sum(c[1] for c in CREDITS)
    total_out = sum(d[1] for d in DEBITS)
    ws.append(["Tổng số/Total", None, f"{total_out:,}", f"{total_in:,}"])
    ws.append(["Số dư cuối kỳ/ Closing balance :", None, f"{balance:,}"])
    ws.append([])
    ws.append(["Sao kê được in từ VCB Digibiz lúc 30/09/2025 17:05"])
    _save(wb, name)


def vietinbank(name: str, bad: bool = False) -> None:
    """VietinBank's transaction history: numbers and date-times as real cells, bilingual headers
    on one line with “/”, the running balance, no totals."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet0"
    ws.append(["LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY"])
    ws.merge_cells("A1:G1")
    ws.append(["Số tài khoản/ Account No: 108000123456", None, None, "Tên tài khoản/ Account name: TRUONG THCS NGUYEN DU"])
    ws.append(["Từ ngày/ From date: 01/09/2025", None, None, "Đến ngày/ To date: 30/09/2025"])
    ws.append(["Số dư đầu kỳ/ Opening balance", None, None, None, None, 5_000_000])
    ws.append(["STT/ No", "Ngày hạch toán/ Accounting date", "Mô tả giao dịch/ Transaction description",
               "Nợ/ Debit", "Có/ Credit", "Số dư TK/ Account balance", "Số giao dịch/ Transaction number"])
    balance = 5_000_000
    for n, (d, credit, debit, memo, ref, _c) in enumerate(_ordered(), start=1):
        balance += credit - debit
        when = datetime(d.year, d.month, d.day, 8 + n, 15, 22)
        if bad and n == 2:
            when = "32/09/2025 09:15:22"        # the planted bad line
        ws.append([n, when, memo, debit or None, credit or None, balance, f"FT25{ref.replace('.', '')}"])
        if isinstance(when, datetime):
            ws.cell(ws.max_row, 2).number_format = "dd/mm/yyyy hh:mm:ss"
        for col in (4, 5, 6):
            ws.cell(ws.max_row, col).number_format = "#,##0"
    ws.append(["Số dư cuối kỳ/ Closing balance", None, None, None, None, balance])
    _save(wb, name)


def bidv_xls(name: str, bad: bool = False) -> None:
    """BIDV's detailed balance report as an old .xls: Vietnamese number separators as text,
    “Dư đầu kỳ” and “Dư cuối kỳ” lines, a total line, a signature footer."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("BaoCao")
    sheet.write_merge(0, 0, 0, 5, "NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM")
    sheet.write_merge(1, 1, 0, 5, "BÁO CÁO CHI TIẾT SỐ DƯ TÀI KHOẢN")
    sheet.write(2, 0, "Số tài khoản: 31410000123456")
    sheet.write(3, 0, "Chủ tài khoản: TRƯỜNG THCS NGUYỄN DU")
    for c, h in enumerate(["STT", "Ngày hiệu lực", "Ghi nợ", "Ghi có", "Số dư", "Mô tả"]):
        sheet.write(5, c, h)
    sheet.write(6, 1, "Dư đầu kỳ")
    sheet.write(6, 4, "3.000.000")
    balance = 3_000_000
    r = 7
    for n, (d, credit, debit, memo, _ref, _c) in enumerate(_ordered(), start=1):
        balance += credit - debit
        credit_text = f"{credit:,}".replace(",", ".") if credit else ""
        if bad and n == 4:
            credit_text = "500.000đ/người"         # the planted bad line
        sheet.write(r, 0, n)
        sheet.write(r, 1, d.strftime("%d/%m/%Y"))
        sheet.write(r, 2, f"{debit:,}".replace(",", ".") if debit else "")
        sheet.write(r, 3, credit_text)
        sheet.write(r, 4, f"{balance:,}".replace(",", "."))
        sheet.write(r, 5, memo)
        r += 1
    sheet.write(r, 1, "Cộng phát sinh")
    sheet.write(r, 2, f"{sum(x[1] for x in DEBITS):,}".replace(",", "."))
    sheet.write(r, 3, f"{sum(x[1] for x in CREDITS):,}".replace(",", "."))
    sheet.write(r + 1, 1, "Dư cuối kỳ")
    sheet.write(r + 1, 4, f"{balance:,}".replace(",", "."))
    sheet.write(r + 3, 1, "Người lập biểu")
    sheet.write(r + 3, 4, "Kiểm soát viên")
    buf = io.BytesIO()
    book.save(buf)
    (HERE / name).write_bytes(buf.getvalue())


def techcombank(name: str, bad: bool = False) -> None:
    """Techcombank's statement: counterparty and its bank in their own columns, “Nợ TKTT / Debit”
    and “Có TKTT / Credit” with commas, the date and time in one text cell."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sao ke"
    ws.append(["TECHCOMBANK", None, None, "SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"])
    ws.append(["Chi nhánh/Branch:", "TCB AN GIANG"])
    ws.append(["Số tài khoản/Account No:", "19020352517013"])
    ws.append(["Số dư đầu kỳ/Opening balance:", "2,308,471"])
    ws.append([])
    ws.append(["Ngày giao dịch/ Transaction Date", "Đối tác/ Remitter", "NH Đối tác/ Remitter Bank",
               "Diễn giải/ Details", "Số bút toán/ Transaction No", "Nợ TKTT/ Debit", "Có TKTT/ Credit",
               "Số dư/ Balance"])
    balance = 2_308_471
    for n, (d, credit, debit, memo, ref, counter) in enumerate(_ordered(), start=1):
        balance += credit - debit
        content = memo
        if bad and n == 1:
            content = None
            stamp = "01/09/2025 25:61:00"        # the planted bad line
        else:
            stamp = f"{d.strftime('%d/%m/%Y')} 10:{n:02d}:00"
        ws.append([stamp, counter, "VCB" if counter else "", content, f"FT{ref.replace('.', '')}",
                   f"{debit:,}" if debit else "", f"{credit:,}" if credit else "", f"{balance:,}"])
    ws.append(["Tổng cộng/ Total", None, None, None, None, f"{sum(x[1] for x in DEBITS):,}",
               f"{sum(x[1] for x in CREDITS):,}"])
    ws.append(["Số dư cuối kỳ/ Ending balance:", f"{balance:,}"])
    ws.append(["Ngày in/Printed date: 01/10/2025 - 09:45:23"])
    _save(wb, name)


def mb_html(name: str, bad: bool = False) -> None:
    """MB's statement as an HTML table saved under an .xls name (what several portals' “Excel”
    button gives): colspan title, “Phát sinh nợ / Phát sinh có”, amounts with “.00”."""
    rows = ['<tr><td colspan="7"><b>SAO KÊ CHI TIẾT TÀI KHOẢN</b></td></tr>',
            '<tr><td colspan="7">Tài khoản/Account No: 0801234567890 - TRUONG THCS NGUYEN DU</td></tr>',
            '<tr><td colspan="7">Từ ngày 01/09/2025 đến ngày 30/09/2025</td></tr>',
            "<tr><th>STT</th><th>Ngày giao dịch</th><th>Số bút toán/ Reference No</th><th>Phát sinh nợ/ Debit</th>"
            "<th>Phát sinh có/ Credit</th><th>Số dư/ Balance</th><th>Nội dung/ Description</th></tr>"]
    balance = 9_000_000
    for n, (d, credit, debit, memo, ref, _c) in enumerate(_ordered(), start=1):
        balance += credit - debit
        credit_text = f"{credit:,}.00" if credit else ""
        when = d.strftime("%d/%m/%Y")
        if bad and n == 2:
            when = "2025/09/31"                   # the planted bad line
        rows.append(f"<tr><td>{n}</td><td>{when}</td><td>{ref}</td><td>{f'{debit:,}.00' if debit else ''}</td>"
                    f"<td>{credit_text}</td><td>{balance:,}.00</td><td>{memo.replace('&', '&amp;')}</td></tr>")
    rows.append(f'<tr><td colspan="3">Tổng cộng</td><td>{sum(x[1] for x in DEBITS):,}.00</td>'
                f"<td>{sum(x[1] for x in CREDITS):,}.00</td><td></td><td></td></tr>")
    rows.append(f'<tr><td colspan="5">Số dư cuối kỳ</td><td>{balance:,}.00</td><td></td></tr>')
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=utf-8"></head><body><table border="1">' + "".join(rows)
            + "</table></body></html>")
    (HERE / name).write_bytes(page.encode("utf-8"))


def agribank_csv(name: str, bad: bool = False) -> None:
    """Agribank's statement saved as CSV by Excel on a Vietnamese Windows: Windows-1258 with
    combining tone marks, semicolons, “Số CT” and “Diễn giải”, dd/mm/yyyy."""
    lines = ["SAO KÊ TÀI KHOẢN TIỀN GỬI;;;;;",
             "Tài khoản: 6700201012345;;;;;",
             ";;;;;",
             "Ngày GD;Số CT;Diễn giải;Nợ;Có;Số dư",
             "Số dư đầu kỳ;;;;;1.000.000"]
    balance = 1_000_000
    for n, (d, credit, debit, memo, ref, _c) in enumerate(_ordered(), start=1):
        balance += credit - debit
        credit_text = f"{credit:,}".replace(",", ".") if credit else ""
        if bad and n == 1:
            credit_text = "-"                       # neither amount: refused on its line, never a debit
            memo = memo.replace("HD2509A1B2", "HD2509A1B2")
        lines.append(f"{d.strftime('%d/%m/%Y')};{ref};{memo};{f'{debit:,}'.replace(',', '.') if debit else ''};"
                     f"{credit_text};{f'{balance:,}'.replace(',', '.')}")
    if bad:
        lines.insert(6, "2/9/2025;;Phí SMS;;abc;")      # the planted bad line: a credit that is not a number
    lines.append(f"Cộng phát sinh;;;{sum(x[1] for x in DEBITS):,};{sum(x[1] for x in CREDITS):,};".replace(",", "."))
    text = "\r\n".join(lines) + "\r\n"
    (HERE / name).write_bytes(to_cp1258(text))


def posting_journal(name: str, bad: bool = False) -> None:
    """A bank's posting journal (sổ phụ) as its portal exports it: the posting date written once
    for each day's group of lines, the full date and time of each transaction in its own column,
    and parents' memos that read like a signature line ("… ngày 1 tháng 9 năm 2025"). The
    columns proposed by name take the posting date; the accountant chooses the transaction time."""
    wb = Workbook()
    ws = wb.active
    ws.title = "SoPhu"
    ws.append(["SỔ PHỤ TÀI KHOẢN / ACCOUNT JOURNAL"])
    ws.merge_cells("A1:G1")
    ws.append(["Số tài khoản: 1903 5566 7788", None, None, "Chủ tài khoản: TRƯỜNG THCS NGUYỄN DU"])
    ws.append(["Từ ngày 01/09/2025 đến ngày 30/09/2025"])
    ws.append(["Ngày hạch toán", "Thời gian giao dịch", "Số chứng từ", "Diễn giải", "Phát sinh nợ", "Phát sinh có",
               "Số dư"])
    _bold(ws, ws.max_row)
    ws.append([None, None, None, "Số dư đầu kỳ", None, None, "4.000.000"])
    lines = [  # (posting date written?, moment, reference, memo, debit, credit)
        (True, datetime(2025, 9, 1, 8, 15), "CT0901001", "HD2509A1B2 NGUYEN HOANG AN 6A1 HOC PHI T9", 0, 1_250_000),
        (False, datetime(2025, 9, 1, 16, 40), "CT0901002",
         "Hoang Van Nam nop tien hoc them cho con ngay 1 thang 9 nam 2025", 0, 500_000),
        (True, datetime(2025, 9, 2, 9, 2), "CT0902001", "Phi quan ly tai khoan T8", 220_000, 0),
        (False, datetime(2025, 9, 2, 10, 30), "CT0902002", "MBVCB.9876543.HD2509C3D4 tien an thang 9 em Ngoc", 0,
         850_000),
        (True, datetime(2025, 9, 3, 7, 55), "CT0903001", "HP T9 CHAU SOC KHA 4111111111111111 ck tu vi", 0, 500_000),
    ]
    balance = 4_000_000
    for n, (written, moment, ref, memo, debit, credit) in enumerate(lines, start=1):
        balance += credit - debit
        credit_text = f"{credit:,}".replace(",", ".") if credit else ""
        if bad and n == 4:
            credit_text = "850.000 VND/thang"          # the planted bad line
        ws.append([moment.strftime("%d/%m/%Y") if written else None, moment.strftime("%d/%m/%Y %H:%M:%S"), ref, memo,
                   f"{debit:,}".replace(",", ".") if debit else "", credit_text, f"{balance:,}".replace(",", ".")])
    ws.append([None, None, None, "Cộng phát sinh", "220.000", "3.100.000"])
    ws.append([None, None, None, "Số dư cuối kỳ", None, None, f"{balance:,}".replace(",", ".")])
    _save(wb, name)


# ---------------------------------------------------------------- card terminal settlement

def pos_settlement(name: str, bad: bool = False) -> None:
    """A bank's card-terminal settlement report: merchant block, masked card numbers, date and time
    in separate columns, MDR fee and net amount, a total line, a footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Settlement"
    ws.append(["BÁO CÁO THANH TOÁN GIAO DỊCH THẺ QUA POS"])
    ws.merge_cells("A1:L1")
    ws.append(["Đơn vị chấp nhận thẻ: TRUONG THCS NGUYEN DU", None, None, None, None, None, "Mã ĐVCNT: 000123456789"])
    ws.append(["Ngày thanh toán: 16/09/2025"])
    ws.append([])
    ws.append(["STT", "Mã ĐVCNT", "TID", "Số thẻ", "Ngày giao dịch", "Giờ giao dịch", "Mã chuẩn chi",
               "Số tham chiếu (RRN)", "Số tiền giao dịch", "Phí MDR", "Số tiền thanh toán", "Ngày thanh toán"])
    lines = [("POS00001", "970436******1234", date(2025, 9, 15), "09:12:01", "A1B2C3", "525809123456", 1_250_000),
             ("POS00001", "411111******1111", date(2025, 9, 15), "10:40:55", "778899", "525810000777", 850_000),
             ("POS00001", "970415******9876", date(2025, 9, 15), "14:02:13", "123ABC", "", 500_000)]
    for n, (tid, card, d, t, code, rrn, amount) in enumerate(lines, start=1):
        fee = amount * 11 // 1000
        tid_text = tid
        if bad and n == 2:
            tid_text = "POS0001"                   # the planted bad line: a 7-character terminal id
        ws.append([n, "000123456789", tid_text, card, d, t, code, rrn, amount, fee, amount - fee, date(2025, 9, 16)])
        for col in (5, 12):
            ws.cell(ws.max_row, col).number_format = "dd/mm/yyyy"
        for col in (9, 10, 11):
            ws.cell(ws.max_row, col).number_format = "#,##0"
    ws.append([None, "Tổng cộng", None, None, None, None, None, None, sum(x[6] for x in lines),
               sum(x[6] * 11 // 1000 for x in lines), sum(x[6] - x[6] * 11 // 1000 for x in lines)])
    ws.append([])
    ws.append([None, "Lập bảng", None, None, None, None, None, None, "Kiểm soát"])
    _save(wb, name)


# ---------------------------------------------------------------- staff list

def staff_list(name: str, bad: bool = False) -> None:
    """The school's own list of staff (“Danh sách cán bộ, giáo viên, nhân viên”): the name split
    under a merged “Họ và tên”, the post in “Chức vụ” as the office writes it (Giáo viên, Tổ trưởng
    chuyên môn, Nhân viên…), phones with spaces and dots, a count line under the table and the
    principal's signature block."""
    wb = Workbook()
    ws = wb.active
    ws.title = "CBGVNV"
    ws.append(["TRƯỜNG THCS NGUYỄN DU"])
    ws.append([])
    ws.append(["DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN NĂM HỌC 2026-2027"])
    ws.merge_cells("A3:H3")
    ws.append([])
    ws.append(["STT", "Họ và tên", None, "Ngày sinh", "Chức vụ", "Môn dạy", "Số điện thoại", "Email"])
    ws.append([None, "Họ đệm", "Tên"])
    ws.merge_cells("B5:C5")
    for col in "ADEFGH":
        ws.merge_cells(f"{col}5:{col}6")
    _bold(ws, 5)
    _bold(ws, 6)
    staff = [("Trương Thị Kim", "Ngân", date(1985, 5, 12), "Giáo viên", "Ngữ văn", "0935 258 101",
              "ngan.tk258@example.edu.vn"),
             ("Lâm Văn", "Phúc", date(1990, 3, 9), "Tổ trưởng chuyên môn", "Toán", "0935.258.102", ""),
             ("Mai Thị", "Hồng", date(1979, 8, 3), "Nhân viên", "", "0935 258 103", ""),
             ("Quách Minh", "Trí", date(1988, 10, 21), "Giáo viên chủ nhiệm", "Tiếng Anh", "935258104",
              "tri.qm258@example.edu.vn"),
             ("Đoàn Văn", "Bảy", date(1975, 1, 2), "Bảo vệ", "", "0935 258 105", "")]
    for n, (family, given, birth, post, subject, phone, email) in enumerate(staff, start=1):
        if bad and n == 2:
            post = "Trưởng nhóm zalo"               # the planted bad line: no post the school has
        ws.append([n, family, given, birth, post, subject, phone, email])
        ws.cell(ws.max_row, 4).number_format = "dd/mm/yyyy"
    ws.append(["Danh sách gồm 5 người"])
    ws.append([])
    ws.append([None, None, None, None, None, "Long Xuyên, ngày 01 tháng 9 năm 2026"])
    ws.append([None, None, None, None, None, "HIỆU TRƯỞNG"])
    ws.append([])
    ws.append([None, None, None, None, None, "Huỳnh Quốc Duy"])
    _save(wb, name)


def class_list_titled(name: str, bad: bool = False) -> None:
    """A homeroom teacher's class list with no class column: the class is in its title only
    (“DANH SÁCH HỌC SINH LỚP 6A1”), a date typed as text, the “Nữ” column ticked “x”."""
    wb = Workbook()
    ws = wb.active
    ws.title = "6A1"
    ws.append(["PHÒNG GD&ĐT THÀNH PHỐ LONG XUYÊN", None, None, None, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    ws.append(["TRƯỜNG THCS NGUYỄN DU", None, None, None, "Độc lập - Tự do - Hạnh phúc"])
    ws.append([])
    ws.append(["DANH SÁCH HỌC SINH LỚP 6A1"])
    ws.merge_cells("A4:H4")
    ws.append(["Năm học 2026 - 2027"])
    ws.merge_cells("A5:H5")
    ws.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Nữ", "Họ tên phụ huynh", "Số điện thoại", "Địa chỉ"])
    _bold(ws, ws.max_row)
    pupils = [("8910000411", "Võ Ngọc Trâm", "28/02/2014", "x", "Võ Văn Tài", "0778 411 411", "Mỹ Phước"),
              ("8910000412", "Huỳnh Gia Bảo", "22/12/2014", None, "Huỳnh Thị Mai", "0919.412.412", "Mỹ Hoà")]
    for n, (code, full, birth, tick, parent, phone, place) in enumerate(pupils, start=1):
        if bad and n == 1:
            birth = "31/02/2014"                    # the planted bad line
        ws.append([n, code, full, birth, tick, parent, phone, place])
    ws.append(["Tổng số: 2 học sinh; Nữ: 1"])
    ws.append([None, None, None, None, None, "Giáo viên chủ nhiệm"])
    _save(wb, name)


MAKERS = {
    "ke-hoach-day-hoc-toan6.xlsx": teaching_plan,
    "phan-phoi-chuong-trinh-toan6.txt": ppct_unicode_text,
    "danh-sach-hoc-sinh-phan-mem-truong.xlsx": student_list_sms,
    "C1-HocSinh-csdl-nganh.xls": student_list_csdl_xls,
    "so-diem-toan-6a1.xlsx": grade_book_sms,
    "so-diem-giao-vien-6a1.xlsx": grade_sheet_teacher,
    "danh-sach-lop-gvcn.xlsx": class_list_homeroom,
    "vietcombank-sao-ke.xlsx": vietcombank,
    "vietinbank-lich-su-giao-dich.xlsx": vietinbank,
    "bidv-bao-cao-chi-tiet.xls": bidv_xls,
    "techcombank-sao-ke.xlsx": techcombank,
    "mb-sao-ke.xls": mb_html,
    "agribank-sao-ke.csv": agribank_csv,
    "so-phu-tai-khoan.xlsx": posting_journal,
    "pos-settlement.xlsx": pos_settlement,
    "danh-sach-can-bo-giao-vien.xlsx": staff_list,
    "danh-sach-lop-theo-tieu-de.xlsx": class_list_titled,
    "danh-sach-lien-lac-6a1.xlsx": contact_list,
}


def main(names: list[str]) -> None:
    """Write the named files (all when none is named) and their copies with a planted bad line;
    a workbook is never byte-for-byte the same twice, so only what changed is rewritten."""
    for name, make in MAKERS.items():
        if names and name not in names:
            continue
        stem, dot, ext = name.rpartition(".")
        make(name, False)
        make(f"{stem}-loi{dot}{ext}", True)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
