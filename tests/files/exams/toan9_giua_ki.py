"""Writes toan9-giua-ki-hai-phan.docx: a Toán 9 midterm as a teacher writes it in Word, not in our
import format — a header table, "I. TRẮC NGHIỆM" and "II. TỰ LUẬN" parts whose numbering starts
again ("Câu 1…6", then "Bài 1…3"), equation-editor math (roots, a system, fractions, powers,
Greek letters), options four to a line with tabs or in a 2 × 2 table, a superscript run (cm²),
and the answer table after "HẾT"."""
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Pt

M = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def r(t):
    return f'<m:r><w:rPr><w:rFonts w:ascii="Cambria Math" w:hAnsi="Cambria Math"/></w:rPr><m:t xml:space="preserve">{t}</m:t></m:r>'


def frac(a, b):
    return f"<m:f><m:num>{a}</m:num><m:den>{b}</m:den></m:f>"


def sqrt(a):
    return f'<m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>{a}</m:e></m:rad>'


def sup(a, b):
    return f"<m:sSup><m:e>{a}</m:e><m:sup>{b}</m:sup></m:sSup>"


def system(*rows):
    eqs = "".join(f"<m:e>{row}</m:e>" for row in rows)
    return (f'<m:d><m:dPr><m:begChr m:val="{{"/><m:endChr m:val=""/></m:dPr>'
            f"<m:e><m:eqArr>{eqs}</m:eqArr></m:e></m:d>")


def math(p, inner):
    p._p.append(parse_xml(f"<m:oMath {M}>{inner}</m:oMath>"))


def para(doc, *parts, bold_label=None, underline=False):
    p = doc.add_paragraph()
    if bold_label:
        run = p.add_run(bold_label)
        run.bold = True
    for part in parts:
        if isinstance(part, str):
            run = p.add_run(part)
            run.underline = underline
        else:
            math(p, part[0])
    return p


doc = Document()
style = doc.styles["Normal"]
style.font.name, style.font.size = "Times New Roman", Pt(13)

head = doc.add_table(rows=1, cols=2)
left, right = head.rows[0].cells
left.text = "UBND THÀNH PHỐ LONG XUYÊN\nTRƯỜNG THCS NGUYỄN DU\n\nĐỀ CHÍNH THỨC"
right.text = "ĐỀ KIỂM TRA GIỮA HỌC KÌ I\nNăm học 2026 – 2027\nMôn: TOÁN – Lớp 9\nThời gian làm bài: 60 phút (không kể thời gian phát đề)"
doc.add_paragraph("Họ và tên học sinh: ………………………………… Lớp: ………")

t = doc.add_paragraph()
t.add_run("I. TRẮC NGHIỆM (3,0 điểm). ").bold = True
t.add_run("Chọn chữ cái đứng trước câu trả lời đúng.").italic = True

para(doc, "Giá trị của biểu thức ", (sqrt(r("16")) + r("+") + sqrt(r("9")),), " bằng", bold_label="Câu 1. ")
doc.add_paragraph("A. 5.\t\tB. 7.\t\tC. 25.\t\tD. 12.")

para(doc, "Điều kiện xác định của biểu thức ", (sqrt(r("x−3")),), " là", bold_label="Câu 2: ")
opts = doc.add_table(rows=2, cols=2)
for cell, (text, m) in zip([c for row in opts.rows for c in row.cells],
                           [("A. ", r("x&gt;3")), ("B. ", r("x≥3")), ("C. ", r("x≤3")), ("D. ", r("x&lt;3"))]):
    p = cell.paragraphs[0]
    p.add_run(text)
    math(p, m)

para(doc, "Nghiệm của hệ phương trình ", (system(r("x+y=5"), r("x−y=1")),), " là", bold_label="Câu 3. ")
doc.add_paragraph("A. (2; 3).\t\tB. (3; 2).\t\tC. (4; 1).\t\tD. (1; 4).")

para(doc, "Rút gọn biểu thức ", (frac(sup(r("x"), r("2")) + r("−1"), r("x−1")),), " với ", (r("x≠1"),),
     " ta được", bold_label="Câu 4. ")
doc.add_paragraph("A. x − 1.\t\tB. x + 1.\t\tC. ")
# D and C with math
p = doc.paragraphs[-1]
math(p, sup(r("x"), r("2")))
p.add_run(".\t\tD. 1.")

para(doc, "Cho tam giác ABC vuông tại A có ", (r("∠B=α"),), ", biết ", (r("sin α=") + frac(r("3"), r("5")),),
     ". Khi đó ", (r("cos α"),), " bằng", bold_label="Câu 5. ")
p = doc.add_paragraph("A. ")
math(p, frac(r("4"), r("5")))
p.add_run(".\t\tB. ")
math(p, frac(r("3"), r("4")))
p.add_run(".\t\tC. ")
math(p, frac(r("5"), r("4")))
p.add_run(".\t\tD. ")
math(p, frac(r("4"), r("3")))
p.add_run(".")

para(doc, "Một hình vuông có diện tích 49 cm", bold_label="Câu 6. ")
p = doc.paragraphs[-1]
run = p.add_run("2")
run.font.superscript = True
p.add_run(". Độ dài cạnh của hình vuông là")
doc.add_paragraph("A. 7 cm.\t\tB. 14 cm.\t\tC. 24,5 cm.\t\tD. 49 cm.")

t = doc.add_paragraph()
t.add_run("II. TỰ LUẬN (7,0 điểm)").bold = True
para(doc, "Giải phương trình ", (sup(r("x"), r("2")) + r("−5x+6=0"),), ".", bold_label="Bài 1. (2,0 điểm) ")
para(doc, "Rút gọn biểu thức ", (r("A=") + frac(r("1"), sqrt(r("x")) + r("+1")) + r("+") +
                                   frac(r("1"), sqrt(r("x")) + r("−1")),), " với ", (r("x≥0, x≠1"),), ".",
     bold_label="Bài 2. (2,0 điểm) ")
para(doc, "Một người đi xe đạp từ A đến B cách nhau 24 km với vận tốc không đổi. Khi từ B trở về A, người đó tăng vận tốc thêm 4 km/h nên thời gian về ít hơn thời gian đi 30 phút. Tính vận tốc lúc đi.",
     bold_label="Bài 3. (3,0 điểm) ")
end = doc.add_paragraph("----- HẾT -----")
end.alignment = WD_ALIGN_PARAGRAPH.CENTER

doc.add_paragraph().add_run("ĐÁP ÁN PHẦN TRẮC NGHIỆM").bold = True
key = doc.add_table(rows=2, cols=7)
for i, (a, b) in enumerate([("Câu", "Đáp án"), ("1", "B"), ("2", "B"), ("3", "B"), ("4", "B"), ("5", "A"), ("6", "A")]):
    key.rows[0].cells[i].text, key.rows[1].cells[i].text = a, b
doc.save(Path(__file__).with_name("toan9-giua-ki-hai-phan.docx"))

