import pytest
from lms.auth.models import User
from lms.people.models import School, SchoolYear
import re

from sqlalchemy import func, select

from lms.people.models import Course, SchoolClass, Subject


def form_errors(response) -> str:
    return " ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)<', response.get_data(as_text=True)))


def test_admin_sets_school_details_and_fee_account(world, client, dbs):
    client.login("admin.a")
    response = client.post("/school", {
        "name": "Trường THCS Thử A", "levels": ["THCS"], "tax_code": "1600123456", "address": "12 Lê Lợi",
        "bank_bin": "970418", "bank_account_number": "7401 0000 123456", "bank_account_name": "Trường THCS Thử A",
        "payment_contact_name": "Kế Toán A", "payment_contact_phone": "0912 345 678"})
    assert response.status_code == 302
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        assert (school.bank_bin, school.bank_account_number) == ("970418", "74010000123456")
        assert school.bank_account_name == "TRUONG THCS THU A"  # as the bank shows it
        assert school.payment_contact_phone == "0912345678"


def test_bad_school_details_name_the_field_and_save_nothing(world, client, dbs):
    client.login("admin.a")
    response = client.post("/school", {"name": "Trường THCS Thử A", "levels": ["THCS"], "tax_code": "12AB",
                                       "bank_bin": "970418", "bank_account_number": ""})
    assert response.status_code == 422
    assert "Mã số thuế gồm 10 chữ số" in form_errors(response)
    response = client.post("/school", {"name": "Trường THCS Thử A", "levels": ["THCS"], "bank_bin": "970418",
                                       "bank_account_number": ""})
    assert "Nhập cả ngân hàng và số tài khoản" in form_errors(response)
    response = client.post("/school", {"name": "X", "levels": [], "bank_bin": ""})
    assert "Chọn ít nhất một cấp học" in form_errors(response)
    with dbs() as s:
        assert s.get(School, world.a.school.id).tax_code is None


def test_school_year_with_two_terms_and_validation(world, client, dbs):
    client.login("admin.a")
    bad = client.post("/school/years", {"name": "2027-2028", "term1_start": "2027-09-05", "term1_end": "2028-01-16",
                                        "term2_start": "2028-01-10", "term2_end": "2028-05-29"})
    assert "Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc" in form_errors(bad)
    wrong_name = client.post("/school/years", {"name": "2027-2029", "term1_start": "2027-09-05",
                                               "term1_end": "2028-01-16", "term2_start": "2028-01-18",
                                               "term2_end": "2028-05-29"})
    assert "2025-2026" in form_errors(wrong_name)
    ok = client.post("/school/years", {"name": "2027-2028", "term1_start": "2027-09-05", "term1_end": "2028-01-16",
                                       "term2_start": "2028-01-18", "term2_end": "2028-05-29", "make_current": "y"})
    assert ok.status_code == 302
    with dbs() as s:
        years = s.scalars(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id)).all()
        assert len(years) == 2
        current = [y for y in years if y.is_current]
        # Creating a year never switches the live one (the box that did so is gone).
        assert [y.name for y in current] == ["2026-2027"]
        assert [t.number for t in next(y for y in years if y.name == "2027-2028").terms] == [1, 2]


def test_classes_belong_to_the_school_levels_and_names_are_unique(world, client, dbs):
    client.login("admin.a")
    assert client.post("/school/classes", {"grade": "7", "name": "7A2", "homeroom_teacher_id": "0"}).status_code == 302
    dup = client.post("/school/classes", {"grade": "7", "name": "7a2", "homeroom_teacher_id": "0"})
    assert "đã có trong năm học này" in form_errors(dup)
    wrong_grade = client.post("/school/classes", {"grade": "10", "name": "10A9", "homeroom_teacher_id": "0"})
    assert wrong_grade.status_code == 422 and "10A9" not in client.get("/school/classes").get_data(as_text=True)
    foreign_teacher = client.post("/school/classes", {"grade": "7", "name": "7A3",
                                                      "homeroom_teacher_id": str(world.b.teacher.id)})
    assert foreign_teacher.status_code == 422
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(SchoolClass).where(SchoolClass.name == "7A3")) == 0


def test_programme_subjects_are_added_once(world, client, dbs):
    client.login("admin.a")
    with dbs() as s:
        before = s.scalar(select(func.count()).select_from(Subject).where(Subject.school_id == world.a.school.id))
    assert before == 12  # 8 score + 4 comment subjects at THCS
    client.post("/school/subjects/programme")
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Subject).where(Subject.school_id == world.a.school.id)) == 12
    page = client.get("/school/subjects").get_data(as_text=True)
    assert "Khoa học tự nhiên" in page and "K8: 52" in page  # Công nghệ has 52 periods in grade 8


def subject_id(dbs, school_id: int, code: str) -> int:
    with dbs() as s:
        return s.scalars(select(Subject.id).where(Subject.school_id == school_id, Subject.code == code)).one()


