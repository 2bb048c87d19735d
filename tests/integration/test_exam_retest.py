"""What a teacher re-testing the exams found still wrong, each through the pages a teacher or pupil
uses: part headings printed twice when the bank's own "PHẦN I" met an imported paper's parts; forms
that stopped at their first mistake; a whole number called "not an integer"; print codes past 999
said wrongly."""
from __future__ import annotations

import re

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.exams import bank
from lms.people.models import School
from tests.factories import choice_data, make_exam
from tests.integration.test_exam_fixes import _exam_and_teacher, _field_messages, _form_of
from tests.integration.test_exam_paper_types import _pdf_text
from tests.integration.test_exams import _start


def _categories_and_exam(dbs, world, names: list[tuple[str, str | None]]) -> int:
    """An exam of one choice question from each category named (with its parent's name, if any)."""
    with dbs() as s:
        owner, school = s.get(User, world.a.teacher.id), s.get(School, world.a.school.id)
        made: dict[str, int] = {}
        questions = []
        for n, (name, parent) in enumerate(names, start=1):
            category = bank.save_category(s, owner, "teacher", school, subject_id=world.a.subject.id, name=name,
                                          parent_id=made.get(parent))
            made[name] = category.id
            questions.append(bank.save_question(s, owner, "teacher", school, bank.QuestionInput(
                category_id=category.id, qtype="single_choice", text=f"Câu hỏi thứ {n} của đề",
                data=choice_data([("Đúng", 100), ("Sai", 0)]), default_mark="1"), now=utcnow()))
        exam_id = make_exam(s, world.a, questions, shuffle_questions=False, per_page=0).id
        s.commit()
    return exam_id


def _headings(make_client, exam_id) -> list[str]:
    pupil = make_client()
    pupil.login("hsa001")
    page = pupil.get(f"/attempts/{_start(pupil, exam_id)}").get_data(as_text=True)
    return re.findall(r'class="card-header[^"]*part-title">(.*?)</h2>', page)


def test_the_bank_s_own_parts_and_an_imported_paper_s_parts_are_numbered_once_on_one_paper(world, make_client, dbs,
                                                                                           tmp_path):
    # The teacher's bank has "PHẦN I"; an imported file's parts became "PHẦN I. TRẮC NGHIỆM",
    # "PHẦN II. ĐÚNG SAI" under the file's category. Before, the paper was headed "PHẦN I", then
    # "PHẦN I. TRẮC NGHIỆM" again.
    exam_id = _categories_and_exam(dbs, world, [("PHẦN I", None), ("Đề thi thử 2025", None),
                                                ("PHẦN I. TRẮC NGHIỆM", "Đề thi thử 2025"),
                                                ("PHẦN II. ĐÚNG SAI", "Đề thi thử 2025")])
    assert _headings(make_client, exam_id) == ["PHẦN I", "PHẦN II. Đề thi thử 2025", "PHẦN III. TRẮC NGHIỆM",
                                               "PHẦN IV. ĐÚNG SAI"]
    teacher = make_client()
    teacher.login("gv.a")
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "1", "first_code": "101"}).status_code == 302
    booklet = _pdf_text(teacher, exam_id, tmp_path).split("\f")[0]
    for numeral in ("I", "II", "III", "IV"):
        assert len(re.findall(rf"PHẦN {numeral}\b", booklet)) == 1, (numeral, booklet)
    assert "PHẦN I. TRẮC NGHIỆM" not in booklet


def test_a_plain_category_before_an_imported_part_does_not_give_two_part_ones(world, make_client, dbs):
    exam_id = _categories_and_exam(dbs, world, [("Số tự nhiên", None), ("Đề giữa kỳ", None),
                                                ("PHẦN II. TỰ LUẬN", "Đề giữa kỳ")])
    assert _headings(make_client, exam_id) == ["PHẦN I. Số tự nhiên", "PHẦN II. Đề giữa kỳ", "PHẦN III. TỰ LUẬN"]


