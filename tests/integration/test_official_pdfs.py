"""Every official PDF at one page and at many pages, read back with pdftotext as its signer
would: the heading (national name, motto, issuing body), the administrative date line with no
time, the required parts, the signature block, and no table row split across a page break.

Set LMS_PDF_OUT to a folder to keep the files (then `pdftoppm -png` them to look)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.core.timeutil import utc_to_local, utcnow
from lms.people import imports
from lms.people.models import School
from tests.factories import csv_bytes, fill_year, lock_year
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
    assert_row_whole(texts, "Nguyễn Thị Bình Kiểm tra lại: Ngữ văn (chưa có điểm), Toán (chưa có điểm)")
    # Each pupil's row whole on one page: name, 8 score subjects, 4 comment subjects, results.
    row = " 8,0" * 8 + " Đ" * 4 + " Tốt Tốt 2/0 Lên lớp Học sinh Giỏi"
    assert_row_whole(texts, "Nguyễn Văn An" + row)
    for i in range(extra):
        assert_row_whole(texts, f"Nguyễn {GIVEN[i % len(GIVEN)]} Thị Số {i:03d}" + row)


LONG = ("Nắm vững kiến thức cơ bản, tích cực phát biểu xây dựng bài, hoàn thành đầy đủ bài tập về nhà; cần rèn "
        "thêm kỹ năng trình bày lời giải và kiểm tra lại kết quả trước khi nộp bài. Số {n}.")


@pytest.mark.parametrize("long_remarks", [False, True], ids=["one-page", "many-pages"])
def test_report_card_pdf(app, world, client, dbs, long_remarks):
    """The issued card: identity, subjects with the teachers' remarks, results, signatures, the
    seal with the verification address; with long remarks each subject's row stays whole."""
    from lms.gradebook.models import GradeRemark
    from lms.people.services import courses_of_class

    with dbs() as s:
        fill_year(s, world.a)
        lock_year(s, world.a)
        school = s.get(School, world.a.school.id)
        school.place_name = "Long Xuyên"
        if long_remarks:
            for n, course in enumerate(courses_of_class(s, world.a.school_class.id)):
                s.add(GradeRemark(school_id=school.id, course_id=course.id, student_id=world.a.students["HSA001"].id,
                                  term=2, text=LONG.format(n=n) * 2))
        s.commit()
    client.login("admin.a")
    assert client.post(f"/classes/{world.a.school_class.id}/report-cards", {}).status_code == 302
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        from lms.gradebook.models import ReportCard

        card = s.scalars(select(ReportCard).where(ReportCard.student_id == world.a.students["HSA001"].id)).one()
        card_id, issued = card.id, card.issued_at
    pdf = client.get(f"/report-cards/{card_id}.pdf").data
    keep(f"report-card-{'many' if long_remarks else 'one'}.pdf", pdf)
    texts = pages(pdf)
    assert (len(texts) == 1) if not long_remarks else (len(texts) >= 2), len(texts)
    day = utc_to_local(issued, "Asia/Ho_Chi_Minh").date()
    assert_official(texts, issuer="Trường THCS Thử A", date_line=None, signer="Học bạ này đã được nhà trường ký xác thực")
    whole = " ".join(texts)
    assert f"Long Xuyên, ngày {day.day:02d} tháng" in whole and f"năm {day.year}" in whole
    for part in ("HỌC BẠ TRUNG HỌC CƠ SỞ", "NGUYỄN VĂN AN", "Họ tên mẹ: Nguyễn Thị Lan", "Quá trình học tập",
                 "1. Kết quả học tập các môn học", "2. Kết quả học tập và rèn luyện", "Xét lên lớp: Lên lớp",
                 "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG", "/verify/"):
        assert part in whole.replace("/ verify/", "/verify/"), part
    if long_remarks:
        for n in range(12):
            assert_row_whole(texts, (LONG.format(n=n) * 2).strip())


def _render(app, template: str, **context) -> bytes:
    from flask import render_template

    from lms.core.pdf import render_pdf

    with app.test_request_context("/"):
        return render_pdf(render_template(template, **context))


