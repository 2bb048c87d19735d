"""The sandbox's MoMo: the create API, the app's confirm page outcome (the signed IPN and the
redirect) and the status query, signed with the school's keys as MoMo signs."""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from lms.billing import channel_settings
from lms.billing.channels.registry import ENDPOINTS, SANDBOX
from lms.billing.channels import momo
from lms.billing.sandbox.store import Store

ROOT = ENDPOINTS["momo"][SANDBOX]["api"]


def _keys(session: Session, fields: Mapping[str, object], box, sign=momo.sign_create) -> dict | None:
    setting = channel_settings.setting_by(session, "momo", "partner_code", fields.get("partnerCode"))
    if setting is None or not setting.public.get("sandbox"):
        return None
    keys = channel_settings.secrets_of(box, setting)
    expected = sign(fields, keys.get("access_key", ""), keys.get("secret_key", ""))
    return keys if hmac.compare_digest(expected.encode(), str(fields.get("signature", "")).encode()) else None


def create(session: Session, fields: Mapping[str, object], *, box, base_url: str) -> dict:
    """What MoMo's create API answers: a payUrl (here the local page, carrying the signed request)."""
    if _keys(session, fields, box) is None:
        return {"resultCode": 13, "message": "Merchant authentication failed"}
    query = urlencode({k: fields.get(k, "") for k in (*momo.CREATE_KEYS[1:], "signature")})
    return {"partnerCode": fields["partnerCode"], "orderId": fields["orderId"], "requestId": fields["requestId"],
            "amount": fields["amount"], "resultCode": 0, "message": "Thành công.",
            "payUrl": f"{base_url.rstrip('/')}{ROOT}/pay?{query}"}


def outcome(session: Session, fields: Mapping[str, str], *, box, success: bool, now: datetime,
            trans_id: int) -> tuple[dict, str] | None:
    """The IPN MoMo sends once the payer confirms or cancels in the app, and the redirect URL."""
    keys = _keys(session, fields, box)
    if keys is None:
        return None
    body = {"partnerCode": fields["partnerCode"], "orderId": fields["orderId"], "requestId": fields["requestId"],
            "amount": int(fields["amount"]), "orderInfo": fields.get("orderInfo", ""), "orderType": "momo_wallet",
            "transId": trans_id, "resultCode": 0 if success else 1006,
            "message": "Thành công." if success else "Giao dịch bị từ chối bởi người dùng.", "payType": "qr",
            "responseTime": int(now.timestamp() * 1000), "extraData": fields.get("extraData", "")}
    body["signature"] = momo.sign_ipn(body, keys["access_key"], keys["secret_key"])
    return body, str(fields.get("redirectUrl", ""))


def query(session: Session, store: Store, fields: Mapping[str, object], *, box, now: datetime) -> tuple[int, dict]:
    """POST /v2/gateway/api/query: 42 for an order MoMo never saw, else its outcome."""
    if _keys(session, fields, box, sign=momo.sign_query) is None:
        return 401, {"resultCode": 13, "message": "Merchant authentication failed"}
    base = {"partnerCode": fields["partnerCode"], "orderId": fields.get("orderId"), "requestId": fields.get("requestId"),
            "responseTime": int(now.timestamp() * 1000)}
    row = store.paid("momo", str(fields.get("orderId")))
    if row is None:
        return 200, dict(base, resultCode=42, message="Mã đơn hàng không tồn tại.")
    # `lastUpdated`: when the transaction last changed — for a payment, when the payer paid
    # (`responseTime` is when this answer was made).
    return 200, dict(base, amount=row.amount, transId=int(row.txn_id), payType="qr",
                     lastUpdated=int(row.paid_at.timestamp() * 1000),
                     resultCode=0 if row.success else 1006,
                     message="Thành công." if row.success else "Giao dịch bị từ chối bởi người dùng.")
