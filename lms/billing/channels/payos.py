"""payOS payment links (domain/payments.md §5; a VietQR transfer, counts as QR) — everything about
payOS in one place: the signatures, HMAC-SHA256 with the checksum key (pure, CONTRACTS.md), then
creating a link, recording its webhook as a bank credit (the bank feeds see the same transfer),
the return page, the payment-link lookup and the columns of its transaction report."""
from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update

from lms.billing import channel_settings, checkouts, describe, matching
from lms.billing.callbacks import _when, open_callback, refuse
from lms.billing.channels import SHA256, hmac_hex
from lms.billing.models import BankTransaction, Checkout, Invoice, Payment, TransferStatus
from lms.core.errors import ValidationError
from lms.core.numbers import money
from lms.i18n import lazy_gettext as _l
from lms.people.models import School


def sign_payment_request(amount: int, cancel_url: str, description: str, order_code: int, return_url: str,
                         checksum_key: str) -> str:
    raw = (f"amount={amount}&cancelUrl={cancel_url}&description={description}&orderCode={order_code}"
           f"&returnUrl={return_url}")
    return hmac_hex(SHA256, checksum_key, raw)


def _value(value: object) -> str:
    # payOS's published check (its documentation's sample code and its own SDKs) signs a missing
    # value — null, or the strings "null" and "undefined" its JavaScript side may write for one — as
    # "": an empty memo or payer is signed empty, whichever way payOS wrote it.
    if value is None or value in ("null", "undefined"):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def text(data: Mapping[str, object], key: str) -> str:
    """A text field of payOS's data as it signs it: missing, null, "null" or "undefined" is empty."""
    return _value(data.get(key)) if not isinstance(data.get(key), (list, dict, bool)) else ""


def sign_data(data: Mapping[str, object], checksum_key: str) -> str:
    """Webhook and response data: keys sorted, None (or "null", "undefined") → "", booleans
    true/false, lists as JSON."""
    raw = "&".join(f"{k}={_value(data[k])}" for k in sorted(data))
    return hmac_hex(SHA256, checksum_key, raw)


# ================================================================ payOS as one of the school's gateways

PROVIDER = "payos"
REPORT_COLUMNS = {"order": ("ordercode", "order code", "ma don hang payos")}
ORDER_CODE_BASE = 10**9


def genuine(data: object, signature: object, checksum_key: str) -> bool:
    """Whether payOS signed `data` (a webhook's or an API answer's)."""
    return isinstance(data, dict) and bool(data) and hmac.compare_digest(
        sign_data(data, checksum_key).encode(), str(signature or "").encode())


def start(checkout, invoice, setting, secret: Mapping[str, str], begin) -> None:
    """payOS's create answers a checkout page and the VietQR of the school's account."""
    checkout.order_code = ORDER_CODE_BASE + checkout.id
    description = describe.qr_purpose(invoice)
    body = {"orderCode": checkout.order_code, "amount": checkout.amount, "description": description,
            "cancelUrl": f"{begin.return_url}?cancel=1", "returnUrl": begin.return_url,
            "expiredAt": int(checkout.expires_at.timestamp())}
    body["signature"] = sign_payment_request(body["amount"], body["cancelUrl"], description, body["orderCode"],
                                             body["returnUrl"], secret["checksum_key"])
    root = channel_settings.endpoint(setting, "api", sandbox_url=begin.sandbox_url)
    status, answer = begin.post_json(f"{root}/v2/payment-requests", body,
                                     {"x-client-id": setting.public["client_id"], "x-api-key": secret["api_key"]})
    data = answer.get("data") or {}
    if status != 200 or answer.get("code") != "00" or not genuine(data, answer.get("signature"), secret["checksum_key"]):
        raise ValidationError(_l("payOS chưa tạo được liên kết thanh toán; hãy thử lại sau hoặc chọn cách khác."))
    checkout.pay_url, checkout.provider_ref = data["checkoutUrl"], data.get("paymentLinkId")
    checkout.qr_payload = data.get("qrCode")


