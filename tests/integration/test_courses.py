"""Teaching plans, lessons, files, progress, the library and the online-share report, through the
pages, on SQLite and PostgreSQL."""
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.core.models import Notification
from lms.core.timeutil import utcnow
from lms.courses.models import Lesson, LessonProgress, PlanPeriod, Resource
from tests.unit.files import PDF, PNG
from tests.sheets import xlsx


def teacher(make_client):
    client = make_client()
    client.login("gv.a")
    return client


def pupil(make_client, code="hsa001"):
    client = make_client()
    client.login(code)
    return client


def build_plan(client, course_id, online=(2,)):
    """Generate the plan, then mark the given period numbers online (self-paced)."""
    assert client.post(f"/courses/{course_id}/plan/generate").status_code == 302
    page = client.get(f"/courses/{course_id}/plan").get_data(as_text=True)
    ids = re.findall(r'name="pid" value="(\d+)"', page)
    weeks = re.findall(r'name="week" value="(\d+)"', page)
    data = {"pid": ids, "week": weeks, "topic": [f"Bài {i + 1}" for i in range(len(ids))],
            "mode": ["online_self" if i + 1 in online else "in_person" for i in range(len(ids))]}
    response = client.post(f"/courses/{course_id}/plan", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return [int(i) for i in ids]


def test_generate_edit_and_refuse_a_bad_plan_whole(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=(2, 3))
    assert len(ids) == 140  # Toán 6: 140 periods a year
    with dbs() as s:
        periods = list(s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course_id).order_by(PlanPeriod.number)))
        assert [p.mode for p in periods[:4]] == ["in_person", "online_self", "online_self", "in_person"]
        assert periods[0].week == 1 and periods[-1].week == 35
    # One bad week and one bad mode: nothing is saved and both lines are named.
    page = client.get(f"/courses/{course_id}/plan").get_data(as_text=True)
    weeks = re.findall(r'name="week" value="(\d+)"', page)
    weeks[4], modes = "tuần 5", ["in_person"] * len(ids)
    modes[9] = "bogus"
    response = client.post(f"/courses/{course_id}/plan", {"pid": [str(i) for i in ids], "week": weeks,
                                                          "topic": ["x"] * len(ids), "mode": modes})
    text = response.get_data(as_text=True)
    assert "Dòng 5" in text and "Dòng 10" in text and "tuần 5" in text  # the typed value is shown again
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(PlanPeriod).where(PlanPeriod.course_id == course_id,
                                                                            PlanPeriod.mode == "online_self")) == 2
    # Deleting a row and adding two renumbers the plan.
    client.post(f"/courses/{course_id}/plan", {"pid": [str(i) for i in ids], "week": re.findall(
        r'name="week" value="(\d+)"', page), "topic": ["t"] * len(ids), "mode": ["in_person"] * len(ids),
        "drop": [str(ids[0])], "add": "2"})
    with dbs() as s:
        numbers = list(s.scalars(select(PlanPeriod.number).where(PlanPeriod.course_id == course_id)
                                 .order_by(PlanPeriod.number)))
        assert numbers == list(range(1, 142))


def confirm_plan(client, course_id, preview):
    token = re.search(r'name="token" value="([a-f0-9]+)"', preview.get_data(as_text=True)).group(1)
    return client.post(f"/courses/{course_id}/plan/import", {"token": token, "confirm": "1"})


