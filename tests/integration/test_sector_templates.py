"""The sector database's other two files, built from what moet.md §2.2–2.3 knows of them: the
staff list (CSDL_GiaoVien: 72 columns of which six are attested) and the primary results import
(one file per grade and assessment time, Sheet1, a three-row header with merged group labels,
data from row 4). Both are filled by header name, with every column we cannot fill listed with its
reason, and the filled file says back what the grade book holds."""
from __future__ import annotations

import io
import unicodedata

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lms.auth.models import User
from lms.people import services
from lms.people.models import Course, Membership, Student
from tests.sheets import saved

STAFF = ["STT", "Mã cán bộ", "Họ tên", "Ngày sinh", "Giới tính", "Trạng thái CB", "Vị trí việc làm", "Nhóm chức vụ",
         "Hình thức hợp đồng", "Môn dạy", "Email", "Số điện thoại", "Số sổ BHXH"]


def staff_template(headers=STAFF) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(headers)
    sheet = wb.create_sheet("TRANG_THAI_CB")
    sheet.append(["Mã", "Tên trường dữ liệu"])
    for n, v in enumerate(["Đang làm việc", "Nghỉ hưu", "Chuyển công tác"], start=1):
        sheet.append([f"{n:02d}", v])
    return saved(wb)


def _fill(client, data: bytes, name: str, **form):
    page = client.post("/school/sector", {"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert 'id="sector-report"' in body, body[:3000]
    link = body.split('id="sector-download" href="', 1)[1].split('"', 1)[0]
    return body, client.get(link).data


def test_the_staff_file_filled_by_header_name(world, client, dbs):
    client.login("admin.a")
    body, data = _fill(client, staff_template(), "CSDL_GiaoVien.xlsx", kind="staff")
    ws = load_workbook(io.BytesIO(data))["Sheet1"]
    headers = [c.value for c in ws[1]]
    rows = {r[headers.index("Họ tên")]: dict(zip(headers, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        taught = sorted({c.subject.name for c in s.scalars(select(Course).where(Course.teacher_id == teacher.id))})
    assert {"Quản Trị A", "Giáo Viên A", "Kế Toán A"} <= set(rows)
    assert "Giáo Viên B" not in rows                      # another school's staff never
    gv = rows["Giáo Viên A"]
    assert gv["Trạng thái CB"] == "Đang làm việc" and gv["Email"] == teacher.email
    assert taught and gv["Môn dạy"] == ", ".join(taught)
    assert [r["STT"] for r in rows.values()] == list(range(1, len(rows) + 1))
    # What we do not hold is listed, with why, and left empty.
    assert "Vị trí việc làm</strong>: hệ thống chỉ giữ vai trò" in body
    assert "Số sổ BHXH</strong>: cột này không có trong dữ liệu" in body
    assert gv["Vị trí việc làm"] is None and gv["Số sổ BHXH"] is None
    # The next export says who is new and whose role changed.
    with dbs() as s:
        s.add(Membership(user_id=world.a.accountant.id, school_id=world.a.school.id, role="teacher"))
        s.commit()
    second, _data = _fill(client, staff_template(), "CSDL_GiaoVien.xlsx", kind="staff")
    assert "Mới: 0" in second and "Đổi vai trò: 1" in second and "Kế Toán A" in second.split("Đổi vai trò: 1")[1]


def test_the_staff_file_is_told_from_the_student_file(world, client, dbs):
    client.login("admin.a")
    page = client.get("/school/sector").get_data(as_text=True)
    assert "Danh sách cán bộ (CSDL_GiaoVien)" in page and "Kết quả học tập tiểu học" in page
    wb = Workbook()
    wb.active.append(["STT", "Mã lớp", "Mã học sinh", "Họ tên", "Ngày sinh"])
    page = client.post("/school/sector", {"file": (io.BytesIO(saved(wb)), "C1-HocSinh.xlsx"), "kind": "staff"},
                       content_type="multipart/form-data")
    assert page.status_code == 422 and "Không nhận ra tệp mẫu cán bộ" in page.get_data(as_text=True)


# ---------------------------------------------------------------- the primary results import

SUBJECTS_FIXED = [("Toán", True), ("Tiếng việt", True), ("Đạo đức", False), ("Tự nhiên và xã hội", False),
                  ("Ngoại ngữ", False), ("Tiếng dân tộc", False), ("TH-CN (Tin học)", False),
                  ("Nghệ thuật (Âm nhạc)", False), ("Nghệ thuật (Mĩ thuật)", False), ("Hoạt động trải nghiệm", False),
                  ("Giáo dục thể chất", False)]
GENERAL = ["Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo"]
SPECIFIC = ["Ngôn ngữ", "Tính toán", "Khoa học", "Thẩm mĩ", "Thể chất"]
QUALITIES = ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]


def results_template(subjects=SUBJECTS_FIXED, *, extra_column: bool = False, nfd: bool = True) -> bytes:
    """The fixed 35-column layout of moet.md §2.3: A–E the pupil merged over three rows; the
    subjects under one merged group with "Mức đạt được" / "Điểm KTĐK" on row 3; competences and
    qualities; the tail, "Xếp loại" merged over AH:AI."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"

    def put(r, c, v):
        ws.cell(row=r, column=c, value=unicodedata.normalize("NFD", v) if nfd and c % 2 else v)

    col = 1
    for h in ["STT", "Mã lớp", "Mã học sinh", "Họ tên", "Ngày sinh"]:
        put(1, col, h)
        ws.merge_cells(start_row=1, end_row=3, start_column=col, end_column=col)
        col += 1
    if extra_column:      # a column the Ministry inserted in a later version
        put(1, col, "Ghi chú")
        ws.merge_cells(start_row=1, end_row=3, start_column=col, end_column=col)
        col += 1
    first = col
    for name, tested in subjects:
        put(2, col, name)
        put(3, col, "Mức đạt được")
        if tested:
            put(3, col + 1, "Điểm KTĐK")
            ws.merge_cells(start_row=2, end_row=2, start_column=col, end_column=col + 1)
            col += 1
        col += 1
    put(1, first, "Môn học và hoạt động giáo dục")
    ws.merge_cells(start_row=1, end_row=1, start_column=first, end_column=col - 1)
    put(1, col, "Năng lực cốt lõi")
    put(2, col, "Năng lực chung")
    ws.merge_cells(start_row=2, end_row=2, start_column=col, end_column=col + 2)
    for h in GENERAL:
        put(3, col, h)
        col += 1
    put(2, col, "Năng lực đặc thù")
    ws.merge_cells(start_row=2, end_row=2, start_column=col, end_column=col + len(SPECIFIC) - 1)
    for h in SPECIFIC:
        put(3, col, h)
        col += 1
    ws.merge_cells(start_row=1, end_row=1, start_column=col - len(SPECIFIC) - 3, end_column=col - 1)
    put(1, col, "Phẩm chất chủ yếu")
    ws.merge_cells(start_row=1, end_row=1, start_column=col, end_column=col + len(QUALITIES) - 1)
    for h in QUALITIES:
        put(2, col, h)
        ws.merge_cells(start_row=2, end_row=3, start_column=col, end_column=col)
        col += 1
    for h in ["Hoàn thành chương trình lớp học", "Lên lớp"]:
        put(1, col, h)
        ws.merge_cells(start_row=1, end_row=3, start_column=col, end_column=col)
        col += 1
    put(1, col, "Xếp loại")
    ws.merge_cells(start_row=1, end_row=3, start_column=col, end_column=col + 1)
    return saved(wb)


def _paths(ws) -> list[str]:
    """Each column's three header rows as one text (merged cells filled), to read the file back."""
    merged = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = ws.cell(row=rng.min_row, column=rng.min_col).value
    out = []
    for c in range(1, ws.max_column + 1):
        parts = []
        for r in (1, 2, 3):
            v = unicodedata.normalize("NFC", str(merged.get((r, c), ws.cell(row=r, column=c).value) or ""))
            if v and v not in parts:
                parts.append(v)
        path = " / ".join(parts)
        out.append(path if path not in out else f"{path} (2)")
    return out


def _results(data: bytes) -> dict[str, dict[str, str]]:
    ws = load_workbook(io.BytesIO(data))["Sheet1"]
    paths = _paths(ws)
    out = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        values = {p: ("" if v is None else str(v)) for p, v in zip(paths, row)}
        out[values["Họ tên"]] = values
    return out


def said(body: str, name: str, group: str) -> str:
    """What the page lists as left empty for this person (one line per person)."""
    return body.split(f'<li class="incomplete-person"><strong>{name}</strong> ({group}): ', 1)[1].split("</li>", 1)[0]


@pytest.fixture
def primary(app, world, dbs):
    """A primary school with class 4A (two pupils, one with the sector database's code), its
    programme courses, and the end-of-year grade book filled in."""
    from sqlalchemy.orm import Session

    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.gradebook import primary as tt27_pages
    from lms.gradebook.primary import QUALITY_CODES
    from tests.factories import make_school

    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as s:
            school = make_school(s, app.extensions["lms_auth"], code="P", name="Trường Tiểu học Thử P", level="TH",
                                 grade=4, class_name="4A", department=world.dept_a, prefix="p", students=[
                                     ["HSP001", "Lê Minh Khôi", "02/02/2017", "Nam", "4A", "", "Lê Thị Mơ", "Mẹ", "0912000011", ""],
                                     ["HSP002", "Phạm Thu Trang", "03/03/2017", "Nữ", "4A", "", "Phạm Văn Tư", "Bố", "0912000012", ""]])
            services.add_missing_courses(s, school.admin, school.school, school.school_class)
            courses = list(s.scalars(select(Course).where(Course.class_id == school.school_class.id)))
            for course in courses:
                course.teacher_id = school.teacher.id
            khoi = s.get(Student, school.students["HSP001"].id)
            khoi.moet_code = "0123456789"
            an, trang = school.students["HSP001"].id, school.students["HSP002"].id
            teacher = s.get(User, school.teacher.id)
            for course in courses:
                tested = tt27_pages.tested(course, "cn")
                rows = [tt27_pages.PrimaryInput(an, "T", "10" if tested else ""),
                        # Trang's Toán still has no level: a cell the file must leave empty and name.
                        tt27_pages.PrimaryInput(trang, "" if course.subject.code == "toan" else "H",
                                                "" if course.subject.code == "toan" or not tested else "7")]
                assert not tt27_pages.save_primary(s, teacher, "teacher", course, "cn", rows, now=utcnow()).issues
            cells = {(sid, code): level for sid, level in ((an, "T"), (trang, "Đ")) for code in QUALITY_CODES}
            assert not tt27_pages.save_qualities(s, teacher, "teacher", s.get(type(school.school_class),
                                                                              school.school_class.id),
                                                 "cn", cells, now=utcnow()).issues
            s.commit()
            return school


def test_primary_results_filled_by_header_name_from_the_grade_book(primary, client, dbs):
    client.login("admin.p")
    body, data = _fill(client, results_template(), "KetQuaHocTap_Khoi4.xlsx", kind="primary", grade="4",
                       checkpoint="cn")
    rows = _results(data)
    assert set(rows) == {"Lê Minh Khôi", "Phạm Thu Trang"}
    khoi, trang = rows["Lê Minh Khôi"], rows["Phạm Thu Trang"]
    subject = "Môn học và hoạt động giáo dục / "
    assert (khoi["STT"], khoi["Mã lớp"], khoi["Mã học sinh"], khoi["Ngày sinh"]) == ("1", "4A", "0123456789", "02/02/2017")
    assert khoi[subject + "Toán / Mức đạt được"] == "T" and khoi[subject + "Toán / Điểm KTĐK"] == "10"
    assert khoi[subject + "Tiếng việt / Điểm KTĐK"] == "10"        # "Tiếng việt" = our "Tiếng Việt"
    assert khoi[subject + "Ngoại ngữ / Mức đạt được"] == "T"        # = our "Ngoại ngữ 1"
    assert khoi[subject + "Giáo dục thể chất / Mức đạt được"] == "T"
    assert trang[subject + "Đạo đức / Mức đạt được"] == "H"
    assert khoi["Năng lực cốt lõi / Năng lực chung / Tự chủ và tự học"] == "T"
    assert trang["Năng lực cốt lõi / Năng lực đặc thù / Thẩm mĩ"] == "Đ"
    assert trang["Phẩm chất chủ yếu / Trách nhiệm"] == "Đ"
    assert khoi["Hoàn thành chương trình lớp học"] == "x" and khoi["Lên lớp"] == "x"
    assert khoi["Xếp loại"] == "HTXS" and khoi["Xếp loại (2)"] == ""           # AI, under the merged "Xếp loại", stays empty
    # Trang's Toán has no level yet: empty, and named; so is her missing sector-database code and result.
    assert trang[subject + "Toán / Mức đạt được"] == "" and trang["Xếp loại"] == ""
    # Listed once per pupil, with every empty cell and why.
    assert "Môn học và hoạt động giáo dục / Toán / Mức đạt được — chưa có mức đạt được" in said(body, "Phạm Thu Trang", "4A")
    assert "Mã học sinh — chưa có mã học sinh của CSDL ngành" in said(body, "Phạm Thu Trang", "4A")
    assert "1 trong 2 dòng còn ô trống" in body and "Lê Minh Khôi</strong>" not in body.split('id="incomplete"')[1]
    # A score is a number in the file, as the template expects (a whole number 1–10), never text.
    ws = load_workbook(io.BytesIO(data))["Sheet1"]
    score = ws.cell(row=4, column=_paths(ws).index(subject + "Toán / Điểm KTĐK") + 1)
    assert score.value == 10 and score.data_type == "n"
    # Subjects the grade book assesses differently are listed with what it has, never guessed.
    assert "Nghệ thuật (Âm nhạc) / Mức đạt được</strong>: không môn nào của khối 4" in body
    assert "Nghệ thuật (Âm nhạc, Mĩ thuật)" in body
    assert khoi[subject + "Nghệ thuật (Âm nhạc) / Mức đạt được"] == ""


def test_a_column_inserted_between_versions_and_another_assessment_time(primary, client, dbs):
    client.login("admin.p")
    _body, plain = _fill(client, results_template(nfd=False), "Khoi4.xlsx", kind="primary", grade="4", checkpoint="cn")
    body, data = _fill(client, results_template(extra_column=True), "Khoi4-v3.xlsx", kind="primary", grade="4",
                       checkpoint="cn")
    old, new = _results(plain), _results(data)
    for name in old:
        assert {k: v for k, v in new[name].items() if k != "Ghi chú"} == old[name]
    assert "Ghi chú</strong>: cột này không có trong dữ liệu" in body
    assert "Thay đổi: 0" in body and "Mới: 0" in body       # compared with the export of the same grade and time
    # Mid-term I: nothing entered yet; every assessed cell named, the year's tail left alone.
    mid, data = _fill(client, results_template(), "Khoi4-gk1.xlsx", kind="primary", grade="4", checkpoint="gk1")
    rows = _results(data)
    assert rows["Lê Minh Khôi"]["Môn học và hoạt động giáo dục / Toán / Mức đạt được"] == ""
    assert rows["Lê Minh Khôi"]["Xếp loại"] == "" and "Đây là lần xuất đầu tiên" in mid
    assert "Môn học và hoạt động giáo dục / Toán / Mức đạt được — chưa có mức đạt được" in said(mid, "Lê Minh Khôi", "4A")
    assert "Xếp loại" not in said(mid, "Lê Minh Khôi", "4A")


def test_primary_results_refused_with_a_message(primary, client, dbs):
    from lms.gradebook.transcript.models import SectorExport

    client.login("admin.p")
    page = client.post("/school/sector", {"file": (io.BytesIO(results_template()), "k.xlsx"), "kind": "primary",
                                          "grade": "2", "checkpoint": "cn"}, content_type="multipart/form-data")
    assert page.status_code == 422 and "không có lớp nào ở khối 2" in page.get_data(as_text=True)
    page = client.post("/school/sector", {"file": (io.BytesIO(staff_template()), "k.xlsx"), "kind": "primary",
                                          "grade": "4", "checkpoint": "cn"}, content_type="multipart/form-data")
    assert page.status_code == 422 and "Không nhận ra tệp mẫu nhập kết quả học tập" in page.get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(SectorExport)).first() is None


def test_a_school_moving_to_us_brings_its_staff_with_the_sector_file(world, dbs):
    """The sector database's own export (CSDL_GiaoVien): the post group is the role, only staff
    "Đang làm việc" are brought in, and a post needing no account is listed, not refused."""
    from lms.people import imports
    from lms.people.models import School

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(STAFF)
    ws.append([1, "CB01", "Trần Thị Hoa", "01/02/1985", "Nữ", "Đang làm việc", "Giáo viên Tiểu học hạng III",
               "Giáo viên", "Viên chức", "Toán", "hoa.tt@angiang.edu.vn", "0913000001", ""])
    ws.append([2, "CB02", "Lê Văn Phúc", "02/03/1975", "Nam", "Đang làm việc", "Phó hiệu trưởng", "Phó hiệu trưởng",
               "Viên chức", "", "phuc.lv@angiang.edu.vn", "0913000002", ""])
    ws.append([3, "CB03", "Ngô Thị Huệ", "03/04/1980", "Nữ", "Đang làm việc", "Nhân viên thư viện", "Nhân viên",
               "Hợp đồng", "", "", "0913000003", ""])
    ws.append([4, "CB04", "Võ Văn Lâm", "04/05/1963", "Nam", "Nghỉ hưu", "Giáo viên", "Giáo viên", "Viên chức",
               "Ngữ văn", "lam.vv@angiang.edu.vn", "0913000004", ""])
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        plan = imports.plan_staff_import(s, school, "CSDL_GiaoVien.xlsx", saved(wb), 1000)
        assert plan.ok, plan.issues
        actions = {r.values["full_name"]: (r.action, r.changes) for r in plan.rows}
        assert actions["Trần Thị Hoa"][0] == "invite" and actions["Lê Văn Phúc"][0] == "invite"
        assert actions["Võ Văn Lâm"] == ("left", ["Nghỉ hưu"])
        assert actions["Ngô Thị Huệ"][0] == "skipped" and "“Nhân viên”" in actions["Ngô Thị Huệ"][1][0]
        imports.apply_staff_import(s, s.get(User, world.a.admin.id), school, plan)
        from lms.people import accounts
        accounts.everyone_joined(s, school.id)      # the new staff take up their invitation links
        s.commit()
        roles = {u.full_name: r for u, r in s.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.school_id == school.id, User.full_name.in_(
                ["Trần Thị Hoa", "Lê Văn Phúc", "Ngô Thị Huệ", "Võ Văn Lâm"])))}
        assert roles == {"Trần Thị Hoa": "teacher", "Lê Văn Phúc": "admin"}


def test_a_broken_or_disguised_file_is_refused_with_a_message_for_every_template(primary, client, dbs):
    """Each of the three templates: a ZIP cut short, a Word file, a CSV: a sentence, never a 500."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    client.login("admin.p")
    for kind in ("students", "staff", "primary"):
        for name, data in (("mau.xlsx", b"PK\x03\x04" + b"\x00" * 40), ("mau.xlsx", buf.getvalue()),
                           ("mau.csv", "Họ tên,Lớp\nAn,4A\n".encode())):
            page = client.post("/school/sector", {"file": (io.BytesIO(data), name), "kind": kind, "grade": "4",
                                                  "checkpoint": "cn"}, content_type="multipart/form-data")
            assert page.status_code == 422, (kind, name, page.status_code)
            assert 'class="alert alert-danger' in page.get_data(as_text=True), (kind, name)
