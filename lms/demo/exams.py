"""Demo question banks and exams in every state, entered through the engine's own services:
a closed, graded and released quiz posted to the grade book; a closed midterm drawn from a
blueprint whose essays wait for the teacher; a practice exam open now with attempts in progress;
one scheduled for next week; a draft."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.exams import attempts, bank, printing, qtypes, results, saving, services
from lms.exams.models import Attempt, AttemptSlot, Exam, Question
from lms.people.models import Course, School, SchoolClass, SchoolYear, Subject
from lms.people.services import students_of_class

DEVICE = saving.device_hash("demo-device")


def _choice(options: list[tuple[str, int]], multiple: bool = False) -> dict:
    data = {"options": [{"id": qtypes.new_id(), "text": t, "fraction": str(p / 100) if p % 100 else str(p // 100),
                         "feedback": "", "pinned": False} for t, p in options], "shuffle": True}
    qtypes.TYPES["multiple_choice" if multiple else "single_choice"].check(data)
    return data


# (category, qtype, level, text, data, general feedback)
TOAN6 = {
    "Tập hợp": [
        ("single_choice", 1, "Cho tập hợp $A = \\{1; 3; 5; 7\\}$. Khẳng định nào sau đây **đúng**?",
         _choice([("$3 \\in A$", 100), ("$4 \\in A$", 0), ("$7 \\notin A$", 0), ("$1 \\notin A$", 0)]),
         "$3$ là một phần tử của $A$."),
        ("single_choice", 1, "Tập hợp các số tự nhiên nhỏ hơn 5 là:",
         _choice([("$\\{0; 1; 2; 3; 4\\}$", 100), ("$\\{1; 2; 3; 4\\}$", 0), ("$\\{0; 1; 2; 3; 4; 5\\}$", 0),
                  ("$\\{1; 2; 3; 4; 5\\}$", 0)]), "Số tự nhiên bắt đầu từ 0."),
        ("true_false", 1, "Tập hợp $\\mathbb{N}^*$ là tập hợp các số tự nhiên khác 0.",
         {"answer": True, "feedback_true": "Đúng.", "feedback_false": "$\\mathbb{N}^* = \\{1; 2; 3; \\ldots\\}$."}, ""),
        ("multiple_choice", 2, "Những tập hợp nào có đúng 3 phần tử?",
         _choice([("$\\{a; b; c\\}$", 50), ("$\\{x \\in \\mathbb{N} \\mid x < 3\\}$", 50), ("$\\{0\\}$", -50),
                  ("$\\{1; 2; 3; 4\\}$", -50)], multiple=True), ""),
        ("numerical", 2, "Tập hợp $B = \\{x \\in \\mathbb{N} \\mid 5 \\le x \\le 12\\}$ có bao nhiêu phần tử?",
         {"answers": [{"value": "8", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20},
         "Từ 5 đến 12 có $12 - 5 + 1 = 8$ số."),
        ("short_answer", 1, "Kí hiệu đọc là “thuộc” được viết như thế nào? (gõ chữ “thuoc” hoặc kí hiệu ∈)",
         {"answers": [{"text": "∈", "fraction": "1", "feedback": ""}, {"text": "thuộc", "fraction": "1", "feedback": ""}],
          "case_sensitive": False, "ignore_accents": True, "max_length": 200}, ""),
    ],
    "Phép tính với số tự nhiên": [
        ("single_choice", 1, "Kết quả của phép tính $25 \\cdot 4 + 16$ là:",
         _choice([("$116$", 100), ("$500$", 0), ("$41$", 0), ("$140$", 0)]), "$25 \\cdot 4 = 100$, $100 + 16 = 116$."),
        ("single_choice", 2, "Giá trị của $2^3 \\cdot 3^2$ là:",
         _choice([("$72$", 100), ("$36$", 0), ("$54$", 0), ("$30$", 0)]), "$8 \\cdot 9 = 72$."),
        ("numerical", 2, "Tính nhanh: $37 \\cdot 25 + 37 \\cdot 75$.",
         {"answers": [{"value": "3700", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20},
         "$37 \\cdot (25 + 75) = 37 \\cdot 100$."),
        ("numerical", 3, "Tìm $x$ biết $3x + 12 = 45$.",
         {"answers": [{"value": "11", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20},
         "$3x = 33$ nên $x = 11$."),
        ("single_choice", 2, "Thứ tự thực hiện phép tính trong biểu thức $18 - 2 \\cdot 3^2$ là:",
         _choice([("Lũy thừa, rồi nhân, rồi trừ", 100), ("Trừ, rồi nhân, rồi lũy thừa", 0),
                  ("Nhân, rồi lũy thừa, rồi trừ", 0), ("Từ trái sang phải", 0)]), ""),
        ("tf_cluster", 3, "Cho biểu thức $P = 2^4 - 3 \\cdot 2 + 10 : 5$. Xét tính đúng, sai của các khẳng định:",
         {"statements": [{"id": qtypes.new_id(), "text": "$2^4 = 16$", "answer": True},
                         {"id": qtypes.new_id(), "text": "$3 \\cdot 2 = 5$", "answer": False},
                         {"id": qtypes.new_id(), "text": "$10 : 5 = 2$", "answer": True},
                         {"id": qtypes.new_id(), "text": "$P = 14$", "answer": False}],
          "steps": list(qtypes.DEFAULT_STEPS)}, "$P = 16 - 6 + 2 = 12$."),
        ("essay", 4, "Một cửa hàng nhập 15 thùng vở, mỗi thùng 24 quyển, giá mỗi quyển 8 000 đồng. Cửa hàng bán hết với "
                     "giá 9 500 đồng một quyển. Hỏi cửa hàng lãi bao nhiêu tiền? Trình bày lời giải.",
         {"response_lines": 8, "guide": "Số vở 360 quyển (0,5 đ); lãi mỗi quyển 1 500 đ (0,5 đ); lãi 540 000 đ (1 đ).",
          "max_length": qtypes.MAX_TEXT}, "Lãi: $360 \\cdot 1500 = 540\\,000$ đồng."),
    ],
    "Chia hết và số nguyên tố": [
        ("single_choice", 1, "Số nào sau đây chia hết cho 9?",
         _choice([("$4\\,725$", 100), ("$1\\,234$", 0), ("$5\\,551$", 0), ("$3\\,300$", 0)]), "Tổng các chữ số là 18."),
        ("multiple_choice", 2, "Chọn tất cả các số nguyên tố:",
         _choice([("$2$", 34), ("$13$", 33), ("$29$", 33), ("$21$", -50), ("$1$", -50)], multiple=True),
         "1 không là số nguyên tố; $21 = 3 \\cdot 7$."),
        ("matching", 2, "Ghép mỗi số với dạng phân tích ra thừa số nguyên tố của nó:",
         {"pairs": [{"id": qtypes.new_id(), "left": "$12$", "right": "$2^2 \\cdot 3$"},
                    {"id": qtypes.new_id(), "left": "$18$", "right": "$2 \\cdot 3^2$"},
                    {"id": qtypes.new_id(), "left": "$20$", "right": "$2^2 \\cdot 5$"}],
          "distractors": [{"id": qtypes.new_id(), "right": "$2 \\cdot 3 \\cdot 5$"}]}, ""),
        ("numerical", 3, "Tìm ƯCLN(36, 48).",
         {"answers": [{"value": "12", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20}, ""),
        ("numerical", 3, "Tìm BCNN(6, 8).",
         {"answers": [{"value": "24", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20}, ""),
        ("essay", 4, "Có 24 quyển vở và 36 cái bút chia đều vào các phần quà. Có thể chia được nhiều nhất bao nhiêu phần "
                     "quà? Mỗi phần có bao nhiêu vở, bao nhiêu bút?",
         {"response_lines": 6, "guide": "ƯCLN(24, 36) = 12 phần; 2 vở, 3 bút.", "max_length": qtypes.MAX_TEXT}, ""),
    ],
    "Hình học trực quan": [
        ("single_choice", 1, "Hình vuông có mấy trục đối xứng?",
         _choice([("4", 100), ("2", 0), ("1", 0), ("0", 0)]), ""),
        ("numerical", 2, "Một hình chữ nhật có chiều dài 8 cm, chiều rộng 5 cm. Tính chu vi (cm).",
         {"answers": [{"value": "26", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20},
         "$2 \\cdot (8 + 5) = 26$."),
        ("numerical", 3, "Hình thoi có hai đường chéo dài 6 cm và 8 cm. Tính diện tích (cm²).",
         {"answers": [{"value": "24", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 20},
         "$\\frac{6 \\cdot 8}{2} = 24$."),
        ("true_false", 1, "Tam giác đều có ba góc bằng nhau.",
         {"answer": True, "feedback_true": "", "feedback_false": ""}, ""),
    ],
}
TOAN10 = [
    ("tf_cluster", 3, "Cho hai tập hợp $A = [1; 5)$ và $B = (3; 7]$. Xét các khẳng định:",
     {"statements": [{"id": qtypes.new_id(), "text": "$A \\cap B = (3; 5)$", "answer": True},
                     {"id": qtypes.new_id(), "text": "$A \\cup B = [1; 7]$", "answer": True},
                     {"id": qtypes.new_id(), "text": "$A \\setminus B = [1; 3)$", "answer": False},
                     {"id": qtypes.new_id(), "text": "$5 \\in A$", "answer": False}],
      "steps": list(qtypes.DEFAULT_STEPS)}, "$A \\setminus B = [1; 3]$ vì $3 \\notin B$."),
    ("single_choice", 1, "Mệnh đề phủ định của “$\\forall x \\in \\mathbb{R}, x^2 \\ge 0$” là:",
     _choice([("$\\exists x \\in \\mathbb{R}, x^2 < 0$", 100), ("$\\forall x \\in \\mathbb{R}, x^2 < 0$", 0),
              ("$\\exists x \\in \\mathbb{R}, x^2 \\ge 0$", 0), ("$\\forall x \\in \\mathbb{R}, x^2 \\le 0$", 0)]), ""),
    ("numerical", 3, "Tập $\\{x \\in \\mathbb{Z} \\mid -2 < x \\le 3\\}$ có bao nhiêu phần tử?",
     {"answers": [{"value": "5", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 4}, ""),
    ("numerical", 3, "Giải bất phương trình $2x - 1 > 0$; nhập giá trị nhỏ nhất mà $x$ phải lớn hơn (số thập phân).",
     {"answers": [{"value": "0.5", "tolerance": "0", "fraction": "1", "feedback": ""}], "max_length": 4}, "$x > 0,5$."),
]
ESSAYS = {"vở": ["Số vở: 15 · 24 = 360 quyển. Lãi mỗi quyển 1 500 đồng. Lãi: 540 000 đồng.",
                 "Cửa hàng lãi 540 000 đồng vì bán được 360 quyển.", "Mỗi quyển lãi 1500 đồng.",
                 "Tiền nhập 2 880 000 đồng, tiền bán 3 420 000 đồng, lãi 540 000 đồng."],
          "quà": ["ƯCLN(24, 36) = 12 nên chia được 12 phần quà, mỗi phần 2 vở và 3 bút.",
                  "Chia được 6 phần quà, mỗi phần 4 vở, 6 bút.", "12 phần quà."]}


def _bank(session: Session, school: School, teacher: User, subject: Subject, root_name: str, topics: dict,
          now: datetime, grade: int) -> dict[str, object]:
    root = bank.save_category(session, teacher, "teacher", school, subject_id=subject.id, name=root_name)
    categories = {"": root}
    for topic, questions in topics.items():
        category = bank.save_category(session, teacher, "teacher", school, subject_id=subject.id, name=topic,
                                      parent_id=root.id)
        categories[topic] = category
        for qtype, level, text, data, feedback in questions:
            mark = {"essay": "2", "tf_cluster": "1"}.get(qtype, "0,5")
            bank.save_question(session, teacher, "teacher", school, bank.QuestionInput(
                category_id=category.id, qtype=qtype, text=text, data=data, general_feedback=feedback, topic=topic,
                level=level, grade=grade, default_mark=mark), now=now)
    return categories


def _answer(rng: random.Random, slot: AttemptSlot, skill: float):
    """A plausible answer: right with probability `skill`, otherwise something else."""
    data, qtype = slot.version.data, slot.question.qtype
    qt = qtypes.TYPES[qtype]
    right = qt.right(data)
    good = rng.random() < skill
    if qtype in ("single_choice",):
        return right if good else rng.choice([o["id"] for o in data["options"] if o["id"] != right])
    if qtype == "multiple_choice":
        return right if good else right[:1] + [o["id"] for o in data["options"] if o["id"] not in right][:1]
    if qtype == "true_false":
        return right if good else not right
    if qtype == "tf_cluster":
        return {k: (v if rng.random() < skill + 0.15 else not v) for k, v in right.items()}
    if qtype == "matching":
        keys = list(right)
        return right if good else dict(zip(keys, reversed(keys)))
    if qtype == "numerical":
        return right if good else str(int(float(right.replace(",", "."))) + rng.choice([-2, -1, 1, 3]))
    if qtype == "short_answer":
        return right if good else "không biết"
    if qtype == "essay":
        answers = ESSAYS["quà" if "quà" in slot.version.text else "vở"]
        return rng.choice(answers) if rng.random() < 0.9 else ""
    return None


def _sit(session: Session, rng: random.Random, exam: Exam, pupils, start: datetime, *, share: float = 0.9,
         finish: bool = True) -> list[Attempt]:
    done = []
    for pupil in pupils:
        if rng.random() > share:
            continue
        began = start + timedelta(minutes=rng.randint(0, 5))
        attempt = attempts.start_attempt(session, pupil, exam, now=began, device=DEVICE)
        skill = min(0.95, max(0.35, rng.gauss(0.7, 0.15)))
        slots = list(session.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                                     .order_by(AttemptSlot.position)))
        for i, slot in enumerate(slots):
            if slot.question.qtype == "description" or rng.random() < 0.05:
                continue
            attempts.save_response(session, attempt, slot.position, _answer(rng, slot, skill), 1, device=DEVICE,
                                   now=began + timedelta(minutes=1 + i))
        if finish:
            attempts.submit_attempt(session, attempt, now=began + timedelta(minutes=len(slots) + 2), device=DEVICE)
        done.append(attempt)
    return done


def _course(session: Session, school: School, year: SchoolYear, class_name: str, code: str) -> Course | None:
    return session.scalars(select(Course).join(SchoolClass).join(Subject, Subject.id == Course.subject_id).where(
        Course.school_id == school.id, SchoolClass.school_year_id == year.id, SchoolClass.name == class_name,
        Subject.code == code)).first()


def seed_exams(session: Session, school: School, admin: User, rng: random.Random, now: datetime) -> None:
    from lms.people.services import current_year

    year = current_year(session, school)
    if school.code == "THCS-ND":
        _seed_thcs(session, school, year, rng, now)
    elif school.code == "THPT-LX":
        _seed_thpt(session, school, year, rng, now)
    session.flush()
    attempts.count_usage(session, now, since=timedelta(days=400))   # the bank shows how often each was used


def _exam(session, teacher, school, subject, courses, title, open_at, close_at, **settings) -> Exam:
    # Within the school year (a demo loaded in its first days): the year's first morning at the earliest.
    year = courses[0].school_class.school_year
    first = datetime.combine(year.start_date, time(1, 0), tzinfo=timezone.utc)
    open_at, close_at = max(open_at, first), max(close_at, first + (close_at - open_at))
    return services.save_exam(session, teacher, "teacher", school, services.ExamInput(
        title=title, subject_id=subject.id, course_ids=[c.id for c in courses], open_at=open_at, close_at=close_at,
        **settings))


def _seed_thcs(session: Session, school: School, year: SchoolYear, rng: random.Random, now: datetime) -> None:
    c6a1, c6a2 = _course(session, school, year, "6A1", "toan"), _course(session, school, year, "6A2", "toan")
    teacher = session.get(User, c6a1.teacher_id)
    subject = c6a1.subject
    categories = _bank(session, school, teacher, subject, "Toán 6 — Chương I và Hình học", TOAN6, now, 6)
    day = timedelta(days=1)
    root = categories[""]

    # 1. Closed, graded, released and in 6A2's grade book (TX4).
    quiz = _exam(session, teacher, school, subject, [c6a2], "Kiểm tra 15 phút — Tập hợp", now - 10 * day,
                 now - 10 * day + timedelta(hours=2), time_limit_min=15, gradebook_term=1, gradebook_key="tx4",
                 instructions="Làm bài trong 15 phút. Chọn một phương án đúng cho mỗi câu.")
    set_questions = [q for q in session.scalars(select(Question).where(
        Question.category_id == categories["Tập hợp"].id)) if q.qtype != "essay"]
    services.set_items(session, teacher, "teacher", school, quiz, [(q.id, "1") for q in set_questions[:6]])
    services.publish_exam(session, teacher, "teacher", quiz)
    _sit(session, rng, quiz, students_of_class(session, c6a2.school_class), quiz.open_at + timedelta(minutes=5))
    services.release_results(session, teacher, "teacher", quiz, quiz.close_at + day)
    results.post_to_gradebook(session, teacher, "teacher", quiz, quiz.close_at + day)

    # 2. A midterm drawn from the blueprint, closed; its essays wait for the teacher.
    midterm = _exam(session, teacher, school, subject, [c6a1, c6a2], "Kiểm tra giữa kỳ I — Toán 6", now - 3 * day,
                    now - 3 * day + timedelta(hours=3), time_limit_min=45,
                    instructions="Phần I trắc nghiệm, phần II tự luận. Mỗi em nhận một đề riêng theo ma trận.")
    services.set_rules(session, teacher, "teacher", school, midterm, [
        services.RuleInput(category_id=categories["Tập hợp"].id, count=2, mark="0,5", level=1),
        services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=2, mark="0,5", level=2),
        services.RuleInput(category_id=categories["Chia hết và số nguyên tố"].id, count=2, mark="1", level=3,
                           qtype="numerical"),
        services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=1, mark="1", level=3,
                           qtype="tf_cluster"),
        services.RuleInput(category_id=root.id, count=1, mark="3", level=4, qtype="essay"),
        services.RuleInput(category_id=categories["Hình học trực quan"].id, count=2, mark="1")])
    services.publish_exam(session, teacher, "teacher", midterm)
    for course in (c6a1, c6a2):
        _sit(session, rng, midterm, students_of_class(session, course.school_class), midterm.open_at + timedelta(minutes=3))
    # The teacher has begun marking: the first five essays are graded.
    queue = results.grading_queue(session, midterm)
    for item in (queue[0].items if queue else [])[:5]:
        results.grade_manually(session, teacher, "teacher", item.attempt, item.slot.position,
                               rng.choice(["3", "2,5", "2", "1,5"]), "Trình bày rõ ràng.", now - day)

    # 3. Practice, open now for the week: three attempts allowed, best counts; some pupils are in it.
    practice = _exam(session, teacher, school, subject, [c6a1, c6a2], "Luyện tập: Phép tính với số tự nhiên",
                     now - 2 * day, now + 5 * day, time_limit_min=20, attempts_allowed=3, grading_method="highest",
                     per_page=3, instructions="Bài luyện tập, được làm 3 lần, lấy điểm cao nhất.")
    services.set_rules(session, teacher, "teacher", school, practice, [
        services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=3, mark="1",
                           qtype="single_choice"),
        services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=2, mark="2",
                           qtype="numerical")])
    services.publish_exam(session, teacher, "teacher", practice)
    pupils = students_of_class(session, c6a2.school_class)
    _sit(session, rng, practice, pupils[:12], now - day)
    _sit(session, rng, practice, pupils[12:15], now - timedelta(minutes=8), share=1.0, finish=False)

    # A readiness check before 6A1's next lesson: most have done it, a few questions were hard.
    from lms.courses.models import Lesson

    lesson = session.scalars(select(Lesson).where(Lesson.course_id == c6a1.id).order_by(Lesson.id.desc())).first()
    if lesson is not None:
        check = _exam(session, teacher, school, subject, [c6a1], f"Chuẩn bị bài: {lesson.title}", now - day,
                      now + 2 * day, time_limit_min=10, per_page=0, lesson_id=lesson.id, ready_percent=70,
                      review={"after_submit": {"score": True, "responses": True, "correct": True, "feedback": True},
                              "after_release": {"score": True, "responses": True, "correct": True, "feedback": True}},
                      instructions="Làm trước giờ học để cô biết em đã sẵn sàng chưa.")
        services.set_rules(session, teacher, "teacher", school, check, [
            services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=3, mark="1",
                               qtype="single_choice"),
            services.RuleInput(category_id=categories["Phép tính với số tự nhiên"].id, count=2, mark="1",
                               qtype="numerical")])
        services.publish_exam(session, teacher, "teacher", check)
        _sit(session, rng, check, students_of_class(session, c6a1.school_class), now - timedelta(hours=20), share=0.8)

    # 4. Scheduled for next week; 5. a draft being prepared.
    geometry = _exam(session, teacher, school, subject, [c6a1], "Kiểm tra 15 phút — Hình học trực quan", now + 7 * day,
                     now + 7 * day + timedelta(hours=1), time_limit_min=15, access_code="HINH6A1")
    services.set_items(session, teacher, "teacher", school, geometry, [
        (q.id, "2,5") for q in session.scalars(select(Question).where(
            Question.category_id == categories["Hình học trực quan"].id))])
    services.publish_exam(session, teacher, "teacher", geometry)
    # It is printed in four versions, and pupils sitting it online get the same ones.
    printing.make_papers(session, teacher, "teacher", geometry, 4, 101)
    printing.set_online(session, teacher, "teacher", geometry, True)
    draft = _exam(session, teacher, school, subject, [c6a1, c6a2], "Đề ôn tập cuối học kỳ I", now + 30 * day,
                  now + 30 * day + timedelta(hours=2), time_limit_min=60)
    services.set_rules(session, teacher, "teacher", school, draft, [
        services.RuleInput(category_id=root.id, count=10, mark="0,5", level=1),
        services.RuleInput(category_id=root.id, count=4, mark="1", level=2)])


def _seed_thpt(session: Session, school: School, year: SchoolYear, rng: random.Random, now: datetime) -> None:
    course = _course(session, school, year, "10A1", "toan")
    teacher = session.get(User, course.teacher_id)
    categories = _bank(session, school, teacher, course.subject, "Toán 10 — Mệnh đề và tập hợp",
                       {"Mệnh đề, tập hợp": TOAN10}, now, 10)
    exam = _exam(session, teacher, school, course.subject, [course], "Luyện đề THPT: Mệnh đề và tập hợp",
                 now - timedelta(days=1), now + timedelta(days=6), time_limit_min=30, attempts_allowed=2,
                 instructions="Theo cấu trúc đề thi tốt nghiệp THPT từ 2025: trắc nghiệm, đúng/sai bốn ý, trả lời ngắn.")
    services.set_items(session, teacher, "teacher", school, exam, [
        (q.id, "1") for q in session.scalars(select(Question).where(
            Question.category_id == categories["Mệnh đề, tập hợp"].id))])
    services.publish_exam(session, teacher, "teacher", exam)
    _sit(session, rng, exam, students_of_class(session, course.school_class)[:15], now - timedelta(hours=20))
