"""Time: stored in UTC; pages show Asia/Ho_Chi_Minh through Flask-Babel (LMS_TIMEZONE)."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
