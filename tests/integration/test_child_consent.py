"""A pupil's own consent from the age of 7 (Decree 13/2023 art. 20; Law 91/2025).

Before: only the parent's consent was asked, so what the school knew of a 12-year-old went out by
Zalo or SMS on the parent's word alone. Now a pupil of 7 or more is asked after signing in, on a
page written for a child; their answer is recorded (when, notice version) and the gate for outside
channels asks for it too; a "no" stops the next message; under 7 the parent decides alone.
"""
from datetime import date, timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from lms.messaging import consent, routing, settings
from lms.people import services
from lms.people.models import Guardianship, School, Student


def parent_opted_in(s, world):
    mother = s.get(User, world.mother_a.id)
    for link in s.scalars(select(Guardianship).where(Guardianship.guardian_id == mother.id)):
        services.set_consent(s, mother, link, True)
    settings.save_preference(s, mother, settings.PreferenceInput(email=False, zalo=True, sms=True, digest=False,
                                                                 digest_time=None), now=utcnow())
    s.commit()
    return mother


def allowed(s, world, code: str) -> bool:
    student = s.scalars(select(Student).where(Student.student_code == code)).one()
    via_gate = consent.outside_channels_allowed(s, world.mother_a.id, student.id, world.a.school.id)
    via_routing = student.id in routing.audience(s, {(world.mother_a.id, world.a.school.id)}).consented.get(
        (world.mother_a.id, world.a.school.id), set())
    assert via_gate == via_routing
    return via_gate


def test_a_pupil_of_seven_or_more_is_asked_and_their_answer_gates_outside_channels(world, dbs, make_client):
    with dbs() as s:
        parent_opted_in(s, world)
        assert not allowed(s, world, "HSA001")   # the parent said yes; the 12-year-old has not
    pupil = make_client()
    pupil.login("hsa001")
    home = pupil.get("/").get_data(as_text=True)      # asked on the home page right after signing in
    assert 'id="own-consent-question"' in home and "Em đồng ý" in home
    page = pupil.get("/me/consent").get_data(as_text=True)
    assert "Em có đồng ý không?" in page and "Zalo" in page and "Em chưa trả lời." in page
    assert pupil.post("/me/consent", {"answer": "yes"}).status_code == 302
    with dbs() as s:
        assert allowed(s, world, "HSA001")
        assert not allowed(s, world, "HSA002")   # her sister answers for herself
        an = s.scalars(select(Student).where(Student.student_code == "HSA001")).one()
        assert an.own_consent_at is not None and an.own_consent_notice_version == "2026-12"
        assert s.scalars(select(AuditLog.action).where(AuditLog.subject_type == "student",
                                                        AuditLog.subject_id == an.id,
                                                        AuditLog.actor_id == an.user_id)).all() == ["consent_given"]
    # Asked until answered: the home page no longer asks. A "no" stops the next message.
    again = make_client()
    again.login("hsa001")
    assert 'id="own-consent-question"' not in again.get("/").get_data(as_text=True)
    assert "Em đã đồng ý" in again.get("/me/consent").get_data(as_text=True)
    again.post("/me/consent", {"answer": "no"})
    with dbs() as s:
        assert not allowed(s, world, "HSA001")
    # Another pupil's record cannot be answered: the page is the signed-in pupil's own.
    assert make_client().get("/me/consent").status_code in (302, 401)


def test_under_seven_the_parent_decides_alone(world, dbs):
    with dbs() as s:
        parent_opted_in(s, world)
        bình = s.scalars(select(Student).where(Student.student_code == "HSA002")).one()
        bình.birth_date = date.today() - timedelta(days=6 * 365)
        s.commit()
        assert allowed(s, world, "HSA002")
        bình.birth_date = None      # unknown age: asked, as for a pupil of 7
        s.commit()
        assert not allowed(s, world, "HSA002")


def test_the_parent_sees_whether_the_child_has_answered(world, dbs, make_client):
    parent = make_client()
    parent.login("0912000001")
    with dbs() as s:
        an_id = s.scalars(select(Student.id).where(Student.student_code == "HSA001")).one()
        assert s.get(School, world.a.school.id)
    body = parent.get(f"/children/{an_id}").get_data(as_text=True)
    assert 'id="child-own-consent"' in body and "cũng cần tự đồng ý" in body


def test_the_parents_page_says_what_the_rule_is_for_each_child(world, dbs, make_client):
    """Before: under 7 the page said the child must also consent and news came only in the app
    (the gate sends on the parent's consent alone); a child who refused was shown the generic
    "must also consent"; the notice asked consent for teaching, marking and fees, which rest on
    the school's legal duty. Now each text says what the rule does."""
    parent = make_client()
    parent.login("0912000001")
    with dbs() as s:
        an = s.scalars(select(Student).where(Student.student_code == "HSA001")).one()
        an_id = an.id
        an.birth_date = date.today() - timedelta(days=5 * 365)
        s.commit()
    young = parent.get(f"/children/{an_id}").get_data(as_text=True)
    assert "chưa đủ 7 tuổi" in young and "cũng cần tự đồng ý" not in young
    assert "đến lúc đó bạn nhận tin trong ứng dụng" not in young
    assert "không cần sự đồng ý này" in young and "cho việc dạy học, đánh giá và thu phí" not in young
    with dbs() as s:
        an = s.get(Student, an_id)
        an.birth_date = date.today() - timedelta(days=12 * 365)
        s.commit()
        from lms.people import child_consent
        child_consent.record(s, an, False)
        s.commit()
    refused = parent.get(f"/children/{an_id}").get_data(as_text=True)
    assert "đã không đồng ý" in refused and "cũng cần tự đồng ý" not in refused
