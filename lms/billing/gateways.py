"""Checkouts through a payment gateway and the gateways' notifications (VNPay 2.1.0 here).

A parent starts a checkout (at most one pending per invoice; a repeated click with the same key
returns the same one); the gateway's server-to-server notification (IPN) is the only thing that
changes money: it is checked in VNPay's order, the checkout is claimed with one guarded UPDATE,
and the payment, its ledger posting and its receipt are written in the same transaction — so 50
identical notifications at once record one payment and answer one 00 and 49 02. The return page
only displays. Money a gateway reports as captured is never dropped: a wrong amount becomes the
family's credit with a task, a success after the checkout expired or the invoice was settled or
voided is recorded (applied if possible) with a task."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.core.numbers import money
from lms.auth.models import User
from lms.billing import channel_settings, describe, payments, receipts, states
from lms.billing.channels import momo, payos, vnpay
from lms.billing.callbacks import open_callback, refuse
from lms.billing.matching import task
from lms.billing.models import CallbackLog, ChannelSetting, Checkout, CheckoutStatus, Invoice
from lms.core import audit
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.timeutil import utc_to_local
from lms.i18n import lazy_gettext as _l
from lms.people.models import School, Student

TZ = "Asia/Ho_Chi_Minh"
CHECKOUT_MINUTES = 15
# Each channel's endpoints per mode (sandbox, test, production) are in channels/registry.ENDPOINTS.
SANDBOX_PATHS = {"vnpay": "/sandbox/vnpay/vpcpay.html", "momo": "/sandbox/momo", "mobile_money": "/sandbox/xendit",
                 "payos": "/sandbox/payos"}
ORDER_CODE_BASE = 10**9
WALLET_LIMITS = {"VNPTWALLET": (1_000, 500_000_000), "VIETTELPAY": (1_000, 50_000_000)}


@dataclass
class Started:
    checkout: Checkout
    redirect: str


def start_checkout(session: Session, parent: User, invoice: Invoice, channel: str, *, key: str | None, box,
                   base_url: str, return_url: str, client_ip: str, locale: str, now: datetime,
                   post_json=None, sandbox_url: str | None = None) -> Started:
    """Begin paying an open invoice through a gateway; returns where to send the parent.
    `post_json(url, body, headers) -> (status, dict)` makes the server-to-server calls (MoMo's
    create); the sandbox's is answered inside the app. The gateway's address is the one of the
    channel's mode (`channel_settings.endpoint`); the local sandbox is under `sandbox_url`
    (default: `base_url`)."""
    sandbox_url = sandbox_url or base_url
    if invoice.status not in states.OPEN or invoice.due <= 0:
        raise ValidationError(_l("Hoá đơn này không còn khoản phải nộp."))
    setting = channel_settings.setting_of(session, invoice.school_id, channel)
    if not channel_settings.is_configured(setting) or channel not in SANDBOX_PATHS:
        raise NotFound(_l("Kênh thanh toán này chưa được nhà trường bật."))
    if key:
        same = session.scalars(select(Checkout).where(Checkout.school_id == invoice.school_id,
                                                      Checkout.idempotency_key == key)).first()
        if same is not None:
            if same.invoice_id != invoice.id or same.channel != channel:
                raise Conflict(_l("Yêu cầu thanh toán này đã được gửi cho một hoá đơn khác."))
            return Started(same, same.pay_url or "")
    session.execute(update(Checkout).where(Checkout.invoice_id == invoice.id, Checkout.status == CheckoutStatus.PENDING)
                    .values(status=CheckoutStatus.REPLACED, finished_at=now).execution_options(synchronize_session=False))
    attempt = (session.scalar(select(func.count()).select_from(Checkout).where(Checkout.invoice_id == invoice.id)) or 0) + 1
    checkout = Checkout(school_id=invoice.school_id, invoice_id=invoice.id, channel=channel,
                        method=setting.counts_as, txn_ref=f"{invoice.code}-{attempt}", amount=invoice.due,
                        payer_name=parent.full_name, idempotency_key=key, created_by=parent.id, created_at=now,
                        expires_at=now + timedelta(minutes=CHECKOUT_MINUTES))
    try:
        with session.begin_nested():
            session.add(checkout)
    except IntegrityError as exc:
        raise Conflict(_l("Đang có một yêu cầu thanh toán khác cho hoá đơn này; hãy tải lại trang.")) from exc
    secret = channel_settings.secrets_of(box, setting)
    if channel == "vnpay":
        local = utc_to_local(now, TZ)
        params = {"vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_TmnCode": setting.public["tmn_code"],
                  "vnp_Amount": str(checkout.amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": checkout.txn_ref,
                  "vnp_OrderInfo": describe.order_info(invoice, ascii_only=True),
                  "vnp_OrderType": "other", "vnp_Locale": "en" if locale == "en" else "vn",
                  "vnp_ReturnUrl": return_url, "vnp_IpAddr": client_ip or "127.0.0.1",
                  "vnp_CreateDate": f"{local:%Y%m%d%H%M%S}",
                  "vnp_ExpireDate": f"{local + timedelta(minutes=CHECKOUT_MINUTES):%Y%m%d%H%M%S}"}
        target = channel_settings.endpoint(setting, "pay", sandbox_url=sandbox_url)
        checkout.pay_url = vnpay.build_payment_url(target, params, secret["hash_secret"])
    elif channel == "momo":
        fields = {"partnerCode": setting.public["partner_code"], "requestId": f"{checkout.txn_ref}-r",
                  "amount": checkout.amount, "orderId": checkout.txn_ref,
                  "orderInfo": describe.order_info(invoice), "redirectUrl": return_url,
                  "ipnUrl": base_url.rstrip("/") + "/callbacks/momo/ipn", "requestType": "captureWallet",
                  "extraData": "", "lang": "en" if locale == "en" else "vi"}
        fields["signature"] = momo.sign_create(fields, secret["access_key"], secret["secret_key"])
        root = channel_settings.endpoint(setting, "api", sandbox_url=sandbox_url)
        status, answer = post_json(f"{root}/v2/gateway/api/create", fields, {})
        if status != 200 or answer.get("resultCode") != 0 or not answer.get("payUrl"):
            raise ValidationError(_l("MoMo chưa nhận yêu cầu thanh toán (mã %(c)s); hãy thử lại sau hoặc chọn cách khác.",
                                     c=answer.get("resultCode", status)))
        checkout.pay_url, checkout.provider_ref = answer["payUrl"], fields["requestId"]
    elif channel == "mobile_money":
        import base64

        wallet = setting.public["channel_code"]
        low, high = WALLET_LIMITS[wallet]
        if not low <= checkout.amount <= high:
            raise ValidationError(_l("Ví này chỉ nhận khoản từ %(a)s đến %(b)s đồng.", a=money(low),
                                     b=money(high)))
        body = {"reference_id": checkout.txn_ref, "type": "PAY", "country": "VN", "currency": "VND",
                "request_amount": checkout.amount, "channel_code": wallet,
                "channel_properties": {"success_return_url": f"{return_url}?ref={checkout.txn_ref}",
                                       "failure_return_url": f"{return_url}?ref={checkout.txn_ref}"},
                "description": describe.order_info(invoice),
                "metadata": {"invoice": invoice.code, "school": invoice.school_id}}
        auth = base64.b64encode(f"{secret['api_key']}:".encode()).decode()
        root = channel_settings.endpoint(setting, "api", sandbox_url=sandbox_url)
        status, answer = post_json(f"{root}/v3/payment_requests", body,
                                   {"Authorization": f"Basic {auth}", "api-version": "2024-11-11"})
        action = next((a for a in answer.get("actions") or [] if a.get("descriptor") == "WEB_URL"), None)
        if status not in (200, 201) or action is None:
            raise ValidationError(_l("Ví điện tử chưa nhận yêu cầu thanh toán; hãy thử lại sau hoặc chọn cách khác."))
        checkout.pay_url, checkout.provider_ref = action["value"], answer.get("payment_request_id")
    elif channel == "payos":
        checkout.order_code = ORDER_CODE_BASE + checkout.id
        description = describe.qr_purpose(invoice)
        body = {"orderCode": checkout.order_code, "amount": checkout.amount, "description": description,
                "cancelUrl": f"{return_url}?cancel=1", "returnUrl": return_url,
                "expiredAt": int(checkout.expires_at.timestamp())}
        body["signature"] = payos.sign_payment_request(body["amount"], body["cancelUrl"], description,
                                                       body["orderCode"], body["returnUrl"], secret["checksum_key"])
        root = channel_settings.endpoint(setting, "api", sandbox_url=sandbox_url)
        status, answer = post_json(f"{root}/v2/payment-requests", body,
                                   {"x-client-id": setting.public["client_id"], "x-api-key": secret["api_key"]})
        data = answer.get("data") or {}
        import hmac
        genuine = isinstance(data, dict) and data and hmac.compare_digest(
            payos.sign_data(data, secret["checksum_key"]).encode(), str(answer.get("signature", "")).encode())
        if status != 200 or answer.get("code") != "00" or not genuine:
            raise ValidationError(_l("payOS chưa tạo được liên kết thanh toán; hãy thử lại sau hoặc chọn cách khác."))
        checkout.pay_url, checkout.provider_ref = data["checkoutUrl"], data.get("paymentLinkId")
        checkout.qr_payload = data.get("qrCode")
    session.flush()
    audit.record(session, "checkout_started", actor_id=parent.id, school_id=invoice.school_id,
                 subject_type="invoice", subject_id=invoice.id, detail=f"{channel} {checkout.amount}")
    return Started(checkout, checkout.pay_url or "")


# ---------------------------------------------------------------- VNPay notifications

def vnpay_ipn(session: Session, pairs: list[tuple[str, str]], raw_query: bytes, *, box, signer,
              now: datetime) -> dict:
    """Decide VNPay's IPN and record what it says. `pairs` are the query's (key, value) pairs as
    received, so a duplicated key (parameter pollution) is refused as a bad signature."""
    params: dict[str, str] = {}
    polluted = False
    for k, v in pairs:
        # A key twice is parameter pollution. vnp_SecureHashType is outside the signed data and
        # VNPay (and the npm `vnpay` package, which drops it before verifying) may send it; we accept
        # it when it names the algorithm we check (HMAC-SHA512), and refuse one naming another.
        polluted |= k in params or (k == "vnp_SecureHashType" and v.strip().upper() not in vnpay.HASH_TYPES)
        params[k] = v
    setting = setting_by(session, "vnpay", "tmn_code", params.get("vnp_TmnCode"))
    entry = CallbackLog(school_id=setting.school_id if setting else None, provider="vnpay", received_at=now,
                        body=raw_query[:20000].decode("utf-8", "replace"))
    session.add(entry)
    session.flush()
    if setting is None or polluted:
        refuse(session, entry, "wrong merchant" if setting is None else "duplicated or injected keys")
        return vnpay._answer("97")
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    found: dict[str, Checkout] = {}

    def lookup(txn_ref):
        checkout = session.scalars(select(Checkout).where(Checkout.txn_ref == str(txn_ref),
                                                          Checkout.school_id == setting.school_id)).first()
        if checkout is None:
            return None
        found["checkout"] = checkout
        return SimpleNamespace(amount_vnd=checkout.amount, is_confirmed=checkout.status == CheckoutStatus.PAID)

    answer = vnpay.ipn_response(params, secret, lookup)
    code = answer["RspCode"]
    entry.verified = code not in ("97", "99")
    entry.outcome = f"RspCode {code}"
    if code == "97":
        refuse(session, entry, "bad signature")
        return answer
    checkout = found.get("checkout")
    if code == "04" and vnpay.is_success(params):
        # VNPay took the money but not the amount we asked for: keep it as credit, once.
        _record(session, checkout, provider="vnpay", txn_id=str(params.get("vnp_TransactionNo")),
                amount=_vnpay_amount(params), note=_vnpay_note(params), entry=entry, signer=signer, now=now, apply=False,
                why=str(_l("VNPay báo số tiền khác số tiền của yêu cầu thanh toán")))
        return answer
    if code != "00":
        return answer
    if not vnpay.is_success(params):
        fail_checkout(session, checkout, f"{params.get('vnp_ResponseCode')}/{params.get('vnp_TransactionStatus')}", now)
        entry.outcome = "failed payment"
        return answer
    claimed, late = _claim(session, checkout, now)
    if not claimed:  # another notification for the same payment won the race
        entry.outcome = "RspCode 02"
        return vnpay._answer("02")
    _record(session, checkout, provider="vnpay", txn_id=str(params.get("vnp_TransactionNo")), amount=checkout.amount,
            note=_vnpay_note(params), entry=entry, signer=signer, now=now, apply=True, why=str(LATE) if late else None)
    return answer


def _vnpay_note(params: Mapping[str, str]) -> str:
    return f"VNPay {params.get('vnp_BankCode', '')} {params.get('vnp_BankTranNo', '')}".strip()


def _vnpay_amount(params: Mapping[str, str]) -> int:
    raw = str(params.get("vnp_Amount", ""))
    return int(raw) // 100 if raw.isdigit() and 0 < int(raw) < 10**15 else 0


def _record(session: Session, checkout: Checkout, *, provider: str, txn_id: str, amount: int, note: str,
            entry: CallbackLog, signer, now: datetime, apply: bool, why: str | None) -> None:
    if amount <= 0:
        return
    invoice = session.get(Invoice, checkout.invoice_id)
    school = session.get(School, checkout.school_id)
    student = session.get(Student, invoice.student_id)
    data = payments.PaymentInput(checkout.method, amount, checkout.payer_name or invoice.payer_name, now,
                                 note=note, channel=checkout.channel, provider=provider, provider_txn_id=txn_id)
    # A claimed checkout's first capture is new; only the unusual paths can meet a payment again.
    new = (why is None and apply) or not _known(session, school.id, provider, txn_id)
    payment = payments.record_payment(session, None, school, student, invoice, data, signer=signer, now=now,
                                      apply=apply, receipt=False)
    entry.payment_id = payment.id
    session.execute(update(Checkout).where(Checkout.id == checkout.id).values(payment_id=payment.id)
                    .execution_options(synchronize_session=False))
    if new and (why or payment.applied < payment.amount):
        task(session, school.id, "gateway", f"{checkout.txn_ref}: {why or 'tiền thừa'} ({money(amount)} đ)",
             payment_id=payment.id, checkout_id=checkout.id)
    receipts.issue_receipt(session, school, payment, signer=signer, now=now)


def _claim(session: Session, checkout: Checkout, now: datetime) -> tuple[bool, bool]:
    """Mark a checkout paid, once: (claimed by this call, arrived late)."""
    before = checkout.status
    claimed = session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status != CheckoutStatus.PAID)
                              .values(status=CheckoutStatus.PAID, finished_at=now)
                              .returning(Checkout.id).execution_options(synchronize_session=False)).scalar()
    return claimed is not None, before != CheckoutStatus.PENDING or checkout.expires_at < now


def fail_checkout(session: Session, checkout: Checkout, failure: str, now: datetime) -> None:
    session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.PENDING)
                    .values(status=CheckoutStatus.FAILED, finished_at=now, failure=failure[:100])
                    .execution_options(synchronize_session=False))


def captured(session: Session, checkout: Checkout, *, provider: str, school_id: int, txn_id: str, amount: int,
              note: str, entry: CallbackLog, signer, now: datetime, wrong_amount: object) -> None:
    """Money a gateway reports as captured for one of our checkouts: a wrong amount is credit
    with a task; otherwise the checkout is claimed once and the payment recorded; another
    provider id for a checkout already paid is more money, kept as credit with a task; the same
    id again is a duplicate and writes nothing."""
    if amount != checkout.amount:
        entry.outcome = "wrong amount"
        _record(session, checkout, provider=provider, txn_id=txn_id, amount=amount, note=note, entry=entry,
                signer=signer, now=now, apply=False, why=str(wrong_amount))
        return
    claimed, late = _claim(session, checkout, now)
    if claimed or not _known(session, school_id, provider, txn_id):
        entry.outcome = "paid" if claimed else "second payment"
        _record(session, checkout, provider=provider, txn_id=txn_id, amount=amount, note=note, entry=entry,
                signer=signer, now=now, apply=True, why=None if claimed and not late else str(LATE if claimed else SECOND))
    else:
        entry.outcome = "duplicate"


LATE = _l("Thanh toán đến sau khi yêu cầu đã hết hạn hoặc được thay thế")
SECOND = _l("Lần thanh toán thứ hai cho cùng một yêu cầu: giữ làm tiền thừa")


def checkout_of_return(session: Session, params: Mapping[str, str], *, box) -> tuple[Checkout | None, bool]:
    """For the return page: the checkout and whether the parameters are genuinely VNPay's. It
    changes nothing, whatever they say."""
    setting = setting_by(session, "vnpay", "tmn_code", params.get("vnp_TmnCode"))
    if setting is None:
        return None, False
    genuine = vnpay.verify(params, channel_settings.secrets_of(box, setting).get("hash_secret", ""))
    checkout = session.scalars(select(Checkout).where(Checkout.txn_ref == str(params.get("vnp_TxnRef")),
                                                      Checkout.school_id == setting.school_id)).first()
    return checkout, genuine


def sandbox_vnpay_outcome(session: Session, params: Mapping[str, str], *, box, success: bool, now: datetime,
                          txn_no: int) -> tuple[dict[str, str], str] | None:
    """What VNPay's page would do once the payer confirms or cancels: the signed IPN parameters
    and the return URL. None when the request was not signed by the school's key."""
    setting = setting_by(session, "vnpay", "tmn_code", params.get("vnp_TmnCode"))
    if setting is None or not setting.public.get("sandbox"):
        return None
    secret = channel_settings.secrets_of(box, setting).get("hash_secret", "")
    if not vnpay.verify(params, secret):
        return None
    local = utc_to_local(now, TZ)
    ipn = {"vnp_Amount": params["vnp_Amount"], "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{txn_no}",
           "vnp_CardType": "ATM", "vnp_OrderInfo": params.get("vnp_OrderInfo", ""), "vnp_PayDate": f"{local:%Y%m%d%H%M%S}",
           "vnp_ResponseCode": "00" if success else "24", "vnp_TmnCode": params["vnp_TmnCode"],
           "vnp_TransactionNo": str(txn_no), "vnp_TransactionStatus": "00" if success else "02",
           "vnp_TxnRef": params["vnp_TxnRef"]}
    ipn["vnp_SecureHash"] = vnpay.sign(ipn, secret)
    return ipn, params.get("vnp_ReturnUrl", "")


