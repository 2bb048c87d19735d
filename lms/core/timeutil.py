"""Time: stored in UTC; pages show Asia/Ho_Chi_Minh through Flask-Babel (LMS_TIMEZONE)."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_to_utc(value: datetime, tz_name: str) -> datetime:
    """A wall-clock time typed in a form (naive, school time zone) as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz_name))
    return value.astimezone(timezone.utc)


def utc_to_local(value: datetime, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
