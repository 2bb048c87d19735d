"""A share printed beside its target agrees with the verdict: 250/1670 = 14,97 % is "chưa đạt"
against 15 %, so it never prints "15,0 %" (one decimal, rounded half up) beside it."""
from __future__ import annotations

from decimal import Decimal

from lms.core.numbers import reaches, share_text


def test_a_share_just_below_its_target_shows_the_places_that_tell_them_apart():
    assert reaches(250, 1670, 15) is False
    assert share_text(250, 1670, Decimal("15.0")) == "14,97 %"
    assert share_text(24999, 166670, 15) == "14,999 %"


def test_otherwise_one_decimal():
    assert share_text(250, 1670) == "15,0 %"                 # no target: nothing to agree with
    assert share_text(1503, 10000, 15) == "15,0 %"           # reached: 15,03 % prints 15,0 % — đạt
    assert share_text(100, 1000, 15) == "10,0 %"
    assert share_text(0, 0, 15) == "—"
