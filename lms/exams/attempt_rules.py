"""The rules of sitting an exam (domain/exams.md §5–7, §12), pure: no Flask, no database. Who may
start and when (window, attempts allowed, access code, IP ranges), when an attempt ends
(deadline, network allowance), when results are released and what a pupil may review.

The state changes that apply them are in `attempts.py`; the autosave's storage path in
`saving.py`. Values are plain: an exam and an override are read for their fields only.
"""
from __future__ import annotations

import hmac
import ipaddress
import re
from datetime import datetime, timedelta

from lms.core.errors import ValidationError
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

# Saves and submits are accepted this long after the deadline (the network's allowance).
ALLOWANCE = timedelta(seconds=60)
IN_PROGRESS, SUBMITTED, FINISHED = "in_progress", "submitted", "finished"
REVIEW_ITEMS = ("score", "responses", "correct", "feedback")


# ---------------------------------------------------------------- windows, attempts, deadlines

def window_of(exam, override) -> tuple[datetime, datetime]:
    """When the pupil may start: their own window where the teacher set one, else the exam's."""
    return ((override.open_at if override and override.open_at else exam.open_at),
            (override.close_at if override and override.close_at else exam.close_at))


def allowed_attempts(exam, override) -> int:
    """0 means unlimited."""
    if exam.attempts_allowed == 0:
        return 0
    return exam.attempts_allowed + (override.extra_attempts if override else 0)


def deadline_for(exam, override, started_at: datetime) -> datetime:
    """When an attempt started at `started_at` ends: start + limit + the pupil's extra minutes,
    and never after the close. A pupil's extra minutes move their close as well (they are what
    the pupil needs, whenever they start), unless the teacher chose that the exam's close ends
    the attempt anyway (`override.past_close` off). No limit: the close (+ the extra minutes)."""
    _, close = window_of(exam, override)
    extra = timedelta(minutes=override.extra_minutes if override else 0)
    if extra and getattr(override, "past_close", True):
        close = close + extra
    if not exam.time_limit_min:
        return close
    return min(started_at + timedelta(minutes=exam.time_limit_min) + extra, close)


def refusal(published: bool, now: datetime, opens: datetime, closes: datetime, used: int, allowed: int) -> str | None:
    """Why no new attempt may start now (None: it may)."""
    if not published:
        return str(_l("Bài thi chưa được giao."))
    if now < opens:
        return str(_l("Bài thi chưa mở."))
    if now >= closes:
        return str(_l("Bài thi đã đóng."))
    if allowed and used >= allowed:
        return str(ngettext("Em đã dùng hết %(n)s lần làm bài.", "Em đã dùng hết %(n)s lần làm bài.", allowed, n=allowed))
    return None


def access_code_ok(expected: str, given: str | None) -> bool:
    """The access code, compared in constant time, ignoring case and surrounding spaces."""
    # As bytes: compare_digest refuses str with non-ASCII letters (a pupil typing Vietnamese was a 500).
    return not expected or hmac.compare_digest(expected.strip().lower().encode(), (given or "").strip().lower().encode())


def open_for_writes(state: str, deadline: datetime, now: datetime) -> bool:
    """Saves and submits are taken while the attempt is open and until the allowance is over."""
    return state == IN_PROGRESS and now <= deadline + ALLOWANCE


def time_left(deadline: datetime, now: datetime) -> float:
    """Seconds to the deadline, to the millisecond (the page's clock follows it)."""
    return max(0.0, round((deadline - now).total_seconds(), 3))


def page_of(position_index: int, per_page: int) -> int:
    return position_index // per_page if per_page else 0


# ---------------------------------------------------------------- IP ranges

def parse_ip_ranges(text: str) -> list[str]:
    """One rule per line or comma: a full address, a prefix `192.168.`, CIDR `10.1.0.0/20`, or a
    last-octet range `10.1.2.10-20`. Raises ValidationError naming the bad one."""
    rules = []
    for raw in re.split(r"[,\n]+", text or ""):
        rule = raw.strip()
        if not rule:
            continue
        if not _ip_rule_valid(rule):
            raise ValidationError(_l("“%(r)s” không phải địa chỉ IP, tiền tố, CIDR hay dải hợp lệ.", r=rule),
                                  field="ip_ranges")
        rules.append(rule)
    return rules


def _ip_rule_valid(rule: str) -> bool:
    try:
        if "/" in rule:
            ipaddress.ip_network(rule, strict=False)
        elif re.fullmatch(r"(\d{1,3}\.){3}\d{1,3}-\d{1,3}", rule):
            base, _sep, end = rule.rpartition("-")
            ipaddress.ip_address(base)
            return int(base.rsplit(".", 1)[1]) <= int(end) <= 255
        elif rule.endswith("."):
            return re.fullmatch(r"(\d{1,3}\.){1,3}", rule) is not None and all(int(p) <= 255 for p in rule[:-1].split("."))
        else:
            ipaddress.ip_address(rule)
        return True
    except ValueError:
        return False


def ip_allowed(rules: list[str], address: str | None) -> bool:
    if not rules:
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for rule in rules:
        if "/" in rule:
            if ip in ipaddress.ip_network(rule, strict=False):
                return True
        elif "-" in rule and not rule.endswith("."):
            base, _sep, end = rule.rpartition("-")
            head, _dot, start = base.rpartition(".")
            if address.rpartition(".")[0] == head and int(start) <= int(address.rpartition(".")[2]) <= int(end):
                return True
        elif rule.endswith("."):
            if address.startswith(rule):
                return True
        elif address == rule:
            return True
    return False


# ---------------------------------------------------------------- results and review

def released(exam, now: datetime) -> bool:
    """Results are out: released by the teacher, or at the close when the exam says so."""
    return (exam.results_released_at is not None and exam.results_released_at <= now) or \
        (exam.release_at_close and exam.close_at <= now)


def review_rights(exam, state: str, needs_grading: bool, now: datetime) -> dict[str, bool]:
    """What the pupil's review shows now: what the exam allows right after submitting, and more
    once results are released; no score while a teacher still marks."""
    rights = dict.fromkeys(REVIEW_ITEMS, False)
    if state not in (SUBMITTED, FINISHED):
        return rights
    moments = ["after_submit"] + (["after_release"] if released(exam, now) else [])
    for moment in moments:
        for key, allowed in (exam.review or {}).get(moment, {}).items():
            if key in rights and allowed:
                rights[key] = True
    if needs_grading:
        rights["score"] = False
    return rights
