"""The one table reader (lms/core/tables.py) on the layouts an outside tester brought: bilingual
headers whose slash the file already writes, date and time of day in one cell or in two columns."""
from datetime import datetime

import pytest

from lms.core.tables import Column, header_text, read_table, to_datetime

SPEC = [Column("date", "Ngày giao dịch", ("Transaction date", "Ngày GD"), required=True, anchor=True),
        Column("credit", "Số tiền ghi có", ("Ghi có", "Credit", "Có")),
        Column("content", "Nội dung", ("Mô tả", "Description"), text=True)]


@pytest.mark.parametrize("written, shown", [
    ("Ngày giao dịch /\nTransaction date", "Ngày giao dịch / Transaction date"),
    ("Ngày giao dịch/\nTransaction date", "Ngày giao dịch/ Transaction date"),
    ("Ngày giao dịch\n/ Transaction date", "Ngày giao dịch / Transaction date"),
    ("Ngày giao dịch\nTransaction date", "Ngày giao dịch / Transaction date"),
    ("Bài học\n(1)", "Bài học (1)"),
])
def test_a_bilingual_header_is_named_with_one_slash(written, shown):
    assert header_text(written) == shown


def test_a_bilingual_header_over_two_rows_is_one_name_in_messages():
    csv = ("Ngày giao dịch /;Có /;Mô tả /\r\nTransaction date;Credit;Description\r\n"
           "01/09/2025;1.250.000;HD1\r\n").encode()
    table = read_table("sk.csv", csv, SPEC, max_rows=10)
    assert table.columns == {"date": 0, "credit": 1, "content": 2}
    assert table.column_name("date") == "Ngày giao dịch / Transaction date (A)"
    assert [line.number for line in table.lines] == [3]


@pytest.mark.parametrize("text", ["01/09/2025 08:15:22", "01/09/2025\n08:15:22", "08:15:22 01/09/2025",
                                  "01-09-2025 8:15:22 AM", "2025-09-01T08:15:22", "01/09/2025 08:15:22 SA"])
def test_a_date_and_its_time_in_one_cell(text):
    assert to_datetime(text) == datetime(2025, 9, 1, 8, 15, 22)


@pytest.mark.parametrize("text, hour", [("01/09/2025 08:15 PM", 20), ("01/09/2025 08:15 CH", 20),
                                        ("01/09/2025 12:15 SA", 0), ("01/09/2025 08h15", 8)])
def test_a_time_of_day_as_people_and_portals_write_it(text, hour):
    assert to_datetime(text) == datetime(2025, 9, 1, hour, 15)


@pytest.mark.parametrize("text", ["01/09/2025 25:00", "01/09/2025 13:00 PM", "01/09/2025 sáng"])
def test_a_time_that_is_none_is_refused(text):
    with pytest.raises(ValueError):
        to_datetime(text)


def test_a_time_column_beside_the_date_is_read_with_it():
    csv = ("Ngày GD;Giờ GD;Ghi có;Mô tả\r\n01/09/2025;08:15:22;1.250.000;HD1\r\n"
           "02/09/2025;;850.000;HD2\r\n03/09/2025;25:10;500.000;HD3\r\n").encode()
    table = read_table("sk.csv", csv, SPEC, max_rows=10)
    assert table.unknown == []
    assert [line.get("date") for line in table.lines] == [datetime(2025, 9, 1, 8, 15, 22), "02/09/2025",
                                                          "03/09/2025 25:10"]
    with pytest.raises(ValueError):
        to_datetime(table.lines[2].get("date"))      # refused with both texts, as the file has them


def test_of_two_date_columns_the_one_with_the_time_of_day_is_the_lines_moment():
    """VietinBank's statement: the accounting date (once a day, no time) left of the transaction's
    own date and time in one cell — the moment is the second, and a day's later lines are data."""
    spec = [Column("date", "Ngày giao dịch", ("Ngày hạch toán", "Transaction date", "Accounting date"),
                   required=True, anchor=True), *SPEC[1:]]
    csv = ("LỊCH SỬ GIAO DỊCH - TRANSACTION HISTORY\r\n"
           "Ngày hạch toán/ Accounting date\tNgày giao dịch/ Transaction date\tCó/ Credit\tMô tả/ Description\r\n"
           "01/09/2025\t01/09/2025 08:15:22\t1.250.000\tHD1\r\n"
           "\t01/09/2025 16:40:05\t850.000\tNop tien ngay 1 thang 9 nam 2025\r\n").encode("utf-16")
    table = read_table("vtb.txt", csv, spec, max_rows=10)
    assert table.column_name("date") == "Ngày giao dịch/ Transaction date (B)"
    assert table.unknown == ["Ngày hạch toán/ Accounting date (A)"]
    assert [(line.number, to_datetime(line.get("date"))) for line in table.lines] == [
        (3, datetime(2025, 9, 1, 8, 15, 22)), (4, datetime(2025, 9, 1, 16, 40, 5))]


def test_blank_lines_are_named_apart_and_never_counted_as_layout():
    """A list with a blank line under its title, one between pupils and the empty rows Excel keeps
    below it: the blank lines inside the file are named once, apart, so the gap in the line numbers
    is explained; the empty rows below the table are not listed, and no blank line is counted."""
    spec = [Column("code", "Mã học sinh", required=True, anchor=True), Column("name", "Họ và tên", text=True)]
    csv = ("DANH SÁCH HỌC SINH LỚP 6A1\r\n\r\nMã học sinh;Họ và tên\r\nHS1;An\r\n;\r\n \u00a0; \r\nHS2;Bình\r\n"
           "Tổng số: 2\r\n;\r\n;\r\n;\r\n").encode()
    table = read_table("ds.csv", csv, spec, max_rows=10)
    assert [line.number for line in table.lines] == [4, 7]
    assert table.blank_lines() == "2, 5–6"
    assert table.layout_lines() == 2          # the title and the count line, not the blank ones


def test_a_numbered_section_line_in_the_anchor_column_is_layout_but_a_lone_value_stays_data():
    """Issue #23 (finding 7): “II. Nhiệm vụ khác (nếu có): …” alone in the anchor column is a section
    line; a value alone on its row (“1-2”, “A-12”) is still data, checked and named by the import."""
    spec = [Column("week", "Tuần", (), anchor=True), Column("topic", "Tên bài dạy", (), required=True, text=True)]
    csv = ("Tuần;Tên bài dạy\r\n1;Bài 1\r\nII. Nhiệm vụ khác (nếu có): Bồi dưỡng học sinh giỏi.;\r\n"
           "1-2;\r\nA-12;\r\n").encode()
    table = read_table("kh.csv", csv, spec, max_rows=10)
    assert [(s.line, s.kind) for s in table.skipped] == [(3, "heading")]
    assert [line.number for line in table.lines] == [2, 4, 5]
