"""A worked-solutions section at the end of a teacher's Word file ("HƯỚNG DẪN GIẢI", "ĐÁP ÁN VÀ
LỜI GIẢI", with "Câu 1. …" entries after all the questions): each entry is its question's
explanation; an entry for a question the file does not have is an error on its paragraph."""
from __future__ import annotations

import io

from docx import Document

from lms.exams.formats.word import parse_docx
from tests.files.exams.word_corpus import Eq, math

E = Eq()


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _exam(heading: str) -> Document:
    d = Document()
    d.add_paragraph("TRƯỜNG THCS NGUYỄN DU")
    d.add_paragraph("ĐỀ KIỂM TRA GIỮA KÌ I – MÔN TOÁN 8")
    d.add_paragraph("PHẦN I. TRẮC NGHIỆM")
    p = d.add_paragraph("Câu 1. Kết quả của phép tính ")
    math(p, E.frac(E.r("1"), E.r("2")) + E.r("+") + E.frac(E.r("1"), E.r("4")))
    p.add_run(" là:")
    d.add_paragraph("A. 1\tB. 0,75\tC. 0,5\tD. 2")
    d.add_paragraph("Câu 2. Số nào là số nguyên tố?")
    d.add_paragraph("A. 4\tB. 6\tC. 7\tD. 9")
    d.add_paragraph("PHẦN II. TỰ LUẬN")
    d.add_paragraph("Câu 1. Giải phương trình 2x + 3 = 7.")
    d.add_paragraph("Câu 2. Rút gọn biểu thức A = (x + 1)² − x².")
    d.add_paragraph("----- HẾT -----")
    d.add_paragraph(heading)
    return d


def test_a_solutions_section_after_the_questions_explains_each_question_by_its_part():
    d = _exam("ĐÁP ÁN VÀ LỜI GIẢI")
    d.add_paragraph("PHẦN I. TRẮC NGHIỆM")
    d.add_paragraph("Câu 1. Chọn B.")
    p = d.add_paragraph("Ta có ")
    math(p, E.frac(E.r("1"), E.r("2")) + E.r("+") + E.frac(E.r("1"), E.r("4")) + E.r("=") + E.frac(E.r("3"), E.r("4")))
    p.add_run(" = 0,75.")
    d.add_paragraph("Câu 2. Chọn C. Số 7 chỉ có hai ước là 1 và 7.")
    d.add_paragraph("PHẦN II. TỰ LUẬN")
    d.add_paragraph("Câu 1. Ta có:")
    d.add_paragraph("1. 2x = 7 − 3 = 4;")
    d.add_paragraph("2. x = 2.")
    d.add_paragraph("Câu 2. A = x² + 2x + 1 − x² = 2x + 1.")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = [(q.number, q.question) for q in parsed.questions]
    assert [q.qtype for _n, q in got] == ["single_choice", "single_choice", "essay", "essay"]
    assert got[0][1].general_feedback == r"Chọn B." + "\n" + r"Ta có $\frac{1}{2} + \frac{1}{4} = \frac{3}{4}$ = 0,75."
    assert [a.fraction for a in got[0][1].answers] == [0.0, 1.0, 0.0, 0.0]    # the key from “Chọn B.”
    assert [a.fraction for a in got[1][1].answers] == [0.0, 0.0, 1.0, 0.0]
    assert got[2][1].general_feedback == "Ta có:\n1. 2x = 7 − 3 = 4;\n2. x = 2."
    assert got[3][1].general_feedback == "A = x² + 2x + 1 − x² = 2x + 1."
    assert not any("Chọn" in q.text or "Ta có" in q.text for _n, q in got)


def test_a_solution_for_a_question_the_file_does_not_have_is_named_by_its_paragraph():
    d = _exam("HƯỚNG DẪN GIẢI")
    d.add_paragraph("1-B 2-C")                 # the answer table, then the solutions
    d.add_paragraph("Câu 1. Quy đồng: 2/4 + 1/4 = 3/4.")
    d.add_paragraph("Câu 7. Lời giải của một câu không có trong đề.")
    paragraph = len(d.paragraphs)
    parsed = parse_docx(_save(d))
    assert parsed.errors == [(paragraph, "phần lời giải có câu 7 nhưng đề không có câu này")]


