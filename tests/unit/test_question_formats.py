"""GIFT and Aiken: the public cases, then our own."""
import pytest

from lms.exams.formats import FormatError, aiken, gift
from tests.unit.vectors import load

GIFT = load("gift_public.json")["cases"]
AIKEN = load("aiken_public.json")["cases"]


def _same_text(got, want):
    got = (got or "").strip() or None
    want = (want or "").strip() or None
    return got == want


def _check(case, parse):
    if "error_line" in case:
        with pytest.raises(FormatError) as err:
            parse(case["source"])
        assert f"line {case['error_line']}" in str(err.value)
        return
    questions = parse(case["source"])
    assert len(questions) == len(case["questions"])
    for got, want in zip(questions, case["questions"]):
        assert got.qtype == want["qtype"]
        for key in ("name", "text", "general_feedback", "category"):
            assert _same_text(getattr(got, key), want[key]), key
        assert got.tags == want["tags"]
        assert len(got.answers) == len(want["answers"])
        for a, b in zip(got.answers, want["answers"]):
            if got.qtype == "numerical" and b["text"] != "*":
                assert float(a.text) == pytest.approx(float(b["text"]), rel=1e-5)
            else:
                assert _same_text(a.text, b["text"]) or (a.text == "" and b["text"] == "")
            assert a.fraction == pytest.approx(b["fraction"], rel=1e-5, abs=1e-9)
            assert _same_text(a.feedback, b["feedback"])
            if b["tolerance"] is None:
                assert a.tolerance is None
            else:
                assert a.tolerance == pytest.approx(b["tolerance"], rel=1e-5, abs=1e-12)
            assert _same_text(a.match, b["match"])


@pytest.mark.parametrize("case", GIFT, ids=[c["id"] for c in GIFT])
def test_gift_public(case):
    _check(case, gift.parse)


@pytest.mark.parametrize("case", AIKEN, ids=[c["id"] for c in AIKEN])
def test_aiken_public(case):
    _check(case, aiken.parse)


def test_gift_crlf_bom_and_nfd_input():
    import unicodedata
    source = "\ufeff" + unicodedata.normalize("NFD", "::Q:: Thủ đô? {=Hà Nội ~Huế}\r\n\r\n::R:: Đúng không? {T}\r")
    questions = gift.parse(source)
    assert [q.name for q in questions] == ["Q", "R"]
    assert questions[0].text == "Thủ đô?" and unicodedata.is_normalized("NFC", questions[0].answers[0].text)


def test_gift_latex_backslashes_survive():
    with_escape = gift.parse(r"Tính $\frac\{1\}\{2\}$ rồi \(x\). {}")[0]
    assert with_escape.text == r"Tính $\frac{1}{2}$ rồi \(x\)."


def test_gift_unescaped_latex_braces_are_an_error_with_the_line():
    with pytest.raises(FormatError) as err:
        gift.parse("\n\nTính $\\frac{1}{2}$ {=a ~b}")
    assert "line 3" in str(err.value)


@pytest.mark.parametrize("source, line", [
    ("::Q:: Câu? {~%150%a =b}", 1),
    ("::Q:: Câu? {~%abc%a =b}", 1),
    ("::Q:: Câu? {#1..0}", 1),
    ("::Q:: Câu? {#5:-1}", 1),
    ("::Q:: Câu? {=a ~}", 1),
    ("::Q:: {=a ~b}", 1),
    ("::Q:: Câu? {~%60%a ~%30%b}", 1),
    ("::Q:: Câu? {=A -> 1 =B -> }", 1),
    ("::Q:: Câu? {=A -> 1 = -> 2}", 1),
    ("::Q:: Câu? } {", 1),
])
def test_gift_errors(source, line):
    with pytest.raises(FormatError) as err:
        gift.parse(source)
    assert f"line {line}" in str(err.value) and err.value.line == line


def test_gift_numerical_forms():
    q = gift.parse("Số? {#=%50%2,5:0,1 #gần =3e2 =-1.5..+1.5 ~#khác}")[0]
    assert [(a.text, a.fraction, a.tolerance) for a in q.answers] == [
        ("2.5", 0.5, pytest.approx(0.1)), ("300", 1.0, 0.0), ("0", 1.0, 1.5), ("*", 0.0, None)]
    assert q.answers[0].feedback == "gần" and q.answers[-1].feedback == "khác"


def test_gift_empty_file_and_comments_only():
    assert gift.parse("") == [] and gift.parse("// chỉ là ghi chú\n\n// [tag:x]\n") == []


def test_gift_category_alone_sets_and_resets():
    questions = gift.parse("$CATEGORY: A\n\nCâu 1 {T}\n\n$CATEGORY:\n\nCâu 2 {F}")
    assert [q.category for q in questions] == ["A", None]


def test_aiken_lower_case_answer_and_dot_choices():
    q = aiken.parse("Hai cộng hai?\nA. 3\nB.4\nC. 5\nanswer: b")[0]
    assert [a.fraction for a in q.answers] == [0.0, 1.0, 0.0] and q.answers[1].text == "4"


@pytest.mark.parametrize("source, line", [
    ("A) một\nANSWER: A", 1), ("Câu?\nA) một\nANSWER: A", 3), ("Câu?\nA) một\nC) hai\nANSWER: A", 3),
    ("Câu?\nA) một\nB) hai\nANSWER: C", 4), ("Câu?\nA) một\nB) hai", 1), ("Câu?\nA)\nB) hai\nANSWER: A", 2),
    ("Câu?\nA) một\nB) hai\nANSWER: AB", 4),
])
def test_aiken_errors(source, line):
    with pytest.raises(FormatError) as err:
        aiken.parse(source)
    assert err.value.line == line


@pytest.mark.parametrize("line, path", [
    ("$course$/top/Toán 6/Số tự nhiên", ("Toán 6", "Số tự nhiên")),
    ("$system$/top", ()), ("$cat1$/Đại số", ("Đại số",)), ("top/Hình học", ("Hình học",)),
    ("Chương 1/Bài 2", ("Chương 1", "Bài 2")), ("Phân số 1//2 và 1//3", ("Phân số 1/2 và 1/3",)), (None, ()),
])
def test_a_gift_category_is_a_path_of_sub_categories_without_moodle_s_context(line, path):
    from lms.exams.importing import category_path

    assert category_path(line) == path
