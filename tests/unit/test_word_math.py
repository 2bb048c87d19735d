"""Math in teachers' Word files: a corpus of real-shaped exams (tests/files/exams, written by
tests/files/exams/word_corpus.py with the OMML Word writes) imports with every formula as LaTeX and
every answer key right; what cannot be read is reported on its question with its paragraph."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from lms.exams.formats import wordmath
from lms.exams.formats.word import parse_docx
from lms.core.markdown import render_markdown

FILES = Path(__file__).parents[1] / "files" / "exams"


def _read(name: str):
    parsed = parse_docx((FILES / name).read_bytes())
    return parsed, {q.number: q.question for q in parsed.questions}


def _key(question) -> list[float]:
    return [a.fraction for a in question.answers]


def test_equations_of_the_equation_editor_become_latex_with_the_underlined_key():
    parsed, got = _read("toan-dai-so-omml.docx")
    assert parsed.errors == []
    assert got[1].text == r"Kết quả của phép tính $\frac{1}{2} + \frac{3}{4}$ là:"            # was “phép tính  là”
    assert [a.text for a in got[1].answers] == [r"$\frac{4}{6}$", r"$\frac{5}{4}$", r"$\frac{3}{8}$", r"$\frac{1}{4}$"]
    assert _key(got[1]) == [0, 1, 0, 0]                       # the underlined option, its formula included
    assert r"$\sqrt{16} + \sqrt[3]{8}$" in got[2].text and _key(got[2]) == [0, 0, 1, 0]
    assert r"\left\{ \begin{matrix} x + y = 3 \\ 2x - y = 0 \\ \end{matrix} \right.$" in got[3].text  # a system
    assert r"$A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \\ \end{pmatrix}$" in got[4].text                   # a matrix
    assert _key(got[4]) == [0, 1, 0, 0]
    assert r"\sin\alpha = \frac{3}{5},\ 0 < \alpha < \frac{\pi}{2}" in got[5].text                   # Greek letters
    assert r"$\cos\alpha$" in got[5].text
    assert r"$\sum_{k = 1}^{n}k$" in got[6].text and got[6].answers[0].text == r"$\frac{n(n + 1)}{2}$"
    assert got[7].text == r"Tính $\log_{2}8 + 2^{3}$." and got[7].answers[0].text == "11"
    assert r"$\overrightarrow{AB} = (3;4)$" in got[8].text
    assert r"$\int_{0}^{1}{x^{2}dx}$" in got[9].text and got[9].answers[0].text == "0.33"
    assert [got[n].qtype for n in range(1, 10)] == ["single_choice"] * 6 + ["numerical"] * 3
    assert parsed.header[1:3] == ["Mã đề 101", "Họ và tên học sinh: ……………………………… Lớp: ………"]
    assert parsed.header[-1] == "Giám thị coi thi không giải thích gì thêm."   # under “HẾT”, not an option


def test_subscripts_and_superscripts_are_kept_and_the_red_option_and_the_table_give_the_key():
    parsed, got = _read("hoa-hoc-chi-so.docx")
    assert parsed.errors == []
    assert [a.text for a in got[1].answers] == [r"$\mathrm{H}_{2} \mathrm{SO}_{3}$", r"$\mathrm{H}_{2}\mathrm{S}$",   # the S in the formula too
                                                r"$\mathrm{H}_{2} \mathrm{SO}_{4}$", r"$\mathrm{HNO}_{3}$"]
    assert [a.text for a in got[2].answers][:2] == [r"$\mathrm{Fe}^{3+}$", r"$\mathrm{Na}^{+}$"]
    assert r"1 g/$\mathrm{cm}^{3}$" in got[3].text and r"bao nhiêu $\mathrm{dm}^{3}$?" in got[3].text  # not “cm3”
    assert r"Số Avogađro là 6,022.$10^{23}$." in got[5].text and got[5].answers[0].text == r"3,011.$10^{23}$"
    assert got[4].qtype == "tf_cluster" and _key(got[4]) == [1, 0, 1, 1]
    assert r"$\mathrm{NH}_{3}$" in got[4].answers[1].text
    assert [_key(got[n]) for n in (1, 2, 3, 5)] == [[0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]]


def test_the_national_format_with_bold_key_statements_and_numbers():
    parsed, got = _read("thpt-2025-toan.docx")
    assert parsed.errors == []
    assert got[1].text == r"Tập nghiệm của bất phương trình $2^{x} > 8$ là" and _key(got[1]) == [1, 0, 0, 0]
    assert got[1].answers[0].text == r"$(3; + \infty)$" and got[1].answers[3].text == r"$\mathbb{R}$"
    assert _key(got[2]) == [1, 0, 0, 0] and got[2].answers[0].text == r"$3x^{2} - 3$"
    assert got[3].qtype == "tf_cluster" and _key(got[3]) == [1, 0, 1, 1]
    assert r"$x_{1}^{2} + x_{2}^{2}$" in got[4].text and got[4].answers[0].text == "11"
    assert r"$\alpha = \frac{\pi}{6}$" in got[5].text


def test_an_old_file_s_symbol_font_is_read_and_a_mathtype_object_is_reported_on_its_question():
    parsed, got = _read("vat-ly-ky-hieu.docx")
    assert "Góc α = 30° thì sin α bằng" in got[1].text and r"9,8 m/$s^{2}$" in got[1].text
    assert "R = 10 Ω" in got[2].text and got[2].answers[2].text == r"4.$10^{2}$ W"
    assert parsed.errors == [(8, parsed.errors[0][1])] and parsed.errors[0][1].startswith("Câu 3: tệp có công thức "
                                                                                          "MathType")
    assert got[3].answers[0].text == "[?]"        # where it stood, for the preview


def test_every_formula_of_the_corpus_renders_as_mathml():
    for name in ("toan-dai-so-omml.docx", "hoa-hoc-chi-so.docx", "thpt-2025-toan.docx"):
        parsed, _got = _read(name)
        for q in parsed.questions:
            for text in [q.question.text] + [a.text for a in q.question.answers]:
                html = render_markdown(text)
                assert "math-error" not in html and "$" not in html, (name, text)


def _docx_with(xml: str) -> bytes:
    from docx import Document
    from lxml import etree

    from tests.files.exams.word_corpus import NS

    document = Document()
    paragraph = document.add_paragraph("Câu 1. Tính ")
    paragraph._p.append(etree.fromstring(f"<m:oMath {NS}>{xml}</m:oMath>"))
    document.add_paragraph("A. 1")
    document.add_paragraph("B. 2")
    document.add_paragraph("ĐÁP ÁN")
    document.add_paragraph("1-A")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_equation_pandoc_cannot_read_is_an_error_with_its_paragraph_never_dropped():
    # A fraction without its denominator (a damaged equation): nothing of it may vanish silently.
    parsed = parse_docx(_docx_with("<m:f><m:num><m:r><m:t>1</m:t></m:r></m:num></m:f>"))
    assert parsed.errors == [(1, "Câu 1: công thức Word không chuyển được sang LaTeX")]
    assert parsed.questions[0].question.text == "Tính [?]"
    fine = parse_docx(_docx_with("<m:f><m:num><m:r><m:t>1</m:t></m:r></m:num><m:den><m:r><m:t>2</m:t></m:r></m:den></m:f>"))
    assert fine.errors == [] and fine.questions[0].question.text == r"Tính $\frac{1}{2}$"


def test_without_pandoc_every_equation_is_reported(monkeypatch):
    monkeypatch.setattr(wordmath.shutil, "which", lambda _name: None)
    parsed = parse_docx(_docx_with("<m:r><m:t>x+1</m:t></m:r>"))
    assert parsed.errors == [(1, "Câu 1: máy chủ chưa cài Pandoc nên chưa đọc được công thức Word; báo quản trị hệ "
                                 "thống")]
    assert parsed.questions[0].question.text == "Tính [?]"


@pytest.mark.parametrize("before, script, kind, head, formula", [
    ("2", "4", "sup", "", "2^{4}"), ("Diện tích 5 cm", "2", "sup", "Diện tích 5 ", r"\mathrm{cm}^{2}"),
    ("x", "2", "sup", "", "x^{2}"), ("a", "n", "sub", "", "a_{n}"), ("H", "2", "sub", "", r"\mathrm{H}_{2}"),
    ("Fe", "3+", "sup", "", r"\mathrm{Fe}^{3+}"), ("Cl", "−", "sup", "", r"\mathrm{Cl}^{-}"),
    ("(a+b)", "2", "sup", "(a+b)", "{}^{2}"), ("6,022.10", "23", "sup", "6,022.", "10^{23}"),
])
def test_a_script_run_takes_the_word_before_it(before, script, kind, head, formula):
    assert wordmath.script_math(before, script, kind) == (head, formula)


def test_symbol_font_characters():
    assert [wordmath.symbol_char("Symbol", c) for c in ("F061", "F070", "F0A3", "F0B9", "F0CE", "F0D6")] == \
        ["α", "π", "≤", "≠", "∈", "√"]
    assert wordmath.symbol_char("Symbol", "F0FE") is None and wordmath.symbol_char("Wingdings", "zz") is None


def test_every_formula_of_the_corpus_prints_as_a_picture_never_as_latex():
    # Printed booklets draw math with ziamath (matplotlib's mathtext printed systems and matrices
    # as their LaTeX source).
    from lms.exams.printing import print_html

    for name in ("toan-dai-so-omml.docx", "hoa-hoc-chi-so.docx", "thpt-2025-toan.docx"):
        parsed, _got = _read(name)
        for q in parsed.questions:
            for text in [q.question.text] + [a.text for a in q.question.answers]:
                html = print_html(text)
                assert "\\" not in html.split('alt="')[0] and "$" not in html.replace('alt="', ""), (name, text)
                assert "<code" not in html, (name, text)