def test_without_parts_a_solution_goes_to_the_first_question_of_its_number_and_a_lone_heading_stays_its_own():
    d = Document()
    d.add_paragraph("Câu 1. Tính 2 + 3.")
    d.add_paragraph("Đáp án: 5")
    d.add_paragraph("Câu 2. Giải phương trình x + 1 = 3.")
    d.add_paragraph("HƯỚNG DẪN GIẢI")         # under question 2: its own solution
    d.add_paragraph("x = 3 − 1 = 2.")
    d.add_paragraph("LỜI GIẢI CHI TIẾT")
    d.add_paragraph("Câu 1. 2 + 3 = 5.")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert got[1].general_feedback == "2 + 3 = 5."
    assert got[2].general_feedback == "x = 3 − 1 = 2."


def _quiz() -> Document:
    """A 15-minute quiz as a teacher types it: the answer section headed "ĐÁP ÁN" alone, holding
    worked solutions (paragraphs and a Word equation), not a key table."""
    d = Document()
    d.add_paragraph("TRƯỜNG THCS LÊ LỢI")
    d.add_paragraph("ĐỀ KIỂM TRA 15 PHÚT – TOÁN 9")
    p = d.add_paragraph("Câu 1. Giá trị của ")
    math(p, E.sqrt(E.r("16")))
    p.add_run(" là:")
    d.add_paragraph("A. 2\tB. 4\tC. 8\tD. 16")
    d.add_paragraph("Câu 2. Phương trình x² − 4 = 0 có bao nhiêu nghiệm?")
    d.add_paragraph("A. 0\tB. 1\tC. 2\tD. 3")
    d.add_paragraph("Câu 3. Tính 2,5 + 1,25.")
    d.add_paragraph("Đáp án: 3,75")
    d.add_paragraph("Câu 4. Xét tính đúng sai của các khẳng định sau:")
    for claim in ("a) 2 > 1", "b) 3 < 1", "c) 5 = 5", "d) 0 > 1"):
        d.add_paragraph(claim)
    d.add_paragraph("Câu 5. Tính 1 + 1.")
    d.add_paragraph("----- HẾT -----")
    d.add_paragraph("ĐÁP ÁN")
    return d


def test_worked_solutions_under_an_answer_heading_alone_are_explanations_never_keys():
    d = _quiz()
    first_solution = len(d.paragraphs) + 1
    d.add_paragraph("Câu 1. Ta có")
    p = d.add_paragraph()
    math(p, E.sqrt(E.r("16")) + E.r("=") + E.r("4"))
    d.add_paragraph("Vậy chọn B.")
    d.add_paragraph("Câu 2. Chọn C. Vì x² = 4 nên x = 2 hoặc x = −2.")
    d.add_paragraph("Câu 3. 2,5 + 1,25 = 3,75.")
    fourth_solution = len(d.paragraphs) + 1
    d.add_paragraph("Câu 4. a) Đúng vì 2 lớn hơn 1.")
    d.add_paragraph("b) Sai; c) Đúng; d) Sai.")
    d.add_paragraph("Câu 5. 1 + 1 = 2.")
    parsed = parse_docx(_save(d))
    # A solution that names its answer only in passing ("Vậy chọn B.") gives no key: the preview
    # says which question has none and why, on the question's own paragraph.
    assert (first_solution, fourth_solution) == (17, 22)
    assert parsed.errors == [
        (3, "Câu 1: chưa có đáp án — phần đáp án (đoạn 17) chỉ có lời giải của câu này, không nói đáp án "
            "(viết bảng đáp án như 1-B, hoặc bắt đầu lời giải bằng “Chọn B.”)"),
        (9, "Câu 4: chưa có đáp án Đ/S cho bốn ý — phần đáp án (đoạn 22) chỉ có lời giải của câu này, không nói "
            "đáp án (viết bảng đáp án như 4-ĐSĐĐ, hoặc bắt đầu lời giải bằng “Chọn ĐSĐĐ.”)")]
    assert [f.number for f in parsed.failed] == [1, 4]
    got = {q.number: q.question for q in parsed.questions}
    assert [a.fraction for a in got[2].answers] == [0.0, 0.0, 1.0, 0.0]      # “Chọn C.” is a key written as one
    assert got[2].general_feedback == "Chọn C. Vì x² = 4 nên x = 2 hoặc x = −2."
    # The question's own "Đáp án: 3,75" stays its key; the worked step is its explanation.
    assert got[3].qtype == "numerical" and got[3].answers[0].text == "3.75"
    assert got[3].general_feedback == "2,5 + 1,25 = 3,75."
    # A worked step is never a short answer: without a key the question is an essay, the step its guide.
    assert got[5].qtype == "essay" and got[5].guide == "1 + 1 = 2."


