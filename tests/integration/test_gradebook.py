"""The grade book through its pages: entry grids, errors that save nothing, locks and the change
history, Excel, marks posted by other areas, conduct and the class summary."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.models import AuditLog
from lms.core.timeutil import utc_to_local, utcnow
from lms.gradebook import book
from lms.gradebook.models import GradeChange, GradeEntry, GradeRemark, TermRecord
from lms.people.models import Course, School, SchoolYear, Subject
from tests.factories import fill_year
from tests.pdftext import assert_row_whole
from tests.sheets import saved


def _course(dbs, world, code="toan") -> int:
    with dbs() as s:
        if code == "toan":
            return world.a.course.id
        from lms.people import services

        school = s.get(School, world.a.school.id)
        services.add_missing_courses(s, s.get(User, world.a.admin.id), school, world.a.school_class)
        s.commit()
        return s.scalars(select(Course.id).join(Subject).where(Course.class_id == world.a.school_class.id,
                                                                Subject.code == code)).one()


def _cells(world, values: dict[str, list[str]]) -> dict[str, str]:
    """values: student code → texts for tx1..tx4, gk1, ck1."""
    keys = ["tx1", "tx2", "tx3", "tx4", "gk1", "ck1"]
    out = {}
    for code, texts in values.items():
        sid = world.a.students[code].id
        for key, text in zip(keys, texts):
            out[f"c-{sid}-{key}"] = text
    return out


def test_teacher_enters_a_term_and_sees_the_averages(world, client, dbs):
    client.login("gv.a")
    page = client.get(f"/courses/{world.a.course.id}/grades?term=1")
    assert page.status_code == 200 and "TX4" in page.get_data(as_text=True)  # Toán: 140 periods → 4 regular
    data = _cells(world, {"HSA001": ["8", "7,5", "9", "8.5", "7", "8,2"], "HSA002": ["10", "10", "10", "10", "10", "10"]})
    data[f"r-{world.a.students['HSA001'].id}"] = "Chăm chỉ, cần cẩn thận hơn khi tính toán."
    response = client.post(f"/courses/{world.a.course.id}/grades?term=1", data)
    assert response.status_code == 302
    body = client.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    # (8 + 7.5 + 9 + 8.5 + 2 × 7 + 3 × 8.2) / 9 = 71.6 / 9 = 7.955… → 8,0 (half up, one decimal)
    assert ">8,0<" in body and ">10,0<" in body and "Chăm chỉ" in body
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(GradeEntry)) == 12
        entry = s.scalars(select(GradeEntry).where(GradeEntry.kind == "ck",
                                                   GradeEntry.student_id == world.a.students["HSA001"].id)).one()
        assert entry.score == Decimal("8.2") and entry.source_type == "manual"
        assert s.scalar(select(func.count()).select_from(GradeChange)) == 0  # first entries are not corrections


def test_a_bad_cell_saves_nothing_and_names_line_and_column(world, client, dbs):
    client.login("gv.a")
    data = _cells(world, {"HSA001": ["8", "11", "9", "8.5", "7", "8"], "HSA002": ["8", "8", "tám", "8", "8", "8.25"]})
    response = client.post(f"/courses/{world.a.course.id}/grades?term=1", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Chưa lưu gì cả" in body and "“11” lớn hơn 10" in body and "“tám” không phải điểm" in body
    assert "“8.25” có quá một chữ số thập phân" in body
    assert re.search(r'<td>1</td><td><a class="cell-link" href="#[^"]+">Nguyễn Văn An</a></td><td>TX2</td>', body)  # line, pupil (a link to the cell), column
    assert 'value="tám"' in body  # shown again as typed
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(GradeEntry)) == 0


def test_comment_subject_takes_dat_or_chua_dat(world, client, dbs):
    course_id = _course(dbs, world, "gdtc")
    client.login("admin.a")
    sid = world.a.students["HSA001"].id
    data = {f"c-{sid}-tx1": "Đ", f"c-{sid}-tx2": "đạt", f"c-{sid}-gk1": "d", f"c-{sid}-ck1": "CĐ"}
    assert client.post(f"/courses/{course_id}/grades?term=1", data).status_code == 302
    bad = client.post(f"/courses/{course_id}/grades?term=1", {f"c-{sid}-tx1": "8"})
    assert bad.status_code == 422 and "chỉ nhận Đ (Đạt) hoặc CĐ" in bad.get_data(as_text=True)
    with dbs() as s:
        marks = {e.kind + str(e.position): e.passed for e in s.scalars(select(GradeEntry).where(GradeEntry.course_id == course_id))}
        assert marks == {"tx1": True, "tx2": True, "gk1": True, "ck1": False}
        grid = book.grid_of(s, s.get(Course, course_id), 1)
        assert grid.row_of(sid).marks.semester(1) is False


def test_lock_stops_teachers_and_admin_corrections_need_a_reason_and_are_logged(world, client, make_client, dbs):
    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "6"})
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/school/gradebook/{world.a.year.id}/lock", {"term": "1", "incomplete_ok": "1"}).status_code == 302
    assert "Đã khoá" in admin.get("/school/gradebook").get_data(as_text=True)
    page = client.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    assert "readonly" in page
    # The banner says which term, since when, by whom, why, and whom to ask — on every locked page.
    banner = re.sub(r"\s+", " ", page.split('id="locked-banner"')[1].split("</div>")[0])
    today = utc_to_local(utcnow(), "Asia/Ho_Chi_Minh").strftime("%d/%m/%Y")
    assert f"Học kỳ I năm học 2026-2027 đã khoá sổ</strong> từ ngày {today} (người khoá: Quản Trị A)" in banner
    assert "chốt kết quả học kỳ cho bảng tổng hợp và học bạ" in banner
    assert "Trang này chỉ xem" in banner and "Quản trị trường: Quản Trị A." in banner
    homeroom = client.get(f"/classes/{world.a.school_class.id}/conduct?term=1").get_data(as_text=True)
    assert "Học kỳ I năm học 2026-2027 đã khoá sổ" in homeroom and "Quản trị trường: Quản Trị A." in homeroom
    admin_page = admin.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    assert "Bạn là quản trị trường nên vẫn sửa được" in admin_page and 'href="/school/gradebook"' in admin_page
    refused = client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "9"})
    assert refused.status_code == 403 or "chỉ quản trị trường được sửa" in refused.get_data(as_text=True)
    no_reason = admin.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "9"})
    assert "nhập lý do sửa điểm" in no_reason.get_data(as_text=True)
    ok = admin.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "9", "reason": "Chấm phúc khảo"})
    assert ok.status_code == 302
    with dbs() as s:
        entry = s.scalars(select(GradeEntry).where(GradeEntry.student_id == sid)).one()
        assert entry.score == Decimal("9.0")
        change = s.scalars(select(GradeChange)).one()
        assert (change.old_value, change.new_value, change.after_lock, change.reason) == ("6.0", "9.0", True, "Chấm phúc khảo")
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "grades_changed_after_lock")) == 1
    history = client.get(f"/courses/{world.a.course.id}/grades/history").get_data(as_text=True)
    assert "Chấm phúc khảo" in history and "sau khoá sổ" in history
    # term 2 is still open for the teacher
    assert client.post(f"/courses/{world.a.course.id}/grades?term=2", {f"c-{sid}-tx1": "7"}).status_code == 302


def test_a_cell_changed_by_someone_else_since_the_page_was_opened_is_not_overwritten(world, client, make_client, dbs):
    from datetime import timedelta

    sid = world.a.students["HSA001"].id
    opened = (utcnow() - timedelta(minutes=5)).isoformat()
    admin = make_client()
    admin.login("admin.a")
    admin.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "5"})
    client.login("gv.a")
    stale = client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "7", "loaded_at": opened})
    # One stale-page check for every field (book.check_fresh): it names the newer value.
    assert stale.status_code == 422 and "người khác vừa lưu “5,0”" in stale.get_data(as_text=True)
    same = client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "5", "loaded_at": opened})
    assert same.status_code == 302  # agreeing with the colleague is no conflict
    with dbs() as s:
        assert s.scalars(select(GradeEntry)).one().score == Decimal("5.0")


def test_clearing_and_correcting_are_in_the_history(world, client, dbs):
    client.login("gv.a")
    sid = world.a.students["HSA002"].id
    url = f"/courses/{world.a.course.id}/grades?term=1"
    client.post(url, {f"c-{sid}-tx1": "4", f"c-{sid}-tx2": "6"})
    client.post(url, {f"c-{sid}-tx1": "4,5", f"c-{sid}-tx2": ""})
    with dbs() as s:
        changes = {(c.what, c.old_value, c.new_value) for c in s.scalars(select(GradeChange))}
        assert changes == {("1:tx1", "4.0", "4.5"), ("1:tx2", "6.0", "")}
        assert s.scalar(select(func.count()).select_from(GradeEntry)) == 1


def test_excel_export_imports_back_and_a_bad_file_names_line_and_column(world, client, dbs):
    import io
    import re

    from openpyxl import load_workbook

    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "6"})
    exported = client.get(f"/courses/{world.a.course.id}/grades.xlsx?term=1")
    assert exported.status_code == 200
    wb = load_workbook(io.BytesIO(exported.data))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    assert headers[:8] == ["Mã học sinh", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "GK", "CK"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "HSA001")
    row[3].value = 7.5      # TX2
    row[7].value = "8,5"    # CK
    preview = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                          {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")}, content_type="multipart/form-data")
    assert preview.status_code == 200      # previewed; written on confirmation (tests/integration/test_corpus.py)
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.get_data(as_text=True)).group(1)
    ok = client.post(f"/courses/{world.a.course.id}/grades/import?term=1", {"token": token, "confirm": "1"})
    assert ok.status_code == 302
    with dbs() as s:
        marks = {(e.kind, e.position): e.score for e in s.scalars(select(GradeEntry).where(GradeEntry.student_id == sid))}
        assert marks == {("tx", 1): Decimal("6.0"), ("tx", 2): Decimal("7.5"), ("ck", 1): Decimal("8.5")}
        assert s.scalars(select(GradeEntry).where(GradeEntry.kind == "ck")).one().source_type == "import"
    row[4].value = 12
    next(r for r in ws.iter_rows(min_row=2) if r[0].value == "HSA002")[0].value = "KHONGCO"
    bad = client.post(f"/courses/{world.a.course.id}/grades/import?term=1",
                      {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")}, content_type="multipart/form-data")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "KHONGCO" in body and "không có học sinh mã này" in body


def test_marks_posted_by_another_area_update_and_say_so(world, dbs):
    with dbs() as s:
        course = s.get(Course, world.a.course.id)
        teacher = s.get(User, world.a.teacher.id)
        ids = [world.a.students[c].id for c in ("HSA001", "HSA002", "HSA003")]
        first = book.post_marks(s, teacher, "teacher", course, 1, "tx3", {ids[0]: Decimal("7.25"), ids[1]: Decimal("9"),
                                                                         ids[2]: None, 99999: Decimal(5)},
                                source_type="assignment", source_id=42, now=utcnow())
        assert (first.created, first.changed, first.skipped) == (2, 0, [99999])
        again = book.post_marks(s, teacher, "teacher", course, 1, "tx3", {ids[0]: Decimal("7.25"), ids[1]: Decimal("8")},
                                source_type="assignment", source_id=42, now=utcnow())
        assert (again.created, again.changed, again.unchanged) == (0, 1, 1)
        entry = s.scalars(select(GradeEntry).where(GradeEntry.student_id == ids[0])).one()
        assert entry.score == Decimal("7.3") and (entry.source_type, entry.source_id) == ("assignment", 42)
        s.commit()


def test_conduct_attendance_and_the_year_summary(world, client, make_client, dbs):
    with dbs() as s:
        fill_year(s, world.a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"},
                  absent=(2, 1))
        s.commit()
    client.login("gv.a")  # the homeroom teacher of 6A1
    ids = {c: world.a.students[c].id for c in ("HSA001", "HSA002", "HSA003")}
    # Châu: conduct Chưa đạt in term II → summer training; An stays Tốt; one bad value is refused.
    bad = client.post(f"/classes/{world.a.school_class.id}/conduct?term=2",
                      {f"k-{ids['HSA003']}": "X", f"p-{ids['HSA003']}": "-1"})
    assert bad.status_code == 422 and "“X” không hợp lệ" in bad.get_data(as_text=True)
    assert client.post(f"/classes/{world.a.school_class.id}/conduct?term=2",
                       {f"k-{ids['HSA003']}": "CĐ", f"p-{ids['HSA003']}": "3", f"u-{ids['HSA003']}": "0",
                        f"k-{ids['HSA001']}": "T", f"p-{ids['HSA001']}": "1", f"u-{ids['HSA001']}": "0"}).status_code == 302
    page = client.get(f"/classes/{world.a.school_class.id}/summary?period=0").get_data(as_text=True)
    # An: every subject 8.0, conduct Tốt → Tốt learning but only 8.0s: Học sinh Giỏi.
    # Bình: Toán and Ngữ văn 3.0 (< 3.5, two subjects, so no raise) → Chưa đạt → re-test in both.
    assert "Học sinh Giỏi" in page
    retests = page.split('id="list-retest"')[1].split("</table>")[0]
    assert "Nguyễn Thị Bình</td><td class=\"small\">Kiểm tra lại: Ngữ văn (chưa có điểm), Toán (chưa có điểm)" in retests
    assert "Trần Minh Châu" in page.split('id="list-training"')[1].split("</table>")[0]
    with dbs() as s:
        record = s.scalars(select(TermRecord).where(TermRecord.student_id == ids["HSA003"], TermRecord.term == 2)).one()
        assert (record.conduct, record.absent_excused) == ("C", 3)
    # Re-test results and summer training complete the year.
    assert client.post(f"/classes/{world.a.school_class.id}/year-records",
                       {f"h-{ids['HSA003']}": "Đ", f"m-{ids['HSA001']}": "Ngoan, học tốt."}).status_code == 302
    with dbs() as s:
        van = s.scalars(select(Course.id).join(Subject).where(Course.class_id == world.a.school_class.id,
                                                              Subject.code == "ngu_van")).one()
    # The re-test column of term II: Toán by its teacher (gv.a), Ngữ văn by the admin.
    assert client.post(f"/courses/{world.a.course.id}/grades?term=2", {f"c-{ids['HSA002']}-kl1": "6"}).status_code == 302
    with dbs() as s:
        from lms.gradebook import homeroom

        summary = homeroom.build_summary(s, s.get(type(world.a.school_class), world.a.school_class.id), 0)
        rows = {r.student.student_code: r for r in summary.rows}
        assert rows["HSA002"].outcome.retest_subjects == ["Ngữ văn", "Toán"]
        assert rows["HSA002"].outcome.pending  # Ngữ văn's re-test is not in yet
        assert rows["HSA003"].outcome.conduct_after == "Đạt" and rows["HSA003"].outcome.final == "Lên lớp"
        assert (rows["HSA001"].excused, rows["HSA001"].unexcused) == (2 + 1, 1 + 0)
        assert rows["HSA001"].record.homeroom_comment == "Ngoan, học tốt."
    page = re.sub(r"\s+", " ", client.get(f"/classes/{world.a.school_class.id}/summary?period=0").get_data(as_text=True))
    assert "Kiểm tra lại: Ngữ văn (chưa có điểm), Toán 6,0</td>" in page
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/courses/{van}/grades?term=2", {f"c-{ids['HSA002']}-kl1": "5,5"}).status_code == 302
    with dbs() as s:
        summary = homeroom.build_summary(s, s.get(type(world.a.school_class), world.a.school_class.id), 0)
        outcome = next(r for r in summary.rows if r.student.student_code == "HSA002").outcome
        assert outcome.learning_after.level == "Khá" and outcome.final == "Lên lớp"  # 6 subjects at 8.0, none < 5
    # The summary (page and PDF) gives each re-test's mark and the result after them.
    page = re.sub(r"\s+", " ", client.get(f"/classes/{world.a.school_class.id}/summary?period=0").get_data(as_text=True))
    assert "Kiểm tra lại: Ngữ văn 5,5, Toán 6,0 — sau kiểm tra lại: học tập Khá, Lên lớp</td>" in page
    from tests.pdftext import pages

    texts = pages(client.get(f"/classes/{world.a.school_class.id}/summary.pdf?period=0").data)
    assert_row_whole(texts, "Nguyễn Thị Bình Kiểm tra lại: Ngữ văn 5,5, Toán 6,0 — sau kiểm tra lại: học tập Khá, Lên lớp")
    # The Excel file carries the same lists, item by item.
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"/classes/{world.a.school_class.id}/summary.xlsx?period=0").data)).active
    cells = [[v for v in row if v not in (None, "")] for row in sheet.iter_rows(values_only=True)]
    assert ["Danh sách kiểm tra lại (1)"] in cells and ["Danh sách ở lại lớp (0)"] in cells
    assert [1, "Nguyễn Thị Bình", "Kiểm tra lại: Ngữ văn 5,5, Toán 6,0 — sau kiểm tra lại: học tập Khá, Lên lớp"] in cells
    assert [1, "Trần Minh Châu", "Rèn luyện hè — sau hè: Đạt"] in cells
    awards = cells.index(["Danh sách khen thưởng (1)"])
    assert cells[awards + 1] == [1, "Nguyễn Văn An", "Học sinh Giỏi"]


def test_summary_sheet_downloads_as_excel_and_pdf(world, client, dbs):
    import io

    from openpyxl import load_workbook

    with dbs() as s:
        fill_year(s, world.a)
        s.commit()
    client.login("gv.a")
    xlsx = client.get(f"/classes/{world.a.school_class.id}/summary.xlsx?period=0")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["STT", "Mã học sinh", "Họ và tên"] and "Xét lên lớp" in headers
    first = [c.value for c in ws[2]]
    assert first[2] == "Nguyễn Văn An" and "Tốt" in first and "Lên lớp" in first
    pdf = client.get(f"/classes/{world.a.school_class.id}/summary.pdf?period=1")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"


def test_homeroom_pages_are_for_the_homeroom_teacher_and_admins(world, app, make_client, dbs):
    from lms.auth.services import create_user
    from lms.people import services
    from tests.conftest import PASSWORD

    with dbs() as s:
        user = create_user(s, app.extensions["lms_auth"], username="gv2.a", full_name="Giáo Viên Hai", password=PASSWORD)
        services.grant_role(s, user, s.get(School, world.a.school.id), "teacher")
        s.commit()
    other_teacher = make_client()
    other_teacher.login("gv2.a")
    for url in (f"/classes/{world.a.school_class.id}/conduct", f"/classes/{world.a.school_class.id}/summary",
                f"/classes/{world.a.school_class.id}/report-cards", f"/courses/{world.a.course.id}/grades"):
        assert other_teacher.get(url).status_code == 404, url


def test_school_year_remark_only_in_its_term(world, client, dbs):
    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    client.post(f"/courses/{world.a.course.id}/grades?term=2", {f"r-{sid}": "Tiến bộ rõ"})
    with dbs() as s:
        remark = s.scalars(select(GradeRemark)).one()
        assert (remark.term, remark.text) == (2, "Tiến bộ rõ")
        assert s.scalar(select(func.count()).select_from(SchoolYear)) == 2


def test_reimporting_an_unchanged_export_writes_no_corrections(world, client, dbs):
    """A re-imported export repeats every stored mark: a value equal to the stored one is not a
    change, so the permanent history stays empty (it had one "6.1 → 6.1" per mark)."""
    client.login("gv.a")
    url = f"/courses/{world.a.course.id}/grades?term=1"
    assert client.post(url, _cells(world, {"HSA001": ["6,1", "7", "8", "9", "5,5", "6"],
                                           "HSA002": ["10", "9,5", "9", "8", "7", "6,5"]})).status_code == 302
    exported = client.get(f"/courses/{world.a.course.id}/grades.xlsx?term=1").data
    import io
    import re

    from openpyxl import load_workbook

    imported = f"/courses/{world.a.course.id}/grades/import?term=1"
    again = client.post(imported, {"file": (io.BytesIO(exported), "so-diem.xlsx")}, content_type="multipart/form-data")
    assert again.status_code == 200 and "không có gì để nhập" in again.get_data(as_text=True)
    # One mark changed in the export: the confirmed import writes that one, and only it is a correction.
    wb = load_workbook(io.BytesIO(exported))
    next(r for r in wb.active.iter_rows(min_row=2) if r[0].value == "HSA001")[3].value = 7.5
    preview = client.post(imported, {"file": (io.BytesIO(saved(wb)), "so-diem.xlsx")},
                          content_type="multipart/form-data")
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post(imported, {"token": token, "confirm": "1"}).status_code == 302
    with dbs() as s:
        assert [(c.old_value, c.new_value) for c in s.scalars(select(GradeChange))] == [("7.0", "7.5")]


def test_the_history_speaks_in_labels_and_vietnamese_decimals(world, client, dbs):
    client.login("gv.a")
    sid = world.a.students["HSA002"].id
    url = f"/courses/{world.a.course.id}/grades?term=1"
    client.post(url, {f"c-{sid}-gk1": "6,1", f"c-{sid}-tx2": "9"})
    client.post(url, {f"c-{sid}-gk1": "7,5", f"c-{sid}-tx2": "9,5"})
    page = client.get(f"/courses/{world.a.course.id}/grades/history").get_data(as_text=True)
    table = page.split('id="history"')[1]
    assert "HK I – Giữa kỳ" in table and "HK I – TX2" in table
    assert ">6,1<" in table and ">7,5<" in table and ">9,0<" in table
    assert "1:gk1" not in page and "6.1" not in table and "9.0" not in table


def test_a_huge_cell_is_echoed_cut_and_a_locked_term_without_reason_is_422(world, client, make_client, dbs):
    """A 100,000-character cell is refused and shown back cut (like a long remark), never whole;
    an admin saving a locked term without a reason is refused with 422 like every refusal."""
    from lms.core.timeutil import utcnow
    from lms.gradebook import book as gradebook
    from lms.people.models import School

    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    huge = "9" * 100_000
    page = client.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": huge})
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "9" * 40 + "…" in body and "9" * 41 not in body.replace('value="' + huge, "")
    with dbs() as s:
        gradebook.lock_term(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), world.a.year, 1,
                            utcnow())
        s.commit()
    admin = make_client()
    admin.login("admin.a")
    refused = admin.post(f"/courses/{world.a.course.id}/grades?term=1", {f"c-{sid}-tx1": "8"})
    assert refused.status_code == 422 and "lý do" in refused.get_data(as_text=True)


def test_a_locked_term_saved_unchanged_says_nothing_changes_before_asking_a_reason(world, client, make_client, dbs):
    """An admin saving a locked term's page as it is is told nothing changes (no reason asked);
    the reason is asked only when something would change — on the grid and the homeroom pages."""
    from tests.integration.test_gradebook_stale import _opened

    client.login("gv.a")
    sid = world.a.students["HSA001"].id
    url = f"/courses/{world.a.course.id}/grades?term=1"
    assert client.post(url, {f"c-{sid}-tx1": "6"}).status_code == 302
    admin = make_client()
    admin.login("admin.a")
    assert admin.post(f"/school/gradebook/{world.a.year.id}/lock", {"term": "1", "incomplete_ok": "1"}).status_code == 302
    for page, form_id in ((url, "grade-form"), (f"/classes/{world.a.school_class.id}/conduct?term=1", "conduct-form")):
        same = admin.post(page, _opened(admin, page, form_id), follow_redirects=True)
        text = same.get_data(as_text=True)
        assert same.status_code == 200 and "không có gì thay đổi" in text and "nhập lý do" not in text, page
    changed = admin.post(url, {**_opened(admin, url, "grade-form"), f"c-{sid}-tx1": "7"})
    assert changed.status_code == 422 and "nhập lý do sửa điểm" in changed.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(GradeEntry)).one().score == Decimal("6.0")
