"""The sector database's student template (C1-HocSinh), built from what moet.md §2.1 knows of it:
data on "Sheet1" with headers on row 1 (some with line breaks, some in NFD), code sheets GIOI_TINH,
DAN_TOC, QUOC_TICH and TRANG_THAI whose "Tên trường dữ liệu" column is what a cell must say, and
a later version with a column inserted. Filled by header name, it reads back through the student
import unchanged (the round trip); what cannot be filled is listed with its reason; a second export
says who is new, changed or moved."""
from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lms.people.models import Student
from tests.sheets import saved

V2 = ["STT", "Mã lớp", "Mã học sinh", "Họ tên", "Ngày sinh", "Giới tính", "Trạng thái HS", "Ngày nhập trạng thái",
      "Dân tộc", "Quốc tịch", "Loại khuyết tật", "Tỉnh/Thành phố\n(Theo địa chỉ thường trú)",
      "Quận/Huyện\n(Theo địa chỉ thường trú)", "Xã/Phường\n(Theo địa chỉ thường trú)",
      "Tổ/Thôn/Xóm (Theo địa chỉ thường trú)", "Nơi sinh chi tiết", "Chỗ ở hiện nay", "Số điện thoại liên hệ",
      "Họ tên cha", "Nghề nghiệp cha", "Năm sinh cha", "Số điện thoại cha", "Họ tên mẹ", "Nghề nghiệp mẹ",
      "Năm sinh mẹ", "Số điện thoại mẹ", "Số định danh cá nhân"]
CODES = {"GIOI_TINH": ["Nam", "Nữ"], "DAN_TOC": ["Kinh", "Tày", "Thái", "Hoa", "Khơ-me"],
         "QUOC_TICH": ["Việt Nam", "Lào", "Campuchia"],
         "TRANG_THAI": ["Đang học", "Chuyển đến", "Nghỉ học xin học lại", "Chuyển đi trong tỉnh", "Thôi học"]}


def template(headers=V2, *, nfd: bool = True) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i, h in enumerate(headers, start=1):
        # The Ministry's files mix NFC and NFD (moet.md §2.1).
        ws.cell(row=1, column=i, value=unicodedata.normalize("NFD", h) if nfd and i % 2 else h)
    for name, values in CODES.items():
        sheet = wb.create_sheet(name)
        sheet.append(["Mã", "Tên trường dữ liệu"])
        for n, v in enumerate(values, start=1):
            sheet.append([f"{n:02d}", v])
    return saved(wb)


def _profile(dbs, world):
    with dbs() as s:
        for code, (pid, ethnicity) in {"HSA001": ("001214000001", "Kinh"), "HSA002": ("001314000002", "Tày"),
                                       "HSA003": ("001314000003", "Mường")}.items():
            st = s.get(Student, world.a.students[code].id)
            st.personal_id, st.ethnicity, st.nationality, st.place_of_birth = pid, ethnicity, "Việt Nam", "An Giang"
        s.commit()


