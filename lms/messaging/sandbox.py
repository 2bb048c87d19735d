"""The local imitation of Zalo ZNS and eSMS, for the demo and the tests only
(LMS_MESSAGING_SANDBOX; never in production). It answers the same requests as the real APIs do —
token refresh, sending, error codes — with the school's own keys, and reports delivery later
through the same webhooks, signed as the providers sign them. What it refuses is set on the
school's account: numbers without Zalo (ZNS -118), numbers that take a ZNS but never report it
received, numbers the SMS network fails, numbers whose SMS callback never comes (its status API
still answers)."""
from __future__ import annotations

import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.messaging import hooks
from lms.messaging.models import ChannelAccount, Provider, SandboxMessage, SandboxToken
from lms.messaging.providers import esms, zns
from lms.messaging.settings import phones_of, secrets_of, settings_of

REPORT_DELAY = timedelta(seconds=30)     # delivery reports come this long after sending
TOKEN_LIFETIME = 90_000                  # seconds, as Zalo's access tokens (25 hours)
DAILY_QUOTA = 500


def _accounts(session: Session, provider: str) -> list[ChannelAccount]:
    return list(session.scalars(select(ChannelAccount).where(ChannelAccount.provider == provider,
                                                             ChannelAccount.sandbox.is_(True))))


def _zalo_account(session: Session, app_id: str) -> ChannelAccount | None:
    return next((a for a in _accounts(session, Provider.ZNS) if a.public.get("app_id") == app_id), None)


def _national(phone: str) -> str:
    return "0" + phone[2:] if phone.startswith("84") else phone


# ---------------------------------------------------------------- Zalo

def zalo_token(session: Session, box, secret_key: str | None, form: dict[str, str], now: datetime) -> tuple[int, dict]:
    """oauth.zaloapp.com/v4/oa/access_token with grant_type=refresh_token."""
    account = _zalo_account(session, form.get("app_id", ""))
    if account is None:
        return 200, {"error": -14001, "error_name": "Invalid parameter", "error_description": "app_id is invalid"}
    keys = secrets_of(box, account)
    if not hmac.compare_digest((secret_key or "").encode(), keys.get("app_secret", "").encode()):
        return 200, {"error": -14002, "error_name": "Invalid secret key", "error_description": "secret key is invalid"}
    given = form.get("refresh_token", "")
    if form.get("grant_type") != "refresh_token" or not given:
        return 200, {"error": -14001, "error_name": "Invalid parameter", "error_description": "grant_type"}
    row = session.scalars(select(SandboxToken).where(SandboxToken.app_id == account.public["app_id"],
                                                     SandboxToken.refresh_token == given)).first()
    issued_before = session.scalar(select(func.count()).select_from(SandboxToken).where(
        SandboxToken.app_id == account.public["app_id"]))
    first_use = row is None and not issued_before and hmac.compare_digest(given.encode(),
                                                                          keys.get("refresh_token", "").encode())
    if not first_use and (row is None or row.refresh_used):
        return 200, {"error": -14014, "error_name": "Invalid refresh token",
                     "error_description": "refresh token is invalid or already used"}
    if row is not None:
        row.refresh_used = True
    fresh = SandboxToken(app_id=account.public["app_id"], access_token=secrets.token_urlsafe(32),
                         refresh_token=secrets.token_urlsafe(32), expires_at=now + timedelta(seconds=TOKEN_LIFETIME))
    session.add(fresh)
    session.flush()
    return 200, {"access_token": fresh.access_token, "refresh_token": fresh.refresh_token,
                 "expires_in": str(TOKEN_LIFETIME)}


def zalo_send(session: Session, access_token: str | None, body: dict, now: datetime) -> tuple[int, dict]:
    """business.openapi.zalo.me/message/template."""
    token = session.scalars(select(SandboxToken).where(SandboxToken.access_token == (access_token or ""))).first()
    if token is None or token.expires_at <= now:
        return 200, {"error": -124, "message": "Access token is invalid"}
    account = _zalo_account(session, token.app_id)
    phone = str(body.get("phone") or "")
    templates = {account.public.get(k) for k in ("template_absence", "template_digest", "template_notice")}
    if not re.fullmatch(r"84\d{9,10}", phone):
        return 200, {"error": -108, "message": "Phone number invalid"}
    if str(body.get("template_id") or "") not in templates:
        return 200, {"error": -109, "message": "Template ID invalid"}
    if not isinstance(body.get("template_data"), dict) or not body["template_data"]:
        return 200, {"error": -111, "message": "Template data empty"}
    if _national(phone) in phones_of(account, "sandbox_no_zalo"):
        return 200, {"error": -118, "message": "Zalo account not existed"}
    msg_id = uuid.uuid4().hex
    session.add(SandboxMessage(school_id=account.school_id, provider=Provider.ZNS, provider_id=msg_id,
                               request_id=msg_id, phone=_national(phone),
                               payload={"tracking_id": str(body.get("tracking_id") or ""),
                                        "template_id": str(body["template_id"]), "template_data": body["template_data"]},
                               delivered=_national(phone) not in phones_of(account, "sandbox_undelivered"),
                               report_at=now + REPORT_DELAY, created_at=now))
    session.flush()
    used = session.scalar(select(func.count()).select_from(SandboxMessage).where(
        SandboxMessage.provider == Provider.ZNS, SandboxMessage.school_id == account.school_id,
        SandboxMessage.created_at >= now.replace(hour=0, minute=0, second=0, microsecond=0)))
    return 200, {"error": 0, "message": "Success",
                 "data": {"msg_id": msg_id, "sent_time": str(int(now.timestamp() * 1000)), "sending_mode": "1",
                          "quota": {"dailyQuota": str(DAILY_QUOTA), "remainingQuota": str(max(0, DAILY_QUOTA - used))}}}


