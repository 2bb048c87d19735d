"""Item analysis: formulas cross-checked with the standard library, and odd data that must not crash."""
import csv
import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.exams.statistics import item_statistics
from tests.unit.vectors import path_of


def sample():
    rows = list(csv.reader(path_of("item_stats_input.csv").open()))
    max_marks = [float(v) for v in rows[1][1:]]
    marks = [[float(v) for v in row[1:]] for row in rows[2:] if row]
    return marks, max_marks


def test_sample_against_the_standard_library():
    marks, max_marks = sample()
    result = item_statistics(marks, max_marks)
    totals = [sum(r) for r in marks]
    assert result["test"]["mean"] == pytest.approx(statistics.mean(totals))
    assert result["test"]["median"] == pytest.approx(statistics.median(totals))
    assert result["test"]["sd"] == pytest.approx(statistics.stdev(totals))
    variances = []
    for i, item in enumerate(result["items"]):
        x = [r[i] for r in marks]
        rest = [t - v for t, v in zip(totals, x)]
        assert item["facility"] == pytest.approx(statistics.mean(x) / max_marks[i])
        assert item["sd"] == pytest.approx(statistics.stdev(x) / max_marks[i])
        if statistics.variance(x) and statistics.variance(rest):
            assert item["discrimination_index"] == pytest.approx(100 * statistics.correlation(x, rest))
        variances.append(statistics.variance(x))
    p = len(max_marks)
    alpha = 100 * p / (p - 1) * (1 - sum(variances) / statistics.variance(totals))
    assert result["test"]["cronbach_alpha"] == pytest.approx(alpha)
    weights = [i["effective_weight"] for i in result["items"] if i["effective_weight"] is not None]
    assert sum(weights) == pytest.approx(100)


def test_hand_computed_skewness_and_kurtosis():
    # Totals 1, 2, 3, 4, 10 on one slot: mean 4, d = -3 -2 -1 0 6, m2 = 10, m3 = 36, m4 = 278.8
    result = item_statistics([[1], [2], [3], [4], [10]], [10])["test"]
    k2 = 5 * 10 / 4
    assert result["skewness"] == pytest.approx((25 * 36 / (4 * 3)) / k2 ** 1.5)
    assert result["kurtosis"] == pytest.approx((25 * (6 * 278.8 - 3 * 4 * 100) / (4 * 3 * 2)) / k2 ** 2)
    assert result["cronbach_alpha"] is None  # one slot: alpha needs two


def test_constant_slot_has_zero_weight_and_no_discrimination():
    result = item_statistics([[1, 1, 0], [1, 0, 1], [1, 1, 1], [1, 0, 0]], [1, 1, 1])
    constant = result["items"][0]
    assert constant["facility"] == 1.0 and constant["sd"] == 0.0
    assert constant["discrimination_index"] is None and constant["discriminative_efficiency"] is None
    assert constant["effective_weight"] == 0.0


def test_one_attempt_does_not_crash():
    result = item_statistics([[1, 0.5]], [1, 1])
    assert result["items"][0]["facility"] == 1.0 and result["items"][0]["sd"] is None
    assert result["test"]["mean"] == 1.5 and result["test"]["sd"] is None and result["test"]["cronbach_alpha"] is None


def test_no_attempts_and_zero_max():
    assert item_statistics([], [1, 1])["test"]["mean"] is None
    assert item_statistics([[0], [0]], [0])["items"][0]["facility"] is None


def test_negative_alpha_gives_error_ratio_over_100():
    # Two items that disagree perfectly: item variances exceed the total variance.
    result = item_statistics([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1]], [1, 1])["test"]
    assert result["cronbach_alpha"] < 0 and result["error_ratio"] > 100
    assert result["standard_error"] == pytest.approx(result["error_ratio"] * result["sd"] / 100)


def test_ragged_rows_are_refused():
    with pytest.raises(ValueError):
        item_statistics([[1, 0], [1]], [1, 1])


@given(st.lists(st.lists(st.sampled_from([0, 0.25, 0.5, 1]), min_size=3, max_size=3), min_size=0, max_size=30))
def test_never_crashes_and_stays_in_range(marks):
    result = item_statistics(marks, [1, 1, 1])
    for item in result["items"]:
        if item["facility"] is not None:
            assert 0 <= item["facility"] <= 1
        if item["discrimination_index"] is not None:
            assert -100.0001 <= item["discrimination_index"] <= 100.0001
    values = [v for v in result["test"].values() if v is not None]
    assert all(math.isfinite(v) for v in values)
