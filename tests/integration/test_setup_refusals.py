"""Every refusal on the school's set-up pages — the form's own checks and the services' — answers
422 with the message on its field and saves nothing (lms.core.requests.committing); they answered
200, so a script or a screen reader could not tell a refusal from a page shown again."""
import io

from sqlalchemy import func, select

from lms.people.models import Course, School


def errors_on(response, field: str) -> bool:
    return f'id="{field}-error"' in response.get_data(as_text=True)


def test_the_set_up_pages_answer_a_refusal_with_422_and_save_nothing(world, make_client, dbs):
    client = make_client()
    client.login("admin.a")
    a = world.a
    good = {"name": "Trường THCS Thử A", "levels": ["THCS"], "address": "12 Lê Lợi", "bank_bin": ""}

    refused = client.post("/school", {**good, "name": "=1+1"})          # the service's printed-text rule
    assert refused.status_code == 422 and errors_on(refused, "name")
    refused = client.post("/school", {**good, "tax_code": "12AB"})      # the form's own check
    assert refused.status_code == 422 and errors_on(refused, "tax_code")

    refused = client.post(f"/school/subjects/{a.subject.id}", {"name": "Toán", "assessment": "score",
                                                                "periods_6": "5000"})
    assert refused.status_code == 422 and errors_on(refused, "periods_6")
    refused = client.post(f"/school/subjects/{a.subject.id}", {"name": " ", "assessment": "score"})
    assert refused.status_code == 422 and errors_on(refused, "name")

    twice = client.post("/school/courses", {"class_id": a.school_class.id, "subject_id": a.subject.id,
                                            "teacher_id": a.teacher.id})    # the class has it already
    assert twice.status_code == 422 and "đã có môn" in twice.get_data(as_text=True)
    stranger = client.post(f"/courses/{a.course.id}", {"teacher_id": world.b.teacher.id})
    assert stranger.status_code == 422 and errors_on(stranger, "teacher_id")

    refused = client.post("/school/staff", {"full_name": "Lê Văn Mới", "phone": "12", "roles": ["teacher"]})
    assert refused.status_code == 422 and errors_on(refused, "phone")

    not_excel = client.post("/school/import/students", {"file": (io.BytesIO(b"Ma HS,Ho ten\n"), "hs.xlsx")},
                            content_type="multipart/form-data")
    assert not_excel.status_code == 422 and "không phải tệp Excel" in not_excel.get_data(as_text=True)

    with dbs() as s:
        assert s.get(School, a.school.id).name != "=1+1"
        assert s.scalar(select(func.count()).select_from(Course).where(Course.class_id == a.school_class.id)) == 1
