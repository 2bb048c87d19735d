"""No page tells a school whether an e-mail or phone already has an account.

Before: adding a person by identifier answered "added" for a new identifier and "this already has
an account, invitation sent" (or "not the same account") for one of another school. Now every
flow — the staff form, the staff import, the student import's parent columns, adding a guardian
by hand — goes through one pending state: an invitation. Here school B's admin adds, in each flow,
an identifier of school A's people and a new one; the answers are compared with the identifiers
(and per-request tokens) blanked out, and must be the same.
"""
import io
import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.people.models import Guardianship, Invitation, Membership
from tests.factories import csv_bytes
from tests.mailbox import FakeSMTP

STAFF_HEADERS = ["Họ và tên*", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò*"]


def blank(body: str, *identifiers: str) -> str:
    """The answer with what may differ anyway taken out: the typed identifiers, tokens, ids."""
    for value in identifiers:
        body = body.replace(value, "<ID>")
    body = re.sub(r'(name="(?:csrf_token|token)"[^>]*value=")[^"]*', r"\1<T>", body)
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r"/school/invitations/\d+/", "/school/invitations/<N>/", body)
    return re.sub(r"\d\d/\d\d/\d{4} \d\d:\d\d", "<TIME>", body)   # an expiry a minute apart


def alerts(body: str) -> list[str]:
    return re.findall(r'role="alert">(.*?)<button', body, re.S)


def upload(client, data: bytes, kind: str):
    return client.post(f"/school/import/{kind}", {"file": (io.BytesIO(data), "f.csv")},
                       content_type="multipart/form-data")


def confirm(client, preview, kind: str):
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    return client.post(f"/school/import/{kind}/confirm", {"token": token}, follow_redirects=True)


def cancel_all(client, dbs, school_id: int) -> None:
    with dbs() as s:
        ids = s.scalars(select(Invitation.id).where(Invitation.school_id == school_id,
                                                    Invitation.status == "pending")).all()
    for invitation_id in ids:
        assert client.post(f"/school/invitations/{invitation_id}/cancel", {}).status_code == 302
    client.get("/school/staff")   # its "cancelled" notices shown, not carried to the next answer compared


# School A's people, as school B might type them; and identifiers nobody has.
EXISTING = {"email": "gv.a@test.example", "phone": "0912000001"}
NEW = {"email": "nguoi.moi@test.example", "phone": "0977123456"}


@pytest.mark.parametrize("field", ["email", "phone"])
def test_staff_form_answers_the_same_for_an_existing_and_a_new_identifier(world, client, dbs, field):
    client.login("admin.b")
    bodies = []
    for identifier in (EXISTING[field], NEW[field]):
        response = client.post("/school/staff", {"full_name": "Trần Văn Khách", field: identifier,
                                                 "roles": ["teacher"]}, follow_redirects=True)
        assert response.status_code == 200
        bodies.append(blank(response.get_data(as_text=True), identifier))
        cancel_all(client, dbs, world.b.school.id)
    assert bodies[0] == bodies[1]
    assert "Đã gửi lời mời" in bodies[0]


def test_staff_form_with_email_and_phone_of_two_accounts_answers_as_for_anyone(world, client, dbs):
    """Before: "not the same account" told that both identifiers had accounts."""
    client.login("admin.b")
    mixed = client.post("/school/staff", {"full_name": "Trần Văn Khách", "email": "gv.a@test.example",
                                          "phone": "0912000001", "roles": ["teacher"]}, follow_redirects=True)
    cancel_all(client, dbs, world.b.school.id)
    new = client.post("/school/staff", {"full_name": "Trần Văn Khách", "email": NEW["email"], "phone": NEW["phone"],
                                        "roles": ["teacher"]}, follow_redirects=True)
    assert mixed.status_code == new.status_code == 200
    assert (blank(mixed.get_data(as_text=True), "gv.a@test.example", "0912000001")
            == blank(new.get_data(as_text=True), NEW["email"], NEW["phone"]))


def test_staff_import_previews_and_confirms_the_same_for_existing_and_new(world, client, dbs):
    client.login("admin.b")
    previews, done = [], []
    for identifier in (EXISTING["email"], NEW["email"]):
        data = csv_bytes([["Trần Văn Khách", "", identifier, "", "Giáo viên"]], STAFF_HEADERS)
        preview = upload(client, data, "staff")
        assert preview.status_code == 200
        previews.append(blank(preview.get_data(as_text=True), identifier))
        done.append(blank(confirm(client, preview, "staff").get_data(as_text=True), identifier))
        cancel_all(client, dbs, world.b.school.id)
    assert previews[0] == previews[1]
    assert done[0] == done[1]
    assert "chờ chấp nhận" in previews[0]


