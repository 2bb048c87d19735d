"""A teacher's own mark sheet without a pupil code column (issue #23, finding 10): each line is the
class's pupil of that name (and birth date), the preview says who; a name that is nobody in the
class, or whose birth date is not the pupil's, is refused on its line naming it; nothing is saved
while a line is refused."""
from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from lms.gradebook.models import GradeEntry

FILES = Path(__file__).parents[1] / "files"


def _sheet(rows) -> bytes:
    """The tester's layout (so-diem-khong-ma-hs.xlsx): a title, then STT · Họ và tên · Ngày sinh · marks."""
    wb = Workbook()
    ws = wb.active
    ws.append(["BẢNG ĐIỂM TOÁN 6A1 - HKI"])
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "TX1", "GK", "CK"])
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _post(client, world, data, name="so-diem.xlsx", **extra):
    return client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                       {"file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data")


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def test_a_sheet_without_codes_is_matched_by_name_and_birth_date_and_imports(world, client, dbs):
    client.login("gv.a")
    data = _sheet([["Nguyễn Văn An", "05/09/2014", 8, 7, "8,5"],
                   ["Nguyen Thi Binh", None, 9, None, None],       # typed without accents, no birth date
                   ["Trần Minh Châu", "01/01/2014", None, 6, None]])
    page = _post(client, world, data)
    assert page.status_code == 200, _text(page)
    text = _text(page)
    assert "ghép theo họ tên trong lớp 6A1" in text
    assert re.search(r"4 Nguyễn Văn An Nguyễn Văn An HSA001, sinh 05/09/2014 họ tên và ngày sinh", text), text
    assert re.search(r"5 Nguyen Thi Binh Nguyễn Thị Bình HSA002, sinh 12/03/2014 họ tên\b", text), text
    assert "Xác nhận nhập" in text
    token = re.search(r'name="token" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    done = _post(client, world, b"", confirm="1", token=token)
    assert done.status_code == 302
    with dbs() as s:
        entries = s.scalars(select(GradeEntry).where(GradeEntry.course_id == world.a.course.id)).all()
        marks = {(e.student_id, e.kind, e.position): e.score10 for e in entries}
    an, binh, chau = (world.a.students[c].id for c in ("HSA001", "HSA002", "HSA003"))
    assert marks == {(an, "tx", 1): 80, (an, "gk", 1): 70, (an, "ck", 1): 85, (binh, "tx", 1): 90,
                     (chau, "gk", 1): 60}


def test_an_unknown_name_or_a_birth_date_not_the_pupils_is_refused_by_line_and_nothing_saved(world, client, dbs):
    client.login("gv.a")
    data = _sheet([["Nguyễn Văn An", "05/09/2014", 8, None, None],
                   ["Phạm Văn Cường", None, 9, None, None],
                   ["Trần Minh Châu", "02/01/2014", 7, None, None]])
    page = _post(client, world, data)
    assert page.status_code == 422
    text = _text(page)
    assert "5 Phạm Văn Cường Họ và tên (B) Phạm Văn Cường không có học sinh tên “Phạm Văn Cường” trong lớp 6A1." in text
    assert ("6 Trần Minh Châu Ngày sinh (C) 02/01/2014 học sinh tên “Trần Minh Châu” của lớp 6A1 không sinh ngày "
            "02/01/2014") in text
    assert "Xác nhận nhập" not in text
    with dbs() as s:
        assert s.scalars(select(GradeEntry).where(GradeEntry.course_id == world.a.course.id)).all() == []


def test_the_testers_sheet_is_read_and_its_strangers_refused_by_name(world, client):
    """so-diem-khong-ma-hs.xlsx was refused whole ("thiếu cột Mã học sinh"); its pupils are another
    class's, so each line is refused naming its pupil."""
    client.login("gv.a")
    page = _post(client, world, (FILES / "so-diem-khong-ma-hs.xlsx").read_bytes(), "so-diem-khong-ma-hs.xlsx")
    text = _text(page)
    assert page.status_code == 422
    assert "thiếu cột" not in text
    for line, name in ((4, "Lê Thanh An"), (5, "Trần Gia An"), (6, "Trần Quốc An")):
        assert f"{line} {name} Họ và tên (B) {name} không có học sinh tên “{name}” trong lớp 6A1." in text


def test_a_sheet_with_neither_code_nor_name_is_refused_saying_so(world, client):
    client.login("gv.a")
    wb = Workbook()
    wb.active.append(["STT", "TX1", "GK"])
    wb.active.append([1, 8, 7])
    buf = io.BytesIO()
    wb.save(buf)
    text = _text(_post(client, world, buf.getvalue()))
    assert "không có cột “Mã học sinh”" in text and "hay cột “Họ và tên”" in text


def test_the_english_refusal_table_names_its_column_student_in_the_singular(world, client):
    """Finding 15: the column of one pupil per line read "Students"."""
    client.login("gv.a")
    client.get("/language/en")
    page = _post(client, world, _sheet([["Phạm Văn Cường", None, 9, None, None]]))
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "<th>Student</th>" in body and "Students" not in body
