"""Asking a gateway what became of a checkout — VNPay `querydr`, MoMo's status query, payOS's
payment-link lookup — so a lost notification is recovered by asking, not by waiting.

The answer goes through the same path as a notification (`gateways.captured`): the checkout is
claimed once, so an IPN arriving before, during or after the question records nothing twice. A
checkout whose payer never paid is marked expired once its time is up. The scheduler asks about
every pending checkout shortly after it expires; the accountant can ask about one from the
invoice, and reconciliation asks about every "missing" transaction it finds."""
from __future__ import annotations

import json
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lms.billing import channel_settings, gateways
from lms.billing.channels import momo, payos, vnpay
from lms.billing.models import CallbackLog, Checkout, CheckoutStatus, ReconciliationItem
from lms.core.timeutil import utc_to_local
from lms.i18n import lazy_gettext as _l
from lms.people.models import School

ASK_AFTER = timedelta(minutes=2)     # after a checkout expires, give a late IPN two minutes first
ASK_AGAIN = timedelta(minutes=10)    # a provider that did not answer is asked again after this
GIVE_UP = timedelta(days=3)          # a checkout still unanswered after this is only marked expired
BATCH = 100
QUERY_PATHS = {"vnpay": "", "momo": "/v2/gateway/api/query", "payos": "/v2/payment-requests/{code}"}
OUTCOMES = {"paid": _l("Cổng báo đã thanh toán: đã ghi nhận"), "duplicate": _l("Cổng báo đã thanh toán; đã ghi trước đó"),
            "failed": _l("Cổng báo giao dịch không thành công"), "pending": _l("Cổng báo người nộp chưa thanh toán"),
            "expired": _l("Người nộp không thanh toán; yêu cầu đã hết hạn"),
            "not_found": _l("Cổng không có giao dịch này"), "error": _l("Cổng chưa trả lời; sẽ hỏi lại sau"),
            "unsupported": _l("Kênh này chưa hỗ trợ truy vấn trạng thái")}

Call = Callable[..., tuple[int, dict]]   # (method, url, body, headers) -> (status, json)


@dataclass
class Status:
    """What the provider said, in our terms."""
    state: str                       # captured | failed | pending | not_found | error
    captures: list[tuple[str, int, str]]   # (provider txn id, amount, note) for state "captured"
    raw: dict
    detail: str = ""


@dataclass
class Asked:
    checkout: Checkout
    outcome: str                     # a key of OUTCOMES

    @property
    def message(self) -> str:
        return str(OUTCOMES[self.outcome])


def _root(setting, base_url: str, channel: str) -> str:
    """The status API of the setting's mode (channels/registry.ENDPOINTS); `base_url` is where the
    local sandbox is served."""
    return channel_settings.endpoint(setting, "api", sandbox_url=base_url) + QUERY_PATHS[channel]


def _ask_vnpay(checkout: Checkout, setting, secret: dict, *, call: Call, base_url: str, now: datetime,
               client_ip: str) -> Status:
    fields = {"vnp_RequestId": f"{checkout.id}{now:%H%M%S}{pysecrets.randbelow(10**6):06d}", "vnp_Version": "2.1.0",
              "vnp_Command": "querydr", "vnp_TmnCode": setting.public["tmn_code"], "vnp_TxnRef": checkout.txn_ref,
              "vnp_TransactionDate": f"{utc_to_local(checkout.created_at, gateways.TZ):%Y%m%d%H%M%S}",
              "vnp_CreateDate": f"{utc_to_local(now, gateways.TZ):%Y%m%d%H%M%S}", "vnp_IpAddr": client_ip,
              "vnp_OrderInfo": f"Truy van {checkout.txn_ref}"}
    status, answer = call("POST", _root(setting, base_url, "vnpay"),
                          vnpay.querydr_request(fields, secret.get("hash_secret", "")), {})
    if status != 200 or not vnpay.verify_querydr_response(answer, secret.get("hash_secret", "")):
        return Status("error", [], answer, f"HTTP {status}")
    code, txn = str(answer.get("vnp_ResponseCode")), str(answer.get("vnp_TransactionStatus"))
    if code == "91":
        return Status("not_found", [], answer)
    if code != "00" or answer.get("vnp_TxnRef") != checkout.txn_ref:
        return Status("error", [], answer, f"vnp_ResponseCode {code}")
    if txn == "00":
        amount = str(answer.get("vnp_Amount", ""))
        value = int(amount) // 100 if amount.isdigit() else 0
        note = f"VNPay {answer.get('vnp_BankCode', '')} querydr".strip()
        return Status("captured", [(str(answer.get("vnp_TransactionNo")), value, note)], answer)
    return Status("pending" if txn == "01" else "failed", [], answer, f"vnp_TransactionStatus {txn}")


