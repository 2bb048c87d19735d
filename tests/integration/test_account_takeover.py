"""No school can take over another school's accounts.

Before: adding a staff member (or importing a parent) with an e-mail or phone of an account of
another school attached that account to the adding school after an error naming its owner; the
admin then made a one-time password link for it and acted in the other school. Every flow that
matches a person by identifier is tried here from school B against school A's people: the staff
form, the staff import, the student import's parent columns and adding a guardian by hand. The
account is never attached without its owner's acceptance, no answer names the owner, and account
actions need every role of the account to be in schools the actor administers.
"""
import io
import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import PasswordResetToken, User
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from lms.people.models import Guardianship, Invitation, Membership, Student
from tests.factories import csv_bytes

TEACHER_A_NAME = "Giáo Viên A"
MOTHER_A_NAME = "Nguyễn Thị Lan"


def memberships(dbs, user_id: int) -> set[tuple[int, str]]:
    with dbs() as s:
        return set(s.execute(select(Membership.school_id, Membership.role).where(Membership.user_id == user_id)).tuples())


def upload(client, data: bytes, kind: str, name: str = "f.csv"):
    return client.post(f"/school/import/{kind}", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm(client, preview, kind: str):
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    return client.post(f"/school/import/{kind}/confirm", {"token": token})


def reset_refused(client, user_id: int) -> None:
    for action in ("reset", "active", "sessions"):
        response = client.post(f"/school/users/{user_id}/{action}", {})
        assert response.status_code in (403, 404), (action, response.status_code)


def accept_all(make_client, identifier: str) -> list[str]:
    owner = make_client()
    owner.login(identifier)
    page = owner.get("/invitations").get_data(as_text=True)
    ids = re.findall(r'/invitations/(\d+)/accept', page)
    for invitation_id in ids:
        assert owner.post(f"/invitations/{invitation_id}/accept", {}).status_code == 302
    return ids


def test_staff_form_with_another_schools_email_invites_and_names_no_one(world, client, dbs, make_client):
    a_teacher = world.a.teacher.id
    before = memberships(dbs, a_teacher)
    client.login("admin.b")
    response = client.post("/school/staff", {"full_name": "Tên Bịa Đặt", "email": "GV.A@test.example",
                                             "roles": ["admin"]}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEACHER_A_NAME not in body and "gv.a" not in body.replace("GV.A@test.example".lower(), "")
    assert memberships(dbs, a_teacher) == before  # nothing attached
    assert "Tên Bịa Đặt" in body  # the pending list shows what school B typed
    reset_refused(client, a_teacher)
    with dbs() as s:
        assert not s.scalar(select(func.count()).select_from(PasswordResetToken).where(
            PasswordResetToken.user_id == a_teacher))
    # The owner decides: she signs in, sees who invites her and accepts.
    owner = make_client()
    landing = owner.login("gv.a")
    assert landing.headers["Location"].endswith("/invitations")
    assert "Trường THPT Thử B" in owner.get("/invitations").get_data(as_text=True)
    assert accept_all(make_client, "gv.a")
    assert (world.b.school.id, "admin") in memberships(dbs, a_teacher)
    # Now she works in two schools: neither school alone may reset, lock or sign her out.
    reset_refused(client, a_teacher)
    admin_a = make_client()
    admin_a.login("admin.a")
    reset_refused(admin_a, a_teacher)


def test_staff_form_with_a_phone_typed_another_way_is_the_same_account(world, client, dbs):
    with dbs() as s:
        accountant = s.get(User, world.a.accountant.id)
        accountant.phone = "0903111222"
        accountant.phone_verified_at, accountant.phone_verified_via = utcnow(), "sms"   # proven by its owner
        s.commit()
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "Ai Đó", "phone": "+84 903.111.222", "roles": ["teacher"]})
    assert memberships(dbs, world.a.accountant.id) == {(world.a.school.id, "accountant")}
    with dbs() as s:
        invitation = s.scalars(select(Invitation).where(Invitation.status == "pending")).one()
        assert (invitation.user_id, invitation.school_id, invitation.roles) == (world.a.accountant.id, world.b.school.id,
                                                                                 "teacher")


