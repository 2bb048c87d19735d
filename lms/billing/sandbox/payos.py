"""The sandbox's payOS: the create API (a link and the VietQR of the school's account), the
webhook it sends once the transfer arrives, and the payment-link lookup, signed with the school's
checksum key as payOS signs."""
from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.billing import channel_settings, vietqr
from lms.billing.callbacks import _when
from lms.billing.channels.registry import ENDPOINTS, SANDBOX
from lms.billing.channels import payos
from lms.billing.models import ChannelSetting
from lms.billing.sandbox.store import Store
from lms.core.timeutil import school_tz, utc_to_local
from lms.people.models import School

ROOT = ENDPOINTS["payos"][SANDBOX]["api"]


def setting_of(session: Session, client_id: str | None, api_key: str | None, box) -> ChannelSetting | None:
    row = channel_settings.setting_by(session, "payos", "client_id", client_id)
    if row is None or not row.public.get("sandbox"):
        return None
    stored = channel_settings.secrets_of(box, row).get("api_key", "")
    return row if hmac.compare_digest(stored.encode(), (api_key or "").encode()) else None


def create(session: Session, client_id: str | None, api_key: str | None, body: Mapping[str, object], *,
           box, base_url: str) -> tuple[int, dict]:
    """payOS's create: checks the keys and the request signature, answers the link (here the
    local page) and a VietQR of the school's account, signed like payOS's answer."""
    setting = setting_of(session, client_id, api_key, box)
    if setting is None:
        return 401, {"code": "401", "desc": "Unauthorized"}
    key = channel_settings.secrets_of(box, setting)["checksum_key"]
    try:
        expected = payos.sign_payment_request(int(body["amount"]), str(body["cancelUrl"]), str(body["description"]),
                                              int(body["orderCode"]), str(body["returnUrl"]), key)
    except (KeyError, TypeError, ValueError):
        return 400, {"code": "20", "desc": "Invalid request"}
    if not hmac.compare_digest(expected.encode(), str(body.get("signature", "")).encode()):
        return 200, {"code": "20", "desc": "Signature invalid"}
    school = session.get(School, setting.school_id)
    link_id = f"pl{int(body['orderCode']):x}"
    query = {"orderCode": body["orderCode"], "amount": body["amount"], "description": body["description"],
             "school": school.code, "link": link_id, "back": body["returnUrl"]}
    query["t"] = payos.sign_data(query, key)
    data = {"bin": school.bank_bin, "accountNumber": school.bank_account_number, "accountName": school.bank_account_name,
            "amount": body["amount"], "description": body["description"], "orderCode": body["orderCode"],
            "currency": "VND", "paymentLinkId": link_id, "status": "PENDING", "expiredAt": body.get("expiredAt"),
            "checkoutUrl": f"{base_url.rstrip('/')}{ROOT}/checkout?{urlencode(query)}",
            "qrCode": vietqr.build_payload(school.bank_bin, school.bank_account_number, amount=int(body["amount"]),
                                           purpose=str(body["description"])[:25])}
    return 200, {"code": "00", "desc": "success", "data": data, "signature": payos.sign_data(data, key)}


def outcome(session: Session, query: Mapping[str, str], *, box, now: datetime, reference: str
            ) -> tuple[str, bytes, str] | None:
    """The webhook payOS sends once the transfer to the link's VietQR arrives: (path, body, back)."""
    school = session.scalars(select(School).where(School.code == query.get("school"))).first()
    setting = channel_settings.setting_of(session, school.id, "payos") if school else None
    if setting is None or not setting.public.get("sandbox"):
        return None
    key = channel_settings.secrets_of(box, setting)["checksum_key"]
    fields = {k: query.get(k, "") for k in ("orderCode", "amount", "description", "school", "link", "back")}
    if not hmac.compare_digest(payos.sign_data(fields, key).encode(), str(query.get("t", "")).encode()):
        return None
    data = {"orderCode": int(fields["orderCode"]), "amount": int(fields["amount"]), "description": fields["description"],
            "accountNumber": school.bank_account_number, "reference": reference,
            "transactionDateTime": f"{utc_to_local(now, school_tz()):%Y-%m-%d %H:%M:%S}", "currency": "VND",
            "paymentLinkId": fields["link"], "code": "00", "desc": "success", "counterAccountBankId": "",
            "counterAccountBankName": "", "counterAccountName": None, "counterAccountNumber": None,
            "virtualAccountName": "", "virtualAccountNumber": ""}
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos.sign_data(data, key)}
    back = f"{fields['back']}?code=00&id={fields['link']}&cancel=false&status=PAID&orderCode={fields['orderCode']}"
    return f"/callbacks/payos/{school.code}", json.dumps(body, ensure_ascii=False).encode(), back


def lookup(session: Session, store: Store, client_id: str | None, api_key: str | None, order_code: str, *,
           box) -> tuple[int, dict]:
    """GET /v2/payment-requests/<orderCode>: 101 for a link payOS never saw paid, else the link
    with its transfer."""
    setting = setting_of(session, client_id, api_key, box)
    if setting is None:
        return 401, {"code": "401", "desc": "Unauthorized"}
    key = channel_settings.secrets_of(box, setting)["checksum_key"]
    row = store.paid("payos", order_code)
    if row is None or not order_code.isdigit():
        return 200, {"code": "101", "desc": "Payment link not found", "data": None}
    link, reference = row.txn_id.split(":", 1)
    data = {"id": link, "orderCode": int(order_code), "amount": row.amount, "amountPaid": row.amount,
            "amountRemaining": 0, "status": "PAID", "createdAt": _iso(row.paid_at),
            "transactions": [transaction_of(row.detail, reference, row.amount, row.paid_at)],
            "canceledAt": None, "cancellationReason": None}
    return 200, {"code": "00", "desc": "success", "data": data, "signature": payos.sign_data(data, key)}


def _iso(moment: datetime) -> str:
    """payOS's lookup writes its times in ISO 8601 with Vietnam's offset ("2026-12-05T08:15:32+07:00")."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(school_tz())).replace(microsecond=0).isoformat()


def transaction_of(webhook: Mapping, reference: str, amount: int, paid_at: datetime) -> dict:
    """One transfer of a link as payOS's lookup lists it: the same transfer its webhook reported —
    the memo the bank carried (`description`), the time, the accounts and the payer — not an
    empty memo dated at the moment of asking."""
    return {"reference": reference, "amount": amount, "accountNumber": str(webhook.get("accountNumber") or ""),
            "description": str(webhook.get("description") or ""),
            "transactionDateTime": _iso(_when(str(webhook.get("transactionDateTime") or ""), paid_at)),
            "virtualAccountName": webhook.get("virtualAccountName") or None,
            "virtualAccountNumber": webhook.get("virtualAccountNumber") or None,
            "counterAccountBankId": webhook.get("counterAccountBankId") or None,
            "counterAccountBankName": webhook.get("counterAccountBankName") or None,
            "counterAccountName": webhook.get("counterAccountName") or None,
            "counterAccountNumber": webhook.get("counterAccountNumber") or None}
