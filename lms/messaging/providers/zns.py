"""Zalo Notification Service (ZNS) as published by Zalo (sources and what is assumed: README,
"Sổ liên lạc điện tử").

Sending: POST `https://business.openapi.zalo.me/message/template`, header `access_token` (the
Official Account's), JSON `{"phone": "84…", "template_id": "…", "template_data": {…},
"tracking_id": "…"}`. The answer is `{"error": 0, "message": "Success", "data": {"msg_id",
"sent_time", "sending_mode", "quota": {"dailyQuota", "remainingQuota"}}}`, or a negative
`error` with its `message`.

Access token: POST `https://oauth.zaloapp.com/v4/oa/access_token`, header `secret_key` (the
app's secret), form `refresh_token`, `app_id`, `grant_type=refresh_token` → `{"access_token",
"refresh_token", "expires_in"}` (seconds, as a string). The access token lives about 25 hours;
each refresh token works once, so the new one is stored at once.

Delivery report (webhook event `user_received_message`): POST to the app's webhook URL with
`{"event_name", "app_id", "sender": {"id": OA id}, "recipient": {"id"}, "message": {"msg_id",
"tracking_id", "delivery_time"}, "timestamp"}`; header `X-ZEvent-Signature: mac=<hex>`,
mac = SHA-256(app_id + raw body + timestamp + OA secret key).

Delivery status (for a message whose webhook never came): GET
`https://business.openapi.zalo.me/message/status?message_id=<msg_id>&phone=84…`, header
`access_token` → `{"error": 0, "message": "Success", "data": {"delivery_time": "<ms>", "message":
"…", "status": 1}}`, `status` 1 delivered to the phone, 0 taken by Zalo but not yet on the phone,
-1 no such message.

Error codes (https://zalo.cloud/zns/guidelines/handle-error-code): below, with what the sender
does about each; a code not listed is taken as a refusal of this message for this recipient.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

from lms.messaging.providers import DELIVERED, PENDING, UNDELIVERED, DeliveryStatus, Kind, Outcome

SEND_URL = "https://business.openapi.zalo.me/message/template"
TOKEN_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
STATUS_URL = "https://business.openapi.zalo.me/message/status"
SEND_PATH = "/message/template"
STATUS_PATH = "/message/status"
TOKEN_PATH = "/v4/oa/access_token"

RECIPIENT, SETUP, RETRY, TOKEN = "recipient", "setup", "retry", "token"
ERRORS: dict[int, tuple[str, str]] = {
    -100: ("Unknown error", RETRY),
    -101: ("Application invalid", SETUP),
    -102: ("Application not existed", SETUP),
    -103: ("Application not activated", SETUP),
    -104: ("App secret key invalid", SETUP),
    -105: ("Application not link to any OA", SETUP),
    -106: ("Method unsupported", SETUP),
    -107: ("Message ID invalid", SETUP),
    -108: ("Phone number invalid", RECIPIENT),
    -109: ("Template ID invalid", SETUP),
    -110: ("Zalo version unsupported", RECIPIENT),
    -111: ("Template data empty", SETUP),
    -112: ("Template data invalid", SETUP),
    -113: ("Button invalid", SETUP),
    -114: ("User is inactive, or reject the message, or using an outdated Zalo version, or other internal errors",
           RECIPIENT),
    -115: ("Out of quota", SETUP),
    -116: ("Text invalid", SETUP),
    -117: ("OA or App does not have permission to access this template", SETUP),
    -118: ("Zalo account not existed", RECIPIENT),
    -119: ("Account can not receive ZNS", RECIPIENT),
    -124: ("Access token invalid", TOKEN),
}


def send_request(access_token: str, phone: str, template_id: str, template_data: dict[str, str],
                 tracking_id: str) -> tuple[dict[str, str], bytes]:
    body = {"phone": phone, "template_id": str(template_id), "template_data": template_data,
            "tracking_id": tracking_id}
    return ({"access_token": access_token, "Content-Type": "application/json"},
            json.dumps(body, ensure_ascii=False).encode())


def read_send_answer(status: int, answer: dict) -> Outcome:
    if status >= 500 or status == 429:
        return Outcome(Kind.RETRY, f"http {status}", "")
    try:
        code = int(answer.get("error"))
    except (TypeError, ValueError):
        return Outcome(Kind.RETRY, f"http {status}", "unreadable answer")
    message = str(answer.get("message") or "")[:300]
    if code == 0:
        msg_id = str((answer.get("data") or {}).get("msg_id") or "")
        return Outcome(Kind.ACCEPTED, "0", message, msg_id or None)
    known, category = ERRORS.get(code, (message, RECIPIENT))
    text = message or known
    if category == TOKEN:
        return Outcome(Kind.TOKEN, str(code), text, setup=True)
    if category == RETRY:
        return Outcome(Kind.RETRY, str(code), text)
    return Outcome(Kind.REJECTED, str(code), text, setup=category == SETUP)


def status_request(access_token: str, msg_id: str, phone: str) -> tuple[str, dict[str, str]]:
    """(query string, headers) of the delivery-status call."""
    return urlencode({"message_id": msg_id, "phone": phone}), {"access_token": access_token}


def read_status_answer(status: int, answer: dict) -> DeliveryStatus:
    if status >= 500 or status == 429:
        return DeliveryStatus(Kind.RETRY, text=f"http {status}")
    try:
        code = int(answer.get("error"))
    except (TypeError, ValueError):
        return DeliveryStatus(Kind.RETRY, text="unreadable answer")
    if code == -124:
        return DeliveryStatus(Kind.TOKEN, text=str(answer.get("message") or ERRORS[-124][0]))
    if code != 0:
        return DeliveryStatus(Kind.RETRY, text=str(answer.get("message") or code)[:300])
    data = answer.get("data") or {}
    try:
        state = int(data.get("status"))
    except (TypeError, ValueError):
        return DeliveryStatus(Kind.RETRY, text="unreadable status")
    text = str(data.get("message") or "")[:300]
    if state == 1:
        try:
            when = int(data.get("delivery_time"))
        except (TypeError, ValueError):
            when = None
        return DeliveryStatus(DELIVERED, when, text)
    return DeliveryStatus(PENDING if state == 0 else UNDELIVERED, None, text)   # -1: Zalo has no such message


class TokenError(Exception):
    """The refresh was refused: the school must authorise the app again (a new refresh token)."""


def refresh_request(app_id: str, app_secret: str, refresh_token: str) -> tuple[dict[str, str], bytes]:
    return ({"secret_key": app_secret, "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}).encode())


def read_refresh_answer(status: int, answer: dict) -> tuple[str, str, int]:
    """(access token, refresh token, lifetime in seconds), or TokenError naming the refusal."""
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if status != 200 or not access or not refresh:
        raise TokenError(str(answer.get("error_description") or answer.get("error_name") or answer.get("error")
                             or f"http {status}")[:300])
    try:
        lifetime = int(answer.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600
    return str(access), str(refresh), lifetime


def mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    return hashlib.sha256(app_id.encode() + raw_body + str(timestamp).encode() + oa_secret_key.encode()).hexdigest()


def verify_webhook(signature: str | None, raw_body: bytes, app_id: str, timestamp: str, oa_secret_key: str) -> bool:
    """The `X-ZEvent-Signature` header (`mac=<hex>`, the prefix optional) against the body."""
    if not signature or not oa_secret_key or not app_id:
        return False
    given = signature.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    return hmac.compare_digest(given.lower().encode(), mac(app_id, raw_body, timestamp, oa_secret_key).encode())


def delivery_event(app_id: str, oa_id: str, msg_id: str, tracking_id: str, delivered_ms: int) -> dict:
    """A `user_received_message` event as Zalo posts it (the sandbox sends this)."""
    return {"event_name": "user_received_message", "app_id": app_id, "sender": {"id": oa_id},
            "recipient": {"id": ""}, "message": {"msg_id": msg_id, "tracking_id": tracking_id,
                                                 "delivery_time": str(delivered_ms)},
            "timestamp": str(delivered_ms)}