def test_import_plan_reports_lines_and_keeps_lessons(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    template = client.get(f"/courses/{course_id}/plan/template.xlsx")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.data)).active["A1"].value == "Tuần*"
    bad = xlsx([["Tuần", "Tên bài học / chủ đề", "Số tiết", "Hình thức"], [1, "Tập hợp", 2, "Trực tiếp"],
                [60, "Quá tuần", 1, ""], [2, "", 1, ""], [3, "Sai hình thức", 1, "qua zalo"], [3, "Nhiều tiết", "ba", ""]])
    response = client.post(f"/courses/{course_id}/plan/import", {"file": (io.BytesIO(bad), "ke-hoach.xlsx")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for line in ("<td>3</td>", "<td>4</td>", "<td>5</td>", "<td>6</td>"):
        assert line in text
    assert "qua zalo" in text
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(PlanPeriod).where(PlanPeriod.course_id == course_id)) == 0
    good = xlsx([["Tuần*", "Tên bài học / chủ đề*", "Số tiết", "Hình thức", "Ghi chú"],
                 [1, "Tập hợp", 2, "Trực tiếp", ""], [1, "Cách ghi số tự nhiên", 1, "Trực tuyến tự học", ""],
                 [2, "Luyện tập", 2, "truc tuyen truc tiep", ""]])
    response = client.post(f"/courses/{course_id}/plan/import", {"file": (io.BytesIO(good), "ke-hoach.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "5 tiết" in response.get_data(as_text=True)
    with dbs() as s:  # the preview saves nothing
        assert s.scalar(select(func.count()).select_from(PlanPeriod).where(PlanPeriod.course_id == course_id)) == 0
    assert confirm_plan(client, course_id, response).status_code == 302
    with dbs() as s:
        periods = list(s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course_id).order_by(PlanPeriod.number)))
        assert [(p.week, p.topic, p.mode) for p in periods] == [
            (1, "Tập hợp", "in_person"), (1, "Tập hợp", "in_person"), (1, "Cách ghi số tự nhiên", "online_self"),
            (2, "Luyện tập", "online_live"), (2, "Luyện tập", "online_live")]
        third = periods[2].id
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Ghi số", "period_ids": [str(third)], "publish": "draft",
                                                      "prerequisite_id": "0"})
    again = xlsx([["Tuần", "Bài học", "Số tiết", "Hình thức"], [1, "Tập hợp (sửa)", 3, "Trực tuyến tự học"]])
    confirm_plan(client, course_id, client.post(f"/courses/{course_id}/plan/import",
                                                {"file": (io.BytesIO(again), "ke-hoach.xlsx")},
                                                content_type="multipart/form-data"))
    with dbs() as s:
        periods = list(s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course_id).order_by(PlanPeriod.number)))
        assert len(periods) == 3 and periods[2].id == third and periods[2].lesson_id is not None
    exported = client.get(f"/courses/{course_id}/plan.xlsx")
    assert load_workbook(io.BytesIO(exported.data)).active["B2"].value == "Tập hợp (sửa)"


def test_lesson_with_files_published_opened_timed_and_completed(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=(2,))
    body = "# Phân số\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>"
    response = client.post(f"/courses/{course_id}/lessons/new", {
        "title": "Phân số", "body": body, "period_ids": [str(ids[1])], "publish": "now", "prerequisite_id": "0",
        "video_links": "https://www.youtube.com/watch?v=abc",
        "files": [(io.BytesIO(PNG), "hình.png"), (io.BytesIO(PDF), "phiếu.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    with dbs() as s:
        lesson = s.scalars(select(Lesson).where(Lesson.course_id == course_id)).one()
        lesson_id = lesson.id
        assert "<table>" in lesson.body_html and "<script" not in lesson.body_html and "onerror" not in lesson.body_html
        assert len(lesson.attachments) == 2 and lesson.attachments[0].resource.filename == "hình.png"
        resource_id = lesson.attachments[1].resource_id
        # Every pupil of the class is told in the app.
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "lesson_published", Notification.school_id == world.a.school.id)) == 3
    student = pupil(make_client)
    course_page = student.get(f"/courses/{course_id}/learn").get_data(as_text=True)
    assert "Phân số" in course_page and "0/1" in course_page
    page = student.get(f"/lessons/{lesson_id}").get_data(as_text=True)
    assert "<table>" in page and "complete-lesson" in page
    file = student.get(f"/resources/{resource_id}/file")
    assert file.status_code == 200 and file.data == PDF and file.headers["Content-Type"] == "application/pdf"
    assert "inline" in file.headers["Content-Disposition"] and "phi%E1%BA%BFu.pdf" in file.headers["Content-Disposition"]
    # A tampered page claiming an hour is credited no more than really elapsed (a few seconds here).
    assert student.post(f"/lessons/{lesson_id}/time", {"seconds": "3600"}).get_json()["seconds"] <= 60
    student.post(f"/lessons/{lesson_id}/complete")
    with dbs() as s:
        row = s.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id)).one()
        assert row.completed_at is not None
    grid = client.get(f"/courses/{course_id}/progress?show=not_started").get_data(as_text=True)
    assert "Nguyễn Văn An" not in grid and "Nguyễn Thị Bình" in grid and "Trần Minh Châu" in grid
    # A pupil of another school cannot open it; another school's teacher neither.
    other = make_client()
    other.login("hsb001")
    assert other.get(f"/lessons/{lesson_id}").status_code == 404
    assert other.get(f"/resources/{resource_id}/file").status_code == 404


