"""What an outside tester found on printed versions and on the pupil's page, question type by
question type: a matching question printed without its answers to choose from; true/false items
(one statement, or four) printed without a box to tick; a matching's answers with LaTeX shown raw in
the page's drop-down; an essay's parts a), b) run together into one line on screen and on paper; a
short answer cut at 200 characters without a word."""
from __future__ import annotations

import re
import subprocess

from sqlalchemy import select

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.exams import bank
from lms.exams.models import AttemptSlot
from lms.exams.qtypes.text import SHORT_MAX
from lms.exams.qtypes.truefalse import DEFAULT_STEPS
from lms.people.models import School
from tests.factories import make_bank, make_exam
from tests.integration.test_exams import _json, _start

ESSAY = "Giải các phương trình sau:\na) $2x - 6 = 0$\nb) $x^{2} - 4 = 0$"


def _every_type_exam(dbs, world) -> int:
    with dbs() as s:
        b = make_bank(s, world.a, count=1)
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)

        def add(qtype, text, data, mark="1"):
            return bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
                category_id=b.category.id, qtype=qtype, text=text, data=data, default_mark=mark), now=utcnow())

        questions = [
            b.questions[0],
            add("matching", "Nối mỗi phép tính với kết quả của nó.", {
                "pairs": [{"id": "p1", "left": "$2^{4}$", "right": "Mười sáu"},
                          {"id": "p2", "left": "$\\sqrt{81}$", "right": "Chín"},
                          {"id": "p3", "left": "$\\frac{1}{2}$", "right": "$0,5$"}],
                "distractors": [{"id": "d1", "right": "Hai mươi"}]}),
            add("tf_cluster", "Xét các khẳng định về số tự nhiên.", {
                "statements": [{"id": f"s{i}", "text": f"Khẳng định số {i + 1}", "answer": i % 2 == 0} for i in range(4)],
                "steps": list(DEFAULT_STEPS)}),
            add("true_false", "Số 0 là số tự nhiên.", {"answer": True, "feedback_true": "", "feedback_false": ""}),
            add("short_answer", "Thủ đô của Việt Nam là gì?", {
                "answers": [{"text": "Hà Nội", "fraction": "1", "feedback": ""}], "case_sensitive": False,
                "ignore_accents": True, "max_length": 200}),
            add("essay", ESSAY, {"response_lines": 6, "guide": "a) x = 3\nb) x = 2 hoặc x = -2", "max_length": 20000}, "2"),
        ]
        exam = make_exam(s, world.a, questions, shuffle_questions=False, per_page=0)
        s.commit()
        return exam.id


def _pdf_text(teacher, exam_id, tmp_path, *args) -> str:
    path = tmp_path / "de.pdf"
    path.write_bytes(teacher.get(f"/exams/{exam_id}/print.pdf").data)
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, check=True).stdout.decode()


def test_every_type_prints_what_the_pupil_needs_to_answer_it(world, make_client, dbs, tmp_path, app):
    from flask import render_template

    from lms.exams import printing
    from lms.exams.models import Exam

    exam_id = _every_type_exam(dbs, world)
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "2", "first_code": "101"}).status_code == 302
    text = _pdf_text(teacher, exam_id, tmp_path, "-layout")
    booklet = "\n".join(p for p in text.split("\f") if "Mã đề 101 · Trang" in p)
    # Matching: the prompts a), b), c) and the answers to choose from, lettered, the distractor too.
    assert "Ghép mỗi ý a), b)… với một đáp án A, B…" in booklet
    for answer in ("Mười sáu", "Chín", "Hai mươi"):
        assert re.search(r"[A-D]\.\s+" + answer, booklet), answer
    # The essay's parts stand on their own lines, as the teacher wrote them.
    assert re.search(r"^\s*a\)", booklet, re.M) and re.search(r"^\s*b\)", booklet, re.M)
    # The key gives a matching's letters for that version's order, never its LaTeX.
    key = next(p for p in text.split("\f") if "ĐÁP ÁN THEO MÃ ĐỀ" in p)
    assert re.search(r"a–[A-D]; b–[A-D]; c–[A-D]", key)
    assert "$" not in key and "\\" not in key
    # A box to tick for Đúng and for Sai: each statement of the cluster, and the single statement.
    with app.test_request_context():
        with dbs() as s:
            exam = s.get(Exam, exam_id)
            version = printing.printed(exam, printing.papers_of(s, exam))[0]
            html = render_template("exams/print/booklet.html", school=s.get(School, exam.school_id), exam=exam, v=version)
            sheet = render_template("exams/print/sheet.html", school=s.get(School, exam.school_id), exam=exam, v=version)
    assert html.count('class="tickbox"') == 4 * 2 + 2
    assert re.search(r"Đúng <span class=\"tickbox\"></span>.*Sai <span class=\"tickbox\"></span>", html)
    # The answer sheet: a box per matching prompt, Đ and S for the single true/false statement.
    assert sheet.count('class="letter-box"') == 3
    true_false = next(q for q in version.numbered if q.qtype == "true_false")
    assert true_false.key == "Đ"