# ---------------------------------------------------------------- MoMo (e-wallet; counts as website)

MOMO_PENDING = {9000, 8000, 7000, 7002, 1000}


setting_by = channel_settings.setting_by


def momo_ipn(session: Session, raw: bytes, *, box, signer, now: datetime) -> int:
    """MoMo's IPN (JSON POST): signature, partnerCode, orderId and amount checked; answered 204.
    A forged or malformed call gets 401 and changes nothing."""
    import hmac
    import json

    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        body = {}
    setting = setting_by(session, "momo", "partner_code", body.get("partnerCode"))
    entry = CallbackLog(school_id=setting.school_id if setting else None, provider="momo", received_at=now,
                        body=raw[:20000].decode("utf-8", "replace"))
    session.add(entry)
    session.flush()
    if setting is None:
        refuse(session, entry, "unknown partner")
        return 401
    keys = channel_settings.secrets_of(box, setting)
    expected = momo.sign_ipn(body, keys.get("access_key", ""), keys.get("secret_key", ""))
    if not hmac.compare_digest(expected.encode(), str(body.get("signature", "")).lower().encode()):
        refuse(session, entry, "bad signature")
        return 401
    entry.verified = True
    checkout = session.scalars(select(Checkout).where(Checkout.txn_ref == str(body.get("orderId")),
                                                      Checkout.school_id == setting.school_id)).first()
    try:
        result, amount = int(body.get("resultCode")), int(body.get("amount"))
    except (TypeError, ValueError):
        entry.outcome = "malformed"
        return 400
    if checkout is None:
        entry.outcome = "unknown order"
        if result == 0:
            task(session, setting.school_id, "gateway", f"MoMo {body.get('orderId')}: không có yêu cầu thanh toán "
                                                        f"này ({amount} đ, transId {body.get('transId')})")
        return 204
    txn_id, note = str(body.get("transId")), f"MoMo {body.get('payType', '')} {body.get('transId', '')}".strip()
    if result == 0:
        captured(session, checkout, provider="momo", school_id=setting.school_id, txn_id=txn_id, amount=amount,
                  note=note, entry=entry, signer=signer, now=now,
                  wrong_amount=_l("MoMo báo số tiền khác số tiền của yêu cầu thanh toán"))
    elif result in MOMO_PENDING:
        entry.outcome = f"pending {result}"
    else:
        fail_checkout(session, checkout, f"MoMo {result}", now)
        entry.outcome = f"failed {result}"
    return 204


