"""Student lists as schools type them: a parent's name and phone columns read as a person reads them."""
import io

import pytest
from openpyxl import Workbook

from lms.people import imports
from lms.people.models import School, SchoolYear

TITLE = [["TRƯỜNG THCS THỬ A"], ["DANH SÁCH HỌC SINH LỚP 6A1"], []]


def xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plan(dbs, world, data, **kw):
    with dbs() as s:
        return imports.plan_student_import(s, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id),
                                           "ds.xlsx", data, 1000, **kw)


@pytest.mark.parametrize("name_header, phone_header", [
    ("Họ tên cha", "SĐT phụ huynh"), ("Họ tên mẹ", "Điện thoại"), ("Họ tên cha", "Điện thoại liên hệ"),
    ("Họ tên phụ huynh", "Điện thoại liên hệ"), ("Họ tên cha", "SĐT cha")])
def test_a_phone_column_after_a_parents_name_is_that_parents(world, dbs, name_header, phone_header):
    data = xlsx(TITLE + [["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", name_header, phone_header],
                         [1, "HSN901", "Kiều Văn Sang", "05/03/2014", "Nam", "Kiều Văn Lâm", "0912 222 921"],
                         [2, "HSN902", "Kiều Thị Mai", "06/04/2014", "Nữ", "Kiều Văn Lâm", "0912 222 921"]])
    p = plan(dbs, world, data)
    assert p.ok, p.issues
    assert len(p.rows) == 2 and [r.line for r in p.rows] == [5, 6]
    assert [(r.values["parent_name"], r.values["parent_phone"]) for r in p.rows] == [("Kiều Văn Lâm", "0912 222 921")] * 2
    assert p.unknown_headers == ["STT (A)"]   # every other column is used


def test_father_and_mother_with_one_phone_each_and_errors_name_the_files_column(world, dbs):
    data = xlsx(TITLE + [["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Họ tên cha", "SĐT cha", "Họ tên mẹ",
                          "Điện thoại"],
                         [1, "HSN911", "Lê Văn Bảo", "30/02/2014", "Lê Văn Dũng", "0912 345 000", "Võ Thị Hoa",
                          "09x"]])
    p = plan(dbs, world, data)
    assert [(r.values["relation"], r.values["parent_name"]) for r in p.rows] == [("Bố", "Lê Văn Dũng"),
                                                                                   ("Mẹ", "Võ Thị Hoa")]
    said = [(i.line, i.column, i.message) for i in p.issues]
    # The bad birth date once, with its value; the mother's bad phone on the file's "Điện thoại (H)".
    assert said == [(5, "Ngày sinh (D)", "Ngày sinh “30/02/2014” không đúng dạng ngày/tháng/năm."),
                    (5, "Điện thoại (H)", "Số điện thoại “09x” không hợp lệ.")], said