def test_staff_import_with_another_schools_account_invites(world, client, dbs, make_client):
    headers = ["Họ và tên*", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò*"]
    data = csv_bytes([["Người Mới", "", "admin.a@test.example", "", "Quản trị"],
                      ["Trần Văn Mới", "", "moi@test.example", "", "Giáo viên"]], headers)
    client.login("admin.b")
    preview = upload(client, data, "staff")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert "Quản Trị A" not in body and "chờ chấp nhận" in body
    confirm(client, preview, "staff")
    assert memberships(dbs, world.a.admin.id) == {(world.a.school.id, "admin")}
    reset_refused(client, world.a.admin.id)
    # Importing the same file again invites no one twice.
    confirm(client, upload(client, data, "staff"), "staff")
    with dbs() as s:
        # Both lines are invitations: the account of school A and the new person alike.
        assert s.scalar(select(func.count()).select_from(Invitation).where(Invitation.status != "accepted")) == 2
    # A declined invitation attaches nothing.
    owner = make_client()
    owner.login("admin.a")
    invitation_id = re.search(r'/invitations/(\d+)/decline', owner.get("/invitations").get_data(as_text=True)).group(1)
    owner.post(f"/invitations/{invitation_id}/decline", {})
    assert memberships(dbs, world.a.admin.id) == {(world.a.school.id, "admin")}


def test_student_import_with_another_schools_parent_invites_and_names_no_one(world, client, dbs, make_client):
    mother = world.mother_a.id
    rows = [["HSB900", "Nguyễn Văn Út", "01/02/2010", "Nam", "10A1", "", "Người Lạ", "Mẹ", "0912 000 001", ""]]
    client.login("admin.b")
    preview = upload(client, csv_bytes(rows), "students")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert MOTHER_A_NAME not in body and "chờ chấp nhận" in body
    confirm(client, preview, "students")
    assert memberships(dbs, mother) == {(world.a.school.id, "parent")}
    with dbs() as s:
        pupil = s.scalars(select(Student).where(Student.student_code == "HSB900")).one()
        assert not s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.guardian_id == mother,
                                                                                  Guardianship.student_id == pupil.id))
        pupil_id = pupil.id
    parent = make_client()
    parent.login("0912000001")
    assert parent.get(f"/children/{pupil_id}").status_code == 404  # not hers until she accepts
    reset_refused(client, mother)
    # She accepts: one account, two schools, the new child in reach; still nobody's to reset.
    assert accept_all(make_client, "0912000001")
    assert memberships(dbs, mother) == {(world.a.school.id, "parent"), (world.b.school.id, "parent")}
    assert parent.get(f"/children/{pupil_id}").status_code == 200
    reset_refused(client, mother)
    # Re-importing the same file changes nothing and invites no one again.
    preview = upload(client, csv_bytes(rows), "students")
    assert "0 mới" in preview.get_data(as_text=True) or "1 không đổi" in preview.get_data(as_text=True)
    confirm(client, preview, "students")
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Invitation).where(Invitation.user_id == mother,
                                                                            Invitation.school_id == world.b.school.id)) == 1


def test_guardian_added_by_hand_with_another_schools_phone_is_invited(world, client, dbs, make_client):
    pupil = world.b.students["HSB002"].id
    client.login("admin.b")
    response = client.post(f"/school/students/{pupil}/guardians", {"full_name": "Ai Đó", "relation": "Bố",
                                                                   "phone": "0912000001"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and MOTHER_A_NAME not in body and "Ai Đó" in body
    assert memberships(dbs, world.mother_a.id) == {(world.a.school.id, "parent")}
    # Declining leaves her as she was.
    owner = make_client()
    owner.login("0912000001")
    invitation_id = re.search(r'/invitations/(\d+)/decline', owner.get("/invitations").get_data(as_text=True)).group(1)
    owner.post(f"/invitations/{invitation_id}/decline", {})
    with dbs() as s:
        assert not s.scalar(select(func.count()).select_from(Guardianship).where(
            Guardianship.guardian_id == world.mother_a.id, Guardianship.student_id == pupil))
    # A new phone number is invited the same way: the person joins through the invitation's link.
    client.post(f"/school/students/{pupil}/guardians", {"full_name": "Lê Văn Hai", "relation": "Bố",
                                                        "phone": "0977 000 111"})
    with dbs() as s:
        new = s.scalars(select(User).where(User.phone == "0977000111")).one()
        assert not s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.guardian_id == new.id))
    assert memberships(dbs, new.id) == set()