def momo_return(session: Session, params: Mapping[str, str], *, box) -> tuple[Checkout | None, bool]:
    """For the return page (display only): the checkout and whether MoMo signed the parameters."""
    import hmac

    setting = setting_by(session, "momo", "partner_code", params.get("partnerCode"))
    if setting is None:
        return None, False
    keys = channel_settings.secrets_of(box, setting)
    genuine = hmac.compare_digest(momo.sign_ipn(params, keys.get("access_key", ""), keys.get("secret_key", "")).encode(),
                                  str(params.get("signature", "")).encode())
    checkout = session.scalars(select(Checkout).where(Checkout.txn_ref == str(params.get("orderId")),
                                                      Checkout.school_id == setting.school_id)).first()
    return checkout, genuine


def _sandbox_momo_keys(session: Session, fields: Mapping[str, object], box) -> dict | None:
    import hmac

    setting = setting_by(session, "momo", "partner_code", fields.get("partnerCode"))
    if setting is None or not setting.public.get("sandbox"):
        return None
    keys = channel_settings.secrets_of(box, setting)
    expected = momo.sign_create(fields, keys.get("access_key", ""), keys.get("secret_key", ""))
    return keys if hmac.compare_digest(expected.encode(), str(fields.get("signature", "")).encode()) else None


