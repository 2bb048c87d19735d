import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.auth.models import User
from lms.people.models import Enrollment, Guardianship, Membership, Student
from tests.factories import csv_bytes
from tests.sheets import saved, to_cp1258

GOOD = [
    ["HS100", "Phạm Thị Hoa", "10/10/2014", "Nữ", "6A1", "1 Lê Lợi", "Phạm Văn Khoa", "Bố", "0987000100", ""],
    ["HS100", "", "", "", "", "", "Đỗ Thị Lý", "Mẹ", "0987000101", "ly.do@example.com"],
    ["HS101", "Phạm Văn Hùng", "11/11/2014", "Nam", "6A1", "1 Lê Lợi", "Phạm Văn Khoa", "Bố", "0987000100", ""],
    ["HS102", "Vũ Minh Tâm", "2014-05-06", "nam", "6a1", "", "Vũ Thị Nga", "mẹ", "+84 987 000 102", ""],
]


def upload(client, data: bytes, name: str = "hs.csv", kind: str = "students"):
    return client.post(f"/school/import/{kind}", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, preview, kind: str = "students"):
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    return client.post(f"/school/import/{kind}/confirm", {"token": token})


def counts(s, school_id):
    return (s.scalar(select(func.count()).select_from(Student).where(Student.school_id == school_id)),
            s.scalar(select(func.count()).select_from(Guardianship).join(Student).where(Student.school_id == school_id)),
            s.scalar(select(func.count()).select_from(User)))


def test_preview_then_confirm_then_reimport_changes_nothing(world, client, dbs):
    client.login("admin.a")
    with dbs() as s:
        before = counts(s, world.a.school.id)
    preview = upload(client, csv_bytes(GOOD))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 mới" in body
    with dbs() as s:
        assert counts(s, world.a.school.id) == before  # nothing saved by the preview
    done = confirm(client, preview)
    assert done.status_code == 302
    with dbs() as s:
        # The parents are invited (accounts.add_person); here they all take up their links.
        assert counts(s, world.a.school.id)[1] == before[1]
        from lms.people import accounts
        accounts.everyone_joined(s, world.a.school.id)
        s.commit()
    with dbs() as s:
        students, links, users = counts(s, world.a.school.id)
        assert (students, links) == (before[0] + 3, before[1] + 4)
        assert users == before[2] + 3 + 3  # three students, three parents (Khoa is one person)
        khoa = s.scalars(select(User).where(User.phone == "0987000100")).one()
        assert khoa.username == "0987000100.a"   # in the school's own names
        assert {g.student.student_code for g in s.scalars(select(Guardianship).where(
            Guardianship.guardian_id == khoa.id))} == {"HS100", "HS101"}
        assert s.scalars(select(User).where(User.phone == "0987000102")).one().full_name == "Vũ Thị Nga"
        assert all(not g.consent for g in s.scalars(select(Guardianship)))  # consent is never pre-ticked
    again = upload(client, csv_bytes(GOOD))
    assert "0 mới, 0 cập nhật, 3 không đổi" in again.get_data(as_text=True)   # three pupils (one on two lines)
    confirm(client, again)
    with dbs() as s:
        assert counts(s, world.a.school.id) == (students, links, users)


def test_one_bad_row_saves_nothing_and_names_line_and_column(world, client, dbs):
    client.login("admin.a")
    with dbs() as s:
        before = counts(s, world.a.school.id)
    rows = GOOD + [["HS103", "Lò Văn Sáng", "31/02/2014", "Nam", "6A1", "", "", "", "", ""],
                   ["HS104", "Hà Thị Xuân", "01/01/2014", "Nữ", "9Z9", "", "Hà Văn Bảy", "Bố", "12345", ""]]
    preview = upload(client, csv_bytes(rows))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert 'name="token"' not in body  # no way to confirm
    errors = re.findall(r'<tr class="import-error" data-line="(\d+)"><td>\d+</td><td>([^<]+)</td><td>([^<]+)</td>', body)
    # Each column is named as the file names it, with its letter.
    # A date of the right form that is not a day of the calendar is said to be so, not "wrong format".
    assert ("6", "Ngày sinh (C)", "Ngày sinh: 31/02/2014 không phải ngày có thật (tháng 2/2014 có 28 ngày).") in errors
    assert ("7", "Lớp* (E)", "Không có lớp “9Z9” trong năm học 2026-2027.") in errors
    assert any(line == "7" and column == "SĐT phụ huynh (I)" for line, column, _ in errors)
    with dbs() as s:
        assert counts(s, world.a.school.id) == before


