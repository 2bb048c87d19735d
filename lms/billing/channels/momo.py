"""MoMo e-wallet, API v2 (domain/payments.md §4; counts as payment through a website) — everything
about MoMo in one place: the signatures, HMAC-SHA256 over raw key=value strings (pure,
CONTRACTS.md), then starting a checkout (the create API), recording its IPN, the return page, the
status query and the columns of its transaction report."""
from __future__ import annotations

import hmac
import json
import secrets as pysecrets
from collections.abc import Mapping
from datetime import datetime, timezone

from lms.billing import channel_settings, checkouts, describe
from lms.billing.callbacks import refuse
from lms.billing.channels import SHA256, hmac_hex
from lms.core.errors import ValidationError
from lms.i18n import lazy_gettext as _l

CREATE_KEYS = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode", "redirectUrl",
               "requestId", "requestType")
IPN_KEYS = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode",
            "payType", "requestId", "responseTime", "resultCode", "transId")


def _raw(keys: tuple[str, ...], fields: Mapping[str, object], access_key: str) -> str:
    values = dict(fields, accessKey=access_key)
    return "&".join(f"{k}={'' if values.get(k) is None else values.get(k)}" for k in keys)


def sign_create(fields: Mapping[str, object], access_key: str, secret_key: str) -> str:
    return hmac_hex(SHA256, secret_key, _raw(CREATE_KEYS, fields, access_key))


def sign_ipn(body: Mapping[str, object], access_key: str, secret_key: str) -> str:
    return hmac_hex(SHA256, secret_key, _raw(IPN_KEYS, body, access_key))


QUERY_KEYS = ("accessKey", "orderId", "partnerCode", "requestId")


def sign_query(fields: Mapping[str, object], access_key: str, secret_key: str) -> str:
    """The transaction status query (POST /v2/gateway/api/query)."""
    return hmac_hex(SHA256, secret_key, _raw(QUERY_KEYS, fields, access_key))


# ================================================================ MoMo as one of the school's gateways

PROVIDER = "momo"
REPORT_COLUMNS = {"txn_id": ("transid", "ma giao dich momo"), "order": ("orderid", "order id")}
PENDING = {9000, 8000, 7000, 7002, 1000}     # resultCode: the payer has not finished yet
NOT_FOUND = {42}


def start(checkout, invoice, setting, secret: Mapping[str, str], begin) -> None:
    """MoMo's create API answers the payUrl the parent is sent to."""
    fields = {"partnerCode": setting.public["partner_code"], "requestId": f"{checkout.txn_ref}-r",
              "amount": checkout.amount, "orderId": checkout.txn_ref,
              "orderInfo": describe.order_info(invoice), "redirectUrl": begin.return_url,
              "ipnUrl": begin.base_url.rstrip("/") + "/callbacks/momo/ipn", "requestType": "captureWallet",
              "extraData": "", "lang": "en" if begin.locale == "en" else "vi"}
    fields["signature"] = sign_create(fields, secret["access_key"], secret["secret_key"])
    root = channel_settings.endpoint(setting, "api", sandbox_url=begin.sandbox_url)
    status, answer = begin.post_json(f"{root}/v2/gateway/api/create", fields, {})
    if status != 200 or answer.get("resultCode") != 0 or not answer.get("payUrl"):
        raise ValidationError(_l("MoMo chưa nhận yêu cầu thanh toán (mã %(c)s); hãy thử lại sau hoặc chọn cách khác.",
                                 c=answer.get("resultCode", status)))
    checkout.pay_url, checkout.provider_ref = answer["payUrl"], fields["requestId"]


def _signed(body: Mapping[str, object], keys: Mapping[str, str]) -> bool:
    expected = sign_ipn(body, keys.get("access_key", ""), keys.get("secret_key", ""))
    return hmac.compare_digest(expected.encode(), str(body.get("signature", "")).lower().encode())


