"""Marks are written as the reader writes them: "8,5" in Vietnamese, "8.5" in English — as the
grade book already showed them in English (lms.core.numbers.local_decimal, used by the exams)."""
from decimal import Decimal

from lms.core.numbers import local_decimal
from lms.exams.bank import e4_text


def test_a_mark_follows_the_readers_language():
    assert [local_decimal(Decimal("8.5"), lang) for lang in ("vi", "en", None)] == ["8,5", "8.5", "8,5"]
    assert local_decimal(Decimal("9"), "en", 1) == "9.0" and local_decimal(7, "vi") == "7"
    assert local_decimal(None, "en") == ""
    assert [e4_text(2500, lang) for lang in ("vi", "en")] == ["0,25", "0.25"]
    assert e4_text(100000, "en") == "10" and e4_text(None) == ""
