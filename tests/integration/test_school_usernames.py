"""Usernames are named in the school's own names, so no sign-in answer tells a school whether
another school has an account.

Before: a pupil's username was the bare code (`hsa001`) unless another account held it, when it
got the school's code (`hsa001.b`); a staff member's was made from the name or the e-mail with a
number added while anyone anywhere had it (`gv.a2`). So school B, which makes its own pupil's
one-time link and so knows the password, learned from the bare code failing at the sign-in page
that another school held `hsa001`, and from a `2` that someone was `gv.a`. Now every name a school
makes ends in the school's code (`hsa001.b`, `gv.a.b`), a pupil's code alone signs in at the
school's own address (`/login?school=b`), and at the generic `/login` a bare code names nobody.
"""
import io
import re

from sqlalchemy import select

from lms.auth.models import User
from lms.people.models import Invitation, Student
from tests.factories import csv_bytes

PASSWORDS = {"a": "Học sinh trường A học giỏi", "b": "Học sinh trường B chăm ngoan"}


def _import_pupils(client, codes):
    rows = [[code, "Đỗ Văn Mười", "01/02/2010", "Nam", "10A1", "", "", "", "", ""] for code in codes]
    preview = client.post("/school/import/students", {"file": (io.BytesIO(csv_bytes(rows)), "f.csv")},
                          content_type="multipart/form-data")
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post("/school/import/students/confirm", {"token": token}).status_code == 302


def _set_password_by_link(admin, make_client, dbs, school_id: int, code: str, password: str) -> str:
    """What a school does for its pupil: makes the one-time link and sets the password through it.
    Returns the link page the admin printed."""
    with dbs() as s:
        user_id = s.scalars(select(Student.user_id).where(Student.school_id == school_id,
                                                          Student.student_code == code)).one()
    page = admin.post(f"/school/users/{user_id}/reset", {}).get_data(as_text=True)
    link = re.search(r'http://[^"<\s]*/reset\?t=[\w-]+', page).group(0)
    pupil = make_client()
    done = pupil.post(link, {"new_password": password, "confirm": password})
    assert done.status_code == 302
    return page


def _signed_in_as(client) -> int | None:
    with client.http.session_transaction() as s:
        return int(s["_user_id"]) if "_user_id" in s else None


def _answer(response) -> tuple:
    """Everything a sign-in answer shows: status, page (per-request values blanked) and cookies by name."""
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1<T>", response.get_data(as_text=True))
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    cookies = sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))
    return response.status_code, body.replace("hsa001", "<ID>").replace("hsb777", "<ID>"), cookies


def test_a_bare_code_tells_no_school_whether_another_school_has_it(world, client, dbs, make_client, app, monkeypatch):
    """School B's admin gives its own pupils HSA001 (school A's pupil has it too) and HSB777
    (nobody's) a password through their one-time links, then tries each bare code with its
    password at the generic sign-in page. Before: HSB777 signed in (its username was `hsb777`)
    and HSA001 did not (it was `hsa001.b`, A's pupil being `hsa001`). Now neither signs in there,
    with the same status, page, cookies and one password verification each; both do at B's address."""
    client.login("admin.b")
    _import_pupils(client, ["HSA001", "HSB777"])
    pages = [_set_password_by_link(client, make_client, dbs, world.b.school.id, code, PASSWORDS["b"])
             for code in ("HSA001", "HSB777")]
    hasher = app.extensions["lms_auth"].hasher
    verified = []
    real_verify = hasher.verify
    monkeypatch.setattr(hasher, "verify", lambda *a: verified.append(1) or real_verify(*a))
    answers = []
    for code in ("hsa001", "hsb777"):
        tried = make_client()
        response = tried.http.post("/login", data={"identifier": code, "password": PASSWORDS["b"],
                                                   "csrf_token": tried.token()})
        assert _signed_in_as(tried) is None
        answers.append(_answer(response))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in answers[0][1]
    assert "mã.trường" in answers[0][1]    # the hint: pupils sign in with code.school or at their school's address
    assert len(verified) == 2
    # The link's page says where and with what the pupil signs in: the school's address and the code.
    for page, code in zip(pages, ("HSA001", "HSB777")):
        assert "/login?school=b" in page and f">{code}<" in page and f"{code.lower()}.b" in page
    for code in ("hsa001", "hsb777"):
        at_b = make_client()
        assert at_b.login(code, PASSWORDS["b"], school="b").status_code == 302
        assert make_client().login(f"{code}.b", PASSWORDS["b"]).status_code == 302


