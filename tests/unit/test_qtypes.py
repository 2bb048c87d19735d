"""The question-type registry: editors, layouts that keep keys out of the page, responses read
strictly, and grading by domain/exams.md §1."""
from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.errors import ValidationError
from lms.exams import qtypes
from lms.exams.formats import aiken, gift
from tests.factories import EditorForm, choice_data

D = Decimal


def test_single_choice_grades_the_chosen_option_and_partial_credit():
    data = choice_data([("A", 100), ("B", 50), ("C", 0)])
    ids = [o["id"] for o in data["options"]]
    assert qtypes.grade("single_choice", data, ids[0]) == 1
    assert qtypes.grade("single_choice", data, ids[1]) == D("0.5")
    assert qtypes.grade("single_choice", data, ids[2]) == 0
    assert qtypes.grade("single_choice", data, None) == 0


def test_multiple_choice_adds_fractions_and_clamps():
    data = choice_data([("A", 50), ("B", 50), ("C", -100), ("D", 0)], multiple=True)
    a, b, c, d = (o["id"] for o in data["options"])
    assert qtypes.grade("multiple_choice", data, [a, b]) == 1
    assert qtypes.grade("multiple_choice", data, [a]) == D("0.5")
    assert qtypes.grade("multiple_choice", data, [a, c]) == 0          # clamped at 0
    assert qtypes.grade("multiple_choice", data, [a, b, d]) == 1


def test_editors_refuse_what_cannot_be_graded():
    with pytest.raises(ValidationError, match="đúng một phương án"):
        choice_data([("A", 50), ("B", 0)])
    with pytest.raises(ValidationError, match="100 %"):
        choice_data([("A", 50), ("B", 20)], multiple=True)
    with pytest.raises(ValidationError, match="hai phương án"):
        choice_data([("A", 100)])
    with pytest.raises(ValidationError):
        qtypes.TYPES["tf_cluster"].parse_editor(EditorForm(st_id=["a", "b"], st_text=["x", "y"], st_answer=["true", "false"]))
    with pytest.raises(ValidationError, match="không phải là số"):
        qtypes.TYPES["numerical"].parse_editor(EditorForm(num_id=[""], num_value=["hai"], num_tolerance=["0"],
                                                           num_fraction=["100"], num_feedback=[""]))


def test_blank_editor_rows_are_dropped_whatever_their_defaults():
    form = EditorForm(opt_id=["a", "b", "c", "d"], opt_text=["Một", "Hai", "", ""], opt_fraction=["100", "0", "0", "0"],
                      opt_feedback=["", "", "", ""], opt_correct="a")
    assert [o["text"] for o in qtypes.TYPES["single_choice"].parse_editor(form)["options"]] == ["Một", "Hai"]


def test_true_false_and_the_cluster_with_its_step_table():
    assert qtypes.grade("true_false", {"answer": True}, True) == 1
    assert qtypes.grade("true_false", {"answer": True}, False) == 0
    assert qtypes.grade("true_false", {"answer": True}, None) == 0
    form = EditorForm(st_id=["a", "b", "c", "d"], st_text=["Ý a", "Ý b", "Ý c", "Ý d"],
                      st_answer=["true", "false", "true", "false"], steps="0; 0,1; 0,25; 0,5; 1")
    data = qtypes.TYPES["tf_cluster"].parse_editor(form)
    right = {"a": True, "b": False, "c": True, "d": False}
    assert qtypes.grade("tf_cluster", data, right) == 1
    for wrong, expected in ((1, "0.5"), (2, "0.25"), (3, "0.1"), (4, "0")):
        response = dict(right)
        for key in list(response)[:wrong]:
            response[key] = not response[key]
        assert qtypes.grade("tf_cluster", data, response) == D(expected)
    assert qtypes.grade("tf_cluster", data, {"a": True}) == D("0.1")  # unanswered statements are wrong


def test_short_answer_ignores_spacing_case_and_optionally_accents():
    data = {"answers": [{"text": "Hà Nội", "fraction": "1"}, {"text": "Thăng *", "fraction": "0.5"}],
            "case_sensitive": False, "ignore_accents": False}
    assert qtypes.grade("short_answer", data, "  hà   nội ") == 1
    assert qtypes.grade("short_answer", data, "Ha Noi") == 0
    assert qtypes.grade("short_answer", data, "Thăng Long") == D("0.5")
    assert qtypes.grade("short_answer", {**data, "ignore_accents": True}, "ha noi") == 1
    assert qtypes.grade("short_answer", {**data, "case_sensitive": True}, "hà nội") == 0
    nfd = "Hà Nội".encode().decode()  # composed; the decomposed form must match too
    import unicodedata

    assert qtypes.grade("short_answer", data, unicodedata.normalize("NFD", nfd)) == 1


