"""Demo content for the courses area: plans, online lessons with files, pupils' progress,
announcements, a teacher–parent conversation and calendar events. Deterministic for a given day."""
from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.core.storage import Area
from lms.courses import calendar, comms, lessons, plans, resources
from lms.courses.models import LessonProgress, Mode
from lms.people.models import Course, Guardianship, School, SchoolClass, Student
from lms.people.services import current_year, students_of_class

# Real topics of the 2018 programme for the courses the demo logins open first.
TOPICS = {
    ("toan", 6): ["Tập hợp", "Cách ghi số tự nhiên", "Thứ tự trong tập hợp các số tự nhiên",
                  "Phép cộng và phép trừ số tự nhiên", "Phép nhân và phép chia số tự nhiên", "Luỹ thừa với số mũ tự nhiên",
                  "Thứ tự thực hiện các phép tính", "Quan hệ chia hết và tính chất", "Dấu hiệu chia hết",
                  "Số nguyên tố", "Ước chung. Ước chung lớn nhất", "Bội chung. Bội chung nhỏ nhất",
                  "Tập hợp các số nguyên", "Phép cộng và phép trừ số nguyên", "Hình học trực quan: tam giác đều, hình vuông",
                  "Hình chữ nhật, hình thoi, hình bình hành", "Chu vi và diện tích các hình"],
    ("toan", 9): ["Phương trình quy về phương trình bậc nhất một ẩn", "Phương trình và hệ hai phương trình bậc nhất hai ẩn",
                  "Giải hệ hai phương trình bậc nhất hai ẩn", "Giải bài toán bằng cách lập hệ phương trình",
                  "Bất đẳng thức và tính chất", "Bất phương trình bậc nhất một ẩn", "Căn bậc hai và căn thức bậc hai",
                  "Căn bậc ba", "Tỉ số lượng giác của góc nhọn", "Hệ thức giữa cạnh và góc của tam giác vuông"],
    ("toan", 10): ["Mệnh đề", "Tập hợp và các phép toán trên tập hợp", "Bất phương trình bậc nhất hai ẩn",
                   "Hệ bất phương trình bậc nhất hai ẩn", "Giá trị lượng giác của một góc từ 0° đến 180°",
                   "Hệ thức lượng trong tam giác", "Các khái niệm mở đầu về vectơ", "Tổng và hiệu của hai vectơ"],
    ("ngu_van", 6): ["Lắng nghe lịch sử nước mình: Thánh Gióng", "Sự tích Hồ Gươm", "Miền cổ tích: Sọ Dừa",
                     "Thạch Sanh", "Vẻ đẹp quê hương: Những câu hát dân gian", "Chuyện cổ nước mình"],
}
LESSON_BODY = """## Mục tiêu

- Hiểu được nội dung chính của bài **{topic}**.
- Vận dụng vào giải các bài tập cơ bản.

## Nội dung

Em hãy đọc kỹ phần lý thuyết trong sách giáo khoa, sau đó xem video bài giảng và làm phiếu học tập đính kèm.

| Bước | Việc cần làm | Thời gian |
|---|---|---|
| 1 | Đọc lý thuyết | 10 phút |
| 2 | Xem video | 15 phút |
| 3 | Làm phiếu học tập | 20 phút |

> Gặp khó khăn, em ghi lại câu hỏi để hỏi thầy cô trong tiết học trực tiếp tiếp theo.
"""
# A deterministic pattern of online periods: about a fifth of each plan (between the THCS and THPT targets).
ONLINE_SELF_EVERY, ONLINE_LIVE_EVERY = 6, 14


def _topic(course: Course, index: int) -> str:
    own = TOPICS.get((course.subject.code, course.school_class.grade))
    if own:
        k = index // 2
        return f"Bài {k + 1}. {own[k]}" if k < len(own) else f"Luyện tập: {own[k % len(own)]}"
    return f"Chủ đề {index // 4 + 1}, tiết {index % 4 + 1}"


def _worksheet_pdf(title: str) -> bytes:
    from lms.core.pdf import render_pdf

    html = (f"<html><body style='font-family: DejaVu Sans; font-size: 12pt'><h1 style='font-size: 16pt'>"
            f"PHIẾU HỌC TẬP</h1><h2 style='font-size: 13pt'>{title}</h2>"
            "<p>Họ và tên: .................................................. Lớp: ..........</p>"
            "<ol><li>Đọc kỹ đề bài và tóm tắt.</li><li>Trình bày lời giải vào vở.</li>"
            "<li>Tự kiểm tra kết quả với bạn cùng bàn.</li></ol></body></html>")
    return render_pdf(html)


