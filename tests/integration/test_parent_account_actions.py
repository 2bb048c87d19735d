"""The parents list has the staff list's account actions: sign out everywhere, lock and unlock.

Before: a lost parent phone could only be handled from the staff page's routes by hand; the
parents list offered nothing. The same rule holds: only an account whose every role is in
schools the admin manages, each action audited, and the list comes back where it was.
"""
import re

from sqlalchemy import select

from lms.auth.models import User, UserSession
from lms.core.models import AuditLog


def buttons_for(body: str, user_id: int) -> set[str]:
    return set(re.findall(rf'/school/users/{user_id}/(\w+)', body))


def test_an_own_parent_is_signed_out_locked_and_unlocked_from_the_parents_list(world, client, dbs, make_client):
    mother, father = world.mother_a.id, world.father_ab.id
    phone = make_client()
    phone.login("0912000001")
    assert phone.get("/").status_code == 200
    client.login("admin.a")
    body = client.get("/school/parents").get_data(as_text=True)
    assert buttons_for(body, mother) == {"reset", "sessions", "active"}
    assert buttons_for(body, father) == set()       # also a parent in school B: nobody's alone
    back = client.post(f"/school/users/{mother}/sessions?next=/school/parents", {})
    assert back.status_code == 302 and back.headers["Location"].endswith("/school/parents")
    assert phone.get("/").status_code == 302        # her session is gone
    with dbs() as s:
        assert not s.scalars(select(UserSession).where(UserSession.user_id == mother,
                                                       UserSession.revoked_at.is_(None))).all()
    assert client.post(f"/school/users/{mother}/active?next=/school/parents", {}).status_code == 302
    with dbs() as s:
        assert not s.get(User, mother).active
    assert client.post(f"/school/users/{mother}/active?next=//evil.example/", {}).headers["Location"].endswith(
        "/school/staff")                             # only a local path is followed
    with dbs() as s:
        assert s.get(User, mother).active
        actions = s.scalars(select(AuditLog.action).where(AuditLog.subject_type == "user", AuditLog.subject_id == mother,
                                                          AuditLog.actor_id == world.a.admin.id,
                                                          AuditLog.action != "invitation_sent")
                            .order_by(AuditLog.id)).all()
    assert actions == ["sessions_revoked", "account_disabled", "account_enabled"]
    for action in ("sessions", "active"):
        assert client.post(f"/school/users/{father}/{action}", {}).status_code == 403
    other = make_client()
    other.login("admin.b")
    for action in ("sessions", "active"):
        assert other.post(f"/school/users/{mother}/{action}", {}).status_code in (403, 404)