def notification(session, school_code: str, raw: bytes, *, box, signer, now: datetime) -> int:
    """payOS's webhook: `signature` = sign_data(data) with the checksum key; the order is ours by
    its orderCode; a paid link records a QR payment once (per payment link and bank reference)."""
    school, setting, entry = open_callback(session, school_code, PROVIDER, raw, now)
    if setting is None:
        return 401
    try:
        body = json.loads(raw)
        data = body["data"]
        ok = genuine(data, str(body["signature"]), channel_settings.secrets_of(box, setting).get("checksum_key", ""))
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        refuse(session, entry, "bad signature")
        return 401
    entry.verified = True
    try:
        order_code, amount = int(data.get("orderCode")), checkouts.feed_amount(data.get("amount"))
    except (TypeError, ValueError):
        entry.outcome = "malformed data.amount"
        return 400
    checkout = session.scalars(select(Checkout).where(Checkout.order_code == order_code,
                                                      Checkout.school_id == school.id)).first()
    if checkout is None:
        entry.outcome = "unknown order"
        if data.get("code") == "00" and body.get("code") == "00" and not _setup_test(data):
            _unknown_paid(session, school, data, amount, entry, now)
        return 200
    if data.get("code") != "00" or body.get("code") != "00":
        checkouts.fail(session, checkout, f"payOS {data.get('code')}", now)
        entry.outcome = "failed"
        return 200
    credit(session, checkout, school=school, link=str(data.get("paymentLinkId") or checkout.provider_ref or ""),
           reference=text(data, "reference"), amount=amount, description=text(data, "description"),
           when=_when(data.get("transactionDateTime"), now), payer=text(data, "counterAccountName"),
           payer_account=text(data, "counterAccountNumber"), account=text(data, "accountNumber"),
           entry=entry, signer=signer, now=now)
    return 200


# The sample payOS posts when the webhook URL is confirmed (its documented test data): not money.
SETUP_TEST_REFERENCE = "TF230204212323"


def _setup_test(data: Mapping) -> bool:
    return text(data, "reference") == SETUP_TEST_REFERENCE


def _unknown_paid(session, school, data: Mapping, amount: int, entry, now: datetime) -> None:
    """A paid link we never created: the transfer is real money in the school's account, so it
    waits in the queue of unmatched credits (once, by its bank reference) and the accountant gets
    a task saying so — never a silent success."""
    link, reference = text(data, "paymentLinkId"), text(data, "reference")
    seen = matching.sight(session, school, matching.TransferIn(
        PROVIDER, f"{link}:{reference}", amount, text(data, "description"),
        _when(data.get("transactionDateTime"), now), bank_reference=reference,
        counter_name=text(data, "counterAccountName"),
        counter_account=text(data, "counterAccountNumber"),
        account_number=text(data, "accountNumber")), now=now)
    if seen.outcome == "again":
        entry.outcome = "duplicate"
        return
    if seen.outcome == "new":   # the queue row says why it waits, as every queued credit does
        other = matching.account_problem(school, text(data, "accountNumber"), required=False)
        seen.transaction.note = "; ".join(str(x) for x in (
            _l("payOS báo khoản đã trả cho liên kết thanh toán %(o)s mà trường không tạo", o=data.get("orderCode")),
            other) if x)[:300]
    checkouts.unknown_order(session, school.id, entry, f"payOS {data.get('orderCode')}: không có yêu cầu thanh toán "
                            f"này ({money(amount, 'vi')} đ, {reference}); khoản tiền chờ trong danh sách chưa khớp",
                            bank_transaction_id=seen.transaction.id)


