"""The answer section at the end of a teacher's Word exam — headed "ĐÁP ÁN VÀ HƯỚNG DẪN CHẤM",
"HƯỚNG DẪN CHẤM", "III. ĐÁP ÁN – BIỂU ĐIỂM"… — is the key and the marking guide, never more
questions. Before, only a line "ĐÁP ÁN" alone was understood: under any other heading the key's
"Câu 1. …" lines were read as questions again (each number "already seen") and the real questions
had no key. The file is written with python-docx as Word saves it, its answers as Word equations."""
from __future__ import annotations

import io

import pytest
from docx import Document

from lms.exams.formats.word import parse_docx, parse_text
from tests.files.exams.word_corpus import Eq, footer, heading, math, text


def _exam(title: str) -> bytes:
    e = Eq()
    d = Document()
    heading(d, "TRƯỜNG THCS NGUYỄN DU", "ĐỀ KIỂM TRA GIỮA HỌC KÌ I — MÔN TOÁN 8")
    d.add_paragraph("I. TRẮC NGHIỆM (3,0 điểm)")
    p = d.add_paragraph()
    text(p, "Câu 1. Kết quả của phép tính ")
    math(p, e.sup(e.r("2"), e.r("4")))
    text(p, " là:")
    d.add_paragraph("A. 8\tB. 16\tC. 6\tD. 42")
    p = d.add_paragraph()
    text(p, "Câu 2. Rút gọn phân thức ")
    math(p, e.frac(e.r("2x"), e.r("4")))
    text(p, " được:")
    d.add_paragraph("A. x\tB. 2x\tC. x/2\tD. 4x")
    d.add_paragraph("II. TỰ LUẬN (7,0 điểm)")
    d.add_paragraph("Câu 1 (2,0 điểm). Giải các phương trình sau:")
    p = d.add_paragraph()
    text(p, "a) ")
    math(p, e.r("2x-6=0"))
    p = d.add_paragraph()
    text(p, "b) ")
    math(p, e.sup(e.r("x"), e.r("2")) + e.r("-4=0"))
    d.add_paragraph("Câu 2 (1,0 điểm). Chứng minh rằng tứ giác có hai đường chéo cắt nhau tại trung điểm "
                    "mỗi đường là hình bình hành.")
    footer(d)
    d.add_paragraph(title)
    d.add_paragraph("I. TRẮC NGHIỆM (3,0 điểm)")
    d.add_paragraph("Mỗi câu đúng được 0,5 điểm.")
    table = d.add_table(rows=2, cols=3)
    for i, (n, v) in enumerate((("Câu", "Đáp án"), ("1", "B"), ("2", "C"))):
        table.cell(0, i).text, table.cell(1, i).text = n, v
    d.add_paragraph("II. TỰ LUẬN (7,0 điểm)")
    guide = d.add_table(rows=4, cols=3)
    rows = [("Câu", "Nội dung", "Điểm"), ("Câu 1", None, "1,0"), ("", None, "1,0"),
            ("Câu 2", "Hai đường chéo cắt nhau tại trung điểm mỗi đường nên tứ giác là hình bình hành.", "1,0")]
    for r, (n, content, mark) in enumerate(rows):
        guide.cell(r, 0).text, guide.cell(r, 2).text = n, mark
        if content is not None:
            guide.cell(r, 1).text = content
    cell = guide.cell(1, 1).paragraphs[0]
    text(cell, "a) ")
    math(cell, e.r("x=3"))
    cell = guide.cell(2, 1).paragraphs[0]
    text(cell, "b) ")
    math(cell, e.r("x=2"))
    text(cell, " hoặc ")
    math(cell, e.r("x=-2"))
    d.add_paragraph("Học sinh làm cách khác đúng vẫn cho điểm tối đa.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.mark.parametrize("title", ["ĐÁP ÁN VÀ HƯỚNG DẪN CHẤM", "HƯỚNG DẪN CHẤM", "III. ĐÁP ÁN – BIỂU ĐIỂM",
                                   "HƯỚNG DẪN CHẤM ĐỀ KIỂM TRA GIỮA HỌC KÌ I", "Đáp án và hướng dẫn chấm"])
def test_the_answer_section_gives_the_keys_and_the_marking_guides(title):
    parsed = parse_docx(_exam(title))
    assert parsed.errors == []
    got = [(q.number, q.question.qtype) for q in parsed.questions]
    assert got == [(1, "single_choice"), (2, "single_choice"), (1, "essay"), (2, "essay")]
    first, second, essay, proof = (q.question for q in parsed.questions)
    assert [a.fraction for a in first.answers] == [0.0, 1.0, 0.0, 0.0]      # B
    assert [a.fraction for a in second.answers] == [0.0, 0.0, 1.0, 0.0]     # C
    assert first.text.startswith("Kết quả của phép tính $2^{4}$")
    assert essay.guide.splitlines() == ["a) $x = 3$ (1,0 điểm)", "b) $x = 2$ hoặc $x = - 2$ (1,0 điểm)"]
    assert proof.guide == "Hai đường chéo cắt nhau tại trung điểm mỗi đường nên tứ giác là hình bình hành. (1,0 điểm)"
    # What the section says to the marker is shown as skipped, not refused and not lost.
    assert "Mỗi câu đúng được 0,5 điểm." in parsed.header
    assert "Học sinh làm cách khác đúng vẫn cho điểm tối đa." in parsed.header


def test_a_question_s_own_answer_or_guide_is_not_an_answer_section():
    parsed = parse_text("Câu 1. Tính 2,5 + 1,25.\nĐÁP ÁN: 3,75\nCâu 2. Phân tích $x^2 - 9$.\n"
                        "Hướng dẫn chấm: $(x - 3)(x + 3)$ được 1 điểm.\n")
    assert parsed.errors == []
    assert [(q.question.qtype, q.question.guide) for q in parsed.questions] == [
        ("numerical", None), ("essay", "$(x - 3)(x + 3)$ được 1 điểm.")]
