"""The demo loaded by `make run`: realistic, deterministic, and reached through the CLI."""
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.people.models import (Course, Department, DepartmentViewer, Guardianship, School, SchoolClass, SchoolYear,
                               Student)
from lms.people.services import class_sizes


def test_seed_demo_cli_builds_the_demo_school(demo):
    """`flask db upgrade` and `flask seed-demo` as `make run` calls them, with the scheduler's
    interval shortened to a second: the demo, and not one traceback printed on the way."""
    from lms import create_app

    assert "Traceback" not in demo.output and "database is locked" not in demo.output, demo.output
    assert "admin.thcs" in demo.output and "hoc-tap-vui-ve-2026" in demo.output
    app = create_app(demo.config())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 3
        assert db.session.scalar(select(func.count()).select_from(Department)) == 2
        assert db.session.scalar(select(func.count()).select_from(DepartmentViewer)) == 1
        classes = db.session.scalars(select(SchoolClass).join(SchoolYear).where(SchoolYear.is_current.is_(True))).all()
        sizes = class_sizes(db.session, [c.id for c in classes])
        for school in db.session.scalars(select(School)):
            mine = [c for c in classes if c.school_id == school.id]
            assert len(mine) >= 2
            assert all(30 <= sizes[c.id] <= 40 for c in mine)
        # A family across both schools, and siblings within one.
        per_parent = db.session.execute(select(Guardianship.guardian_id, func.count(func.distinct(Student.school_id)),
                                               func.count()).join(Student).group_by(Guardianship.guardian_id)).all()
        assert any(schools == 2 for _, schools, _ in per_parent)
        assert any(schools == 1 and children >= 2 for _, schools, children in per_parent)
        assert db.session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_(None))) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) > 400
        _grade_books_tell_a_whole_year_and_a_term_begun()
        again = app.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert "bỏ qua" in again.output and "admin.thcs" in again.output  # not loaded twice, logins shown again
    # Pupils as the printed logins say: the code alone at the school's address, code.school at /login.
    pupil = demo.by_role()["student"][0]
    assert pupil.address == "/login?school=thcs-nd" and pupil.username == f"{pupil.code.lower()}.thcs-nd"
    assert f"{pupil.code} tại / at " in demo.output and pupil.address in demo.output
    from tests.conftest import CSRF_RE

    for identifier, url, status in ((pupil.code, pupil.address, 302), (pupil.username, "/login", 302),
                                    (pupil.code, "/login", 200)):
        browser = app.test_client()
        token = CSRF_RE.search(browser.get(url).get_data(as_text=True)).group(1)
        assert browser.post(url, data={"identifier": identifier, "password": "hoc-tap-vui-ve-2026",
                                       "csrf_token": token}).status_code == status, (identifier, url)


def test_demo_is_deterministic(demo_sqlite, demo_postgresql):
    """The same people every time: the demo `make run` seeds on SQLite and the one it seeds on
    PostgreSQL — two seedings, in two processes, on two databases — hold the same pupils and the same
    accounts. (The run seeds both anyway, for the crawls: a third seeding here cost half a minute.)"""
    from lms import create_app

    def people(seeded):
        app = create_app(seeded.config())
        with app.app_context():
            pupils = [(s.student_code, s.full_name) for s in db.session.scalars(select(Student).order_by(Student.id))]
            users = db.session.execute(select(User.username, User.full_name).order_by(User.id)).all()
            db.engine.dispose()
        return pupils, [tuple(u) for u in users]

    pupils, users = people(demo_postgresql)
    assert len(pupils) > 200 and (pupils, users) == people(demo_sqlite)
    assert [vars(x) for x in demo_sqlite.logins] == [vars(x) for x in demo_postgresql.logins]


def test_create_school_cli_prints_a_one_time_link_and_refuses_bad_levels(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-school", "--code", "TH-X", "--name", "Trường Tiểu học Thử", "--levels", "TH",
                             "--admin-username", "hieutruong.x", "--admin-name", "Phạm Văn Hiệu"])
    assert ok.exit_code == 0 and "/reset?t=" in ok.output
    bad = runner.invoke(args=["create-school", "--code", "TH-Y", "--name", "Trường Y", "--levels", "ABC",
                              "--admin-username", "hieutruong.y", "--admin-name", "Lê Văn Y"])
    assert bad.exit_code != 0 and "Chọn ít nhất một cấp học" in bad.output and "Traceback" not in bad.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School).where(School.code == "TH-Y")) == 0
        school = db.session.scalars(select(School).where(School.code == "TH-X")).one()
        assert school.levels == "TH"


def _grade_books_tell_a_whole_year_and_a_term_begun():
    """Last year complete and locked, every pupil of it promoted (a re-test and a summer training
    on the way), primary results in; this year's first regular marks and midterms entered."""
    from lms.gradebook import book, homeroom
    from lms.gradebook.models import GradeEntry, PrimaryRecord

    previous = db.session.scalars(select(SchoolYear).where(SchoolYear.name == "2025-2026")).all()
    assert len(previous) == 3 and all(set(book.locks_of(db.session, y)) == {1, 2} for y in previous)
    stories = []
    for school_class in db.session.scalars(select(SchoolClass).where(SchoolClass.school_year_id.in_([y.id for y in previous]))):
        if homeroom.is_primary(school_class):
            summary = homeroom.primary_summary(db.session, school_class, "cn")
            assert summary.complete and set(summary.count()) <= {"Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành"}
            continue
        summary = homeroom.build_summary(db.session, school_class, 0)
        assert summary.complete
        assert all(r.outcome.final == "Lên lớp" for r in summary.rows), school_class.name
        stories += [r for r in summary.rows if r.outcome.retest_subjects or r.outcome.needs_training]
    assert len(stories) >= 6  # per secondary class: one re-test, one summer training
    current = db.session.scalars(select(GradeEntry).join(Course, Course.id == GradeEntry.course_id)
                                 .join(SchoolClass, SchoolClass.id == Course.class_id)
                                 .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
                                 .where(SchoolYear.is_current.is_(True))).all()
    assert current and {e.kind for e in current} == {"tx", "gk"} and {e.term for e in current} == {1}
    assert db.session.scalar(select(func.count()).select_from(PrimaryRecord).where(PrimaryRecord.checkpoint == "gk1")) > 0


