"""Student lists as schools type them: a parent's name and phone columns read as a person reads them."""
import io

import pytest

from lms.people import imports
from lms.people.models import School, SchoolYear
from tests.sheets import xlsx

TITLE = [["TRƯỜNG THCS THỬ A"], ["DANH SÁCH HỌC SINH LỚP 6A1"], []]


def plan(dbs, world, data, **kw):
    with dbs() as s:
        return imports.plan_student_import(s, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id),
                                           "ds.xlsx", data, 1000, **kw)


@pytest.mark.parametrize("name_header, phone_header", [
    ("Họ tên cha", "SĐT phụ huynh"), ("Họ tên mẹ", "Điện thoại"), ("Họ tên cha", "Điện thoại liên hệ"),
    ("Họ tên phụ huynh", "Điện thoại liên hệ"), ("Họ tên cha", "SĐT cha")])
def test_a_phone_column_after_a_parents_name_is_that_parents(world, dbs, name_header, phone_header):
    data = xlsx(TITLE + [["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", name_header, phone_header],
                         [1, "HSN901", "Kiều Văn Sang", "05/03/2014", "Nam", "Kiều Văn Lâm", "0912 222 921"],
                         [2, "HSN902", "Kiều Thị Mai", "06/04/2014", "Nữ", "Kiều Văn Lâm", "0912 222 921"]])
    p = plan(dbs, world, data)
    assert p.ok, p.issues
    assert len(p.rows) == 2 and [r.line for r in p.rows] == [5, 6]
    assert [(r.values["parent_name"], r.values["parent_phone"]) for r in p.rows] == [("Kiều Văn Lâm", "0912 222 921")] * 2
    assert p.unknown_headers == ["STT (A)"]   # every other column is used


def test_father_and_mother_with_one_phone_each_and_errors_name_the_files_column(world, dbs):
    data = xlsx(TITLE + [["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Họ tên cha", "SĐT cha", "Họ tên mẹ",
                          "Điện thoại"],
                         [1, "HSN911", "Lê Văn Bảo", "30/02/2014", "Lê Văn Dũng", "0912 345 000", "Võ Thị Hoa",
                          "09x"]])
    p = plan(dbs, world, data)
    assert [(r.values["relation"], r.values["parent_name"]) for r in p.rows] == [("Bố", "Lê Văn Dũng"),
                                                                                   ("Mẹ", "Võ Thị Hoa")]
    said = [(i.line, i.column, i.message) for i in p.issues]
    # The bad birth date once, with its value; the mother's bad phone on the file's "Điện thoại (H)".
    assert said == [(5, "Ngày sinh (D)", "Ngày sinh: 30/02/2014 không phải ngày có thật (tháng 2/2014 có 28 ngày)."),
                    (5, "Điện thoại (H)", "Số điện thoại “09x” không hợp lệ.")], said


def test_a_list_without_codes_still_shows_each_line_and_takes_the_class_of_its_title(world, dbs):
    data = xlsx(TITLE + [["STT", "Họ đệm", "Tên", "Ngày sinh", "Giới tính", "Họ tên cha", "SĐT cha"],
                         [1, "Nguyễn Văn", "An", "05/03/2014", "Nam", "Nguyễn Văn Bình", "0912 345 678"],
                         [2, "Võ Minh", "Khang", "30/02/2014", "Nam", "Võ Văn Hùng", "0909123456"]])
    p = plan(dbs, world, data)
    assert [r.line for r in p.rows] == [5, 6]
    assert [r.values["class_name"] for r in p.rows] == ["6A1", "6A1"]
    said = [(i.line, i.column) for i in p.issues]
    assert ("Lớp" not in [c for _l, c in said]) and (6, "Ngày sinh (D)") in said
    assert len([c for _l, c in said if c == "Mã học sinh"]) == 1, p.issues  # the missing column said once
    assert p.rows[0].action == "skipped" and not p.ok