MOMO_NOT_FOUND = {42}


def _ask_momo(checkout: Checkout, setting, secret: dict, *, call: Call, base_url: str, now: datetime,
              client_ip: str) -> Status:
    fields = {"partnerCode": setting.public["partner_code"], "requestId": f"{checkout.txn_ref}-q{pysecrets.token_hex(4)}",
              "orderId": checkout.txn_ref, "lang": "vi"}
    fields["signature"] = momo.sign_query(fields, secret.get("access_key", ""), secret.get("secret_key", ""))
    status, answer = call("POST", _root(setting, base_url, "momo"),
                          fields, {})
    try:
        result = int(answer.get("resultCode"))
    except (TypeError, ValueError):
        return Status("error", [], answer, f"HTTP {status}")
    if status != 200 or answer.get("orderId") not in (None, checkout.txn_ref):
        return Status("error", [], answer, f"HTTP {status}")
    if result == 0:
        try:
            amount = int(answer.get("amount"))
        except (TypeError, ValueError):
            return Status("error", [], answer, "amount")
        note = f"MoMo {answer.get('payType', '')} {answer.get('transId', '')}".strip()
        return Status("captured", [(str(answer.get("transId")), amount, note)], answer)
    if result in MOMO_NOT_FOUND:
        return Status("not_found", [], answer)
    return Status("pending" if result in gateways.MOMO_PENDING else "failed", [], answer, f"resultCode {result}")


def _ask_payos(checkout: Checkout, setting, secret: dict, *, call: Call, base_url: str, now: datetime,
               client_ip: str) -> Status:
    import hmac

    url = _root(setting, base_url, "payos")
    status, answer = call("GET", url.format(code=checkout.order_code), None,
                          {"x-client-id": setting.public["client_id"], "x-api-key": secret.get("api_key", "")})
    data = answer.get("data")
    if status != 200 or not isinstance(data, dict) or answer.get("code") != "00" or not hmac.compare_digest(
            payos.sign_data(data, secret.get("checksum_key", "")).encode(), str(answer.get("signature", "")).encode()):
        return Status("not_found" if str(answer.get("code")) == "101" else "error", [], answer, f"HTTP {status}")
    if str(data.get("orderCode")) != str(checkout.order_code):
        return Status("error", [], answer, "orderCode")
    captures = []
    for t in data.get("transactions") or []:
        try:
            captures.append((f"{data.get('id')}:{t['reference']}", int(t["amount"]),
                             f"payOS {t['reference']} {t.get('counterAccountName') or ''}".strip()))
        except (KeyError, TypeError, ValueError):
            return Status("error", [], answer, "transactions")
    state = str(data.get("status"))
    if captures:
        return Status("captured", captures, answer)
    if state in ("CANCELLED", "EXPIRED", "FAILED"):
        return Status("failed", [], answer, f"payOS {state}")
    return Status("pending", [], answer, f"payOS {state}")


ASK = {"vnpay": _ask_vnpay, "momo": _ask_momo, "payos": _ask_payos}


