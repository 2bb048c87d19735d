"""A parent downloads everything the school holds about their child (a data-subject request,
Law 91/2025/QH15), and their own account's data.

Before: the consent was recorded but nothing let a parent see what was held; there was no export.
The export is driven by the schema: a table with a key to a pupil or an account is in it the day
the table is added (the test below walks the metadata, not a list).
"""
import json

from sqlalchemy import select

from lms.core.models import AuditLog
from lms.db import Base


def _tables_keyed_to(*targets: str) -> set[str]:
    return {table.name for table in Base.metadata.sorted_tables
            if any(fk.column.table.name in targets and fk.column.name == "id" for fk in table.foreign_keys)}


def test_a_parent_downloads_the_childs_data_and_every_keyed_table_is_in_it(world, make_client, dbs):
    parent = make_client()
    parent.login("0912000001")
    pupil = world.a.students["HSA001"]
    page = parent.get(f"/children/{pupil.id}")
    assert f"/children/{pupil.id}/data.json" in page.get_data(as_text=True)
    response = parent.get(f"/children/{pupil.id}/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "lms-subject-export/1" and data["subject"]["student_id"] == pupil.id
    tables = data["tables"]
    # Every table with a pupil or an account key appears, whatever it holds today.
    missing = _tables_keyed_to("students", "users") - set(tables)
    assert not missing, f"tables with a pupil or account key left out of the export: {missing}"
    assert [r["id"] for r in tables["students"]] == [pupil.id]  # the child, no other pupil
    assert {r["student_id"] for r in tables["guardianships"]} == {pupil.id}
    assert tables["enrollments"] and all(r["student_id"] == pupil.id for r in tables["enrollments"])
    account = [r for r in tables["users"] if r["id"] == pupil.user_id]
    assert account and account[0]["password_hash"] == "[…]"  # secrets are never exported
    assert "Nguyễn Văn An" in response.get_data(as_text=True)  # UTF-8 as written, not escaped
    with dbs() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "subject_export")).one()
        assert (row.actor_id, row.subject_type, row.subject_id) == (world.mother_a.id, "student", pupil.id)


def test_another_familys_child_is_not_found(world, make_client):
    parent = make_client()
    parent.login("0912000003")  # school B's mother
    assert parent.get(f"/children/{world.a.students['HSA001'].id}/data.json").status_code == 404


def test_an_account_export_holds_the_account_not_what_hangs_below_it(world, make_client):
    teacher = make_client()
    teacher.login("gv.a")
    response = teacher.get("/account/data.json")
    assert response.status_code == 200
    tables = json.loads(response.get_data(as_text=True))["tables"]
    assert [r["id"] for r in tables["users"]] == [world.a.teacher.id]
    # A teacher's courses point at the account; the pupils' records below them are not the teacher's.
    for name in ("students", "enrollments", "guardianships", "submissions", "attempts"):
        assert not tables.get(name), name