def test_the_pupil_s_page_shows_math_as_text_in_drop_downs_and_an_essay_s_parts_on_their_lines(world, make_client, dbs):
    exam_id = _every_type_exam(dbs, world)
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    page = pupil.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    options = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]*)</option>", page)
    assert "0,5" in options and "Mười sáu" in options
    assert not [o for o in options if "$" in o or "\\" in o], options
    essay = next(body for body in re.findall(r'<section class="card mb-3 question"(.*?)</section>', page, re.S)
                 if "Giải các phương trình" in body)
    assert re.search(r"Giải các phương trình sau:<br\s*/?>\s*a\)", essay)
    assert re.search(r"</math><br\s*/?>\s*b\)", essay)
    # A short answer may be as long as the server keeps, and the page says how long.
    assert f'maxlength="{SHORT_MAX}"' in page and f"Tối đa {SHORT_MAX} ký tự." in page
    with dbs() as s:
        position = next(slot.position for slot in s.scalars(select(AttemptSlot).where(
            AttemptSlot.attempt_id == attempt_id)) if slot.question.qtype == "short_answer")
    long = "Hà Nội, " + "thủ đô nghìn năm văn hiến " * 10
    assert 200 < len(long) < SHORT_MAX
    saved = _json(pupil, f"/attempts/{attempt_id}/save", {"position": position, "value": long, "seq": 1})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    refused = _json(pupil, f"/attempts/{attempt_id}/save", {"position": position, "value": "x" * (SHORT_MAX + 1), "seq": 2})
    assert refused.status_code == 422 and f"{SHORT_MAX} ký tự" in refused.get_json()["message"]


def test_a_part_is_headed_once_on_screen_and_on_paper(world, make_client, dbs, tmp_path):
    """A PHẦN I question added after the PHẦN II ones, and a second imported file's own "PHẦN I",
    join PHẦN I: before, "PHẦN I" was headed a second time after PHẦN II."""
    from tests.factories import choice_data

    with dbs() as s:
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)

        def category(name, parent=None):
            return bank.save_category(s, owner, "teacher", school, subject_id=world.a.subject.id, name=name,
                                      parent_id=parent)

        first, second = category("Đề giữa kỳ 2025"), category("Đề giữa kỳ 2026")
        one, one_again, two = (category("PHẦN I. Trắc nghiệm", first.id), category("PHẦN I. TRẮC NGHIỆM", second.id),
                               category("PHẦN II. Tự luận", first.id))

        def add(cat, text, qtype="single_choice"):
            data = choice_data([("Đúng", 100), ("Sai", 0)]) if qtype == "single_choice" else \
                {"response_lines": 4, "guide": "", "max_length": 20000}
            return bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
                category_id=cat.id, qtype=qtype, text=text, data=data, default_mark="1"), now=utcnow())

        questions = [add(one, "Trắc nghiệm một"), add(one, "Trắc nghiệm hai"), add(two, "Tự luận một", "essay"),
                     add(one, "Trắc nghiệm ba, thêm sau"), add(one_again, "Trắc nghiệm của đề khác")]
        exam_id = make_exam(s, world.a, questions, shuffle_questions=False, per_page=0).id
        s.commit()
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    page = pupil.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    titles = re.findall(r'class="card-header[^"]*part-title">(.*?)</h2>', page)
    assert titles == ["PHẦN I. Trắc nghiệm", "PHẦN II. Tự luận"]
    assert page.index("Trắc nghiệm của đề khác") < page.index("Tự luận một")
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "1", "first_code": "101"}).status_code == 302
    booklet = _pdf_text(teacher, exam_id, tmp_path).split("\f")[0]
    assert booklet.count("PHẦN I.") == 1 and booklet.count("PHẦN II.") == 1
    assert booklet.index("Trắc nghiệm ba, thêm sau") < booklet.index("PHẦN II.")


