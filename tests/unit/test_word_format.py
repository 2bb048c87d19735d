"""The Word / plain-text format teachers write tests in: every kind of question, the ways of
marking the right answer, and a line for every mistake."""
import io

import pytest

from lms.exams.formats.word import parse_docx, parse_text
from tests.unit.files import PNG

FULL = """PHẦN I. TRẮC NGHIỆM
Câu 1. Tập hợp nào có đúng
3 phần tử?
A. {1; 2}   B. {1; 2; 3}
C. ∅        D. {0}
Lời giải: {1; 2; 3} có ba phần tử.
Câu 2: Kết quả của $2^3$ là
*A. 8
B. 6
C. 9
D. 5
Câu 3) Những số nào là số chẵn?
A. 2
B. 3
C. 4
D. 5
PHẦN II. ĐÚNG SAI
Câu 4. Cho tập hợp A = {1; 2; 3}.
a) 1 thuộc A
b) 4 thuộc A
c) A có 3 phần tử
d) 0 thuộc A
PHẦN III. TRẢ LỜI NGẮN
Câu 5. Tính 2,5 + 1,25.
Đáp án: 3,75
Câu 6. Thủ đô của Việt Nam?
Đáp án: Hà Nội; Ha Noi
PHẦN IV. TỰ LUẬN
Câu 7. Trình bày cách cộng hai phân số.
ĐÁP ÁN
1-B   3-AC
4. ĐSĐS
"""


def test_every_kind_and_every_way_of_giving_the_answer():
    parsed = parse_text(FULL)
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert [got[n].qtype for n in range(1, 8)] == ["single_choice", "single_choice", "multiple_choice", "tf_cluster",
                                                   "numerical", "short_answer", "essay"]
    assert got[1].text == "Tập hợp nào có đúng\n3 phần tử?"
    assert [(a.text, a.fraction) for a in got[1].answers] == [("{1; 2}", 0), ("{1; 2; 3}", 1), ("∅", 0), ("{0}", 0)]
    assert got[1].general_feedback == "{1; 2; 3} có ba phần tử." and got[1].category == "PHẦN I. TRẮC NGHIỆM"
    assert [a.fraction for a in got[2].answers] == [1, 0, 0, 0]                      # *A.
    assert [a.fraction for a in got[3].answers] == [0.5, -0.5, 0.5, -0.5]            # 3-AC
    assert [(a.text, a.fraction) for a in got[4].answers][1] == ("4 thuộc A", 0) and got[4].category.startswith("PHẦN II")
    assert [a.fraction for a in got[4].answers] == [1, 0, 1, 0]
    assert (got[5].answers[0].text, got[5].answers[0].tolerance) == ("3.75", 0.0)
    assert [a.text for a in got[6].answers] == ["Hà Nội", "Ha Noi"]
    assert got[7].answers == []
    assert [q.line for q in parsed.questions] == [2, 7, 12, 18, 24, 26, 29]


def test_each_mistake_is_reported_with_its_line():
    parsed = parse_text("TRƯỜNG THCS NGUYỄN DU — ĐỀ KIỂM TRA\nCâu 1. Hỏi\nA. x\nC. y\nCâu 2. Hỏi gì\nA. a\nB. b\n"
                        "Câu 2. Lặp\nA. 1\nB. 2\nCâu 3.\nA. 1\nB. 2\nCâu 4. Bốn ý\na) x\nb) y\nc) z\nPHẦN II\n"
                        "Ghi chú lạc\nĐÁP ÁN\n2-E 7-B 4-ĐS\nhello")
    reasons = dict(parsed.errors)
    assert parsed.header == ["TRƯỜNG THCS NGUYỄN DU — ĐỀ KIỂM TRA"] and 1 not in reasons   # a title is fine
    assert "thứ tự A, B, C" in reasons[4]
    assert (21, "Câu 2: đáp án “E” không phải phương án đã có") in parsed.errors
    assert "Câu 2 đã có ở dòng 5" in reasons[8]
    assert "thiếu nội dung" in reasons[11]
    assert "bốn ý a), b), c), d)" in reasons[15]
    assert "“Ghi chú lạc” nằm ngoài câu hỏi" in reasons[19]
    assert (21, "bảng đáp án có câu 7 nhưng đề không có câu này") in parsed.errors
    assert "không đọc được dòng đáp án “hello”" in reasons[22]
    assert parsed.questions == []