def test_missing_required_column_is_reported_on_the_header_line(world, client):
    client.login("admin.a")
    data = csv_bytes([["HS1", "Tên"]], headers=["Mã học sinh", "Họ và tên"])
    body = upload(client, data).get_data(as_text=True)
    assert 'data-line="1"' in body and "Thiếu cột bắt buộc “Lớp”" in body


def test_xlsx_with_other_header_spellings_and_semicolon_csv(world, client, dbs):
    client.login("admin.a")
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Mã HS", "Họ tên học sinh", "Ngày sinh", "Lớp", "Số điện thoại phụ huynh", "Họ tên cha mẹ"])
    import datetime
    ws.append([1, "HS200", "Nguyễn Thị Mơ", datetime.datetime(2014, 3, 4), "6A1", 987000200, "Nguyễn Văn Tư"])
    preview = upload(client, saved(wb), "danh-sach.xlsx")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert "STT" in body  # reported as a column not used
    confirm(client, preview)
    with dbs() as s:
        pupil = s.scalars(select(Student).where(Student.student_code == "HS200")).one()
        assert pupil.birth_date == datetime.date(2014, 3, 4)
        # Excel dropped the leading zero of the phone number; it is restored.
        assert s.scalars(select(User).where(User.phone == "0987000200")).one().full_name == "Nguyễn Văn Tư"
    semicolon = "Mã học sinh;Họ và tên;Lớp\nHS201;Trần Văn Tý;6A1\n".encode("utf-8")
    assert upload(client, semicolon).status_code == 200


