"""A teacher's Word exam in two parts whose numbering starts again — "I. TRẮC NGHIỆM" with Câu 1…6
and "II. TỰ LUẬN" with Bài 1…3 (tests/files/exams/toan9_giua_ki.py, written with python-docx and
Word's own equation XML, not our import format): every question is read into its part, the
answer table reaches the first part, and each question is named by its words with its formulas
readable ("(x² - 1)/(x - 1)", not "x² - 1/x - 1"). Before, the parts were not seen, "II. TỰ LUẬN"
was glued to an option, and "Bài 1" was refused as a second "Câu 1"."""
from __future__ import annotations

from pathlib import Path

from lms.exams.formats.word import parse_docx, parse_text
from lms.exams.mathtext import title_of

FILE = Path(__file__).parents[1] / "files" / "exams" / "toan9-giua-ki-hai-phan.docx"


def _right(question) -> str:
    return next(a.text for a in question.answers if a.fraction == 1)


def test_a_two_part_word_exam_whose_numbering_starts_again():
    parsed = parse_docx(FILE.read_bytes())
    assert parsed.errors == []
    questions = [q.question for q in parsed.questions]
    assert [(q.number, q.question.qtype) for q in parsed.questions] == \
        [(n, "single_choice") for n in range(1, 7)] + [(n, "essay") for n in range(1, 4)]
    assert {q.category for q in questions[:6]} == {
        "Phần I. TRẮC NGHIỆM (3,0 điểm). Chọn chữ cái đứng trước câu trả lời đúng"}
    assert {q.category for q in questions[6:]} == {"Phần II. TỰ LUẬN (7,0 điểm)"}
    assert [a.text for a in questions[5].answers][-1] == "49 cm."         # the part's heading is not an option
    assert _right(questions[1]) == r"$x \geq 3$"                             # options in a 2 × 2 table
    assert _right(questions[2]) == "(3; 2)." and _right(questions[4]) == r"$\frac{4}{5}$."
    assert title_of(questions[3].text) == "Rút gọn biểu thức (x² - 1)/(x - 1) với x ≠1 ta được"
    assert title_of(questions[2].text) == "Nghiệm của hệ phương trình { x + y = 5; x - y = 1 } là"
    assert "1/(√(x) + 1) + 1/(√(x) - 1)" in title_of(questions[7].text)


def test_a_key_by_part_reaches_each_part_and_a_number_twice_in_one_part_is_still_refused():
    text = """PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn
Câu 1. $2^{3}$ bằng
A. 6  B. 8  C. 9  D. 5
Câu 2. $\\sqrt{25}$ bằng
A. 5  B. 25  C. 10  D. 4
PHẦN II. Câu trắc nghiệm đúng sai
Câu 1. Cho hàm số $y = x^{2}$.
a) Đồ thị đi qua gốc toạ độ.
b) Hàm số đồng biến trên $\\mathbb{R}$.
c) $y(2) = 4$.
d) $y(-1) = -1$.
ĐÁP ÁN
PHẦN I: 1-B 2-A
PHẦN II
1-ĐSĐS
"""
    parsed = parse_text(text)
    assert parsed.errors == []
    got = [(q.number, q.question.qtype, q.question.category) for q in parsed.questions]
    assert [g[:2] for g in got] == [(1, "single_choice"), (2, "single_choice"), (1, "tf_cluster")]
    assert _right(parsed.questions[0].question) == "8"
    assert [a.fraction for a in parsed.questions[2].question.answers] == [1, 0, 1, 0]
    twice = parse_text(text.replace("Câu 2. $\\sqrt{25}$", "Câu 1. $\\sqrt{25}$"))
    assert any("Câu 1 đã có" in message for _line, message in twice.errors)


def test_an_option_written_with_a_full_stop_reads_as_written_on_screen_and_on_paper():
    """"A. 5." and "D. 1." of the file showed an empty numbered list (Markdown's "5."), the 5 lost."""
    from lms.exams.printing import print_html
    from lms.exams.qtypes.base import inline

    for text in ("5.", "12.", "1.", "2) x", "- 2", "# 3"):
        assert str(inline(text)) == text and print_html(text) == text
    assert str(inline("1. a\n2. b")) == "1. a<br>\n2. b"   # its numbers as typed, each on its line
    assert "<ul>" in str(inline("- a\n- b"))             # a text of several lines keeps its bullets


TOAN8 = Path(__file__).parents[1] / "files" / "exams" / "toan8-giua-ki1-tu-luan.docx"


