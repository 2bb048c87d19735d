"""List pages run the same number of queries whatever the number of rows (no N+1)."""
import io

from sqlalchemy import event

from lms.extensions import db
from tests.factories import csv_bytes

PAGES = ["/school/students", "/school/staff", "/school/parents", "/school/classes", "/school/courses",
         "/school/subjects", "/"]


def query_counts(app, client, pages: list[str] = PAGES) -> dict[str, int]:
    counts = {}
    with app.app_context():
        engine = db.engine
    for url in pages:
        seen = []
        listener = lambda *args, seen=seen, **kw: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200, url
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts[url] = len(seen)
    return counts


def test_list_pages_do_not_grow_with_rows(world, client, app):
    """3 → 43 students, 3 → 23 staff, 3 → 43 parents, 1 → 5 classes, 1 → 60 courses. Both counts
    are taken with invitations waiting (the lists read the school's SMS account once for them)."""
    import re

    client.login("admin.a")

    def add_people(pupils: range, staff_numbers: range) -> None:
        rows = [[f"HSX{i:03d}", f"Học Sinh {i}", "01/01/2014", "Nữ", "6A1", "", f"Phụ Huynh {i}", "Mẹ",
                 f"09880{i:05d}", ""] for i in pupils]
        preview = client.post("/school/import/students", {"file": (io.BytesIO(csv_bytes(rows)), "hs.csv")},
                              content_type="multipart/form-data")
        token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
        client.post("/school/import/students/confirm", {"token": token})
        staff = [[f"Giáo Viên Số {i}", "", f"gvso{i}@example.com", "", "Giáo viên"] for i in staff_numbers]
        preview = client.post("/school/import/staff", {"file": (io.BytesIO(csv_bytes(
            staff, headers=["Họ và tên", "Tên đăng nhập", "Email", "Số điện thoại", "Vai trò"])), "gv.csv")},
            content_type="multipart/form-data")
        token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
        client.post("/school/import/staff/confirm", {"token": token})
        app.extensions["lms_jobs"].wait()   # the imports' follow-up jobs (invitation e-mails…) query in their own threads

    add_people(range(1), range(1))
    small = query_counts(app, client)
    for n in range(4):
        client.post("/school/classes", {"grade": "7", "name": f"7A{n + 1}", "homeroom_teacher_id": world.a.teacher.id})
    add_people(range(1, 40), range(1, 20))
    with app.app_context():
        from sqlalchemy import select

        from lms.people.models import SchoolClass
        class_ids = list(db.session.scalars(select(SchoolClass.id).where(SchoolClass.school_id == world.a.school.id)))
    for class_id in class_ids:
        client.post(f"/school/classes/{class_id}/courses")  # 12 courses per class
    app.extensions["lms_jobs"].wait()
    large = query_counts(app, client)
    assert large == small


def test_student_import_reads_do_not_grow_with_rows(world, client, app):
    """Planning and applying read the database in bulk: a 60-row file reads as often as a 10-row one,
    every parent new and so invited (before: each parent's account, username and waiting invitation
    were looked up one by one, 64 reads for 10 rows and 314 for 60)."""
    client.login("admin.a")
    with app.app_context():
        engine = db.engine

    def reads_for(n: int, offset: int) -> tuple[int, int]:
        rows = [[f"HSQ{offset + i:04d}", f"Học Sinh {i}", "01/01/2014", "Nam", "6A1", "", f"Phụ Huynh {offset + i}",
                 "Mẹ", f"0977{offset + i:06d}", ""] for i in range(n)]
        counts = []
        for step in ("preview", "confirm"):
            seen = []

            def listener(conn, cursor, statement, *args, seen=seen):
                if statement.lstrip().upper().startswith("SELECT"):
                    seen.append(statement)
            event.listen(engine, "before_cursor_execute", listener)
            try:
                if step == "preview":
                    response = client.post("/school/import/students",
                                           {"file": (io.BytesIO(csv_bytes(rows)), "hs.csv")},
                                           content_type="multipart/form-data")
                    import re
                    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"',
                                      response.get_data(as_text=True)).group(1)
                else:
                    assert client.post("/school/import/students/confirm", {"token": token}).status_code == 302
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            counts.append(len(seen))
        return tuple(counts)

    assert reads_for(10, 0) == reads_for(60, 100)


def test_billing_lists_do_not_grow_with_rows(world, client, make_client, app, dbs):
    """3 → 43 pupils billed, 1 → 3 months, 1 → 40 payments: the same queries per page."""
    import re

    from sqlalchemy import select

    from lms.billing import payments
    from lms.billing.models import Invoice, Method
    from lms.core.signing import signer_from_config
    from lms.core.timeutil import utcnow
    from lms.people.models import School
    from tests.billing_helpers import issue, set_up_fees

    def pay_some(limit):
        with dbs() as s:
            school = s.get(School, world.a.school.id)
            for inv in s.scalars(select(Invoice).where(Invoice.school_id == school.id, Invoice.paid == 0).limit(limit)):
                payments.record_payment(s, world.a.accountant, school, inv.student, inv,
                                        payments.PaymentInput(Method.CASH, 100_000, inv.payer_name, utcnow()),
                                        signer=signer_from_config(app.config), now=utcnow())
            s.commit()

    with dbs() as s:
        set_up_fees(s, world.a)
        issue(s, world.a, 9)
        s.commit()
    pay_some(1)
    pages = ["/billing/invoices", "/billing/payments", "/billing/debts", "/billing/fees", "/billing/exemptions",
             "/billing", "/billing/ledger"]
    client.login("kt.a")
    parent = make_client()
    parent.login("0912000001")
    small, small_family = query_counts(app, client, pages), query_counts(app, parent, ["/fees"])
    admin = make_client()
    admin.login("admin.a")
    rows = [[f"HSX{i:03d}", f"Học Sinh {i}", "01/01/2014", "Nữ", "6A1", "", f"Phụ Huynh {i}", "Mẹ",
             f"09880{i:05d}", ""] for i in range(40)]
    preview = admin.post("/school/import/students", {"file": (io.BytesIO(csv_bytes(rows)), "hs.csv")},
                         content_type="multipart/form-data")
    token = re.search(r'name="token"[^>]*value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    admin.post("/school/import/students/confirm", {"token": token})
    with dbs() as s:
        for month in (9, 10, 11):
            issue(s, world.a, month)
        s.commit()
    pay_some(40)
    assert query_counts(app, client, pages) == small
    assert query_counts(app, parent, ["/fees"]) == small_family
