"""Defects an outside tester found around the exam engine, each through the routes a teacher or
pupil uses: the result line, the exam settings form, the blueprint's total, readiness lists, the
monitor, parts of a fixed list, and the save history on a pupil's paper."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.auth.models import User
from lms.exams import services
from lms.exams.models import Attempt, Exam
from lms.people.models import School
from tests.factories import make_bank, make_exam
from tests.integration.test_exams import _json, _right, _slots, _start, _wrong


def _exam_with_marks(dbs, world, marks: list[str]):
    with dbs() as s:
        b = make_bank(s, world.a)
        exam = make_exam(s, world.a, b.questions[:len(marks)], publish=False)
        owner = s.get(User, world.a.teacher.id)
        services.set_items(s, owner, "teacher", s.get(School, world.a.school.id), exam,
                           [(q.id, m) for q, m in zip(b.questions, marks)])
        services.publish_exam(s, owner, "teacher", exam)
        s.commit()
        return exam.id


def _sit(client, dbs, exam_id, right: int) -> int:
    attempt_id = _start(client, exam_id)
    slots = _slots(dbs, attempt_id)
    finals = [{"position": p, "value": (_right if i < right else _wrong)(data), "seq": 1}
              for i, (p, _t, data, _l) in enumerate(slots)]
    assert _json(client, f"/attempts/{attempt_id}/submit", {"finals": finals}).status_code == 200
    return attempt_id


def _score_line(client, attempt_id) -> str:
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    found = re.search(r'id="result-score">(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_result_line_says_a_mark_out_of_10_once(world, client, dbs):
    client.login("hsa001")
    ten = _exam_with_marks(dbs, world, ["2,5", "2,5", "2,5", "2,5"])
    assert _score_line(client, _sit(client, dbs, ten, right=2)) == "Điểm: 5,0 / 10"
    twenty = _exam_with_marks(dbs, world, ["5", "5", "5", "5"])
    assert _score_line(client, _sit(client, dbs, twenty, right=3)) == "Điểm: 7,5 / 10 (15 / 20 điểm của đề)"


def _form_of(page: str, holding: str) -> dict:
    """What the browser would send for the page's form that holds the field `holding`, as it stands
    (inputs, checked boxes, chosen options)."""
    import html as htmllib

    page = next(f for f in re.findall(r"<form\b.*?</form>", page, re.S) if f'name="{holding}"' in f)
    data: dict = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if not name or kind in ("submit", "button") or (kind in ("checkbox", "radio") and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data.setdefault(name.group(1), []).append(htmllib.unescape(value.group(1)) if value else ("y" if kind == "checkbox" else ""))
    for name, body in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        options = [(re.search(r'value="([^"]*)"', tag).group(1), " selected" in tag)
                   for tag in re.findall(r"<option\b[^>]*>", body)]
        chosen = [v for v, on in options if on] or [v for v, _on in options[:1]]
        data[name] = [htmllib.unescape(v) for v in chosen]
    for name, body in re.findall(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = [htmllib.unescape(body)]
    data.pop("csrf_token", None)
    return data


def _field_messages(page: str, name: str) -> list[str]:
    """The error messages shown under one field."""
    start = page.index(f'name="{name}"')
    block = page[start:start + 1500]
    block = block[:block.find('class="mb-3') if 'class="mb-3' in block else len(block)]
    return [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', block, re.S)]


def _exam_and_teacher(world, make_client, dbs):
    """A two-question exam of school A and its teacher, signed in."""
    with dbs() as s:
        exam_id = make_exam(s, world.a, make_bank(s, world.a).questions[:2]).id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    return exam_id, teacher


def test_a_number_field_with_letters_gets_one_message_in_vietnamese(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    form = _form_of(teacher.get(f"/exams/{exam_id}/edit").get_data(as_text=True), "attempts_allowed")
    form.update(attempts_allowed=["abc"], per_page=["-1"])
    response = teacher.post(f"/exams/{exam_id}/edit", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_messages(page, "attempts_allowed") == ["“abc” không phải là một số nguyên."]
    assert _field_messages(page, "per_page") == ["Nhập số từ 0 đến 100."]
    form.update(attempts_allowed=["2"], per_page=["5"])
    again = teacher.post(f"/exams/{exam_id}/edit", form)
    assert again.status_code == 302
    with dbs() as s:
        assert s.get(Exam, exam_id).attempts_allowed == 2


def test_a_blueprint_or_list_whose_marks_do_not_add_up_to_10_is_warned_about(world, make_client, dbs):
    with dbs() as s:
        b = make_bank(s, world.a, count=8)
        exam = make_exam(s, world.a, b.questions[:1], publish=False)
        s.commit()
        exam_id, category_id = exam.id, b.category.id
    teacher = make_client()
    teacher.login("gv.a")

    def save(rows):
        data = {k: [] for k in ("category", "topic", "level", "qtype", "count", "mark")}
        for count, mark in rows:
            for k, v in (("category", str(category_id)), ("topic", ""), ("level", ""), ("qtype", ""),
                         ("count", str(count)), ("mark", mark)):
                data[k].append(v)
        return teacher.post(f"/exams/{exam_id}/blueprint", data, follow_redirects=True).get_data(as_text=True)

    page = save([(4, "1"), (4, "1,25")])                         # 4 + 5 = 9
    assert "Đã lưu ma trận đề." in page
    warning = re.search(r'id="total-warning">(.*?)</div>', page, re.S)
    assert warning and "Tổng điểm của đề là 9, không phải 10" in warning.group(1)
    assert page.count("Tổng điểm của đề là 9") == 2               # said on saving, and kept on the page
    page = save([(4, "1"), (4, "1,5")])
    assert "Đã lưu ma trận đề." in page and "total-warning" not in page and "không phải 10" not in page
    items = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    assert "total-warning" not in items                           # the blueprint decides, not the old list
    with dbs() as s:
        fixed = make_exam(s, world.a, make_bank(s, world.a).questions[:2], publish=False).id
        s.commit()
    items = teacher.get(f"/exams/{fixed}/questions").get_data(as_text=True)
    assert "Tổng điểm của đề là 2, không phải 10" in items


# A teacher's test in the 2025 format: three parts, each a sub-category once imported.
PARTS_FILE = "\n".join(
    ["PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn"]
    + [f"Câu {n}. Kết quả của $2^{{{n}}}$ là\nA. {2 ** n}\nB. {2 ** n + 1}\nC. {2 ** n + 2}\nD. {2 ** n + 3}" for n in range(1, 6)]
    + ["PHẦN II. Câu trắc nghiệm đúng sai"]
    + [f"Câu {n}. Cho tập hợp A = {{1; {n}}}.\na) 1 thuộc A\nb) 0 thuộc A\nc) {n} thuộc A\nd) A rỗng" for n in range(6, 9)]
    + ["PHẦN III. Câu trắc nghiệm trả lời ngắn"]
    + [f"Câu {n}. Tính {n} + {n}.\nĐáp án: {2 * n}" for n in range(9, 13)]
    + ["ĐÁP ÁN", "1-A 2-A 3-A 4-A 5-A 6-ĐSĐS 7-ĐSĐS 8-ĐSĐS"])


def _parts_exam(dbs, world) -> int:
    from lms.core.timeutil import utcnow
    from lms.exams import importing
    from lms.exams.models import Question, QuestionCategory

    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        plan = importing.plan_import("de-2025.txt", PARTS_FILE.encode())
        assert plan.ok, plan.errors
        importing.apply_import(s, owner, "teacher", school, b.category, plan, now=utcnow(), image_folder=None)
        parts = {c.name: c.id for c in s.scalars(select(QuestionCategory).where(QuestionCategory.parent_id == b.category.id))}
        questions = [q for name in sorted(parts) for q in s.scalars(
            select(Question).where(Question.category_id == parts[name]).order_by(Question.id))]
        exam = make_exam(s, world.a, questions, per_page=0, shuffle_questions=True)
        s.commit()
        return exam.id


def _part_of(text: str) -> int:
    return 1 if "Kết quả" in text else 2 if "Cho tập hợp" in text else 3


def test_a_shuffled_fixed_list_keeps_its_parts_in_order_under_their_headings(world, make_client, dbs):
    from random import Random

    from lms.exams import drawing
    from lms.exams.models import AttemptSlot

    exam_id = _parts_exam(dbs, world)
    orders = set()
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        for seed in range(30):
            paper = drawing.compose(s, exam, Random(seed))
            parts = [_part_of(version.text) for _q, _m, _r, version, _l in paper]
            assert parts == sorted(parts) == [1] * 5 + [2] * 3 + [3] * 4, seed
            orders.add(tuple(q.id for q, *_rest in paper))
    assert len(orders) > 20                                   # still shuffled, within each part
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    page = pupil.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    titles = re.findall(r'class="card-header[^"]*part-title">(.*?)</h2>', page)
    assert titles == ["PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn", "PHẦN II. Câu trắc nghiệm đúng sai",
                      "PHẦN III. Câu trắc nghiệm trả lời ngắn"]
    # Each heading stands on the first question of its part.
    sections = re.findall(r'<section class="card mb-3 question"(.*?)</section>', page, re.S)
    assert [i for i, body in enumerate(sections) if "part-title" in body] == [0, 5, 8]
    with dbs() as s:
        slots = list(s.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id).order_by(AttemptSlot.position)))
        assert [_part_of(slot.version.text) for slot in slots] == [1] * 5 + [2] * 3 + [3] * 4


def test_every_printed_version_heads_its_parts_and_its_sheet_has_true_false_boxes(world, make_client, dbs, tmp_path):
    import subprocess

    exam_id = _parts_exam(dbs, world)
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "3", "first_code": "101"}).status_code == 302
    response = teacher.get(f"/exams/{exam_id}/print.pdf")
    assert response.status_code == 200
    path = tmp_path / "de.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    pages = text.split("\f")
    headings = ["PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn", "PHẦN II. Câu trắc nghiệm đúng sai",
                "PHẦN III. Câu trắc nghiệm trả lời ngắn"]
    for code in ("101", "102", "103"):
        booklet = "\n".join(p for p in pages if f"Mã đề {code} · Trang" in p)
        places = [booklet.find(h) for h in headings]
        assert -1 not in places and places == sorted(places), code          # each part headed, in order
        assert booklet.find("Kết quả") < places[1] < booklet.find("Cho tập hợp") < places[2] < booklet.find("Tính 9")
        sheet = "\n".join(p for p in pages if f"Phiếu trả lời mã đề {code}" in p)
        places = [sheet.find(h) for h in headings]
        assert -1 not in places and places == sorted(places), code
        # Each statement of a true/false question has its own Đ and S boxes on the sheet.
        assert len(re.findall(r"[a-d]\)\s+Đ\s+S", sheet)) == 3 * 4, code


def test_the_bank_finds_a_formula_by_its_text(world, dbs):
    from lms.core.timeutil import utcnow
    from lms.exams import bank

    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        teacher, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        for text in (r"Phân tử $\mathrm{H}_{2}\mathrm{O}$ có mấy nguyên tử?", r"Tính $x^{2}$ khi $x = 3$.",
                     "Khí CO₂ nặng hơn không khí?"):
            bank.save_question(s, teacher, "teacher", school, bank.QuestionInput(
                category_id=b.category.id, qtype="essay", text=text, data={}), now=utcnow())
        s.flush()

        def found(q):
            return [bank.search_form(x.current.text)[:12] for x in
                    s.scalars(bank.questions_query(s, teacher, "teacher", school, bank.BankFilter(q=q)))]

        assert found("H2O") == found("h₂o") == found("H₂O") == ["phan tu h2o "]
        assert found("x2") == ["tinh x2 khi "]
        assert found("CO2") == ["khi co2 nang"]


def test_lessons_offered_for_a_readiness_check_or_a_homework_are_told_apart(world, make_client, dbs):
    from lms.core.timeutil import utcnow
    from lms.courses import lessons, plans
    from lms.courses.models import PlanPeriod
    from lms.people.models import Course

    with dbs() as s:
        teacher, course = s.get(User, world.a.teacher.id), s.get(Course, world.a.course.id)
        if not s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course.id)).first():
            plans.generate_plan(s, teacher, course)
        periods = list(s.scalars(select(PlanPeriod).where(PlanPeriod.course_id == course.id).order_by(PlanPeriod.number)))
        for period in (periods[3], periods[9]):   # the same practice lesson, twice in the plan
            lessons.save_lesson(s, teacher, course, lessons.LessonInput(title="Luyện tập: Phân số", period_ids=[period.id],
                                                                         publish=lessons.PublishMode.NOW), now=utcnow())
        lessons.save_lesson(s, teacher, course, lessons.LessonInput(title="Luyện tập: Phân số"), now=utcnow())
        lessons.save_lesson(s, teacher, course, lessons.LessonInput(title="Luyện tập: Phân số",
                                                                     publish=lessons.PublishMode.NOW), now=utcnow())
        s.commit()
        numbers = (periods[3].number, periods[9].number)
    client = make_client()
    client.login("gv.a")
    for url in ("/exams/new", "/homework/new"):     # a readiness check's lesson, a homework's lesson
        page = client.get(url).get_data(as_text=True)
        select_ = re.search(r'<select[^>]*name="lesson_id"[^>]*>(.*?)</select>', page, re.S).group(1)
        labels = [re.sub(r"\s+", " ", label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select_)]
        practice = [label for label in labels if label.endswith("Luyện tập: Phân số")]
        assert len(practice) == 4 and len(set(labels)) == len(labels), url       # no entry twice
        assert any(f"tiết {numbers[0]} · " in label for label in practice), url
        assert any(f"tiết {numbers[1]} · " in label for label in practice), url
        assert any("bản nháp · " in label for label in practice), url
        assert any(re.search(r"đăng \d\d/\d\d/\d{4} · ", label) for label in practice), url


def test_true_false_radios_are_named_by_their_statement(world, make_client, dbs):
    exam_id = _parts_exam(dbs, world)
    pupil = make_client()
    pupil.login("hsa001")
    page = pupil.get(f"/attempts/{_start(pupil, exam_id)}").get_data(as_text=True)
    radios = re.findall(r'<input class="form-check-input" type="radio" name="q-\d+-[^"]+" value="(true|false)" '
                        r'aria-labelledby="([^"]+)"', page)
    assert len(radios) == 3 * 4 * 2
    for value, ids in radios:
        statement, column = ids.split()
        cell = re.search(rf'id="{statement}">(.*?)</t[dh]>', page, re.S).group(1)
        assert re.search(r"thuộc A|rỗng", cell)                                # the statement itself
        assert re.search(rf'id="{column}"[^>]*>{"Đúng" if value == "true" else "Sai"}</th>', page)
    assert "aria-label=\"a) Đúng\"" not in page


def test_the_monitor_shows_each_pupil_s_own_time_and_stacks_on_a_phone(world, client, make_client, dbs):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    with dbs() as s:
        exam = make_exam(s, world.a, make_bank(s, world.a).questions[:2], minutes=30)
        pupil = next(st for st in world.a.students.values() if st.student_code == "HSA002")
        services.save_override(s, s.get(User, world.a.teacher.id), "teacher", exam, services.OverrideInput(
            student_id=pupil.id, extra_minutes=15, extra_attempts=1, past_close=False, reason="Khuyết tật vận động"))
        s.commit()
        exam_id = exam.id
    client.login("hsa002")
    attempt_id = _start(client, exam_id)
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/exams/{exam_id}/monitor").get_data(as_text=True)
    assert 'class="table table-sm align-middle table-stack" id="monitor-table"' in page   # cards on a phone
    row = re.search(rf'<tr data-student="{pupil.id}">(.*?)</tr>', page, re.S).group(1)
    extra = re.search(r'class="small extra-time"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert "+15 phút" in extra and "không quá giờ đóng" in extra and "+1 lần làm" in extra
    with dbs() as s:
        deadline = s.get(Attempt, attempt_id).deadline
    assert deadline - utcnow() > timedelta(minutes=40)                         # 30 + 15 of their own
    others = [r for r in re.findall(r'<tr data-student="\d+">(.*?)</tr>', page, re.S) if r != row]
    assert others and all(re.search(r'class="small extra-time"[^>]*></td>', r) for r in others)


def test_questions_ticked_together_join_the_exam_in_the_bank_s_order(world, make_client, dbs):
    """Ticking questions in the bank list and pressing "Lưu đề" appends them after those already in
    the exam, by part (category) and then their own order — not newest first."""
    from lms.exams import bank

    with dbs() as s:
        b = make_bank(s, world.a, count=4)
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        part_two = bank.save_category(s, owner, "teacher", school, subject_id=world.a.subject.id, name="PHẦN II. Tự luận")
        s.flush()
        b.essay.category_id = part_two.id
        exam = make_exam(s, world.a, b.questions[:1], publish=False)
        s.commit()
        exam_id, first = exam.id, b.questions[0].id
        in_bank = [q.id for q in b.questions[1:]] + [b.essay.id]
    teacher = make_client()
    teacher.login("gv.a")
    page = teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True)
    listed = [int(v) for v in re.findall(r'name="add" value="(\d+)"', page)]
    assert [q for q in listed if q in in_bank] == in_bank
    data = _form_of(page, "add")
    data["add"] = [str(q) for q in reversed(in_bank)]      # ticked in any order
    assert teacher.post(f"/exams/{exam_id}/questions", data=data).status_code == 302
    with dbs() as s:
        exam = s.get(Exam, exam_id)
        assert [i.question_id for i in sorted(exam.items, key=lambda i: i.position)] == [first] + in_bank


def test_the_answer_sheet_centres_its_true_false_letters_and_spaces_its_rows(world, make_client, dbs, tmp_path):
    """On the printed answer sheet each Đ/S letter sits in the middle of its circle, the circles of
    neighbouring statements do not touch (an essay's box, now 60 × 30 mm, was checked by eye with pdftoppm)."""
    import subprocess

    from lms.exams import bank
    from lms.exams.qtypes.truefalse import DEFAULT_STEPS

    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        cluster = bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
            category_id=b.category.id, qtype="tf_cluster", text="Xét các khẳng định sau.",
            data={"statements": [{"id": f"s{i}", "text": f"Ý {i}", "answer": i % 2 == 0} for i in range(4)],
                  "steps": list(DEFAULT_STEPS)}, default_mark="1"), now=__import__("lms.core.timeutil").core.timeutil.utcnow())
        exam = make_exam(s, world.a, [b.questions[0], cluster, b.essay])
        s.commit()
        exam_id = exam.id
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "1", "first_code": "101"}).status_code == 302
    path = tmp_path / "de.pdf"
    path.write_bytes(teacher.get(f"/exams/{exam_id}/print.pdf").data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True).stdout.decode()
    sheet = next(p for p in html.split("<page ") if "PHIẾU" in p)
    words = [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>', sheet)]
    mm = 72 / 25.4
    labels = [w for w in words if w[0] in ("a)", "b)", "c)", "d)")]
    true_ = [w for w in words if w[0] == "Đ"]
    assert len(labels) == 4 and len(true_) >= 4
    rows = sorted(true_, key=lambda w: w[2])[-4:]
    # Rows of 5 mm circles at least 5,8 mm apart: a gap between neighbouring circles (they touched at 5,4).
    assert all(b_[2] - a_[2] >= 5.8 * mm for a_, b_ in zip(rows, rows[1:])), [w[2] / mm for w in rows]
    # The letter in the middle of its circle: the label (4 mm), the margin (1 mm), then half the circle.
    for label, letter in zip(sorted(labels, key=lambda w: w[2]), rows):
        middle = (letter[1] + letter[3]) / 2 - label[1]
        assert abs(middle - 7.5 * mm) <= 0.6 * mm, middle / mm