def test_a_key_table_under_an_answer_heading_alone_keys_and_the_solutions_below_it_explain():
    d = _quiz()
    d.add_paragraph("1-B 2-C 4-ĐSĐS 5-2")
    d.add_paragraph("Câu 1. Ta có")
    p = d.add_paragraph()
    math(p, E.sqrt(E.r("16")) + E.r("=") + E.r("4"))
    d.add_paragraph("Câu 2. Vì x² = 4 nên")
    d.add_paragraph("1. x = 2;")                     # a solution's numbered step, not a key line
    d.add_paragraph("2. x = −2.")
    d.add_paragraph("Câu 4. a) Đúng vì 2 lớn hơn 1.")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert [a.fraction for a in got[1].answers] == [0.0, 1.0, 0.0, 0.0]
    assert got[1].general_feedback == "Ta có\n$\\sqrt{16} = 4$"
    assert [a.fraction for a in got[2].answers] == [0.0, 0.0, 1.0, 0.0]
    assert got[2].general_feedback == "Vì x² = 4 nên\n1. x = 2;\n2. x = −2."
    assert [a.fraction for a in got[4].answers] == [1.0, 0.0, 1.0, 0.0]
    assert got[4].general_feedback == "a) Đúng vì 2 lớn hơn 1."
    assert got[5].qtype == "numerical" and got[5].answers[0].text == "2"


def test_a_key_written_line_by_line_under_an_answer_heading_is_still_a_key():
    d = _quiz()
    for line in ("Câu 1. B", "Câu 2. C. Phương trình có hai nghiệm.", "Câu 4. ĐSĐS", "Câu 5. 2"):
        d.add_paragraph(line)
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert [a.fraction for a in got[1].answers] == [0.0, 1.0, 0.0, 0.0] and got[1].general_feedback is None
    assert [a.fraction for a in got[2].answers] == [0.0, 0.0, 1.0, 0.0]
    assert got[2].general_feedback == "Phương trình có hai nghiệm."
    assert [a.fraction for a in got[4].answers] == [1.0, 0.0, 1.0, 0.0]
    assert got[5].qtype == "numerical"