def test_a_file_without_questions_says_so():
    assert "không tìm thấy câu hỏi" in parse_text("\n\nchỉ có chữ\n").errors[-1][1] or parse_text("").errors


def test_an_option_line_must_start_with_its_label_and_labels_go_in_order():
    parsed = parse_text("Câu 1. Chọn câu đúng về điểm B. và điểm C. trong hình\nVí dụ: B. nằm giữa\n"
                        "A. thẳng hàng   B. không thẳng hàng   D. lạc thứ tự\n*C. cả hai")
    q = parsed.questions[0].question
    assert parsed.errors == [] and q.text == "Chọn câu đúng về điểm B. và điểm C. trong hình\nVí dụ: B. nằm giữa"
    assert [a.text for a in q.answers] == ["thẳng hàng", "không thẳng hàng   D. lạc thứ tự", "cả hai"]


def _docx(build) -> bytes:
    from docx import Document

    document = Document()
    build(document)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_word_marks_underline_red_and_bold_keeps_images_and_reads_answer_tables():
    from docx.shared import RGBColor

    def build(d):
        d.add_paragraph("PHẦN I. TRẮC NGHIỆM")
        d.add_paragraph("Câu 1. Hình nào là tam giác?")
        d.add_paragraph().add_run().add_picture(io.BytesIO(PNG))
        p = d.add_paragraph()
        p.add_run("A. Hình 1   ")
        p.add_run("B. Hình 2").underline = True
        p.add_run("   C. Hình 3   D. Hình 4")
        d.add_paragraph("Câu 2. 2 + 2 = ?")
        for i, text in enumerate(["A. 3", "B. 4", "C. 5", "D. 6"]):
            run = d.add_paragraph().add_run(text)
            if i == 1:
                run.font.color.rgb = RGBColor(0xFF, 0, 0)
        d.add_paragraph("Câu 3. Số nào chẵn?")
        for i, text in enumerate(["A. 1", "B. 2", "C. 3", "D. 4"]):
            d.add_paragraph().add_run(text).bold = i in (1, 3)
        d.add_paragraph("Câu 4. Số nào lẻ?")
        for text in ["A. 1", "B. 2", "C. 4", "D. 6"]:
            d.add_paragraph().add_run(text).bold = True       # all bold: a style, not a mark
        d.add_paragraph("ĐÁP ÁN")
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Câu", "4"
        table.cell(1, 0).text, table.cell(1, 1).text = "Đáp án", "A"

    parsed = parse_docx(_docx(build))
    assert parsed.errors == []
    got = {q.number: q.question for q in parsed.questions}
    assert got[1].text == "Hình nào là tam giác?\n![](image:0)" and parsed.images[0] == ("image/png", PNG)
    assert [a.fraction for a in got[1].answers] == [0, 1, 0, 0]          # underlined
    assert [a.fraction for a in got[2].answers] == [0, 1, 0, 0]          # red
    assert [a.fraction for a in got[3].answers] == [-0.5, 0.5, -0.5, 0.5]  # bold, some
    assert [a.fraction for a in got[4].answers] == [1, 0, 0, 0]          # the table
    assert got[1].category == "PHẦN I. TRẮC NGHIỆM"


def test_a_damaged_word_file_is_refused_with_a_reason():
    parsed = parse_docx(b"PK\x03\x04 not really a document")
    assert parsed.questions == [] and "không mở được tệp Word" in parsed.errors[0][1]


@pytest.mark.parametrize("key", ["1-B", "1.B", "1: B", "1) b", "1 - B"])
def test_answer_key_spellings(key):
    parsed = parse_text(f"Câu 1. Hỏi\nA. x\nB. y\nĐÁP ÁN\n{key}")
    assert parsed.errors == [] and [a.fraction for a in parsed.questions[0].question.answers] == [0, 1]


