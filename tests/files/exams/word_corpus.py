"""The Word exams of tests/files/exams/, written the way Vietnamese teachers' files are: python-docx
for the text and its formatting, and the equations as the OMML XML Word itself writes (Cambria
Math run properties, control properties, `m:oMathPara` for a displayed equation). MathType set to
"Word equations" writes the same OMML. Run `python -m tests.files.exams.word_corpus` to write
the files again; the tests read the files, not this module.

Each file is a whole exam as a teacher hands it in: the school heading, "Mã đề", the sections, the
answer key in one of the styles teachers use (underline, red, bold, a Word answer table, a text
table "1-A 2-C", "ĐSĐĐ", "Đáp án:"), "HẾT" and the footer under it.
"""
from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from lxml import etree

HERE = Path(__file__).parent
NS = ('xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
      'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"')
MATH_FONT = '<w:rFonts w:ascii="Cambria Math" w:hAnsi="Cambria Math"/>'


# ---------------------------------------------------------------- OMML as Word writes it

def _rpr(extra: str = "") -> str:
    return f"<w:rPr>{MATH_FONT}{extra}</w:rPr>"


class Eq:
    """Builders of OMML fragments; `color`/`underline` mark an equation as a teacher does."""

    def __init__(self, extra: str = ""):
        self.extra = extra

    def r(self, text: str, plain: bool = False) -> str:
        sty = '<m:rPr><m:sty m:val="p"/></m:rPr>' if plain else ""
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f"<m:r>{sty}{_rpr(self.extra)}<m:t{space}>{escape(text)}</m:t></m:r>"

    def ctrl(self) -> str:
        return f"<m:ctrlPr>{_rpr('<w:i/>' + self.extra)}</m:ctrlPr>"

    def frac(self, num: str, den: str) -> str:
        return f"<m:f><m:fPr>{self.ctrl()}</m:fPr><m:num>{num}</m:num><m:den>{den}</m:den></m:f>"

    def sup(self, base: str, exp: str) -> str:
        return f"<m:sSup><m:sSupPr>{self.ctrl()}</m:sSupPr><m:e>{base}</m:e><m:sup>{exp}</m:sup></m:sSup>"

    def sub(self, base: str, index: str) -> str:
        return f"<m:sSub><m:sSubPr>{self.ctrl()}</m:sSubPr><m:e>{base}</m:e><m:sub>{index}</m:sub></m:sSub>"

    def subsup(self, base: str, index: str, exp: str) -> str:
        return (f"<m:sSubSup><m:sSubSupPr>{self.ctrl()}</m:sSubSupPr><m:e>{base}</m:e><m:sub>{index}</m:sub>"
                f"<m:sup>{exp}</m:sup></m:sSubSup>")

    def sqrt(self, body: str) -> str:
        return f'<m:rad><m:radPr><m:degHide m:val="1"/>{self.ctrl()}</m:radPr><m:deg/><m:e>{body}</m:e></m:rad>'

    def root(self, degree: str, body: str) -> str:
        return f"<m:rad><m:radPr>{self.ctrl()}</m:radPr><m:deg>{degree}</m:deg><m:e>{body}</m:e></m:rad>"

    def delim(self, body: str, beg: str = "(", end: str = ")") -> str:
        pr = (f'<m:begChr m:val="{beg}"/>' if beg != "(" else "") + (f'<m:endChr m:val="{end}"/>' if end != ")" else "")
        return f"<m:d><m:dPr>{pr}{self.ctrl()}</m:dPr><m:e>{body}</m:e></m:d>"

    def system(self, *rows: str) -> str:
        """A system of equations: Word's brace with an equation array."""
        arr = "<m:eqArr><m:eqArrPr>" + self.ctrl() + "</m:eqArrPr>" + "".join(f"<m:e>{x}</m:e>" for x in rows) + "</m:eqArr>"
        return self.delim(arr, beg="{", end="")

    def matrix(self, rows: list[list[str]]) -> str:
        cols = len(rows[0])
        head = (f'<m:mPr><m:mcs><m:mc><m:mcPr><m:count m:val="{cols}"/><m:mcJc m:val="center"/></m:mcPr></m:mc>'
                f"</m:mcs>{self.ctrl()}</m:mPr>")
        body = "".join("<m:mr>" + "".join(f"<m:e>{c}</m:e>" for c in row) + "</m:mr>" for row in rows)
        return self.delim(f"<m:m>{head}{body}</m:m>")

    def nary(self, char: str, low: str, high: str, body: str) -> str:
        return (f'<m:nary><m:naryPr><m:chr m:val="{char}"/>{self.ctrl()}</m:naryPr><m:sub>{low}</m:sub>'
                f"<m:sup>{high}</m:sup><m:e>{body}</m:e></m:nary>")

    def func(self, name: str, arg: str) -> str:
        return f"<m:func><m:funcPr>{self.ctrl()}</m:funcPr><m:fName>{name}</m:fName><m:e>{arg}</m:e></m:func>"

    def vec(self, body: str) -> str:
        return f'<m:acc><m:accPr><m:chr m:val="⃗"/>{self.ctrl()}</m:accPr><m:e>{body}</m:e></m:acc>'


