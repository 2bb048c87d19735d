"""MoMo e-wallet API v2 signatures (domain/payments.md §4): HMAC-SHA256 over raw key=value strings."""
from __future__ import annotations

from collections.abc import Mapping

from lms.billing.channels import SHA256, hmac_hex

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
