"""The term II grade-book export carries the year's re-test column (KT lại) beside the year's
average, so that re-test marks go out to Excel and come back in; an import refused whole (an
empty file) answers 422 on the import page and names the file."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from lms.gradebook.models import GradeEntry, Kind
from tests.factories import fill_year
from tests.sheets import saved


def _rows(data: bytes) -> tuple[list, dict]:
    ws = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] == "Mã học sinh")
    return rows[at], {r[0]: r for r in rows[at + 1:] if r[0]}


def test_re_test_marks_go_out_to_excel_and_come_back(world, client, dbs):
    with dbs() as s:   # Bình fails Toán (3,0 in both terms): she re-takes it
        fill_year(s, world.a, marks={("HSA002", "toan"): "3"})
        s.commit()
    client.login("gv.a")
    course = world.a.course.id
    header, rows = _rows(client.get(f"/courses/{course}/grades.xlsx?term=2").data)
    assert header[-4:] == ["ĐTB học kỳ", "ĐTB cả năm", "KT lại", "Nhận xét"]
    assert rows["HSA002"][-3:-1] == [3, None] and rows["HSA001"][-3] == 8
    # Term I has no re-test column (it is the year's, recorded under term II).
    assert "KT lại" not in _rows(client.get(f"/courses/{course}/grades.xlsx?term=1").data)[0]

    # The teacher types the re-test mark into the file as Excel keeps it, and imports it back.
    wb = load_workbook(io.BytesIO(client.get(f"/courses/{course}/grades.xlsx?term=2").data))
    line = next(r for r in wb.active.iter_rows() if r[0].value == "HSA002")
    line[header.index("KT lại")].value = "6,5"
    url = f"/courses/{course}/grades/import?term=2"
    preview = client.post(url, {"file": (io.BytesIO(saved(wb)), "so-diem-toan-hk2.xlsx")},
                          content_type="multipart/form-data")
    page = re.sub(r"\s+", " ", preview.get_data(as_text=True))
    assert preview.status_code == 200 and "KT lại (K): <strong>6,5</strong>" in page, page
    assert "ĐTB cả năm (" in page.split('id="computed-columns"')[1].split("</p>")[0]   # computed, never read
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    assert client.post(url, {"token": token, "confirm": "1"}).status_code == 302
    with dbs() as s:
        entry = s.scalars(select(GradeEntry).where(GradeEntry.course_id == course, GradeEntry.kind == Kind.RETEST)).one()
        assert (entry.student_id, entry.term, entry.score10) == (world.a.students["HSA002"].id, 2, 65)
    header, rows = _rows(client.get(f"/courses/{course}/grades.xlsx?term=2").data)
    assert rows["HSA002"][header.index("KT lại")] == 6.5
    # The new export imported unchanged writes nothing.
    again = client.post(url, {"file": (io.BytesIO(client.get(f"/courses/{course}/grades.xlsx?term=2").data),
                                       "so-diem-toan-hk2.xlsx")}, content_type="multipart/form-data")
    assert again.status_code == 200 and "không có gì để nhập" in again.get_data(as_text=True)


def test_an_empty_file_is_refused_by_name_with_422(world, client):
    client.login("gv.a")
    for content in (b"", b"  \r\n"):
        page = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                           {"file": (io.BytesIO(content), "so-diem-toan-6a1.xlsx")}, content_type="multipart/form-data")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
        assert page.status_code == 422
        assert "Không nhập được tệp “so-diem-toan-6a1.xlsx”: Tệp rỗng" in text, text
    # A table naming its pupils neither by code nor by name names the file too, on the import page
    # (one with names and no code is read by name since issue #23's finding 10).
    sheet = "Lớp,Toán\n6A1,8\n".encode()
    page = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                       {"file": (io.BytesIO(sheet), "diem-toan.csv")}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert "Tệp “diem-toan.csv” không có cột “Mã học sinh”" in page.get_data(as_text=True)
    # Every import reads through the same reader and says it the same way, with 422.
    page = client.post(f"/courses/{world.a.course.id}/plan/import",
                       {"file": (io.BytesIO(b""), "ke-hoach-toan.xlsx")}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert "Không nhập được tệp “ke-hoach-toan.xlsx”: Tệp rỗng" in page.get_data(as_text=True)


def test_every_table_import_refuses_an_empty_file_by_name(world, make_client):
    for login, url in (("admin.a", "/school/import/students"), ("admin.a", "/school/import/staff"),
                       ("kt.a", "/billing/statements")):
        client = make_client()
        client.login(login)
        page = client.post(url, {"file": (io.BytesIO(b""), "danh-sach.xlsx")}, content_type="multipart/form-data")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
        assert page.status_code == 422 and "Không nhập được tệp “danh-sach.xlsx”: Tệp rỗng" in text, (url, page.status_code)


def test_a_file_of_one_term_is_refused_in_the_other_naming_both(world, client, dbs):
    """The export says its term on its "Hướng dẫn" sheet (a school's sheet in its title): imported
    into the other term, every mark would be copied across, each one valid — refused whole."""
    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    client.login("gv.a")
    course = world.a.course.id
    wb = load_workbook(io.BytesIO(client.get(f"/courses/{course}/grades.xlsx?term=1").data))
    assert "Học kỳ I." in wb["Hướng dẫn"]["A1"].value
    line = next(r for r in wb.active.iter_rows() if r[0].value == "HSA002")
    line[2].value = 4
    wrong = client.post(f"/courses/{course}/grades/import?term=2",
                        {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")}, content_type="multipart/form-data")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", wrong.get_data(as_text=True)))
    assert wrong.status_code == 422
    assert "Tệp “so-diem.xlsx” là sổ điểm Học kỳ I, nhưng bạn đang nhập vào Học kỳ II" in text, text
    assert 'name="token"' not in wrong.get_data(as_text=True)
    right = client.post(f"/courses/{course}/grades/import?term=1",
                        {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")}, content_type="multipart/form-data")
    assert right.status_code == 200 and 'name="token"' in right.get_data(as_text=True)
    # A school system's sheet says its term in the title above the header.
    sheet = "BẢNG ĐIỂM MÔN TOÁN - HỌC KỲ II\nMã học sinh,Họ và tên,GK\nHSA002,x,7\n".encode()
    page = client.post(f"/courses/{course}/grades/import?term=1",
                       {"file": (io.BytesIO(sheet), "diem.csv")}, content_type="multipart/form-data")
    assert page.status_code == 422 and "là sổ điểm Học kỳ II, nhưng bạn đang nhập vào Học kỳ I" in \
        page.get_data(as_text=True)