def test_student_import_previews_and_confirms_the_same_for_existing_and_new_parents(world, client, dbs):
    client.login("admin.b")
    previews, done = [], []
    for n, phone in enumerate((EXISTING["phone"], NEW["phone"])):
        rows = [[f"HSB90{n}", "Nguyễn Văn Út", "01/02/2010", "Nam", "10A1", "", "Người Lạ", "Mẹ", phone, ""]]
        preview = upload(client, csv_bytes(rows), "students")
        assert preview.status_code == 200
        previews.append(blank(preview.get_data(as_text=True), phone, f"HSB90{n}"))
        # What the confirmation says (the list it lands on holds the first line's pupil the second time).
        done.append(alerts(confirm(client, preview, "students").get_data(as_text=True)))
        cancel_all(client, dbs, world.b.school.id)
    assert previews[0] == previews[1]
    assert done[0] == done[1] and done[0]
    # A parent's username that someone already has no longer stops the line (it told who has it).
    with dbs() as s:
        s.get(User, world.a.teacher.id).username = "0977000999"
        s.commit()
    rows = [["HSB910", "Lê Văn Tám", "01/02/2010", "Nam", "10A1", "", "Người Lạ", "Mẹ", "0977000999", ""]]
    assert upload(client, csv_bytes(rows), "students").status_code == 200


@pytest.mark.parametrize("field", ["phone", "email"])
def test_guardian_by_hand_answers_the_same_for_existing_and_new(world, client, dbs, field):
    existing = {"phone": "0912000001", "email": "kt.a@test.example"}[field]
    pupil = world.b.students["HSB002"].id
    client.login("admin.b")
    bodies = []
    for identifier in (existing, NEW[field]):
        response = client.post(f"/school/students/{pupil}/guardians", {"full_name": "Người Lạ", "relation": "Bà",
                                                                       field: identifier}, follow_redirects=True)
        assert response.status_code == 200
        bodies.append(blank(response.get_data(as_text=True), identifier))
        cancel_all(client, dbs, world.b.school.id)
    assert bodies[0] == bodies[1]
    with dbs() as s:  # nothing attached in either case
        assert not s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == pupil,
                                                                                 Guardianship.relation == "Bà"))


def test_a_new_person_sets_a_password_through_the_invitation_link(world, client, dbs, make_client):
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "Phạm Thị Mới", "phone": "0977 222 333", "roles": ["teacher"]})
    with dbs() as s:
        invitation = s.scalars(select(Invitation).where(Invitation.status == "pending")).one()
        invitation_id, user_id = invitation.id, invitation.user_id
        assert not s.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user_id))
    page = client.post(f"/school/invitations/{invitation_id}/link", {}).get_data(as_text=True)
    link = re.search(r'http://[^"<\s]*/join\?t=[\w-]+', page).group(0)
    # The admin, still signed in, cannot use it: the page says it is someone else's.
    assert client.get(link).status_code == 403
    person = make_client()
    form = person.get(link)
    assert form.status_code == 200 and "Đặt mật khẩu" in form.get_data(as_text=True)
    assert person.post(link, {"new_password": "Cô giáo mới của trường B", "confirm": "Cô giáo mới của trường B"}
                       ).status_code == 302
    with dbs() as s:
        assert set(s.scalars(select(Membership.role).where(Membership.user_id == user_id,
                                                           Membership.school_id == world.b.school.id))) == {"teacher"}
    # A link the school held proves nothing about the number: it is the account's, unproven, and
    # signs nobody in; the username the page named does.
    assert person.post("/login", {"identifier": "0977222333", "password": "Cô giáo mới của trường B"}
                       ).status_code == 200
    assert person.login("pham.thi.moi.b", "Cô giáo mới của trường B").status_code == 302
    with dbs() as s:
        user = s.get(User, user_id)
        assert user.phone == "0977222333" and user.phone_verified_at is None
    assert person.get(link).status_code == 404  # answered: the link is spent