def test_the_preview_of_a_list_without_codes_shows_its_lines(world, client):
    client.login("admin.a")
    data = xlsx(TITLE + [["STT", "Họ đệm", "Tên", "Ngày sinh", "Họ tên cha", "SĐT cha"],
                         [1, "Võ Minh", "Khang", "30/02/2014", "Võ Văn Hùng", "0909123456"]])
    page = client.post("/school/import/students", {"file": (io.BytesIO(data), "ds.xlsx")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code in (200, 422) and "Võ Minh Khang" in body and "30/02/2014" in body


def test_excels_unicode_text_is_taken_as_a_table_whatever_its_extension(world, client):
    client.login("admin.a")
    text = ("DANH SÁCH HỌC SINH LỚP 6A1\r\n\r\n"
            "Mã học sinh\tHọ và tên\tNgày sinh\tHọ tên mẹ\tSĐT mẹ\r\n"
            "HSN931\tĐỗ Thị Thu\t01/02/2014\tĐỗ Thị Hạnh\t0912 931 000\r\n")
    page = client.post("/school/import/students",
                       {"file": (io.BytesIO(b"\xff\xfe" + text.encode("utf-16-le")), "ds.txt")},
                       content_type="multipart/form-data")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đỗ Thị Thu" in body and "Đỗ Thị Hạnh" in body, body[-1500:]


def test_a_parents_corrected_phone_is_invited_once_and_set_when_she_proves_it(world, dbs):
    """A corrected number for the pupil's own mother is never set by the school (it could be anyone's
    elsewhere): it is invited, the preview says so, and the same list imported again announces and
    invites nothing more (an invitation by SMS costs the school)."""
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.people.models import Guardianship, Invitation, Student

    # HSA001's mother, Nguyễn Thị Lan, 0912000001 in the world: the list now gives her new number.
    data = xlsx([["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Họ tên phụ huynh", "Quan hệ",
                  "SĐT phụ huynh"],
                 ["HSA001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A1", "Nguyễn Thị Lan", "Mẹ", "0912 000 222"]])

    def planned(s):
        return imports.plan_student_import(s, s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id),
                                           "ds.xlsx", data, 1000)

    with dbs() as s:
        p = planned(s)
        assert p.ok, p.issues
        assert [(r.action, [str(c) for c in r.changes]) for r in p.rows] == [
            ("update", ["mời phụ huynh Nguyễn Thị Lan xác nhận số 0912000222 (chờ chấp nhận)"])]
        student = s.scalar(select(Student).where(Student.student_code == "HSA001"))
        before = s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == student.id))
        imports.apply_student_import(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id),
                                     s.get(SchoolYear, world.a.year.id), p)
        s.commit()
        after = s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == student.id))
        assert after == before
        assert s.get(User, world.mother_a.id).phone == "0912000001"      # until she proves the new one
        invited = select(func.count()).select_from(Invitation).where(Invitation.identifier == "0912000222",
                                                                   Invitation.status == "pending")
        assert s.scalar(invited) == 1
    with dbs() as s:
        again = planned(s)
        assert [(r.action, [str(c) for c in r.changes]) for r in again.rows] == [("unchanged", [])]
        imports.apply_student_import(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id),
                                     s.get(SchoolYear, world.a.year.id), again)
        s.commit()
        assert s.scalar(invited) == 1


def test_a_new_pupils_second_parent_line_is_new_not_an_update(world, dbs):
    data = xlsx([["Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp", "Họ tên phụ huynh", "Quan hệ", "SĐT phụ huynh"],
                 ["HSN941", "Lý Văn Tú", "01/01/2014", "6A1", "Lý Văn Bá", "Bố", "0912 941 001"],
                 ["HSN941", "", "", "", "Đào Thị Mỹ", "Mẹ", "0912 941 002"]])
    p = plan(dbs, world, data)
    assert p.ok, p.issues
    assert [r.action for r in p.rows] == ["create", "create"] and p.count("create") == 1
