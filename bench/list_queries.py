"""The query count of every list page at 10 and at 1,000 rows (DESIGN.md: constant as rows grow).

Builds the same school twice through the services, once with 10 and once with 1,000 of every
kind of row a list page shows (pupils with a guardian each, staff, classes, lessons, library
files, announcements, parent threads, homework and its submissions, bank questions, exams,
submitted attempts, grade-book marks, invoices, payments, unmatched bank transfers), then opens
every HTML page of the app as each role (admin, teacher, accountant, pupil, parent, department)
and counts the SQL statements each request runs. Pages whose count differs between the two sizes
are listed; the script exits 1 if there is one.

    .venv/bin/python bench/list_queries.py [--small 10] [--large 1000]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Files, feeds, callbacks and sandboxes are not list pages.
SKIP = re.compile(r"\.(pdf|xlsx|zip|svg|ics|gift|docx|json)$|^/(callbacks|sandbox|fees/return|static|bootstrap"
                  r"|language|question-images|verify|receipts/verify|healthz|readyz|jobs)|/file$|/files/|/result$"
                  r"|/evidence$")
ROLES = ("admin", "teacher", "accountant", "pupil", "parent", "department")


def build(session, app, n: int, folder: Path) -> dict:
    """One school with `n` of every listed row; returns the ids the URLs need and the logins."""
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.auth.services import create_user
    from lms.billing import matching, payments
    from lms.billing.models import Invoice, Method
    from lms.core.storage import Area, LocalStorage
    from lms.core.timeutil import utcnow
    from lms.courses import comms, homework, lessons, plans, resources
    from lms.exams import attempts
    from lms.gradebook import book
    from lms.people import imports, services
    from lms.people.models import Department, DepartmentViewer, Role, Student
    from tests.billing_helpers import issue, set_up_fees
    from tests.conftest import PASSWORD
    from tests.factories import csv_bytes, make_bank, make_exam, make_school
    from tests.unit.files import PDF

    settings = app.extensions["lms_auth"]
    limits = {"image": 5, "document": 5, "audio": 5, "video": 5}
    now = utcnow()
    dept = Department(name="Sở GD&ĐT Đo Lường", kind="province")
    session.add(dept)
    session.flush()
    rows = [[f"HS{i:05d}", f"Học Sinh {i}", "01/01/2014", "Nữ" if i % 2 else "Nam", "6A1", "", f"Phụ Huynh {i}",
             "Mẹ", f"09{i:08d}", ""] for i in range(n)]
    # The first pupil now, the others after the content that notifies the class (n notices to
    # each of n pupils and parents would make the 1,000-row school take hours to build).
    w = make_school(session, settings, code="DO", name="Trường THCS Đo Lường", level="THCS", grade=6,
                    class_name="6A1", department=dept, prefix="do", students=rows[:1])
    viewer = create_user(session, settings, username="so.do", full_name="Cán Bộ Sở", password=PASSWORD)
    session.add(DepartmentViewer(user_id=viewer.id, department_id=dept.id))
    for i in range(n):
        teacher = create_user(session, None, username=f"gvx{i}", full_name=f"Giáo Viên {i}",
                              email=f"gvx{i}@bench.example", password_hash=w.teacher.password_hash)
        services.grant_role(session, teacher, w.school, Role.TEACHER)
    for i in range(n):
        services.save_class(session, w.admin, w.school, year=w.year, grade=7 + i % 3, name=f"{7 + i % 3}B{i}",
                            homeroom_teacher_id=None)
    services.add_missing_courses(session, w.admin, w.school, w.school_class)
    session.flush()

    # Lessons, library files, announcements, homework, the question bank and exams.
    plans.generate_plan(session, w.teacher, w.course)
    files = []
    for start in range(0, n, resources.MAX_FILES_PER_UPLOAD):
        files += resources.add_resources(session, w.teacher, w.school, [
            (f"tai-lieu-{i}.pdf", PDF + f"%{i}\n".encode())
            for i in range(start, min(n, start + resources.MAX_FILES_PER_UPLOAD))],
            resources.ResourceMeta(title="Tài liệu"), Area(LocalStorage(folder), "library"), limits)
    lesson_ids = []
    for i in range(n):
        lesson_ids.append(lessons.save_lesson(session, w.teacher, w.course, lessons.LessonInput(
            title=f"Bài {i + 1}", publish=lessons.PublishMode.NOW, resource_ids=[files[i].id]), now=now).id)
    announcement = None
    for i in range(n):
        announcement = comms.post_announcement(session, w.teacher, w.school_class, None, f"Thông báo {i}", "Nội dung")
    assignment_ids = []
    for i in range(n):
        assignment_ids.append(homework.save_assignment(session, w.teacher, "teacher", w.school, homework.AssignmentInput(
            title=f"Bài tập {i + 1}", subject_id=w.subject.id, course_ids=[w.course.id],
            open_at=now - timedelta(hours=1), due_at=now + timedelta(days=1)), now=now).assignment.id)
    bank = make_bank(session, w, count=n)
    for i in range(1, n):
        make_exam(session, w, bank.questions[:2], title=f"Kiểm tra {i + 1}")
    exam = make_exam(session, w, bank.questions[:4], title="Kiểm tra 1")  # the newest: first in the pupil's list

    # The rest of the pupils, each with a guardian, through the import.
    if n > 1:
        plan = imports.plan_student_import(session, w.school, w.year, "hs.csv", csv_bytes(rows[1:]), 10**7)
        assert plan.ok, plan.issues[:3]
        imports.apply_student_import(session, w.admin, w.school, w.year, plan)
    session.flush()
    pupils = sorted(session.scalars(select(Student).where(Student.school_id == w.school.id)),
                    key=lambda s: s.student_code)
    first = pupils[0]
    parent = session.scalars(select(User).where(User.phone == "0900000000")).one()

    # A parent thread with a message for every pupil.
    guardians = {s.id: g for s, g in _guardians(session, pupils)}
    for pupil in pupils:
        thread = comms.start_thread(session, w.teacher, pupil, w.teacher, guardians[pupil.id])
        comms.send_message(session, w.teacher, thread, "Chào phụ huynh", now)
    first_thread = comms.start_thread(session, w.teacher, first, w.teacher, parent)
    session.flush()

    # The first assignment handed in by every pupil.
    from lms.courses.models import Assignment

    first_assignment = session.get(Assignment, assignment_ids[-1])  # the newest: first in the lists
    submission = None
    for pupil in pupils:
        submission = homework.submit_work(session, pupil.user, pupil, first_assignment, "Bài làm", [], now=now,
                                          folder=Area(LocalStorage(folder), "work"), limits_mb=limits)
    session.flush()

    # The newest exam taken and submitted by every pupil.
    attempt = None
    for pupil in pupils:
        attempt = attempts.start_attempt(session, pupil, exam, now=now, device="bench")
        attempts.submit_attempt(session, attempt, now=now, device="bench")
    session.flush()

    # Grade book: one regular mark per pupil in the first term of the maths course.
    grid = book.grid_of(session, w.course, 1)
    result = book.save_grid(session, w.admin, "admin", w.course, 1,
                            [book.CellInput(s.id, grid.columns[0].key, "8") for s in pupils], now=now)
    assert not result.issues, result.issues[:3]

    # Fees: September for every pupil, one payment each, n unmatched transfers.
    set_up_fees(session, w)
    issue(session, w)
    signer = app.extensions["lms_signer"]
    invoices = list(session.scalars(select(Invoice).where(Invoice.school_id == w.school.id).order_by(Invoice.id)))
    students = {s.id: s for s in session.scalars(select(Student).where(Student.school_id == w.school.id))}
    payment = None
    for invoice in invoices:
        payment = payments.record_payment(session, w.accountant, w.school, students[invoice.student_id], invoice,
                                          payments.PaymentInput(Method.CASH, 100_000, invoice.payer_name, now),
                                          signer=signer, now=now)
    for i in range(n):
        matching.receive_transfer(session, w.school, matching.TransferIn(
            "statement", f"FT-{i}", 50_000 + i, f"ung ho {i}", now), signer=None, now=now)
    session.flush()
    session.commit()
    ids = {"class_id": w.school_class.id, "course_id": w.course.id, "student_id": first.id, "exam_id": exam.id,
           "attempt_id": attempt.id, "question_id": bank.questions[0].id, "category_id": bank.category.id,
           "assignment_id": assignment_ids[-1], "submission_id": submission.id, "lesson_id": lesson_ids[0],
           "resource_id": files[0].id, "thread_id": first_thread.id, "announcement_id": announcement.id,
           "invoice_id": invoices[0].id, "payment_id": payment.id, "school_id": w.school.id,
           "subject_id": w.subject.id, "fee_type_id": None, "plan_id": None}
    logins = {"admin": "admin.do", "teacher": "gv.do", "accountant": "kt.do", "pupil": first.user.username,
              "parent": "0900000000", "department": "so.do"}
    return {"ids": ids, "logins": logins}


def _guardians(session, pupils):
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.people.models import Guardianship

    by_student = {g.student_id: g.guardian_id for g in session.scalars(
        select(Guardianship).where(Guardianship.student_id.in_([p.id for p in pupils])))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(by_student.values())))}
    return [(p, users[by_student[p.id]]) for p in pupils]


def urls(app, ids: dict) -> list[tuple[str, str]]:
    """(rule, URL) of every HTML GET page whose parameters `ids` can fill."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or SKIP.search(rule.rule):
            continue
        args = {}
        for name in rule.arguments:
            if ids.get(name) is None:
                break
            args[name] = ids[name]
        else:
            out.append((rule.rule, _fill(rule.rule, args)))
    return sorted(set(out))


