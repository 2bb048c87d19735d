import re

from sqlalchemy import select

from lms.core.models import AuditLog
from lms.people.models import Guardianship


def test_each_role_lands_on_its_own_home_with_real_data(world, make_client):
    pages = {}
    for username in ("admin.a", "gv.a", "kt.a", "hsa001", "0912000001", "so.a"):
        client = make_client()
        client.login(username)
        pages[username] = client.get("/").get_data(as_text=True)
    assert re.search(r'data-count="students">3<', pages["admin.a"])  # three pupils in school A
    assert "6A1" in pages["gv.a"] and "Toán" in pages["gv.a"] and "Lớp chủ nhiệm" in pages["gv.a"]
    assert "Kế toán — Trường THCS Thử A" in pages["kt.a"] and "chưa khai báo tài khoản ngân hàng" in pages["kt.a"]
    assert "Lớp 6A1" in pages["hsa001"] and "Toán" in pages["hsa001"] and "Giáo Viên A" in pages["hsa001"]
    assert "Nguyễn Văn An" in pages["0912000001"] and "Nguyễn Thị Bình" in pages["0912000001"]
    assert "Trường THCS Thử A" in pages["so.a"]


def test_role_switch_for_a_user_with_two_roles(world, make_client, dbs):
    from lms.auth.models import User
    from lms.people import services
    from lms.people.models import School

    with dbs() as s:
        services.grant_role(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), "teacher")
        s.commit()
    client = make_client()
    client.login("admin.a")
    assert "Thiết lập trường" in client.get("/").get_data(as_text=True)
    client.post("/context", {"key": f"s{world.a.school.id}-teacher"})
    assert "Các lớp, môn tôi dạy" in client.get("/").get_data(as_text=True)
    assert client.get("/school").status_code == 403  # acting as a teacher now
    client.post("/context", {"key": f"s{world.b.school.id}-admin"})  # not theirs: ignored
    assert "Các lớp, môn tôi dạy" in client.get("/").get_data(as_text=True)


def test_consent_starts_unticked_and_is_recorded_and_withdrawn(world, make_client, dbs):
    parent = make_client()
    parent.login("0912000001")
    child_id = world.a.students["HSA001"].id
    page = parent.get(f"/children/{child_id}").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*id="consent"[^>]*>', page).group(0)
    assert "checked" not in checkbox
    parent.post(f"/children/{child_id}/consent", {"consent": "y"})
    with dbs() as s:
        link = s.scalars(select(Guardianship).where(Guardianship.student_id == child_id,
                                                    Guardianship.guardian_id == world.mother_a.id)).one()
        assert link.consent and link.consent_at is not None and link.consent_notice_version == "2026-12"
    parent.post(f"/children/{child_id}/consent", {})
    with dbs() as s:
        link = s.scalars(select(Guardianship).where(Guardianship.student_id == child_id,
                                                    Guardianship.guardian_id == world.mother_a.id)).one()
        assert not link.consent
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.subject_id == child_id,
                                                               AuditLog.subject_type == "student")))
        assert actions.count("consent_given") == 1 and actions.count("consent_withdrawn") == 1


def test_staff_view_of_a_student_is_audited_once_per_view(world, make_client, dbs):
    teacher = make_client()
    teacher.login("gv.a")
    student_id = world.a.students["HSA002"].id
    assert teacher.get(f"/school/students/{student_id}").status_code == 200
    assert teacher.get(f"/school/students/{student_id}").status_code == 200
    with dbs() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "view_student",
                                                AuditLog.subject_id == student_id)).all()
        assert len(rows) == 2
        assert {r.actor_id for r in rows} == {world.a.teacher.id}
        assert all(r.route == f"/school/students/{student_id}" and r.school_id == world.a.school.id for r in rows)


def test_student_search_is_accent_insensitive(world, make_client):
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/school/students?q=nguyen thi binh").get_data(as_text=True)
    assert "Nguyễn Thị Bình" in page and "Trần Minh Châu" not in page
    assert "Trần Minh Châu" in admin.get("/school/students?q=HSA003").get_data(as_text=True)


def test_lists_are_in_vietnamese_roster_order(world, make_client):
    admin = make_client()
    admin.login("admin.a")
    page = admin.get(f"/school/classes/{world.a.school_class.id}").get_data(as_text=True)
    order = [page.index(n) for n in ("Nguyễn Văn An", "Nguyễn Thị Bình", "Trần Minh Châu")]
    assert order == sorted(order)  # An < Bình < Châu by given name