def test_subject_periods_edit(world, client, dbs):
    client.login("admin.a")
    tech_id = subject_id(dbs, world.a.school.id, "cong_nghe")
    response = client.post(f"/school/subjects/{tech_id}", {"name": "Công nghệ", "assessment": "score",
                                                           "periods_6": "35", "periods_7": "35", "periods_8": "70",
                                                           "periods_9": ""})
    assert response.status_code == 302
    with dbs() as s:
        tech = s.get(Subject, tech_id)
        assert tech.periods_for(8) == 70 and tech.periods_for(9) is None
    bad = client.post(f"/school/subjects/{tech_id}", {"name": "Công nghệ", "assessment": "score",
                                                     "periods_6": "0"})
    assert "Từ 1 đến 1000 tiết" in form_errors(bad)


def test_primary_subjects_are_assessed_by_comment(world, dbs):
    from lms.core.errors import ValidationError
    from lms.people import services
    from lms.people.models import School

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        admin = s.get(User, world.a.admin.id)
        services.update_school(s, admin, school, services.SchoolDetails(name=school.name, levels=["TH", "THCS"]))
        assert services.add_programme_subjects(s, admin, school) == 11
        vietnamese = s.scalars(select(Subject).where(Subject.school_id == school.id, Subject.level == "TH",
                                                     Subject.code == "tieng_viet")).one()
        with pytest.raises(ValidationError) as err:
            services.update_subject(s, admin, school, vietnamese, name="Tiếng Việt", assessment="score", periods={})
        assert "Thông tư 27" in str(err.value.message)


def test_courses_need_a_subject_taught_in_the_grade(world, client, dbs):
    client.login("admin.a")
    tech_id = subject_id(dbs, world.a.school.id, "ngu_van")
    ok = client.post("/school/courses", {"class_id": world.a.school_class.id, "subject_id": tech_id,
                                         "teacher_id": world.a.teacher.id})
    assert ok.status_code == 302
    dup = client.post("/school/courses", {"class_id": world.a.school_class.id, "subject_id": tech_id,
                                          "teacher_id": "0"})
    assert "đã có môn" in form_errors(dup)
    added = client.post(f"/school/classes/{world.a.school_class.id}/courses")
    assert added.status_code == 302
    with dbs() as s:
        n = s.scalar(select(func.count()).select_from(Course).where(Course.class_id == world.a.school_class.id))
        assert n == 12  # every THCS subject once


def test_staff_added_by_hand_is_matched_by_email(world, client, dbs):
    client.login("admin.a")
    response = client.post("/school/staff", {"full_name": "Giáo Viên A", "email": "gv.a@test.example",
                                             "roles": ["accountant"]})
    assert response.status_code == 302
    with dbs() as s:
        from lms.people.services import roles_in_school
        assert roles_in_school(s, s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)) == {"teacher", "accountant"}
    clash = client.post("/school/staff", {"full_name": "Người Khác", "email": "gv.a@test.example",
                                          "roles": ["teacher"]})
    assert "Người của trường có e-mail/số điện thoại này" in form_errors(clash)


def test_built_in_form_messages_are_in_the_users_language(world, client):
    client.login("admin.a")
    bad = client.post("/school/classes", {"grade": "99", "name": "6A9", "homeroom_teacher_id": "abc"})
    assert "Giá trị gửi lên không có trong danh sách: hãy chọn một mục của danh sách." in form_errors(bad)
    assert "Not a valid" not in bad.get_data(as_text=True)
    client.get("/language/en")
    bad = client.post("/school/classes", {"grade": "99", "name": "6A9", "homeroom_teacher_id": "abc"})
    assert "The value sent is not in the list: choose one of its options." in form_errors(bad)


