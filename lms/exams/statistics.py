"""Item analysis of an exam, with the formulas of Moodle's quiz statistics (domain/exams.md §16).

`marks[a][i]` is attempt a's mark on slot i. Every (co)variance divides by s − 1. A statistic that
the data cannot define is None, never an exception: one attempt, constant scores and negative
reliability are all legal inputs.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _cov(x: Sequence[float], y: Sequence[float]) -> float | None:
    s = len(x)
    if s < 2:
        return None
    mx, my = _mean(x), _mean(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / (s - 1)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _clean(v: float | None) -> float | None:
    """Rounding noise must not turn an exact zero into a tiny non-zero (Σ(x − x̄)² of a constant)."""
    return None if v is None else (0.0 if abs(v) < 1e-12 else v)


def item_statistics(marks: Sequence[Sequence[float]], max_marks: Sequence[float]) -> dict:
    s, p = len(marks), len(max_marks)
    for a, row in enumerate(marks):
        if len(row) != p:
            raise ValueError(f"attempt {a} has {len(row)} marks for {p} slots")
    columns = [[float(row[i]) for row in marks] for i in range(p)]
    totals = [sum(float(v) for v in row) for row in marks]

    covariances_t = [_clean(_cov(x, totals)) for x in columns]
    positive_roots = sum(math.sqrt(c) for c in covariances_t if c is not None and c >= 0)
    items = []
    for i, x in enumerate(columns):
        top = float(max_marks[i])
        rest = [t - v for t, v in zip(totals, x)]
        vx, vrest = _clean(_cov(x, x)), _clean(_cov(rest, rest))
        c = _clean(_cov(x, rest))
        cmax = _clean(_cov(sorted(x), sorted(rest)))
        ct = covariances_t[i]
        items.append({
            "facility": _mean(x) / top if s and top else None,
            "sd": math.sqrt(vx) / top if vx is not None and top else None,
            "discrimination_index": 100 * c / math.sqrt(vx * vrest) if c is not None and vx and vrest else None,
            "discriminative_efficiency": 100 * c / cmax if c is not None and cmax else None,
            "effective_weight": (100 * math.sqrt(ct) / positive_roots
                                 if ct is not None and ct >= 0 and positive_roots else None),
        })

    test: dict[str, float | None] = {key: None for key in (
        "mean", "median", "sd", "standard_error", "skewness", "kurtosis", "cronbach_alpha", "error_ratio")}
    test["attempts"] = s
    if s:
        mean = _mean(totals)
        test["mean"], test["median"] = mean, _median(totals)
        d = [t - mean for t in totals]
        m2, m3, m4 = (sum(v ** k for v in d) / s for k in (2, 3, 4))
        if s >= 2:
            k2 = _clean(s * m2 / (s - 1))
            test["sd"] = math.sqrt(k2)
            if s >= 3 and k2 > 0:
                k3 = s * s * m3 / ((s - 1) * (s - 2))
                test["skewness"] = k3 / k2 ** 1.5
            if s >= 4 and k2 > 0:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                test["kurtosis"] = k4 / (k2 * k2)
            if p >= 2 and k2 > 0:
                item_variance = sum(_cov(x, x) for x in columns)
                cic = 100 * p / (p - 1) * (1 - item_variance / k2)
                test["cronbach_alpha"] = cic
                test["error_ratio"] = 100 * math.sqrt(max(0.0, 1 - cic / 100))  # alpha ≤ 100 up to rounding
                test["standard_error"] = test["error_ratio"] * test["sd"] / 100
    return {"items": items, "test": test}