@pytest.mark.parametrize("typed, expected", [("2,5", 1), ("2.5", 1), (" 2,50 ", 1), ("2,6", 1), ("2,7", 0), ("-2,5", 0),
                                             ("2 5", 0), ("2.500,0", 0), ("", 0), ("abc", 0)])
def test_numerical_reads_both_decimal_marks_and_the_tolerance(typed, expected):
    data = {"answers": [{"value": "2.5", "tolerance": "0.1", "fraction": "1"}]}
    assert qtypes.grade("numerical", data, typed) == expected


def test_numerical_refuses_a_non_number_with_a_message():
    qt = qtypes.TYPES["numerical"]
    with pytest.raises(qtypes.ResponseError, match="không phải là số"):
        qt.normalize({"max_length": 20}, {}, "hai phẩy năm")
    with pytest.raises(qtypes.ResponseError, match="dài quá"):
        qt.normalize({"max_length": 4}, {}, "12345")  # refused, never cut
    assert qt.normalize({"max_length": 20}, {}, ",5") == ",5" and qtypes.parse_number(",5") == D("0.5")


def test_matching_counts_right_pairs_and_distractors_are_wrong():
    data = {"pairs": [{"id": "p1", "left": "Hà Nội", "right": "Thủ đô"}, {"id": "p2", "left": "Huế", "right": "Cố đô"}],
            "distractors": [{"id": "d1", "right": "Cảng biển"}]}
    assert qtypes.grade("matching", data, {"p1": "p1", "p2": "p2"}) == 1
    assert qtypes.grade("matching", data, {"p1": "p1", "p2": "d1"}) == D("0.5")
    layout = qtypes.TYPES["matching"].layout(data, Random(1), True)
    public = qtypes.TYPES["matching"].public(data, layout)
    assert {r["id"] for r in public["rights"]} == {"p1", "p2", "d1"}
    with pytest.raises(qtypes.ResponseError):
        qtypes.TYPES["matching"].normalize(data, layout, {"p1": "nope"})


def test_essay_waits_for_a_teacher_and_description_counts_nothing():
    assert qtypes.grade("essay", {}, "bài làm") is None
    assert qtypes.grade("description", {}, None) == 0


@given(st.integers(min_value=0, max_value=2 ** 31 - 1))
def test_the_page_never_receives_fractions_feedback_or_answers(seed):
    """Whatever the shuffle, what a pupil's page receives holds no key."""
    datas = {
        "single_choice": choice_data([("Một", 100), ("Hai", 0), ("Ba", 50), ("Bốn", 0)]),
        "multiple_choice": choice_data([("Một", 50), ("Hai", 50), ("Ba", -50)], multiple=True),
        "tf_cluster": {"statements": [{"id": f"s{i}", "text": f"Ý {i}", "answer": i % 2 == 0} for i in range(4)],
                       "steps": list(qtypes.DEFAULT_STEPS)},
        "matching": {"pairs": [{"id": "p1", "left": "A", "right": "1"}, {"id": "p2", "left": "B", "right": "2"}],
                     "distractors": []},
        "true_false": {"answer": True, "feedback_true": "FB-T", "feedback_false": "FB-F"},
        "short_answer": {"answers": [{"text": "BÍ MẬT", "fraction": "1", "feedback": "FB"}]},
        "numerical": {"answers": [{"value": "42", "tolerance": "0", "fraction": "1", "feedback": "FB"}]},
        "essay": {"response_lines": 5, "guide": "HƯỚNG DẪN CHẤM"},
    }
    for code, data in datas.items():
        qt = qtypes.TYPES[code]
        public = qt.public(data, qt.layout(data, Random(seed), True))
        text = repr(public)
        for secret in ("fraction", "feedback", "answer", "Phản hồi", "FB", "BÍ MẬT", "42", "HƯỚNG DẪN", "guide"):
            assert secret not in text, (code, secret, text)


@given(st.integers(min_value=0, max_value=2 ** 31 - 1))
def test_shuffling_keeps_pinned_options_in_place(seed):
    data = choice_data([("A", 100), ("B", 0), ("C", 0), ("Cả ba đều sai", 0)])
    data["options"][3]["pinned"] = True
    order = qtypes.TYPES["single_choice"].layout(data, Random(seed), True)["order"]
    assert order[3] == data["options"][3]["id"] and sorted(order) == sorted(o["id"] for o in data["options"])


