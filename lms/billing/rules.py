"""Pure billing rules: which exemption applies, what a line costs, billing months and their
labels, and how a payment is allocated. No database."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lms.billing.models import Category, Period

SCHOOL_MONTHS = (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)   # a school year's months in order
MAX_TUITION_MONTHS = 9
MAX_AMOUNT = 499_999_999       # NAPAS247 takes a transfer under 500 million đồng
PERCENTS = (100, 70, 50)


@dataclass(frozen=True)
class Benefit:
    """An exemption as the rules see it."""
    id: int
    fee_type_id: int | None      # None: every fee type that takes exemptions
    percent: int | None
    amount: int | None
    valid_from: date
    valid_to: date


def discount_of(base: int, benefit: Benefit) -> int:
    """What a benefit takes off a line: a percentage rounded half up to whole đồng, or a fixed
    amount, never more than the line."""
    if benefit.percent is not None:
        return min(base, (base * benefit.percent + 50) // 100)
    return min(base, benefit.amount or 0)


def best_benefit(base: int, fee_type_id: int, exempt: bool, on: date,
                 benefits: Sequence[Benefit]) -> tuple[int, Benefit | None]:
    """When several benefits apply, only the most favourable is granted (tuition.md §4).
    Ties go to the earlier benefit, so the choice is stable."""
    if not exempt:
        return 0, None
    best, chosen = 0, None
    for b in benefits:
        if b.valid_from <= on <= b.valid_to and b.fee_type_id in (None, fee_type_id):
            d = discount_of(base, b)
            if d > best:
                best, chosen = d, b
    return best, chosen


def month_key(year_start: int, month: int) -> str:
    """'2026-12' for December of the school year that starts in September 2026."""
    return f"{year_start + (1 if month < 9 else 0)}-{month:02d}"


def month_of_key(key: str) -> tuple[int, int]:
    y, m = key.split("-")
    return int(y), int(m)


def month_label(key: str) -> str:
    """'12/2026' for '2026-12'."""
    y, m = month_of_key(key)
    return f"{m:02d}/{y}"


def check_months(category: str, period: str, months: Sequence[int]) -> str | None:
    """Why these billing months do not fit the plan's period, or None."""
    if not months:
        return "none"
    if len(set(months)) != len(months) or any(m not in SCHOOL_MONTHS for m in months):
        return "invalid"
    if period == Period.MONTHLY and category == Category.TUITION and len(months) > MAX_TUITION_MONTHS:
        return "tuition_months"
    if period == Period.TERM and len(months) > 2:
        return "term_months"
    if period in (Period.YEAR, Period.ONCE) and len(months) != 1:
        return "one_month"
    return None


def ordered_months(months: Sequence[int]) -> list[int]:
    return sorted(set(months), key=SCHOOL_MONTHS.index)


def due_date_of(key: str, due_day: int) -> date:
    y, m = month_of_key(key)
    return date(y, m, due_day)


@dataclass(frozen=True)
class Open:
    """An open invoice as allocation sees it."""
    id: int
    due: int
    due_date: date
    voluntary: bool


def allocate(amount: int, invoices: Sequence[Open]) -> tuple[list[tuple[int, int]], int]:
    """Spread a payment over open invoices: mandatory before voluntary, then the oldest due date
    first (tuition.md §7). Returns [(invoice id, amount)] and what is left over for credit."""
    out, left = [], amount
    for inv in sorted(invoices, key=lambda i: (i.voluntary, i.due_date, i.id)):
        if left <= 0:
            break
        take = min(left, inv.due)
        if take > 0:
            out.append((inv.id, take))
            left -= take
    return out, left
