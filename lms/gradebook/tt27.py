"""Assessment of primary pupils by Thông tư 27/2020/TT-BGDĐT (pure functions, CONTRACTS.md)."""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

HOAN_THANH_TOT, HOAN_THANH, CHUA_HOAN_THANH = "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"
SUBJECT_LEVELS = (CHUA_HOAN_THANH, HOAN_THANH, HOAN_THANH_TOT)
TOT, DAT, CAN_CO_GANG = "Tốt", "Đạt", "Cần cố gắng"
QUALITY_LEVELS = (CAN_CO_GANG, DAT, TOT)

HTXS, HTT, HT, CHT = "Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"


@dataclass(frozen=True)
class Rules:
    basis: str
    excellent_test: int = 9
    good_test: int = 7
    pass_test: int = 5
    # Periodic tests: at the end of term I and of the year in every tested subject; grades 4–5 also
    # mid-term I and mid-term II in Tiếng Việt and Toán (Điều 7).
    mid_test_grades: tuple[int, ...] = (4, 5)
    mid_test_subjects: tuple[str, ...] = ("tieng_viet", "toan")


TT27_2020 = Rules(basis="TT27/2020")
CURRENT = TT27_2020

CHECKPOINTS = ("gk1", "ck1", "gk2", "cn")  # mid-term I, end of term I, mid-term II, end of year
# Codes of the 5 qualities, 3 general and 7 specific competences (labels live with the pages).
QUALITIES = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
GENERAL_COMPETENCES = ("tu_chu", "giao_tiep", "gqvd")
SPECIFIC_COMPETENCES = ("ngon_ngu", "tinh_toan", "khoa_hoc", "cong_nghe", "tin_hoc", "tham_mi", "the_chat")
COMPETENCES = GENERAL_COMPETENCES + SPECIFIC_COMPETENCES


def has_test(subject_code: str, grade: int, tested_subject: bool, checkpoint: str, rules: Rules = CURRENT) -> bool:
    """Whether a periodic test is taken in this subject at this checkpoint."""
    if not tested_subject:
        return False
    if checkpoint in ("ck1", "cn"):
        return True
    return grade in rules.mid_test_grades and subject_code in rules.mid_test_subjects


def _levels(values: Mapping[str, str], allowed: tuple[str, ...], what: str) -> list[str]:
    out = []
    for name, value in values.items():
        level = unicodedata.normalize("NFC", str(value)).strip()
        if level not in allowed:
            raise ValueError(f"{what}[{name!r}]: unknown level {value!r}; expected one of {', '.join(allowed)}")
        out.append(level)
    return out


def periodic_test_score(value: int, what: str = "test score") -> int:
    """A periodic test score: a whole number from 1 to 10 (no 0, no decimals)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{what}: a whole number from 1 to 10, got {value!r}")
    if not 1 <= value <= 10:
        raise ValueError(f"{what}: a whole number from 1 to 10, got {value!r}")
    return value


def year_result(subjects: Mapping[str, str], test_scores: Mapping[str, int], qualities: Mapping[str, str],
                competences: Mapping[str, str], rules: Rules = CURRENT) -> str:
    """The year result (Điều 9.2) from end-of-year levels and end-of-year test scores."""
    subject_levels = _levels(subjects, SUBJECT_LEVELS, "subjects")
    personal = _levels(qualities, QUALITY_LEVELS, "qualities") + _levels(competences, QUALITY_LEVELS, "competences")
    tests = [periodic_test_score(v, f"test_scores[{name!r}]") for name, v in test_scores.items()]
    all_good = all(level == HOAN_THANH_TOT for level in subject_levels) and all(level == TOT for level in personal)
    if all_good and all(t >= rules.excellent_test for t in tests):
        return HTXS
    if all_good and all(t >= rules.good_test for t in tests):
        return HTT
    if all(level != CHUA_HOAN_THANH for level in subject_levels) and all(level != CAN_CO_GANG for level in personal) \
            and all(t >= rules.pass_test for t in tests):
        return HT
    return CHT
