"""The invoice state machine: the only place an invoice's status is decided.

An issued invoice is never edited. Its status follows from three running totals — `total`,
`paid` (money applied) and `credited` (credit notes) — and from voiding:

    issued ──payment──▶ partial ──payment──▶ paid
      │  └──────────payment / credit note─────▲
      └──void (nothing paid)──▶ void

`paid` is final unless a credit note moves paid money back to the family's credit (then the
invoice stays paid: what it asked for is covered). A void invoice takes nothing any more.
"""
from __future__ import annotations

from lms.billing.models import InvoiceStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.ISSUED: {S.PARTIAL, S.PAID, S.VOID},
    S.PARTIAL: {S.PARTIAL, S.PAID},
    S.PAID: {S.PAID},
    S.VOID: set(),
}
OPEN = (S.ISSUED, S.PARTIAL)


class TransitionRefused(ValueError):
    """The state machine does not allow this change."""


def status_for(total: int, paid: int, credited: int) -> str:
    """The status that the totals of a live (not void) invoice call for."""
    if paid < 0 or credited < 0 or paid + credited > total:
        raise ValueError("an invoice cannot be settled beyond its total")
    if paid + credited == total:
        return S.PAID
    return S.PARTIAL if paid > 0 else S.ISSUED


def next_status(current: str, total: int, paid: int, credited: int) -> str:
    """The status after a payment or credit note, or TransitionRefused."""
    wanted = status_for(total, paid, credited)
    if wanted != current and wanted not in TRANSITIONS[current]:
        raise TransitionRefused(f"{current} → {wanted}")
    if current == S.VOID:
        raise TransitionRefused("a void invoice takes nothing")
    return wanted


def status_case(total, paid, credited):
    """`status_for` as an SQL expression over column expressions, for the guarded UPDATEs that
    change the totals and the status together."""
    from sqlalchemy import case

    return case((paid + credited == total, S.PAID.value), (paid > 0, S.PARTIAL.value), else_=S.ISSUED.value)


def can_void(status: str, paid: int) -> bool:
    return S.VOID in TRANSITIONS[status] and paid == 0