def zalo_status(session: Session, access_token: str | None, args: dict[str, str], now: datetime) -> tuple[int, dict]:
    """business.openapi.zalo.me/message/status: 1 once the message has reached a phone that
    takes it (its report time has come), 0 before that and for ever for the numbers listed as
    never receiving, -1 for a message the sandbox never took."""
    token = session.scalars(select(SandboxToken).where(SandboxToken.access_token == (access_token or ""))).first()
    if token is None or token.expires_at <= now:
        return 200, {"error": -124, "message": "Access token is invalid"}
    account = _zalo_account(session, token.app_id)
    row = session.scalars(select(SandboxMessage).where(
        SandboxMessage.provider == Provider.ZNS, SandboxMessage.provider_id == str(args.get("message_id") or ""),
        SandboxMessage.school_id == account.school_id)).first()
    if row is None or row.phone != _national(str(args.get("phone") or "")):
        return 200, {"error": 0, "message": "Success", "data": {"status": -1, "message": "Message does not exist"}}
    if row.delivered and row.report_at <= now:
        return 200, {"error": 0, "message": "Success",
                     "data": {"status": 1, "delivery_time": str(int(row.report_at.timestamp() * 1000)),
                              "message": "The message was delivered to the user's phone"}}
    return 200, {"error": 0, "message": "Success",
                 "data": {"status": 0, "message": "The message has not yet been delivered to the user's phone"}}


# ---------------------------------------------------------------- eSMS

def _esms_account(session: Session, box, keys: dict) -> ChannelAccount | None:
    return next((a for a in _accounts(session, Provider.ESMS)
                 if hmac.compare_digest(str(keys.get("ApiKey") or "").encode(),
                                        secrets_of(box, a).get("api_key", "").encode())
                 and hmac.compare_digest(str(keys.get("SecretKey") or "").encode(),
                                         secrets_of(box, a).get("secret_key", "").encode())), None)


def esms_send(session: Session, box, body: dict, now: datetime) -> tuple[int, dict]:
    """rest.esms.vn …/SendMultipleMessage_V4_post_json/."""
    account = _esms_account(session, box, body)
    if account is None:
        return 200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"}
    if str(body.get("Brandname") or "") != account.public.get("brandname"):
        return 200, {"CodeResult": "104", "ErrorMessage": "Brandname does not exist"}
    phone = str(body.get("Phone") or "")
    if not re.fullmatch(r"0\d{9,10}", phone):
        return 200, {"CodeResult": "108", "ErrorMessage": "Phone number is not in correct format"}
    request_id = str(body.get("RequestId") or "")
    if request_id and session.scalar(select(func.count()).select_from(SandboxMessage).where(
            SandboxMessage.provider == Provider.ESMS, SandboxMessage.request_id == request_id)):
        return 200, {"CodeResult": "124", "ErrorMessage": "Duplicate RequestId"}
    smsid = str(uuid.uuid4())
    session.add(SandboxMessage(school_id=account.school_id, provider=Provider.ESMS, provider_id=smsid,
                               request_id=request_id or smsid, phone=phone, payload={"content": body.get("Content", "")},
                               delivered=phone not in phones_of(account, "sandbox_failed"),
                               callback_url=str(body.get("CallbackUrl") or "")[:300], report_at=now + REPORT_DELAY,
                               created_at=now))
    session.flush()
    return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": smsid}


