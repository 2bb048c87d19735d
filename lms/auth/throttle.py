"""Counting failed guesses, in the database so that every worker and every server shares the count.

A key names what is being guessed, never what was typed: `u:<id>` is an account's password
whichever of its username, e-mail or phone (written any way) was typed; `t:<text>` an identifier
of no account, normalised the same way; `totp:<id>` an account's second-factor code;
`code:<exam id>:<user id>` an exam's access code. A guess is judged with its key's row locked
(`hold`), so guesses arriving at once on four workers are counted one after another and at most
`lock_after` are ever processed before the lock; the row is created on first use in one statement,
so two first guesses at the same moment cannot clash.

The per-address ceiling (`ip:<address>`) is separate and generous: a school's computer lab signs
forty pupils in from one address, so it counts failures only, in a fixed window, without locking
the row (forty sign-ins at once must not queue behind each other).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from lms.auth.models import LoginThrottle
from lms.db import dialect_insert, insert_missing


@dataclass(frozen=True)
class Policy:
    free: int = 5            # failures before any delay
    lock_after: int | None = 10  # failures that lock the key (None: never locked, only delayed)
    lock_minutes: int = 15
    max_delay: int = 60      # the progressive delay (1, 2, 4 … s) stops growing here


def hold(session: Session, key: str, policy: Policy, now: datetime) -> tuple[LoginThrottle, int]:
    """The key's row, locked until the request ends (PostgreSQL; SQLite writes one at a time
    anyway), and the seconds to wait before this key may be tried (0 = now)."""
    insert_missing(session, LoginThrottle, {"key": key, "failures": 0}, unique=("key",))
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                          .execution_options(populate_existing=True)).one()
    return row, retry_after(row, policy, now)


def retry_after(row: LoginThrottle, policy: Policy, now: datetime) -> int:
    if row.locked_until and row.locked_until > now:
        return int((row.locked_until - now).total_seconds()) + 1
    over = row.failures - policy.free
    if over >= 0 and row.last_failure_at is not None:
        delay = min(2 ** min(over, 16), policy.max_delay)
        wait = (row.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
        return max(0, int(wait) + (1 if wait > int(wait) else 0))
    return 0


def fail(row: LoginThrottle, policy: Policy, now: datetime) -> bool:
    """Count a failed guess on a held row; True when this one locks the key. A key that is never
    locked starts counting afresh after `lock_minutes` without a failure (an owner's typo today
    is not delayed by a stranger's guesses of last week)."""
    if (policy.lock_after is None and row.last_failure_at is not None
            and row.last_failure_at <= now - timedelta(minutes=policy.lock_minutes)):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if policy.lock_after is not None and row.failures >= policy.lock_after:
        row.locked_until = now + timedelta(minutes=policy.lock_minutes)
        row.failures = 0
        return True
    return False


def succeed(row: LoginThrottle) -> None:
    row.failures = 0
    row.locked_until = None


@dataclass(frozen=True)
class Ceiling:
    failures: int = 300      # failed sign-ins from one address …
    window_minutes: int = 15  # … within this window


def ceiling_wait(session: Session, key: str, ceiling: Ceiling, now: datetime) -> int:
    """Seconds until this address may try again, 0 when under its ceiling (no lock taken)."""
    row = session.execute(select(LoginThrottle.failures, LoginThrottle.window_started_at)
                          .where(LoginThrottle.key == key)).first()
    if row is None or row.window_started_at is None or row.failures < ceiling.failures:
        return 0
    ends = row.window_started_at + timedelta(minutes=ceiling.window_minutes)
    return max(0, int((ends - now).total_seconds()) + 1)


def count_failure(session: Session, key: str, ceiling: Ceiling, now: datetime) -> None:
    """One more failure from this address, in one atomic statement (a new window when the last
    one has ended)."""
    table = LoginThrottle.__table__
    started = table.c.window_started_at
    fresh = started.is_(None) | (started <= now - timedelta(minutes=ceiling.window_minutes))
    stmt = dialect_insert(session, table).values(key=key, failures=1, last_failure_at=now, window_started_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        "failures": case((fresh, 1), else_=table.c.failures + 1),
        "window_started_at": case((fresh, literal(now, started.type)), else_=started),
        "last_failure_at": now})
    session.execute(stmt)


def clear(session: Session, key: str) -> None:
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(failures=0, locked_until=None))


# Guessing a short code (an exam's access code): a few tries, then a quarter of an hour.
GUESS_POLICY = Policy(free=3, lock_after=5, lock_minutes=15)


def guess_wait(session: Session, key: str, now: datetime, policy: Policy = GUESS_POLICY) -> int:
    """Seconds before this key may be guessed again (0 = now), read without taking the row."""
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key)).first()
    return retry_after(row, policy, now) if row is not None else 0


def guess_failed(session: Session, key: str, now: datetime, policy: Policy = GUESS_POLICY) -> None:
    """Count a wrong guess (in the caller's transaction, after it rolled back the refused work)."""
    row, _wait = hold(session, key, policy, now)
    fail(row, policy, now)
