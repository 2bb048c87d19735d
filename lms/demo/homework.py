"""Demo homework in every state, entered through the homework services: a rubric-graded piece
already in the grade book; one past due still taking late work, partly graded, one returned for
revision and parents told of the missing ones; one open now, tied to a lesson, with photos handed
in; one scheduled; a draft."""
from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.storage import Area
from lms.courses import homework
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local
from lms.courses.models import Lesson
from lms.people.models import Course, School, SchoolClass, SchoolYear, Subject
from lms.people.services import current_year, students_of_class

RUBRIC = ("Lời giải đúng | Đúng, đủ các bước = 6 | Đúng một phần = 3 | Chưa đúng = 0\n"
          "Trình bày | Rõ ràng, sạch sẽ = 2 | Tạm được = 1 | Khó đọc = 0\n"
          "Kiểm tra lại kết quả | Có thử lại = 2 | Không = 0")
ANSWERS = ["Bài 1: A = {0; 1; 2; 3; 4}. Bài 2: 25 · 4 + 16 = 116.", "Em làm trong vở, chụp ảnh đính kèm ạ.",
           "Bài 3: 37 · 25 + 37 · 75 = 37 · 100 = 3700.", "Em nộp bài ạ, phần bài 4 em chưa chắc.", ""]
COMMENTS = ["Lời giải đúng, trình bày sạch.", "Cần ghi rõ các bước biến đổi.", "Tốt! Nhớ thử lại kết quả.",
            "Bài 2 tính nhầm, em xem lại nhé.", "Trình bày cẩn thận hơn."]
LIMITS = {"image": 10, "document": 25, "audio": 40, "video": 150}