def test_two_schools_pupils_of_one_code_each_sign_in_at_their_own_address(world, client, dbs, make_client):
    """School A's pupil HSA001 and school B's new pupil HSA001: each school's address signs in its
    own pupil with the code alone, and the other school's pupil's password signs in nobody there."""
    client.login("admin.b")
    _import_pupils(client, ["HSA001"])
    admin_a = make_client()
    admin_a.login("admin.a")
    _set_password_by_link(admin_a, make_client, dbs, world.a.school.id, "HSA001", PASSWORDS["a"])
    _set_password_by_link(client, make_client, dbs, world.b.school.id, "HSA001", PASSWORDS["b"])
    with dbs() as s:
        ids = {part: s.scalars(select(Student.user_id).where(Student.school_id == school.id,
                                                             Student.student_code == "HSA001")).one()
               for part, school in (("a", world.a.school), ("b", world.b.school))}
        names = {part: s.get(User, uid).username for part, uid in ids.items()}
    assert names == {"a": "hsa001.a", "b": "hsa001.b"}
    for part in ("a", "b"):
        pupil = make_client()
        assert pupil.login("HSA001", PASSWORDS[part], school=part).status_code == 302
        assert _signed_in_as(pupil) == ids[part]
        other = make_client()
        assert other.login("hsa001", PASSWORDS["b" if part == "a" else "a"], school=part).status_code == 200
        assert _signed_in_as(other) is None
    page = make_client().get("/login?school=b").get_data(as_text=True)
    assert world.b.school.name in page and "mã.trường" not in page


def test_a_staff_member_named_like_another_schools_gets_no_telltale_number(world, client, dbs, make_client):
    """School A has a `le.thi.hoa`; school B adds its own Lê Thị Hoa and a Đỗ Văn Nam (nobody's
    name) and hands them their links. Before: B's teacher became `le.thi.hoa2` — the 2 telling B
    that someone was `le.thi.hoa` — and B's Nam `do.van.nam`. Now both are named in B's names alike."""
    with dbs() as s:
        s.get(User, world.a.teacher.id).username = "le.thi.hoa"
        s.commit()
    client.login("admin.b")
    names = {}
    for name, email in (("Lê Thị Hoa", "hoa@truongb.example"), ("Đỗ Văn Nam", "nam@truongb.example")):
        client.post("/school/staff", {"full_name": name, "email": email, "roles": ["teacher"]})
        with dbs() as s:
            invitation_id = s.scalars(select(Invitation.id).where(Invitation.status == "pending",
                                                                  Invitation.invited_name == name)).one()
        page = client.post(f"/school/invitations/{invitation_id}/link", {}).get_data(as_text=True)
        link = re.search(r'http://[^"<\s]*/join\?t=[\w-]+', page).group(0)
        person = make_client()
        done = person.post(link, {"new_password": "Giáo viên mới trường B 2026",
                                  "confirm": "Giáo viên mới trường B 2026"}, follow_redirects=True)
        names[name] = re.search(r"(le\.thi\.hoa[\w.]*\w|do\.van\.nam[\w.]*\w)", done.get_data(as_text=True)).group(1)
    assert names == {"Lê Thị Hoa": "le.thi.hoa.b", "Đỗ Văn Nam": "do.van.nam.b"}
    assert make_client().login("le.thi.hoa.b", "Giáo viên mới trường B 2026").status_code == 302
