"""The question-type registry: editors, layouts that keep keys out of the page, responses read
strictly, and grading by domain/exams.md §1."""
from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core.errors import ValidationError
from lms.exams import grading
from lms.exams.formats import aiken, gift
from tests.factories import EditorForm, choice_data

D = Decimal


def test_single_choice_grades_the_chosen_option_and_partial_credit():
    data = choice_data([("A", 100), ("B", 50), ("C", 0)])
    ids = [o["id"] for o in data["options"]]
    assert grading.grade("single_choice", data, ids[0]) == 1
    assert grading.grade("single_choice", data, ids[1]) == D("0.5")
    assert grading.grade("single_choice", data, ids[2]) == 0
    assert grading.grade("single_choice", data, None) == 0


def test_multiple_choice_adds_fractions_and_clamps():
    data = choice_data([("A", 50), ("B", 50), ("C", -100), ("D", 0)], multiple=True)
    a, b, c, d = (o["id"] for o in data["options"])
    assert grading.grade("multiple_choice", data, [a, b]) == 1
    assert grading.grade("multiple_choice", data, [a]) == D("0.5")
    assert grading.grade("multiple_choice", data, [a, c]) == 0          # clamped at 0
    assert grading.grade("multiple_choice", data, [a, b, d]) == 1


def test_editors_refuse_what_cannot_be_graded():
    with pytest.raises(ValidationError, match="đúng một phương án"):
        choice_data([("A", 50), ("B", 0)])
    with pytest.raises(ValidationError, match="100 %"):
        choice_data([("A", 50), ("B", 20)], multiple=True)
    with pytest.raises(ValidationError, match="hai phương án"):
        choice_data([("A", 100)])
    with pytest.raises(ValidationError):
        grading.TYPES["tf_cluster"].parse_editor(EditorForm(st_id=["a", "b"], st_text=["x", "y"], st_answer=["true", "false"]))
    with pytest.raises(ValidationError, match="không phải là số"):
        grading.TYPES["numerical"].parse_editor(EditorForm(num_id=[""], num_value=["hai"], num_tolerance=["0"],
                                                           num_fraction=["100"], num_feedback=[""]))


def test_blank_editor_rows_are_dropped_whatever_their_defaults():
    form = EditorForm(opt_id=["a", "b", "c", "d"], opt_text=["Một", "Hai", "", ""], opt_fraction=["100", "0", "0", "0"],
                      opt_feedback=["", "", "", ""], opt_correct="a")
    assert [o["text"] for o in grading.TYPES["single_choice"].parse_editor(form)["options"]] == ["Một", "Hai"]


def test_true_false_and_the_cluster_with_its_step_table():
    assert grading.grade("true_false", {"answer": True}, True) == 1
    assert grading.grade("true_false", {"answer": True}, False) == 0
    assert grading.grade("true_false", {"answer": True}, None) == 0
    form = EditorForm(st_id=["a", "b", "c", "d"], st_text=["Ý a", "Ý b", "Ý c", "Ý d"],
                      st_answer=["true", "false", "true", "false"], steps="0; 0,1; 0,25; 0,5; 1")
    data = grading.TYPES["tf_cluster"].parse_editor(form)
    right = {"a": True, "b": False, "c": True, "d": False}
    assert grading.grade("tf_cluster", data, right) == 1
    for wrong, expected in ((1, "0.5"), (2, "0.25"), (3, "0.1"), (4, "0")):
        response = dict(right)
        for key in list(response)[:wrong]:
            response[key] = not response[key]
        assert grading.grade("tf_cluster", data, response) == D(expected)
    assert grading.grade("tf_cluster", data, {"a": True}) == D("0.1")  # unanswered statements are wrong


def test_short_answer_ignores_spacing_case_and_optionally_accents():
    data = {"answers": [{"text": "Hà Nội", "fraction": "1"}, {"text": "Thăng *", "fraction": "0.5"}],
            "case_sensitive": False, "ignore_accents": False}
    assert grading.grade("short_answer", data, "  hà   nội ") == 1
    assert grading.grade("short_answer", data, "Ha Noi") == 0
    assert grading.grade("short_answer", data, "Thăng Long") == D("0.5")
    assert grading.grade("short_answer", {**data, "ignore_accents": True}, "ha noi") == 1
    assert grading.grade("short_answer", {**data, "case_sensitive": True}, "hà nội") == 0
    nfd = "Hà Nội".encode().decode()  # composed; the decomposed form must match too
    import unicodedata

    assert grading.grade("short_answer", data, unicodedata.normalize("NFD", nfd)) == 1


@pytest.mark.parametrize("typed, expected", [("2,5", 1), ("2.5", 1), (" 2,50 ", 1), ("2,6", 1), ("2,7", 0), ("-2,5", 0),
                                             ("2 5", 0), ("2.500,0", 0), ("", 0), ("abc", 0)])
def test_numerical_reads_both_decimal_marks_and_the_tolerance(typed, expected):
    data = {"answers": [{"value": "2.5", "tolerance": "0.1", "fraction": "1"}]}
    assert grading.grade("numerical", data, typed) == expected