def _diagram_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 260), "white")
    draw = ImageDraw.Draw(image)
    draw.polygon([(60, 220), (240, 40), (420, 220)], outline="#0d6efd", width=4)
    draw.rectangle([300, 120, 440, 220], outline="#dc3545", width=4)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def seed_courses(session: Session, school: School, admin: User, rng: random.Random, folder: Area,
                 limits: dict[str, int], now: datetime, skip: set[tuple[str, str]] = frozenset()) -> None:
    """Plans for every course of the current year (except those in `skip`, as (subject code,
    class name), left empty for a teacher to build), lessons for online periods already taught,
    progress for most pupils, plus library files, announcements and calendar events."""
    year = current_year(session, school)
    courses = list(session.scalars(select(Course).join(SchoolClass).where(
        Course.school_id == school.id, SchoolClass.school_year_id == year.id).order_by(Course.id)))
    sheet = resources.add_resources(session, admin, school, [("phieu-hoc-tap.pdf", _worksheet_pdf("Ôn tập chương"))],
                                    resources.ResourceMeta(title="Phiếu học tập ôn tập chương", topic="Ôn tập",
                                                           tags="phiếu học tập, ôn tập", shared_with_department=True),
                                    folder, limits)[0]
    math = next((c.subject for c in courses if c.subject.code == "toan"), None)
    figure = resources.add_resources(session, admin, school, [("hinh-hoc-truc-quan.png", _diagram_png())],
                                     resources.ResourceMeta(title="Hình học trực quan: tam giác và hình chữ nhật",
                                                            subject_id=math.id if math else None,
                                                            grade=courses[0].school_class.grade if courses else None,
                                                            topic="Hình học", tags="hình vẽ, tam giác"),
                                     folder, limits)[0]
    this_week = (now.date() - year.start_date).days // 7 + 1
    pupils_by_class: dict[int, list[Student]] = {}
    for course in courses:
        # By id: the relationship may predate the assignment made earlier in the same session.
        teacher = session.get(User, course.teacher_id) if course.teacher_id else None
        if (course.subject.code, course.school_class.name) in skip or teacher is None:
            continue
        plans.generate_plan(session, teacher, course)
        periods = plans.plan_of(session, course)
        for i, period in enumerate(periods):
            period.topic = _topic(course, i)
            if i % ONLINE_SELF_EVERY == ONLINE_SELF_EVERY - 1:
                period.mode = Mode.ONLINE_SELF
            elif i % ONLINE_LIVE_EVERY == ONLINE_LIVE_EVERY - 1:
                period.mode = Mode.ONLINE_LIVE
        session.flush()
        pupils = pupils_by_class.setdefault(course.class_id, students_of_class(session, course.school_class))
        previous = None
        for period in periods:
            if not Mode(period.mode).online or period.week > this_week + 2:
                continue
            monday = plans.week_start(year, period.week)
            # 08:00 in Việt Nam, from the year's first day (week 1's Monday may come before it)
            publish = datetime.combine(max(monday, year.start_date), time(1, 0), tzinfo=timezone.utc)
            upcoming = publish > now
            data = lessons.LessonInput(
                title=period.topic, body=LESSON_BODY.format(topic=period.topic),
                video_links="https://www.youtube.com/watch?v=dQw4w9WgXcQ" if period.mode == Mode.ONLINE_LIVE else "",
                period_ids=[period.id], publish=lessons.PublishMode.AT, publish_at=publish,
                prerequisite_id=previous.id if previous is not None and rng.random() < 0.3 else None,
                resource_ids=[sheet.id] + ([figure.id] if course.subject_id == (math.id if math else 0) else []))
            lesson = lessons.save_lesson(session, teacher, course, data, now=now, notify_pupils=False)
            previous = lesson
            if upcoming:
                continue
            for pupil in pupils:
                roll = rng.random()
                if roll < 0.15:
                    continue  # never opened
                opened = publish + timedelta(hours=rng.randint(2, 72))
                if opened > now:
                    continue
                session.add(LessonProgress(lesson_id=lesson.id, student_id=pupil.id, first_opened_at=opened,
                                           last_seen_at=opened + timedelta(minutes=rng.randint(5, 40)),
                                           seconds=rng.randint(240, 2400),
                                           completed_at=opened + timedelta(minutes=30) if roll > 0.3 else None))
        session.flush()
    _seed_talk(session, courses, now)


def _seed_talk(session: Session, courses: list[Course], now: datetime) -> None:
    classes = {c.school_class.id: c.school_class for c in courses}
    for school_class in classes.values():
        teacher = school_class.homeroom_teacher
        if teacher is None:
            continue
        comms.post_announcement(session, teacher, school_class, None, "Họp phụ huynh cuối học kỳ I",
                                "Kính mời quý phụ huynh dự họp lúc 7 giờ 30 sáng Chủ nhật 10/01/2027 tại phòng học "
                                f"lớp {school_class.name}. Trân trọng.")
        calendar.add_event(session, teacher, school_class, kind="exam", title="Kiểm tra giữa kỳ môn Toán",
                           starts_at=(now + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0))
    first = next(iter(classes.values()), None)
    if first is None or first.homeroom_teacher is None:
        return
    pupil = students_of_class(session, first)[0]
    parent = session.scalars(select(User).join(Guardianship, Guardianship.guardian_id == User.id)
                             .where(Guardianship.student_id == pupil.id)).first()
    if parent is not None:
        thread = comms.start_thread(session, first.homeroom_teacher, pupil, first.homeroom_teacher, parent)
        comms.send_message(session, first.homeroom_teacher, thread,
                           f"Chào chị, tuần này em {pupil.full_name} chưa hoàn thành bài học trực tuyến môn Toán. "
                           "Chị nhắc em vào học giúp cô nhé.", now - timedelta(days=2))
        comms.send_message(session, parent, thread, "Dạ, em cảm ơn cô. Tối nay em sẽ cho cháu học bù ạ.",
                           now - timedelta(days=1))