def test_a_link_the_school_holds_binds_no_existing_account(world, client, dbs, make_client):
    """Before: the link the admin held said "sign in" for an identifier with an account and "set a
    password" for a new one, and the account's owner accepted through it. A link the school holds
    proves nothing about the identifier, so now it is the same page for any invitation and it makes
    a new account; the existing account is invited only in its own list (its e-mail is proven)."""
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "Ai Đó", "email": "gv.a@test.example", "roles": ["teacher"]})
    client.post("/school/staff", {"full_name": "Ai Đó", "email": "ai.do@truongkhac.example", "roles": ["teacher"]})
    with dbs() as s:
        ids = {i.identifier: i.id for i in s.scalars(select(Invitation).where(Invitation.status == "pending"))}
    pages = {}
    for email, invitation_id in ids.items():
        link = _link(client, invitation_id)
        page = make_client().get(link).get_data(as_text=True)
        page = re.sub(r'name="csrf_token"[^>]*>', "", page)            # each browser's own token
        pages[email] = (link, re.sub(r"t(=|%3D)[\w-]+", "t=…", page))
    assert pages["gv.a@test.example"][1] == pages["ai.do@truongkhac.example"][1]
    assert "Đặt mật khẩu" in pages["gv.a@test.example"][1]
    owner = make_client()
    owner.login("gv.a")
    link = pages["gv.a@test.example"][0]
    assert owner.get(link).status_code == 403                          # it cannot bind her account …
    assert owner.post(link, {"answer": "accept"}).status_code == 403
    holder = make_client()                                               # … whoever holds it gets a new one
    assert holder.post(link, {"new_password": "Người giữ liên kết 2026", "confirm": "Người giữ liên kết 2026"}
                       ).status_code == 302
    with dbs() as s:
        assert (world.b.school.id, "teacher") not in set(s.execute(select(Membership.school_id, Membership.role).where(
            Membership.user_id == world.a.teacher.id)).tuples())
        joined = s.get(Invitation, ids["gv.a@test.example"])
        assert joined.status == "accepted" and joined.user_id != world.a.teacher.id
        made = s.get(User, joined.user_id)        # the address stays proven by the one who proved it
        assert made.email == "gv.a@test.example" and made.email_verified_at is None
    assert owner.get("/").status_code == 200 and make_client().login("gv.a@test.example").status_code == 302


def _link(client, invitation_id: int) -> str:
    page = client.post(f"/school/invitations/{invitation_id}/link", {}).get_data(as_text=True)
    return re.search(r'http://[^"<\s]*/join\?t=[\w-]+', page).group(0)


def test_one_schools_link_does_not_pick_up_another_schools_invitation(world, client, dbs, make_client):
    """Both schools invite the same new number; B's invitation made the account. A's link makes A's
    own new account: nobody holding it gets B's account, its number or B's invitation."""
    admin_a = make_client()
    admin_a.login("admin.a")
    client.login("admin.b")
    pupil_b = world.b.students["HSB002"].id
    client.post(f"/school/students/{pupil_b}/guardians", {"full_name": "Bà Em", "relation": "Bà",
                                                          "phone": "0977 444 555"})
    admin_a.post("/school/staff", {"full_name": "Người Mới", "phone": "0977444555", "roles": ["teacher"]})
    with dbs() as s:
        rows = {i.school_id: i for i in s.scalars(select(Invitation).where(Invitation.status == "pending"))}
        assert rows[world.a.school.id].user_id != rows[world.b.school.id].user_id
        rows = {k: v.id for k, v in rows.items()}
    link = _link(admin_a, rows[world.a.school.id])
    grabber = make_client()
    grabber.post(link, {"new_password": "mật khẩu của trường A", "confirm": "mật khẩu của trường A"})
    assert grabber.post("/login", {"identifier": "0977444555", "password": "mật khẩu của trường A"}
                        ).status_code != 302
    with dbs() as s:
        user_id = s.get(Invitation, rows[world.b.school.id]).user_id
        assert s.get(User, user_id).password_hash is None and s.get(User, user_id).phone == "0977444555"
        assert not s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == pupil_b,
                                                                                 Guardianship.relation == "Bà"))


