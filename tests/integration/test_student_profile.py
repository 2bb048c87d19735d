"""The admin corrects a pupil's profile one pupil at a time (the report card and the national
transcript print it); every field is checked as the import checks it, and nothing is half-saved."""
from sqlalchemy import select

from lms.core.models import AuditLog
from lms.people.models import Student


def _form(**changes):
    data = {"full_name": "Nguyễn Văn An", "birth_date": "2014-09-05", "gender": "nam", "place_of_birth": "",
            "hometown": "", "ethnicity": "", "nationality": "", "address": "", "moet_code": "", "personal_id": "",
            "student_email": "", "student_phone": "", "registration_number": "", "policy_status": ""}
    data.update(changes)
    return data


def test_the_admin_completes_a_profile_and_a_bad_field_is_refused_by_name(world, client, dbs):
    pupil = world.a.students["HSA001"]
    client.login("admin.a")
    page = client.get(f"/school/students/{pupil.id}/profile")
    assert page.status_code == 200 and "Số định danh cá nhân" in page.get_data(as_text=True)
    bad = client.post(f"/school/students/{pupil.id}/profile", _form(personal_id="0912 345", place_of_birth="An Giang"))
    assert bad.status_code == 422 and "Số định danh cá nhân có đúng 12 chữ số" in bad.get_data(as_text=True)
    with dbs() as s:
        assert s.get(Student, pupil.id).place_of_birth is None          # nothing half-saved
    done = client.post(f"/school/students/{pupil.id}/profile", _form(
        full_name="Nguyễn Văn  Ân", personal_id="089 214 000 123", place_of_birth="Long Xuyên, An Giang",
        hometown="Chợ Mới, An Giang", ethnicity="Kinh", nationality="Việt Nam", student_phone="0912.345.678",
        registration_number="127/2026", policy_status="Con thương binh"))
    assert done.status_code == 302
    with dbs() as s:
        student = s.get(Student, pupil.id)
        assert (student.full_name, student.personal_id, student.place_of_birth, student.phone, student.ethnicity) == (
            "Nguyễn Văn Ân", "089214000123", "Long Xuyên, An Giang", "0912345678", "Kinh")
        assert student.user.full_name == "Nguyễn Văn Ân" and "nguyen van an" in student.search_text
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "student_profile_changed")).one()
        assert "personal_id" in audit.detail and "089214000123" not in audit.detail   # which fields, not the data
    detail = client.get(f"/school/students/{pupil.id}").get_data(as_text=True)
    assert "Long Xuyên, An Giang" in detail and "089214000123" in detail
    assert "127/2026" in detail and "Con thương binh" in detail
    with dbs() as s:
        student = s.get(Student, pupil.id)
        assert (student.registration_number, student.policy_status) == ("127/2026", "Con thương binh")


def test_the_register_number_and_policy_status_come_from_the_schools_list(world, dbs):
    """A school's list with "Số đăng bộ" and "Diện chính sách" columns fills them; the export
    carries them back."""
    from io import BytesIO

    from openpyxl import load_workbook

    from lms.auth.models import User
    from lms.people import imports
    from lms.people.models import School, SchoolYear
    from tests.factories import csv_bytes

    headers = imports.STUDENT_HEADERS + ["Số đăng bộ", "Diện chính sách"]
    rows = [["HSA001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", "",
             "0031/2026", "Hộ nghèo"],
            ["HSA002", "Nguyễn Thị Bình", "12/03/2014", "Nữ", "6A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", "",
             "0032/2026", ""]]
    with dbs() as s:
        school, year = s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id)
        plan = imports.plan_student_import(s, school, year, "ds.csv", csv_bytes(rows, headers), 1000)
        assert plan.ok, plan.issues
        imports.apply_student_import(s, s.get(User, world.a.admin.id), school, year, plan)
        s.commit()
        an = s.get(Student, world.a.students["HSA001"].id)
        assert (an.registration_number, an.policy_status) == ("0031/2026", "Hộ nghèo")
        assert s.get(Student, world.a.students["HSA002"].id).policy_status is None
        sheet = load_workbook(BytesIO(imports.export_students(s, school, year))).worksheets[0]
        head = [c.value for c in sheet[1]]
        line = next([c.value for c in r] for r in sheet.iter_rows(min_row=2) if r[0].value == "HSA001")
        assert line[head.index("Số đăng bộ")] == "0031/2026" and line[head.index("Đối tượng chính sách")] == "Hộ nghèo"


