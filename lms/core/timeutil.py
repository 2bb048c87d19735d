"""Time: stored in UTC; pages show Asia/Ho_Chi_Minh through Flask-Babel (LMS_TIMEZONE)."""
from __future__ import annotations

from datetime import date, datetime, timezone

# The one range of dates any input may name (lms.core.inputs reads requests with it; a period key
# read by a service keeps it too): a page's "next month" after 9999-12 overflows.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)


DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_school_tz = DEFAULT_TZ


def school_tz() -> str:
    """The time zone schools live in: LMS_TIMEZONE (Asia/Ho_Chi_Minh by default), set once by
    `create_app`. The one place services and rules read it from."""
    return _school_tz


def set_school_tz(name: str) -> None:
    from zoneinfo import ZoneInfo

    global _school_tz
    ZoneInfo(name)  # an unknown zone stops the app at start, naming it
    _school_tz = name


def local_to_utc(value: datetime, tz_name: str) -> datetime:
    """A wall-clock time typed in a form (naive, school time zone) as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz_name))
    return value.astimezone(timezone.utc)


def utc_to_local(value: datetime, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
