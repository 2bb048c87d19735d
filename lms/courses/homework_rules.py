"""The arithmetic of homework, free of the database: when work is accepted, how late it is, the
late penalty, and rubrics. Scores are whole tenths of a point; rounding is half-up.

- A submission is on time up to and including the due second (fractions of a second do not count).
- Each started day (24 hours) after the due time is one day late.
- The penalty is `days × percent per day`, at most 100 %, taken from the score:
  final = score × (100 − penalty) / 100, rounded half-up to a tenth.
- The homework-load guard: each assignment belongs to the evening it is done (`evening_of`); an
  evening's load for a class is its count and estimated minutes; over the school's limit for the
  level it needs the teacher's explicit override; nothing is due after the school's latest hour,
  nor on a day the school does not sit (`due_day_off`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from lms.attendance import rules as days
from lms.core.text import nfc

DAY_SECONDS = 86_400
MAX_CRITERIA = 12
MAX_LEVELS = 6


class Window:
    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"        # past due, still accepted with a penalty
    CLOSED = "closed"


def window(open_at: datetime, due_at: datetime, policy: str, cutoff_at: datetime | None, now: datetime) -> str:
    """Whether work handed in at `now` is accepted, and how."""
    moment = now.replace(microsecond=0)
    if now < open_at:
        return Window.NOT_OPEN
    if moment <= due_at:
        return Window.OPEN
    if policy == "penalty" and cutoff_at is not None and moment <= cutoff_at:
        return Window.LATE
    return Window.CLOSED


def late_days(counted_at: datetime, due_at: datetime) -> int:
    """Started days after the due time; 0 when on time."""
    seconds = (counted_at.replace(microsecond=0) - due_at).total_seconds()
    return 0 if seconds <= 0 else math.ceil(seconds / DAY_SECONDS)


def penalty_percent(days: int, per_day: int) -> int:
    return min(100, max(0, days) * max(0, per_day))


def apply_penalty(score_tenths: int, percent: int) -> int:
    value = Decimal(score_tenths) * Decimal(100 - percent) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def on_ten(score_tenths: int, max_tenths: int) -> Decimal:
    """A score on the assignment's scale brought to the grade book's 0–10, one decimal."""
    value = Decimal(score_tenths) * Decimal(10) / Decimal(max_tenths)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def tenths_text(tenths: int | None, sep: str | None = None) -> str:
    """75 → "7,5" in Vietnamese, "7.5" in English (`sep` None: the reader's language); 80 → "8"."""
    if tenths is None:
        return ""
    whole, part = divmod(tenths, 10)
    if sep is None:
        from lms.core.numbers import local_decimal

        return local_decimal(Decimal(tenths) / 10)
    return f"{whole}{sep}{part}" if part else str(whole)


def parse_tenths(text: str, *, low: int = 0, high: int | None = None) -> int:
    """'7', '7,5' or '7.5' → 75. Raises ValueError with a reason code: 'format' or 'range'."""
    cleaned = (text or "").strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,4}(\.\d)?", cleaned):
        raise ValueError("format")
    value = int((Decimal(cleaned) * 10).to_integral_value())
    if value < low or (high is not None and value > high):
        raise ValueError("range")
    return value


# ---------------------------------------------------------------- rubrics

@dataclass(frozen=True)
class RubricError:
    line: int
    code: str      # empty_name | no_levels | too_many_levels | bad_level | bad_points | too_many | duplicate
    text: str


def parse_rubric(text: str) -> tuple[list[dict], list[RubricError]]:
    """One criterion per line: `Name | level label = points | level label = points …`.
    Points take a comma or a point as decimal separator. Returns the rubric (levels in the order
    written) and every error with its line number."""
    rubric: list[dict] = []
    errors: list[RubricError] = []
    seen: set[str] = set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = nfc(raw).strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        name, cells = parts[0], [p for p in parts[1:] if p]
        if not name:
            errors.append(RubricError(number, "empty_name", line))
            continue
        if name.casefold() in seen:
            errors.append(RubricError(number, "duplicate", name))
            continue
        seen.add(name.casefold())
        if len(cells) < 2:
            errors.append(RubricError(number, "no_levels", line))
            continue
        if len(cells) > MAX_LEVELS:
            errors.append(RubricError(number, "too_many_levels", line))
            continue
        levels = []
        for cell in cells:
            label, eq, points = cell.rpartition("=")
            if not eq or not label.strip():
                errors.append(RubricError(number, "bad_level", cell))
                break
            try:
                levels.append({"label": label.strip()[:120], "points": parse_tenths(points, high=1000)})
            except ValueError:
                errors.append(RubricError(number, "bad_points", cell))
                break
        else:
            rubric.append({"name": name[:200], "levels": levels})
    if len(rubric) > MAX_CRITERIA:
        errors.append(RubricError(0, "too_many", str(len(rubric))))
    return rubric, errors


def rubric_text(rubric: list[dict]) -> str:
    """The rubric written back in the form it is typed in."""
    return "\n".join(" | ".join([c["name"]] + [f"{lv['label']} = {tenths_text(lv['points'])}" for lv in c["levels"]])
                     for c in rubric)


def rubric_max(rubric: list[dict]) -> int:
    return sum(max(lv["points"] for lv in c["levels"]) for c in rubric)


def rubric_points(rubric: list[dict], marks: dict[str, int]) -> int:
    """Points of the chosen levels; every criterion must have one (KeyError/IndexError otherwise)."""
    return sum(c["levels"][int(marks[str(i)])]["points"] for i, c in enumerate(rubric))


def rubric_score(rubric: list[dict], marks: dict[str, int], max_tenths: int) -> int:
    """The chosen levels' points scaled to the assignment's maximum, half-up to a tenth."""
    top = rubric_max(rubric)
    if top == 0:
        return 0
    value = Decimal(rubric_points(rubric, marks)) * Decimal(max_tenths) / Decimal(top)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))



# ---------------------------------------------------------------- the evening's load

MORNING = time(6, 0)     # due times between the school's latest hour and this are at night
NOON = time(12, 0)


def evening_of(due_local: datetime) -> date:
    """The evening a pupil does the work for a due time (school time, naive): homework due in the
    afternoon or evening is that day's; homework due in the morning (at the first lesson) is the
    evening before's."""
    return due_local.date() if due_local.time() > NOON else due_local.date() - timedelta(days=1)


def due_too_late(due: time, latest: time | None) -> bool:
    """Whether a due time falls after the school's latest hour of the day (or in the night
    before the morning)."""
    return latest is not None and (due > latest or due < MORNING)


def due_day_off(due_local: datetime, *, saturday_classes: bool, school_days_off: dict[date, str] | None = None
                ) -> tuple[str, object] | None:
    """Why homework may not be due on the day of `due_local` (school time), or None: no school
    sits that day — a Sunday, a Saturday at a school without Saturday classes, a public holiday or
    a day the school declared off (the register's own `day_off`). Work due then would be handed in
    on a day without lessons; the evening before a school day may still hold work due that day."""
    return days.day_off(due_local.date(), saturday_classes=saturday_classes, school_days_off=school_days_off)


@dataclass(frozen=True)
class Load:
    count: int = 0
    minutes: int = 0

    def plus(self, minutes: int) -> Load:
        return Load(self.count + 1, self.minutes + minutes)


def over_limit(load: Load, limit: int | None) -> bool:
    """A limit of None is no limit; 0 means no homework that evening."""
    return limit is not None and load.count > 0 and load.minutes > limit


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
