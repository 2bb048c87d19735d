"""Builds test data through the services, the way the app does."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import AuthSettings, create_user
from lms.core.timeutil import utcnow
from lms.people import imports, services
from lms.people.models import Department, DepartmentViewer, Role, School, Student, Subject
from tests.conftest import PASSWORD


def school_day_after(days: float = 1, *, at: datetime | None = None, hours: float = 0, minutes: float = 0) -> datetime:
    """The moment `days` days (and `hours`, `minutes`) after `at` (now by default, UTC), moved a whole day
    at a time — onwards, or back when the moment is before `at` — until its date in Hà Nội is a
    school day of the test schools (not a Sunday, not a Saturday: they have no Saturday classes,
    not a public holiday). Homework may be due only on a school day, so a test that sets work
    "due tomorrow" from the real clock picks its day here and passes on any day of the week."""
    from lms.attendance.rules import day_off
    from lms.core.timeutil import utc_to_local

    base = at or utcnow()
    moment = base + timedelta(days=days, hours=hours, minutes=minutes)
    step = timedelta(days=-1 if moment < base else 1)
    while day_off(utc_to_local(moment, "Asia/Ho_Chi_Minh").date(), saturday_classes=False) is not None:
        moment += step
    return moment


def csv_bytes(rows: list[list[str]], headers: list[str] | None = None) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers or imports.STUDENT_HEADERS)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def make_school(session, settings: AuthSettings, *, code: str, name: str, level: str, grade: int, class_name: str,
                department: Department, prefix: str, students: list[list[str]]) -> SimpleNamespace:
    school = School(code=code, name=name, levels=level, department_id=department.id)
    session.add(school)
    session.flush()

    def staff(username: str, full_name: str, role: str) -> User:
        user = create_user(session, settings, username=username, full_name=full_name,
                           email=f"{username}@test.example", password=PASSWORD)
        # Staff who confirmed their address (a link mailed there): it names them to other schools.
        user.email_verified_at, user.email_verified_via = utcnow(), "mail"
        services.grant_role(session, user, school, role)
        return user

    admin = staff(f"admin.{prefix}", f"Quản Trị {prefix.upper()}", Role.ADMIN)
    teacher = staff(f"gv.{prefix}", f"Giáo Viên {prefix.upper()}", Role.TEACHER)
    accountant = staff(f"kt.{prefix}", f"Kế Toán {prefix.upper()}", Role.ACCOUNTANT)
    year = services.create_school_year(session, admin, school, name="2026-2027",
                                       term1=(date(2026, 9, 5), date(2027, 1, 16)),
                                       term2=(date(2027, 1, 18), date(2027, 5, 29)))
    services.add_programme_subjects(session, admin, school)
    school_class = services.save_class(session, admin, school, year=year, grade=grade, name=class_name,
                                       homeroom_teacher_id=teacher.id)
    math = session.scalars(select(Subject).where(Subject.school_id == school.id, Subject.code == "toan")).one()
    course = services.save_course(session, admin, school, school_class=school_class, subject=math,
                                  teacher_id=teacher.id)
    plan = imports.plan_student_import(session, school, year, "hs.csv", csv_bytes(students), 1000)
    assert plan.ok, plan.issues
    imports.apply_student_import(session, admin, school, year, plan)
    from lms.people import accounts

    accounts.everyone_joined(session, school.id)  # the new parents used their invitation links
    for user in session.scalars(select(User).where(User.password_hash.is_(None))):
        user.password_hash = settings.hasher.hash(PASSWORD)
    session.flush()
    pupils = {s.student_code: s for s in session.scalars(select(Student).where(Student.school_id == school.id))}
    return SimpleNamespace(school=school, admin=admin, teacher=teacher, accountant=accountant, year=year,
                           school_class=school_class, subject=math, course=course, students=pupils)


def users_by_phone(session) -> dict[str, User]:
    return {u.phone: u for u in session.scalars(select(User).where(User.phone.is_not(None)))}


def _course_content(session, school: SimpleNamespace, parent: User) -> None:
    """A plan, a published lesson with a file, an announcement and a teacher–parent thread, so
    that every id-taking route has an object of this school to be refused to others."""
    import tempfile
    from pathlib import Path

    from lms.core.models import Notification
    from lms.core.storage import Area, LocalStorage

    scratch = LocalStorage(Path(tempfile.mkdtemp(prefix="lms-world-")))

    def _scratch(name: str) -> Area:
        return Area(scratch, name)

    from lms.core.timeutil import utcnow
    from lms.courses import comms, lessons, plans, resources
    from tests.unit.files import PDF

    now = utcnow()
    plans.generate_plan(session, school.teacher, school.course)
    school.resource = resources.add_resources(
        session, school.teacher, school.school, [("bai-b.pdf", PDF)], resources.ResourceMeta(title="Tài liệu B"),
        _scratch("resources"), {"image": 1, "document": 1, "audio": 1, "video": 1})[0]
    school.lesson = lessons.save_lesson(session, school.teacher, school.course, lessons.LessonInput(
        title="Bài của trường B", publish=lessons.PublishMode.NOW, resource_ids=[school.resource.id]), now=now)
    school.announcement = comms.post_announcement(session, school.teacher, school.school_class, None,
                                                  "Thông báo B", "Nội dung B")
    pupil = next(s for s in school.students.values() if s.student_code == "HSB002")
    school.thread = comms.start_thread(session, school.teacher, pupil, school.teacher, parent)
    comms.send_message(session, school.teacher, school.thread, "Chào phụ huynh", now)
    school.note = session.scalars(select(Notification).where(Notification.user_id == parent.id)
                                  .order_by(Notification.id.desc())).first()
    from lms.courses import homework
    from tests.unit.files import PNG

    school.assignment = homework.save_assignment(session, school.teacher, "teacher", school.school, homework.AssignmentInput(
        title="Bài tập B", subject_id=school.subject.id, course_ids=[school.course.id],
        open_at=now - timedelta(hours=1), due_at=school_day_after(1, at=now)), now=now).assignment
    school.submission = homework.submit_work(
        session, pupil.user, pupil, school.assignment, "Bài làm B", [("ảnh.png", PNG)], now=now,
        folder=_scratch("homework"), limits_mb={"image": 1, "document": 1, "audio": 1, "video": 1})


def billing_content(session, school: SimpleNamespace) -> dict[str, int]:
    """Fees, an exemption, an issued month, a paid invoice with its receipt, a refund and a
    transfer, so that every billing route has an object of this school to be refused to others
    (the tenancy test asks for it; other tests do without). Returns the ids by URL parameter."""
    from datetime import date as _date

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lms.billing import fees, payments
    from lms.billing.models import BillingTask, Invoice, Method
    from lms.core.signing import Signer
    from lms.core.timeutil import utcnow
    from tests.billing_helpers import issue, set_up_fees

    plans = set_up_fees(session, school)
    school.fee_type, school.plan = plans["types"][0], plans["meal"]
    school.exemption = fees.add_exemption(session, school.accountant, school.school, fees.ExemptionInput(
        "HSB001", None, 50, None, _date(2026, 9, 1), _date(2027, 5, 31), "Hộ cận nghèo"), None, None, {})
    issue(session, school)
    pupil = school.students["HSB002"]
    school.invoice = session.scalars(select(Invoice).where(Invoice.student_id == pupil.id)).one()
    school.payment = payments.record_payment(
        session, school.accountant, school.school, pupil, school.invoice,
        payments.PaymentInput(Method.CASH, school.invoice.total + 50_000, "Lê Thị Gấm", utcnow()),
        signer=Signer(Ed25519PrivateKey.generate()), now=utcnow())
    school.refund = payments.request_refund(session, school.accountant, school.payment, 50_000, "cash", "Tiền thừa",
                                            now=utcnow())
    from lms.billing import matching

    school.transfer = matching.receive_transfer(session, school.school, matching.TransferIn(
        "statement", "FT-B-1", 120_000, "ung ho quy lop", utcnow()), signer=None, now=utcnow()).transaction
    from lms.billing.models import Checkout

    school.checkout = Checkout(school_id=school.school.id, invoice_id=school.invoice.id, channel="vnpay",
                               method="website", txn_ref=f"{school.invoice.code}-1", amount=school.invoice.total,
                               expires_at=utcnow(), status="expired")
    session.add(school.checkout)
    from lms.billing.models import PaymentReport

    school.payment_report = PaymentReport(school_id=school.school.id, invoice_id=school.invoice.id,
                                          channel="vietqr", amount=school.invoice.total, paid_on=utcnow().date(),
                                          bank_reference="FT-B-2")
    session.add(school.payment_report)
    from lms.billing.models import ReconciliationItem

    school.reconciliation_item = ReconciliationItem(school_id=school.school.id, provider="sepay", kind="missing",
                                                    key="SEPAY-B-1", amount=100_000)
    session.add(school.reconciliation_item)
    session.flush()
    return {"item_id": school.reconciliation_item.id, "report_id": school.payment_report.id, "fee_type_id": school.fee_type.id, "plan_id": school.plan.id, "exemption_id": school.exemption.id,
            "invoice_id": school.invoice.id, "payment_id": school.payment.id, "refund_id": school.refund.id,
            "transfer_id": school.transfer.id, "checkout_id": school.checkout.id,
            "task_id": session.scalars(select(BillingTask.id).where(BillingTask.school_id == school.school.id)).first()}


def build_world(session, settings: AuthSettings) -> SimpleNamespace:
    """Two schools in two departments. School A has two families (one with two children), and one
    parent has a child in each school."""
    dept_a = Department(name="Sở GD&ĐT Thử A", kind="province")
    dept_b = Department(name="Sở GD&ĐT Thử B", kind="province")
    session.add_all([dept_a, dept_b])
    session.flush()
    a = make_school(session, settings, code="A", name="Trường THCS Thử A", level="THCS", grade=6, class_name="6A1",
                    department=dept_a, prefix="a", students=[
                        ["HSA001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""],
                        ["HSA002", "Nguyễn Thị Bình", "12/03/2014", "Nữ", "6A1", "", "Nguyễn Thị Lan", "Mẹ", "0912000001", ""],
                        ["HSA003", "Trần Minh Châu", "01/01/2014", "Nữ", "6A1", "", "Trần Văn Dũng", "Bố", "0912000002", ""],
                    ])
    b = make_school(session, settings, code="B", name="Trường THPT Thử B", level="THPT", grade=10, class_name="10A1",
                    department=dept_b, prefix="b", students=[
                        ["HSB001", "Trần Minh Đức", "02/02/2010", "Nam", "10A1", "", "Trần Văn Dũng", "Bố", "0912000002", ""],
                        ["HSB002", "Lê Văn Em", "03/03/2010", "Nam", "10A1", "", "Lê Thị Gấm", "Mẹ", "0912000003", ""],
                    ])
    # Mr Dũng already has Châu in school A, so school B's import invited him; he accepts.
    from lms.people import accounts

    father = users_by_phone(session)["0912000002"]
    for invitation in accounts.pending_for(session, father):
        b.invitation = accounts.answer(session, father, invitation.id, True)
    _course_content(session, b, users_by_phone(session)["0912000003"])
    viewer = create_user(session, settings, username="so.a", full_name="Cán Bộ Sở A", password=PASSWORD)
    session.add(DepartmentViewer(user_id=viewer.id, department_id=dept_a.id))
    session.flush()
    session.commit()
    users = {u.phone: u for u in session.scalars(select(User).where(User.phone.is_not(None)))}
    return SimpleNamespace(a=a, b=b, viewer=viewer, dept_a=dept_a, dept_b=dept_b,
                           mother_a=users["0912000001"], father_ab=users["0912000002"], mother_b=users["0912000003"])




def fill_year(session, school: SimpleNamespace, *, score: str = "8", comment: str = "Đ", conduct: str = "T",
              absent: tuple[int, int] = (1, 0), marks: dict | None = None, now=None) -> list:
    """Give the school's class every programme course and a complete year: every assessment of
    both terms (`score` in score subjects, `comment` in comment subjects; `marks` overrides per
    (student code, subject code) → text), conduct and sessions absent per term."""
    from lms.core.timeutil import utcnow
    from lms.gradebook import book, homeroom

    now = now or utcnow()
    admin = session.get(User, school.admin.id)
    school_class = session.get(type(school.school_class), school.school_class.id)
    services.add_missing_courses(session, admin, session.get(School, school.school.id), school_class)
    session.flush()
    courses = services.courses_of_class(session, school_class.id)
    students = services.students_of_class(session, school_class)
    for course in courses:
        grid = book.grid_of(session, course, 1)
        for term in (1, 2):
            cells = []
            for s in students:
                text = (marks or {}).get((s.student_code, course.subject.code))
                for column in grid.columns:
                    cells.append(book.CellInput(s.id, column.key, text or (comment if grid.comment else score)))
            result = book.save_grid(session, admin, "admin", course, term, cells, now=now)
            assert not result.issues, result.issues
    for term in (1, 2):
        rows = [homeroom.TermRecordInput(s.id, conduct, str(absent[0]), str(absent[1])) for s in students]
        assert not homeroom.save_term_records(session, admin, "admin", school_class, term, rows, now=now).issues
    session.flush()
    return courses


def lock_year(session, school: SimpleNamespace) -> None:
    from lms.core.timeutil import utcnow
    from lms.gradebook import book
    from lms.people.models import SchoolYear

    year = session.get(SchoolYear, school.year.id)
    for term in (1, 2):
        book.lock_term(session, session.get(User, school.admin.id), session.get(School, school.school.id), year,
                       term, utcnow())
    session.flush()


class EditorForm(dict):
    """What a question editor posts: each key holds a list of values, like request.form."""

    def getlist(self, key):
        value = super().get(key, [])
        return value if isinstance(value, list) else [value]

    def get(self, key, default=None):
        value = super().get(key, default)
        return value[0] if isinstance(value, list) and value else value


def choice_data(options: list[tuple[str, int]], *, multiple: bool = False, shuffle: bool = True) -> dict:
    """Options as (text, percent); for single choice the 100 % one is the right one."""
    from lms.exams import qtypes

    ids = [f"o{i}" for i in range(len(options))]
    form = EditorForm(opt_id=ids, opt_text=[t for t, _ in options], opt_fraction=[str(p) for _, p in options],
                      opt_feedback=[f"Phản hồi {t}" for t, _ in options], shuffle="1" if shuffle else "0")
    percents = [p for _, p in options]
    if not multiple and 100 in percents:
        form["opt_correct"] = ids[percents.index(100)]
    return qtypes.TYPES["multiple_choice" if multiple else "single_choice"].parse_editor(form)


def make_bank(session, school: SimpleNamespace, *, teacher=None, count: int = 6, topic: str = "Phân số") -> SimpleNamespace:
    """A category of the school's Toán bank with `count` ready single-choice questions (levels
    1–4 in turn) and one essay."""
    from lms.core.timeutil import utcnow
    from lms.exams import bank

    owner = session.get(User, (teacher or school.teacher).id)
    category = bank.save_category(session, owner, "teacher", session.get(School, school.school.id),
                                  subject_id=school.subject.id, name="Chương 1")
    questions = []
    for i in range(count):
        questions.append(bank.save_question(session, owner, "teacher", session.get(School, school.school.id),
                                            bank.QuestionInput(
            category_id=category.id, qtype="single_choice", text=f"Câu hỏi số {i + 1}: $\\frac{{1}}{{{i + 2}}}$ bằng?",
            data=choice_data([(f"Đúng {i}", 100), (f"Sai A{i}", 0), (f"Sai B{i}", 0), (f"Sai C{i}", 0)]),
            general_feedback=f"Lời giải {i}", topic=topic, level=i % 4 + 1, default_mark="1"), now=utcnow()))
    essay = bank.save_question(session, owner, "teacher", session.get(School, school.school.id), bank.QuestionInput(
        category_id=category.id, qtype="essay", text="Trình bày cách cộng hai phân số.",
        data={"response_lines": 6, "guide": "Quy đồng mẫu", "max_length": 20000}, topic=topic, level=3,
        default_mark="2"), now=utcnow())
    session.flush()
    return SimpleNamespace(category=category, questions=questions, essay=essay, owner=owner)


def make_exam(session, school: SimpleNamespace, questions: list, *, minutes: int = 45, opens_in: int = -5,
              closes_in: int = 60, publish: bool = True, **settings):
    """A fixed-list exam for the school's course, open around now."""
    from datetime import timedelta

    from lms.core.timeutil import utcnow
    from lms.exams import services

    owner = session.get(User, school.teacher.id)
    now = utcnow()
    exam = services.save_exam(session, owner, "teacher", session.get(School, school.school.id), services.ExamInput(
        title=settings.pop("title", "Kiểm tra 15 phút"), subject_id=school.subject.id, course_ids=[school.course.id],
        open_at=now + timedelta(minutes=opens_in), close_at=now + timedelta(minutes=closes_in), time_limit_min=minutes,
        **settings))
    from lms.exams.bank import e4_text

    services.set_items(session, owner, "teacher", session.get(School, school.school.id), exam,
                       [(q.id, e4_text(q.default_mark_e4)) for q in questions])
    if publish:
        services.publish_exam(session, owner, "teacher", exam)
    session.flush()
    return exam
