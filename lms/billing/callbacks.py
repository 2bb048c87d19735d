"""Provider callbacks, decided without Flask: authenticate the raw request, parse it strictly,
store it with its receive time, then match and record in the caller's one transaction; the
caller commits and only then answers (security.md §A). A callback that fails authentication
writes only its log row and a security event; nothing it says is believed."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.billing import channel_settings, matching
from lms.billing.checkouts import log
from lms.billing.models import CallbackLog
from lms.core import audit
from lms.core.cards import mask_card_numbers
from lms.people.models import School


@dataclass
class Answer:
    status: int
    body: dict | None


def _school(session: Session, code: str) -> School | None:
    return session.scalars(select(School).where(School.code == code)).first()


def open_callback(session: Session, school_code: str, channel: str, raw: bytes, now: datetime):
    """Log a school's callback on arrival; returns (school, its configured setting or None, log row).
    When the school or the channel is unknown or switched off, the log row already says so."""
    school = _school(session, school_code)
    entry = log(session, school.id if school else None, channel, raw, now)
    setting = channel_settings.setting_of(session, school.id, channel) if school else None
    if not channel_settings.is_configured(setting):
        refuse(session, entry, "not configured")
        return school, None, entry
    return school, setting, entry


def refuse(session: Session, entry: CallbackLog, reason: str) -> Answer:
    entry.outcome = reason
    audit.record(session, "callback_refused", school_id=entry.school_id, subject_type="callback",
                 subject_id=entry.id, detail=f"{entry.provider}: {reason}")
    return Answer(401, {"success": False})


def _when(text: str | None, now: datetime) -> datetime:
    """When a provider says a transfer happened: Vietnam local time as 'YYYY-MM-DD HH:MM:SS' (the
    webhooks), or ISO 8601 with its offset ('2026-12-05T08:15:32+07:00', payOS's lookup); without
    an offset, school time. `now` only when there is no time at all."""
    try:
        return _aware(datetime.fromisoformat((text or "").strip()))
    except ValueError:
        return now


def _aware(moment: datetime) -> datetime:
    from lms.core.timeutil import local_to_utc, school_tz

    if moment.tzinfo is None:
        return local_to_utc(moment, school_tz())
    return moment.astimezone(timezone.utc)


def _mask_log(entry: CallbackLog, body: object) -> None:
    """The memo held what looks like a card number: the logged body keeps it masked too."""
    def mask(value):
        if isinstance(value, str):
            return mask_card_numbers(value)[0]
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    entry.body = json.dumps(mask(body), ensure_ascii=False)[:20000]
    entry.outcome = f"{entry.outcome} (card number masked)"[:40]


def _outcome(received: matching.Received) -> str:
    if received.outcome == "again":
        return "duplicate"
    if received.outcome == "known":
        return f"seen before: {received.transaction.source}"[:40]
    return received.transaction.status


def bank_feed(session: Session, channel: str, school_code: str, credential: str | None, raw: bytes, *, box,
              signer, now: datetime) -> Answer:
    """A bank feed's webhook (SePay, Casso: `registry.feed`), one credit per call: the school's
    key or signature checked first (`refusal`), the body read by the feed's own module
    (`transfer`: a 400 naming what it needs when it is not the provider's), then the credit
    recorded once whoever else reported it (`matching.receive_transfer`); a debit is logged and
    ignored; a redelivery is answered as the first call and records nothing."""
    from lms.billing.channels.registry import feed

    module = feed(channel)
    school, setting, entry = open_callback(session, school_code, channel, raw, now)
    if setting is None:
        return Answer(401, {"success": False})
    reason = module.refusal(credential, raw, channel_settings.secrets_of(box, setting), now)
    if reason is not None:
        return refuse(session, entry, reason)
    entry.verified = True
    try:
        transfer = module.transfer(raw, now)
    except (ValueError, KeyError, TypeError, AttributeError):
        entry.outcome = "malformed"
        return Answer(400, module.MALFORMED)
    if transfer is None:
        entry.outcome = "debit ignored"
        return Answer(200, module.OK)
    received = matching.receive_transfer(session, school, transfer, signer=signer, now=now, receipts_later=True)
    entry.outcome = _outcome(received)
    entry.payment_id = received.transaction.payment_id if received.transaction else None
    if received.masked:
        _mask_log(entry, json.loads(raw))
    return Answer(200, module.OK)