def test_imported_questions_become_bank_data_that_grades_like_the_file_says():
    for q in gift.parse("::Q1:: 2 + 2 = {=4 ~3 ~5}\n\nThủ đô? {=Hà Nội =%50%Ha Noi}\n\nPi {#3.14:0.01}\n\n"
                        "Đúng không? {T}\n\nGhép {=a -> 1 =b -> 2 = -> 3}"):
        kind, data, text, _fb = qtypes.from_imported(q)
        right = qtypes.TYPES[kind].right(data)
        if kind == "matching":
            assert qtypes.grade(kind, data, right) == 1
        elif kind == "short_answer":
            assert qtypes.grade(kind, data, "hà nội") == 1 and qtypes.grade(kind, data, "Ha Noi") == D("0.5")
        elif kind == "numerical":
            assert qtypes.grade(kind, data, "3,145") == 1
        else:
            assert qtypes.grade(kind, data, right) == 1, kind
    (q,) = aiken.parse("Câu hỏi?\nA. Một\nB. Hai\nANSWER: B\n")
    kind, data, text, _fb = qtypes.from_imported(q)
    assert kind == "single_choice" and qtypes.grade(kind, data, data["options"][1]["id"]) == 1


def test_the_shuffle_checkbox_is_read_from_both_values_the_form_sends():
    # The editor sends a hidden shuffle=0 before the checkbox's shuffle=1: the first value was kept.
    rows = {"opt_id": ["a", "b"], "opt_text": ["1", "2"], "opt_fraction": ["100", "0"], "opt_feedback": ["", ""]}
    ticked = qtypes.TYPES["single_choice"].parse_editor(EditorForm(rows, shuffle=["0", "1"]))
    unticked = qtypes.TYPES["single_choice"].parse_editor(EditorForm(rows, shuffle=["0"]))
    assert ticked["shuffle"] is True and unticked["shuffle"] is False
    again = qtypes.TYPES["single_choice"].editor_rows(None, EditorForm(rows, shuffle=["0", "1"]), 0)
    assert again["shuffle"] is True


def test_two_prompts_sharing_their_answer_both_count_and_the_answer_is_listed_once():
    data = {"pairs": [{"id": "p1", "left": "$2^4$", "right": "16"}, {"id": "p2", "left": "$4^2$", "right": "16"},
                      {"id": "p3", "left": "$3^2$", "right": "9"}],
            "distractors": [{"id": "d1", "right": "8"}]}
    matching = qtypes.TYPES["matching"]
    public = matching.public(data, matching.layout(data, Random(3), True))
    assert sorted(r["text"] for r in public["rights"]) == ["16", "8", "9"]        # 16 once
    sixteen = next(r["id"] for r in public["rights"] if r["text"] == "16")
    assert qtypes.grade("matching", data, {"p1": sixteen, "p2": sixteen, "p3": "p3"}) == 1   # was 0,67
    assert qtypes.grade("matching", data, {"p1": sixteen, "p2": "d1", "p3": "p3"}) == D(2) / D(3)
    assert matching.right(data) == {"p1": sixteen, "p2": sixteen, "p3": "p3"}
    # An attempt laid out before (both ids listed) shows 16 once and accepts either id.
    old = matching.public(data, {"order": ["p1", "p2", "p3"], "rights": ["p2", "p1", "d1", "p3"]})
    assert [r["text"] for r in old["rights"]] == ["16", "8", "9"]
    assert qtypes.grade("matching", data, matching.normalize(data, {}, {"p1": "p2", "p2": "p2", "p3": "p3"})) == 1


def test_the_right_answer_in_words_renders_math_never_raw_latex():
    data = {"pairs": [{"id": "p1", "left": "$2^4$", "right": "$16$"}, {"id": "p2", "left": "$3^2$", "right": "9"}],
            "distractors": []}
    matching = qtypes.TYPES["matching"]
    public = matching.public(data, matching.layout(data, Random(0), False))
    html = str(matching.right_html(data, public))
    assert "$" not in html and html.count("<math") == 3 and "→" in html
    short = {"answers": [{"text": r"$\frac{1}{2}$", "fraction": "1", "feedback": ""}]}
    assert "<mfrac>" in str(qtypes.TYPES["short_answer"].right_html(short, {}))
    choice = choice_data([("A", 0), ("B", 100)])
    assert str(qtypes.TYPES["single_choice"].right_html(choice, qtypes.TYPES["single_choice"].public(
        choice, {"order": [o["id"] for o in choice["options"]]}))) == "B"
