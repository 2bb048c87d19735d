"""The pure rules of sitting an exam: windows, deadlines with a pupil's extra time, refusals,
IP ranges, release and review rights."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from lms.exams import attempt_rules as rules

T0 = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)


def exam(limit=45, opens=0, closes=60, **kw):
    return SimpleNamespace(time_limit_min=limit, open_at=T0 + timedelta(minutes=opens),
                           close_at=T0 + timedelta(minutes=closes), attempts_allowed=kw.pop("attempts", 1), **kw)


def override(extra=0, past_close=True, **kw):
    return SimpleNamespace(extra_minutes=extra, past_close=past_close, open_at=kw.get("open_at"),
                           close_at=kw.get("close_at"), extra_attempts=kw.get("extra_attempts", 0))


@pytest.mark.parametrize("start, extra, past_close, ends", [
    (0, 0, True, 45),        # the limit
    (30, 0, True, 60),       # the close cuts the limit short
    (0, 15, True, 60),       # extra minutes
    (30, 15, True, 75),      # a pupil's extra time outranks the close: their close moves by it
    (30, 15, False, 60),     # unless the teacher chose that the close ends it
    (50, 30, True, 90),
])
def test_deadline_with_extra_time(start, extra, past_close, ends):
    got = rules.deadline_for(exam(), override(extra, past_close) if extra else None, T0 + timedelta(minutes=start))
    assert got == T0 + timedelta(minutes=ends)


def test_no_limit_ends_at_the_close_moved_by_the_extra_minutes():
    assert rules.deadline_for(exam(limit=0), None, T0) == T0 + timedelta(minutes=60)
    assert rules.deadline_for(exam(limit=0), override(20), T0) == T0 + timedelta(minutes=80)
    own = override(0, close_at=T0 + timedelta(minutes=90))
    assert rules.deadline_for(exam(), own, T0 + timedelta(minutes=70)) == T0 + timedelta(minutes=90)


def test_refusals_in_order():
    args = (T0 + timedelta(minutes=5), T0, T0 + timedelta(minutes=60))
    assert rules.refusal(False, *args, 0, 1) == "Bài thi chưa được giao."
    assert rules.refusal(True, T0 - timedelta(minutes=1), T0, T0 + timedelta(minutes=60), 0, 1) == "Bài thi chưa mở."
    assert rules.refusal(True, T0 + timedelta(minutes=60), T0, T0 + timedelta(minutes=60), 0, 1) == "Bài thi đã đóng."
    assert "hết 1 lần" in rules.refusal(True, *args, 1, 1)
    assert rules.refusal(True, *args, 5, 0) is None


def test_access_code_and_ip_ranges():
    assert rules.access_code_ok("", None) and rules.access_code_ok("AbC ", " abc") and not rules.access_code_ok("x", "y")
    ranges = rules.parse_ip_ranges("192.168.\n10.1.0.0/20, 10.5.2.10-20")
    assert [rules.ip_allowed(ranges, ip) for ip in ("192.168.5.5", "10.1.15.1", "10.5.2.15", "10.5.2.21", None)] == \
        [True, True, True, False, False]


def test_review_rights_follow_the_moment_and_manual_grading():
    e = exam(review={"after_submit": {"score": True}, "after_release": {"correct": True}},
             results_released_at=None, release_at_close=True)
    now = T0 + timedelta(minutes=10)
    assert rules.review_rights(e, "in_progress", False, now) == dict.fromkeys(rules.REVIEW_ITEMS, False)
    assert rules.review_rights(e, "finished", False, now)["score"] and not rules.review_rights(e, "finished", False, now)["correct"]
    assert not rules.review_rights(e, "submitted", True, now)["score"]
    later = T0 + timedelta(minutes=61)
    assert rules.released(e, later) and rules.review_rights(e, "finished", False, later)["correct"]


def test_the_clock_writes_the_deadline_as_a_utc_instant_whichever_driver_read_it():
    from datetime import datetime, timedelta, timezone

    from lms.exams.saving import clock_answer, deadline_iso

    utc = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
    hanoi = utc.astimezone(timezone(timedelta(hours=7)))         # a session in the school's zone
    assert deadline_iso(utc) == deadline_iso(hanoi) == deadline_iso(utc.replace(tzinfo=None)) \
        == "2026-12-07T03:00:00+00:00"
    assert clock_answer(("in_progress", hanoi), utc - timedelta(minutes=10))["deadline"] == "2026-12-07T03:00:00+00:00"