def _fill(client, data: bytes, name="C1-HocSinh-ver2.xlsx"):
    page = client.post("/school/sector", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert 'id="sector-report"' in body, body[:2000]
    link = body.split('id="sector-download" href="', 1)[1].split('"', 1)[0]
    return body, client.get(link).data


def _rows(data: bytes) -> dict[str, dict[str, str]]:
    ws = load_workbook(io.BytesIO(data))["Sheet1"]
    headers = [unicodedata.normalize("NFC", " ".join(str(c.value or "").split())) for c in ws[1]]
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        values = {h: ("" if v is None else str(v)) for h, v in zip(headers, row)}
        out[values["Mã học sinh"]] = values
    return out


def test_filled_by_header_name_with_the_templates_own_codes(world, client, dbs):
    _profile(dbs, world)
    client.login("admin.a")
    body, data = _fill(client, template())
    rows = _rows(data)
    assert set(rows) == {"HSA001", "HSA002", "HSA003"}
    an = rows["HSA001"]
    assert (an["Mã lớp"], an["Họ tên"], an["Ngày sinh"], an["Giới tính"]) == ("6A1", "Nguyễn Văn An", "05/09/2014", "Nam")
    assert an["Trạng thái HS"] == "Đang học" and an["Quốc tịch"] == "Việt Nam" and an["Dân tộc"] == "Kinh"
    assert an["Số định danh cá nhân"] == "001214000001" and an["Họ tên mẹ"] == "Nguyễn Thị Lan"
    assert rows["HSA002"]["Giới tính"] == "Nữ" and rows["HSA002"]["Dân tộc"] == "Tày"
    # "Mường" is not in this template's DAN_TOC sheet: left empty and said so.
    assert rows["HSA003"]["Dân tộc"] == "" and "“Mường” không có trong danh mục DAN_TOC" in body
    # Columns we cannot fill are listed with the reason.
    assert "Nghề nghiệp cha</strong>: hệ thống không giữ thông tin này" in body
    assert "Loại khuyết tật</strong>: hệ thống chưa ghi khuyết tật" in body
    assert "Tỉnh/Thành phố (Theo địa chỉ thường trú)</strong>: địa chỉ theo tỉnh/huyện/xã" in body
    # Every cell left empty is said, once per pupil, with why: what our records need not hold too.
    from tests.integration.test_sector_templates import said

    assert "“Mường” không có trong danh mục DAN_TOC của tệp mẫu" in said(body, "Trần Minh Châu", "6A1")
    assert "Họ tên cha — không bắt buộc trên hệ thống, chưa có trong hồ sơ" in said(body, "Nguyễn Văn An", "6A1")
    assert "3 trong 3 dòng còn ô trống" in body
    # The other sheets of the template are kept as they came.
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Sheet1", *CODES]


def test_a_column_inserted_between_versions_moves_nothing(world, client, dbs):
    _profile(dbs, world)
    client.login("admin.a")
    v3 = V2[:9] + ["Diện chính sách"] + V2[9:]     # ver3 added a column (moet.md §2.1)
    body, data = _fill(client, template(v3, nfd=False), "C1-HocSinh-ver3.xlsx")
    _body2, data2 = _fill(client, template(), "C1-HocSinh-ver2.xlsx")
    old, new = _rows(data2), _rows(data)
    for code in old:
        assert {h: v for h, v in new[code].items() if h != "Diện chính sách"} == old[code]
    # A column the student import knows (the pupil's policy status, an optional profile field) is filled.
    assert new["HSA001"]["Diện chính sách"] == "" and "Diện chính sách" in body.split('id="filled">')[1].split("<")[0]


def test_the_filled_file_reads_back_through_the_student_import_unchanged(world, client, dbs):
    """The round trip: what we wrote is what the one table reader and the import read."""
    from lms.people import imports

    _profile(dbs, world)
    client.login("admin.a")
    _body, data = _fill(client, template())
    with dbs() as s:
        from lms.people.models import School, SchoolYear

        plan = imports.plan_student_import(s, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id),
                                           "C1-HocSinh.xlsx", data, 1000)
        assert plan.ok, plan.issues
        assert {r.action for r in plan.rows} == {"unchanged"}, [(r.line, r.action, r.changes) for r in plan.rows]


def test_the_next_export_says_what_is_new_changed_or_moved(world, client, dbs):
    _profile(dbs, world)
    client.login("admin.a")
    first, _data = _fill(client, template())
    assert "Đây là lần xuất đầu tiên" in first
    with dbs() as s:
        st = s.get(Student, world.a.students["HSA002"].id)
        st.personal_id = "001314000099"
        s.commit()
    second, _data = _fill(client, template())
    assert "Thay đổi: 1" in second and "Nguyễn Thị Bình (HSA002) (Số định danh cá nhân)" in second
    assert "Mới: 0" in second and "Chuyển lớp: 0" in second