def test_another_schools_link_cannot_take_an_account_a_school_made(world, client, dbs, make_client):
    """Before: school A added a new parent by phone (an unclaimed account was made, named as A
    typed); school B's admin invited the same number as staff, made the link and set the password
    through it. B then held the account (reset, lock, sign-out), saw A's name and, in the
    account's data export, A's invitation. Now a number nobody has proven names nothing of another
    school: B's invitation is B's own, and A's account, name and invitation stay A's."""
    admin_a = make_client()
    admin_a.login("admin.a")
    pupil_a = world.a.students["HSA003"].id
    answer = admin_a.post(f"/school/students/{pupil_a}/guardians",
                          {"full_name": "Bố Thật Của Em", "relation": "Bố", "phone": "0399999702"},
                          follow_redirects=True)
    assert "Đã gửi lời mời" in answer.get_data(as_text=True)
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "Người Của B", "phone": "0399999702", "roles": ["teacher"]})
    with dbs() as s:
        rows = {i.school_id: i for i in s.scalars(select(Invitation).where(Invitation.status == "pending",
                                                                           Invitation.identifier == "0399999702"))}
        a_row, b_row = rows[world.a.school.id], rows[world.b.school.id]
        assert a_row.user_id != b_row.user_id and a_row.unclaimed and b_row.unclaimed
        user_id = a_row.user_id
    b_link = _link(client, b_row.id)
    attacker = make_client()
    page = attacker.get(b_link).get_data(as_text=True)
    assert "Bố Thật Của Em" not in page
    attacker.post(b_link, {"new_password": "Mật khẩu của trường B 2026", "confirm": "Mật khẩu của trường B 2026"})
    assert attacker.post("/login", {"identifier": "0399999702", "password": "Mật khẩu của trường B 2026"}
                         ).status_code != 302
    with dbs() as s:
        assert s.get(User, user_id).password_hash is None
        assert not s.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user_id))
    assert client.post(f"/school/users/{user_id}/reset", {}).status_code == 404
    # A's link still works for the real parent.
    parent = make_client()
    a_link = _link(admin_a, a_row.id)
    assert "Đặt mật khẩu" in parent.get(a_link).get_data(as_text=True)
    assert parent.post(a_link, {"new_password": "Bố của em Châu 2026", "confirm": "Bố của em Châu 2026"}
                       ).status_code == 302
    assert parent.login("bo.that.cua.em.a", "Bố của em Châu 2026").status_code == 302
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == pupil_a,
                                                                             Guardianship.guardian_id == user_id))
    # Its data export shows the invitation it accepted, and nothing of B's.
    export = parent.get("/account/data.json").get_json()
    shown = {row["id"] for row in export["tables"].get("invitations", [])}
    assert a_row.id in shown and b_row.id not in shown


def test_a_pupil_code_that_is_someone_elses_username_is_imported_like_any_other(world, client, dbs, make_client, app):
    """Before: school B importing its pupil HSA001 was refused with "code HSA001 is already someone
    else's username" — telling B that an account (school A's pupil) existed. Now both codes are
    imported the same way, and the page names the same kind of sign-in name for both."""
    from lms.people.models import Student

    client.login("admin.b")
    slug = world.b.school.code.lower()
    previews, names = [], []
    for code in ("HSA001", "HSB950"):   # school A's pupil's username; nobody's
        rows = [[code, "Đỗ Văn Mười", "01/02/2010", "Nam", "10A1", "", "", "", "", ""]]
        preview = upload(client, csv_bytes(rows), "students")
        assert preview.status_code == 200
        previews.append(blank(preview.get_data(as_text=True), code))
        confirm(client, preview, "students")
        with dbs() as s:
            pupil = s.scalars(select(Student).where(Student.school_id == world.b.school.id,
                                                    Student.student_code == code)).one()
            pupil_id, user_id = pupil.id, pupil.user_id
            s.get(User, user_id).password_hash = app.extensions["lms_auth"].hasher.hash("Em học lớp mười B")
            s.commit()
        page = client.get(f"/school/students/{pupil_id}").get_data(as_text=True)
        names.append(re.search(r"Tên đăng nhập</dt><dd[^>]*>([^<]*)<", page).group(1))
        # The name shown signs the pupil in, whatever the account's username came to be.
        pupil_client = make_client()
        assert pupil_client.login(names[-1], "Em học lớp mười B").status_code == 302
        assert pupil_client.get("/").status_code == 200
    assert previews[0] == previews[1]
    assert names == [f"hsa001.{slug}", f"hsb950.{slug}"]
    # School A's pupil signs in with the code alone at school A's address.
    assert make_client().login("hsa001", school="a").status_code == 302


