"""VNPay payment gateway, API 2.1.0 (domain/payments.md §3): signing, payment URL, IPN decision."""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote_plus

from lms.billing.channels import SHA512, hmac_hex, same_hex

EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")
HASH_TYPES = ("SHA512", "HMACSHA512")     # what vnp_SecureHashType may say of our HMAC-SHA512


def _signed_pairs(params: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in params.items()
                  if k.startswith("vnp_") and k not in EXCLUDED and v not in (None, ""))


def _hash_data(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={quote_plus(v)}" for k, v in _signed_pairs(params))


def sign(params: Mapping[str, str], secret: str) -> str:
    """HMAC-SHA512 over the sorted, quote_plus-encoded non-empty vnp_* parameters; lower-case hex."""
    return hmac_hex(SHA512, secret, _hash_data(params))


def verify(params: Mapping[str, str], secret: str) -> bool:
    given = params.get("vnp_SecureHash")
    return bool(given) and same_hex(sign(params, secret), given)


def build_payment_url(base_url: str, params: Mapping[str, str], secret: str) -> str:
    """base_url?<signed string>&vnp_SecureHash=<hash>."""
    query = _hash_data(params)
    return f"{base_url}?{query}&vnp_SecureHash={sign(params, secret)}"


MESSAGES = {"00": "Confirm Success", "01": "Order not found", "02": "Order already confirmed",
            "04": "Invalid amount", "97": "Invalid signature", "99": "Unknown error"}


def _answer(code: str) -> dict:
    return {"RspCode": code, "Message": MESSAGES[code]}


def ipn_response(params: Mapping[str, str], secret: str, lookup) -> dict:
    """The IPN answer, decided in VNPay's order: 97, 01, 04, 02, 00; 99 for anything unexpected.

    `00` also acknowledges a failed payment; whether money was captured is the caller's to read
    from vnp_ResponseCode and vnp_TransactionStatus (both "00").
    """
    try:
        if not verify(params, secret):
            return _answer("97")
        order = lookup(params.get("vnp_TxnRef"))
        if order is None:
            return _answer("01")
        amount = str(params.get("vnp_Amount", ""))
        if not (amount.isascii() and amount.isdigit()) or int(amount) != int(order.amount_vnd) * 100:
            return _answer("04")
        if order.is_confirmed:
            return _answer("02")
        return _answer("00")
    except Exception:  # the gateway must always get an answer it understands
        return _answer("99")


def is_success(params: Mapping[str, str]) -> bool:
    return params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00"


# ---------------------------------------------------------------- querydr (merchant_webapi)

QUERY_REQUEST_KEYS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                      "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
QUERY_RESPONSE_KEYS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
                       "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
                       "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
                       "vnp_PromotionAmount")


def _piped(body: Mapping[str, object], keys: tuple[str, ...]) -> str:
    return "|".join("" if body.get(k) is None else str(body.get(k)) for k in keys)


def querydr_request(fields: Mapping[str, str], secret: str) -> dict:
    """The JSON body of a querydr call: the fields plus HMAC-SHA512 over the raw values joined by
    '|' in VNPay's order (RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|
    IpAddr|OrderInfo)."""
    body = {k: str(fields[k]) for k in QUERY_REQUEST_KEYS}
    body["vnp_Command"] = "querydr"
    body["vnp_SecureHash"] = hmac_hex(SHA512, secret, _piped(body, QUERY_REQUEST_KEYS))
    return body


def verify_querydr_request(body: Mapping[str, object], secret: str) -> bool:
    given = body.get("vnp_SecureHash")
    return isinstance(given, str) and same_hex(hmac_hex(SHA512, secret, _piped(body, QUERY_REQUEST_KEYS)), given)


def sign_querydr_response(body: Mapping[str, object], secret: str) -> str:
    return hmac_hex(SHA512, secret, _piped(body, QUERY_RESPONSE_KEYS))


def verify_querydr_response(body: Mapping[str, object], secret: str) -> bool:
    given = body.get("vnp_SecureHash")
    return isinstance(given, str) and bool(given) and same_hex(sign_querydr_response(body, secret), given)