@pytest.mark.parametrize("schools", [3, 80], ids=["one-page", "many-pages"])
def test_department_report_pdf(app, world, dbs, schools):
    """The province's ranking of its schools: each school's row whole, signed by the Giám đốc."""
    from types import SimpleNamespace

    from lms.people.models import Department
    from lms.reports import cashless, official

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        department = s.get(Department, world.dept_a.id)
        period = cashless.half_year(2026, 2)
        now = utcnow()
        report = official.school_official(s, school, period, now)
        rows = [official.DepartmentRow(SimpleNamespace(name=f"Trường THCS Số {i:03d} xã Mỹ Hòa Hưng"), report)
                for i in range(schools)]
        d = official.DepartmentOfficial(department, period, dict(official.DEFAULT_WEIGHTS), rows, generated=now)
        official.rank(d.rows, d.weights)
        pdf = _render(app, "reports/official_department_pdf.html", d=d)
    keep(f"department-{'many' if schools > 3 else 'one'}.pdf", pdf)
    texts = pages(pdf)
    assert (len(texts) == 1) if schools == 3 else (len(texts) >= 3), len(texts)
    assert_official(texts, issuer="Sở GD&ĐT", date_line=today_line("Thử A"), signer="GIÁM ĐỐC")
    assert "UBND TỈNH THỬ A" in texts[0]                      # the superior body above the department
    assert "GIÁM ĐỐC / TRƯỞNG PHÒNG" not in " ".join(texts)
    for i in range(schools):
        assert_row_whole(texts, f"Trường THCS Số {i:03d} xã Mỹ Hòa Hưng")


def test_school_report_and_online_share_pdfs(app, world, dbs, make_client):
    """The school's half-year report (two pages) and the online-share report of a class with one
    course (two pages: the tables and a chart large enough to read) and with every course."""
    from lms.people import services
    from lms.reports import cashless, official

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        school.place_name = "Long Xuyên"
        report = official.school_official(s, school, cashless.half_year(2026, 2), utcnow())
        pdf = _render(app, "reports/official_school_pdf.html", r=report, rule=cashless.RULE,
                      labels=cashless.METHOD_LABELS, methods=cashless.METHODS)
        s.commit()
    keep("school-report.pdf", pdf)
    texts = pages(pdf)
    assert_official(texts, issuer="Trường THCS Thử A", date_line=today_line("Long Xuyên"), signer="HIỆU TRƯỞNG")
    whole = " ".join(texts)
    for part in ("BÁO CÁO", "6 tháng cuối năm 2026", "1. Dạy học trực tuyến", "3. Sổ điểm điện tử, học bạ số",
                 "Điểm đã nhập sổ, Học kỳ I 2026-2027", "4. Thu phí không dùng tiền mặt", "5. Đánh giá", "Nơi nhận:"):
        assert part in whole, part
    admin = make_client()
    admin.login("admin.a")
    one = admin.get("/reports/online-share.pdf").data
    keep("online-share-one.pdf", one)
    texts = pages(one)
    assert len(texts) == 2
    assert_official(texts, issuer="Trường THCS Thử A", date_line=today_line("Long Xuyên"), signer="HIỆU TRƯỞNG")
    with dbs() as s:
        services.add_missing_courses(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id),
                                     s.get(type(world.a.school_class), world.a.school_class.id))
        s.commit()
    many = admin.get("/reports/online-share.pdf").data
    keep("online-share-many.pdf", many)
    texts = pages(many)
    assert len(texts) >= 2
    assert_official(texts, issuer="Trường THCS Thử A", date_line=today_line("Long Xuyên"), signer="HIỆU TRƯỞNG")
    for subject in ("Toán", "Ngữ văn", "Khoa học tự nhiên", "Giáo dục thể chất"):
        assert_row_whole(texts, f"{subject} — 6A1")