def test_student_import_with_a_parents_phone_and_email_of_two_accounts_answers_as_for_new_ones(world, client, dbs):
    """Before: "the phone and the e-mail belong to two different accounts" told school B that both
    of school A's identifiers had accounts."""
    client.login("admin.b")
    previews = []
    for n, (phone, email) in enumerate((("0912000001", "gv.a@test.example"), (NEW["phone"], NEW["email"]))):
        rows = [[f"HSB96{n}", "Nguyễn Văn Út", "01/02/2010", "Nam", "10A1", "", "Người Lạ", "Mẹ", phone, email]]
        preview = upload(client, csv_bytes(rows), "students")
        assert preview.status_code == 200
        previews.append(blank(preview.get_data(as_text=True), phone, email, f"HSB96{n}"))
    assert previews[0] == previews[1]
    assert "hai tài khoản" not in previews[0]


def test_the_invitation_page_names_no_username(world, client, dbs, make_client):
    """Before: the link's page said "then sign in with the username gv.a2" — the number added
    because school A's teacher is gv.a, told whoever held the link that gv.a had an account."""
    client.login("admin.b")
    pages = []
    for email in ("gv.a@truongkhac.example", "gv.z@truongkhac.example"):   # gv.a is taken, gv.z is not
        client.post("/school/staff", {"full_name": "Cô Giáo Mới", "email": email, "roles": ["teacher"]})
        with dbs() as s:
            invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending",
                                                                  Invitation.identifier == email)).one()
        page = make_client().get(_link(client, invitation_id)).get_data(as_text=True)
        assert "gv.a2" not in page and "gv.z2" not in page
        pages.append(re.sub(r"t(%3D|=)[\w-]+", "t=<T>", blank(page, email)))   # the link's own token
    assert pages[0] == pages[1]
    person = make_client()
    link = _link(client, invitation_id)
    done = person.post(link, {"new_password": "Cô giáo mới của trường B", "confirm": "Cô giáo mới của trường B"},
                       follow_redirects=True).get_data(as_text=True)
    assert "co.giao.moi.b" in done and "gv.z" not in done
    assert person.post("/login", {"identifier": "co.giao.moi.b",
                                  "password": "Cô giáo mới của trường B"}).status_code == 302


@pytest.mark.parametrize("field", ["email", "phone"])
def test_a_held_links_confirmation_is_the_same_whoever_holds_the_identifier(world, client, dbs, make_client, field):
    """Before: after setting the password through a link the school held, the page said "sign in
    with <the e-mail or phone>" when the new account could hold it (nobody had it) and "sign in
    with <a username>" when someone else already held it. Now both name the account's username,
    made from the person's name the same way, and the identifier in neither."""
    client.login("admin.b")
    people = {EXISTING[field]: "Lê Thị Hoa", NEW[field]: "Đỗ Văn Nam"}
    answers = {}
    for value, name in people.items():
        client.post("/school/staff", {"full_name": name, field: value, "roles": ["teacher"]})
        with dbs() as s:
            invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending",
                                                                  Invitation.invited_name == name)).one()
        person = make_client()
        done = person.post(_link(client, invitation_id), {"new_password": "Giáo viên mới trường B 2026",
                                                          "confirm": "Giáo viên mới trường B 2026"})
        assert done.status_code == 302
        page = person.get(done.headers["Location"]).get_data(as_text=True)
        answers[value] = alerts(page)
        assert value not in page
        username = {"Lê Thị Hoa": "le.thi.hoa.b", "Đỗ Văn Nam": "do.van.nam.b"}[name]
        assert username in answers[value][0]
        assert make_client().login(username, "Giáo viên mới trường B 2026").status_code == 302
    shown = [blank(" ".join(a), "le.thi.hoa.b", "do.van.nam.b") for a in answers.values()]
    assert shown[0] == shown[1]