def test_drafts_scheduled_and_prerequisites_gate_pupils(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=(2, 3))
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Bài một", "period_ids": [str(ids[1])],
                                                      "publish": "now", "prerequisite_id": "0"})
    with dbs() as s:
        first = s.scalars(select(Lesson).where(Lesson.title == "Bài một")).one().id
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Bài hai", "period_ids": [str(ids[2])],
                                                      "publish": "now", "prerequisite_id": str(first)})
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Bài nháp", "publish": "draft", "prerequisite_id": "0"})
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Bài hẹn giờ", "publish": "at",
                                                      "publish_at": "2099-01-01T08:00", "prerequisite_id": "0"})
    with dbs() as s:
        by_title = {lesson.title: lesson.id for lesson in s.scalars(select(Lesson).where(Lesson.course_id == course_id))}
    student = pupil(make_client)
    page = student.get(f"/courses/{course_id}/learn").get_data(as_text=True)
    assert "Bài nháp" not in page and "Bài hẹn giờ" not in page
    assert "Mở khi em học xong bài “Bài một”" in page
    assert student.get(f"/lessons/{by_title['Bài hai']}").status_code == 302  # locked: back to the course
    assert student.get(f"/lessons/{by_title['Bài nháp']}").status_code == 302
    student.post(f"/lessons/{first}/complete")
    assert student.get(f"/lessons/{by_title['Bài hai']}").status_code == 200
    # A loop of prerequisites is refused with a message on the field.
    response = client.post(f"/lessons/{first}/edit", {"title": "Bài một", "publish": "now",
                                                      "prerequisite_id": str(by_title["Bài hai"])})
    assert response.status_code == 422 and "vòng lặp" in response.get_data(as_text=True)
    # A period already used by another lesson cannot be taken twice.
    response = client.post(f"/courses/{course_id}/lessons/new", {"title": "Trùng", "publish": "draft",
                                                                 "period_ids": [str(ids[1])], "prerequisite_id": "0"})
    assert response.status_code == 422


def test_disguised_oversized_and_unknown_uploads_are_refused(world, make_client, app, dbs):
    client = teacher(make_client)
    exe_as_pdf = b"MZ\x90\x00" + b"\x00" * 200
    blank = {"subject_id": "0", "grade": "0"}
    response = client.post("/resources", {"files": (io.BytesIO(exe_as_pdf), "de-thi.pdf"), **blank},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "không phải pdf thật" in response.get_data(as_text=True)
    response = client.post("/resources", {"files": (io.BytesIO(b"#!/bin/sh"), "virus.sh"), **blank},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "loại tệp không được nhận" in response.get_data(as_text=True)
    app.config["UPLOAD_LIMITS_MB"] = {"image": 1, "document": 1, "audio": 1, "video": 1}
    big = PNG + b"\x00" * (1024 * 1024)
    response = client.post("/resources", {"files": [(io.BytesIO(PNG), "nho.png"), (io.BytesIO(big), "to.png")],
                                          **blank},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "vượt giới hạn 1 MB" in response.get_data(as_text=True)
    with dbs() as s:  # the good file of the refused batch was not kept either
        assert s.scalar(select(func.count()).select_from(Resource).where(Resource.school_id == world.a.school.id)) == 0


def test_library_search_ignores_accents_and_shares_with_the_department(world, make_client, dbs, app):
    client = teacher(make_client)
    response = client.post("/resources", {"files": (io.BytesIO(PNG), "tam-giac.png"), "title": "Hình học trực quan",
                                          "topic": "Tam giác đều", "subject_id": "0", "grade": "6",
                                          "shared_with_department": "y"}, content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/resources", {"files": (io.BytesIO(PDF), "so.pdf"), "title": "Số tự nhiên", "subject_id": "0",
                               "grade": "0"}, content_type="multipart/form-data")
    found = client.get("/resources?q=hinh+hoc").get_data(as_text=True)
    assert "Hình học trực quan" in found and "Số tự nhiên" not in found
    assert "Hình học trực quan" in client.get("/resources?q=TAM GIÁC").get_data(as_text=True)
    # Uploading the same bytes again, even twice in one go, keeps one file.
    client.post("/resources", {"files": [(io.BytesIO(PNG), "ban-sao.png"), (io.BytesIO(PNG), "ban-sao-2.png")],
                               "subject_id": "0", "grade": "0"}, content_type="multipart/form-data")
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Resource).where(Resource.school_id == world.a.school.id)) == 2
    # A school of the same department sees the shared file; school B (another department) does not.
    from lms.courses.resources import library_query
    from lms.people.models import School

    with dbs() as s:
        sibling = School(code="A2", name="Trường Cùng Sở", levels="THCS", department_id=world.dept_a.id)
        s.add(sibling)
        s.commit()
        titles = [r.title for r in s.scalars(library_query(sibling))]
        assert titles == ["Hình học trực quan"]
        assert [r.title for r in s.scalars(library_query(s.get(School, world.b.school.id)))] == ["Tài liệu B"]


