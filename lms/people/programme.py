"""Subjects of the 2018 general education programme (TT 32/2018, amended by TT 13/2022).

Periods per year by grade and the assessment kind come from domain/assessment.md §5. Schools add
these in one action and may edit the copies they get.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProgrammeSubject:
    level: str
    code: str
    name: str
    assessment: str  # "score" | "comment"
    periods: dict[int, int]
    elective: bool = False
    test_grades: frozenset[int] = field(default_factory=frozenset)  # primary periodic tests


def _same(grades: range, periods: int) -> dict[int, int]:
    return {g: periods for g in grades}


P, L, U = range(1, 6), range(6, 10), range(10, 13)

CATALOG: tuple[ProgrammeSubject, ...] = (
    # Primary (TT27): every subject rated by comment; some carry periodic tests.
    ProgrammeSubject("TH", "tieng_viet", "Tiếng Việt", "comment", {1: 420, 2: 350, 3: 245, 4: 245, 5: 245},
                     test_grades=frozenset(P)),
    ProgrammeSubject("TH", "toan", "Toán", "comment", {1: 105, 2: 175, 3: 175, 4: 175, 5: 175},
                     test_grades=frozenset(P)),
    ProgrammeSubject("TH", "ngoai_ngu_1", "Ngoại ngữ 1", "comment", _same(range(3, 6), 140),
                     test_grades=frozenset(range(3, 6))),
    ProgrammeSubject("TH", "dao_duc", "Đạo đức", "comment", _same(P, 35)),
    ProgrammeSubject("TH", "tn_xh", "Tự nhiên và Xã hội", "comment", _same(range(1, 4), 70)),
    ProgrammeSubject("TH", "ls_dl", "Lịch sử và Địa lí", "comment", _same(range(4, 6), 70),
                     test_grades=frozenset(range(4, 6))),
    ProgrammeSubject("TH", "khoa_hoc", "Khoa học", "comment", _same(range(4, 6), 70),
                     test_grades=frozenset(range(4, 6))),
    ProgrammeSubject("TH", "tin_cn", "Tin học và Công nghệ", "comment", _same(range(3, 6), 70),
                     test_grades=frozenset(range(3, 6))),
    ProgrammeSubject("TH", "gdtc", "Giáo dục thể chất", "comment", _same(P, 70)),
    ProgrammeSubject("TH", "nghe_thuat", "Nghệ thuật (Âm nhạc, Mĩ thuật)", "comment", _same(P, 70)),
    ProgrammeSubject("TH", "hdtn", "Hoạt động trải nghiệm", "comment", _same(P, 105)),
    # Lower secondary (TT22): 8 score subjects, 4 comment subjects.
    ProgrammeSubject("THCS", "ngu_van", "Ngữ văn", "score", _same(L, 140)),
    ProgrammeSubject("THCS", "toan", "Toán", "score", _same(L, 140)),
    ProgrammeSubject("THCS", "khtn", "Khoa học tự nhiên", "score", _same(L, 140)),
    ProgrammeSubject("THCS", "ngoai_ngu_1", "Ngoại ngữ 1", "score", _same(L, 105)),
    ProgrammeSubject("THCS", "ls_dl", "Lịch sử và Địa lí", "score", _same(L, 105)),
    ProgrammeSubject("THCS", "gdcd", "Giáo dục công dân", "score", _same(L, 35)),
    ProgrammeSubject("THCS", "tin_hoc", "Tin học", "score", _same(L, 35)),
    ProgrammeSubject("THCS", "cong_nghe", "Công nghệ", "score", {6: 35, 7: 35, 8: 52, 9: 52}),
    ProgrammeSubject("THCS", "gdtc", "Giáo dục thể chất", "comment", _same(L, 70)),
    ProgrammeSubject("THCS", "nghe_thuat", "Nghệ thuật", "comment", _same(L, 70)),
    ProgrammeSubject("THCS", "hdtn_hn", "Hoạt động trải nghiệm, hướng nghiệp", "comment", _same(L, 105)),
    ProgrammeSubject("THCS", "gddp", "Nội dung giáo dục của địa phương", "comment", _same(L, 35)),
    # Upper secondary (TT22): compulsory subjects plus four electives.
    ProgrammeSubject("THPT", "ngu_van", "Ngữ văn", "score", _same(U, 105)),
    ProgrammeSubject("THPT", "toan", "Toán", "score", _same(U, 105)),
    ProgrammeSubject("THPT", "ngoai_ngu_1", "Ngoại ngữ 1", "score", _same(U, 105)),
    ProgrammeSubject("THPT", "lich_su", "Lịch sử", "score", _same(U, 52)),
    ProgrammeSubject("THPT", "gdqp_an", "Giáo dục quốc phòng và an ninh", "score", _same(U, 35)),
    ProgrammeSubject("THPT", "dia_li", "Địa lí", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "gd_ktpl", "Giáo dục kinh tế và pháp luật", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "vat_li", "Vật lí", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "hoa_hoc", "Hóa học", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "sinh_hoc", "Sinh học", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "cong_nghe", "Công nghệ", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "tin_hoc", "Tin học", "score", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "am_nhac", "Âm nhạc", "comment", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "mi_thuat", "Mĩ thuật", "comment", _same(U, 70), elective=True),
    ProgrammeSubject("THPT", "gdtc", "Giáo dục thể chất", "comment", _same(U, 70)),
    ProgrammeSubject("THPT", "hdtn_hn", "Hoạt động trải nghiệm, hướng nghiệp", "comment", _same(U, 105)),
    ProgrammeSubject("THPT", "gddp", "Nội dung giáo dục của địa phương", "comment", _same(U, 35)),
)


def subjects_for_level(level: str) -> list[ProgrammeSubject]:
    return [s for s in CATALOG if s.level == level]


_RANK = {(s.level, s.code): i for i, s in enumerate(CATALOG)}


def programme_rank(level: str, code: str) -> int:
    """Where a subject comes in the programme's own order (Ngữ văn, Toán, …), the order of the
    grade book and the report card; subjects a school added come last."""
    return _RANK.get((level, code), len(CATALOG))