def sandbox_momo_create(session: Session, fields: Mapping[str, object], *, box, base_url: str) -> dict:
    """What MoMo's create API answers: a payUrl (here the local page, carrying the signed request)."""
    from urllib.parse import urlencode

    if _sandbox_momo_keys(session, fields, box) is None:
        return {"resultCode": 13, "message": "Merchant authentication failed"}
    query = urlencode({k: fields.get(k, "") for k in (*momo.CREATE_KEYS[1:], "signature")})
    return {"partnerCode": fields["partnerCode"], "orderId": fields["orderId"], "requestId": fields["requestId"],
            "amount": fields["amount"], "resultCode": 0, "message": "Thành công.",
            "payUrl": f"{base_url.rstrip('/')}{SANDBOX_PATHS['momo']}/pay?{query}"}


def sandbox_momo_outcome(session: Session, fields: Mapping[str, str], *, box, success: bool, now: datetime,
                         trans_id: int) -> tuple[dict, str] | None:
    """The IPN MoMo sends once the payer confirms or cancels in the app, and the redirect URL."""
    keys = _sandbox_momo_keys(session, fields, box)
    if keys is None:
        return None
    body = {"partnerCode": fields["partnerCode"], "orderId": fields["orderId"], "requestId": fields["requestId"],
            "amount": int(fields["amount"]), "orderInfo": fields.get("orderInfo", ""), "orderType": "momo_wallet",
            "transId": trans_id, "resultCode": 0 if success else 1006,
            "message": "Thành công." if success else "Giao dịch bị từ chối bởi người dùng.", "payType": "qr",
            "responseTime": int(now.timestamp() * 1000), "extraData": fields.get("extraData", "")}
    body["signature"] = momo.sign_ipn(body, keys["access_key"], keys["secret_key"])
    return body, str(fields.get("redirectUrl", ""))