def test_an_integer_too_long_for_its_field_is_told_its_range(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    form = _form_of(teacher.get(f"/exams/{exam_id}/edit").get_data(as_text=True), "attempts_allowed")
    form.update(attempts_allowed=["99999999999"], per_page=["-99999999999"])
    page = teacher.post(f"/exams/{exam_id}/edit", form).get_data(as_text=True)
    assert _field_messages(page, "attempts_allowed") == ["Nhập số từ 0 đến 50."]
    assert _field_messages(page, "per_page") == ["Nhập số từ 0 đến 100."]


def test_print_codes_past_999_and_a_count_of_0_are_said_with_every_other_mistake(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    past = teacher.post(f"/exams/{exam_id}/print", {"count": "3", "first_code": "998"}).get_data(as_text=True)
    def said(page, field):
        return re.findall(rf'id="{field}-error">([^<]*)<', page)

    assert said(past, "first_code") == ["Với 3 mã đề, mã đề đầu tiên từ 1 đến 997: các mã đề 998–1000 vượt quá 999."]
    both = teacher.post(f"/exams/{exam_id}/print", {"count": "0", "first_code": "abc"})
    page = both.get_data(as_text=True)
    assert both.status_code == 422
    assert said(page, "count") == ["Nhập số mã đề cần tạo: từ 1 đến 24 (đã nhập “0”)."]
    assert said(page, "first_code") == ["Mã đề đầu tiên là số từ 1 đến 999 (đã nhập “abc”)."]
    assert teacher.post(f"/exams/{exam_id}/print", {"count": "3", "first_code": "997"}).status_code == 302


def test_the_overrides_form_says_a_reversed_window_with_the_other_mistakes(world, make_client, dbs):
    exam_id, teacher = _exam_and_teacher(world, make_client, dbs)
    form = _form_of(teacher.get(f"/exams/{exam_id}/overrides").get_data(as_text=True), "extra_minutes")
    form.update(open_at=["2026-12-10T09:00"], close_at=["2026-12-10T08:00"], extra_minutes=["mười"],
                extra_attempts=["99"])
    response = teacher.post(f"/exams/{exam_id}/overrides", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_messages(page, "extra_minutes") == ["“mười” không phải là một số nguyên."]
    assert _field_messages(page, "extra_attempts") == ["Nhập số từ 0 đến 20."]
    assert _field_messages(page, "close_at") == ["Giờ đóng phải sau giờ mở."]


def _said(page: str) -> list[str]:
    """Every message of the page's alerts and under its fields, as read."""
    found = re.findall(r'class="(?:alert alert-danger|invalid-feedback)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in found]


def _editor(make_client, dbs, world, qtype: str):
    from tests.factories import make_bank

    with dbs() as s:
        category = make_bank(s, world.a, count=1).category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    form = _form_of(teacher.get(f"/bank/questions/new/{qtype}?category={category}").get_data(as_text=True),
                    "default_mark")
    return teacher, form


def test_the_question_editor_names_every_bad_answer_row(world, make_client, dbs):
    teacher, form = _editor(make_client, dbs, world, "short_answer")
    form.update(text=["Thủ đô của Việt Nam là thành phố nào?"], ans_text=["Hà Nội", "Ha Noi", "Thăng Long"],
                ans_fraction=["100", "năm mươi", "1,5,0"], ans_feedback=["", "", ""])
    response = teacher.post("/bank/questions/new/short_answer", form)
    said = " ".join(_said(response.get_data(as_text=True)))
    assert response.status_code == 422
    assert "Đáp án 2: “năm mươi” không phải là số." in said and "Đáp án 3: “1,5,0” không phải là số." in said
    back = _form_of(response.get_data(as_text=True), "default_mark")
    assert back["ans_text"][:3] == ["Hà Nội", "Ha Noi", "Thăng Long"]


def test_an_accepted_short_answer_longer_than_a_pupil_may_type_is_refused_with_the_limit(world, make_client, dbs):
    from lms.exams.qtypes.text import SHORT_MAX

    teacher, form = _editor(make_client, dbs, world, "short_answer")
    long = "Chủ tịch Hồ Chí Minh đọc bản Tuyên ngôn độc lập tại Quảng trường Ba Đình. " * 20
    assert len(long.strip()) > SHORT_MAX
    form.update(text=["Nêu sự kiện ngày 2/9/1945."], ans_text=["Tuyên ngôn độc lập", long.strip()],
                ans_fraction=["100", "100"], ans_feedback=["", ""])
    response = teacher.post("/bank/questions/new/short_answer", form)
    assert response.status_code == 422
    assert f"Đáp án 2: dài {len(long.strip())} ký tự, tối đa {SHORT_MAX} ký tự." in " ".join(
        _said(response.get_data(as_text=True)))


def test_the_matching_editor_names_the_pair_short_of_a_side(world, make_client, dbs):
    teacher, form = _editor(make_client, dbs, world, "matching")
    form.update(text=["Nối mỗi phép tính với kết quả."], pair_left=["$2^{4}$", "$3^{2}$", "", "$\\sqrt{81}$"],
                pair_right=["16", "", "27", "9"])
    response = teacher.post("/bank/questions/new/matching", form)
    said = " ".join(_said(response.get_data(as_text=True)))
    assert response.status_code == 422
    assert "Cặp 2: thiếu vế phải (đáp án)." in said and "Cặp 3: thiếu vế trái (ý cần ghép)." in said


def test_the_fixed_list_says_every_bad_mark_on_its_row(world, make_client, dbs):
    from tests.factories import make_bank

    with dbs() as s:
        b = make_bank(s, world.a)
        exam_id = make_exam(s, world.a, b.questions[:3], publish=False).id
        titles = [q.title for q in b.questions[:3]]
        ids = [q.id for q in b.questions[:3]]
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")
    form = _form_of(teacher.get(f"/exams/{exam_id}/questions").get_data(as_text=True), "keep")
    form.update(mark=["1", "abc", "150"])
    response = teacher.post(f"/exams/{exam_id}/questions", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    said = _said(page)
    assert f"“{titles[1]}”: “abc” không phải là số điểm." in " ".join(said) or any(
        titles[1] in m and "abc" in m for m in said)
    assert any(titles[2] in m and "150" in m for m in said)
    assert re.search(rf'id="mark-{ids[1]}-error">[^<]*abc', page) and re.search(rf'id="mark-{ids[2]}-error">[^<]*150', page)
    assert _form_of(page, "keep")["mark"] == ["1", "abc", "150"]


def test_the_grading_page_keeps_what_was_typed_and_names_the_question_of_each_refused_mark(world, make_client, dbs):
    from lms.exams.models import Question
    from tests.integration.test_exams import _exam_and_bank, _json, _right, _slots

    exam_id, _qids, essay_id = _exam_and_bank(dbs, world, essay=True)
    attempts = {}
    for login, answer in (("hsa001", "Mẫu chung là 6, tổng là 5/6."), ("hsa002", "Em không biết làm.")):
        pupil = make_client()
        pupil.login(login)
        attempt_id = _start(pupil, exam_id)
        for position, qtype, data, _layout in _slots(dbs, attempt_id):
            value = answer if qtype == "essay" else _right(data)
            _json(pupil, f"/attempts/{attempt_id}/save", {"position": position, "value": value, "seq": 1})
            if qtype == "essay":
                attempts[login] = f"{attempt_id}-{position}"
        _json(pupil, f"/attempts/{attempt_id}/submit", {"finals": []})
    with dbs() as s:
        title = s.get(Question, essay_id).title
    teacher = make_client()
    teacher.login("gv.a")
    good, bad = attempts["hsa001"], attempts["hsa002"]
    response = teacher.post(f"/exams/{exam_id}/grading", {
        f"mark-{good}": "1,5", f"comment-{good}": "Lời giải đủ ý, trình bày rõ.",
        f"mark-{bad}": "5", f"comment-{bad}": "Cần học lại quy đồng mẫu số."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"câu “{title}”: Điểm từ 0 đến 2 (đã nhập “5”)." in " ".join(_said(page))
    assert re.search(rf'id="mark-{bad}-error">Điểm từ 0 đến 2 \(đã nhập “5”\)\.<', page)   # beside its row: the mark alone
    form = _form_of(page, f"mark-{good}")
    assert form[f"mark-{good}"] == ["1,5"] and form[f"mark-{bad}"] == ["5"]
    assert form[f"comment-{good}"][0].strip() == "Lời giải đủ ý, trình bày rõ."
    assert form[f"comment-{bad}"][0].strip() == "Cần học lại quy đồng mẫu số."
    assert ".;" not in page
    with dbs() as s:       # nothing half-saved: the good mark waits for the bad one to be corrected
        from lms.exams.results import current_grades
        from lms.exams.models import Attempt
        attempt = s.get(Attempt, int(good.split("-")[0]))
        assert (attempt.id, int(good.split("-")[1])) not in current_grades(s, [attempt.id]) or \
            current_grades(s, [attempt.id])[(attempt.id, int(good.split("-")[1]))].source != "manual"


def _word_exam(mark: str) -> bytes:
    """A Toán 6 test the way a teacher lays it out in Word: the school and title, questions with
    their worked solutions under them ("Lời giải" on its own line, "Hướng dẫn giải:"), HẾT and the
    invigilator's line, then the key with a note to the marker and a marking-guide table."""
    import io

    from docx import Document
    from docx.shared import Pt

    d = Document()
    d.add_paragraph("TRƯỜNG THCS NGUYỄN DU").runs[0].bold = True
    d.add_paragraph("ĐỀ KIỂM TRA 15 PHÚT — MÔN TOÁN 6")
    d.add_paragraph("Họ và tên: ……………………… Lớp: ………")
    d.add_paragraph("Câu 1. Số nào là số nguyên tố?")
    d.add_paragraph("A. 9\tB. 15\tC. 17\tD. 21")
    d.add_paragraph("Lời giải").runs[0].bold = True
    d.add_paragraph("17 chỉ có hai ước là 1 và 17 nên 17 là số nguyên tố.")
    d.add_paragraph("Câu 2. Tính giá trị của biểu thức 3 · 4 + 8 : 2.")
    d.add_paragraph("A. 10\tB. 16\tC. 20\tD. 14")
    d.add_paragraph("Hướng dẫn giải: 3 · 4 + 8 : 2 = 12 + 4 = 16.")
    d.add_paragraph("Câu 3 (2 điểm). Tìm ƯCLN(24, 36) và trình bày cách tìm.")
    d.add_paragraph("----------- HẾT -----------").alignment = 1
    d.add_paragraph("Giám thị không giải thích gì thêm.").runs[0].font.size = Pt(11)
    d.add_paragraph("ĐÁP ÁN VÀ HƯỚNG DẪN CHẤM")
    d.add_paragraph("1-C 2-B")
    d.add_paragraph("Mỗi câu trắc nghiệm đúng được 0,5 điểm.")
    table = d.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Câu", "Nội dung", "Điểm"), ("Câu 3", "24 = 2³ · 3; 36 = 2² · 3²", mark),
                                       ("", "ƯCLN(24, 36) = 2² · 3 = 12", "1")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_a_word_exam_s_worked_solutions_skipped_lines_and_marking_guide_marks(world, make_client, dbs):
    import io

    from sqlalchemy import select

    from lms.exams.models import Question
    from tests.factories import make_bank

    with dbs() as s:
        category = make_bank(s, world.a, count=1).category.id
        s.commit()
    teacher = make_client()
    teacher.login("gv.a")

    def upload(data):
        return teacher.post("/bank/import", {"file": (io.BytesIO(data), "kiem-tra-15-phut.docx"), "fmt": "auto",
                                             "category_id": str(category), "level": "2", "topic": "", "mark": "0,5"},
                            content_type="multipart/form-data")

    bad = upload(_word_exam("abc")).get_data(as_text=True)
    # The marking guide's "Điểm" that is no mark is an error on its paragraph, and nothing is saved.
    assert re.search(r"Đoạn \d+.{0,40}cột Điểm của hướng dẫn chấm \(câu 3\) có “abc”, không phải số điểm", bad, re.S), bad
    assert 'name="token"' not in bad
    page = upload(_word_exam("1")).get_data(as_text=True)
    skipped = dict(re.findall(r'data-skipped="(\w+)">(.*?)</p>', page, re.S))
    assert "TRƯỜNG THCS NGUYỄN DU" in skipped["start"] and "Đầu tệp" in skipped["start"]
    assert "HẾT" in skipped["end"] and "Giám thị không giải thích gì thêm." in skipped["end"]
    assert "Mỗi câu trắc nghiệm đúng được 0,5 điểm." in skipped["key"] and "phần đáp án" in skipped["key"]
    assert "Mỗi câu" not in skipped["start"] and "HẾT" not in skipped["start"]
    token = re.search(r'name="token"[^>]*value="([0-9a-f]+)"', page).group(1)
    assert teacher.post("/bank/import/confirm", {"token": token}).status_code == 302
    with dbs() as s:
        saved = {q.current.text.split("?")[0].split(".")[0]: q for q in s.scalars(
            select(Question).where(Question.school_id == world.a.school.id).order_by(Question.id))}
        first = next(q for k, q in saved.items() if k.startswith("Số nào là số nguyên tố"))
        second = next(q for k, q in saved.items() if k.startswith("Tính giá trị"))
        essay = next(q for k, q in saved.items() if k.startswith("Tìm ƯCLN"))
        assert first.current.general_feedback == "17 chỉ có hai ước là 1 và 17 nên 17 là số nguyên tố."
        assert [o["text"] for o in first.current.data["options"]] == ["9", "15", "17", "21"]
        assert second.current.general_feedback == "3 · 4 + 8 : 2 = 12 + 4 = 16."
        assert "(1 điểm)" in essay.current.data["guide"] and "abc" not in essay.current.data["guide"]
