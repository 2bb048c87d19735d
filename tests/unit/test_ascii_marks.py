"""Marks, test scores, absences and numbers accept ASCII digits only: Python's \\d and isdigit()
also take the Arabic-Indic "٨" (and other scripts' digits) as 8, which a teacher never types on
purpose — it is refused with the field's own message, not stored as 8,0."""
from __future__ import annotations

import pytest

from lms.core.errors import ValidationError
from lms.core.numbers import parse_amount, parse_decimal
from lms.gradebook.book import CellError, parse_score
from lms.gradebook.homeroom import parse_sessions
from lms.gradebook.primary import parse_test


@pytest.mark.parametrize("text", ["٨", "٨,٥", "８", "৮", "7.٥"])
def test_other_scripts_digits_are_not_marks(text):
    with pytest.raises(CellError):
        parse_score(text)
    with pytest.raises(CellError):
        parse_test(text)
    with pytest.raises(CellError):
        parse_sessions(text)
    with pytest.raises(ValidationError):
        parse_decimal(text)
    with pytest.raises(ValidationError):
        parse_amount(text)


def test_ascii_digits_still_are():
    assert (parse_score("8"), parse_score("8,5"), parse_test("8"), parse_sessions("3")) == (80, 85, 8, 3)