# ---------------------------------------------------------------- Mobile Money through the aggregator (Xendit v3)

def mobile_money_callback(session: Session, school_code: str, token: str | None, raw: bytes, *, box, signer,
                          now: datetime) -> int:
    """The aggregator's webhook: `x-callback-token` must be the school's; business, currency and
    wallet must be the configured ones; statuses mapped per domain/payments.md §4.5. 200 once
    handled (a redelivery writes nothing), 401 when refused."""
    import hmac
    import json

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
        amount = int(sum(int(c.get("capture_amount", 0)) for c in data.get("captures") or [])
                     or data.get("request_amount") or data.get("capture_amount") or 0)
    except (ValueError, KeyError, TypeError, AttributeError):
        refuse(session, entry, "malformed")
        return 401
    if (body.get("business_id") != setting.public.get("business_id") or data.get("currency") != "VND"
            or data.get("channel_code") != setting.public.get("channel_code")):
        refuse(session, entry, "wrong business, currency or wallet")
        return 401
    entry.verified = True
    checkout = session.scalars(select(Checkout).where(Checkout.txn_ref == str(data.get("reference_id")),
                                                      Checkout.school_id == school.id)).first()
    txn_id = str(data.get("payment_id") or data.get("id") or "")
    if checkout is None:
        entry.outcome = "unknown order"
        if status == "SUCCEEDED":
            task(session, school.id, "gateway", f"Mobile Money {data.get('reference_id')}: không có yêu cầu thanh toán "
                                                f"này ({amount} đ, {txn_id})")
        return 200
    note = f"{data.get('channel_code')} {txn_id}"
    if status == "SUCCEEDED" and event in ("payment.capture", "ewallet.capture", ""):
        captured(session, checkout, provider="xendit", school_id=school.id, txn_id=txn_id, amount=amount, note=note,
                  entry=entry, signer=signer, now=now,
                  wrong_amount=_l("Số tiền ví báo khác số tiền của yêu cầu thanh toán"))
    elif status == "FAILED":
        fail_checkout(session, checkout, f"{data.get('failure_code') or 'FAILED'}", now)
        entry.outcome = "failed"
    elif status in ("EXPIRED", "CANCELED") or event == "payment_request.expiry":
        session.execute(update(Checkout).where(Checkout.id == checkout.id, Checkout.status == CheckoutStatus.PENDING)
                        .values(status=CheckoutStatus.EXPIRED, finished_at=now)
                        .execution_options(synchronize_session=False))
        entry.outcome = "expired"
    elif status in ("REQUIRES_ACTION", "PENDING"):
        entry.outcome = "pending"
    else:
        entry.outcome = f"task {status}"
        task(session, school.id, "gateway", f"Mobile Money {checkout.txn_ref}: trạng thái {status}",
             checkout_id=checkout.id)
    return 200


