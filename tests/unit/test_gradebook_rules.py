"""Thông tư 22 and 27: the public vectors, then our own cases and properties."""
import importlib
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.gradebook import tt22, tt27
from tests.unit.vectors import load

VECTORS = load("assessment_public.json")["vectors"]


def _convert(function: str, name: str, value):
    if function == "tt22.semester_average":
        return value  # strings are passed unchanged, numbers as numbers
    if name in ("scores",):
        return {k: Decimal(v) for k, v in value.items()}
    if name in ("semester1", "semester2") and function == "tt22.year_average":
        return Decimal(value)
    return value


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_public_vector(vector):
    module_name, function_name = vector["function"].split(".")
    function = getattr(importlib.import_module(f"lms.gradebook.{module_name}"), function_name)
    args = [_convert(vector["function"], k, v) for k, v in vector["inputs"].items()]
    result = function(*args)
    expected = vector["expected"]
    if isinstance(result, Decimal):
        assert result == Decimal(expected) and result.as_tuple().exponent == -1, vector["why"]
    else:
        assert result == expected, vector.get("why")


# ---------------------------------------------------------------- semester and year averages

def test_float_inputs_mean_their_literal():
    # 63.6 / 8 = 7.95 exactly → 8.0; float arithmetic would give 7.9.
    assert tt22.semester_average([8, 8, 8], 7.5, 8.2) == Decimal("8.0")


def test_results_always_carry_one_decimal():
    result = tt22.semester_average(["8", "8"], "8", "8")
    assert str(result) == "8.0"
    assert str(tt22.year_average("7", "7")) == "7.0"


def test_comma_decimal_accepted():
    assert tt22.semester_average(["8,5", "9"], "7,5", "8") == tt22.semester_average(["8.5", "9"], "7.5", "8")


@pytest.mark.parametrize("bad", [["11"], ["-1"], ["abc"], [], "8", [True], [float("nan")]])
def test_bad_regular_scores_are_refused(bad):
    with pytest.raises(ValueError):
        tt22.semester_average(bad, "8", "8")


def test_zero_is_a_legal_score():
    assert tt22.semester_average(["0", "0"], "0", "0") == Decimal("0.0")


score = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


@given(st.lists(score, min_size=2, max_size=5), score, score)
def test_semester_average_is_exact_half_up(regular, midterm, final):
    exact = (sum(map(Fraction, regular)) + 2 * Fraction(midterm) + 3 * Fraction(final)) / (len(regular) + 5)
    tenths = exact * 10
    expected = Decimal(int(tenths + Fraction(1, 2))) / 10  # half up on non-negative values
    result = tt22.semester_average(regular, midterm, final)
    assert result == expected
    assert min([*regular, midterm, final]) <= result <= max([*regular, midterm, final]) + Decimal("0.05")


@given(score, score)
def test_year_average_never_ties(s1, s2):
    exact = (Fraction(s1) + 2 * Fraction(s2)) / 3 * 10
    assert exact.denominator != 2  # thirds never land on x.x5
    assert tt22.year_average(s1, s2) == Decimal(int(exact + Fraction(1, 2))) / 10


# ---------------------------------------------------------------- learning level

THCS_GOOD = {"Toán": "8.5", "Ngữ văn": "8.0", "Ngoại ngữ 1": "9.0", "Giáo dục công dân": "8.3",
             "Lịch sử và Địa lí": "8.1", "Khoa học tự nhiên": "8.0", "Công nghệ": "7.0", "Tin học": "6.8"}
COMMENTS_OK = {"Giáo dục thể chất": True, "Nghệ thuật": True, "Hoạt động trải nghiệm, hướng nghiệp": True,
               "Nội dung giáo dục của địa phương": True}


def scores(**changes):
    out = {k: Decimal(v) for k, v in THCS_GOOD.items()}
    out.update({k.replace("_", " "): Decimal(v) for k, v in changes.items()})
    return out


def test_boundaries_are_inclusive():
    exactly = {k: Decimal("8.0") for k in THCS_GOOD}
    exactly["Công nghệ"] = exactly["Tin học"] = Decimal("6.5")
    assert tt22.learning_result(exactly, COMMENTS_OK) == "Tốt"
    just_below = dict(exactly, **{"Tin học": Decimal("6.4")})
    assert tt22.learning_result(just_below, COMMENTS_OK) == "Khá"


def test_raise_is_recorded_for_audit():
    result = tt22.assess_learning(scores(**{"Tin học": "4.0"}), COMMENTS_OK)
    assert (result.base, result.level, result.culprit) == ("Đạt", "Khá", "Tin học")
    plain = tt22.assess_learning(scores(), COMMENTS_OK)
    assert (plain.base, plain.level, plain.culprit) == ("Tốt", "Tốt", None)


def test_ideal_kha_with_one_low_subject_raises_chua_dat_to_dat():
    kha = {k: Decimal("7.0") for k in THCS_GOOD}
    kha["Tin học"] = Decimal("3.0")  # < 3.5: base Chưa đạt; without it every subject ≥ 5 and six ≥ 6.5: Khá
    assert tt22.assess_learning(kha, COMMENTS_OK).base == "Chưa đạt"
    assert tt22.learning_result(kha, COMMENTS_OK) == "Đạt"