def test_an_essay_part_keeps_its_sub_parts_and_its_marking_guide():
    """A teacher's Toán 8 midterm (a tester's file, as written): in "PHẦN II. TỰ LUẬN", "Câu 1 …
    a) x² − 9; b) x³ − 2x² + x" was read as a true/false cluster and refused, and the marking guide
    "Câu 2. Tứ giác có…" under ĐÁP ÁN made essay 2 a short answer “Tứ” (and “Câu 3” was invented
    from "(x − 3)(x + 3)"). The sub-parts are the essay's text; the guide is its marking guide."""
    parsed = parse_docx(TOAN8.read_bytes())
    assert parsed.errors == [] and parsed.failed == []
    kinds = [(q.number, q.question.qtype) for q in parsed.questions]
    assert kinds[-4:] == [(8, "tf_cluster"), (9, "numerical"), (1, "essay"), (2, "essay")]
    one, two = parsed.questions[-2].question, parsed.questions[-1].question
    assert "a) $x^{2} - 9$;" in one.text and "b) $x^{3} - 2x^{2} + x$." in one.text and one.answers == []
    assert one.guide == "a) (x − 3)(x + 3); b) x(x − 1)². Mỗi ý 1,0 điểm."
    assert two.guide.startswith("Tứ giác có hai đường chéo") and two.guide.endswith("AM = 5 cm (1,0 điểm).")
    assert [a.fraction for a in parsed.questions[7].question.answers] == [1, 0, 0, 1]     # 8-ĐSSĐ still a cluster


def test_sub_parts_without_a_true_false_key_are_text_and_a_whole_key_line_is_read_whole():
    parsed = parse_text("Câu 1. Cho $x = 2$. Tính:\na) $x + 1$;  b) $2x$.\n"
                        "Câu 2. Thủ đô của Việt Nam là thành phố nào?\n"
                        "Câu 3. Hai ý\na) 1 > 0\nb) 2 < 1\nc) 3 = 3\n"
                        "ĐÁP ÁN\nCâu 2. Hà Nội\n3-ĐSĐ\n")
    got = {q.number: q.question for q in parsed.questions}
    assert got[1].qtype == "essay" and got[1].text.endswith("a) $x + 1$;  b) $2x$.")
    assert got[2].qtype == "short_answer" and [a.text for a in got[2].answers] == ["Hà Nội"]
    assert 3 not in got and "bốn ý a), b), c), d)" in dict(parsed.errors)[5]   # a Đ/S key: a cluster, mistyped


def test_an_error_belongs_to_its_own_question_when_numbering_starts_again():
    """The error of "PHẦN II … Câu 1" was shown on PHẦN I's Câu 1, and the failing question had no card."""
    from lms.exams.importing import plan_import

    text = ("PHẦN I. TRẮC NGHIỆM\nCâu 1. Hỏi\nA. x\nB. y\n"
            "PHẦN II. ĐÚNG SAI\nCâu 1. Ba ý\na) 1\nb) 2\nc) 3\nĐÁP ÁN\nPHẦN I\n1-A\nPHẦN II\n1-ĐSĐ\n")
    plan = plan_import("de.txt", text.encode())
    placed, loose = plan.placed_errors()
    assert [q.line for q in plan.questions] == [2] and plan.failed == [(6, "Câu 1", "PHẦN II. ĐÚNG SAI",
                                                                        "Câu 1. Ba ý\na) 1\nb) 2\nc) 3"[7:])]
    assert 2 not in placed and loose == []
    assert [message for _line, message in placed[6]] == \
        ["Câu 1: câu đúng/sai cần đúng bốn ý a), b), c), d) (thấy a, b, c)"]


def test_a_question_with_an_error_keeps_its_text_for_its_card():
    """Issue #29 (tester 29, finding 4): a card with an error showed only its heading and the error,
    never the question, so the teacher could not see what the message was about. Each way a question
    fails — not read from the file, or read and refused when planned — keeps its lines as written."""
    from lms.exams.importing import plan_import

    text = ("Câu 1. Tính $2^{3}$ bằng\nA. 6\nB. 8\nC. 9\n"       # no key: not read
            "Câu 2. Thủ đô của Việt Nam?\nA. Huế\nB. Hà Nội\n"
            "ĐÁP ÁN\n2-B\n")
    plan = plan_import("de.txt", text.encode())
    assert [(line, label, written) for line, label, _part, written in plan.failed] == \
        [(1, "Câu 1", "Tính $2^{3}$ bằng\nA. 6\nB. 8\nC. 9")]
    refused = plan_import("de.txt", "PHẦN III. TRẢ LỜI NGẮN\nCâu 1. Tính $1 + 2$.\n".encode())   # a short answer, no key
    assert [(line, written) for line, _label, _part, written in refused.failed] == [(2, "Tính $1 + 2$.")]
