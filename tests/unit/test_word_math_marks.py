"""Marks in Word math drawn as the teacher wrote them: a vector's arrow and an angle's hat over all
their letters (OMML accents and group characters as Word writes them), a limit's condition under
"lim", and upright letters only where Word says plain text (`m:sty p`, units) — the m of "2m² + 3m"
is a variable, in italics. Checked on the page's MathML, on paper (ziamath) and as text."""
from __future__ import annotations

import io
import re

from docx import Document

from lms.core.markdown import latex_to_mathml, render_markdown
from lms.exams.formats.word import parse_docx
from lms.exams.mathtext import plain
from tests.files.exams.word_corpus import Eq, math

E = Eq()


def _acc(char: str, body: str) -> str:
    """Word's Accent (Chèn → Phương trình → Dấu trọng âm): a vector is U+20D7, a hat U+0302."""
    return f'<m:acc><m:accPr><m:chr m:val="{char}"/>{E.ctrl()}</m:accPr><m:e>{body}</m:e></m:acc>'


def _group_arrow(body: str) -> str:
    """Word's group character with the arrow above, as some teachers write a vector."""
    return (f'<m:groupChr><m:groupChrPr><m:chr m:val="→"/><m:pos m:val="top"/><m:vertJc m:val="bot"/>{E.ctrl()}'
            f"</m:groupChrPr><m:e>{body}</m:e></m:groupChr>")


def _limit(condition: str, body: str) -> str:
    """lim with its condition under it, as Word's Limit and Log → "lim" writes it."""
    return (f"<m:func><m:funcPr>{E.ctrl()}</m:funcPr><m:fName><m:limLow><m:limLowPr>{E.ctrl()}</m:limLowPr>"
            f'<m:e>{E.r("lim", plain=True)}</m:e><m:lim>{condition}</m:lim></m:limLow></m:fName><m:e>{body}</m:e></m:func>')


def _question():
    d = Document()
    p = d.add_paragraph("Câu 1. Cho hình bình hành ABCD có ")
    math(p, _acc("⃗", E.r("AB")) + E.r("=") + _group_arrow(E.r("DC")))
    p.add_run(" và góc ")
    math(p, _acc("̂", E.r("ABC")) + E.r("=60°"))
    p.add_run(". Tính ")
    math(p, _limit(E.r("x→0"), E.frac(E.func(E.r("sin", plain=True), E.r("x")), E.r("x"))))
    p.add_run(", rút gọn 2m")
    p.add_run("2").font.superscript = True
    p.add_run(" + 3m và ")
    math(p, E.r("2") + E.sup(E.r("m"), E.r("2")) + E.r("−m"))
    p.add_run(" với diện tích ")
    math(p, E.r("20 ") + E.sup(E.r("m", plain=True), E.r("2")))
    p.add_run(".")
    d.add_paragraph("Đáp án: 1")
    buffer = io.BytesIO()
    d.save(buffer)
    parsed = parse_docx(buffer.getvalue())
    assert parsed.errors == []
    return parsed.questions[0].question.text


def test_vectors_angles_and_limits_keep_their_marks_in_latex():
    text = _question()
    assert r"$\overrightarrow{AB} = \overrightarrow{DC}$" in text      # the group character was \overset{\rightarrow}
    assert r"\widehat{ABC}" in text
    assert r"\lim\limits_{x \rightarrow 0}\frac{\sin x}{x}" in text    # the condition under lim, as in Word
    assert r"$20\ \mathrm{m}^{2}$" in text                              # Word's plain-text m: a unit
    assert r"$2m^{2} - m$" in text                                      # Word's math m: a variable
    assert "rút gọn 2$m^{2}$ + 3m" in text                              # typed 2m²: the variable m


def test_the_page_draws_the_marks_over_all_their_letters_and_only_units_upright():
    html = render_markdown(_question())
    arrows = re.findall(r'<mover accent="true"><mrow><mi>([A-Z])</mi><mi>([A-Z])</mi></mrow><mo stretchy="true">→</mo>',
                        html)
    assert arrows == [("A", "B"), ("D", "C")]
    # The angle's hat is drawn on the page, as wide as its three letters: a phone without a math
    # font set the combining circumflex small over one letter, or as a box (tests/e2e, 360 px).
    assert re.search(r'<mover accent="true"><mrow><mi>A</mi><mi>B</mi><mi>C</mi></mrow>'
                     r'<mspace class="math-hat" width="2.10em" height="0.32em"></mspace></mover>', html)
    assert "\u0302" not in html
    # On paper ziamath draws with its own math font: the stretched glyph stays.
    assert re.search(r'<mover accent="true"><mrow><mi>A</mi><mi>B</mi><mi>C</mi></mrow><mo stretchy="true">\u0302</mo>',
                     latex_to_mathml(r"\widehat{ABC}"))
    assert re.search(r"<munder><mo>lim</mo>", html)
    italic_m = re.findall(r"<msup><mi>m</mi>", html)
    upright_m = re.findall(r'<msup><mi mathvariant="normal">(?:m|&#x0*6[dD];)</mi>', html)
    assert len(italic_m) == 2 and len(upright_m) == 1                  # 2m² twice a variable; 20 m² a unit


def test_where_math_cannot_be_drawn_the_marks_read_as_text():
    text = plain(_question())
    assert "AB⃗ = DC⃗" in text and "∠ABC = 60°" in text
    assert "lim(x → 0) (sin x)/x" in text


def test_a_function_name_reads_apart_from_its_argument_however_it_is_written():
    """Issue #29, tester finding 6: Word's equations write a function's name as `\\mathrm{sin}`; as
    text it ran into the angle after it ("sinB̂"), and `\\cot`, `\\arcsin` lost their space or
    their name ("B̂" for `\\cot\\widehat{B}`)."""
    from lms.exams.mathtext import latex_plain

    assert plain(r"b) Tính $\mathrm{sin}\widehat{B}$.") == "b) Tính sin B̂."
    assert latex_plain(r"\cot\widehat{B}") == "cot B̂"
    assert latex_plain(r"\operatorname{tg}\alpha") == "tg α" and latex_plain(r"\arcsin x") == "arcsin x"
    assert latex_plain(r"\mathrm{sin}^{2}x + \cos^{2}x = 1") == "sin² x + cos² x = 1"
    assert latex_plain(r"\log_{2}8 = 3") == "log₂ 8 = 3"
    assert latex_plain(r"\sinh x") == "sinh x"
    assert latex_plain(r"\mathrm{cm}^{2}") == "cm²"                     # a unit is no function
