"""Numbers in teachers' Word files are kept as the teacher sees them in Word: typed ("1. …",
"2) …", "a) …") in a question's text or its worked solution, and Word's own automatic numbering
(`w:numPr`, the Numbering button), whose numbers are not in the text at all — the question shows
"1.", "a)", "Câu 3." where Word shows them."""
from __future__ import annotations

import io

from docx import Document
from lxml import etree

from lms.exams.formats.word import parse_docx, parse_text
from lms.exams.mathtext import plain
from lms.exams.qtypes.base import text_html

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _word_list(document, abstract_id: int, levels: list[tuple[str, str]], num_id: int, start: int | None = None):
    """A list definition as Word writes it in numbering.xml: an abstractNum with its levels
    (format, text such as "%1." or "%1)"), and a w:num pointing at it (with a startOverride when
    the teacher chose "Restart at …")."""
    numbering = document.part.numbering_part.element
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}" w:tplc="04090019"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{720 * (i + 1)}" '
        f'w:hanging="360"/></w:pPr></w:lvl>' for i, (fmt, text) in enumerate(levels))
    abstract = etree.fromstring(
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{abstract_id}"><w:nsid w:val="1A2B3C4{abstract_id}"/>'
        f'<w:multiLevelType w:val="hybridMultilevel"/><w:tmpl w:val="0409000F"/>{lvls}</w:abstractNum>')
    first_num = numbering.find(f"{{{W}}}num")
    if first_num is not None:
        first_num.addprevious(abstract)   # abstractNums come before the nums
    else:
        numbering.append(abstract)
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                if start is not None else "")
    numbering.append(etree.fromstring(f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId '
                                      f'w:val="{abstract_id}"/>{override}</w:num>'))


def _numbered(document, text: str, num_id: int, level: int = 0):
    """A paragraph numbered by Word (style "List Paragraph" with its numPr, as the Numbering button
    writes it): the number is not in the text."""
    paragraph = document.add_paragraph(text, style="List Paragraph")
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(etree.fromstring(f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/>'
                                f'</w:numPr>'))
    return paragraph


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_s_automatic_numbering_inside_a_stem_shows_the_numbers_word_shows():
    d = Document()
    d.add_paragraph("Câu 1. Cho tam giác ABC vuông tại A có AB = 3 cm, AC = 4 cm. Tính:")
    _word_list(d, 20, [("decimal", "%1."), ("lowerLetter", "%2)")], num_id=30)
    _numbered(d, "độ dài cạnh BC;", 30)
    _numbered(d, "chu vi tam giác ABC;", 30)
    _numbered(d, "theo cm;", 30, level=1)
    _numbered(d, "theo mm.", 30, level=1)
    _numbered(d, "diện tích tam giác ABC.", 30)
    d.add_paragraph("Câu 2. Chọn phát biểu đúng.")
    _word_list(d, 21, [("upperLetter", "%1.")], num_id=31)   # options numbered A. B. C. D. by Word
    for option in ("Hai góc đối đỉnh thì bằng nhau", "Hai góc bằng nhau thì đối đỉnh", "Cả hai đều đúng",
                   "Cả hai đều sai"):
        _numbered(d, option, 31)
    d.paragraphs[-4].runs[0].underline = True
    d.add_paragraph("Câu 3. Liệt kê các bước giải.")
    _word_list(d, 22, [("decimal", "%1.")], num_id=32, start=1)   # "Restart at 1": a list of its own
    _numbered(d, "Đặt ẩn.", 32)
    _numbered(d, "Lập phương trình.", 32)
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert got[1].text == ("Cho tam giác ABC vuông tại A có AB = 3 cm, AC = 4 cm. Tính:\n1. độ dài cạnh BC;\n"
                           "2. chu vi tam giác ABC;\na) theo cm;\nb) theo mm.\n3. diện tích tam giác ABC.")
    html = text_html(got[1].text)
    assert "1. độ dài cạnh BC;" in html and "3. diện tích tam giác ABC." in html and "<ol" not in html
    assert [a.text for a in got[2].answers][0] == "Hai góc đối đỉnh thì bằng nhau"
    assert [a.fraction for a in got[2].answers] == [1.0, 0.0, 0.0, 0.0]
    assert got[3].text == "Liệt kê các bước giải.\n1. Đặt ẩn.\n2. Lập phương trình."


