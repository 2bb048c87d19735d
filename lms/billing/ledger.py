"""The double-entry ledger: every posting balances, and nothing in it is ever changed.

Services call `post()` with (account, debit, credit) legs; it refuses an unbalanced or empty
posting before anything is written. The database guards the same rules on its own: on
PostgreSQL a deferred constraint trigger checks each transaction's sum at commit and triggers
refuse UPDATE and DELETE on ledger rows; SQLite gets the same UPDATE/DELETE triggers
(migration 0007). `unbalanced()` is the invariant query a nightly check runs.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms.billing.models import Account, Counter, LedgerLine, LedgerTransaction
from lms.core.timeutil import utcnow
from lms.db import insert_objects, insert_rows, plain_row


class Unbalanced(ValueError):
    """A posting whose debits and credits differ (a programming error, never user input)."""


@dataclass(frozen=True)
class Leg:
    account: Account
    debit: int = 0
    credit: int = 0
    student_id: int | None = None
    invoice_id: int | None = None
    payment_id: int | None = None


def dr(account: Account, amount: int, **refs) -> Leg:
    return Leg(account, debit=amount, **refs)


def cr(account: Account, amount: int, **refs) -> Leg:
    return Leg(account, credit=amount, **refs)


def _checked(kind: str, legs: list[Leg]) -> list[Leg]:
    """The legs that move money (0 dropped), or Unbalanced when they do not make a posting."""
    legs = [leg for leg in legs if leg.debit or leg.credit]
    if any(leg.debit < 0 or leg.credit < 0 or (leg.debit and leg.credit) for leg in legs):
        raise Unbalanced("each leg is a debit or a credit, never negative")
    if sum(leg.debit for leg in legs) != sum(leg.credit for leg in legs):
        raise Unbalanced(f"{kind}: debits {sum(leg.debit for leg in legs)} ≠ credits "
                         f"{sum(leg.credit for leg in legs)}")
    return legs


def post(session: Session, school_id: int, kind: str, legs: list[Leg], *, actor_id: int | None,
         memo: str = "", at=None) -> LedgerTransaction | None:
    """Write one balanced transaction. Legs of 0 are dropped; a posting of nothing writes nothing."""
    legs = _checked(kind, legs)
    if not legs:
        return None
    txn = LedgerTransaction(school_id=school_id, kind=kind, actor_id=actor_id, memo=memo[:200], at=at or utcnow())
    session.add(txn)
    session.flush()
    session.add_all([LedgerLine(transaction_id=txn.id, account=leg.account, debit=leg.debit, credit=leg.credit,
                                student_id=leg.student_id, invoice_id=leg.invoice_id, payment_id=leg.payment_id)
                     for leg in legs])
    return txn


def post_many(session: Session, school_id: int, postings: list[tuple[str, list[Leg], str]], *,
              actor_id: int | None) -> None:
    """Many balanced transactions at once (issuing a whole school's invoices, a statement's
    payments): two executemany inserts, outside the unit of work."""
    now = utcnow()
    checked = []
    for kind, legs, memo in postings:
        legs = _checked(kind, legs)
        if legs:
            checked.append((plain_row(LedgerTransaction, school_id=school_id, kind=kind, actor_id=actor_id,
                                      memo=memo[:200], at=now), legs))
    insert_objects(session, [txn for txn, _ in checked], ids=True)
    # The lines, the most numerous rows, go in as plain rows: building an ORM object for each only
    # to read its attributes back cost more than inserting it (docs/benchmarks.md, statement day).
    lines = [{"transaction_id": txn.id, "account": leg.account, "debit": leg.debit, "credit": leg.credit,
              "student_id": leg.student_id, "invoice_id": leg.invoice_id, "payment_id": leg.payment_id}
             for txn, legs in checked for leg in legs]
    insert_rows(session, LedgerLine.__table__, lines)


def balance(session: Session, school_id: int, account: Account, **refs) -> int:
    """Debits minus credits of an account (optionally of one pupil, invoice or payment)."""
    stmt = (select(func.coalesce(func.sum(LedgerLine.debit - LedgerLine.credit), 0))
            .join(LedgerTransaction).where(LedgerTransaction.school_id == school_id, LedgerLine.account == account))
    for name, value in refs.items():
        stmt = stmt.where(getattr(LedgerLine, name) == value)
    return int(session.scalar(stmt) or 0)


def trial_balance(session: Session, school_id: int) -> dict[str, int]:
    """Debits minus credits per account; the figures sum to zero."""
    rows = session.execute(select(LedgerLine.account, func.sum(LedgerLine.debit - LedgerLine.credit))
                           .join(LedgerTransaction).where(LedgerTransaction.school_id == school_id)
                           .group_by(LedgerLine.account)).all()
    return {account: int(total) for account, total in rows}


def unbalanced(session: Session) -> list[int]:
    """Transactions whose lines do not sum to zero (the invariant query: must be empty)."""
    net = func.sum(LedgerLine.debit - LedgerLine.credit)
    return list(session.scalars(select(LedgerLine.transaction_id).group_by(LedgerLine.transaction_id)
                                .having(net != 0)))


def take_numbers(session: Session, school_id: int, name: str, count: int = 1) -> int:
    """Reserve `count` numbers of a school's sequence; returns the first. One guarded UPDATE, so
    two requests can never get the same number (the row lock serialises them)."""
    from sqlalchemy.exc import IntegrityError

    def bump():
        return session.execute(update(Counter).where(Counter.school_id == school_id, Counter.name == name)
                               .values(value=Counter.value + count).returning(Counter.value)).scalar()

    bumped = bump()
    if bumped is None:
        try:
            with session.begin_nested():  # another request may create the row first
                session.add(Counter(school_id=school_id, name=name, value=0))
        except IntegrityError:
            pass
        bumped = bump()
    return int(bumped) - count + 1
