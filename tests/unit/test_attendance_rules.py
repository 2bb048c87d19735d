"""What a day's marks mean for the sessions absent the grade book counts."""
from datetime import date

import pytest

from lms.attendance import rules

D1, D2, D3 = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


@pytest.mark.parametrize("whole, taken, periods, expected", [
    ("K", True, [], "K"),
    ("P", True, [None, "K"], "P"),          # the whole-day register decides
    ("M", True, ["K", "K"], None),          # late is not absent
    (None, True, ["K"], None),              # present on the whole-day register
    (None, False, ["K", "K", "P"], "K"),    # missed every period, one without permission
    (None, False, ["P", "P"], "P"),
    (None, False, ["K", None], None),       # came for part of the day: not a session missed
    (None, False, ["K", "M"], None),
    (None, False, [], None),                # nothing taken that day
])
def test_day_absence(whole, taken, periods, expected):
    assert rules.day_absence(whole, taken, periods) == expected


def test_totals_count_sessions_not_registers():
    taken = [(D1, 0), (D1, 1), (D1, 2), (D2, 1), (D2, 2), (D3, 0)]
    records = [(D1, 0, "K"), (D1, 1, "K"), (D1, 2, "K"),      # one session, however many registers
               (D2, 1, "P"), (D2, 2, "P"),                     # every period of the day: one session
               (D3, 0, "M")]
    t = rules.totals(records, taken)
    assert (t.excused, t.unexcused, t.late, t.periods_missed, t.absent) == (1, 1, 1, 4, 2)


def test_totals_of_a_pupil_always_present_are_zero():
    assert rules.totals([], [(D1, 0), (D2, 3)]) == rules.Totals()
