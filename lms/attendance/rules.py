"""What a day's attendance marks mean for the totals the grade book counts — free of the
database.

The grade book and the report card count sessions absent (buổi nghỉ), with and without
permission. A school takes attendance once a day (the homeroom teacher, period 0) or period by
period (each subject teacher), or both. For one pupil and one day:

- when a whole-day register was taken, it decides: absent with permission, absent without, or
  not absent (present or late);
- otherwise the period registers of that day decide: the pupil missed the session only when
  absent from every period taken that day; the session is without permission when any of those
  absences was;
- late never counts as absent.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

EXCUSED, UNEXCUSED, LATE = "P", "K", "M"
ABSENT = (EXCUSED, UNEXCUSED)


def day_absence(whole_day: str | None, whole_day_taken: bool, periods: list[str | None]) -> str | None:
    """The pupil's session that day: "P", "K" or None (not absent). `whole_day` is the pupil's mark
    on the day's whole-day register (None: present), `periods` their mark on each period register
    taken that day (None: present)."""
    if whole_day_taken:
        return whole_day if whole_day in ABSENT else None
    if not periods or any(p not in ABSENT for p in periods):
        return None
    return UNEXCUSED if UNEXCUSED in periods else EXCUSED


@dataclass(frozen=True)
class Totals:
    excused: int = 0
    unexcused: int = 0
    late: int = 0          # days with at least one late mark
    periods_missed: int = 0

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused


def totals(records: Iterable[tuple[date, int, str | None]], taken: Iterable[tuple[date, int]]) -> Totals:
    """One pupil's totals over some days. `taken` lists every (day, period) register of the
    pupil's class in those days; `records` the pupil's marks on them as (day, period, mark)."""
    registers: dict[date, set[int]] = {}
    for day, period in taken:
        registers.setdefault(day, set()).add(period)
    marks: dict[tuple[date, int], str] = {(d, p): m for d, p, m in records if m}
    excused = unexcused = late = periods_missed = 0
    for day, periods in registers.items():
        period_marks = [marks.get((day, p)) for p in sorted(periods) if p != 0]
        outcome = day_absence(marks.get((day, 0)), 0 in periods, period_marks)
        excused += outcome == EXCUSED
        unexcused += outcome == UNEXCUSED
        late += any(marks.get((day, p)) == LATE for p in periods)
        periods_missed += sum(1 for m in period_marks if m in ABSENT)
    return Totals(excused, unexcused, late, periods_missed)


# ---------------------------------------------------------------- school days

SUNDAY, SATURDAY, HOLIDAY, SCHOOL_OFF = "sunday", "saturday", "holiday", "school"


@functools.lru_cache(maxsize=32)
def _public_holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language=language).items())


class HolidayName:
    """A public holiday's name, said in the language of whoever reads it, when it is shown (the
    `holidays` package names Vietnam's holidays in Vietnamese and in English). A name fixed in
    one language when the refusal was made came out Vietnamese in the English interface wherever
    a caller forgot to pass the language."""

    __slots__ = ("day",)

    def __init__(self, day: date) -> None:
        self.day = day

    def __str__(self) -> str:
        from lms.i18n import current_locale

        language = "en_US" if current_locale().startswith("en") else "vi"
        return _public_holidays(self.day.year, language)[self.day]

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.day)


def public_holiday(day: date) -> HolidayName | None:
    return HolidayName(day) if day in _public_holidays(day.year, "vi") else None


def day_off(day: date, *, saturday_classes: bool, school_days_off: Mapping[date, str] | None = None
            ) -> tuple[str, object] | None:
    """Why no school sits on `day`, or None: ("holiday", its name) for Vietnam's public holidays
    and the days given in their place (Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh…, as the
    `holidays` package keeps them; the name a HolidayName, said in the reader's language);
    ("school", the reason) for a day the school itself declared off (`school_days_off`, day →
    reason); ("sunday", ""); ("saturday", "") unless the school teaches on Saturdays."""
    holiday = public_holiday(day)
    if holiday is not None:
        return HOLIDAY, holiday
    if school_days_off and day in school_days_off:
        return SCHOOL_OFF, school_days_off[day]
    if day.weekday() == 6:
        return SUNDAY, ""
    if day.weekday() == 5 and not saturday_classes:
        return SATURDAY, ""
    return None


def school_days(first: date, last: date, *, saturday_classes: bool,
                school_days_off: Mapping[date, str] | None = None) -> list[date]:
    """The days in [first, last] a school sits."""
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if day_off(d, saturday_classes=saturday_classes, school_days_off=school_days_off) is None]