def memo_of(session, checkout: Checkout, description: str) -> str:
    """The memo of a payOS transfer as the bank carries it: payOS's own `description` — or, when
    payOS leaves it empty or without the code (a status lookup, a bank that did not pass it on),
    the content the payment link asked the payer's bank to carry (`describe.qr_purpose`: the
    invoice code and a short reason). A statement or feed reporting the same transfer without a
    bank reference then finds it by amount, day and memo, as any other (lms.billing.matching)."""
    if matching.read_references(description or ""):
        return description
    purpose = describe.qr_purpose(session.get(Invoice, checkout.invoice_id))
    return f"{description} {purpose}".strip() if description and purpose not in description else purpose


def credit(session, checkout: Checkout, *, school, link: str, reference: str, amount: int, description: str,
           when: datetime, payer: str, payer_account: str, account: str, entry, signer, now: datetime) -> None:
    """A payOS payment is a real transfer into the school's account, so SePay, Casso or the
    statement will report the same credit: it is recorded as a bank credit first (by its bank
    reference), and the money once — by whichever path saw it first. When the bank feed was
    first and matched the invoice from the memo, the checkout is marked paid by that payment;
    when the feed queued it, this notice says which checkout it paid."""
    txn_id = f"{link}:{reference}"
    seen = matching.sight(session, school, matching.TransferIn(
        PROVIDER, txn_id, amount, memo_of(session, checkout, description), when, bank_reference=reference,
        counter_name=payer,
        counter_account=payer_account, account_number=account), now=now)
    row = seen.transaction
    if seen.outcome == "again":
        entry.outcome = "duplicate"
        return
    if seen.outcome == "known" and row.payment_id:
        entry.outcome, entry.payment_id = f"seen before: {row.source}"[:40], row.payment_id
        if checkouts.claim(session, checkout, now)[0]:
            session.execute(update(Checkout).where(Checkout.id == checkout.id).values(payment_id=row.payment_id)
                            .execution_options(synchronize_session=False))
        return
    if seen.outcome == "known" and row.status != TransferStatus.UNMATCHED:
        entry.outcome = "credit set aside"
        matching.task(session, school.id, "gateway", f"payOS {checkout.txn_ref}: {money(amount, 'vi')} đ — khoản này đã được "
                                                     f"đánh dấu không phải khoản thu ({row.note})",
                      checkout_id=checkout.id, bank_transaction_id=row.id)
        return
    if getattr(row, "alike", None) is not None:    # payOS confirms its checkout; the feed's credit may be this one
        matching.task(session, school.id, "gateway", f"payOS {checkout.txn_ref}: {row.note}", checkout_id=checkout.id,
                      bank_transaction_id=row.id)
    note = f"payOS {reference} {payer}".strip()
    checkouts.captured(session, checkout, provider=PROVIDER, school_id=school.id, txn_id=txn_id, amount=amount,
                       note=note, entry=entry, signer=signer, now=now,
                       wrong_amount=_l("payOS báo số tiền khác số tiền của liên kết thanh toán"))
    payment_id = entry.payment_id or session.scalar(select(Payment.id).where(
        Payment.school_id == school.id, Payment.provider == PROVIDER, Payment.provider_txn_id == txn_id))
    if payment_id is not None:
        matching.settled_elsewhere(session, row, session.get(Payment, payment_id), checkout.invoice_id, now,
                                   f"payOS {checkout.txn_ref}")


def report_key(txn_id: str) -> str:
    """What payOS's transaction report lists for a payment we record as "<payment link>:<bank
    reference>": the bank reference (reconciliation)."""
    return txn_id.split(":")[-1]