def test_online_share_report_counts_periods_and_follows_the_class(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=tuple(range(1, 22)))  # 21 of 140 periods online: 15.0 %
    admin = make_client()
    admin.login("admin.a")
    page = admin.get("/reports/online-share").get_data(as_text=True)
    assert 'id="total-planned">15,0 %' in page and 'id="total-delivered">0,0 %' in page
    assert "Dưới chỉ tiêu" in page and "ít nhất 50 %" in page
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Hai tiết trực tuyến", "publish": "now",
                                                      "period_ids": [str(ids[0]), str(ids[1])], "prerequisite_id": "0"})
    with dbs() as s:
        lesson_id = s.scalars(select(Lesson).where(Lesson.course_id == course_id)).one().id
    pupil(make_client, "hsa001").get(f"/lessons/{lesson_id}")
    page = admin.get("/reports/online-share").get_data(as_text=True)
    assert 'id="total-delivered">0,0 %' in page  # 1 of 3 pupils opened: below the 50 % rule
    pupil(make_client, "hsa002").get(f"/lessons/{lesson_id}")
    page = admin.get("/reports/online-share").get_data(as_text=True)
    assert 'id="total-delivered">1,4 %' in page  # 2 of 140 periods delivered
    # The term view only counts the periods of its weeks.
    term2 = admin.get("/reports/online-share?term=2").get_data(as_text=True)
    assert 'id="total-planned">0,0 %' in term2
    # Downloads: Excel with the figures, PDF, SVG with a policy of its own.
    book = load_workbook(io.BytesIO(admin.get("/reports/online-share.xlsx").data)).active
    school_row = [r for r in book.iter_rows(values_only=True) if r and r[0] == "Toàn trường"][0]
    assert school_row[2:7] == (140, 21, 15.0, 2, 1.4)
    pdf = admin.get("/reports/online-share.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"
    svg = admin.get("/reports/online-share.svg")
    assert svg.data.lstrip().startswith(b"<?xml") and b"<script" not in svg.data
    assert "unsafe-inline" in svg.headers["Content-Security-Policy"]
    # Targets are the school's: lower the bar and the mark changes.
    response = admin.post("/school/online-targets", {"target_TH": "10", "target_THCS": "1", "target_THPT": "25",
                                                     "target_OTHER": "20", "open_percent": "30"})
    assert response.status_code == 302
    page = admin.get("/reports/online-share").get_data(as_text=True)
    assert "Dưới chỉ tiêu" not in page.split('id="share-school"')[1]
    bad = admin.post("/school/online-targets", {"target_TH": "120", "target_THCS": "1", "target_THPT": "25",
                                                "target_OTHER": "20", "open_percent": "0"})
    assert bad.status_code == 422 and "Số phải từ 0 đến 100" in bad.get_data(as_text=True)
    # A teacher sees only their own courses; a pupil not at all.
    assert pupil(make_client).get("/reports/online-share").status_code == 403


def test_announcements_messages_and_notifications(world, make_client, dbs):
    client = teacher(make_client)
    course_id = world.a.course.id
    response = client.post(f"/courses/{course_id}/announcements", {"course_id": "0", "title": "Nghỉ học",
                                                                   "body": "Thứ Hai nghỉ học.\nHọc bù thứ Bảy."})
    assert response.status_code == 302
    mother = make_client()
    mother.login("0912000001")  # two children in 6A1: one notification, not two
    with dbs() as s:
        mine = list(s.scalars(select(Notification).where(Notification.user_id == world.mother_a.id)))
        assert len(mine) == 1 and mine[0].kind == "announcement"
    notes = mother.get("/notifications").get_data(as_text=True)
    assert "Thông báo mới từ Giáo Viên A: Nghỉ học" in notes and 'id="unread-count">1<' in notes
    child = world.a.students["HSA001"].id
    assert "Nghỉ học" in mother.get(f"/children/{child}").get_data(as_text=True)
    # The parent writes to the teacher about one child; the teacher answers.
    page = mother.get(f"/messages/new/{child}").get_data(as_text=True)
    assert "Giáo Viên A" in page
    response = mother.post(f"/messages/new/{child}", {"other": str(world.a.teacher.id), "body": "Cháu bị ốm ạ."})
    thread_url = response.headers["Location"]
    assert teacher(make_client).post(thread_url, {"body": "Chúc cháu mau khỏe."}).status_code == 302
    text = mother.get(thread_url).get_data(as_text=True)
    assert "Cháu bị ốm ạ." in text and "Chúc cháu mau khỏe." in text
    # Another parent cannot read it, nor write about a child that is not theirs.
    stranger = make_client()
    stranger.login("0912000003")
    assert stranger.get(thread_url).status_code == 404
    assert stranger.get(f"/messages/new/{child}").status_code == 404
    # The teacher of school B cannot message about a pupil of school A.
    other_teacher = make_client()
    other_teacher.login("gv.b")
    assert other_teacher.get(f"/messages/new/{child}").status_code == 404
    with dbs() as s:
        kinds = [n.kind for n in s.scalars(select(Notification).where(Notification.user_id == world.mother_a.id))]
        assert kinds.count("message") == 1


def test_class_calendar_and_ical_feed(world, make_client, dbs):
    client = teacher(make_client)
    class_id = world.a.school_class.id
    day = (utcnow() + timedelta(days=30)).date()
    response = client.post(f"/classes/{class_id}/calendar", {"kind": "exam", "title": "Kiểm tra giữa kỳ Toán",
                                                            "starts_at": f"{day.isoformat()}T07:30"})
    assert response.status_code == 302
    build_plan(client, world.a.course.id)
    client.post(f"/courses/{world.a.course.id}/lessons/new", {"title": "Bài hẹn", "publish": "at",
                                                              "publish_at": f"{day.isoformat()}T08:00",
                                                              "prerequisite_id": "0"})
    mother = make_client()
    mother.login("0912000001")
    page = mother.get("/calendar").get_data(as_text=True)
    feed = re.search(r'id="feed-url">([^<]+)<', page).group(1)
    path = feed.split("127.0.0.1:5000")[1] if "127.0.0.1:5000" in feed else feed
    ics = make_client().get(path)  # no sign-in: a phone fetches it
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    text = ics.get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in text and "Kiểm tra giữa kỳ Toán" in text
    assert f"DTSTART:{day.strftime('%Y%m%d')}T003000Z" in text  # 07:30 in Việt Nam
    assert "Toán: Bài hẹn" in text
    # Resetting the address retires the old one.
    mother.post("/calendar")
    assert make_client().get(path).status_code == 404
    assert make_client().get("/calendar/not-a-token.ics").status_code == 404


def _queries(app, client, url) -> int:
    from sqlalchemy import event

    from lms.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []
    listener = lambda *args, **kw: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_course_pages_do_not_grow_with_lessons_pupils_and_files(world, make_client, app):
    client = teacher(make_client)
    course_id = world.a.course.id
    ids = build_plan(client, course_id, online=tuple(range(1, 11)))
    client.post(f"/courses/{course_id}/lessons/new", {"title": "Bài 1", "publish": "now", "prerequisite_id": "0",
                                                      "period_ids": [str(ids[0])]})
    pupil(make_client, "hsa001").get(f"/courses/{course_id}/learn")
    admin = make_client()
    admin.login("admin.a")
    urls = [f"/courses/{course_id}/progress", f"/courses/{course_id}/learn", "/resources"]
    small = {u: _queries(app, client, u) for u in urls}
    small["/reports/online-share"] = _queries(app, admin, "/reports/online-share")
    for n in range(2, 8):
        client.post(f"/courses/{course_id}/lessons/new", {"title": f"Bài {n}", "publish": "now",
                                                          "prerequisite_id": "0", "period_ids": [str(ids[n])]})
    with app.app_context():
        from lms.extensions import db

        lesson_ids = list(db.session.scalars(select(Lesson.id).where(Lesson.course_id == course_id)))
    for code in ("hsa001", "hsa002", "hsa003"):
        reader = pupil(make_client, code)
        for lesson_id in lesson_ids:
            reader.get(f"/lessons/{lesson_id}")
    for n in range(5):
        client.post("/resources", {"files": (io.BytesIO(PNG + bytes([n])), f"anh-{n}.png"), "subject_id": "0",
                                   "grade": "0"}, content_type="multipart/form-data")
    large = {u: _queries(app, client, u) for u in urls}
    large["/reports/online-share"] = _queries(app, admin, "/reports/online-share")
    assert large == small


def test_notifications_are_emailed_only_after_the_commit(world, make_client, app, monkeypatch):
    """By a background job written in the request's transaction (lms.core.mail)."""
    from tests.integration.test_sessions_and_mail import FakeSMTP

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "smtp.test"
    mother = make_client()
    mother.login("0912000001")
    child = world.a.students["HSA001"].id
    refused = mother.post(f"/messages/new/{child}", {"other": str(world.a.teacher.id), "body": "  "})
    assert refused.status_code == 422 and FakeSMTP.sent == []  # nothing saved, nothing sent
    app.extensions["lms_jobs"].wait()
    assert FakeSMTP.sent == []
    mother.post(f"/messages/new/{child}", {"other": str(world.a.teacher.id), "body": "Cô ơi, cháu nghỉ ốm."})
    app.extensions["lms_jobs"].wait()
    assert [m["To"] for m in FakeSMTP.sent] == ["gv.a@test.example"]
    assert "Tin nhắn mới từ Nguyễn Thị Lan về em Nguyễn Văn An" in FakeSMTP.sent[0].get_content()
    # A teacher who reads in English gets the e-mail in English, whatever the sender's language.
    from lms.auth.models import User

    with app.app_context():
        from lms.extensions import db

        db.session.get(User, world.a.teacher.id).locale = "en"
        db.session.commit()
    mother.post(f"/messages/new/{child}", {"other": str(world.a.teacher.id), "body": "Cháu đã khỏe."})
    app.extensions["lms_jobs"].wait()
    assert "New message from Nguyễn Thị Lan about Nguyễn Văn An" in FakeSMTP.sent[1].get_content()


def test_plan_template_and_report_take_the_terms_from_the_years_own_dates(world, make_client, dbs):
    """2026-2027 opens on Saturday 5/9/2026 and term I ends 16/1/2027: term I is weeks 1–20 (not
    the 18 of the ministry frame). The template says so, and the report counts weeks 19–20 in term I."""
    client = teacher(make_client)
    course_id = world.a.course.id
    template = load_workbook(io.BytesIO(client.get(f"/courses/{course_id}/plan/template.xlsx").data))
    notes = " ".join(str(c) for ws in template.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "HK I: tuần 1–20, HK II: tuần 21–" in notes
    # Two online periods in weeks 19 and 20, every other period in person from week 21 on.
    assert client.post(f"/courses/{course_id}/plan/generate").status_code == 302
    ids = re.findall(r'name="pid" value="(\d+)"', client.get(f"/courses/{course_id}/plan").get_data(as_text=True))
    weeks = ["19", "20"] + ["21"] * (len(ids) - 2)
    modes = ["online_self", "online_self"] + ["in_person"] * (len(ids) - 2)
    assert client.post(f"/courses/{course_id}/plan", {"pid": ids, "week": weeks, "mode": modes,
                                                      "topic": [f"Bài {i}" for i in range(len(ids))]}).status_code == 302
    term1 = client.get("/reports/online-share?term=1").get_data(as_text=True)
    term2 = client.get("/reports/online-share?term=2").get_data(as_text=True)
    assert 'id="total-planned">100,0 %' in term1 and 'id="total-planned">0,0 %' in term2


def test_a_term_that_is_not_one_is_said_not_taken_silently_for_the_year(world, make_client):
    client = teacher(make_client)
    for bad in ("7", "abc"):
        page = client.get(f"/reports/online-share?term={bad}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert f"“{bad}” không phải học kỳ (chỉ có học kỳ 1 và 2): đang hiện cả năm." in body
    assert "không phải học kỳ" not in client.get("/reports/online-share?term=1").get_data(as_text=True)
    # The page's files follow the page and leave no message behind for the next page.
    assert client.get("/reports/online-share.xlsx?term=7").status_code == 200
    assert "không phải học kỳ" not in client.get("/reports/online-share").get_data(as_text=True)


def test_a_teachers_share_report_is_hers_and_unsigned_by_the_principal(world, make_client, dbs):
    from tests.pdftext import text

    client = teacher(make_client)
    build_plan(client, world.a.course.id, online=(1,))
    page = client.get("/reports/online-share").get_data(as_text=True)
    assert "Các lớp, môn do giáo viên Giáo Viên A dạy" in page and "Toàn trường" not in page
    pdf = text(client.get("/reports/online-share.pdf").data)
    assert "Các lớp, môn do giáo viên Giáo Viên A dạy" in pdf and "Toàn trường" not in pdf
    assert "HIỆU TRƯỞNG" not in pdf and "GIÁO VIÊN" in pdf and "Giáo Viên A" in pdf
    admin = make_client()
    admin.login("admin.a")
    assert "HIỆU TRƯỞNG" in text(admin.get("/reports/online-share.pdf").data)


def _calendar_links(client) -> list[str]:
    page = client.get("/calendar").get_data(as_text=True)
    return re.findall(r'href="(/(?:lessons|homework)/\d+)"', page)


def test_calendar_links_open_for_their_reader(world, make_client, dbs, app):
    """A calendar never shows a link its reader cannot open: a pupil's homework not yet open and a
    lesson not yet published are titles only (they answered 404 or sent the pupil back), and a
    teacher of the class sees another teacher's lessons without a link (404)."""
    from lms.auth.models import User
    from lms.courses import calendar
    from lms.people import services
    from lms.people.models import School, SchoolClass, Subject
    from tests.factories import school_day_after
    from tests.integration.test_homework import make_assignment

    now = utcnow()
    open_id = make_assignment(dbs, world, title="Bài đang mở", due_at=school_day_after(2, at=now))
    later_id = make_assignment(dbs, world, title="Bài mở ngày mai", open_at=now + timedelta(days=1),
                               due_at=school_day_after(3, at=now))
    gv = teacher(make_client)
    build_plan(gv, world.a.course.id)
    day = (now + timedelta(days=5)).date()
    gv.post(f"/courses/{world.a.course.id}/lessons/new", {"title": "Bài hẹn", "publish": "at", "prerequisite_id": "0",
                                                          "publish_at": f"{day.isoformat()}T08:00"})
    gv.post(f"/courses/{world.a.course.id}/lessons/new", {"title": "Bài đã mở", "publish": "now",
                                                          "prerequisite_id": "0"})
    reader = pupil(make_client)
    links = _calendar_links(reader)
    assert f"/homework/{open_id}" in links and f"/homework/{later_id}" not in links
    page = reader.get("/calendar").get_data(as_text=True)
    assert "Bài mở ngày mai" in page and "Bài hẹn" in page  # shown, as titles
    for link in links + _calendar_links(gv):
        client = reader if link in links else gv
        response = client.get(link)
        if response.status_code == 302 and "/homework/" in link:  # a teacher's link leads to the hand-ins
            response = client.get(response.headers["Location"])
        assert response.status_code == 200, (link, response.status_code)
    with dbs() as s:
        hẹn = s.scalars(select(Lesson).where(Lesson.title == "Bài hẹn")).one()
        assert f"/lessons/{hẹn.id}" not in links and f"/lessons/{hẹn.id}" in _calendar_links(gv)
        # Another teacher of the class (Ngữ văn) sees Toán's lessons and homework without links.
        school = s.get(School, world.a.school.id)
        admin = s.get(User, world.a.admin.id)
        school_class = s.get(SchoolClass, world.a.school_class.id)
        literature = s.scalars(select(Subject).where(Subject.school_id == school.id, Subject.code != "toan")).first()
        assert literature is not None
        other = s.get(User, world.a.accountant.id)  # given a teaching role and a course of its own
        services.grant_role(s, other, school, "teacher")
        services.save_course(s, admin, school, school_class=school_class, subject=literature, teacher_id=other.id)
        items = calendar.items_for_classes(s, [school_class.id], now - timedelta(days=1), now + timedelta(days=10))
        seen = {i.title: i.link for i in calendar.readable_links(s, other, ["teacher"], items, now)}
        assert any(t.endswith("Bài đã mở") for t in seen) and not any(seen.values())
        mine = {i.title: i.link for i in calendar.readable_links(s, s.get(User, world.a.teacher.id), ["teacher"],
                                                                 items, now)}
        assert all(mine.values())
        s.rollback()