def test_two_failed_comment_subjects_are_chua_dat_without_raise():
    comments = dict(COMMENTS_OK, **{"Giáo dục thể chất": False, "Nghệ thuật": False})
    assert tt22.learning_result(scores(), comments) == "Chưa đạt"


def test_comment_must_be_boolean():
    with pytest.raises(ValueError):
        tt22.learning_result(scores(), {"Giáo dục thể chất": "Đạt"})


@given(st.dictionaries(st.sampled_from(list(THCS_GOOD)), score, min_size=6, max_size=8),
       st.lists(st.booleans(), min_size=4, max_size=4))
def test_raise_is_at_most_one_step(values, flags):
    comments = dict(zip(COMMENTS_OK, flags))
    result = tt22.assess_learning(values, comments)
    assert tt22.RANK[result.level] - tt22.RANK[result.base] in (0, 1)
    assert (result.culprit is None) == (result.level == result.base)


# ---------------------------------------------------------------- conduct, promotion, awards

def test_conduct_table_is_complete_and_hk2_chua_dat_is_always_chua_dat():
    for s1 in tt22.LEVELS:
        assert tt22.conduct_year(s1, "Chưa đạt") == "Chưa đạt"
        for s2 in tt22.LEVELS:
            assert tt22.conduct_year(s1, s2) in tt22.LEVELS


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        tt22.conduct_year("Giỏi", "Tốt")  # TT58 vocabulary is not TT22's


@pytest.mark.parametrize("conduct, learning, expected", [
    ("Tốt", "Chưa đạt", "Kiểm tra lại"), ("Chưa đạt", "Khá", "Rèn luyện trong kỳ nghỉ hè"),
    ("Đạt", "Đạt", "Lên lớp")])
def test_promotion_table(conduct, learning, expected):
    assert tt22.promotion(conduct, learning, 0) == expected


@pytest.mark.parametrize("absent", [-1, 4.5, "3", True])
def test_promotion_needs_a_session_count(absent):
    with pytest.raises(ValueError):
        tt22.promotion("Tốt", "Tốt", absent)


def test_award_giỏi_when_fewer_than_six_at_nine():
    five = {f"Môn {i}": Decimal("9.0") for i in range(5)} | {"Môn 6": Decimal("8.9"), "Môn 7": Decimal("8.0")}
    assert tt22.award("Tốt", "Tốt", five) == "Học sinh Giỏi"
    assert tt22.award("Tốt", "Khá", five) is None


# ---------------------------------------------------------------- primary (TT27)

SUBJECTS_T = {s: "Hoàn thành tốt" for s in ("Tiếng Việt", "Toán", "Đạo đức", "Tự nhiên và Xã hội")}
QUALITIES_T = {q: "Tốt" for q in ("Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm")}
COMPETENCES_T = {c: "Tốt" for c in ("Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo")}


@pytest.mark.parametrize("tests, expected", [
    ({"Tiếng Việt": 9, "Toán": 10}, "Hoàn thành xuất sắc"),
    ({"Tiếng Việt": 8, "Toán": 10}, "Hoàn thành tốt"),
    ({"Tiếng Việt": 6, "Toán": 10}, "Hoàn thành"),
    ({"Tiếng Việt": 4, "Toán": 10}, "Chưa hoàn thành"),
])
def test_tt27_test_score_thresholds(tests, expected):
    assert tt27.year_result(SUBJECTS_T, tests, QUALITIES_T, COMPETENCES_T) == expected


def test_tt27_quality_dat_gives_hoan_thanh():
    qualities = dict(QUALITIES_T, **{"Chăm chỉ": "Đạt"})
    assert tt27.year_result(SUBJECTS_T, {"Toán": 10}, qualities, COMPETENCES_T) == "Hoàn thành"


@pytest.mark.parametrize("bad", [0, 11, 7.5, "9", None])
def test_tt27_test_scores_are_whole_numbers_1_to_10(bad):
    with pytest.raises(ValueError):
        tt27.year_result(SUBJECTS_T, {"Toán": bad}, QUALITIES_T, COMPETENCES_T)


def test_tt27_unknown_level_is_refused():
    with pytest.raises(ValueError):
        tt27.year_result({"Toán": "Giỏi"}, {}, QUALITIES_T, COMPETENCES_T)


def test_the_primary_cards_closing_lines_follow_the_year_result():
    """Điều 9, TT27: HTXS/HTT/HT complete the grade and go up; grade 5 completes primary school;
    Chưa hoàn thành waits for the principal's decision."""
    from lms.gradebook.reportcards import primary_decision

    assert primary_decision(3, "Hoàn thành tốt") == {"completion": "lop", "promoted_to": 4}
    assert primary_decision(4, "Hoàn thành") == {"completion": "lop", "promoted_to": 5}
    assert primary_decision(5, "Hoàn thành xuất sắc") == {"completion": "tieu_hoc", "promoted_to": None}
    assert primary_decision(5, "Chưa hoàn thành") == {"completion": "chua", "promoted_to": None}
    assert primary_decision(2, "Chưa hoàn thành") == {"completion": "chua", "promoted_to": None}
    assert primary_decision(2, None) == {"completion": "", "promoted_to": None}