def test_a_missing_or_unknown_print_code_is_said_where_it_is_needed(world, make_client, dbs):
    exam_id = _every_type_exam(dbs, world)
    teacher = make_client()
    teacher.login("gv.a")
    refused = teacher.post(f"/exams/{exam_id}/print", {"count": "2", "first_code": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="first_code-error">Nhập mã đề đầu tiên: một số từ 1 đến 999, ví dụ 101\.<', page)
    assert 'name="count" id="count" value="2"' in page                         # what was typed stays
    assert "Chưa có mã đề nào." in page                                         # nothing made
    out_of_range = teacher.post(f"/exams/{exam_id}/print", {"count": "2", "first_code": "999"}).get_data(as_text=True)
    assert re.search(r'id="first_code-error">Với 2 mã đề, mã đề đầu tiên từ 1 đến 998: các mã đề 999–1000 vượt '
                     r'quá 999\.<', out_of_range)
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "2", "first_code": "101"}).status_code == 302
    unknown = teacher.get(f"/exams/{exam_id}/print.pdf?code=105")
    assert unknown.status_code == 302
    assert "Không có mã đề 105. Các mã đề đã tạo: 101, 102." in teacher.get(unknown.headers["Location"]).get_data(as_text=True)
    # Sat online on the printed versions, the pupil's paper names the code its key is under.
    assert teacher.post(f"/exams/{exam_id}/print/online", {"on": "1"}).status_code == 302
    pupil = make_client()
    pupil.login("hsa001")
    attempt_id = _start(pupil, exam_id)
    paper = teacher.get(f"/exams/{exam_id}/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'id="paper-code">Mã đề 10[12]<', paper)


def test_the_printed_paper_is_in_the_exam_s_language_not_the_teacher_s_interface(world, make_client, dbs, tmp_path):
    """Issue #29, tester finding 5: with the teacher's interface in English, the pupils' papers of
    a Vietnamese school came out as "PART I", "Question 1", "Full name". They print in the exam's
    language: Vietnamese unless the teacher marks the exam English."""
    exam_id = _every_type_exam(dbs, world)
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "1", "first_code": "101"}).status_code == 302
    teacher.get("/language/en")
    page = teacher.get(f"/exams/{exam_id}/print").get_data(as_text=True)
    assert re.search(r'<option value="vi" selected>Vietnamese</option>', page)
    english_interface = " ".join(_pdf_text(teacher, exam_id, tmp_path).split())
    assert "Họ và tên" in english_interface and "Mã đề 101" in english_interface and "Câu 1." in english_interface
    assert "Môn:" in english_interface and "ĐÁP ÁN THEO MÃ ĐỀ" in english_interface
    assert "Full name" not in english_interface and "Question 1" not in english_interface and "PART I" not in english_interface
    refused = teacher.post(f"/exams/{exam_id}/print/language", {"paper_language": "fr"}, follow_redirects=True)
    assert "Choose the language of the printed paper: Vietnamese or English." in refused.get_data(as_text=True)
    teacher.get("/language/vi")
    # An English test may print in English, whatever the interface of whoever downloads it.
    assert teacher.post(f"/exams/{exam_id}/print/language", {"paper_language": "en"}).status_code == 302
    english_paper = " ".join(_pdf_text(teacher, exam_id, tmp_path).split())
    assert "Full name" in english_paper and "Version 101" in english_paper and "Họ và tên" not in english_paper