def test_next_year_is_prepared_while_this_one_runs_and_switched_on_confirmation(world, client, make_client, dbs):
    """Creating 2027-2028 leaves 2026-2027 live; its classes and courses are made for it by
    choosing the year; pupils are promoted from this year's results; switching is confirmed on a
    page that says what changes; last year's books stay reachable from the teacher's menu."""
    from lms.gradebook.models import TermRecord
    from lms.people.models import Course, Enrollment
    from tests.factories import fill_year

    with dbs() as s:
        # An and Châu pass; Bình fails Toán and Ngữ văn (re-test pending); Châu's conduct is fine.
        fill_year(s, world.a, marks={("HSA002", "toan"): "3", ("HSA002", "ngu_van"): "3"})
        s.commit()
    client.login("admin.a")
    ok = client.post("/school/years", {"name": "2027-2028", "term1_start": "2027-09-05", "term1_end": "2028-01-16",
                                       "term2_start": "2028-01-18", "term2_end": "2028-05-29", "make_current": "y"},
                     follow_redirects=True)
    assert "Năm học hiện tại không đổi" in ok.get_data(as_text=True)
    with dbs() as s:
        years = {y.name: y for y in s.scalars(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id))}
        assert years["2026-2027"].is_current and not years["2027-2028"].is_current
        nxt = years["2027-2028"].id
    # Classes of next year, with their homeroom teachers, while this year runs.
    for grade, name, teacher in ((7, "7A1", world.a.teacher.id), (6, "6A1", 0)):
        assert client.post(f"/school/classes?year={nxt}", {"grade": str(grade), "name": name,
                                                            "homeroom_teacher_id": str(teacher)}).status_code == 302
    page = client.get(f"/school/classes?year={nxt}").get_data(as_text=True)
    assert "7A1" in page and 'id="preparing"' in page
    assert "7A1" not in client.get("/school/classes").get_data(as_text=True)   # this year's list is unchanged
    with dbs() as s:
        seven = s.scalars(select(SchoolClass).where(SchoolClass.school_year_id == nxt, SchoolClass.name == "7A1")).one()
        toan = s.scalars(select(Subject).where(Subject.school_id == world.a.school.id, Subject.code == "toan")).one()
        seven_id = seven.id
    assert client.post(f"/school/courses?year={nxt}", {"class_id": str(seven_id), "subject_id": str(toan.id),
                                                        "teacher_id": str(world.a.teacher.id)}).status_code == 302
    # Promotion from this year's results: An and Châu to 7A1; Bình waits for her re-tests.
    plan = client.get(f"/school/years/{nxt}/promotion").get_data(as_text=True)
    assert "Nguyễn Thị Bình" in plan.split('id="promotion"')[1]
    assert client.post(f"/school/years/{nxt}/promotion", {}).status_code == 302
    with dbs() as s:
        placed = {e.student.student_code: e.school_class.name
                  for e in s.scalars(select(Enrollment).where(Enrollment.school_year_id == nxt))}
        assert placed == {"HSA001": "7A1", "HSA003": "7A1"}
    assert client.post(f"/school/years/{nxt}/promotion", {}).status_code == 302    # twice changes nothing
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.school_year_id == nxt)) == 2
    # Switching says what changes, then switches only when confirmed.
    confirm = client.get(f"/school/years/{nxt}/current").get_data(as_text=True)
    summary = confirm.split('id="switch-summary"')[1]
    assert "2026-2027" in summary and "2 lớp, 2 học sinh, 1 môn học của lớp được phân công" in summary
    assert "1 môn học của lớp chưa phân công" not in summary
    with dbs() as s:
        assert not s.get(SchoolYear, nxt).is_current
    assert client.post(f"/school/years/{nxt}/current", {}).status_code == 302
    with dbs() as s:
        assert s.get(SchoolYear, nxt).is_current
        old = s.scalars(select(SchoolYear).where(SchoolYear.school_id == world.a.school.id,
                                                 SchoolYear.name == "2026-2027")).one().id
        old_course = s.scalars(select(Course).where(Course.id == world.a.course.id)).one().id
        assert s.scalars(select(TermRecord)).first() is not None
    # Last year's grade book is one menu away for its teacher.
    teacher = make_client()
    teacher.login("gv.a")
    home = teacher.get("/").get_data(as_text=True)
    assert 'id="nav-year-books"' in home
    books = teacher.get(f"/gradebooks?year={old}").get_data(as_text=True)
    assert f"/courses/{old_course}/grades" in books and "6A1" in books
    assert teacher.get(f"/courses/{old_course}/grades?term=2").status_code == 200


def test_every_text_printed_on_an_official_document_refuses_a_formula(world, client, dbs):
    """Place, principal, deputy, school name and address print on official PDFs: like a class
    name, each must start with a letter or a digit (one rule: core.official.printed_text); the
    department report's signer and recipient lines too."""
    from lms.core.errors import ValidationError
    from lms.reports.official import check_signing

    client.login("admin.a")
    good = {"name": "Trường THCS Thử A", "levels": ["THCS"], "address": "12 Lê Lợi, phường Mỹ Bình, TP. Long Xuyên",
            "place_name": "Long Xuyên", "principal_name": "Nguyễn Văn Hiệu", "deputy_signer_name": "", "bank_bin": ""}
    for field in ("place_name", "principal_name", "deputy_signer_name", "name", "address"):
        for bad in ("=1+1", "=HYPERLINK(1)", "=cmd|1", "+1", "@SUM(1)", "-2"):
            response = client.post("/school", {**good, field: bad})
            assert f'id="{field}-error"' in response.get_data(as_text=True), (field, bad)
            assert "phải bắt đầu bằng chữ hoặc số" in response.get_data(as_text=True).split(f'id="{field}-error"')[1][:400]
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        assert school.place_name is None and school.principal_name is None
    assert client.post("/school", good).status_code == 302
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        assert (school.place_name, school.principal_name) == ("Long Xuyên", "Nguyễn Văn Hiệu")
    for raw, field in (({"signer": "deputy", "signer_name": "=1+1"}, "signer_name"),
                       ({"signer": "head", "recipients": "Như trên;\n=HYPERLINK(1)"}, "recipients")):
        try:
            check_signing(raw)
        except ValidationError as refused:
            assert refused.field == field
        else:
            raise AssertionError(raw)
    assert check_signing({"signer": "deputy", "signer_name": "Trần Văn Phó", "recipients": "- Như trên;\nLưu: VT"})
