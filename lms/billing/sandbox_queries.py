"""The sandbox's side of the status queries: it remembers what its pretend VNPay, MoMo and payOS
did with each payment (also when told to lose the notification) and answers `querydr`, MoMo's
query and payOS's payment-link lookup as the real APIs do, signed with the school's keys. Only
reachable when LMS_PAYMENT_SANDBOX is on."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.billing import channel_settings
from lms.billing.channels import momo, payos, vnpay
from lms.billing.gateways import TZ, sandbox_payos_setting, setting_by
from lms.billing.models import SandboxPayment
from lms.core.timeutil import utc_to_local


def remember(session: Session, provider: str, order_ref: str, txn_id: str, amount: int, *, success: bool,
             notified: bool, now: datetime) -> None:
    """The provider's own record of a payment attempt (the first outcome of an order stands)."""
    try:
        with session.begin_nested():
            session.add(SandboxPayment(provider=provider, order_ref=str(order_ref), txn_id=str(txn_id), amount=amount,
                                       success=success, notified=notified, paid_at=now))
    except IntegrityError:
        pass


def _paid(session: Session, provider: str, order_ref: str) -> SandboxPayment | None:
    return session.scalars(select(SandboxPayment).where(SandboxPayment.provider == provider,
                                                        SandboxPayment.order_ref == str(order_ref))).first()


def vnpay_querydr(session: Session, body: Mapping[str, object], *, box, now: datetime) -> tuple[int, dict]:
    """merchant_webapi/api/transaction, command querydr: 97 for a bad checksum, 91 when the order
    is unknown, otherwise the transaction's status; the answer is signed as VNPay's is. (VNPay
    answers a refused call with HTTP 200 and a code; the sandbox also sets 401 on it.)"""
    setting = setting_by(session, "vnpay", "tmn_code", body.get("vnp_TmnCode"))
    if setting is None or not setting.public.get("sandbox"):
        return 401, {"vnp_ResponseCode": "02", "vnp_Message": "Merchant is not active"}
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    base = {"vnp_ResponseId": f"Q{int(now.timestamp())}", "vnp_Command": "querydr", "vnp_TmnCode": body["vnp_TmnCode"],
            "vnp_TxnRef": str(body.get("vnp_TxnRef", ""))}
    if body.get("vnp_Command") != "querydr" or not vnpay.verify_querydr_request(body, secret):
        answer = dict(base, vnp_ResponseCode="97", vnp_Message="Invalid Checksum")
    elif (row := _paid(session, "vnpay", base["vnp_TxnRef"])) is None:
        answer = dict(base, vnp_ResponseCode="91", vnp_Message="Not found transaction")
    else:
        answer = dict(base, vnp_ResponseCode="00", vnp_Message="Query Success", vnp_Amount=str(row.amount * 100),
                      vnp_BankCode="NCB", vnp_PayDate=f"{utc_to_local(row.paid_at, TZ):%Y%m%d%H%M%S}",
                      vnp_TransactionNo=row.txn_id, vnp_TransactionType="01",
                      vnp_TransactionStatus="00" if row.success else "02", vnp_OrderInfo=str(body.get("vnp_OrderInfo", "")),
                      vnp_PromotionCode="", vnp_PromotionAmount="")
    answer["vnp_SecureHash"] = vnpay.sign_querydr_response(answer, secret)
    return 401 if answer["vnp_ResponseCode"] == "97" else 200, answer


def momo_query(session: Session, fields: Mapping[str, object], *, box, now: datetime) -> tuple[int, dict]:
    import hmac

    setting = setting_by(session, "momo", "partner_code", fields.get("partnerCode"))
    if setting is None or not setting.public.get("sandbox"):
        return 401, {"resultCode": 13, "message": "Merchant authentication failed"}
    keys = channel_settings.secrets_of(box, setting)
    expected = momo.sign_query(fields, keys.get("access_key", ""), keys.get("secret_key", ""))
    if not hmac.compare_digest(expected.encode(), str(fields.get("signature", "")).encode()):
        return 401, {"resultCode": 13, "message": "Merchant authentication failed"}
    base = {"partnerCode": fields["partnerCode"], "orderId": fields.get("orderId"), "requestId": fields.get("requestId"),
            "responseTime": int(now.timestamp() * 1000)}
    row = _paid(session, "momo", str(fields.get("orderId")))
    if row is None:
        return 200, dict(base, resultCode=42, message="Mã đơn hàng không tồn tại.")
    return 200, dict(base, amount=row.amount, transId=int(row.txn_id), payType="qr",
                     resultCode=0 if row.success else 1006,
                     message="Thành công." if row.success else "Giao dịch bị từ chối bởi người dùng.")


def payos_lookup(session: Session, client_id: str | None, api_key: str | None, order_code: str, *,
                 box) -> tuple[int, dict]:
    setting = sandbox_payos_setting(session, client_id, api_key, box)
    if setting is None:
        return 401, {"code": "401", "desc": "Unauthorized"}
    key = channel_settings.secrets_of(box, setting)["checksum_key"]
    row = _paid(session, "payos", order_code)
    if row is None or not order_code.isdigit():
        return 200, {"code": "101", "desc": "Payment link not found", "data": None}
    link, reference = row.txn_id.split(":", 1)
    data = {"id": link, "orderCode": int(order_code), "amount": row.amount, "amountPaid": row.amount,
            "amountRemaining": 0, "status": "PAID", "createdAt": row.paid_at.isoformat(),
            "transactions": [{"reference": reference, "amount": row.amount, "accountNumber": "",
                              "description": "", "transactionDateTime": row.paid_at.isoformat(),
                              "counterAccountName": None}]}
    return 200, {"code": "00", "desc": "success", "data": data, "signature": payos.sign_data(data, key)}