def _notebook_photo(student_name: str, rng: random.Random) -> bytes:
    """A JPEG that looks like a photographed exercise-book page."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 1200), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    for y in range(120, 1200, 48):
        draw.line([(40, y), (860, y)], fill=(190, 205, 230), width=2)
    draw.line([(110, 0), (110, 1200)], fill=(230, 150, 150), width=3)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 30)
    except OSError:
        font = ImageFont.load_default()
    lines = [f"Họ tên: {student_name}", "Bài tập về nhà — Toán 6", "Bài 1. A = {0; 1; 2; 3; 4}",
             "Bài 2. 25 · 4 + 16 = 100 + 16 = 116", "Bài 3. 37 · 25 + 37 · 75", "      = 37 · (25 + 75) = 3700",
             f"Bài 4. x = {rng.choice([11, 11, 11, 12])}"]
    for i, text in enumerate(lines):
        draw.text((130 + rng.randint(-4, 4), 82 + 48 * (i + 1)), text, fill=(30, 40, 120), font=font)
    buf = io.BytesIO()
    image.rotate(rng.uniform(-2.5, 2.5), fillcolor=(90, 80, 70)).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def _course(session: Session, school: School, year: SchoolYear, class_name: str, code: str) -> Course | None:
    return session.scalars(select(Course).join(SchoolClass).join(Subject, Subject.id == Course.subject_id).where(
        Course.school_id == school.id, SchoolClass.school_year_id == year.id, SchoolClass.name == class_name,
        Subject.code == code)).first()


def _hand_in_all(session: Session, rng: random.Random, assignment, pupils, start: datetime, end: datetime, folder: Area,
                 share: float) -> list:
    subs = []
    for pupil in pupils:
        if rng.random() > share or pupil.user is None:
            continue
        at = start + (end - start) * rng.random()
        files = [(f"Bài làm {pupil.full_name}.jpg", _notebook_photo(pupil.full_name, rng))] if rng.random() < 0.8 else []
        text = rng.choice(ANSWERS) if files else ANSWERS[0]
        subs.append(homework.submit_work(session, pupil.user, pupil, assignment, text, files, now=at, folder=folder,
                                         limits_mb=LIMITS))
    return subs


def _grade(session: Session, rng: random.Random, teacher: User, assignment, subs, at: datetime) -> None:
    for sub in subs:
        if assignment.rubric:
            marks = {str(i): str(rng.choice([0, 0, 1])) for i in range(len(assignment.rubric))}
            homework.grade_submission(session, teacher, "teacher", sub, rubric_marks=marks,
                                      comment=rng.choice(COMMENTS), now=at)
        else:
            homework.grade_submission(session, teacher, "teacher", sub, score=rng.choice(["7", "7,5", "8", "8,5", "9",
                                                                                          "9,5", "10", "6,5"]),
                                      comment=rng.choice(COMMENTS), now=at)


def seed_homework(session: Session, school: School, rng: random.Random, folder: Area, now: datetime) -> None:
    year = current_year(session, school)
    if year is None or school.code != "THCS-ND":
        return
    c6a1, c6a2 = _course(session, school, year, "6A1", "toan"), _course(session, school, year, "6A2", "toan")
    if c6a1 is None or c6a2 is None:
        return
    teacher = session.get(User, c6a1.teacher_id)
    day = timedelta(days=1)

    def make(title, courses, open_at, due_at, **settings):
        # Due at 20:00 that day, as teachers set it (the contact book keeps homework before 21:00).
        local = utc_to_local(due_at, school_tz()).replace(hour=20, minute=0, second=0, microsecond=0)
        # Never due on a day without school: work past due moves to the school day before (it stays
        # past due), work to come to the next one; the late work's cutoff moves with it.
        step = timedelta(days=-1 if due_at < now else 1)
        while homework.due_day_refusal(session, school.id, local) is not None:
            local += step
            if settings.get("cutoff_at"):
                settings["cutoff_at"] += step
        return homework.save_assignment(session, teacher, "teacher", school, homework.AssignmentInput(
            title=title, subject_id=c6a1.subject_id, course_ids=[c.id for c in courses], open_at=open_at,
            due_at=local_to_utc(local, school_tz()), **settings), now=open_at).assignment

    # 1. Graded by rubric, in 6A2's grade book (term I, TX3); some were late and lost points.
    graded = make("Bài tập: Tập hợp và phần tử", [c6a2], now - 20 * day, now - 13 * day, late_policy="penalty",
                  penalty_percent=10, cutoff_at=now - 10 * day, rubric=RUBRIC, resubmissions=1,
                  instructions="Làm các bài 1–4 trang 12 SGK vào vở, **chụp ảnh** và nộp. "
                               "Nhớ ghi tập hợp bằng cả hai cách: liệt kê và chỉ ra tính chất đặc trưng.")
    pupils = students_of_class(session, c6a2.school_class)
    subs = _hand_in_all(session, rng, graded, pupils, graded.open_at + day, graded.due_at + 2 * day, folder, 0.92)
    _grade(session, rng, teacher, graded, subs, graded.due_at + 4 * day)
    homework.post_scores(session, teacher, "teacher", graded, 1, "tx3", graded.due_at + 4 * day)

    # 2. Past due, still taking late work; half graded, one returned for revision; parents told of the missing.
    late = make("Bài tập: Thứ tự thực hiện phép tính", [c6a1, c6a2], now - 6 * day, now - 2 * day,
                late_policy="penalty", penalty_percent=20, cutoff_at=now + 2 * day, resubmissions=1,
                instructions="Làm bài 1.40 đến 1.45 (SGK trang 24). Trình bày từng bước.")
    pupils = students_of_class(session, c6a1.school_class) + students_of_class(session, c6a2.school_class)
    subs = _hand_in_all(session, rng, late, pupils, late.open_at + day, now - day, folder, 0.8)
    _grade(session, rng, teacher, late, subs[: len(subs) // 2], now - day)
    waiting = subs[len(subs) // 2:]
    if waiting:
        homework.return_submission(session, teacher, "teacher", waiting[0], "Em làm lại bài 1.43, chú ý dấu ngoặc.",
                                   now=now - timedelta(hours=12), revise_by=now + 2 * day)
    homework.notify_overdue(session, late.due_at + timedelta(hours=1))

    # 3. Open now, tied to the latest lesson of 6A1, with photos coming in.
    lesson = session.scalars(select(Lesson).where(Lesson.course_id == c6a1.id, Lesson.publish_at <= now)
                             .order_by(Lesson.publish_at.desc())).first()
    current = make("Bài tập: Luỹ thừa với số mũ tự nhiên", [c6a1, c6a2], now - 2 * day, now + 3 * day,
                   lesson_id=lesson.id if lesson else None, resubmissions=2,
                   instructions="1. Viết gọn các tích sau bằng luỹ thừa: $2 \\cdot 2 \\cdot 2$; $5 \\cdot 5$.\n"
                                "2. Tính $2^3 \\cdot 3^2$.\n\nNộp ảnh chụp vở hoặc gõ đáp số vào ô bài làm.")
    _hand_in_all(session, rng, current, students_of_class(session, c6a1.school_class), now - 2 * day + timedelta(hours=3),
                 now - timedelta(hours=1), folder, 0.45)

    # 4. Scheduled for next week; 5. a draft.
    make("Bài tập: Dấu hiệu chia hết cho 2, 5", [c6a1, c6a2], now + 5 * day, now + 9 * day, max_score="10",
         instructions="Sẽ giao sau tiết học về dấu hiệu chia hết.")
    make("Dự án nhỏ: Số nguyên tố quanh em", [c6a1], now + 10 * day, now + 24 * day, publish=False, max_score="20",
         rubric=RUBRIC, instructions="Nhóm 4 bạn, làm áp phích về số nguyên tố (bản nháp, chưa giao).")
    session.flush()