def test_only_the_addressee_can_answer_an_invitation(world, client, dbs, make_client):
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "X", "email": "gv.a@test.example", "roles": ["teacher"]})
    with dbs() as s:
        invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending")).one()
    for intruder in ("admin.b", "kt.a", "0912000001"):
        other = make_client()
        other.login(intruder)
        assert other.post(f"/invitations/{invitation_id}/accept", {}).status_code == 404
    admin_a = make_client()
    admin_a.login("admin.a")
    assert admin_a.post(f"/school/invitations/{invitation_id}/cancel", {}).status_code == 404
    assert memberships(dbs, world.a.teacher.id) == {(world.a.school.id, "teacher")}
    # School B's admin may withdraw it.
    client.post(f"/school/invitations/{invitation_id}/cancel", {})
    with dbs() as s:
        assert s.get(Invitation, invitation_id).status == "cancelled"


def test_own_accounts_are_managed_and_every_action_is_audited(world, client, dbs):
    """The school still manages its own people: a parent with children only in school A."""
    client.login("admin.a")
    target = world.mother_a.id
    assert client.post(f"/school/users/{target}/reset", {}).status_code == 200
    assert client.post(f"/school/users/{target}/sessions", {}).status_code == 302
    assert client.post(f"/school/users/{target}/active", {}).status_code == 302
    assert client.post(f"/school/users/{target}/active", {}).status_code == 302
    with dbs() as s:
        actions = [a for a, in s.execute(select(AuditLog.action).where(AuditLog.subject_id == target,
                                                                        AuditLog.subject_type == "user",
                                                                        AuditLog.action != "invitation_sent",
                                                                        AuditLog.actor_id == world.a.admin.id))]
    assert sorted(actions) == sorted(["password_reset_issued", "sessions_revoked", "account_disabled",
                                      "account_enabled"])
    # The father of Châu (A) and Đức (B) belongs to no single school: nobody at either may act.
    reset_refused(client, world.father_ab.id)
    # Nor may a school admin act on a department official, or on another school's admin.
    reset_refused(client, world.viewer.id)
    reset_refused(client, world.b.admin.id)


def test_department_administrator_manages_accounts_of_its_schools_only(world, dbs):
    from lms.people.models import Department, DepartmentViewer
    from lms.people.permissions import can_manage_account

    with dbs() as s:
        region = Department(name="Bộ phận thử", kind="province")
        s.add(region)
        s.flush()
        s.get(Department, world.dept_a.id).parent_id = region.id
        official = s.get(User, world.viewer.id)
        father = s.get(User, world.father_ab.id)
        assert not can_manage_account(s, official, father)  # a viewer manages nothing
        s.add(DepartmentViewer(user_id=official.id, department_id=region.id, role="admin"))
        s.flush()
        assert can_manage_account(s, official, s.get(User, world.mother_a.id))  # only in A, under the region
        assert not can_manage_account(s, official, father)  # also in B, which is not
        s.get(Department, world.dept_b.id).parent_id = region.id
        s.flush()
        assert can_manage_account(s, official, father)
        s.rollback()


@pytest.mark.parametrize("kind", ["staff", "parent"])
def test_an_orphan_account_is_invited_too(world, client, dbs, kind):
    """An account with no role anywhere is nobody's: a school invites it like any other."""
    from lms.auth.services import create_user

    with dbs() as s:
        create_user(s, None, username="lone.user", full_name="Người Riêng", email="lone@test.example")
        s.commit()
    client.login("admin.b")
    if kind == "staff":
        client.post("/school/staff", {"full_name": "Người Riêng", "email": "lone@test.example", "roles": ["teacher"]})
    else:
        client.post(f"/school/students/{world.b.students['HSB002'].id}/guardians",
                    {"full_name": "Người Riêng", "relation": "Mẹ", "email": "lone@test.example"})
    with dbs() as s:
        lone = s.scalars(select(User).where(User.username == "lone.user")).one()
        assert not s.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == lone.id))
        assert s.scalars(select(Invitation.kind).where(Invitation.status == "pending")).one() == kind