def _fill(rule: str, args: dict) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(args[m.group(1)]), rule)


def measure(n: int) -> tuple[dict, float]:
    from sqlalchemy import event

    from lms import create_app
    from lms.config import TestConfig
    from lms.extensions import db
    from tests.conftest import Client

    folder = Path(tempfile.mkdtemp(prefix=f"lms-bench-lists-{n}-"))
    app = create_app(type("Q", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'lms.db'}",
                                               "INSTANCE_DIR": folder, "UPLOAD_DIR": folder / "u"}))
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        world = build(db.session, app, n, folder)
        engine = db.engine
    built = time.perf_counter() - started
    pages = urls(app, world["ids"])
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for role in ROLES:
        client = Client(app)
        assert client.login(world["logins"][role]).status_code == 302, role
        for rule, url in pages:
            seen = []

            def listener(*args, seen=seen, **kw):
                seen.append(1)
            event.listen(engine, "before_cursor_execute", listener)
            try:
                status = client.get(url).status_code
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            if status == 200:
                counts[(role, rule)] = (status, len(seen))
    return counts, built


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=1000)
    args = parser.parse_args()
    small, small_s = measure(args.small)
    large, large_s = measure(args.large)
    print(f"list pages: query count per request at {args.small} and at {args.large} rows of each kind "
          f"(school built in {small_s:.0f} s and {large_s:.0f} s), SQLite")
    print(f"{'role':<11} {'page':<52} {args.small:>6} {args.large:>6}")
    differ = []
    for key in sorted(set(small) | set(large)):
        a, b = small.get(key), large.get(key)
        mark = ""
        if a is None or b is None or a[1] != b[1]:
            differ.append(key)
            mark = "  ← differs"
        print(f"{key[0]:<11} {key[1]:<52} {a[1] if a else '—':>6} {b[1] if b else '—':>6}{mark}")
    print(f"{len(set(small) | set(large))} pages, {len(differ)} with a different count")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