def test_not_a_student_template_is_refused_with_a_message(world, client, dbs):
    from lms.gradebook.transcript.models import SectorExport

    client.login("admin.a")
    wb = Workbook()
    wb.active.append(["Ngày", "Số tiền", "Nội dung"])
    body = client.post("/school/sector", {"file": (io.BytesIO(saved(wb)), "sao-ke.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Không nhận ra tệp mẫu học sinh" in body or "Thiếu cột" in body
    body = client.post("/school/sector", {"file": (io.BytesIO(b"STT,Ho ten\n1,A"), "mau.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "phải là tệp Excel .xlsx" in body
    with dbs() as s:
        assert s.scalars(select(SectorExport)).first() is None   # nothing kept for a refused file


def test_the_file_is_for_the_chosen_year_and_carries_the_schools_sector_codes(world, client, dbs):
    """A template asking for the school's codes (Mã trường, Mã Sở GD&ĐT, Mã Phòng GD&ĐT) is refused
    while they are not set, saying where to fill them; then gets them, never our own code. The file
    is built for exactly the school year chosen on the page, and "since the last export" compares
    within that year."""
    from datetime import date

    from lms.auth.models import User
    from lms.people import services
    from lms.people.models import Enrollment, School

    _profile(dbs, world)
    with dbs() as s:    # our own code for the school, as the tester's school had it
        s.get(School, world.a.school.id).code = "THPT-LX"
        s.commit()
    client.login("admin.a")
    headers = ["STT", "Mã trường", "Mã Sở GD&ĐT", "Mã Phòng GD&ĐT", *V2[1:]]
    refused = client.post("/school/sector", {"file": (io.BytesIO(template(headers)), "C1-HocSinh.xlsx")},
                          content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="sector-report"' not in text
    assert "Chưa ghi mã trường, mã Sở GD&amp;ĐT, mã Phòng GD&amp;ĐT trên CSDL ngành" in text
    assert "Cài đặt học bạ số" in text
    assert client.post("/school/transcripts/settings", {"what": "codes", "moet_school_code": "89001501",
                                                         "department_code": "89", "district_code": "883",
                                                         "place_of_issue": ""}).status_code == 302
    body, data = _fill(client, template(headers))
    rows = _rows(data)
    assert {(r["Mã trường"], r["Mã Sở GD&ĐT"], r["Mã Phòng GD&ĐT"]) for r in rows.values()} == {("89001501", "89", "883")}
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        assert school.code == "THPT-LX" and "THPT-LX" not in {v for r in rows.values() for v in r.values()}
        # Another year, in which only An is enrolled (in another class).
        other = services.create_school_year(s, s.get(User, world.a.admin.id), school, name="2027-2028",
                                            term1=(date(2027, 9, 5), date(2028, 1, 15)),
                                            term2=(date(2028, 1, 16), date(2028, 5, 31)))
        klass = services.save_class(s, s.get(User, world.a.admin.id), school, year=other, grade=7, name="7A1",
                                    homeroom_teacher_id=None)
        s.add(Enrollment(student_id=world.a.students["HSA001"].id, class_id=klass.id, school_year_id=other.id))
        s.commit()
        other_id = other.id
    page = client.get("/school/sector").get_data(as_text=True)
    assert 'id="sector-year"' in page and "2027-2028" in page
    chosen = client.post("/school/sector", {"file": (io.BytesIO(template()), "C1-HocSinh.xlsx"),
                                            "school_year_id": str(other_id)}, content_type="multipart/form-data")
    chosen_body = chosen.get_data(as_text=True)
    assert "Năm học 2027-2028" in chosen_body and "Đây là lần xuất đầu tiên" in chosen_body   # its own first file
    link = chosen_body.split('id="sector-download" href="', 1)[1].split('"', 1)[0]
    other_rows = _rows(client.get(link).data)
    assert list(other_rows) == ["HSA001"] and other_rows["HSA001"]["Mã lớp"] == "7A1"
    # The page's own year again: compared with that year's last file, not with 2027-2028's.
    again = client.post("/school/sector", {"file": (io.BytesIO(template(headers)), "C1-HocSinh.xlsx"),
                                           "school_year_id": str(world.a.year.id)},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "Mới: 0" in again and "Không còn trong danh sách: 0" in again and "Chuyển lớp: 0" in again


def test_the_round_trip_without_the_parents_phone_columns_changes_nothing_and_refuses_nothing(world, client, dbs):
    """Issue #25: a school's template with the parents' names but no phone or e-mail column
    exports and imports back unchanged — the parents named are the pupils' own, not parents
    "without a phone" to invite — and a template with no parent column at all too."""
    from lms.people import imports
    from lms.people.models import School, SchoolYear

    _profile(dbs, world)
    client.login("admin.a")
    without_phones = [h for h in V2 if not h.startswith("Số điện thoại")]
    without_parents = [h for h in without_phones if not h.endswith((" cha", " mẹ"))]
    for headers in (without_phones, without_parents):
        _body, data = _fill(client, template(headers))
        with dbs() as s:
            plan = imports.plan_student_import(s, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id),
                                               "C1-HocSinh.xlsx", data, 1000)
            assert plan.ok, plan.issues
            assert plan.unreachable == []
            assert [(r.action, r.changes) for r in plan.rows] == [("unchanged", [])] * len(plan.rows), headers
            assert len(plan.rows) >= 3