@pytest.mark.parametrize("given", ["6,,0", "6.,0", "1.250,5", "3,5,0"])
def test_an_answer_written_as_a_number_must_read_as_one(given):
    parsed = parse_text(f"Câu 1. Tính 3 + 3.\nĐáp án: {given}\nCâu 2. Tính 1 + 1.\nĐáp án: 2")
    assert [q.number for q in parsed.questions] == [2]             # never kept as a text answer
    (line, reason), = parsed.errors
    assert line == 2 and reason.startswith(f"Câu 1: đáp án “{given}” không phải là một số")
    table = parse_text(f"Câu 1. Tính 3 + 3.\nĐÁP ÁN\n1-{given.replace(' ', '')}")
    assert table.questions == [] and table.errors[0][0] == 3


def test_numbers_and_texts_still_read_as_before():
    parsed = parse_text("Câu 1. Hỏi\nĐáp án: -2,5\nCâu 2. Hỏi\nĐáp án: 1 000\nCâu 3. Hỏi\nĐáp án: 2; 3\n"
                        "Câu 4. Hỏi\nĐáp án: H2O")
    got = {q.number: q.question for q in parsed.questions}
    assert parsed.errors == [] and (got[1].qtype, got[1].answers[0].text) == ("numerical", "-2.5")
    assert got[2].answers[0].text == "1000" and [a.text for a in got[3].answers] == ["2", "3"]
    assert got[4].qtype == "short_answer"


def test_a_word_file_names_places_by_its_paragraph_number_only():
    def build(d):
        d.add_paragraph("Câu 1. Hỏi một")
        d.add_paragraph("A. x\nB. y")              # one paragraph, two lines: still paragraph 2
        d.add_paragraph("Câu 1. Hỏi lại")
        d.add_paragraph("A. 1")
        d.add_paragraph("B. 2")
        d.add_paragraph("ĐÁP ÁN")
        d.add_paragraph("1-A")
        d.add_paragraph("xem lại")

    parsed = parse_docx(_docx(build))
    reasons = dict(parsed.errors)
    assert reasons[3] == "Câu 1 đã có ở đoạn 1"
    assert "không đọc được đoạn đáp án “xem lại”" in reasons[8]
    assert not [r for _n, r in parsed.errors if "dòng" in r]
    assert "Câu 1 đã có ở dòng 1" in dict(parse_text("Câu 1. a\nA. x\nB. y\nCâu 1. b\nA. x\nB. y").errors)[4]


@pytest.mark.parametrize("name, data, says", [
    ("đề.docx", bytes(range(256)) * 8, "không phải là tài liệu Word (.docx)"),
    ("đề.docx", "Câu 1. Hỏi\nA. x\n*B. y".encode("cp1258", "replace"), "không phải là tài liệu Word (.docx)"),
    ("đề.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Word 97–2003 (.doc)"),
    ("de.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Word 97–2003 (.doc)"),
])
def test_a_file_that_is_not_a_word_document_says_so(name, data, says):
    from lms.core.errors import ValidationError
    from lms.exams.importing import plan_import

    with pytest.raises(ValidationError) as caught:
        plan_import(name, data)
    assert says in str(caught.value.message) and "UTF-8" not in str(caught.value.message)


def test_an_answer_table_keeps_a_decimal_comma():
    parsed = parse_text("Câu 1. Tính 1,5 + 2,25.\nCâu 2. Hỏi\nA. x\nB. y\nĐÁP ÁN\n1-3,75 2-B\n")
    got = {q.number: q.question for q in parsed.questions}
    assert parsed.errors == [] and got[1].answers[0].text == "3.75"       # was read as 3
    assert [a.fraction for a in got[2].answers] == [0, 1]
    assert [a.fraction for a in parse_text("Câu 1. Hỏi\nA. x\nB. y\nĐÁP ÁN\n1-B,2-A").questions[0].question.answers] \
        == [0, 1]
