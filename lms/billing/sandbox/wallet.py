"""The sandbox's Mobile Money aggregator (Xendit payment requests v3): the create API (the
wallet's page) and the webhook it sends once the payer approves or declines in the wallet."""
from __future__ import annotations

import base64
import hmac
import json
import secrets as pysecrets
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.billing import channel_settings
from lms.billing.channels.registry import ENDPOINTS, SANDBOX
from lms.billing.channels import SHA256, hmac_hex
from lms.billing.models import ChannelSetting
from lms.people.models import School

ROOT = ENDPOINTS["mobile_money"][SANDBOX]["api"]
SIGNED = ("prq", "ref", "amount", "school", "back")


def _setting(session: Session, authorization: str | None, box) -> ChannelSetting | None:
    try:
        given = base64.b64decode((authorization or "").removeprefix("Basic ").strip()).decode().rstrip(":")
    except (ValueError, UnicodeDecodeError):
        return None
    for row in session.scalars(select(ChannelSetting).where(ChannelSetting.channel == "mobile_money")):
        if row.public.get("sandbox") and hmac.compare_digest(
                channel_settings.secrets_of(box, row).get("api_key", "").encode(), given.encode()):
            return row
    return None


def _token(setting: ChannelSetting, box, fields: Mapping[str, object]) -> str:
    key = channel_settings.secrets_of(box, setting).get("callback_token", "")
    return hmac_hex(SHA256, key, "|".join(str(fields.get(k, "")) for k in SIGNED))


def create(session: Session, authorization: str | None, body: Mapping[str, object], *, box,
           base_url: str) -> tuple[int, dict]:
    """What the aggregator's create answers: 201 with a WEB_URL (here the local wallet page)."""
    setting = _setting(session, authorization, box)
    if setting is None:
        return 401, {"error_code": "INVALID_API_KEY"}
    if body.get("currency") != "VND" or body.get("channel_code") != setting.public.get("channel_code"):
        return 400, {"error_code": "API_VALIDATION_ERROR"}
    school = session.get(School, setting.school_id)
    fields = {"prq": f"pr-{pysecrets.token_hex(8)}", "ref": body.get("reference_id"), "amount": body.get("request_amount"),
              "school": school.code, "back": (body.get("channel_properties") or {}).get("success_return_url", "")}
    fields["t"] = _token(setting, box, fields)
    return 201, {"payment_request_id": fields["prq"], "reference_id": fields["ref"], "status": "REQUIRES_ACTION",
                 "actions": [{"type": "REDIRECT_CUSTOMER", "descriptor": "WEB_URL",
                              "value": f"{base_url.rstrip('/')}{ROOT}/checkout?{urlencode(fields)}"}]}


def outcome(session: Session, fields: Mapping[str, str], *, box, success: bool,
            now: datetime) -> tuple[str, dict[str, str], bytes, str] | None:
    """The webhook the aggregator sends once the payer approves or declines in the wallet:
    (path, headers, body, where the browser goes back)."""
    school = session.scalars(select(School).where(School.code == fields.get("school"))).first()
    setting = channel_settings.setting_of(session, school.id, "mobile_money") if school else None
    if setting is None or not setting.public.get("sandbox") or not hmac.compare_digest(
            _token(setting, box, fields).encode(), str(fields.get("t", "")).encode()):
        return None
    data = {"payment_id": f"py-{pysecrets.token_hex(8)}", "payment_request_id": fields["prq"],
            "reference_id": fields["ref"], "status": "SUCCEEDED" if success else "FAILED",
            "request_amount": int(fields["amount"]), "currency": "VND", "channel_code": setting.public["channel_code"],
            "captures": [{"capture_id": f"cp-{pysecrets.token_hex(6)}", "capture_amount": int(fields["amount"])}]
            if success else [], "failure_code": None if success else "USER_DECLINED_PAYMENT"}
    body = {"event": "payment.capture" if success else "payment.failure", "business_id": setting.public["business_id"],
            "created": now.isoformat(), "data": data}
    token = channel_settings.secrets_of(box, setting)["callback_token"]
    return (f"/callbacks/mobile-money/{school.code}", {"x-callback-token": token, "Content-Type": "application/json"},
            json.dumps(body).encode(), fields.get("back", ""))