def query_checkout(session: Session, checkout: Checkout, *, box, signer, call: Call, base_url: str, now: datetime,
                   client_ip: str = "127.0.0.1") -> Asked:
    """Ask the provider about one checkout and act on the answer as its notification would."""
    if checkout.channel not in ASK:
        return Asked(checkout, "unsupported")
    setting = channel_settings.setting_of(session, checkout.school_id, checkout.channel)
    if not channel_settings.is_configured(setting):
        return Asked(checkout, "unsupported")
    secret = channel_settings.secrets_of(box, setting)
    checkout.queried_at = now
    status = ASK[checkout.channel](checkout, setting, secret, call=call, base_url=base_url, now=now, client_ip=client_ip)
    entry = CallbackLog(school_id=checkout.school_id, provider=_provider(checkout.channel), received_at=now,
                        body=json.dumps(status.raw, ensure_ascii=False)[:20000], verified=status.state != "error",
                        outcome=f"query: {status.state} {status.detail}".strip()[:100])
    session.add(entry)
    session.flush()
    if status.state == "captured":
        for txn_id, amount, note in status.captures:
            if checkout.channel == "payos":   # a bank credit too: recognised once with the feed's sightings
                link, reference = txn_id.split(":", 1)
                gateways.payos_captured(session, checkout, school=session.get(School, checkout.school_id), link=link,
                                        reference=reference, amount=amount, description="", when=now, payer="",
                                        payer_account="", account="", entry=entry, signer=signer, now=now)
                continue
            gateways.captured(session, checkout, provider=_provider(checkout.channel), school_id=checkout.school_id,
                              txn_id=txn_id, amount=amount, note=note, entry=entry, signer=signer, now=now,
                              wrong_amount=_l("Cổng báo số tiền khác số tiền của yêu cầu thanh toán"))
        entry.outcome = f"query: {entry.outcome}"[:100]
        session.refresh(checkout)
        return Asked(checkout, "paid" if entry.payment_id else "duplicate")
    if status.state == "failed":
        gateways.fail_checkout(session, checkout, status.detail or "query", now)
        return Asked(checkout, "failed")
    if status.state in ("pending", "not_found") and checkout.expires_at + ASK_AFTER <= now:
        if _expire(session, checkout, now):
            return Asked(checkout, "expired")
    return Asked(checkout, status.state)


def _provider(channel: str) -> str:
    return "xendit" if channel == "mobile_money" else channel


def _expire(session: Session, checkout: Checkout, now: datetime) -> bool:
    done = session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.PENDING)
                           .values(status=CheckoutStatus.EXPIRED, finished_at=now)
                           .returning(Checkout.id).execution_options(synchronize_session=False)).scalar()
    return done is not None


def due_checkouts(session: Session, now: datetime, limit: int = BATCH) -> list[Checkout]:
    """Pending checkouts whose time is up (plus the grace for a late IPN) and that were not asked
    about in the last ASK_AGAIN; oldest first."""
    return list(session.scalars(select(Checkout).where(
        Checkout.status == CheckoutStatus.PENDING, Checkout.expires_at <= now - ASK_AFTER,
        or_(Checkout.queried_at.is_(None), Checkout.queried_at <= now - ASK_AGAIN))
        .order_by(Checkout.expires_at).limit(limit)))


def sweep(session: Session, now: datetime, *, box, signer, call: Call, base_url: str) -> dict[str, int]:
    """The scheduled pass: ask about every due checkout (each in a savepoint of its own, so one
    provider's trouble does not stop the others); a channel that cannot be asked, or a checkout
    unanswered for GIVE_UP, is simply marked expired — a success arriving later is still recorded."""
    counts: dict[str, int] = {}
    for checkout in due_checkouts(session, now):
        if checkout.channel not in ASK or checkout.created_at <= now - GIVE_UP:
            outcome = "expired" if _expire(session, checkout, now) else "duplicate"
        else:
            try:
                with session.begin_nested():
                    outcome = query_checkout(session, checkout, box=box, signer=signer, call=call, base_url=base_url,
                                             now=now).outcome
            except Exception:  # noqa: BLE001 (logged by the scheduler's caller; the next pass asks again)
                session.execute(update(Checkout).where(Checkout.id == checkout.id).values(queried_at=now)
                                .execution_options(synchronize_session=False))
                outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def recover_missing(session: Session, items: list[ReconciliationItem], *, box, signer, call: Call, base_url: str,
                    now: datetime) -> int:
    """For the reconciliation's "missing" items (a provider lists a success we never heard of):
    ask the provider about the checkout and record what it confirms. Returns how many payments
    were recorded."""
    recorded = 0
    for item in items:
        if item.kind != "missing" or item.provider not in ASK or not item.order_ref:
            continue
        order = item.order_ref
        checkout = session.scalars(select(Checkout).where(
            Checkout.school_id == item.school_id,
            or_(Checkout.txn_ref == order, Checkout.order_code == (int(order) if order.isdigit() else -1)))).first()
        if checkout is None:
            continue
        asked = query_checkout(session, checkout, box=box, signer=signer, call=call, base_url=base_url, now=now)
        if asked.outcome in ("paid", "duplicate") and checkout.payment_id:
            item.payment_id = checkout.payment_id
            recorded += asked.outcome == "paid"
    session.flush()
    return recorded
