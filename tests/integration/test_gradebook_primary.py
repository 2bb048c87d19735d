"""Primary assessment (Thông tư 27) through its pages: levels, periodic tests where the grade has
them, qualities and competences, the year result and a primary report card."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.gradebook.models import PrimaryQuality, PrimaryRecord, ReportCard
from lms.gradebook.primary import QUALITY_CODES
from lms.people import services
from lms.people.models import Course, School, Subject


@pytest.fixture
def primary(app, world, dbs):
    """A primary school with class 4A, its programme courses taught by the homeroom teacher gv.p."""
    from sqlalchemy.orm import Session

    from lms.extensions import db
    from tests.factories import make_school

    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as s:
            school = make_school(s, app.extensions["lms_auth"], code="P", name="Trường Tiểu học Thử P", level="TH",
                                 grade=4, class_name="4A", department=world.dept_a, prefix="p", students=[
                                     ["HSP001", "Lê Minh Khôi", "02/02/2017", "Nam", "4A", "", "Lê Thị Mơ", "Mẹ", "0912000011", ""],
                                     ["HSP002", "Phạm Thu Trang", "03/03/2017", "Nữ", "4A", "", "Phạm Văn Tư", "Bố", "0912000012", ""]])
            services.add_missing_courses(s, school.admin, school.school, school.school_class)
            for course in s.scalars(select(Course).where(Course.class_id == school.school_class.id)):
                course.teacher_id = school.teacher.id
            s.commit()
            school.courses = {c.subject.code: c.id for c in s.scalars(select(Course).where(
                Course.class_id == school.school_class.id))}
            return school


def test_levels_tests_and_comments_with_every_bad_cell_named(primary, client, dbs):
    client.login("gv.p")
    toan, dao_duc = primary.courses["toan"], primary.courses["dao_duc"]
    an, trang = primary.students["HSP001"].id, primary.students["HSP002"].id
    page = client.get(f"/courses/{toan}/primary?checkpoint=gk1").get_data(as_text=True)
    assert "Điểm KTĐK" in page  # grade 4: a mid-term test in Toán
    assert "Điểm KTĐK" not in client.get(f"/courses/{dao_duc}/primary?checkpoint=ck1").get_data(as_text=True)
    bad = client.post(f"/courses/{toan}/primary?checkpoint=ck1", {f"l-{an}": "X", f"t-{an}": "0", f"m-{an}": "",
                                                                  f"l-{trang}": "T", f"t-{trang}": "7,5"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "“X” không hợp lệ" in body and "“0” không hợp lệ" in body and "“7,5” không hợp lệ" in body
    with dbs() as s:
        assert s.scalars(select(PrimaryRecord)).first() is None
    ok = client.post(f"/courses/{toan}/primary?checkpoint=ck1", {f"l-{an}": "H", f"t-{an}": "7", f"m-{an}": "Cần luyện tính nhẩm.",
                                                                 f"l-{trang}": "hoàn thành tốt", f"t-{trang}": "10", f"m-{trang}": ""})
    assert ok.status_code == 302
    with dbs() as s:
        records = {r.student_id: (r.level, r.test_score, r.comment) for r in s.scalars(select(PrimaryRecord))}
        assert records == {an: ("H", 7, "Cần luyện tính nhẩm."), trang: ("T", 10, "")}


def test_qualities_and_the_year_result_and_a_primary_report_card(app, primary, client, make_client, dbs, tmp_path):
    from lms.core.timeutil import utcnow
    from lms.gradebook import book, homeroom, primary as tt27_pages

    client.login("gv.p")
    an, trang = primary.students["HSP001"].id, primary.students["HSP002"].id
    school_class = primary.school_class
    bad = client.post(f"/classes/{school_class.id}/qualities?checkpoint=cn", {f"q-{an}-yeu_nuoc": "G"})
    assert bad.status_code == 422 and "“G” không hợp lệ" in bad.get_data(as_text=True)
    cells = {f"q-{sid}-{code}": "T" for sid in (an, trang) for code in QUALITY_CODES}
    cells[f"q-{trang}-cham_chi"] = "Đ"
    assert client.post(f"/classes/{school_class.id}/qualities?checkpoint=cn", cells).status_code == 302
    with dbs() as s:
        assert len(s.scalars(select(PrimaryQuality)).all()) == 30
        for course_id in primary.courses.values():
            course = s.get(Course, course_id)
            rows = [tt27_pages.PrimaryInput(an, "T", "10" if tt27_pages.tested(course, "cn") else ""),
                    tt27_pages.PrimaryInput(trang, "T", "9" if tt27_pages.tested(course, "cn") else "")]
            assert not tt27_pages.save_primary(s, s.get(User, primary.teacher.id), "teacher", course, "cn", rows,
                                               now=utcnow()).issues
        summary = homeroom.primary_summary(s, s.get(type(school_class), school_class.id), "cn")
        results = {r.student.id: (r.result, r.award) for r in summary.rows}
        # Trang: every subject T and every test ≥ 9, but one quality only Đạt → Hoàn thành (HTT and HTXS
        # both need every quality and competence at Tốt).
        assert results == {an: ("Hoàn thành xuất sắc", "Học sinh Xuất sắc"), trang: ("Hoàn thành", None)}
        for term in (1, 2):
            book.lock_term(s, s.get(User, primary.admin.id), s.get(School, primary.school.id), primary.year, term,
                           utcnow())
        s.commit()
    page = client.get(f"/classes/{school_class.id}/summary?checkpoint=cn").get_data(as_text=True)
    assert "Hoàn thành xuất sắc" in page and "Học sinh Xuất sắc" in page
    # The PDF and the Excel file carry what the page shows: the year's totals and the rule (Điều 9).
    import io

    from openpyxl import load_workbook

    from tests.pdftext import text as pdf_text

    rule = "Kết quả cuối năm theo Điều 9 Thông tư 27/2020/TT-BGDĐT"
    totals = ("Hoàn thành xuất sắc: 1", "Hoàn thành tốt: 0", "Hoàn thành: 1", "Chưa hoàn thành: 0")
    flat_page = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    flat_pdf = " ".join(pdf_text(client.get(f"/classes/{school_class.id}/summary.pdf?checkpoint=cn").data).split())
    for flat in (flat_page, flat_pdf):
        assert "Kết quả cuối năm (Điều 9 Thông tư 27)" in flat and rule in flat and "từ 9 điểm" in flat
        assert all(t in flat for t in totals), [t for t in totals if t not in flat]
    sheet = load_workbook(io.BytesIO(client.get(f"/classes/{school_class.id}/summary.xlsx?checkpoint=cn").data)).active
    cells = [" ".join(str(v) for v in row if v not in (None, "")) for row in sheet.iter_rows(values_only=True)]
    assert "Kết quả cuối năm (Điều 9 Thông tư 27)" in cells and any(rule in c for c in cells)
    assert "Hoàn thành xuất sắc 1" in cells and "Chưa hoàn thành 0" in cells
    mid = " ".join(pdf_text(client.get(f"/classes/{school_class.id}/summary.pdf?checkpoint=gk1").data).split())
    assert "Điều 9 Thông tư 27" not in mid and "T: Hoàn thành tốt" in mid
    admin = make_client()
    admin.login("admin.p")
    response = admin.post(f"/classes/{school_class.id}/report-cards", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        card = s.scalars(select(ReportCard).where(ReportCard.student_id == an)).one()
        assert '"kind":"tt27"' in card.snapshot and '"result":"Hoàn thành xuất sắc"' in card.snapshot
        token, card_id = card.token, card.id
    verified = make_client().get(f"/verify/{token}").get_data(as_text=True)
    assert 'data-state="valid"' in verified
    # The verification page shows the card as printed: the subjects' table holds subjects only, the
    # qualities and the two kinds of competences come under their own headings, then the closing lines.
    subjects = verified.split('id="card-subjects"')[1].split("</table>")[0]
    assert "Toán" in subjects and "Yêu nước" not in subjects and "Tự chủ và tự học" not in subjects
    qualities = verified.split('id="qualities"')[1].split("</table>")[0]
    for heading in ("Phẩm chất chủ yếu", "Năng lực chung", "Năng lực đặc thù", "Yêu nước", "Ngôn ngữ"):
        assert heading in qualities, heading
    closing = " ".join(re.sub(r"<[^>]+>", " ", verified.split('id="year-end"')[1].split("</table>")[0]).split())
    assert "Hoàn thành chương trình lớp 4" in closing and "Được lên lớp 5" in closing
    import subprocess

    pdf = tmp_path / "hb.pdf"
    pdf.write_bytes(admin.get(f"/report-cards/{card_id}.pdf").data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "Hoàn thành xuất sắc" in text and "Yêu nước" in text and "LÊ MINH KHÔI" in text
    # The Ministry's form splits the core competences in two.
    flat = " ".join(text.split())
    assert "HỌC BẠ TIỂU HỌC" in flat                            # the form named by its level
    assert "Năng lực chung" in flat and "Năng lực đặc thù" in flat and "năng lực cốt lõi" in flat
    assert flat.index("Năng lực chung") < flat.index("Tự chủ và tự học") and "Ngôn ngữ" in flat
    # The form's closing lines (Điều 9): class 4A completed, going up to grade 5.
    assert "chương trình tiểu học: Hoàn thành chương trình lớp 4" in flat and "Lên lớp: Được lên lớp 5" in flat


def test_the_pupil_sees_levels_and_comments(primary, client, make_client, dbs):
    client.login("gv.p")
    toan, an = primary.courses["toan"], primary.students["HSP001"].id
    client.post(f"/courses/{toan}/primary?checkpoint=gk1", {f"l-{an}": "T", f"t-{an}": "9", f"m-{an}": "Làm bài cẩn thận."})
    mother = make_client()
    mother.login("0912000011")
    page = mother.get(f"/children/{an}/grades").get_data(as_text=True)
    assert "Hoàn thành tốt" in page and "Làm bài cẩn thận." in page and "KTĐK 9" in page
    with dbs() as s:
        assert s.scalars(select(Subject).where(Subject.school_id == primary.school.id)).first().assessment == "comment"


def test_a_primary_card_says_exactly_what_is_missing_and_the_progress_counts_tt27(primary, dbs):
    """Nothing entered yet: the card names each subject's missing level and test and the
    qualities; the school's progress counts TT27's entries (it was 0 of 0 by TT22's columns)."""
    from lms.gradebook import progress, reportcards
    from lms.people.models import SchoolClass

    with dbs() as s:
        school_class = s.get(SchoolClass, primary.school_class.id)
        missing = reportcards.class_data(s, school_class).missing(primary.students["HSP001"].id)
        assert "mức cuối năm môn Toán" in missing and "điểm kiểm tra cuối năm môn Toán" in missing
        assert "mức cuối năm môn Đạo đức" in missing and "điểm kiểm tra cuối năm môn Đạo đức" not in missing
        assert missing[-1].startswith("15 phẩm chất, năng lực cuối năm (Yêu nước")
        courses = list(s.scalars(select(Course).where(Course.class_id == school_class.id)))
        sizes = services.class_sizes(s, [school_class.id])
        filled, required = progress.class_progress(s, courses, sizes, 2)[school_class.id]
        assert filled == 0 and required > 0
        # Grade 4 in term II: gk2 and cn levels for every subject, the tests the rules require
        # (cn: every tested subject; gk2: Tiếng Việt and Toán), 15 qualities at each checkpoint.
        tested_cn = sum(1 for c in courses if c.subject.grades and any(g.grade == 4 and g.periodic_test
                                                                       for g in c.subject.grades))
        mid = sum(1 for c in courses if c.subject.code in ("tieng_viet", "toan"))
        assert required == 2 * (2 * len(courses) + tested_cn + mid + 2 * 15)


def test_primary_dashboards_name_the_rule_of_their_level(primary, world, make_client):
    """The progress figure of a primary school is TT27's: its footnote says so, for the principal
    and for the department's drill-down; a secondary school's still says TT22."""
    admin = make_client()
    admin.login("admin.p")
    viewer = make_client()
    viewer.login("so.a")
    for page in (admin.get("/reports/dashboard"), viewer.get(f"/department/schools/{primary.school.id}/dashboard")):
        assert page.status_code == 200
        rules = page.get_data(as_text=True).split('id="dashboard-rules"')[1].split("</p>")[0]
        assert "Thông tư 27/2020/TT-BGDĐT" in rules and "Thông tư 22" not in rules
    secondary = make_client()
    secondary.login("admin.a")
    rules = secondary.get("/reports/dashboard").get_data(as_text=True).split('id="dashboard-rules"')[1]
    assert "Thông tư 22/2021/TT-BGDĐT" in rules.split("</p>")[0] and "Thông tư 27" not in rules.split("</p>")[0]


def test_the_primary_correction_history_shows_levels_in_words(primary, client):
    client.login("gv.p")
    toan, an = primary.courses["toan"], primary.students["HSP001"].id
    assert client.post(f"/courses/{toan}/primary?checkpoint=ck1", {f"l-{an}": "T", f"t-{an}": "9"}).status_code == 302
    assert client.post(f"/courses/{toan}/primary?checkpoint=ck1", {f"l-{an}": "H", f"t-{an}": "8"}).status_code == 302
    page = client.get(f"/courses/{toan}/grades/history").get_data(as_text=True)
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert "Hoàn thành tốt, 9 điểm" in cells and "Hoàn thành, 8 điểm" in cells, cells
    assert "T, 9 điểm" not in cells and "H, 8 điểm" not in cells


def test_the_parents_page_lists_subjects_in_the_programmes_order(primary, make_client):
    """Tiếng Việt, then Toán … as the grid and the report card list them (book.in_programme_order),
    not alphabetically (Đạo đức first)."""
    from lms.gradebook.book import in_programme_order

    mother = make_client()
    mother.login("0912000011")
    page = mother.get(f"/children/{primary.students['HSP001'].id}/grades").get_data(as_text=True)
    with mother.app.app_context():
        from lms.extensions import db

        names = [c.subject.name for c in in_programme_order([db.session.get(Course, i) for i in primary.courses.values()])]
    assert names[:2] == ["Tiếng Việt", "Toán"]
    at = [page.find(f">{n}<") for n in names]
    assert all(i >= 0 for i in at) and at == sorted(at), list(zip(names, at))
