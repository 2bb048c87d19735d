"""Assessment of lower and upper secondary pupils by Thông tư 22/2021/TT-BGDĐT.

Pure functions (contract in CONTRACTS.md). Every threshold lives in a rule set keyed by its
legal basis, so a closed year can be recomputed under the rules it was computed with; the
contract functions use the current rule set, TT22/2021.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lms.gradebook.scores import round_score, to_score

TOT, KHA, DAT, CHUA_DAT = "Tốt", "Khá", "Đạt", "Chưa đạt"
LEVELS = (CHUA_DAT, DAT, KHA, TOT)  # ascending
RANK = {level: i for i, level in enumerate(LEVELS)}

LEN_LOP = "Lên lớp"
KIEM_TRA_LAI = "Kiểm tra lại"
REN_LUYEN_HE = "Rèn luyện trong kỳ nghỉ hè"
KIEM_TRA_LAI_VA_REN_LUYEN = "Kiểm tra lại và rèn luyện trong kỳ nghỉ hè"
O_LAI_LOP = "Ở lại lớp"

XUAT_SAC = "Học sinh Xuất sắc"
GIOI = "Học sinh Giỏi"


@dataclass(frozen=True)
class Rules:
    """The thresholds of one legal text. Amendments become a new instance, never an edit."""

    basis: str
    midterm_weight: int = 2
    final_weight: int = 3
    semester2_weight: int = 2
    tot_floor: Decimal = Decimal("6.5")
    tot_high: Decimal = Decimal("8.0")
    kha_floor: Decimal = Decimal("5.0")
    kha_high: Decimal = Decimal("6.5")
    dat_high: Decimal = Decimal("5.0")
    dat_floor: Decimal = Decimal("3.5")
    high_count: int = 6
    dat_max_failed_comments: int = 1
    max_absent_sessions: int = 45
    excellent_score: Decimal = Decimal("9.0")
    excellent_count: int = 6
    # Regular assessments (ĐĐGtx) per semester (Điều 7): comment subjects have a fixed count;
    # score subjects step up with the periods per year — (up to N periods, count), then the rest.
    regular_comment: int = 2
    regular_steps: tuple[tuple[int, int], ...] = ((35, 2), (70, 3))
    regular_max: int = 4


TT22_2021 = Rules(basis="TT22/2021")
CURRENT = TT22_2021


def regular_count(periods_per_year: int | None, comment_assessed: bool, rules: Rules = CURRENT) -> int:
    """How many regular assessments a subject records per semester (Điều 7)."""
    if comment_assessed:
        return rules.regular_comment
    for limit, count in rules.regular_steps:
        if periods_per_year is None or periods_per_year <= limit:
            return count
    return rules.regular_max


def comment_semester(marks: Sequence[bool | None], required: int) -> bool | None:
    """A comment subject's semester: Đạt (True) when every required assessment (the regular ones,
    midterm and final) was taken and each is Đạt; None while some are missing (Điều 9.1)."""
    taken = [m for m in marks if m is not None]
    if len(taken) < required:
        return False if any(m is False for m in taken) else None
    return all(taken)

# Year conduct from the two semesters (Điều 8): rows semester II, columns semester I.
_CONDUCT_YEAR = {
    TOT: {TOT: TOT, KHA: TOT, DAT: KHA, CHUA_DAT: KHA},
    KHA: {TOT: KHA, KHA: KHA, DAT: KHA, CHUA_DAT: DAT},
    DAT: {TOT: KHA, KHA: DAT, DAT: DAT, CHUA_DAT: DAT},
    CHUA_DAT: {TOT: CHUA_DAT, KHA: CHUA_DAT, DAT: CHUA_DAT, CHUA_DAT: CHUA_DAT},
}


def _level(value: str, what: str) -> str:
    level = unicodedata.normalize("NFC", str(value)).strip()
    if level not in RANK:
        raise ValueError(f"{what}: unknown level {value!r}; expected one of {', '.join(LEVELS)}")
    return level


def semester_average(regular: Sequence[Decimal | str | int | float], midterm: Decimal | str | int | float,
                     final: Decimal | str | int | float, rules: Rules = CURRENT) -> Decimal:
    """ĐTBmhk = (Σ regular + 2 × midterm + 3 × final) / (number of regular + 5), half-up, one decimal."""
    if isinstance(regular, (str, bytes)) or not len(regular):
        raise ValueError("regular: at least one regular assessment score is needed")
    tx = [to_score(v, what="regular") for v in regular]
    gk, ck = to_score(midterm, what="midterm"), to_score(final, what="final")
    total = sum(tx, Decimal(0)) + rules.midterm_weight * gk + rules.final_weight * ck
    return round_score(total / (len(tx) + rules.midterm_weight + rules.final_weight))


def year_average(semester1: Decimal | str | int | float, semester2: Decimal | str | int | float,
                 rules: Rules = CURRENT) -> Decimal:
    """ĐTBmcn = (semester I + 2 × semester II) / 3 from the already rounded semester averages."""
    s1, s2 = to_score(semester1, what="semester1"), to_score(semester2, what="semester2")
    return round_score((s1 + rules.semester2_weight * s2) / (1 + rules.semester2_weight))


def _base_level(scores: list[Decimal], comments: list[bool], rules: Rules) -> str:
    """The level from Điều 9.2's table, before the one-level raise."""
    all_comments = all(comments)
    if all_comments and all(s >= rules.tot_floor for s in scores) and \
            sum(s >= rules.tot_high for s in scores) >= rules.high_count:
        return TOT
    if all_comments and all(s >= rules.kha_floor for s in scores) and \
            sum(s >= rules.kha_high for s in scores) >= rules.high_count:
        return KHA
    if sum(not c for c in comments) <= rules.dat_max_failed_comments and \
            sum(s >= rules.dat_high for s in scores) >= rules.high_count and all(s >= rules.dat_floor for s in scores):
        return DAT
    return CHUA_DAT