def _parts_exam_with_key_table() -> Document:
    """Tester 29's exam_e.docx layout: three parts, then “ĐÁP ÁN” with a Word key table and no
    “PHẦN I” line above it, then “PHẦN II” / “PHẦN III” with “Câu N. …” lines."""
    d = Document()
    d.add_paragraph("PHẦN I. TRẮC NGHIỆM NHIỀU LỰA CHỌN")
    for n in (1, 2):
        d.add_paragraph(f"Câu {n}. Chọn số lớn nhất.")
        for option in ("A. 1", "B. 2", "C. 3", "D. 4"):
            d.add_paragraph(option)
    d.add_paragraph("PHẦN II. CÂU TRẮC NGHIỆM ĐÚNG SAI")
    d.add_paragraph("Câu 1. Xét các số.")
    for statement in ("a) 1 > 0", "b) 2 > 0", "c) 3 > 0", "d) −1 > 0"):
        d.add_paragraph(statement)
    d.add_paragraph("PHẦN III. CÂU TRẮC NGHIỆM TRẢ LỜI NGẮN")
    d.add_paragraph("Câu 1. Tính 1 + 0.")
    d.add_paragraph("Câu 2. Tính 2 + 3.")
    d.add_paragraph("----- HẾT -----")
    d.add_paragraph("ĐÁP ÁN")
    table = d.add_table(rows=2, cols=3)
    for j, v in enumerate(["Câu", "1", "2"]):
        table.cell(0, j).text = v
    for j, v in enumerate(["Đáp án", "C", "D"]):
        table.cell(1, j).text = v
    return d


def test_a_key_sections_part_heading_names_its_part_by_its_numeral_after_a_key_table():
    d = _parts_exam_with_key_table()
    d.add_paragraph("PHẦN II")
    d.add_paragraph("Câu 1. ĐĐĐS")
    d.add_paragraph("PHẦN III.")
    d.add_paragraph("Câu 1. 1")
    d.add_paragraph("Câu 2. 5")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = [q.question for q in parsed.questions]
    assert [q.qtype for q in got] == ["single_choice", "single_choice", "tf_cluster", "numerical", "numerical"]
    assert [a.fraction for a in got[0].answers] == [0.0, 0.0, 1.0, 0.0]
    assert not got[0].general_feedback   # “ĐĐĐS” is part II's key, never part I's explanation
    assert [a.fraction for a in got[2].answers] == [1.0, 1.0, 1.0, 0.0]
    assert [a.text for a in got[3].answers] == ["1"] and [a.text for a in got[4].answers] == ["5"]


def test_a_key_sections_part_heading_names_its_part_even_out_of_order():
    d = _parts_exam_with_key_table()
    d.add_paragraph("PHẦN III: 1-1 2-5")
    d.add_paragraph("PHẦN II: 1-ĐĐĐS")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = [q.question for q in parsed.questions]
    assert [a.fraction for a in got[2].answers] == [1.0, 1.0, 1.0, 0.0]
    assert [a.text for a in got[3].answers] == ["1"] and [a.text for a in got[4].answers] == ["5"]


def test_a_bare_tu_luan_line_heads_the_essay_part_never_joins_the_question_above():
    for heading in ("TỰ LUẬN", "Tự luận:", "B. TỰ LUẬN", "PHẦN TỰ LUẬN"):
        d = Document()
        d.add_paragraph("PHẦN I. TRẮC NGHIỆM")
        d.add_paragraph("Câu 1. Chọn số lớn nhất.")
        d.add_paragraph("A. 1\tB. 2\tC. 3\tD. 4")
        d.add_paragraph("Câu 2. Tính 2 + 3.")
        d.add_paragraph("Đáp án: 5")
        d.add_paragraph(heading)
        d.add_paragraph("Câu 1 (1,0 điểm). Giải phương trình x + 1 = 3.")
        d.add_paragraph("Câu 2. Rút gọn A = 2x + x.")
        d.add_paragraph("ĐÁP ÁN")
        d.add_paragraph("1-C")
        parsed = parse_docx(_save(d))
        assert parsed.errors == [], heading
        got = [q.question for q in parsed.questions]
        assert [q.qtype for q in got] == ["single_choice", "numerical", "essay", "essay"], heading
        assert "LUẬN" not in got[1].text.upper()


