"""The sandbox's VNPay: its payment page's outcome (the signed IPN and the return URL) and its
merchant_webapi `querydr`, signed with the school's key as VNPay signs."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from lms.billing import channel_settings
from lms.billing.channels import vnpay
from lms.billing.sandbox.store import Store
from lms.core.timeutil import school_tz, utc_to_local



def _setting(session: Session, tmn_code: object):
    setting = channel_settings.setting_by(session, "vnpay", "tmn_code", tmn_code)
    return setting if setting is not None and setting.public.get("sandbox") else None


def outcome(session: Session, params: Mapping[str, str], *, box, success: bool, now: datetime,
            txn_no: int) -> tuple[dict[str, str], str] | None:
    """What VNPay's page would do once the payer confirms or cancels: the signed IPN parameters
    and the return URL. None when the request was not signed by the school's key."""
    setting = _setting(session, params.get("vnp_TmnCode"))
    if setting is None:
        return None
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    if not vnpay.verify(params, secret):
        return None
    local = utc_to_local(now, school_tz())
    ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{txn_no}",
           "vnp_CardType": "ATM", "vnp_OrderInfo": params.get("vnp_OrderInfo", ""), "vnp_PayDate": f"{local:%Y%m%d%H%M%S}",
           "vnp_ResponseCode": "00" if success else "24", "vnp_TmnCode": params["vnp_TmnCode"],
           "vnp_TransactionNo": str(txn_no), "vnp_TransactionStatus": "00" if success else "02",
           "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, secret)
    return ipn, params.get("vnp_ReturnUrl", "")


def querydr(session: Session, store: Store, body: Mapping[str, object], *, box, now: datetime) -> tuple[int, dict]:
    """merchant_webapi/api/transaction, command querydr: 97 for a bad checksum, 91 when the order
    is unknown, otherwise the transaction's status; the answer is signed as VNPay's is. (VNPay
    answers a refused call with HTTP 200 and a code; the sandbox also sets 401 on it.)"""
    setting = _setting(session, body.get("vnp_TmnCode"))
    if setting is None:
        return 401, {"vnp_ResponseCode": "02", "vnp_Message": "Merchant is not active"}
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    base = {"vnp_ResponseId": f"Q{int(now.timestamp())}", "vnp_Command": "querydr", "vnp_TmnCode": body["vnp_TmnCode"],
            "vnp_TxnRef": str(body.get("vnp_TxnRef", ""))}
    if body.get("vnp_Command") != "querydr" or not vnpay.verify_querydr_request(body, secret):
        answer = dict(base, vnp_ResponseCode="97", vnp_Message="Invalid Checksum")
    elif (row := store.paid("vnpay", base["vnp_TxnRef"])) is None:
        answer = dict(base, vnp_ResponseCode="91", vnp_Message="Not found transaction")
    else:
        answer = dict(base, vnp_ResponseCode="00", vnp_Message="Query Success", vnp_Amount=str(row.amount * 100),
                      vnp_BankCode="NCB", vnp_PayDate=f"{utc_to_local(row.paid_at, school_tz()):%Y%m%d%H%M%S}",
                      vnp_TransactionNo=row.txn_id, vnp_TransactionType="01",
                      vnp_TransactionStatus="00" if row.success else "02", vnp_OrderInfo=str(body.get("vnp_OrderInfo", "")),
                      vnp_PromotionCode="", vnp_PromotionAmount="")
    answer["vnp_SecureHash"] = vnpay.sign_querydr_response(answer, secret)
    return 401 if answer["vnp_ResponseCode"] == "97" else 200, answer
