"""Score values: Decimal, one decimal place, half-up — never float arithmetic."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ONE_DECIMAL = Decimal("0.1")
MIN_SCORE, MAX_SCORE = Decimal("0"), Decimal("10")


def to_score(value: Decimal | str | int | float, *, what: str = "score") -> Decimal:
    """A score 0–10 as Decimal. A float means its literal (8.2 is 8.2, not 8.1999…)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: not a number: {value!r}")
    try:
        if isinstance(value, float):
            result = Decimal(repr(value))
        elif isinstance(value, str):
            result = Decimal(value.strip().replace(",", "."))
        else:
            result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"{what}: not a number: {value!r}") from exc
    if not result.is_finite() or not (MIN_SCORE <= result <= MAX_SCORE):
        raise ValueError(f"{what}: must be between 0 and 10: {value!r}")
    return result


def round_score(value: Decimal) -> Decimal:
    """Half up to one decimal: 8.25 → 8.3, always with one decimal place (8 → 8.0)."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