def test_a_short_answer_part_keeps_its_type_without_a_key_and_a_worked_line_is_its_explanation():
    """Issue #29, tester finding 2: in "PHẦN III. TRẢ LỜI NGẮN" a question without a key became an
    essay, and one whose answer section had a worked line ("… = 8") an essay with it as the guide.
    The reader keeps the short answer (with no answers: the import asks the teacher what to do)."""
    from lms.exams.formats.word import parse_text

    parsed = parse_text("PHẦN I. TRẢ LỜI NGẮN\nCâu 1. Tính $\\int_{0}^{2} 3x^{2}\\,dx$.\nCâu 2. Tính 2 + 3.\n"
                        "Câu 3. Tính 1 + 1.\nPHẦN II. TỰ LUẬN\nCâu 1. Giải phương trình $x + 1 = 0$.\n"
                        "ĐÁP ÁN\nPHẦN I\nCâu 1. $x^{3}\\Big|_{0}^{2} = 8$\nCâu 3. 2\n")
    assert not parsed.errors
    got = [(q.number, q.question.qtype, [a.text for a in q.question.answers], q.question.general_feedback,
            q.question.guide) for q in parsed.questions]
    assert got == [(1, "short_answer", [], "$x^{3}\\Big|_{0}^{2} = 8$", None), (2, "short_answer", [], None, None),
                   (3, "numerical", ["2"], None, None), (1, "essay", [], None, None)]


def _parts_one_and_three() -> Document:
    """An exam whose parts skip a numeral: PHẦN I (choice) then PHẦN III (short answers), as a
    teacher who dropped the true/false part of the national format writes it."""
    d = Document()
    d.add_paragraph("PHẦN I. TRẮC NGHIỆM NHIỀU LỰA CHỌN")                    # paragraph 1
    for n in (1, 2):
        d.add_paragraph(f"Câu {n}. Chọn số lớn nhất.")
        for option in ("A. 1", "B. 2", "C. 3", "D. 4"):
            d.add_paragraph(option)
    d.add_paragraph("PHẦN III. CÂU TRẮC NGHIỆM TRẢ LỜI NGẮN")                  # paragraph 12
    d.add_paragraph("Câu 1. Tính 1 + 0.")
    d.add_paragraph("Câu 2. Tính 2 + 3.")
    d.add_paragraph("----- HẾT -----")
    d.add_paragraph("ĐÁP ÁN")                                                   # paragraph 16
    table = d.add_table(rows=2, cols=3)                                         # paragraphs 17-18
    for j, v in enumerate(["Câu", "1", "2"]):
        table.cell(0, j).text = v
    for j, v in enumerate(["Đáp án", "C", "D"]):
        table.cell(1, j).text = v
    return d


def test_parts_that_skip_a_numeral_are_numbered_by_it_for_the_questions_and_the_key():
    """Issue #29 (tester 29): the questions' parts were numbered in order (PHẦN III was the second)
    and the key's by numeral, so the key's “PHẦN III” entries found no question."""
    for layout in (["PHẦN III", "Câu 1. 1", "Câu 2. 5"], ["PHẦN III: 1-1 2-5"]):
        d = _parts_one_and_three()
        for line in layout:
            d.add_paragraph(line)
        parsed = parse_docx(_save(d))
        assert parsed.errors == [], layout
        got = [q.question for q in parsed.questions]
        assert [q.qtype for q in got] == ["single_choice", "single_choice", "numerical", "numerical"]
        assert [a.fraction for a in got[1].answers] == [0.0, 0.0, 0.0, 1.0]
        assert [a.text for a in got[2].answers] == ["1"] and [a.text for a in got[3].answers] == ["5"]


def test_a_key_naming_a_part_the_exam_has_not_is_told_so_on_its_line():
    d = _parts_one_and_three()
    d.add_paragraph("PHẦN III: 1-1 2-5")                                        # paragraph 19
    d.add_paragraph("PHẦN II: 1-ĐĐĐS 2-ĐSĐS")                                   # paragraph 20
    parsed = parse_docx(_save(d))
    assert parsed.errors == [(20, "phần đáp án có PHẦN II nhưng đề không có phần này (đề có phần I, III): "
                                  "ghi đáp án dưới đúng số phần của đề")]
    assert len(parsed.questions) == 4