def test_an_invitation_by_email_goes_to_the_address_and_never_to_the_admin(world, client, dbs, make_client, app,
                                                                          monkeypatch):
    """Before: the admin took every invitation's link from the waiting list; opened in a private
    window it said "set a password" for a new address and "sign in" for one with an account, and
    nothing showed that whoever answered read the address. Now, where the platform sends e-mail,
    the link goes to the address itself; the admin's pages are the same for both addresses."""
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.test")
    FakeSMTP.sent = []
    client.login("admin.b")
    answers, links = [], {}
    for email in ("gv.a@test.example", "co.moi@truongkhac.example"):   # school A's teacher; nobody's
        done = client.post("/school/staff", {"full_name": "Cô Giáo Mới", "email": email, "roles": ["teacher"]},
                           follow_redirects=True)
        app.extensions["lms_jobs"].wait()
        with dbs() as s:
            invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending",
                                                                  Invitation.identifier == email)).one()
        again = client.post(f"/school/invitations/{invitation_id}/link", {}, follow_redirects=True)
        app.extensions["lms_jobs"].wait()
        body = again.get_data(as_text=True)
        assert "/join?t=" not in body and "Gửi lại lời mời" in body
        answers.append([blank(a, email) for a in alerts(done.get_data(as_text=True)) + alerts(body)])
        mails = [m for m in FakeSMTP.sent if m["To"] == email and "/join?t=" in m.get_content()]
        assert len(mails) == 2   # on inviting, and sent again (an account's owner also gets its notice)
        links[email] = re.search(r"http://[^/\s]+(/join\?t=[\w-]+)", mails[-1].get_content()).group(1)
    assert answers[0] == answers[1] and len(answers[0]) == 2
    # The new person sets a password through the mailed link; the earlier mailed link is void.
    person = make_client()
    assert person.post(links["co.moi@truongkhac.example"], {"new_password": "Cô giáo mới của trường B",
                                                           "confirm": "Cô giáo mới của trường B"}).status_code == 302
    assert person.post("/login", {"identifier": "co.moi@truongkhac.example",
                                  "password": "Cô giáo mới của trường B"}).status_code == 302
    # The existing account's owner (her address proven) finds it in her list too; she accepts
    # through the mailed link, which proves the address again.
    owner = make_client()
    owner.login("gv.a")
    with dbs() as s:
        mailed_id = s.scalars(select(Invitation.id).where(Invitation.identifier == "gv.a@test.example")).one()
    assert f"/invitations/{mailed_id}/accept" in owner.get("/invitations").get_data(as_text=True)
    # … and she accepts through the mailed link.
    assert owner.post(links["gv.a@test.example"], {"answer": "accept"}).status_code == 302
    with dbs() as s:
        assert (world.b.school.id, "teacher") in set(s.execute(select(Membership.school_id, Membership.role).where(
            Membership.user_id == world.a.teacher.id)).tuples())


def _staff_page(client) -> str:
    body = client.get("/school/staff").get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*>', "", body)


@pytest.mark.parametrize("flow", ["import", "form"])
def test_an_own_teachers_new_phone_is_invited_the_same_whoever_holds_it(world, client, dbs, flow):
    """Before: school B's staff import, giving its own teacher a phone that school A's parent
    holds, refused the line with "“0912000001” is already another account's", and set a phone
    nobody held; the staff form set the free one and silently left out the other (the staff list
    showed the difference). Now a phone or e-mail the account has not got is invited, as for a
    new person, whoever holds it: the same preview, answer, staff list and waiting invitation."""
    client.login("admin.b")
    seen = []
    for phone in ("0912000001", NEW["phone"]):          # school A's mother's (proven by SMS); nobody's
        shown = []
        if flow == "import":
            data = csv_bytes([["Giáo Viên B", "gv.b", "gv.b@test.example", phone, "Giáo viên"]], STAFF_HEADERS)
            preview = upload(client, data, "staff")
            assert preview.status_code == 200
            body = preview.get_data(as_text=True)
            assert "tài khoản khác" not in body
            shown.append(blank(body, phone))
            shown.append(blank(confirm(client, preview, "staff").get_data(as_text=True), phone))
        else:
            answer = client.post("/school/staff", {"full_name": "Giáo Viên B", "email": "gv.b@test.example",
                                                   "phone": phone, "roles": ["teacher"]}, follow_redirects=True)
            shown.append(blank(answer.get_data(as_text=True), phone))
        shown.append(blank(_staff_page(client), phone))
        with dbs() as s:
            assert s.get(User, world.b.teacher.id).phone is None
            waiting = s.scalars(select(Invitation.identifier).where(Invitation.school_id == world.b.school.id,
                                                                    Invitation.status == "pending")).all()
            assert waiting == [phone]
        seen.append(shown)
        cancel_all(client, dbs, world.b.school.id)
    assert seen[0] == seen[1]