def test_receipts_pdf_one_and_a_months_worth(app, world, client, dbs):
    """A receipt is one A5 page; a month's receipts are one page each, none split."""
    from lms.billing.models import Payment
    from tests.integration.test_billing import _issued, _pay

    ids = _issued(dbs, world)
    client.login("kt.a")
    for code in ("HSA001", "HSA002", "HSA003"):
        assert _pay(client, ids[code], amount="200000").status_code == 302
    with dbs() as s:
        payment_id = s.scalars(select(Payment.id).order_by(Payment.id)).first()
    one = client.get(f"/billing/payments/{payment_id}/receipt.pdf").data
    keep("receipt-one.pdf", one)
    texts = pages(one)
    assert len(texts) == 1 and "BIÊN LAI THU TIỀN" in texts[0] and "Hai trăm nghìn đồng" in texts[0]
    month = f"{utc_to_local(utcnow(), 'Asia/Ho_Chi_Minh'):%Y-%m}"
    started = client.post("/billing/receipts/bulk", {"month": month, "class_id": ""})
    app.extensions["lms_jobs"].wait()
    status = client.get(started.headers["Location"] + ".json").get_json()
    many = client.get(status["result"]).data
    keep("receipt-month.pdf", many)
    texts = pages(many)
    assert len(texts) == 3
    for page_text in texts:
        assert page_text.count("BIÊN LAI THU TIỀN") == 1 and "Người thu tiền" in page_text


def test_the_governing_bodys_name_is_never_broken_in_the_heading(app, world, dbs):
    """"SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH AN GIANG" above a school, "UBND TỈNH AN GIANG" / "SỞ GIÁO DỤC
    VÀ ĐÀO TẠO" above a department's report: each on one line (the school report wrapped the body's
    name mid-name: "…ĐÀO TẠO TỈNH" / "AN GIANG"), and the table headers of a report carry <thead>."""
    from types import SimpleNamespace

    from lms.people.models import Department
    from lms.reports import cashless, official
    from tests.integration.test_official_reports import _pdf_text

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        department = s.get(Department, world.dept_a.id)
        department.name, department.kind = "Sở Giáo dục và Đào tạo tỉnh An Giang", "province"
        report = official.school_official(s, school, cashless.half_year(2026, 2), utcnow())
        pdf = _render(app, "reports/official_school_pdf.html", r=report)
        lines = [" ".join(line.split()) for line in _pdf_text(pdf).splitlines()]
        assert any(line.startswith("SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH AN GIANG ") for line in lines), lines[:6]
        rows = [official.DepartmentRow(SimpleNamespace(name="Trường THCS Thử A", code="A"), report)]
        d = official.DepartmentOfficial(department, report.period, dict(official.DEFAULT_WEIGHTS), rows,
                                        generated=utcnow())
        official.rank(d.rows, d.weights)
        lines = [" ".join(line.split()) for line in _pdf_text(_render(app, "reports/official_department_pdf.html",
                                                                         d=d)).splitlines()]
        assert any(line.startswith("UBND TỈNH AN GIANG ") for line in lines), lines[:6]
        assert any(line.startswith("SỞ GIÁO DỤC VÀ ĐÀO TẠO ") for line in lines), lines[:6]
        s.rollback()


def test_a_table_continued_on_a_new_page_repeats_its_header_and_never_leaves_its_last_row_alone(app):
    """Every official PDF's base (pdf_base.html): a table that spills onto a new page by one row
    carries its header there and the row before its last along (the school report's "Chỉ tiêu" row
    began page 2 alone, with no header). The table grows a row at a time until it first needs two
    pages: that is the case of a last row alone."""
    from flask import render_template_string

    from lms.core.pdf import render_pdf

    template = ('{% extends "pdf_base.html" %}{% block body %}<table><thead><tr><th>Cột tiêu đề</th><th>Số</th></tr>'
                '</thead><tbody>{% for i in range(n) %}<tr><td>Dòng số {{ i }}</td><td>{{ i }}</td></tr>{% endfor %}'
                '</tbody></table>{% endblock %}')
    with app.test_request_context("/"):
        for n in range(30, 120):
            texts = pages(render_pdf(render_template_string(template, n=n)))
            if len(texts) > 1:
                break
        else:
            raise AssertionError("the table never needed a second page")
    assert len(texts) == 2
    assert "Cột tiêu đề" in texts[1]                                     # the header, repeated
    assert f"Dòng số {n - 1}" in texts[1] and f"Dòng số {n - 2}" in texts[1]   # the last row with its neighbour
    assert f"Dòng số {n - 1}" not in texts[0]
