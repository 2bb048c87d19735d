"""Each staff read of a child's record writes exactly one audit row; the rows cannot be changed.

Before: only the pupil's profile page was audited; a teacher reading a grade book, exam results or
homework, or an accountant reading an invoice, left no trace.
"""
import pytest
from sqlalchemy import func, select, text

from lms.core.audited import NOT_RECORDS, STAFF_READS
from lms.core.models import AuditLog
from tests.integration.test_tenancy import b_card, foreign_ids  # noqa: F401  (b_card is a fixture)

READERS = {"admin": "admin.b", "teacher": "gv.b", "accountant": "kt.b"}
RECORD_PARAMS = {"student_id", "attempt_id", "invoice_id", "payment_id", "submission_id", "file_id", "card_id",
                 "exemption_id", "assignment_id"}


def _rows(dbs) -> list[AuditLog]:
    with dbs() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action.like("view_%")).order_by(AuditLog.id)))


def test_every_listed_page_exists_and_every_record_page_is_decided(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(STAFF_READS) <= endpoints and NOT_RECORDS <= endpoints
    undecided = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and RECORD_PARAMS & set(rule.arguments)} - set(STAFF_READS) - NOT_RECORDS
    assert not undecided, f"decide in lms/core/audited.py whether these read a child's record: {undecided}"


def test_each_staff_read_writes_one_row_without_the_data(app, world, b_card, make_client, dbs):  # noqa: F811
    clients = {}
    for role, login in READERS.items():
        clients[role] = make_client()
        clients[role].login(login)
    ids = foreign_ids(world, "admin", b_card)
    ids["student_id"] = [world.b.students["HSB002"].id]
    read = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in STAFF_READS or "GET" not in rule.methods:
            continue
        kind, param = STAFF_READS[rule.endpoint]
        allowed = getattr(app.view_functions[rule.endpoint], "required_roles", None) or ("admin",)
        role = next(r for r in ("teacher", "accountant", "admin") if r in allowed)
        url = rule.build({name: ids[name][0] for name in rule.arguments})[1]
        before = len(_rows(dbs))
        response = clients[role].get(url)
        rows = _rows(dbs)[before:]
        if response.status_code != 200:
            assert rows == [], (url, response.status_code)
            continue
        assert len(rows) == 1, (url, [r.action for r in rows])
        row = rows[0]
        assert (row.action, row.subject_type, row.route) == (f"view_{kind}", kind, url.split("?")[0])
        assert row.subject_id == (ids[param][0] if param else None)
        assert row.actor_id == getattr(world.b, {"admin": "admin", "teacher": "teacher", "accountant": "accountant"}[role]).id
        assert row.school_id == world.b.school.id and row.at is not None and row.detail is None
        read.add(rule.endpoint)
    # The fixture school's own records (its invoices, exams, cards are made by other tests): at
    # least a profile, a grade book, a class's records, homework, attendance and the fee lists.
    assert {"people.student_detail", "people.student_profile", "gradebook.course_grades", "gradebook.class_summary",
            "homework.submissions", "attendance.month", "billing.invoices", "billing.debts"} <= read, read


def test_families_reading_their_own_are_not_staff_reads(world, make_client, dbs):
    parent = make_client()
    parent.login("0912000001")
    for url in (f"/children/{world.a.students['HSA001'].id}", f"/children/{world.a.students['HSA001'].id}/grades"):
        assert parent.get(url).status_code == 200
    pupil = make_client()
    pupil.login("hsa001")
    pupil.get("/grades")
    assert _rows(dbs) == []


def test_a_refused_read_writes_nothing(world, make_client, dbs):
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get(f"/school/students/{world.b.students['HSB002'].id}").status_code == 404
    assert _rows(dbs) == []


def test_audit_rows_cannot_be_changed_or_deleted(world, make_client, dbs, app):
    admin = make_client()
    admin.login("admin.a")
    admin.get(f"/school/students/{world.a.students['HSA001'].id}")
    from lms.extensions import db

    with app.app_context():
        for statement in ("UPDATE audit_logs SET detail = 'sửa' WHERE action = 'view_student'",
                          "UPDATE audit_logs SET actor_id = NULL, route = '/x' WHERE action = 'view_student'",
                          "DELETE FROM audit_logs WHERE action = 'view_student'"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        # Deleting an account keeps its rows, unattributed (the foreign key's SET NULL is allowed).
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_logs SET actor_id = NULL WHERE action = 'view_student'"))
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "view_student")) == 1