def esms_status(session: Session, box, args: dict[str, str], now: datetime) -> tuple[int, dict]:
    """rest.esms.vn …/GetSendStatus: the network's answer once its report time has come (2,
    waiting to send, before that); an SMSID of another account or none is not found."""
    account = _esms_account(session, box, args)
    if account is None:
        return 200, {"CodeResponse": "101", "ErrorMessage": "Authorize Failed"}
    row = session.scalars(select(SandboxMessage).where(
        SandboxMessage.provider == Provider.ESMS, SandboxMessage.provider_id == str(args.get("RefId") or ""),
        SandboxMessage.school_id == account.school_id)).first()
    if row is None:
        return 200, {"CodeResponse": "-1", "ErrorMessage": "SMSID not found"}
    done = row.report_at <= now
    return 200, {"CodeResponse": "100", "SMSID": row.provider_id, "SendStatus": 5 if done else 2,
                 "SendSuccess": int(done and row.delivered), "SendFailed": int(done and not row.delivered),
                 "TotalPrice": settings_of(session, row.school_id).sms_cost if done and row.delivered else 0,
                 "TotalReceiver": 1, "TotalSent": int(done)}


# ---------------------------------------------------------------- delivery reports, later

Call = tuple[str, str, dict[str, str], bytes]     # method, URL or path, headers, body


def due_reports(session: Session, box, now: datetime, base_url: str) -> list[Call]:
    """The webhook calls whose time has come, marked as made: a signed `user_received_message`
    for each ZNS that reached its phone (Zalo sends nothing for one that did not), and eSMS's GET
    for each SMS (but those to the numbers whose callback is lost)."""
    calls: list[Call] = []
    for row in session.scalars(select(SandboxMessage).where(SandboxMessage.reported_at.is_(None),
                                                            SandboxMessage.report_at <= now)
                               .order_by(SandboxMessage.id).limit(500)):
        row.reported_at = now
        when = int(row.report_at.timestamp() * 1000)
        if row.provider == Provider.ZNS:
            account = next((a for a in _accounts(session, Provider.ZNS) if a.school_id == row.school_id), None)
            if not row.delivered or account is None:
                continue
            event = zns.delivery_event(account.public.get("app_id", ""), account.public.get("oa_id", ""),
                                       row.provider_id, row.payload.get("tracking_id", ""), when)
            raw = json.dumps(event, separators=(",", ":")).encode()
            signature = zns.mac(event["app_id"], raw, event["timestamp"], secrets_of(box, account).get("oa_secret_key", ""))
            calls.append(("POST", base_url.rstrip("/") + "/hooks/zalo",
                          {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={signature}"}, raw))
        else:
            account = next((a for a in _accounts(session, Provider.ESMS) if a.school_id == row.school_id), None)
            if account is None or row.phone in phones_of(account, "sandbox_unreported"):
                continue
            price = settings_of(session, row.school_id).sms_cost
            args = esms.callback_args(row.provider_id, row.request_id, row.phone, row.delivered, price)
            calls.append(("GET", f"{row.callback_url}?{urlencode(args)}", {}, b""))
    session.flush()
    return calls


# ---------------------------------------------------------------- without HTTP (the demo, tests)

def direct_transport(session: Session, box, base_url: str, clock: Callable[[], datetime]):
    """A transport that hands the sandbox's URLs straight to the functions above, in the same
    session: the demo seeds through it, tests drive the sender with it."""
    base = base_url.rstrip("/")

    def call(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bool]:
        path = url[len(base):] if url.startswith(base) else ""
        path, _sep, query = path.partition("?")
        if method == "GET" and path == "/sandbox/zalo" + zns.STATUS_PATH:
            args = {k: v[0] for k, v in parse_qs(query).items()}
            status, answer = zalo_status(session, headers.get("access_token"), args, clock())
        elif path == "/sandbox/zalo" + zns.SEND_PATH:
            status, answer = zalo_send(session, headers.get("access_token"), json.loads(body), clock())
        elif path == "/sandbox/zalo/oauth" + zns.TOKEN_PATH:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            status, answer = zalo_token(session, box, headers.get("secret_key"), form, clock())
        elif method == "GET" and path == "/sandbox/esms" + esms.STATUS_PATH:
            args = {k: v[0] for k, v in parse_qs(query).items()}
            status, answer = esms_status(session, box, args, clock())
        elif path == "/sandbox/esms" + esms.SEND_PATH:
            status, answer = esms_send(session, box, json.loads(body), clock())
        else:
            return 599, {}, False
        return status, answer, True

    return call


def deliver_directly(session: Session, box, calls: list[Call], now: datetime) -> int:
    """Make the sandbox's webhook calls without HTTP (the demo, tests)."""
    done = 0
    for method, url, headers, body in calls:
        parts = urlsplit(url)
        if method == "POST" and parts.path.endswith("/hooks/zalo"):
            status, _answer = hooks.receive_zalo(session, box, body, headers.get("X-ZEvent-Signature"), now)
        else:
            token = parts.path.rsplit("/", 1)[-1]
            args = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            status, _answer = hooks.receive_esms(session, token, args, now)
        done += status == 200
    return done
