"""Every route that takes an id, for every role: another school's or another family's id is 404.

The map below names, for each URL parameter, the object that belongs to someone else. A new
route with an id parameter that is not in the map fails this test until it is added here.
"""
from datetime import timedelta

from lms.auth.models import User
from lms.people.models import School, SchoolYear
import pytest

from lms.core.tenancy import DEPARTMENT
from tests.templates import world_extra

ROLES = {"admin": "admin.a", "teacher": "gv.a", "accountant": "kt.a", "student": "hsa001",
         "parent": "0912000001", DEPARTMENT: "so.a"}


pytestmark = pytest.mark.world("foreign_card")


@world_extra("foreign_card")
def _foreign_objects(app, world) -> dict:
    """School B's class with an issued report card (issued by B's admin through a background job),
    an exam with a pupil's attempt, and billing objects: the ids other schools must not reach.
    Built once per test process with the world (tests/templates.py)."""
    from types import SimpleNamespace

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from lms.extensions import db
    from lms.gradebook.models import ReportCard
    from lms.people.models import Student
    from tests.conftest import Client
    from tests.factories import billing_content, fill_year, lock_year, make_bank, make_exam

    with app.app_context(), Session(db.engine, expire_on_commit=False) as s:
        fill_year(s, world.b)
        lock_year(s, world.b)
        s.commit()
    admin_b = Client(app)
    admin_b.login("admin.b")
    response = admin_b.post(f"/classes/{world.b.school_class.id}/report-cards", {})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    app.extensions["lms_jobs"].wait()
    with app.app_context(), Session(db.engine, expire_on_commit=False) as s:
        card_id = s.scalars(select(ReportCard.id).where(ReportCard.student_id == world.b.students["HSB002"].id)).one()
        bank = make_bank(s, world.b, count=2)
        exam = make_exam(s, world.b, bank.questions)
        s.commit()
        ids = {"category_id": bank.category.id, "question_id": bank.questions[0].id, "exam_id": exam.id}
        b = world.b
        school_b = SimpleNamespace(school=s.get(School, b.school.id), accountant=s.get(User, b.accountant.id),
                                   year=s.get(SchoolYear, b.year.id), school_class=b.school_class,
                                   students={k: s.get(Student, v.id) for k, v in b.students.items()})
        ids.update(billing_content(s, school_b))
        from lms.attendance.leave import request_leave
        from lms.core.timeutil import utcnow

        day = b.year.start_date + timedelta(days=30)
        ids["leave_id"] = request_leave(s, s.get(User, world.mother_b.id), school_b.students["HSB002"], day, day,
                                        "Ốm", now=utcnow(), today=day).id
        from lms.attendance.days_off import add_day_off

        ids["day_off_id"] = add_day_off(s, s.get(User, b.admin.id), s.get(School, b.school.id), day, day,
                                        "Nghỉ bù", now=utcnow()).id
        from lms.gradebook.transcript import workflow as transcripts
        from lms.gradebook.transcript.models import SignerAccount, SigningRequest, Transcript
        from lms.people.models import SchoolClass

        transcripts.draft_class(s, s.get(User, b.admin.id), "admin", s.get(SchoolClass, b.school_class.id), now=utcnow())
        account = SignerAccount(school_id=b.school.id, holder="school", provider="smartca", account_id="0300000000")
        s.add(account)
        s.flush()
        signing_round = SigningRequest(school_id=b.school.id, signer_account_id=account.id, role="school")
        s.add(signing_round)
        s.flush()
        ids["request_id"] = signing_round.id
        ids["transcript_id"] = s.scalars(select(Transcript.id).where(
            Transcript.student_id == b.students["HSB002"].id)).one()
        from lms.gradebook.transcript.models import SectorExport

        sector_export = SectorExport(school_id=b.school.id, template="students", rows={})
        s.add(sector_export)
        s.flush()
        ids["export_id"] = sector_export.id
        s.commit()
    pupil_b = Client(app)
    pupil_b.login("hsb002")
    started = pupil_b.post(f"/exams/{ids['exam_id']}", {})
    ids["attempt_id"] = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        db.engine.dispose()
    return {"card_id": card_id, "job_id": job_id, **ids}


@pytest.fixture
def b_card(world_extra):
    return world_extra


