"""The question types (domain/exams.md §1): one class per type in this package, each owning its
editor form, its checks, its layout and shuffle, what the pupil's page may see, how a response is
read and graded, its right answer in words, its import and export and its printing. The registry
`TYPES` maps a type's code to its class; code elsewhere asks the class, never tests the code.

| type | class |
|---|---|
| single_choice, multiple_choice | `choice.SingleChoice`, `choice.MultipleChoice` |
| true_false, tf_cluster | `truefalse.TrueFalse`, `truefalse.TfCluster` |
| short_answer, numerical | `text.ShortAnswer`, `text.Numerical` |
| matching | `matching.Matching` |
| essay, description | `essay.Essay`, `essay.Description` |
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from lms.core.errors import ValidationError
from lms.exams.qtypes.base import MAX_TEXT, ONE, QuestionType, ResponseError, inline, new_id
from lms.exams.qtypes.choice import MultipleChoice, SingleChoice
from lms.exams.qtypes.essay import Description, Essay
from lms.exams.qtypes.matching import Matching
from lms.exams.qtypes.text import Numerical, ShortAnswer, parse_number
from lms.exams.qtypes.truefalse import DEFAULT_STEPS, TfCluster, TrueFalse
from lms.i18n import lazy_gettext as _l

TYPES: dict[str, type[QuestionType]] = {cls.code: cls for cls in (
    SingleChoice, MultipleChoice, TrueFalse, TfCluster, ShortAnswer, Numerical, Matching, Essay, Description)}
LEVELS = {1: _l("Nhận biết"), 2: _l("Thông hiểu"), 3: _l("Vận dụng"), 4: _l("Vận dụng cao")}


def qtype(code: str) -> type[QuestionType]:
    if code not in TYPES:
        raise ValidationError(_l("Loại câu hỏi không hợp lệ."), field="qtype")
    return TYPES[code]


def grade(code: str, data: Mapping, response) -> Decimal | None:
    """The fraction earned, or None when a teacher must mark it."""
    return TYPES[code].grade(dict(data), response)


def mark_e4(fraction: Decimal, max_e4: int) -> int:
    """A slot's mark in ten-thousandths, rounded half up."""
    return int((fraction * max_e4).quantize(ONE, rounding=ROUND_HALF_UP))


def from_imported(question) -> tuple[str, dict, str, str]:
    """(qtype, data, text, general feedback) of an `ImportedQuestion` (GIFT, Aiken, Word)."""
    cls = qtype(question.qtype)
    data = cls.from_imported(question)
    cls.check(data)
    return cls.code, data, question.text, question.general_feedback or ""


__all__ = ["TYPES", "LEVELS", "DEFAULT_STEPS", "MAX_TEXT", "QuestionType", "ResponseError", "from_imported", "grade",
           "inline", "mark_e4", "new_id", "parse_number", "qtype"]