def test_questions_numbered_by_word_itself_are_read():
    d = Document()
    _word_list(d, 23, [("decimal", "Câu %1.")], num_id=33)
    _numbered(d, "Số nào là số nguyên tố?", 33)
    d.add_paragraph("A. 4\tB. 6\tC. 7\tD. 9")
    _numbered(d, "Tính 2 + 3.", 33)
    d.add_paragraph("Đáp án: 5")
    d.add_paragraph("ĐÁP ÁN")
    d.add_paragraph("1-C")
    parsed = parse_docx(_save(d))
    assert parsed.errors == []
    assert [(q.number, q.question.text) for q in parsed.questions] == [(1, "Số nào là số nguyên tố?"),
                                                                        (2, "Tính 2 + 3.")]


def test_typed_numbers_in_a_stem_and_a_worked_solution_keep_their_own_marks():
    parsed = parse_text("Câu 1. Tính:\n1) 2 + 3;\n2) 4 + 5.\nĐáp án: 5\n"
                        "Lời giải:\n1) 2 + 3 = 5.\n2) 4 + 5 = 9.\n")
    question = parsed.questions[0].question
    for text in (question.text, question.general_feedback):
        html = text_html(text)
        assert "1) " in html and "2) " in html and "<ol" not in html   # was <ol><li>, drawn "1." "2."
    assert plain(question.text) == "Tính: 1) 2 + 3; 2) 4 + 5."             # was "Tính: 2 + 3; 4 + 5."


def test_claims_a_to_d_of_a_choice_question_stay_in_its_text():
    parsed = parse_text("Câu 1. Cho hàm số f(x) = 2x. Xét các khẳng định:\na) f(1) = 2;\nb) f(0) = 0;\n"
                        "c) f(2) = 4;\nd) f(3) = 5.\nSố khẳng định đúng là\nA. 1\nB. 2\n*C. 3\nD. 4\n")
    assert parsed.errors == []
    question = parsed.questions[0].question
    assert question.qtype == "single_choice"
    assert question.text == ("Cho hàm số f(x) = 2x. Xét các khẳng định:\na) f(1) = 2;\nb) f(0) = 0;\n"
                             "c) f(2) = 4;\nd) f(3) = 5.\nSố khẳng định đúng là")   # a)–d) were dropped


def _another_num(document, abstract_id: int, num_id: int, start: int | None = None):
    """One more w:num of an existing list definition, as Word writes one for "Continue numbering"
    (no override) or "Restart at 1" (a startOverride)."""
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                if start is not None else "")
    document.part.numbering_part.element.append(etree.fromstring(
        f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{override}</w:num>'))


def test_lists_of_one_definition_count_on_together_and_a_restarted_one_starts_again():
    d = Document()
    _word_list(d, 24, [("decimal", "%1)")], num_id=40)
    _another_num(d, 24, 41)
    _another_num(d, 24, 42, start=1)
    d.add_paragraph("Câu 1. Thực hiện các bước:")
    _numbered(d, "Bước một.", 40)
    _numbered(d, "Bước hai.", 40)
    d.add_paragraph("Sau đó:")
    _numbered(d, "Bước ba.", 41)            # "Continue numbering": 3)
    d.add_paragraph("Câu 2. Liệt kê:")
    _numbered(d, "Ý một.", 42)              # "Restart at 1": 1)
    _numbered(d, "Ý hai.", 42)
    parsed = parse_docx(_save(d))
    got = {q.number: q.question.text for q in parsed.questions}
    assert got[1] == "Thực hiện các bước:\n1) Bước một.\n2) Bước hai.\nSau đó:\n3) Bước ba."
    assert got[2] == "Liệt kê:\n1) Ý một.\n2) Ý hai."
