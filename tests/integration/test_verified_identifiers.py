"""An invitation is accepted only by an account that proved it controls the identifier invited.

Before: school A's admin invited a phone number nobody had as staff, set the password through the
link the admin held, and so "owned" the number; when school B later invited the same number for a
real parent, that account saw B's invitation in its list and accepted it — B's child's data. Now an
identifier counts for another school only once its account used a link delivered there (by SMS on
the school's own channel, or by e-mail), and the link of B's invitation goes to the number itself.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.timeutil import school_tz, utc_to_local, utcnow
from lms.messaging import dispatch, sandbox, settings, texts
from lms.people.models import Guardianship, Invitation, Membership, School

BASE = "http://lms.test"
NUMBER = "0966123456"
PASSWORD_A = "Mật khẩu của người giữ số 2026"
PASSWORD_REAL = "Mẹ của Em dùng mật khẩu này"


def sms_channel(s, app, school_id: int, admin_id: int) -> None:
    """The school's eSMS account in the sandbox (the contact book's SMS channel)."""
    settings.save_account(s, s.get(User, admin_id), s.get(School, school_id), "esms",
                          {"brandname": "THPT.THU.B", "api_key": "api-key", "secret_key": "esms-secret"},
                          enabled=True, sandbox=True, box=app.extensions["lms_secrets"], now=utcnow())
    s.commit()


def sent_sms(s, app) -> list[str]:
    """Send what the contact book has queued (at ten in the morning, outside quiet hours) and
    return the texts that reached the SMS provider."""
    box, texts_sent = app.extensions["lms_secrets"], []
    morning = datetime.combine(utc_to_local(utcnow(), school_tz()).date() + timedelta(days=1), time(10),
                               tzinfo=ZoneInfo(school_tz()))
    inner = sandbox.direct_transport(s, box, BASE, lambda: morning)

    def transport(method, url, headers, body):
        texts_sent.append(body.decode())
        return inner(method, url, headers, body)

    ctx = dispatch.SendContext(box=box, transport=transport, text=lambda kind, params, locale: texts.render(kind, params),
                               mail=lambda *a: True, base_url=BASE, tz=school_tz(), sandbox_on=True)
    dispatch.send_due(s, morning, ctx)
    s.commit()
    return texts_sent


def test_a_number_owned_through_a_held_link_never_picks_up_another_schools_invitation(
        world, client, dbs, make_client, app):
    # School A (no SMS channel) invites a number nobody has; its admin holds the link and sets the password.
    admin_a = make_client()
    admin_a.login("admin.a")
    admin_a.post("/school/staff", {"full_name": "Người Giữ Số", "phone": "0966 123 456", "roles": ["teacher"]})
    with dbs() as s:
        a_invitation = s.scalars(select(Invitation.id).where(Invitation.school_id == world.a.school.id,
                                                             Invitation.status == "pending")).one()
    page = admin_a.post(f"/school/invitations/{a_invitation}/link", {}).get_data(as_text=True)
    assert "không kiểm chứng được" in page
    link = re.search(r'http://[^"<\s]*(/join\?t=[\w-]+)', page).group(1)
    holder = make_client()
    assert holder.post(link, {"new_password": PASSWORD_A, "confirm": PASSWORD_A}).status_code == 302
    with dbs() as s:
        squatter = s.scalars(select(User).where(User.phone == NUMBER)).one()
        assert squatter.phone_verified_at is None          # a link the school held proves nothing
        squatter_id = squatter.id
    # School B, with its SMS channel, invites the same number for a real parent.
    with dbs() as s:
        sms_channel(s, app, world.b.school.id, world.b.admin.id)
    pupil_b = world.b.students["HSB002"].id
    client.login("admin.b")
    client.post(f"/school/students/{pupil_b}/guardians", {"full_name": "Mẹ Thật", "relation": "Mẹ",
                                                          "phone": "+84 966 123 456"})
    with dbs() as s:
        b_row = s.scalars(select(Invitation).where(Invitation.school_id == world.b.school.id,
                                                   Invitation.status == "pending")).one()
        b_invitation = b_row.id
        assert b_row.user_id != squatter_id
    # The number's squatter sees nothing and cannot accept it. The number, unproven, never signed
    # him in: the username the held link's page named does.
    assert holder.login(NUMBER, PASSWORD_A).status_code == 200
    assert holder.login("nguoi.giu.so.a", PASSWORD_A).status_code == 302
    assert "Trường THPT Thử B" not in holder.get("/invitations").get_data(as_text=True)
    assert holder.post(f"/invitations/{b_invitation}/accept", {}).status_code == 404
    # The link went to the number by SMS; its holder — the real parent — joins through it.
    app.extensions["lms_jobs"].wait()
    with dbs() as s:
        sent = [t for t in sent_sms(s, app) if "/join?t=" in t]
    assert len(sent) == 1 and "0966123456" in sent[0].replace("84966123456", "0966123456")
    sms_link = re.search(r"(/join\?t=[\w-]+)", sent[0]).group(1)
    parent = make_client()
    assert parent.post(sms_link, {"new_password": PASSWORD_REAL, "confirm": PASSWORD_REAL}).status_code == 302
    assert parent.login(NUMBER, PASSWORD_REAL).status_code == 302   # the number is hers now
    assert make_client().login(NUMBER, PASSWORD_A).status_code == 200  # and no longer the squatter's
    with dbs() as s:
        mother = s.scalars(select(User).where(User.phone == NUMBER, User.phone_verified_at.is_not(None))).one()
        assert mother.id != squatter_id and mother.phone_verified_via == "sms" and mother.phone_verified_at
        assert s.scalar(select(func.count()).select_from(Guardianship).where(Guardianship.student_id == pupil_b,
                                                                             Guardianship.guardian_id == mother.id))
        assert not s.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == squatter_id, Membership.school_id == world.b.school.id))
        # What the school's queue keeps of the SMS has no usable link.
        from lms.messaging.models import OutboundMessage
        kept = s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "invitation")).one()
        assert "/join?t=" not in str(kept.payload.get("sent"))


def test_an_account_that_proved_its_number_answers_another_schools_invitation_in_its_list(
        world, client, dbs, make_client):
    """The legitimate path: Mr Dũng's phone was proven when he joined school A through the link
    its SMS sent him; school B's invitation to that number is in his list, and he accepts it there."""
    pupil_b = world.b.students["HSB002"].id
    client.login("admin.b")
    client.post(f"/school/students/{pupil_b}/guardians", {"full_name": "Ông Dũng", "relation": "Ông",
                                                          "phone": "0912 000 002"})
    father = make_client()
    assert father.login("0912000002").status_code == 302
    listed = father.get("/invitations").get_data(as_text=True)
    invitation_id = re.search(r"/invitations/(\d+)/accept", listed).group(1)
    father.post(f"/invitations/{invitation_id}/accept", {})
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Guardianship).where(
            Guardianship.student_id == pupil_b, Guardianship.guardian_id == world.father_ab.id))


