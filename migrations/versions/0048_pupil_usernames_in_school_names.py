"""pupil usernames in the school's own names: a pupil whose username is the bare code (`hsa001`)
is renamed `hsa001.<school code>`, the name every pupil of the school could already sign in with

A bare code as username told a school, by its failing, that another school's account held the
name. Pupils keep signing in with the code alone at their school's address
(`/login?school=<school code>`). A pupil whose qualified name some other account holds keeps the
bare name (it still signs in at the school's address, where the code comes first).

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 18:00:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa

revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def _part(code: str, school_id: int) -> str:
    """lms.people.accounts.school_part, as it is today."""
    folded = "".join(ch for ch in unicodedata.normalize("NFD", code.lower())
                     if not unicodedata.combining(ch)).replace("đ", "d")
    return re.sub(r"[^a-z0-9-]", "", folded) or f"s{school_id}"


def _pupils(conn):
    return conn.execute(sa.text(
        "SELECT u.id, u.username, st.student_code, s.code, s.id FROM students st "
        "JOIN users u ON u.id = st.user_id JOIN schools s ON s.id = st.school_id ORDER BY st.id")).all()


def _rename(conn, renames):
    taken = set(conn.execute(sa.text("SELECT username FROM users")).scalars())
    done = set()
    for user_id, old, new in renames:
        if user_id in done or new in taken:
            continue
        conn.execute(sa.text("UPDATE users SET username = :new WHERE id = :id"), {"new": new, "id": user_id})
        taken.discard(old)
        taken.add(new)
        done.add(user_id)


def upgrade():
    conn = op.get_bind()
    _rename(conn, [(uid, name, f"{code.lower()}.{_part(school, sid)}")
                   for uid, name, code, school, sid in _pupils(conn) if name == code.lower()])


def downgrade():
    conn = op.get_bind()
    _rename(conn, [(uid, name, code.lower())
                   for uid, name, code, school, sid in _pupils(conn) if name == f"{code.lower()}.{_part(school, sid)}"])
