"""Erasing a person's data on request (Law 91/2025/QH15; security.md #51): a leaving pupil's or a
parent's personal data is pseudonymised by a staff action; grades and money stay exact; who on
staff read the pupil's data can be listed and downloaded (the breach runbook relies on it).

Before: no way existed to erase anyone; a school could only disable the account, and the pupil's
name, identity number and phone stayed everywhere (invoices, bank memos, messages, homework files).
"""
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import String, Text, func, select

from lms.billing import matching
from lms.core.models import AuditLog
from lms.core.timeutil import utcnow
from lms.db import Base
from lms.people.erasure import KEPT_BY_LAW
from lms.people.models import Guardianship, Student
from tests.integration.test_tenancy import b_card  # noqa: F401  (a fixture: school B's records)

pytestmark = pytest.mark.world("foreign_card")

PUPIL_NAME = "Lê Văn Em"
PERSONAL_ID = "001210012345"
PUPIL_PHONE = "0987650001"


def _dump(dbs) -> dict[str, list[str]]:
    """Every string value of every table (a full dump, as a backup would hold it)."""
    found: dict[str, list[str]] = {}
    with dbs() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in s.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str):
                        found.setdefault(table.name, []).append(value)
    return found


def _where(dump: dict[str, list[str]], needle: str) -> set[str]:
    from lms.core.text import fold

    return {t for t, values in dump.items() for v in values
            if needle.lower() in v.lower() or fold(needle) in fold(v)}


def _money_and_marks(dbs, student_id: int) -> dict:
    ledger_lines, invoices, payments, grade_entries = (Base.metadata.tables[t] for t in
                                                       ("ledger_lines", "invoices", "payments", "grade_entries"))
    with dbs() as s:
        return {
            "ledger": sorted(s.execute(select(ledger_lines.c.account, func.sum(ledger_lines.c.debit), func.sum(ledger_lines.c.credit))
                                       .group_by(ledger_lines.c.account)).all()),
            "invoices": sorted(s.execute(select(invoices.c.id, invoices.c.total, invoices.c.paid, invoices.c.status)
                                         .where(invoices.c.student_id == student_id)).all()),
            "payments": sorted(s.execute(select(payments.c.id, payments.c.amount)
                                         .where(payments.c.student_id == student_id)).all()),
            "marks": sorted((k, str(Decimal(v)) if v is not None else None) for k, v in s.execute(
                select(grade_entries.c.id, grade_entries.c.score10).where(grade_entries.c.student_id == student_id))),
        }