def test_parent_across_schools_is_one_account(world, client, dbs, make_client):
    """Mrs Lan already has two children in school A; her third child joins school B by phone.
    School B's import invites her account; once she accepts, one sign-in shows all three."""
    client.login("admin.b")
    rows = [["HSB900", "Nguyễn Văn Út", "01/02/2010", "Nam", "10A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""]]
    confirm(client, upload(client, csv_bytes(rows)))
    lan = make_client()
    lan.login("0912000001")
    invitation = re.search(r'/invitations/(\d+)/accept', lan.get("/invitations").get_data(as_text=True)).group(1)
    lan.post(f"/invitations/{invitation}/accept", {})
    with dbs() as s:
        schools = set(s.scalars(select(Membership.school_id).where(Membership.user_id == world.mother_a.id,
                                                                   Membership.role == "parent")))
        assert schools == {world.a.school.id, world.b.school.id}


def test_phone_of_someone_else_is_refused(world, client):
    client.login("admin.a")
    rows = [["HS300", "Lý Văn Ba", "01/02/2014", "Nam", "6A1", "", "Người Lạ", "Bố", "0912000001", ""]]
    body = upload(client, csv_bytes(rows)).get_data(as_text=True)
    # Mrs Lan is this school's own parent, so naming her helps the admin and reveals nothing.
    assert "đã thuộc phụ huynh “Nguyễn Thị Lan” của trường" in body


def test_moving_a_student_to_another_class_is_an_update(world, client, dbs):
    client.login("admin.a")
    client.post("/school/classes", {"grade": "6", "name": "6A2", "homeroom_teacher_id": "0"})
    rows = [["HSA001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A2", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""]]
    preview = upload(client, csv_bytes(rows))
    assert "1 cập nhật" in preview.get_data(as_text=True)
    confirm(client, preview)
    with dbs() as s:
        enrollment = s.scalars(select(Enrollment).where(Enrollment.student_id == world.a.students["HSA001"].id)).one()
        assert enrollment.school_class.name == "6A2"


def test_not_an_excel_file_is_refused_clearly(world, client):
    client.login("admin.a")
    body = upload(client, b"PK\x03\x04garbage", "hs.xlsx").get_data(as_text=True)
    assert "không phải là tệp Excel" in body or "Không đọc được tệp Excel" in body
    windows = to_cp1258("Mã học sinh,Họ và tên,Lớp\nHS9,Đỗ Thị Ưng,6A1\n")
    body = upload(client, windows, "hs.csv").get_data(as_text=True)
    assert "1 mới" in body and "Đỗ Thị Ưng" in body
    # UTF-16 without its byte-order mark (as some exports write it) is read too.
    wide = "Mã học sinh,Họ và tên,Lớp\nHS1,Đỗ Thị Ư,6A1\n".encode("utf-16-le")
    assert "Đỗ Thị Ư" in upload(client, wide, "hs.csv").get_data(as_text=True)


def test_templates_download_and_export_round_trip(world, client):
    client.login("admin.a")
    template = client.get("/school/import/students/template.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(template.data)).worksheets[0][1]]
    assert headers[:5] == ["Mã học sinh*", "Họ và tên*", "Ngày sinh", "Giới tính", "Lớp*"]
    exported = client.get("/school/export/students.xlsx")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    # Importing the exported list back changes nothing.
    body = upload(client, exported.data, "export.xlsx").get_data(as_text=True)
    assert re.search(r"0 mới, 0 cập nhật, \d+ không đổi", body), body[-2000:]


def test_staff_import_and_reimport(world, client, dbs):
    client.login("admin.a")
    rows = [["Đinh Thị Thu", "", "thu.dinh@example.com", "0977000001", "Giáo viên"],
            ["Mai Văn Tiến", "tien.mv", "", "0977000002", "Kế toán, Giáo viên"],
            ["Giáo Viên A", "", "gv.a@test.example", "", "Giáo viên"]]
    data = csv_bytes(rows, headers=["Họ và tên", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò"])
    preview = upload(client, data, kind="staff")
    body = preview.get_data(as_text=True)
    assert "0 mới, 0 cập nhật, 1 không đổi" in body and "2 lời mời" in body
    confirm(client, preview, kind="staff")
    with dbs() as s:
        from lms.people import accounts
        accounts.everyone_joined(s, world.a.school.id)
        s.commit()
    with dbs() as s:
        tien = s.scalars(select(User).where(User.username == "tien.mv.a")).one()
        roles = set(s.scalars(select(Membership.role).where(Membership.user_id == tien.id)))
        assert roles == {"teacher", "accountant"}
        assert s.scalars(select(User).where(User.email == "thu.dinh@example.com")).one().username == "thu.dinh.a"
    assert "0 mới, 0 cập nhật, 3 không đổi" in upload(client, data, kind="staff").get_data(as_text=True)
    bad = csv_bytes([["Ai Đó", "", "", "", "Trưởng nhóm"]], headers=["Họ và tên", "Tên đăng nhập", "Email",
                                                               "Số điện thoại", "Vai trò"])
    body = upload(client, bad, kind="staff").get_data(as_text=True)
    assert "Vai trò “Trưởng nhóm” không rõ" in body and "Cần e-mail hoặc số điện thoại" in body


def test_a_code_that_is_another_childs_is_refused_and_a_correction_is_taken(world, client, dbs):
    """A list whose code is an existing pupil's but whose name and birth date are both someone
    else's (a mistyped code, another school's list) would rename that child and make strangers their
    parents: the line is refused naming the child the code belongs to. A new spelling of the name,
    or a corrected birth date, alone, is an update."""
    client.login("admin.a")
    first = upload(client, csv_bytes(GOOD))
    assert confirm(client, first).status_code == 302
    other = [["HS101", "Lê Thị Mơ", "03/03/2013", "Nữ", "6A1", "", "Lê Văn Tư", "Bố", "0987000555", ""]]
    refused = upload(client, csv_bytes(other))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r"<td[^>]*>2</td>\s*<td[^>]*>Mã học sinh[^<]*</td>\s*<td[^>]*>Mã HS101 là của em Phạm Văn Hùng, "
                     r"sinh 11/11/2014, nhưng dòng này ghi Lê Thị Mơ, sinh 03/03/2013", body), body[-3000:]
    with dbs() as s:
        assert s.scalars(select(User).where(User.phone == "0987000555")).first() is None
    renamed = upload(client, csv_bytes([["HS101", "Phạm Văn Hưng", "11/11/2014", "Nam", "6A1", "1 Lê Lợi",
                                         "Phạm Văn Khoa", "Bố", "0987000100", ""]]))
    assert renamed.status_code == 200 and "0 mới, 1 cập nhật" in renamed.get_data(as_text=True)
    redated = upload(client, csv_bytes([["HS101", "Phạm Văn Hùng", "12/11/2014", "Nam", "6A1", "1 Lê Lợi",
                                         "Phạm Văn Khoa", "Bố", "0987000100", ""]]))
    assert redated.status_code == 200 and "0 mới, 1 cập nhật" in redated.get_data(as_text=True)
