"""The one table reader matches a header by its accents first (issue #23): "Năm" is not the "Nam"
column, "Lớp" not an unaccented "Lop", "Môn" not "Mon" when the import knows both — generally, for
every import, whichever comes first in the file; a file typed without accents, or with another tone
placement, is still read."""
from pathlib import Path

import pytest

from lms.core.tables import Column, read_table
from tests.unit.test_tables import xlsx

# Near-matches with and without accents, each a column of its own.
SPEC = [Column("year", "Năm", ("Năm sinh",), anchor=True),
        Column("male", "Nam", ("Nam (x)",)),
        Column("grade", "Lớp", ()),
        Column("lop", "Lop", ()),
        Column("subject", "Môn", ()),
        Column("monday", "Mon", ())]


@pytest.mark.parametrize("order", [0, 1])
def test_an_accented_header_is_its_own_column_and_an_unaccented_one_the_other(order):
    headers = ["Năm", "Nam", "Lớp", "Lop", "Môn", "Mon"]
    if order:
        headers = headers[::-1]
    table = read_table("t.xlsx", xlsx([headers, [f"v{i}" for i in range(6)]]), SPEC, max_rows=10)
    assert {k: headers[i] for k, i in table.columns.items()} == {
        "year": "Năm", "male": "Nam", "grade": "Lớp", "lop": "Lop", "subject": "Môn", "monday": "Mon"}
    assert table.unknown == []


def test_accents_are_ignored_only_when_no_header_names_the_column_exactly():
    spec = [Column("code", "Mã", anchor=True), Column("year", "Năm", ()), Column("subject", "Môn", ())]
    # "Nam" and "Mon" alone: read as the year and the subject, as a file typed without accents is.
    table = read_table("t.xlsx", xlsx([["Ma", "Nam", "Mon"], ["A1", "2014", "Toan"]]), spec, max_rows=10)
    assert table.columns == {"code": 0, "year": 1, "subject": 2}


def test_a_file_typed_without_accents_or_with_another_tone_placement_is_still_read():
    spec = [Column("name", "Họ và tên", anchor=True), Column("invoice", "Hóa đơn", ()), Column("birth", "Ngày sinh", ())]
    table = read_table("t.xlsx", xlsx([["Ho va ten", "Hoá đơn", "NGAY SINH"], ["An", "1", "01/01/2014"]]), spec,
                       max_rows=10)
    assert table.columns == {"name": 0, "invoice": 1, "birth": 2}


def test_an_exact_header_further_right_beats_a_near_one_on_its_left():
    spec = [Column("code", "Mã", anchor=True), Column("year", "Năm", ())]
    # "Nam" (a boys' tick) comes first and folds to the year's name; the exact "Năm" is the year.
    table = read_table("t.xlsx", xlsx([["Mã", "Nam", "Năm"], ["A1", "x", "2014"]]), spec, max_rows=10)
    assert table.columns == {"code": 0, "year": 2}
    assert table.unknown == ["Nam (B)"]


def test_the_testers_split_birth_date_file_reads_nam_as_the_year():
    from lms.people.imports import STUDENT_SPEC

    data = (Path(__file__).parents[1] / "files" / "students-ngay-thang-nam.xlsx").read_bytes()
    table = read_table("students-ngay-thang-nam.xlsx", data, STUDENT_SPEC, max_rows=100)
    assert "male" not in table.columns
    assert table.headers[table.columns["birth_y"]].endswith("Năm")
    assert table.headers[table.columns["gender"]] == "Giới tính"
