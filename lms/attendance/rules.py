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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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
