"""Quiet hours, SMS segments and text, ZNS limits, back-off, and reading the providers' answers."""
from datetime import datetime, time, timedelta, timezone

import pytest

from lms.messaging import rules
from lms.messaging.providers import Kind, esms, zns

TZ = "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("moment, expected", [(time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
                                              (time(5, 59), True), (time(6, 0), False), (time(20, 59), False)])
def test_quiet_hours_cross_midnight(moment, expected):
    assert rules.in_quiet(moment, time(21, 0), time(6, 0)) is expected


def test_quiet_hours_within_a_day_and_none():
    assert rules.in_quiet(time(13, 0), time(12, 0), time(14, 0))
    assert not rules.in_quiet(time(14, 0), time(12, 0), time(14, 0))
    assert not rules.in_quiet(time(3, 0), time(0, 0), time(0, 0))


def test_send_time_waits_out_the_night_unless_urgent():
    late = datetime(2026, 12, 7, 15, 30, tzinfo=timezone.utc)          # 22:30 in Hà Nội
    morning = datetime(2026, 12, 7, 23, 0, tzinfo=timezone.utc)         # 06:00 the next day
    assert rules.send_time(late, TZ, time(21), time(6), urgent=False, bypass=True) == morning
    assert rules.send_time(late, TZ, time(21), time(6), urgent=True, bypass=True) == late
    assert rules.send_time(late, TZ, time(21), time(6), urgent=True, bypass=False) == morning
    early = datetime(2026, 12, 7, 22, 10, tzinfo=timezone.utc)          # 05:10 local, same night
    assert rules.send_time(early, TZ, time(21), time(6), urgent=False, bypass=True) == morning
    noon = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)
    assert rules.send_time(noon, TZ, time(21), time(6), urgent=False, bypass=True) == noon


def test_month_bounds_are_local():
    start, end = rules.month_bounds(datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc), TZ)  # 1 Dec 01:00 local
    assert start == datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)


def test_unaccented_text_and_segments():
    assert rules.unaccented("Nguyễn Văn Đức vắng — “có phép”…") == 'Nguyen Van Duc vang - "co phep"...'
    assert rules.sms_segments("a" * 160) == 1
    assert rules.sms_segments("a" * 161) == 2
    assert rules.sms_segments("a" * 306) == 2
    assert rules.sms_segments("a" * 307) == 3
    assert rules.sms_segments("[" * 81) == 2        # extension characters count twice


def test_zns_data_within_limits_and_phones():
    data = rules.zns_data({"student_name": "Nguyễn Thị Phương Thảo Nguyên Anh Thư", "count": 3, "summary": "x" * 300})
    assert len(data["student_name"]) == 30 and data["student_name"].endswith("…")
    assert data["count"] == "3" and len(data["summary"]) == 200
    assert rules.international("0912345678") == "84912345678"


def test_backoff():
    now = datetime(2026, 12, 7, tzinfo=timezone.utc)
    assert [rules.next_try(n, now) - now for n in range(1, 5)] == [timedelta(seconds=s) for s in rules.BACKOFF]
    assert rules.next_try(5, now) is None


@pytest.mark.parametrize("answer, kind, setup", [
    ({"error": 0, "message": "Success", "data": {"msg_id": "abc"}}, Kind.ACCEPTED, False),
    ({"error": -118, "message": "Zalo account not existed"}, Kind.REJECTED, False),
    ({"error": -115, "message": "Out of quota"}, Kind.REJECTED, True),
    ({"error": -124, "message": "Access token is invalid"}, Kind.TOKEN, True),
    ({"error": -100, "message": "Unknown error"}, Kind.RETRY, False),
    ({"error": -999, "message": "?"}, Kind.REJECTED, False),
    ({}, Kind.RETRY, False),
])
def test_zns_answers(answer, kind, setup):
    outcome = zns.read_send_answer(200, answer)
    assert (outcome.kind, outcome.setup) == (kind, setup)
    assert zns.read_send_answer(502, answer).kind == Kind.RETRY


def test_zns_webhook_mac():
    raw = b'{"app_id":"123","event_name":"user_received_message","timestamp":"1700000000000"}'
    good = "mac=" + zns.mac("123", raw, "1700000000000", "oa-secret")
    assert zns.verify_webhook(good, raw, "123", "1700000000000", "oa-secret")
    assert zns.verify_webhook(good.removeprefix("mac=").upper(), raw, "123", "1700000000000", "oa-secret")
    assert not zns.verify_webhook(good, raw + b" ", "123", "1700000000000", "oa-secret")
    assert not zns.verify_webhook(good, raw, "123", "1700000000001", "oa-secret")
    assert not zns.verify_webhook(None, raw, "123", "1700000000000", "oa-secret")
    assert not zns.verify_webhook(good, raw, "123", "1700000000000", "")


def test_zns_refresh_answer():
    assert zns.read_refresh_answer(200, {"access_token": "a", "refresh_token": "r", "expires_in": "90000"}) == \
        ("a", "r", 90000)
    with pytest.raises(zns.TokenError, match="Invalid refresh token"):
        zns.read_refresh_answer(200, {"error": -14014, "error_name": "Invalid refresh token"})


@pytest.mark.parametrize("answer, kind", [({"CodeResult": "100", "SMSID": "x"}, Kind.ACCEPTED),
                                          ({"CodeResult": "124"}, Kind.ACCEPTED),
                                          ({"CodeResult": "103"}, Kind.REJECTED),
                                          ({"CodeResult": "108"}, Kind.REJECTED),
                                          ({}, Kind.RETRY)])
def test_esms_answers(answer, kind):
    assert esms.read_send_answer(200, answer).kind == kind


def test_esms_callbacks():
    sample = {"SMSID": "dc71", "SendFailed": "2", "SendStatus": "5", "SendSuccess": "0", "TotalPrice": "0.0000",
              "RequestId": "", "TypeId": "2"}   # eSMS's published sample: two failed
    assert esms.read_callback(sample) == ("dc71", "", False)
    assert esms.read_callback({**sample, "SendSuccess": "1", "SendFailed": "0"})[2] is True
    assert esms.read_callback({**sample, "SendStatus": "7"})[2] is None
    assert esms.read_callback({**sample, "SendStatus": "4"})[2] is False
    assert esms.read_callback(esms.callback_args("s", "r", "0912000001", True, 800)) == ("s", "r", True)


def test_zalo_message_status_answers_read_as_published():
    query, headers = zns.status_request("tok", "a1b2", "84912000001")
    assert query == "message_id=a1b2&phone=84912000001" and headers == {"access_token": "tok"}
    delivered = zns.read_status_answer(200, {"error": 0, "message": "Success", "data": {
        "delivery_time": "1767678030984", "message": "The message was delivered to the user's phone", "status": 1}})
    assert (delivered.state, delivered.delivered_ms) == (zns.DELIVERED, 1767678030984)
    assert zns.read_status_answer(200, {"error": 0, "data": {"status": 0}}).state == zns.PENDING
    assert zns.read_status_answer(200, {"error": 0, "data": {"status": -1}}).state == zns.UNDELIVERED
    assert zns.read_status_answer(200, {"error": -124, "message": "Access token is invalid"}).state == Kind.TOKEN
    assert zns.read_status_answer(502, {}).state == Kind.RETRY
    assert zns.read_status_answer(200, {"error": 0, "data": {}}).state == Kind.RETRY