def test_numerical_refuses_a_non_number_with_a_message():
    qt = grading.TYPES["numerical"]
    with pytest.raises(grading.ResponseError, match="không phải là số"):
        qt.normalize({"max_length": 20}, {}, "hai phẩy năm")
    with pytest.raises(grading.ResponseError, match="dài quá"):
        qt.normalize({"max_length": 4}, {}, "12345")  # refused, never cut
    assert qt.normalize({"max_length": 20}, {}, ",5") == ",5" and grading.parse_number(",5") == D("0.5")


def test_matching_counts_right_pairs_and_distractors_are_wrong():
    data = {"pairs": [{"id": "p1", "left": "Hà Nội", "right": "Thủ đô"}, {"id": "p2", "left": "Huế", "right": "Cố đô"}],
            "distractors": [{"id": "d1", "right": "Cảng biển"}]}
    assert grading.grade("matching", data, {"p1": "p1", "p2": "p2"}) == 1
    assert grading.grade("matching", data, {"p1": "p1", "p2": "d1"}) == D("0.5")
    layout = grading.TYPES["matching"].layout(data, Random(1), True)
    public = grading.TYPES["matching"].public(data, layout)
    assert {r["id"] for r in public["rights"]} == {"p1", "p2", "d1"}
    with pytest.raises(grading.ResponseError):
        grading.TYPES["matching"].normalize(data, layout, {"p1": "nope"})


def test_essay_waits_for_a_teacher_and_description_counts_nothing():
    assert grading.grade("essay", {}, "bài làm") is None
    assert grading.grade("description", {}, None) == 0


@given(st.integers(min_value=0, max_value=2 ** 31 - 1))
def test_the_page_never_receives_fractions_feedback_or_answers(seed):
    """Whatever the shuffle, what a pupil's page receives holds no key."""
    datas = {
        "single_choice": choice_data([("Một", 100), ("Hai", 0), ("Ba", 50), ("Bốn", 0)]),
        "multiple_choice": choice_data([("Một", 50), ("Hai", 50), ("Ba", -50)], multiple=True),
        "tf_cluster": {"statements": [{"id": f"s{i}", "text": f"Ý {i}", "answer": i % 2 == 0} for i in range(4)],
                       "steps": list(grading.DEFAULT_STEPS)},
        "matching": {"pairs": [{"id": "p1", "left": "A", "right": "1"}, {"id": "p2", "left": "B", "right": "2"}],
                     "distractors": []},
        "true_false": {"answer": True, "feedback_true": "FB-T", "feedback_false": "FB-F"},
        "short_answer": {"answers": [{"text": "BÍ MẬT", "fraction": "1", "feedback": "FB"}]},
        "numerical": {"answers": [{"value": "42", "tolerance": "0", "fraction": "1", "feedback": "FB"}]},
        "essay": {"response_lines": 5, "guide": "HƯỚNG DẪN CHẤM"},
    }
    for code, data in datas.items():
        qt = grading.TYPES[code]
        public = qt.public(data, qt.layout(data, Random(seed), True))
        text = repr(public)
        for secret in ("fraction", "feedback", "answer", "Phản hồi", "FB", "BÍ MẬT", "42", "HƯỚNG DẪN", "guide"):
            assert secret not in text, (code, secret, text)


@given(st.integers(min_value=0, max_value=2 ** 31 - 1))
def test_shuffling_keeps_pinned_options_in_place(seed):
    data = choice_data([("A", 100), ("B", 0), ("C", 0), ("Cả ba đều sai", 0)])
    data["options"][3]["pinned"] = True
    order = grading.TYPES["single_choice"].layout(data, Random(seed), True)["order"]
    assert order[3] == data["options"][3]["id"] and sorted(order) == sorted(o["id"] for o in data["options"])


def test_imported_questions_become_bank_data_that_grades_like_the_file_says():
    for q in gift.parse("::Q1:: 2 + 2 = {=4 ~3 ~5}\n\nThủ đô? {=Hà Nội =%50%Ha Noi}\n\nPi {#3.14:0.01}\n\n"
                        "Đúng không? {T}\n\nGhép {=a -> 1 =b -> 2 = -> 3}"):
        kind, data, text, _fb = grading.from_imported(q)
        right = grading.TYPES[kind].right(data)
        if kind == "matching":
            assert grading.grade(kind, data, right) == 1
        elif kind == "short_answer":
            assert grading.grade(kind, data, "hà nội") == 1 and grading.grade(kind, data, "Ha Noi") == D("0.5")
        elif kind == "numerical":
            assert grading.grade(kind, data, "3,145") == 1
        else:
            assert grading.grade(kind, data, right) == 1, kind
    (q,) = aiken.parse("Câu hỏi?\nA. Một\nB. Hai\nANSWER: B\n")
    kind, data, text, _fb = grading.from_imported(q)
    assert kind == "single_choice" and grading.grade(kind, data, data["options"][1]["id"]) == 1