def foreign_ids(world, role: str = "admin", extra: dict | None = None) -> dict[str, list[int]]:
    """For each parameter, ids the users of school A (and family Nguyễn) must never reach."""
    b = world.b
    students = [b.students["HSB002"].id]
    if role in ("parent", "student"):
        students.append(world.a.students["HSA003"].id)  # same school, another family
    return {
        "class_id": [b.school_class.id],
        "course_id": [b.course.id],
        "student_id": students,
        "subject_id": [b.subject.id],
        "year_id": [b.year.id],
        "user_id": [b.teacher.id, world.mother_b.id],
        "school_id": [b.school.id],
        "lesson_id": [b.lesson.id],
        "resource_id": [b.resource.id],
        "announcement_id": [b.announcement.id],
        "thread_id": [b.thread.id],
        "note_id": [b.note.id],
        "assignment_id": [b.assignment.id],
        "submission_id": [b.submission.id],
        "file_id": [b.submission.files[0].id],
        "invitation_id": [b.invitation.id],  # school B's, answered already: nobody can answer or cancel it again
        **{name: [value] for name, value in (extra or dict.fromkeys(
            ("card_id", "job_id", "category_id", "question_id", "exam_id", "attempt_id", "fee_type_id", "plan_id",
             "exemption_id", "invoice_id", "payment_id", "refund_id", "transfer_id", "task_id", "checkout_id",
             "leave_id", "day_off_id", "transcript_id", "request_id", "export_id", "report_id", "item_id"), 0)).items()},
    }


def _combinations(lists):
    import itertools

    return itertools.product(*lists)


def id_routes(app):
    from werkzeug.routing import IntegerConverter

    for rule in app.url_map.iter_rules():
        params = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if params and rule.endpoint != "static":
            yield rule, params


def test_every_id_parameter_is_mapped(app, world):
    known = set(foreign_ids(world))
    unmapped = {(rule.rule, p) for rule, params in id_routes(app) for p in params if p not in known}
    assert not unmapped, f"add these to foreign_ids(): {unmapped}"


@pytest.mark.parametrize("role", list(ROLES))
def test_foreign_ids_give_404(app, world, b_card, make_client, role):
    client = make_client()
    assert client.login(ROLES[role]).status_code == 302
    ids = foreign_ids(world, role, b_card)
    checked = 0
    for rule, params in id_routes(app):
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "required_roles", None)
        for values in _combinations([ids[p] for p in params]):
            others = {name: "x" for name in rule.arguments if name not in params}  # e.g. a file's <path:…>
            url = rule.build({**others, **dict(zip(params, values))})[1]
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.get(url) if method == "GET" else client.post(url)
            expected = {404} if allowed is None or role in allowed else {403, 404}
            if getattr(view, "cookieless", False):
                expected = {401}  # no ticket for a foreign attempt can exist (test_exams checks forged ones)
            assert response.status_code in expected, (role, method, url, response.status_code)
            body = response.get_data(as_text=True)
            for secret in ("Trường THPT Thử B", "Lê Văn Em", "Trần Minh Châu"):
                assert secret not in body, (role, url, secret)
            checked += 1
    assert checked >= 15


def test_parent_sees_only_own_children_across_schools(world, make_client):
    father = make_client()
    father.login("0912000002")  # Trần Văn Dũng: Châu in school A and Đức in school B
    home = father.get("/").get_data(as_text=True)
    assert "Trần Minh Châu" in home and "Trần Minh Đức" in home
    assert "Trường THCS Thử A" in home and "Trường THPT Thử B" in home
    assert "Nguyễn Văn An" not in home
    assert father.get(f"/children/{world.b.students['HSB001'].id}").status_code == 200
    assert father.get(f"/children/{world.a.students['HSA001'].id}").status_code == 404


def test_teacher_cannot_see_a_student_of_a_class_they_do_not_teach(world, make_client, dbs, app):
    from lms.people import services

    with dbs() as s:
        school = s.get(School, world.a.school.id)
        other = services.save_class(s, s.get(User, world.a.admin.id), school, year=s.get(SchoolYear, world.a.year.id), grade=7,
                                    name="7A1", homeroom_teacher_id=None)
        s.commit()
        other_id = other.id
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.get(f"/school/students/{world.a.students['HSA001'].id}").status_code == 200
    assert teacher.get(f"/school/classes/{other_id}").status_code == 404


def test_department_viewer_sees_only_its_schools(world, make_client):
    viewer = make_client()
    viewer.login("so.a")
    home = viewer.get("/").get_data(as_text=True)
    assert "Trường THCS Thử A" in home and "Trường THPT Thử B" not in home
    assert viewer.get(f"/department/schools/{world.a.school.id}").status_code == 200
    assert viewer.get(f"/department/schools/{world.b.school.id}").status_code == 404