def _element(xml: str):
    return etree.fromstring(f"<root {NS}>{xml}</root>")[0]


def math(paragraph, xml: str) -> None:
    """An inline equation at the end of the paragraph."""
    paragraph._p.append(_element(f"<m:oMath {NS}>{xml}</m:oMath>"))


def display(document, xml: str) -> None:
    """A displayed equation on its own line (Word's "Display" mode)."""
    paragraph = document.add_paragraph()
    paragraph._p.append(_element(f'<m:oMathPara {NS}><m:oMathParaPr><m:jc m:val="center"/></m:oMathParaPr>'
                                 f"<m:oMath>{xml}</m:oMath></m:oMathPara>"))


def script(paragraph, text: str, kind: str, **style):
    run = paragraph.add_run(text)
    if kind == "sup":
        run.font.superscript = True
    else:
        run.font.subscript = True
    _style(run, **style)
    return run


def _style(run, underline=False, red=False, bold=False) -> None:
    if underline:
        run.underline = True
    if red:
        run.font.color.rgb = RGBColor(0xFF, 0, 0)
    if bold:
        run.bold = True


def text(paragraph, value: str, **style):
    run = paragraph.add_run(value)
    _style(run, **style)
    return run


def heading(document, school: str, title: str, code: str | None = None) -> None:
    """The block teachers put above the questions (skipped by the importer as the file's header)."""
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(13)
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.text = f"SỞ GD&ĐT AN GIANG\n{school}"
    right.text = f"{title}\nNăm học 2026 - 2027\nThời gian làm bài: 45 phút"
    if code:
        document.add_paragraph(f"Mã đề {code}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph("Họ và tên học sinh: ……………………………… Lớp: ………")


def footer(document) -> None:
    document.add_paragraph("----------- HẾT -----------").alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("Giám thị coi thi không giải thích gì thêm.")


# ---------------------------------------------------------------- the files

def toan_dai_so() -> Document:
    """Toán 9–10, equations by Word's equation editor; right options underlined (a formula too)."""
    e, key = Eq(), Eq("<w:u w:val=\"single\"/>")
    d = Document()
    heading(d, "TRƯỜNG THPT LONG XUYÊN", "ĐỀ KIỂM TRA GIỮA KỲ I — MÔN TOÁN 10", "101")
    d.add_paragraph("PHẦN I. TRẮC NGHIỆM NHIỀU PHƯƠNG ÁN LỰA CHỌN")
    p = d.add_paragraph()
    text(p, "Câu 1. ")
    text(p, "Kết quả của phép tính ")
    math(p, e.frac(e.r("1"), e.r("2")) + e.r("+") + e.frac(e.r("3"), e.r("4")))
    text(p, " là:")
    for letter, (num, den), right in (("A", ("4", "6"), False), ("B", ("5", "4"), True), ("C", ("3", "8"), False),
                                      ("D", ("1", "4"), False)):
        q = d.add_paragraph()
        text(q, f"{letter}. ", underline=right)
        math(q, (key if right else e).frac((key if right else e).r(num), (key if right else e).r(den)))
    p = d.add_paragraph()
    text(p, "Câu 2. Giá trị của ")
    math(p, e.sqrt(e.r("16")) + e.r("+") + e.root(e.r("3"), e.r("8")))
    text(p, " bằng")
    p = d.add_paragraph()
    text(p, "A. 4\tB. 5\t")
    text(p, "C. 6", underline=True)
    text(p, "\tD. 8")
    p = d.add_paragraph()
    text(p, "Câu 3. Nghiệm của hệ phương trình ")
    math(p, e.system(e.r("x+y=3"), e.r("2x−y=0")))
    text(p, " là")
    p = d.add_paragraph()
    text(p, "A. (1; 2)", underline=True)
    text(p, "    B. (2; 1)    C. (−1; 4)    D. (3; 0)")
    d.add_paragraph("Câu 4. Cho ma trận")
    display(d, e.r("A=") + e.matrix([[e.r("1"), e.r("2")], [e.r("3"), e.r("4")]]))
    p = d.add_paragraph()
    text(p, "Định thức của ma trận A là")
    p = d.add_paragraph()
    text(p, "A. 10    ")
    text(p, "B. −2", underline=True)
    text(p, "    C. 2    D. −10")
    p = d.add_paragraph()
    text(p, "Câu 5. Biết ")
    math(p, e.r("sin") + e.r("α=") + e.frac(e.r("3"), e.r("5")) + e.r(", 0<α<") + e.frac(e.r("π"), e.r("2")))
    text(p, ". Giá trị của ")
    math(p, e.func(e.r("cos", plain=True), e.r("α")))
    text(p, " là")
    for letter, (num, den), right in (("A", ("4", "5"), True), ("B", ("−4", "5"), False), ("C", ("3", "4"), False),
                                      ("D", ("5", "3"), False)):
        q = d.add_paragraph()
        text(q, f"{letter}. ", underline=right)
        math(q, (key if right else e).frac((key if right else e).r(num), (key if right else e).r(den)))
    p = d.add_paragraph()
    text(p, "Câu 6. Tổng ")
    math(p, e.nary("∑", e.r("k=1"), e.r("n"), e.r("k")))
    text(p, " bằng")
    q = d.add_paragraph()
    text(q, "A. ", underline=True)
    math(q, key.frac(key.r("n(n+1)"), key.r("2")))
    text(q, "    B. ")
    math(q, e.sup(e.r("n"), e.r("2")))
    text(q, "    C. n + 1    D. 2n")
    d.add_paragraph("PHẦN II. TRẢ LỜI NGẮN")
    p = d.add_paragraph()
    text(p, "Câu 7. Tính ")
    math(p, e.func(e.sub(e.r("log", plain=True), e.r("2")), e.r("8")) + e.r("+") + e.sup(e.r("2"), e.r("3")))
    text(p, ".")
    d.add_paragraph("Đáp án: 11")
    p = d.add_paragraph()
    text(p, "Câu 8. Trong mặt phẳng Oxy, cho ")
    math(p, e.vec(e.r("AB")) + e.r("=") + e.delim(e.r("3;4")))
    text(p, ". Tính độ dài của ")
    math(p, e.vec(e.r("AB")))
    text(p, ".")
    d.add_paragraph("Đáp án: 5")
    p = d.add_paragraph()
    text(p, "Câu 9. Tính tích phân ")
    math(p, e.nary("∫", e.r("0"), e.r("1"), e.sup(e.r("x"), e.r("2")) + e.r("dx")))
    text(p, " (viết kết quả dạng số thập phân, làm tròn đến hàng phần trăm).")
    d.add_paragraph("Đáp án: 0,33")
    footer(d)
    return d


def hoa_hoc() -> Document:
    """Hoá học 10–11: formulas typed with subscript and superscript runs (as most teachers do),
    the right option in red, and a Word answer table after the questions."""
    d = Document()
    heading(d, "TRƯỜNG THPT LONG XUYÊN", "KIỂM TRA 15 PHÚT — HOÁ HỌC 11", "203")
    p = d.add_paragraph()
    text(p, "Câu 1. Công thức của axit sunfuric là")
    p = d.add_paragraph()
    text(p, "A. H")
    script(p, "2", "sub")
    text(p, "SO")
    script(p, "3", "sub")
    text(p, "\tB. H")
    script(p, "2", "sub")
    text(p, "S\tC. H")
    script(p, "2", "sub", red=True)
    text(p, "SO", red=True)
    script(p, "4", "sub", red=True)
    text(p, "\tD. HNO")
    script(p, "3", "sub")
    p = d.add_paragraph()
    text(p, "Câu 2. Ion nào sau đây có cấu hình electron giống khí hiếm Ne?")
    for letter, (symbol, charge), right in (("A", ("Fe", "3+"), False), ("B", ("Na", "+"), True),
                                            ("C", ("Cu", "2+"), False), ("D", ("Cl", "−"), False)):
        q = d.add_paragraph()
        text(q, f"{letter}. {symbol}", red=right)
        script(q, charge, "sup", red=right)
    p = d.add_paragraph()
    text(p, "Câu 3. Khối lượng riêng của nước là 1 g/cm")
    script(p, "3", "sup")
    text(p, ". Thể tích của 2,5 kg nước là bao nhiêu dm")
    script(p, "3", "sup")
    text(p, "?")
    p = d.add_paragraph()
    text(p, "A. 0,25\tB. 2,5\tC. 25\tD. 250")
    p = d.add_paragraph()
    text(p, "Câu 4. Cho phản ứng: N")
    script(p, "2", "sub")
    text(p, " + 3H")
    script(p, "2", "sub")
    text(p, " ⇌ 2NH")
    script(p, "3", "sub")
    text(p, ". Cho biết các phát biểu sau đúng hay sai.")
    d.add_paragraph("a) Đây là phản ứng thuận nghịch.")
    p = d.add_paragraph()
    text(p, "b) Số oxi hoá của N trong NH")
    script(p, "3", "sub")
    text(p, " là +3.")
    d.add_paragraph("c) Tăng áp suất, cân bằng chuyển dịch theo chiều thuận.")
    p = d.add_paragraph()
    text(p, "d) 1 mol N")
    script(p, "2", "sub")
    text(p, " phản ứng hết tạo ra 2 mol NH")
    script(p, "3", "sub")
    text(p, ".")
    p = d.add_paragraph()
    text(p, "Câu 5. Số Avogađro là 6,022.10")
    script(p, "23", "sup")
    text(p, ". Số nguyên tử trong 0,5 mol Na là")
    p = d.add_paragraph()
    text(p, "A. 3,011.10")
    script(p, "23", "sup")
    text(p, "\tB. 6,022.10")
    script(p, "23", "sup")
    text(p, "\tC. 1,2044.10")
    script(p, "24", "sup")
    text(p, "\tD. 3,011.10")
    script(p, "22", "sup")
    footer(d)
    d.add_paragraph("ĐÁP ÁN")
    table = d.add_table(rows=2, cols=6)
    for i, (n, v) in enumerate((("Câu", "Đáp án"), ("1", "C"), ("2", "B"), ("3", "B"), ("4", "ĐSĐĐ"), ("5", "A"))):
        table.cell(0, i).text, table.cell(1, i).text = n, v
    return d


def vat_ly() -> Document:
    """Vật lý: Greek letters from the Symbol font of an old file, units with superscripts, powers
    of ten, an answer line "1-B 2-D" at the end — and one MathType equation left as an OLE object,
    which cannot be read and must be reported."""
    d = Document()
    heading(d, "TRƯỜNG THCS NGUYỄN DU", "KIỂM TRA CUỐI KỲ — KHTN 9")
    p = d.add_paragraph()
    text(p, "Câu 1. Gia tốc rơi tự do g = 9,8 m/s")
    script(p, "2", "sup")
    text(p, ". Góc ")
    _sym(p, "F061")
    text(p, " = 30° thì sin ")
    _sym(p, "F061")
    text(p, " bằng")
    d.add_paragraph("A. 1\tB. 0,5\tC. 0,87\tD. 0")
    p = d.add_paragraph()
    text(p, "Câu 2. Điện trở R = 10 ")
    _sym(p, "F057")
    text(p, ", cường độ dòng điện I = 2 A. Công suất là")
    p = d.add_paragraph()
    text(p, "A. 5 W\tB. 20 W\tC. 4.10")
    script(p, "2", "sup")
    text(p, " W\tD. 40 W")
    p = d.add_paragraph()
    text(p, "Câu 3. Vận tốc ánh sáng c = 3.10")
    script(p, "8", "sup")
    text(p, " m/s. Biểu thức nào đúng?")
    p = d.add_paragraph()
    text(p, "A. ")
    _ole(p)
    d.add_paragraph("B. E = mc\tC. E = m/c\tD. E = c/m")
    footer(d)
    d.add_paragraph("ĐÁP ÁN")
    d.add_paragraph("1-B   2-D   3-A")
    return d


def thpt_2025() -> Document:
    """The national format from 2025: part I single choice (the first key in bold, the rest in the
    table), part II a–d statements with an "ĐSĐĐ" key, part III numeric answers, in a text key
    "2-A 3-ĐSĐĐ 4-11" at the end; formulas as Word equations."""
    e = Eq()
    d = Document()
    heading(d, "TRƯỜNG THPT LONG XUYÊN", "ĐỀ ÔN THI TỐT NGHIỆP THPT — MÔN TOÁN", "0102")
    d.add_paragraph("PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.")
    p = d.add_paragraph()
    text(p, "Câu 1. Tập nghiệm của bất phương trình ")
    math(p, e.sup(e.r("2"), e.r("x")) + e.r(">8"))
    text(p, " là")
    p = d.add_paragraph()
    text(p, "A. ", bold=True)
    math(p, Eq("<w:b/>").delim(Eq("<w:b/>").r("3;+∞")))
    text(p, "   B. ")
    math(p, e.delim(e.r("−∞;3")))
    text(p, "   C. ")
    math(p, e.delim(e.r("0;3")))
    text(p, "   D. ")
    math(p, e.r("ℝ"))
    p = d.add_paragraph()
    text(p, "Câu 2. Đạo hàm của hàm số ")
    math(p, e.r("y=") + e.sup(e.r("x"), e.r("3")) + e.r("−3x"))
    text(p, " là")
    p = d.add_paragraph()
    text(p, "A. ")
    math(p, e.r("3") + e.sup(e.r("x"), e.r("2")) + e.r("−3"))
    text(p, "   B. ")
    math(p, e.sup(e.r("x"), e.r("2")) + e.r("−3"))
    text(p, "   C. ")
    math(p, e.r("3") + e.sup(e.r("x"), e.r("2")))
    text(p, "   D. ")
    math(p, e.r("3x−3"))
    d.add_paragraph("PHẦN II. Câu trắc nghiệm đúng sai.")
    p = d.add_paragraph()
    text(p, "Câu 3. Cho hàm số ")
    math(p, e.r("f(x)=") + e.frac(e.r("x+1"), e.r("x−1")))
    text(p, ".")
    p = d.add_paragraph()
    text(p, "a) Tập xác định ")
    math(p, e.r("D=ℝ\\{1}"))
    text(p, ".")
    p = d.add_paragraph()
    text(p, "b) Đồ thị có tiệm cận đứng ")
    math(p, e.r("x=−1"))
    text(p, ".")
    p = d.add_paragraph()
    text(p, "c) ")
    math(p, e.r("f(3)=2"))
    text(p, ".")
    p = d.add_paragraph()
    text(p, "d) Hàm số nghịch biến trên mỗi khoảng xác định.")
    d.add_paragraph("PHẦN III. Câu trắc nghiệm trả lời ngắn.")
    p = d.add_paragraph()
    text(p, "Câu 4. Tính ")
    math(p, e.subsup(e.r("x"), e.r("1"), e.r("2")) + e.r("+") + e.subsup(e.r("x"), e.r("2"), e.r("2")))
    text(p, " biết ")
    math(p, e.sub(e.r("x"), e.r("1")) + e.r(", ") + e.sub(e.r("x"), e.r("2")))
    text(p, " là hai nghiệm của ")
    math(p, e.sup(e.r("x"), e.r("2")) + e.r("−3x−1=0"))
    text(p, ".")
    p = d.add_paragraph()
    text(p, "Câu 5. Cho ")
    math(p, e.r("α") + e.r("=") + e.frac(e.r("π"), e.r("6")))
    text(p, ". Tính ")
    math(p, e.r("2cos2α"))
    text(p, " (làm tròn đến hàng phần mười).")
    footer(d)
    d.add_paragraph("ĐÁP ÁN")
    d.add_paragraph("2-A 3-ĐSĐĐ 4-11 5-1")
    return d


def _sym(paragraph, code: str) -> None:
    run = paragraph.add_run()
    run._r.append(_element(f'<w:sym {NS} w:font="Symbol" w:char="{code}"/>'))


def _ole(paragraph) -> None:
    """What a MathType 6 equation looks like in a .docx: a VML picture of it and the OLE object."""
    run = paragraph.add_run()
    run._r.append(_element(
        f'<w:object {NS} xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'w:dxaOrig="1040" w:dyaOrig="320"><v:shape id="_x0000_i1025" type="#_x0000_t75" '
        'style="width:52pt;height:16pt" o:ole=""/><o:OLEObject Type="Embed" ProgID="Equation.DSMT4" '
        'ShapeID="_x0000_i1025" DrawAspect="Content" ObjectID="_1791212345"/></w:object>'))


FILES = {"toan-dai-so-omml.docx": toan_dai_so, "hoa-hoc-chi-so.docx": hoa_hoc, "vat-ly-ky-hieu.docx": vat_ly,
         "thpt-2025-toan.docx": thpt_2025}


def as_bytes(build) -> bytes:
    buffer = io.BytesIO()
    build().save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    for name, build in FILES.items():
        (HERE / name).write_bytes(as_bytes(build))
        print(name)
