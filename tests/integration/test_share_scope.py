"""A teacher's online-share report heads her totals by what they are — her own courses, named by
her — on the page, in the PDF and in the Excel file; never "Trường" above figures that are not the
school's. The admin's report keeps the school's heading."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.pdftext import text as pdf_text

MINE = "Giáo viên (các lớp, môn được giao)"


def test_a_teachers_totals_are_headed_as_hers(world, make_client, dbs):
    from lms.auth.models import User
    from lms.courses import plans
    from lms.people.models import Course

    with dbs() as s:
        plans.generate_plan(s, s.get(User, world.a.teacher.id), s.get(Course, world.a.course.id))
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get("/reports/online-share").get_data(as_text=True)
    school_table = page.split('id="share-school"')[1].split("</table>")[0]
    assert f"<th>{MINE}</th>" in school_table and 'data-label="Giáo Viên A"' in school_table
    assert "<th>Trường</th>" not in school_table and "Trường THCS Thử A" not in school_table
    pdf = re.sub(r"\s+", " ", pdf_text(teacher.get("/reports/online-share.pdf").data))
    assert "1. Các lớp, môn do giáo viên Giáo Viên A dạy" in pdf
    assert f"{MINE} Tổng số tiết Giáo Viên A" in pdf and "Trường Tổng số tiết" not in pdf
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(teacher.get("/reports/online-share.xlsx").data)).active.iter_rows()]
    assert ["Các lớp, môn do giáo viên Giáo Viên A dạy"] == [v for v in rows[2] if v]
    assert any(r[0] == MINE and r[1] == "Giáo Viên A" for r in rows)
    assert not any(r[0] == "Toàn trường" for r in rows)

    admin = make_client()
    admin.login("admin.a")
    school_table = admin.get("/reports/online-share").get_data(as_text=True).split('id="share-school"')[1]
    assert "<th>Trường</th>" in school_table.split("</table>")[0]
    pdf = re.sub(r"\s+", " ", pdf_text(admin.get("/reports/online-share.pdf").data))
    assert "Trường Tổng số tiết" in pdf and MINE not in pdf