def test_a_leaving_pupil_is_pseudonymised_everywhere_while_marks_and_money_stay(
        world, b_card, make_client, dbs):  # noqa: F811
    pupil = world.b.students["HSB002"]
    with dbs() as s:
        student = s.get(Student, pupil.id)
        student.personal_id, student.phone = PERSONAL_ID, PUPIL_PHONE
        student.address = "Số 12 ngõ 34 phố Hoa Bằng, Cầu Giấy, Hà Nội"
        # A family's transfer, its memo as the bank writes it: no accents, upper case.
        from lms.people.models import School

        matching.receive_transfer(s, s.get(School, world.b.school.id), matching.TransferIn(
            "statement", "FT26340001", 150_000, "HOC PHI LE VAN EM 10A1", utcnow()), signer=None, now=utcnow())
        from lms.auth.models import User
        from lms.courses import comms
        from lms.courses.models import MessageThread

        comms.send_message(s, s.get(User, world.b.teacher.id), s.get(MessageThread, world.b.thread.id),
                           "Hôm nay em Lê Văn Em nghỉ học không phép, gia đình gọi 0987 650 001 chưa được.", utcnow())
        s.commit()
    before = _money_and_marks(dbs, pupil.id)
    assert before["invoices"] and before["payments"] and before["marks"]
    dump = _dump(dbs)
    assert {"students", "invoices", "messages"} <= _where(dump, PUPIL_NAME)  # the canaries are really there
    assert _where(dump, "LE VAN EM")

    admin = make_client()
    admin.login("admin.b")
    page = admin.get(f"/school/students/{pupil.id}")
    assert f"/school/students/{pupil.id}/erase" in page.get_data(as_text=True)
    form = admin.get(f"/school/students/{pupil.id}/erase")
    assert form.status_code == 200 and "Không hoàn tác được" in form.get_data(as_text=True)
    wrong = admin.post(f"/school/students/{pupil.id}/erase", {"reason": "left", "confirm_code": "HSB001"})
    assert wrong.status_code == 422 and "Mã học sinh nhập để xác nhận không khớp" in wrong.get_data(as_text=True)
    assert _money_and_marks(dbs, pupil.id) == before
    with dbs() as s:
        assert s.get(Student, pupil.id).full_name == PUPIL_NAME  # nothing half-done

    # Another school's admin cannot reach the pupil at all.
    other = make_client()
    other.login("admin.a")
    assert other.post(f"/school/students/{pupil.id}/erase", {"reason": "left", "confirm_code": "HSB002"}).status_code == 404

    done = admin.post(f"/school/students/{pupil.id}/erase", {"reason": "left", "confirm_code": "hsb002"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    dump = _dump(dbs)
    for canary in (PUPIL_NAME, "LE VAN EM", PERSONAL_ID, PUPIL_PHONE, "84987650001", "Hoa Bằng", "hsb002"):
        left = _where(dump, canary) - KEPT_BY_LAW
        assert not left, f"{canary!r} still in {left}"
    assert _money_and_marks(dbs, pupil.id) == before  # balances, totals and marks exact
    with dbs() as s:
        student = s.get(Student, pupil.id)
        assert student.full_name.startswith("HS ẩn danh") and student.pseudonymised_at is not None
        assert student.birth_date is None and student.personal_id is None
        assert not s.scalars(select(Guardianship).where(Guardianship.student_id == pupil.id)).all()
        row = s.scalars(select(AuditLog).where(AuditLog.action == "pseudonymised")).one()
        assert (row.actor_id, row.subject_type, row.subject_id) == (world.b.admin.id, "student", pupil.id)
        assert PUPIL_NAME not in (row.detail or "")
    # The pupil's account is closed; the mother no longer sees the child.
    assert make_client().login("hsb002", school="b").status_code != 302
    assert make_client().login("hsb002.b").status_code != 302
    mother = make_client()
    mother.login("0912000003")
    assert mother.get(f"/children/{pupil.id}").status_code == 404
    again = admin.get(f"/school/students/{pupil.id}")
    assert "Đã ẩn danh hoá ngày" in again.get_data(as_text=True)


def test_a_parent_is_pseudonymised_and_a_parent_of_two_schools_is_left_to_both(
        world, b_card, make_client, dbs):  # noqa: F811
    admin = make_client()
    admin.login("admin.b")
    shared = admin.get(f"/school/parents/{world.father_ab.id}/erase")  # Mr Dũng has a child in school A too
    assert shared.status_code == 200 and 'id="not-manageable"' in shared.get_data(as_text=True)
    refused = admin.post(f"/school/parents/{world.father_ab.id}/erase", {"reason": "request",
                                                                           "confirm_name": "Trần Văn Dũng"})
    assert refused.status_code == 200
    assert _where(_dump(dbs), "Trần Văn Dũng")
    with dbs() as s:
        from lms.auth.models import User

        assert s.get(User, world.father_ab.id).active

    mother = world.mother_b
    before = _money_and_marks(dbs, world.b.students["HSB002"].id)
    assert {"payments", "users"} <= _where(_dump(dbs), "Lê Thị Gấm")
    done = admin.post(f"/school/parents/{mother.id}/erase", {"reason": "request", "confirm_name": "le thi gam"})
    assert done.status_code == 302
    dump = _dump(dbs)
    for canary in ("Lê Thị Gấm", "0912000003"):
        assert not _where(dump, canary) - KEPT_BY_LAW, canary
    assert _money_and_marks(dbs, world.b.students["HSB002"].id) == before
    assert make_client().post("/login", {"identifier": "0912000003", "password": "x" * 12}).status_code != 302


def test_who_read_a_pupils_data_is_listed_and_downloaded(world, b_card, make_client, dbs):  # noqa: F811
    pupil = world.b.students["HSB002"]
    teacher = make_client()
    teacher.login("gv.b")
    assert teacher.get(f"/courses/{world.b.course.id}/grades").status_code in (200, 302)
    accountant = make_client()
    accountant.login("kt.b")
    assert accountant.get(f"/billing/invoices/{b_card['invoice_id']}").status_code == 200
    admin = make_client()
    admin.login("admin.b")
    admin.get(f"/school/students/{pupil.id}")
    page = admin.get(f"/school/students/{pupil.id}/access")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "view_invoice" in html and world.b.accountant.full_name in html
    assert "view_student" in html
    # What each row is about, in words, with the pupil's name (it showed the code "student 12").
    assert f"Học sinh {pupil.full_name} (#{pupil.id})" in html and f"student {pupil.id}" not in html
    sheet = admin.get(f"/school/students/{pupil.id}/access.xlsx")
    assert sheet.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(sheet.data)).active
    actions = {row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert {"view_invoice", "view_student"} <= actions
    # Another pupil's reads are not in this pupil's list.
    admin.get(f"/school/students/{world.b.students['HSB001'].id}/profile")
    html = admin.get(f"/school/students/{pupil.id}/access").get_data(as_text=True)
    assert f"/school/students/{world.b.students['HSB001'].id}/profile" not in html
    # The school's trail over a period, with its export (itself audited).
    trail = admin.get("/school/audit?reads=1")
    assert trail.status_code == 200 and "view_invoice" in trail.get_data(as_text=True)
    assert admin.get("/school/audit.xlsx?from=2026-01-01&to=2030-01-01").status_code == 200
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "audit_export")) == 2
    # Another school's admin: 404 for the pupil's trail; school A's trail holds none of B's reads.
    other = make_client()
    other.login("admin.a")
    assert other.get(f"/school/students/{pupil.id}/access").status_code == 404
    assert "view_invoice" not in other.get("/school/audit?reads=1").get_data(as_text=True)
