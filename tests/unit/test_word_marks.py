"""Marks a teacher writes by a question in a Word exam ("Câu 3 (0,5 điểm)", "Câu 4. (1đ)",
"Bài 2 [2 điểm]:", or at the end of its first line) are the question's marks, and the text no longer
carries them; a "Hướng dẫn chấm:" under a written question is its marking guide. Before, "Câu 3
(0,5 điểm)" was not a question at all and "(2,0 điểm)" stayed in the essays' text."""
from pathlib import Path

from lms.exams.formats.word import parse_docx, parse_text

TEXT = """PHẦN I. TRẮC NGHIỆM
Câu 1 (0,5 điểm) Kết quả của 2 + 3 là
A. 4  B. 5  C. 6  D. 7
Câu 2. (1đ) Số nào là số nguyên tố?
A. 4  B. 6  C. 7  D. 9
Câu 3: Số 0 là số tự nhiên. Chọn đúng hay sai? (0,25 đ)
A. Đúng  B. Sai
Câu 4. Tính 2,5 + 1,25.
Đáp án: 3,75
PHẦN II. TỰ LUẬN
Bài 1 [2 điểm]: Phân tích $x^2 - 9$ thành nhân tử.
Hướng dẫn chấm: $(x - 3)(x + 3)$, đúng mỗi thừa số 1 điểm.
Viết sai dấu trừ 0,5 điểm.
Bài 2. Chứng minh tổng ba góc của tam giác bằng 180°.
ĐÁP ÁN
PHẦN I: 1-B 2-C 3-A
PHẦN II
Bài 2. Kẻ đường thẳng qua một đỉnh song song với cạnh đối diện (1,0 điểm); dùng góc so le trong (1,0 điểm).
"""


def test_marks_by_the_number_or_at_the_end_of_the_first_line_are_the_questions_marks():
    parsed = parse_text(TEXT)
    assert parsed.errors == []
    got = [(q.number, q.question.qtype, q.question.mark, q.question.text.splitlines()[0]) for q in parsed.questions]
    assert got == [
        (1, "single_choice", "0,5", "Kết quả của 2 + 3 là"),
        (2, "single_choice", "1", "Số nào là số nguyên tố?"),
        (3, "single_choice", "0,25", "Số 0 là số tự nhiên. Chọn đúng hay sai?"),
        (4, "numerical", None, "Tính 2,5 + 1,25."),
        (1, "essay", "2", "Phân tích $x^2 - 9$ thành nhân tử."),
        (2, "essay", None, "Chứng minh tổng ba góc của tam giác bằng 180°."),
    ]
    essays = [q.question for q in parsed.questions if q.question.qtype == "essay"]
    assert essays[0].guide == "$(x - 3)(x + 3)$, đúng mỗi thừa số 1 điểm.\nViết sai dấu trừ 0,5 điểm."
    assert "Hướng dẫn chấm" not in essays[0].text
    assert essays[1].guide.startswith("Kẻ đường thẳng qua một đỉnh")


def test_a_marking_guide_under_a_question_that_has_a_key_is_refused_on_its_question():
    parsed = parse_text("Câu 1. 2 + 2 = ?\nA. 3  B. 4\nHướng dẫn chấm: chọn B được 1 điểm.\nĐÁP ÁN\n1-B\n")
    assert parsed.questions == []
    assert parsed.errors == [(1, "Câu 1: “Hướng dẫn chấm” chỉ dành cho câu tự luận; câu này có đáp án nên được "
                                 "chấm tự động — bỏ dòng hướng dẫn chấm hoặc bỏ đáp án")]


def test_the_teachers_word_midterm_gives_its_essays_their_marks_out_of_their_text():
    data = (Path(__file__).parents[1] / "files" / "exams" / "toan9-giua-ki-hai-phan.docx").read_bytes()
    parsed = parse_docx(data)
    assert parsed.errors == []
    essays = [q.question for q in parsed.questions if q.question.qtype == "essay"]
    assert [(q.mark, q.text[:10]) for q in essays] == [("2,0", "Giải phươn"), ("2,0", "Rút gọn bi"),
                                                       ("3,0", "Một người ")]