def _sandbox_wallet(session: Session, authorization: str | None, box) -> ChannelSetting | None:
    import base64
    import hmac

    try:
        given = base64.b64decode((authorization or "").removeprefix("Basic ").strip()).decode().rstrip(":")
    except (ValueError, UnicodeDecodeError):
        return None
    for row in session.scalars(select(ChannelSetting).where(ChannelSetting.channel == "mobile_money")):
        if row.public.get("sandbox") and hmac.compare_digest(
                channel_settings.secrets_of(box, row).get("api_key", "").encode(), given.encode()):
            return row
    return None


def _wallet_token(setting: ChannelSetting, box, fields: Mapping[str, object]) -> str:
    from lms.billing.channels import SHA256, hmac_hex

    key = channel_settings.secrets_of(box, setting).get("callback_token", "")
    return hmac_hex(SHA256, key, "|".join(str(fields.get(k, "")) for k in ("prq", "ref", "amount", "school", "back")))


def sandbox_wallet_create(session: Session, authorization: str | None, body: Mapping[str, object], *, box,
                          base_url: str) -> tuple[int, dict]:
    """What the aggregator's create answers: 201 with a WEB_URL (here the local wallet page)."""
    import secrets as pysecrets
    from urllib.parse import urlencode

    setting = _sandbox_wallet(session, authorization, box)
    if setting is None:
        return 401, {"error_code": "INVALID_API_KEY"}
    if body.get("currency") != "VND" or body.get("channel_code") != setting.public.get("channel_code"):
        return 400, {"error_code": "API_VALIDATION_ERROR"}
    school = session.get(School, setting.school_id)
    fields = {"prq": f"pr-{pysecrets.token_hex(8)}", "ref": body.get("reference_id"), "amount": body.get("request_amount"),
              "school": school.code, "back": (body.get("channel_properties") or {}).get("success_return_url", "")}
    fields["t"] = _wallet_token(setting, box, fields)
    return 201, {"payment_request_id": fields["prq"], "reference_id": fields["ref"], "status": "REQUIRES_ACTION",
                 "actions": [{"type": "REDIRECT_CUSTOMER", "descriptor": "WEB_URL",
                              "value": f"{base_url.rstrip('/')}{SANDBOX_PATHS['mobile_money']}/checkout?{urlencode(fields)}"}]}