def recorded_elsewhere(session, school, rows) -> dict[str, Payment]:
    """payOS transfers of its report that a bank feed or a statement recorded first (a payOS
    payment is a bank credit too, lms.billing.matching): the payment, by the report's id, which is
    the bank reference — of the credit with the line's amount and day (`matching.same_credit`:
    banks use references again). `rows`: the report's lines (txn_id, amount, when)."""
    lines: dict[str, list] = {}
    for r in rows:
        lines.setdefault(r.txn_id, []).append(r)
    return {credit.bank_reference: payment for credit, payment in session.execute(
        select(BankTransaction, Payment).join(Payment, Payment.id == BankTransaction.payment_id)
        .where(BankTransaction.school_id == school.id, BankTransaction.bank_reference.in_(list(lines) or [""])))
        if any(matching.same_credit(credit, r.amount, r.when) for r in lines[credit.bank_reference])}


def returned(session, params: Mapping[str, str], *, box):
    """For the return page (display only): payOS's return parameters are not signed, so they change
    nothing; they only decide what the page says — "the gateway reported success, the school waits
    for its confirmation" when they say PAID (code 00, status PAID, not cancelled), which is all a
    forged link could make the parent's own page say."""
    return checkouts.by_order_code(session, params.get("orderCode")), True


def said_success(params: Mapping[str, str]) -> bool:
    """payOS's return URL reports success as code=00, status=PAID and cancel=false."""
    return (params.get("code") == "00" and str(params.get("status", "")).upper() == "PAID"
            and str(params.get("cancel", "false")).lower() != "true")


def ask(checkout, setting, secret: Mapping[str, str], *, call, base_url: str, now, client_ip: str):
    """The payment-link lookup (GET /v2/payment-requests/<orderCode>); each bank transfer into the
    link is one capture, keyed "<payment link>:<bank reference>"."""
    root = channel_settings.endpoint(setting, "api", sandbox_url=base_url)
    status, answer = call("GET", f"{root}/v2/payment-requests/{checkout.order_code}", None,
                          {"x-client-id": setting.public["client_id"], "x-api-key": secret.get("api_key", "")})
    data = answer.get("data")
    if status != 200 or answer.get("code") != "00" or not genuine(data, answer.get("signature"),
                                                                 secret.get("checksum_key", "")):
        return checkouts.Status("not_found" if str(answer.get("code")) == "101" else "error", [], answer,
                                f"HTTP {status}")
    if str(data.get("orderCode")) != str(checkout.order_code):
        return checkouts.Status("error", [], answer, "orderCode")
    captures, details = [], {}
    for t in data.get("transactions") or []:
        try:
            txn_id = f"{data.get('id')}:{t['reference']}"
            captures.append((txn_id, checkouts.feed_amount(t["amount"]),
                             f"payOS {t['reference']} {t.get('counterAccountName') or ''}".strip()))
        except (KeyError, TypeError, ValueError):
            return checkouts.Status("error", [], answer, "transactions")
        details[txn_id] = t    # the transfer as payOS saw it: memo, time, payer, accounts
    state = str(data.get("status"))
    if captures:
        return checkouts.Status("captured", captures, answer, extra={"transactions": details})
    if state in ("CANCELLED", "EXPIRED", "FAILED"):
        return checkouts.Status("failed", [], answer, f"payOS {state}")
    return checkouts.Status("pending", [], answer, f"payOS {state}")


def recorded(session, checkout: Checkout, captures, *, entry, signer, now: datetime, details=None) -> None:
    """What the lookup confirmed, recorded as the webhook would: a bank credit, once — with the
    transfer's own memo, time, payer and accounts from the lookup (they were dropped: an empty
    memo dated at the moment of asking, which a statement line of the same transfer without a
    reference could not recognise)."""
    school = session.get(School, checkout.school_id)
    for txn_id, amount, _note in captures:
        link, reference = txn_id.split(":", 1)
        t = (details or {}).get(txn_id) or {}
        credit(session, checkout, school=school, link=link, reference=reference, amount=amount,
               description=text(t, "description"), when=_when(t.get("transactionDateTime"), now),
               payer=text(t, "counterAccountName"), payer_account=text(t, "counterAccountNumber"),
               account=text(t, "accountNumber"), entry=entry, signer=signer, now=now)
