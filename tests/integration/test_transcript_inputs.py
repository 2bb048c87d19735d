"""What a user types into the national transcript's pages is bounded and refused on its field,
never a 500 and never half-acted on: the SmartCA sandbox's phone page with a subscriber number of
any length, and an answer that is neither of its two buttons."""
from __future__ import annotations

import json

from sqlalchemy import select

from lms.gradebook.transcript.models import SandboxTransaction, Transcript
from lms.gradebook.transcript.pki import SandboxCA

SUBSCRIBER = "079200001234"
BASE = "/sandbox/smartca/sca/sp769"


def _waiting_request(app, client) -> None:
    SandboxCA(app.config["INSTANCE_DIR"] / "signing-sandbox").enrol(SUBSCRIBER, "Nguyễn Văn Thử")
    creds = {"sp_id": "lms-sandbox", "sp_password": "lms-sandbox-secret", "user_id": SUBSCRIBER}
    ok = client.http.post(f"{BASE}/v1/signatures/sign", json={**creds, "transaction_id": "round-1", "sign_files": [
        {"data_to_be_signed": "ab" * 32, "doc_id": f"hs-{n}", "file_type": "pdf", "sign_type": "hash"}
        for n in range(74)]}).get_json()
    assert ok["message"] == "sig_wait_for_user_confirm"


def test_the_sandbox_phone_bounds_the_subscriber_number(app, client):
    for user_id in ("9" * 300, "a" * 500, "%" * 500):
        response = client.get("/sandbox/smartca/app", query_string={"user_id": user_id})
        assert response.status_code == 422
        assert "có nhiều nhất 40 ký tự" in response.get_data(as_text=True)
    creds = {"sp_id": "lms-sandbox", "sp_password": "lms-sandbox-secret", "user_id": "9" * 300}
    assert client.http.post(f"{BASE}/v1/signatures/sign", json=creds).get_json()["status_code"] == 401


def test_an_unknown_answer_is_refused_and_the_round_still_waits(app, client, dbs):
    _waiting_request(app, client)
    page = client.post("/sandbox/smartca/app", {"user_id": SUBSCRIBER, "transaction_id": "round-1",
                                                "answer": "sign", "pin": "123456"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Câu trả lời không hợp lệ" in text and 'data-transaction="round-1"' in text
    with dbs() as s:
        tx = s.scalars(select(SandboxTransaction).where(SandboxTransaction.transaction_id == "round-1")).one()
        assert tx.status == "waiting" and len(tx.files) == 74
    long_id = client.http.post(f"{BASE}/v1/signatures/sign", json={
        "sp_id": "lms-sandbox", "sp_password": "lms-sandbox-secret", "user_id": SUBSCRIBER,
        "transaction_id": "t" * 81, "sign_files": [{"data_to_be_signed": "ab" * 32, "doc_id": "a", "sign_type": "hash"}]})
    assert long_id.get_json()["status_code"] == 400


def test_the_check_is_the_homeroom_teachers_and_who_checked_never_confirms(world, client, make_client, dbs):
    from lms.people.models import SchoolClass
    from tests.integration.test_transcripts import _class_url, _identity, _ready, _set_codes, _states

    _ready(dbs, world)
    client.login("admin.a")
    teacher = make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    _set_codes(client)
    assert client.post(_class_url(world, "/draft")).status_code == 302
    refused = client.post(_class_url(world, "/step"), {"action": "check"}, follow_redirects=True)
    assert "là của giáo viên chủ nhiệm lớp" in refused.get_data(as_text=True)
    assert {s for s, _v in _states(dbs, world).values()} == {"drafted"}
    # A class without a homeroom teacher: the admin checks for it, and then another person confirms.
    with dbs() as s:
        s.get(SchoolClass, world.a.school_class.id).homeroom_teacher_id = None
        s.commit()
    assert client.post(_class_url(world, "/step"), {"action": "check"}).status_code == 302
    assert {s for s, _v in _states(dbs, world).values()} == {"checked"}
    page = client.post(_class_url(world, "/step"), {"action": "confirm"}, follow_redirects=True).get_data(as_text=True)
    assert "người đã kiểm tra không tự xác nhận" in page
    assert {s for s, _v in _states(dbs, world).values()} == {"checked"}


def test_a_record_not_yet_issued_says_its_real_state_in_every_export(world, client, make_client, dbs):
    from tests.integration.test_transcripts import _class_url, _identity, _ready, _set_codes

    _ready(dbs, world)
    client.login("admin.a")
    teacher = make_client()
    teacher.login("gv.a")
    _identity(teacher, world, dbs)
    _set_codes(client)
    client.post(_class_url(world, "/draft"))
    teacher.post(_class_url(world, "/step"), {"action": "check"})
    assert client.post(_class_url(world, "/step"), {"action": "confirm"}).status_code == 302
    with dbs() as s:
        ids = s.scalars(select(Transcript.id).where(Transcript.class_id == world.a.school_class.id)).all()
    assert ids
    for tid in ids:
        doc = json.loads(client.get(f"/transcripts/{tid}.json").get_data())
        states = {r["trangthaithongtinhocba"] for table in doc.values() if isinstance(table, list) for r in table}
        assert states == {"confirmed"}, states
    xml = client.get(_class_url(world, ".xml")).get_data(as_text=True)
    assert "issued" not in xml and "confirmed" in xml
    whole = client.get(_class_url(world, ".json")).get_data(as_text=True)
    assert '"issued"' not in whole and '"confirmed"' in whole


def test_the_codes_form_names_the_field_and_keeps_what_was_typed(world, client, dbs):
    client.login("admin.a")
    typed = {"what": "codes", "moet_school_code": "89001501", "department_code": "89 AG!", "district_code": ""}
    response = client.post("/school/transcripts/settings", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="department_code-error"' in page and "mã Sở GD&amp;ĐT" in page
    assert 'value="89001501"' in page and 'value="89 AG!"' in page


def test_one_place_for_the_schools_dated_lines(world, client, dbs):
    """The transcript's place of issue (diadanhphathanh) is the school's one place (School details),
    the place of its report cards' and other documents' "…, ngày … tháng … năm" lines: there is no
    second setting for it on the transcript's page."""
    from lms.gradebook.transcript.assembly import school_codes, setup_of
    from lms.people.models import School

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        school.place_name = "Châu Đốc"
        s.commit()
        assert school_codes(school, setup_of(s, school), 6).place_of_issue == "Châu Đốc"
    client.login("admin.a")
    page = client.get("/school/transcripts/settings").get_data(as_text=True)
    assert 'id="school-place">Châu Đốc<' in page and 'name="place_of_issue"' not in page
    assert 'href="/school"' in page.split('id="school-place"')[1][:600]


def test_an_over_long_correction_reason_is_refused_not_cut():
    import pytest

    from lms.core.errors import ValidationError
    from lms.gradebook.transcript import workflow

    with pytest.raises(ValidationError) as refused:
        workflow.correct(None, None, "admin", None, "Sai điểm Toán học kỳ II. " * 80, now=None)
    assert refused.value.field == "reason" and "tối đa 300 ký tự" in str(refused.value.message)