def test_only_the_schools_admin_edits_a_profile(world, client, make_client):
    pupil = world.a.students["HSA001"]
    client.login("gv.a")
    assert client.get(f"/school/students/{pupil.id}/profile").status_code == 403
    other = make_client()
    other.login("admin.b")
    assert other.get(f"/school/students/{pupil.id}/profile").status_code == 404
    assert other.post(f"/school/students/{pupil.id}/profile", _form()).status_code == 404


def test_text_that_a_spreadsheet_reads_as_a_formula_never_reaches_the_report_card(world, client, dbs):
    """The report card and the transcript print the profile as typed, and their figures are opened
    in spreadsheets: a field that starts like a formula or holds a control character is refused on
    its field — every such field at once, the real reason named — and nothing is saved. The
    import checks the same fields by the same rule."""
    pupil = world.a.students["HSA001"]
    client.login("admin.a")
    bad = client.post(f"/school/students/{pupil.id}/profile", _form(
        full_name="=HYPERLINK(\"http://x\";\"An\")", place_of_birth="=1+1", hometown="@SUM(A1)",
        ethnicity="Kinh\x07", address="+84 cmd", registration_number="-12"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    # five such fields, each said under its box and in the summary at the top
    assert page.count("phải bắt đầu bằng chữ hoặc số") == 10 and "chứa ký tự điều khiển" in page
    for label in ("Họ và tên", "Nơi sinh", "Quê quán", "Dân tộc", "Nơi ở hiện nay", "Số đăng bộ"):
        assert f"{label} “" in page, label
    with dbs() as s:
        student = s.get(Student, pupil.id)
        assert (student.full_name, student.place_of_birth, student.ethnicity) == ("Nguyễn Văn An", None, None)

    from lms.people.profile import clean_profile
    clean, errors = clean_profile({"place_of_birth": "=1+1", "hometown": "Chợ Mới, An Giang"})
    assert set(errors) == {"place_of_birth"} and clean["hometown"] == "Chợ Mới, An Giang"


def test_the_imports_and_the_staff_form_refuse_a_name_a_spreadsheet_reads_as_a_formula(world, client, dbs):
    from lms.auth.models import User
    from lms.people import imports
    from lms.people.models import School, SchoolYear
    from tests.factories import csv_bytes

    rows = [["HSA001", "=HYPERLINK(\"http://x\";\"An\")", "05/09/2014", "Nam", "6A1", "", "Nguyễn Thị Lan", "Mẹ",
             "0912000001", ""]]
    with dbs() as s:
        school, year = s.get(School, world.a.school.id), s.get(SchoolYear, world.a.year.id)
        plan = imports.plan_student_import(s, school, year, "ds.csv", csv_bytes(rows, imports.STUDENT_HEADERS), 1000)
        assert not plan.ok and any("phải bắt đầu bằng chữ hoặc số" in str(i.message) for i in plan.issues)
    client.login("admin.a")
    page = client.post("/school/staff", {"full_name": "@SUM(1)", "email": "moi@truong.edu.vn", "roles": "teacher"})
    assert page.status_code == 422 and "phải bắt đầu bằng chữ hoặc số" in page.get_data(as_text=True)
    with dbs() as s:
        assert s.query(User).filter(User.full_name == "@SUM(1)").count() == 0
