"""The providers' delivery reports as they arrive: Zalo's signed webhook events and eSMS's
callbacks. Answered fast; a report that cannot be checked changes nothing and is logged."""
from __future__ import annotations

import hmac
import json
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.core import audit
from lms.messaging import dispatch
from lms.messaging.models import ChannelAccount, Provider
from lms.messaging.providers import esms, zns
from lms.messaging.settings import secrets_of


def receive_zalo(session: Session, box, raw: bytes, signature: str | None, now: datetime) -> tuple[int, dict]:
    """A Zalo webhook event. `user_received_message` marks the ZNS delivered; other events are
    acknowledged and ignored."""
    try:
        event = json.loads(raw)
        app_id, timestamp = str(event["app_id"]), str(event.get("timestamp", ""))
    except (ValueError, KeyError, TypeError):
        return 401, {"error": -1, "message": "unreadable event"}   # nothing to check a signature against
    account = next((a for a in session.scalars(select(ChannelAccount).where(ChannelAccount.provider == Provider.ZNS))
                    if a.public.get("app_id") == app_id), None)
    secret = secrets_of(box, account).get("oa_secret_key", "") if account else ""
    if account is None or not zns.verify_webhook(signature, raw, app_id, timestamp, secret):
        audit.record(session, "message_hook_refused", school_id=account.school_id if account else None,
                     detail="zalo: bad signature" if account else "zalo: unknown app")
        return 401, {"error": -1, "message": "invalid signature"}
    if event.get("event_name") == "user_received_message":
        message = event.get("message") or {}
        try:
            when = datetime.fromtimestamp(int(message.get("delivery_time") or timestamp) / 1000, timezone.utc)
        except (TypeError, ValueError):
            when = now
        dispatch.record_zns_delivery(session, account.school_id, str(message.get("msg_id") or ""),
                                     str(message.get("tracking_id") or ""), when)
    return 200, {"error": 0, "message": "Success"}


def receive_esms(session: Session, token: str, args, now: datetime) -> tuple[int, str]:
    """eSMS's GET callback to the school's own URL."""
    account = session.scalars(select(ChannelAccount).where(ChannelAccount.provider == Provider.ESMS,
                                                           ChannelAccount.hook_token == token)).first()
    if account is None or not hmac.compare_digest(account.hook_token.encode(), token.encode()):
        return 404, "not found"
    smsid, request_id, delivered = esms.read_callback(args)
    dispatch.record_sms_report(session, account.school_id, smsid, request_id, delivered, now)
    return 200, "OK"