def notification(session, raw: bytes, *, box, signer, now) -> int:
    """MoMo's IPN (JSON POST): signature, partnerCode, orderId and amount checked; answered 204.
    A forged or malformed call gets 401 and changes nothing."""
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        body = {}
    setting = channel_settings.setting_by(session, "momo", "partner_code", body.get("partnerCode"))
    entry = checkouts.log(session, setting.school_id if setting else None, PROVIDER, raw, now)
    if setting is None:
        refuse(session, entry, "unknown partner")
        return 401
    if not _signed(body, channel_settings.secrets_of(box, setting)):
        refuse(session, entry, "bad signature")
        return 401
    entry.verified = True
    checkout = checkouts.in_school(session, setting.school_id, body.get("orderId"))
    try:
        result = int(body.get("resultCode"))
        amount = checkouts.feed_amount(body.get("amount"))
    except (TypeError, ValueError):
        entry.outcome = "malformed amount"
        return 400
    if checkout is None:
        entry.outcome = "unknown order"
        if result == 0:
            checkouts.unknown_order(session, setting.school_id, entry, f"MoMo {body.get('orderId')}: không có yêu cầu "
                                    f"thanh toán này ({amount} đ, transId {body.get('transId')})")
        return 204
    txn_id, note = str(body.get("transId")), f"MoMo {body.get('payType', '')} {body.get('transId', '')}".strip()
    if result == 0:
        checkouts.captured(session, checkout, provider=PROVIDER, school_id=setting.school_id, txn_id=txn_id,
                           amount=amount, note=note, entry=entry, signer=signer, now=now,
                           wrong_amount=_l("MoMo báo số tiền khác số tiền của yêu cầu thanh toán"))
    elif result in PENDING:
        entry.outcome = f"pending {result}"
    else:
        checkouts.fail(session, checkout, f"MoMo {result}", now)
        entry.outcome = f"failed {result}"
    return 204


def returned(session, params: Mapping[str, str], *, box):
    """For the return page (display only): the checkout and whether MoMo signed the parameters."""
    setting = channel_settings.setting_by(session, "momo", "partner_code", params.get("partnerCode"))
    if setting is None:
        return None, False
    keys = channel_settings.secrets_of(box, setting)
    genuine = hmac.compare_digest(sign_ipn(params, keys.get("access_key", ""), keys.get("secret_key", "")).encode(),
                                  str(params.get("signature", "")).encode())
    return checkouts.in_school(session, setting.school_id, params.get("orderId")), genuine


def pay_time(answer: Mapping) -> datetime | None:
    """When MoMo took the money, from its status answer: `lastUpdated` (milliseconds since the
    epoch, the time the transaction last changed — for a payment, when the payer paid), never
    `responseTime`, which is when the answer was made. None when absent or not a time."""
    value = answer.get("lastUpdated")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def ask(checkout, setting, secret: Mapping[str, str], *, call, base_url: str, now, client_ip: str):
    """The transaction status query (POST /v2/gateway/api/query)."""
    fields = {"partnerCode": setting.public["partner_code"], "requestId": f"{checkout.txn_ref}-q{pysecrets.token_hex(4)}",
              "orderId": checkout.txn_ref, "lang": "vi"}
    fields["signature"] = sign_query(fields, secret.get("access_key", ""), secret.get("secret_key", ""))
    root = channel_settings.endpoint(setting, "api", sandbox_url=base_url)
    status, answer = call("POST", f"{root}/v2/gateway/api/query", fields, {})
    try:
        result = int(answer.get("resultCode"))
    except (TypeError, ValueError):
        return checkouts.Status("error", [], answer, f"HTTP {status}")
    if status != 200 or answer.get("orderId") not in (None, checkout.txn_ref):
        return checkouts.Status("error", [], answer, f"HTTP {status}")
    if result == 0:
        try:
            amount = checkouts.feed_amount(answer.get("amount"))
        except (TypeError, ValueError):
            return checkouts.Status("error", [], answer, "amount")
        note = f"MoMo {answer.get('payType', '')} {answer.get('transId', '')}".strip()
        return checkouts.Status("captured", [(str(answer.get("transId")), amount, note)], answer,
                                paid_at=pay_time(answer))
    if result in NOT_FOUND:
        return checkouts.Status("not_found", [], answer)
    return checkouts.Status("pending" if result in PENDING else "failed", [], answer, f"resultCode {result}")
