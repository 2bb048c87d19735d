"""The year and period a report page is asked for — read once here for every report and
dashboard page, so that a bad value is refused on its field instead of answered with an error
page or silently replaced by another period.

- No year given: this year. The year field sent empty, a year that is not a whole number, or one
  outside 2000 … next year (however many digits it has) is refused on the "Năm" field, each
  saying which.
- No period given: the whole calendar year. A period that is not one of the year's choices is
  refused on the "Kỳ" field. When it is the same kind of period of another year (the year was
  changed while "6 tháng cuối năm 2026" stayed selected), the refusal says so and the selector
  offers that kind of period of the new year, selected, so one more click shows it — the figures
  of a period the user did not ask for are never shown in its place. A school year or term is
  named by its own years (NH2025-2026, HK1-2025-2026), so it never changes meaning."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lms.i18n import lazy_gettext as _l
from lms.reports.cashless import Period, calendar_period, school_year_period, term_period

FIRST_YEAR = 2000


def last_year(today: date) -> int:
    return today.year + 1


@dataclass
class Choice:
    year: int                               # the year whose periods are offered
    typed_year: str                         # as typed, to show it back
    periods: list[Period]
    period: Period | None                   # None when refused
    selected: str                           # the period key the selector shows
    errors: dict[str, str] = field(default_factory=dict)
    first_year: int = FIRST_YEAR
    last_year: int = FIRST_YEAR

    @property
    def ok(self) -> bool:
        return not self.errors and self.period is not None


def _same_kind(key: str, year: int) -> tuple[Period, str] | None:
    """A calendar period of another year (2026-H2) and the key of the same kind in `year` (2025-H2)."""
    old = calendar_period(key)
    if old is None:
        return None
    return old, str(year) if old.kind == "year" else f"{year}{key[4:]}"


def _label(key: str) -> str:
    """What a period key means, for a refusal (the key itself when it means nothing)."""
    if (p := calendar_period(key)) is not None:
        return p.label
    if m := re.fullmatch(r"(NH|HK[12]-)(\d{4})-(\d{4})", key):
        start = int(m.group(2))
        if int(m.group(3)) == start + 1:
            return (school_year_period(start, date.min, date.max) if m.group(1) == "NH"
                    else term_period(start, int(m.group(1)[2]), date.min, date.max)).label
    return key[:40]


def choose(args: Mapping[str, str], today: date, periods_of: Callable[[int], list[Period]]) -> Choice:
    """The year and period asked for in `args` (a request's query or form), checked."""
    top = last_year(today)
    raw_year = (args.get("year") or "").strip()
    errors: dict[str, str] = {}
    year = today.year
    if "year" in args and not raw_year:   # the field sent empty: never silently this year
        errors["year"] = str(_l("Chưa nhập năm: gõ một năm từ %(a)s đến %(b)s, ví dụ %(y)s.", a=FIRST_YEAR, b=top,
                                y=today.year))
    elif raw_year:
        if not re.fullmatch(r"[-+]?\d+", raw_year):
            errors["year"] = str(_l("Năm “%(v)s” không phải một số: gõ một năm từ %(a)s đến %(b)s, ví dụ %(y)s.",
                                    v=raw_year[:20] + ("…" if len(raw_year) > 20 else ""), a=FIRST_YEAR, b=top,
                                    y=today.year))
        elif len(raw_year.lstrip("+-0")) > 4 or not FIRST_YEAR <= int(raw_year) <= top:
            # A number of any length is a number: out of range, said so (never "not a number").
            errors["year"] = str(_l("Năm %(v)s ngoài khoảng cho phép: gõ một năm từ %(a)s đến %(b)s.",
                                    v=raw_year[:12] + ("…" if len(raw_year) > 12 else ""), a=FIRST_YEAR, b=top))
        else:
            year = int(raw_year)
    periods = periods_of(year)
    raw_period = (args.get("period") or "").strip()
    period = periods[0] if not raw_period else next((p for p in periods if p.key == raw_period), None)
    selected = period.key if period else periods[0].key
    if period is None and "year" not in errors:
        same = _same_kind(raw_period, year)
        new = next((p for p in periods if same and p.key == same[1]), None)
        if new is not None:
            selected = new.key
            errors["period"] = str(_l("“%(o)s” không thuộc năm %(y)s. Đã chọn sẵn “%(n)s”: gửi lại để xem số liệu "
                                      "của kỳ này.", o=same[0].label, y=year, n=new.label))
        else:
            errors["period"] = str(_l("Kỳ “%(k)s” không có trong năm %(y)s: chọn một kỳ trong danh sách.",
                                      k=_label(raw_period), y=year))
    return Choice(year, raw_year if "year" in args else str(year), periods, None if errors else period, selected, errors,
                  FIRST_YEAR, top)
