"""Which evening homework belongs to, the latest due hour, the limit, the week."""
from datetime import date, datetime, time

import pytest

from lms.courses import homework_rules as rules


@pytest.mark.parametrize("due, evening", [
    (datetime(2026, 12, 7, 20, 0), date(2026, 12, 7)),     # due this evening
    (datetime(2026, 12, 7, 12, 1), date(2026, 12, 7)),
    (datetime(2026, 12, 8, 7, 0), date(2026, 12, 7)),      # due at tomorrow's first lesson: done tonight
    (datetime(2026, 12, 8, 12, 0), date(2026, 12, 7)),
])
def test_evening_of(due, evening):
    assert rules.evening_of(due) == evening


@pytest.mark.parametrize("due, latest, late", [
    (time(20, 0), time(20, 0), False), (time(20, 1), time(20, 0), True), (time(23, 59), time(21, 0), True),
    (time(0, 30), time(21, 0), True), (time(5, 59), time(21, 0), True), (time(6, 0), time(21, 0), False),
    (time(23, 59), None, False),
])
def test_due_too_late(due, latest, late):
    assert rules.due_too_late(due, latest) is late


def test_over_limit():
    assert not rules.over_limit(rules.Load(2, 90), 90)
    assert rules.over_limit(rules.Load(3, 91), 90)
    assert not rules.over_limit(rules.Load(5, 500), None)        # no limit set
    assert rules.over_limit(rules.Load(1, 10), 0)                # no homework that evening
    assert not rules.over_limit(rules.Load(0, 0), 0)
    assert rules.Load(1, 30).plus(20) == rules.Load(2, 50)


def test_week_of():
    week = rules.week_of(date(2026, 12, 10))
    assert week[0] == date(2026, 12, 7) and week[-1] == date(2026, 12, 13) and len(week) == 7


@pytest.mark.parametrize("due, saturday_classes, kind", [
    (datetime(2026, 12, 13, 20, 0), True, "sunday"),           # a Sunday evening, whatever the school
    (datetime(2026, 12, 12, 20, 0), False, "saturday"),        # a Saturday at a school without Saturday classes
    (datetime(2026, 12, 12, 20, 0), True, None),               # … and at one that teaches then
    (datetime(2027, 1, 1, 7, 0), False, "holiday"),            # Tết Dương lịch
    (datetime(2026, 12, 14, 7, 0), False, None),               # Monday's first lesson (done on Sunday evening)
    (datetime(2026, 12, 11, 20, 0), False, None),              # a Friday evening
])
def test_due_day_off(due, saturday_classes, kind):
    off = rules.due_day_off(due, saturday_classes=saturday_classes)
    assert (off[0] if off else None) == kind


def test_due_day_off_reads_the_schools_own_days():
    assert rules.due_day_off(datetime(2026, 12, 15, 20, 0), saturday_classes=False,
                             school_days_off={date(2026, 12, 15): "Nghỉ bù"}) == ("school", "Nghỉ bù")