def sandbox_wallet_outcome(session: Session, fields: Mapping[str, str], *, box, success: bool,
                           now: datetime) -> tuple[str, dict[str, str], bytes, str] | None:
    """The webhook the aggregator sends once the payer approves or declines in the wallet:
    (path, headers, body, where the browser goes back)."""
    import hmac
    import json
    import secrets as pysecrets

    school = session.scalars(select(School).where(School.code == fields.get("school"))).first()
    setting = channel_settings.setting_of(session, school.id, "mobile_money") if school else None
    if setting is None or not setting.public.get("sandbox") or not hmac.compare_digest(
            _wallet_token(setting, box, fields).encode(), str(fields.get("t", "")).encode()):
        return None
    data = {"payment_id": f"py-{pysecrets.token_hex(8)}", "payment_request_id": fields["prq"],
            "reference_id": fields["ref"], "status": "SUCCEEDED" if success else "FAILED",
            "request_amount": int(fields["amount"]), "currency": "VND", "channel_code": setting.public["channel_code"],
            "captures": [{"capture_id": f"cp-{pysecrets.token_hex(6)}", "capture_amount": int(fields["amount"])}]
            if success else [], "failure_code": None if success else "USER_DECLINED_PAYMENT"}
    body = {"event": "payment.capture" if success else "payment.failure", "business_id": setting.public["business_id"],
            "created": now.isoformat(), "data": data}
    token = channel_settings.secrets_of(box, setting)["callback_token"]
    return (f"/callbacks/mobile-money/{school.code}", {"x-callback-token": token, "Content-Type": "application/json"},
            json.dumps(body).encode(), fields.get("back", ""))


def checkout_by_ref(session: Session, txn_ref: str | None) -> Checkout | None:
    return session.scalars(select(Checkout).where(Checkout.txn_ref == str(txn_ref))).first() if txn_ref else None


# ---------------------------------------------------------------- payOS payment links (VietQR; counts as qr)

def payos_webhook(session: Session, school_code: str, raw: bytes, *, box, signer, now: datetime) -> int:
    """payOS's webhook: `signature` = sign_data(data) with the checksum key; the order is ours by
    its orderCode; a paid link records a QR payment once (per payment link and bank reference)."""
    import hmac
    import json

    school, setting, entry = open_callback(session, school_code, "payos", raw, now)
    if setting is None:
        return 401
    try:
        body = json.loads(raw)
        data = body["data"]
        given = str(body["signature"])
        key = channel_settings.secrets_of(box, setting).get("checksum_key", "")
        ok = isinstance(data, dict) and hmac.compare_digest(payos.sign_data(data, key).encode(), given.encode())
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        refuse(session, entry, "bad signature")
        return 401
    entry.verified = True
    try:
        order_code, amount = int(data.get("orderCode")), int(data.get("amount"))
    except (TypeError, ValueError):
        entry.outcome = "malformed"
        return 400
    checkout = session.scalars(select(Checkout).where(Checkout.order_code == order_code,
                                                      Checkout.school_id == school.id)).first()
    if checkout is None:
        entry.outcome = "unknown order"   # payOS's own test call when the webhook is set up lands here
        return 200
    if data.get("code") != "00" or body.get("code") != "00":
        fail_checkout(session, checkout, f"payOS {data.get('code')}", now)
        entry.outcome = "failed"
        return 200
    from lms.billing.callbacks import _when

    payos_captured(session, checkout, school=school, link=str(data.get("paymentLinkId") or checkout.provider_ref or ""),
                   reference=str(data.get("reference") or ""), amount=amount,
                   description=str(data.get("description") or ""), when=_when(data.get("transactionDateTime"), now),
                   payer=str(data.get("counterAccountName") or ""), payer_account=str(data.get("counterAccountNumber") or ""),
                   account=str(data.get("accountNumber") or ""), entry=entry, signer=signer, now=now)
    return 200


