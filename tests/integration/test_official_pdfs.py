"""Every official PDF at one page and at many pages, read back with pdftotext as its signer
would: the heading (national name, motto, issuing body), the administrative date line with no
time, the required parts, the signature block, and no table row split across a page break.

Set LMS_PDF_OUT to a folder to keep the files (then `pdftoppm -png` them to look)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lms.auth.models import User
from lms.core.timeutil import utc_to_local, utcnow
from lms.people import imports
from lms.people.models import School
from tests.factories import csv_bytes, fill_year
from tests.pdftext import assert_row_whole, pages

GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc", "Phúc", "Quân", "Sơn",
         "Trang", "Uyên", "Vy", "Xuân", "Yến"]


def keep(name: str, data: bytes) -> None:
    folder = os.environ.get("LMS_PDF_OUT")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(data)


def today_line(place: str) -> str:
    day = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").date()
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def assert_official(texts: list[str], *, issuer: str, date_line: str | None, signer: str) -> None:
    first, whole = texts[0], " ".join(texts)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập - Tự do - Hạnh phúc" in first
    assert issuer.upper() in first
    if date_line:
        assert date_line in first, first[:400]
    assert not re.search(r"\b\d{1,2}:\d{2}\b", whole), "a time in an official document"
    assert signer in texts[-1]


def add_pupils(dbs, world, n: int) -> None:
    """n more pupils in 6A1, with names long enough to be told apart."""
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        rows = [[f"HSX{i:03d}", f"Nguyễn {GIVEN[i % len(GIVEN)]} Thị Số {i:03d}", "01/01/2014", "Nữ", "6A1", "",
                 f"Phụ Huynh {i:03d}", "Mẹ", f"0913{i:06d}", ""] for i in range(n)]
        year = s.get(type(world.a.year), world.a.year.id)
        plan = imports.plan_student_import(s, school, year, "hs.csv", csv_bytes(rows), 1000)
        assert plan.ok, plan.issues
        imports.apply_student_import(s, s.get(User, world.a.admin.id), school, year, plan)
        school.place_name = "Long Xuyên"
        s.commit()


@pytest.mark.parametrize("extra", [0, 70], ids=["one-page", "many-pages"])
def test_class_summary_pdf(world, client, dbs, extra):
    add_pupils(dbs, world, extra)
    with dbs() as s:
        fill_year(s, world.a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"}, conduct="T")
        s.commit()
    client.login("gv.a")
    pdf = client.get(f"/classes/{world.a.school_class.id}/summary.pdf?period=0").data
    keep(f"class-summary-{'many' if extra else 'one'}.pdf", pdf)
    texts = pages(pdf)
    assert (len(texts) == 1) if not extra else (len(texts) >= 3), len(texts)
    assert_official(texts, issuer="Trường THCS Thử A", date_line=today_line("Long Xuyên") if extra else None,
                    signer="HIỆU TRƯỞNG")
    whole = " ".join(texts)
    for part in ("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ", "Danh sách kiểm tra lại (1)", "Danh sách rèn luyện trong kỳ nghỉ hè (0)",
                 "Danh sách ở lại lớp (0)", "Danh sách khen thưởng", "GIÁO VIÊN CHỦ NHIỆM", "Giáo Viên A"):
        assert part in whole, part
    assert_row_whole(texts, "Nguyễn Thị Bình Kiểm tra lại: Ngữ văn, Toán")
    # Each pupil's row whole on one page: name, 8 score subjects, 4 comment subjects, results.
    row = " 8,0" * 8 + " Đ" * 4 + " Tốt Tốt 2/0 Lên lớp Học sinh Giỏi"
    assert_row_whole(texts, "Nguyễn Văn An" + row)
    for i in range(extra):
        assert_row_whole(texts, f"Nguyễn {GIVEN[i % len(GIVEN)]} Thị Số {i:03d}" + row)
