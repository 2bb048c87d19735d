"""The arithmetic of homework: windows, lateness at the second, penalties, rubrics."""
from datetime import datetime, timedelta, timezone

import pytest

from lms.courses import homework_rules as rules

DUE = datetime(2026, 12, 10, 14, 0, 0, tzinfo=timezone.utc)
OPEN = DUE - timedelta(days=7)
CUTOFF = DUE + timedelta(days=3)


@pytest.mark.parametrize("now, policy, expected", [
    (OPEN - timedelta(seconds=1), "refuse", "not_open"),
    (OPEN, "refuse", "open"),
    (DUE, "refuse", "open"),
    (DUE + timedelta(microseconds=999_999), "refuse", "open"),   # still the due second
    (DUE + timedelta(seconds=1), "refuse", "closed"),
    (DUE + timedelta(seconds=1), "penalty", "late"),
    (CUTOFF, "penalty", "late"),
    (CUTOFF + timedelta(seconds=1), "penalty", "closed"),
])
def test_window(now, policy, expected):
    assert rules.window(OPEN, DUE, policy, CUTOFF if policy == "penalty" else None, now) == expected


@pytest.mark.parametrize("delta, days", [
    (timedelta(seconds=-1), 0), (timedelta(0), 0), (timedelta(microseconds=500_000), 0),
    (timedelta(seconds=1), 1), (timedelta(hours=23, minutes=59, seconds=59), 1), (timedelta(days=1), 1),
    (timedelta(days=1, seconds=1), 2), (timedelta(days=6, hours=1), 7),
])
def test_late_days_count_started_days(delta, days):
    assert rules.late_days(DUE + delta, DUE) == days


@pytest.mark.parametrize("score, days, per_day, final", [
    (80, 0, 10, 80), (80, 1, 10, 72), (85, 1, 10, 77),     # 7.65 → 7.7 half-up
    (75, 1, 10, 68),                                        # 6.75 → 6.8, not banker's 6.8/6.7
    (95, 3, 15, 52),                                        # 9.5 × 55 % = 5.225 → 5.2
    (100, 11, 10, 0), (100, 20, 10, 0),                     # never below zero
    (73, 1, 0, 73),
])
def test_penalty_arithmetic(score, days, per_day, final):
    assert rules.apply_penalty(score, rules.penalty_percent(days, per_day)) == final


def test_penalty_capped_at_hundred():
    assert rules.penalty_percent(50, 10) == 100


def test_on_ten_scales_and_rounds_half_up():
    assert str(rules.on_ten(15, 20)) == "7.5"
    assert str(rules.on_ten(13, 30)) == "4.3"    # 4.333…
    assert str(rules.on_ten(25, 40)) == "6.3"    # 6.25 → 6.3
    assert str(rules.on_ten(100, 100)) == "10.0"


@pytest.mark.parametrize("text, tenths", [("7", 70), ("7,5", 75), ("7.5", 75), (" 10 ", 100), ("0", 0)])
def test_parse_tenths(text, tenths):
    assert rules.parse_tenths(text, high=100) == tenths


@pytest.mark.parametrize("text, reason", [("7,55", "format"), ("abc", "format"), ("", "format"), ("-1", "format"),
                                          ("10,5", "range"), ("1e3", "format")])
def test_parse_tenths_refuses(text, reason):
    with pytest.raises(ValueError, match=reason):
        rules.parse_tenths(text, high=100)


RUBRIC = """Nội dung | Đầy đủ, chính xác = 6 | Còn thiếu = 3 | Chưa làm = 0
Trình bày | Rõ ràng = 2,5 | Tạm được = 1.5 | Cẩu thả = 0

Sáng tạo | Có = 1,5 | Không = 0"""


def test_rubric_parses_and_round_trips():
    rubric, errors = rules.parse_rubric(RUBRIC)
    assert errors == []
    assert [c["name"] for c in rubric] == ["Nội dung", "Trình bày", "Sáng tạo"]
    assert rubric[1]["levels"] == [{"label": "Rõ ràng", "points": 25}, {"label": "Tạm được", "points": 15},
                                   {"label": "Cẩu thả", "points": 0}]
    assert rules.rubric_max(rubric) == 100
    assert rules.parse_rubric(rules.rubric_text(rubric))[0] == rubric


def test_rubric_score_scaled_to_maximum():
    rubric, _ = rules.parse_rubric(RUBRIC)
    marks = {"0": 1, "1": 0, "2": 1}          # 3 + 2.5 + 0 = 5.5 of 10
    assert rules.rubric_points(rubric, marks) == 55
    assert rules.rubric_score(rubric, marks, 100) == 55
    assert rules.rubric_score(rubric, marks, 200) == 110  # on 20
    with pytest.raises(KeyError):
        rules.rubric_score(rubric, {"0": 1}, 100)


def test_rubric_score_rounds_half_up():
    rubric, _ = rules.parse_rubric("A | tốt = 3 | kém = 1\nB | tốt = 3 | kém = 0")
    assert rules.rubric_score(rubric, {"0": 1, "1": 1}, 100) == 17   # 1/6 × 10 = 1.666… → 1.7
    rubric, _ = rules.parse_rubric("A | tốt = 4 | kém = 0,5\nB | tốt = 4 | kém = 0")
    assert rules.rubric_score(rubric, {"0": 1, "1": 1}, 100) == 6    # 0.5/8 × 10 = 0.625 → 0.6 (tenths: 6.25 → 6)


@pytest.mark.parametrize("text, line, code", [
    ("Nội dung", 1, "no_levels"),
    ("Nội dung | Tốt = 2", 1, "no_levels"),
    (" | Tốt = 2 | Kém = 0", 1, "empty_name"),
    ("A | Tốt = 2 | Kém = 0\n\nB | Tốt 2 | Kém = 0", 3, "bad_level"),
    ("A | Tốt = hai | Kém = 0", 1, "bad_points"),
    ("A | Tốt = 2,25 | Kém = 0", 1, "bad_points"),
    ("A | Tốt = 2 | Kém = 0\na | Tốt = 2 | Kém = 0", 2, "duplicate"),
    ("A | 1 = 1 | 2 = 2 | 3 = 3 | 4 = 4 | 5 = 5 | 6 = 6 | 7 = 7", 1, "too_many_levels"),
])
def test_rubric_errors_name_the_line(text, line, code):
    _rubric, errors = rules.parse_rubric(text)
    assert (errors[0].line, errors[0].code) == (line, code)


def test_rubric_limits_criteria():
    text = "\n".join(f"Tiêu chí {i} | Đạt = 1 | Chưa = 0" for i in range(rules.MAX_CRITERIA + 1))
    assert rules.parse_rubric(text)[1][-1].code == "too_many"


def test_empty_rubric_is_no_rubric():
    assert rules.parse_rubric("  \n ") == ([], [])
