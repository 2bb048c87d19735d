"""Homework through its pages, on SQLite and PostgreSQL: setting work with a rubric, handing in
photos and files, the due second, penalties, resubmissions and revisions, moving the due time,
grading, the grade book, reminders, the parents' view and overdue notices; and readiness checks."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from urllib.parse import quote

import time_machine
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.models import Notification
from lms.core.storage import area
from lms.core.timeutil import utc_to_local, utcnow
from lms.courses import homework
from lms.courses.models import Assignment, Submission, SubmissionFile
from lms.gradebook.models import GradeEntry
from lms.people.models import Course, School, Student
from tests.factories import school_day_after
from tests.unit.files import PDF, PNG

TZ = "Asia/Ho_Chi_Minh"
RUBRIC = "Nội dung | Đúng, đủ = 6 | Còn thiếu = 3 | Chưa làm = 0\nTrình bày | Sạch đẹp = 4 | Tạm được = 2 | Cẩu thả = 0"


def login(make_client, who):
    client = make_client()
    assert client.login(who).status_code == 302
    return client


def local(dt) -> str:
    return utc_to_local(dt, TZ).strftime("%Y-%m-%dT%H:%M")


def form_data(world, **over):
    now = utcnow().replace(second=0, microsecond=0)
    data = {"title": "Bài tập Phân số", "subject_id": str(world.a.subject.id), "course_ids": [str(world.a.course.id)],
            "lesson_id": "0", "instructions": "Làm bài 1, 2 trang 12. Tính $\\frac{1}{2} + \\frac{1}{3}$.",
            "open_at": local(now - timedelta(hours=1)), "due_at": local(school_day_after(2, at=now)),
            "late_policy": "refuse", "penalty_percent": "10", "cutoff_at": "", "max_score": "10",
            "resubmissions": "1", "rubric": "", "publish": "y", "minutes": "30"}
    data.update(over)
    return data


def make_assignment(dbs, world, *, now=None, **over) -> int:
    """An assignment set by gv.a for 6A1 through the service."""
    now = now or utcnow()
    with dbs() as s:
        school = s.get(School, world.a.school.id)
        teacher = s.get(User, world.a.teacher.id)
        values = dict(title="Bài tập về nhà", subject_id=world.a.subject.id, course_ids=[world.a.course.id],
                      open_at=now - timedelta(hours=1), due_at=school_day_after(1, at=now))
        values.update(over)
        outcome = homework.save_assignment(s, teacher, "teacher", school, homework.AssignmentInput(**values), now=now)
        s.commit()
        return outcome.assignment.id


def hand_in(dbs, app, assignment_id, code="HSA001", *, at, text="Bài làm", files=()):
    with dbs() as s:
        student = s.scalars(select(Student).where(Student.student_code == code)).one()
        user = s.get(User, student.user_id)
        assignment = s.get(Assignment, assignment_id)
        sub = homework.submit_work(s, user, student, assignment, text, list(files), now=at,
                                   folder=area(app.config, "homework"),
                                   limits_mb={"image": 1, "document": 1, "audio": 1, "video": 1})
        s.commit()
        return sub.id


def test_teacher_sets_work_with_a_rubric_and_a_bad_rubric_saves_nothing(world, make_client, dbs):
    teacher = login(make_client, "gv.a")
    bad = teacher.post("/homework/new", form_data(world, rubric="Nội dung | Đúng = 6 | Sai = 0\nTrình bày | Đẹp 4 | Xấu = 0"))
    assert bad.status_code == 422
    assert "Dòng 2" in bad.get_data(as_text=True) and "tên mức = điểm" in bad.get_data(as_text=True)
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Assignment).where(Assignment.school_id == world.a.school.id)) == 0
    response = teacher.post("/homework/new", form_data(world, rubric=RUBRIC), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with dbs() as s:
        a = s.scalars(select(Assignment).where(Assignment.school_id == world.a.school.id)).one()
        assert [c["name"] for c in a.rubric] == ["Nội dung", "Trình bày"]
        assert "<math" in a.instructions_html
        pupils = s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "homework_assigned", Notification.school_id == world.a.school.id))
        assert pupils == 3
    table = teacher.get(f"/homework/{a.id}/submissions").get_data(as_text=True)
    assert 'data-count="not_due">3<' in table
    # Another school's teacher, and a pupil, never reach the table.
    assert login(make_client, "gv.b").get(f"/homework/{a.id}/submissions").status_code == 404
    assert login(make_client, "hsa001").get(f"/homework/{a.id}/submissions").status_code == 403


def test_pupil_hands_in_a_photo_kept_under_a_generated_name(world, make_client, dbs, app):
    aid = make_assignment(dbs, world)
    pupil = login(make_client, "hsa001")
    assert "Bài tập về nhà" in pupil.get("/homework").get_data(as_text=True)
    page = pupil.get(f"/homework/{aid}").get_data(as_text=True)
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    response = pupil.post(f"/homework/{aid}", {"text": "Em nộp ảnh bài làm", "photos": (io.BytesIO(PNG), "ảnh bài làm.png"),
                                               "files": (io.BytesIO(PDF), "Phiếu học tập.pdf")},
                          content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with dbs() as s:
        files = list(s.scalars(select(SubmissionFile).join(Submission).where(Submission.assignment_id == aid)
                               .order_by(SubmissionFile.position)))
        assert [f.filename for f in files] == ["ảnh bài làm.png", "Phiếu học tập.pdf"]
        assert all(re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}\.(png|pdf)", f.stored_name) for f in files)
        stored = (app.config["UPLOAD_DIR"] / "homework" / files[0].stored_name).read_bytes()
        assert stored.startswith(b"\x89PNG") and files[0].size == len(stored)   # re-encoded without metadata
        assert (app.config["UPLOAD_DIR"] / "homework" / files[1].stored_name).read_bytes() == PDF
        photo_id = files[0].id
    served = pupil.get(f"/homework/files/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert quote("ảnh bài làm.png") in served.headers["Content-Disposition"]
    assert "inline" in served.headers["Content-Disposition"]
    download = pupil.get(f"/homework/files/{photo_id}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    # The class-mate, another school's teacher and a stranger parent get nothing; the mother does.
    assert login(make_client, "hsa002").get(f"/homework/files/{photo_id}").status_code == 404
    assert login(make_client, "gv.b").get(f"/homework/files/{photo_id}").status_code == 404
    assert login(make_client, "0912000003").get(f"/homework/files/{photo_id}").status_code == 404
    assert login(make_client, "0912000001").get(f"/homework/files/{photo_id}").status_code == 200
    teacher = login(make_client, "gv.a")
    assert teacher.get(f"/homework/files/{photo_id}").status_code == 200


def test_disguised_and_oversized_files_are_refused_and_nothing_is_saved(world, make_client, dbs, app):
    aid = make_assignment(dbs, world)
    pupil = login(make_client, "hsa001")
    fake = pupil.post(f"/homework/{aid}", {"text": "x", "files": [(io.BytesIO(PNG), "tot.png"),
                                                                   (io.BytesIO(b"MZ\x90\x00" * 50), "bai.jpg")]},
                      content_type="multipart/form-data")
    assert fake.status_code == 422
    assert "bai.jpg" in fake.get_data(as_text=True) and "không phải jpg thật" in fake.get_data(as_text=True)
    app.config["UPLOAD_LIMITS_MB"] = {**app.config["UPLOAD_LIMITS_MB"], "image": 1}
    big = PNG + b"\x00" * (1024 * 1024 + 1)
    too_big = pupil.post(f"/homework/{aid}", {"photos": (io.BytesIO(big), "to.png")}, content_type="multipart/form-data")
    assert too_big.status_code == 422 and "vượt giới hạn 1 MB" in too_big.get_data(as_text=True)
    empty = pupil.post(f"/homework/{aid}", {"text": "  "}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "ít nhất một tệp" in empty.get_data(as_text=True)
    with dbs() as s:
        assert s.scalar(select(func.count()).select_from(Submission).where(Submission.assignment_id == aid)) == 0
    assert not (app.config["UPLOAD_DIR"] / "homework").exists() or not any(
        (app.config["UPLOAD_DIR"] / "homework").rglob("*.png"))


def test_the_due_second_is_on_time_and_the_next_is_refused(world, make_client, dbs):
    due = school_day_after(0, minutes=5).replace(microsecond=0)
    aid = make_assignment(dbs, world, due_at=due)
    # Signed in at the moment (the due day may be days ahead: a session signed in before would have expired).
    with time_machine.travel(due + timedelta(microseconds=900_000), tick=False):
        pupil = login(make_client, "hsa001")
        response = pupil.post(f"/homework/{aid}", {"text": "Đúng giây hạn"}, content_type="multipart/form-data")
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        late = login(make_client, "hsa002")
        page = late.post(f"/homework/{aid}", {"text": "Muộn một giây"}, content_type="multipart/form-data")
        assert page.status_code == 422
        assert "không nhận bài nộp muộn" in page.get_data(as_text=True)
    with dbs() as s:
        sub = s.scalars(select(Submission).where(Submission.assignment_id == aid)).one()
        a = s.get(Assignment, aid)
        assert homework.late_days_of(a, sub) == 0
        assert homework.state_of(a, sub, due + timedelta(days=1)) == homework.State.SUBMITTED


def test_late_work_is_taken_until_the_cutoff_with_the_penalty_per_started_day(world, dbs, app, make_client):
    now = utcnow().replace(microsecond=0)
    due = school_day_after(0, hours=1, at=now)
    aid = make_assignment(dbs, world, due_at=due, late_policy="penalty", penalty_percent=15,
                          cutoff_at=due + timedelta(days=3))
    sid = hand_in(dbs, app, aid, at=due + timedelta(days=1, seconds=1))            # two started days
    hand_in(dbs, app, aid, "HSA002", at=due + timedelta(days=3))                    # at the cutoff: 3 days
    try:
        hand_in(dbs, app, aid, "HSA003", at=due + timedelta(days=3, seconds=1))
        raise AssertionError("taken after the cutoff")
    except homework.Conflict as exc:
        assert "hạn chót" in str(exc)
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        sub = s.get(Submission, sid)
        homework.grade_submission(s, teacher, "teacher", sub, score="8,5", now=now)
        a = s.get(Assignment, aid)
        assert homework.penalty_of(a, sub) == 30
        assert homework.final_tenths(a, sub) == 60          # 8.5 × 70 % = 5.95 → 6.0
        s.commit()
    table = login(make_client, "gv.a").get(f"/homework/{aid}/submissions").get_data(as_text=True)
    assert "Nộp muộn 3 ngày" in table and "muộn muộn" not in table.lower()   # was "Nộp muộn muộn 3 ngày"


def test_resubmissions_are_counted_and_a_revision_does_not_use_one(world, make_client, dbs, app):
    due = school_day_after(1)
    now = due - timedelta(days=1)       # the day before it is due
    aid = make_assignment(dbs, world, resubmissions=1, due_at=due)
    first = hand_in(dbs, app, aid, at=now)
    second = hand_in(dbs, app, aid, at=now + timedelta(minutes=5), text="Bản sửa")
    try:
        hand_in(dbs, app, aid, at=now + timedelta(minutes=6))
        raise AssertionError("a third hand-in was taken")
    except homework.Conflict as exc:
        assert "hết số lần nộp" in str(exc)
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        try:
            homework.grade_submission(s, teacher, "teacher", s.get(Submission, first), score="5", now=now)
            raise AssertionError("an old hand-in was graded")
        except homework.Conflict:
            s.rollback()
        homework.return_submission(s, teacher, "teacher", s.get(Submission, second), "Sửa lại câu 2", now=now)
        s.commit()
    # Two days later, past the due time but within the teacher's 3 days: the revision is taken and is not late.
    revision = hand_in(dbs, app, aid, at=due + timedelta(days=1), text="Đã sửa câu 2")
    with dbs() as s:
        a, sub = s.get(Assignment, aid), s.get(Submission, revision)
        assert sub.is_revision and sub.number == 3 and homework.late_days_of(a, sub) == 0
        assert homework.used_counts(s, aid, [sub.student_id])[sub.student_id] == 2
        homework.grade_submission(s, s.get(User, world.a.teacher.id), "teacher", sub, score="9", now=now)
        s.commit()
    pupil = login(make_client, "hsa001")
    page = pupil.get(f"/homework/{aid}").get_data(as_text=True)
    assert "Bài đã được chấm" in page and 'id="hand-in"' not in page and "<strong>9</strong>/10" in page


def test_moving_the_due_time_relabels_work_and_updates_the_grade_book(world, make_client, dbs, app):
    now = utcnow().replace(microsecond=0)
    due = school_day_after(0, hours=-30, at=now)    # an assignment already past due, with late work
    opened = due - timedelta(days=2)
    aid = make_assignment(dbs, world, now=opened, open_at=opened, due_at=due,
                          late_policy="penalty", penalty_percent=20, cutoff_at=now + timedelta(days=2))
    sid = hand_in(dbs, app, aid, at=due + timedelta(hours=29))          # 29 h late: 2 days, −40 %
    hand_in(dbs, app, aid, "HSA002", at=due - timedelta(hours=10))      # on time
    moved = school_day_after(0, hours=1, at=now)                        # after both: both on time
    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        homework.grade_submission(s, teacher, "teacher", s.get(Submission, sid), score="10", now=now)
        totals = homework.post_scores(s, teacher, "teacher", s.get(Assignment, aid), 1, "tx2", now)
        assert totals["created"] == 1
        s.commit()
        entry = s.scalars(select(GradeEntry).where(GradeEntry.kind == "tx", GradeEntry.position == 2)).one()
        assert (entry.score10, entry.source_type, entry.source_id) == (60, "assignment", aid)
    teacher = login(make_client, "gv.a")
    response = teacher.post(f"/homework/{aid}/edit", form_data(
        world, title="Bài tập về nhà", open_at=local(opened), due_at=local(moved),
        late_policy="penalty", penalty_percent="20", cutoff_at=local(moved + timedelta(days=2)), resubmissions="0"),
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 bài nộp đổi trạng thái" in page and "Đã cập nhật sổ điểm: 0 điểm mới, 1 điểm thay đổi" in page
    with dbs() as s:
        assert s.scalars(select(GradeEntry).where(GradeEntry.kind == "tx", GradeEntry.position == 2)).one().score10 == 100
    # Regrading updates the grade book too, and says so.
    response = teacher.post(f"/homework/submissions/{sid}", {"score": "7,5", "comment": "Khá", "save": "1"})
    assert response.status_code == 302
    assert "1 điểm thay đổi" in teacher.get("/homework/manage").get_data(as_text=True)
    with dbs() as s:
        assert s.scalars(select(GradeEntry).where(GradeEntry.kind == "tx", GradeEntry.position == 2)).one().score10 == 75
    book = teacher.get(f"/courses/{world.a.course.id}/grades?term=1").get_data(as_text=True)
    assert f"/homework/{aid}/submissions" in book


def test_rubric_grading_return_and_what_the_pupil_and_parent_see(world, make_client, dbs, app):
    now = utcnow()
    from lms.courses import homework_rules as rules

    aid = make_assignment(dbs, world, rubric=RUBRIC, max_score="10")
    sid = hand_in(dbs, app, aid, at=now)
    teacher = login(make_client, "gv.a")
    missing_level = teacher.post(f"/homework/submissions/{sid}", {"rubric_0": "1", "comment": "", "save": "1"})
    assert missing_level.status_code == 422 and "Chọn mức cho tiêu chí “Trình bày”" in missing_level.get_data(as_text=True)
    ok = teacher.post(f"/homework/submissions/{sid}", {"rubric_0": "0", "rubric_1": "1", "comment": "Trình bày cần gọn hơn",
                                                         "save": "1"})
    assert ok.status_code == 302
    with dbs() as s:
        sub = s.get(Submission, sid)
        assert sub.score_tenths == 80 and sub.rubric_marks == {"0": 0, "1": 1}
        assert rules.rubric_points(s.get(Assignment, aid).rubric, sub.rubric_marks) == 80
    pupil = login(make_client, "hsa001")
    page = pupil.get(f"/homework/{aid}").get_data(as_text=True)
    assert "Trình bày: Tạm được (2)" in page and "Trình bày cần gọn hơn" in page
    mother = login(make_client, "0912000001")
    child = mother.get(f"/children/{world.a.students['HSA001'].id}/homework").get_data(as_text=True)
    assert "<strong>8</strong>/10" in child and "Trình bày cần gọn hơn" in child
    assert login(make_client, "0912000003").get(f"/children/{world.a.students['HSA001'].id}/homework").status_code == 404


def test_reminders_zip_and_overdue_notices(world, make_client, dbs, app):
    due = school_day_after(0, hours=1)
    aid = make_assignment(dbs, world, due_at=due)
    pupil = login(make_client, "hsa001")
    pupil.post(f"/homework/{aid}", {"photos": (io.BytesIO(PNG), "bài 1.png"), "files": [(io.BytesIO(PNG + b"2"), "bài 1.png")]},
               content_type="multipart/form-data")
    teacher = login(make_client, "gv.a")
    assert "Đã gửi lời nhắc đến 2 học sinh" in teacher.get(
        teacher.post(f"/homework/{aid}/remind").headers["Location"]).get_data(as_text=True)
    with dbs() as s:
        reminded = {n.user_id for n in s.scalars(select(Notification).where(Notification.kind == "homework_reminder"))}
        codes = {s.get(Student, sid_).student_code for sid_ in s.scalars(select(Student.id).where(Student.user_id.in_(reminded)))}
        assert codes == {"HSA002", "HSA003"}
    archive = teacher.get(f"/homework/{aid}/files.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert sorted(names) == ["6A1 - Nguyễn Văn An - HSA001/bài 1 (2).png", "6A1 - Nguyễn Văn An - HSA001/bài 1.png"]
    # Past due: parents of the two pupils who handed in nothing hear of it, once.
    with dbs() as s:
        sent = homework.notify_overdue(s, due + timedelta(hours=1))
        s.commit()
        assert homework.notify_overdue(s, due + timedelta(hours=2)) == 0
        notes = list(s.scalars(select(Notification).where(Notification.kind == "homework_overdue")))
        parents = {n.user_id for n in notes if n.link.startswith("/children/")}
        mother, father = world.mother_a.id, world.father_ab.id
        assert parents == {mother, father} and sent == len(notes) == 4  # Lan (Bình), Dũng (Châu), and both pupils
    mother_client = login(make_client, "0912000001")
    assert "thiếu 1" not in mother_client.get(f"/children/{world.a.students['HSA002'].id}").get_data(as_text=True)
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        mother_client = login(make_client, "0912000001")
        child = mother_client.get(f"/children/{world.a.students['HSA002'].id}").get_data(as_text=True)
        assert "thiếu 1" in child


def test_drafts_are_invisible_and_work_locks_the_assignment(world, make_client, dbs, app):
    aid = make_assignment(dbs, world, publish=False)
    pupil = login(make_client, "hsa001")
    assert pupil.get(f"/homework/{aid}").status_code == 404
    assert "Bài tập về nhà" not in pupil.get("/homework").get_data(as_text=True)
    teacher = login(make_client, "gv.a")
    assert teacher.post(f"/homework/{aid}/edit", form_data(world, title="Bài tập về nhà", rubric=RUBRIC),
                        content_type="multipart/form-data").status_code == 302
    sid = hand_in(dbs, app, aid, at=utcnow())
    with dbs() as s:
        homework.grade_submission(s, s.get(User, world.a.teacher.id), "teacher", s.get(Submission, sid),
                                  rubric_marks={"0": "0", "1": "0"}, now=utcnow())
        s.commit()
    changed = teacher.post(f"/homework/{aid}/edit", form_data(world, title="Bài tập về nhà", rubric="Khác | Có = 1 | Không = 0"),
                           content_type="multipart/form-data")
    assert changed.status_code == 422 and "không sửa được bảng tiêu chí" in changed.get_data(as_text=True)
    refused = teacher.post(f"/homework/{aid}/delete")
    assert "không xóa được" in teacher.get(refused.headers["Location"]).get_data(as_text=True)


def test_readiness_check_shows_who_is_ready_and_the_most_missed_questions(world, make_client, dbs):
    from lms.courses import lessons
    from lms.exams import attempts
    from lms.exams.models import Exam
    from tests.factories import make_bank, make_exam

    with dbs() as s:
        teacher = s.get(User, world.a.teacher.id)
        lesson = lessons.save_lesson(s, teacher, s.get(Course, world.a.course.id), lessons.LessonInput(
            title="Cộng phân số", publish=lessons.PublishMode.NOW), now=utcnow())
        bank = make_bank(s, world.a)
        exam = make_exam(s, world.a, bank.questions[:3], lesson_id=lesson.id, ready_percent=60)
        s.commit()
        exam_id, lesson_id = exam.id, lesson.id
    teacher_client = login(make_client, "gv.a")
    assert "Chuẩn bị bài: Cộng phân số" in teacher_client.get(f"/exams/new?lesson={lesson_id}").get_data(as_text=True)
    lesson_page = teacher_client.get(f"/lessons/{lesson_id}").get_data(as_text=True)
    assert f"/exams/{exam_id}/readiness" in lesson_page
    # HSA001 gets all three right, HSA002 only the first: the second and third are missed most.
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        for code, right in (("HSA001", 3), ("HSA002", 1)):
            student = s.scalars(select(Student).where(Student.student_code == code)).one()
            attempt = attempts.start_attempt(s, student, exam, now=utcnow(), ip="127.0.0.1", device="d")
            for slot in attempt.slots:
                options = slot.version.data["options"]
                good = next(o["id"] for o in options if o["fraction"] == "1")
                bad = next(o["id"] for o in options if o["fraction"] != "1")
                number = int(slot.version.text.split()[3].rstrip(":"))  # "Câu hỏi số N: …"
                attempts.save_response(s, attempt, slot.position, good if number <= right else bad, 1, device="d",
                                       now=utcnow())
            attempts.submit_attempt(s, attempt, now=utcnow(), device="d")
        s.commit()
    page = teacher_client.get(f"/exams/{exam_id}/readiness").get_data(as_text=True)
    assert 'data-count="ready">1<' in page and 'data-count="not_ready">1<' in page and 'data-count="not_done">1<' in page
    missed = re.findall(r"Câu hỏi số (\d)", page.split('id="missed"')[1])
    assert missed[:2] == ["2", "3"] and "100 %" in page
    pupil = login(make_client, "hsa003")
    assert f"/exams/{exam_id}" in pupil.get(f"/lessons/{lesson_id}").get_data(as_text=True)


def test_homework_pages_do_not_grow_with_assignments_and_hand_ins(world, make_client, dbs, app):
    """1 → 5 assignments, 1 → 13 hand-ins with files: every homework list runs as many queries."""
    from tests.integration.test_query_counts import query_counts

    now = utcnow()
    first = make_assignment(dbs, world, rubric=RUBRIC)
    sid = hand_in(dbs, app, first, at=now, files=[("a.png", PNG)])
    child = world.a.students["HSA001"].id
    pages = {"gv.a": ["/homework/manage", f"/homework/{first}/submissions", f"/homework/submissions/{sid}"],
             "hsa001": ["/homework", f"/homework/{first}"], "0912000001": [f"/children/{child}/homework"]}
    clients = {who: login(make_client, who) for who in pages}
    small = {who: query_counts(app, clients[who], urls) for who, urls in pages.items()}
    for n in range(4):
        aid = make_assignment(dbs, world, title=f"Bài {n}", resubmissions=3)
        for code in ("HSA001", "HSA002", "HSA003"):
            hand_in(dbs, app, aid, code, at=now, files=[("a.png", PNG), ("b.pdf", PDF)])
    hand_in(dbs, app, first, "HSA002", at=now, files=[("c.png", PNG)])
    assert {who: query_counts(app, clients[who], urls) for who, urls in pages.items()} == small


def test_a_replaced_hand_ins_file_is_the_teachers_only(world, make_client, dbs, app):
    """Before: after a resubmission replaced a photo, the old file stayed downloadable by the pupil
    and parents at its address. Earlier hand-ins are the revision history the grading page shows:
    their files are served to the teacher only; the pupil and parents get the current one's."""
    aid = make_assignment(dbs, world, resubmissions=1)
    pupil = login(make_client, "hsa001")
    for text in ("Lần đầu", "Nộp lại"):
        assert pupil.post(f"/homework/{aid}", {"text": text, "photos": (io.BytesIO(PNG), "bài.png")},
                          content_type="multipart/form-data").status_code == 302
    with dbs() as s:
        old, new = [f.id for f in s.scalars(select(SubmissionFile).join(Submission).where(
            Submission.assignment_id == aid).order_by(Submission.number))]
    parent, teacher = login(make_client, "0912000001"), login(make_client, "gv.a")
    for client in (pupil, parent):
        assert client.get(f"/homework/files/{old}").status_code == 404
        assert client.get(f"/homework/files/{new}").status_code == 200
    assert teacher.get(f"/homework/files/{old}").status_code == 200