def test_an_identifier_changed_loses_its_proof(world, dbs):
    with dbs() as s:
        user = s.get(User, world.a.teacher.id)
        assert user.verified(user.email)
        user.email = "gv.a.moi@test.example"
        s.commit()
        user = s.get(User, world.a.teacher.id)
        assert user.email_verified_at is None and not user.verified(user.email)


def test_a_second_identifier_of_one_account_is_invited_like_another_persons(world, client, dbs):
    """Before: school B invited a teacher's e-mail, then her phone; the second invitation replaced
    the first and the staff import said "Không đổi" for the phone — telling B both were one
    account's. Now each identifier is its own invitation, and the import says the same as for a
    number of nobody's."""
    import io

    from tests.factories import csv_bytes

    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        teacher.phone, teacher.phone_verified_at, teacher.phone_verified_via = "0905111222", utcnow(), "sms"
        s.commit()
    client.login("admin.b")
    client.post("/school/staff", {"full_name": "Cô Giáo", "email": "gv.a@test.example", "roles": ["teacher"]})
    headers = ["Họ và tên*", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò*"]
    lines = []
    for phone in ("0905 111 222", "0905 333 444"):       # her phone; nobody's
        data = csv_bytes([["Cô Giáo", "", "", phone, "Giáo viên"]], headers)
        preview = client.post("/school/import/staff", {"file": (io.BytesIO(data), "gv.csv")},
                              content_type="multipart/form-data").get_data(as_text=True)
        lines.append("chờ chấp nhận" in preview and "Không đổi" not in preview)
    assert lines == [True, True]
    client.post("/school/staff", {"full_name": "Cô Giáo", "phone": "0905111222", "roles": ["teacher"]})
    with dbs() as s:
        waiting = s.scalars(select(Invitation.identifier).where(Invitation.school_id == world.b.school.id,
                                                                Invitation.status == "pending")).all()
    assert sorted(waiting) == ["0905111222", "gv.a@test.example"]
