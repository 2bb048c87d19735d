"""Mobile Money — Viettel Money and VNPT Money through the aggregator (Xendit payment requests v3;
domain/payments.md §4.5) — everything about it in one place: starting a checkout, the aggregator's
webhook, the return page and the columns of its transaction report. Payments are recorded under
the provider "xendit". The aggregator has no status query here: a checkout it never confirmed is
marked expired by the sweep (lms.billing.recovery)."""
from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from lms.billing import channel_settings, checkouts, describe
from lms.billing.callbacks import open_callback, refuse
from lms.billing.matching import task
from lms.core.errors import ValidationError
from lms.core.numbers import money
from lms.i18n import lazy_gettext as _l

PROVIDER = "xendit"
REPORT_COLUMNS = {"txn_id": ("payment id", "payment_id"), "order": ("reference id", "reference_id")}
WALLET_LIMITS = {"VNPTWALLET": (1_000, 500_000_000), "VIETTELPAY": (1_000, 50_000_000)}
API_VERSION = "2024-11-11"


def basic_auth(api_key: str) -> str:
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()


def start(checkout, invoice, setting, secret: Mapping[str, str], begin) -> None:
    """The aggregator's payment request answers the wallet's page (a WEB_URL action)."""
    wallet = setting.public["channel_code"]
    low, high = WALLET_LIMITS[wallet]
    if not low <= checkout.amount <= high:
        raise ValidationError(_l("Ví này chỉ nhận khoản từ %(a)s đến %(b)s đồng.", a=money(low), b=money(high)))
    back = f"{begin.return_url}?ref={checkout.txn_ref}"
    body = {"reference_id": checkout.txn_ref, "type": "PAY", "country": "VN", "currency": "VND",
            "request_amount": checkout.amount, "channel_code": wallet,
            "channel_properties": {"success_return_url": back, "failure_return_url": back},
            "description": describe.order_info(invoice),
            "metadata": {"invoice": invoice.code, "school": invoice.school_id}}
    root = channel_settings.endpoint(setting, "api", sandbox_url=begin.sandbox_url)
    status, answer = begin.post_json(f"{root}/v3/payment_requests", body,
                                     {"Authorization": basic_auth(secret["api_key"]), "api-version": API_VERSION})
    action = next((a for a in answer.get("actions") or [] if a.get("descriptor") == "WEB_URL"), None)
    if status not in (200, 201) or action is None:
        raise ValidationError(_l("Ví điện tử chưa nhận yêu cầu thanh toán; hãy thử lại sau hoặc chọn cách khác."))
    checkout.pay_url, checkout.provider_ref = action["value"], answer.get("payment_request_id")


def notification(session, school_code: str, token: str | None, raw: bytes, *, box, signer, now: datetime) -> int:
    """The aggregator's webhook: `x-callback-token` must be the school's; business, currency and
    wallet must be the configured ones; statuses mapped per domain/payments.md §4.5. 200 once
    handled (a redelivery writes nothing), 401 when refused."""
    school, setting, entry = open_callback(session, school_code, "mobile_money", raw, now)
    if setting is None:
        return 401
    expected = channel_settings.secrets_of(box, setting).get("callback_token", "")
    if not expected or not hmac.compare_digest(expected.encode(), (token or "").encode()):
        refuse(session, entry, "bad callback token")
        return 401
    try:
        body = json.loads(raw)
        data = body["data"]
        event, status = str(body.get("event", "")), str(data.get("status", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        refuse(session, entry, "malformed")
        return 401
    try:
        amount = (sum(checkouts.feed_amount(c.get("capture_amount", 0)) for c in data.get("captures") or [])
                  or checkouts.feed_amount(data.get("request_amount") or data.get("capture_amount") or 0))
    except (ValueError, TypeError, AttributeError):
        entry.outcome = "malformed captures[].capture_amount"
        return 400
    if (body.get("business_id") != setting.public.get("business_id") or data.get("currency") != "VND"
            or data.get("channel_code") != setting.public.get("channel_code")):
        refuse(session, entry, "wrong business, currency or wallet")
        return 401
    entry.verified = True
    checkout = checkouts.in_school(session, school.id, data.get("reference_id"))
    txn_id = str(data.get("payment_id") or data.get("id") or "")
    if checkout is None:
        entry.outcome = "unknown order"
        if status == "SUCCEEDED":
            checkouts.unknown_order(session, school.id, entry, f"Mobile Money {data.get('reference_id')}: không có yêu "
                                    f"cầu thanh toán này ({amount} đ, {txn_id})")
        return 200
    note = f"{data.get('channel_code')} {txn_id}"
    if status == "SUCCEEDED" and event in ("payment.capture", "ewallet.capture", ""):
        checkouts.captured(session, checkout, provider=PROVIDER, school_id=school.id, txn_id=txn_id, amount=amount,
                           note=note, entry=entry, signer=signer, now=now,
                           wrong_amount=_l("Số tiền ví báo khác số tiền của yêu cầu thanh toán"))
    elif status == "FAILED":
        checkouts.fail(session, checkout, f"{data.get('failure_code') or 'FAILED'}", now)
        entry.outcome = "failed"
    elif status in ("EXPIRED", "CANCELED") or event == "payment_request.expiry":
        checkouts.expire(session, checkout, now)
        entry.outcome = "expired"
    elif status in ("REQUIRES_ACTION", "PENDING"):
        entry.outcome = "pending"
    else:
        entry.outcome = f"task {status}"
        task(session, school.id, "gateway", f"Mobile Money {checkout.txn_ref}: trạng thái {status}",
             checkout_id=checkout.id)
    return 200


def returned(session, params: Mapping[str, str], *, box):
    """For the return page (display only): the wallet sends back our reference, unsigned."""
    return checkouts.by_ref(session, params.get("ref")), False


ask = None    # no status query through the aggregator yet: an unconfirmed checkout simply expires
