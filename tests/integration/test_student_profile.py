"""The admin corrects a pupil's profile one pupil at a time (the report card and the national
transcript print it); every field is checked as the import checks it, and nothing is half-saved."""
from sqlalchemy import select

from lms.core.models import AuditLog
from lms.people.models import Student


def _form(**changes):
    data = {"full_name": "Nguyễn Văn An", "birth_date": "2014-09-05", "gender": "nam", "place_of_birth": "",
            "hometown": "", "ethnicity": "", "nationality": "", "address": "", "moet_code": "", "personal_id": "",
            "student_email": "", "student_phone": ""}
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
        hometown="Chợ Mới, An Giang", ethnicity="Kinh", nationality="Việt Nam", student_phone="0912.345.678"))
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


def test_only_the_schools_admin_edits_a_profile(world, client, make_client):
    pupil = world.a.students["HSA001"]
    client.login("gv.a")
    assert client.get(f"/school/students/{pupil.id}/profile").status_code == 403
    other = make_client()
    other.login("admin.b")
    assert other.get(f"/school/students/{pupil.id}/profile").status_code == 404
    assert other.post(f"/school/students/{pupil.id}/profile", _form()).status_code == 404
