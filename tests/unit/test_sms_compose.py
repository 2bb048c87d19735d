"""Every SMS the contact book sends fits its two segments as eSMS counts them (GSM 7-bit, sent
with IsUnicode "0": 160 characters alone, 153 a segment when split, `[]{}\\^~|` counting twice) —
with the school's name before the body and the link after it (issue #26, outside tester F1: a
digest cut to 306 characters before its link was appended went out as 308, three segments)."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from lms import create_app
from lms.config import TestConfig
from lms.core.notify import MESSAGES
from lms.messaging import rules, texts
from lms.messaging.dispatch import sms_text


@pytest.fixture(scope="module")
def app():
    return create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}))


LONG = "Nguyễn Thị Phương Thảo [ghi chú] {đã đủ} giấy khám bệnh — “có phép”… " * 3


def _params() -> dict:
    """Every parameter any notice names, as a long Vietnamese text with characters that count twice."""
    names = {n for t in [*MESSAGES.values(), *texts.DIGEST_LINES.values()] for n in re.findall(r"%\((\w+)\)s", str(t))}
    return {**{n: LONG for n in names}, "how": "K", "body": "Kính gửi phụ huynh — họp lớp {thứ bảy} " * 10,
            "invoices": [{"code": "HP00010002285", "amount": "770.000", "due": "10/11/2026"}] * 4}


def _send(kind: str, payload: dict, link: str = "/children/24/attendance") -> str:
    school = SimpleNamespace(name="Trường THCS Nguyễn Du")
    session = SimpleNamespace(get=lambda _model, _id: school)
    message = SimpleNamespace(kind=kind, school_id=1, payload={**payload, "link": link})
    ctx = SimpleNamespace(text=lambda k, p, _locale: texts.render(k, p), base_url="http://127.0.0.1:5202/", box=None)
    return sms_text(session, message, ctx)


def test_the_testers_digest_fits_two_segments_with_its_link(app):
    items = [{"kind": "digest_absent", "params": {"student": "Lê Gia Hà", "date": "08/12/2026", "how": "P"}},
             {"kind": "leave_refused", "params": {"student": "Lê Gia Hà", "from": "09/12/2026", "to": "10/12/2026",
                                                  "note": "tester26: Xin nộp giấy khám bệnh <b>bold</b> rồi gửi lại."}},
             {"kind": "leave_approved", "params": {"student": "Lê Gia Hà", "from": "11/12/2026", "to": "11/12/2026"}}]
    with app.test_request_context():
        text = _send("digest", {"day": "08/12/2026", "items": items}, "/notifications")
    assert rules.sms_length(text) <= 306 and rules.sms_segments(text) == 2
    assert text.startswith("Truong THCS Nguyen Du: Tin ngay 08/12/2026: Em Le Gia Ha vang mat")
    assert text.endswith("... http://127.0.0.1:5202/notifications") and text.isascii()


@pytest.mark.parametrize("kind", sorted(set(MESSAGES) | set(texts.DIGEST_LINES)))
def test_every_notice_kind_fits_two_segments(app, kind):
    with app.test_request_context():
        params = _params()
        one = _send(kind, {"params": params})
        digest = _send("digest", {"day": "08/12/2026", "items": [{"kind": kind, "params": params}] * 3},
                       "/notifications")
    for text in (one, digest):
        assert rules.sms_segments(text) <= 2 and rules.sms_length(text) <= 306, (kind, len(text), text)
        assert text.isascii() and "http://127.0.0.1:5202/" in text


@pytest.mark.parametrize("body", ["ngắn", "a" * 137, "a" * 138, "[" * 80, "x" * 150 + "]" * 40, "“…”" * 200])
def test_compose_fills_but_never_passes_the_cap(body):
    tail = " http://127.0.0.1:5202/notifications"
    text = rules.sms_compose("Trường THCS Nguyễn Du: ", body, tail)
    assert text.endswith(tail) and rules.sms_segments(text) <= 2
    one = rules.sms_compose("Trường: ", body, tail, segments=1)
    assert rules.sms_length(one) <= 160 and one.endswith(tail)