@dataclass(frozen=True)
class LearningResult:
    level: str
    base: str
    culprit: str | None  # the single subject whose result alone lowered the level (Điều 9.3)


def assess_learning(scores: Mapping[str, Decimal | str | int | float], comments: Mapping[str, bool],
                    rules: Rules = CURRENT) -> LearningResult:
    """The learning level with its audit trail: base level, and the subject that caused a raise."""
    values = {name: to_score(v, what=f"scores[{name!r}]") for name, v in scores.items()}
    passed = {}
    for name, value in comments.items():
        if not isinstance(value, bool):
            raise ValueError(f"comments[{name!r}]: expected True (Đạt) or False (Chưa đạt), got {value!r}")
        passed[name] = value
    base = _base_level(list(values.values()), list(passed.values()), rules)
    culprits = []
    for name in [*values, *passed]:
        without_scores = [v for n, v in values.items() if n != name]
        without_comments = [c for n, c in passed.items() if n != name]
        if RANK[_base_level(without_scores, without_comments, rules)] - RANK[base] >= 2:
            culprits.append(name)
    if len(culprits) == 1:
        return LearningResult(LEVELS[RANK[base] + 1], base, culprits[0])
    return LearningResult(base, base, None)


def learning_result(scores: Mapping[str, Decimal], comments: Mapping[str, bool], rules: Rules = CURRENT) -> str:
    """"Tốt", "Khá", "Đạt" or "Chưa đạt" (Điều 9.2), including the one-level raise of Điều 9.3."""
    return assess_learning(scores, comments, rules).level


def conduct_year(semester1: str, semester2: str) -> str:
    """Year conduct from semester I and semester II conduct (Điều 8)."""
    return _CONDUCT_YEAR[_level(semester2, "semester2")][_level(semester1, "semester1")]


def promotion(conduct: str, learning: str, absent_sessions: int, rules: Rules = CURRENT) -> str:
    """Promotion decision at the end of the year (Điều 12–14)."""
    conduct, learning = _level(conduct, "conduct"), _level(learning, "learning")
    if isinstance(absent_sessions, bool) or not isinstance(absent_sessions, int) or absent_sessions < 0:
        raise ValueError(f"absent_sessions: a whole number of sessions ≥ 0, got {absent_sessions!r}")
    if absent_sessions > rules.max_absent_sessions:
        return O_LAI_LOP
    conduct_ok, learning_ok = RANK[conduct] >= RANK[DAT], RANK[learning] >= RANK[DAT]
    if conduct_ok and learning_ok:
        return LEN_LOP
    if conduct_ok:
        return KIEM_TRA_LAI
    if learning_ok:
        return REN_LUYEN_HE
    return KIEM_TRA_LAI_VA_REN_LUYEN


def award(conduct: str, learning: str, scores: Mapping[str, Decimal], rules: Rules = CURRENT) -> str | None:
    """"Học sinh Xuất sắc", "Học sinh Giỏi" or None (Điều 15)."""
    conduct, learning = _level(conduct, "conduct"), _level(learning, "learning")
    if conduct != TOT or learning != TOT:
        return None
    values = [to_score(v, what=f"scores[{name!r}]") for name, v in scores.items()]
    if sum(v >= rules.excellent_score for v in values) >= rules.excellent_count:
        return XUAT_SAC
    return GIOI
