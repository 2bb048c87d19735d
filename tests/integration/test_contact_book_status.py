"""Asking the providers what became of a message whose delivery report never came: one path for
ZNS and SMS (eSMS's GetSendStatus as Zalo's message status), its answers on the school's failures
page."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from lms.auth.models import User
from lms.messaging import dispatch, sandbox, settings
from lms.messaging.models import OutboundMessage, SandboxMessage
from lms.messaging.providers import DELIVERED, PENDING, UNDELIVERED, Kind, esms
from lms.people.models import School
from tests.integration.test_contact_book import BASE, DAY, absent, at, context, messages, set_up


@pytest.fixture(autouse=True)
def _on_the_day():
    with time_machine.travel(at(DAY, 0, 1), tick=True):
        yield


def _callbacks_lost(s, app, world, unreported: str, failed: str = "") -> None:
    """The sandbox's eSMS takes SMS to these numbers but its callback never reaches us."""
    settings.save_account(s, s.get(User, world.a.admin.id), s.get(School, world.a.school.id), "esms",
                          {"brandname": "THCS.THUA", "api_key": "api-key", "secret_key": "esms-secret",
                           "sandbox_unreported": unreported, "sandbox_failed": failed},
                          enabled=True, sandbox=True, box=app.extensions["lms_secrets"], now=at(DAY, 7))
    s.commit()


def test_esms_status_answers_are_read_as_the_callbacks_are():
    ok = {"CodeResponse": "100", "SMSID": "x", "SendFailed": 0, "SendStatus": 5, "SendSuccess": 1,
          "TotalPrice": 850.0, "TotalReceiver": 1, "TotalSent": 1}
    assert esms.read_status_answer(200, ok).state == DELIVERED
    assert esms.read_status_answer(200, {**ok, "SendSuccess": 0, "SendFailed": 1}).state == UNDELIVERED
    assert esms.read_status_answer(200, {**ok, "SendStatus": 4, "SendSuccess": 0}).state == UNDELIVERED
    assert esms.read_status_answer(200, {**ok, "SendStatus": 2, "SendSuccess": 0}).state == PENDING
    assert esms.read_status_answer(200, {"CodeResponse": "101", "ErrorMessage": "Authorize Failed"}).state == Kind.RETRY
    assert esms.read_status_answer(502, {}).state == Kind.RETRY
    assert esms.status_query("k", "s", "abc") == "RefId=abc&ApiKey=k&SecretKey=s"


def test_an_sms_whose_callback_is_lost_is_asked_of_esms(world, app, dbs, client):
    box = app.extensions["lms_secrets"]
    with dbs() as s:
        set_up(s, app, world, prefs=("sms",))
        _callbacks_lost(s, app, world, "0912000001")
        absent(s, world)
        sent = at(DAY, 7, 16)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        [sms] = messages(s)
        assert (sms.channel, sms.status) == ("sms", "accepted") and sms.provider_id
        assert sandbox.due_reports(s, box, at(DAY, 7, 17), BASE) == []          # eSMS's callback never comes
        early = at(DAY, 7, 19)
        assert dispatch.check_deliveries(s, early, context(s, app, lambda: early)) == 0
        assert s.get(OutboundMessage, sms.id).checked_at is None                # not asked before 5 minutes
        when = at(DAY, 7, 22)
        assert dispatch.check_deliveries(s, when, context(s, app, lambda: when)) == 1
        sms = s.get(OutboundMessage, sms.id)
        assert (sms.status, sms.delivered_at, sms.checked_at) == ("delivered", when, when)
        assert sms.cost == 800


def test_an_sms_the_network_failed_is_found_by_asking_and_shown_to_the_school(world, app, dbs, client):
    with dbs() as s:
        set_up(s, app, world, prefs=("sms",))
        _callbacks_lost(s, app, world, "0912000001", failed="0912000001")
        absent(s, world)
        sent = at(DAY, 7, 16)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        when = at(DAY, 7, 22)
        assert dispatch.check_deliveries(s, when, context(s, app, lambda: when)) == 1
        [sms] = messages(s)
        assert (sms.status, sms.error_code, sms.cost) == ("failed", "network", 0)
        # Asked again later, nothing is asked nor changed: it is settled.
        later = at(DAY, 8)
        assert dispatch.check_deliveries(s, later, context(s, app, lambda: later)) == 0
        assert s.get(OutboundMessage, sms.id).checked_at == when
    client.login("admin.a")
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "Nhà mạng báo không gửi được" in page and "Nguyễn Văn An" in page
    assert "Đã hỏi eSMS lúc 07/12 07:22" in page


def test_an_sms_never_confirmed_is_unknown_to_the_school_until_a_late_report_settles_it(world, app, dbs, client):
    with dbs() as s:
        set_up(s, app, world, prefs=("sms",))
        _callbacks_lost(s, app, world, "0912000001")
        absent(s, world)
        sent = at(DAY, 7, 16)
        dispatch.send_due(s, sent, context(s, app, lambda: sent))
        [sms] = messages(s)
        row = s.scalars(select(SandboxMessage)).one()
        row.report_at = sent + timedelta(days=1)                # the network keeps it waiting
        s.commit()
        for minute, settled in ((30, 0), (50, 0)):
            when = at(DAY, 7, minute)
            assert dispatch.check_deliveries(s, when, context(s, app, lambda when=when: when)) == settled
            assert s.get(OutboundMessage, sms.id).status == "accepted"
        # An hour after sending, the absence notice is shown unconfirmed (the SMS was the last channel).
        late = at(DAY, 8, 20)
        assert dispatch.check_deliveries(s, late, context(s, app, lambda: late)) == 1
        sms = s.get(OutboundMessage, sms.id)
        assert (sms.status, sms.error_code, sms.cost) == ("unknown", "unconfirmed", 800)
        assert messages(s, channel="zns") == []
    client.login("admin.a")
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "Nhà mạng chưa báo đã nhận tin sau 1 giờ" in page
    with dbs() as s:
        # eSMS answers after all: the message is delivered, and leaves the failures.
        after = sent + timedelta(days=1, minutes=1)
        assert dispatch.settle(s, s.get(OutboundMessage, sms.id), esms.read_status_answer(
            200, {"CodeResponse": "100", "SendStatus": 5, "SendSuccess": 1}), after) == 1
        s.commit()
        assert s.get(OutboundMessage, sms.id).status == "delivered"
    page = client.get("/contact-book/problems?month=2026-12").get_data(as_text=True)
    assert "Nhà mạng chưa báo đã nhận tin sau 1 giờ" not in page