def payos_captured(session: Session, checkout: Checkout, *, school: School, link: str, reference: str, amount: int,
                   description: str, when: datetime, payer: str, payer_account: str, account: str, entry: CallbackLog,
                   signer, now: datetime) -> None:
    """A payOS payment is a real transfer into the school's account, so SePay, Casso or the
    statement will report the same credit: it is recorded as a bank credit first (by its bank
    reference), and the money once — by whichever path saw it first. When the bank feed was
    first and matched the invoice from the memo, the checkout is marked paid by that payment;
    when the feed queued it, this notice says which checkout it paid."""
    from lms.billing import matching
    from lms.billing.models import TransferStatus

    txn_id = f"{link}:{reference}"
    seen = matching.sight(session, school, matching.TransferIn(
        "payos", txn_id, amount, description, when, bank_reference=reference, counter_name=payer,
        counter_account=payer_account, account_number=account), now=now)
    row = seen.transaction
    if seen.outcome == "again":
        entry.outcome = "duplicate"
        return
    if seen.outcome == "known" and row.payment_id:
        entry.outcome, entry.payment_id = f"seen before: {row.source}"[:40], row.payment_id
        if _claim(session, checkout, now)[0]:
            session.execute(update(Checkout).where(Checkout.id == checkout.id).values(payment_id=row.payment_id)
                            .execution_options(synchronize_session=False))
        return
    if seen.outcome == "known" and row.status != TransferStatus.UNMATCHED:
        entry.outcome = "credit set aside"
        task(session, school.id, "gateway", f"payOS {checkout.txn_ref}: {money(amount)} đ — khoản này đã được "
                                            f"đánh dấu không phải khoản thu ({row.note})", checkout_id=checkout.id,
             bank_transaction_id=row.id)
        return
    note = f"payOS {reference} {payer}".strip()
    captured(session, checkout, provider="payos", school_id=school.id, txn_id=txn_id, amount=amount, note=note,
             entry=entry, signer=signer, now=now, wrong_amount=_l("payOS báo số tiền khác số tiền của liên kết thanh toán"))
    payment_id = entry.payment_id or session.scalar(select(payments.Payment.id).where(
        payments.Payment.school_id == school.id, payments.Payment.provider == "payos",
        payments.Payment.provider_txn_id == txn_id))
    if payment_id is not None:
        matching.settled_elsewhere(session, row, session.get(payments.Payment, payment_id), checkout.invoice_id, now,
                                   f"payOS {checkout.txn_ref}")


def _known(session: Session, school_id: int, provider: str, txn_id: str) -> bool:
    return session.scalar(select(payments.Payment.id).where(payments.Payment.school_id == school_id,
                                                            payments.Payment.provider == provider,
                                                            payments.Payment.provider_txn_id == txn_id)) is not None


def checkout_by_order_code(session: Session, order_code: str | None) -> Checkout | None:
    return session.scalars(select(Checkout).where(Checkout.order_code == int(order_code))).first() \
        if order_code and str(order_code).isdigit() else None


def sandbox_payos_setting(session: Session, client_id: str | None, api_key: str | None, box) -> ChannelSetting | None:
    import hmac

    row = setting_by(session, "payos", "client_id", client_id)
    if row is None or not row.public.get("sandbox"):
        return None
    stored = channel_settings.secrets_of(box, row).get("api_key", "")
    return row if hmac.compare_digest(stored.encode(), (api_key or "").encode()) else None


def sandbox_payos_create(session: Session, client_id: str | None, api_key: str | None, body: Mapping[str, object], *,
                         box, base_url: str) -> tuple[int, dict]:
    """payOS's create: checks the keys and the request signature, answers the link (here the
    local page) and a VietQR of the school's account, signed like payOS's answer."""
    import hmac
    from urllib.parse import urlencode

    from lms.billing import vietqr

    setting = sandbox_payos_setting(session, client_id, api_key, box)
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
            "checkoutUrl": f"{base_url.rstrip('/')}{SANDBOX_PATHS['payos']}/checkout?{urlencode(query)}",
            "qrCode": vietqr.build_payload(school.bank_bin, school.bank_account_number, amount=int(body["amount"]),
                                           purpose=str(body["description"])[:25])}
    return 200, {"code": "00", "desc": "success", "data": data, "signature": payos.sign_data(data, key)}


def sandbox_payos_outcome(session: Session, query: Mapping[str, str], *, box, now: datetime, reference: str
                          ) -> tuple[str, bytes, str] | None:
    """The webhook payOS sends once the transfer to the link's VietQR arrives: (path, body, back)."""
    import hmac
    import json

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
            "transactionDateTime": f"{utc_to_local(now, TZ):%Y-%m-%d %H:%M:%S}", "currency": "VND",
            "paymentLinkId": fields["link"], "code": "00", "desc": "success", "counterAccountBankId": "",
            "counterAccountBankName": "", "counterAccountName": None, "counterAccountNumber": None,
            "virtualAccountName": "", "virtualAccountNumber": ""}
    body = {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos.sign_data(data, key)}
    back = f"{fields['back']}?code=00&id={fields['link']}&cancel=false&status=PAID&orderCode={fields['orderCode']}"
    return f"/callbacks/payos/{school.code}", json.dumps(body, ensure_ascii=False).encode(), back
