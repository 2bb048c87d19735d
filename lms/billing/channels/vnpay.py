"""VNPay payment gateway, API 2.1.0 (domain/payments.md §3) — everything about VNPay in one place:
signing, the payment URL and the IPN decision (pure, CONTRACTS.md), then starting a checkout,
recording an IPN, the return page, querydr and the columns of its transaction report."""
from __future__ import annotations

import secrets as pysecrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote_plus

from lms.billing import channel_settings, checkouts, describe
from lms.billing.callbacks import refuse
from lms.billing.channels import SHA512, hmac_hex, same_hex
from lms.billing.models import CheckoutStatus
from lms.core.timeutil import local_to_utc, school_tz, utc_to_local
from lms.i18n import lazy_gettext as _l

EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")


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


# ================================================================ VNPay as one of the school's gateways
# (below: starting a checkout, deciding and recording its IPN, the return page, querydr, the report's
# columns; the shared claim/record steps are lms.billing.checkouts)

PROVIDER = "vnpay"
# The merchant portal's transaction export (reconciliation): its column names beside the common ones.
REPORT_COLUMNS = {"txn_id": ("ma giao dich vnpay", "ma gd vnpay", "ma gd cong", "transaction no"), "order": ("vnp_txnref", "ma tham chieu")}


def start(checkout, invoice, setting, secret: Mapping[str, str], begin) -> None:
    """VNPay's payment page is reached by a signed URL; nothing is called before the parent goes."""
    local = utc_to_local(begin.now, school_tz())
    params = {"vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_TmnCode": setting.public["tmn_code"],
              "vnp_Amount": str(checkout.amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": checkout.txn_ref,
              "vnp_OrderInfo": describe.order_info(invoice, ascii_only=True),
              "vnp_OrderType": "other", "vnp_Locale": "en" if begin.locale == "en" else "vn",
              "vnp_ReturnUrl": begin.return_url, "vnp_IpAddr": begin.client_ip or "127.0.0.1",
              "vnp_CreateDate": f"{local:%Y%m%d%H%M%S}",
              "vnp_ExpireDate": f"{local + timedelta(minutes=checkouts.CHECKOUT_MINUTES):%Y%m%d%H%M%S}"}
    target = channel_settings.endpoint(setting, "pay", sandbox_url=begin.sandbox_url)
    checkout.pay_url = build_payment_url(target, params, secret["hash_secret"])


def read_pairs(pairs) -> tuple[dict[str, str], bool]:
    """The query's (key, value) pairs as a dict, and whether they were polluted: a key twice. (A
    vnp_SecureHashType is outside the signed data and chooses nothing: VNPay's own IPN sample and the
    npm `vnpay` package drop it and check HMAC-SHA512 whatever it says, and so do we.)"""
    params: dict[str, str] = {}
    polluted = False
    for k, v in pairs:
        polluted |= k in params
        params[k] = v
    return params, polluted


def notification(session, pairs: list[tuple[str, str]], raw_query: bytes, *, box, signer, now) -> dict:
    """Decide VNPay's IPN (`ipn_response`) and record what it says. `pairs` are the query's
    (key, value) pairs as received, so a duplicated key (parameter pollution) is refused as a bad
    signature."""
    params, polluted = read_pairs(pairs)
    setting = channel_settings.setting_by(session, "vnpay", "tmn_code", params.get("vnp_TmnCode"))
    entry = checkouts.log(session, setting.school_id if setting else None, "vnpay", raw_query, now)
    if setting is None or polluted:
        refuse(session, entry, "wrong merchant" if setting is None else "duplicated or injected keys")
        return _answer("97")
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    found: dict = {}

    def lookup(txn_ref):
        checkout = checkouts.in_school(session, setting.school_id, txn_ref)
        if checkout is None:
            return None
        found["checkout"] = checkout
        return SimpleNamespace(amount_vnd=checkout.amount, is_confirmed=checkout.status == CheckoutStatus.PAID)

    answer = ipn_response(params, secret, lookup)
    code = answer["RspCode"]
    entry.verified = code not in ("97", "99")
    entry.outcome = f"RspCode {code}"
    if code == "97":
        refuse(session, entry, "bad signature")
        return answer
    checkout = found.get("checkout")
    if code == "04" and is_success(params):
        # VNPay took the money but not the amount we asked for: keep it as credit, once.
        checkouts.record(session, checkout, provider=PROVIDER, txn_id=str(params.get("vnp_TransactionNo")),
                         amount=_amount(params), note=_note(params), entry=entry, signer=signer, now=now, apply=False,
                         why=str(_l("VNPay báo số tiền khác số tiền của yêu cầu thanh toán")), paid_at=pay_date(params))
        return answer
    if code != "00":
        return answer
    if not is_success(params):
        checkouts.fail(session, checkout, f"{params.get('vnp_ResponseCode')}/{params.get('vnp_TransactionStatus')}", now)
        entry.outcome = "failed payment"
        return answer
    claimed, late = checkouts.claim(session, checkout, now)
    if not claimed:  # another notification for the same payment won the race
        entry.outcome = "RspCode 02"
        return _answer("02")
    checkouts.record(session, checkout, provider=PROVIDER, txn_id=str(params.get("vnp_TransactionNo")),
                     amount=checkout.amount, note=_note(params), entry=entry, signer=signer, now=now, apply=True,
                     why=late, paid_at=pay_date(params))
    return answer


def pay_date(params: Mapping[str, object]) -> datetime | None:
    """VNPay's vnp_PayDate (yyyyMMddHHmmss, Vietnam time) as UTC; None when absent or not a date."""
    try:
        return local_to_utc(datetime.strptime(str(params.get("vnp_PayDate") or ""), "%Y%m%d%H%M%S"), school_tz())
    except ValueError:
        return None


def _note(params: Mapping[str, str]) -> str:
    return f"VNPay {params.get('vnp_BankCode', '')} {params.get('vnp_BankTranNo', '')}".strip()


def _amount(params: Mapping[str, str]) -> int:
    raw = str(params.get("vnp_Amount", ""))
    return int(raw) // 100 if raw.isdigit() and 0 < int(raw) < 10**15 else 0


def returned(session, params: Mapping[str, str], *, box):
    """For the return page: the checkout and whether the parameters are genuinely VNPay's. It
    changes nothing, whatever they say."""
    setting = channel_settings.setting_by(session, "vnpay", "tmn_code", params.get("vnp_TmnCode"))
    if setting is None:
        return None, False
    genuine = verify(params, channel_settings.secrets_of(box, setting).get("hash_secret", ""))
    return checkouts.in_school(session, setting.school_id, params.get("vnp_TxnRef")), genuine


def ask(checkout, setting, secret: Mapping[str, str], *, call, base_url: str, now, client_ip: str):
    """querydr (merchant_webapi): what became of one checkout, signed both ways."""
    fields = {"vnp_RequestId": f"{checkout.id}{now:%H%M%S}{pysecrets.randbelow(10**6):06d}", "vnp_Version": "2.1.0",
              "vnp_Command": "querydr", "vnp_TmnCode": setting.public["tmn_code"], "vnp_TxnRef": checkout.txn_ref,
              "vnp_TransactionDate": f"{utc_to_local(checkout.created_at, school_tz()):%Y%m%d%H%M%S}",
              "vnp_CreateDate": f"{utc_to_local(now, school_tz()):%Y%m%d%H%M%S}", "vnp_IpAddr": client_ip,
              "vnp_OrderInfo": f"Truy van {checkout.txn_ref}"}
    status, answer = call("POST", channel_settings.endpoint(setting, "api", sandbox_url=base_url),
                          querydr_request(fields, secret.get("hash_secret", "")), {})
    if status != 200 or not verify_querydr_response(answer, secret.get("hash_secret", "")):
        return checkouts.Status("error", [], answer, f"HTTP {status}")
    code, txn = str(answer.get("vnp_ResponseCode")), str(answer.get("vnp_TransactionStatus"))
    if code == "91":
        return checkouts.Status("not_found", [], answer)
    if code != "00" or answer.get("vnp_TxnRef") != checkout.txn_ref:
        return checkouts.Status("error", [], answer, f"vnp_ResponseCode {code}")
    if txn == "00":
        try:   # vnp_Amount is hundredths of a đồng: anything but whole đồng is not an amount we record
            hundredths = checkouts.feed_amount(answer.get("vnp_Amount"))
        except ValueError:
            return checkouts.Status("error", [], answer, "vnp_Amount")
        if hundredths % 100:
            return checkouts.Status("error", [], answer, "vnp_Amount")
        value = hundredths // 100
        note = f"VNPay {answer.get('vnp_BankCode', '')} querydr".strip()
        return checkouts.Status("captured", [(str(answer.get("vnp_TransactionNo")), value, note)], answer,
                                paid_at=pay_date(answer))
    return checkouts.Status("pending" if txn == "01" else "failed", [], answer, f"vnp_TransactionStatus {txn}")
