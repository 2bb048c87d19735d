"""Provider callbacks, decided without Flask: authenticate the raw request, parse it strictly,
store it with its receive time, then match and record in the caller's one transaction; the
caller commits and only then answers (security.md §A). A callback that fails authentication
writes only its log row and a security event; nothing it says is believed."""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.billing import channel_settings, matching
from lms.billing.channels import casso
from lms.billing.checkouts import feed_amount, log
from lms.billing.models import CallbackLog
from lms.core import audit
from lms.core.cards import mask_card_numbers
from lms.people.models import School

CASSO_TOLERANCE_S = 300


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


def sepay(session: Session, school_code: str, authorization: str | None, raw: bytes, *, box, signer,
          now: datetime) -> Answer:
    """SePay: `Authorization: Apikey <key>`; one statement line per call; answered
    `{"success": true}` (also for a redelivery, which records nothing)."""
    school, setting, entry = open_callback(session, school_code, "sepay", raw, now)
    if setting is None:
        return Answer(401, {"success": False})
    key = channel_settings.secrets_of(box, setting).get("api_key", "")
    given = (authorization or "").removeprefix("Apikey ").strip()
    if not key or not hmac.compare_digest(key.encode(), given.encode()):
        return refuse(session, entry, "bad api key")
    entry.verified = True
    try:
        body = json.loads(raw)
        txn_id, amount = str(body["id"]), feed_amount(body["transferAmount"])
        incoming = body.get("transferType") == "in"
    except (ValueError, KeyError, TypeError):
        entry.outcome = "malformed"
        return Answer(400, {"success": False, "message": "id, transferAmount (whole VND) and transferType required"})
    if not incoming or amount <= 0:
        entry.outcome = "debit ignored"
        return Answer(200, {"success": True})
    received = matching.receive_transfer(session, school, matching.TransferIn(
        "sepay", txn_id, amount, str(body.get("content") or body.get("description") or ""),
        _when(body.get("transactionDate"), now), bank_reference=str(body.get("referenceCode") or ""),
        account_number=str(body.get("accountNumber") or ""), code=body.get("code"),
        # SePay sends no payer field: the bank wrote the sender's name in its own text.
        counter_name=matching.payer_in_memo(str(body.get("description") or ""))), signer=signer, now=now,
        receipts_later=True)
    entry.outcome = _outcome(received)
    entry.payment_id = received.transaction.payment_id if received.transaction else None
    if received.masked:
        _mask_log(entry, body)
    return Answer(200, {"success": True})


def casso_webhook(session: Session, school_code: str, signature: str | None, raw: bytes, *, box, signer,
                  now: datetime) -> Answer:
    """Casso webhook v2: `X-Casso-Signature: t=<ms>,v1=<hex>` over the sorted JSON body."""
    school, setting, entry = open_callback(session, school_code, "casso", raw, now)
    if setting is None:
        return Answer(401, {"success": False})
    try:
        body = json.loads(raw)
    except ValueError:
        return refuse(session, entry, "malformed")
    key = channel_settings.secrets_of(box, setting).get("checksum_key", "")
    now_ms = int(now.astimezone(timezone.utc).timestamp() * 1000)
    if not isinstance(body, dict) or not casso.verify_signature(signature or "", body, key, CASSO_TOLERANCE_S, now_ms):
        return refuse(session, entry, "bad signature")
    entry.verified = True
    data = body.get("data")
    try:
        txn_id, amount = str(data["id"]), feed_amount(data["amount"])
    except (KeyError, TypeError, ValueError):
        entry.outcome = "malformed"
        return Answer(400, {"error": 1, "message": "data.id and data.amount (whole VND) required"})
    if amount <= 0:
        entry.outcome = "debit ignored"
        return Answer(200, {"error": 0})
    received = matching.receive_transfer(session, school, matching.TransferIn(
        "casso", txn_id, amount, str(data.get("description") or ""), _when(data.get("transactionDateTime"), now),
        bank_reference=str(data.get("reference") or ""), counter_name=str(data.get("counterAccountName") or ""),
        counter_account=str(data.get("counterAccountNumber") or ""), account_number=str(data.get("accountNumber") or "")),
        signer=signer, now=now, receipts_later=True)
    entry.outcome = _outcome(received)
    entry.payment_id = received.transaction.payment_id if received.transaction else None
    if received.masked:
        _mask_log(entry, body)
    return Answer(200, {"error": 0})