def test_demo_pupils_class_history_starts_on_the_first_day_of_each_year(demo):
    """The demo's pupils were in their classes from the school year's first day, and last year's
    class ended on that year's last day with their promotion — written through the one place class
    history is written (lms.people.placement). It began on the day the demo was seeded."""
    import re

    from lms import create_app
    from lms.people.models import ClassSpell
    from tests.conftest import CSRF_RE

    app = create_app(demo.config())
    with app.app_context():
        spells = db.session.execute(select(ClassSpell, SchoolYear).join(SchoolClass, SchoolClass.id == ClassSpell.class_id)
                                    .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)).all()
        current = [(s, y) for s, y in spells if y.is_current]
        past = [(s, y) for s, y in spells if not y.is_current]
        assert len(current) > 200 and past
        assert {s.started_on for s, y in current} == {y.start_date for _, y in current}
        assert all(s.ended_on is None for s, _ in current)
        assert all((s.started_on, s.ended_on) == (y.start_date, y.end_date) for s, y in past)
        assert all(s.reason.startswith("lên lớp ") for s, _ in past)
        thcs = db.session.scalars(select(School).where(School.code == "THCS-ND")).one()
        pupil_spell, year = next((s, y) for s, y in past if s.school_id == thcs.id)
        pupil_id = pupil_spell.student_id
        now_spell, now_year = next((s, y) for s, y in current if s.student_id == pupil_id)
        now_name = db.session.get(SchoolClass, now_spell.class_id).name
        old_name = db.session.get(SchoolClass, pupil_spell.class_id).name
        db.engine.dispose()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"identifier": "admin.thcs",
                                       "password": "hoc-tap-vui-ve-2026", "csrf_token": token}).status_code == 302
    page = client.get(f"/school/students/{pupil_id}").get_data(as_text=True)
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'id="class-history">(.*?)</ul>', page, re.S).group(1)))
    assert f"{now_year.name}: lớp {now_name}, từ {now_year.start_date:%d/%m/%Y}" in history
    assert (f"lớp {old_name}, từ {year.start_date:%d/%m/%Y} đến {year.end_date:%d/%m/%Y} — lên lớp {now_name} "
            f"năm học {now_year.name}") in history


def test_the_demos_documents_carry_the_address_it_is_served_at(demo):
    """`make run` seeds with the address it serves on (LMS_PUBLIC_BASE_URL, here :5202 as the outside
    tester served it): the seeded report cards print their verify links there and the seeded messages
    link there — they printed http://127.0.0.1:5000 whatever the port (issue #24, tester finding 19)."""
    from lms import create_app
    from lms.core.storage import storage_for
    from lms.gradebook.models import ReportCard
    from lms.messaging.models import OutboundMessage
    from lms.core.storage import Area
    from tests.demo import DEMO_ADDRESS
    from tests.pdftext import text

    app = create_app(demo.config())
    with app.app_context():
        cards = db.session.scalars(select(ReportCard).order_by(ReportCard.id).limit(3)).all()
        assert cards
        folder = Area(storage_for(app.config), "report-cards")
        for card in cards:
            printed = text((folder / card.pdf_name).read_bytes()).replace("/ verify/", "/verify/")
            assert f"{DEMO_ADDRESS}/verify/" in printed.replace(" ", "") or f"{DEMO_ADDRESS}/verify/" in printed
            assert "127.0.0.1:5000" not in printed
        bodies = [m for m in db.session.scalars(select(OutboundMessage)).all()]
        assert not any("127.0.0.1:5000" in str(vars(m)) for m in bodies)
        db.engine.dispose()


def test_make_run_seeds_with_the_address_it_serves_on():
    """`make run PORT=5202` seeded the demo with no address (its cards printed the default
    http://127.0.0.1:5000/verify/…) and served on 5202: the seeding and the server now get the same
    LMS_PUBLIC_BASE_URL, the one set by the deployer when there is one (issue #24, finding 19)."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def commands(**env) -> list[str]:
        run = subprocess.run(["make", "-n", "run", "PORT=5202"], cwd=root, capture_output=True, text=True, check=True,
                             env={k: v for k, v in {**os.environ, **env}.items() if k != "LMS_PUBLIC_BASE_URL"
                                  or "LMS_PUBLIC_BASE_URL" in env})
        return [line for line in run.stdout.splitlines() if "seed-demo" in line or "flask run" in line]

    lines = commands()
    assert len(lines) == 2 and all("LMS_PUBLIC_BASE_URL=http://127.0.0.1:5202 " in line for line in lines), lines
    lines = commands(LMS_PUBLIC_BASE_URL="https://lms.example.edu.vn")
    assert all("LMS_PUBLIC_BASE_URL=https://lms.example.edu.vn " in line for line in lines), lines