@pytest.mark.parametrize("flow", ["import", "form"])
def test_an_own_parents_new_email_is_invited_the_same_whoever_holds_it(world, client, dbs, flow):
    """The same for a parent of the school: the student import set an e-mail nobody held on the
    mother's account and left out one school A's teacher held (the parents list showed which)."""
    client.login("admin.b")
    mother = world.mother_b
    pupil = world.b.students["HSB002"]
    seen = []
    for email in (EXISTING["email"], NEW["email"]):
        shown = []
        if flow == "import":
            rows = [["HSB002", "Lê Văn Em", "03/03/2010", "Nam", "10A1", "", "Lê Thị Gấm", "Mẹ", "0912000003", email]]
            preview = upload(client, csv_bytes(rows), "students")
            assert preview.status_code == 200
            shown.append(blank(preview.get_data(as_text=True), email))
            shown.append(blank(confirm(client, preview, "students").get_data(as_text=True), email))
        else:
            answer = client.post(f"/school/students/{pupil.id}/guardians",
                                 {"full_name": "Lê Thị Gấm", "relation": "Mẹ", "phone": "0912000003", "email": email},
                                 follow_redirects=True)
            shown.append(blank(answer.get_data(as_text=True), email))
        shown.append(blank(re.sub(r'name="csrf_token"[^>]*>', "", client.get("/school/parents").get_data(as_text=True)),
                           email))
        with dbs() as s:
            assert s.get(User, mother.id).email is None
            waiting = s.scalars(select(Invitation.identifier).where(Invitation.school_id == world.b.school.id,
                                                                    Invitation.status == "pending")).all()
            assert waiting == [email]
        seen.append(shown)
        cancel_all(client, dbs, world.b.school.id)
    assert seen[0] == seen[1]


@pytest.mark.parametrize("field", ["email", "phone"])
def test_the_account_a_held_link_makes_holds_the_identifier_whoever_else_does(world, client, dbs, make_client, field):
    """Before: the account a held link made kept the identifier only when nobody else held it, so
    the link's holder told the cases apart by signing in with the identifier (302 against 200) or
    by reading the account's own data and the school's staff list (the identifier there or not).
    Now an identifier a school typed is the account's, unproven, in every case — one school A's
    teacher or parent proved, one an account school A made for a new person holds unproven, one
    nobody holds — and an unproven identifier signs nobody in."""
    admin_a = make_client()
    admin_a.login("admin.a")
    squatted = {"email": "cho.a@test.example", "phone": "0977555666"}[field]
    admin_a.post("/school/staff", {"full_name": "Người Của A", field: squatted, "roles": ["teacher"]})
    cases = {EXISTING[field]: "Lê Thị Hoa", squatted: "Đỗ Văn Nam", NEW[field]: "Trần Thị Mai"}
    usernames = {"Lê Thị Hoa": "le.thi.hoa.b", "Đỗ Văn Nam": "do.van.nam.b", "Trần Thị Mai": "tran.thi.mai.b"}
    password = "Giáo viên mới trường B 2026"
    client.login("admin.b")
    answers = {}
    for value, name in cases.items():
        client.post("/school/staff", {"full_name": name, field: value, "roles": ["teacher"]})
        with dbs() as s:
            invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending",
                                                                  Invitation.school_id == world.b.school.id,
                                                                  Invitation.invited_name == name)).one()
        person = make_client()
        assert person.post(_link(client, invitation_id), {"new_password": password, "confirm": password}
                           ).status_code == 302
        tried = make_client().post("/login", {"identifier": value, "password": password})
        assert person.login(usernames[name], password).status_code == 302
        mine = person.get("/account/data.json").get_json()
        account = next(row for row in mine["tables"]["users"])
        answers[value] = (tried.status_code, blank(" ".join(alerts(tried.get_data(as_text=True))), value),
                          account.get(field) == value, account.get(f"{field}_verified_at"))
    listed = client.get("/school/staff").get_data(as_text=True)
    assert all(value in listed for value in cases)
    assert len(set(answers.values())) == 1, answers
    assert answers[NEW[field]][0] == 200 and answers[NEW[field]][2] is True
    # The one who proved the identifier still signs in with it.
    if field == "email":
        assert make_client().login(EXISTING[field]).status_code == 302
