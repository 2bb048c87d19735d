"""A pupil's semester and year results from their marks (pure; the contract functions of tt22 and
tt27 do the arithmetic). Services load the marks; this module decides what they add up to, and
says what is missing when they do not add up yet."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lms.gradebook import tt22, tt27

Mark = Decimal | bool | None  # a score, Đạt/Chưa đạt, or not yet entered

CONDUCT_CODES = {"T": tt22.TOT, "K": tt22.KHA, "D": tt22.DAT, "C": tt22.CHUA_DAT}
CONDUCT_OF_LEVEL = {v: k for k, v in CONDUCT_CODES.items()}
SUBJECT_CODES = {"T": tt27.HOAN_THANH_TOT, "H": tt27.HOAN_THANH, "C": tt27.CHUA_HOAN_THANH}
QUALITY_CODES = {"T": tt27.TOT, "D": tt27.DAT, "C": tt27.CAN_CO_GANG}


@dataclass
class TermMarks:
    regular: list[Mark]
    midterm: Mark = None
    final: Mark = None

    def all(self) -> list[Mark]:
        return [*self.regular, self.midterm, self.final]


@dataclass
class SubjectMarks:
    """One subject of one pupil over the year (TT22)."""
    name: str
    comment: bool
    terms: dict[int, TermMarks]
    retest: Mark = None

    def semester(self, term: int, rules: tt22.Rules = tt22.CURRENT) -> Mark:
        marks = self.terms.get(term)
        if marks is None:
            return None
        if self.comment:
            return tt22.comment_semester(marks.all(), len(marks.all()))
        if any(m is None for m in marks.all()):
            return None
        return tt22.semester_average(marks.regular, marks.midterm, marks.final, rules)

    def missing(self, term: int) -> int:
        marks = self.terms.get(term)
        return len(marks.all()) - sum(m is not None for m in marks.all()) if marks else 0

    def year(self, rules: tt22.Rules = tt22.CURRENT) -> Mark:
        """ĐTBmcn from the two rounded semester averages; a comment subject's year is semester II."""
        s2 = self.semester(2, rules)
        if self.comment:
            return s2
        s1 = self.semester(1, rules)
        if s1 is None or s2 is None:
            return None
        return tt22.year_average(s1, s2, rules)


def split_results(results: Mapping[str, Mark], comments: Mapping[str, bool]
                  ) -> tuple[dict[str, Decimal], dict[str, bool]] | None:
    """Separate score and comment results for the contract functions; None when one is missing."""
    scores, passed = {}, {}
    for name, value in results.items():
        if value is None:
            return None
        if comments[name]:
            passed[name] = bool(value)
        else:
            scores[name] = value
    return scores, passed


def learning(results: Mapping[str, Mark], comments: Mapping[str, bool],
             rules: tt22.Rules = tt22.CURRENT) -> tt22.LearningResult | None:
    parts = split_results(results, comments)
    if parts is None or not results:
        return None
    return tt22.assess_learning(parts[0], parts[1], rules)


@dataclass
class YearOutcome:
    """The end of a TT22 year: conduct, learning, the decision, and what re-tests or summer
    training changed (Điều 12–14)."""
    conduct: str | None                 # year conduct before summer training
    learning: tt22.LearningResult | None
    absences: int
    decision: str | None                # promotion() on the year results
    retest_subjects: list[str] = field(default_factory=list)
    needs_training: bool = False
    conduct_after: str | None = None    # after summer training, when recorded
    learning_after: tt22.LearningResult | None = None  # after re-tests, when all are recorded
    final: str | None = None            # Lên lớp / Ở lại lớp once every remedy is recorded
    award: str | None = None

    @property
    def pending(self) -> bool:
        return self.decision is not None and self.final is None


def year_outcome(subjects: Sequence[SubjectMarks], conduct1: str | None, conduct2: str | None, absences: int,
                 summer_conduct: str | None = None, rules: tt22.Rules = tt22.CURRENT) -> YearOutcome:
    """Everything the class summary and the report card show for one pupil's year. Levels are
    tt22's strings ("Tốt", …); None wherever marks are still missing."""
    comments = {s.name: s.comment for s in subjects}
    years = {s.name: s.year(rules) for s in subjects}
    conduct = tt22.conduct_year(conduct1, conduct2) if conduct1 and conduct2 else None
    result = learning(years, comments, rules)
    out = YearOutcome(conduct, result, absences, None)
    if conduct is None or result is None:
        return out
    out.decision = tt22.promotion(conduct, result.level, absences, rules)
    if out.decision == tt22.LEN_LOP:
        out.final = tt22.LEN_LOP
        parts = split_results(years, comments)
        out.award = tt22.award(conduct, result.level, parts[0], rules)
        return out
    if out.decision == tt22.O_LAI_LOP:
        out.final = tt22.O_LAI_LOP
        return out
    out.needs_training = out.decision in (tt22.REN_LUYEN_HE, tt22.KIEM_TRA_LAI_VA_REN_LUYEN)
    retest = out.decision in (tt22.KIEM_TRA_LAI, tt22.KIEM_TRA_LAI_VA_REN_LUYEN)
    if retest:
        out.retest_subjects = [s.name for s in subjects
                               if (s.comment and years[s.name] is False) or
                               (not s.comment and years[s.name] < rules.dat_high)]
    effective_conduct = conduct
    if out.needs_training:
        if summer_conduct is None:
            return out
        out.conduct_after = effective_conduct = summer_conduct
        if tt22.RANK[summer_conduct] < tt22.RANK[tt22.DAT]:
            out.final = tt22.O_LAI_LOP  # still Chưa đạt after training: retained, no re-test
            return out
    effective_learning = result
    if retest:
        by_name = {s.name: s for s in subjects}
        if any(by_name[name].retest is None for name in out.retest_subjects):
            return out
        replaced = {**years, **{name: by_name[name].retest for name in out.retest_subjects}}
        out.learning_after = effective_learning = learning(replaced, comments, rules)
    ok = tt22.RANK[effective_conduct] >= tt22.RANK[tt22.DAT] and \
        tt22.RANK[effective_learning.level] >= tt22.RANK[tt22.DAT]
    out.final = tt22.LEN_LOP if ok else tt22.O_LAI_LOP
    return out


# ---------------------------------------------------------------- primary (TT27)

@dataclass
class PrimarySubject:
    name: str
    level: str | None          # T | H | C at the year checkpoint
    test: int | None
    has_test: bool


def primary_year(subjects: Sequence[PrimarySubject], qualities: Mapping[str, str | None],
                 competences: Mapping[str, str | None], rules: tt27.Rules = tt27.CURRENT) -> str | None:
    """TT27's year result, or None while a level or a test score is missing."""
    if not subjects or any(s.level is None or (s.has_test and s.test is None) for s in subjects):
        return None
    if any(v is None for v in (*qualities.values(), *competences.values())):
        return None
    return tt27.year_result({s.name: SUBJECT_CODES[s.level] for s in subjects},
                            {s.name: s.test for s in subjects if s.has_test},
                            {k: QUALITY_CODES[v] for k, v in qualities.items()},
                            {k: QUALITY_CODES[v] for k, v in competences.items()}, rules)


def primary_award(result: str | None) -> str | None:
    """Điều 13: "Học sinh Xuất sắc" for Hoàn thành xuất sắc (the class may propose others)."""
    return tt22.XUAT_SAC if result == tt27.HTXS else None
